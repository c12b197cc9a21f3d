resource "dockertls_ca" "docker" {}

resource "dockertls_client_cert" "me" {
  ca_cert_pem_wo        = dockertls_ca.docker.cert_pem
  ca_private_key_pem_wo = dockertls_ca.docker.private_key_pem
}

data "dockertls_client_config" "prod" {
  host            = "tcp://docker.example.com:2376"
  ca_cert_pem     = dockertls_ca.docker.cert_pem
  client_cert_pem = dockertls_client_cert.me.cert_pem
  client_key_pem  = dockertls_client_cert.me.private_key_pem
  # Files go to ~/.docker of the user running Terraform unless told otherwise.
  cert_path    = "~/.docker/prod"
  context_name = "prod"
}

# The files, with Docker's modes: certificates 0444, the key 0400.
resource "local_sensitive_file" "docker_ca" {
  filename             = data.dockertls_client_config.prod.ca_file
  content              = data.dockertls_client_config.prod.files[data.dockertls_client_config.prod.ca_file]
  file_permission      = "0444"
  directory_permission = "0700"
}

resource "local_sensitive_file" "docker_cert" {
  filename             = data.dockertls_client_config.prod.cert_file
  content              = data.dockertls_client_config.prod.files[data.dockertls_client_config.prod.cert_file]
  file_permission      = "0444"
  directory_permission = "0700"
}

resource "local_sensitive_file" "docker_key" {
  filename             = data.dockertls_client_config.prod.key_file
  content              = data.dockertls_client_config.prod.files[data.dockertls_client_config.prod.key_file]
  file_permission      = "0400"
  directory_permission = "0700"
}

# export DOCKER_HOST=... DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=..., every value
# quoted for the shell: eval "$(terraform output -raw docker_env)".
output "docker_env" {
  value = data.dockertls_client_config.prod.env_shell
}

# Run once the files are written: it copies them into the docker CLI's context store.
output "docker_context_command" {
  value = data.dockertls_client_config.prod.docker_context_command
}

# The same daemon for the kreuzwerker/docker provider, in one block.
provider "docker" {
  host          = data.dockertls_client_config.prod.host
  ca_material   = data.dockertls_client_config.prod.ca_material
  cert_material = data.dockertls_client_config.prod.cert_material
  key_material  = data.dockertls_client_config.prod.key_material
}
