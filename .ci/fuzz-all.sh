#!/usr/bin/env bash
# fuzz-all.sh [FUZZTIME]: run every Go fuzz target in the module for a short
# while: FUZZTIME is go test's -fuzztime, a count of executions such as
# 10000x (the default) or a duration such as 30s. Committed corpora under
# testdata/fuzz/ run as ordinary tests in every `go test`; this adds fresh
# inputs on top.
#
# `go test -fuzz` fuzzes one target per invocation and links the test binary
# anew each time, so each package's instrumented test binary is built once
# (go test -c -fuzz) and run once per target, from the package's directory
# (where testdata/fuzz is read and a failing input is written), with the
# inputs kept between runs where `go test -fuzz` keeps them.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-10000x}"

bins=$(mktemp -d)
trap 'rm -rf "$bins"' EXIT
cache="$(go env GOCACHE)/fuzz"

# pkg<TAB>dir<TAB>test files; captured first so that a failing go list fails
# the script.
list=$(go list -f $'{{.ImportPath}}\t{{.Dir}}\t{{join .TestGoFiles " "}} {{join .XTestGoFiles " "}}' ./...)

count=0
while IFS=$'\t' read -r pkg dir files; do
  [ -n "${files// /}" ] || continue # a package without test files
  # A fuzz target is a top-level func FuzzXxx in a _test.go file.
  targets=$(cd "$dir" && sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $files </dev/null)
  [ -n "$targets" ] || continue
  bin="$bins/$(echo "$pkg" | tr / _).test"
  go test -c -fuzz . -o "$bin" "$pkg"
  for target in $targets; do
    echo "==> fuzzing $pkg $target for $fuzztime"
    (cd "$dir" && "$bin" -test.run '^$' -test.fuzz "^${target}\$" -test.fuzztime "$fuzztime" \
      -test.fuzzcachedir "$cache/$pkg" -test.paniconexit0 </dev/null)
    count=$((count + 1))
  done
done <<<"$list"
if [ "$count" = 0 ]; then
  echo "no fuzz targets found" >&2
  exit 1
fi
echo "fuzzed $count targets for $fuzztime each"
