package provider

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// phase is when Terraform must refuse a bad input.
type phase string

const (
	// atPlan: `terraform plan` fails (validation or ModifyPlan), so nothing
	// is ever created from the value.
	atPlan phase = "plan"
	// atApply: the value is unknown at plan time, so the plan succeeds and
	// the apply fails with the same diagnostic.
	atApply phase = "apply"
)

// badInput is one entry of the catalogue of refused inputs: a configuration,
// a phrase of the diagnostic it must produce (matched however Terraform wraps
// it), and the phase it must fail in.
type badInput struct {
	name   string
	config string
	vars   config.Variables
	want   string
	phase  phase
}

// runBadInputs runs each case in parallel with its own provider.
func runBadInputs(t *testing.T, cases []badInput) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			switch tc.phase {
			case atPlan:
				expectPlanError(t, tc.config, tc.vars, tc.want)
			case atApply:
				expectApplyError(t, tc.config, tc.vars, tc.want)
			default:
				t.Fatalf("case %q has no phase", tc.name)
			}
		})
	}
}

// expectApplyError proves the plan succeeds and the apply then fails with
// want: the first step only plans (and must find changes), the second applies.
func expectApplyError(t *testing.T, cfg string, vars config.Variables, want string) {
	t.Helper()
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{Config: cfg, ConfigVariables: vars, PlanOnly: true, ExpectNonEmptyPlan: true},
			{Config: cfg, ConfigVariables: vars, ExpectError: errorPattern(want)},
		},
	})
}

// runBadInputsHiding is runBadInputs for inputs that carry a secret: each
// error must also contain none of hidden (such as the lines of a key given
// where a certificate belongs).
func runBadInputsHiding(t *testing.T, cases []badInput, hidden []string) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			expectErrorHiding(t, tc, hidden)
		})
	}
}

// expectErrorHiding is expectPlanError or expectApplyError that also checks
// what the error must not contain: ExpectError cannot say that, so
// ErrorCheck sees the whole text instead.
func expectErrorHiding(t *testing.T, tc badInput, hidden []string) {
	t.Helper()
	env := newTestEnv(t)
	failed := false
	check := func(err error) error {
		failed = true
		if !errorPattern(tc.want).MatchString(err.Error()) {
			return fmt.Errorf("the error does not contain %q: %w", tc.want, err)
		}
		for i, h := range hidden {
			if strings.Contains(err.Error(), h) {
				return fmt.Errorf("the error shows hidden string %d (not repeated here)", i)
			}
		}
		return nil
	}
	var steps []resource.TestStep
	switch tc.phase {
	case atPlan:
		steps = []resource.TestStep{{Config: tc.config, ConfigVariables: tc.vars, PlanOnly: true}}
	case atApply:
		steps = []resource.TestStep{
			{Config: tc.config, ConfigVariables: tc.vars, PlanOnly: true, ExpectNonEmptyPlan: true},
			{Config: tc.config, ConfigVariables: tc.vars},
		}
	default:
		t.Fatalf("case %q has no phase", tc.name)
	}
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: env.factories, ErrorCheck: check, Steps: steps})
	if !failed {
		t.Errorf("no error, want one containing %q in the %s phase", tc.want, tc.phase)
	}
}

// kubectlKey is the CA certificate with its key as `kubectl get secret -o
// yaml` prints a TLS secret's tls.key after it: the base64 of the whole PEM
// key file, on one line. A search for keys did not see it.
func kubectlKey(certPEM, keyPEM string) string {
	return certPEM + "  tls.key: " + base64.StdEncoding.EncodeToString([]byte(keyPEM)) + "\n"
}

// keyTextFragments are keyFragments plus the pieces of the key as
// kubectlKey spells it: no diagnostic may hold any of them.
func keyTextFragments(t *testing.T, keyPEM string) []string {
	t.Helper()
	fragments := keyFragments(t, keyPEM)
	encoded := base64.StdEncoding.EncodeToString([]byte(keyPEM))
	for i := 0; i+16 <= len(encoded); i += 16 {
		fragments = append(fragments, encoded[i:i+16])
	}
	return fragments
}
