package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/daemonconfig"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

const daemonConfig = "data.dockertls_daemon_config.test"

// goldenRender reads a render that internal/daemonconfig's own tests pin.
func goldenRender(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "daemonconfig", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestDaemonConfig_LinuxDefaults(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	daemonJSON := goldenRender(t, "linux-default.daemon.json")
	at := tfjsonpathOf
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config: `data "dockertls_daemon_config" "test" {}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(daemonConfig, at("platform"), knownvalue.StringExact("linux")),
				statecheck.ExpectKnownValue(daemonConfig, at("hosts"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact("unix:///var/run/docker.sock"), knownvalue.StringExact("tcp://0.0.0.0:2376"),
				})),
				statecheck.ExpectKnownValue(daemonConfig, at("cert_dir"), knownvalue.StringExact("/etc/docker/tls")),
				statecheck.ExpectKnownValue(daemonConfig, at("tls_verify"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(daemonConfig, at("dockerd_path"), knownvalue.StringExact("/usr/bin/dockerd")),
				statecheck.ExpectKnownValue(daemonConfig, at("config_file"), knownvalue.StringExact("/etc/docker/daemon.json")),
				statecheck.ExpectKnownValue(daemonConfig, at("containerd_address"), knownvalue.StringExact("/run/containerd/containerd.sock")),
				statecheck.ExpectKnownValue(daemonConfig, at("daemon_json"), knownvalue.StringExact(daemonJSON)),
				statecheck.ExpectKnownValue(daemonConfig, at("id"), knownvalue.StringExact(sha256Hex(daemonJSON))),
				statecheck.ExpectKnownValue(daemonConfig, at("systemd_dropin"), knownvalue.StringExact(goldenRender(t, "linux-default.dockertls.conf"))),
				statecheck.ExpectKnownValue(daemonConfig, at("systemd_dropin_path"), knownvalue.StringExact("/etc/systemd/system/docker.service.d/dockertls.conf")),
				statecheck.ExpectKnownValue(daemonConfig, at("run_docker_daemon_cmd"), knownvalue.Null()),
				statecheck.ExpectKnownValue(daemonConfig, at("dockerd_args"), knownvalue.ListSizeExact(7)),
				statecheck.ExpectKnownValue(daemonConfig, at("tlscacert_path"), knownvalue.StringExact("/etc/docker/tls/ca.pem")),
				statecheck.ExpectKnownValue(daemonConfig, at("tlscert_path"), knownvalue.StringExact("/etc/docker/tls/server-cert.pem")),
				statecheck.ExpectKnownValue(daemonConfig, at("tlskey_path"), knownvalue.StringExact("/etc/docker/tls/server-key.pem")),
			},
		}},
	})
}

func TestDaemonConfig_Windows(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	at := tfjsonpathOf
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config: `data "dockertls_daemon_config" "test" {
  platform            = "windows"
  extra_settings_json = jsonencode({ group = "docker", "exec-opts" = ["isolation=hyperv"] })
}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(daemonConfig, at("daemon_json"), knownvalue.StringExact(goldenRender(t, "windows-extras.daemon.json"))),
				statecheck.ExpectKnownValue(daemonConfig, at("run_docker_daemon_cmd"), knownvalue.StringExact(goldenRender(t, "windows-extras.runDockerDaemon.cmd"))),
				statecheck.ExpectKnownValue(daemonConfig, at("systemd_dropin"), knownvalue.Null()),
				statecheck.ExpectKnownValue(daemonConfig, at("systemd_dropin_path"), knownvalue.Null()),
				statecheck.ExpectKnownValue(daemonConfig, at("cert_dir"), knownvalue.StringExact(`C:\ProgramData\docker\certs.d`)),
				statecheck.ExpectKnownValue(daemonConfig, at("tlskey_path"), knownvalue.StringExact(`C:\ProgramData\docker\certs.d\server-key.pem`)),
			},
		}},
	})
}

// TestDaemonConfig_BadInput: each mistake fails the plan, naming the value.
func TestDaemonConfig_BadInput(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ca := testCA(t, now, 1000*time.Hour)
	iss, err := ca.Issuer()
	if err != nil {
		t.Fatal(err)
	}
	client := issueClient(t, iss, now)
	cases := []struct{ name, body, want string }{
		{"unknown platform", `platform = "darwin"`, `value must be one of: ["linux" "windows"], got: "darwin"`},
		{"host without port", `hosts = ["unix:///var/run/docker.sock", "tcp://0.0.0.0"]`, `"tcp://0.0.0.0": a tcp host needs an address and a port`},
		{"pipe on linux", `hosts = ["npipe://"]`, `"npipe://" is not a linux listen address`},
		{"plain TCP", `tls_verify = false`, `"tcp://0.0.0.0:2376" would admit any client`},
		{"extra settings not an object", `extra_settings_json = "[1]"`, "must be a JSON object"},
		{"extra settings take over TLS", `extra_settings_json = jsonencode({ tlsverify = false })`, `sets ["tlsverify"], which this data source manages`},
		{"relative cert_dir", `cert_dir = "tls"`, `cert_dir "tls" must be an absolute path`},
		{"client certificate as the server's", `server_cert_pem = var.cert`, "lacks extendedKeyUsage serverAuth"},
		{"not a certificate", `server_cert_pem = "hello"`, "no PEM block found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := "variable \"cert\" { type = string }\n" + `data "dockertls_daemon_config" "test" {` + "\n" + tc.body + "\n}\n"
			expectPlanError(t, cfg, config.Variables{"cert": config.StringVariable(client.CertPEM)}, tc.want)
		})
	}
}

// TestDaemonConfig_AllowInsecureTCP: the explicit opt-in renders a TLS port
// without client verification, never plain text.
func TestDaemonConfig_AllowInsecureTCP(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config: `data "dockertls_daemon_config" "test" {
  tls_verify         = false
  allow_insecure_tcp = true
}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(daemonConfig, tfjsonpathOf("daemon_json"), knownvalue.StringRegexp(
					regexp.MustCompile(`"tls": true,\s+"tlscert": "/etc/docker/tls/server-cert.pem",\s+"tlskey": "/etc/docker/tls/server-key.pem",\s+"tlsverify": false`))),
				statecheck.ExpectKnownValue(daemonConfig, tfjsonpathOf("tls_verify"), knownvalue.Bool(false)),
			},
		}},
	})
}

// Warnings do not fail a terraform run, so the mapping is tested directly.
func TestAddProblems(t *testing.T) {
	t.Parallel()
	problems := []daemonconfig.Problem{
		{Severity: daemonconfig.Error, Attribute: "hosts", Summary: "bad", Detail: "bad host"},
		{Severity: daemonconfig.Warning, Attribute: "server_cert_pem", Summary: "miss", Detail: "not covered"},
	}
	var all, errorsOnly diag.Diagnostics
	addProblems(&all, problems, false)
	addProblems(&errorsOnly, problems, true)
	if all.ErrorsCount() != 1 || all.WarningsCount() != 1 || errorsOnly.ErrorsCount() != 1 || errorsOnly.WarningsCount() != 0 {
		t.Fatalf("all=%v errorsOnly=%v", all, errorsOnly)
	}
	w, ok := all.Warnings()[0].(diag.DiagnosticWithPath)
	if !ok || !w.Path().Equal(path.Root("server_cert_pem")) || w.Detail() != "not covered" {
		t.Fatalf("warning %v is not on server_cert_pem", all.Warnings()[0])
	}
}
