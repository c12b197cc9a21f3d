package provider

import (
	"path/filepath"
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

// TestDriftCheckScript runs the guide's scheduled job,
// examples/drift-check/drift-check.sh, on the guide's configuration,
// examples/drift-check/main.tf: on a fresh state it exits 0; once the server
// certificate is due it exits 2, naming the drift, the failed check and the
// replacement, as the guide shows.
//
// The configuration's live check (data source dockertls_endpoint, reaching
// docker.example.com) is cut off here: it needs a daemon at that name.
func TestDriftCheckScript(t *testing.T) {
	t.Parallel()
	acctest.RequireTool(t, "jq", "the drift check script reads terraform's -json output with it")
	script, err := filepath.Abs("../../examples/drift-check/drift-check.sh")
	if err != nil {
		t.Fatal(err)
	}
	config := readFileString(t, "../../examples/drift-check/main.tf")
	live := strings.Index(config, "# What the daemon serves, seen live.")
	if live < 0 {
		t.Fatal("examples/drift-check/main.tf: the live check's comment moved; update this test")
	}
	env := newTestEnv(t)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	w.SetConfig(config[:live])
	w.Init()
	w.Apply()

	res := w.Exec("sh", script)
	if res.ExitCode != 0 || res.Stdout != "No drift.\n" {
		t.Errorf("right after apply:\n%s", res)
	}

	// Move to the start of the server certificate's renewal window (the
	// example keeps the defaults: a year, renewed 30 days early).
	attrs, err := resourceAttrs(w.ShowState(), "dockertls_server_cert.host")
	if err != nil {
		t.Fatal(err)
	}
	end, err := time.Parse(time.RFC3339, attrs["validity_end_time"].(string))
	if err != nil {
		t.Fatal(err)
	}
	early := time.Duration(attrs["early_renewal_hours"].(float64)) * time.Hour
	env.clock.Advance(end.Add(-early).Sub(env.clock.Now()))

	res = w.Exec("sh", script)
	if res.ExitCode != 2 {
		t.Fatalf("inside the renewal window, want exit 2:\n%s", res)
	}
	// The client certificate has the same defaults, so it is due too.
	want := "Changed outside Terraform:\n" +
		"  dockertls_client_cert.ops: update\n" +
		"  dockertls_server_cert.host: update\n" +
		"Warnings (failed checks):\n" +
		"  Check block assertion failed: dockertls_server_cert.host is inside its renewal window (it expires at " + end.Format(time.RFC3339) + "): apply to renew it, then deploy the new certificate.\n" +
		"An apply would change:\n" +
		"  # dockertls_client_cert.ops must be replaced\n" +
		"  # dockertls_server_cert.host must be replaced\n"
	if res.Stdout != want {
		t.Errorf("inside the renewal window, the output is\n%s\nwant\n%s", res.Stdout, want)
	}
}
