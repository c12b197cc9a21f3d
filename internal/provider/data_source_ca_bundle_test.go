package provider

import (
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// caBundleConfig: two CAs in a bundle given in three ways, a client
// certificate from each, and one from a CA left out of the bundle.
const caBundleConfig = `
resource "dockertls_ca" "current" { common_name = "Current CA" }
resource "dockertls_ca" "next" { common_name = "Next CA" }
resource "dockertls_ca" "outside" { common_name = "Outside CA" }

data "dockertls_ca_bundle" "forward" {
  ca_cert_pems = [dockertls_ca.current.cert_pem, dockertls_ca.next.cert_pem]
}

data "dockertls_ca_bundle" "backward" {
  ca_cert_pems = [dockertls_ca.next.cert_pem, dockertls_ca.current.cert_pem, dockertls_ca.next.cert_pem]
}

# A bundle fed back in with one of its own CAs.
data "dockertls_ca_bundle" "again" {
  ca_cert_pems = [data.dockertls_ca_bundle.forward.bundle_pem, "${dockertls_ca.current.cert_pem}\n"]
}

resource "dockertls_client_cert" "current" {
  ca_cert_pem        = dockertls_ca.current.cert_pem
  ca_private_key_pem = dockertls_ca.current.private_key_pem
}

resource "dockertls_client_cert" "next" {
  ca_cert_pem        = dockertls_ca.next.cert_pem
  ca_private_key_pem = dockertls_ca.next.private_key_pem
}

resource "dockertls_client_cert" "outside" {
  ca_cert_pem        = dockertls_ca.outside.cert_pem
  ca_private_key_pem = dockertls_ca.outside.private_key_pem
}
`

// TestCABundle_Outputs: the bundle does not depend on the order of the list
// or on CAs given twice; its fingerprints are the CAs' own; expires_first is
// the earlier CA's expiry; and what the bundle trusts is checked by openssl
// and Go's verifier, not by our code: the leaves of both CAs verify against
// it, the leaf of a third CA does not. A second plan is empty.
func TestCABundle_Outputs(t *testing.T) {
	t.Parallel()
	openssl := acctest.RequireTool(t, "openssl", "it verifies certificates against the bundle independently of the provider")
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config: caBundleConfig,
			ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
				var bundles []map[string]any
				for _, name := range []string{"forward", "backward", "again"} {
					a, err := resourceAttrs(s, "data.dockertls_ca_bundle."+name)
					if err != nil {
						return err
					}
					bundles = append(bundles, a)
				}
				for i, b := range bundles[1:] {
					if b["bundle_pem"] != bundles[0]["bundle_pem"] || fmt.Sprint(b["fingerprints"]) != fmt.Sprint(bundles[0]["fingerprints"]) ||
						b["expires_first"] != bundles[0]["expires_first"] {
						return fmt.Errorf("bundle %d differs from the first: %v vs %v", i+2, b["fingerprints"], bundles[0]["fingerprints"])
					}
				}
				current, err := stringAttrs(s, "dockertls_ca.current", "cert_fingerprint_sha256", "validity_end_time")
				if err != nil {
					return err
				}
				next, err := stringAttrs(s, "dockertls_ca.next", "cert_fingerprint_sha256", "validity_end_time")
				if err != nil {
					return err
				}
				var got []string
				for _, fp := range bundles[0]["fingerprints"].([]any) {
					got = append(got, fp.(string))
				}
				want := []string{current["cert_fingerprint_sha256"], next["cert_fingerprint_sha256"]}
				if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
					return fmt.Errorf("fingerprints %q, want the two CAs' %q", got, want)
				}
				if first := min(current["validity_end_time"], next["validity_end_time"]); bundles[0]["expires_first"] != first {
					return fmt.Errorf("expires_first %v, want %s", bundles[0]["expires_first"], first)
				}
				bundle := bundles[0]["bundle_pem"].(string)
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM([]byte(bundle)) {
					return fmt.Errorf("Go reads no certificate in bundle_pem")
				}
				dir := t.TempDir()
				caFile := filepath.Join(dir, "ca.pem")
				if err := os.WriteFile(caFile, []byte(bundle), 0o600); err != nil {
					return err
				}
				for _, leaf := range []string{"current", "next", "outside"} {
					a, err := stringAttrs(s, "dockertls_client_cert."+leaf, "cert_pem")
					if err != nil {
						return err
					}
					cert, err := acctest.ParseCertificate(a["cert_pem"])
					if err != nil {
						return err
					}
					_, goErr := cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: env.clock.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
					leafFile := filepath.Join(dir, leaf+".pem")
					if err := os.WriteFile(leafFile, []byte(a["cert_pem"]), 0o600); err != nil {
						return err
					}
					out, sslErr := exec.Command(openssl, "verify", "-CAfile", caFile, leafFile).CombinedOutput() //nolint:gosec // the test's own files
					trusted := leaf != "outside"
					if (goErr == nil) != trusted || (sslErr == nil) != trusted {
						return fmt.Errorf("the %s client certificate against the bundle: Go %v, openssl %v (%s); want trusted = %v", leaf, goErr, sslErr, out, trusted)
					}
				}
				return nil
			})},
		}},
	})
}

// TestCABundle_ExpiredCA: a CA that has expired is left out with a warning
// that names it; when every CA has, the plan fails. plugin-testing cannot
// see warnings, so this drives terraform.
func TestCABundle_ExpiredCA(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	short, long := testCA(t, env.clock.Now(), 10*time.Hour), testCA(t, env.clock.Now(), 1000*time.Hour)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	w.Setenv("TF_VAR_short", short.CertPEM)
	w.Setenv("TF_VAR_long", long.CertPEM)
	cfg := func(list string) string {
		return `
variable "short" { type = string }
variable "long" { type = string }

data "dockertls_ca_bundle" "test" { ca_cert_pems = ` + list + ` }
`
	}
	w.SetConfig(cfg("[var.short, var.long]"))
	w.Init()
	plan := func(phase string, wantFingerprints int, wantWarning string) {
		t.Helper()
		res := w.Run("plan", "-json")
		if res.ExitCode != 0 {
			t.Fatalf("%s: plan exits %d\n%s", phase, res.ExitCode, res)
		}
		var warnings []string
		for _, d := range res.Diagnostics("warning") {
			warnings = append(warnings, d.Summary+": "+d.Detail)
		}
		if (wantWarning == "") != (len(warnings) == 0) || len(warnings) > 1 || (wantWarning != "" && !strings.Contains(warnings[0], wantWarning)) {
			t.Errorf("%s: the plan warns %q, want %q", phase, warnings, wantWarning)
		}
		w.Apply()
		a, err := resourceAttrs(w.ShowState(), "data.dockertls_ca_bundle.test")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := a["fingerprints"].([]any); len(got) != wantFingerprints {
			t.Errorf("%s: fingerprints %v, want %d", phase, a["fingerprints"], wantFingerprints)
		}
	}
	plan("both valid", 2, "")
	env.clock.Advance(11 * time.Hour)
	plan("one expired", 1, `Expired CA left out of the bundle: The CA "Test CA" (SHA-256 `)

	w.SetConfig(cfg("[var.short]"))
	res := w.Run("plan")
	if res.ExitCode != 1 || !errorPattern("Every CA in ca_cert_pems has expired").MatchString(res.Stderr) {
		t.Errorf("only an expired CA: want the plan to fail saying every CA has expired\n%s", res)
	}
}

// TestCABundle_BadInput: every problem is an error at plan time on the
// element's index, and none repeats the key it found.
func TestCABundle_BadInput(t *testing.T) {
	t.Parallel()
	p := newGoPKI(t)
	list := func(elems ...string) config.Variables {
		vars := make([]config.Variable, len(elems))
		for i, e := range elems {
			vars[i] = config.StringVariable(e)
		}
		return config.Variables{"pems": config.ListVariable(vars...)}
	}
	const varConfig = `
variable "pems" { type = list(string) }
data "dockertls_ca_bundle" "test" { ca_cert_pems = var.pems }
`
	runBadInputs(t, []badInput{
		{name: "empty list", config: varConfig, vars: list(), want: "list of CA certificates is empty", phase: atPlan},
		{name: "null element", config: `data "dockertls_ca_bundle" "test" { ca_cert_pems = [null] }`, want: "ca_cert_pems[0] is null", phase: atPlan},
		{name: "key alone", config: varConfig, vars: list(p.ca.CertPEM, p.ca.PrivateKeyPEM), want: "ca_cert_pems[1]: the text holds a private key", phase: atPlan},
		{name: "key appended", config: varConfig, vars: list(p.ca.CertPEM + p.ca.PrivateKeyPEM), want: "ca_cert_pems[0] is not sensitive", phase: atPlan},
		{name: "server certificate", config: varConfig, vars: list(p.ca.CertPEM, p.server.CertPEM), want: "ca_cert_pems[1]: the certificate", phase: atPlan},
		{name: "client certificate in a bundle", config: varConfig, vars: list(p.ca.CertPEM + p.client.CertPEM), want: "certificate 2 of 2", phase: atPlan},
		{name: "garbage", config: varConfig, vars: list("not a certificate"), want: "no PEM block found", phase: atPlan},
		{name: "byte-order mark", config: varConfig, vars: list("\ufeff" + p.ca.CertPEM), want: "byte-order mark", phase: atPlan},
	})
}
