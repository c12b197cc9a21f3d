#!/bin/sh
# A scheduled drift check for a configuration of dockertls resources. Run it in
# the root module's directory after `terraform init`; it needs jq.
#
# Exit 0: nothing drifted, no check failed, nothing to apply.
# Exit 2: something to look at, printed: drift found by refresh, failed check
#         blocks (and any other warning), or changes an apply would make (a
#         certificate in its renewal window is replaced).
# Exit 1: terraform failed.
#
# It does not use the exit code of `terraform plan -refresh-only
# -detailed-exitcode`, which is 2 for these resources even when nothing
# changed (see the guide "Detecting certificate drift").
set -u
tf=${TERRAFORM:-terraform}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# 1. Refresh only: what changed outside Terraform, and what the check blocks
#    say about the refreshed state.
"$tf" plan -refresh-only -input=false -no-color -json >"$out/refresh.jsonl" || {
	jq -r 'select(.type == "diagnostic") | .["@message"]' "$out/refresh.jsonl" >&2
	exit 1
}
drift=$(jq -r 'select(.type == "resource_drift") | "  \(.change.resource.addr): \(.change.action)"' "$out/refresh.jsonl") || exit 1
warnings=$(jq -r 'select(.type == "diagnostic" and .diagnostic.severity == "warning")
	| "  \(.diagnostic.summary): \(.diagnostic.detail)"' "$out/refresh.jsonl") || exit 1

# 2. A normal plan: what an apply would change.
"$tf" plan -input=false -no-color -detailed-exitcode >"$out/plan.txt" 2>&1
plan=$?
if [ "$plan" -ne 0 ] && [ "$plan" -ne 2 ]; then
	cat "$out/plan.txt" >&2
	exit 1
fi

status=0
if [ -n "$drift" ]; then
	printf 'Changed outside Terraform:\n%s\n' "$drift"
	status=2
fi
if [ -n "$warnings" ]; then
	printf 'Warnings (failed checks):\n%s\n' "$warnings"
	status=2
fi
if [ "$plan" -eq 2 ]; then
	printf 'An apply would change:\n'
	grep -E '^  # ' "$out/plan.txt"
	status=2
fi
[ "$status" -eq 0 ] && echo "No drift."
exit "$status"
