package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// The attributes every certificate holds. The request (subject, key,
// validity) and its outputs are shared by the resources and the ephemeral
// resource; certificateModel adds the managed life cycle around them
// (renewal) for the resources. Their schemas are built in
// certificate_schema.go.

// certificateModel holds the attributes every certificate resource shares:
// the request and its outputs, and renewal. Resource models embed it by
// value.
type certificateModel struct {
	certificateRequest
	certificateOutputs

	EarlyRenewalHours types.Number `tfsdk:"early_renewal_hours"`
	ReadyForRenewal   types.Bool   `tfsdk:"ready_for_renewal"`
}

// certificate gives generic code the shared part of any resource model.
func (m *certificateModel) certificate() *certificateModel { return m }

// certificateDefaults are one resource's defaults; the schema and the
// validation both read them, so descriptions and behaviour cannot drift.
type certificateDefaults struct {
	validityHours     int64
	earlyRenewalHours int64
	commonName        string // "" when the spec computes it
}

// effectiveHours returns the configured value, or the default when the
// configuration leaves it null (ValidateConfig sees no defaults applied).
// valid is false while the value is unknown, and for a value outside
// [minHours, maxValidityHours], which the attribute's validator reports.
func effectiveHours(v types.Number, def, minHours int64) (hours int64, valid bool) {
	switch {
	case v.IsUnknown():
		return 0, false
	case v.IsNull():
		return def, true
	}
	return wholeHoursIn(v.ValueBigFloat(), minHours, maxValidityHours)
}

// validateRenewalWindow refuses an early-renewal window as long as the
// validity, for every managed resource, single or bulk: such a certificate
// would be due for renewal when issued, and every plan would issue it
// again. It stays silent while either value is invalid, so a bad
// validity_period_hours is not blamed on early_renewal_hours too.
func validateRenewalWindow(validityHours, earlyRenewalHours types.Number, d certificateDefaults, diags *diag.Diagnostics) {
	validity, vValid := effectiveHours(validityHours, d.validityHours, 1)
	early, eValid := effectiveHours(earlyRenewalHours, d.earlyRenewalHours, 0)
	if !vValid || !eValid || early < validity {
		return
	}
	diags.AddAttributeError(path.Root("early_renewal_hours"), "Renewal window as long as the certificate's validity",
		fmt.Sprintf("early_renewal_hours (%d) must be smaller than validity_period_hours (%d): otherwise the certificate "+
			"is due for renewal as soon as it is issued and every plan replaces it. "+
			"Lower early_renewal_hours (the default is %d) or raise validity_period_hours.", early, validity, d.earlyRenewalHours))
}

// setIssued records a freshly issued certificate in the model.
func (m *certificateModel) setIssued(c *pki.Certificate, now time.Time) {
	m.setOutputs(c)
	m.ReadyForRenewal = types.BoolValue(dueNow(c.Cert.NotAfter, true, m.EarlyRenewalHours, now))
}

// judgeRenewal judges the stored certificate with dueNow under the given
// early-renewal window. known is false while the window is unknown;
// unreadable says why the expiry cannot be read, for the caller to warn.
func (m *certificateModel) judgeRenewal(earlyRenewalHours types.Number, now time.Time) (due, known bool, unreadable error) {
	if earlyRenewalHours.IsUnknown() || m.ValidityEndTime.IsUnknown() {
		return false, false, nil
	}
	notAfter, err := m.notAfter()
	return dueNow(notAfter, err == nil, earlyRenewalHours, now), true, err
}

// notAfter reads the stored validity_end_time, with an error that says why
// it cannot be read.
func (m *certificateModel) notAfter() (time.Time, error) {
	notAfter, err := time.Parse(time.RFC3339, m.ValidityEndTime.ValueString())
	if err != nil {
		return time.Time{}, fmt.Errorf("the state holds validity_end_time %q, which is not an RFC 3339 time, so the "+
			"certificate's expiry cannot be read", m.ValidityEndTime.ValueString())
	}
	return notAfter, nil
}

// certificateRequest holds the subject, key and validity attributes. Models
// embed it by value.
type certificateRequest struct {
	KeyAlgorithm        types.String `tfsdk:"key_algorithm"`
	ValidityPeriodHours types.Number `tfsdk:"validity_period_hours"`
	CommonName          types.String `tfsdk:"common_name"`
	Organization        types.String `tfsdk:"organization"`
}

// request turns the attributes into a pki request of the given profile.
func (m *certificateRequest) request(profile pki.Profile) pki.Request {
	return pki.Request{
		Profile:      profile,
		KeyAlgorithm: pki.KeyAlgorithm(m.KeyAlgorithm.ValueString()),
		CommonName:   m.CommonName.ValueString(),
		Organization: m.Organization.ValueString(),
		Validity:     hoursToDuration(m.ValidityPeriodHours),
	}
}

// certificateOutputs holds what issuing yields.
type certificateOutputs struct {
	CertPEM               types.String `tfsdk:"cert_pem"`
	PrivateKeyPEM         types.String `tfsdk:"private_key_pem"`
	SerialNumber          types.String `tfsdk:"serial_number"`
	CertFingerprintSHA256 types.String `tfsdk:"cert_fingerprint_sha256"`
	ValidityStartTime     types.String `tfsdk:"validity_start_time"`
	ValidityEndTime       types.String `tfsdk:"validity_end_time"`
}

// setOutputs records a freshly issued certificate.
func (o *certificateOutputs) setOutputs(c *pki.Certificate) {
	o.SerialNumber = types.StringValue(c.Cert.SerialNumber.String())
	o.CertPEM = types.StringValue(c.CertPEM)
	o.PrivateKeyPEM = types.StringValue(c.PrivateKeyPEM)
	o.CertFingerprintSHA256 = types.StringValue(pki.Fingerprint(c.Cert))
	o.ValidityStartTime = types.StringValue(c.Cert.NotBefore.UTC().Format(time.RFC3339))
	o.ValidityEndTime = types.StringValue(c.Cert.NotAfter.UTC().Format(time.RFC3339))
}

// maxValidityHours keeps hour counts inside time.Duration (about 292 years).
const maxValidityHours = 100 * 365 * 24

// hoursToDuration converts a validated hour count; validation keeps it a
// whole number small enough for time.Duration.
func hoursToDuration(v types.Number) time.Duration {
	if v.IsNull() || v.IsUnknown() {
		return 0
	}
	n, _ := v.ValueBigFloat().Int64()
	return time.Duration(n) * time.Hour
}
