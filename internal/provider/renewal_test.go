package provider

import (
	"context"
	"crypto/x509"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// replacedBecause checks that a planned replacement names exactly the given
// attributes as its cause, which is what `terraform plan` shows the user.
type replacedBecause struct {
	address string
	attrs   []string
}

func (c replacedBecause) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.address {
			continue
		}
		var got []string
		for _, p := range rc.Change.ReplacePaths {
			steps, _ := p.([]any)
			if len(steps) == 1 {
				got = append(got, fmt.Sprint(steps[0]))
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, c.attrs) {
			resp.Error = fmt.Errorf("%s is replaced because of %q, want %q", c.address, got, c.attrs)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", c.address)
}

func renewalConfig(serverEarlyRenewal int) string {
	return fmt.Sprintf(`
resource "dockertls_ca" "test" {}

resource "dockertls_server_cert" "test" {
  ca_cert_pem           = dockertls_ca.test.cert_pem
  ca_private_key_pem    = dockertls_ca.test.private_key_pem
  ip_addresses          = ["127.0.0.1"]
  validity_period_hours = 48
  early_renewal_hours   = %d
}

resource "dockertls_client_cert" "test" {
  ca_cert_pem           = dockertls_ca.test.cert_pem
  ca_private_key_pem    = dockertls_ca.test.private_key_pem
  validity_period_hours = 1000
  early_renewal_hours   = 100
}
`, serverEarlyRenewal)
}

const (
	server = "dockertls_server_cert.test"
	client = "dockertls_client_cert.test"
	ca     = "dockertls_ca.test"
)

// TestRenewal_LeafEntersWindow moves the clock to the edge of the server
// certificate's renewal window: a second before it the plan is empty; at it,
// refresh sets ready_for_renewal, the plan replaces the certificate for that
// reason, and apply issues a new serial valid from the new "now".
func TestRenewal_LeafEntersWindow(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	start := env.clock.Now()
	serverSerial := statecheck.CompareValue(compare.ValuesDiffer())
	caSerial := statecheck.CompareValue(compare.ValuesSame())
	clientSerial := statecheck.CompareValue(compare.ValuesSame())

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config: renewalConfig(12),
				ConfigStateChecks: []statecheck.StateCheck{
					serverSerial.AddStateValue(server, tfjsonpathOf("serial_number")),
					caSerial.AddStateValue(ca, tfjsonpathOf("serial_number")),
					clientSerial.AddStateValue(client, tfjsonpathOf("serial_number")),
				},
			},
			{
				// 48h validity, 12h window: due at start+36h. One second before, nothing to do.
				PreConfig: func() { env.clock.Advance(36*time.Hour - time.Second) },
				Config:    renewalConfig(12),
				PlanOnly:  true,
			},
			{
				PreConfig:          func() { env.clock.Advance(time.Second) },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(server, "ready_for_renewal", "true"),
					resource.TestCheckResourceAttr(client, "ready_for_renewal", "false"),
					resource.TestCheckResourceAttr(ca, "ready_for_renewal", "false"),
				),
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(server, plancheck.ResourceActionReplace),
					replacedBecause{server, []string{"ready_for_renewal"}},
					plancheck.ExpectResourceAction(client, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction(ca, plancheck.ResourceActionNoop),
				}},
			},
			{
				Config: renewalConfig(12),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(server, plancheck.ResourceActionReplace),
					replacedBecause{server, []string{"ready_for_renewal"}},
					plancheck.ExpectKnownValue(server, tfjsonpathOf("ready_for_renewal"), knownvalue.Bool(false)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					serverSerial.AddStateValue(server, tfjsonpathOf("serial_number")),
					caSerial.AddStateValue(ca, tfjsonpathOf("serial_number")),
					clientSerial.AddStateValue(client, tfjsonpathOf("serial_number")),
					statecheck.ExpectKnownValue(server, tfjsonpathOf("ready_for_renewal"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(server, tfjsonpathOf("validity_end_time"),
						knownvalue.StringExact(start.Add(36*time.Hour+48*time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339))),
				},
			},
		},
	})
}

// TestRenewal_ExpiredCertificate: long past expiry, refresh reports it due.
func TestRenewal_ExpiredCertificate(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{Config: `resource "dockertls_ca" "test" {
  validity_period_hours = 10
  early_renewal_hours   = 0
}`},
			{
				PreConfig:          func() { env.clock.Advance(24 * 365 * time.Hour) },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              resource.TestCheckResourceAttr(ca, "ready_for_renewal", "true"),
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(ca, plancheck.ResourceActionReplace),
				}},
			},
		},
	})
}

// TestRenewal_CAReplacesItsLeaves: when the CA enters its window, one plan
// replaces it and, because their ca_cert_pem changes, every leaf it signed,
// even though the leaves are not due themselves. The new leaves chain to the
// new CA.
func TestRenewal_CAReplacesItsLeaves(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	config := `
resource "dockertls_ca" "test" {
  validity_period_hours = 1000
  early_renewal_hours   = 100
}

resource "dockertls_server_cert" "test" {
  ca_cert_pem        = dockertls_ca.test.cert_pem
  ca_private_key_pem = dockertls_ca.test.private_key_pem
  dns_names          = ["docker.test"]
}

resource "dockertls_client_cert" "test" {
  ca_cert_pem        = dockertls_ca.test.cert_pem
  ca_private_key_pem = dockertls_ca.test.private_key_pem
}
`
	caSerial := statecheck.CompareValue(compare.ValuesDiffer())
	serverSerial := statecheck.CompareValue(compare.ValuesDiffer())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					caSerial.AddStateValue(ca, tfjsonpathOf("serial_number")),
					serverSerial.AddStateValue(server, tfjsonpathOf("serial_number")),
				},
			},
			{
				PreConfig: func() { env.clock.Advance(900 * time.Hour) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(ca, plancheck.ResourceActionReplace),
					replacedBecause{ca, []string{"ready_for_renewal"}},
					plancheck.ExpectResourceAction(server, plancheck.ResourceActionReplace),
					replacedBecause{server, []string{"ca_cert_fingerprint_sha256"}},
					plancheck.ExpectResourceAction(client, plancheck.ResourceActionReplace),
					replacedBecause{client, []string{"ca_cert_fingerprint_sha256"}},
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					caSerial.AddStateValue(ca, tfjsonpathOf("serial_number")),
					serverSerial.AddStateValue(server, tfjsonpathOf("serial_number")),
					stateCheckFunc(func(s *tfjson.State) error {
						newCA, err := readIssued(s, ca)
						if err != nil {
							return err
						}
						leaf, err := readIssued(s, server)
						if err != nil {
							return err
						}
						return acctest.VerifyChain(leaf.cert, newCA.cert, x509.ExtKeyUsageServerAuth, "docker.test", env.clock.Now())
					}),
				},
			},
		},
	})
}

// TestRenewal_EarlyRenewalHoursChangesInPlace: the window is the one argument
// that does not replace the certificate in its own plan. A window that makes
// the certificate due is judged by the apply, which marks it, and the next
// plan replaces it.
func TestRenewal_EarlyRenewalHoursChangesInPlace(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := func(early int) string {
		return fmt.Sprintf(`resource "dockertls_ca" "test" { early_renewal_hours = %d }`, early)
	}
	serial := statecheck.CompareValue(compare.ValuesSame())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{Config: cfg(8760), ConfigStateChecks: []statecheck.StateCheck{serial.AddStateValue(ca, tfjsonpathOf("serial_number"))}},
			{
				Config: cfg(100),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(ca, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					serial.AddStateValue(ca, tfjsonpathOf("serial_number")),
					statecheck.ExpectKnownValue(ca, tfjsonpathOf("early_renewal_hours"), knownvalue.Int64Exact(100)),
				},
			},
			{
				// Ten hours on, a window of 87590h (validity 87600h) has begun.
				// The plan cannot know it without reading the clock: it keeps
				// the CA, and the apply marks it due under the new window.
				PreConfig: func() { env.clock.Advance(10 * time.Hour) },
				Config:    cfg(87590),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(ca, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(ca, tfjsonpathOf("ready_for_renewal")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					serial.AddStateValue(ca, tfjsonpathOf("serial_number")),
					statecheck.ExpectKnownValue(ca, tfjsonpathOf("ready_for_renewal"), knownvalue.Bool(true)),
				},
				ExpectNonEmptyPlan: true,
			},
			{
				// The next plan replaces it.
				Config: cfg(87590),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(ca, plancheck.ResourceActionReplace),
					replacedBecause{ca, []string{"ready_for_renewal"}},
				}},
			},
		},
	})
}

// renewalResource is one single-certificate resource under a renewal test: its
// address and its configuration around the validity settings.
type renewalResource struct {
	address string
	block   string // a resource block with one %s for the validity settings
}

// renewalResources are the three single-certificate resources. The leaves take
// their CA from variables (caVars), so a test can move the clock without
// the CA falling due too; every configuration declares the variables.
var renewalResources = []renewalResource{
	{ca, `resource "dockertls_ca" "test" {
%s
}`},
	{server, `resource "dockertls_server_cert" "test" {
  ca_cert_pem           = var.ca_cert
  ca_private_key_pem_wo = var.ca_key
  dns_names             = ["a.example"]
%s
}`},
	{client, `resource "dockertls_client_cert" "test" {
  ca_cert_pem           = var.ca_cert
  ca_private_key_pem_wo = var.ca_key
%s
}`},
}

func (k renewalResource) name() string { return strings.SplitN(k.address, ".", 2)[0] }

// config is the kind's configuration with the given validity settings.
func (k renewalResource) config(settings string) string {
	return caVariables + fmt.Sprintf(k.block, settings)
}

// stateString reads one string attribute of a resource from the state.
func stateString(t *testing.T, w *acctest.Workdir, address, attr string) string {
	t.Helper()
	a, err := stringAttrs(w.ShowState(), address, attr)
	if err != nil {
		t.Fatal(err)
	}
	return a[attr]
}

// stateReady reads ready_for_renewal of a resource from the state.
func stateReady(t *testing.T, w *acctest.Workdir, address string) any {
	t.Helper()
	attrs, err := resourceAttrs(w.ShowState(), address)
	if err != nil {
		t.Fatal(err)
	}
	return attrs["ready_for_renewal"]
}

// wantAction checks the one planned change of a `plan -json`.
func wantAction(t *testing.T, plan acctest.Result, address, action string) {
	t.Helper()
	var got []string
	for _, c := range plan.PlannedChanges() {
		got = append(got, c.Resource.Addr+": "+c.Action)
	}
	if want := []string{address + ": " + action}; !slices.Equal(got, want) {
		t.Errorf("the plan changes %q, want %q", got, want)
	}
}

// TestRenewal_SavedPlanAcrossRenewalTime: for each single resource, a plan
// saved a second before the certificate falls due and applied a second
// after applies as planned: Terraform plans the resource again at apply and
// requires the same action and every value the saved plan knew, so the plan
// must not judge renewal by the clock. The next plan replaces the
// certificate. The saved plan widens early_renewal_hours (after which the
// apply marks the certificate due under the new window), or changes a leaf
// in place (its CA certificate moves to ca_cert_pem_wo; a CA has no in-place
// change but its window).
func TestRenewal_SavedPlanAcrossRenewalTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		kinds     []renewalResource
		advance   time.Duration // from issuing to the plan; the apply is two seconds later
		config    func(renewalResource) string
		wantReady bool // ready_for_renewal after the apply
	}{
		{
			// Under a 24-hour window the certificate falls due at 24h.
			name: "wider window", kinds: renewalResources, advance: 24*time.Hour - time.Second, wantReady: true,
			config: func(k renewalResource) string {
				return k.config("validity_period_hours = 48\nearly_renewal_hours = 24")
			},
		},
		{
			name: "in place", kinds: renewalResources[1:], advance: 36*time.Hour - time.Second,
			config: func(k renewalResource) string {
				return strings.Replace(k.config(shortLived), "ca_cert_pem ", "ca_cert_pem_wo", 1)
			},
		},
	} {
		for _, k := range tc.kinds {
			t.Run(tc.name+"/"+k.name(), func(t *testing.T) {
				t.Parallel()
				env := newTestEnv(t)
				w := caWorkdir(t, env)
				w.SetConfig(k.config(shortLived))
				w.Init()
				w.Apply()
				serial := stateString(t, w, k.address, "serial_number")

				env.clock.Advance(tc.advance)
				w.SetConfig(tc.config(k))
				w.MustRun("plan", "-out=tfplan")
				env.clock.Advance(2 * time.Second)
				if apply := w.Run("apply", "tfplan"); apply.ExitCode != 0 {
					t.Fatalf("applying the saved plan after the renewal time: exit %d\n%s", apply.ExitCode, apply)
				}
				if got := stateString(t, w, k.address, "serial_number"); got != serial {
					t.Errorf("the saved plan kept the certificate, but the apply replaced it")
				}
				if got := stateReady(t, w, k.address); got != tc.wantReady {
					t.Errorf("ready_for_renewal is %v after the apply, want %v", got, tc.wantReady)
				}
				plan := w.Run("plan", "-json")
				if plan.ExitCode != 0 {
					t.Fatalf("plan exits %d\n%s", plan.ExitCode, plan)
				}
				wantAction(t, plan, k.address, "replace")
			})
		}
	}
}

// TestRenewal_WindowUnknownAtPlan: for each single resource, an
// early_renewal_hours unknown at plan (from a terraform_data created in the
// same apply) becomes known when Terraform plans the resource again at
// apply. A wider window that makes the certificate due keeps it and marks
// it, for the next plan to replace; a certificate refresh marked under the
// unchanged window is replaced in that apply.
func TestRenewal_WindowUnknownAtPlan(t *testing.T) {
	t.Parallel()
	for _, k := range renewalResources {
		for _, tc := range []struct {
			name     string
			advance  time.Duration // from issuing to the plan with the unknown window
			window   int           // the window, once known
			renewNow bool          // the certificate is replaced in that apply
		}{
			{name: "wider window makes it due", advance: 24 * time.Hour, window: 30},
			{name: "marked due under the same window", advance: 37 * time.Hour, window: 12, renewNow: true},
		} {
			t.Run(k.name()+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				env := newTestEnv(t)
				vars := caVars(testCA(t, env.clock.Now(), 10000*time.Hour))
				unknownWindow := fmt.Sprintf("resource \"terraform_data\" \"window\" {\n  input = %d\n}\n", tc.window) +
					k.config("validity_period_hours = 48\nearly_renewal_hours = terraform_data.window.output")
				serial := statecheck.CompareValue(compare.ValuesSame())
				renewed := statecheck.CompareValue(compare.ValuesDiffer())
				after := []statecheck.StateCheck{renewed.AddStateValue(k.address, tfjsonpathOf("serial_number"))}
				if !tc.renewNow {
					after = []statecheck.StateCheck{serial.AddStateValue(k.address, tfjsonpathOf("serial_number")),
						statecheck.ExpectKnownValue(k.address, tfjsonpathOf("ready_for_renewal"), knownvalue.Bool(true))}
				}
				steps := []resource.TestStep{
					{
						Config: k.config(shortLived), ConfigVariables: vars,
						ConfigStateChecks: []statecheck.StateCheck{
							serial.AddStateValue(k.address, tfjsonpathOf("serial_number")),
							renewed.AddStateValue(k.address, tfjsonpathOf("serial_number")),
						},
					},
					{
						PreConfig: func() { env.clock.Advance(tc.advance) },
						Config:    unknownWindow, ConfigVariables: vars,
						ConfigStateChecks:  after,
						ExpectNonEmptyPlan: !tc.renewNow, // marked, it is replaced by the next plan
					},
				}
				if !tc.renewNow {
					steps = append(steps, resource.TestStep{
						Config: unknownWindow, ConfigVariables: vars,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(k.address, plancheck.ResourceActionReplace),
							replacedBecause{k.address, []string{"ready_for_renewal"}},
						}},
						ConfigStateChecks: []statecheck.StateCheck{renewed.AddStateValue(k.address, tfjsonpathOf("serial_number"))},
					})
				}
				steps = append(steps, resource.TestStep{Config: unknownWindow, ConfigVariables: vars, PlanOnly: true})
				resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: env.factories, Steps: steps})
			})
		}
	}
}

// TestPlanRenewal is planRenewal's decision table: what refresh stored
// (marked, under the stored window) and how the planned window compares.
func TestPlanRenewal(t *testing.T) {
	t.Parallel()
	hours := func(h int64) types.Number { return types.NumberValue(big.NewFloat(float64(h))) }
	unknownBool, nullBool := types.BoolUnknown(), types.BoolNull()
	marked, unmarked := types.BoolValue(true), types.BoolValue(false)
	for _, tc := range []struct {
		name           string
		marked         types.Bool
		window, stored types.Number
		want           renewal
	}{
		{"marked, same window", marked, hours(12), hours(12), renewalDue},
		{"marked, wider window", marked, hours(24), hours(12), renewalDue},
		{"marked, narrower window", marked, hours(0), hours(12), renewalJudgedAtApply},
		{"marked, window unknown", marked, types.NumberUnknown(), hours(12), renewalDue},
		{"unmarked, same window", unmarked, hours(12), hours(12), renewalNotDue},
		{"unmarked, narrower window", unmarked, hours(6), hours(12), renewalNotDue},
		{"unmarked, wider window", unmarked, hours(24), hours(12), renewalJudgedAtApply},
		{"unmarked, window unknown", unmarked, types.NumberUnknown(), hours(12), renewalJudgedAtApply},
		{"never marked", nullBool, hours(12), hours(12), renewalJudgedAtApply},
		{"mark unknown", unknownBool, hours(12), hours(12), renewalJudgedAtApply},
		{"no stored window", marked, hours(12), types.NumberNull(), renewalJudgedAtApply},
		{"stored window unknown", marked, hours(12), types.NumberUnknown(), renewalJudgedAtApply},
		{"no planned window", marked, types.NumberNull(), hours(12), renewalJudgedAtApply},
		{"fractions compare exactly", unmarked, types.NumberValue(big.NewFloat(12.5)), hours(12), renewalJudgedAtApply},
	} {
		if got := planRenewal(tc.marked, tc.window, tc.stored); got != tc.want {
			t.Errorf("%s: planRenewal = %d, want %d", tc.name, got, tc.want)
		}
	}
}
