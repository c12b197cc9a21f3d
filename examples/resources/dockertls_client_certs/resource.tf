resource "dockertls_ca" "docker" {}

# One client certificate per person or job, in one resource. An entry's name
# is its common name unless it sets one.
resource "dockertls_client_certs" "team" {
  ca_cert_pem_wo        = dockertls_ca.docker.cert_pem
  ca_private_key_pem_wo = dockertls_ca.docker.private_key_pem

  clients = {
    alice  = {}
    bob    = { organization = "Ops" }
    ci-job = { common_name = "ci" }
  }
}

# cert.pem and key.pem for alice.
output "alice_cert_pem" {
  value = dockertls_client_certs.team.certs["alice"].cert_pem
}

output "alice_key_pem" {
  value     = dockertls_client_certs.team.private_keys["alice"]
  sensitive = true
}
