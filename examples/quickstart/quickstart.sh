#!/usr/bin/env bash
# Quick start: build the provider, apply this example with it (no registry
# needed), write the certificates as Docker expects them, and prove them.
#
#   make quickstart        (or: bash examples/quickstart/quickstart.sh)
#
# Everything is written under examples/quickstart/out/, which is safe to delete.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$here/out"
export CHECKPOINT_DISABLE=1

need() { command -v "$1" >/dev/null 2>&1 || { echo "quickstart: $1 is required: $2" >&2; exit 1; }; }
need go "install Go 1.26 or later"
need terraform "install Terraform (tested with 1.11)"
if ! command -v openssl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq openssl >/dev/null
  else
    echo "quickstart: openssl is required to check the certificates" >&2; exit 1
  fi
fi

umask 077
mkdir -p "$out/bin" "$out/work"

echo "==> Building the provider"
(cd "$repo" && go build -o "$out/bin/terraform-provider-dockertls" .)

# A development override makes terraform use the binary just built instead
# of asking a registry; no `terraform init` is needed.
cat >"$out/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "dockertls/dockertls" = "$out/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$out/terraformrc"
tf() { terraform -chdir="$out/work" "$@"; }
cp "$here/main.tf" "$out/work/main.tf"

echo "==> terraform apply"
tf apply -auto-approve -input=false -compact-warnings

echo "==> Writing certificates with Docker's names and modes"
daemon="$out/certs/daemon"
client="$out/certs/client"
mkdir -p "$daemon" "$client"
write() { # write FILE MODE OUTPUT
  rm -f "$1"
  tf output -raw "$3" >"$1"
  chmod "$2" "$1"
}
write "$daemon/ca.pem" 0444 ca_pem
write "$daemon/server-cert.pem" 0444 server_cert_pem
write "$daemon/server-key.pem" 0400 server_key_pem
write "$client/ca.pem" 0444 ca_pem
write "$client/cert.pem" 0444 client_cert_pem
write "$client/key.pem" 0400 client_key_pem

echo "==> Checking them with openssl"
openssl verify -CAfile "$daemon/ca.pem" -purpose sslserver "$daemon/server-cert.pem"
openssl verify -CAfile "$client/ca.pem" -purpose sslclient "$client/cert.pem"
if openssl verify -CAfile "$client/ca.pem" -purpose sslserver "$client/cert.pem" >/dev/null 2>&1; then
  echo "quickstart: the client certificate must not be able to serve a daemon" >&2; exit 1
fi
fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "$daemon/server-cert.pem" | cut -d= -f2)
if [ "$fingerprint" != "$(tf output -raw server_fingerprint_sha256)" ]; then
  echo "quickstart: cert_fingerprint_sha256 differs from openssl's fingerprint" >&2; exit 1
fi
echo "server certificate SHA-256 fingerprint: $fingerprint"
echo "server certificate expires:             $(tf output -raw server_validity_end_time)"

echo "==> A second plan must be empty"
set +e
tf plan -detailed-exitcode -input=false -compact-warnings >/dev/null
code=$?
set -e
if [ "$code" != 0 ]; then
  echo "quickstart: the plan after apply is not empty (exit $code)" >&2; exit 1
fi

cat <<MSG

Done. The daemon's files are in $daemon
(point daemon.json's tlscacert, tlscert and tlskey at them), and the client settings are:

  export DOCKER_HOST=tcp://127.0.0.1:2376
  export DOCKER_TLS_VERIFY=1
  export DOCKER_CERT_PATH=$client
MSG
