package pki_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// keyBodyLines are the base64 lines of every PEM block in text: the part
// that must never come back in an error.
func keyBodyLines(text string) []string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if len(l) >= 16 && !strings.HasPrefix(l, "-----") {
			lines = append(lines, l)
		}
	}
	return lines
}

func assertNoEcho(t *testing.T, name string, err error, secret string) {
	t.Helper()
	for _, l := range keyBodyLines(secret) {
		if strings.Contains(err.Error(), l) {
			t.Errorf("%s: the error repeats the input: %q", name, err)
		}
	}
}

// TestParseCACertificate_OnlyOneCertificate: a certificate input holds one
// certificate and nothing else. Before, everything after the first block was
// ignored, so a key appended to the certificate went through (and, the
// input not being secret, into plans and state in clear).
func TestParseCACertificate_OnlyOneCertificate(t *testing.T) {
	t.Parallel()
	ca, other := issueCA(t, pki.ECDSAP256), issueCA(t, pki.ECDSAP256)
	rsaCA := issueCA(t, pki.RSA2048)
	rsaKey, _ := pem.Decode([]byte(rsaCA.PrivateKeyPEM))
	rsaKeyAny, err := x509.ParsePKCS8PrivateKey(rsaKey.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := pemText("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKeyAny.(*rsa.PrivateKey)), nil)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1DER, _ := x509.MarshalECPrivateKey(ecKey)
	sec1 := pemText("EC PRIVATE KEY", sec1DER, nil)
	openssh := pemText("OPENSSH PRIVATE KEY", []byte("openssh-key-v1\x00 and some bytes of a key"), nil)
	encrypted := pemText("ENCRYPTED PRIVATE KEY", []byte{0x30, 0x03, 0x02, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07}, nil)
	cut := ca.PrivateKeyPEM[:len(ca.PrivateKeyPEM)-len("-----END PRIVATE KEY-----\n")]

	cases := []struct {
		name, text string
		want       error
		msg        string
	}{
		{"PKCS#8 key appended", ca.CertPEM + ca.PrivateKeyPEM, pki.ErrPrivateKeyInCertificate, `(a "PRIVATE KEY" PEM block)`},
		{"PKCS#1 key appended", rsaCA.CertPEM + pkcs1, pki.ErrPrivateKeyInCertificate, `(a "RSA PRIVATE KEY" PEM block)`},
		{"SEC 1 key appended", ca.CertPEM + sec1, pki.ErrPrivateKeyInCertificate, `"EC PRIVATE KEY"`},
		{"OpenSSH key appended", ca.CertPEM + openssh, pki.ErrPrivateKeyInCertificate, `"OPENSSH PRIVATE KEY"`},
		{"encrypted key appended", ca.CertPEM + encrypted, pki.ErrPrivateKeyInCertificate, `"ENCRYPTED PRIVATE KEY"`},
		{"key before the certificate", ca.PrivateKeyPEM + ca.CertPEM, pki.ErrPrivateKeyInCertificate, "remove the key"},
		{"key without its END line", ca.CertPEM + cut, pki.ErrPrivateKeyInCertificate, "malformed private key block"},
		{"key alone", ca.PrivateKeyPEM, pki.ErrPrivateKeyInCertificate, "remove the key and pass the certificate alone"},
		{"two certificates", ca.CertPEM + other.CertPEM, pki.ErrSeveralCertificates, "a chain or bundle is not an issuer"},
		{"byte-order mark", "\ufeff" + ca.CertPEM, pki.ErrByteOrderMark, "without a byte-order mark"},
		{"EC PARAMETERS appended", ca.CertPEM + pemText("EC PARAMETERS", []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}, nil), pki.ErrTextBesideCertificates, `line 12 begins a "EC PARAMETERS" PEM block where only CERTIFICATE blocks belong: remove it`},
		{"garbage block after", ca.CertPEM + "-----BEGIN CERTIFICATE-----\nnot base64", pki.ErrTextBesideCertificates, "line 13, inside the CERTIFICATE block that begins on line 12, is not a line of base64"},
		{"key cut short before the certificate", cut + ca.CertPEM, pki.ErrPrivateKeyInCertificate, "malformed private key block"},
		{"key lines without armour appended", ca.CertPEM + armourless(ca.PrivateKeyPEM), pki.ErrPrivateKeyInCertificate, "line 12: the text holds a private key (lines of base64 that decode to a private key)"},
		{"one key line without armour appended", ca.CertPEM + strings.Split(ca.PrivateKeyPEM, "\n")[1] + "\n", pki.ErrPrivateKeyInCertificate, "base64 data outside any PEM block"},
		{"key with four-dash armour appended", ca.CertPEM + strings.ReplaceAll(ca.PrivateKeyPEM, "-----", "----"), pki.ErrPrivateKeyInCertificate, "a line that names a private key"},
		{"SSH2 key appended", ca.CertPEM + "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"x\"\n" + armourless(ca.PrivateKeyPEM) + "---- END SSH2 ENCRYPTED PRIVATE KEY ----\n", pki.ErrPrivateKeyInCertificate, "a line that names a private key"},
	}
	for _, tc := range cases {
		_, err := pki.ParseCACertificatePEM(tc.text)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", tc.name)
			continue
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		case !strings.Contains(err.Error(), tc.msg):
			t.Errorf("%s: got %q, want it to contain %q", tc.name, err, tc.msg)
		}
		assertNoEcho(t, tc.name, err, tc.text)
	}

	// A server certificate alone still parses with the generic reader, and
	// the generic reader refuses a chain without speaking of issuers.
	if _, err := pki.ParseCertificatePEM(ca.CertPEM); err != nil {
		t.Errorf("a single certificate refused: %v", err)
	}
	if _, err := pki.ParseCertificatePEM(ca.CertPEM + other.CertPEM); !errors.Is(err, pki.ErrSeveralCertificates) || strings.Contains(err.Error(), "issuer") {
		t.Errorf("a bundle as a plain certificate: got %v", err)
	}
}

// TestParseCACertificate_RefusesKeysClientsCannotUse: a CA made by another
// tool with a key that current TLS stacks refuse would sign leaves that no
// client accepts. Before, RSA-1024 went through silently.
func TestParseCACertificate_RefusesKeysClientsCannotUse(t *testing.T) {
	t.Parallel()
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // a weak key is the point of the test
	if err != nil {
		t.Fatal(err)
	}
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	cases := []struct {
		name, text string
		want       error
		msg        string
	}{
		{"RSA 1024", caCertFor(t, rsa1024), pki.ErrWeakRSAKey, "this one has 1024 bits"},
		{"P-224", caCertFor(t, p224), pki.ErrUnusableCurve, "P-256 or P-384"},
		{"DSA", readTestdata(t, "dsa-ca.pem"), pki.ErrDSAKey, "make a new CA"},
	}
	for _, tc := range cases {
		_, err := pki.ParseCACertificatePEM(tc.text)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "the CA certificate") {
			t.Errorf("%s: got %v, want %v mentioning %q", tc.name, err, tc.want, tc.msg)
		}
	}
}

// TestParsePrivateKey_NamesWhatIsWrong: each refusal names the problem and
// the fix, never the bytes.
func TestParsePrivateKey_NamesWhatIsWrong(t *testing.T) {
	t.Parallel()
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // a weak key is the point of the test
	if err != nil {
		t.Fatal(err)
	}
	ca := issueCA(t, pki.ECDSAP256)
	cases := []struct {
		name, text string
		want       error
	}{
		{"OpenSSH format", pemText("OPENSSH PRIVATE KEY", []byte("openssh-key-v1\x00 and the rest of a key"), nil), pki.ErrOpenSSHKey},
		{"DSA, traditional", readTestdata(t, "dsa-ca-key.pem"), pki.ErrDSAKey},
		{"DSA, PKCS#8", readTestdata(t, "dsa-ca-key.pk8.pem"), pki.ErrDSAKey},
		{"RSA 1024", pemText("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsa1024), nil), pki.ErrWeakRSAKey},
		{"byte-order mark", "\ufeff" + ca.PrivateKeyPEM, pki.ErrByteOrderMark},
	}
	for _, tc := range cases {
		_, err := pki.ParsePrivateKeyPEM(tc.text)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			continue
		}
		assertNoEcho(t, tc.name, err, tc.text)
	}
}

// TestErrorsSpeakPlainGo: this package serves any caller, so its errors
// name values and rules, never the provider's resources or attributes.
func TestErrorsSpeakPlainGo(t *testing.T) {
	t.Parallel()
	ca := issueCA(t, pki.ECDSAP256)
	client, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, CommonName: "c", Validity: time.Hour}, mustSigningCA(t, ca), issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	_, notCA := pki.ParseCACertificatePEM(client.CertPEM)
	ekuCert, ekuKey := acctest.GoMadeCA(t, issuedAt, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth})
	clientOnly := issuerFromPEM(t, ekuCert, ekuKey)
	errs := []error{
		notCA,
		pki.CheckPurpose(clientOnly.Cert, pki.ProfileServer),
		pki.ErrKeyMismatch, pki.ErrNoPEMKey, pki.ErrNoPEMCertificate, pki.ErrPrivateKeyInCertificate,
	}
	if !errors.Is(errs[0], pki.ErrNotCA) || !errors.Is(errs[1], pki.ErrCAPurpose) {
		t.Fatalf("the errors lost their tags: %v, %v", errs[0], errs[1])
	}
	for _, err := range errs {
		if strings.Contains(err.Error(), "dockertls") || strings.Contains(err.Error(), "_pem") {
			t.Errorf("error names Terraform words: %q", err)
		}
	}
}

// armourless is a PEM text's base64 lines without its BEGIN and END lines.
func armourless(pemText string) string {
	lines := strings.Split(strings.TrimSpace(pemText), "\n")
	return strings.Join(lines[1:len(lines)-1], "\n") + "\n"
}

// TestParseCACertificate_RefusesOpenSSLText: the text openssl writes
// beside a certificate (`x509 -text`: the decoded fields, hex dumps of the
// key and the signature; `pkcs12 -nokeys`: Bag Attributes, subject= and
// issuer=; `pkcs7 -print_certs`: subject= and issuer=) was ignored before,
// and so was anything else outside the blocks, keys in spellings nobody
// had thought of included. It is refused now, with the fix: the message
// names openssl x509 -in FILE, and what that writes is accepted. A key
// that pkcs12 writes beside the certificate is named as a key.
func TestParseCACertificate_RefusesOpenSSLText(t *testing.T) {
	t.Parallel()
	openssl := acctest.RequireTool(t, "openssl", "it writes the decoded text that users keep beside a certificate")
	run := func(t *testing.T, args ...string) string {
		t.Helper()
		out, err := exec.Command(openssl, args...).Output()
		if err != nil {
			t.Fatalf("openssl %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	for _, alg := range []pki.KeyAlgorithm{pki.RSA2048, pki.ECDSAP256, pki.ED25519} {
		ca := issueCA(t, alg)
		dir := t.TempDir()
		writeFile(t, dir+"/ca.pem", ca.CertPEM)
		writeFile(t, dir+"/ca-key.pem", ca.PrivateKeyPEM)
		run(t, "pkcs12", "-export", "-in", dir+"/ca.pem", "-inkey", dir+"/ca-key.pem", "-out", dir+"/ca.p12", "-passout", "pass:x")
		pkcs7 := run(t, "crl2pkcs7", "-nocrl", "-certfile", dir+"/ca.pem")
		texts := map[string]string{
			"x509 -text":            run(t, "x509", "-in", dir+"/ca.pem", "-text"),
			"x509 -subject -issuer": run(t, "x509", "-in", dir+"/ca.pem", "-subject", "-issuer"),
			"pkcs12 -nokeys":        run(t, "pkcs12", "-in", dir+"/ca.p12", "-nokeys", "-passin", "pass:x"),
			"pkcs7 -print_certs":    runStdin(t, openssl, pkcs7, "pkcs7", "-print_certs"),
		}
		for name, text := range texts {
			if !strings.Contains(text, beginCert) {
				t.Fatalf("%s, %s: openssl wrote no certificate:\n%s", alg, name, text)
			}
			_, err := pki.ParseCACertificatePEM(text)
			switch {
			case err == nil:
				t.Errorf("%s, %s: the certificate with openssl's text is accepted", alg, name)
				continue
			case !errors.Is(err, pki.ErrTextBesideCertificates) || !strings.Contains(err.Error(), "line 1 holds text outside a CERTIFICATE block") ||
				!strings.Contains(err.Error(), "openssl x509 -in FILE writes a certificate without that text"):
				t.Errorf("%s, %s: got %v, want line 1 named and the openssl advice", alg, name, err)
			}
			assertNoLeak(t, string(alg)+", "+name, err, text)
			// The advice works: what openssl x509 -in FILE writes is accepted.
			writeFile(t, dir+"/text.pem", text)
			if cert, err := pki.ParseCACertificatePEM(run(t, "x509", "-in", dir+"/text.pem")); err != nil || !cert.Equal(ca.Cert) {
				t.Errorf("%s, %s: openssl x509 -in FILE did not give the certificate alone: %v", alg, name, err)
			}
		}
		withKey := run(t, "pkcs12", "-in", dir+"/ca.p12", "-nodes", "-passin", "pass:x")
		_, err := pki.ParseCACertificatePEM(withKey)
		if !errors.Is(err, pki.ErrPrivateKeyInCertificate) {
			t.Errorf("%s: pkcs12 -nodes, the key beside the certificate: got %v, want the key named", alg, err)
		} else {
			assertNoKeyFragment(t, string(alg)+", pkcs12 -nodes", err, ca.PrivateKeyPEM)
		}
	}
}

const beginCert = "-----BEGIN CERTIFICATE-----"

func runStdin(t *testing.T, name, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out)
}

// caCertFor is a CA certificate for key made as another tool would.
func caCertFor(t *testing.T, key crypto.Signer) string {
	certPEM, _ := acctest.CAForKey(t, key, issuedAt)
	return certPEM
}
