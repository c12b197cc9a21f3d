terraform {
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

# The provider takes no settings: it calls no API (dockertls_endpoint only
# dials the daemon it is given), and everything it makes
# lives in the Terraform state.
provider "dockertls" {}
