package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// This file is the request: what every kind of issuing needs (subject, key,
// validity) and what it yields, whether the certificate then lives in the
// state (the resources) or only for one run (the ephemeral resource). It
// knows nothing of a life cycle (renewal, plan modifiers) or of a schema
// package: the resources and the ephemeral resource build their schemas from
// the descriptions and validators below.

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

// Descriptions and validators of the request attributes, for every schema
// that offers them. The resources append what changing a value does
// (changeReplaces); the ephemeral resource has no such thing.

const changeReplaces = " Changing it issues a new certificate."

func keyAlgorithmDescription() string {
	return fmt.Sprintf("Algorithm of the generated private key: %s. Defaults to `%s`. "+
		"(P-224 is not offered: Go refuses it in TLS 1.3.)",
		markdownList(pki.KeyAlgorithmNames()), pki.DefaultKeyAlgorithm)
}

func keyAlgorithmValidators() []validator.String {
	return []validator.String{stringvalidator.OneOf(pki.KeyAlgorithmNames()...)}
}

func validityDescription(defaultHours int64) string {
	return fmt.Sprintf("Hours the certificate stays valid after it is issued: a whole number from 1 to %d "+
		"(100 years). Defaults to `%d`.", maxValidityHours, defaultHours)
}

func validityValidators() []validator.Number {
	return []validator.Number{wholeHours(1, maxValidityHours)}
}

func commonNameDescription(def string) string {
	return fmt.Sprintf("Common name (CN) of the certificate's subject: 1 to %d %s. Defaults to `%q`.", maxSubjectText, visibleCharacters, def)
}

// visibleCharacters is what a subject attribute may hold, as the
// descriptions say it.
const visibleCharacters = "visible characters (no control characters, and no invisible ones such as bidirectional overrides or " +
	"zero-width spaces)"

const organizationDescription = "Organization (O) of the certificate's subject: 1 to 64 " + visibleCharacters + ". " +
	"Omitted when not set."

// Descriptions of the outputs. The private key's adds where it is kept.
const (
	certPEMDescription      = "The certificate, PEM-encoded."
	serialNumberDescription = "The certificate's serial number: a random positive 128-bit integer, in decimal."
	fingerprintDescription  = "SHA-256 fingerprint of the certificate: upper-case hex pairs " +
		"joined by colons, exactly as `openssl x509 -noout -fingerprint -sha256` prints it after `=`."
	validityStartDescription = "Start of validity (NotBefore), RFC 3339 in UTC: the issuing time " +
		"minus 5 minutes, so hosts whose clocks run a little behind accept the certificate."
	validityEndDescription = "End of validity (NotAfter), RFC 3339 in UTC."
	privateKeyDescription  = "The private key, PEM-encoded as unencrypted PKCS#8 (`-----BEGIN PRIVATE KEY-----`): " +
		"Docker refuses encrypted keys."
)
