package provider

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/numberdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// changeReissuesAll is what a change of a shared input does to the bulk
// resources: nothing forces replacement, every entry is issued again in place.
const changeReissuesAll = " Changing it issues every entry's certificate and key again, in an in-place update."

// bulkSchema builds a bulk resource's schema: the shared inputs, the CA,
// the map of entries (entriesName) and the two output maps.
func bulkSchema(description, entriesName string, entries schema.MapNestedAttribute) schema.Schema {
	d := leafDefaults
	attrs := signingCAAttributes()
	caCert := attrs["ca_cert_pem"].(schema.StringAttribute)
	caCert.MarkdownDescription = "PEM certificate of the signing CA: `dockertls_ca`'s `cert_pem`, or any CA certificate " +
		"(basicConstraints CA:TRUE) made by another tool. It must hold that one certificate: a chain or bundle " +
		"is an error. Set exactly one of this and `ca_cert_pem_wo`. " +
		"A copy of it is kept in this resource's state; `ca_cert_pem_wo` avoids that. A new CA (see " +
		"`ca_cert_fingerprint_sha256`) issues every entry again in the same plan; the same CA certificate written " +
		"differently (a trailing newline) or moved to `ca_cert_pem_wo` keeps every certificate." + certificateTextRule
	attrs["ca_cert_pem"] = caCert
	fingerprint := attrs["ca_cert_fingerprint_sha256"].(schema.StringAttribute)
	fingerprint.MarkdownDescription = "SHA-256 fingerprint of the CA certificate given in `ca_cert_pem` or `ca_cert_pem_wo`, " +
		"in the format of `cert_fingerprint_sha256`: for a `dockertls_ca`, its `cert_fingerprint_sha256`. The plan sets " +
		"it as soon as the CA certificate is known. A change of it issues every entry again: it is how a new CA is " +
		"detected, whichever attribute gives the CA certificate."
	attrs["ca_cert_fingerprint_sha256"] = fingerprint
	caKey := attrs["ca_private_key_pem"].(schema.StringAttribute)
	caKey.MarkdownDescription = "PEM private key of the signing CA, " + caKeyFormats + ". It must belong to the CA " +
		"certificate. Set exactly one of this and `ca_private_key_pem_wo`. **A copy of it is kept in this resource's " +
		"state**; `ca_private_key_pem_wo` avoids that. Changing it alone issues nothing again (the key must belong to " +
		"the CA certificate, whose change does)."
	attrs["ca_private_key_pem"] = caKey

	attrs["key_algorithm"] = schema.StringAttribute{
		MarkdownDescription: keyAlgorithmDescription() + changeReissuesAll,
		Optional:            true,
		Computed:            true,
		Default:             stringdefault.StaticString(string(pki.DefaultKeyAlgorithm)),
		Validators:          keyAlgorithmValidators(),
	}
	attrs["validity_period_hours"] = schema.NumberAttribute{
		MarkdownDescription: validityDescription(d.validityHours) + changeReissuesAll,
		Optional:            true,
		Computed:            true,
		Default:             numberdefault.StaticBigFloat(new(big.Float).SetInt64(d.validityHours)),
		Validators:          validityValidators(),
	}
	attrs["early_renewal_hours"] = schema.NumberAttribute{
		MarkdownDescription: fmt.Sprintf("How many hours before expiry a certificate becomes due for renewal: from "+
			"then on its `ready_for_renewal` is true and the plan issues that entry again, in place. A whole number, smaller "+
			"than `validity_period_hours`. Defaults to `%d`. A change is judged from what refresh marked, not from the "+
			"clock at plan time, so that a saved plan applies as it was made: under a wider window the entries refresh "+
			"marked are issued again, under a narrower one those it did not mark stay not due. Every other entry keeps "+
			"its certificate; the apply sets its `ready_for_renewal` under the new window, and the next plan issues it "+
			"again if it is due.", d.earlyRenewalHours),
		Optional:   true,
		Computed:   true,
		Default:    numberdefault.StaticBigFloat(new(big.Float).SetInt64(d.earlyRenewalHours)),
		Validators: []validator.Number{wholeHours(0, maxValidityHours)},
	}
	attrs[entriesName] = entries
	output := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Computed: true}
	}
	attrs["certs"] = schema.MapNestedAttribute{
		MarkdownDescription: fmt.Sprintf("The certificates, by the names of `%s`. Pass these around freely: they "+
			"hold no key. An entry keeps its values until its own inputs, the CA, `key_algorithm` or "+
			"`validity_period_hours` change or it is due for renewal; then the plan shows it as known after apply. "+
			"`ready_for_renewal` alone also changes when refresh marks the entry due, and a new `early_renewal_hours` "+
			"can leave it to the apply.", entriesName),
		Computed: true,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			certPEMAttr:       output(certPEMDescription),
			serialNumberAttr:  output(serialNumberDescription),
			fingerprintAttr:   output(fingerprintDescription),
			validityStartAttr: output(validityStartDescription),
			validityEndAttr:   output(validityEndDescription),
			readyForRenewalAttr: schema.BoolAttribute{
				MarkdownDescription: "True once the certificate is inside its early-renewal window or has expired. " +
					"Refresh sets it; the plan then issues this entry again, in place.",
				Computed: true,
			},
		}},
	}
	attrs["private_keys"] = schema.MapAttribute{
		MarkdownDescription: fmt.Sprintf("The private keys, by the names of `%s`, each PEM-encoded as unencrypted "+
			"PKCS#8 (`-----BEGIN PRIVATE KEY-----`): Docker refuses encrypted keys. Stored in the Terraform state, apart "+
			"from `certs` so that the certificates can be passed around without the keys.", entriesName),
		ElementType: types.StringType,
		Computed:    true,
		Sensitive:   true,
	}
	return schema.Schema{MarkdownDescription: description, Attributes: attrs}
}
