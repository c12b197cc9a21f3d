package provider

import (
	"maps"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The per-entry decisions of a bulk resource's plan: which entries keep
// their certificate and key, which are issued again and why, and the kept
// certificates the CA-expiry rule (ca_expiry.go) judges.

// nullWriteOnly clears the write-only attributes, which Terraform sends in
// the proposed new state but which no plan or state may hold.
func (m *bulkModel) nullWriteOnly() {
	m.CACertPEMWO = types.StringNull()
	m.CAPrivateKeyPEMWO = types.StringNull()
}

// planEntries decides, entry by entry, what the plan keeps and what it
// issues. prior is nil when the resource is being created.
func planEntries(t bulkTypes, m, prior *bulkModel, entries, priorEntries map[string]tftypes.Value) bulkPlan {
	p := bulkPlan{certs: make(map[string]tftypes.Value, len(entries)), keys: make(map[string]tftypes.Value, len(entries))}
	var priorCerts, priorKeys map[string]tftypes.Value
	newCA := prior != nil && caChanged(m.CACertFingerprintSHA256, prior.CACertFingerprintSHA256, &prior.signingCA)
	reissueAll := prior == nil || newCA ||
		!m.KeyAlgorithm.Equal(prior.KeyAlgorithm) || !m.ValidityPeriodHours.Equal(prior.ValidityPeriodHours)
	if !reissueAll {
		priorCerts, _ = mapEntries(prior.Certs)
		priorKeys, _ = mapEntries(prior.PrivateKeys)
	}
	unknownCert := tftypes.NewValue(t.cert, tftypes.UnknownValue)
	unknownKey := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	for _, name := range sortedKeys(entries) {
		before, existed := priorEntries[name]
		if reissueAll || !existed || !entries[name].Equal(before) {
			p.certs[name], p.keys[name] = unknownCert, unknownKey
			p.issue = append(p.issue, name)
			if newCA && existed {
				p.reissued = append(p.reissued, name)
			}
			continue
		}
		cert, hasCert := priorCerts[name]
		key, hasKey := priorKeys[name]
		if !hasCert || !hasKey || cert.IsNull() || key.IsNull() || !cert.IsFullyKnown() || !key.IsKnown() {
			// The entry did not change, yet the state lacks its
			// certificate or key: an edited or damaged state.
			p.certs[name], p.keys[name] = unknownCert, unknownKey
			p.issue = append(p.issue, name)
			p.missing = append(p.missing, name)
			continue
		}
		ready, due, unreadable := plannedRenewal(cert, m.EarlyRenewalHours, prior.EarlyRenewalHours)
		if due {
			p.certs[name], p.keys[name] = unknownCert, unknownKey
			p.issue = append(p.issue, name)
			if unreadable {
				p.unreadable = append(p.unreadable, name)
			} else {
				p.renew = append(p.renew, name)
			}
			continue
		}
		p.certs[name], p.keys[name] = withReadyForRenewal(t, cert, ready), key
		p.kept = append(p.kept, name)
	}
	return p
}

// plannedRenewal is a kept certificate's renewal under the planned window
// (prior is the stored one), by planRenewal: ready is its planned
// ready_for_renewal (false, or unknown when only the apply can tell), due is
// true when the plan must issue it again, unreadable when its expiry does not
// parse (which counts as due, as in the single resources).
func plannedRenewal(cert tftypes.Value, window, prior types.Number) (ready tftypes.Value, due, unreadable bool) {
	if _, ok := certNotAfter(cert); !ok {
		return tftypes.Value{}, true, true
	}
	switch planRenewal(storedReadyForRenewal(cert), window, prior) {
	case renewalDue:
		return tftypes.Value{}, true, false
	case renewalNotDue:
		return tftypes.NewValue(tftypes.Bool, false), false, false
	}
	return tftypes.NewValue(tftypes.Bool, tftypes.UnknownValue), false, false
}

// storedReadyForRenewal reads an entry of certs' ready_for_renewal; null
// when it cannot be read.
func storedReadyForRenewal(cert tftypes.Value) types.Bool {
	attrs, ok := objectAttrs(cert)
	if !ok {
		return types.BoolNull()
	}
	var ready bool
	v := attrs[readyForRenewalAttr]
	if !v.IsKnown() || v.IsNull() || v.As(&ready) != nil {
		return types.BoolNull()
	}
	return types.BoolValue(ready)
}

// certNotAfter reads an entry of certs' validity_end_time.
func certNotAfter(cert tftypes.Value) (time.Time, bool) {
	attrs, ok := objectAttrs(cert)
	if !ok {
		return time.Time{}, false
	}
	s, ok := knownString(attrs[validityEndAttr])
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// withReadyForRenewal returns an entry of certs with ready_for_renewal set,
// the entry itself when it holds that value already.
func withReadyForRenewal(t bulkTypes, cert, ready tftypes.Value) tftypes.Value {
	attrs, ok := objectAttrs(cert)
	if !ok || attrs[readyForRenewalAttr].Equal(ready) {
		return cert
	}
	attrs = maps.Clone(attrs)
	attrs[readyForRenewalAttr] = ready
	return tftypes.NewValue(t.cert, attrs)
}

// keptCertificates are the kept entries' certificates, as warnCAExpiry
// takes them. Kept certificates were signed by the planned CA (its
// fingerprint is the stored one), so no signature needs checking.
func keptCertificates(kept []string, certs map[string]tftypes.Value) []heldCertificate {
	held := make([]heldCertificate, 0, len(kept))
	for _, name := range kept {
		if notAfter, ok := certNotAfter(certs[name]); ok {
			held = append(held, heldCertificate{name: name, notAfter: notAfter})
		}
	}
	return held
}
