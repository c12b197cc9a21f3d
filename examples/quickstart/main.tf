# The quick start: a CA, a server certificate for a daemon on this machine,
# and a client certificate. quickstart.sh applies it with a locally built
# provider and writes the files Docker expects.
terraform {
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

resource "dockertls_ca" "this" {
  common_name = "Quick start Docker CA"
}

resource "dockertls_server_cert" "local" {
  ca_cert_pem        = dockertls_ca.this.cert_pem
  ca_private_key_pem = dockertls_ca.this.private_key_pem
  dns_names          = ["localhost"]
  ip_addresses       = ["127.0.0.1", "::1"]
}

resource "dockertls_client_cert" "me" {
  ca_cert_pem        = dockertls_ca.this.cert_pem
  ca_private_key_pem = dockertls_ca.this.private_key_pem
}

output "ca_pem" {
  value = dockertls_ca.this.cert_pem
}

output "server_cert_pem" {
  value = dockertls_server_cert.local.cert_pem
}

output "server_key_pem" {
  value     = dockertls_server_cert.local.private_key_pem
  sensitive = true
}

output "client_cert_pem" {
  value = dockertls_client_cert.me.cert_pem
}

output "client_key_pem" {
  value     = dockertls_client_cert.me.private_key_pem
  sensitive = true
}

output "server_fingerprint_sha256" {
  value = dockertls_server_cert.local.cert_fingerprint_sha256
}

output "server_validity_end_time" {
  value = dockertls_server_cert.local.validity_end_time
}
