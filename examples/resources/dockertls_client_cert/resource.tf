resource "dockertls_ca" "docker" {}

# The docker CLI's cert.pem and key.pem (with the CA as ca.pem) in
# ~/.docker or $DOCKER_CERT_PATH.
resource "dockertls_client_cert" "ci" {
  ca_cert_pem_wo        = dockertls_ca.docker.cert_pem
  ca_private_key_pem_wo = dockertls_ca.docker.private_key_pem

  common_name           = "ci-runner"
  validity_period_hours = 720 # 30 days
  early_renewal_hours   = 168 # renewed in its last week
}

output "client_key_pem" {
  value     = dockertls_client_cert.ci.private_key_pem
  sensitive = true
}
