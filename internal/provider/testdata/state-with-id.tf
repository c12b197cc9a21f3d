terraform {
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

resource "dockertls_ca" "test" {}

resource "dockertls_server_cert" "test" {
  ca_cert_pem           = dockertls_ca.test.cert_pem
  ca_private_key_pem_wo = dockertls_ca.test.private_key_pem
  dns_names             = ["docker.test"]
}

resource "dockertls_client_cert" "test" {
  ca_cert_pem        = dockertls_ca.test.cert_pem
  ca_private_key_pem = dockertls_ca.test.private_key_pem
}
