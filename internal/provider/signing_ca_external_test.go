package provider

import (
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
` + otherCAConfig

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
	certPEM, keyPEM := acctest.GoMadeCA(t, env.clock.Now(), nil)
	testExternalCA(t, env, certPEM, keyPEM)
}

// TestExternalCA_OpenSSL follows Docker's documented openssl recipe, with an
// EC key that openssl writes as "EC PARAMETERS" + "EC PRIVATE KEY".
func TestExternalCA_OpenSSL(t *testing.T) {
	t.Parallel()
	certPEM, keyPEM, _ := acctest.OpenSSLCA(t)
	env := newTestEnv(t)
	testExternalCA(t, env, certPEM, keyPEM)
}
