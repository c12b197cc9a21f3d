package provider

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
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
// that does not force a new certificate, until the new window makes it due.
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
				PreConfig: func() { env.clock.Advance(10 * time.Hour) },
				Config:    cfg(87590),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(ca, plancheck.ResourceActionReplace),
					replacedBecause{ca, []string{"ready_for_renewal"}},
				}},
			},
		},
	})
}
