package pki

import (
	"bytes"
	"cmp"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// A ca.pem is what a daemon checks client certificates against and what a
// client checks the daemon's certificate against. It may hold more than one
// CA, a trust bundle: while leaves move from one CA to the next, both are
// trusted, so no daemon or client has to switch at the same moment as the
// others.

// ErrEmptyBundle: a trust bundle with no CA trusts nothing.
var ErrEmptyBundle = errors.New("the list of CA certificates is empty: a ca.pem without a CA admits no client and accepts no daemon")

// ParseTrustPEM reads a ca.pem: one or more CA certificates and nothing
// else, each a CERTIFICATE block with whitespace around it (see
// readCertificateText for the grammar). A private key or any other text is
// an error, as ParseCertificatePEM has it, and so is a certificate that is
// not a CA.
func ParseTrustPEM(text string) ([]*x509.Certificate, error) {
	cas, err := readCertificateText(text)
	if err != nil {
		return nil, err
	}
	for i, ca := range cas {
		if err := checkCA(ca); err != nil {
			if len(cas) > 1 {
				return nil, fmt.Errorf("certificate %d of %d: %w", i+1, len(cas), err)
			}
			return nil, err
		}
	}
	return cas, nil
}

// SignerOf returns the CA in cas whose key signed cert, or nil when none did.
// It checks the signature: this runs once per plan on a handful of
// certificates, and a matching name and key identifier can be forged.
func SignerOf(cert *x509.Certificate, cas []*x509.Certificate) *x509.Certificate {
	for _, ca := range cas {
		if bytes.Equal(cert.RawIssuer, ca.RawSubject) && cert.CheckSignatureFrom(ca) == nil {
			return ca
		}
	}
	return nil
}

// Describe names a CA for people: its common name and the start of its
// fingerprint, since the CAs of one bundle usually share a name.
func Describe(ca *x509.Certificate) string {
	return fmt.Sprintf("%q (SHA-256 %s...)", ca.Subject.CommonName, Fingerprint(ca)[:11])
}

// DescribeCAs names the CAs of a ca.pem for a message: "the CA X" for one,
// "any of the CAs X, Y" (with fingerprints) for a bundle.
func DescribeCAs(cas []*x509.Certificate) string {
	if len(cas) == 1 {
		return fmt.Sprintf("the CA %q", cas[0].Subject.CommonName)
	}
	names := make([]string, len(cas))
	for i, ca := range cas {
		names[i] = Describe(ca)
	}
	return "any of the CAs " + strings.Join(names, ", ")
}

// Bundle is a trust bundle made from several ca.pem texts: every CA once,
// the expired ones left out.
type Bundle struct {
	// CAs are the CAs still valid, ordered by the start of their validity
	// (oldest first), then by fingerprint: the order of the inputs does not
	// change the bundle.
	CAs []*x509.Certificate
	// Expired are the CAs left out because they had expired, in the same order.
	Expired []*x509.Certificate
	// NotYetValid are the CAs kept whose validity starts more than
	// ClockSkewAllowance after now, in the same order: verifiers refuse
	// what they signed until then.
	NotYetValid []*x509.Certificate
}

// BundleInputError is the problem with one of NewBundle's texts.
type BundleInputError struct {
	Index int
	Err   error
}

func (e *BundleInputError) Error() string { return fmt.Sprintf("element %d: %v", e.Index, e.Err) }
func (e *BundleInputError) Unwrap() error { return e.Err }

// NewBundle reads texts, each one or more CA certificates (a CA's cert_pem,
// or a bundle made before), and makes one bundle of them. A CA given twice
// is kept once; a CA that has expired at now is dropped, and one that is
// not valid yet is kept and listed in NotYetValid. It returns every
// text's problem, each a *BundleInputError, or ErrEmptyBundle.
func NewBundle(texts []string, now time.Time) (*Bundle, []error) {
	if len(texts) == 0 {
		return nil, []error{ErrEmptyBundle}
	}
	var (
		errs []error
		all  []*x509.Certificate
		seen = map[string]bool{}
	)
	for i, text := range texts {
		cas, err := ParseTrustPEM(text)
		if err != nil {
			errs = append(errs, &BundleInputError{Index: i, Err: err})
			continue
		}
		for _, ca := range cas {
			if fp := string(ca.Raw); !seen[fp] {
				seen[fp] = true
				all = append(all, ca)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	slices.SortFunc(all, func(a, b *x509.Certificate) int {
		return cmp.Or(a.NotBefore.Compare(b.NotBefore), strings.Compare(Fingerprint(a), Fingerprint(b)))
	})
	b := &Bundle{}
	for _, ca := range all {
		if now.After(ca.NotAfter) {
			b.Expired = append(b.Expired, ca)
			continue
		}
		b.CAs = append(b.CAs, ca)
		if notValidYet(ca, now) {
			b.NotYetValid = append(b.NotYetValid, ca)
		}
	}
	return b, nil
}

// PEM is the bundle as a ca.pem: the CAs' certificates one after the other.
func (b *Bundle) PEM() string {
	var out strings.Builder
	for _, ca := range b.CAs {
		out.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))
	}
	return out.String()
}

// Fingerprints are the CAs' SHA-256 fingerprints, in the bundle's order.
func (b *Bundle) Fingerprints() []string {
	fps := make([]string, len(b.CAs))
	for i, ca := range b.CAs {
		fps[i] = Fingerprint(ca)
	}
	return fps
}

// ExpiresFirst is the end of validity of the CA that expires first; the
// zero time when the bundle holds no CA.
func (b *Bundle) ExpiresFirst() time.Time {
	var first time.Time
	for _, ca := range b.CAs {
		if first.IsZero() || ca.NotAfter.Before(first) {
			first = ca.NotAfter
		}
	}
	return first
}
