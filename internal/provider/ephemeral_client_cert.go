package provider

import (
	"context"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure      = (*clientCertEphemeral)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*clientCertEphemeral)(nil)
)

// ephemeralClientDefaults: an hour, the length of a CI job; nothing renews
// an ephemeral certificate, each run mints its own.
var ephemeralClientDefaults = certificateDefaults{validityHours: 1, commonName: clientDefaults.commonName}

// ephemeralClientCertModel is the request and its outputs, with no life
// cycle: Terraform keeps it in memory for one run and stores none of it.
type ephemeralClientCertModel struct {
	certificateRequest
	signingCA
	certificateOutputs
}

// ephemeralCACertWording and ephemeralCAKeyWording: in an ephemeral
// resource nothing is stored, so the two attributes of each pair are one
// argument under two names.
var ephemeralCACertWording = pairWording{
	noun: "CA certificate",
	both: "Set exactly one of them. In this ephemeral resource they are the same argument under two names, neither " +
		"stored in the plan or the state; both are accepted so that a dockertls_client_cert block moves here unchanged.",
	neither: "The CA certificate is needed to sign the certificate. Set ca_cert_pem or ca_cert_pem_wo (the same " +
		"argument here: neither is stored in the plan or the state), for example to dockertls_ca's cert_pem.",
}

var ephemeralCAKeyWording = pairWording{
	noun: "CA key",
	both: "Set exactly one of them. In this ephemeral resource they are the same argument under two names, neither " +
		"stored in the plan or the state; both are accepted so that a dockertls_client_cert block moves here unchanged.",
	neither: "The CA's private key is needed to sign the certificate. Set ca_private_key_pem or ca_private_key_pem_wo " +
		"(the same argument here: neither is stored in the plan or the state), for example to dockertls_ca's " +
		"private_key_pem or an ephemeral variable.",
}

// clientCertEphemeral is the dockertls_client_cert ephemeral resource: a
// short-lived client certificate minted at every plan and apply.
type clientCertEphemeral struct {
	providerClock
}

// NewClientCertEphemeralResource is the dockertls_client_cert ephemeral resource.
func NewClientCertEphemeralResource() ephemeral.EphemeralResource {
	return &clientCertEphemeral{}
}

func (r *clientCertEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_client_cert"
}

func (r *clientCertEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	d := ephemeralClientDefaults
	output := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A short-lived client certificate (extendedKeyUsage clientAuth), minted afresh at every plan " +
			"and apply and never stored in the plan or the state: for a CI job that talks to a daemon, or to configure " +
			"a provider that reaches one. It follows the same profile and checks as the `dockertls_client_cert` resource. " +
			"Needs Terraform 1.10 or OpenTofu 1.11 or later.",
		Attributes: map[string]schema.Attribute{
			"ca_cert_pem": schema.StringAttribute{
				MarkdownDescription: "PEM certificate of the signing CA: `dockertls_ca`'s `cert_pem`, or any CA certificate " +
					"(basicConstraints CA:TRUE) made by another tool. It must hold that one certificate: a chain or bundle " +
					"is an error. Set exactly one of this and `ca_cert_pem_wo`." +
					certificateTextRule,
				Optional: true,
			},
			"ca_cert_pem_wo": schema.StringAttribute{
				MarkdownDescription: "The same as `ca_cert_pem`, under the name the `dockertls_client_cert` resource " +
					"gives its write-only CA certificate, so that a configuration moves between the two unchanged. Set exactly one of the two.",
				Optional: true,
			},
			"ca_private_key_pem": schema.StringAttribute{
				MarkdownDescription: "PEM private key of the signing CA, " + caKeyFormats + ". It must belong to the CA certificate. " +
					"Set exactly one of this and `ca_private_key_pem_wo`. An ephemeral resource stores nothing, so it may " +
					"come from an ephemeral variable or another ephemeral resource and is never written to the plan or the state.",
				Optional:  true,
				Sensitive: true,
			},
			"ca_private_key_pem_wo": schema.StringAttribute{
				MarkdownDescription: "The same as `ca_private_key_pem`, under the name the `dockertls_client_cert` resource " +
					"gives its write-only CA key, so that a configuration moves between the two unchanged. Set exactly one of the two.",
				Optional:  true,
				Sensitive: true,
			},
			"key_algorithm": schema.StringAttribute{
				MarkdownDescription: keyAlgorithmDescription(),
				Optional:            true,
				Computed:            true,
				Validators:          keyAlgorithmValidators(),
			},
			"validity_period_hours": schema.NumberAttribute{
				MarkdownDescription: validityDescription(d.validityHours) + " Nothing renews it: each run mints a new one.",
				Optional:            true,
				Computed:            true,
				Validators:          validityValidators(),
			},
			"common_name": schema.StringAttribute{
				MarkdownDescription: commonNameDescription(d.commonName),
				Optional:            true,
				Computed:            true,
				Validators:          subjectTextValidators(),
			},
			"organization": schema.StringAttribute{
				MarkdownDescription: organizationDescription,
				Optional:            true,
				Validators:          subjectTextValidators(),
			},
			"cert_pem":                output(certPEMDescription),
			"serial_number":           output(serialNumberDescription),
			"cert_fingerprint_sha256": output(fingerprintDescription),
			"validity_start_time":     output(validityStartDescription),
			"validity_end_time":       output(validityEndDescription),
			"private_key_pem": schema.StringAttribute{
				MarkdownDescription: privateKeyDescription + " Never stored in the plan or the state.",
				Computed:            true,
				Sensitive:           true,
			},
		},
	}
}

func (r *clientCertEphemeral) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.configureClock(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig runs the resource's CA checks at plan time; the attribute
// validators run before it, as in the resource.
func (r *clientCertEphemeral) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	var m ephemeralClientCertModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var diags diag.Diagnostics
	m.validate(pki.ProfileClient, ephemeralCACertWording, ephemeralCAKeyWording, &diags)
	resp.Diagnostics.Append(locatedInEphemeral(diags)...)
}

// locatedInEphemeral names the block and the attribute in each diagnostic's
// detail. Terraform shows no location for the diagnostics of an ephemeral
// resource's ValidateConfig at plan time, when values from variables are
// judged (Open's diagnostics, and literal values judged at validate, do get
// one), which would leave the user to guess which block and argument is
// wrong.
func locatedInEphemeral(diags diag.Diagnostics) diag.Diagnostics {
	return withDetailPrefix(diags, func(_ diag.Diagnostic, p path.Path, hasPath bool) string {
		if hasPath && !p.Equal(path.Empty()) {
			return `In an ephemeral "dockertls_client_cert" block, ` + p.String()
		}
		return `In an ephemeral "dockertls_client_cert" block`
	})
}

// Open mints the certificate. Terraform calls it only once every input is
// known: while one is unknown at plan time, the result is unknown.
func (r *clientCertEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m ephemeralClientCertModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.setDefaults()
	now := r.now()
	m.checkNewLeaf(pki.ProfileClient, m.ValidityPeriodHours, now, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	issued := m.issue(m.request(pki.ProfileClient), now, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m.setOutputs(issued)
	// Log identifiers only: never the model, which holds key material.
	tflog.Info(ctx, "minted ephemeral certificate", map[string]any{
		"resource":    "_client_cert",
		"serial":      m.SerialNumber.ValueString(),
		"fingerprint": m.CertFingerprintSHA256.ValueString(),
		"not_after":   m.ValidityEndTime.ValueString(),
	})
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}

// setDefaults fills what the configuration leaves out; an ephemeral schema
// has no defaults of its own.
func (m *ephemeralClientCertModel) setDefaults() {
	if m.KeyAlgorithm.IsNull() {
		m.KeyAlgorithm = types.StringValue(string(pki.DefaultKeyAlgorithm))
	}
	if m.ValidityPeriodHours.IsNull() {
		m.ValidityPeriodHours = types.NumberValue(new(big.Float).SetInt64(ephemeralClientDefaults.validityHours))
	}
	if m.CommonName.IsNull() {
		m.CommonName = types.StringValue(ephemeralClientDefaults.commonName)
	}
}
