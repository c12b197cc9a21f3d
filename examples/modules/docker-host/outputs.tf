output "cloud_init" {
  description = "#cloud-config user data for the host: the CA, the server certificate and key, daemon.json and the systemd drop-in, then a restart of docker. It holds the server's private key: instance metadata is readable from the instance, so restrict it, or copy the files another way."
  value       = local.cloud_init
  sensitive   = true
}

output "server_cert_fingerprint_sha256" {
  description = "The SHA-256 fingerprint of the certificate the host should serve."
  value       = dockertls_server_cert.this.cert_fingerprint_sha256
}

output "docker_host" {
  description = "Where clients reach the daemon: DOCKER_HOST."
  value       = local.client_host
}

output "client_env" {
  description = "DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for the docker CLI."
  value       = data.dockertls_client_config.this.env
}

output "client_env_shell" {
  description = "client_env as one POSIX shell line, every value quoted: eval \"$(terraform output -raw client_env_shell)\"."
  value       = data.dockertls_client_config.this.env_shell
}

output "client_files" {
  description = "ca.pem, cert.pem and key.pem, by their path under client_cert_path. Write the certificates with mode 0444 and the key with 0400."
  value       = data.dockertls_client_config.this.files
  sensitive   = true
}

output "docker_context_command" {
  description = "The `docker context create` command for this host, once client_files are written."
  value       = data.dockertls_client_config.this.docker_context_command
}

output "docker_provider" {
  description = "host, ca_material, cert_material and key_material for the kreuzwerker/docker provider."
  value = {
    host          = data.dockertls_client_config.this.host
    ca_material   = data.dockertls_client_config.this.ca_material
    cert_material = data.dockertls_client_config.this.cert_material
    key_material  = data.dockertls_client_config.this.key_material
  }
  sensitive = true
}

output "endpoint" {
  description = "The daemon as the last plan or apply saw it: reachable, verified (its certificate against the CA for the host dialled, and a client without a certificate refused), why not (error, error_kind), the certificate it serves and whether that is the one in the state, how the CAs it accepts for clients compare with trusted_ca_pem, and Docker's version."
  value = {
    reachable                  = data.dockertls_endpoint.this.reachable
    verified                   = data.dockertls_endpoint.this.verified
    server_cert_verified       = data.dockertls_endpoint.this.server_cert_verified
    error_kind                 = data.dockertls_endpoint.this.error_kind
    error                      = data.dockertls_endpoint.this.error
    server_cert_fingerprint    = data.dockertls_endpoint.this.server_cert_fingerprint_sha256
    server_cert_not_after      = data.dockertls_endpoint.this.server_cert_not_after
    serves_current_certificate = data.dockertls_endpoint.this.server_cert_fingerprint_sha256 == dockertls_server_cert.this.cert_fingerprint_sha256
    accepted_client_ca_match   = data.dockertls_endpoint.this.accepted_client_ca_match
    docker_version             = data.dockertls_endpoint.this.docker_version
  }
}
