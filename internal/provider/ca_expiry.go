package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// The CA-expiry rule, for every CA-signed resource: a certificate must not
// outlive its CA, since from the CA's expiry on Docker clients and daemons
// refuse the chain. Before a certificate is issued an expired CA is an
// error and a certificate that would outlive it a warning (checkNewLeaf);
// at every later plan, certificates the state holds draw a warning when
// their CA has expired or expires first (warnCAExpiry).

// checkNewLeaf runs the checks that need the clock before a new leaf of
// validityHours is issued: an expired CA is an error, and a leaf outliving
// its CA a warning, since from the CA's expiry on every client refuses the
// chain.
func (ca *signingCA) checkNewLeaf(profile pki.Profile, validityHours types.Number, now time.Time, diags *diag.Diagnostics) {
	parsed, d := ca.parse(profile)
	diags.Append(d...)
	if parsed == nil {
		return
	}
	if err := parsed.CheckValidAt(now); err != nil {
		_, certPath := ca.cert()
		diags.AddAttributeError(certPath, "CA certificate not valid now", err.Error())
		return
	}
	if validityHours.IsUnknown() {
		return
	}
	leafEnd := now.Add(hoursToDuration(validityHours))
	if !leafEnd.After(parsed.Cert.NotAfter) {
		return
	}
	diags.AddAttributeWarning(path.Root("validity_period_hours"), "Certificate outlives its CA",
		fmt.Sprintf("The new certificate would be valid until %s, but its CA certificate expires at %s. "+
			"From that date Docker clients and daemons refuse the chain (\"certificate has expired or is not yet valid\"). "+
			"Renew the CA first, or set validity_period_hours to at most %d.",
			leafEnd.UTC().Format(time.RFC3339), parsed.Cert.NotAfter.UTC().Format(time.RFC3339),
			int64(parsed.Cert.NotAfter.Sub(now)/time.Hour)))
}

// heldCertificate is a certificate the state holds, signed by the CA being
// judged: its entry's name in a bulk resource ("" in a single one), and its
// expiry.
type heldCertificate struct {
	name     string
	notAfter time.Time
}

// warnCAExpiry warns when the CA that signed held certificates has expired
// or expires before some of them do. A single resource's certificate is
// spoken of as "this certificate"; a bulk resource's are named by entry, in
// one warning for all of them. ca carries the configuration's write-only
// values.
func warnCAExpiry(ca *signingCA, held []heldCertificate, now time.Time, diags *diag.Diagnostics) {
	caPEM, certPath := ca.cert()
	if len(held) == 0 || !isSet(caPEM) {
		return
	}
	caCert, err := pki.ParseCACertificatePEM(caPEM.ValueString())
	if err != nil {
		return // validation reports it
	}
	single := len(held) == 1 && held[0].name == ""
	caName, caEnd := caCert.Subject.CommonName, caCert.NotAfter.UTC().Format(time.RFC3339)
	if now.After(caCert.NotAfter) {
		these := "this one"
		if !single {
			these = fmt.Sprintf("the %d kept by this resource", len(held))
		}
		diags.AddAttributeWarning(certPath, "CA certificate has expired",
			fmt.Sprintf("The CA certificate %q expired at %s: Docker clients and daemons refuse every certificate it signed, "+
				"%s included. Renew the CA: replace dockertls_ca, or pass a new CA certificate and key made elsewhere; "+
				"the certificates it signed are then issued again in the same plan.", caName, caEnd, these))
		return
	}
	var outliving []string
	for _, h := range held {
		if h.notAfter.After(caCert.NotAfter) {
			outliving = append(outliving, h.name)
		}
	}
	if len(outliving) == 0 {
		return
	}
	summary := "Certificates outlive their CA"
	head := fmt.Sprintf("The certificates of %s are valid beyond the expiry of their CA certificate %q at %s.",
		listNames(outliving), caName, caEnd)
	if single {
		summary = "Certificate outlives its CA"
		head = fmt.Sprintf("This certificate is valid until %s, but its CA certificate %q expires at %s.",
			held[0].notAfter.UTC().Format(time.RFC3339), caName, caEnd)
	}
	diags.AddAttributeWarning(certPath, summary, head+fmt.Sprintf(" From that date Docker clients and daemons refuse the "+
		"chain (\"certificate has expired or is not yet valid\"). Rotate the CA before then, as %s shows, so daemons and "+
		"clients move to the next CA without a flag day.", rotationGuide))
}

// rotationGuide names the guide that moves a fleet to a new CA in three
// applies instead of one flag day.
const rotationGuide = `the guide "Rotating the CA without locking anyone out" (docs/guides/rotating-the-ca-without-locking-anyone-out.md)`
