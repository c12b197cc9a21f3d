package acctest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// Expect describes the certificate a test should have received.
type Expect struct {
	Role         string // "ca", "server" or "client"
	KeyAlgorithm string // as the provider names it, e.g. "ECDSA_P256"
	CommonName   string
	Organization string // "" when none was asked for
	DNSNames     []string
	IPAddresses  []string
	Validity     time.Duration
	IssuedAt     time.Time // the (test) clock's time at issue
	// IssuerKeyAlgorithm decides the expected signature; "" means the
	// certificate signed itself with KeyAlgorithm.
	IssuerKeyAlgorithm string
	// IssuerHasNoKeyID is set for a leaf whose CA carries no subject key
	// identifier: the leaf must then carry no authority key identifier.
	IssuerHasNoKeyID bool
}

// ParseCertificate decodes exactly one CERTIFICATE block.
func ParseCertificate(text string) (*x509.Certificate, error) {
	block, rest := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM CERTIFICATE")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("trailing data after the CERTIFICATE block")
	}
	return x509.ParseCertificate(block.Bytes)
}

// ParsePKCS8Key decodes an unencrypted PKCS#8 "PRIVATE KEY" block, the only
// form the provider promises to emit.
func ParsePKCS8Key(text string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM PRIVATE KEY (PKCS#8) block")
	}
	if len(block.Headers) != 0 {
		return nil, errors.New("the key block has headers (encrypted?)")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%T is not a signer", key)
	}
	return signer, nil
}

// CheckCertificate compares a certificate with Docker's profile for its role
// and returns every difference found.
func CheckCertificate(cert *x509.Certificate, e Expect) error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if cert.SerialNumber.Sign() <= 0 || cert.SerialNumber.BitLen() != 128 {
		fail("serial %s: want a positive 128-bit number, got %d bits", cert.SerialNumber, cert.SerialNumber.BitLen())
	}
	if cert.Subject.CommonName != e.CommonName {
		fail("common name %q, want %q", cert.Subject.CommonName, e.CommonName)
	}
	var wantOrg []string
	if e.Organization != "" {
		wantOrg = []string{e.Organization}
	}
	if !slices.Equal(cert.Subject.Organization, wantOrg) {
		fail("organization %q, want %q", cert.Subject.Organization, wantOrg)
	}
	if err := checkKeyAlgorithm(cert.PublicKey, e.KeyAlgorithm); err != nil {
		fail("public key: %v", err)
	}
	signer := e.IssuerKeyAlgorithm
	if signer == "" {
		signer = e.KeyAlgorithm
	}
	if want := expectedSignature(signer); cert.SignatureAlgorithm != want {
		fail("signature %v, want %v for a %s issuer", cert.SignatureAlgorithm, want, signer)
	}
	if want := e.IssuedAt.Add(-5 * time.Minute).Truncate(time.Second); !cert.NotBefore.Equal(want) {
		fail("NotBefore %v, want %v (issue time minus 5 minutes)", cert.NotBefore, want)
	}
	if want := e.IssuedAt.Add(e.Validity).Truncate(time.Second); !cert.NotAfter.Equal(want) {
		fail("NotAfter %v, want %v (issue time plus validity)", cert.NotAfter, want)
	}
	if want, err := rfc7093KeyID(cert); err != nil {
		fail("computing the expected subject key identifier: %v", err)
	} else if !bytes.Equal(cert.SubjectKeyId, want) {
		fail("subject key identifier %X, want %X (RFC 7093 method 1: SHA-256 of the public key bits, first 160 bits)", cert.SubjectKeyId, want)
	}
	switch {
	case e.IssuerHasNoKeyID && len(cert.AuthorityKeyId) != 0:
		fail("authority key identifier %X, but the issuer has no subject key identifier for it to match", cert.AuthorityKeyId)
	case !e.IssuerHasNoKeyID && len(cert.AuthorityKeyId) == 0:
		fail("no authority key identifier")
	}
	if !cert.BasicConstraintsValid {
		fail("no basicConstraints extension")
	}
	if !basicConstraintsCritical(cert) {
		fail("basicConstraints is not critical")
	}
	switch e.Role {
	case "ca":
		checkCA(cert, fail)
	case "server", "client":
		checkLeaf(cert, e, fail)
	default:
		fail("unknown role %q in the test", e.Role)
	}
	return errors.Join(errs...)
}

func checkCA(cert *x509.Certificate, fail func(string, ...any)) {
	if !cert.IsCA || cert.MaxPathLen != 0 || !cert.MaxPathLenZero {
		fail("want CA:TRUE with path length 0, got IsCA=%v MaxPathLen=%d", cert.IsCA, cert.MaxPathLen)
	}
	want := x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	if cert.KeyUsage != want {
		fail("keyUsage %b, want keyCertSign|cRLSign|digitalSignature (%b)", cert.KeyUsage, want)
	}
	if len(cert.ExtKeyUsage) != 0 || len(cert.UnknownExtKeyUsage) != 0 {
		fail("a CA must carry no extendedKeyUsage, got %v", cert.ExtKeyUsage)
	}
	if !bytes.Equal(cert.SubjectKeyId, cert.AuthorityKeyId) {
		fail("a self-signed CA's authority key identifier should equal its subject key identifier")
	}
	if len(cert.DNSNames)+len(cert.IPAddresses) != 0 {
		fail("a CA carries no subjectAltNames, got %v %v", cert.DNSNames, cert.IPAddresses)
	}
}

func checkLeaf(cert *x509.Certificate, e Expect, fail func(string, ...any)) {
	if cert.IsCA {
		fail("a %s certificate must be CA:FALSE", e.Role)
	}
	wantUsage := x509.KeyUsageDigitalSignature
	if strings.HasPrefix(e.KeyAlgorithm, "RSA") {
		wantUsage |= x509.KeyUsageKeyEncipherment
	}
	if cert.KeyUsage != wantUsage {
		fail("keyUsage %b, want %b", cert.KeyUsage, wantUsage)
	}
	wantEKU := x509.ExtKeyUsageClientAuth
	if e.Role == "server" {
		wantEKU = x509.ExtKeyUsageServerAuth
	}
	if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{wantEKU}) || len(cert.UnknownExtKeyUsage) != 0 {
		fail("extendedKeyUsage %v, want only %v", cert.ExtKeyUsage, wantEKU)
	}
	if !slices.Equal(cert.DNSNames, e.DNSNames) {
		fail("DNS SANs %q, want %q", cert.DNSNames, e.DNSNames)
	}
	var ips []string
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	var wantIPs []string
	for _, ip := range e.IPAddresses {
		wantIPs = append(wantIPs, net.ParseIP(ip).String())
	}
	if !slices.Equal(ips, wantIPs) {
		fail("IP SANs %q, want %q", ips, wantIPs)
	}
}

var oidBasicConstraints = []int{2, 5, 29, 19}

func basicConstraintsCritical(cert *x509.Certificate) bool {
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidBasicConstraints) {
			return ext.Critical
		}
	}
	return false
}

func checkKeyAlgorithm(pub crypto.PublicKey, alg string) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		want := map[string]elliptic.Curve{"ECDSA_P256": elliptic.P256(), "ECDSA_P384": elliptic.P384()}[alg]
		if want == nil || k.Curve != want {
			return fmt.Errorf("ECDSA %s, want %s", k.Curve.Params().Name, alg)
		}
	case *rsa.PublicKey:
		if got := fmt.Sprintf("RSA_%d", k.N.BitLen()); got != alg {
			return fmt.Errorf("%s, want %s", got, alg)
		}
	case ed25519.PublicKey:
		if alg != "ED25519" {
			return fmt.Errorf("ED25519, want %s", alg)
		}
	default:
		return fmt.Errorf("unexpected key type %T", pub)
	}
	return nil
}

// rfc7093KeyID computes the key identifier of RFC 7093 section 2, method
// 1, from the certificate's raw subjectPublicKeyInfo.
func rfc7093KeyID(cert *x509.Certificate) ([]byte, error) {
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("subjectPublicKeyInfo does not parse (%v, %d trailing bytes)", err, len(rest))
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

// CheckKeyAlgorithm checks a key (public or private) against an algorithm
// as the provider names it, e.g. "ECDSA_P256".
func CheckKeyAlgorithm(key crypto.PublicKey, alg string) error {
	if signer, ok := key.(crypto.Signer); ok {
		key = signer.Public()
	}
	return checkKeyAlgorithm(key, alg)
}

func expectedSignature(alg string) x509.SignatureAlgorithm {
	switch alg {
	case "ECDSA_P256":
		return x509.ECDSAWithSHA256
	case "ECDSA_P384":
		return x509.ECDSAWithSHA384
	case "ED25519":
		return x509.PureEd25519
	default:
		return x509.SHA256WithRSA
	}
}

// KeyMatches reports whether the private key belongs to the certificate.
func KeyMatches(cert *x509.Certificate, key crypto.Signer) bool {
	eq, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(cert.PublicKey)
}

// Fingerprint formats a SHA-256 certificate fingerprint as openssl does.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// OpenSSLFingerprint asks the openssl command at path (from RequireTool)
// for the SHA-256 fingerprint of a PEM certificate.
func OpenSSLFingerprint(openssl, certPEM string) (string, error) {
	cmd := exec.Command(openssl, "x509", "-noout", "-fingerprint", "-sha256")
	cmd.Stdin = strings.NewReader(certPEM)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("openssl x509 -fingerprint: %w", err)
	}
	_, after, found := strings.Cut(strings.TrimSpace(string(out)), "=")
	if !found {
		return "", fmt.Errorf("unexpected openssl output %q", out)
	}
	return after, nil
}

// VerifyChain verifies leaf against ca alone, for one purpose, as Go's TLS
// stack would at time at (a zero time means now).
func VerifyChain(leaf, ca *x509.Certificate, usage x509.ExtKeyUsage, dnsName string, at time.Time) error {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:       roots,
		KeyUsages:   []x509.ExtKeyUsage{usage},
		DNSName:     dnsName,
		CurrentTime: at,
	})
	return err
}
