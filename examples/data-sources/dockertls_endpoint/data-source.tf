resource "dockertls_ca" "docker" {}

resource "dockertls_server_cert" "host" {
  ca_cert_pem_wo        = dockertls_ca.docker.cert_pem
  ca_private_key_pem_wo = dockertls_ca.docker.private_key_pem
  dns_names             = ["docker.example.com"]
}

# A client certificate for monitoring only: the data source stores its key
# in the state, so keep it apart from administrators' certificates and short-lived.
resource "dockertls_client_cert" "monitor" {
  ca_cert_pem_wo        = dockertls_ca.docker.cert_pem
  ca_private_key_pem_wo = dockertls_ca.docker.private_key_pem
  common_name           = "monitor"
  validity_period_hours = 720
  early_renewal_hours   = 168
}

data "dockertls_endpoint" "host" {
  host            = "tcp://docker.example.com:2376"
  ca_cert_pem     = dockertls_ca.docker.cert_pem
  client_cert_pem = dockertls_client_cert.monitor.cert_pem
  client_key_pem  = dockertls_client_cert.monitor.private_key_pem
}

output "daemon" {
  value = {
    verified     = data.dockertls_endpoint.host.verified
    error_kind   = data.dockertls_endpoint.host.error_kind
    error        = data.dockertls_endpoint.host.error
    docker       = data.dockertls_endpoint.host.docker_version
    serves_state = data.dockertls_endpoint.host.server_cert_fingerprint_sha256 == dockertls_server_cert.host.cert_fingerprint_sha256
    cert_expires = data.dockertls_endpoint.host.server_cert_not_after
    # "exact": the daemon's ca.pem names this CA and no other.
    client_cas = data.dockertls_endpoint.host.accepted_client_ca_match
  }
}
