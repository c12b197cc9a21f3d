package pki_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/pem"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// FuzzParseCertificatePEM: whatever the text, the reader does not panic;
// when it accepts, the text held exactly one PEM block, a certificate (so
// nothing else, above all no key, can ride along into a plan), and the
// certificate returned is that block.
func FuzzParseCertificatePEM(f *testing.F) {
	ca := issueCAForFuzz(f)
	for _, seed := range []string{
		ca.CertPEM,
		ca.CertPEM + ca.PrivateKeyPEM,
		ca.PrivateKeyPEM + ca.CertPEM,
		ca.PrivateKeyPEM[:len(ca.PrivateKeyPEM)-20] + ca.CertPEM,
		ca.CertPEM + ca.CertPEM,
		"\ufeff" + ca.CertPEM,
		"comment\n" + ca.CertPEM + "trailer\n",
		"-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n" + ca.CertPEM,
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cert, err := pki.ParseCertificatePEM(text)
		_, caErr := pki.ParseCACertificatePEM(text)
		if err != nil {
			if caErr == nil {
				t.Fatalf("the CA reader accepted what the certificate reader refused (%v)", err)
			}
			return
		}
		if n := strings.Count(text, "-----BEGIN "); n != 1 {
			t.Fatalf("accepted a text with %d BEGIN lines", n)
		}
		block, _ := pem.Decode([]byte(text))
		if block == nil || block.Type != "CERTIFICATE" || string(block.Bytes) != string(cert.Raw) {
			t.Fatalf("accepted, but the certificate returned is not the text's one CERTIFICATE block")
		}
	})
}

// FuzzParsePrivateKeyPEM: whatever the text, the reader does not panic, its
// errors do not repeat the text's PEM body, and a key it accepts is one the
// issuer can sign with and clients accept: RSA of 2048 bits or more, ECDSA
// on P-256, P-384 or P-521, or Ed25519.
func FuzzParsePrivateKeyPEM(f *testing.F) {
	ca := issueCAForFuzz(f)
	for _, seed := range []string{
		ca.PrivateKeyPEM,
		"\ufeff" + ca.PrivateKeyPEM,
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ==\n-----END OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN DSA PRIVATE KEY-----\nMAA=\n-----END DSA PRIVATE KEY-----\n",
		"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + ca.PrivateKeyPEM,
		"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		key, err := pki.ParsePrivateKeyPEM(text)
		if err != nil {
			if block, _ := pem.Decode([]byte(text)); block != nil {
				for _, line := range strings.Split(text, "\n") {
					if base64Line.MatchString(line) && strings.Contains(err.Error(), line) {
						t.Fatalf("the error repeats the input: %v", err)
					}
				}
			}
			return
		}
		switch k := key.Public().(type) {
		case *rsa.PublicKey:
			if k.N.BitLen() < 2048 {
				t.Fatalf("accepted an RSA key of %d bits", k.N.BitLen())
			}
		case *ecdsa.PublicKey:
			if c := k.Curve; c != elliptic.P256() && c != elliptic.P384() && c != elliptic.P521() {
				t.Fatalf("accepted an ECDSA key on %s", c.Params().Name)
			}
		case ed25519.PublicKey:
		default:
			t.Fatalf("accepted a %T key", k)
		}
	})
}

// base64Line is a line of a PEM body long enough to be worth protecting.
var base64Line = regexp.MustCompile(`^[A-Za-z0-9+/=]{16,}$`)

func issueCAForFuzz(f *testing.F) *pki.Certificate {
	f.Helper()
	c, err := pki.Issue(pki.Request{Profile: pki.ProfileCA, KeyAlgorithm: pki.ECDSAP256, CommonName: "Fuzz CA", Validity: 1000 * time.Hour}, nil, issuedAt)
	if err != nil {
		f.Fatal(err)
	}
	return c
}
