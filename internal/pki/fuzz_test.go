package pki_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// FuzzCertificateText: whatever the text, no reader of certificate inputs
// panics, and
//   - when one accepts, the text is CERTIFICATE blocks and whitespace:
//     removing every block (its exact BEGIN to END span, as the grammar
//     below spells it) leaves only spaces, tabs, CRs and LFs; each block's
//     base64 is the DER of the certificate returned at its place; and Go's
//     own PEM decoder, which dockerd and the docker CLI use, reads the same
//     certificates and nothing else from it;
//   - when one refuses, its error repeats no line of the text, nor any
//     16-byte piece of one, other than BEGIN and END lines.
//
// Nothing else, above all no key in any spelling, can ride along with a
// certificate into a plan.
func FuzzCertificateText(f *testing.F) {
	ca, next := issueCAForFuzz(f), issueCAForFuzz(f)
	for _, seed := range []string{
		ca.CertPEM,
		ca.CertPEM + next.CertPEM,
		ca.CertPEM + "\n\n" + next.CertPEM,
		strings.ReplaceAll(ca.CertPEM+next.CertPEM, "\n", "\r\n"),
		strings.ReplaceAll(ca.CertPEM, "\n", " \t\n"),
		"\n \n" + ca.CertPEM + "\n\n",
		"\ufeff" + ca.CertPEM,
		"comment\n" + ca.CertPEM + "trailer\n",
		"Bag Attributes\n    friendlyName: ca\nsubject=CN = Fuzz CA\nissuer=CN = Fuzz CA\n" + ca.CertPEM,
		"-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n" + ca.CertPEM,
		ca.PrivateKeyPEM[:len(ca.PrivateKeyPEM)-20] + ca.CertPEM,
		"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
		"",
	} {
		f.Add(seed)
	}
	for _, s := range keySpellings(ca) {
		f.Add(s.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cert, certErr := pki.ParseCertificatePEM(text)
		caCert, caErr := pki.ParseCACertificatePEM(text)
		cas, trustErr := pki.ParseTrustPEM(text)
		for _, err := range []error{certErr, caErr, trustErr} {
			if err == nil {
				continue
			}
			if piece, ok := leak(err.Error(), text); ok {
				t.Fatalf("the error repeats %q of the input: %q", piece, err)
			}
		}
		switch {
		case certErr != nil && caErr == nil:
			t.Fatalf("the CA reader accepted what the certificate reader refused (%v)", certErr)
		case caErr == nil && (trustErr != nil || len(cas) != 1 || !cas[0].Equal(caCert)):
			t.Fatalf("the CA reader and the trust reader disagree on one CA (%v)", trustErr)
		case trustErr == nil && len(cas) == 1 && caErr != nil:
			t.Fatalf("the trust reader accepted one CA that the CA reader refused (%v)", caErr)
		}
		if certErr == nil {
			assertOnlyCertificates(t, text, []*x509.Certificate{cert})
		}
		if trustErr == nil {
			assertOnlyCertificates(t, text, cas)
		}
	})
}

// certificateBlock is the grammar of an accepted block, written apart from
// the reader: a BEGIN line, lines of base64, an END line, each line
// starting in the first column and allowed trailing spaces, tabs and CR.
var certificateBlock = regexp.MustCompile(`(?m)^-----BEGIN CERTIFICATE-----[ \t\r]*\n((?:[A-Za-z0-9+/=]+[ \t\r]*\n)+)-----END CERTIFICATE-----`)

// assertOnlyCertificates checks an accepted text against the grammar and
// against Go's PEM decoder.
func assertOnlyCertificates(t *testing.T, text string, certs []*x509.Certificate) {
	t.Helper()
	spans := certificateBlock.FindAllStringSubmatchIndex(text, -1)
	if len(spans) != len(certs) {
		t.Fatalf("accepted %d certificates from a text with %d CERTIFICATE blocks", len(certs), len(spans))
	}
	var rest strings.Builder
	from := 0
	for i, cert := range certs {
		s := spans[i]
		rest.WriteString(text[from:s[0]])
		from = s[1]
		var b64 strings.Builder
		for _, line := range strings.Split(text[s[2]:s[3]], "\n") {
			b64.WriteString(strings.TrimRight(line, " \t\r"))
		}
		der, err := base64.StdEncoding.DecodeString(b64.String())
		if err != nil || !bytes.Equal(der, cert.Raw) {
			t.Fatalf("block %d is not the DER of certificate %d (%v)", i+1, i+1, err)
		}
	}
	rest.WriteString(text[from:])
	if strings.Trim(rest.String(), " \t\r\n") != "" {
		t.Fatalf("accepted a text with more than certificates and whitespace (%d bytes besides)", len(strings.Trim(rest.String(), " \t\r\n")))
	}
	remaining := []byte(text)
	for i := 0; ; i++ {
		var block *pem.Block
		block, remaining = pem.Decode(remaining)
		if block == nil {
			if i != len(certs) {
				t.Fatalf("Go's PEM decoder reads %d blocks, the reader %d certificates", i, len(certs))
			}
			break
		}
		if i >= len(certs) || block.Type != "CERTIFICATE" || len(block.Headers) != 0 || !bytes.Equal(block.Bytes, certs[i].Raw) {
			t.Fatalf("Go's PEM decoder reads block %d otherwise than the reader", i+1)
		}
	}
	if strings.Trim(string(remaining), " \t\r\n") != "" {
		t.Fatalf("Go's PEM decoder leaves text after the blocks")
	}
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
