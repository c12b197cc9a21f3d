resource "dockertls_ca" "docker" {}

variable "docker_hosts" {
  description = "The daemons: a name of your choice to the names and addresses clients dial."
  type = map(object({
    dns_names    = list(string)
    ip_addresses = list(string)
  }))
  default = {
    web1 = { dns_names = ["web1.example.com"], ip_addresses = ["203.0.113.11"] }
    web2 = { dns_names = ["web2.example.com"], ip_addresses = ["203.0.113.12"] }
  }
}

# One server certificate per daemon, in one resource. Adding, removing or
# changing a host, or renewing its certificate, issues that host's
# certificate alone; the others keep theirs byte for byte.
resource "dockertls_server_certs" "fleet" {
  ca_cert_pem_wo        = dockertls_ca.docker.cert_pem
  ca_private_key_pem_wo = dockertls_ca.docker.private_key_pem

  hosts = var.docker_hosts
}

# Each daemon's server-cert.pem and server-key.pem, for a per-host module or
# provisioning step. certs holds no key: it can be passed around freely.
output "server_cert_pem" {
  value = { for name, c in dockertls_server_certs.fleet.certs : name => c.cert_pem }
}

output "server_key_pem" {
  value     = dockertls_server_certs.fleet.private_keys
  sensitive = true
}
