package pki_test

import (
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var issuedAt = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

func mustSigningCA(t *testing.T, ca *pki.Certificate) *pki.SigningCA {
	t.Helper()
	iss, err := pki.NewSigningCA(ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func issueCA(t *testing.T, alg pki.KeyAlgorithm) *pki.Certificate {
	t.Helper()
	ca, err := pki.Issue(pki.Request{Profile: pki.ProfileCA, KeyAlgorithm: alg, CommonName: "Test CA", Organization: "Acme", Validity: 1000 * time.Hour}, nil, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// TestIssueFollowsDockerProfile issues a CA, a server and a client
// certificate with every key algorithm and checks each against the profile
// with the independent checker, then verifies the chains for the right purpose.
func TestIssueFollowsDockerProfile(t *testing.T) {
	t.Parallel()
	for _, alg := range pki.KeyAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			ca := issueCA(t, alg)
			checkPEMPair(t, ca)
			if err := acctest.CheckCertificate(ca.Cert, acctest.Expect{
				Role: "ca", KeyAlgorithm: string(alg), CommonName: "Test CA", Organization: "Acme",
				Validity: 1000 * time.Hour, IssuedAt: issuedAt,
			}); err != nil {
				t.Errorf("CA profile:\n%v", err)
			}
			iss := mustSigningCA(t, ca)

			server, err := pki.Issue(pki.Request{
				Profile: pki.ProfileServer, KeyAlgorithm: alg, CommonName: "docker.example.com", Validity: 100 * time.Hour,
				DNSNames: []string{"docker.example.com", "*.docker.example.com"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
			}, iss, issuedAt)
			if err != nil {
				t.Fatal(err)
			}
			checkPEMPair(t, server)
			if err := acctest.CheckCertificate(server.Cert, acctest.Expect{
				Role: "server", KeyAlgorithm: string(alg), CommonName: "docker.example.com", Validity: 100 * time.Hour, IssuedAt: issuedAt,
				DNSNames: []string{"docker.example.com", "*.docker.example.com"}, IPAddresses: []string{"127.0.0.1", "::1"}, IssuerKeyAlgorithm: string(alg),
			}); err != nil {
				t.Errorf("server profile:\n%v", err)
			}

			client, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: alg, CommonName: "client", Validity: 100 * time.Hour}, iss, issuedAt)
			if err != nil {
				t.Fatal(err)
			}
			checkPEMPair(t, client)
			if err := acctest.CheckCertificate(client.Cert, acctest.Expect{
				Role: "client", KeyAlgorithm: string(alg), CommonName: "client", Validity: 100 * time.Hour, IssuedAt: issuedAt, IssuerKeyAlgorithm: string(alg),
			}); err != nil {
				t.Errorf("client profile:\n%v", err)
			}

			at := issuedAt.Add(time.Hour)
			for _, name := range []string{"docker.example.com", "node1.docker.example.com", "127.0.0.1", "::1"} {
				if err := acctest.VerifyChain(server.Cert, ca.Cert, x509.ExtKeyUsageServerAuth, name, at); err != nil {
					t.Errorf("server chain for %s: %v", name, err)
				}
			}
			if err := acctest.VerifyChain(client.Cert, ca.Cert, x509.ExtKeyUsageClientAuth, "", at); err != nil {
				t.Errorf("client chain: %v", err)
			}
			if !bytesEqual(server.Cert.AuthorityKeyId, ca.Cert.SubjectKeyId) {
				t.Error("server authority key identifier differs from the CA's subject key identifier")
			}
		})
	}
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

func checkPEMPair(t *testing.T, c *pki.Certificate) {
	t.Helper()
	cert, err := acctest.ParseCertificate(c.CertPEM)
	if err != nil {
		t.Fatalf("cert PEM: %v", err)
	}
	key, err := acctest.ParsePKCS8Key(c.PrivateKeyPEM)
	if err != nil {
		t.Fatalf("key PEM: %v", err)
	}
	if !acctest.KeyMatches(cert, key) {
		t.Fatal("private key does not match the certificate")
	}
}

// TestChainRefusesWrongPurpose is the negative half: the profiles must stop
// a client certificate from serving, a server certificate from acting as a
// client, and certificates from another CA or the wrong host.
func TestChainRefusesWrongPurpose(t *testing.T) {
	t.Parallel()
	ca := issueCA(t, pki.ECDSAP256)
	other := issueCA(t, pki.ECDSAP256)
	iss := mustSigningCA(t, ca)
	server, err := pki.Issue(pki.Request{Profile: pki.ProfileServer, KeyAlgorithm: pki.ECDSAP256, CommonName: "s", Validity: time.Hour, DNSNames: []string{"docker.example.com"}}, iss, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	client, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, CommonName: "c", Validity: time.Hour}, iss, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	at := issuedAt.Add(time.Minute)
	cases := []struct {
		name    string
		leaf    *x509.Certificate
		root    *x509.Certificate
		usage   x509.ExtKeyUsage
		dnsName string
		want    string
	}{
		{"client cert cannot serve", client.Cert, ca.Cert, x509.ExtKeyUsageServerAuth, "", "incompatible key usage"},
		{"server cert cannot be a client", server.Cert, ca.Cert, x509.ExtKeyUsageClientAuth, "", "incompatible key usage"},
		{"another CA's client", client.Cert, other.Cert, x509.ExtKeyUsageClientAuth, "", "unknown authority"},
		{"wrong host name", server.Cert, ca.Cert, x509.ExtKeyUsageServerAuth, "other.example.com", "not other.example.com"},
	}
	for _, tc := range cases {
		err := acctest.VerifyChain(tc.leaf, tc.root, tc.usage, tc.dnsName, at)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	if err := acctest.VerifyChain(client.Cert, ca.Cert, x509.ExtKeyUsageClientAuth, "", server.Cert.NotAfter.Add(time.Second)); err == nil {
		t.Error("an expired chain verified")
	}
}

func TestFingerprintMatchesOpenSSL(t *testing.T) {
	t.Parallel()
	ca := issueCA(t, pki.ECDSAP256)
	got := pki.Fingerprint(ca.Cert)
	if want := acctest.Fingerprint(ca.Cert); got != want {
		t.Fatalf("Fingerprint = %s, want %s", got, want)
	}
	openssl := acctest.RequireTool(t, "openssl", "it cross-checks the fingerprint format")
	fromOpenSSL, err := acctest.OpenSSLFingerprint(openssl, ca.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	if got != fromOpenSSL {
		t.Fatalf("Fingerprint = %s, openssl says %s", got, fromOpenSSL)
	}
}

func TestSerialNumbersAreRandom128Bit(t *testing.T) {
	t.Parallel()
	ca := issueCA(t, pki.ECDSAP256)
	iss := mustSigningCA(t, ca)
	seen := map[string]bool{}
	for range 20 {
		c, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, CommonName: "c", Validity: time.Hour}, iss, issuedAt)
		if err != nil {
			t.Fatal(err)
		}
		s := c.Cert.SerialNumber
		if s.BitLen() != 128 || s.Sign() <= 0 {
			t.Fatalf("serial %s has %d bits", s, s.BitLen())
		}
		if seen[s.String()] {
			t.Fatalf("serial %s repeated", s)
		}
		seen[s.String()] = true
	}
}

// TestSerialNumberBitsVary: the 127 bits below the fixed top bit must each
// take both values across 64 serials. A random bit stays fixed that long with
// probability 2^-63, so a failure means a bit is not random.
func TestSerialNumberBitsVary(t *testing.T) {
	t.Parallel()
	iss := mustSigningCA(t, issueCA(t, pki.ECDSAP256))
	var ones, zeros [127]bool
	for range 64 {
		c, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, CommonName: "c", Validity: time.Hour}, iss, issuedAt)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 127 {
			if c.Cert.SerialNumber.Bit(i) == 1 {
				ones[i] = true
			} else {
				zeros[i] = true
			}
		}
	}
	for i := range 127 {
		if !ones[i] || !zeros[i] {
			t.Errorf("serial bit %d was %v in all 64 certificates", i, ones[i])
		}
	}
}

// TestSigningCAWithoutKeyIdentifier: a CA made by a tool that wrote no subject
// key identifier signs leaves without an authority key identifier, since an
// invented one would match nothing, and the chains still verify.
func TestSigningCAWithoutKeyIdentifier(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC().Truncate(time.Second)
	certPEM, keyPEM := acctest.GoMadeCAWithoutKeyID(t, now)
	caCert, err := pki.ParseCACertificatePEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	caKey, err := pki.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := pki.NewSigningCA(caCert, caKey)
	if err != nil {
		t.Fatal(err)
	}
	server, err := pki.Issue(pki.Request{Profile: pki.ProfileServer, KeyAlgorithm: pki.ED25519, CommonName: "s", Validity: time.Hour,
		DNSNames: []string{"docker.example.com"}}, iss, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := acctest.CheckCertificate(server.Cert, acctest.Expect{
		Role: "server", KeyAlgorithm: "ED25519", CommonName: "s", Validity: time.Hour, IssuedAt: now,
		DNSNames: []string{"docker.example.com"}, IssuerKeyAlgorithm: "ECDSA_P256", IssuerHasNoKeyID: true,
	}); err != nil {
		t.Errorf("server profile:\n%v", err)
	}
	if err := acctest.VerifyChain(server.Cert, caCert, x509.ExtKeyUsageServerAuth, "docker.example.com", now); err != nil {
		t.Errorf("chain: %v", err)
	}
}

func TestIssueRefusesBadRequests(t *testing.T) {
	t.Parallel()
	ca := issueCA(t, pki.ECDSAP256)
	iss := mustSigningCA(t, ca)
	cases := []struct {
		name   string
		req    pki.Request
		issuer *pki.SigningCA
		at     time.Time
		want   string
	}{
		{"server without SANs", pki.Request{Profile: pki.ProfileServer, KeyAlgorithm: pki.ECDSAP256, Validity: time.Hour}, iss, issuedAt, "at least one DNS name or IP address"},
		{"unknown algorithm", pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: "DSA_1024", Validity: time.Hour}, iss, issuedAt, `unknown key algorithm "DSA_1024"`},
		{"leaf without issuer", pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, Validity: time.Hour}, nil, issuedAt, "needs a CA"},
		{"intermediate CA", pki.Request{Profile: pki.ProfileCA, KeyAlgorithm: pki.ECDSAP256, Validity: time.Hour}, iss, issuedAt, "intermediate CAs are not supported"},
		{"zero validity", pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256}, iss, issuedAt, "must be positive"},
		{"too many SANs", pki.Request{Profile: pki.ProfileServer, KeyAlgorithm: pki.ECDSAP256, Validity: time.Hour, IPAddresses: make([]net.IP, pki.MaxSubjectAltNames+1)}, iss, issuedAt, "at most 100 subjectAltNames"},
		{"bad DNS name", pki.Request{Profile: pki.ProfileServer, KeyAlgorithm: pki.ECDSAP256, Validity: time.Hour, DNSNames: []string{"a_b.example"}}, iss, issuedAt, `"a_b.example" is not a valid DNS name`},
		{"expired CA", pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, Validity: time.Hour}, iss, ca.Cert.NotAfter.Add(time.Hour), "expired at"},
		{"CA valid only in an hour", pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, Validity: time.Hour}, iss, ca.Cert.NotBefore.Add(-time.Hour), "is not valid until"},
	}
	for _, tc := range cases {
		_, err := pki.Issue(tc.req, tc.issuer, tc.at)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// A CA made moments ago by a tool that does not backdate NotBefore, seen
// from a clock slightly behind, is within the skew allowance.
func TestSigningCAToleratesClockSkew(t *testing.T) {
	t.Parallel()
	iss := mustSigningCA(t, issueCA(t, pki.ECDSAP256))
	if err := iss.CheckValidAt(iss.Cert.NotBefore.Add(-pki.ClockSkewAllowance)); err != nil {
		t.Errorf("within the allowance: %v", err)
	}
	if err := iss.CheckValidAt(iss.Cert.NotBefore.Add(-pki.ClockSkewAllowance - time.Second)); err == nil {
		t.Error("beyond the allowance: accepted")
	}
	if err := iss.CheckValidAt(iss.Cert.NotAfter); err != nil {
		t.Errorf("at NotAfter the CA is still valid: %v", err)
	}
}

func TestReadyForRenewal(t *testing.T) {
	t.Parallel()
	notAfter := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	window := 720 * time.Hour
	cases := []struct {
		name string
		now  time.Time
		want bool
	}{
		{"long before the window", notAfter.Add(-2 * window), false},
		{"a second before the window", notAfter.Add(-window - time.Second), false},
		{"at the window's start", notAfter.Add(-window), true},
		{"inside the window", notAfter.Add(-time.Hour), true},
		{"expired", notAfter.Add(time.Hour), true},
	}
	for _, tc := range cases {
		if got := pki.ReadyForRenewal(notAfter, window, tc.now); got != tc.want {
			t.Errorf("%s: ReadyForRenewal = %v, want %v", tc.name, got, tc.want)
		}
	}
	if !pki.ReadyForRenewal(notAfter, 0, notAfter) {
		t.Error("with no early window, a certificate is due at its expiry")
	}
}

// TestIssuedBy holds the cheap issuer check to what a signature check says:
// a certificate is issued by its own CA, not by another CA with the same
// name, and a CA without key identifiers falls back to the signature.
func TestIssuedBy(t *testing.T) {
	t.Parallel()
	ca := issueCA(t, pki.ECDSAP256)
	sameName := issueCA(t, pki.ECDSAP256)
	leaf, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, CommonName: "c", Validity: time.Hour}, mustSigningCA(t, ca), issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	noIDPEM, noIDKeyPEM := acctest.GoMadeCAWithoutKeyID(t, now)
	noIDCert, err := pki.ParseCACertificatePEM(noIDPEM)
	if err != nil {
		t.Fatal(err)
	}
	noIDKey, err := pki.ParsePrivateKeyPEM(noIDKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	noIDIssuer, err := pki.NewSigningCA(noIDCert, noIDKey)
	if err != nil {
		t.Fatal(err)
	}
	noIDLeaf, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, CommonName: "c", Validity: time.Hour}, noIDIssuer, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		cert, ca *x509.Certificate
		want     bool
	}{
		{"its CA", leaf.Cert, ca.Cert, true},
		{"another CA of the same name", leaf.Cert, sameName.Cert, false},
		{"a CA without key identifiers, its own", noIDLeaf.Cert, noIDCert, true},
		{"a CA without key identifiers, not its own", leaf.Cert, noIDCert, false},
		{"a leaf as the CA", leaf.Cert, leaf.Cert, false},
	} {
		if got := pki.IssuedBy(c.cert, c.ca); got != c.want {
			t.Errorf("%s: IssuedBy = %v, want %v", c.name, got, c.want)
		}
		if sig := c.cert.CheckSignatureFrom(c.ca) == nil; sig != c.want {
			t.Errorf("%s: the signature check says %v, the table %v", c.name, sig, c.want)
		}
	}
}
