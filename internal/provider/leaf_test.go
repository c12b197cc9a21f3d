package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/config"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// leafWith is a client certificate's configuration with the given CA and
// validity.
func leafWith(certPEM, keyPEM string, validityHours int64) *clientCertModel {
	m := &clientCertModel{signingCA: signingCA{CACertPEM: types.StringValue(certPEM), CAPrivateKeyPEM: types.StringValue(keyPEM), CAPrivateKeyPEMWO: types.StringNull()}}
	m.ValidityPeriodHours = types.NumberValue(new(big.Float).SetInt64(validityHours))
	return m
}

// leafInputs is the configuration of the bad-input cases: a server
// certificate whose CA certificate comes from var.ca_cert through
// ca_cert_pem, and whose CA key comes from var.ca_key through the attribute
// named by keyAttr ("stored", "write-only"), from both, or from neither.
func leafInputs(keyAttr string) string { return leafInputsWith("stored", keyAttr) }

// leafInputsWith is leafInputs with the CA certificate given as certAttr
// says, in the same words.
func leafInputsWith(certAttr, keyAttr string) string {
	lines := func(attr, value, how string) string {
		return map[string]string{
			"stored":     fmt.Sprintf("  %-21s = %s\n", attr, value),
			"write-only": fmt.Sprintf("  %-21s = %s\n", attr+"_wo", value),
			"both":       fmt.Sprintf("  %-21s = %s\n  %-21s = %s\n", attr, value, attr+"_wo", value),
			"neither":    "",
		}[how]
	}
	return caVariables + `
resource "dockertls_server_cert" "test" {
` + lines("ca_cert_pem", "var.ca_cert", certAttr) + lines("ca_private_key_pem", "var.ca_key", keyAttr) + `  ip_addresses          = ["127.0.0.1"]
}
`
}

// TestLeafBadInputs is the catalogue of refused CA inputs: certificate
// inputs carrying keys (in any spelling) or several certificates, keys that
// current clients cannot use, formats that need converting, and the two CA
// key arguments. No diagnostic repeats any of the keys.
func TestLeafBadInputs(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC().Truncate(time.Second)
	good, other := testCA(t, now, 1000*time.Hour), testCA(t, now, 1000*time.Hour)
	expired := testCA(t, now.Add(-3000*time.Hour), 1000*time.Hour)
	goodIssuer, err := pki.NewSigningCA(good.Cert, good.Key)
	if err != nil {
		t.Fatal(err)
	}
	serverCert, err := pki.Issue(pki.Request{Profile: pki.ProfileServer, KeyAlgorithm: pki.ECDSAP256, CommonName: "s", DNSNames: []string{"s.test"}, Validity: time.Hour}, goodIssuer, now)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaCACert, rsaCAKey := acctest.CAForKey(t, rsaKey, now)
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}))
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1DER, _ := x509.MarshalECPrivateKey(ecKey)
	sec1 := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1DER}))
	openssh := string(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: []byte("openssh-key-v1\x00 the rest of an OpenSSH key")}))
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // a weak key is the point of the case
	if err != nil {
		t.Fatal(err)
	}
	weakCert, weakKey := acctest.CAForKey(t, rsa1024, now)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	p224Cert, p224Key := acctest.CAForKey(t, p224, now)
	dsaCert := readFileString(t, "../pki/testdata/dsa-ca.pem")
	dsaKey := readFileString(t, "../pki/testdata/dsa-ca-key.pem")
	dsaKeyPKCS8 := readFileString(t, "../pki/testdata/dsa-ca-key.pk8.pem")
	cutKey := good.PrivateKeyPEM[:len(good.PrivateKeyPEM)-len("-----END PRIVATE KEY-----\n")]

	vars := func(cert, key string) config.Variables {
		return config.Variables{"ca_cert": config.StringVariable(cert), "ca_key": config.StringVariable(key)}
	}
	stored, writeOnly := leafInputs("stored"), leafInputs("write-only")
	const removeKey = "remove the key and pass the certificate alone. ca_cert_pem is not sensitive"
	daemonConfig := caVariables + `
data "dockertls_daemon_config" "test" {
  server_cert_pem = var.ca_cert
}
`
	// The CA key is unknown at plan (it comes from a CA made in the same
	// apply) and turns out not to belong to ca_cert_pem.
	unknownWriteOnly := caVariables + `
resource "dockertls_ca" "key_source" {}

resource "dockertls_client_cert" "test" {
  ca_cert_pem           = var.ca_cert
  ca_private_key_pem_wo = dockertls_ca.key_source.private_key_pem
}
`
	bothOneUnknown := caVariables + `
resource "dockertls_ca" "key_source" {}

resource "dockertls_client_cert" "test" {
  ca_cert_pem           = var.ca_cert
  ca_private_key_pem    = var.ca_key
  ca_private_key_pem_wo = dockertls_ca.key_source.private_key_pem
}
`
	// The CA certificate comes from a CA made in the same apply, so it is
	// unknown at plan through ca_cert_pem_wo, and turns out not to belong
	// to the key.
	unknownWriteOnlyCert := caVariables + `
resource "dockertls_ca" "cert_source" {}

resource "dockertls_client_cert" "test" {
  ca_cert_pem_wo        = dockertls_ca.cert_source.cert_pem
  ca_private_key_pem_wo = var.ca_key
}
`
	// Both arguments of each pair are set from a CA made in the same apply:
	// unknown at plan, so the pair is judged when Terraform validates the
	// configuration again at apply.
	bothUnknown := `
resource "dockertls_ca" "source" {}

resource "dockertls_client_cert" "test" {
  ca_cert_pem           = dockertls_ca.source.cert_pem
  ca_cert_pem_wo        = dockertls_ca.source.cert_pem
  ca_private_key_pem    = dockertls_ca.source.private_key_pem
  ca_private_key_pem_wo = dockertls_ca.source.private_key_pem
}
`
	certWriteOnly := leafInputsWith("write-only", "write-only")
	// keyNamed is what a certificate attribute says of a key spelt as
	// kubectl prints it.
	keyNamed := func(attr string) string {
		return "(base64 that decodes to a private key, as a Kubernetes secret's tls.key holds it) where only a certificate " +
			"belongs: remove the key and pass the certificate alone. " + attr + " is not sensitive"
	}
	// No diagnostic holds any piece of a key given where a certificate belongs.
	var hidden []string
	for _, key := range []string{good.PrivateKeyPEM, serverCert.PrivateKeyPEM, pkcs1, sec1} {
		hidden = append(hidden, keyTextFragments(t, key)...)
	}
	runBadInputsHiding(t, []badInput{
		{"kubectl yaml: the CA key after ca_cert_pem", stored, vars(kubectlKey(good.CertPEM, good.PrivateKeyPEM), good.PrivateKeyPEM), keyNamed("ca_cert_pem"), atPlan},
		{"kubectl yaml: the CA key after ca_cert_pem_wo", certWriteOnly, vars(kubectlKey(good.CertPEM, good.PrivateKeyPEM), good.PrivateKeyPEM), keyNamed("ca_cert_pem_wo"), atPlan},
		{"kubectl yaml: the daemon's key after server_cert_pem", daemonConfig, vars(kubectlKey(serverCert.CertPEM, serverCert.PrivateKeyPEM), ""), keyNamed("server_cert_pem"), atPlan},
		{"openssl x509 -text output as ca_cert_pem", stored, vars("Certificate:\n    Data:\n        Version: 3 (0x2)\n"+good.CertPEM, good.PrivateKeyPEM),
			"line 1 holds text outside a CERTIFICATE block, such as openssl writes beside a certificate", atPlan},
		{"both arguments of each pair, unknown at plan", bothUnknown, nil, "Two CA certificates: ca_cert_pem and ca_cert_pem_wo are both set", atApply},
		{"both CA certificate arguments", leafInputsWith("both", "write-only"), vars(good.CertPEM, good.PrivateKeyPEM), "Two CA certificates: ca_cert_pem and ca_cert_pem_wo are both set", atPlan},
		{"no CA certificate argument", leafInputsWith("neither", "write-only"), vars("", good.PrivateKeyPEM), "No CA certificate: set ca_cert_pem_wo or ca_cert_pem", atPlan},
		{"neither CA argument", leafInputsWith("neither", "neither"), vars("", ""), "No CA certificate: set ca_cert_pem_wo or ca_cert_pem", atPlan},
		{"key appended to ca_cert_pem_wo", certWriteOnly, vars(good.CertPEM+good.PrivateKeyPEM, good.PrivateKeyPEM), "remove the key and pass the certificate alone. ca_cert_pem_wo is not sensitive", atPlan},
		{"two certificates in ca_cert_pem_wo", certWriteOnly, vars(good.CertPEM+other.CertPEM, good.PrivateKeyPEM), "a chain or bundle is not an issuer", atPlan},
		{"leaf certificate as ca_cert_pem_wo", certWriteOnly, vars(serverCert.CertPEM, serverCert.PrivateKeyPEM), "such as dockertls_ca's cert_pem", atPlan},
		{"expired CA through ca_cert_pem_wo", certWriteOnly, vars(expired.CertPEM, expired.PrivateKeyPEM), `the CA certificate "Test CA" expired at`, atPlan},
		{"ca_cert_pem_wo of another CA than the key", certWriteOnly, vars(other.CertPEM, good.PrivateKeyPEM), "the private key does not belong to the CA certificate", atPlan},
		{"ca_cert_pem_wo unknown at plan, of another CA", unknownWriteOnlyCert, vars("", good.PrivateKeyPEM), "the private key does not belong to the CA certificate", atApply},
		{"PKCS#8 key appended to ca_cert_pem", stored, vars(good.CertPEM+good.PrivateKeyPEM, good.PrivateKeyPEM), removeKey, atPlan},
		{"PKCS#1 key appended to ca_cert_pem", stored, vars(rsaCACert+pkcs1, rsaCAKey), `(a "RSA PRIVATE KEY" PEM block)`, atPlan},
		{"SEC 1 key appended to ca_cert_pem", writeOnly, vars(good.CertPEM+sec1, good.PrivateKeyPEM), `(a "EC PRIVATE KEY" PEM block)`, atPlan},
		{"OpenSSH key appended to ca_cert_pem", stored, vars(good.CertPEM+openssh, good.PrivateKeyPEM), `(a "OPENSSH PRIVATE KEY" PEM block)`, atPlan},
		{"key cut short appended to ca_cert_pem", stored, vars(good.CertPEM+cutKey, good.PrivateKeyPEM), "malformed private key block", atPlan},
		{"key before the certificate", stored, vars(good.PrivateKeyPEM+good.CertPEM, good.PrivateKeyPEM), removeKey, atPlan},
		{"two certificates in ca_cert_pem", stored, vars(good.CertPEM+other.CertPEM, good.PrivateKeyPEM), "a chain or bundle is not an issuer", atPlan},
		{"byte-order mark before ca_cert_pem", stored, vars("\ufeff"+good.CertPEM, good.PrivateKeyPEM), `byte-order mark (bytes EF BB BF)`, atPlan},
		{"byte-order mark before the CA key", writeOnly, vars(good.CertPEM, "\ufeff"+good.PrivateKeyPEM), `trimprefix(file("ca-key.pem")`, atPlan},
		{"OpenSSH-format CA key", stored, vars(good.CertPEM, openssh), "ssh-keygen -p -N", atPlan},
		{"DSA CA", stored, vars(dsaCert, dsaKey), "DSA key, which Go and OpenSSL 3 no longer accept", atPlan},
		{"DSA CA key in PKCS#8", writeOnly, vars(good.CertPEM, dsaKeyPKCS8), "DSA key", atPlan},
		{"RSA-1024 CA", stored, vars(weakCert, weakKey), "this one has 1024 bits", atPlan},
		{"P-224 CA", stored, vars(p224Cert, p224Key), "such as P-224", atPlan},
		{"server certificate with its key as ca_cert_pem", stored, vars(serverCert.CertPEM+serverCert.PrivateKeyPEM, good.PrivateKeyPEM), removeKey, atPlan},
		{"both CA key arguments", leafInputs("both"), vars(good.CertPEM, good.PrivateKeyPEM), "ca_private_key_pem and ca_private_key_pem_wo are both set", atPlan},
		{"both CA key arguments, one unknown", bothOneUnknown, vars(good.CertPEM, good.PrivateKeyPEM), "Set exactly one of them", atPlan},
		{"no CA key argument", leafInputs("neither"), vars(good.CertPEM, ""), "No CA key: set ca_private_key_pem_wo or ca_private_key_pem", atPlan},
		{"write-only key of another CA", writeOnly, vars(good.CertPEM, other.PrivateKeyPEM), "the private key does not belong to the CA certificate", atPlan},
		{"write-only key does not parse", writeOnly, vars(good.CertPEM, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "does not hold a PKCS#1, PKCS#8 or SEC 1", atPlan},
		{"write-only key with an expired CA", writeOnly, vars(expired.CertPEM, expired.PrivateKeyPEM), `the CA certificate "Test CA" expired at`, atPlan},
		{"write-only key unknown at plan, of another CA", unknownWriteOnly, vars(good.CertPEM, ""), "the private key does not belong to the CA certificate", atApply},
		{"leaf certificate as the CA", stored, vars(serverCert.CertPEM, serverCert.PrivateKeyPEM), "such as dockertls_ca's cert_pem", atPlan},
		{"server_cert_pem with its key", daemonConfig, vars(serverCert.CertPEM+serverCert.PrivateKeyPEM, ""), "remove the key and pass the certificate alone. server_cert_pem is not sensitive", atPlan},
	}, hidden)
}
