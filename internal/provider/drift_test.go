package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// driftConfig is renewalConfig with the check block the drift guide
// recommends for a certificate that is due.
func driftConfig() string {
	return renewalConfig(10) + `
check "server_cert_renewal" {
  assert {
    condition     = !dockertls_server_cert.test.ready_for_renewal
    error_message = "The daemon's server certificate is inside its renewal window: apply to renew it, then redeploy it."
  }
}
`
}

// TestDriftSignal proves the signals the guide "Detecting certificate drift"
// tells a scheduled job to use, both ways, with the real terraform binary:
// right after apply there is no resource_drift in `terraform plan
// -refresh-only -json`, `terraform plan -detailed-exitcode` exits 0 and the
// check block is silent; once the clock enters the server certificate's
// renewal window, refresh reports the drift of ready_for_renewal and the
// check block warns, and the plan exits 2 replacing that certificate. A
// failed check is a warning: alone, it leaves the exit code at 0.
//
// It does not use the exit code of `terraform plan -refresh-only
// -detailed-exitcode`: Terraform reports 2 there for these resources even
// with nothing to refresh (see TestRefreshOnlyExitCode in internal/acctest).
func TestDriftSignal(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	w.SetConfig(driftConfig())
	w.Init()
	w.Apply()

	refresh := w.MustRun("plan", "-refresh-only", "-json")
	if d := refresh.Drift(); len(d) != 0 {
		t.Errorf("right after apply, refresh reports drift: %+v", d)
	}
	if warns := refresh.Diagnostics("warning"); len(warns) != 0 {
		t.Errorf("right after apply, refresh warns: %+v", warns)
	}
	plan := w.Run("plan", "-detailed-exitcode", "-json")
	if plan.ExitCode != 0 {
		t.Errorf("right after apply, plan -detailed-exitcode exits %d, want 0\n%s", plan.ExitCode, plan)
	}
	if warns := plan.Diagnostics("warning"); len(warns) != 0 {
		t.Errorf("right after apply, the plan warns: %+v", warns)
	}

	// 48h validity, 10h window: due at start+38h.
	env.clock.Advance(38 * time.Hour)

	refresh = w.MustRun("plan", "-refresh-only", "-json")
	drift := refresh.Drift()
	if len(drift) != 1 || drift[0].Resource.Addr != server || drift[0].Action != "update" {
		t.Errorf("inside the renewal window, refresh reports drift %+v, want one update of %s", drift, server)
	}
	// The check reads the refreshed state here, so it warns...
	if warns := refresh.Diagnostics("warning"); len(warns) != 1 || !strings.Contains(warns[0].Detail, "inside its renewal window") {
		t.Errorf("inside the renewal window, refresh warns %+v, want the check block's message", warns)
	}
	plan = w.Run("plan", "-detailed-exitcode", "-json")
	if plan.ExitCode != 2 {
		t.Fatalf("inside the renewal window, plan -detailed-exitcode exits %d, want 2\n%s", plan.ExitCode, plan)
	}
	changes := plan.PlannedChanges()
	if len(changes) != 1 || changes[0].Resource.Addr != server || changes[0].Action != "replace" {
		t.Errorf("inside the renewal window, the plan changes %+v, want %s replaced", changes, server)
	}
	if s := plan.Summary(); s == nil || s.Add != 1 || s.Remove != 1 || s.Change != 0 {
		t.Errorf("change summary %+v, want 1 to add and 1 to destroy", s)
	}
	// ...while a normal plan evaluates it against the planned replacement,
	// whose ready_for_renewal is false: there the replacement is the signal.
	if warns := plan.Diagnostics("warning"); len(warns) != 0 {
		t.Errorf("the plan that renews the certificate warns %+v, want nothing", warns)
	}

	// The check block alone does not set the exit code: a plan that
	// changes nothing but fails a check exits 0. Renew, then break only
	// the check.
	w.Apply()
	w.SetConfig(driftConfig() + `
check "always_fails" {
  assert {
    condition     = dockertls_ca.test.key_algorithm == "RSA_4096"
    error_message = "The CA is not RSA_4096."
  }
}
`)
	plan = w.Run("plan", "-detailed-exitcode", "-json")
	if plan.ExitCode != 0 {
		t.Errorf("a failed check with no changes: exit %d, want 0\n%s", plan.ExitCode, plan)
	}
	if warns := plan.Diagnostics("warning"); len(warns) != 1 || !strings.Contains(warns[0].Detail, "not RSA_4096") {
		t.Errorf("a failed check with no changes warns %+v, want the check's message", warns)
	}
}
