#!/usr/bin/env bash
# release-check.sh [DIST]: prove that a release built by .goreleaser.yml is
# one a user can install. With no argument it builds a snapshot release into
# dist/ (GORELEASER names the goreleaser to run; nothing is signed or
# published), for this machine's platform only unless RELEASE_CHECK_TARGETS=all,
# then checks DIST (dist/ by default) the way a user's Terraform would meet
# it, without dev_overrides:
#
#   - the platform's zip is listed in the release's SHA256SUMS and matches it;
#   - the release's manifest names exactly the plugin protocols the binary in
#     the zip speaks when started as Terraform starts it;
#   - the binary holds the release's version (main.version);
#   - from a filesystem mirror holding only that zip, `terraform init`
#     installs that version and records in .terraform.lock.hcl the hashes of
#     what it installed;
#   - `terraform apply` of examples/quickstart/main.tf, exactly as the quick
#     start has it, creates the CA, the server and the client certificates.
#
# .ci/release-check-selftest.sh runs it on broken copies of a release, each
# of which it must refuse.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
project=terraform-provider-dockertls
address=registry.terraform.io/dockertls/dockertls

# Only what this script sets reaches terraform and the provider: a caller's
# plugin cache, CLI configuration or TF_CLI_ARGS would change what is tested.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(TF_|PLUGIN_)' || true)
export CHECKPOINT_DISABLE=1

fail() { echo "release-check: $*" >&2; exit 1; }
for tool in go terraform jq unzip sha256sum openssl; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is required"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/release-check.XXXXXX")
provider_pid=""
cleanup() {
  if [ -n "$provider_pid" ]; then kill "$provider_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

os=$(go env GOOS)
arch=$(go env GOARCH)

if [ $# -eq 0 ]; then
  dist="$repo/dist"
  goreleaser="${GORELEASER:-goreleaser}"
  command -v "$goreleaser" >/dev/null 2>&1 || fail "goreleaser not found (make release-check installs it)"
  config="$repo/.goreleaser.yml"
  # list_of KEY: the entries of the builds' KEY list (goos, goarch).
  list_of() { awk -v key="$1" '$0 ~ "^    " key ":$" { on = 1; next } on && /^      - / { print $2; next } { on = 0 }' "$config"; }
  goos_list=$(list_of goos)
  goarch_list=$(list_of goarch)
  grep -qx "$os" <<<"$goos_list" && grep -qx "$arch" <<<"$goarch_list" ||
    fail "$os/$arch is not a platform .goreleaser.yml builds ($(echo $goos_list) x $(echo $goarch_list))"
  if [ "${RELEASE_CHECK_TARGETS:-}" = all ]; then
    want_zips=$(($(wc -l <<<"$goos_list") * $(wc -l <<<"$goarch_list")))
    echo "==> goreleaser: a snapshot release for every platform ($want_zips)"
  else
    # Only this platform's zip can be installed and run here, and goreleaser
    # release has no --single-target (only goreleaser build has): the check
    # builds from a copy of the configuration whose goos and goarch lists
    # name this platform alone, and nothing else of it differs: a cold
    # build of the other platforms would cost make test minutes (README,
    # "Installing a release").
    want_zips=1
    awk -v os="$os" -v arch="$arch" '
      /^    goos:$/   { print; print "      - " os; skip = 1; next }
      /^    goarch:$/ { print; print "      - " arch; skip = 1; next }
      skip && /^      - / { next }
      { skip = 0; print }' "$config" >"$tmp/goreleaser.yml"
    config="$tmp/goreleaser.yml"
    echo "==> goreleaser: a snapshot release for $os/$arch (RELEASE_CHECK_TARGETS=all for every platform)"
  fi
  # --snapshot: no tag needed, nothing published. --skip=sign: the release
  # key is not here, and a check needs no signature.
  if ! (cd "$repo" && "$goreleaser" release --config "$config" --snapshot --clean --skip=sign) \
    >"$tmp/goreleaser.log" 2>&1; then
    cat "$tmp/goreleaser.log" >&2
    fail "goreleaser failed"
  fi
  zips=$(find "$dist" -maxdepth 1 -name '*.zip' | wc -l)
  [ "$zips" = "$want_zips" ] || fail "goreleaser built $zips zips, not $want_zips"
elif [ $# -eq 1 ]; then
  dist=$(cd "$1" && pwd)
else
  fail "usage: release-check.sh [DIST]"
fi

version=$(jq -r '.version // empty' "$dist/metadata.json" 2>/dev/null) || true
[ -n "$version" ] || fail "no version in $dist/metadata.json"
# Terraform accepts a provider version only as semver, in lower case.
[[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9a-z.-]+)?$ ]] ||
  fail "version $version is not a version Terraform accepts (lower-case semver)"
echo "==> release $version"

zip_name="${project}_${version}_${os}_${arch}.zip"
sums="$dist/${project}_${version}_SHA256SUMS"
manifest_name="${project}_${version}_manifest.json"
if [ $# -eq 0 ]; then
  # goreleaser publishes the manifest (release.extra_files) but does not copy
  # it into dist/; this is the file and the name it publishes.
  cp "$repo/terraform-registry-manifest.json" "$dist/$manifest_name"
fi
[ -f "$dist/$zip_name" ] || fail "no $zip_name in $dist"
[ -f "$sums" ] || fail "no $(basename "$sums") in $dist"

echo "==> $zip_name against $(basename "$sums")"
# Only the zip's own line: the other platforms' zips are usually not built.
grep -E "^[0-9a-f]{64}  $zip_name\$" "$sums" >"$tmp/zip.sum" || fail "$zip_name is not listed in $(basename "$sums")"
[ "$(wc -l <"$tmp/zip.sum")" = 1 ] || fail "$zip_name is listed more than once in $(basename "$sums")"
(cd "$dist" && sha256sum --strict -c "$tmp/zip.sum") || fail "$zip_name does not match $(basename "$sums")"
zip_sha=$(cut -d' ' -f1 "$tmp/zip.sum")

# The registry takes the manifest from the release's own file; SHA256SUMS
# lists it under that name, so both must agree.
echo "==> $manifest_name"
[ -f "$dist/$manifest_name" ] || fail "no $manifest_name in $dist"
grep -qxF "$(cd "$dist" && sha256sum "$manifest_name")" "$sums" ||
  fail "$manifest_name is not listed, or listed with another hash, in $(basename "$sums")"
jq -e '.version == 1' "$dist/$manifest_name" >/dev/null || fail "$manifest_name: version is not 1"
manifest_majors=$(jq -r '.metadata.protocol_versions[]' "$dist/$manifest_name" | cut -d. -f1 | sort -u | tr '\n' ' ')
[ -n "$manifest_majors" ] || fail "$manifest_name lists no protocol_versions"

mkdir -p "$tmp/unpacked"
unzip -q "$dist/$zip_name" -d "$tmp/unpacked"
binary="$tmp/unpacked/${project}_v${version}"
[ "$os" != windows ] || binary="$binary.exe"
[ -f "$binary" ] || fail "$zip_name holds no $(basename "$binary"): $(ls "$tmp/unpacked" | tr '\n' ' ')"

# handshake OFFERED: start the binary as Terraform starts a provider,
# offering only plugin protocol OFFERED, and set answered to the protocol its
# go-plugin handshake line (core|protocol|network|address|grpc) names. A
# plugin that does not speak the offered protocol answers with one it does.
handshake() {
  local dir="$tmp/handshake-$1" line
  mkdir -p "$dir"
  TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2 \
    PLUGIN_PROTOCOL_VERSIONS="$1" PLUGIN_MIN_PORT=10000 PLUGIN_MAX_PORT=25000 PLUGIN_UNIX_SOCKET_DIR="$dir" \
    "$binary" >"$dir/stdout" 2>"$dir/stderr" </dev/null &
  provider_pid=$!
  for _ in $(seq 1 200); do
    [ "$(wc -l <"$dir/stdout")" -ge 1 ] && break
    kill -0 "$provider_pid" 2>/dev/null || break
    sleep 0.05
  done
  kill "$provider_pid" 2>/dev/null || true
  wait "$provider_pid" 2>/dev/null || true
  provider_pid=""
  line=$(head -n 1 "$dir/stdout")
  [[ "$line" =~ ^1\|([0-9]+)\|[a-z]+\|[^|]+\|grpc(\||$) ]] ||
    fail "no go-plugin handshake from $(basename "$binary") (offered protocol $1): '$line'; stderr: $(cat "$dir/stderr")"
  answered=${BASH_REMATCH[1]}
}

echo "==> the protocols the binary speaks, against the manifest's"
binary_majors=""
for major in 5 6; do
  handshake "$major"
  if [ "$answered" = "$major" ]; then binary_majors+="$major "; fi
done
binary_majors=${binary_majors% } manifest_majors=${manifest_majors% }
[ "$binary_majors" = "$manifest_majors" ] ||
  fail "$manifest_name lists protocol(s) $manifest_majors but the binary speaks ${binary_majors:-none}"
echo "protocol $binary_majors (manifest: $(jq -c .metadata.protocol_versions "$dist/$manifest_name"))"

# The version the provider reports is linked in by goreleaser's ldflags
# (-X main.version; a -trimpath build records no ldflags in its build info).
grep -qaF -- "$version" "$binary" || fail "$(basename "$binary") does not hold its version $version (-X main.version)"

echo "==> terraform init from a filesystem mirror"
mirror="$tmp/mirror"
mkdir -p "$mirror/$address"
cp "$dist/$zip_name" "$mirror/$address/"
cat >"$tmp/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["$address"]
  }
  direct {
    exclude = ["$address"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$tmp/terraformrc"

work="$tmp/work"
mkdir -p "$work"
cp "$repo/examples/quickstart/main.tf" "$work/main.tf"
# An override file pins the version without touching the quick start's own
# file; a pre-release is only ever selected when pinned exactly.
cat >"$work/release_override.tf" <<TF
terraform {
  required_providers {
    dockertls = {
      source  = "dockertls/dockertls"
      version = "= $version"
    }
  }
}
TF
tf() { terraform -chdir="$work" "$@"; }
tf init -input=false -no-color >"$tmp/init.log" 2>&1 || { cat "$tmp/init.log" >&2; fail "terraform init failed"; }
grep -F "Installed dockertls/dockertls v$version" "$tmp/init.log" || { cat "$tmp/init.log" >&2; fail "terraform init did not install v$version"; }

# h1: is the hash of the unpacked package (golang.org/x/mod/sumdb/dirhash's
# Hash1: SHA-256 over the sorted "sha256  name" lines of its files); zh: is
# the zip's SHA-256, as SHA256SUMS lists it.
h1=$(cd "$tmp/unpacked" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | while IFS= read -r f; do
  printf '%s  %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$f"
done | openssl dgst -sha256 -binary | openssl base64 -A)
lock="$work/.terraform.lock.hcl"
[ -f "$lock" ] || fail "terraform init wrote no .terraform.lock.hcl"
jq -Rn --arg a "$address" --arg v "$version" --arg h1 "h1:$h1" --arg zh "zh:$zip_sha" '
  [inputs] | join("\n") as $lock |
  ($lock | test("provider \"" + $a + "\" \\{\\s*version\\s*=\\s*\"" + $v + "\"")) and
  ($lock | contains("\"" + $h1 + "\"")) and
  ([$lock | scan("\"zh:[0-9a-f]+\"")] | all(. == "\"" + $zh + "\""))
' <"$lock" >/dev/null ||
  { cat "$lock" >&2; fail ".terraform.lock.hcl does not record $address $version with h1:$h1 (or records a zh: other than zh:$zip_sha)"; }
echo "lock file: $address $version, h1:$h1$(grep -qF "zh:$zip_sha" "$lock" && echo ", zh:$zip_sha")"

echo "==> terraform apply of examples/quickstart"
export TF_VAR_workdir="$tmp/quickstart"
tf apply -auto-approve -input=false -no-color >"$tmp/apply.log" 2>&1 || { cat "$tmp/apply.log" >&2; fail "terraform apply failed"; }
if grep -E '^(│ )?(Error|Warning)' "$tmp/apply.log"; then fail "terraform apply reported the above"; fi
grep -E '^Apply complete! Resources: 3 added, 0 changed, 0 destroyed' "$tmp/apply.log" ||
  { cat "$tmp/apply.log" >&2; fail "terraform apply did not add the 3 resources"; }

tf show -json >"$tmp/state.json"
for type in dockertls_ca dockertls_server_cert dockertls_client_cert; do
  jq -e --arg t "$type" '[.values.root_module.resources[] | select(.type == $t and .mode == "managed")
    | select(.values.cert_pem | startswith("-----BEGIN CERTIFICATE-----"))] | length == 1' \
    "$tmp/state.json" >/dev/null || fail "no $type with a certificate in the state"
done
tf output -raw ca_pem >"$tmp/ca.pem"
tf output -raw server_cert_pem >"$tmp/server.pem"
tf output -raw client_cert_pem >"$tmp/client.pem"
openssl verify -CAfile "$tmp/ca.pem" -purpose sslserver "$tmp/server.pem" >/dev/null || fail "the server certificate does not verify against the CA"
openssl verify -CAfile "$tmp/ca.pem" -purpose sslclient "$tmp/client.pem" >/dev/null || fail "the client certificate does not verify against the CA"
[ -x "$work/.terraform/providers/$address/$version/${os}_${arch}/${project}_v${version}" ] ||
  fail "terraform init did not install ${project}_v${version} from the mirror into .terraform/providers"

echo "release-check: $zip_name installs from a filesystem mirror and applies the quick start's PKI"
