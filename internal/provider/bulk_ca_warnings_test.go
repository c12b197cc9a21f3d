package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// TestBulkCerts_CAWarnings: the single resources' warnings about the CA,
// once per bulk resource rather than once per entry: new entries that would
// outlive their CA, the same entries (named) at every plan after they are
// issued, and, once the CA has expired, the expiry. plugin-testing cannot
// see warnings, so this drives terraform.
func TestBulkCerts_CAWarnings(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ca := testCA(t, env.clock.Now(), 100*time.Hour)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	w.Setenv("TF_VAR_ca_cert", ca.CertPEM)
	w.Setenv("TF_VAR_ca_key", ca.PrivateKeyPEM)
	w.SetConfig(bulkConfig(`{
    b = { dns_names = ["b.example"] }
    a = { dns_names = ["a.example"] }
  }`, `{
    b = {}
    a = {}
  }`, "validity_period_hours = 200\nearly_renewal_hours = 12"))
	w.Init()
	warns := func(phase, want string) {
		t.Helper()
		plan := w.Run("plan", "-json")
		if plan.ExitCode != 0 {
			t.Fatalf("%s: plan exits %d\n%s", phase, plan.ExitCode, plan)
		}
		got := plan.Warnings()
		if len(got) != 2 || !strings.Contains(got[0], want) || !strings.Contains(got[1], want) {
			t.Errorf("%s: the plan warns %q, want one warning containing %q for each resource", phase, got, want)
		}
	}
	warns("new entries", "Certificate outlives its CA: The new certificate would be valid until")
	w.Apply()
	warns("issued entries", `Certificates outlive their CA: The certificates of "a" and "b" are valid beyond the expiry of their CA certificate "Test CA"`)
	env.clock.Advance(101 * time.Hour)
	warns("after the CA's expiry", `CA certificate has expired: The CA certificate "Test CA" expired at`)
}
