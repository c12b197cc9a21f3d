package provider

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// pkiConfig is a CA with a server and a client certificate, plus a second,
// unrelated CA with its own client, which the daemon must refuse.
func pkiConfig(alg string) string {
	return fmt.Sprintf(`
resource "dockertls_ca" "test" {
  key_algorithm = %[1]q
  organization  = "Acme"
}

resource "dockertls_server_cert" "test" {
  key_algorithm      = %[1]q
  ca_cert_pem        = dockertls_ca.test.cert_pem
  ca_private_key_pem = dockertls_ca.test.private_key_pem
  dns_names          = ["docker.test", "localhost"]
  ip_addresses       = ["127.0.0.1", "::1"]
}

resource "dockertls_client_cert" "test" {
  key_algorithm      = %[1]q
  ca_cert_pem        = dockertls_ca.test.cert_pem
  ca_private_key_pem = dockertls_ca.test.private_key_pem
}
`+otherCAConfig, alg)
}

// TestCertificates_EveryKeyAlgorithm issues the whole PKI with each key
// algorithm and checks every attribute, Docker's x509 profile, the chains,
// and a real mutual-TLS exchange through go-connections as dockerd and the
// docker CLI configure it. The test framework then requires an empty plan.
func TestCertificates_EveryKeyAlgorithm(t *testing.T) {
	t.Parallel()
	for _, alg := range pki.KeyAlgorithmNames() {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t)
			now := env.clock.Now()
			expect := func(role, cn string, validity int64) acctest.Expect {
				e := acctest.Expect{Role: role, KeyAlgorithm: alg, CommonName: cn, Validity: time.Duration(validity) * time.Hour, IssuedAt: now}
				if role != "ca" {
					e.IssuerKeyAlgorithm = alg
				}
				return e
			}
			caExpect := expect("ca", caDefaults.commonName, caDefaults.validityHours)
			caExpect.Organization = "Acme"
			serverExpect := expect("server", "docker.test", leafDefaults.validityHours)
			serverExpect.DNSNames = []string{"docker.test", "localhost"}
			serverExpect.IPAddresses = []string{"127.0.0.1", "::1"}

			var checks []statecheck.StateCheck
			checks = append(checks, certificateStateChecks("dockertls_ca.test", caExpect, caDefaults.earlyRenewalHours, knownvalue.StringExact("Acme"))...)
			checks = append(checks, certificateStateChecks("dockertls_server_cert.test", serverExpect, leafDefaults.earlyRenewalHours, knownvalue.Null())...)
			checks = append(checks, certificateStateChecks("dockertls_client_cert.test", expect("client", "client", leafDefaults.validityHours), leafDefaults.earlyRenewalHours, knownvalue.Null())...)
			checks = append(checks,
				statecheck.ExpectSensitiveValue("dockertls_server_cert.test", tfjsonpathOf("ca_private_key_pem")),
				stateCheckFunc(func(s *tfjson.State) error {
					ca, err := readIssued(s, "dockertls_ca.test")
					if err != nil {
						return err
					}
					return checkChainsAndHandshakes(t, s, ca.cert, ca.certPEM, now)
				}),
			)

			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories,
				Steps: []resource.TestStep{{
					Config:            pkiConfig(alg),
					ConfigStateChecks: checks,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
				}},
			})
		})
	}
}

// checkChainsAndHandshakes verifies each chain for its purpose (and not for
// the other), then serves HTTPS with the server certificate as dockerd does
// and dials it as the docker CLI does: the right client gets an answer; no
// client certificate, another CA's client and a wrong server name are refused.
func checkChainsAndHandshakes(t *testing.T, s *tfjson.State, caCert *x509.Certificate, caPEM string, now time.Time) error {
	leaves, err := readLeaves(s)
	if err != nil {
		return err
	}
	server, client, otherClient := leaves.server, leaves.client, leaves.otherClient

	var errs []error
	expectChain := func(what string, leaf, root *x509.Certificate, usage x509.ExtKeyUsage, host string, wantOK bool) {
		err := acctest.VerifyChain(leaf, root, usage, host, now)
		if (err == nil) != wantOK {
			errs = append(errs, fmt.Errorf("chain %s: verified=%v, want %v (%v)", what, err == nil, wantOK, err))
		}
	}
	for what, leaf := range map[string]*x509.Certificate{"server": server.cert, "client": client.cert} {
		if !bytes.Equal(leaf.AuthorityKeyId, caCert.SubjectKeyId) && len(caCert.SubjectKeyId) > 0 {
			errs = append(errs, fmt.Errorf("%s: authority key identifier %X differs from the CA's subject key identifier %X", what, leaf.AuthorityKeyId, caCert.SubjectKeyId))
		}
	}
	expectChain("server for serverAuth", server.cert, caCert, x509.ExtKeyUsageServerAuth, "docker.test", true)
	expectChain("client for clientAuth", client.cert, caCert, x509.ExtKeyUsageClientAuth, "", true)
	expectChain("client cert serving", client.cert, caCert, x509.ExtKeyUsageServerAuth, "", false)
	expectChain("server cert as a client", server.cert, caCert, x509.ExtKeyUsageClientAuth, "", false)
	expectChain("other CA's client", otherClient.cert, caCert, x509.ExtKeyUsageClientAuth, "", false)

	dir := t.TempDir()
	serverFiles := acctest.WriteTLSFiles(t, filepath.Join(dir, "server"), "server", caPEM, server.certPEM, server.keyPEM)
	addr := acctest.StartDockerLikeServer(t, serverFiles)
	goodClient := acctest.WriteTLSFiles(t, filepath.Join(dir, "client"), "client", caPEM, client.certPEM, client.keyPEM)
	noCert := acctest.WriteTLSFiles(t, filepath.Join(dir, "nocert"), "client", caPEM, "", "")
	foreign := acctest.WriteTLSFiles(t, filepath.Join(dir, "foreign"), "client", caPEM, otherClient.certPEM, otherClient.keyPEM)

	ctx, cancel := pingContext()
	defer cancel()
	for _, name := range []string{"", "docker.test", "localhost"} {
		if err := acctest.Ping(ctx, addr, name, goodClient); err != nil {
			errs = append(errs, fmt.Errorf("right client dialling %q was refused: %w", name, err))
		}
	}
	refusals := []struct {
		what       string
		serverName string
		files      acctest.TLSFiles
		want       []string
	}{
		{"no client certificate", "", noCert, []string{"certificate required", "bad certificate", "handshake failure"}},
		// Go clients present a certificate only if the daemon lists its issuer
		// as acceptable, so another CA's client arrives without one.
		{"another CA's client certificate", "", foreign, []string{"certificate required", "unknown certificate authority", "bad certificate"}},
		{"a name outside the SANs", "wrong.test", goodClient, []string{"certificate is valid for", "not wrong.test"}},
	}
	for _, r := range refusals {
		if err := acctest.ExpectRefused(ctx, addr, r.serverName, r.files, r.want...); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.what, err))
		}
	}
	if err := acctest.ExpectRefusedPresenting(ctx, addr, "", foreign, "bad certificate", "unknown certificate authority"); err != nil {
		errs = append(errs, fmt.Errorf("another CA's client presenting its certificate anyway: %w", err))
	}
	return errors.Join(errs...)
}

// TestCertificates_FingerprintMatchesOpenSSL: cert_fingerprint_sha256 is
// exactly what openssl prints for the certificate, for every resource.
func TestCertificates_FingerprintMatchesOpenSSL(t *testing.T) {
	t.Parallel()
	openssl := acctest.RequireTool(t, "openssl", "it cross-checks cert_fingerprint_sha256 against openssl x509 -fingerprint")
	env := newTestEnv(t)
	matchesOpenSSL := func(address string) statecheck.StateCheck {
		return stateCheckFunc(func(s *tfjson.State) error {
			a, err := stringAttrs(s, address, "cert_pem", "cert_fingerprint_sha256")
			if err != nil {
				return err
			}
			fp, err := acctest.OpenSSLFingerprint(openssl, a["cert_pem"])
			if err != nil {
				return err
			}
			if fp != a["cert_fingerprint_sha256"] {
				return fmt.Errorf("%s.cert_fingerprint_sha256 = %s, openssl says %s", address, a["cert_fingerprint_sha256"], fp)
			}
			return nil
		})
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config: pkiConfig("ECDSA_P256"),
			ConfigStateChecks: []statecheck.StateCheck{
				matchesOpenSSL("dockertls_ca.test"), matchesOpenSSL("dockertls_server_cert.test"), matchesOpenSSL("dockertls_client_cert.test"),
			},
		}},
	})
}
