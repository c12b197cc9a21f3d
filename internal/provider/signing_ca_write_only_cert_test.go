package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// caRecorded checks what both leaves keep of their CA: its fingerprint, and
// neither certificate argument.
func caRecorded(ca *pki.Certificate) []statecheck.StateCheck {
	var checks []statecheck.StateCheck
	for _, leaf := range []string{server, client} {
		checks = append(checks,
			statecheck.ExpectKnownValue(leaf, tfjsonpathOf("ca_cert_fingerprint_sha256"), knownvalue.StringExact(pki.Fingerprint(ca.Cert))),
			statecheck.ExpectKnownValue(leaf, tfjsonpathOf("ca_cert_pem_wo"), knownvalue.Null()),
		)
	}
	return checks
}

// TestWriteOnlyCACert_NeverInState: a CA certificate given through
// ca_cert_pem_wo (with the key through ca_private_key_pem_wo) signs the
// leaves and appears nowhere in the plan, `terraform show -json` or the state
// files, through the whole life cycle (writeOnlyLifeCycle); the leaves keep
// the CA's fingerprint, known at plan time, and neither certificate argument.
// Not parallel: it points terraform's working directories at its own.
func TestWriteOnlyCACert_NeverInState(t *testing.T) {
	writeOnlyLifeCycle{
		config:  allWriteOnlyConfig,
		secrets: func(ca *pki.Certificate) []string { return []string{ca.CertPEM, ca.PrivateKeyPEM} },
		what:    "the CA certificate or key",
		kept:    caRecorded,
		createdPlan: func(ca *pki.Certificate) []plancheck.PlanCheck {
			return []plancheck.PlanCheck{
				// The CA is known at plan time, so is its fingerprint.
				plancheck.ExpectKnownValue(server, tfjsonpathOf("ca_cert_fingerprint_sha256"), knownvalue.StringExact(pki.Fingerprint(ca.Cert))),
			}
		},
		createdState: []statecheck.StateCheck{statecheck.ExpectKnownValue(server, tfjsonpathOf("ca_cert_pem"), knownvalue.Null())},
	}.run(t)
}

// TestWriteOnlyCACert_SameCAIsAnInPlaceUpdate: a leaf made with ca_cert_pem
// holds the CA certificate in its state. The same certificate written
// differently (a trailing newline), then moved to ca_cert_pem_wo, updates the
// leaves in place: they keep their certificates (same serials) and
// ca_cert_fingerprint_sha256, and the current state no longer holds the CA
// certificate (migrateToWriteOnly).
// Not parallel: it points terraform's working directories at its own.
func TestWriteOnlyCACert_SameCAIsAnInPlaceUpdate(t *testing.T) {
	stored := writeOnlyConfig // ca_cert_pem, with the key through ca_private_key_pem_wo
	reencoded := strings.ReplaceAll(stored, "= var.ca_cert\n", "= \"${var.ca_cert}\\n\"\n")
	writeOnly := strings.ReplaceAll(stored, "ca_cert_pem           = var.ca_cert", "ca_cert_pem_wo        = var.ca_cert")
	if reencoded == stored || writeOnly == stored {
		t.Fatal("the configurations to compare are not derived from writeOnlyConfig any more")
	}
	migrateToWriteOnly(t, "the CA certificate", func(ca *pki.Certificate) string { return ca.CertPEM },
		migrationStep{stored, func(ca *pki.Certificate) []statecheck.StateCheck {
			return []statecheck.StateCheck{
				statecheck.ExpectKnownValue(server, tfjsonpathOf("ca_cert_fingerprint_sha256"), knownvalue.StringExact(pki.Fingerprint(ca.Cert))),
			}
		}},
		migrationStep{reencoded, func(ca *pki.Certificate) []statecheck.StateCheck {
			return []statecheck.StateCheck{statecheck.ExpectKnownValue(server, tfjsonpathOf("ca_cert_pem"), knownvalue.StringExact(ca.CertPEM+"\n"))}
		}},
		migrationStep{writeOnly, func(*pki.Certificate) []statecheck.StateCheck {
			return []statecheck.StateCheck{
				statecheck.ExpectKnownValue(server, tfjsonpathOf("ca_cert_pem"), knownvalue.Null()),
				statecheck.ExpectKnownValue(client, tfjsonpathOf("ca_cert_pem"), knownvalue.Null()),
			}
		}},
	)
}

// sameCAConfig makes the CA in the same configuration and gives both leaves
// its certificate and key through the write-only arguments.
const sameCAConfig = `
resource "dockertls_ca" "test" {}

resource "dockertls_server_cert" "test" {
  ca_cert_pem_wo        = dockertls_ca.test.cert_pem
  ca_private_key_pem_wo = dockertls_ca.test.private_key_pem
  dns_names             = ["docker.test"]
}

resource "dockertls_client_cert" "test" {
  ca_cert_pem_wo        = dockertls_ca.test.cert_pem
  ca_private_key_pem_wo = dockertls_ca.test.private_key_pem
}
`

// TestCACertFingerprint_IsTheCAs: ca_cert_fingerprint_sha256 is the CA
// resource's cert_fingerprint_sha256. While the CA is being made or replaced
// in the same plan its certificate is unknown, and so is the fingerprint:
// the leaves are created with it, or replaced because of it, and it is set
// at apply.
func TestCACertFingerprint_IsTheCAs(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	matchesCA := func() []statecheck.StateCheck {
		var checks []statecheck.StateCheck
		for _, leaf := range []string{server, client} {
			checks = append(checks, statecheck.CompareValuePairs(
				leaf, tfjsonpathOf("ca_cert_fingerprint_sha256"), ca, tfjsonpathOf("cert_fingerprint_sha256"), compare.ValuesSame()))
		}
		return append(checks, stateCheckFunc(func(s *tfjson.State) error {
			issuer, err := readIssued(s, ca)
			if err != nil {
				return err
			}
			return chainsTo(env, &pki.Certificate{Cert: issuer.cert}).(stateCheckFunc)(s)
		}))
	}
	unknownFingerprints := []plancheck.PlanCheck{
		plancheck.ExpectUnknownValue(server, tfjsonpathOf("ca_cert_fingerprint_sha256")),
		plancheck.ExpectUnknownValue(client, tfjsonpathOf("ca_cert_fingerprint_sha256")),
	}
	serial := statecheck.CompareValue(compare.ValuesDiffer())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config:            sameCAConfig,
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: unknownFingerprints},
				ConfigStateChecks: append(matchesCA(), serial.AddStateValue(client, tfjsonpathOf("serial_number"))),
			},
			{Config: sameCAConfig, PlanOnly: true},
			{
				Config: sameCAConfig,
				Taint:  []string{ca},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(unknownFingerprints,
					plancheck.ExpectResourceAction(server, plancheck.ResourceActionReplace),
					replacedBecause{server, []string{"ca_cert_fingerprint_sha256"}},
					plancheck.ExpectResourceAction(client, plancheck.ResourceActionReplace),
					replacedBecause{client, []string{"ca_cert_fingerprint_sha256"}},
				)},
				ConfigStateChecks: append(matchesCA(), serial.AddStateValue(client, tfjsonpathOf("serial_number"))),
			},
			{Config: sameCAConfig, PlanOnly: true},
		},
	})
}

// TestCACertDiagnostics_NameTheAttributeGiven: a CA certificate refused
// through ca_cert_pem_wo is reported on ca_cert_pem_wo, with the same words
// as through ca_cert_pem; no diagnostic points at the argument that is not
// set. Terraform shows the configuration line of the path a diagnostic
// names, so the wrong path would point the reader at nothing.
func TestCACertDiagnostics_NameTheAttributeGiven(t *testing.T) {
	t.Parallel()
	now := time.Now()
	good := testCA(t, now, 1000*time.Hour)
	expired := testCA(t, now.Add(-3000*time.Hour), 1000*time.Hour)
	iss, err := pki.NewSigningCA(good.Cert, good.Key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, CommonName: "c", Validity: time.Hour}, iss, now)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, cert, key, want string }{
		{"key appended", good.CertPEM + good.PrivateKeyPEM, good.PrivateKeyPEM, "is not sensitive"},
		{"key appended as kubectl prints it", kubectlKey(good.CertPEM, good.PrivateKeyPEM), good.PrivateKeyPEM, "is not sensitive"},
		{"two certificates", good.CertPEM + expired.CertPEM, good.PrivateKeyPEM, "a chain or bundle is not an issuer"},
		{"not a CA", leaf.CertPEM, leaf.PrivateKeyPEM, "such as dockertls_ca's cert_pem"},
		{"byte-order mark", "\ufeff" + good.CertPEM, good.PrivateKeyPEM, `trimprefix(file("ca.pem")`},
		{"no PEM", "ca.pem", good.PrivateKeyPEM, "no PEM block found"},
		{"expired", expired.CertPEM, expired.PrivateKeyPEM, "expired at"},
	}
	for _, tc := range cases {
		for _, given := range []path.Path{caCertPath, caCertWOPath} {
			m := leafWith(tc.cert, tc.key, 1)
			if given.Equal(caCertWOPath) {
				m.CACertPEM, m.CACertPEMWO = types.StringNull(), m.CACertPEM
			}
			var diags diag.Diagnostics
			m.validateManaged(pki.ProfileClient, &diags)
			m.checkNewLeaf(pki.ProfileClient, now, &diags)
			if !diags.HasError() {
				t.Errorf("%s through %s: accepted", tc.name, given)
				continue
			}
			var found bool
			for _, d := range diags.Errors() {
				p := d.(diag.DiagnosticWithPath).Path()
				if !p.Equal(given) {
					t.Errorf("%s through %s: a diagnostic names %s: %s: %s", tc.name, given, p, d.Summary(), d.Detail())
				}
				found = found || strings.Contains(d.Detail(), tc.want)
			}
			if !found {
				t.Errorf("%s through %s: no diagnostic says %q: %v", tc.name, given, tc.want, diags)
			}
			if strings.Contains(tc.want, "not sensitive") && !strings.Contains(diags.Errors()[0].Detail(), given.String()+" is not sensitive") {
				t.Errorf("%s through %s: the detail does not name %s: %s", tc.name, given, given, diags.Errors()[0].Detail())
			}
		}
	}
}

// TestWriteOnlyCACert_WarnsAtEveryPlan: the plan-time warnings about the CA
// read the certificate from ca_cert_pem_wo, which only the configuration
// holds: new leaves that would outlive their CA are warned about at plan,
// the same leaves at every plan after they are issued, and, once the CA has
// expired, the expiry. plugin-testing cannot see warnings, so this drives
// terraform.
func TestWriteOnlyCACert_WarnsAtEveryPlan(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	w := caWorkdirWith(t, env, testCA(t, env.clock.Now(), 100*time.Hour))
	w.SetConfig(strings.Replace(allWriteOnlyConfig, "validity_period_hours = 48", "validity_period_hours = 200", 1))
	w.Init()
	planWarnsTwice(t, w, "new leaves", "Certificate outlives its CA: The new certificate would be valid until")
	w.Apply()
	planWarnsTwice(t, w, "issued leaves", "Certificate outlives its CA: This certificate is valid until")
	env.clock.Advance(101 * time.Hour)
	planWarnsTwice(t, w, "after the CA's expiry", `CA certificate has expired: The CA certificate "Test CA" expired at`)
}

// TestStateWithIDIsReadAndUpdatedInPlace: a state written by the provider
// while the certificates had an id and before ca_cert_fingerprint_sha256
// existed (testdata/state-with-id.json, from `terraform apply` of
// testdata/state-with-id.tf) still plans and applies: the framework drops
// the attribute the schema no longer has when Terraform upgrades the state,
// and `terraform apply -refresh-only` writes it without, changing nothing.
// No release ever had id (such states come from development builds only),
// so what `terraform show` and `terraform state show` make of the state as
// stored is left to Terraform, whose versions differ there (both fail
// with `unsupported attribute "id"`; 1.11's state show then calls the state
// empty and exits 0, 1.15's exits 1). The first plan updates the leaves
// in place to record their CA's fingerprint and replaces nothing; the next
// plan is empty. Moving both leaves to the write-only CA arguments is an
// in-place update too, and a new CA then shows "# forces replacement" on
// ca_cert_fingerprint_sha256, as Terraform prints it for the reader.
func TestStateWithIDIsReadAndUpdatedInPlace(t *testing.T) {
	t.Parallel()
	state := readFileString(t, "testdata/state-with-id.json")
	config := readFileString(t, "testdata/state-with-id.tf")
	stored := fixtureAttrs(t, state)
	for _, address := range []string{ca, server, client} {
		if _, ok := stored[address]["id"]; !ok {
			t.Fatalf("%s has no id in the fixture: it no longer tests what it is for", address)
		}
	}
	// The fixture's CA was issued 5 minutes after its validity starts.
	issued, err := time.Parse(time.RFC3339, stored[ca]["validity_start_time"].(string))
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnvAt(t, issued.Add(5*time.Minute+time.Hour))
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	w.SetConfig(config)
	statePath := filepath.Join(w.Dir(), "terraform.tfstate")
	if err := os.WriteFile(statePath, []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
	w.Init()
	// Keeps the serials and fingerprints the fixture holds.
	kept := func(s *tfjson.State, address string, names ...string) {
		t.Helper()
		got, err := stringAttrs(s, address, names...)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if got[n] != stored[address][n] {
				t.Errorf("%s.%s = %s, the fixture holds %v", address, n, got[n], stored[address][n])
			}
		}
	}

	plan := w.Run("plan", "-detailed-exitcode", "-json")
	if plan.ExitCode != 2 {
		t.Fatalf("the first plan exits %d, want 2 (the leaves record their CA's fingerprint)\n%s", plan.ExitCode, plan)
	}
	wantUpdates(t, plan, server, client)

	w.MustRun("apply", "-refresh-only", "-auto-approve")
	if raw := readFileString(t, statePath); strings.Contains(raw, `"id":`) {
		t.Errorf("the state still holds an id after apply -refresh-only:\n%s", raw)
	}
	refreshed := w.ShowState()
	for _, address := range []string{ca, server, client} {
		kept(refreshed, address, "serial_number", "cert_fingerprint_sha256")
	}

	w.Apply()
	applied := w.ShowState()
	for _, leaf := range []string{server, client} {
		kept(applied, leaf, "serial_number", "cert_fingerprint_sha256")
		got, err := stringAttrs(applied, leaf, "ca_cert_fingerprint_sha256")
		if err != nil {
			t.Fatal(err)
		}
		if want := stored[ca]["cert_fingerprint_sha256"]; got["ca_cert_fingerprint_sha256"] != want {
			t.Errorf("%s.ca_cert_fingerprint_sha256 = %s, want the CA's %v", leaf, got["ca_cert_fingerprint_sha256"], want)
		}
	}
	if plan := w.Run("plan", "-detailed-exitcode"); plan.ExitCode != 0 {
		t.Fatalf("the plan after the upgrade exits %d, want 0\n%s", plan.ExitCode, plan)
	}

	w.SetConfig(strings.NewReplacer(
		"ca_cert_pem           =", "ca_cert_pem_wo        =",
		"ca_cert_pem        =", "ca_cert_pem_wo     =",
		"ca_private_key_pem =", "ca_private_key_pem_wo =",
	).Replace(config))
	plan = w.Run("plan", "-detailed-exitcode", "-json")
	if plan.ExitCode != 2 {
		t.Fatalf("moving to the write-only arguments: plan exits %d, want 2\n%s", plan.ExitCode, plan)
	}
	wantUpdates(t, plan, server, client)
	w.Apply()
	moved := w.ShowState()
	for _, leaf := range []string{server, client} {
		kept(moved, leaf, "serial_number", "cert_fingerprint_sha256")
		attrs, err := resourceAttrs(moved, leaf)
		if err != nil || attrs["ca_cert_pem"] != nil || attrs["ca_private_key_pem"] != nil {
			t.Errorf("%s still stores its CA after moving to the write-only arguments (%v)", leaf, err)
		}
	}

	replace := w.MustRun("plan", "-replace="+ca)
	for _, leaf := range []string{server, client} {
		if !strings.Contains(replace.Stdout, "# "+leaf+" must be replaced") {
			t.Errorf("replacing the CA does not replace %s\n%s", leaf, replace)
		}
	}
	// OpenTofu 1.11 prints the marker after the old value too.
	forces := regexp.MustCompile(`^ *~ ca_cert_fingerprint_sha256 += "([0-9A-F]{2}:){31}[0-9A-F]{2}"( # forces replacement)? -> \(known after apply\) # forces replacement$`)
	var marked []string
	for _, line := range strings.Split(replace.Stdout, "\n") {
		if strings.Contains(line, "# forces replacement") {
			marked = append(marked, line)
		}
	}
	if len(marked) != 2 || !forces.MatchString(marked[0]) || !forces.MatchString(marked[1]) {
		t.Errorf("want ca_cert_fingerprint_sha256, and it alone, shown as forcing the replacement of both leaves\n%s", replace)
	}
}

// fixtureAttrs reads the attributes of every resource instance of a state
// file as stored, by address, without terraform.
func fixtureAttrs(t *testing.T, state string) map[string]map[string]any {
	t.Helper()
	var s struct {
		Resources []struct {
			Type, Name string
			Instances  []struct{ Attributes map[string]any }
		}
	}
	if err := json.Unmarshal([]byte(state), &s); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, r := range s.Resources {
		if len(r.Instances) == 1 {
			out[r.Type+"."+r.Name] = r.Instances[0].Attributes
		}
	}
	return out
}

// wantUpdates checks that a -json plan updates exactly the given resources
// in place.
func wantUpdates(t *testing.T, plan acctest.Result, addresses ...string) {
	t.Helper()
	got := map[string]string{}
	for _, c := range plan.PlannedChanges() {
		got[c.Resource.Addr] = c.Action
	}
	want := map[string]string{}
	for _, a := range addresses {
		want[a] = "update"
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the plan changes %v, want %v\n%s", got, want, plan)
	}
}

// TestCAArgumentsChosenByAVariable: a module that offers both ways of giving
// the CA picks each argument of a pair with a condition on one variable.
// While Terraform validates the configuration every variable is unknown,
// and so are both arguments of each pair: that is not "both set", since
// Terraform validates again once they are known. The leaf is created with
// the stored arguments, then moved to the write-only ones by the variable
// alone, in place.
func TestCAArgumentsChosenByAVariable(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ca := testCA(t, env.clock.Now(), 1000*time.Hour)
	cfg := caVariables + `
variable "write_only" { type = bool }

resource "dockertls_client_cert" "test" {
  ca_cert_pem           = var.write_only ? null : var.ca_cert
  ca_cert_pem_wo        = var.write_only ? var.ca_cert : null
  ca_private_key_pem    = var.write_only ? null : var.ca_key
  ca_private_key_pem_wo = var.write_only ? var.ca_key : null
}
`
	vars := func(writeOnly bool) config.Variables {
		v := caVars(ca)
		v["write_only"] = config.BoolVariable(writeOnly)
		return v
	}
	serial := statecheck.CompareValue(compare.ValuesSame())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config: cfg, ConfigVariables: vars(false),
				ConfigStateChecks: []statecheck.StateCheck{
					serial.AddStateValue(client, tfjsonpathOf("serial_number")),
					statecheck.ExpectKnownValue(client, tfjsonpathOf("ca_cert_pem"), knownvalue.StringExact(ca.CertPEM)),
				},
			},
			{
				Config: cfg, ConfigVariables: vars(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(client, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					serial.AddStateValue(client, tfjsonpathOf("serial_number")),
					statecheck.ExpectKnownValue(client, tfjsonpathOf("ca_cert_pem"), knownvalue.Null()),
					statecheck.ExpectKnownValue(client, tfjsonpathOf("ca_private_key_pem"), knownvalue.Null()),
				},
			},
		},
	})
}

// TestWriteOnlyCACert_SavedPlanWithAnotherCA: a saved plan applied with
// another CA in the write-only arguments than it was made with stops before
// anything is issued, naming ca_cert_fingerprint_sha256, the value that
// differs. Terraform words it as a provider bug; the protocol gives a
// provider no sight of the saved plan when Terraform plans again at apply,
// so the guide "Keeping the CA key out of state" explains the message
// instead. Neither key appears in the output.
func TestWriteOnlyCACert_SavedPlanWithAnotherCA(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	planned, other := testCA(t, env.clock.Now(), 100000*time.Hour), issueNamedCA(t, "Other CA", env.clock.Now(), 100000*time.Hour)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	w.SetConfig(`
variable "ca_cert" {
  type      = string
  ephemeral = true
}
variable "ca_key" {
  type      = string
  ephemeral = true
}

resource "dockertls_client_cert" "test" {
  ca_cert_pem_wo        = var.ca_cert
  ca_private_key_pem_wo = var.ca_key
}
`)
	w.Init()
	w.MustRun("plan", "-out=tfplan", "-var", "ca_cert="+planned.CertPEM, "-var", "ca_key="+planned.PrivateKeyPEM)
	apply := w.Run("apply", "-var", "ca_cert="+other.CertPEM, "-var", "ca_key="+other.PrivateKeyPEM, "tfplan")
	if apply.ExitCode == 0 {
		t.Fatalf("the saved plan applied with another CA\n%s", apply)
	}
	out := apply.Stdout + apply.Stderr
	if !strings.Contains(out, "inconsistent final plan") || !strings.Contains(out, "ca_cert_fingerprint_sha256") {
		t.Errorf("the apply fails without naming ca_cert_fingerprint_sha256\n%s", out)
	}
	for _, key := range []string{planned.PrivateKeyPEM, other.PrivateKeyPEM} {
		if line := strings.Split(key, "\n")[1]; strings.Contains(out, line) {
			t.Errorf("the output holds a line of a CA key")
		}
	}
	if state := w.Run("show", "-json"); strings.Contains(state.Stdout, "dockertls_client_cert") {
		t.Errorf("a certificate was issued\n%s", state.Stdout)
	}
}
