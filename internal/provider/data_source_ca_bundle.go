package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var (
	_ datasource.DataSource                   = (*caBundleDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*caBundleDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*caBundleDataSource)(nil)
)

type caBundleDataSource struct {
	providerClock
}

// NewCABundleDataSource is the dockertls_ca_bundle data source.
func NewCABundleDataSource() datasource.DataSource { return &caBundleDataSource{} }

type caBundleModel struct {
	CACertPEMs types.List `tfsdk:"ca_cert_pems"`

	BundlePEM    types.String `tfsdk:"bundle_pem"`
	Fingerprints types.List   `tfsdk:"fingerprints"`
	ExpiresFirst types.String `tfsdk:"expires_first"`
}

var caCertPEMsPath = path.Root("ca_cert_pems")

func (d *caBundleDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_ca_bundle"
}

func (d *caBundleDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.configureClock(req.ProviderData, &resp.Diagnostics)
}

func (d *caBundleDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A trust bundle: several CA certificates in one `ca.pem`, so that daemons admit clients of " +
			"either CA and clients accept daemons of either, while certificates move from one CA to the next. See the " +
			"guide [Rotating the CA without locking anyone out](../guides/rotating-the-ca-without-locking-anyone-out.md).",
		Attributes: map[string]schema.Attribute{
			"ca_cert_pems": schema.ListAttribute{
				MarkdownDescription: "The CAs to trust: each element a CA certificate (`dockertls_ca`'s `cert_pem`, or one made " +
					"elsewhere) or a bundle made before. Nothing but CA certificates: a private key, any other PEM block or a " +
					"server or client certificate is an error. A CA given twice is kept once; a CA that has expired is left out, " +
					"with a warning.",
				ElementType: types.StringType,
				Required:    true,
			},
			"bundle_pem": schema.StringAttribute{
				MarkdownDescription: "The CA certificates, each once, oldest first (by the start of their validity, then by " +
					"fingerprint), so the order of `ca_cert_pems` does not change it: write it as `ca.pem` on daemons and " +
					"clients, and pass it as `ca_cert_pem` to `dockertls_daemon_config`, `dockertls_client_config` and " +
					"`dockertls_endpoint`.",
				Computed: true,
			},
			"fingerprints": schema.ListAttribute{
				MarkdownDescription: "The SHA-256 fingerprints of the CAs in `bundle_pem`, in its order, as `dockertls_ca`'s " +
					"`cert_fingerprint_sha256` writes them.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"expires_first": schema.StringAttribute{
				MarkdownDescription: "When the first CA in the bundle expires (RFC 3339, UTC): compare it with " +
					"`plantimestamp()` in a `check` block to start the next rotation in time.",
				Computed: true,
			},
		},
	}
}

// elements returns the list's texts; known is false while the list or any
// element is unknown. Null elements are errors on their index.
func (m *caBundleModel) elements(ctx context.Context, diags *diag.Diagnostics) (texts []string, known bool) {
	if m.CACertPEMs.IsUnknown() {
		return nil, false
	}
	var elems []types.String
	diags.Append(m.CACertPEMs.ElementsAs(ctx, &elems, false)...)
	known = true
	for i, e := range elems {
		switch {
		case e.IsUnknown():
			known = false
		case e.IsNull():
			diags.AddAttributeError(caCertPEMsPath.AtListIndex(i), "Missing CA certificate",
				fmt.Sprintf("ca_cert_pems[%d] is null: give a CA certificate (dockertls_ca's cert_pem), or leave the element out.", i))
		default:
			texts = append(texts, e.ValueString())
		}
	}
	return texts, known
}

// bundle makes the bundle, reporting every bad element on its index.
func (m *caBundleModel) bundle(ctx context.Context, now time.Time, diags *diag.Diagnostics) *pki.Bundle {
	texts, known := m.elements(ctx, diags)
	if !known || diags.HasError() {
		return nil
	}
	b, errs := pki.NewBundle(texts, now)
	for _, err := range errs {
		var bad *pki.BundleInputError
		switch {
		case errors.As(err, &bad):
			attr := fmt.Sprintf("ca_cert_pems[%d]", bad.Index)
			diags.AddAttributeError(caCertPEMsPath.AtListIndex(bad.Index), "Invalid CA certificate",
				fmt.Sprintf("%s: %s", attr, bundleInputDetail(bad.Err, attr)))
		case errors.Is(err, pki.ErrEmptyBundle):
			diags.AddAttributeError(caCertPEMsPath, "No CA to trust",
				capitalize(err.Error())+": list the current CA's cert_pem, and the next one's during a rotation.")
		default:
			diags.AddAttributeError(caCertPEMsPath, "Invalid CA certificates", err.Error())
		}
	}
	return b
}

// bundleInputDetail adds the fix to a problem with one element.
func bundleInputDetail(err error, attr string) string {
	switch {
	case errors.Is(err, pki.ErrPrivateKeyInCertificate):
		return fmt.Sprintf("%s. %s is not sensitive: Terraform would show the key in plans and store it in clear in the state, "+
			"and the bundle would hand it to every daemon and client.", err, attr)
	case errors.Is(err, pki.ErrNotCA):
		return err.Error() + " A trust bundle holds CA certificates only, such as dockertls_ca's cert_pem."
	case errors.Is(err, pki.ErrByteOrderMark):
		return fmt.Sprintf(`%s (in Terraform: trimprefix(file("...pem"), "\ufeff")).`, err)
	}
	return err.Error()
}

func (d *caBundleDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m caBundleModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.bundle(ctx, d.now(), &resp.Diagnostics)
}

func (d *caBundleDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m caBundleModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	now := d.now()
	b := m.bundle(ctx, now, &resp.Diagnostics)
	if b == nil || resp.Diagnostics.HasError() {
		return
	}
	for _, ca := range b.Expired {
		resp.Diagnostics.AddAttributeWarning(caCertPEMsPath, "Expired CA left out of the bundle",
			fmt.Sprintf("The CA %s expired at %s and is left out of bundle_pem: nothing it signed is accepted any more. "+
				"Remove it from ca_cert_pems.", pki.Describe(ca), ca.NotAfter.UTC().Format(time.RFC3339)))
	}
	if len(b.CAs) == 0 {
		names := make([]string, len(b.Expired))
		for i, ca := range b.Expired {
			names[i] = pki.Describe(ca)
		}
		resp.Diagnostics.AddAttributeError(caCertPEMsPath, "Every CA has expired",
			fmt.Sprintf("Every CA in ca_cert_pems has expired (%s): a ca.pem that trusts none would lock every client out "+
				"of every daemon. Add a CA that is valid now.", strings.Join(names, ", ")))
		return
	}
	for _, ca := range b.CAs {
		if now.Add(pki.ClockSkewAllowance).Before(ca.NotBefore) {
			resp.Diagnostics.AddAttributeWarning(caCertPEMsPath, "CA not valid yet",
				fmt.Sprintf("The CA %s is not valid until %s: until then daemons and clients refuse what it signs. Check the "+
					"clock of the host that made it.", pki.Describe(ca), ca.NotBefore.UTC().Format(time.RFC3339)))
		}
	}
	fps, d2 := types.ListValueFrom(ctx, types.StringType, b.Fingerprints())
	resp.Diagnostics.Append(d2...)
	m.BundlePEM = types.StringValue(b.PEM())
	m.Fingerprints = fps
	m.ExpiresFirst = types.StringValue(b.ExpiresFirst().UTC().Format(time.RFC3339))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
