// Package pki issues the certificates of a Docker daemon's mutual-TLS setup:
// a CA, server certificates and client certificates, following Docker's own
// recipe made correct for current Go and OpenSSL clients. It knows nothing of
// Terraform, so any resource kind (managed, ephemeral, bulk) can call it.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
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

// Errors from ParsePrivateKeyPEM. Their text never contains key material.
var (
	ErrNoPEMKey       = errors.New("no PEM block found: expected a private key such as -----BEGIN PRIVATE KEY-----")
	ErrEncryptedKey   = errors.New("the private key is encrypted, which Docker does not support: decrypt it first (for example with `openssl pkey -in key.pem -out key-plain.pem`)")
	ErrUnparseableKey = errors.New("the PEM block does not hold a PKCS#1, PKCS#8 or SEC 1 (EC PRIVATE KEY) private key")
	ErrUnsupportedKey = errors.New("the private key is of a type that cannot sign certificates here: use RSA, ECDSA (P-256, P-384, P-521) or Ed25519")
)

// ParsePrivateKeyPEM reads an unencrypted private key in any of the forms
// tools commonly write: PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or
// SEC 1 ("EC PRIVATE KEY", possibly after an "EC PARAMETERS" block as
// `openssl ecparam -genkey` writes it).
func ParsePrivateKeyPEM(text string) (crypto.Signer, error) {
	rest := []byte(text)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, ErrNoPEMKey
		}
		switch block.Type {
		case "EC PARAMETERS":
			continue
		case "ENCRYPTED PRIVATE KEY":
			return nil, ErrEncryptedKey
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
		return nil, ErrUnparseableKey
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		if _, err := signatureAlgorithmFor(k.Public()); err != nil {
			return nil, err
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	default:
		return nil, ErrUnsupportedKey
	}
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
		return 0, ErrUnsupportedKey
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
