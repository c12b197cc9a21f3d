#!/usr/bin/env bash
# fuzz-all.sh [FUZZTIME]: run every Go fuzz target in the module for a short
# while: FUZZTIME is go test's -fuzztime, a count of executions such as
# 10000x (the default) or a duration such as 30s. `go test` fuzzes one
# target per invocation, so the targets are listed first. Committed corpora under testdata/fuzz/ run as
# ordinary tests in every `go test`; this adds fresh inputs on top.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-10000x}"

count=0
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "==> fuzzing $pkg $target for $fuzztime"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
    count=$((count + 1))
  done
done
if [ "$count" = 0 ]; then
  echo "no fuzz targets found" >&2
  exit 1
fi
echo "fuzzed $count targets for $fuzztime each"
