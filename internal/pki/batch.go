package pki

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// IssueAll issues every request, signed by ca, at the same time now, on
// as many goroutines as GOMAXPROCS allows: key generation, above all RSA's,
// is the bulk of issuing and needs no lock, so a batch uses every core.
// certs[i] and errs[i] belong to reqs[i]; one failed request does not stop
// the others.
func IssueAll(reqs []Request, ca *SigningCA, now time.Time) (certs []*Certificate, errs []error) {
	return issueAll(reqs, ca, now, runtime.GOMAXPROCS(0))
}

func issueAll(reqs []Request, ca *SigningCA, now time.Time, workers int) ([]*Certificate, []error) {
	certs := make([]*Certificate, len(reqs))
	errs := make([]error, len(reqs))
	workers = max(1, min(workers, len(reqs)))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(reqs) {
					return
				}
				certs[i], errs[i] = Issue(reqs[i], ca, now)
			}
		})
	}
	wg.Wait()
	return certs, errs
}
