package acctest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// Workdir runs the real terraform binary on a configuration in a temporary
// directory, with a provider served in-process: for what
// terraform-plugin-testing cannot assert (exit codes of `-detailed-exitcode`,
// warnings such as failed `check` blocks, the `-json` UI stream).
//
// Each Run starts a fresh provider server from the factory (as terraform
// starts a fresh plugin process per command), hands it to terraform through
// TF_REATTACH_PROVIDERS, and stops it when the command ends. The factory is
// where a test injects its clock: a fake clock shared by every server the
// factory makes moves time for the next command.
type Workdir struct {
	t       *testing.T
	dir     string
	bin     string
	name    string
	factory func() (tfprotov6.ProviderServer, error)
	env     []string
}

// NewWorkdir makes an empty working directory for the provider called name
// (the type prefix, e.g. "dockertls"), served from factory. Configurations
// may give its source as hashicorp/NAME (implied when required_providers is
// omitted) or NAME/NAME. It fails the test in CI, or skips it elsewhere, when
// terraform is missing.
func NewWorkdir(t *testing.T, name string, factory func() (tfprotov6.ProviderServer, error)) *Workdir {
	t.Helper()
	RequireTerraform(t)
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("terraform"); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	// An empty CLI configuration: no dev_overrides, plugin cache or
	// credentials from the machine's ~/.terraformrc change what runs.
	rc := filepath.Join(dir, ".terraformrc")
	if err := os.WriteFile(rc, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return &Workdir{
		t: t, dir: dir, bin: bin, name: name, factory: factory,
		env: []string{
			"TF_CLI_CONFIG_FILE=" + rc,
			"CHECKPOINT_DISABLE=1",
			"TF_IN_AUTOMATION=1",
		},
	}
}

// Dir is the working directory; terraform's state file lives there.
func (w *Workdir) Dir() string { return w.dir }

// Setenv adds an environment variable for every later Run (TF_LOG=trace,
// TF_VAR_x, ...).
func (w *Workdir) Setenv(key, value string) { w.env = append(w.env, key+"="+value) }

// SetConfig replaces the configuration with one main.tf.
func (w *Workdir) SetConfig(hcl string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(hcl), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// Result is one terraform command's outcome.
type Result struct {
	Args []string // the command line, program first

	ExitCode int
	Stdout   string
	Stderr   string
	// Messages is stdout parsed as terraform's machine-readable UI (one
	// JSON object per line), when the command ran with -json.
	Messages []Message
}

// Message is one line of terraform's `-json` UI stream. Only the fields the
// tests use are decoded; Type says which of them is set.
type Message struct {
	Level      string         `json:"@level"`
	Text       string         `json:"@message"`
	Type       string         `json:"type"`
	Diagnostic *Diagnostic    `json:"diagnostic,omitempty"`
	Change     *ChangeMessage `json:"change,omitempty"`
	Changes    *ChangeSummary `json:"changes,omitempty"`
}

// Diagnostic is a "diagnostic" message's body: severity is "error" or
// "warning".
type Diagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
	Address  string `json:"address,omitempty"`
}

// ChangeMessage is the body of "planned_change" and "resource_drift"
// messages.
type ChangeMessage struct {
	Resource struct {
		Addr string `json:"addr"`
	} `json:"resource"`
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
}

// ChangeSummary is a "change_summary" message's body.
type ChangeSummary struct {
	Add       int    `json:"add"`
	Change    int    `json:"change"`
	Import    int    `json:"import"`
	Remove    int    `json:"remove"`
	Operation string `json:"operation"`
}

// Diagnostics returns the diagnostics of the given severity ("error",
// "warning") from the -json stream.
func (r Result) Diagnostics(severity string) []Diagnostic {
	var out []Diagnostic
	for _, m := range r.Messages {
		if m.Type == "diagnostic" && m.Diagnostic != nil && m.Diagnostic.Severity == severity {
			out = append(out, *m.Diagnostic)
		}
	}
	return out
}

// Warnings returns the warnings of the -json stream, each as
// "summary: detail", for tests that look for words in either.
func (r Result) Warnings() []string {
	var out []string
	for _, d := range r.Diagnostics("warning") {
		out = append(out, d.Summary+": "+d.Detail)
	}
	return out
}

// Drift returns the "resource_drift" entries: resources whose refreshed
// state differs from the prior state.
func (r Result) Drift() []ChangeMessage { return r.changes("resource_drift") }

// PlannedChanges returns the "planned_change" entries.
func (r Result) PlannedChanges() []ChangeMessage { return r.changes("planned_change") }

func (r Result) changes(typ string) []ChangeMessage {
	var out []ChangeMessage
	for _, m := range r.Messages {
		if m.Type == typ && m.Change != nil {
			out = append(out, *m.Change)
		}
	}
	return out
}

// Summary returns the "change_summary" message, or nil if there was none.
func (r Result) Summary() *ChangeSummary {
	for _, m := range r.Messages {
		if m.Type == "change_summary" {
			return m.Changes
		}
	}
	return nil
}

// String is the command and its output, for failure messages.
func (r Result) String() string {
	return fmt.Sprintf("%s: exit %d\n--- stdout\n%s\n--- stderr\n%s",
		strings.Join(r.Args, " "), r.ExitCode, r.Stdout, r.Stderr)
}

// Run runs terraform with args in the working directory, with a fresh
// provider server, and returns whatever the exit code; only a failure to run
// at all fails the test. "-input=false" and "-no-color" are added where
// terraform accepts them. Stdout is parsed as the -json stream when args
// hold -json.
func (w *Workdir) Run(args ...string) Result {
	w.t.Helper()
	args = withAutomationFlags(args)
	res := w.Exec(w.bin, args...)
	res.Args = append([]string{"terraform"}, args...)
	if hasFlag(args, "-json") {
		res.Messages = parseMessages(w.t, res.Stdout)
	}
	return res
}

// Exec runs any program in the working directory as Run runs terraform:
// with the provider served, TF_REATTACH_PROVIDERS and the Workdir's
// environment set, and TERRAFORM naming the terraform binary. It is for
// scripts that drive terraform themselves; every terraform command they run
// attaches to the same provider server.
func (w *Workdir) Exec(name string, args ...string) Result {
	w.t.Helper()
	reattach, stop := w.serve()
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = w.dir
	cmd.Env = append(append(os.Environ(), w.env...),
		"TF_REATTACH_PROVIDERS="+reattach, "TERRAFORM="+w.bin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Args: append([]string{name}, args...), Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	default:
		w.t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return res
}

// MustRun is Run that fails the test unless terraform exits 0.
func (w *Workdir) MustRun(args ...string) Result {
	w.t.Helper()
	res := w.Run(args...)
	if res.ExitCode != 0 {
		w.t.Fatal(res.String())
	}
	return res
}

// Init runs `terraform init`; Apply runs `terraform apply -auto-approve`.
// Both fail the test on a non-zero exit.
func (w *Workdir) Init() Result { w.t.Helper(); return w.MustRun("init") }

// Apply runs `terraform apply -auto-approve` and fails the test unless it
// succeeds.
func (w *Workdir) Apply() Result { w.t.Helper(); return w.MustRun("apply", "-auto-approve") }

// ShowPlan decodes a saved plan file with `terraform show -json`.
func (w *Workdir) ShowPlan(planFile string) *tfjson.Plan {
	w.t.Helper()
	res := w.MustRun("show", "-json", planFile)
	var plan tfjson.Plan
	if err := json.Unmarshal([]byte(res.Stdout), &plan); err != nil {
		w.t.Fatalf("terraform show -json %s: %v", planFile, err)
	}
	return &plan
}

// ShowState decodes the state with `terraform show -json`.
func (w *Workdir) ShowState() *tfjson.State {
	w.t.Helper()
	res := w.MustRun("show", "-json")
	var state tfjson.State
	if err := json.Unmarshal([]byte(res.Stdout), &state); err != nil {
		w.t.Fatalf("terraform show -json: %v", err)
	}
	return &state
}

// serve starts one provider server and returns TF_REATTACH_PROVIDERS for it
// and a function that stops it and waits until it has.
func (w *Workdir) serve() (string, func()) {
	w.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	configCh := make(chan *plugin.ReattachConfig, 1)
	closeCh := make(chan struct{})
	var (
		mu         sync.Mutex
		factoryErr error
	)
	serveErr := make(chan error, 1)
	go func() {
		serveErr <- tf6server.Serve(providerHost()+"/"+w.name+"/"+w.name, func() tfprotov6.ProviderServer {
			srv, err := w.factory()
			if err != nil {
				mu.Lock()
				factoryErr = err
				mu.Unlock()
				return srv
			}
			return &configureSerialized{ProviderServer: srv}
		},
			tf6server.WithDebug(ctx, configCh, closeCh),
			tf6server.WithGoPluginLogger(hclog.New(&hclog.LoggerOptions{Output: io.Discard})),
			// The provider's own logs follow TF_LOG, TF_LOG_PATH and
			// TF_ACC_LOG_PATH of the test process, as under
			// terraform-plugin-testing, instead of going to its stderr.
			tf6server.WithLoggingSink(w.t),
		)
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-configCh:
	case err := <-serveErr:
		cancel()
		w.t.Fatalf("serving the provider: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		w.t.Fatal("serving the provider: no reattach configuration after 30s")
	}
	if cfg == nil {
		cancel()
		w.t.Fatal("serving the provider: nil reattach configuration")
	}
	// The JSON form terraform reads (the same as terraform-exec's
	// ReattachConfig), once for each source address a configuration may use.
	type addr struct{ Network, String string }
	type reattach struct {
		Protocol        string
		ProtocolVersion int
		Pid             int
		Test            bool
		Addr            addr
	}
	entry := reattach{
		Protocol: string(cfg.Protocol), ProtocolVersion: cfg.ProtocolVersion,
		Pid: cfg.Pid, Test: cfg.Test,
		Addr: addr{Network: cfg.Addr.Network(), String: cfg.Addr.String()},
	}
	all := map[string]reattach{}
	for _, ns := range []string{"hashicorp", w.name} {
		all[providerHost()+"/"+ns+"/"+w.name] = entry
	}
	b, err := json.Marshal(all)
	if err != nil {
		cancel()
		w.t.Fatal(err)
	}
	return string(b), func() {
		cancel()
		<-closeCh
		mu.Lock()
		defer mu.Unlock()
		if factoryErr != nil {
			w.t.Errorf("provider factory: %v", factoryErr)
		}
	}
}

func parseMessages(t testing.TB, stdout string) []Message {
	t.Helper()
	var out []Message
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var m Message
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("terraform -json printed a line that is not JSON: %q: %v", line, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func hasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag {
			return true
		}
	}
	return false
}

// withAutomationFlags adds -input=false and -no-color to the commands that
// take them, after the subcommand.
func withAutomationFlags(args []string) []string {
	if len(args) == 0 {
		return args
	}
	var extra []string
	switch args[0] {
	case "init", "plan", "apply", "refresh", "import", "destroy":
		extra = append(extra, "-input=false", "-no-color")
	case "show", "output", "validate":
		extra = append(extra, "-no-color")
	}
	out := append([]string{args[0]}, extra...)
	return append(out, args[1:]...)
}

// providerHost is the registry host that configurations' provider sources
// imply: registry.terraform.io for Terraform, registry.opentofu.org for
// OpenTofu, which terraform-plugin-testing is told with TF_ACC_PROVIDER_HOST.
func providerHost() string {
	if h := os.Getenv("TF_ACC_PROVIDER_HOST"); h != "" {
		return h
	}
	return "registry.terraform.io"
}
