package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

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

var caBundleInputPath = path.Root("ca_cert_pems")

// rotationGuideLink is where the docs explain how a bundle is used.
const rotationGuideLink = "[Rotating the CA without locking anyone out](../guides/rotating-the-ca-without-locking-anyone-out.md)"

type caBundleModel struct {
	CACertPEMs types.List `tfsdk:"ca_cert_pems"`

	BundlePEM    types.String `tfsdk:"bundle_pem"`
	Fingerprints types.List   `tfsdk:"fingerprints"`
	ExpiresFirst types.String `tfsdk:"expires_first"`
}

func (d *caBundleDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_ca_bundle"
}

func (d *caBundleDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.configureClock(req.ProviderData, &resp.Diagnostics)
}

func (d *caBundleDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Joins several CAs into one trust bundle: a `ca.pem` holding, say, the current and the next CA, " +
			"deployed to every daemon and client so that certificates of either CA are accepted while leaves move from one " +
			"to the other. Each CA is kept once, in an order that does not depend on the order of `ca_cert_pems`; a CA that " +
			"has expired is left out with a warning. See the guide " + rotationGuideLink + ".",
		Attributes: map[string]schema.Attribute{
			"ca_cert_pems": schema.ListAttribute{
				MarkdownDescription: "The CAs to trust, at least one. Each element is a CA's certificate (`dockertls_ca`'s " +
					"`cert_pem`) or a bundle made before (one or more CA certificates, such as this data source's " +
					"`bundle_pem`), so `concat([data.dockertls_ca_bundle.old.bundle_pem], [dockertls_ca.next.cert_pem])` " +
					"works. Certificates only: a private key, any other PEM block, or a server or client certificate is " +
					"an error naming the element. This attribute is not sensitive, so never pass a key to it." + certificateTextRule,
				ElementType: types.StringType,
				Required:    true,
			},
			"bundle_pem": schema.StringAttribute{
				MarkdownDescription: "The bundle, ready to be written as `ca.pem` on daemons (`tlscacert`) and clients: every " +
					"CA of `ca_cert_pems` once (compared by fingerprint) that has not expired, as PEM certificates one after " +
					"the other, oldest start of validity first (then by fingerprint). The same CAs give the same bytes " +
					"whatever their order in `ca_cert_pems` or how often they appear.",
				Computed: true,
			},
			"fingerprints": schema.ListAttribute{
				MarkdownDescription: "The SHA-256 fingerprints of the CAs in `bundle_pem`, in the same order and in the format " +
					"of `dockertls_ca`'s `cert_fingerprint_sha256` (upper-case hex pairs joined by colons), so a `check` " +
					"block can see whether a CA is in the bundle.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"expires_first": schema.StringAttribute{
				MarkdownDescription: "When the first CA in `bundle_pem` expires, RFC 3339 in UTC (as `timestamp()` writes " +
					"it): the date by which the bundle must be rebuilt and redeployed.",
				Computed: true,
			},
		},
	}
}

// texts reads ca_cert_pems. known is false while the list or any
// element is unknown; the texts are then those known so far, with their
// indexes in indexes. An empty list or a null element is an error.
func (m *caBundleModel) texts(ctx context.Context) (texts []string, indexes []int, known bool, diags diag.Diagnostics) {
	if m.CACertPEMs.IsUnknown() {
		return nil, nil, false, nil
	}
	if m.CACertPEMs.IsNull() {
		// Required: Terraform reports a missing argument itself.
		return nil, nil, false, nil
	}
	var elems []types.String
	diags.Append(m.CACertPEMs.ElementsAs(ctx, &elems, false)...)
	if diags.HasError() {
		return nil, nil, false, diags
	}
	if len(elems) == 0 {
		diags.AddAttributeError(caBundleInputPath, "Empty CA bundle",
			"ca_cert_pems is empty: "+pki.ErrEmptyBundle.Error()+". Give at least one CA certificate, such as dockertls_ca's cert_pem.")
		return nil, nil, true, diags
	}
	known = true
	for i, e := range elems {
		switch {
		case e.IsUnknown():
			known = false
		case e.IsNull():
			diags.AddAttributeError(caBundleInputPath.AtListIndex(i), "Missing CA certificate",
				fmt.Sprintf("ca_cert_pems[%d] is null: give a CA's certificate (dockertls_ca's cert_pem) or a bundle_pem, "+
					"or leave the element out of the list (compact() drops null elements).", i))
		default:
			texts = append(texts, e.ValueString())
			indexes = append(indexes, i)
		}
	}
	return texts, indexes, known, diags
}

// caBundleAdvice is the fix for a problem with an element of ca_cert_pems.
var caBundleAdvice = pemInputAdvice{attr: "ca_cert_pems", keyFix: "Pass dockertls_ca's cert_pem, never its private_key_pem.",
	notCA: ". A trust bundle holds CAs only: pass dockertls_ca's cert_pem.", bomFile: "...pem"}

// caBundleInputDetail turns a pki error about element i into a sentence
// that names the element and the fix. pki's errors never hold the input
// text, and nothing here adds it.
func caBundleInputDetail(i int, err error) string {
	el := fmt.Sprintf("ca_cert_pems[%d]", i)
	switch {
	case errors.Is(err, pki.ErrPrivateKeyInCertificate), errors.Is(err, pki.ErrNotCA), errors.Is(err, pki.ErrByteOrderMark):
		return el + ": " + caBundleAdvice.detail(err)
	case errors.Is(err, pki.ErrNoPEMCertificate):
		return fmt.Sprintf("%s: %s. Pass a CA's certificate (dockertls_ca's cert_pem) or a bundle_pem of this data source.", el, err)
	}
	return fmt.Sprintf("%s: %s.", el, strings.TrimSuffix(err.Error(), "."))
}

func addCABundleInputError(diags *diag.Diagnostics, i int, err error) {
	diags.AddAttributeError(caBundleInputPath.AtListIndex(i), "Invalid CA certificate in ca_cert_pems", caBundleInputDetail(i, err))
}

// ValidateConfig checks every element that is known, so a bad literal
// fails the plan even while another element is made in the same run.
// (Beside an unknown element, Terraform shows ValidateConfig literals only,
// not variables' values, and defers the read to apply; Read checks every
// element again then.) Expiry depends on the clock, which the provider has only
// once it is configured: Read judges it.
func (d *caBundleDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m caBundleModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	texts, indexes, _, diags := m.texts(ctx)
	resp.Diagnostics.Append(diags...)
	for j, text := range texts {
		if _, err := pki.ParseTrustPEM(text); err != nil {
			addCABundleInputError(&resp.Diagnostics, indexes[j], err)
		}
	}
}

func (d *caBundleDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m caBundleModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	texts, indexes, known, diags := m.texts(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || !known {
		return
	}
	now := d.now()
	b, errs := pki.NewBundle(texts, now)
	for _, err := range errs {
		var in *pki.BundleInputError
		if errors.As(err, &in) {
			addCABundleInputError(&resp.Diagnostics, indexes[in.Index], in.Err)
			continue
		}
		resp.Diagnostics.AddAttributeError(caBundleInputPath, "Invalid CA bundle", err.Error())
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if !addCABundleExpiry(&resp.Diagnostics, b, now) {
		return
	}
	m.setBundle(b, &resp.Diagnostics)
	// Fingerprints only: never the inputs, which could hold a key pasted by mistake.
	tflog.Debug(ctx, "made a CA bundle", map[string]any{
		"fingerprints": b.Fingerprints(), "expired": len(b.Expired), "expires_first": m.ExpiresFirst.ValueString(),
	})
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// addCABundleExpiry warns about each CA left out because it expired and
// each CA not valid yet; a bundle with no CA left is an error, and then it
// returns false.
func addCABundleExpiry(diags *diag.Diagnostics, b *pki.Bundle, now time.Time) bool {
	rfc3339 := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	if len(b.CAs) == 0 {
		names := make([]string, len(b.Expired))
		for i, ca := range b.Expired {
			names[i] = fmt.Sprintf("%s expired at %s", pki.Describe(ca), rfc3339(ca.NotAfter))
		}
		diags.AddAttributeError(caBundleInputPath, "Every CA has expired",
			fmt.Sprintf("Every CA in ca_cert_pems has expired (it is %s): %s. A ca.pem that trusts no valid CA locks every "+
				"client out of every daemon. Add the certificate of a current CA (dockertls_ca's cert_pem).", rfc3339(now), strings.Join(names, "; ")))
		return false
	}
	for _, ca := range b.Expired {
		diags.AddAttributeWarning(caBundleInputPath, "CA left out of the bundle: expired",
			fmt.Sprintf("The CA certificate %s expired at %s and is left out of bundle_pem: clients and daemons refuse "+
				"everything it signed. Remove it from ca_cert_pems.", pki.Describe(ca), rfc3339(ca.NotAfter)))
	}
	for _, ca := range b.NotYetValid {
		diags.AddAttributeWarning(caBundleInputPath, "CA in the bundle is not valid yet",
			fmt.Sprintf("The CA certificate %s is not valid until %s (it is %s): it is kept in bundle_pem, but clients "+
				"and daemons refuse what it signs until then. Check the clock of the host that made it.",
				pki.Describe(ca), rfc3339(ca.NotBefore), rfc3339(now)))
	}
	return true
}

func (m *caBundleModel) setBundle(b *pki.Bundle, diags *diag.Diagnostics) {
	fps := b.Fingerprints()
	elems := make([]attr.Value, len(fps))
	for i, fp := range fps {
		elems[i] = types.StringValue(fp)
	}
	list, d := types.ListValue(types.StringType, elems)
	diags.Append(d...)
	m.BundlePEM = types.StringValue(b.PEM())
	m.Fingerprints = list
	m.ExpiresFirst = types.StringValue(b.ExpiresFirst().UTC().Format(time.RFC3339))
}
