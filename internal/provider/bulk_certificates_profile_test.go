package provider

import (
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// bulkProfileConfig is a CA, server certificates for two hosts (one named
// only by addresses, one with an explicit common name), client certificates
// for two clients (one with defaults, one with a subject of its own) and
// another CA's client, which the daemons must refuse.
func bulkProfileConfig(alg string) string {
	return fmt.Sprintf(`
resource "dockertls_ca" "test" {
  key_algorithm = %[1]q
}

resource "dockertls_server_certs" "test" {
  key_algorithm         = %[1]q
  ca_cert_pem_wo        = dockertls_ca.test.cert_pem
  ca_private_key_pem_wo = dockertls_ca.test.private_key_pem
  hosts = {
    local = { dns_names = ["docker.test", "localhost"], ip_addresses = ["127.0.0.1", "::1"] }
    ips   = { ip_addresses = ["127.0.0.1"] }
    named = { dns_names = ["named.test"], common_name = "Named daemon" }
  }
}

resource "dockertls_client_certs" "test" {
  key_algorithm         = %[1]q
  ca_cert_pem_wo        = dockertls_ca.test.cert_pem
  ca_private_key_pem_wo = dockertls_ca.test.private_key_pem
  clients = {
    ci  = {}
    ops = { common_name = "Operations", organization = "Acme" }
  }
}
`+otherCAConfig, alg)
}

// TestBulkCerts_ProfileChainsAndHandshakes: every bulk-issued certificate
// has Docker's profile (held to it by the independent checker in
// internal/acctest), verifies under its CA for its purpose and not the
// other, and works in a real mutual-TLS exchange through go-connections as
// dockerd and the docker CLI configure it: the right clients are served,
// another CA's client and a name outside the SANs are refused.
func TestBulkCerts_ProfileChainsAndHandshakes(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"ECDSA_P256", "RSA_2048", "ED25519"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t)
			now := env.clock.Now()
			expect := func(role, cn string) acctest.Expect {
				return acctest.Expect{Role: role, KeyAlgorithm: alg, IssuerKeyAlgorithm: alg, CommonName: cn,
					Validity: time.Duration(leafDefaults.validityHours) * time.Hour, IssuedAt: now}
			}
			servers := map[string]acctest.Expect{"local": expect("server", "docker.test"), "ips": expect("server", "127.0.0.1"), "named": expect("server", "Named daemon")}
			for name, e := range map[string]struct{ dns, ips []string }{
				"local": {[]string{"docker.test", "localhost"}, []string{"127.0.0.1", "::1"}},
				"ips":   {nil, []string{"127.0.0.1"}},
				"named": {[]string{"named.test"}, nil},
			} {
				s := servers[name]
				s.DNSNames, s.IPAddresses = e.dns, e.ips
				servers[name] = s
			}
			clients := map[string]acctest.Expect{"ci": expect("client", "ci"), "ops": expect("client", "Operations")}
			ops := clients["ops"]
			ops.Organization = "Acme"
			clients["ops"] = ops

			var checks []statecheck.StateCheck
			for address, entries := range map[string]map[string]acctest.Expect{serverCerts: servers, clientCerts: clients} {
				for name, e := range entries {
					checks = append(checks,
						statecheck.ExpectKnownValue(address, certAttr(name, "cert_pem"), certificatePEM{e}),
						statecheck.ExpectKnownValue(address, tfjsonpath.New("private_keys").AtMapKey(name), privateKeyPEM{alg}),
						statecheck.ExpectKnownValue(address, certAttr(name, "serial_number"), knownvalue.StringRegexp(serialPattern)),
						statecheck.ExpectKnownValue(address, certAttr(name, "cert_fingerprint_sha256"), knownvalue.StringRegexp(fingerprintPattern)),
						statecheck.ExpectKnownValue(address, certAttr(name, "ready_for_renewal"), knownvalue.Bool(false)),
					)
				}
				checks = append(checks,
					statecheck.ExpectSensitiveValue(address, tfjsonpath.New("private_keys")),
					statecheck.CompareValuePairs(address, tfjsonpath.New("ca_cert_fingerprint_sha256"), ca, tfjsonpath.New("cert_fingerprint_sha256"), compare.ValuesSame()),
				)
			}
			checks = append(checks, stateCheckFunc(func(s *tfjson.State) error { return checkBulkHandshakes(t, s, now) }))
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories,
				Steps: []resource.TestStep{{
					Config:            bulkProfileConfig(alg),
					ConfigStateChecks: checks,
					ConfigPlanChecks:  resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				}},
			})
		})
	}
}

// checkBulkHandshakes verifies the chains of the bulk-issued certificates
// and serves HTTPS with each server entry as dockerd does, dialled as the
// docker CLI does with each client entry.
func checkBulkHandshakes(t *testing.T, s *tfjson.State, now time.Time) error {
	caIssued, err := readIssued(s, ca)
	if err != nil {
		return err
	}
	servers, err := readBulk(s, serverCerts)
	if err != nil {
		return err
	}
	clients, err := readBulk(s, clientCerts)
	if err != nil {
		return err
	}
	other, err := readIssued(s, "dockertls_client_cert.other")
	if err != nil {
		return err
	}
	var errs []error
	for name, e := range servers {
		if err := acctest.VerifyChain(e.cert, caIssued.cert, x509.ExtKeyUsageServerAuth, firstName(e.cert), now); err != nil {
			errs = append(errs, fmt.Errorf("server %q: %w", name, err))
		}
		if acctest.VerifyChain(e.cert, caIssued.cert, x509.ExtKeyUsageClientAuth, "", now) == nil {
			errs = append(errs, fmt.Errorf("server %q verifies as a client certificate", name))
		}
	}
	for name, e := range clients {
		if err := acctest.VerifyChain(e.cert, caIssued.cert, x509.ExtKeyUsageClientAuth, "", now); err != nil {
			errs = append(errs, fmt.Errorf("client %q: %w", name, err))
		}
		if acctest.VerifyChain(e.cert, caIssued.cert, x509.ExtKeyUsageServerAuth, "", now) == nil {
			errs = append(errs, fmt.Errorf("client %q verifies as a server certificate", name))
		}
	}
	dir := t.TempDir()
	local := servers["local"]
	addr := acctest.StartDockerLikeServer(t, acctest.WriteTLSFiles(t, filepath.Join(dir, "server"), "server", caIssued.certPEM, local.certPEM, local.keyPEM))
	ctx, cancel := pingContext()
	defer cancel()
	for name, c := range clients {
		files := acctest.WriteTLSFiles(t, filepath.Join(dir, "client-"+name), "client", caIssued.certPEM, c.certPEM, c.keyPEM)
		for _, serverName := range []string{"", "docker.test", "localhost"} {
			if err := acctest.Ping(ctx, addr, serverName, files); err != nil {
				errs = append(errs, fmt.Errorf("client %q dialling %q was refused: %w", name, serverName, err))
			}
		}
		if err := acctest.ExpectRefused(ctx, addr, "wrong.test", files, "certificate is valid for", "not wrong.test"); err != nil {
			errs = append(errs, fmt.Errorf("client %q dialling a name outside the SANs: %w", name, err))
		}
	}
	foreign := acctest.WriteTLSFiles(t, filepath.Join(dir, "foreign"), "client", caIssued.certPEM, other.certPEM, other.keyPEM)
	if err := acctest.ExpectRefusedPresenting(ctx, addr, "", foreign, "bad certificate", "unknown certificate authority"); err != nil {
		errs = append(errs, fmt.Errorf("another CA's client: %w", err))
	}
	return errors.Join(errs...)
}
