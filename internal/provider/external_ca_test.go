package provider

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// externalCAConfig signs the leaves with a CA passed in as variables, as a
// user would with a CA read from files made by another tool.
const externalCAConfig = caVariables + `
resource "dockertls_server_cert" "test" {
  ca_cert_pem        = var.ca_cert
  ca_private_key_pem = var.ca_key
  dns_names          = ["docker.test", "localhost"]
  ip_addresses       = ["127.0.0.1", "::1"]
}

resource "dockertls_client_cert" "test" {
  ca_cert_pem        = var.ca_cert
  ca_private_key_pem = var.ca_key
}

resource "dockertls_ca" "other" {}

resource "dockertls_client_cert" "other" {
  ca_cert_pem        = dockertls_ca.other.cert_pem
  ca_private_key_pem = dockertls_ca.other.private_key_pem
}
`

func testExternalCA(t *testing.T, env *testEnv, certPEM, keyPEM string) {
	t.Helper()
	caCert, err := acctest.ParseCertificate(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config:          externalCAConfig,
			ConfigVariables: config.Variables{"ca_cert": config.StringVariable(certPEM), "ca_key": config.StringVariable(keyPEM)},
			ConfigStateChecks: []statecheck.StateCheck{
				stateCheckFunc(func(s *tfjson.State) error {
					return checkChainsAndHandshakes(t, s, caCert, certPEM, env.clock.Now())
				}),
			},
		}},
	})
}

// TestExternalCA_GoRSAPKCS1 uses an RSA CA with a PKCS#1 key and no
// authority key identifier, as many tools make them.
func TestExternalCA_GoRSAPKCS1(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	certPEM, keyPEM := goMadeCA(t, env.clock.Now(), nil)
	testExternalCA(t, env, certPEM, keyPEM)
}

// TestExternalCA_OpenSSL follows Docker's documented openssl recipe, with an
// EC key that openssl writes as "EC PARAMETERS" + "EC PRIVATE KEY".
func TestExternalCA_OpenSSL(t *testing.T) {
	t.Parallel()
	openssl := acctest.RequireTool(t, "openssl", "it makes the CA the way Docker's documentation does")
	env := newTestEnv(t)
	dir := t.TempDir()
	key, cert := filepath.Join(dir, "ca-key.pem"), filepath.Join(dir, "ca.pem")
	for _, args := range [][]string{
		{"ecparam", "-name", "prime256v1", "-genkey", "-out", key},
		{"req", "-new", "-x509", "-days", "365", "-key", key, "-sha256", "-subj", "/CN=openssl CA", "-out", cert},
	} {
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	certPEM, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	testExternalCA(t, env, string(certPEM), string(keyPEM))
}
