resource "dockertls_ca" "docker" {}

resource "dockertls_server_cert" "host" {
  ca_cert_pem_wo        = dockertls_ca.docker.cert_pem
  ca_private_key_pem_wo = dockertls_ca.docker.private_key_pem
  dns_names             = ["docker.example.com"]
  ip_addresses          = ["203.0.113.10"]
}

# Linux defaults: the local socket plus mutual TLS on 0.0.0.0:2376, with the
# certificates in /etc/docker/tls.
data "dockertls_daemon_config" "host" {
  server_cert_pem     = dockertls_server_cert.host.cert_pem
  extra_settings_json = jsonencode({ "log-level" = "warn" })
}

# Everything the host needs, as cloud-init. Keep the key's mode 0400.
# Note that user data is readable by anyone who can read the instance's
# metadata: for a stricter setup, copy the key with a provisioner instead.
locals {
  docker_tls_cloud_init = "#cloud-config\n${yamlencode({
    write_files = [
      { path = data.dockertls_daemon_config.host.tlscacert_path, permissions = "0444", content = dockertls_ca.docker.cert_pem },
      { path = data.dockertls_daemon_config.host.tlscert_path, permissions = "0444", content = dockertls_server_cert.host.cert_pem },
      { path = data.dockertls_daemon_config.host.tlskey_path, permissions = "0400", content = dockertls_server_cert.host.private_key_pem },
      { path = data.dockertls_daemon_config.host.config_file, permissions = "0644", content = data.dockertls_daemon_config.host.daemon_json },
      { path = data.dockertls_daemon_config.host.systemd_dropin_path, permissions = "0644", content = data.dockertls_daemon_config.host.systemd_dropin },
    ]
    # The drop-in replaces the stock unit's `-H fd://`, which would clash with daemon.json's hosts.
    runcmd = [["systemctl", "daemon-reload"], ["systemctl", "restart", "docker"]]
  })}"
}

# Pass local.docker_tls_cloud_init as the VM's user data, for example
# aws_instance.user_data or google_compute_instance.metadata["user-data"].
