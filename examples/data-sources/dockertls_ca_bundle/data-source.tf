# The CA in service, and the one that replaces it, made ahead of the switch.
resource "dockertls_ca" "current" {
  common_name = "Docker daemon CA 2025"
}

resource "dockertls_ca" "next" {
  common_name = "Docker daemon CA 2026"
}

# Both CAs in one ca.pem. Deploy it to every daemon and client first, then
# move the server and client certificates to the next CA, then drop the
# current CA from the list and deploy the bundle again.
data "dockertls_ca_bundle" "docker" {
  ca_cert_pems = [
    dockertls_ca.current.cert_pem,
    dockertls_ca.next.cert_pem,
  ]
}

# The contents of ca.pem for daemons (daemon.json's tlscacert) and clients
# (DOCKER_CERT_PATH), written by whatever deploys the other files.
output "ca_pem" {
  value = data.dockertls_ca_bundle.docker.bundle_pem
}

# Rebuild and redeploy the bundle before this date.
output "ca_bundle_expires_first" {
  value = data.dockertls_ca_bundle.docker.expires_first
}
