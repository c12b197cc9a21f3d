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
# It uses no exit code of `terraform plan -detailed-exitcode`: with
# -refresh-only it is 2 for these resources even when nothing changed, and a
# data source inside a check block makes every plan exit 2 (see the guide
# "Detecting certificate drift"). It reads terraform's -json output instead.
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
jq -r 'select(.type == "resource_drift") | "  \(.change.resource.addr): \(.change.action)"' "$out/refresh.jsonl" >"$out/drift" || exit 1
drift=$(sort "$out/drift")
warnings=$(jq -r 'select(.type == "diagnostic" and .diagnostic.severity == "warning")
	| "  \(.diagnostic.summary): \(.diagnostic.detail)"' "$out/refresh.jsonl") || exit 1

# 2. A normal plan: what an apply would change. Reads of data sources are not
#    changes: Terraform plans one for every data source inside a check block.
"$tf" plan -input=false -no-color -json >"$out/plan.jsonl" || {
	jq -r 'select(.type == "diagnostic") | .["@message"]' "$out/plan.jsonl" >&2
	exit 1
}
jq -r 'select(.type == "planned_change" and .change.action != "read")
	| "  \(.change.resource.addr): \(.change.action)"' "$out/plan.jsonl" >"$out/changes" || exit 1
changes=$(sort "$out/changes")

status=0
if [ -n "$drift" ]; then
	printf 'Changed outside Terraform:\n%s\n' "$drift"
	status=2
fi
if [ -n "$warnings" ]; then
	printf 'Warnings (failed checks):\n%s\n' "$warnings"
	status=2
fi
if [ -n "$changes" ]; then
	printf 'An apply would change:\n%s\n' "$changes"
	status=2
fi
[ "$status" -eq 0 ] && echo "No drift."
exit "$status"
