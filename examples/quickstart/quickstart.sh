#!/usr/bin/env bash
# Quick start: build the provider, apply this example with it (no registry
# needed), write the certificates and daemon.json as Docker expects them,
# start dockerd with them on 127.0.0.1 (as root; Debian's docker.io is
# installed if dockerd is missing), connect with `docker --tlsverify`, print
# the client settings, and stop the daemon again.
#
#   make quickstart        (or: bash examples/quickstart/quickstart.sh)
#
# Everything is written under examples/quickstart/out/, which is safe to
# delete. QUICKSTART_PORT changes the port (default 12376).
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

port="${QUICKSTART_PORT:-12376}"
root() { [ "$(id -u)" = 0 ]; }
if ! command -v dockerd >/dev/null 2>&1 && root && command -v apt-get >/dev/null 2>&1; then
  echo "==> Installing Debian's docker.io (for dockerd and the docker CLI)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if ! command -v ip >/dev/null 2>&1 && root && command -v apt-get >/dev/null 2>&1; then
  echo "==> Installing Debian's iproute2 (ip, to bring up the daemon's own loopback)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null
fi
dockerd_path=$(command -v dockerd || echo /usr/bin/dockerd)

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

export TF_VAR_workdir="$out" TF_VAR_port="$port" TF_VAR_dockerd_path="$dockerd_path"

echo "==> terraform apply"
tf apply -auto-approve -input=false -compact-warnings >"$out/apply.log" || { cat "$out/apply.log"; exit 1; }
grep -E "^Apply complete" "$out/apply.log"

echo "==> Writing certificates with Docker's names and modes"
daemon_dir="$out/certs/daemon"
client="$out/certs/client"
mkdir -p "$daemon_dir" "$client"
write() { # write FILE MODE OUTPUT
  rm -f "$1"
  tf output -raw "$3" >"$1"
  chmod "$2" "$1"
}
write "$daemon_dir/ca.pem" 0444 ca_pem
write "$daemon_dir/server-cert.pem" 0444 server_cert_pem
write "$daemon_dir/server-key.pem" 0400 server_key_pem
write "$client/ca.pem" 0444 ca_pem
write "$client/cert.pem" 0444 client_cert_pem
write "$client/key.pem" 0400 client_key_pem
write "$out/daemon.json" 0644 daemon_json

echo "==> Checking them with openssl"
openssl verify -CAfile "$daemon_dir/ca.pem" -purpose sslserver "$daemon_dir/server-cert.pem"
openssl verify -CAfile "$client/ca.pem" -purpose sslclient "$client/cert.pem"
if openssl verify -CAfile "$client/ca.pem" -purpose sslserver "$client/cert.pem" >/dev/null 2>&1; then
  echo "quickstart: the client certificate must not be able to serve a daemon" >&2; exit 1
fi
fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "$daemon_dir/server-cert.pem" | cut -d= -f2)
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


if ! root || ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1 ||
  ! command -v unshare >/dev/null 2>&1 || ! command -v nsenter >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
  echo "==> Not starting a daemon: that needs root, dockerd, the docker CLI, unshare, nsenter and ip"
else
  echo "==> Starting dockerd with daemon.json on 127.0.0.1:$port, in a network namespace of its own"
  # A dockerd started with "bridge": "none" deletes the host's docker0
  # bridge, breaking the Docker engine already running there. In its own
  # network namespace (with only its loopback up) it touches nothing of the
  # machine's networking; the docker CLI below joins that namespace.
  host_bridge=""
  if ip link show docker0 >/dev/null 2>&1; then host_bridge=docker0; fi
  unshare --net sh -c 'ip link set lo up && exec dockerd --config-file "$1"' sh "$out/daemon.json" \
    >"$out/dockerd.log" 2>&1 </dev/null &
  daemon=$!
  stop() {
    echo "==> Stopping the dockerd started here (pid $daemon)"
    kill "$daemon" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.5; done
  }
  trap stop EXIT
  # Exactly the client settings printed at the end, and nothing of the caller's.
  in_daemon_netns() { nsenter --target "$daemon" --net "$@"; }
  docker_client() {
    in_daemon_netns env -u DOCKER_CONTEXT DOCKER_CONFIG="$out/docker-config" \
      DOCKER_HOST="tcp://127.0.0.1:$port" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$client" docker "$@"
  }
  for _ in $(seq 1 60); do
    docker_client version >/dev/null 2>&1 && break
    kill -0 "$daemon" 2>/dev/null || { echo "dockerd exited:" >&2; tail -n 20 "$out/dockerd.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "==> DOCKER_HOST=tcp://127.0.0.1:$port DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$client docker version"
  docker_client version
  echo "==> Without TLS the daemon refuses:"
  if in_daemon_netns env -u DOCKER_CONTEXT DOCKER_CONFIG="$out/docker-config" docker -H "tcp://127.0.0.1:$port" version >"$out/plain.log" 2>&1; then
    echo "quickstart: the daemon answered a client without TLS" >&2; exit 1
  fi
  grep -m1 -i -E "error|refused|bad" "$out/plain.log" || true
  if [ -n "$host_bridge" ] && ! ip link show "$host_bridge" >/dev/null 2>&1; then
    echo "quickstart: the throwaway dockerd deleted the host's $host_bridge bridge" >&2; exit 1
  fi
fi

# One shell word, in single quotes, whatever the checkout's path holds: the
# settings below are meant to be pasted into a shell.
shell_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

cat <<MSG

Done. The daemon's certificates are in $daemon_dir, its configuration is
$out/daemon.json (start it with: dockerd --config-file $(shell_quote "$out/daemon.json")),
and the client settings are:

  export DOCKER_HOST=tcp://127.0.0.1:$port DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$(shell_quote "$client")
MSG
