# The PKI of one daemon, as in the guide "Securing a remote Docker daemon".
resource "dockertls_ca" "docker" {}

resource "dockertls_server_cert" "host" {
  ca_cert_pem_wo        = dockertls_ca.docker.cert_pem
  ca_private_key_pem_wo = dockertls_ca.docker.private_key_pem
  dns_names             = ["docker.example.com"]
}

resource "dockertls_client_cert" "ops" {
  ca_cert_pem_wo        = dockertls_ca.docker.cert_pem
  ca_private_key_pem_wo = dockertls_ca.docker.private_key_pem
}

# What the state knows: the certificate is inside its early-renewal window.
# Refresh sets ready_for_renewal, so this warns in `terraform plan
# -refresh-only`; a normal plan replaces the certificate instead (exit code 2),
# and checks the planned replacement, which is not due.
check "server_cert_renewal" {
  assert {
    condition     = !dockertls_server_cert.host.ready_for_renewal
    error_message = "dockertls_server_cert.host is inside its renewal window (it expires at ${dockertls_server_cert.host.validity_end_time}): apply to renew it, then deploy the new certificate."
  }
}

# What the daemon serves, seen live. The data source sits inside the check
# block, so a daemon that cannot be reached warns instead of failing the plan.
check "daemon_serves_current_certificate" {
  data "dockertls_endpoint" "host" {
    host            = "tcp://docker.example.com:2376"
    ca_cert_pem     = dockertls_ca.docker.cert_pem
    client_cert_pem = dockertls_client_cert.ops.cert_pem
    client_key_pem  = dockertls_client_cert.ops.private_key_pem
  }

  # The served certificate verifies against the CA for this host name, and
  # the daemon refuses a client that presents no certificate (with tlsverify
  # off it would serve anyone).
  assert {
    condition     = data.dockertls_endpoint.host.verified
    error_message = "docker.example.com:2376 did not pass verification against the CA: ${coalesce(data.dockertls_endpoint.host.error, "no error reported")}"
  }

  # A certificate renewed in state but never deployed, or a host rebuilt from
  # an old image: the daemon serves another certificate than the state holds.
  assert {
    condition     = data.dockertls_endpoint.host.server_cert_fingerprint_sha256 == null || data.dockertls_endpoint.host.server_cert_fingerprint_sha256 == dockertls_server_cert.host.cert_fingerprint_sha256
    error_message = "docker.example.com:2376 serves the certificate ${coalesce(data.dockertls_endpoint.host.server_cert_fingerprint_sha256, "(none)")}, the state holds ${dockertls_server_cert.host.cert_fingerprint_sha256}: deploy server-cert.pem and server-key.pem and restart dockerd."
  }

  # Expiry of the certificate actually served, 30 days ahead. A conditional,
  # not ||: Terraform evaluates both sides of || and timecmp refuses null.
  assert {
    condition     = data.dockertls_endpoint.host.server_cert_not_after == null ? true : timecmp(data.dockertls_endpoint.host.server_cert_not_after, timeadd(plantimestamp(), "720h")) > 0
    error_message = "The certificate docker.example.com:2376 serves expires at ${coalesce(data.dockertls_endpoint.host.server_cert_not_after, "(unknown)")}, within 30 days."
  }

  # The daemon's ca.pem (its tlscacert) names no CA beyond this one: another
  # CA there, a public bundle say, admits whoever that CA certifies.
  assert {
    condition     = data.dockertls_endpoint.host.accepted_client_ca_match != "beyond" && data.dockertls_endpoint.host.accepted_client_ca_match != "unlisted"
    error_message = "docker.example.com:2376 admits client certificates from CAs beyond this one, or does not say which (it accepts ${join(", ", coalesce(data.dockertls_endpoint.host.accepted_client_ca_subjects, []))}): deploy dockertls_ca.docker's cert_pem alone as its ca.pem and restart dockerd."
  }
}
