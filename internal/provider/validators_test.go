package provider

import (
	"crypto/x509"
	"encoding/pem"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

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
	return issueNamedCA(t, "Test CA", issuedAt, validity)
}

const caVariables = `
variable "ca_cert" { type = string }
variable "ca_key" {
  type      = string
  sensitive = true
}
`

// TestBadInputIsRefusedAtPlanTime: the CA inputs of a leaf, each refused at
// plan time. The shared attributes' cases are in certificate_schema_test.go,
// the SANs' in resource_server_cert_test.go.
func TestBadInputIsRefusedAtPlanTime(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC().Truncate(time.Second)
	good := testCA(t, now, 1000*time.Hour)
	other := testCA(t, now, 1000*time.Hour)
	expired := testCA(t, now.Add(-3000*time.Hour), 1000*time.Hour)
	goodIssuer, err := pki.NewSigningCA(good.Cert, good.Key)
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

	cases := []badInput{
		{"short validity under the default window", server(`ip_addresses = ["127.0.0.1"]
validity_period_hours = 24`), goodVars, "early_renewal_hours (720) must be smaller than validity_period_hours (24)", atPlan},
		{"CA certificate not PEM", server(`ip_addresses = ["127.0.0.1"]`), vars("hello", good.PrivateKeyPEM), "no PEM block found: expected -----BEGIN CERTIFICATE-----", atPlan},
		{"leaf certificate as the CA", server(`ip_addresses = ["127.0.0.1"]`), vars(client.CertPEM, client.PrivateKeyPEM), `the certificate "c" is not a CA`, atPlan},
		{"CA key does not parse", server(`ip_addresses = ["127.0.0.1"]`), vars(good.CertPEM, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "does not hold a PKCS#1, PKCS#8 or SEC 1", atPlan},
		{"CA key from another CA", server(`ip_addresses = ["127.0.0.1"]`), vars(good.CertPEM, other.PrivateKeyPEM), "the private key does not belong to the CA certificate", atPlan},
		{"encrypted CA key", server(`ip_addresses = ["127.0.0.1"]`), vars(good.CertPEM, encryptedKey), "the private key is encrypted, which Docker does not support", atPlan},
		{"expired CA", server(`ip_addresses = ["127.0.0.1"]`), vars(expired.CertPEM, expired.PrivateKeyPEM), `the CA certificate "Test CA" expired at`, atPlan},
		{"bad CA certificate while the key is unknown", caVariables + `
resource "dockertls_ca" "key_source" {}

resource "dockertls_client_cert" "test" {
  ca_cert_pem        = var.ca_cert
  ca_private_key_pem = dockertls_ca.key_source.private_key_pem
}
`, vars("hello", ""), "no PEM block found: expected -----BEGIN CERTIFICATE-----", atPlan},
		{"CA whose EKU excludes serverAuth", server(`ip_addresses = ["127.0.0.1"]`), vars(clientOnlyCACert, clientOnlyCAKey), "carries an extendedKeyUsage without serverAuth", atPlan},
	}
	runBadInputs(t, cases)
}

func issueClient(t *testing.T, iss *pki.SigningCA, now time.Time) *pki.Certificate {
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

// FuzzSubjectText: a subject value the provider accepts (common_name and
// organization, and a client_certs entry's name when it becomes the common
// name) holds no control character, invisible format character, or line
// or paragraph separator (Unicode's Cc, Cf, Zl, Zp).
func FuzzSubjectText(f *testing.F) {
	for _, s := range []string{"admin", "admin\u202etxt.exe", "x\n", "\ufeffAcme", "ops\u2028", "Ac\u200bme", "so\u00adft"} {
		f.Add(s)
	}
	hidden := func(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) }
	f.Fuzz(func(t *testing.T, s string) {
		for name, check := range map[string]func(string) error{"a subject attribute": visibleTextError, "an entry's name": commonNameError} {
			if check(s) == nil && strings.ContainsFunc(s, hidden) {
				t.Fatalf("%q accepted as %s", s, name)
			}
		}
	})
}
