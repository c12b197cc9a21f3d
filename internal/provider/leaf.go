package provider

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// A managed leaf is a server or client certificate that lives in the state
// (dockertls_server_cert, dockertls_client_cert): a certificate signed by a
// signing CA, recording which CA signed it in ca_cert_fingerprint_sha256, so
// that a new CA issues a new certificate without the state having to keep
// the CA certificate. The bulk resources keep the same record for all their
// entries (bulk_plan.go).

// leafDefaults are shared by server and client certificates: a year of
// validity, renewed in its last 30 days.
var leafDefaults = certificateDefaults{validityHours: 8760, earlyRenewalHours: 720}

// managedLeaf is a managed leaf's model: the certificate's attributes and
// the signing CA embedded, and the recorded fingerprint.
type managedLeaf interface {
	certificate() *certificateModel
	signedBy() *signingCA
	caFingerprintAttr() *types.String
}

// signedBy gives generic code a model's embedded signing CA.
func (ca *signingCA) signedBy() *signingCA { return ca }

// planNewLeaf plans a leaf that will be issued: ca_cert_fingerprint_sha256
// from the configured CA, and the checks of the CA that need the clock.
// config carries the write-only values.
func planNewLeaf(profile pki.Profile, plan, config managedLeaf, now time.Time, diags *diag.Diagnostics) {
	ca := plan.signedBy().withWriteOnly(config.signedBy())
	*plan.caFingerprintAttr() = ca.fingerprint()
	ca.checkNewLeaf(profile, plan.certificate().ValidityPeriodHours, now, diags)
}

// planStoredLeaf plans a leaf that the state holds: its recorded CA
// fingerprint, and the warnings when the CA expires first. It returns
// ca_cert_fingerprint_sha256's path when the CA differs from the one that
// signed the stored certificate, or is not known yet (it is being replaced
// in the same plan): Terraform then replaces the certificate, and shows
// that attribute as the reason.
func planStoredLeaf(plan, config, state managedLeaf, now time.Time, diags *diag.Diagnostics) []path.Path {
	ca := plan.signedBy().withWriteOnly(config.signedBy())
	*plan.caFingerprintAttr() = ca.fingerprint()
	warnCAExpiry(&ca, signedLeaf(&ca, plan.certificate().CertPEM), now, diags)
	if caChanged(*plan.caFingerprintAttr(), *state.caFingerprintAttr(), state.signedBy()) {
		return []path.Path{caFingerprintPath}
	}
	return nil
}

// issueLeaf signs req with the leaf's CA, taking the write-only values from
// config, and records the CA's fingerprint.
func issueLeaf(req pki.Request, plan, config managedLeaf, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	ca := plan.signedBy().withWriteOnly(config.signedBy())
	*plan.caFingerprintAttr() = ca.fingerprint()
	return ca.issue(req, now, diags)
}

// caChanged reports whether the planned CA (its fingerprint planned
// already) may differ from the one that signed the stored certificates:
// when its fingerprint differs, or is not known yet (the CA is being
// replaced in the same plan).
func caChanged(planned, stored types.String, storedCA *signingCA) bool {
	if stored.IsNull() {
		// A state written before ca_cert_fingerprint_sha256 existed holds
		// the CA certificate itself in ca_cert_pem.
		stored = caFingerprint(storedCA.CACertPEM)
	}
	return planned.IsUnknown() || !planned.Equal(stored)
}

// signedLeaf is the stored leaf certPEM as warnCAExpiry takes it: one unnamed
// certificate, or none when ca did not sign it (the CA is being replaced,
// and the certificate with it) or either does not parse.
func signedLeaf(ca *signingCA, certPEM types.String) []heldCertificate {
	caPEM, _ := ca.cert()
	if !isSet(caPEM) || !isSet(certPEM) {
		return nil
	}
	caCert, err := pki.ParseCACertificatePEM(caPEM.ValueString())
	if err != nil {
		return nil
	}
	leaf, err := pki.ParseCertificatePEM(certPEM.ValueString())
	if err != nil || !pki.IssuedBy(leaf, caCert) {
		return nil
	}
	return []heldCertificate{{notAfter: leaf.NotAfter}}
}
