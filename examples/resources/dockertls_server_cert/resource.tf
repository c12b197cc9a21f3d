resource "dockertls_ca" "docker" {}

# The daemon's server-cert.pem and server-key.pem. The SANs must cover every
# name and address clients put in DOCKER_HOST.
# ca_cert_pem_wo and ca_private_key_pem_wo are write-only (Terraform 1.11+):
# this resource's state keeps neither a copy of the CA key nor of the CA
# certificate, only the CA's fingerprint (ca_cert_fingerprint_sha256).
resource "dockertls_server_cert" "docker_host" {
  ca_cert_pem_wo        = dockertls_ca.docker.cert_pem
  ca_private_key_pem_wo = dockertls_ca.docker.private_key_pem

  dns_names    = ["docker.example.com"]
  ip_addresses = ["203.0.113.10", "127.0.0.1"]
}

# When the daemon must be restarted with a renewed certificate.
output "server_cert_expires" {
  value = dockertls_server_cert.docker_host.validity_end_time
}
