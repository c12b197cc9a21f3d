package provider

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/dockerdtest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
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

// liveDriftConfig is the guide's configuration, examples/drift-check/main.tf,
// with its live check aimed at addr and 127.0.0.1 added to the server
// certificate's names, so that a daemon published on 127.0.0.1 can pass
// verification. The check blocks themselves are the guide's, verbatim.
func liveDriftConfig(t *testing.T, addr string) string {
	t.Helper()
	config := readFileString(t, "../../examples/drift-check/main.tf")
	for _, r := range [][2]string{
		{`"tcp://docker.example.com:2376"`, strconv.Quote("tcp://" + addr)},
		{`dns_names             = ["docker.example.com"]`, `dns_names             = ["docker.example.com"]` + "\n  ip_addresses          = [\"127.0.0.1\"]"},
	} {
		if n := strings.Count(config, r[0]); n != 1 {
			t.Fatalf("examples/drift-check/main.tf holds %s %d times, want once: update this test", r[0], n)
		}
		config = strings.Replace(config, r[0], r[1], 1)
	}
	return config
}

// deployDriftExample starts dockerd with the CA and server certificate of
// the guide's configuration's state and returns it with client files from
// the state. waitForTLS is false when the state's client cannot reach it
// (an expired server certificate).
func deployDriftExample(t *testing.T, engine *dockerdtest.Engine, w *acctest.Workdir, waitForTLS bool) (*dockerdtest.Daemon, *issued) {
	t.Helper()
	return deployFromState(t, engine, w, "dockertls_client_cert.ops", waitForTLS)
}

// deployFromState starts dockerd with dockertls_ca.docker and
// dockertls_server_cert.host of the state, waiting until the client at
// clientAddr is served (or, without waitForTLS, until the daemon presents a
// certificate).
func deployFromState(t *testing.T, engine *dockerdtest.Engine, w *acctest.Workdir, clientAddr string, waitForTLS bool) (*dockerdtest.Daemon, *issued) {
	t.Helper()
	return deployFromStateAs(t, w, clientAddr, waitForTLS, func(ca, server *issued) *dockerdtest.Daemon {
		return startDaemonServing(t, engine, ca.certPEM, server.certPEM, server.keyPEM)
	})
}

// deployFromStateAs is deployFromState with the daemon started by start,
// for daemons configured otherwise than the state says.
func deployFromStateAs(t *testing.T, w *acctest.Workdir, clientAddr string, waitForTLS bool, start func(ca, server *issued) *dockerdtest.Daemon) (*dockerdtest.Daemon, *issued) {
	t.Helper()
	s := w.ShowState()
	ca, err := readIssued(s, "dockertls_ca.docker")
	if err != nil {
		t.Fatal(err)
	}
	server, err := readIssued(s, "dockertls_server_cert.host")
	if err != nil {
		t.Fatal(err)
	}
	client, err := readIssued(s, clientAddr)
	if err != nil {
		t.Fatal(err)
	}
	d := start(ca, server)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if waitForTLS {
		files := acctest.WriteTLSFiles(t, t.TempDir(), "client", ca.certPEM, client.certPEM, client.keyPEM)
		if err := d.WaitForTLS(ctx, files); err != nil {
			t.Fatal(err)
		}
	} else if err := waitForHandshake(&deployed{daemon: d}); err != nil {
		t.Fatal(err)
	}
	return d, server
}

// openDoor starts the state's daemon with tlsverify off: it serves anyone.
func openDoor(t *testing.T, engine *dockerdtest.Engine) func(ca, server *issued) *dockerdtest.Daemon {
	return func(_, server *issued) *dockerdtest.Daemon {
		return startOpenDaemon(t, engine, server.certPEM, server.keyPEM)
	}
}

// trustingAnotherCA starts the state's daemon with a ca.pem that holds
// another CA after the state's: it admits whoever that CA certifies.
func trustingAnotherCA(t *testing.T, engine *dockerdtest.Engine, another *pki.Certificate) func(ca, server *issued) *dockerdtest.Daemon {
	return func(ca, server *issued) *dockerdtest.Daemon {
		return startDaemonServing(t, engine, ca.certPEM+another.CertPEM, server.certPEM, server.keyPEM)
	}
}

// planWarnings runs `terraform plan -json`, which must succeed (a failed
// check is a warning, not an error) and plan nothing but reads of data
// sources, and requires exactly one failed check per entry of want, its
// message holding every string of the entry. It returns the other warnings.
func planWarnings(t *testing.T, w *acctest.Workdir, phase string, want ...[]string) []acctest.Diagnostic {
	t.Helper()
	plan := w.Run("plan", "-json")
	if plan.ExitCode != 0 {
		t.Errorf("%s: plan exits %d, want 0\n%s", phase, plan.ExitCode, plan)
	}
	for _, c := range plan.PlannedChanges() {
		if c.Action != "read" {
			t.Errorf("%s: the plan changes %s (%s), want only reads", phase, c.Resource.Addr, c.Action)
		}
	}
	var checks, others []acctest.Diagnostic
	for _, d := range plan.Diagnostics("warning") {
		if d.Summary == "Check block assertion failed" {
			checks = append(checks, d)
		} else {
			others = append(others, d)
		}
	}
	if len(checks) != len(want) {
		t.Errorf("%s: %d checks fail, want %d: %+v", phase, len(checks), len(want), checks)
		return others
	}
	used := make([]bool, len(checks))
next:
	for _, parts := range want {
		for i, c := range checks {
			if used[i] {
				continue
			}
			matches := true
			for _, p := range parts {
				matches = matches && strings.Contains(c.Detail, p)
			}
			if matches {
				used[i] = true
				continue next
			}
		}
		t.Errorf("%s: no failed check says %q; the failed checks: %+v", phase, parts, checks)
	}
	return others
}

// planChecks is planWarnings for configurations whose only warnings are
// failed checks.
func planChecks(t *testing.T, w *acctest.Workdir, phase string, want ...[]string) {
	t.Helper()
	if others := planWarnings(t, w, phase, want...); len(others) != 0 {
		t.Errorf("%s: the plan also warns %+v", phase, others)
	}
}

// The guide's assertion messages, as the tests look for them.
var (
	notVerified   = "did not pass verification against the CA"
	servesAnother = "serves the certificate"
	expiresSoon   = "within 30 days"
)

// TestDriftCheck_LiveDaemon runs the guide's check blocks against real
// daemons: while nothing listens, the verification check warns and the plan
// still succeeds; with the state deployed, no check warns; after the server
// certificate is renewed in the state but not deployed, the fingerprint
// check warns with both fingerprints; a daemon serving another CA's
// certificate fails the verification check (and the fingerprint check).
// The state's certificate served with tlsverify off fails the verification
// check, and a daemon whose ca.pem holds another CA too warns. Every plan
// succeeds.
func TestDriftCheck_LiveDaemon(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	env := newTestEnv(t)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	w.SetConfig(liveDriftConfig(t, acctest.ClosedPort(t)))
	w.Init()
	w.Apply()
	planChecks(t, w, "nothing listening", []string{notVerified, "connection refused"})

	d, deployedCert := deployDriftExample(t, engine, w, true)
	w.SetConfig(liveDriftConfig(t, d.Addr))
	planChecks(t, w, "the state deployed")

	// The state's certificate, served by daemons that admit others.
	open, _ := deployFromStateAs(t, w, "dockertls_client_cert.ops", true, openDoor(t, engine))
	w.SetConfig(liveDriftConfig(t, open.Addr))
	planChecks(t, w, "tlsverify off", []string{notVerified, "presented no certificate"})
	public := issueNamedCA(t, "Some Public Root", time.Now(), 24*time.Hour)
	wide, _ := deployFromStateAs(t, w, "dockertls_client_cert.ops", true, trustingAnotherCA(t, engine, public))
	w.SetConfig(liveDriftConfig(t, wide.Addr))
	planChecks(t, w, "another CA in ca.pem", []string{"CAs beyond this one", "CN=Some Public Root"})
	w.SetConfig(liveDriftConfig(t, d.Addr))
	// What the guide says of the exit code: with a data source inside a
	// check block, Terraform plans its read and exits 2 on every plan,
	// nothing else changing (hashicorp/terraform#35226). If this starts
	// failing, Terraform changed: update the guide and drift-check.sh.
	res := w.Run("plan", "-detailed-exitcode", "-json")
	reads := res.PlannedChanges()
	if res.ExitCode != 2 || len(reads) != 1 || reads[0].Action != "read" || reads[0].Reason != "read_because_check_nested" {
		t.Errorf("with the state deployed, plan -detailed-exitcode exits %d planning %+v; the guide says 2, with one read_because_check_nested\n%s", res.ExitCode, reads, res)
	}

	// Renewed in the state, never deployed.
	w.MustRun("apply", "-auto-approve", "-replace=dockertls_server_cert.host")
	renewed, err := readIssued(w.ShowState(), "dockertls_server_cert.host")
	if err != nil {
		t.Fatal(err)
	}
	oldFP, newFP := acctest.Fingerprint(deployedCert.cert), acctest.Fingerprint(renewed.cert)
	if oldFP == newFP {
		t.Fatal("-replace did not renew the server certificate")
	}
	planChecks(t, w, "renewed but not deployed",
		[]string{servesAnother + " " + oldFP + ", the state holds " + newFP})

	// A host rebuilt with another CA's PKI.
	other := newGoPKI(t)
	foreign := startDaemonServing(t, engine, other.ca.CertPEM, other.server.CertPEM, other.server.PrivateKeyPEM)
	if err := waitForHandshake(&deployed{daemon: foreign}); err != nil {
		t.Fatal(err)
	}
	w.SetConfig(liveDriftConfig(t, foreign.Addr))
	// That certificate is valid for an hour, so the expiry check warns too.
	planChecks(t, w, "another CA",
		[]string{notVerified, "is not signed by the given CA"},
		[]string{servesAnother + " " + acctest.Fingerprint(other.server.Cert) + ", the state holds " + newFP},
		[]string{"expires at " + other.server.Cert.NotAfter.UTC().Format(time.RFC3339) + ", " + expiresSoon})
}

// TestDriftCheck_LiveExpiry issues the guide's PKI with the provider's clock
// about a year in the past, so that the certificate the daemon serves is
// expired, or expires in ten days, by the real time that the daemon, the
// data source and plantimestamp() go by. The state is not due by the
// provider's clock, so only the live checks can see it.
func TestDriftCheck_LiveExpiry(t *testing.T) {
	t.Parallel()
	year := time.Duration(leafDefaults.validityHours) * time.Hour
	for _, tc := range []struct {
		name string
		age  time.Duration // of the certificates when the test starts
		want [][]string
	}{
		{name: "expired", age: year + 48*time.Hour,
			want: [][]string{{notVerified, "expired at"}, {expiresSoon}}},
		{name: "expires in ten days", age: year - 240*time.Hour,
			want: [][]string{{expiresSoon}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			engine := dockerdtest.Require(t)
			env := newTestEnvAt(t, time.Now().Add(-tc.age))
			w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
			w.SetConfig(liveDriftConfig(t, acctest.ClosedPort(t)))
			w.Init()
			w.Apply()
			d, _ := deployDriftExample(t, engine, w, tc.name != "expired")
			w.SetConfig(liveDriftConfig(t, d.Addr))
			planChecks(t, w, tc.name, tc.want...)
		})
	}
}

// TestDriftCheckScript runs the guide's scheduled job,
// examples/drift-check/drift-check.sh, on the guide's configuration,
// examples/drift-check/main.tf, live check included, with the state deployed
// to a real daemon: on a fresh state it exits 0; with the daemon gone it
// exits 2 naming the failed live check; once the server certificate is due
// it exits 2, naming the drift, the failed check and the replacement, as the
// guide shows. The no-drift path needs the daemon: without one, the live
// check warns, as it should.
func TestDriftCheckScript(t *testing.T) {
	t.Parallel()
	acctest.RequireTool(t, "jq", "the drift check script reads terraform's -json output with it")
	engine := dockerdtest.Require(t)
	script, err := filepath.Abs("../../examples/drift-check/drift-check.sh")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	closed := acctest.ClosedPort(t)
	w.SetConfig(liveDriftConfig(t, closed))
	w.Init()
	w.Apply()
	d, _ := deployDriftExample(t, engine, w, true)
	w.SetConfig(liveDriftConfig(t, d.Addr))

	res := w.Exec("sh", script)
	if res.ExitCode != 0 || res.Stdout != "No drift.\n" {
		t.Errorf("right after apply and deploy:\n%s", res)
	}

	w.SetConfig(liveDriftConfig(t, closed))
	res = w.Exec("sh", script)
	wantPrefix := "Warnings (failed checks):\n" +
		"  Check block assertion failed: docker.example.com:2376 did not pass verification against the CA: connection refused at " + closed
	if res.ExitCode != 2 || !strings.HasPrefix(res.Stdout, wantPrefix) || strings.Count(res.Stdout, "\n") != 2 {
		t.Errorf("with nothing listening, want exit 2 and one warning starting %q:\n%s", wantPrefix, res)
	}
	w.SetConfig(liveDriftConfig(t, d.Addr))

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
	// The client certificate has the same defaults, so it is due too. The
	// daemon still serves the state's certificate, valid for a year by the
	// real time, so the live check is silent.
	want := "Changed outside Terraform:\n" +
		"  dockertls_client_cert.ops: update\n" +
		"  dockertls_server_cert.host: update\n" +
		"Warnings (failed checks):\n" +
		"  Check block assertion failed: dockertls_server_cert.host is inside its renewal window (it expires at " + end.Format(time.RFC3339) + "): apply to renew it, then deploy the new certificate.\n" +
		"An apply would change:\n" +
		"  dockertls_client_cert.ops: replace\n" +
		"  dockertls_server_cert.host: replace\n"
	if res.Stdout != want {
		t.Errorf("inside the renewal window, the output is\n%s\nwant\n%s", res.Stdout, want)
	}
}

// readmeDriftConfig is the README's usage configuration followed by its
// check block, taken from README.md's terraform code blocks, with the live
// check aimed at addr and the server certificate's address made 127.0.0.1.
func readmeDriftConfig(t *testing.T, addr string) string {
	t.Helper()
	readme := readFileString(t, "../../README.md")
	var usage, check string
	for _, block := range strings.Split(readme, "```terraform\n")[1:] {
		block = block[:strings.Index(block, "```")]
		switch {
		case strings.Contains(block, "required_providers"):
			usage = block
		case strings.HasPrefix(block, "check "):
			check = block
		}
	}
	if usage == "" || check == "" {
		t.Fatal("README.md: no usage block with required_providers, or no check block: update this test")
	}
	config := usage + check
	for _, r := range [][2]string{
		{`"tcp://docker.example.com:2376"`, strconv.Quote("tcp://" + addr)},
		{`"203.0.113.10"`, `"127.0.0.1"`},
	} {
		if n := strings.Count(config, r[0]); n != 1 {
			t.Fatalf("README.md's usage and check hold %s %d times, want once: update this test", r[0], n)
		}
		config = strings.Replace(config, r[0], r[1], 1)
	}
	return config
}

// TestReadmeDriftCheck runs the README's usage and its check block against
// real daemons: nothing listening warns, the state deployed is silent, the
// same certificate served with tlsverify off warns, and so does a daemon
// whose ca.pem holds another CA too; a certificate renewed but not deployed
// warns.
func TestReadmeDriftCheck(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	env := newTestEnv(t)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	w.SetConfig(readmeDriftConfig(t, acctest.ClosedPort(t)))
	w.Init()
	w.Apply()
	planChecks(t, w, "nothing listening", []string{"did not pass verification", "connection refused"})

	d, _ := deployFromState(t, engine, w, "dockertls_client_cert.me", true)
	w.SetConfig(readmeDriftConfig(t, d.Addr))
	planChecks(t, w, "the state deployed")

	open, _ := deployFromStateAs(t, w, "dockertls_client_cert.me", true, openDoor(t, engine))
	w.SetConfig(readmeDriftConfig(t, open.Addr))
	planChecks(t, w, "tlsverify off", []string{"did not pass verification", "presented no certificate"})
	public := issueNamedCA(t, "Some Public Root", time.Now(), 24*time.Hour)
	wide, _ := deployFromStateAs(t, w, "dockertls_client_cert.me", true, trustingAnotherCA(t, engine, public))
	w.SetConfig(readmeDriftConfig(t, wide.Addr))
	planChecks(t, w, "another CA in ca.pem", []string{"holds another CA than this one"})
	w.SetConfig(readmeDriftConfig(t, d.Addr))

	w.MustRun("apply", "-auto-approve", "-replace=dockertls_server_cert.host")
	planChecks(t, w, "renewed but not deployed", []string{"serves another certificate than the state holds"})
}
