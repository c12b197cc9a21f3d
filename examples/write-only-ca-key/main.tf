# Leaves signed by a CA kept outside Terraform: the CA key comes from an
# ephemeral variable into ca_private_key_pem_wo, so no plan or state holds it
# (Terraform or OpenTofu 1.11 and later). The CA certificate, which is not
# secret, goes to ca_cert_pem_wo, so the leaves do not store a copy of it
# either: only its fingerprint. Make the CA once with openssl:
#
#   openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem
#   openssl req -new -x509 -days 3650 -key ca-key.pem -sha256 -subj "/CN=Docker CA" -out ca.pem
#
# then give the key on every plan and apply, for example from a password
# manager or a secret store's CLI rather than a file:
#
#   TF_VAR_ca_key="$(cat ca-key.pem)" terraform apply
terraform {
  required_version = ">= 1.11"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

variable "ca_cert_file" {
  type        = string
  default     = "ca.pem"
  description = "The CA's certificate (public: it goes to every daemon and client as ca.pem)."
}

variable "ca_key" {
  type        = string
  sensitive   = true
  ephemeral   = true
  description = "The CA's private key, PEM. Ephemeral: Terraform keeps it out of plan and state files."
}

resource "dockertls_server_cert" "host" {
  ca_cert_pem_wo        = file(var.ca_cert_file)
  ca_private_key_pem_wo = var.ca_key
  dns_names             = ["docker.example.com"]
  ip_addresses          = ["203.0.113.10"]
}

resource "dockertls_client_cert" "admin" {
  ca_cert_pem_wo        = file(var.ca_cert_file)
  ca_private_key_pem_wo = var.ca_key
  common_name           = "admin"
}

output "server_cert_pem" {
  value = dockertls_server_cert.host.cert_pem
}
