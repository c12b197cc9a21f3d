package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// Profile is the role a certificate plays in Docker's mutual TLS.
type Profile int

// The three profiles of Docker's recipe.
const (
	ProfileCA Profile = iota + 1
	ProfileServer
	ProfileClient
)

func (p Profile) String() string {
	switch p {
	case ProfileCA:
		return "CA"
	case ProfileServer:
		return "server"
	case ProfileClient:
		return "client"
	}
	return fmt.Sprintf("Profile(%d)", int(p))
}

func (p Profile) extKeyUsage() (x509.ExtKeyUsage, bool) {
	switch p {
	case ProfileServer:
		return x509.ExtKeyUsageServerAuth, true
	case ProfileClient:
		return x509.ExtKeyUsageClientAuth, true
	}
	return 0, false
}

func (p Profile) extKeyUsageName() string {
	if p == ProfileServer {
		return "serverAuth"
	}
	return "clientAuth"
}

// ClockSkewAllowance backdates NotBefore, as docker-machine does, so a host
// whose clock runs a little behind still accepts a certificate issued now.
const ClockSkewAllowance = 5 * time.Minute

// Request describes a certificate to issue.
type Request struct {
	Profile      Profile
	KeyAlgorithm KeyAlgorithm
	CommonName   string
	Organization string
	Validity     time.Duration
	// DNSNames and IPAddresses are the subjectAltNames of a server
	// certificate: the names and addresses clients dial.
	DNSNames    []string
	IPAddresses []net.IP
}

// Certificate is an issued certificate with its new private key.
type Certificate struct {
	Cert          *x509.Certificate
	Key           crypto.Signer
	CertPEM       string
	PrivateKeyPEM string
}

// Validate checks a request before any key is generated.
func (r Request) Validate(ca *SigningCA) error {
	switch r.Profile {
	case ProfileCA:
		if ca != nil {
			return errors.New("a CA is self-signed here: intermediate CAs are not supported")
		}
	case ProfileServer, ProfileClient:
		if ca == nil {
			return fmt.Errorf("a %s certificate needs a CA to sign it", r.Profile)
		}
	default:
		return fmt.Errorf("unknown certificate profile %v", r.Profile)
	}
	if r.Profile == ProfileServer && len(r.DNSNames) == 0 && len(r.IPAddresses) == 0 {
		return ErrNoSubjectAltNames
	}
	if r.Profile != ProfileServer && (len(r.DNSNames) > 0 || len(r.IPAddresses) > 0) {
		return fmt.Errorf("a %s certificate carries no subjectAltNames", r.Profile)
	}
	if len(r.DNSNames)+len(r.IPAddresses) > MaxSubjectAltNames {
		return ErrTooManySubjectAltNames
	}
	if r.Validity <= 0 {
		return fmt.Errorf("the validity period must be positive, not %v", r.Validity)
	}
	for _, name := range r.DNSNames {
		if err := ValidateDNSName(name); err != nil {
			return err
		}
	}
	return nil
}

// ErrNoSubjectAltNames is returned for a server certificate without SANs.
var ErrNoSubjectAltNames = errors.New("a server certificate needs at least one DNS name or IP address: " +
	"Docker clients check the address they dial (DOCKER_HOST=tcp://NAME:2376) against the certificate's subjectAltNames and ignore its common name")

// Issue generates a key and a certificate for r, signed by ca (nil for a
// self-signed CA). now is the issuing time: NotBefore is now minus
// ClockSkewAllowance, NotAfter is now plus r.Validity.
func Issue(r Request, ca *SigningCA, now time.Time) (*Certificate, error) {
	if err := r.Validate(ca); err != nil {
		return nil, err
	}
	if ca != nil {
		if err := CheckPurpose(ca.Cert, r.Profile); err != nil {
			return nil, err
		}
		if err := ca.CheckValidAt(now); err != nil {
			return nil, err
		}
	}
	key, err := GenerateKey(r.KeyAlgorithm)
	if err != nil {
		return nil, err
	}
	template, err := newTemplate(r, key.Public(), now)
	if err != nil {
		return nil, err
	}
	parent, signer := template, key
	if ca != nil {
		parent, signer = ca.Cert, ca.Key
	}
	template.AuthorityKeyId = authorityKeyID(template, ca)
	if template.SignatureAlgorithm, err = signatureAlgorithmFor(signer.Public()); err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("signing the %s certificate: %w", r.Profile, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("reading back the %s certificate: %w", r.Profile, err)
	}
	keyPEM, err := MarshalPrivateKeyPEM(key)
	if err != nil {
		return nil, err
	}
	return &Certificate{
		Cert:          cert,
		Key:           key,
		CertPEM:       string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		PrivateKeyPEM: keyPEM,
	}, nil
}

func newTemplate(r Request, pub crypto.PublicKey, now time.Time) (*x509.Certificate, error) {
	serial, err := newSerialNumber()
	if err != nil {
		return nil, err
	}
	ski, err := publicKeyIdentifier(pub)
	if err != nil {
		return nil, err
	}
	t := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: r.CommonName},
		NotBefore:             now.Add(-ClockSkewAllowance).UTC().Truncate(time.Second),
		NotAfter:              now.Add(r.Validity).UTC().Truncate(time.Second),
		SubjectKeyId:          ski,
		BasicConstraintsValid: true,
	}
	if r.Organization != "" {
		t.Subject.Organization = []string{r.Organization}
	}
	switch r.Profile {
	case ProfileCA:
		// No extendedKeyUsage: a CA's EKU would constrain every leaf.
		t.IsCA = true
		t.MaxPathLenZero = true
		t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	case ProfileServer, ProfileClient:
		eku, _ := r.Profile.extKeyUsage()
		t.ExtKeyUsage = []x509.ExtKeyUsage{eku}
		t.KeyUsage = leafKeyUsage(pub)
		t.DNSNames = r.DNSNames
		t.IPAddresses = r.IPAddresses
	}
	return t, nil
}

// leafKeyUsage adds keyEncipherment for RSA keys, which TLS 1.2's RSA key
// exchange needs; other keys only sign.
func leafKeyUsage(pub crypto.PublicKey) x509.KeyUsage {
	if _, isRSA := pub.(*rsa.PublicKey); isRSA {
		return x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	}
	return x509.KeyUsageDigitalSignature
}

// newSerialNumber returns a random positive serial of exactly 128 bits.
func newSerialNumber() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("generating a serial number: %w", err)
	}
	return n.SetBit(n, 127, 1), nil
}

// authorityKeyID is the issuer's subject key identifier, which lets a
// verifier pick the issuer's certificate, or the certificate's own for a
// self-signed CA. An issuer made by another tool may have none: the leaf then
// carries no authority key identifier, since one derived here might follow
// another method than the issuer's tool and would then match nothing.
func authorityKeyID(template *x509.Certificate, ca *SigningCA) []byte {
	if ca == nil {
		return template.SubjectKeyId
	}
	return ca.Cert.SubjectKeyId
}

// publicKeyIdentifier is RFC 7093 method 1: the leftmost 160 bits of the
// SHA-256 hash of the subjectPublicKey bits.
func publicKeyIdentifier(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encoding public key: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("decoding public key: %w", err)
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

// Fingerprint is the SHA-256 of the certificate's DER, as upper-case hex
// pairs joined by colons: what `openssl x509 -noout -fingerprint -sha256`
// prints after "=".
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	hexSum := strings.ToUpper(hex.EncodeToString(sum[:]))
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(hexSum); i += 2 {
		pairs = append(pairs, hexSum[i:i+2])
	}
	return strings.Join(pairs, ":")
}
