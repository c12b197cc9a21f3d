package provider

import (
	"context"
	"maps"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var (
	_ resource.ResourceWithConfigure      = (*certificateResource[serverCertModel, *serverCertModel])(nil)
	_ resource.ResourceWithModifyPlan     = (*certificateResource[serverCertModel, *serverCertModel])(nil)
	_ resource.ResourceWithValidateConfig = (*certificateResource[serverCertModel, *serverCertModel])(nil)
)

type serverCertModel struct {
	leafModel
	DNSNames    types.List `tfsdk:"dns_names"`
	IPAddresses types.List `tfsdk:"ip_addresses"`
}

type serverCertKind struct{}

// NewServerCertResource is the dockertls_server_cert resource.
func NewServerCertResource() resource.Resource {
	return &certificateResource[serverCertModel, *serverCertModel]{kind: serverCertKind{}}
}

func (serverCertKind) typeNameSuffix() string        { return "_server_cert" }
func (serverCertKind) defaults() certificateDefaults { return leafDefaults }

func (serverCertKind) schema() schema.Schema {
	commonName := schema.StringAttribute{
		MarkdownDescription: "Common name (CN) of the certificate's subject. Defaults to the first of `dns_names`, " +
			"else the first of `ip_addresses`. Clients ignore it when checking the host: only the SANs count. " +
			"Changing it issues a new certificate.",
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{stringvalidator.LengthBetween(1, 64)},
		PlanModifiers: []planmodifier.String{
			stringplanmodifier.UseStateForUnknown(),
			stringplanmodifier.RequiresReplace(),
		},
	}
	sans := map[string]schema.Attribute{
		"dns_names": schema.ListAttribute{
			MarkdownDescription: "DNS subjectAltNames: the host names clients dial, as in `DOCKER_HOST=tcp://NAME:2376`. " +
				"A leading `*.` wildcard is allowed. At least one DNS name or IP address is required. Changing it issues a new certificate.",
			ElementType: types.StringType,
			Optional:    true,
			Validators: []validator.List{
				listvalidator.UniqueValues(),
				listvalidator.ValueStringsAre(dnsNameValidator()),
			},
			PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
		},
		"ip_addresses": schema.ListAttribute{
			MarkdownDescription: "IP subjectAltNames (IPv4 or IPv6): the addresses clients dial. Go clients, the docker " +
				"CLI among them, refuse an address that is only in the common name. Changing it issues a new certificate.",
			ElementType: types.StringType,
			Optional:    true,
			Validators: []validator.List{
				listvalidator.UniqueValues(),
				listvalidator.ValueStringsAre(ipAddressValidator()),
			},
			PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
		},
	}
	maps.Copy(sans, issuerAttributes())
	return certificateSchema(
		"A server certificate (extendedKeyUsage serverAuth) for `dockerd --tlsverify`, signed by a CA that the clients "+
			"trust. Its subjectAltNames must cover every name and address clients dial. The daemon's files are "+
			"`ca.pem`, `server-cert.pem` and `server-key.pem`.",
		leafDefaults, commonName, sans)
}

// subjectAltNames reads the SAN lists. known is false while either list, or
// any element, is unknown.
func (m *serverCertModel) subjectAltNames(ctx context.Context) (dnsNames, ips []string, known bool, diags diag.Diagnostics) {
	for _, l := range []struct {
		list types.List
		dst  *[]string
	}{{m.DNSNames, &dnsNames}, {m.IPAddresses, &ips}} {
		if l.list.IsUnknown() {
			return nil, nil, false, diags
		}
		var elems []types.String
		diags.Append(l.list.ElementsAs(ctx, &elems, false)...)
		for _, e := range elems {
			if e.IsUnknown() {
				return nil, nil, false, diags
			}
			*l.dst = append(*l.dst, e.ValueString())
		}
	}
	return dnsNames, ips, true, diags
}

func (serverCertKind) validateConfig(ctx context.Context, m *serverCertModel, diags *diag.Diagnostics) {
	m.validateIssuer(pki.ProfileServer, diags)
	dnsNames, ips, known, d := m.subjectAltNames(ctx)
	diags.Append(d...)
	if known && len(dnsNames) == 0 && len(ips) == 0 {
		diags.AddAttributeError(path.Root("dns_names"), "Server certificate without subjectAltNames",
			pki.ErrNoSubjectAltNames.Error()+". Set dns_names, ip_addresses or both.")
	}
}

func (serverCertKind) modifyPlan(ctx context.Context, m, config *serverCertModel, creating bool, now time.Time, diags *diag.Diagnostics) {
	if m.CommonName.IsUnknown() {
		dnsNames, ips, known, d := m.subjectAltNames(ctx)
		diags.Append(d...)
		switch {
		case !known:
		case len(dnsNames) > 0:
			m.CommonName = types.StringValue(dnsNames[0])
		case len(ips) > 0:
			m.CommonName = types.StringValue(ips[0])
		}
	}
	if creating {
		m.withConfigKey(&config.leafModel).checkNewLeaf(pki.ProfileServer, now, diags)
	} else {
		m.checkLeaf(now, diags)
	}
}

func (serverCertKind) issue(ctx context.Context, m, config *serverCertModel, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	dnsNames, ips, _, d := m.subjectAltNames(ctx)
	diags.Append(d...)
	req := m.request(pki.ProfileServer)
	req.DNSNames = dnsNames
	for _, s := range ips {
		ip, err := pki.ParseIPAddress(s)
		if err != nil {
			diags.AddAttributeError(path.Root("ip_addresses"), "Invalid IP address", err.Error())
			return nil
		}
		req.IPAddresses = append(req.IPAddresses, ip)
	}
	return m.withConfigKey(&config.leafModel).issueLeaf(req, now, diags)
}
