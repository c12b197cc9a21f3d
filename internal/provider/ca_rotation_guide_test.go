package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/dockerdtest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// rotationGuideFile is the template of the guide "Rotating the CA without
// locking anyone out"; docs/guides holds it as generated.
const rotationGuideFile = "../../templates/guides/rotating-the-ca-without-locking-anyone-out.md.tmpl"

// rotationGuideText is the guide's code, in the order it comes.
type rotationGuideText struct {
	setup, moved string
	// steps are the three applies' variables; fromSingle and emergency
	// the variables of those sections.
	steps                 [3]string
	fromSingle, emergency string
	// table says, per client ("old, both": its certificate's CA and its
	// ca.pem), whether each daemon column accepts it.
	table   map[string][]bool
	columns []string
}

func readRotationGuide(t *testing.T) rotationGuideText {
	t.Helper()
	text := readFileString(t, rotationGuideFile)
	var g rotationGuideText
	var terraform, hcl []string
	for _, part := range strings.Split(text, "```")[1:] {
		switch {
		case strings.HasPrefix(part, "terraform\n"):
			terraform = append(terraform, strings.TrimPrefix(part, "terraform\n"))
		case strings.HasPrefix(part, "hcl\n"):
			hcl = append(hcl, strings.TrimPrefix(part, "hcl\n"))
		}
	}
	if len(terraform) != 2 || len(hcl) != 5 {
		t.Fatalf("the guide has %d terraform and %d hcl blocks, want 2 (set-up, moved) and 5 (three steps, from a single CA, emergency): update this test", len(terraform), len(hcl))
	}
	g.setup, g.moved = terraform[0], terraform[1]
	copy(g.steps[:], hcl[:3])
	g.fromSingle, g.emergency = hcl[3], hcl[4]

	g.table = map[string][]bool{}
	for _, line := range strings.Split(text, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		switch {
		case strings.HasPrefix(line, "| client certificate"):
			g.columns = cells[1:]
		case strings.HasPrefix(line, "| old, ") || strings.HasPrefix(line, "| new, "):
			for _, c := range cells[1:] {
				if c != "accepted" && c != "refused" {
					t.Fatalf("the guide's table has %q in row %q", c, cells[0])
				}
				g.table[cells[0]] = append(g.table[cells[0]], c == "accepted")
			}
		}
	}
	if len(g.columns) != 4 || len(g.table) != 6 {
		t.Fatalf("the guide's table has columns %q and %d rows, want 4 daemon columns and 6 clients", g.columns, len(g.table))
	}
	return g
}

// rotationTestConfig is what the test adds to the guide's set-up: the
// daemon configuration rendered for the test's dockerd, with the bundle as
// its ca.pem.
const rotationTestConfig = `
variable "dockerd" { type = string }

data "dockertls_daemon_config" "test" {
  dockerd_path        = var.dockerd
  containerd_address  = ""
  ca_cert_pem         = data.dockertls_ca_bundle.trusted.bundle_pem
  server_cert_pem     = dockertls_server_cert.docker.cert_pem
  extra_settings_json = jsonencode({ labels = ["dockertls-test=rotation"], "log-level" = "warn" })
}
`

// rotationWorkdir runs the guide's set-up for a server certificate on
// 127.0.0.1, where the test's daemons are published.
func rotationWorkdir(t *testing.T, env *testEnv, g rotationGuideText, dockerd string) *acctest.Workdir {
	t.Helper()
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	w.Setenv("TF_VAR_docker_host", `{ dns_names = [], ip_addresses = ["127.0.0.1"] }`)
	w.Setenv("TF_VAR_dockerd", dockerd)
	w.SetConfig(g.setup + rotationTestConfig)
	w.Init()
	return w
}

// applyVariables writes a step's variables as terraform.tfvars, checks
// that the plan does what the guide says (reads left out) without a
// warning, and applies it.
func applyVariables(t *testing.T, w *acctest.Workdir, what, tfvars string, wantActions ...string) *tfjson.State {
	t.Helper()
	if err := os.WriteFile(filepath.Join(w.Dir(), "terraform.tfvars"), []byte(tfvars), 0o600); err != nil {
		t.Fatal(err)
	}
	plan := w.Run("plan", "-json", "-out=tfplan")
	if plan.ExitCode != 0 {
		t.Fatalf("%s: plan exits %d\n%s", what, plan.ExitCode, plan)
	}
	var got []string
	for _, c := range plan.PlannedChanges() {
		if c.Action != "read" {
			got = append(got, c.Action+" "+c.Resource.Addr)
		}
	}
	slices.Sort(got)
	slices.Sort(wantActions)
	if !slices.Equal(got, wantActions) {
		t.Errorf("%s: the plan would\n%q\nwant\n%q", what, got, wantActions)
	}
	for _, d := range plan.Diagnostics("warning") {
		// The check block waits for a bundle read at apply.
		if d.Summary != "Check block assertion known after apply" {
			t.Errorf("%s: the plan warns %q: %s", what, d.Summary, d.Detail)
		}
	}
	if res := w.Run("apply", "tfplan"); res.ExitCode != 0 {
		t.Fatalf("%s: apply exits %d\n%s", what, res.ExitCode, res)
	}
	return w.ShowState()
}

// setupActions are the plan of the guide's set-up.
var setupActions = []string{`create dockertls_ca.generation["2026"]`, "create dockertls_client_cert.ci", "create dockertls_server_cert.docker"}

// rotationFiles are the PEMs a step leaves in the state.
type rotationFiles struct {
	bundle         string
	server, client *issued
	daemon         map[string]string
}

func readRotationFiles(t *testing.T, s *tfjson.State) rotationFiles {
	t.Helper()
	bundle, err := stringAttrs(s, "data.dockertls_ca_bundle.trusted", "bundle_pem")
	if err != nil {
		t.Fatal(err)
	}
	server, err := readIssued(s, "dockertls_server_cert.docker")
	if err != nil {
		t.Fatal(err)
	}
	client, err := readIssued(s, "dockertls_client_cert.ci")
	if err != nil {
		t.Fatal(err)
	}
	daemon, err := stringAttrs(s, "data.dockertls_daemon_config.test", "daemon_json", "systemd_dropin", "cert_dir", "config_file")
	if err != nil {
		t.Fatal(err)
	}
	return rotationFiles{bundle: bundle["bundle_pem"], server: server, client: client, daemon: daemon}
}

func caPEM(t *testing.T, s *tfjson.State, generation string) string {
	t.Helper()
	a, err := stringAttrs(s, fmt.Sprintf("dockertls_ca.generation[%q]", generation), "cert_pem")
	if err != nil {
		t.Fatal(err)
	}
	return a["cert_pem"]
}

// startRotationDaemon starts dockerd with a ca.pem and a server
// certificate, as the rendered drop-in would, and waits until ready, a
// client that it must accept, gets an answer.
func startRotationDaemon(t *testing.T, engine *dockerdtest.Engine, files rotationFiles, caPEM string, server *issued, ready acctest.TLSFiles) (*dockerdtest.Daemon, error) {
	command, err := execStart(files.daemon["systemd_dropin"])
	if err != nil {
		return nil, err
	}
	dir := acctest.WriteTLSFiles(t, filepath.Join(t.TempDir(), "daemon"), "server", caPEM, server.certPEM, server.keyPEM)
	d := engine.Start(t, dockerdtest.Spec{
		TLSDir:     filepath.Dir(dir.CA),
		CertDir:    files.daemon["cert_dir"],
		DaemonJSON: files.daemon["daemon_json"],
		ConfigFile: files.daemon["config_file"],
		Command:    command,
		Port:       2376,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	return d, d.WaitForTLS(ctx, ready)
}

// refusals are what a refused mutual-TLS connection reports: the client
// refusing the daemon's certificate, or the daemon the client's.
var refusals = []string{"unknown authority", "bad certificate", "unknown certificate authority", "certificate required"}

// TestDaemon_CARotationGuide follows the guide's three applies against real
// dockerd containers. After each step a daemon is started with that step's
// files (dockerd reads them only at start), and six clients, holding an
// old-CA or a new-CA certificate and trusting the old CA, the bundle or the
// new CA, are each accepted or refused exactly as the guide's table says.
// The clients that follow the guide are also served by the real docker CLI.
func TestDaemon_CARotationGuide(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	g := readRotationGuide(t)
	env := newTestEnv(t)
	w := rotationWorkdir(t, env, g, engine.Dockerd)

	before := applyVariables(t, w, "set-up", "", setupActions...)
	step1 := applyVariables(t, w, "step 1", g.steps[0], `create dockertls_ca.generation["2027"]`)
	step2 := applyVariables(t, w, "step 2", g.steps[1], "replace dockertls_client_cert.ci", "replace dockertls_server_cert.docker")
	step3 := applyVariables(t, w, "step 3", g.steps[2], `delete dockertls_ca.generation["2026"]`)

	f0, f1, f2, f3 := readRotationFiles(t, before), readRotationFiles(t, step1), readRotationFiles(t, step2), readRotationFiles(t, step3)
	oldCA, newCA := caPEM(t, before, "2026"), caPEM(t, step1, "2027")
	switch {
	case f0.bundle != oldCA:
		t.Fatal("before the rotation, the bundle is not the current CA alone")
	case f3.bundle != newCA:
		t.Fatal("after step 3, the bundle is not the next CA alone")
	case f2.bundle != f1.bundle || f1.bundle == f0.bundle:
		t.Fatal("steps 1 and 2 do not share a new bundle")
	case f1.server.certPEM != f0.server.certPEM || f1.client.certPEM != f0.client.certPEM:
		t.Fatal("step 1 issued a certificate")
	case f3.server.certPEM != f2.server.certPEM || f3.client.certPEM != f2.client.certPEM:
		t.Fatal("step 3 issued a certificate")
	}
	for _, ca := range []string{oldCA, newCA} {
		if !strings.Contains(f1.bundle, strings.TrimSpace(ca)) {
			t.Fatal("the bundle of steps 1 and 2 lacks a CA")
		}
	}

	dir := t.TempDir()
	clientCerts := map[string]*issued{"old": f0.client, "new": f2.client}
	trust := map[string]string{"old": oldCA, "both": f1.bundle, "new": newCA}
	clients := map[string]acctest.TLSFiles{}
	for certName, cert := range clientCerts {
		for trustName, ca := range trust {
			name := certName + ", " + trustName
			clients[name] = acctest.WriteTLSFiles(t, filepath.Join(dir, certName+"-"+trustName), "client", ca, cert.certPEM, cert.keyPEM)
		}
	}
	// The daemon of each column, and a client it must serve to be ready.
	daemons := []struct {
		caPEM  string
		server *issued
		ready  string
	}{
		{f0.bundle, f0.server, "old, old"},
		{f1.bundle, f1.server, "old, both"},
		{f2.bundle, f2.server, "new, both"},
		{f3.bundle, f3.server, "new, new"},
	}
	// The clients that follow the guide during each step, which the
	// daemons before and after that step must both serve.
	following := [][]string{{"old, old", "old, both"}, {"old, both", "new, both"}, {"new, both", "new, new"}}

	addrs := make([]string, len(daemons))
	var wg sync.WaitGroup
	errs := make([]error, len(daemons))
	for i, d := range daemons {
		wg.Add(1)
		go func() {
			defer wg.Done()
			daemon, err := startRotationDaemon(t, engine, f0, d.caPEM, d.server, clients[d.ready])
			if err != nil {
				errs[i] = fmt.Errorf("the daemon %s: %w", g.columns[i], err)
				return
			}
			addrs[i] = daemon.Addr
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for name, row := range g.table {
		for i, accepted := range row {
			err := acctest.PingPresenting(ctx, addrs[i], "", clients[name])
			switch {
			case accepted && err != nil:
				t.Errorf("client %q, daemon %s: refused (%v), the guide says accepted", name, g.columns[i], err)
			case !accepted && err == nil:
				t.Errorf("client %q, daemon %s: accepted, the guide says refused", name, g.columns[i])
			case !accepted && acctest.ExpectRefusedPresenting(ctx, addrs[i], "", clients[name], refusals...) != nil:
				t.Errorf("client %q, daemon %s: %v", name, g.columns[i], acctest.ExpectRefusedPresenting(ctx, addrs[i], "", clients[name], refusals...))
			}
		}
	}
	for step, names := range following {
		for _, name := range names {
			for _, i := range []int{step, step + 1} {
				if !g.table[name][i] {
					t.Errorf("the guide's table refuses %q, which follows the guide during step %d, at the daemon %s", name, step+1, g.columns[i])
				}
				if out, err := dockerdtest.DockerCLI(ctx, addrs[i], clients[name], "version", "--format", "{{.Server.Version}}"); err != nil || out == "" {
					t.Errorf("docker --tlsverify version, client %q following step %d, daemon %s: %v: %s", name, step+1, g.columns[i], err, out)
				}
			}
		}
	}
}

// TestDaemon_CARotationGuideEmergency: the guide's emergency variant
// replaces a leaked CA in one apply; a daemon with the new files refuses
// every client of the old CA at once, whatever it trusts, and serves the
// new client.
func TestDaemon_CARotationGuideEmergency(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	g := readRotationGuide(t)
	env := newTestEnv(t)
	w := rotationWorkdir(t, env, g, engine.Dockerd)

	before := applyVariables(t, w, "set-up", "", setupActions...)
	after := applyVariables(t, w, "emergency", g.emergency,
		`create dockertls_ca.generation["2026-replacement"]`, `delete dockertls_ca.generation["2026"]`,
		"replace dockertls_client_cert.ci", "replace dockertls_server_cert.docker")
	f0, f1 := readRotationFiles(t, before), readRotationFiles(t, after)
	if f1.bundle != caPEM(t, after, "2026-replacement") {
		t.Fatal("after the emergency apply, the bundle is not the replacement CA alone")
	}

	dir := t.TempDir()
	newClient := acctest.WriteTLSFiles(t, filepath.Join(dir, "new"), "client", f1.bundle, f1.client.certPEM, f1.client.keyPEM)
	daemon, err := startRotationDaemon(t, engine, f0, f1.bundle, f1.server, newClient)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := dockerdtest.DockerCLI(ctx, daemon.Addr, newClient, "version", "--format", "{{.Server.Version}}"); err != nil || out == "" {
		t.Errorf("docker --tlsverify version with the new client: %v: %s", err, out)
	}
	for name, ca := range map[string]string{"the old CA": f0.bundle, "the new CA": f1.bundle} {
		old := acctest.WriteTLSFiles(t, filepath.Join(dir, "old-"+strings.ReplaceAll(name, " ", "-")), "client", ca, f0.client.certPEM, f0.client.keyPEM)
		if err := acctest.ExpectRefusedPresenting(ctx, daemon.Addr, "", old, refusals...); err != nil {
			t.Errorf("an old client trusting %s: %v", name, err)
		}
		if out, err := dockerdtest.DockerCLI(ctx, daemon.Addr, old, "version"); err == nil {
			t.Errorf("the docker CLI with an old client trusting %s was served: %s", name, out)
		}
	}
}

// TestRotationGuide_FromASingleCA: the guide's way into generations keeps a
// CA made as a single resource, and its certificates: the plan only moves
// it and sets early_renewal_hours to 0, in place.
func TestRotationGuide_FromASingleCA(t *testing.T) {
	t.Parallel()
	g := readRotationGuide(t)
	env := newTestEnv(t)
	w := rotationWorkdir(t, env, g, "/usr/bin/dockerd")
	w.SetConfig(`
resource "dockertls_ca" "docker" {}

resource "dockertls_server_cert" "docker" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  dns_names          = []
  ip_addresses       = ["127.0.0.1"]
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  common_name        = "ci"
}
`)
	w.Apply()
	s0 := w.ShowState()
	w.SetConfig(g.setup + rotationTestConfig + g.moved)
	s1 := applyVariables(t, w, "from a single CA", g.fromSingle, `update dockertls_ca.generation["1"]`)
	for _, pair := range [][2]string{
		{"dockertls_ca.docker", `dockertls_ca.generation["1"]`},
		{"dockertls_server_cert.docker", "dockertls_server_cert.docker"},
		{"dockertls_client_cert.ci", "dockertls_client_cert.ci"},
	} {
		a, err := stringAttrs(s0, pair[0], "cert_pem")
		if err != nil {
			t.Fatal(err)
		}
		b, err := stringAttrs(s1, pair[1], "cert_pem")
		if err != nil {
			t.Fatal(err)
		}
		if a["cert_pem"] != b["cert_pem"] {
			t.Errorf("%s was issued again as %s", pair[0], pair[1])
		}
	}
	if res := w.Run("plan", "-detailed-exitcode"); res.ExitCode != 0 {
		t.Errorf("the plan after the move exits %d, want 0\n%s", res.ExitCode, res)
	}
}

// TestRotationGuide_CheckWarnsAYearAhead: the guide's check block is silent
// while every CA has more than a year left and warns, in every plan, once
// one has less. The provider's clock starts nine and a half years ago, so
// a new ten-year CA has half a year left by Terraform's own clock.
func TestRotationGuide_CheckWarnsAYearAhead(t *testing.T) {
	t.Parallel()
	g := readRotationGuide(t)
	for _, tc := range []struct {
		name  string
		start time.Time
		want  string
	}{
		{"ten years left", time.Now(), ""},
		{"half a year left", time.Now().AddDate(-9, -6, 0), "A trusted CA expires at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnvAt(t, tc.start)
			w := rotationWorkdir(t, env, g, "/usr/bin/dockerd")
			w.Apply()
			plan := w.Run("plan", "-json")
			if plan.ExitCode != 0 {
				t.Fatalf("plan exits %d\n%s", plan.ExitCode, plan)
			}
			got := plan.Warnings()
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("the plan warns %q, want nothing", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want) || !strings.Contains(got[0], "Rotating the CA without locking anyone out")):
				t.Errorf("the plan warns %q, want one warning containing %q that names the guide", got, tc.want)
			}
		})
	}
}

// TestRotationGuide_ContextsKeepCopies: a docker context made with
// docker_context_command holds copies of ca.pem, cert.pem and key.pem taken
// when the command ran, so deploying new files does not reach a client that
// uses a context: it keeps its old certificate and old ca.pem and is
// refused after step 2. The guide (and the client config's docs) must say
// how to refresh the context, with a command that works on the context in
// use, which a plain `docker context rm` refuses to remove.
func TestRotationGuide_ContextsKeepCopies(t *testing.T) {
	t.Parallel()
	docker := acctest.RequireTool(t, "docker", "its context store is what the guide must account for")
	dir := t.TempDir()
	env := append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(dir, "config"))
	run := func(args ...string) (string, error) {
		cmd := exec.Command(docker, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	issueCA := func(name string) *pki.Certificate {
		ca, err := pki.Issue(pki.Request{Profile: pki.ProfileCA, KeyAlgorithm: pki.ECDSAP256, CommonName: name, Validity: time.Hour}, nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return ca
	}
	write := func(ca *pki.Certificate) {
		for name, text := range map[string]string{"ca.pem": ca.CertPEM, "cert.pem": ca.CertPEM, "key.pem": ca.PrivateKeyPEM} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	value := fmt.Sprintf("host=tcp://127.0.0.1:2376,ca=%[1]s/ca.pem,cert=%[1]s/cert.pem,key=%[1]s/key.pem", dir)
	stored := func() string {
		path, err := run("context", "inspect", "rotation", "--format", "{{.Storage.TLSPath}}")
		if err != nil {
			t.Fatalf("docker context inspect: %v\n%s", err, path)
		}
		return readFileString(t, filepath.Join(strings.TrimSpace(path), "docker", "ca.pem"))
	}
	old, next := issueCA("old"), issueCA("next")
	write(old)
	for _, args := range [][]string{{"context", "create", "rotation", "--docker", value}, {"context", "use", "rotation"}} {
		if out, err := run(args...); err != nil {
			t.Fatalf("docker %q: %v\n%s", args, err, out)
		}
	}
	write(next)
	if stored() != old.CertPEM {
		t.Fatal("the context does not hold its own copy of ca.pem: the guide's warning is moot")
	}
	if out, err := run("context", "rm", "rotation"); err == nil {
		t.Fatalf("docker context rm removed the context in use: %s", out)
	}
	for _, args := range [][]string{{"context", "rm", "-f", "rotation"}, {"context", "create", "rotation", "--docker", value}} {
		if out, err := run(args...); err != nil {
			t.Fatalf("docker %q: %v\n%s", args, err, out)
		}
	}
	if stored() != next.CertPEM {
		t.Fatal("docker context rm -f and docker_context_command again did not take the new ca.pem")
	}

	// Words compared across the guide's line breaks.
	guide := strings.Join(strings.Fields(readFileString(t, rotationGuideFile)), " ")
	for _, want := range []string{"docker_context_command", "`docker context rm -f NAME`", "context store"} {
		if !strings.Contains(guide, want) {
			t.Errorf("the guide does not tell context users to refresh their context: it lacks %q", want)
		}
	}
	if doc := readFileString(t, "../../templates/data-sources/client_config.md.tmpl"); !strings.Contains(doc, "`docker context rm -f NAME`") {
		t.Error("the client config's docs tell to run docker context rm without -f, which fails on the context in use")
	}
}

// TestRotationGuide_FromASingleCANamesEveryArgument: moving a CA into
// generations keeps it only if the generations' resource sets every
// argument the old one set; a key_algorithm, organization or validity left
// behind replaces the CA, and with it every certificate, in the same apply:
// the flag day the guide exists to avoid, with no renewal warning to stop
// it. The guide's way in must name every optional argument that issues a
// new certificate when it changes, as the schema has them.
func TestRotationGuide_FromASingleCANamesEveryArgument(t *testing.T) {
	t.Parallel()
	text := readFileString(t, rotationGuideFile)
	start := strings.Index(text, "## Coming from a single `dockertls_ca`")
	if start < 0 {
		t.Fatal("the guide has no section \"Coming from a single `dockertls_ca`\"")
	}
	section := text[start:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	var resp fwresource.SchemaResponse
	NewCAResource().Schema(context.Background(), fwresource.SchemaRequest{}, &resp)
	for name, a := range resp.Schema.Attributes {
		if !a.IsOptional() || name == "early_renewal_hours" {
			continue
		}
		if !strings.Contains(section, "`"+name+"`") {
			t.Errorf("the guide's way in from a single CA does not say to carry over `%s`, which replaces the CA when it differs", name)
		}
	}
}
