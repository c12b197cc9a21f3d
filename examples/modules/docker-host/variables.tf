variable "ca_cert_pem" {
  description = "The CA certificate (dockertls_ca's cert_pem, or a CA made outside Terraform). Daemon and clients trust it. The certificates get it through ca_cert_pem_wo, so their state keeps only its fingerprint."
  type        = string
}

variable "trusted_ca_pem" {
  description = "The ca.pem that the daemon and the clients trust. null (the default) means ca_cert_pem alone. During a CA rotation, dockertls_ca_bundle's bundle_pem holding the current and the next CA (guide \"Rotating the CA without locking anyone out\"); ca_cert_pem stays the CA that signs. It must hold ca_cert_pem's CA: the client config refuses a client certificate that no CA in it signed."
  type        = string
  default     = null
}

variable "ca_private_key_pem" {
  description = "The CA's private key. It reaches only write-only attributes (ca_private_key_pem_wo), so neither this module's state nor its plan stores it."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "dns_names" {
  description = "Names clients dial the daemon by; they go into the server certificate. At least one of dns_names and ip_addresses."
  type        = list(string)
  default     = []
}

variable "ip_addresses" {
  description = "Addresses clients dial the daemon by; they go into the server certificate."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.dns_names) + length(var.ip_addresses) > 0
    error_message = "Give the host at least one name in dns_names or one address in ip_addresses: clients check the daemon's certificate against the name or address they dial."
  }
}

variable "port" {
  description = "The TCP port dockerd listens on for mutual TLS. 2376 is Docker's convention."
  type        = number
  default     = 2376
}

variable "client_host" {
  description = "Where clients reach the daemon, as tcp://HOST:PORT, when that is not the first DNS name (or else the first address) at port: behind a NAT or a load balancer, or before DNS is set up. HOST must still be covered by the server certificate."
  type        = string
  default     = null
}

variable "dockerd_path" {
  description = "dockerd on the host: /usr/bin/dockerd for Docker CE, /usr/sbin/dockerd for Debian's and Ubuntu's docker.io."
  type        = string
  default     = "/usr/bin/dockerd"
}

variable "containerd_address" {
  description = "The containerd socket Docker CE's unit passes to dockerd; \"\" for Debian's and Ubuntu's docker.io, whose dockerd starts its own."
  type        = string
  default     = "/run/containerd/containerd.sock"
}

variable "client_cert_path" {
  description = "The directory for ca.pem, cert.pem and key.pem on the client (DOCKER_CERT_PATH)."
  type        = string
  default     = "~/.docker"
}
