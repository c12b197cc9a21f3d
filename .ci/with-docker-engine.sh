#!/usr/bin/env bash
# with-docker-engine.sh COMMAND...: run COMMAND with a Docker engine that
# answers the docker CLI. On a machine without one (a fresh CI machine), it
# installs Debian's docker.io and starts dockerd, and stops that dockerd
# again when COMMAND ends. An engine that already runs is used and left alone.
set -euo pipefail

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
root() { [ "$(id -u)" = 0 ]; }

started=""
cleanup() {
  if [ -n "$started" ]; then
    echo "stopping the dockerd this run started (pid $started)"
    kill "$started" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$started" 2>/dev/null || break; sleep 0.5; done
  fi
}
trap cleanup EXIT

if ! answers; then
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    if root && command -v apt-get >/dev/null 2>&1; then
      echo "installing Debian's docker.io"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
    else
      echo "no Docker engine: install one (Debian: apt-get install docker.io) and start it" >&2
      exit 1
    fi
  fi
  if [ -n "${DOCKER_HOST:-}" ]; then
    echo "DOCKER_HOST=$DOCKER_HOST does not answer; not starting another engine" >&2
    exit 1
  fi
  if ! root; then
    echo "no Docker engine answers, and starting dockerd needs root" >&2
    exit 1
  fi
  log="${TMPDIR:-/tmp}/dockertls-engine-dockerd.log"
  echo "starting dockerd for this run (log: $log)"
  dockerd >"$log" 2>&1 </dev/null &
  started=$!
  for _ in $(seq 1 120); do answers && break; sleep 0.5; done
  if ! answers; then
    echo "dockerd did not come up:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
fi

"$@"
