package provider

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/clock"
	"github.com/dockertls/terraform-provider-dockertls/internal/dockerdtest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// mintedCert is one certificate the ephemeral resource returned to Terraform.
type mintedCert struct{ certPEM, keyPEM string }

// mintLog keeps what every OpenEphemeralResource call returned, read from
// the protocol, so a test knows the bytes it must not find anywhere else.
type mintLog struct {
	mu     sync.Mutex
	minted []mintedCert
}

func (l *mintLog) all() []mintedCert {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]mintedCert(nil), l.minted...)
}

// openRecorder is the provider server with OpenEphemeralResource recorded.
type openRecorder struct {
	tfprotov6.ProviderServer
	log        *mintLog
	resultType tftypes.Type
}

func (r *openRecorder) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	resp, err := r.ProviderServer.OpenEphemeralResource(ctx, req)
	if err != nil || resp == nil || resp.Result == nil {
		return resp, err
	}
	v, uerr := resp.Result.Unmarshal(r.resultType)
	var attrs map[string]tftypes.Value
	if uerr == nil {
		uerr = v.As(&attrs)
	}
	var m mintedCert
	if uerr == nil {
		uerr = attrs["cert_pem"].As(&m.certPEM)
	}
	if uerr == nil {
		uerr = attrs["private_key_pem"].As(&m.keyPEM)
	}
	if uerr != nil {
		return nil, fmt.Errorf("recording the ephemeral result: %w", uerr)
	}
	if m.certPEM != "" {
		r.log.mu.Lock()
		r.log.minted = append(r.log.minted, m)
		r.log.mu.Unlock()
	}
	return resp, nil
}

// recordingFactories serves the env's provider with its opens recorded,
// and the echo provider, which copies a provider configuration into state.
func recordingFactories(t *testing.T, env *testEnv) (map[string]func() (tfprotov6.ProviderServer, error), *mintLog) {
	t.Helper()
	var s ephemeral.SchemaResponse
	(&clientCertEphemeral{}).Schema(context.Background(), ephemeral.SchemaRequest{}, &s)
	resultType := s.Schema.Type().TerraformType(context.Background())
	log := &mintLog{}
	return map[string]func() (tfprotov6.ProviderServer, error){
		"dockertls": func() (tfprotov6.ProviderServer, error) {
			srv, err := newProtocol6WithClock("test", env.clock)()
			return &openRecorder{ProviderServer: srv, log: log, resultType: resultType}, err
		},
		"echo": echoprovider.NewProviderServer(),
	}, log
}

// mintedFragments are the forms in which the minted keys and certificates
// could appear: PEM body lines, the DER in base64 and in hex.
func mintedFragments(t *testing.T, minted []mintedCert) []string {
	t.Helper()
	var fragments []string
	for _, m := range minted {
		fragments = append(fragments, keyFragments(t, m.keyPEM)...)
		fragments = append(fragments, keyFragments(t, m.certPEM)...)
	}
	return fragments
}

// filesUnder reads every file under dir whose name matches, a saved plan
// (a zip archive) member by member, decompressed.
func filesUnder(dir string, match func(name string) bool) (map[string]string, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && match(d.Name()) {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range paths {
		if filepath.Base(p) != "tfplan" {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			out[p] = string(b)
			continue
		}
		if err := readZipMembers(p, out); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return out, nil
}

// readZipMembers adds each member of the archive at p to out, decompressed.
func readZipMembers(p string, out map[string]string) error {
	z, err := zip.OpenReader(p)
	if err != nil {
		return err
	}
	defer z.Close()
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			return err
		}
		member, err := io.ReadAll(r)
		_ = r.Close()
		if err != nil {
			return err
		}
		out[p+"!"+f.Name] = string(member)
	}
	return nil
}

// ephemeralScan looks for the minted certificates and keys, and the CA key,
// in the saved plan (every member of the archive) or the state files, and
// for the CA certificate, which is an ordinary variable, as the control: the
// saved plan must hold it, else the scan proves nothing.
type ephemeralScan struct {
	t      *testing.T
	dir    string
	log    *mintLog
	ca     *pki.Certificate
	opened *int // minted certificates seen by the last check
}

func (s ephemeralScan) scan(what string, match func(string) bool, control bool) error {
	minted := s.log.all()
	if len(minted) == 0 {
		return fmt.Errorf("the ephemeral resource was never opened: the scan of %s would prove nothing", what)
	}
	*s.opened = len(minted)
	files, err := filesUnder(s.dir, match)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no %s under the working directory", what)
	}
	secret := append(mintedFragments(s.t, minted), keyFragments(s.t, s.ca.PrivateKeyPEM)...)
	caFound := false
	for name, text := range files {
		if f, found := holdsKey(text, secret); found {
			return fmt.Errorf("%s holds secret bytes (%d characters of them)", filepath.Base(name), len(f))
		}
		_, inFile := holdsKey(text, keyFragments(s.t, s.ca.CertPEM))
		caFound = caFound || inFile
	}
	if control && !caFound {
		return fmt.Errorf("control: the CA certificate (an ordinary variable) is not in %s, so the scan proves nothing", what)
	}
	return nil
}

// planFileScan runs after `terraform plan -out`, before the apply.
type planFileScan struct{ ephemeralScan }

func (s planFileScan) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = s.scan("the saved plan", func(n string) bool { return n == "tfplan" }, true)
}

type stateFileScan struct{ ephemeralScan }

func (s stateFileScan) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = s.scan("the state files", func(n string) bool { return strings.Contains(n, ".tfstate") }, false)
}

// ephemeralConfig mints a client certificate from a CA given as variables,
// its key ephemeral, and hands it to a provider configuration, as a
// pipeline configures a docker provider; a managed CA makes a state.
const ephemeralConfig = ephemeralKeyVariables + `
ephemeral "dockertls_client_cert" "test" {
  ca_cert_pem        = var.ca_cert
  ca_private_key_pem = var.ca_key
}

provider "echo" {
  data = ephemeral.dockertls_client_cert.test
}

resource "dockertls_ca" "unrelated" {}
`

// TestEphemeralClientCert_NeverInPlanOrState: the minted certificate and
// key, and the CA key, are in neither the saved plan file (every member of
// the archive) nor the state files, although the certificate was minted at
// plan and at apply. The control step copies the certificate into state with
// the echo provider, and the same scan must then find it.
// Not parallel: it points terraform's working directories at its own.
func TestEphemeralClientCert_NeverInPlanOrState(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", dir)
	env := newTestEnv(t)
	factories, log := recordingFactories(t, env)
	ca := testCA(t, env.clock.Now(), 1000*time.Hour)
	var atPlan, atApply int
	scan := func(n *int) ephemeralScan { return ephemeralScan{t: t, dir: dir, log: log, ca: ca, opened: n} }
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{
				Config: ephemeralConfig, ConfigVariables: caVars(ca),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{planFileScan{scan(&atPlan)}}},
				ConfigStateChecks: []statecheck.StateCheck{stateFileScan{scan(&atApply)}},
			},
			{
				PreConfig: func() {
					t.Logf("certificates minted: %d by the plan, %d by plan and apply", atPlan, atApply)
					if atApply <= atPlan {
						t.Errorf("the apply minted no certificate of its own (%d at plan, %d after apply)", atPlan, atApply)
					}
				},
				Config: ephemeralConfig + `resource "echo" "copy" {}` + "\n", ConfigVariables: caVars(ca),
				ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(*tfjson.State) error {
					err := stateFileScan{scan(new(int))}.scan("the state files", func(n string) bool { return strings.HasSuffix(n, ".tfstate") }, false)
					if err == nil || !strings.Contains(err.Error(), "holds secret bytes") {
						return fmt.Errorf("control: the certificate copied into state by the echo provider was not found: %v", err)
					}
					return nil
				})},
			},
		},
	})
}

// ephemeralWith is an ephemeral client certificate from the CA in the
// variables, with body added.
func ephemeralWith(body string) string {
	return caVariables + `
ephemeral "dockertls_client_cert" "test" {
  ca_cert_pem        = var.ca_cert
  ca_private_key_pem = var.ca_key
` + body + "\n}\n"
}

// echoed reads the certificate the echo provider copied into state.
func echoed(s *tfjson.State, address string) (certPEM, keyPEM string, err error) {
	attrs, err := resourceAttrs(s, address)
	if err != nil {
		return "", "", err
	}
	data, ok := attrs["data"].(map[string]any)
	if !ok {
		return "", "", fmt.Errorf("%s.data is %T, not an object", address, attrs["data"])
	}
	certPEM, _ = data["cert_pem"].(string)
	keyPEM, _ = data["private_key_pem"].(string)
	if certPEM == "" || keyPEM == "" {
		return "", "", fmt.Errorf("%s.data holds no certificate and key", address)
	}
	return certPEM, keyPEM, nil
}

// TestEphemeralClientCert_Profile: the defaults (an hour, "client", ECDSA
// P-256) and the given values, held to Docker's client profile by the
// independent checker, signed by the CA, with outputs that describe it.
func TestEphemeralClientCert_Profile(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	factories, _ := recordingFactories(t, env)
	ca := testCA(t, env.clock.Now(), 1000*time.Hour)
	cfg := caVariables + `
ephemeral "dockertls_client_cert" "defaults" {
  ca_cert_pem           = var.ca_cert
  ca_private_key_pem_wo = var.ca_key
}

ephemeral "dockertls_client_cert" "given" {
  ca_cert_pem           = var.ca_cert
  ca_private_key_pem    = var.ca_key
  key_algorithm         = "ED25519"
  common_name           = "ci-runner"
  organization          = "Acme CI"
  validity_period_hours = 3
}

provider "echo" {
  data = {
    defaults = ephemeral.dockertls_client_cert.defaults
    given    = ephemeral.dockertls_client_cert.given
  }
}

resource "echo" "test" {}
`
	expect := map[string]acctest.Expect{
		"defaults": {Role: "client", KeyAlgorithm: "ECDSA_P256", CommonName: "client", Validity: time.Hour, IssuedAt: env.clock.Now(), IssuerKeyAlgorithm: "ECDSA_P256"},
		"given": {Role: "client", KeyAlgorithm: "ED25519", CommonName: "ci-runner", Organization: "Acme CI", Validity: 3 * time.Hour,
			IssuedAt: env.clock.Now(), IssuerKeyAlgorithm: "ECDSA_P256"},
	}
	var checks []statecheck.StateCheck
	for name, e := range expect {
		at := func(attr string) tfjsonpath.Path { return tfjsonpath.New("data").AtMapKey(name).AtMapKey(attr) }
		start := e.IssuedAt.Add(-5 * time.Minute).UTC().Format(time.RFC3339)
		end := e.IssuedAt.Add(e.Validity).UTC().Format(time.RFC3339)
		checks = append(checks,
			statecheck.ExpectKnownValue("echo.test", at("cert_pem"), certificatePEM{e}),
			statecheck.ExpectKnownValue("echo.test", at("private_key_pem"), privateKeyPEM{e.KeyAlgorithm}),
			statecheck.ExpectKnownValue("echo.test", at("key_algorithm"), knownvalue.StringExact(e.KeyAlgorithm)),
			statecheck.ExpectKnownValue("echo.test", at("common_name"), knownvalue.StringExact(e.CommonName)),
			statecheck.ExpectKnownValue("echo.test", at("validity_period_hours"), knownvalue.Int64Exact(int64(e.Validity/time.Hour))),
			statecheck.ExpectKnownValue("echo.test", at("serial_number"), knownvalue.StringRegexp(serialPattern)),
			statecheck.ExpectKnownValue("echo.test", at("cert_fingerprint_sha256"), knownvalue.StringRegexp(fingerprintPattern)),
			statecheck.ExpectKnownValue("echo.test", at("validity_start_time"), knownvalue.StringExact(start)),
			statecheck.ExpectKnownValue("echo.test", at("validity_end_time"), knownvalue.StringExact(end)),
		)
	}
	checks = append(checks, stateCheckFunc(func(s *tfjson.State) error {
		attrs, err := resourceAttrs(s, "echo.test")
		if err != nil {
			return err
		}
		data, _ := attrs["data"].(map[string]any)
		for name := range expect {
			m, _ := data[name].(map[string]any)
			certPEM, _ := m["cert_pem"].(string)
			cert, err := acctest.ParseCertificate(certPEM)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if got, want := m["cert_fingerprint_sha256"], acctest.Fingerprint(cert); got != want {
				return fmt.Errorf("%s: cert_fingerprint_sha256 = %v, the certificate's is %s", name, got, want)
			}
			if got, want := m["serial_number"], cert.SerialNumber.String(); got != want {
				return fmt.Errorf("%s: serial_number = %v, the certificate's is %s", name, got, want)
			}
			if err := acctest.VerifyChain(cert, ca.Cert, x509.ExtKeyUsageClientAuth, "", env.clock.Now()); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	}))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps:                    []resource.TestStep{{Config: cfg, ConfigVariables: caVars(ca), ConfigStateChecks: checks}},
	})
}

// TestEphemeralClientCert_DaemonAcceptsOnlyWithinValidity hands the
// ephemeral certificate to a real dockerd, which checks it against the real
// time. The provider's clock starts three hours back, so the first
// certificate (valid for an hour) has expired when the daemon sees it and is
// refused as expired; the clock then moves to the present, and the
// certificate minted then is served. The echo provider carries each
// certificate from the ephemeral resource to the test.
func TestEphemeralClientCert_DaemonAcceptsOnlyWithinValidity(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	env := newTestEnvAt(t, time.Now().Add(-3*time.Hour))
	factories, _ := recordingFactories(t, env)
	base := daemonPKIConfig("ECDSA_P256", `["127.0.0.1"]`) + `
ephemeral "dockertls_client_cert" "ci" {
  ca_cert_pem           = dockertls_ca.test.cert_pem
  ca_private_key_pem_wo = dockertls_ca.test.private_key_pem
}

provider "echo" {
  data = ephemeral.dockertls_client_cert.ci
}

# The echo resource records the provider configuration once, when created.
resource "echo" "expired" {}
`
	var d *deployed
	clientFiles := func(s *tfjson.State, address string) (acctest.TLSFiles, error) {
		certPEM, keyPEM, err := echoed(s, address)
		if err != nil {
			return acctest.TLSFiles{}, err
		}
		return acctest.WriteTLSFiles(t, filepath.Join(t.TempDir(), "ci"), "client", readFileString(t, d.client.CA), certPEM, keyPEM), nil
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{
				Config: base, ConfigVariables: dockerdVariables(engine),
				ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
					var err error
					if d, err = deploy(t, engine, s, true); err != nil {
						return err
					}
					expired, err := clientFiles(s, "echo.expired")
					if err != nil {
						return err
					}
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					// dockerd's TLS sends the generic alert; its log says why.
					if err := acctest.ExpectRefusedPresenting(ctx, d.daemon.Addr, "", expired, "bad certificate", "expired certificate"); err != nil {
						return fmt.Errorf("a certificate past its validity: %w", err)
					}
					cert, err := acctest.ParseCertificate(readFileString(t, expired.Cert))
					if err != nil {
						return err
					}
					if why := "x509: certificate has expired or is not yet valid: current time "; !strings.Contains(d.daemon.Logs(), why) ||
						!strings.Contains(d.daemon.Logs(), "is after "+cert.NotAfter.UTC().Format(time.RFC3339)) {
						return fmt.Errorf("the daemon refused the certificate, but its log does not say it expired at %s",
							cert.NotAfter.UTC().Format(time.RFC3339))
					}
					if out, err := dockerdtest.DockerCLI(ctx, d.daemon.Addr, expired, "version"); err == nil {
						return fmt.Errorf("the docker CLI with an expired certificate was served: %s", out)
					}
					return nil
				})},
			},
			{
				PreConfig: func() { env.clock.Advance(3 * time.Hour) },
				Config:    base + "resource \"echo\" \"valid\" {}\n", ConfigVariables: dockerdVariables(engine),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// The daemon of the first step keeps its certificates.
					plancheck.ExpectResourceAction("dockertls_server_cert.test", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("echo.valid", plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
					valid, err := clientFiles(s, "echo.valid")
					if err != nil {
						return err
					}
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					if err := acctest.Ping(ctx, d.daemon.Addr, "", valid); err != nil {
						return fmt.Errorf("a certificate within its validity: %w", err)
					}
					if out, err := dockerdtest.DockerCLI(ctx, d.daemon.Addr, valid, "version", "--format", "{{.Server.Version}}"); err != nil || out == "" {
						return fmt.Errorf("docker --tlsverify version with the ephemeral certificate: %v: %s", err, out)
					}
					return nil
				})},
			},
		},
	})
}

// TestEphemeralClientCert_TakesTheResourcesCAArguments: the docs promise that
// a dockertls_client_cert resource block moves here unchanged, and the
// resource's blocks give the CA through ca_cert_pem_wo and
// ca_private_key_pem_wo (the README's usage, every example). Such a block,
// its arguments as the README writes them, mints a certificate of that CA.
func TestEphemeralClientCert_TakesTheResourcesCAArguments(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	factories, _ := recordingFactories(t, env)
	ca := testCA(t, env.clock.Now(), 1000*time.Hour)
	cfg := caVariables + `
ephemeral "dockertls_client_cert" "me" {
  ca_cert_pem_wo        = var.ca_cert
  ca_private_key_pem_wo = var.ca_key
}

provider "echo" {
  data = ephemeral.dockertls_client_cert.me
}

resource "echo" "test" {}
`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: cfg, ConfigVariables: caVars(ca),
			ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
				certPEM, _, err := echoed(s, "echo.test")
				if err != nil {
					return err
				}
				cert, err := acctest.ParseCertificate(certPEM)
				if err != nil {
					return err
				}
				return acctest.VerifyChain(cert, ca.Cert, x509.ExtKeyUsageClientAuth, "", env.clock.Now())
			})},
		}},
	})
}

// TestEphemeralClientCert_BadInput: the resource's catalogue of refused
// inputs, with the same words, at plan time.
func TestEphemeralClientCert_BadInput(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC().Truncate(time.Second)
	good, other := testCA(t, now, 1000*time.Hour), testCA(t, now, 1000*time.Hour)
	expired := testCA(t, now.Add(-3000*time.Hour), 1000*time.Hour)
	serverOnlyCert, serverOnlyKey := acctest.GoMadeCA(t, now, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth})
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // a weak key is the point of the case
	if err != nil {
		t.Fatal(err)
	}
	weakCert, weakKey := acctest.CAForKey(t, rsa1024, now)
	goodIssuer, err := pki.NewSigningCA(good.Cert, good.Key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, CommonName: "c", Validity: time.Hour}, goodIssuer, now)
	if err != nil {
		t.Fatal(err)
	}
	vars := func(cert, key string) config.Variables {
		return config.Variables{"ca_cert": config.StringVariable(cert), "ca_key": config.StringVariable(key)}
	}
	goodVars := vars(good.CertPEM, good.PrivateKeyPEM)
	var cases []badInput
	for _, c := range sharedAttributeBadInputs {
		if strings.Contains(c.body, "early_renewal_hours") {
			continue // no renewal: see the unsupported-argument case below
		}
		cases = append(cases, badInput{"shared/" + c.name, ephemeralWith(c.body), goodVars, c.want, atPlan})
	}
	withKeys := func(keyLines string) string {
		return caVariables + `
ephemeral "dockertls_client_cert" "test" {
  ca_cert_pem = var.ca_cert
` + keyLines + "}\n"
	}
	cases = append(cases, []badInput{
		{"early_renewal_hours", ephemeralWith("early_renewal_hours = 1"), goodVars, `An argument named "early_renewal_hours" is not expected here`, atPlan},
		{"both CA key arguments", withKeys("  ca_private_key_pem    = var.ca_key\n  ca_private_key_pem_wo = var.ca_key\n"), goodVars,
			"ca_private_key_pem and ca_private_key_pem_wo are both set", atPlan},
		{"no CA key argument", withKeys(""), goodVars, "No CA key: set ca_private_key_pem_wo or ca_private_key_pem", atPlan},
		{"both CA certificate arguments", ephemeralWith("ca_cert_pem_wo = var.ca_cert"), goodVars,
			"ca_cert_pem and ca_cert_pem_wo are both set", atPlan},
		{"no CA certificate argument", caVariables + "ephemeral \"dockertls_client_cert\" \"test\" {\n  ca_private_key_pem = var.ca_key\n}\n", goodVars,
			"No CA certificate: set ca_cert_pem_wo or ca_cert_pem", atPlan},
		{"key appended to ca_cert_pem_wo", caVariables + "ephemeral \"dockertls_client_cert\" \"test\" {\n  ca_cert_pem_wo = var.ca_cert\n  ca_private_key_pem_wo = var.ca_key\n}\n",
			vars(good.CertPEM+good.PrivateKeyPEM, good.PrivateKeyPEM), "remove the key and pass the certificate alone. ca_cert_pem_wo is not sensitive", atPlan},
		{"key of another CA", ephemeralWith(""), vars(good.CertPEM, other.PrivateKeyPEM), "the private key does not belong to the CA certificate", atPlan},
		{"key appended to ca_cert_pem", ephemeralWith(""), vars(good.CertPEM+good.PrivateKeyPEM, good.PrivateKeyPEM),
			"remove the key and pass the certificate alone. ca_cert_pem is not sensitive", atPlan},
		{"two certificates in ca_cert_pem", ephemeralWith(""), vars(good.CertPEM+other.CertPEM, good.PrivateKeyPEM), "a chain or bundle is not an issuer", atPlan},
		{"client certificate as the CA", ephemeralWith(""), vars(leaf.CertPEM, leaf.PrivateKeyPEM), "such as dockertls_ca's cert_pem", atPlan},
		{"CA only for servers", ephemeralWith(""), vars(serverOnlyCert, serverOnlyKey), "carries an extendedKeyUsage without clientAuth", atPlan},
		{"expired CA", ephemeralWith(""), vars(expired.CertPEM, expired.PrivateKeyPEM), `the CA certificate "Test CA" expired at`, atPlan},
		{"RSA-1024 CA", ephemeralWith(""), vars(weakCert, weakKey), "this one has 1024 bits", atPlan},
		{"byte-order mark before the CA key", ephemeralWith(""), vars(good.CertPEM, "\ufeff"+good.PrivateKeyPEM), `trimprefix(file("ca-key.pem")`, atPlan},
	}...)
	runBadInputs(t, cases)
}

// openDirectly calls Open as Terraform would, with the given string
// attributes set and every other attribute null, at the clock's time.
func openDirectly(t *testing.T, now time.Time, attrs map[string]string) (ephemeralClientCertModel, diag.Diagnostics) {
	t.Helper()
	ctx := context.Background()
	r := &clientCertEphemeral{providerClock: providerClock{clock: clock.NewFake(now)}}
	var s ephemeral.SchemaResponse
	r.Schema(ctx, ephemeral.SchemaRequest{}, &s)
	typ, ok := s.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the schema is not an object")
	}
	values := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
		if v, set := attrs[name]; set {
			values[name] = tftypes.NewValue(at, v)
		}
	}
	raw := tftypes.NewValue(typ, values)
	resp := ephemeral.OpenResponse{Result: tfsdk.EphemeralResultData{Raw: raw, Schema: s.Schema}}
	r.Open(ctx, ephemeral.OpenRequest{Config: tfsdk.Config{Raw: raw, Schema: s.Schema}}, &resp)
	var m ephemeralClientCertModel
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.Result.Get(ctx, &m)...)
	}
	return m, resp.Diagnostics
}

// TestEphemeralClientCert_WarnsWhenItOutlivesItsCA: warnings do not fail a
// terraform run, so Open is called directly. A CA with 30 minutes left still
// signs the hour-long default certificate, with the resource's warning.
func TestEphemeralClientCert_WarnsWhenItOutlivesItsCA(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ca := testCA(t, now.Add(-time.Hour), 90*time.Minute)
	m, diags := openDirectly(t, now, map[string]string{"ca_cert_pem": ca.CertPEM, "ca_private_key_pem_wo": ca.PrivateKeyPEM})
	if diags.HasError() || diags.WarningsCount() != 1 {
		t.Fatalf("want exactly one warning, got %v", diags)
	}
	w := diags.Warnings()[0]
	if w.Summary() != "Certificate outlives its CA" || !strings.Contains(w.Detail(), "valid until 2030-01-01T01:00:00Z, but its CA certificate expires at 2030-01-01T00:30:00Z") {
		t.Errorf("warning %q: %q", w.Summary(), w.Detail())
	}
	if got := m.ValidityEndTime.ValueString(); got != "2030-01-01T01:00:00Z" {
		t.Errorf("validity_end_time = %s, want an hour after the clock's time", got)
	}
	if m.KeyAlgorithm.ValueString() != "ECDSA_P256" || m.CommonName.ValueString() != "client" {
		t.Errorf("defaults not applied: key_algorithm %s, common_name %s", m.KeyAlgorithm, m.CommonName)
	}

	// Inside the CA's validity: no warning.
	if _, diags := openDirectly(t, now.Add(-time.Hour), map[string]string{"ca_cert_pem": ca.CertPEM, "ca_private_key_pem": ca.PrivateKeyPEM}); len(diags) != 0 {
		t.Errorf("a certificate inside its CA's validity: %v", diags)
	}
}

// TestEphemeralClientCert_ErrorsNameTheBlock: a bad CA argument that only
// plan can judge (it comes from a variable) is reported without a location
// by Terraform; the message names the block type and the argument instead.
func TestEphemeralClientCert_ErrorsNameTheBlock(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ca := testCA(t, env.clock.Now(), 1000*time.Hour)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	w.Setenv("TF_VAR_ca_cert", ca.CertPEM)
	w.SetConfig(`
variable "ca_cert" { type = string }

ephemeral "dockertls_client_cert" "me" {
  ca_cert_pem_wo        = var.ca_cert
  ca_private_key_pem_wo = var.ca_cert
}
`)
	w.Init()
	plan := w.Run("plan", "-json")
	if plan.ExitCode == 0 {
		t.Fatalf("the plan succeeded with a certificate for a key\n%s", plan)
	}
	want := `In an ephemeral "dockertls_client_cert" block, ca_private_key_pem_wo: `
	errs := plan.Diagnostics("error")
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Detail, want) {
		t.Errorf("the plan fails with %+v, want one error whose detail starts %q", errs, want)
	}
}
