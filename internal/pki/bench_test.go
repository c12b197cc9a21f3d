package pki_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// The crypto floor: what a certificate costs before Terraform is involved.
// `make bench` runs these; `go test -run '^$' -bench . ./internal/pki/` too.

func BenchmarkGenerateKey(b *testing.B) {
	for _, alg := range pki.KeyAlgorithms {
		b.Run(string(alg), func(b *testing.B) {
			for b.Loop() {
				if _, err := pki.GenerateKey(alg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIssue is one leaf as a resource's Create makes it: a new key, a
// template, a signature by a CA of the same algorithm, the PEM encodings.
func BenchmarkIssue(b *testing.B) {
	now := time.Now()
	for _, alg := range pki.KeyAlgorithms {
		b.Run(string(alg), func(b *testing.B) {
			ca, err := pki.Issue(pki.Request{Profile: pki.ProfileCA, KeyAlgorithm: alg, CommonName: "Bench CA", Validity: 1000 * time.Hour}, nil, now)
			if err != nil {
				b.Fatal(err)
			}
			iss, err := pki.NewSigningCA(ca.Cert, ca.Key)
			if err != nil {
				b.Fatal(err)
			}
			req := pki.Request{Profile: pki.ProfileServer, KeyAlgorithm: alg, CommonName: "host", DNSNames: []string{"host.example.com"}, Validity: 100 * time.Hour}
			for b.Loop() {
				if _, err := pki.Issue(req, iss, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGenerateKeyRSAParallel shows that RSA key generation scales with
// cores: with no lock on the path, ns/op (wall time per key) at GOMAXPROCS
// goroutines is about 1/GOMAXPROCS of the one-goroutine figure.
func BenchmarkGenerateKeyRSAParallel(b *testing.B) {
	b.Run("goroutines=1", func(b *testing.B) {
		for b.Loop() {
			if _, err := pki.GenerateKey(pki.RSA2048); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goroutines=GOMAXPROCS", func(b *testing.B) {
		b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "goroutines")
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := pki.GenerateKey(pki.RSA2048); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkIssueAllRSA is a bulk resource's apply of 16 RSA leaves, one
// after the other and through IssueAll: with IssueAll's GOMAXPROCS workers,
// ns/cert is about the sequential figure divided by the core count.
func BenchmarkIssueAllRSA(b *testing.B) {
	now := time.Now()
	ca, err := pki.Issue(pki.Request{Profile: pki.ProfileCA, KeyAlgorithm: pki.ECDSAP256, CommonName: "Bench CA", Validity: 1000 * time.Hour}, nil, now)
	if err != nil {
		b.Fatal(err)
	}
	iss, err := pki.NewSigningCA(ca.Cert, ca.Key)
	if err != nil {
		b.Fatal(err)
	}
	reqs := make([]pki.Request, 16)
	for i := range reqs {
		reqs[i] = pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.RSA2048, CommonName: "client", Validity: 100 * time.Hour}
	}
	perCert := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(reqs)), "ns/cert")
	}
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			for _, r := range reqs {
				if _, err := pki.Issue(r, iss, now); err != nil {
					b.Fatal(err)
				}
			}
		}
		perCert(b)
	})
	b.Run("IssueAll", func(b *testing.B) {
		b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "goroutines")
		for b.Loop() {
			_, errs := pki.IssueAll(reqs, iss, now)
			for _, err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		perCert(b)
	})
}
