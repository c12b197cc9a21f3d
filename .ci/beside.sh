#!/usr/bin/env bash
# beside.sh SIDE MAIN...: run the command MAIN and, beside it, the shell
# command SIDE at the lowest CPU priority, so SIDE takes only the CPU time
# MAIN leaves idle (the test suite waits on dockerd, terraform and the
# network for part of its run). SIDE's output is held back and shown once
# both have ended, so the two never interleave. Fails when either fails.
set -euo pipefail
side=$1
shift

log=$(mktemp)
trap 'rm -f "$log"' EXIT
nice -n 19 bash -c "$side" >"$log" 2>&1 </dev/null &
side_pid=$!

main_rc=0
"$@" || main_rc=$?
side_rc=0
wait "$side_pid" || side_rc=$?

echo "==> beside the tests: $side"
cat "$log"
if [ "$side_rc" != 0 ]; then
  echo "beside the tests, '$side' failed (exit $side_rc)" >&2
fi
if [ "$main_rc" != 0 ]; then
  exit "$main_rc"
fi
exit "$side_rc"
