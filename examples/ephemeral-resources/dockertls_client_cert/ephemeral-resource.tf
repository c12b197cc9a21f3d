# The CA comes from outside this configuration (a secret store, the CI
# system's protected variables); an ephemeral variable is never stored.
variable "docker_ca_cert" {
  type = string
}

variable "docker_ca_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

# A client certificate for this run only: minted at plan and again at
# apply, valid for an hour, never written to the plan or the state.
ephemeral "dockertls_client_cert" "ci" {
  ca_cert_pem        = var.docker_ca_cert
  ca_private_key_pem = var.docker_ca_key
  common_name        = "ci-runner"
}

# Configure the kreuzwerker/docker provider with it.
provider "docker" {
  host          = "tcp://docker.example.com:2376"
  ca_material   = var.docker_ca_cert # never empty: an empty ca_material skips server verification
  cert_material = ephemeral.dockertls_client_cert.ci.cert_pem
  key_material  = ephemeral.dockertls_client_cert.ci.private_key_pem
}
