package provider

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/dockerdtest"
	"github.com/dockertls/terraform-provider-dockertls/internal/endpoint"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// goPKI is a CA, a server certificate for 127.0.0.1 and a client, issued
// outside Terraform for the tests that need no state.
type goPKI struct {
	ca, server, client *pki.Certificate
}

func newGoPKI(t *testing.T) *goPKI {
	t.Helper()
	now := time.Now()
	ca := testCA(t, now, 24*time.Hour)
	iss, err := pki.NewSigningCA(ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	leaf := func(r pki.Request) *pki.Certificate {
		r.KeyAlgorithm, r.Validity = pki.ECDSAP256, time.Hour
		c, err := pki.Issue(r, iss, now)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return &goPKI{
		ca:     ca,
		server: leaf(pki.Request{Profile: pki.ProfileServer, CommonName: "daemon", IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}),
		client: leaf(pki.Request{Profile: pki.ProfileClient, CommonName: "client"}),
	}
}

func (p *goPKI) serverPair() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{p.server.Cert.Raw}, PrivateKey: p.server.Key, Leaf: p.server.Cert}
}

const endpointData = "data.dockertls_endpoint.test"

const endpointVarsConfig = `
variable "host" { type = string }
variable "ca_cert" { type = string }
variable "client_cert" { type = string }
variable "client_key" {
  type      = string
  sensitive = true
}
variable "fail_on_error" {
  type    = bool
  default = false
}

data "dockertls_endpoint" "test" {
  host            = var.host
  ca_cert_pem     = var.ca_cert
  client_cert_pem = var.client_cert
  client_key_pem  = var.client_key
  fail_on_error   = var.fail_on_error
  timeout_seconds = 5
}
`

func endpointVars(host string, ca, client *pki.Certificate) config.Variables {
	return config.Variables{
		"host":        config.StringVariable(host),
		"ca_cert":     config.StringVariable(ca.CertPEM),
		"client_cert": config.StringVariable(client.CertPEM),
		"client_key":  config.StringVariable(client.PrivateKeyPEM),
	}
}

// TestEndpoint_FakeDaemon reads an in-process daemon with dockerd's TLS
// settings: a verified daemon's every output, then a daemon serving another
// CA's certificate, which is reported while no request reaches it.
func TestEndpoint_FakeDaemon(t *testing.T) {
	t.Parallel()
	p, other := newGoPKI(t), newGoPKI(t)
	good := acctest.StartFakeDaemon(t, p.serverPair(), p.ca.Cert, 0)
	foreign := acctest.StartFakeDaemon(t, other.serverPair(), p.ca.Cert, 0)
	at := tfjsonpathOf
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config:          endpointVarsConfig,
				ConfigVariables: endpointVars("tcp://"+good.Addr, p.ca, p.client),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(endpointData, at("id"), knownvalue.StringExact("tcp://"+good.Addr)),
					statecheck.ExpectKnownValue(endpointData, at("reachable"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(endpointData, at("verified"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(endpointData, at("server_cert_verified"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(endpointData, at("client_cert_requested"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(endpointData, at("accepted_client_ca_subjects"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(p.ca.Cert.Subject.String())})),
					statecheck.ExpectKnownValue(endpointData, at("accepted_client_ca_match"), knownvalue.StringExact(string(endpoint.CAsExact))),
					statecheck.ExpectKnownValue(endpointData, at("error"), knownvalue.Null()),
					statecheck.ExpectKnownValue(endpointData, at("error_kind"), knownvalue.Null()),
					statecheck.ExpectKnownValue(endpointData, at("server_cert_pem"), knownvalue.StringExact(p.server.CertPEM)),
					statecheck.ExpectKnownValue(endpointData, at("server_cert_fingerprint_sha256"), knownvalue.StringExact(pki.Fingerprint(p.server.Cert))),
					statecheck.ExpectKnownValue(endpointData, at("server_cert_not_after"),
						knownvalue.StringExact(p.server.Cert.NotAfter.UTC().Format(time.RFC3339))),
					statecheck.ExpectKnownValue(endpointData, at("docker_version"), knownvalue.StringExact(acctest.FakeDaemonVersion)),
					statecheck.ExpectKnownValue(endpointData, at("api_version"), knownvalue.StringExact(acctest.FakeDaemonAPIVersion)),
					statecheck.ExpectKnownValue(endpointData, at("timeout_seconds"), knownvalue.Int64Exact(5)),
					statecheck.ExpectKnownValue(endpointData, at("fail_on_error"), knownvalue.Bool(false)),
					statecheck.ExpectSensitiveValue(endpointData, at("client_key_pem")),
				},
			},
			{
				Config:          endpointVarsConfig,
				ConfigVariables: endpointVars("tcp://"+foreign.Addr, p.ca, p.client),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(endpointData, at("reachable"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(endpointData, at("verified"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(endpointData, at("server_cert_verified"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(endpointData, at("client_cert_requested"), knownvalue.Null()),
					statecheck.ExpectKnownValue(endpointData, at("accepted_client_ca_subjects"), knownvalue.Null()),
					statecheck.ExpectKnownValue(endpointData, at("accepted_client_ca_match"), knownvalue.Null()),
					statecheck.ExpectKnownValue(endpointData, at("error_kind"), knownvalue.StringExact(string(endpoint.UnknownAuthority))),
					statecheck.ExpectKnownValue(endpointData, at("error"), knownvalue.StringRegexp(errorPattern("is not signed by the given CA"))),
					statecheck.ExpectKnownValue(endpointData, at("server_cert_fingerprint_sha256"), knownvalue.StringExact(pki.Fingerprint(other.server.Cert))),
					statecheck.ExpectKnownValue(endpointData, at("docker_version"), knownvalue.Null()),
					statecheck.ExpectKnownValue(endpointData, at("api_version"), knownvalue.Null()),
					stateCheckFunc(func(*tfjson.State) error {
						if n := foreign.Requests(); n != 0 {
							return fmt.Errorf("the daemon serving another CA's certificate read %d requests; want none", n)
						}
						return nil
					}),
				},
			},
			{
				// The same daemon with fail_on_error: an error naming host and reason.
				Config: endpointVarsConfig,
				ConfigVariables: func() config.Variables {
					v := endpointVars("tcp://"+foreign.Addr, p.ca, p.client)
					v["fail_on_error"] = config.BoolVariable(true)
					return v
				}(),
				ExpectError: errorPattern("tcp://" + foreign.Addr + ": the served certificate"),
			},
		},
	})
	if n := good.Requests(); n < 2 {
		t.Errorf("the verified daemon read %d requests; want /_ping and /version at each read", n)
	}
}

// TestEndpoint_NothingListening: an address with no daemon is not an error,
// so plans work before the machine exists, unless fail_on_error is set.
func TestEndpoint_NothingListening(t *testing.T) {
	t.Parallel()
	p := newGoPKI(t)
	host := "tcp://" + acctest.ClosedPort(t)
	at := tfjsonpathOf
	failing := endpointVars(host, p.ca, p.client)
	failing["fail_on_error"] = config.BoolVariable(true)
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config:          endpointVarsConfig,
				ConfigVariables: endpointVars(host, p.ca, p.client),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(endpointData, at("reachable"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(endpointData, at("verified"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(endpointData, at("error_kind"), knownvalue.StringExact(string(endpoint.ConnectionRefused))),
					statecheck.ExpectKnownValue(endpointData, at("error"), knownvalue.StringRegexp(errorPattern("connection refused at"))),
					statecheck.ExpectKnownValue(endpointData, at("server_cert_pem"), knownvalue.Null()),
					statecheck.ExpectKnownValue(endpointData, at("server_cert_fingerprint_sha256"), knownvalue.Null()),
					statecheck.ExpectKnownValue(endpointData, at("server_cert_not_after"), knownvalue.Null()),
					statecheck.ExpectKnownValue(endpointData, at("docker_version"), knownvalue.Null()),
				},
			},
			{
				Config:          endpointVarsConfig,
				ConfigVariables: failing,
				ExpectError:     errorPattern("Docker endpoint " + host + " failed: connection_refused"),
			},
		},
	})
}

func TestEndpoint_BadInputs(t *testing.T) {
	t.Parallel()
	p, other := newGoPKI(t), newGoPKI(t)
	vars := func(edit func(config.Variables)) config.Variables {
		v := endpointVars("tcp://127.0.0.1:2376", p.ca, p.client)
		edit(v)
		return v
	}
	set := func(name, value string) config.Variables {
		return vars(func(v config.Variables) { v[name] = config.StringVariable(value) })
	}
	withTimeout := func(v string) string {
		return strings.Replace(endpointVarsConfig, "timeout_seconds = 5", "timeout_seconds = "+v, 1)
	}
	hidden := append(keyTextFragments(t, p.ca.PrivateKeyPEM), keyTextFragments(t, p.client.PrivateKeyPEM)...)
	runBadInputsHiding(t, []badInput{
		{name: "unix socket", config: endpointVarsConfig, vars: set("host", "unix:///var/run/docker.sock"), want: "must start with tcp://", phase: atPlan},
		{name: "no port", config: endpointVarsConfig, vars: set("host", "tcp://docker.example.com"), want: "needs a host and a port", phase: atPlan},
		{name: "wildcard", config: endpointVarsConfig, vars: set("host", "tcp://0.0.0.0:2376"), want: "a client dials one address", phase: atPlan},
		{name: "no host", config: endpointVarsConfig, vars: set("host", "tcp://:2376"), want: "names no host", phase: atPlan},
		{name: "key in ca_cert_pem", config: endpointVarsConfig, vars: set("ca_cert", p.ca.CertPEM+p.ca.PrivateKeyPEM),
			want: "ca_cert_pem is not sensitive", phase: atPlan},
		{name: "leaf as CA", config: endpointVarsConfig, vars: set("ca_cert", p.server.CertPEM), want: "is not a CA", phase: atPlan},
		{name: "key in client_cert_pem", config: endpointVarsConfig, vars: set("client_cert", p.client.CertPEM+p.client.PrivateKeyPEM),
			want: "client_cert_pem is not sensitive", phase: atPlan},
		{name: "key in client_cert_pem as kubectl prints it", config: endpointVarsConfig, vars: set("client_cert", kubectlKey(p.client.CertPEM, p.client.PrivateKeyPEM)),
			want: "as a Kubernetes secret's tls.key holds it) where only a certificate belongs: remove the key and pass the certificate alone. " +
				"client_cert_pem is not sensitive", phase: atPlan},
		{name: "certificate as key", config: endpointVarsConfig, vars: set("client_key", p.client.CertPEM),
			want: "where a private key was expected", phase: atPlan},
		{name: "another key", config: endpointVarsConfig, vars: set("client_key", other.client.PrivateKeyPEM),
			want: "does not belong to the client certificate", phase: atPlan},
		{name: "timeout 0", config: withTimeout("0"), vars: vars(func(config.Variables) {}),
			want: "timeout_seconds must be a whole number of seconds between 1 and 300, got 0", phase: atPlan},
		{name: "timeout 1.5", config: withTimeout("1.5"), vars: vars(func(config.Variables) {}),
			want: "timeout_seconds must be a whole number of seconds between 1 and 300, got 1.5", phase: atPlan},
		{name: "timeout 2^64", config: withTimeout("18446744073709551616"), vars: vars(func(config.Variables) {}),
			want: "timeout_seconds must be a whole number of seconds between 1 and 300, got 1.8446744073709551616e+19", phase: atPlan},
	}, hidden)
}

// deployedEndpoint is a test's daemon started from the state of its first
// step, with what the real docker CLI says of it.
type deployedEndpoint struct {
	deployed   *deployed
	version    string
	apiVersion string
	serverFP   string
}

// deployForEndpoint returns a state check for the first step: it starts
// dockerd with the state's PKI and configuration, waits until it presents
// a certificate, and puts its address into vars["host"] for the next steps.
func deployForEndpoint(t *testing.T, engine *dockerdtest.Engine, vars config.Variables, waitForTLS bool, out *deployedEndpoint) statecheck.StateCheck {
	return stateCheckFunc(func(s *tfjson.State) error {
		d, err := deploy(t, engine, s, waitForTLS)
		if err != nil {
			return err
		}
		out.deployed = d
		leaves, err := readLeaves(s)
		if err != nil {
			return err
		}
		out.serverFP = pki.Fingerprint(leaves.server.cert)
		vars["host"] = config.StringVariable("tcp://" + d.daemon.Addr)
		if !waitForTLS {
			return waitForHandshake(d)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		v, err := dockerdtest.DockerCLI(ctx, d.daemon.Addr, d.client, "version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}")
		if err != nil {
			return fmt.Errorf("docker version: %v: %s", err, v)
		}
		if _, err := fmt.Sscan(v, &out.version, &out.apiVersion); err != nil {
			return fmt.Errorf("docker version printed %q: %w", v, err)
		}
		return nil
	})
}

// waitForHandshake waits until a daemon that clients will refuse at least
// presents its certificate (the published port accepts connections before
// dockerd listens behind it). It only looks at the certificate.
func waitForHandshake(d *deployed) error {
	deadline := time.Now().Add(90 * time.Second)
	for {
		var presented bool
		cfg := &tls.Config{
			InsecureSkipVerify: true, //nolint:gosec // only waits for a certificate, sends nothing
			VerifyConnection: func(cs tls.ConnectionState) error {
				presented = len(cs.PeerCertificates) > 0
				return nil
			},
		}
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", d.daemon.Addr, cfg)
		if err == nil {
			_ = conn.Close()
		}
		if presented {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dockerd never presented a certificate: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// endpointProbesConfig reads the deployed daemon four ways: with the state's
// CA and client (all well), with another CA and its client (the daemon's
// certificate does not verify), with the state's CA and another CA's client
// (the daemon refuses the client), and by a name its certificate lacks.
const endpointProbesConfig = `
variable "host" { type = string }

data "dockertls_endpoint" "match" {
  host            = var.host
  ca_cert_pem     = dockertls_ca.test.cert_pem
  client_cert_pem = dockertls_client_cert.test.cert_pem
  client_key_pem  = dockertls_client_cert.test.private_key_pem
}

data "dockertls_endpoint" "other_ca" {
  host            = var.host
  ca_cert_pem     = dockertls_ca.other.cert_pem
  client_cert_pem = dockertls_client_cert.other.cert_pem
  client_key_pem  = dockertls_client_cert.other.private_key_pem
}

data "dockertls_endpoint" "wrong_client" {
  host            = var.host
  ca_cert_pem     = dockertls_ca.test.cert_pem
  client_cert_pem = dockertls_client_cert.other.cert_pem
  client_key_pem  = dockertls_client_cert.other.private_key_pem
}

data "dockertls_endpoint" "name_mismatch" {
  # The server certificate names 127.0.0.1 only.
  host            = replace(var.host, "127.0.0.1", "localhost")
  ca_cert_pem     = dockertls_ca.test.cert_pem
  client_cert_pem = dockertls_client_cert.test.cert_pem
  client_key_pem  = dockertls_client_cert.test.private_key_pem
}
`

const serverCert = "dockertls_server_cert.test"

// TestEndpoint_DeployedDaemon deploys the state to a real dockerd and reads
// it: the served certificate is the state's, verified, with the version the
// docker CLI reports; another CA, another CA's client and a name the
// certificate lacks each fail with their own kind; after the state's server
// certificate is renewed, the daemon still serves the old one, and the two
// fingerprints differ.
func TestEndpoint_DeployedDaemon(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	env := newTestEnv(t)
	vars := dockerdVariables(engine)
	pkiCfg := daemonPKIConfig("ECDSA_P256", `["127.0.0.1"]`)
	var d deployedEndpoint
	at := tfjsonpathOf
	ds := func(name string) string { return "data.dockertls_endpoint." + name }
	kind := func(name string, k endpoint.Kind) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(ds(name), at("error_kind"), knownvalue.StringExact(string(k)))
	}
	verified := func(name string, want bool) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(ds(name), at("verified"), knownvalue.Bool(want))
	}
	servesStateCert := func(name string) statecheck.StateCheck {
		return statecheck.CompareValuePairs(ds(name), at("server_cert_fingerprint_sha256"), serverCert, at("cert_fingerprint_sha256"), compare.ValuesSame())
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config:            pkiCfg,
				ConfigVariables:   vars,
				ConfigStateChecks: []statecheck.StateCheck{deployForEndpoint(t, engine, vars, true, &d)},
			},
			{
				Config:          pkiCfg + endpointProbesConfig,
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds("match"), at("reachable"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(ds("match"), at("timeout_seconds"), knownvalue.Int64Exact(10)),
					statecheck.ExpectKnownValue(ds("match"), at("fail_on_error"), knownvalue.Bool(false)),
					verified("match", true),
					statecheck.ExpectKnownValue(ds("match"), at("server_cert_verified"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(ds("match"), at("client_cert_requested"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(ds("match"), at("accepted_client_ca_subjects"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("CN=" + caDefaults.commonName)})),
					statecheck.ExpectKnownValue(ds("match"), at("accepted_client_ca_match"), knownvalue.StringExact(string(endpoint.CAsExact))),
					statecheck.ExpectKnownValue(ds("match"), at("error"), knownvalue.Null()),
					statecheck.ExpectKnownValue(ds("match"), at("error_kind"), knownvalue.Null()),
					servesStateCert("match"),
					statecheck.CompareValuePairs(ds("match"), at("server_cert_pem"), serverCert, at("cert_pem"), compare.ValuesSame()),
					statecheck.CompareValuePairs(ds("match"), at("server_cert_not_after"), serverCert, at("validity_end_time"), compare.ValuesSame()),
					stateCheckFunc(func(s *tfjson.State) error {
						got, err := stringAttrs(s, ds("match"), "docker_version", "api_version")
						if err != nil {
							return err
						}
						if got["docker_version"] != d.version || got["api_version"] != d.apiVersion || d.version == "" {
							return fmt.Errorf("docker_version/api_version %q/%q; the docker CLI says %q/%q",
								got["docker_version"], got["api_version"], d.version, d.apiVersion)
						}
						return nil
					}),

					verified("other_ca", false),
					kind("other_ca", endpoint.UnknownAuthority),
					servesStateCert("other_ca"),
					statecheck.ExpectKnownValue(ds("other_ca"), at("docker_version"), knownvalue.Null()),

					verified("wrong_client", true),
					kind("wrong_client", endpoint.ClientCertificateRefused),
					servesStateCert("wrong_client"),
					statecheck.ExpectKnownValue(ds("wrong_client"), at("docker_version"), knownvalue.Null()),

					verified("name_mismatch", false),
					kind("name_mismatch", endpoint.NameMismatch),
					statecheck.ExpectKnownValue(ds("name_mismatch"), at("error"), knownvalue.StringRegexp(errorPattern("does not cover localhost"))),
					servesStateCert("name_mismatch"),
				},
			},
			{
				// Renewed in state, not deployed: the daemon serves the old one.
				Config:          pkiCfg + endpointProbesConfig,
				ConfigVariables: vars,
				Taint:           []string{serverCert},
				ConfigStateChecks: []statecheck.StateCheck{
					verified("match", true),
					statecheck.CompareValuePairs(ds("match"), at("server_cert_fingerprint_sha256"), serverCert, at("cert_fingerprint_sha256"), compare.ValuesDiffer()),
					stateCheckFunc(func(s *tfjson.State) error {
						got, err := stringAttrs(s, ds("match"), "server_cert_fingerprint_sha256")
						if err != nil {
							return err
						}
						if got["server_cert_fingerprint_sha256"] != d.serverFP {
							return fmt.Errorf("the daemon serves %s; the certificate deployed was %s", got["server_cert_fingerprint_sha256"], d.serverFP)
						}
						return nil
					}),
				},
			},
		},
	})
}

// admittingConfig reads two deployed daemons with the state's CA and
// client: one with tlsverify off, one whose ca.pem holds another CA too.
const admittingConfig = `
variable "open_host" { type = string }
variable "wide_host" { type = string }

data "dockertls_endpoint" "open" {
  host            = var.open_host
  ca_cert_pem     = dockertls_ca.test.cert_pem
  client_cert_pem = dockertls_client_cert.test.cert_pem
  client_key_pem  = dockertls_client_cert.test.private_key_pem
}

data "dockertls_endpoint" "wide" {
  host            = var.wide_host
  ca_cert_pem     = dockertls_ca.test.cert_pem
  client_cert_pem = dockertls_client_cert.test.cert_pem
  client_key_pem  = dockertls_client_cert.test.private_key_pem
}
`

// TestEndpoint_DaemonsThatAdmitOthers deploys the state's server
// certificate to two real daemons that admit more than the state's
// clients. With "tls": true and "tlsverify": false the daemon serves its
// certificate and answers anyone: not verified, anonymous_access, an error
// under fail_on_error. With a ca.pem holding the state's CA and another,
// the daemon admits whoever the other CA certifies: verified, and reported
// as beyond with both names.
func TestEndpoint_DaemonsThatAdmitOthers(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	env := newTestEnv(t)
	vars := dockerdVariables(engine)
	pkiCfg := daemonPKIConfig("ECDSA_P256", `["127.0.0.1"]`)
	public := issueNamedCA(t, "Some Public Root", time.Now(), 24*time.Hour)
	at := tfjsonpathOf
	ds := func(name string) string { return "data.dockertls_endpoint." + name }
	open := ds("open")
	failing := strings.Replace(admittingConfig, "  host            = var.open_host\n",
		"  host            = var.open_host\n  fail_on_error   = true\n", 1)
	if failing == admittingConfig {
		t.Fatal("the configuration did not take fail_on_error")
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config:          pkiCfg,
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
					ca, err := readIssued(s, "dockertls_ca.test")
					if err != nil {
						return err
					}
					leaves, err := readLeaves(s)
					if err != nil {
						return err
					}
					server, client := leaves.server, leaves.client
					files := acctest.WriteTLSFiles(t, t.TempDir(), "client", ca.certPEM, client.certPEM, client.keyPEM)
					daemons := map[string]*dockerdtest.Daemon{
						"open_host": startOpenDaemon(t, engine, server.certPEM, server.keyPEM),
						"wide_host": startDaemonServing(t, engine, ca.certPEM+public.CertPEM, server.certPEM, server.keyPEM),
					}
					for name, d := range daemons {
						ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
						err := d.WaitForTLS(ctx, files)
						cancel()
						if err != nil {
							return fmt.Errorf("%s: %w", name, err)
						}
						vars[name] = config.StringVariable("tcp://" + d.Addr)
					}
					return nil
				})},
			},
			{
				Config:          pkiCfg + admittingConfig,
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(open, at("reachable"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(open, at("verified"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(open, at("server_cert_verified"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(open, at("error_kind"), knownvalue.StringExact(string(endpoint.AnonymousAccess))),
					statecheck.ExpectKnownValue(open, at("error"), knownvalue.StringRegexp(errorPattern("to a client that presented no certificate"))),
					statecheck.ExpectKnownValue(open, at("client_cert_requested"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(open, at("accepted_client_ca_subjects"), knownvalue.Null()),
					statecheck.ExpectKnownValue(open, at("accepted_client_ca_match"), knownvalue.Null()),
					statecheck.ExpectKnownValue(open, at("docker_version"), knownvalue.Null()),
					statecheck.CompareValuePairs(open, at("server_cert_fingerprint_sha256"), serverCert, at("cert_fingerprint_sha256"), compare.ValuesSame()),

					statecheck.ExpectKnownValue(ds("wide"), at("verified"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(ds("wide"), at("error"), knownvalue.Null()),
					statecheck.ExpectKnownValue(ds("wide"), at("client_cert_requested"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(ds("wide"), at("accepted_client_ca_subjects"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("CN=" + caDefaults.commonName), knownvalue.StringExact("CN=Some Public Root"),
					})),
					statecheck.ExpectKnownValue(ds("wide"), at("accepted_client_ca_match"), knownvalue.StringExact(string(endpoint.CAsBeyond))),
					statecheck.ExpectKnownValue(ds("wide"), at("docker_version"), knownvalue.NotNull()),
				},
			},
			{
				Config:          pkiCfg + failing,
				ConfigVariables: vars,
				ExpectError:     errorPattern("failed: anonymous_access"),
			},
		},
	})
}

// TestEndpoint_ExpiredServerCertificate: a server certificate issued three
// hours ago (by the test's clock) for one hour, deployed to a real dockerd.
func TestEndpoint_ExpiredServerCertificate(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	env := newTestEnvAt(t, time.Now().Add(-3*time.Hour))
	vars := dockerdVariables(engine)
	pkiCfg := strings.Replace(daemonPKIConfig("ECDSA_P256", `["127.0.0.1"]`),
		`ip_addresses       = ["127.0.0.1"]`,
		"ip_addresses       = [\"127.0.0.1\"]\n  validity_period_hours = 1\n  early_renewal_hours   = 0", 1)
	if !strings.Contains(pkiCfg, "validity_period_hours = 1") {
		t.Fatal("the configuration did not take the validity")
	}
	var d deployedEndpoint
	at := tfjsonpathOf
	match := "data.dockertls_endpoint.match"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config:            pkiCfg,
				ConfigVariables:   vars,
				ConfigStateChecks: []statecheck.StateCheck{deployForEndpoint(t, engine, vars, false, &d)},
			},
			{
				Config:          pkiCfg + endpointProbesConfig,
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(match, at("reachable"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(match, at("verified"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(match, at("error_kind"), knownvalue.StringExact(string(endpoint.Expired))),
					statecheck.ExpectKnownValue(match, at("error"), knownvalue.StringRegexp(errorPattern("expired at"))),
					statecheck.CompareValuePairs(match, at("server_cert_fingerprint_sha256"), serverCert, at("cert_fingerprint_sha256"), compare.ValuesSame()),
					statecheck.CompareValuePairs(match, at("server_cert_not_after"), serverCert, at("validity_end_time"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(match, at("docker_version"), knownvalue.Null()),
				},
			},
		},
	})
}

// TestTraceLogsHoldNoEndpointClientKey reads a daemon with every log at
// TRACE and searches the log for the client key, after proving that the data
// source's own log line, with the server certificate's fingerprint, reached
// it.
func TestTraceLogsHoldNoEndpointClientKey(t *testing.T) {
	p := newGoPKI(t)
	d := acctest.StartFakeDaemon(t, p.serverPair(), p.ca.Cert, 0)
	env := newTestEnv(t)
	logs := logAtTrace(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config:          endpointVarsConfig,
			ConfigVariables: endpointVars("tcp://"+d.Addr, p.ca, p.client),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(endpointData, tfjsonpathOf("verified"), knownvalue.Bool(true)),
			},
		}},
	})
	logs.holdNoKeys(t, map[string]string{"client_key_pem": p.client.PrivateKeyPEM}, 1,
		"probed a Docker endpoint: .*"+regexp.QuoteMeta(pki.Fingerprint(p.server.Cert)))
}

// TestEndpoint_TimeoutBoundsTheRead: a port that accepts and never
// answers costs timeout_seconds per read, and is reported, not an error.
func TestEndpoint_TimeoutBoundsTheRead(t *testing.T) {
	t.Parallel()
	p := newGoPKI(t)
	host := "tcp://" + acctest.StartSilentListener(t)
	cfg := strings.Replace(endpointVarsConfig, "timeout_seconds = 5", "timeout_seconds = 1", 1)
	at := tfjsonpathOf
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config:          cfg,
			ConfigVariables: endpointVars(host, p.ca, p.client),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(endpointData, at("reachable"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(endpointData, at("verified"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(endpointData, at("error_kind"), knownvalue.StringExact(string(endpoint.Timeout))),
				statecheck.ExpectKnownValue(endpointData, at("error"), knownvalue.StringRegexp(errorPattern("no answer within 1s (during the TLS handshake)"))),
				statecheck.ExpectKnownValue(endpointData, at("server_cert_pem"), knownvalue.Null()),
			},
		}},
	})
}

// TestEndpoint_AdmitsAnyCertificate reads a daemon (a proxy, in practice:
// dockerd always names its CAs) that refuses a client without a certificate
// but admits any certificate at all: whoever makes one has the Docker API,
// so it is not verified, and a check block that asserts verified warns.
func TestEndpoint_AdmitsAnyCertificate(t *testing.T) {
	t.Parallel()
	p := newGoPKI(t)
	d := acctest.StartFakeDaemonWith(t, p.serverPair(), acctest.FakeDaemonOptions{ClientAuth: tls.RequireAnyClientCert})
	at := tfjsonpathOf
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config:          endpointVarsConfig,
			ConfigVariables: endpointVars("tcp://"+d.Addr, p.ca, p.client),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(endpointData, at("verified"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(endpointData, at("server_cert_verified"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(endpointData, at("client_cert_requested"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(endpointData, at("accepted_client_ca_match"), knownvalue.StringExact(string(endpoint.CAsUnlisted))),
				statecheck.ExpectKnownValue(endpointData, at("error_kind"), knownvalue.StringExact(string(endpoint.AnonymousAccess))),
				statecheck.ExpectKnownValue(endpointData, at("error"), knownvalue.StringRegexp(errorPattern("a certificate no CA signed"))),
			},
		}},
	})
}
