#!/usr/bin/env bash
# release-check-selftest.sh [DIST]: release-check.sh must refuse a broken
# release. Each case copies the release in DIST (dist/ by default, as `make
# release-check` leaves it), breaks one thing, and requires release-check.sh
# to fail on it with the message that names that thing, so a check that
# passes everything, or fails for another reason, is caught.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dist=$(cd "${1:-$repo/dist}" && pwd)
project=terraform-provider-dockertls

fail() { echo "release-check-selftest: $*" >&2; exit 1; }
for tool in go jq zip unzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is required"
done
version=$(jq -r '.version // empty' "$dist/metadata.json") || true
[ -n "$version" ] || fail "no release in $dist (run make release-check first)"
os=$(go env GOOS)
arch=$(go env GOARCH)
zip_name="${project}_${version}_${os}_${arch}.zip"
sums_name="${project}_${version}_SHA256SUMS"
manifest_name="${project}_${version}_manifest.json"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/release-check-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# relist FILE: list FILE in the copy's SHA256SUMS with its new hash, so that
# only the breakage under test is wrong.
relist() {
  local line
  line=$(cd "$copy" && sha256sum "$1")
  grep -vF "  $1" "$copy/$sums_name" >"$copy/$sums_name.new" || true
  echo "$line" >>"$copy/$sums_name.new"
  mv "$copy/$sums_name.new" "$copy/$sums_name"
}

# expect NAME MESSAGE: run release-check.sh on the copy; it must fail with a
# line containing MESSAGE.
cases=0
expect() {
  cases=$((cases + 1))
  if "$repo/.ci/release-check.sh" "$copy" >"$tmp/out.log" 2>&1; then
    cat "$tmp/out.log" >&2
    fail "$1: release-check.sh passed"
  fi
  grep -F -- "$2" "$tmp/out.log" >/dev/null || { cat "$tmp/out.log" >&2; fail "$1: failed, but not with '$2'"; }
  echo "ok: $1: $(grep -F "release-check:" "$tmp/out.log" | tail -n 1)"
}

# fresh: a copy of the release to break.
fresh() {
  copy="$tmp/dist"
  rm -rf "$copy"
  mkdir -p "$copy"
  cp "$dist/metadata.json" "$dist/$sums_name" "$dist/$manifest_name" "$dist/$zip_name" "$copy/"
}

fresh
printf 'x' | dd of="$copy/$zip_name" bs=1 seek=100 conv=notrunc status=none
expect "a corrupted zip" "$zip_name does not match $sums_name"

fresh
grep -vF "  $zip_name" "$dist/$sums_name" >"$copy/$sums_name"
expect "a zip missing from SHA256SUMS" "$zip_name is not listed in $sums_name"

fresh
jq '.metadata.protocol_versions = ["5.0"]' "$dist/$manifest_name" >"$copy/$manifest_name"
relist "$manifest_name"
expect "a manifest naming protocol 5" "lists protocol(s) 5 but the binary speaks 6"

fresh
jq '.metadata.protocol_versions = ["5.0", "6.0"]' "$dist/$manifest_name" >"$copy/$manifest_name"
relist "$manifest_name"
expect "a manifest naming a protocol the binary does not speak" "lists protocol(s) 5 6 but the binary speaks 6"

fresh
jq '.metadata.protocol_versions = ["6.0"]' "$dist/$manifest_name" >"$copy/$manifest_name"
expect "a manifest SHA256SUMS does not list" "$manifest_name is not listed, or listed with another hash"

fresh
mkdir "$tmp/repack"
unzip -q "$dist/$zip_name" -d "$tmp/repack"
mv "$tmp/repack/${project}_v${version}" "$tmp/repack/${project}"
rm "$copy/$zip_name"
(cd "$tmp/repack" && zip -q -r "$copy/$zip_name" .)
rm -rf "$tmp/repack"
relist "$zip_name"
expect "a zip whose binary is not named for the version" "$zip_name holds no ${project}_v${version}"

fresh
jq '.version = "0.0.1-SNAPSHOT"' "$dist/metadata.json" >"$copy/metadata.json"
expect "an upper-case version" "is not a version Terraform accepts"

echo "release-check-selftest: release-check.sh refused all $cases broken releases"
