# The current CA and the next one, during a rotation.
resource "dockertls_ca" "current" {
  common_name = "Docker daemon CA 2026"
}

resource "dockertls_ca" "next" {
  common_name = "Docker daemon CA 2027"
}

# One ca.pem that trusts both: daemons admit clients of either CA, and
# clients accept daemons of either.
data "dockertls_ca_bundle" "trusted" {
  ca_cert_pems = [dockertls_ca.current.cert_pem, dockertls_ca.next.cert_pem]
}

output "ca_pem" {
  description = "Write it as ca.pem on every daemon and client."
  value       = data.dockertls_ca_bundle.trusted.bundle_pem
}

# Warn a year before a trusted CA expires.
check "ca_rotation_due" {
  assert {
    condition     = timecmp(data.dockertls_ca_bundle.trusted.expires_first, timeadd(plantimestamp(), "8760h")) > 0
    error_message = "A trusted CA expires at ${data.dockertls_ca_bundle.trusted.expires_first}: start the next rotation."
  }
}
