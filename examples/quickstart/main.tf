# The quick start: a CA, a server certificate for a daemon on this machine,
# a client certificate, and the daemon's configuration. quickstart.sh
# applies it with a locally built provider, writes the files, starts dockerd
# with them on 127.0.0.1 and connects with `docker --tlsverify`.
terraform {
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

variable "workdir" {
  type        = string
  description = "Absolute directory for the daemon's files (certificates, daemon.json, data)."
}

variable "port" {
  type        = number
  default     = 12376
  description = "TCP port on 127.0.0.1 for the daemon's TLS API."
}

variable "dockerd_path" {
  type    = string
  default = "/usr/bin/dockerd"
}

resource "dockertls_ca" "this" {
  common_name = "Quick start Docker CA"
}

resource "dockertls_server_cert" "local" {
  ca_cert_pem_wo        = dockertls_ca.this.cert_pem
  ca_private_key_pem_wo = dockertls_ca.this.private_key_pem
  dns_names             = ["localhost"]
  ip_addresses          = ["127.0.0.1", "::1"]
}

resource "dockertls_client_cert" "me" {
  ca_cert_pem_wo        = dockertls_ca.this.cert_pem
  ca_private_key_pem_wo = dockertls_ca.this.private_key_pem
}

data "dockertls_daemon_config" "local" {
  hosts              = ["unix://${var.workdir}/docker.sock", "tcp://127.0.0.1:${var.port}"]
  cert_dir           = "${var.workdir}/certs/daemon"
  config_file        = "${var.workdir}/daemon.json"
  dockerd_path       = var.dockerd_path
  containerd_address = ""
  server_cert_pem    = dockertls_server_cert.local.cert_pem

  # A throwaway daemon beside any other: its own state, no bridge and no
  # iptables rules (the quick start also runs it in a network namespace of
  # its own, since a dockerd without a bridge deletes the host's docker0).
  extra_settings_json = jsonencode({
    "data-root" = "${var.workdir}/data"
    "exec-root" = "${var.workdir}/exec"
    pidfile     = "${var.workdir}/dockerd.pid"
    bridge      = "none"
    iptables    = false
  })
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

output "daemon_json" {
  value = data.dockertls_daemon_config.local.daemon_json
}
