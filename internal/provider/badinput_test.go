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

// runBadInputs proves each case refused in its phase, with its diagnostic.
func runBadInputs(t *testing.T, cases []badInput) {
	t.Helper()
	runBadInputsHiding(t, cases, nil)
}

// runBadInputsHiding is runBadInputs for inputs that carry a secret: each
// error must also contain none of hidden (such as the lines of a key given
// where a certificate belongs).
//
// The cases refused at plan share one TestCase, a plan-only step each: a
// TestCase starts with `terraform version` twice, `init`, and ends with a
// `show`, and those runs, once per case, were most of the suite's terraform
// time. A failed plan leaves no state, so the steps cannot see each other.
// A case refused at apply keeps a TestCase of its own: a failed apply may
// leave state behind for the next step.
func runBadInputsHiding(t *testing.T, cases []badInput, hidden []string) {
	t.Helper()
	var atPlanCases []badInput
	for _, tc := range cases {
		switch tc.phase {
		case atPlan:
			atPlanCases = append(atPlanCases, tc)
		case atApply:
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				expectApplyError(t, tc, hidden)
			})
		default:
			t.Fatalf("case %q has no phase", tc.name)
		}
	}
	if len(atPlanCases) > 0 {
		t.Run("refused at plan", func(t *testing.T) {
			t.Parallel()
			expectPlanErrors(t, atPlanCases, hidden)
		})
	}
}

// expectPlanErrors runs each case as a plan-only step that must fail with
// the case's diagnostic, so it is proven to come from validation or plan,
// never from apply. Failures name the case the TestCase was at.
func expectPlanErrors(t *testing.T, cases []badInput, hidden []string) {
	t.Helper()
	env := newTestEnv(t)
	at := &atCase{T: t}
	refused := make([]bool, len(cases))
	steps := make([]resource.TestStep, len(cases))
	for i, tc := range cases {
		steps[i] = resource.TestStep{
			PreConfig:       func() { at.index, at.name = i, tc.name },
			Config:          tc.config,
			ConfigVariables: tc.vars,
			PlanOnly:        true,
		}
	}
	resource.UnitTest(at, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		ErrorCheck: func(err error) error {
			refused[at.index] = true
			return refusal(cases[at.index], hidden, err)
		},
		Steps: steps,
	})
	for i, tc := range cases {
		if !refused[i] {
			t.Errorf("case %q: no error, want one containing %q in the plan phase", tc.name, tc.want)
		}
	}
}

// expectApplyError proves the plan succeeds and the apply then fails with
// the case's diagnostic: the first step only plans (and must find changes),
// the second applies. ErrorCheck serves both steps, so it takes an error
// as the refusal only once the apply step has begun.
func expectApplyError(t *testing.T, tc badInput, hidden []string) {
	t.Helper()
	env := newTestEnv(t)
	applying, refused := false, false
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		ErrorCheck: func(err error) error {
			if !applying {
				return fmt.Errorf("the plan failed, want it to succeed and the apply to fail: %w", err)
			}
			refused = true
			return refusal(tc, hidden, err)
		},
		Steps: []resource.TestStep{
			{Config: tc.config, ConfigVariables: tc.vars, PlanOnly: true, ExpectNonEmptyPlan: true},
			{PreConfig: func() { applying = true }, Config: tc.config, ConfigVariables: tc.vars},
		},
	})
	if !refused {
		t.Errorf("no error, want one containing %q in the apply phase", tc.want)
	}
}

// refusal is nil when err is the refusal tc wants: it contains tc.want
// (however Terraform wraps it) and none of hidden. ExpectError cannot say
// what an error must not contain, so ErrorCheck sees the whole text.
func refusal(tc badInput, hidden []string, err error) error {
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

// atCase is the test's T for a TestCase that runs one case a step: each
// failure it reports starts with the name of the case at hand.
type atCase struct {
	*testing.T
	index int
	name  string
}

func (a *atCase) Fatalf(format string, args ...any) {
	a.Helper()
	a.T.Fatalf("case %q: "+format, append([]any{a.name}, args...)...)
}

func (a *atCase) Errorf(format string, args ...any) {
	a.Helper()
	a.T.Errorf("case %q: "+format, append([]any{a.name}, args...)...)
}

func (a *atCase) Fatal(args ...any) {
	a.Helper()
	a.T.Fatal(append([]any{fmt.Sprintf("case %q:", a.name)}, args...)...)
}

func (a *atCase) Error(args ...any) {
	a.Helper()
	a.T.Error(append([]any{fmt.Sprintf("case %q:", a.name)}, args...)...)
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
