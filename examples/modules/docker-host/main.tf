# One Docker host reachable over mutual TLS: its server certificate, the
# daemon's configuration as cloud-init, a client certificate and the client's
# settings, the daemon's live status, and a check that warns when the daemon
# does not serve what the state holds. Linux hosts with systemd.
terraform {
  required_version = ">= 1.11" # write-only attributes, ephemeral variables
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

locals {
  host_name   = length(var.dns_names) > 0 ? var.dns_names[0] : var.ip_addresses[0]
  client_host = coalesce(var.client_host, "tcp://${local.host_name}:${var.port}")
  # What daemon and clients trust: the signing CA, or a bundle during a rotation.
  trusted_ca_pem = coalesce(var.trusted_ca_pem, var.ca_cert_pem)
}

resource "dockertls_server_cert" "this" {
  ca_cert_pem_wo        = var.ca_cert_pem
  ca_private_key_pem_wo = var.ca_private_key_pem
  common_name           = local.host_name
  dns_names             = var.dns_names
  ip_addresses          = var.ip_addresses
}

# Any client certificate the CA signed reaches every daemon that trusts the
# CA; this one is the module's own, for its outputs and its check.
resource "dockertls_client_cert" "this" {
  ca_cert_pem_wo        = var.ca_cert_pem
  ca_private_key_pem_wo = var.ca_private_key_pem
  common_name           = "client of ${local.host_name}"
}

data "dockertls_daemon_config" "this" {
  platform           = "linux"
  hosts              = ["unix:///var/run/docker.sock", "tcp://0.0.0.0:${var.port}"]
  dockerd_path       = var.dockerd_path
  containerd_address = var.containerd_address
  server_cert_pem    = dockertls_server_cert.this.cert_pem
  ca_cert_pem        = local.trusted_ca_pem
}

# Everything the host needs, as cloud-init user data. The drop-in replaces the
# stock unit's `-H fd://`, which would clash with daemon.json's hosts; the
# restart makes dockerd read the new certificate (it does not on SIGHUP).
locals {
  cloud_init = "#cloud-config\n${yamlencode({
    write_files = [
      { path = data.dockertls_daemon_config.this.tlscacert_path, owner = "root:root", permissions = "0444", content = local.trusted_ca_pem },
      { path = data.dockertls_daemon_config.this.tlscert_path, owner = "root:root", permissions = "0444", content = dockertls_server_cert.this.cert_pem },
      { path = data.dockertls_daemon_config.this.tlskey_path, owner = "root:root", permissions = "0400", content = dockertls_server_cert.this.private_key_pem },
      { path = data.dockertls_daemon_config.this.config_file, owner = "root:root", permissions = "0644", content = data.dockertls_daemon_config.this.daemon_json },
      { path = data.dockertls_daemon_config.this.systemd_dropin_path, owner = "root:root", permissions = "0644", content = data.dockertls_daemon_config.this.systemd_dropin },
    ]
    runcmd = [["systemctl", "daemon-reload"], ["systemctl", "restart", "docker"]]
  })}"
}

data "dockertls_client_config" "this" {
  host            = local.client_host
  ca_cert_pem     = local.trusted_ca_pem
  client_cert_pem = dockertls_client_cert.this.cert_pem
  client_key_pem  = dockertls_client_cert.this.private_key_pem
  cert_path       = var.client_cert_path
}

# The daemon as it is now, for the outputs. An unreachable daemon is reported
# in error, not failed: plans work before the host exists.
data "dockertls_endpoint" "this" {
  host            = local.client_host
  ca_cert_pem     = local.trusted_ca_pem
  client_cert_pem = dockertls_client_cert.this.cert_pem
  client_key_pem  = dockertls_client_cert.this.private_key_pem
}

# The drift check of the guide "Detecting certificate drift", with its own
# data source, which Terraform reads again after each apply.
check "docker_host" {
  data "dockertls_endpoint" "check" {
    host            = local.client_host
    ca_cert_pem     = local.trusted_ca_pem
    client_cert_pem = dockertls_client_cert.this.cert_pem
    client_key_pem  = dockertls_client_cert.this.private_key_pem
  }

  assert {
    condition     = data.dockertls_endpoint.check.verified
    error_message = "${local.client_host} did not pass verification against the CA: ${coalesce(data.dockertls_endpoint.check.error, "no error reported")}"
  }

  assert {
    condition     = data.dockertls_endpoint.check.server_cert_fingerprint_sha256 == null || data.dockertls_endpoint.check.server_cert_fingerprint_sha256 == dockertls_server_cert.this.cert_fingerprint_sha256
    error_message = "${local.client_host} serves the certificate ${coalesce(data.dockertls_endpoint.check.server_cert_fingerprint_sha256, "(none)")}, the state holds ${dockertls_server_cert.this.cert_fingerprint_sha256}: give the host the new cloud_init (or its files) and restart dockerd."
  }

  assert {
    condition     = data.dockertls_endpoint.check.server_cert_not_after == null ? true : timecmp(data.dockertls_endpoint.check.server_cert_not_after, timeadd(plantimestamp(), "720h")) > 0
    error_message = "The certificate ${local.client_host} serves expires at ${coalesce(data.dockertls_endpoint.check.server_cert_not_after, "(unknown)")}, within 30 days."
  }

  assert {
    condition     = data.dockertls_endpoint.check.accepted_client_ca_match != "beyond" && data.dockertls_endpoint.check.accepted_client_ca_match != "unlisted"
    error_message = "${local.client_host} admits client certificates from a CA beyond trusted_ca_pem, or does not say which (${join(", ", coalesce(data.dockertls_endpoint.check.accepted_client_ca_subjects, []))}): give the host the new cloud_init (or its ca.pem) and restart dockerd."
  }
}
