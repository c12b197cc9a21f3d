package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/clientconfig"
	"github.com/dockertls/terraform-provider-dockertls/internal/dockerdtest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

const clientConfig = "data.dockertls_client_config.test"

// clientConfigFiles writes the files as the docs show: one resource per
// file, each with its path output, its entry in files and Docker's mode.
// terraform_data stands in for local_sensitive_file, which cannot be
// installed offline, to prove that the expressions plan (on the first apply,
// while the PKI is still unknown) and apply.
const clientConfigFiles = `
resource "terraform_data" "docker_ca" {
  input = {
    filename        = data.dockertls_client_config.test.ca_file
    content         = data.dockertls_client_config.test.files[data.dockertls_client_config.test.ca_file]
    file_permission = "0444"
  }
}

resource "terraform_data" "docker_cert" {
  input = {
    filename        = data.dockertls_client_config.test.cert_file
    content         = data.dockertls_client_config.test.files[data.dockertls_client_config.test.cert_file]
    file_permission = "0444"
  }
}

resource "terraform_data" "docker_key" {
  input = {
    filename        = data.dockertls_client_config.test.key_file
    content         = data.dockertls_client_config.test.files[data.dockertls_client_config.test.key_file]
    file_permission = "0400"
  }
}
`

// TestClientConfig_RendersFromThePKI: on the first apply, with the PKI made
// in the same run, every output is the PEM inputs and paths under the
// expanded default cert_path, and the docs' way of writing the files works.
func TestClientConfig_RendersFromThePKI(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skipf("skipping: no home directory to expand ~ to: %v", err)
	}
	dir := filepath.Join(home, ".docker")
	at := tfjsonpathOf
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config: pkiConfig("ECDSA_P256") + `
data "dockertls_client_config" "test" {
  host            = "tcp://docker.example.com:2376"
  ca_cert_pem     = dockertls_ca.test.cert_pem
  client_cert_pem = dockertls_client_cert.test.cert_pem
  client_key_pem  = dockertls_client_cert.test.private_key_pem
}
` + clientConfigFiles,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(clientConfig, at("cert_path"), knownvalue.StringExact("~/.docker")),
				statecheck.ExpectKnownValue(clientConfig, at("cert_dir"), knownvalue.StringExact(dir)),
				statecheck.ExpectKnownValue(clientConfig, at("context_name"), knownvalue.StringExact("docker.example.com")),
				statecheck.ExpectKnownValue(clientConfig, at("env"), knownvalue.MapExact(map[string]knownvalue.Check{
					"DOCKER_HOST":       knownvalue.StringExact("tcp://docker.example.com:2376"),
					"DOCKER_TLS_VERIFY": knownvalue.StringExact("1"),
					"DOCKER_CERT_PATH":  knownvalue.StringExact(dir),
				})),
				statecheck.ExpectKnownValue(clientConfig, at("env_shell"), knownvalue.StringExact(
					"export DOCKER_HOST=tcp://docker.example.com:2376 DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="+clientconfig.ShellQuote(dir))),
				statecheck.ExpectKnownValue(clientConfig, at("key_file"), knownvalue.StringExact(dir+"/key.pem")),
				statecheck.ExpectKnownValue(clientConfig, at("docker_context_command"), knownvalue.StringExact(clientconfig.ContextCommand(
					"docker.example.com", "tcp://docker.example.com:2376", dir+"/ca.pem", dir+"/cert.pem", dir+"/key.pem"))),
				stateCheckFunc(func(s *tfjson.State) error {
					return checkClientConfigMatchesPKI(s, "dockertls_client_cert.test")
				}),
				stateCheckFunc(func(s *tfjson.State) error {
					a, err := resourceAttrs(s, "terraform_data.docker_key")
					if err != nil {
						return err
					}
					input, _ := a["input"].(map[string]any)
					client, err := readIssued(s, "dockertls_client_cert.test")
					if err != nil {
						return err
					}
					if input["filename"] != dir+"/key.pem" || input["content"] != client.keyPEM || input["file_permission"] != "0400" {
						return fmt.Errorf("the documented resource gives key.pem the file name %v and mode %v, or the wrong content", input["filename"], input["file_permission"])
					}
					return nil
				}),
			},
		}},
	})
}

// checkClientConfigMatchesPKI: files and the kreuzwerker/docker values are
// exactly the PEMs of the CA and the client. (Whether that provider then
// connects cannot be tried here: it cannot be installed offline.)
func checkClientConfigMatchesPKI(s *tfjson.State, client string) error {
	ca, err := readIssued(s, "dockertls_ca.test")
	if err != nil {
		return err
	}
	c, err := readIssued(s, client)
	if err != nil {
		return err
	}
	a, err := stringAttrs(s, clientConfig, "ca_material", "cert_material", "key_material", "ca_file", "cert_file", "key_file")
	if err != nil {
		return err
	}
	if a["ca_material"] != ca.certPEM || a["cert_material"] != c.certPEM || a["key_material"] != c.keyPEM {
		return fmt.Errorf("ca_material, cert_material and key_material are not the CA's and the client's PEMs")
	}
	attrs, err := resourceAttrs(s, clientConfig)
	if err != nil {
		return err
	}
	files, _ := attrs["files"].(map[string]any)
	want := map[string]string{a["ca_file"]: ca.certPEM, a["cert_file"]: c.certPEM, a["key_file"]: c.keyPEM}
	if len(files) != len(want) {
		return fmt.Errorf("files has %d entries, want 3", len(files))
	}
	for k, v := range want {
		if files[k] != v {
			return fmt.Errorf("files[%q] is not the expected PEM", k)
		}
	}
	return nil
}

// clientConfigWith is the data source with PEMs from variables and the given
// attributes over the defaults.
func clientConfigWith(attrs map[string]string) string {
	all := map[string]string{
		"host":            `"tcp://docker.example.com:2376"`,
		"ca_cert_pem":     "var.ca",
		"client_cert_pem": "var.cert",
		"client_key_pem":  "var.key",
		"cert_path":       `"/srv/docker-client"`,
	}
	for k, v := range attrs {
		all[k] = v
	}
	var b strings.Builder
	b.WriteString(`
variable "ca" { type = string }
variable "cert" { type = string }
variable "key" {
  type      = string
  sensitive = true
}

data "dockertls_client_config" "test" {
`)
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s = %s\n", k, all[k])
	}
	b.WriteString("}\n")
	return b.String()
}

// TestClientConfig_BadInput: each mistake fails the plan, naming the value
// and the fix.
func TestClientConfig_BadInput(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ca := testCA(t, now, 1000*time.Hour)
	iss, err := pki.NewSigningCA(ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	client := issueClient(t, iss, now)
	server, err := pki.Issue(pki.Request{Profile: pki.ProfileServer, KeyAlgorithm: pki.ECDSAP256, CommonName: "s",
		DNSNames: []string{"docker.example.com"}, Validity: time.Hour}, iss, now)
	if err != nil {
		t.Fatal(err)
	}
	otherCA := testCA(t, now, 1000*time.Hour)
	otherIss, err := pki.NewSigningCA(otherCA.Cert, otherCA.Key)
	if err != nil {
		t.Fatal(err)
	}
	other := issueClient(t, otherIss, now)
	vars := func(caPEM, certPEM, keyPEM string) config.Variables {
		return config.Variables{"ca": config.StringVariable(caPEM), "cert": config.StringVariable(certPEM), "key": config.StringVariable(keyPEM)}
	}
	good := vars(ca.CertPEM, client.CertPEM, client.PrivateKeyPEM)
	set := func(name, attr, value, want string) badInput {
		return badInput{name: name, config: clientConfigWith(map[string]string{attr: value}), vars: good, want: want, phase: atPlan}
	}
	pems := func(name string, v config.Variables, want string) badInput {
		return badInput{name: name, config: clientConfigWith(nil), vars: v, want: want, phase: atPlan}
	}
	runBadInputs(t, []badInput{
		set("unix socket", "host", `"unix:///var/run/docker.sock"`, `"unix:///var/run/docker.sock" must start with tcp://`),
		set("https URL", "host", `"https://docker.example.com:2376"`, `must start with tcp://`),
		set("no port", "host", `"tcp://docker.example.com"`, `needs a host and a port and nothing else`),
		set("path after the port", "host", `"tcp://docker.example.com:2376/v1.45"`, `and nothing else (no path, no query)`),
		set("port out of range", "host", `"tcp://docker.example.com:99999"`, `the port must be a number from 1 to 65535`),
		set("wildcard address", "host", `"tcp://0.0.0.0:2376"`, `a client dials one address`),
		set("no address", "host", `"tcp://:2376"`, `names no host: write the daemon's address`),
		set("bad host name", "host", `"tcp://docker_host:2376"`, `is neither an IP address nor a host name`),
		set("IPv6 without a context name", "host", `"tcp://[2001:db8::1]:2376"`, `Set context_name`),
		set("reserved context name", "context_name", `"default"`, `reserved name`),
		set("one-character context name", "context_name", `"x"`, `is not a docker context name: at least two characters`),
		set("context name with a space", "context_name", `"my host"`, `is not a docker context name`),
		set("relative cert_path", "cert_path", `".docker"`, `".docker" is not absolute`),
		set("another user's home", "cert_path", `"~bob/.docker"`, `not ~user: give an absolute path`),
		set("trailing slash", "cert_path", `"/srv/docker-client/"`, `write it as "/srv/docker-client"`),
		set("empty cert_path", "cert_path", `""`, `cert_path is empty: leave cert_path out (null) for the default, ~/.docker`),
		set("root as cert_path", "cert_path", `"/"`, `"/" is the root directory: ca.pem, cert.pem and key.pem would lie at the top`),
		set("Windows cert_path", "cert_path", `"C:\\Users\\me\\.docker"`, `is a Windows path`),
		set("line break in cert_path", "cert_path", `"/srv/a\nb"`, `contains the control character U+000A`),
		set("bidirectional override in cert_path", "cert_path", `"/srv/\u202Emep.tac"`, `contains the invisible format character U+202E at character 6`),
		pems("server certificate as the client's", vars(ca.CertPEM, server.CertPEM, server.PrivateKeyPEM), `it is a server certificate`),
		pems("CA certificate as the client's", vars(ca.CertPEM, ca.CertPEM, ca.PrivateKeyPEM), `is a CA certificate`),
		pems("another CA's client", vars(ca.CertPEM, other.CertPEM, other.PrivateKeyPEM), `was not signed by the CA "Test CA" in ca_cert_pem`),
		pems("another client's key", vars(ca.CertPEM, client.CertPEM, other.PrivateKeyPEM), `The private key does not belong to the client certificate`),
		pems("key pasted as the certificate", vars(ca.CertPEM, client.PrivateKeyPEM, client.PrivateKeyPEM), `holds a private key`),
		pems("client certificate as the CA", vars(client.CertPEM, client.CertPEM, client.PrivateKeyPEM), `is not a CA`),
		pems("certificate as the key", vars(ca.CertPEM, client.CertPEM, client.CertPEM), `Invalid client key`),
		{
			name: "bad host while the certificates are unknown",
			config: pkiConfig("ECDSA_P256") + `
data "dockertls_client_config" "test" {
  host            = "tcp://0.0.0.0:2376"
  ca_cert_pem     = dockertls_ca.test.cert_pem
  client_cert_pem = dockertls_client_cert.test.cert_pem
  client_key_pem  = dockertls_client_cert.test.private_key_pem
}
`,
			want:  "a client dials one address",
			phase: atPlan,
		},
		{
			name: "another client's key, known only at apply",
			config: pkiConfig("ECDSA_P256") + `
data "dockertls_client_config" "test" {
  host            = "tcp://docker.example.com:2376"
  ca_cert_pem     = dockertls_ca.test.cert_pem
  client_cert_pem = dockertls_client_cert.test.cert_pem
  client_key_pem  = dockertls_client_cert.other.private_key_pem
  cert_path       = "/srv/docker-client"
}
`,
			want:  "The private key does not belong to the client certificate",
			phase: atApply,
		},
	})
}

// lazyString is a configuration variable read when the step writes its
// variables, so one step can use what an earlier step's checks learnt
// (here, the port a test daemon was published on).
type lazyString struct{ value *string }

func (v lazyString) MarshalJSON() ([]byte, error) { return json.Marshal(*v.value) }

// TestClientConfig_ReachesDaemon: a daemon deployed from the state; the
// rendered files, written as the docs say into a directory with an awkward
// name, with exactly the rendered environment, let the real docker CLI
// reach it; and the context command, run by sh, creates a context through
// which the docker CLI reaches it too.
func TestClientConfig_ReachesDaemon(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	docker := acctest.RequireTool(t, "docker", "the rendered client configuration is used by the real docker CLI")
	sh := acctest.RequireTool(t, "sh", "docker_context_command is a POSIX sh command line")
	env := newTestEnv(t)
	pkiCfg := daemonPKIConfig("ECDSA_P256", `["127.0.0.1"]`)
	certPath := filepath.Join(t.TempDir(), `client's "certs", $HOME; `+"`id`")
	var host string
	vars := dockerdVariables(engine)
	vars["host"] = lazyString{&host}
	vars["cert_path"] = config.StringVariable(certPath)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config:          pkiCfg,
				ConfigVariables: dockerdVariables(engine),
				ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
					d, err := deploy(t, engine, s, true)
					if err != nil {
						return err
					}
					host = "tcp://" + d.daemon.Addr
					return nil
				})},
			},
			{
				Config: pkiCfg + `
variable "host" { type = string }
variable "cert_path" { type = string }

data "dockertls_client_config" "test" {
  host            = var.host
  ca_cert_pem     = dockertls_ca.test.cert_pem
  client_cert_pem = dockertls_client_cert.test.cert_pem
  client_key_pem  = dockertls_client_cert.test.private_key_pem
  cert_path       = var.cert_path
  context_name    = "dockertls-test"
}
`,
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(clientConfig, tfjsonpathOf("cert_dir"), knownvalue.StringExact(certPath)),
					stateCheckFunc(func(s *tfjson.State) error { return checkClientConfigMatchesPKI(s, "dockertls_client_cert.test") }),
					stateCheckFunc(func(s *tfjson.State) error { return useClientConfig(t, s, docker, sh) }),
				},
			},
		},
	})
}

// useClientConfig writes the files with Docker's modes, runs `docker
// version` with nothing of this process's environment but PATH and a fresh
// HOME, first with env, then in sh after eval of env_shell, then creates the
// context and uses it.
func useClientConfig(t *testing.T, s *tfjson.State, docker, sh string) error {
	attrs, err := resourceAttrs(s, clientConfig)
	if err != nil {
		return err
	}
	a, err := stringAttrs(s, clientConfig, "cert_dir", "key_file", "docker_context_command", "context_name", "env_shell")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(a["cert_dir"], 0o700); err != nil {
		return err
	}
	files, _ := attrs["files"].(map[string]any)
	for p, content := range files {
		mode := os.FileMode(clientconfig.CertMode)
		if p == a["key_file"] {
			mode = clientconfig.KeyMode
		}
		if err := os.WriteFile(p, []byte(content.(string)), mode); err != nil {
			return err
		}
	}
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	rendered, _ := attrs["env"].(map[string]any)
	withEnv := slices.Clone(base)
	for k, v := range rendered {
		withEnv = append(withEnv, k+"="+v.(string))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := func(env []string, name string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := run(withEnv, docker, "version", "--format", "{{.Server.Version}}"); err != nil || out == "" {
		return fmt.Errorf("docker version with env %q: %v: %s", rendered, err, out)
	}
	evalEnv := append(slices.Clone(base), "LINE="+a["env_shell"])
	if out, err := run(evalEnv, sh, "-c", `eval "$LINE" && exec docker version --format '{{.Server.Version}}'`); err != nil || out == "" {
		return fmt.Errorf("docker version after eval of env_shell %q: %v: %s", a["env_shell"], err, out)
	}
	// Without the rendered environment the same CLI reaches nothing: the
	// checks above owe their success to env and env_shell.
	if out, err := run(base, docker, "--host", rendered["DOCKER_HOST"].(string), "version", "--format", "{{.Server.Version}}"); err == nil {
		return fmt.Errorf("docker version without DOCKER_TLS_VERIFY and DOCKER_CERT_PATH reached the daemon: %s", out)
	}
	contextEnv := append(slices.Clone(base), "DOCKER_CONFIG="+t.TempDir())
	if out, err := run(contextEnv, sh, "-c", a["docker_context_command"]); err != nil {
		return fmt.Errorf("sh -c %q: %v: %s", a["docker_context_command"], err, out)
	}
	if out, err := run(contextEnv, docker, "--context", a["context_name"], "version", "--format", "{{.Server.Version}}"); err != nil || out == "" {
		return fmt.Errorf("docker --context %s version: %v: %s", a["context_name"], err, out)
	}
	return nil
}

// daemonHostCases is one table for the host attribute of every data source
// that dials a daemon: each must give the same verdict and the same words.
// want is a phrase of the error; "" means the host is accepted.
var daemonHostCases = []struct{ host, want string }{
	{"tcp://docker.example.com:2376", ""},
	{"tcp://docker.example.com.:2376", ""},
	{"tcp://203.0.113.10:2376", ""},
	{"tcp://[2001:db8::1]:2376", ""},
	{"tcp://localhost:12376", ""},
	{"unix:///var/run/docker.sock", "must start with tcp://"},
	{"https://docker.example.com:2376", "must start with tcp://"},
	{"TCP://docker.example.com:2376", "must start with tcp://"},
	{"tcp://docker.example.com", "needs a host and a port and nothing else"},
	{"tcp://docker.example.com:2376/v1.45", "needs a host and a port and nothing else (no path"},
	{"tcp://docker.example.com:2376/", "needs a host and a port and nothing else (no path"},
	{"tcp://docker.example.com:2376?x=1", "needs a host and a port and nothing else (no path"},
	{"tcp://me@docker.example.com:2376", "no user"},
	{"tcp://docker.example.com:99999", "the port must be a number from 1 to 65535"},
	{"tcp://docker.example.com:02376", "the port must be a number from 1 to 65535"},
	{"tcp://docker.example.com:+2376", "the port must be a number from 1 to 65535"},
	{"tcp://:2376", "names no host"},
	{"tcp://0.0.0.0:2376", "is the address a daemon listens on (every interface), but a client dials one address"},
	{"tcp://[::]:2376", "is the address a daemon listens on (every interface), but a client dials one address"},
	{"tcp://docker_host:2376", `"docker_host" is neither an IP address nor a host name`},
	{"tcp://[fe80::1%eth0]:2376", `the IPv6 zone "%eth0" names an interface of the machine that dials`},
	{"tcp://[203.0.113.10]:2376", "put an IPv6 address, and nothing else, in brackets"},
	{"tcp://[docker.example.com]:2376", "put an IPv6 address, and nothing else, in brackets"},
	{"tcp://2001:db8::1:2376", "put an IPv6 address, and nothing else, in brackets"},
	{"tcp://127.1:2376", `"127.1" is not a host name: it is the IPv4 address 127.0.0.1 written short`},
	{"tcp://0x7f000001:2376", "write 127.0.0.1"},
	{"tcp://127.0.1:2376", "write 127.0.0.1"},
	{"tcp://2130706433:2376", "write 127.0.0.1"},
	{"tcp://0177.0.0.1:2376", "write 127.0.0.1"},
	{"tcp://docker.123:2376", "its last label is a number"},
	{"tcp://10.0.0.1.nip.io:2376", ""},
}

// TestDaemonHost_SameVerdictEverywhere: dockertls_client_config and
// dockertls_endpoint, validated through the provider's protocol server as
// Terraform validates them, accept the same hosts and refuse the others
// with the same summary and detail, on host.
func TestDaemonHost_SameVerdictEverywhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	server := New("test")()
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	hostDiags := func(typeName, host string) []*tfprotov6.Diagnostic {
		typ := schemas.DataSourceSchemas[typeName].ValueType().(tftypes.Object)
		attrs := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			attrs[name] = tftypes.NewValue(at, nil)
		}
		attrs["host"] = tftypes.NewValue(tftypes.String, host)
		// Unknown PEMs, as while the PKI is being made: only the host is judged.
		for _, name := range []string{"ca_cert_pem", "client_cert_pem", "client_key_pem"} {
			attrs[name] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
		}
		resp, err := server.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{
			TypeName: typeName, Config: rpcDynamic(t, typ, tftypes.NewValue(typ, attrs)),
		})
		if err != nil {
			t.Fatal(err)
		}
		var on []*tfprotov6.Diagnostic
		for _, d := range resp.Diagnostics {
			if d.Attribute.Equal(tftypes.NewAttributePath().WithAttributeName("host")) {
				on = append(on, d)
			}
		}
		return on
	}
	for _, tc := range daemonHostCases {
		cc, ep := hostDiags("dockertls_client_config", tc.host), hostDiags("dockertls_endpoint", tc.host)
		if tc.want == "" {
			if len(cc)+len(ep) > 0 {
				t.Errorf("%q: want it accepted; client_config:%s\nendpoint:%s", tc.host, rpcDiags(cc), rpcDiags(ep))
			}
			continue
		}
		if len(cc) != 1 || len(ep) != 1 || cc[0].Severity != tfprotov6.DiagnosticSeverityError || !strings.Contains(cc[0].Detail, tc.want) {
			t.Errorf("%q: want one error saying %q from each; client_config:%s\nendpoint:%s", tc.host, tc.want, rpcDiags(cc), rpcDiags(ep))
			continue
		}
		if cc[0].Severity != ep[0].Severity || cc[0].Summary != ep[0].Summary || cc[0].Detail != ep[0].Detail {
			t.Errorf("%q: the data sources disagree:%s\nendpoint:%s", tc.host, rpcDiags(cc), rpcDiags(ep))
		}
	}
}
