package endpoint

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strconv"
	"strings"
)

// ClientAuth is what a daemon's handshake said of client certificates. A
// server asks for one in a CertificateRequest, which lists the names of the
// CAs it accepts as issuers; Go's client (the docker CLI's) presents its
// certificate only when its issuer is among them, or when none is listed.
type ClientAuth struct {
	// Requested: the daemon asked for a client certificate. dockerd does
	// with tlsverify on and does not with it off, but asking is not
	// requiring: only the check without a certificate tells.
	Requested bool
	// Presented: the client certificate was sent.
	Presented bool
	// AcceptedCASubjects are the names of the CAs the daemon accepts as
	// issuers of client certificates (for dockerd, the subjects of the
	// certificates in its tlscacert), in its order, printable, at most
	// maxListedCAs of them, each cut to maxSubject bytes. When it listed
	// more, a last entry says how many were left out.
	AcceptedCASubjects []string
	// AcceptedCAs is how many names the daemon listed.
	AcceptedCAs int
	// Match relates the names listed to the CAs given and the client
	// certificate's issuer; empty when no certificate was requested.
	Match CAMatch

	accepted [][]byte
}

// CAMatch relates the CAs a daemon accepts for client certificates to the
// CAs given and the client certificate's issuer. The values are stable:
// configurations compare them in check blocks.
type CAMatch string

// How the daemon's accepted CAs compare with ours, by name: a
// CertificateRequest carries names, not certificates, so two CAs with the
// same subject cannot be told apart.
const (
	CAsExact    CAMatch = "exact"
	CAsWithin   CAMatch = "within"
	CAsBeyond   CAMatch = "beyond"
	CAsUnlisted CAMatch = "unlisted"
)

// CAMatchInfo describes one CAMatch, for documentation.
type CAMatchInfo struct {
	Match   CAMatch
	Meaning string
}

// CAMatches lists every CAMatch with its meaning.
var CAMatches = []CAMatchInfo{
	{CAsExact, "the daemon names exactly the CAs given and the client certificate's issuer"},
	{CAsWithin, "it names some of them and no other CA (halfway through a CA rotation, for instance)"},
	{CAsBeyond, "it names a CA that is neither given nor the client certificate's issuer: whoever that CA certifies can use " +
		"the daemon, which is root on the host (a public bundle, or a forgotten CA, in the daemon's tlscacert)"},
	{CAsUnlisted, "it asks for a certificate without naming any CA, so which CAs it accepts cannot be seen (dockerd always " +
		"names its tlscacert's; a proxy may not): it may admit what another CA, a public one for instance, signed; warn on it " +
		"as on `beyond`"},
}

// Bounds on what is reported of the names a daemon lists: they are stored
// in the state and shown in plans, and a daemon that trusts a public bundle
// lists well over a hundred.
const (
	maxListedCAs = 32
	maxSubject   = 256
)

// newClientAuth reads a handshake's certificate request against the CAs
// and the client certificate of the target.
func newClientAuth(hs *handshake, t Target) *ClientAuth {
	a := &ClientAuth{Requested: hs.requested, Presented: hs.presented, AcceptedCAs: len(hs.acceptable), accepted: hs.acceptable}
	if !hs.requested {
		return a
	}
	for i, der := range hs.acceptable {
		if i == maxListedCAs {
			a.AcceptedCASubjects = append(a.AcceptedCASubjects, fmt.Sprintf("(%d more names not listed)", len(hs.acceptable)-i))
			break
		}
		a.AcceptedCASubjects = append(a.AcceptedCASubjects, subjectString(der))
	}
	var ours [][]byte
	for _, ca := range t.CAs {
		ours = append(ours, ca.RawSubject)
	}
	if leaf := clientLeaf(t.Client); leaf != nil {
		ours = append(ours, leaf.RawIssuer)
	}
	a.Match = match(hs.acceptable, ours)
	return a
}

// match compares the names a daemon listed with ours, as sets.
func match(listed, ours [][]byte) CAMatch {
	if len(listed) == 0 {
		return CAsUnlisted
	}
	has := func(set [][]byte, name []byte) bool {
		for _, n := range set {
			if bytes.Equal(n, name) {
				return true
			}
		}
		return false
	}
	for _, n := range listed {
		if !has(ours, n) {
			return CAsBeyond
		}
	}
	for _, n := range ours {
		if !has(listed, n) {
			return CAsWithin
		}
	}
	return CAsExact
}

// subjectString writes a DER-encoded name as Go writes a certificate's
// subject (CN=...,O=...), printable and bounded: the server chose it.
func subjectString(der []byte) string {
	var rdn pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &rdn); err != nil || len(rest) != 0 {
		return fmt.Sprintf("(a name that does not parse, %d bytes)", len(der))
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return shortened(printable(n.String()), maxSubject)
}

// acceptedNames lists the accepted CAs for a message, a few at most.
func (a *ClientAuth) acceptedNames() string {
	if len(a.accepted) == 0 {
		return "no CA by name"
	}
	const few = 4
	names := make([]string, 0, few)
	for _, der := range a.accepted[:min(few, len(a.accepted))] {
		names = append(names, strconv.Quote(subjectString(der)))
	}
	s := strings.Join(names, ", ")
	if more := len(a.accepted) - few; more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// clientLeaf is the client certificate, parsed; nil when there is none.
func clientLeaf(c tls.Certificate) *x509.Certificate {
	if c.Leaf != nil || len(c.Certificate) == 0 {
		return c.Leaf
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return nil
	}
	return leaf
}

// issuerName is the client certificate's issuer, quoted, for messages.
func issuerName(c tls.Certificate) string {
	if leaf := clientLeaf(c); leaf != nil {
		return strconv.Quote(leaf.Issuer.String())
	}
	return "none"
}
