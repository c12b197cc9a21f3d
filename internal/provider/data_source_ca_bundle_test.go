package provider

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// caBundleCAs are a current CA and, made an hour later with a shorter
// validity, the next one: the next starts later but expires first, so
// bundle order (by start) and expires_first (the earliest end) differ.
// Both keep the default common name, as a renewal often does: only the
// key tells them apart.
const caBundleCAs = `
resource "dockertls_ca" "current" {}
`

const caBundleNextCA = `
resource "dockertls_ca" "next" {
  validity_period_hours = 50000
}
`

func caBundleData(name, pems string) string {
	return fmt.Sprintf("\ndata \"dockertls_ca_bundle\" %q {\n  ca_cert_pems = %s\n}\n", name, pems)
}

// TestCABundle_OrderAndDuplicates: the bundle is the same bytes whatever
// the order of the list (in one configuration and across two), each CA
// once even when given twice or inside a bundle fed back in, the current CA
// first; fingerprints and expires_first follow the CAs' own attributes.
func TestCABundle_OrderAndDuplicates(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	at := tfjsonpathOf
	fp := func(i int) tfjsonpath.Path { return at("fingerprints").AtSliceIndex(i) }
	sameBundle := statecheck.CompareValue(compare.ValuesSame())
	// A consumer of each bundle, so a change of bytes would show in the plan.
	both := caBundleCAs + caBundleNextCA + `
resource "terraform_data" "ca_pem" {
  input = [
    data.dockertls_ca_bundle.forward.bundle_pem,
    data.dockertls_ca_bundle.backward.bundle_pem,
    data.dockertls_ca_bundle.fed_back.bundle_pem,
  ]
}
`
	const fwd, bwd, fed = "data.dockertls_ca_bundle.forward", "data.dockertls_ca_bundle.backward", "data.dockertls_ca_bundle.fed_back"
	// The checks of both steps; the last compares bundle_pem with the
	// previous step's.
	checks := func() []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.CompareValuePairs(fwd, at("bundle_pem"), bwd, at("bundle_pem"), compare.ValuesSame()),
			statecheck.CompareValuePairs(fwd, at("bundle_pem"), fed, at("bundle_pem"), compare.ValuesSame()),
			statecheck.ExpectKnownValue(fwd, at("fingerprints"), knownvalue.ListSizeExact(2)),
			statecheck.ExpectKnownValue(fed, at("fingerprints"), knownvalue.ListSizeExact(2)),
			statecheck.CompareValuePairs(fwd, fp(0), "dockertls_ca.current", at("cert_fingerprint_sha256"), compare.ValuesSame()),
			statecheck.CompareValuePairs(fwd, fp(1), "dockertls_ca.next", at("cert_fingerprint_sha256"), compare.ValuesSame()),
			statecheck.CompareValuePairs(bwd, fp(0), "dockertls_ca.current", at("cert_fingerprint_sha256"), compare.ValuesSame()),
			statecheck.CompareValuePairs(fwd, at("expires_first"), "dockertls_ca.next", at("validity_end_time"), compare.ValuesSame()),
			stateCheckFunc(func(s *tfjson.State) error {
				current, err := readIssued(s, "dockertls_ca.current")
				if err != nil {
					return err
				}
				next, err := readIssued(s, "dockertls_ca.next")
				if err != nil {
					return err
				}
				a, err := stringAttrs(s, fwd, "bundle_pem")
				if err != nil {
					return err
				}
				if a["bundle_pem"] != current.certPEM+next.certPEM {
					return fmt.Errorf("bundle_pem is not the current CA's cert_pem followed by the next CA's")
				}
				return nil
			}),
			sameBundle.AddStateValue(fwd, at("bundle_pem")),
		}
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{Config: caBundleCAs},
			{
				PreConfig: func() { env.clock.Advance(time.Hour) },
				Config: both +
					caBundleData("forward", "[dockertls_ca.current.cert_pem, dockertls_ca.next.cert_pem]") +
					caBundleData("backward", "[dockertls_ca.next.cert_pem, dockertls_ca.current.cert_pem, dockertls_ca.next.cert_pem]") +
					caBundleData("fed_back", "[data.dockertls_ca_bundle.forward.bundle_pem, dockertls_ca.current.cert_pem]"),
				ConfigStateChecks: checks(),
			},
			{
				// The same data sources with their lists reversed: the same
				// bytes, so nothing to change.
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Config: both +
					caBundleData("forward", "[dockertls_ca.next.cert_pem, dockertls_ca.current.cert_pem]") +
					caBundleData("backward", "[dockertls_ca.current.cert_pem, dockertls_ca.next.cert_pem, dockertls_ca.current.cert_pem]") +
					caBundleData("fed_back", "[dockertls_ca.current.cert_pem, data.dockertls_ca_bundle.backward.bundle_pem]"),
				ConfigStateChecks: checks(),
			},
		},
	})
}

// caBundleLeaves: a server certificate of the current CA, a client
// certificate of the next, and a client of a third CA left out of the
// bundle.
const caBundleLeaves = `
resource "dockertls_server_cert" "current" {
  ca_cert_pem        = dockertls_ca.current.cert_pem
  ca_private_key_pem = dockertls_ca.current.private_key_pem
  dns_names          = ["docker.example.com"]
}

resource "dockertls_client_cert" "next" {
  ca_cert_pem        = dockertls_ca.next.cert_pem
  ca_private_key_pem = dockertls_ca.next.private_key_pem
}

resource "dockertls_ca" "third" {}

resource "dockertls_client_cert" "third" {
  ca_cert_pem        = dockertls_ca.third.cert_pem
  ca_private_key_pem = dockertls_ca.third.private_key_pem
}
`

// TestCABundle_VerifiesLeavesOfEveryCA proves the bundle with verifiers
// that share no code with ours: openssl and Go's x509 pool accept the
// leaves of both CAs against bundle_pem alone (though the two CAs have the
// same name) and refuse the leaf of a CA left out.
func TestCABundle_VerifiesLeavesOfEveryCA(t *testing.T) {
	t.Parallel()
	openssl := acctest.RequireTool(t, "openssl", "openssl verify -CAfile reads bundle_pem as daemons' and clients' ca.pem")
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config: caBundleCAs + caBundleNextCA + caBundleLeaves +
				caBundleData("docker", "[dockertls_ca.current.cert_pem, dockertls_ca.next.cert_pem]"),
			ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
				a, err := stringAttrs(s, "data.dockertls_ca_bundle.docker", "bundle_pem")
				if err != nil {
					return err
				}
				dir := t.TempDir()
				bundle := filepath.Join(dir, "ca.pem")
				if err := os.WriteFile(bundle, []byte(a["bundle_pem"]), 0o600); err != nil {
					return err
				}
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM([]byte(a["bundle_pem"])) {
					return errors.New("Go's x509 pool reads no certificate from bundle_pem")
				}
				var errs []error
				for _, leaf := range []struct {
					address string
					purpose string
					usage   x509.ExtKeyUsage
					trusted bool
				}{
					{"dockertls_server_cert.current", "sslserver", x509.ExtKeyUsageServerAuth, true},
					{"dockertls_client_cert.next", "sslclient", x509.ExtKeyUsageClientAuth, true},
					{"dockertls_client_cert.third", "sslclient", x509.ExtKeyUsageClientAuth, false},
				} {
					l, err := readIssued(s, leaf.address)
					if err != nil {
						return err
					}
					file := filepath.Join(dir, leaf.address+".pem")
					if err := os.WriteFile(file, []byte(l.certPEM), 0o600); err != nil {
						return err
					}
					out, err := exec.Command(openssl, "verify", "-purpose", leaf.purpose, "-CAfile", bundle, file).CombinedOutput()
					if (err == nil) != leaf.trusted {
						errs = append(errs, fmt.Errorf("openssl verify %s: trusted %v, want %v: %s", leaf.address, err == nil, leaf.trusted, out))
					}
					_, err = l.cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{leaf.usage}, CurrentTime: env.clock.Now()})
					if (err == nil) != leaf.trusted {
						errs = append(errs, fmt.Errorf("Go x509 %s: trusted %v, want %v: %v", leaf.address, err == nil, leaf.trusted, err))
					}
				}
				return errors.Join(errs...)
			})},
		}},
	})
}

// caBundleVars are CAs made outside Terraform, so that moving the clock
// expires them without a dockertls_ca renewing itself.
const caBundleVars = `
variable "old" { type = string }
variable "new" { type = string }
`

// issueNamedCA issues a CA outside Terraform, named name, valid from at
// for validity.
func issueNamedCA(t *testing.T, name string, at time.Time, validity time.Duration) *pki.Certificate {
	t.Helper()
	c, err := pki.Issue(pki.Request{Profile: pki.ProfileCA, KeyAlgorithm: pki.ECDSAP256, CommonName: name, Validity: validity}, nil, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCABundle_ExpiredCAIsLeftOut: once the clock passes a CA's end it
// leaves the bundle; once every CA has, the bundle is an error.
func TestCABundle_ExpiredCAIsLeftOut(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	oldCA := issueNamedCA(t, "old CA", env.clock.Now(), 100*time.Hour)
	// A minute later, so the old CA comes first in the bundle and in messages.
	start := env.clock.Now()
	newCA := issueNamedCA(t, "new CA", start.Add(time.Minute), 1000*time.Hour)
	vars := config.Variables{"old": config.StringVariable(oldCA.CertPEM), "new": config.StringVariable(newCA.CertPEM)}
	cfg := caBundleVars + caBundleData("docker", "[var.new, var.old]")
	const ds = "data.dockertls_ca_bundle.docker"
	at := tfjsonpathOf
	end := func(c *pki.Certificate) string { return c.Cert.NotAfter.UTC().Format(time.RFC3339) }
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config: cfg, ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, at("bundle_pem"), knownvalue.StringExact(oldCA.CertPEM+newCA.CertPEM)),
					statecheck.ExpectKnownValue(ds, at("expires_first"), knownvalue.StringExact(end(oldCA))),
				},
			},
			{
				PreConfig: func() { env.clock.Advance(101 * time.Hour) },
				Config:    cfg, ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, at("bundle_pem"), knownvalue.StringExact(newCA.CertPEM)),
					statecheck.ExpectKnownValue(ds, at("fingerprints"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact(pki.Fingerprint(newCA.Cert)),
					})),
					statecheck.ExpectKnownValue(ds, at("expires_first"), knownvalue.StringExact(end(newCA))),
				},
			},
			{
				PreConfig:       func() { env.clock.Advance(900 * time.Hour) },
				Config:          cfg,
				ConfigVariables: vars,
				ExpectError: errorPattern(fmt.Sprintf(`Every CA in ca_cert_pems has expired (it is %s): %s expired at %s; %s expired at %s. A ca.pem that trusts no valid CA locks every client out`,
					start.Add(1001*time.Hour).UTC().Format(time.RFC3339),
					pki.Describe(oldCA.Cert), end(oldCA), pki.Describe(newCA.Cert), end(newCA))),
			},
		},
	})
}

// TestCABundle_Warnings: an expired CA is named with its end of validity,
// and a CA not valid yet is named with its start. plugin-testing cannot see
// warnings, so this drives terraform.
func TestCABundle_Warnings(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	now := env.clock.Now()
	oldCA := issueNamedCA(t, "old CA", now, 100*time.Hour)
	newCA := issueNamedCA(t, "new CA", now, 1000*time.Hour)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	w.Setenv("TF_VAR_old", oldCA.CertPEM)
	w.Setenv("TF_VAR_new", newCA.CertPEM)
	w.SetConfig(caBundleVars + caBundleData("docker", "[var.old, var.new]"))
	w.Init()
	warnings := func() []string {
		t.Helper()
		plan := w.Run("plan", "-json")
		if plan.ExitCode != 0 {
			t.Fatalf("plan exits %d\n%s", plan.ExitCode, plan)
		}
		got := plan.Warnings()
		return got
	}
	if got := warnings(); len(got) != 0 {
		t.Errorf("both CAs valid: warnings %q", got)
	}

	env.clock.Advance(101 * time.Hour)
	want := fmt.Sprintf("CA left out of the bundle: expired: The CA certificate %s expired at %s and is left out of bundle_pem",
		pki.Describe(oldCA.Cert), oldCA.Cert.NotAfter.UTC().Format(time.RFC3339))
	if got := warnings(); len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Errorf("after the old CA's end: warnings %q, want one starting %q", got, want)
	}

	// A next CA made by a host whose clock runs two hours ahead.
	later := issueNamedCA(t, "later CA", env.clock.Now().Add(2*time.Hour), 1000*time.Hour)
	w.Setenv("TF_VAR_old", later.CertPEM)
	want = fmt.Sprintf("CA in the bundle is not valid yet: The CA certificate %s is not valid until %s",
		pki.Describe(later.Cert), later.Cert.NotBefore.UTC().Format(time.RFC3339))
	if got := warnings(); len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Errorf("a CA not valid yet: warnings %q, want one starting %q", got, want)
	}
}

// TestCABundle_Example applies the documented example: both CAs in the
// output, and nothing to change on the next plan.
func TestCABundle_Example(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config: readFileString(t, "../../examples/data-sources/dockertls_ca_bundle/data-source.tf"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("ca_pem", knownvalue.StringRegexp(
					regexp.MustCompile(`^(-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n){2}$`))),
				statecheck.CompareValuePairs("data.dockertls_ca_bundle.docker", tfjsonpath.New("expires_first"),
					"dockertls_ca.current", tfjsonpath.New("validity_end_time"), compare.ValuesSame()),
			},
		}},
	})
}

const caBundleBadInputVars = `
variable "ca" { type = string }
variable "key" { type = string }
variable "server" { type = string }
variable "client" { type = string }
`

// TestCABundle_BadInput: each mistake fails the plan, naming the element
// and the fix, and never shows the key it was given.
func TestCABundle_BadInput(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ca := testCA(t, now, 1000*time.Hour)
	iss, err := pki.NewSigningCA(ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	client := issueClient(t, iss, now)
	server, err := pki.Issue(pki.Request{Profile: pki.ProfileServer, KeyAlgorithm: pki.ECDSAP256, CommonName: "s",
		DNSNames: []string{"docker.example.com"}, Validity: time.Hour}, iss, now)
	if err != nil {
		t.Fatal(err)
	}
	// The key is not a sensitive variable: only the provider's own text
	// stands between it and the output.
	vars := config.Variables{
		"ca": config.StringVariable(ca.CertPEM), "key": config.StringVariable(ca.PrivateKeyPEM),
		"server": config.StringVariable(server.CertPEM), "client": config.StringVariable(client.CertPEM),
	}
	keyText := keyTextFragments(t, ca.PrivateKeyPEM)
	// after(k) is the k-th line after the CA's certificate.
	after := func(k int) string { return fmt.Sprintf("line %d", strings.Count(ca.CertPEM, "\n")+k) }
	list := func(name, pems, want string) badInput {
		return badInput{name: name, config: caBundleBadInputVars + caBundleData("test", pems), vars: vars, want: want, phase: atPlan}
	}
	runBadInputsHiding(t, []badInput{
		list("empty list", `[]`, `ca_cert_pems is empty: the list of CA certificates is empty`),
		list("null element", `[var.ca, null]`, `ca_cert_pems[1] is null: give a CA's certificate`),
		list("key alone", `[var.ca, var.key]`, `ca_cert_pems[1]: line 1: the text holds a private key (a "PRIVATE KEY" PEM block) where only a certificate belongs: remove the key and pass the certificate alone. ca_cert_pems is not sensitive`),
		list("key appended to the CA", `["${var.ca}${var.key}"]`, `ca_cert_pems[0]: `+after(1)+`: the text holds a private key`),
		// `kubectl get secret -o yaml` spells the key this way; HCL's
		// base64encode makes the same line.
		list("kubectl yaml: the key after the CA", `[var.ca, "${var.ca}  tls.key: ${base64encode(var.key)}\n"]`, `ca_cert_pems[1]: `+after(1)+`: the text holds a `+
			`private key (base64 that decodes to a private key, as a Kubernetes secret's tls.key holds it) where only a certificate belongs: `+
			`remove the key and pass the certificate alone. ca_cert_pems is not sensitive`),
		list("openssl's text beside the CA", `["Bag Attributes\n    friendlyName: ca\n${var.ca}"]`, `ca_cert_pems[0]: line 1 holds text outside a `+
			`CERTIFICATE block, such as openssl writes beside a certificate`),
		list("key line pasted without armour", `[var.ca, "${var.ca}\n${split("\n", var.key)[1]}"]`, `ca_cert_pems[1]: `+after(2)+`: the text holds a private key (base64 data outside any PEM block`),
		list("server certificate", `[var.ca, var.server]`, `ca_cert_pems[1]: the certificate "s" is not a CA (it lacks basicConstraints CA:TRUE): pass the certificate of the CA that signs, not a server or client certificate. A trust bundle holds CAs only: pass dockertls_ca's cert_pem.`),
		list("client certificate in a bundle", `["${var.ca}${var.client}"]`, `ca_cert_pems[0]: certificate 2 of 2: the certificate "c" is not a CA`),
		list("garbage", `[var.ca, var.ca, "not a certificate"]`, `ca_cert_pems[2]: no PEM block found: expected -----BEGIN CERTIFICATE-----. Pass a CA's certificate`),
		list("byte-order mark", `["\ufeff${var.ca}"]`, `ca_cert_pems[0]: the text starts with a UTF-8 byte-order mark`),
		list("public key", `["-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]`, `ca_cert_pems[0]: line 1 begins a "PUBLIC KEY" PEM block where only CERTIFICATE blocks belong: remove it.`),
		{
			// Terraform validates a data source with variables' values only
			// when it reads it, which an unknown element defers; a literal
			// is known at validation.
			name:   "garbage beside a CA made in the same run",
			config: pkiConfig("ECDSA_P256") + caBundleData("test", `[dockertls_ca.test.cert_pem, "not a certificate"]`),
			want:   `ca_cert_pems[1]: no PEM block found`, phase: atPlan,
		},
		{
			name:   "the CA's key beside its certificate, known only at apply",
			config: pkiConfig("ECDSA_P256") + caBundleData("test", "[dockertls_ca.test.cert_pem, dockertls_ca.test.private_key_pem]"),
			want:   `ca_cert_pems[1]: line 1: the text holds a private key`, phase: atApply,
		},
		{
			name:   "client certificate known only at apply",
			config: pkiConfig("ECDSA_P256") + caBundleData("test", "[dockertls_ca.test.cert_pem, dockertls_client_cert.test.cert_pem]"),
			want:   `ca_cert_pems[1]: the certificate "client" is not a CA`, phase: atApply,
		},
		{
			name:   "every CA expired",
			config: caBundleBadInputVars + caBundleData("test", "[var.ca]"),
			vars: config.Variables{
				"ca": config.StringVariable(testCA(t, now.Add(-200*time.Hour), 100*time.Hour).CertPEM), "key": config.StringVariable(""),
				"server": config.StringVariable(""), "client": config.StringVariable(""),
			},
			want: `Every CA in ca_cert_pems has expired`, phase: atPlan,
		},
	}, keyText)
}

// TestCABundle_DiagnosticPaths calls ValidateConfig directly to see the
// attribute path of each diagnostic (terraform shows only the line), with
// unknown elements beside bad ones.
func TestCABundle_DiagnosticPaths(t *testing.T) {
	t.Parallel()
	ca := testCA(t, time.Now(), time.Hour)
	ctx := context.Background()
	d := NewCABundleDataSource().(*caBundleDataSource)
	var sr datasource.SchemaResponse
	d.Schema(ctx, datasource.SchemaRequest{}, &sr)
	typ := sr.Schema.Type().TerraformType(ctx)
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	null := tftypes.NewValue(tftypes.String, nil)
	validate := func(elems ...tftypes.Value) (paths []string, texts []string) {
		list := tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, elems)
		raw := tftypes.NewValue(typ, map[string]tftypes.Value{
			"ca_cert_pems":  list,
			"bundle_pem":    null,
			"fingerprints":  tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, nil),
			"expires_first": null,
		})
		var resp datasource.ValidateConfigResponse
		d.ValidateConfig(ctx, datasource.ValidateConfigRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: raw}}, &resp)
		for _, diag := range resp.Diagnostics {
			p := "(none)"
			if wp, ok := diag.(interface{ Path() path.Path }); ok {
				p = wp.Path().String()
			}
			paths = append(paths, p)
			texts = append(texts, diag.Summary()+" "+diag.Detail())
		}
		return paths, texts
	}
	cases := []struct {
		name  string
		elems []tftypes.Value
		want  []string
	}{
		{"good", []tftypes.Value{str(ca.CertPEM), unknown}, nil},
		{"empty", []tftypes.Value{}, []string{"ca_cert_pems"}},
		{"key after an unknown", []tftypes.Value{unknown, str(ca.PrivateKeyPEM)}, []string{"ca_cert_pems[1]"}},
		{"key as kubectl prints it after an unknown", []tftypes.Value{unknown, str(kubectlKey(ca.CertPEM, ca.PrivateKeyPEM))}, []string{"ca_cert_pems[1]"}},
		{"null and garbage", []tftypes.Value{str(ca.CertPEM), null, unknown, str("x")}, []string{"ca_cert_pems[1]", "ca_cert_pems[3]"}},
	}
	for _, tc := range cases {
		paths, texts := validate(tc.elems...)
		if strings.Join(paths, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: diagnostics at %q, want %q: %q", tc.name, paths, tc.want, texts)
		}
		for _, text := range texts {
			if _, found := holdsKey(text, keyTextFragments(t, ca.PrivateKeyPEM)); found {
				t.Errorf("%s: a diagnostic shows a piece of the key", tc.name)
			}
		}
	}
}
