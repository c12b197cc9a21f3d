package provider

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// renewal is what a plan does about a stored certificate's renewal. Every
// certificate resource, single or bulk, decides it with planRenewal.
type renewal int

const (
	// renewalNotDue keeps the certificate, with ready_for_renewal false.
	renewalNotDue renewal = iota
	// renewalDue issues the certificate again: a single resource is replaced, a
	// bulk entry is planned unknown.
	renewalDue
	// renewalJudgedAtApply keeps the certificate with ready_for_renewal unknown:
	// the apply judges it under the applied window, and the next plan
	// issues it if it is due.
	renewalJudgedAtApply
)

// planRenewal decides a stored certificate's renewal under the planned
// early_renewal_hours, from the ready_for_renewal that refresh stored
// (marked) under the stored window.
//
// The plan never reads the clock for it. Terraform plans each resource again
// when it applies the plan, with the values unknown at plan time known by
// then, and requires the same action and every value the first plan knew:
// judged against the clock, a certificate whose renewal time fell between
// the plan and its approval would be planned kept, then replaced, and the
// apply would fail with "Provider produced inconsistent final plan". Refresh
// judges the time, and both plans see the same refreshed state, so:
//   - under the same window, a certificate refresh marked is due, and one it
//     did not mark is not;
//   - under a wider window, a marked certificate is due, and the others are
//     not known to be;
//   - under a narrower one, an unmarked certificate is not due, and a marked
//     one is not known to be (so `early_renewal_hours = 0` holds a marked CA
//     without replacing it);
//   - under a window unknown at plan, a marked certificate is due (the final
//     plan, with the window known, may keep it instead: a single resource's
//     replacement is planned again as a creation, and a bulk entry planned
//     unknown may become known), and the others are not known to be.
//
// What refresh never marked (a state written before the attribute existed,
// or a window that was unknown) is judged at apply too.
func planRenewal(marked types.Bool, window, stored types.Number) renewal {
	switch {
	case marked.IsNull() || marked.IsUnknown() || stored.IsNull() || stored.IsUnknown() || window.IsNull():
		return renewalJudgedAtApply
	case window.IsUnknown():
		if marked.ValueBool() {
			return renewalDue
		}
		return renewalJudgedAtApply
	}
	switch cmp := window.ValueBigFloat().Cmp(stored.ValueBigFloat()); {
	case marked.ValueBool() && cmp >= 0:
		return renewalDue
	case !marked.ValueBool() && cmp <= 0:
		return renewalNotDue
	}
	return renewalJudgedAtApply
}

// dueNow is the clock's judgement of a stored certificate under the window
// early_renewal_hours gives, made at refresh (which marks it) and at apply
// (when the plan left it to the apply), never at plan: inside the window or
// expired, it is due. A certificate whose expiry cannot be read (readable
// false: a hand-edited or corrupted state) is due too, so that the plan
// issues it again.
func dueNow(notAfter time.Time, readable bool, window types.Number, now time.Time) bool {
	return !readable || pki.ReadyForRenewal(notAfter, hoursToDuration(window), now)
}
