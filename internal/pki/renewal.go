package pki

import "time"

// ReadyForRenewal reports whether a certificate that expires at notAfter has
// entered its early-renewal window (or has expired) at now. It is the one rule
// that both refresh and plan use, so the two can never disagree.
func ReadyForRenewal(notAfter time.Time, earlyRenewal time.Duration, now time.Time) bool {
	return !now.Before(notAfter.Add(-earlyRenewal))
}
