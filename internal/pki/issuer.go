package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Issuer is a CA that signs leaf certificates.
type Issuer struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// ParseCertificatePEM reads the first certificate of a PEM text.
func ParseCertificatePEM(text string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(text))
	switch {
	case block == nil:
		return nil, errors.New("no PEM block found: expected -----BEGIN CERTIFICATE-----")
	case block.Type != "CERTIFICATE":
		return nil, fmt.Errorf("found a %q PEM block where a CERTIFICATE was expected", block.Type)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the CERTIFICATE block does not parse: %w", err)
	}
	return cert, nil
}

// ParseCACertificatePEM reads a certificate and checks that it may sign others.
func ParseCACertificatePEM(text string) (*x509.Certificate, error) {
	cert, err := ParseCertificatePEM(text)
	if err != nil {
		return nil, err
	}
	switch {
	case !cert.BasicConstraintsValid || !cert.IsCA:
		return nil, fmt.Errorf("the certificate %q is not a CA (it lacks basicConstraints CA:TRUE): pass the CA's certificate, such as dockertls_ca's cert_pem, not a server or client certificate", cert.Subject.CommonName)
	case cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0:
		return nil, fmt.Errorf("the CA certificate %q has a keyUsage without keyCertSign, so verifiers refuse what it signs", cert.Subject.CommonName)
	}
	if _, err := signatureAlgorithmFor(cert.PublicKey); err != nil {
		return nil, fmt.Errorf("the CA certificate %q: %w", cert.Subject.CommonName, err)
	}
	return cert, nil
}

// ErrKeyMismatch says the CA key does not belong to the CA certificate.
var ErrKeyMismatch = errors.New("the private key does not belong to the CA certificate (their public keys differ): pass the key that was generated with that CA")

// NewIssuer pairs a CA certificate with its private key, refusing a key that
// does not match, since every certificate it signed would fail to verify.
func NewIssuer(cert *x509.Certificate, key crypto.Signer) (*Issuer, error) {
	if !publicKeysEqual(cert.PublicKey, key.Public()) {
		return nil, ErrKeyMismatch
	}
	return &Issuer{Cert: cert, Key: key}, nil
}

// CheckPurpose reports whether leaves of profile p that the CA certificate
// signs will verify. A CA that carries extendedKeyUsage constrains its
// leaves: Go refuses a serverAuth leaf under a CA whose EKU lacks serverAuth.
func CheckPurpose(ca *x509.Certificate, p Profile) error {
	want, ok := p.extKeyUsage()
	if !ok {
		return nil
	}
	eku := ca.ExtKeyUsage
	if len(eku) == 0 && len(ca.UnknownExtKeyUsage) == 0 {
		return nil
	}
	if slices.Contains(eku, want) || slices.Contains(eku, x509.ExtKeyUsageAny) {
		return nil
	}
	return fmt.Errorf("the CA certificate %q carries an extendedKeyUsage without %s, so clients would refuse every %s certificate it signs (\"incompatible key usage\"): use a CA without extendedKeyUsage, such as dockertls_ca", ca.Subject.CommonName, p.extKeyUsageName(), p)
}

// CheckValidAt reports a CA that has expired at now, or whose validity
// starts more than ClockSkewAllowance after now. A CA made moments ago by a
// tool that does not backdate (openssl) is accepted, as its leaves verify
// once its start has passed, the same allowance given to our own certificates.
func (iss *Issuer) CheckValidAt(now time.Time) error {
	switch {
	case now.After(iss.Cert.NotAfter):
		return fmt.Errorf("the CA certificate %q expired at %s: renew the CA before issuing from it", iss.Cert.Subject.CommonName, iss.Cert.NotAfter.UTC().Format(time.RFC3339))
	case now.Add(ClockSkewAllowance).Before(iss.Cert.NotBefore):
		return fmt.Errorf("the CA certificate %q is not valid until %s: check the clock of the host that made it", iss.Cert.Subject.CommonName, iss.Cert.NotBefore.UTC().Format(time.RFC3339))
	}
	return nil
}
