package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/daemonconfig"
	"github.com/dockertls/terraform-provider-dockertls/internal/dockerdtest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// daemonConfigHCL is a CA, a server certificate for 127.0.0.1, a client,
// another CA's client, and the daemon configuration, with extra settings
// the test can see take effect (a label). serverIPs lets a test give the
// server certificate addresses that miss the one clients dial.
func daemonPKIConfig(alg, serverIPs string) string {
	return fmt.Sprintf(`
variable "dockerd" { type = string }

resource "dockertls_ca" "test" {
  key_algorithm = %[1]q
}

resource "dockertls_server_cert" "test" {
  key_algorithm      = %[1]q
  ca_cert_pem        = dockertls_ca.test.cert_pem
  ca_private_key_pem = dockertls_ca.test.private_key_pem
  ip_addresses       = %[2]s
}

resource "dockertls_client_cert" "test" {
  key_algorithm      = %[1]q
  ca_cert_pem        = dockertls_ca.test.cert_pem
  ca_private_key_pem = dockertls_ca.test.private_key_pem
}

data "dockertls_daemon_config" "test" {
  # Debian's docker.io: its own path, and dockerd starts its own containerd.
  dockerd_path        = var.dockerd
  containerd_address  = ""
  server_cert_pem     = dockertls_server_cert.test.cert_pem
  extra_settings_json = jsonencode({ labels = ["dockertls-test=%[1]s"], "log-level" = "warn" })
}
`+otherCAConfig, alg, serverIPs)
}

// deployed is a daemon started from the state, with client files for it.
type deployed struct {
	daemon              *dockerdtest.Daemon
	client, other, none acctest.TLSFiles
}

// deploy writes the state's certificates with Docker's names and modes and
// starts dockerd exactly as the rendered systemd drop-in's ExecStart would,
// with the rendered daemon.json. waitForTLS is false when the test expects
// the client to refuse the daemon.
func deploy(t *testing.T, engine *dockerdtest.Engine, s *tfjson.State, waitForTLS bool) (*deployed, error) {
	leaves, err := readLeaves(s)
	if err != nil {
		return nil, err
	}
	return deployLeaves(t, engine, s, leaves, waitForTLS)
}

// deployLeaves is deploy with the leaves given, wherever the state holds
// them (a bulk resource's entries, say).
func deployLeaves(t *testing.T, engine *dockerdtest.Engine, s *tfjson.State, leaves *testLeaves, waitForTLS bool) (*deployed, error) {
	cfg, err := stringAttrs(s, daemonConfig, "daemon_json", "systemd_dropin", "cert_dir", "config_file")
	if err != nil {
		return nil, err
	}
	command, err := execStart(cfg["systemd_dropin"])
	if err != nil {
		return nil, err
	}
	ca, err := readIssued(s, "dockertls_ca.test")
	if err != nil {
		return nil, err
	}
	server, client, other := leaves.server, leaves.client, leaves.otherClient
	dir := t.TempDir()
	d := &deployed{
		client: acctest.WriteTLSFiles(t, filepath.Join(dir, "client"), "client", ca.certPEM, client.certPEM, client.keyPEM),
		other:  acctest.WriteTLSFiles(t, filepath.Join(dir, "other"), "client", ca.certPEM, other.certPEM, other.keyPEM),
		none:   acctest.WriteTLSFiles(t, filepath.Join(dir, "none"), "client", ca.certPEM, "", ""),
	}
	serverFiles := acctest.WriteTLSFiles(t, filepath.Join(dir, "daemon"), "server", ca.certPEM, server.certPEM, server.keyPEM)
	d.daemon = engine.Start(t, dockerdtest.Spec{
		TLSDir:     filepath.Dir(serverFiles.CA),
		CertDir:    cfg["cert_dir"],
		DaemonJSON: cfg["daemon_json"],
		ConfigFile: cfg["config_file"],
		Command:    command,
		Port:       2376,
	})
	if waitForTLS {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		if err := d.daemon.WaitForTLS(ctx, d.client); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// execStart returns the command of the drop-in's last ExecStart= line.
func execStart(dropin string) ([]string, error) {
	var command []string
	for _, line := range strings.Split(dropin, "\n") {
		if rest, ok := strings.CutPrefix(line, "ExecStart="); ok && rest != "" {
			command = strings.Fields(rest)
		}
	}
	if len(command) == 0 {
		return nil, fmt.Errorf("no command in the drop-in:\n%s", dropin)
	}
	return command, nil
}

// proveDaemon checks a deployed daemon from every side: the docker CLI and
// a go-connections client are served; no client certificate, another CA's
// client and plain HTTP are refused; the extra settings took effect.
func proveDaemon(d *deployed, wantLabel string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var errs []error
	if out, err := dockerdtest.DockerCLI(ctx, d.daemon.Addr, d.client, "version", "--format", "{{.Server.Version}}"); err != nil || out == "" {
		errs = append(errs, fmt.Errorf("docker --tlsverify version: %v: %s", err, out))
	}
	if out, err := dockerdtest.DockerCLI(ctx, d.daemon.Addr, d.client, "info", "--format", "{{json .Labels}}"); err != nil || !strings.Contains(out, wantLabel) {
		errs = append(errs, fmt.Errorf("docker --tlsverify info: labels %s (%v), want %q from extra_settings_json", out, err, wantLabel))
	}
	if err := acctest.Ping(ctx, d.daemon.Addr, "", d.client); err != nil {
		errs = append(errs, fmt.Errorf("go-connections client: %w", err))
	}
	if err := acctest.ExpectRefused(ctx, d.daemon.Addr, "", d.none, "certificate required", "bad certificate"); err != nil {
		errs = append(errs, fmt.Errorf("without a client certificate: %w", err))
	}
	if err := acctest.ExpectRefused(ctx, d.daemon.Addr, "", d.other, "certificate required", "bad certificate", "unknown certificate authority"); err != nil {
		errs = append(errs, fmt.Errorf("another CA's client: %w", err))
	}
	if err := acctest.ExpectRefusedPresenting(ctx, d.daemon.Addr, "", d.other, "bad certificate", "unknown certificate authority"); err != nil {
		errs = append(errs, fmt.Errorf("another CA's client presenting its certificate anyway: %w", err))
	}
	if out, err := dockerdtest.DockerCLI(ctx, d.daemon.Addr, d.other, "version"); err == nil {
		errs = append(errs, fmt.Errorf("the docker CLI with another CA's client certificate was served: %s", out))
	}
	if err := expectPlainHTTPRefused(ctx, d.daemon.Addr); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// expectPlainHTTPRefused sends the Engine API's ping in clear text, as a
// client aimed at a port-2375 daemon would.
func expectPlainHTTPRefused(ctx context.Context, addr string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/_ping", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil // the connection was refused or closed: good
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode == http.StatusOK {
		return fmt.Errorf("plain HTTP was served: %s %q", resp.Status, body)
	}
	return nil
}

func dockerdVariables(engine *dockerdtest.Engine) config.Variables {
	return config.Variables{"dockerd": config.StringVariable(engine.Dockerd)}
}

// TestDaemon_EveryKeyAlgorithmServesADaemon deploys each algorithm's PKI and
// rendered configuration to a real dockerd and proves it from every side.
func TestDaemon_EveryKeyAlgorithmServesADaemon(t *testing.T) {
	t.Parallel()
	for _, alg := range pki.KeyAlgorithmNames() {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			engine := dockerdtest.Require(t)
			env := newTestEnv(t)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories,
				Steps: []resource.TestStep{{
					Config:          daemonPKIConfig(alg, `["127.0.0.1"]`),
					ConfigVariables: dockerdVariables(engine),
					ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
						d, err := deploy(t, engine, s, true)
						if err != nil {
							return err
						}
						return proveDaemon(d, "dockertls-test="+alg)
					})},
				}},
			})
		})
	}
}

// TestDaemon_SANsMissingTheDialledAddress: a daemon whose certificate does
// not name 127.0.0.1 is refused by the docker CLI and by go-connections when
// they dial 127.0.0.1.
func TestDaemon_SANsMissingTheDialledAddress(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config:          daemonPKIConfig("ECDSA_P256", `["192.0.2.1"]`),
			ConfigVariables: dockerdVariables(engine),
			ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
				d, err := deploy(t, engine, s, false)
				if err != nil {
					return err
				}
				ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
				defer cancel()
				// Wait until the daemon answers at all, then check why it is refused.
				want := "certificate is valid for 192.0.2.1, not 127.0.0.1"
				for {
					err := acctest.ExpectRefused(ctx, d.daemon.Addr, "", d.client, want)
					if err == nil {
						break
					}
					if errors.Is(err, acctest.ErrUnexpectedSuccess) || ctx.Err() != nil {
						return fmt.Errorf("go-connections client: %w", err)
					}
					time.Sleep(200 * time.Millisecond)
				}
				out, err := dockerdtest.DockerCLI(ctx, d.daemon.Addr, d.client, "version")
				if err == nil || !strings.Contains(out, want) {
					return fmt.Errorf("docker CLI: %v: %s; want a refusal saying %q", err, out, want)
				}
				return nil
			})},
		}},
	})
}

// TestDaemon_RenewalRedeployed: the CA enters its renewal window, one apply
// replaces it and, by cascade, the leaves; redeployed, the daemon serves the
// new client and refuses the old CA's client, even when it presents its
// certificate. The clock starts 950 hours ago so that the renewal happens
// at the real present, which the TLS peers check.
func TestDaemon_RenewalRedeployed(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	env := newTestEnvAt(t, time.Now().Add(-950*time.Hour))
	cfg := `
variable "dockerd" { type = string }

resource "dockertls_ca" "test" {
  validity_period_hours = 1000
  early_renewal_hours   = 100
}

# Valid until 40 hours from the real now, and not due itself at renewal:
# only the CA's renewal replaces it. (It outlives the CA: a warning.)
resource "dockertls_server_cert" "test" {
  ca_cert_pem           = dockertls_ca.test.cert_pem
  ca_private_key_pem    = dockertls_ca.test.private_key_pem
  ip_addresses          = ["127.0.0.1"]
  validity_period_hours = 990
  early_renewal_hours   = 10
}

resource "dockertls_client_cert" "test" {
  ca_cert_pem           = dockertls_ca.test.cert_pem
  ca_private_key_pem    = dockertls_ca.test.private_key_pem
  validity_period_hours = 990
  early_renewal_hours   = 10
}

data "dockertls_daemon_config" "test" {
  dockerd_path        = var.dockerd
  containerd_address  = ""
  extra_settings_json = jsonencode({ labels = ["dockertls-test=renewal"] })
}
` + otherCAConfig
	var oldClientCert, oldClientKey string
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config:          cfg,
				ConfigVariables: dockerdVariables(engine),
				ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
					d, err := deploy(t, engine, s, true)
					if err != nil {
						return err
					}
					old, err := readIssued(s, "dockertls_client_cert.test")
					if err != nil {
						return err
					}
					oldClientCert, oldClientKey = old.certPEM, old.keyPEM
					return proveDaemon(d, "dockertls-test=renewal")
				})},
			},
			{
				PreConfig:       func() { env.clock.Advance(950 * time.Hour) },
				Config:          cfg,
				ConfigVariables: dockerdVariables(engine),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("dockertls_ca.test", plancheck.ResourceActionReplace),
					replacedBecause{"dockertls_ca.test", []string{"ready_for_renewal"}},
					replacedBecause{"dockertls_server_cert.test", []string{"ca_cert_fingerprint_sha256"}},
					replacedBecause{"dockertls_client_cert.test", []string{"ca_cert_fingerprint_sha256"}},
				}},
				ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
					d, err := deploy(t, engine, s, true)
					if err != nil {
						return err
					}
					if err := proveDaemon(d, "dockertls-test=renewal"); err != nil {
						return err
					}
					// The old client, trusting the new CA for the server's side.
					oldClient := acctest.WriteTLSFiles(t, filepath.Join(t.TempDir(), "old"), "client", readFileString(t, d.client.CA), oldClientCert, oldClientKey)
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					if err := acctest.ExpectRefusedPresenting(ctx, d.daemon.Addr, "", oldClient, "bad certificate", "unknown certificate authority", "expired"); err != nil {
						return fmt.Errorf("the old CA's client: %w", err)
					}
					if out, err := dockerdtest.DockerCLI(ctx, d.daemon.Addr, oldClient, "version"); err == nil {
						return fmt.Errorf("the docker CLI with the old CA's client was served: %s", out)
					}
					return nil
				})},
			},
		},
	})
}

// hostFiles is what a host's provisioning writes: absolute path to content.
type hostFiles map[string]string

// startDaemonFromFiles starts dockerd as a host provisioned with files runs
// it: the daemon.json at configFile names the TLS files (all in one
// directory, mounted where daemon.json says), and the command is the last
// ExecStart= of the systemd drop-in at dropinPath. It does not wait for the
// daemon to serve.
func startDaemonFromFiles(t *testing.T, engine *dockerdtest.Engine, files hostFiles, configFile, dropinPath string) (*dockerdtest.Daemon, error) {
	daemonJSON, ok := files[configFile]
	if !ok {
		return nil, fmt.Errorf("no file at %s (daemon.json)", configFile)
	}
	dropin, ok := files[dropinPath]
	if !ok {
		return nil, fmt.Errorf("no file at %s (systemd drop-in)", dropinPath)
	}
	command, err := execStart(dropin)
	if err != nil {
		return nil, err
	}
	var paths struct {
		CA   string `json:"tlscacert"`
		Cert string `json:"tlscert"`
		Key  string `json:"tlskey"`
	}
	if err := json.Unmarshal([]byte(daemonJSON), &paths); err != nil {
		return nil, fmt.Errorf("daemon.json: %w", err)
	}
	certDir := filepath.Dir(paths.Cert)
	tlsDir := t.TempDir()
	tlsFiles := []string{paths.Cert, paths.Key}
	if paths.CA != "" { // without tlsverify, daemon.json names no CA
		tlsFiles = append(tlsFiles, paths.CA)
	}
	for _, p := range tlsFiles {
		if filepath.Dir(p) != certDir {
			return nil, fmt.Errorf("daemon.json's TLS files are not in one directory: %+v", paths)
		}
		content, ok := files[p]
		if !ok {
			return nil, fmt.Errorf("daemon.json names %s, which is not written", p)
		}
		if err := os.WriteFile(filepath.Join(tlsDir, filepath.Base(p)), []byte(content), 0o444); err != nil {
			return nil, err
		}
	}
	return engine.Start(t, dockerdtest.Spec{
		TLSDir: tlsDir, CertDir: certDir,
		DaemonJSON: daemonJSON, ConfigFile: configFile,
		Command: command, Port: 2376,
	}), nil
}

// startDaemonServing starts dockerd with a certificate and key given as PEM
// and a configuration rendered with the Linux defaults (Debian's dockerd
// path), for daemons a test builds outside any state: a daemon serving
// another CA's certificate, a host that was never redeployed.
func startDaemonServing(t *testing.T, engine *dockerdtest.Engine, caPEM, certPEM, keyPEM string) *dockerdtest.Daemon {
	t.Helper()
	return startDaemonSettings(t, engine, daemonconfig.Settings{DockerdPath: engine.Dockerd, TLSVerify: true}, caPEM, certPEM, keyPEM)
}

// startOpenDaemon starts dockerd serving a certificate with "tls": true
// and "tlsverify": false, as dockertls_daemon_config renders it with
// allow_insecure_tcp: it asks clients for no certificate and serves anyone.
func startOpenDaemon(t *testing.T, engine *dockerdtest.Engine, certPEM, keyPEM string) *dockerdtest.Daemon {
	t.Helper()
	return startDaemonSettings(t, engine, daemonconfig.Settings{DockerdPath: engine.Dockerd, AllowInsecureTCP: true}, "", certPEM, keyPEM)
}

// startDaemonSettings starts dockerd with the settings given, rendered with
// the Linux defaults for everything else; caPEM is written as its ca.pem
// unless empty.
func startDaemonSettings(t *testing.T, engine *dockerdtest.Engine, s daemonconfig.Settings, caPEM, certPEM, keyPEM string) *dockerdtest.Daemon {
	t.Helper()
	s = s.WithDefaults(daemonconfig.Unset{Platform: true, Hosts: true, CertDir: true, ConfigFile: true})
	r, problems, err := daemonconfig.Render(s)
	if err != nil || daemonconfig.HasErrors(problems) {
		t.Fatalf("rendering the daemon's configuration: %v %+v", err, problems)
	}
	files := hostFiles{
		r.TLSCertPath:                  certPEM,
		r.TLSKeyPath:                   keyPEM,
		s.ConfigFile:                   r.DaemonJSON,
		daemonconfig.SystemdDropinPath: r.SystemdDropin,
	}
	if caPEM != "" {
		files[r.TLSCACertPath] = caPEM
	}
	d, err := startDaemonFromFiles(t, engine, files, s.ConfigFile, daemonconfig.SystemdDropinPath)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
