// Package clock gives the provider its notion of "now" through an interface,
// so that tests of certificate expiry move time instead of waiting for it and
// can still run in parallel (each test owns its own clock).
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// System is the real clock.
type System struct{}

// Now returns the current time.
func (System) Now() time.Time { return time.Now() }

// Fake is a clock that only moves when told to. It is safe for concurrent use,
// because Terraform calls the in-process provider from several goroutines.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFake returns a clock stopped at start.
func NewFake(start time.Time) *Fake {
	return &Fake{now: start}
}

// Now returns the clock's current time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}
