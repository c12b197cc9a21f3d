package pki_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

func pemText(blockType string, der []byte, headers map[string]string) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: blockType, Headers: headers, Bytes: der}))
}

// TestParsePrivateKeyFormats accepts the three unencrypted formats tools write.
func TestParsePrivateKeyFormats(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	sec1, _ := x509.MarshalECPrivateKey(ecKey)
	cases := map[string]struct {
		text string
		pub  any
	}{
		"PKCS#1 RSA":                {pemText("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey), nil), rsaKey.Public()},
		"PKCS#8 EC":                 {pemText("PRIVATE KEY", pkcs8, nil), ecKey.Public()},
		"SEC 1 EC":                  {pemText("EC PRIVATE KEY", sec1, nil), ecKey.Public()},
		"SEC 1 after EC PARAMETERS": {pemText("EC PARAMETERS", []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}, nil) + pemText("EC PRIVATE KEY", sec1, nil), ecKey.Public()},
		"mislabelled PKCS#1":        {pemText("PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey), nil), rsaKey.Public()},
	}
	for name, tc := range cases {
		key, err := pki.ParsePrivateKeyPEM(tc.text)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if eq, ok := key.Public().(interface{ Equal(x any) bool }); ok && !eq.Equal(tc.pub) {
			t.Errorf("%s: parsed a different key", name)
		}
	}
}

func TestParsePrivateKeyRefusals(t *testing.T) {
	t.Parallel()
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	p224DER, _ := x509.MarshalECPrivateKey(p224)
	cases := []struct {
		name string
		text string
		want error
		msg  string
	}{
		{"empty", "", pki.ErrNoPEMKey, ""},
		{"not PEM", "hello", pki.ErrNoPEMKey, ""},
		{"encrypted PKCS#8", pemText("ENCRYPTED PRIVATE KEY", []byte{1, 2, 3}, nil), pki.ErrEncryptedKey, ""},
		{"legacy encrypted PEM", pemText("RSA PRIVATE KEY", []byte{1, 2, 3}, map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00"}), pki.ErrEncryptedKey, ""},
		{"garbage DER", pemText("PRIVATE KEY", []byte("not a key at all"), nil), pki.ErrUnparseableKey, ""},
		{"P-224 key", pemText("EC PRIVATE KEY", p224DER, nil), pki.ErrUnusableCurve, ""},
		{"a certificate", issueCA(t, pki.ECDSAP256).CertPEM, nil, `found a "CERTIFICATE" PEM block where a private key was expected`},
	}
	for _, tc := range cases {
		_, err := pki.ParsePrivateKeyPEM(tc.text)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", tc.name)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		case tc.msg != "" && err.Error() != tc.msg:
			t.Errorf("%s: got %q, want %q", tc.name, err, tc.msg)
		}
	}
}

func TestParseCACertificateRefusals(t *testing.T) {
	t.Parallel()
	ca := issueCA(t, pki.ECDSAP256)
	client, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, CommonName: "c", Validity: time.Hour}, mustSigningCA(t, ca), issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, text, want string }{
		{"empty", "", "no PEM block found"},
		{"a key", ca.PrivateKeyPEM, `the text holds a private key (a "PRIVATE KEY" PEM block) where only a certificate belongs: remove the key`},
		{"corrupt DER", pemText("CERTIFICATE", []byte("junk"), nil), "does not parse"},
		{"a leaf", client.CertPEM, "is not a CA"},
	}
	for _, tc := range cases {
		_, err := pki.ParseCACertificatePEM(tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestNewIssuerRefusesMismatchedKey(t *testing.T) {
	t.Parallel()
	a, b := issueCA(t, pki.ECDSAP256), issueCA(t, pki.ECDSAP256)
	key, err := pki.ParsePrivateKeyPEM(b.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pki.NewSigningCA(a.Cert, key); !errors.Is(err, pki.ErrKeyMismatch) {
		t.Fatalf("got %v, want ErrKeyMismatch", err)
	}
}

func issuerFromPEM(t *testing.T, certPEM, keyPEM string) *pki.SigningCA {
	t.Helper()
	cert, err := pki.ParseCACertificatePEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	key, err := pki.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := pki.NewSigningCA(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func TestExternalCASignsLeaves(t *testing.T) {
	t.Parallel()
	certPEM, keyPEM := acctest.GoMadeCA(t, issuedAt, nil)
	iss := issuerFromPEM(t, certPEM, keyPEM)
	server, err := pki.Issue(pki.Request{Profile: pki.ProfileServer, KeyAlgorithm: pki.ED25519, CommonName: "h", Validity: time.Hour, DNSNames: []string{"h.example"}}, iss, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	if err := acctest.CheckCertificate(server.Cert, acctest.Expect{
		Role: "server", KeyAlgorithm: "ED25519", CommonName: "h", DNSNames: []string{"h.example"}, Validity: time.Hour, IssuedAt: issuedAt, IssuerKeyAlgorithm: "RSA_2048",
	}); err != nil {
		t.Error(err)
	}
	if err := acctest.VerifyChain(server.Cert, iss.Cert, x509.ExtKeyUsageServerAuth, "h.example", issuedAt); err != nil {
		t.Error(err)
	}
}

func TestOpenSSLCASignsLeaves(t *testing.T) {
	t.Parallel()
	certPEM, keyPEM, dir := acctest.OpenSSLCA(t)
	openssl := acctest.RequireTool(t, "openssl", "it verifies the chain independently")
	iss := issuerFromPEM(t, certPEM, keyPEM)
	now := time.Now()
	client, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.RSA2048, CommonName: "client", Validity: time.Hour}, iss, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := acctest.VerifyChain(client.Cert, iss.Cert, x509.ExtKeyUsageClientAuth, "", now); err != nil {
		t.Error(err)
	}
	// openssl agrees the chain verifies for TLS client use.
	leaf := dir + "/cert.pem"
	writeFile(t, leaf, client.CertPEM)
	if out, err := exec.Command(openssl, "verify", "-CAfile", dir+"/ca.pem", "-purpose", "sslclient", leaf).CombinedOutput(); err != nil {
		t.Errorf("openssl verify: %v\n%s", err, out)
	}
}

func TestCAWithForeignEKUIsRefusedForThatPurpose(t *testing.T) {
	t.Parallel()
	certPEM, keyPEM := acctest.GoMadeCA(t, issuedAt, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth})
	iss := issuerFromPEM(t, certPEM, keyPEM)
	if err := pki.CheckPurpose(iss.Cert, pki.ProfileClient); err != nil {
		t.Errorf("clientAuth CA refused for client certificates: %v", err)
	}
	err := pki.CheckPurpose(iss.Cert, pki.ProfileServer)
	if err == nil || !strings.Contains(err.Error(), "without serverAuth") {
		t.Errorf("got %v, want a refusal naming serverAuth", err)
	}
}

// FuzzParseNeverEchoesKeyMaterial feeds arbitrary text to the parsers: they
// must not panic, and no error may repeat the base64 body it was given.
func FuzzParseNeverEchoesKeyMaterial(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	f.Add(pemText("PRIVATE KEY", der, nil))
	f.Add(pemText("PRIVATE KEY", der[:len(der)/2], nil))
	f.Add(pemText("EC PRIVATE KEY", der, nil))
	f.Add(pemText("CERTIFICATE", der, nil))
	f.Add("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
	f.Fuzz(func(t *testing.T, text string) {
		block, _ := pem.Decode([]byte(text))
		_, keyErr := pki.ParsePrivateKeyPEM(text)
		_, certErr := pki.ParseCACertificatePEM(text)
		if block == nil || len(block.Bytes) < 8 {
			return
		}
		body := base64.StdEncoding.EncodeToString(block.Bytes)
		for _, err := range []error{keyErr, certErr} {
			if err != nil && strings.Contains(err.Error(), body[:8]) {
				t.Fatalf("error repeats the PEM body: %v", err)
			}
		}
	})
}

func TestNames(t *testing.T) {
	t.Parallel()
	good := []string{"localhost", "docker.example.com", "*.example.com", "a-b.c0", "XN--BCHER-KVA.example"}
	for _, n := range good {
		if err := pki.ValidateDNSName(n); err != nil {
			t.Errorf("%q refused: %v", n, err)
		}
	}
	bad := map[string]string{
		"":                         "it is empty",
		"tcp://docker.example.com": "not a URL",
		"docker.example.com:2376":  "without a port",
		"10.0.0.1":                 "it is an IP address",
		"a..b":                     "empty label",
		"-a.b":                     "starts or ends with a hyphen",
		"a_b.example":              `character '_'`,
		"foo.*.example":            `character '*'`,
		strings.Repeat("a", 64):    "longer than 63",
	}
	for n, want := range bad {
		err := pki.ValidateDNSName(n)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error containing %q", n, err, want)
		}
	}
	for _, ip := range []string{"127.0.0.1", "::1", "2001:db8::2376"} {
		if _, err := pki.ParseIPAddress(ip); err != nil {
			t.Errorf("%q refused: %v", ip, err)
		}
	}
	badIPs := map[string]string{"10.0.0.0/8": "not a CIDR range", "127.0.0.1:2376": "without a port", "localhost": "not an IPv4 or IPv6 address", "fe80::1%eth0": "not an IPv4"}
	for ip, want := range badIPs {
		_, err := pki.ParseIPAddress(ip)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error containing %q", ip, err, want)
		}
	}
}
