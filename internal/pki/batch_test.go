package pki

import (
	"crypto/x509"
	"fmt"
	"testing"
	"time"
)

// TestIssueAll: every request gets its own certificate, in the order asked,
// signed by the issuer at the same time; a bad request fails alone.
func TestIssueAll(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ca, err := Issue(Request{Profile: ProfileCA, KeyAlgorithm: ECDSAP256, CommonName: "CA", Validity: 1000 * time.Hour}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := NewSigningCA(ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, workers := range []int{1, 3, 64} {
		var reqs []Request
		for i := range 20 {
			reqs = append(reqs, Request{Profile: ProfileServer, KeyAlgorithm: ECDSAP256, CommonName: fmt.Sprintf("h%d", i),
				DNSNames: []string{fmt.Sprintf("h%d.example", i)}, Validity: 10 * time.Hour})
		}
		reqs[7].DNSNames = nil // no subjectAltName: refused
		certs, errs := issueAll(reqs, iss, now, workers)
		for i := range reqs {
			if i == 7 {
				if errs[i] != ErrNoSubjectAltNames || certs[i] != nil {
					t.Errorf("workers=%d: request 7 gave %v, %v; want ErrNoSubjectAltNames", workers, certs[i], errs[i])
				}
				continue
			}
			if errs[i] != nil {
				t.Fatalf("workers=%d: request %d: %v", workers, i, errs[i])
			}
			c := certs[i].Cert
			if c.Subject.CommonName != reqs[i].CommonName || !c.NotAfter.Equal(now.Add(10*time.Hour)) {
				t.Errorf("workers=%d: request %d got %q until %s", workers, i, c.Subject.CommonName, c.NotAfter)
			}
			if _, err := c.Verify(x509.VerifyOptions{Roots: roots, DNSName: reqs[i].DNSNames[0], CurrentTime: now,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
				t.Errorf("workers=%d: request %d: %v", workers, i, err)
			}
		}
	}
	if certs, errs := IssueAll(nil, iss, now); len(certs) != 0 || len(errs) != 0 {
		t.Errorf("no requests: %v %v", certs, errs)
	}
}
