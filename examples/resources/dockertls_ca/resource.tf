# One CA per trust domain: every daemon that trusts it admits every client it signs.
resource "dockertls_ca" "docker" {
  organization = "Example Corp"

  # Ten years, renewed (with all its leaves) in the last year: the defaults.
  validity_period_hours = 87600
  early_renewal_hours   = 8760
}

# The daemon's ca.pem and the client's ca.pem are both this certificate.
output "ca_pem" {
  value = dockertls_ca.docker.cert_pem
}
