package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/clientconfig"
	"github.com/dockertls/terraform-provider-dockertls/internal/daemonconfig"
	"github.com/dockertls/terraform-provider-dockertls/internal/dockerdtest"
)

// dockerHostModuleConfig calls examples/modules/docker-host, by a relative
// path from the working directory, as a root module would.
func dockerHostModuleConfig(t *testing.T, w *acctest.Workdir, inputs string) string {
	t.Helper()
	abs, err := filepath.Abs("../../examples/modules/docker-host")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(w.Dir(), abs)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`
resource "dockertls_ca" "docker" {}

module "host" {
  source             = %q
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
%s
}

output "cloud_init" {
  value     = module.host.cloud_init
  sensitive = true
}

output "client_env" { value = module.host.client_env }

output "client_env_shell" { value = module.host.client_env_shell }

output "client_files" {
  value     = module.host.client_files
  sensitive = true
}

output "endpoint" { value = module.host.endpoint }

output "server_cert_fingerprint_sha256" { value = module.host.server_cert_fingerprint_sha256 }
`, rel, inputs)
}

// cloudConfig is the part of cloud-init's #cloud-config schema the module
// writes; parsing rejects any other key.
type cloudConfig struct {
	WriteFiles []struct {
		Path        string `yaml:"path"`
		Owner       string `yaml:"owner"`
		Permissions string `yaml:"permissions"`
		Content     string `yaml:"content"`
	} `yaml:"write_files"`
	RunCmd [][]string `yaml:"runcmd"`
}

// parseCloudInit checks the module's user data as cloud-init reads it: the
// "#cloud-config" header line, YAML with only the keys the module means,
// absolute paths written once each, octal modes (keys 0400, certificates
// 0444), and the commands that make systemd and dockerd read the new files.
// It returns the files by path with their modes.
func parseCloudInit(text string) (hostFiles, map[string]os.FileMode, error) {
	body, ok := strings.CutPrefix(text, "#cloud-config\n")
	if !ok {
		return nil, nil, fmt.Errorf("the user data does not start with the line #cloud-config: %.40q", text)
	}
	var cc cloudConfig
	dec := yaml.NewDecoder(strings.NewReader(body))
	dec.KnownFields(true)
	if err := dec.Decode(&cc); err != nil {
		return nil, nil, fmt.Errorf("cloud-config YAML: %w", err)
	}
	files, modes := hostFiles{}, map[string]os.FileMode{}
	for _, f := range cc.WriteFiles {
		if !filepath.IsAbs(f.Path) {
			return nil, nil, fmt.Errorf("write_files path %q is not absolute", f.Path)
		}
		if _, dup := files[f.Path]; dup {
			return nil, nil, fmt.Errorf("write_files writes %s twice", f.Path)
		}
		if f.Owner != "root:root" {
			return nil, nil, fmt.Errorf("%s: owner %q, want root:root", f.Path, f.Owner)
		}
		var mode os.FileMode
		if _, err := fmt.Sscanf(f.Permissions, "0%o", &mode); err != nil || len(f.Permissions) != 4 {
			return nil, nil, fmt.Errorf("%s: permissions %q is not a four-digit octal mode", f.Path, f.Permissions)
		}
		files[f.Path], modes[f.Path] = f.Content, mode
	}
	want := [][]string{{"systemctl", "daemon-reload"}, {"systemctl", "restart", "docker"}}
	if !reflect.DeepEqual(cc.RunCmd, want) {
		return nil, nil, fmt.Errorf("runcmd is %q, want %q", cc.RunCmd, want)
	}
	return files, modes, nil
}

// outputJSON reads the root module's outputs, sensitive ones included, from
// the state.
func outputJSON(t *testing.T, w *acctest.Workdir) map[string]json.RawMessage {
	t.Helper()
	s := w.ShowState()
	if s.Values == nil {
		t.Fatal("the state has no values")
	}
	values := make(map[string]json.RawMessage, len(s.Values.Outputs))
	for k, o := range s.Values.Outputs {
		b, err := json.Marshal(o.Value)
		if err != nil {
			t.Fatal(err)
		}
		values[k] = b
	}
	return values
}

func decodeOutput(t *testing.T, outs map[string]json.RawMessage, name string, v any) {
	t.Helper()
	if err := json.Unmarshal(outs[name], v); err != nil {
		t.Fatalf("output %s: %v", name, err)
	}
}

// TestDockerHostModule applies examples/modules/docker-host as a module
// author's caller would, then deploys exactly what its cloud-init writes (the
// YAML parsed, not the resources' attributes) to a real dockerd, started with
// the drop-in's command. The module's client files and environment then let
// the real docker CLI reach the daemon, its endpoint output says the daemon
// serves the state's certificate, and a second plan changes nothing and
// fails no check. Before the daemon exists, and after the certificate is
// renewed but not redeployed, its check warns and the plan still succeeds.
func TestDockerHostModule(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	env := newTestEnv(t)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	clientDir := filepath.Join(t.TempDir(), "docker")
	inputs := func(clientHost string) string {
		return fmt.Sprintf(`  dns_names          = ["docker.example.com"]
  ip_addresses       = ["127.0.0.1"]
  client_host        = %q
  dockerd_path       = %q
  containerd_address = ""
  client_cert_path   = %q`, clientHost, engine.Dockerd, clientDir)
	}
	w.SetConfig(dockerHostModuleConfig(t, w, inputs("tcp://"+acctest.ClosedPort(t))))
	w.Init()
	w.Apply()
	others := planWarnings(t, w, "before the host exists", []string{notVerified, "connection refused"})
	expectPortWarning(t, others)

	outs := outputJSON(t, w)
	var cloudInit, fingerprint string
	decodeOutput(t, outs, "cloud_init", &cloudInit)
	decodeOutput(t, outs, "server_cert_fingerprint_sha256", &fingerprint)
	files, modes, err := parseCloudInit(cloudInit)
	if err != nil {
		t.Fatal(err)
	}
	wantModes := map[string]os.FileMode{
		"/etc/docker/tls/ca.pem":          0o444,
		"/etc/docker/tls/server-cert.pem": 0o444,
		"/etc/docker/tls/server-key.pem":  0o400,
		"/etc/docker/daemon.json":         0o644,
		daemonconfig.SystemdDropinPath:    0o644,
	}
	if !reflect.DeepEqual(modes, wantModes) {
		t.Errorf("cloud-init writes %v, want %v", modes, wantModes)
	}
	served, err := acctest.ParseCertificate(files["/etc/docker/tls/server-cert.pem"])
	if err != nil {
		t.Fatal(err)
	}
	if got := acctest.Fingerprint(served); got != fingerprint {
		t.Errorf("cloud-init's server-cert.pem has fingerprint %s, the module outputs %s", got, fingerprint)
	}
	d, err := startDaemonFromFiles(t, engine, files, "/etc/docker/daemon.json", daemonconfig.SystemdDropinPath)
	if err != nil {
		t.Fatal(err)
	}

	// Aim the clients at the daemon's published port and write the files
	// the module gives them, with Docker's modes.
	w.SetConfig(dockerHostModuleConfig(t, w, inputs("tcp://"+d.Addr)))
	w.Apply()
	outs = outputJSON(t, w)
	var clientEnv, clientFiles map[string]string
	decodeOutput(t, outs, "client_env", &clientEnv)
	decodeOutput(t, outs, "client_files", &clientFiles)
	if clientEnv["DOCKER_HOST"] != "tcp://"+d.Addr || clientEnv["DOCKER_CERT_PATH"] != clientDir || clientEnv["DOCKER_TLS_VERIFY"] != "1" {
		t.Fatalf("client_env = %v", clientEnv)
	}
	var envShell string
	decodeOutput(t, outs, "client_env_shell", &envShell)
	if want := clientconfig.ExportCommand(clientconfig.ClientEnv("tcp://"+d.Addr, clientDir)); envShell != want {
		t.Errorf("client_env_shell = %s, want %s", envShell, want)
	}
	if err := os.MkdirAll(clientDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for path, content := range clientFiles {
		mode := os.FileMode(0o444)
		if filepath.Base(path) == "key.pem" {
			mode = 0o400
		}
		if filepath.Dir(path) != clientDir {
			t.Fatalf("client_files has %s, outside client_cert_path %s", path, clientDir)
		}
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	tlsFiles := acctest.TLSFiles{CA: filepath.Join(clientDir, "ca.pem"), Cert: filepath.Join(clientDir, "cert.pem"), Key: filepath.Join(clientDir, "key.pem")}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := d.WaitForTLS(ctx, tlsFiles); err != nil {
		t.Fatal(err)
	}
	if out, err := dockerWithEnv(ctx, clientEnv, "version", "--format", "{{.Server.Version}}"); err != nil || out == "" {
		t.Errorf("docker version with the module's client_env and client_files: %v: %s", err, out)
	}

	expectPortWarning(t, planWarnings(t, w, "the host deployed"))
	// The apply above read the endpoint before this daemon had started;
	// refresh reads it again.
	w.MustRun("apply", "-auto-approve", "-refresh-only")
	var endpoint map[string]any
	decodeOutput(t, outputJSON(t, w), "endpoint", &endpoint)
	if endpoint["verified"] != true || endpoint["serves_current_certificate"] != true || endpoint["server_cert_fingerprint"] != fingerprint || endpoint["docker_version"] == nil {
		t.Errorf("the endpoint output is %v, want the daemon verified, serving %s", endpoint, fingerprint)
	}

	// Renewed in the state, the host not given the new cloud-init: the
	// module's check names both certificates.
	w.MustRun("apply", "-auto-approve", "-replace=module.host.dockertls_server_cert.this")
	var renewed string
	decodeOutput(t, outputJSON(t, w), "server_cert_fingerprint_sha256", &renewed)
	expectPortWarning(t, planWarnings(t, w, "renewed, not redeployed",
		[]string{servesAnother + " " + fingerprint + ", the state holds " + renewed, "give the host the new cloud_init"}))
}

// expectPortWarning: the test's daemon is published on a random port, which
// dockertls_client_config rightly warns is not 2376.
func expectPortWarning(t *testing.T, warns []acctest.Diagnostic) {
	t.Helper()
	if len(warns) != 1 || warns[0].Summary != "Not Docker's TLS port" {
		t.Errorf("besides the checks, the plan warns %+v; want only that the test's port is not 2376", warns)
	}
}

// dockerWithEnv runs the real docker CLI with only the given DOCKER_*
// variables (and its own empty configuration directory).
func dockerWithEnv(ctx context.Context, env map[string]string, args ...string) (string, error) {
	docker, err := exec.LookPath("docker")
	if err != nil {
		return "", err
	}
	configDir, err := os.MkdirTemp("", "dockertls-cli-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(configDir)
	cmd := exec.CommandContext(ctx, docker, args...)
	cmd.Env = []string{"DOCKER_CONFIG=" + configDir, "HOME=" + configDir, "PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// TestDockerHostModule_NeedsANameOrAddress: without dns_names and
// ip_addresses the module stops at plan, naming both inputs.
func TestDockerHostModule_NeedsANameOrAddress(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	w.SetConfig(dockerHostModuleConfig(t, w, ""))
	w.Init()
	res := w.Run("plan")
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "at least one name in dns_names or one address in ip_addresses") {
		t.Errorf("want the plan to fail naming dns_names and ip_addresses:\n%s", res)
	}
}

// TestDockerHostModule_TrustsABundle: during a CA rotation the module's
// trusted_ca_pem puts the bundle in the host's ca.pem and in the client's,
// while the certificates still come from ca_cert_pem; a bundle without the
// signing CA fails the plan, naming the client certificate.
func TestDockerHostModule_TrustsABundle(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	const next = `
resource "dockertls_ca" "next" { common_name = "Next CA" }

data "dockertls_ca_bundle" "both" {
  ca_cert_pems = [dockertls_ca.docker.cert_pem, dockertls_ca.next.cert_pem]
}
`
	inputs := func(trusted string) string {
		return `  dns_names          = ["docker.example.com"]
  containerd_address = ""
  client_cert_path   = "/home/ci/.docker"
  trusted_ca_pem     = ` + trusted
	}
	w.SetConfig(dockerHostModuleConfig(t, w, inputs("data.dockertls_ca_bundle.both.bundle_pem")) + next)
	w.Init()
	w.Apply()
	bundle, err := stringAttrs(w.ShowState(), "data.dockertls_ca_bundle.both", "bundle_pem")
	if err != nil {
		t.Fatal(err)
	}
	outs := outputJSON(t, w)
	var cloudInit string
	var clientFiles map[string]string
	decodeOutput(t, outs, "cloud_init", &cloudInit)
	decodeOutput(t, outs, "client_files", &clientFiles)
	files, _, err := parseCloudInit(cloudInit)
	if err != nil {
		t.Fatal(err)
	}
	if files["/etc/docker/tls/ca.pem"] != bundle["bundle_pem"] || clientFiles["/home/ci/.docker/ca.pem"] != bundle["bundle_pem"] {
		t.Errorf("the host's and the client's ca.pem are not the bundle:\n%s\n%s", files["/etc/docker/tls/ca.pem"], clientFiles["/home/ci/.docker/ca.pem"])
	}

	w.SetConfig(dockerHostModuleConfig(t, w, inputs("dockertls_ca.next.cert_pem")) + next)
	res := w.Run("plan")
	if res.ExitCode != 1 || !errorPattern(`was not signed by the CA "Next CA" in ca_cert_pem`).MatchString(res.Stderr) {
		t.Errorf("a trusted ca.pem without the signing CA: want the plan to fail naming it\n%s", res)
	}
}
