package provider

import (
	"fmt"
	"maps"
	"math/big"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/numberdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/numberplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// certificateSchema builds a resource schema from the shared certificate
// attributes, the resource's defaults and its own attributes.
func certificateSchema(description string, d certificateDefaults, commonName schema.StringAttribute, extra map[string]schema.Attribute) schema.Schema {
	attrs := map[string]schema.Attribute{
		"key_algorithm": schema.StringAttribute{
			MarkdownDescription: keyAlgorithmDescription() + changeReplaces,
			Optional:            true,
			Computed:            true,
			Default:             stringdefault.StaticString(string(pki.DefaultKeyAlgorithm)),
			Validators:          keyAlgorithmValidators(),
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"validity_period_hours": schema.NumberAttribute{
			MarkdownDescription: validityDescription(d.validityHours) + changeReplaces,
			Optional:            true,
			Computed:            true,
			Default:             numberdefault.StaticBigFloat(new(big.Float).SetInt64(d.validityHours)),
			Validators:          validityValidators(),
			PlanModifiers:       []planmodifier.Number{numberplanmodifier.RequiresReplace()},
		},
		"early_renewal_hours": schema.NumberAttribute{
			MarkdownDescription: fmt.Sprintf("How many hours before expiry the certificate becomes due for renewal: "+
				"from then on `ready_for_renewal` is true and every plan replaces the certificate. A whole number, smaller "+
				"than `validity_period_hours`. Defaults to `%d`. A change is judged from what refresh marked, not from the clock "+
				"at plan time, so that a saved plan applies as it was made: under a wider window a certificate refresh marked "+
				"is replaced; otherwise the change is in place, the apply sets `ready_for_renewal` under the new window, and "+
				"the next plan replaces the certificate if it is due. A narrower window (down to `0`, which keeps the "+
				"certificate until it expires) replaces nothing.", d.earlyRenewalHours),
			Optional:   true,
			Computed:   true,
			Default:    numberdefault.StaticBigFloat(new(big.Float).SetInt64(d.earlyRenewalHours)),
			Validators: []validator.Number{wholeHours(0, maxValidityHours)},
		},
		"common_name": commonName,
		"organization": schema.StringAttribute{
			MarkdownDescription: organizationDescription + changeReplaces,
			Optional:            true,
			Validators:          subjectTextValidators(),
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"cert_pem":                computedString(certPEMDescription),
		"serial_number":           computedString(serialNumberDescription),
		"cert_fingerprint_sha256": computedString(fingerprintDescription),
		"validity_start_time":     computedString(validityStartDescription),
		"validity_end_time":       computedString(validityEndDescription),
		"ready_for_renewal": schema.BoolAttribute{
			MarkdownDescription: "True once the certificate is inside its early-renewal window or has expired. " +
				"Refresh sets it; the plan then replaces the certificate.",
			Computed: true,
		},
	}
	privateKey := computedString(privateKeyDescription + " Stored in the Terraform state.")
	privateKey.Sensitive = true
	attrs["private_key_pem"] = privateKey
	maps.Copy(attrs, extra)
	return schema.Schema{MarkdownDescription: description, Attributes: attrs}
}

func computedString(description string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: description,
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

// staticCommonName is the common_name attribute of a resource with a fixed default.
func staticCommonName(def string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: commonNameDescription(def) + changeReplaces,
		Optional:            true,
		Computed:            true,
		Default:             stringdefault.StaticString(def),
		Validators:          subjectTextValidators(),
		PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
}

// maxSubjectText is the upper bound X.520 sets on a common name and an
// organization name, in characters.
const maxSubjectText = 64

// subjectTextValidators check a subject attribute: its length in characters
// (not bytes), and visible characters only: control and invisible ones would
// let a value forge or hide parts of the subject when it is printed.
func subjectTextValidators() []validator.String {
	return []validator.String{stringvalidator.UTF8LengthBetween(1, maxSubjectText), visibleTextOnly()}
}

func markdownList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "`" + v + "`"
	}
	return strings.Join(quoted, ", ")
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
