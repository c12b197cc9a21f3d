package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/dockertls/terraform-provider-dockertls/internal/daemonconfig"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
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

// TestDaemonConfig_BadInput: each mistake fails the plan, naming the value
// and the fix: nothing that cannot be written into a systemd unit or a
// batch file as a literal reaches a render.
func TestDaemonConfig_BadInput(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ca := testCA(t, now, 1000*time.Hour)
	iss, err := pki.NewSigningCA(ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	client := issueClient(t, iss, now)
	vars := config.Variables{
		"cert":        config.StringVariable(client.CertPEM),
		"ca_and_key":  config.StringVariable(ca.CertPEM + ca.PrivateKeyPEM),
		"ca_and_leaf": config.StringVariable(ca.CertPEM + client.CertPEM),
	}
	linux := func(name, body, want string) badInput {
		return badInput{name: name, config: daemonConfigWith(body), vars: vars, want: want, phase: atPlan}
	}
	windows := func(name, body, want string) badInput {
		return linux("windows: "+name, "platform = \"windows\"\n"+body, want)
	}
	runBadInputs(t, []badInput{
		linux("unknown platform", `platform = "darwin"`, `value must be one of: ["linux" "windows"], got: "darwin"`),
		linux("host without port", `hosts = ["unix:///var/run/docker.sock", "tcp://0.0.0.0"]`, `"tcp://0.0.0.0": a tcp host needs an address and a port`),
		linux("pipe on linux", `hosts = ["npipe://"]`, `"npipe://" is not a linux listen address`),
		linux("port with a sign", `hosts = ["fd://", "tcp://0.0.0.0:+2376"]`, `"tcp://0.0.0.0:+2376": the port must be a number from 1 to 65535, written in plain digits`),
		linux("one host spelled twice", `hosts = ["fd://", "tcp://[::]:2376", "tcp://[0::0]:2376"]`, `"tcp://[::]:2376" and "tcp://[0::0]:2376" are the same listen address`),
		linux("plain TCP", `tls_verify = false`, `"tcp://0.0.0.0:2376" would admit any client`),
		linux("extra settings not an object", `extra_settings_json = "[1]"`, "must be a JSON object"),
		linux("extra settings take over TLS", `extra_settings_json = jsonencode({ tlsverify = false })`, `sets ["tlsverify"], which this data source manages`),
		linux("extra settings take over TLS in another case", `extra_settings_json = jsonencode({ TLSVerify = false })`, `sets ["TLSVerify"], which this data source manages (dockerd reads daemon.json keys case-insensitively)`),
		linux("extra settings clash with --containerd", `extra_settings_json = jsonencode({ containerd = "/run/c.sock" })`, `sets "containerd", but the rendered systemd drop-in already passes --containerd`),
		linux("extra settings clash with --config-file", `extra_settings_json = jsonencode({ "config-file" = "/x.json" })`, "Set config_file instead"),
		linux("relative cert_dir", `cert_dir = "tls"`, `cert_dir "tls" must be an absolute path`),
		linux("newline in dockerd_path", `dockerd_path = "/usr/bin/dockerd\nExecStartPre=/bin/touch /pwned"`, "dockerd_path \"/usr/bin/dockerd\\nExecStartPre=/bin/touch /pwned\" contains the control character U+000A"),
		linux("new section in config_file", `config_file = "/etc/docker/daemon.json\n[Service]\nUser=root"`, "a line break would start a new directive in the systemd drop-in"),
		linux("zero-width space in cert_dir", `cert_dir = "/etc/docker/\u200Btls"`, "contains the invisible format character U+200B at character 13"),
		linux("newline in containerd_address", `containerd_address = "/run/c.sock\nExecStartPre=/bin/id"`, "containerd_address \"/run/c.sock\\nExecStartPre=/bin/id\" contains the control character"),
		linux("root as cert_dir", `cert_dir = "/"`, `cert_dir "/" is the root of the file system: the certificates and keys would lie at its top`),
		linux("relative containerd_address", `containerd_address = "containerd.sock"`, `containerd_address "containerd.sock" must be an absolute path`),
		linux("quote in the linux dockerd_path", `dockerd_path = "/opt/dock\"erd"`, "systemd refuses an executable path with quotes or backslashes"),
		linux("dockerd_path not in normal form", `dockerd_path = "/usr/bin//dockerd"`, `write it as "/usr/bin/dockerd"`),
		linux("client certificate as the server's", `server_cert_pem = var.cert`, "lacks extendedKeyUsage serverAuth"),
		linux("not a certificate", `server_cert_pem = "hello"`, "no PEM block found"),
		linux("key in ca_cert_pem", `ca_cert_pem = var.ca_and_key`, "ca_cert_pem is not sensitive"),
		linux("leaf in the ca.pem bundle", `ca_cert_pem = var.ca_and_leaf`, "certificate 2 of 2: the certificate"),
		linux("leaf as the ca.pem", `ca_cert_pem = var.cert`, "ca.pem holds only CA certificates"),
		windows("unix socket", `hosts = ["unix:///var/run/docker.sock"]`, "use tcp://HOST:PORT or npipe://"),
		windows("quote in cert_dir", `cert_dir = "C:\\certs\" & calc.exe & \""`, `contains '"', which Windows does not allow in a path`),
		windows("quote in config_file", `config_file = "C:\\x\"&calc&\"\\daemon.json"`, `contains '"', which Windows does not allow in a path`),
		windows("quote in dockerd_path", `dockerd_path = "C:\\d\\dockerd.exe\" & calc.exe & \""`, `contains '"', which Windows does not allow in a path`),
		windows("CRLF in config_file", `config_file = "C:\\x\r\ncalc.exe"`, "a line break would end the command in runDockerDaemon.cmd"),
		windows("pipe in cert_dir", `cert_dir = "C:\\a|b"`, `contains '|'`),
		windows("forward slashes", `config_file = "C:/ProgramData/docker/config/daemon.json"`, `uses forward slashes: write Windows paths with backslashes`),
		windows("relative cert_dir", `cert_dir = "certs.d"`, `must be a drive-absolute path such as C:\ProgramData\docker\...`),
		windows("relative dockerd_path", `dockerd_path = "bin\\dockerd.exe"`, "or a bare program name such as dockerd that cmd finds on PATH"),
		windows("UNC cert_dir", `cert_dir = "\\\\server\\share"`, "is a network (UNC) path"),
		windows("config_file is a directory", `config_file = "C:\\docker\\"`, "ends with a backslash, so it names a directory"),
		windows("non-ASCII path", `cert_dir = "C:\\dockér"`, "cmd reads runDockerDaemon.cmd in the console's code page"),
		windows("over-long path", `cert_dir = "C:\\${join("", [for i in range(130) : "é"])}${join("", [for i in range(130) : "x"])}"`, "is 263 characters long: Windows paths are limited to 259"),
		windows("drive root as cert_dir", `cert_dir = "C:\\"`, `cert_dir "C:\\" is the root of drive C`),
		windows("device name in config_file", `config_file = "C:\\ProgramData\\docker\\config\\nul.json"`, `has the component "nul.json", which Windows reads as a device in every directory (NUL)`),
		windows("device name in cert_dir", `cert_dir = "C:\\ProgramData\\docker\\AUX\\certs"`, `has the component "AUX", which Windows reads as a device`),
		windows("device name as dockerd_path", `dockerd_path = "con.exe"`, `has the component "con.exe", which Windows reads as a device`),
		windows("trailing dot in cert_dir", `cert_dir = "C:\\ProgramData\\docker\\certs."`, `which ends with a dot or a space: Windows drops those, so the path names "C:\\ProgramData\\docker\\certs"`),
		windows("extra settings clash with --config-file", `extra_settings_json = jsonencode({ "Config-File" = "C:\\x.json" })`, "the rendered runDockerDaemon.cmd already passes --config-file"),
	})
}

// daemonConfigWith is a data source with body, and the variable cert the
// cases may use.
func daemonConfigWith(body string) string {
	return "variable \"cert\" { type = string }\nvariable \"ca_and_key\" { type = string }\nvariable \"ca_and_leaf\" { type = string }\n" +
		`data "dockertls_daemon_config" "test" {` + "\n" + body + "\n}\n"
}

// TestDaemonConfig_UnknownPlatformReportedOnce: the schema's validator
// reports it; ValidateConfig, which runs beside it, must not repeat it.
func TestDaemonConfig_UnknownPlatformReportedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ds := NewDaemonConfigDataSource().(*daemonConfigDataSource)
	var sr datasource.SchemaResponse
	ds.Schema(ctx, datasource.SchemaRequest{}, &sr)
	values := map[string]tftypes.Value{}
	for name, a := range sr.Schema.Attributes {
		values[name] = tftypes.NewValue(a.GetType().TerraformType(ctx), nil)
	}
	values["platform"] = tftypes.NewValue(tftypes.String, "darwin")
	req := datasource.ValidateConfigRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), values)}}
	var resp datasource.ValidateConfigResponse
	ds.ValidateConfig(ctx, req, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("ValidateConfig repeats the schema validator's error: %v", resp.Diagnostics)
	}
	values["platform"] = tftypes.NewValue(tftypes.String, "windows")
	values["cert_dir"] = tftypes.NewValue(tftypes.String, "certs")
	req.Config.Raw = tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), values)
	ds.ValidateConfig(ctx, req, &resp)
	if resp.Diagnostics.ErrorsCount() != 1 {
		t.Fatalf("ValidateConfig should still check a known platform: %v", resp.Diagnostics)
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
