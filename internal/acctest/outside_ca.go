package acctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// GoMadeCA builds a CA the way many other tools do, with the standard
// library only: RSA 2048 with a PKCS#1 ("RSA PRIVATE KEY") key, valid from
// an hour before now for 5000 hours, with the given extendedKeyUsage.
func GoMadeCA(t testing.TB, now time.Time, eku []x509.ExtKeyUsage) (certPEM, keyPEM string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Go-made CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(5000 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, ExtKeyUsage: eku,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
}

// CAForKey builds a self-signed CA for key with the standard library, as
// another tool would, so that keys the provider refuses to use (RSA 1024,
// P-224, ...) can be offered to it. The key is PKCS#8.
func CAForKey(t testing.TB, key crypto.Signer, now time.Time) (certPEM, keyPEM string) {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "Other tool's CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(1000 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

// GoMadeCAWithoutKeyID builds an ECDSA P-256 CA that carries no subject key
// identifier, as some older tools made them. Go adds one to every CA it
// signs, so basicConstraints CA:TRUE is written as an extra extension and Go
// sees a template that is not a CA. The key is PKCS#8.
func GoMadeCAWithoutKeyID(t testing.TB, now time.Time) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	basicConstraints, err := asn1.Marshal(struct {
		IsCA       bool `asn1:"optional"`
		MaxPathLen int  `asn1:"optional,default:-1"`
	}{IsCA: true, MaxPathLen: 0})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(11), Subject: pkix.Name{CommonName: "CA without key identifier"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(5000 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExtraExtensions: []pkix.Extension{{
			Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Critical: true, Value: basicConstraints,
		}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.IsCA || len(cert.SubjectKeyId) != 0 || len(cert.AuthorityKeyId) != 0 {
		t.Fatalf("the CA without key identifier came out wrong: IsCA=%v SKI=%X AKI=%X", cert.IsCA, cert.SubjectKeyId, cert.AuthorityKeyId)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

// OpenSSLCA follows Docker's documented openssl recipe with an EC key,
// which openssl writes as "EC PARAMETERS" + "EC PRIVATE KEY" (SEC 1). It
// returns the directory too, holding ca.pem and ca-key.pem.
func OpenSSLCA(t testing.TB) (certPEM, keyPEM, dir string) {
	t.Helper()
	openssl := RequireTool(t, "openssl", "it makes a CA the way Docker's documentation does")
	dir = t.TempDir()
	key, cert := filepath.Join(dir, "ca-key.pem"), filepath.Join(dir, "ca.pem")
	for _, args := range [][]string{
		{"ecparam", "-name", "prime256v1", "-genkey", "-out", key},
		{"req", "-new", "-x509", "-days", "365", "-key", key, "-sha256", "-subj", "/CN=openssl CA", "-out", cert},
	} {
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	certBytes, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	keyBytes, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(certBytes), string(keyBytes), dir
}
