package provider

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// corruptState rewrites one attribute of every resource instance in the
// local state of the test's working directory, as a hand edit or a broken
// state migration would.
func corruptState(t *testing.T, workingDir, attribute string, value any) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(workingDir, "work*", "terraform.tfstate"))
	if err != nil || len(files) != 1 {
		t.Fatalf("want one state file in the working directory, found %q (%v)", files, err)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]any
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatal(err)
	}
	edited := 0
	for _, r := range state["resources"].([]any) {
		for _, i := range r.(map[string]any)["instances"].([]any) {
			i.(map[string]any)["attributes"].(map[string]any)[attribute] = value
			edited++
		}
	}
	state["serial"] = state["serial"].(float64) + 1
	out, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files[0], out, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("set %s in %d resource instances", attribute, edited)
}

// TestCorruptedStateIsReplaced: a validity_end_time that does not parse
// used to fail refresh and plan alike, so the advice to use -replace could
// not work. Now refresh succeeds and the plan replaces the certificates.
func TestCorruptedStateIsReplaced(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	// The client's CA comes from outside, so only its own state can be
	// the reason it is replaced.
	cfg := caVariables + `
resource "dockertls_ca" "test" {}

resource "dockertls_client_cert" "test" {
  ca_cert_pem        = var.ca_cert
  ca_private_key_pem = var.ca_key
}
`
	vars := newCAVars(t)
	rfc3339 := knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))
	for _, bad := range []any{"next spring", nil} {
		name := "null"
		if bad != nil {
			name = bad.(string)
		}
		t.Run(name, func(t *testing.T) {
			workingDir := t.TempDir()
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories,
				WorkingDir:               workingDir,
				Steps: []resource.TestStep{
					{Config: cfg, ConfigVariables: vars},
					{
						PreConfig: func() { corruptState(t, workingDir, "validity_end_time", bad) },
						Config:    cfg, ConfigVariables: vars,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("dockertls_ca.test", plancheck.ResourceActionReplace),
							replacedBecause{"dockertls_ca.test", []string{"ready_for_renewal"}},
							plancheck.ExpectResourceAction("dockertls_client_cert.test", plancheck.ResourceActionReplace),
							replacedBecause{"dockertls_client_cert.test", []string{"ready_for_renewal"}},
						}},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("dockertls_ca.test", tfjsonpath.New("validity_end_time"), rfc3339),
							statecheck.ExpectKnownValue("dockertls_client_cert.test", tfjsonpath.New("validity_end_time"), rfc3339),
						},
					},
					{Config: cfg, ConfigVariables: vars, PlanOnly: true},
				},
			})
		})
	}
}

// TestRenewalDueOnUnreadableExpiry: the reason the plan's warning gives.
func TestRenewalDueOnUnreadableExpiry(t *testing.T) {
	t.Parallel()
	m := certificateModel{certificateOutputs: certificateOutputs{ValidityEndTime: types.StringValue("next spring")}}
	due, known, unreadable := m.judgeRenewal(types.NumberValue(big.NewFloat(720)), time.Now())
	if !due || !known || unreadable == nil || !strings.Contains(unreadable.Error(), `validity_end_time "next spring", which is not an RFC 3339 time`) {
		t.Fatalf("renewalDue = %v, %v, %v; want due, known and the reason", due, known, unreadable)
	}
}
