package pki_test

import (
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

func issueCAAt(t *testing.T, name string, at time.Time, validity time.Duration) *pki.Certificate {
	t.Helper()
	ca, err := pki.Issue(pki.Request{Profile: pki.ProfileCA, KeyAlgorithm: pki.ECDSAP256, CommonName: name, Validity: validity}, nil, at)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// TestParseTrust_BundleOfCAs: a ca.pem may hold several CAs, but nothing
// other than CA certificates: a key pasted with them is refused without
// being repeated, and so is a leaf, named by its place.
func TestParseTrust_BundleOfCAs(t *testing.T) {
	t.Parallel()
	current, next := issueCA(t, pki.ECDSAP256), issueCA(t, pki.ED25519)
	leaf, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, CommonName: "alice", Validity: time.Hour}, mustSigningCA(t, current), issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	cas, err := pki.ParseTrustPEM(current.CertPEM + next.CertPEM)
	if err != nil || len(cas) != 2 || pki.Fingerprint(cas[0]) != pki.Fingerprint(current.Cert) || pki.Fingerprint(cas[1]) != pki.Fingerprint(next.Cert) {
		t.Fatalf("a bundle of two CAs: got %d certificates, %v", len(cas), err)
	}
	if cas, err := pki.ParseTrustPEM(current.CertPEM); err != nil || len(cas) != 1 {
		t.Fatalf("one CA: got %d certificates, %v", len(cas), err)
	}

	cases := []struct {
		name, text string
		want       error
		msg        string
	}{
		{"key after the bundle", current.CertPEM + next.CertPEM + current.PrivateKeyPEM, pki.ErrPrivateKeyInCertificate, "remove the key"},
		{"key between the CAs", current.CertPEM + next.PrivateKeyPEM + next.CertPEM, pki.ErrPrivateKeyInCertificate, "remove the key"},
		{"a leaf in the bundle", current.CertPEM + leaf.CertPEM, pki.ErrNotCA, `certificate 2 of 2: the certificate "alice" is not a CA`},
		{"a leaf alone", leaf.CertPEM, pki.ErrNotCA, `the certificate "alice" is not a CA`},
		{"nothing", "", pki.ErrNoPEMCertificate, "no PEM block"},
	}
	for _, tc := range cases {
		_, err := pki.ParseTrustPEM(tc.text)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", tc.name)
			continue
		case !errors.Is(err, tc.want):
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		case !strings.Contains(err.Error(), tc.msg):
			t.Errorf("%s: got %q, want it to contain %q", tc.name, err, tc.msg)
		}
		assertNoEcho(t, tc.name, err, tc.text)
	}
}

// TestSignerOf finds the CA of a bundle that signed a certificate, and none
// for a CA whose name and key identifier were copied without its key.
func TestSignerOf(t *testing.T) {
	t.Parallel()
	current, next := issueCA(t, pki.ECDSAP256), issueCA(t, pki.ECDSAP256)
	leaf, err := pki.Issue(pki.Request{Profile: pki.ProfileServer, KeyAlgorithm: pki.ECDSAP256, DNSNames: []string{"d.example"}, Validity: time.Hour}, mustSigningCA(t, next), issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	cas, err := pki.ParseTrustPEM(current.CertPEM + next.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := pki.ParseCertificatePEM(leaf.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	if got := pki.SignerOf(cert, cas); got == nil || pki.Fingerprint(got) != pki.Fingerprint(next.Cert) {
		t.Errorf("SignerOf picked %v, want the next CA", got)
	}
	if got := pki.SignerOf(cert, cas[:1]); got != nil {
		t.Errorf("SignerOf found %q in a bundle without the signer", got.Subject.CommonName)
	}
	// Both test CAs are named "Test CA": only the signature tells them apart.
	if cas[0].Subject.String() != cas[1].Subject.String() {
		t.Fatal("the test needs two CAs with the same name")
	}
}

// TestNewBundle: every CA once, in an order that does not depend on the
// inputs', expired ones left out, and every bad element named.
func TestNewBundle(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	old := issueCAAt(t, "CA 2030", t0, 100*24*time.Hour)
	current := issueCAAt(t, "CA 2030b", t0.Add(24*time.Hour), 1000*24*time.Hour)
	next := issueCAAt(t, "CA 2031", t0.Add(48*time.Hour), 2000*24*time.Hour)
	now := t0.Add(200 * 24 * time.Hour) // old has expired

	forward, errs := pki.NewBundle([]string{old.CertPEM, current.CertPEM, next.CertPEM, current.CertPEM}, now)
	if errs != nil {
		t.Fatal(errs)
	}
	backward, errs := pki.NewBundle([]string{next.CertPEM + current.CertPEM, old.CertPEM}, now)
	if errs != nil {
		t.Fatal(errs)
	}
	if forward.PEM() != backward.PEM() {
		t.Error("the order of the inputs changed the bundle")
	}
	if got, want := forward.Fingerprints(), []string{pki.Fingerprint(current.Cert), pki.Fingerprint(next.Cert)}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("fingerprints %v, want %v (current, then next; old expired)", got, want)
	}
	if len(forward.Expired) != 1 || pki.Fingerprint(forward.Expired[0]) != pki.Fingerprint(old.Cert) {
		t.Errorf("expired %v, want the old CA", forward.Expired)
	}
	if got, want := forward.ExpiresFirst(), current.Cert.NotAfter; !got.Equal(want) {
		t.Errorf("expires first %s, want %s", got, want)
	}
	// The PEM holds exactly the CAs, each a whole CERTIFICATE block.
	var blocks []*x509.Certificate
	rest := []byte(forward.PEM())
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil || b.Type != "CERTIFICATE" {
			t.Fatalf("block %q: %v", b.Type, err)
		}
		blocks = append(blocks, c)
	}
	if len(blocks) != 2 || len(strings.TrimSpace(string(rest))) != 0 {
		t.Errorf("the PEM holds %d certificates and %q after them", len(blocks), rest)
	}

	if _, errs := pki.NewBundle(nil, now); len(errs) != 1 || !errors.Is(errs[0], pki.ErrEmptyBundle) {
		t.Errorf("empty list: %v", errs)
	}
	_, errs = pki.NewBundle([]string{current.CertPEM, current.PrivateKeyPEM, next.CertPEM, "x"}, now)
	var first, second *pki.BundleInputError
	if len(errs) != 2 || !errors.As(errs[0], &first) || !errors.As(errs[1], &second) || first.Index != 1 || second.Index != 3 ||
		!errors.Is(first, pki.ErrPrivateKeyInCertificate) {
		t.Errorf("bad elements: %v", errs)
	}
	for _, err := range errs {
		assertNoEcho(t, "bundle", err, current.PrivateKeyPEM)
	}
	all, errs := pki.NewBundle([]string{old.CertPEM}, now)
	if errs != nil || len(all.CAs) != 0 || len(all.Expired) != 1 || !all.ExpiresFirst().IsZero() {
		t.Errorf("only an expired CA: %v, %v", all, errs)
	}
}

// TestNewBundle_NotYetValid: a CA whose validity starts later than the
// clock-skew allowance is kept (it is the next CA, deployed ahead) and
// listed; one within the allowance is not.
func TestNewBundle_NotYetValid(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	// Issue backdates NotBefore by ClockSkewAllowance.
	current := issueCAAt(t, "current", now.Add(-time.Hour), 1000*time.Hour)
	atLimit := issueCAAt(t, "at the limit", now.Add(2*pki.ClockSkewAllowance), 1000*time.Hour)
	later := issueCAAt(t, "later", now.Add(2*pki.ClockSkewAllowance+time.Second), 1000*time.Hour)
	b, errs := pki.NewBundle([]string{later.CertPEM, atLimit.CertPEM, current.CertPEM}, now)
	if errs != nil {
		t.Fatal(errs)
	}
	if len(b.CAs) != 3 {
		t.Errorf("kept %d CAs, want all 3", len(b.CAs))
	}
	if len(b.NotYetValid) != 1 || b.NotYetValid[0].Subject.CommonName != "later" {
		var names []string
		for _, ca := range b.NotYetValid {
			names = append(names, ca.Subject.CommonName)
		}
		t.Errorf("not yet valid: %q, want only \"later\"", names)
	}
}

// TestParseTrust_RefusesDecodedKeys: `openssl pkey -text -noout` prints a
// private key as labelled hex lines ("Private-Key: (256 bit)", "priv:",
// "privateExponent:"), with no PEM armour and no base64. Pasted between the
// CAs of a ca.pem it was ignored as comment text, so the key went into
// plans and state in clear with the input.
func TestParseTrust_RefusesDecodedKeys(t *testing.T) {
	t.Parallel()
	current, next := issueCA(t, pki.ECDSAP256), issueCA(t, pki.ECDSAP256)
	hex := "    03:dc:d8:97:63:a9:d5:34:bd:1d:5b:5f:d1:93:5b:\n    b9:6f:db:e0:6e:4d:c2:d7:f0:99:aa:02:5f:eb:d5:\n    49:bb\n"
	cases := map[string]string{
		"EC key as text":        "Private-Key: (256 bit)\npriv:\n" + hex + "pub:\n" + hex + "ASN1 OID: prime256v1\nNIST CURVE: P-256\n",
		"Ed25519 key as text":   "ED25519 Private-Key:\npriv:\n" + hex + "pub:\n" + hex,
		"RSA key as text":       "Private-Key: (2048 bit, 2 primes)\nmodulus:\n" + hex + "publicExponent: 65537 (0x10001)\nprivateExponent:\n" + hex + "prime1:\n" + hex,
		"key fields, no header": "privateExponent:\n" + hex + "prime1:\n" + hex,
		"priv field alone":      "priv:\n" + hex,
	}
	for name, key := range cases {
		text := current.CertPEM + key + next.CertPEM
		_, err := pki.ParseTrustPEM(text)
		if !errors.Is(err, pki.ErrPrivateKeyInCertificate) {
			t.Errorf("%s between the CAs: got %v, want a private key refused", name, err)
			continue
		}
		for _, l := range strings.Split(hex, "\n") {
			if l != "" && strings.Contains(err.Error(), strings.TrimSpace(l)) {
				t.Errorf("%s: the error repeats the key: %q", name, err)
			}
		}
	}
}

// TestParseTrust_RefusesOpenSSLDecodedKeys: the same with the text openssl
// itself prints for each kind of key the provider makes.
func TestParseTrust_RefusesOpenSSLDecodedKeys(t *testing.T) {
	t.Parallel()
	openssl := acctest.RequireTool(t, "openssl", "it prints private keys as decoded text")
	for _, alg := range []pki.KeyAlgorithm{pki.RSA2048, pki.ECDSAP256, pki.ED25519} {
		ca := issueCA(t, alg)
		path := t.TempDir() + "/key.pem"
		if err := os.WriteFile(path, []byte(ca.PrivateKeyPEM), 0o600); err != nil {
			t.Fatal(err)
		}
		text, err := exec.Command(openssl, "pkey", "-in", path, "-text", "-noout").Output()
		if err != nil {
			t.Fatalf("%s: openssl: %v", alg, err)
		}
		if _, err := pki.ParseTrustPEM(ca.CertPEM + string(text)); !errors.Is(err, pki.ErrPrivateKeyInCertificate) {
			t.Errorf("%s: the CA with its key as openssl's text: got %v, want a private key refused", alg, err)
		}
	}
}
