# Windows: runDockerDaemon.cmd, run by a service wrapper (such as NSSM or
# WinSW) or a scheduled task at start-up. Until server-cert.pem is in place it
# serves the named pipe only; once it is, mutual TLS on 2376.
data "dockertls_daemon_config" "windows" {
  platform            = "windows"
  server_cert_pem     = dockertls_server_cert.host.cert_pem
  extra_settings_json = jsonencode({ group = "docker-users" })
}

resource "terraform_data" "windows_docker" {
  triggers_replace = [data.dockertls_daemon_config.windows.id, dockertls_server_cert.host.serial_number]

  connection {
    type     = "winrm"
    host     = "203.0.113.20"
    user     = "Administrator"
    password = var.admin_password
  }

  provisioner "file" {
    content     = data.dockertls_daemon_config.windows.daemon_json
    destination = data.dockertls_daemon_config.windows.config_file
  }
  provisioner "file" {
    content     = dockertls_ca.docker.cert_pem
    destination = data.dockertls_daemon_config.windows.tlscacert_path
  }
  provisioner "file" {
    content     = dockertls_server_cert.host.cert_pem
    destination = data.dockertls_daemon_config.windows.tlscert_path
  }
  provisioner "file" {
    content     = dockertls_server_cert.host.private_key_pem
    destination = data.dockertls_daemon_config.windows.tlskey_path
  }
  provisioner "file" {
    content     = data.dockertls_daemon_config.windows.run_docker_daemon_cmd
    destination = "C:\\ProgramData\\docker\\runDockerDaemon.cmd"
  }
}

variable "admin_password" {
  type      = string
  sensitive = true
}
