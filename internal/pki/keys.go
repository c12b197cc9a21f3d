// Package pki issues the certificates of a Docker daemon's mutual-TLS setup:
// a CA, server certificates and client certificates, following Docker's own
// recipe made correct for current Go and OpenSSL clients. It knows nothing of
// Terraform, so any resource kind (managed, ephemeral, bulk) can call it.
package pki

import (
	"crypto"
	"crypto/dsa" //nolint:staticcheck // DSA keys are recognised only to be refused by name
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// KeyAlgorithm names the kind of key generated for a certificate.
type KeyAlgorithm string

// The accepted key algorithms. P-224 is deliberately absent: Go refuses it
// for TLS 1.3 handshakes, so a daemon with such a key would be unreachable.
const (
	ECDSAP256 KeyAlgorithm = "ECDSA_P256"
	ECDSAP384 KeyAlgorithm = "ECDSA_P384"
	RSA2048   KeyAlgorithm = "RSA_2048"
	RSA3072   KeyAlgorithm = "RSA_3072"
	RSA4096   KeyAlgorithm = "RSA_4096"
	ED25519   KeyAlgorithm = "ED25519"
)

// DefaultKeyAlgorithm is fast to generate, small, and accepted by every
// Docker client and daemon.
const DefaultKeyAlgorithm = ECDSAP256

// KeyAlgorithms lists every accepted algorithm, the default first. Schema
// validators and documentation are built from this list.
var KeyAlgorithms = []KeyAlgorithm{ECDSAP256, ECDSAP384, RSA2048, RSA3072, RSA4096, ED25519}

// KeyAlgorithmNames returns KeyAlgorithms as strings.
func KeyAlgorithmNames() []string {
	names := make([]string, len(KeyAlgorithms))
	for i, a := range KeyAlgorithms {
		names[i] = string(a)
	}
	return names
}

// GenerateKey makes a new private key of the given algorithm.
func GenerateKey(alg KeyAlgorithm) (crypto.Signer, error) {
	switch alg {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA3072:
		return rsa.GenerateKey(rand.Reader, 3072)
	case RSA4096:
		return rsa.GenerateKey(rand.Reader, 4096)
	case ED25519:
		_, key, err := ed25519.GenerateKey(rand.Reader)
		return key, err
	default:
		return nil, fmt.Errorf("unknown key algorithm %q: use one of %q", alg, KeyAlgorithmNames())
	}
}

// MarshalPrivateKeyPEM encodes key as an unencrypted PKCS#8 "PRIVATE KEY"
// block. Docker removed support for encrypted keys, so none is ever emitted.
func MarshalPrivateKeyPEM(key crypto.Signer) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("encoding private key as PKCS#8: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// Errors from ParsePrivateKeyPEM and the CA key checks. Their text never
// contains key material.
var (
	ErrNoPEMKey       = errors.New("no PEM block found: expected a private key such as -----BEGIN PRIVATE KEY-----")
	ErrEncryptedKey   = errors.New("the private key is encrypted, which Docker does not support: decrypt it first (for example with `openssl pkey -in key.pem -out key-plain.pem`)")
	ErrUnparseableKey = errors.New("the PEM block does not hold a PKCS#1, PKCS#8 or SEC 1 (EC PRIVATE KEY) private key")
	ErrUnsupportedKey = errors.New("the key is of a type that cannot sign certificates here: use RSA (2048 bits or more), ECDSA (P-256, P-384, P-521) or Ed25519")
	ErrOpenSSHKey     = errors.New("the private key is in OpenSSH's own format (-----BEGIN OPENSSH PRIVATE KEY-----), which X.509 tools do not read: " +
		"convert a copy of it to PKCS#8 with `ssh-keygen -p -N \"\" -m PKCS8 -f COPY` (it rewrites COPY in place), or make the CA key with openssl")
	ErrDSAKey = errors.New("the key is a DSA key, which Go and OpenSSL 3 no longer accept in TLS: " +
		"make a new CA with an ECDSA (P-256 or P-384), RSA (2048 bits or more) or Ed25519 key")
	ErrWeakRSAKey = errors.New("the key is RSA with fewer than 2048 bits, which OpenSSL at its default security level refuses " +
		"(and which this provider never generates): make a new CA with an RSA key of 2048 bits or more, or ECDSA P-256")
	ErrUnusableCurve = errors.New("the key is ECDSA on a curve that Go's TLS stack, and so dockerd and the docker CLI, cannot use (such as P-224): " +
		"make a new CA with ECDSA P-256 or P-384")
)

// minRSABits is the smallest RSA key accepted for a CA, the smallest this
// provider generates.
const minRSABits = 2048

// ParsePrivateKeyPEM reads an unencrypted private key in any of the forms
// tools commonly write: PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or
// SEC 1 ("EC PRIVATE KEY", possibly after an "EC PARAMETERS" block as
// `openssl ecparam -genkey` writes it). The key must be able to sign
// certificates that current clients accept: weak RSA, DSA and curves such as
// P-224 are refused.
func ParsePrivateKeyPEM(text string) (crypto.Signer, error) {
	if strings.HasPrefix(text, bom) {
		return nil, ErrByteOrderMark
	}
	rest := []byte(text)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, ErrNoPEMKey
		}
		switch block.Type {
		case "EC PARAMETERS", "DSA PARAMETERS":
			continue
		case "ENCRYPTED PRIVATE KEY":
			return nil, ErrEncryptedKey
		case "OPENSSH PRIVATE KEY":
			return nil, ErrOpenSSHKey
		case "DSA PRIVATE KEY":
			return nil, ErrDSAKey
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if _, legacyEncrypted := block.Headers["DEK-Info"]; legacyEncrypted {
				return nil, ErrEncryptedKey
			}
			return parsePrivateKeyDER(block.Bytes)
		default:
			// The block type is a label, never secret, so it is safe to name.
			return nil, fmt.Errorf("found a %q PEM block where a private key was expected", block.Type)
		}
	}
}

// oidDSA identifies a DSA key inside PKCS#8, which Go does not parse.
var oidDSA = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}

// parsePrivateKeyDER tries every format regardless of the PEM label, since
// hand-edited files often carry the wrong one. The parsers' own errors are
// not passed on: they describe the bytes, and we promise never to echo them.
func parsePrivateKeyDER(der []byte) (crypto.Signer, error) {
	var key any
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		key = k
	} else if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		key = k
	} else if k, err := x509.ParseECPrivateKey(der); err == nil {
		key = k
	} else {
		var p8 struct {
			Version    int
			Algorithm  pkix.AlgorithmIdentifier
			PrivateKey []byte
		}
		if _, err := asn1.Unmarshal(der, &p8); err == nil && p8.Algorithm.Algorithm.Equal(oidDSA) {
			return nil, ErrDSAKey
		}
		return nil, ErrUnparseableKey
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, ErrUnsupportedKey
	}
	if err := checkSigningKey(signer.Public()); err != nil {
		return nil, err
	}
	return signer, nil
}

// checkSigningKey refuses a CA public key whose signatures current clients
// refuse, or that this package cannot sign with.
func checkSigningKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return fmt.Errorf("%w (this one has %d bits)", ErrWeakRSAKey, k.N.BitLen())
		}
	case *dsa.PublicKey: //nolint:staticcheck // recognised only to be refused by name
		return ErrDSAKey
	}
	_, err := signatureAlgorithmFor(pub)
	return err
}

// signatureAlgorithmFor picks the signature a CA key makes: SHA-256 for RSA
// and P-256, SHA-384 for P-384, SHA-512 for P-521, pure Ed25519.
func signatureAlgorithmFor(pub crypto.PublicKey) (x509.SignatureAlgorithm, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return x509.SHA256WithRSA, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return x509.ECDSAWithSHA256, nil
		case elliptic.P384():
			return x509.ECDSAWithSHA384, nil
		case elliptic.P521():
			return x509.ECDSAWithSHA512, nil
		}
		return 0, ErrUnusableCurve
	case ed25519.PublicKey:
		return x509.PureEd25519, nil
	default:
		return 0, ErrUnsupportedKey
	}
}

// publicKeysEqual reports whether two public keys are the same key.
func publicKeysEqual(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}
