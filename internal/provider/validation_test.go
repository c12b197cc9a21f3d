package provider

import (
	"crypto/x509"
	"encoding/pem"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// errorPattern matches a phrase however Terraform wraps it.
func errorPattern(phrase string) *regexp.Regexp {
	return regexp.MustCompile(strings.Join(strings.Fields(regexp.QuoteMeta(phrase)), `\s+`))
}

// testCA issues a CA outside Terraform, valid from issuedAt for validity.
func testCA(t *testing.T, issuedAt time.Time, validity time.Duration) *pki.Certificate {
	t.Helper()
	c, err := pki.Issue(pki.Request{Profile: pki.ProfileCA, KeyAlgorithm: pki.ECDSAP256, CommonName: "Test CA", Validity: validity}, nil, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const caVariables = `
variable "ca_cert" { type = string }
variable "ca_key" {
  type      = string
  sensitive = true
}
`

// TestBadInputIsRefusedAtPlanTime: each case is a plan-only step, so the
// diagnostic must come from validation or plan, never from apply.
func TestBadInputIsRefusedAtPlanTime(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC().Truncate(time.Second)
	good := testCA(t, now, 1000*time.Hour)
	other := testCA(t, now, 1000*time.Hour)
	expired := testCA(t, now.Add(-3000*time.Hour), 1000*time.Hour)
	goodIssuer, err := good.Issuer()
	if err != nil {
		t.Fatal(err)
	}
	client := issueClient(t, goodIssuer, now)
	clientOnlyCACert, clientOnlyCAKey := acctest.GoMadeCA(t, now, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth})
	encryptedKey := string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x00}}))

	server := func(body string) string {
		return caVariables + `
resource "dockertls_server_cert" "test" {
  ca_cert_pem        = var.ca_cert
  ca_private_key_pem = var.ca_key
` + body + "\n}\n"
	}
	vars := func(cert, key string) config.Variables {
		return config.Variables{"ca_cert": config.StringVariable(cert), "ca_key": config.StringVariable(key)}
	}
	goodVars := vars(good.CertPEM, good.PrivateKeyPEM)

	cases := []struct {
		name   string
		config string
		vars   config.Variables
		want   string
	}{
		{"unknown key algorithm", `resource "dockertls_ca" "test" { key_algorithm = "RSA_1024" }`, nil,
			`value must be one of: ["ECDSA_P256" "ECDSA_P384" "RSA_2048" "RSA_3072" "RSA_4096" "ED25519"], got: "RSA_1024"`},
		{"P-224 is not offered", `resource "dockertls_ca" "test" { key_algorithm = "ECDSA_P224" }`, nil, `got: "ECDSA_P224"`},
		{"window equal to validity", `resource "dockertls_ca" "test" {
  validity_period_hours = 100
  early_renewal_hours   = 100
}`, nil, "early_renewal_hours (100) must be smaller than validity_period_hours (100)"},
		{"short validity under the default window", server(`ip_addresses = ["127.0.0.1"]
validity_period_hours = 24`), goodVars, "early_renewal_hours (720) must be smaller than validity_period_hours (24)"},
		{"zero validity", `resource "dockertls_ca" "test" { validity_period_hours = 0 }`, nil, "validity_period_hours value must be between 1 and 876000, got: 0"},
		{"negative window", `resource "dockertls_ca" "test" { early_renewal_hours = -1 }`, nil, "early_renewal_hours value must be between 0 and 876000, got: -1"},
		{"overlong common name", `resource "dockertls_ca" "test" { common_name = "` + strings.Repeat("x", 65) + `" }`, nil, "common_name string length must be between 1 and 64"},
		{"CIDR as an IP address", server(`ip_addresses = ["10.0.0.0/8"]`), goodVars, `"10.0.0.0/8" is not an IPv4 or IPv6 address: give a single address, not a CIDR range`},
		{"host:port as a DNS name", server(`dns_names = ["docker.example.com:2376"]`), goodVars, `"docker.example.com:2376" is not a valid DNS name: give the host name without a port`},
		{"underscore in a DNS name", server(`dns_names = ["docker_host"]`), goodVars, `"docker_host" is not a valid DNS name`},
		{"duplicate SANs", server(`dns_names = ["a.example", "a.example"]`), goodVars, "This attribute contains duplicate values"},
		{"server without SANs", server(``), goodVars, "a server certificate needs at least one DNS name or IP address"},
		{"server with empty SAN lists", server(`dns_names = []
ip_addresses = []`), goodVars, "Set dns_names, ip_addresses or both"},
		{"CA certificate not PEM", server(`ip_addresses = ["127.0.0.1"]`), vars("hello", good.PrivateKeyPEM), "no PEM block found: expected -----BEGIN CERTIFICATE-----"},
		{"leaf certificate as the CA", server(`ip_addresses = ["127.0.0.1"]`), vars(client.CertPEM, client.PrivateKeyPEM), `the certificate "c" is not a CA`},
		{"CA key does not parse", server(`ip_addresses = ["127.0.0.1"]`), vars(good.CertPEM, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "does not hold a PKCS#1, PKCS#8 or SEC 1"},
		{"CA key from another CA", server(`ip_addresses = ["127.0.0.1"]`), vars(good.CertPEM, other.PrivateKeyPEM), "the private key does not belong to the CA certificate"},
		{"encrypted CA key", server(`ip_addresses = ["127.0.0.1"]`), vars(good.CertPEM, encryptedKey), "the private key is encrypted, which Docker does not support"},
		{"expired CA", server(`ip_addresses = ["127.0.0.1"]`), vars(expired.CertPEM, expired.PrivateKeyPEM), `the CA certificate "Test CA" expired at`},
		{"bad CA certificate while the key is unknown", caVariables + `
resource "dockertls_ca" "key_source" {}

resource "dockertls_client_cert" "test" {
  ca_cert_pem        = var.ca_cert
  ca_private_key_pem = dockertls_ca.key_source.private_key_pem
}
`, vars("hello", ""), "no PEM block found: expected -----BEGIN CERTIFICATE-----"},
		{"CA whose EKU excludes serverAuth", server(`ip_addresses = ["127.0.0.1"]`), vars(clientOnlyCACert, clientOnlyCAKey), "carries an extendedKeyUsage without serverAuth"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			expectPlanError(t, tc.config, tc.vars, tc.want)
		})
	}
}

func issueClient(t *testing.T, iss *pki.Issuer, now time.Time) *pki.Certificate {
	t.Helper()
	c, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, CommonName: "c", Validity: time.Hour}, iss, now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSANsUnknownAtPlanAreCheckedAtApply: dns_names depends on an unknown
// value at plan time and turns out empty; apply must refuse with the same
// diagnostic that plan gives for a literal empty list.
func TestSANsUnknownAtPlanAreCheckedAtApply(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config: `
resource "dockertls_ca" "test" {}

resource "dockertls_server_cert" "test" {
  ca_cert_pem        = dockertls_ca.test.cert_pem
  ca_private_key_pem = dockertls_ca.test.private_key_pem
  dns_names          = [for s in [dockertls_ca.test.serial_number] : s if s == ""]
}
`,
			ExpectError: errorPattern("and ignore its common name. Set dns_names, ip_addresses or both."),
		}},
	})
}

// TestWindowUnknownAtPlanIsCheckedAtApply: early_renewal_hours depends on an
// unknown value at plan time and turns out as long as the validity.
func TestWindowUnknownAtPlanIsCheckedAtApply(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config: `
resource "dockertls_ca" "first" {}

resource "dockertls_ca" "test" {
  validity_period_hours = 100
  early_renewal_hours   = dockertls_ca.first.serial_number == "" ? 1 : 100
}
`,
			ExpectError: errorPattern("early_renewal_hours (100) must be smaller than validity_period_hours (100)"),
		}},
	})
}
