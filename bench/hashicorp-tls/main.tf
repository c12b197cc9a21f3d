# The same PKI as the dockertls benchmark (one CA, a server and a client
# certificate per host, ECDSA P-256) built with hashicorp/tls: 2 resources for
# the CA and 6 per host. Run it with registry access:
#
#   go run ./bench -hashicorp-tls bench/hashicorp-tls -hosts 100 -json tls.json
#
# The issue that asked for the suite measured hashicorp/tls 4.2.1 at 100 hosts.

terraform {
  required_providers {
    tls = {
      source  = "hashicorp/tls"
      version = "4.2.1"
    }
  }
}

variable "hosts" {
  type    = number
  default = 100
}

resource "tls_private_key" "ca" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_self_signed_cert" "ca" {
  private_key_pem       = tls_private_key.ca.private_key_pem
  is_ca_certificate     = true
  validity_period_hours = 87600
  early_renewal_hours   = 8760
  allowed_uses          = ["cert_signing", "crl_signing", "digital_signature"]

  subject {
    common_name = "Fleet CA"
  }
}

resource "tls_private_key" "server" {
  count       = var.hosts
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_cert_request" "server" {
  count           = var.hosts
  private_key_pem = tls_private_key.server[count.index].private_key_pem
  dns_names       = ["host${count.index}.example.com"]
  ip_addresses    = ["10.0.${floor(count.index / 250)}.${count.index % 250 + 1}"]

  subject {
    common_name = "host${count.index}.example.com"
  }
}

resource "tls_locally_signed_cert" "server" {
  count                 = var.hosts
  cert_request_pem      = tls_cert_request.server[count.index].cert_request_pem
  ca_private_key_pem    = tls_private_key.ca.private_key_pem
  ca_cert_pem           = tls_self_signed_cert.ca.cert_pem
  validity_period_hours = 8760
  early_renewal_hours   = 720
  allowed_uses          = ["digital_signature", "key_encipherment", "server_auth"]
}

resource "tls_private_key" "client" {
  count       = var.hosts
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_cert_request" "client" {
  count           = var.hosts
  private_key_pem = tls_private_key.client[count.index].private_key_pem

  subject {
    common_name = "client${count.index}"
  }
}

resource "tls_locally_signed_cert" "client" {
  count                 = var.hosts
  cert_request_pem      = tls_cert_request.client[count.index].cert_request_pem
  ca_private_key_pem    = tls_private_key.ca.private_key_pem
  ca_cert_pem           = tls_self_signed_cert.ca.cert_pem
  validity_period_hours = 8760
  early_renewal_hours   = 720
  allowed_uses          = ["digital_signature", "client_auth"]
}
