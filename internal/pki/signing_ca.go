package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"
)

// SigningCA is a CA that signs leaf certificates.
type SigningCA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// Errors from the PEM readers. None of them contains any of the text it
// was given: a certificate input may carry a private key by mistake.
var (
	ErrNoPEMCertificate = errors.New("no PEM block found: expected -----BEGIN CERTIFICATE-----")
	ErrByteOrderMark    = errors.New("the text starts with a UTF-8 byte-order mark (bytes EF BB BF), which PEM readers do not accept: " +
		"save the file as UTF-8 without a byte-order mark, or strip the mark before passing the text")
	// ErrPrivateKeyInCertificate: a certificate input must never carry a
	// key, which would then be handled as if it were public.
	ErrPrivateKeyInCertificate = errors.New("the text holds a private key where only a certificate belongs")
	ErrSeveralCertificates     = errors.New("the text holds more than one certificate where exactly one is expected")
	ErrNotCA                   = errors.New("the certificate is not a CA")
	ErrCAPurpose               = errors.New("the CA certificate's extendedKeyUsage excludes the leaf's purpose")
)

// tagged is an error with its own text that errors.Is its tag, so callers
// can add advice of their own without parsing the text.
type tagged struct {
	tag error
	msg string
}

func (e tagged) Error() string { return e.msg }
func (e tagged) Unwrap() error { return e.tag }

const bom = "\ufeff"

// ParseCertificatePEM reads a text that must hold exactly one certificate
// and nothing else: one CERTIFICATE block, and whitespace around it (see
// readCertificateText for the grammar). A second certificate is an error,
// and so is any other text, above all a private key.
func ParseCertificatePEM(text string) (*x509.Certificate, error) {
	certs, err := readCertificateText(text)
	if err != nil {
		return nil, err
	}
	if len(certs) > 1 {
		return nil, fmt.Errorf("%w (found %d): pass the certificate alone, without a chain or bundle", ErrSeveralCertificates, len(certs))
	}
	return certs[0], nil
}

// ParseCACertificatePEM reads exactly one certificate and checks that it may
// sign others, with a key that current clients accept.
func ParseCACertificatePEM(text string) (*x509.Certificate, error) {
	cert, err := ParseCertificatePEM(text)
	if errors.Is(err, ErrSeveralCertificates) {
		return nil, fmt.Errorf("%w: a chain or bundle is not an issuer; pass only the certificate of the CA that signs", ErrSeveralCertificates)
	}
	if err != nil {
		return nil, err
	}
	if err := checkCA(cert); err != nil {
		return nil, err
	}
	return cert, nil
}

// checkCA reports a certificate that may not sign others, or whose key
// current clients refuse.
func checkCA(cert *x509.Certificate) error {
	switch {
	case !cert.BasicConstraintsValid || !cert.IsCA:
		return tagged{ErrNotCA, fmt.Sprintf("the certificate %q is not a CA (it lacks basicConstraints CA:TRUE): pass the certificate of the CA that signs, not a server or client certificate", cert.Subject.CommonName)}
	case cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0:
		return fmt.Errorf("the CA certificate %q has a keyUsage without keyCertSign, so verifiers refuse what it signs", cert.Subject.CommonName)
	}
	if err := checkSigningKey(cert.PublicKey); err != nil {
		return fmt.Errorf("the CA certificate %q: %w", cert.Subject.CommonName, err)
	}
	return nil
}

// ErrKeyMismatch says the CA key does not belong to the CA certificate.
var ErrKeyMismatch = errors.New("the private key does not belong to the CA certificate (their public keys differ): pass the key that was generated with that CA")

// NewSigningCA pairs a CA certificate with its private key, refusing a key that
// does not match, since every certificate it signed would fail to verify.
func NewSigningCA(cert *x509.Certificate, key crypto.Signer) (*SigningCA, error) {
	if !publicKeysEqual(cert.PublicKey, key.Public()) {
		return nil, ErrKeyMismatch
	}
	return &SigningCA{Cert: cert, Key: key}, nil
}

// CheckPurpose reports whether leaves of profile p that the CA certificate
// signs will verify. A CA that carries extendedKeyUsage constrains its
// leaves: Go refuses a serverAuth leaf under a CA whose EKU lacks serverAuth.
// The error wraps ErrCAPurpose.
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
	return tagged{ErrCAPurpose, fmt.Sprintf("the CA certificate %q carries an extendedKeyUsage without %s, so clients would refuse every %s certificate it signs (\"incompatible key usage\"): use a CA without extendedKeyUsage", ca.Subject.CommonName, p.extKeyUsageName(), p)}
}

// CheckValidAt reports a CA that has expired at now, or whose validity
// starts more than ClockSkewAllowance after now. A CA made moments ago by a
// tool that does not backdate (openssl) is accepted, as its leaves verify
// once its start has passed, the same allowance given to our own certificates.
func (iss *SigningCA) CheckValidAt(now time.Time) error {
	switch {
	case now.After(iss.Cert.NotAfter):
		return fmt.Errorf("the CA certificate %q expired at %s: renew the CA before issuing from it", iss.Cert.Subject.CommonName, iss.Cert.NotAfter.UTC().Format(time.RFC3339))
	case notValidYet(iss.Cert, now):
		return fmt.Errorf("the CA certificate %q is not valid until %s: check the clock of the host that made it", iss.Cert.Subject.CommonName, iss.Cert.NotBefore.UTC().Format(time.RFC3339))
	}
	return nil
}

// notValidYet reports a certificate whose validity starts more than
// ClockSkewAllowance after now. Within the allowance it counts as valid:
// what it signs verifies once its start has passed.
func notValidYet(cert *x509.Certificate, now time.Time) bool {
	return now.Add(ClockSkewAllowance).Before(cert.NotBefore)
}

// IssuedBy reports whether ca issued cert, to judge a stored certificate
// against the configured CA at every plan. When both carry key identifiers
// (every certificate this package issues does) it compares the issuer's name
// and key identifier, which is what a verifier uses to find the issuer and
// costs no signature check per certificate and plan; otherwise it checks
// the signature.
func IssuedBy(cert, ca *x509.Certificate) bool {
	if !bytes.Equal(cert.RawIssuer, ca.RawSubject) {
		return false
	}
	if len(cert.AuthorityKeyId) > 0 && len(ca.SubjectKeyId) > 0 {
		return bytes.Equal(cert.AuthorityKeyId, ca.SubjectKeyId)
	}
	return cert.CheckSignatureFrom(ca) == nil
}
