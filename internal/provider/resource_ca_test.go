package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// TestCA_RenewalWarnsAndPointsToTheRotationGuide: a CA entering its renewal
// window would be replaced with every certificate it signed, a flag day for
// the fleet. The plan says so and names the rotation guide; lowering
// early_renewal_hours to 0 keeps the CA, in place, without a warning, until
// it expires, when the plan replaces it with a warning of its own.
// plugin-testing cannot see warnings, so this drives terraform.
func TestCA_RenewalWarnsAndPointsToTheRotationGuide(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	config := func(earlyRenewal int) string {
		return fmt.Sprintf(`
resource "dockertls_ca" "test" {
  validity_period_hours = 100
  early_renewal_hours   = %d
}

resource "dockertls_client_cert" "test" {
  ca_cert_pem           = dockertls_ca.test.cert_pem
  ca_private_key_pem    = dockertls_ca.test.private_key_pem
  validity_period_hours = 100
  early_renewal_hours   = 5
}
`, earlyRenewal)
	}
	plan := func(phase string, wantWarning string, wantActions ...string) {
		t.Helper()
		res := w.Run("plan", "-json")
		if res.ExitCode != 0 {
			t.Fatalf("%s: plan exits %d\n%s", phase, res.ExitCode, res)
		}
		warnings := res.Warnings()
		switch {
		case wantWarning == "" && len(warnings) > 0:
			t.Errorf("%s: the plan warns %q, want no warning", phase, warnings)
		case wantWarning != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], wantWarning) ||
			!strings.Contains(warnings[0], `"Rotating the CA without locking anyone out"`)):
			t.Errorf("%s: the plan warns %q, want one warning containing %q and naming the rotation guide", phase, warnings, wantWarning)
		}
		var got []string
		for _, c := range res.PlannedChanges() {
			got = append(got, c.Action+" "+c.Resource.Addr)
		}
		if strings.Join(got, ",") != strings.Join(wantActions, ",") {
			t.Errorf("%s: the plan would %q, want %q", phase, got, wantActions)
		}
	}

	w.SetConfig(config(10))
	w.Init()
	w.Apply()
	env.clock.Advance(89 * time.Hour)
	plan("before the window", "")
	env.clock.Advance(2 * time.Hour)
	plan("inside the window", `CA due for renewal: this plan replaces it and every certificate it signed: The CA "Docker daemon CA" expires at`,
		"replace dockertls_ca.test", "replace dockertls_client_cert.test")

	w.SetConfig(config(0))
	plan("held off", "", "update dockertls_ca.test")
	w.Apply()
	plan("held off, applied", "")

	env.clock.Advance(10 * time.Hour)
	plan("expired", `CA expired: replacing it and every certificate it signed: The CA "Docker daemon CA" expired at`,
		"replace dockertls_ca.test", "replace dockertls_client_cert.test")
}
