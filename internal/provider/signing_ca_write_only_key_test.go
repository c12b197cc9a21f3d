package provider

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
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

// keyFragments lists every form in which a private key's bytes could show
// up in a state or plan: its base64 body lines (also inside JSON, where the
// line breaks are escaped), its whole DER in base64 and in hex.
func keyFragments(t *testing.T, keyPEM string) []string {
	t.Helper()
	block, _ := pem.Decode([]byte(keyPEM))
	if block == nil {
		t.Fatal("the test key is not PEM")
	}
	fragments := []string{
		base64.StdEncoding.EncodeToString(block.Bytes),
		hex.EncodeToString(block.Bytes),
		strings.ToUpper(hex.EncodeToString(block.Bytes)),
	}
	for _, line := range strings.Split(keyPEM, "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			fragments = append(fragments, line)
		}
	}
	return fragments
}

// holdsKey reports which fragment of the key text holds, if any.
func holdsKey(text string, fragments []string) (string, bool) {
	for _, f := range fragments {
		if strings.Contains(text, f) {
			return f, true
		}
	}
	return "", false
}

// keyScan checks `terraform show -json` (the state checks' view), the plan
// and every state file terraform wrote under dir for the key's bytes (or
// those of any PEM: keyFragments works on certificates too). With wantFound
// it is the control: it must find them.
type keyScan struct {
	t         *testing.T
	dir       string
	fragments []string
	wantFound bool
	// currentOnly skips backups, which keep the state before the last apply.
	currentOnly bool
	// what the fragments are from, for the messages: "the CA key" if empty.
	what string
}

func (s keyScan) judge(where, text string) error {
	what := s.what
	if what == "" {
		what = "the CA key"
	}
	_, found := holdsKey(text, s.fragments)
	switch {
	case found && !s.wantFound:
		return fmt.Errorf("%s's bytes are in %s", what, where)
	case !found && s.wantFound:
		return fmt.Errorf("control: %s's bytes were expected in %s and not found, so the scan proves nothing", what, where)
	}
	return nil
}

func (s keyScan) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	if resp.Error = s.judge("terraform show -json", string(b)); resp.Error != nil {
		return
	}
	resp.Error = s.scanStateFiles()
}

func (s keyScan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	b, err := json.Marshal(req.Plan)
	if err != nil {
		resp.Error = err
		return
	}
	if !s.wantFound {
		resp.Error = s.judge("the plan", string(b))
	}
}

// scanStateFiles reads the raw state files (and their backups): what a
// state backend would store.
func (s keyScan) scanStateFiles() error {
	var states []string
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".tfstate") {
			return err
		}
		if s.currentOnly && strings.HasSuffix(d.Name(), ".backup") {
			return nil
		}
		states = append(states, p)
		return nil
	})
	if err != nil {
		return err
	}
	if len(states) == 0 {
		return fmt.Errorf("no state file under the working directory: the raw scan would prove nothing")
	}
	var all strings.Builder
	for _, p := range states {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), "dockertls_server_cert") {
			continue // a state from before the first apply
		}
		all.Write(b)
	}
	if all.Len() == 0 {
		return fmt.Errorf("no state file holds the certificates: the raw scan would prove nothing")
	}
	return s.judge("the state file", all.String())
}

// ephemeralKeyVariables declares the CA key an ephemeral variable, which
// Terraform admits only in write-only arguments; ephemeralCAVariables
// declares the CA certificate one too.
const (
	ephemeralKeyVariables = `
variable "ca_cert" { type = string }
variable "ca_key" {
  type      = string
  sensitive = true
  ephemeral = true
}
`
	ephemeralCAVariables = `
variable "ca_cert" {
  type      = string
  ephemeral = true
}
variable "ca_key" {
  type      = string
  sensitive = true
  ephemeral = true
}
`
)

// twoLeaves is a server certificate for docker.test (48 hours, due 12
// before they end) and a client certificate, signed by the CA in
// var.ca_cert, given through the argument certArg, and var.ca_key, given
// write-only.
func twoLeaves(certArg string) string {
	return fmt.Sprintf(`
resource "dockertls_server_cert" "test" {
  %-21[1]s = var.ca_cert
  ca_private_key_pem_wo = var.ca_key
  dns_names             = ["docker.test"]
  validity_period_hours = 48
  early_renewal_hours   = 12
}

resource "dockertls_client_cert" "test" {
  %-21[1]s = var.ca_cert
  ca_private_key_pem_wo = var.ca_key
}
`, certArg)
}

var (
	// writeOnlyConfig signs both leaves with a CA made outside Terraform
	// whose key comes from an ephemeral variable.
	writeOnlyConfig = ephemeralKeyVariables + twoLeaves("ca_cert_pem")
	// allWriteOnlyConfig takes the CA certificate from an ephemeral variable
	// too: nothing of the CA can reach the plan or the state but through
	// the provider.
	allWriteOnlyConfig = ephemeralCAVariables + twoLeaves("ca_cert_pem_wo")
)

func caVars(ca *pki.Certificate) config.Variables {
	return config.Variables{"ca_cert": config.StringVariable(ca.CertPEM), "ca_key": config.StringVariable(ca.PrivateKeyPEM)}
}

// chainsTo checks that both leaves verify under ca.
func chainsTo(env *testEnv, ca *pki.Certificate) statecheck.StateCheck {
	return stateCheckFunc(func(s *tfjson.State) error {
		for _, l := range []struct {
			address string
			usage   x509.ExtKeyUsage
			name    string
		}{{server, x509.ExtKeyUsageServerAuth, "docker.test"}, {client, x509.ExtKeyUsageClientAuth, ""}} {
			leaf, err := readIssued(s, l.address)
			if err != nil {
				return err
			}
			if err := acctest.VerifyChain(leaf.cert, ca.Cert, l.usage, l.name, env.clock.Now()); err != nil {
				return fmt.Errorf("%s: %w", l.address, err)
			}
		}
		return nil
	})
}

// writeOnlyLifeCycle takes both leaves of config, whose CA comes from
// var.ca_cert and var.ca_key through write-only arguments, through the whole
// life cycle: create, an empty second plan, renewal of the server
// certificate (which reads the CA from the configuration again), a change of
// CA (which replaces both leaves because of ca_cert_fingerprint_sha256) and
// an empty plan. Every plan and state is scanned for the secrets of both
// CAs, and every apply checks that the leaves chain to their CA.
type writeOnlyLifeCycle struct {
	config string
	// secrets are the PEM texts of a CA that must appear nowhere, what
	// names them in the messages.
	secrets func(*pki.Certificate) []string
	what    string
	// kept checks, at every apply, what the leaves keep of their CA.
	kept func(*pki.Certificate) []statecheck.StateCheck
	// created adds checks to the first plan and apply.
	createdPlan  func(*pki.Certificate) []plancheck.PlanCheck
	createdState []statecheck.StateCheck
}

// run is not parallel: it points terraform's working directories at its own.
func (l writeOnlyLifeCycle) run(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", dir)
	env := newTestEnv(t)
	ca := testCA(t, env.clock.Now(), 1000*time.Hour)
	other := testCA(t, env.clock.Now(), 1000*time.Hour)
	var fragments []string
	for _, pem := range append(l.secrets(ca), l.secrets(other)...) {
		fragments = append(fragments, keyFragments(t, pem)...)
	}
	scan := keyScan{t: t, dir: dir, fragments: fragments, what: l.what}
	serverSerial := statecheck.CompareValue(compare.ValuesDiffer())
	clientSerial := statecheck.CompareValue(compare.ValuesSame())
	// serials adds both leaves' serials to the values compared from step to
	// step: once a step.
	serials := func() []statecheck.StateCheck {
		return []statecheck.StateCheck{
			serverSerial.AddStateValue(server, tfjsonpathOf("serial_number")),
			clientSerial.AddStateValue(client, tfjsonpathOf("serial_number")),
		}
	}
	applied := func(ca *pki.Certificate, extra ...statecheck.StateCheck) []statecheck.StateCheck {
		checks := append([]statecheck.StateCheck{scan, chainsTo(env, ca)}, extra...)
		if l.kept != nil {
			checks = append(checks, l.kept(ca)...)
		}
		return checks
	}
	createdPlan := []plancheck.PlanCheck{scan}
	if l.createdPlan != nil {
		createdPlan = append(createdPlan, l.createdPlan(ca)...)
	}

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config: l.config, ConfigVariables: caVars(ca),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: createdPlan},
				ConfigStateChecks: applied(ca, append(serials(), l.createdState...)...),
			},
			{Config: l.config, ConfigVariables: caVars(ca), PlanOnly: true},
			{
				// 48h validity, 12h window: the server certificate is due.
				PreConfig: func() { env.clock.Advance(36 * time.Hour) },
				Config:    l.config, ConfigVariables: caVars(ca),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					scan,
					plancheck.ExpectResourceAction(server, plancheck.ResourceActionReplace),
					replacedBecause{server, []string{"ready_for_renewal"}},
					plancheck.ExpectResourceAction(client, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: applied(ca, serials()...),
			},
			{
				Config: l.config, ConfigVariables: caVars(other),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					scan,
					plancheck.ExpectResourceAction(server, plancheck.ResourceActionReplace),
					replacedBecause{server, []string{"ca_cert_fingerprint_sha256"}},
					plancheck.ExpectResourceAction(client, plancheck.ResourceActionReplace),
					replacedBecause{client, []string{"ca_cert_fingerprint_sha256"}},
				}},
				ConfigStateChecks: applied(other),
			},
			{Config: l.config, ConfigVariables: caVars(other), PlanOnly: true},
		},
	})
}

// TestWriteOnlyCAKey_NeverInState: a CA key given through
// ca_private_key_pem_wo signs the leaves and appears nowhere in the plan,
// `terraform show -json` or the state files, through the whole life cycle
// (writeOnlyLifeCycle). Not parallel: it points terraform's working
// directories at its own.
func TestWriteOnlyCAKey_NeverInState(t *testing.T) {
	writeOnlyLifeCycle{
		config:  writeOnlyConfig,
		secrets: func(ca *pki.Certificate) []string { return []string{ca.PrivateKeyPEM} },
		what:    "the CA key",
		createdState: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(server, tfjsonpathOf("ca_private_key_pem_wo"), knownvalue.Null()),
			statecheck.ExpectKnownValue(server, tfjsonpathOf("ca_private_key_pem"), knownvalue.Null()),
		},
	}.run(t)
}

// migrationStep is one configuration of a move to the write-only CA
// arguments, with its own checks of the CA it gets.
type migrationStep struct {
	config string
	checks func(ca *pki.Certificate) []statecheck.StateCheck
}

// migrateToWriteOnly takes both leaves through steps: the first stores a
// secret of their CA (secret picks it, what names it), which the scan of its
// state must find (the control that proves the scan finds it); the last
// gives it write-only. Every step after the first updates both leaves in
// place, and every step keeps both leaves' serial_number and
// ca_cert_fingerprint_sha256. After the last, the leaves chain to the CA,
// the current state holds no trace of the secret (older state versions,
// such as terraform.tfstate.backup, keep it) and the next plan is empty.
// Not parallel: it points terraform's working directories at its own.
func migrateToWriteOnly(t *testing.T, what string, secret func(*pki.Certificate) string, steps ...migrationStep) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", dir)
	env := newTestEnv(t)
	ca := testCA(t, env.clock.Now(), 1000*time.Hour)
	fragments := keyFragments(t, secret(ca))
	type kept struct {
		address, attr string
		values        interface {
			AddStateValue(string, tfjsonpath.Path) statecheck.StateCheck
		}
	}
	var unchanged []kept
	for _, leaf := range []string{server, client} {
		for _, attr := range []string{"serial_number", "ca_cert_fingerprint_sha256"} {
			unchanged = append(unchanged, kept{leaf, attr, statecheck.CompareValue(compare.ValuesSame())})
		}
	}
	var testSteps []resource.TestStep
	for i, s := range steps {
		var checks []statecheck.StateCheck
		for _, k := range unchanged {
			checks = append(checks, k.values.AddStateValue(k.address, tfjsonpathOf(k.attr)))
		}
		if s.checks != nil {
			checks = append(checks, s.checks(ca)...)
		}
		step := resource.TestStep{Config: s.config, ConfigVariables: caVars(ca), ConfigStateChecks: checks}
		switch i {
		case 0:
			step.ConfigStateChecks = append(step.ConfigStateChecks, keyScan{t: t, dir: dir, fragments: fragments, wantFound: true, what: what})
		case len(steps) - 1:
			step.ConfigStateChecks = append(step.ConfigStateChecks, keyScan{t: t, dir: dir, fragments: fragments, currentOnly: true, what: what}, chainsTo(env, ca))
		}
		if i > 0 {
			step.ConfigPlanChecks = resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(server, plancheck.ResourceActionUpdate),
				plancheck.ExpectResourceAction(client, plancheck.ResourceActionUpdate),
			}}
		}
		testSteps = append(testSteps, step)
	}
	testSteps = append(testSteps, resource.TestStep{Config: steps[len(steps)-1].config, ConfigVariables: caVars(ca), PlanOnly: true})
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: env.factories, Steps: testSteps})
}

// TestWriteOnlyCAKey_MigrationIsAnInPlaceUpdate: a leaf made with
// ca_private_key_pem holds the CA key in its state; moving to
// ca_private_key_pem_wo updates the leaf in place, keeps its certificate,
// and leaves no trace of the key in the current state (migrateToWriteOnly).
// Not parallel: it points terraform's working directories at its own.
func TestWriteOnlyCAKey_MigrationIsAnInPlaceUpdate(t *testing.T) {
	stored := strings.NewReplacer("ca_private_key_pem_wo", "ca_private_key_pem", "ephemeral = true", "").Replace(writeOnlyConfig)
	migrateToWriteOnly(t, "the CA key", func(ca *pki.Certificate) string { return ca.PrivateKeyPEM },
		migrationStep{config: stored}, migrationStep{config: writeOnlyConfig})
}
