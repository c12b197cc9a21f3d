terraform {
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

# The provider takes no settings: it calls no API, and everything it makes
# lives in the Terraform state.
provider "dockertls" {}
