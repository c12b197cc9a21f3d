package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
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

// dockertls_server_cert: a server certificate for dockerd --tlsverify,
// signed by a CA the clients trust. Its story, in the order Terraform tells
// it:
//   - schema: the attributes every certificate resource has
//     (certificateSchema, certificate_schema.go), the signing CA's
//     (signingCAAttributes, signing_ca.go), and the names below;
//   - validate: the renewal window (validateRenewalWindow,
//     certificate_model.go, called by the shared life cycle in
//     certificate_lifecycle.go), the signing CA, and the names
//     (validateConfig);
//   - plan: the derived common name, the CA's fingerprint and expiry
//     (planNewLeaf, planStoredLeaf: leaf.go, ca_expiry.go), and renewal
//     (planRenewal, renewal.go) (modifyPlan);
//   - create: the names and the CA make the request, the CA signs it
//     (issue);
//   - read and update: the shared life cycle re-judges ready_for_renewal
//     (dueNow, renewal.go); delete forgets.
// dockertls_server_certs issues many of these and runs the same name checks
// (checkServerNames, serverNamesRequest) on each entry.

var (
	_ resource.ResourceWithConfigure      = (*certificateResource[serverCertModel, *serverCertModel])(nil)
	_ resource.ResourceWithModifyPlan     = (*certificateResource[serverCertModel, *serverCertModel])(nil)
	_ resource.ResourceWithValidateConfig = (*certificateResource[serverCertModel, *serverCertModel])(nil)
)

type serverCertModel struct {
	certificateModel
	signingCA
	CACertFingerprintSHA256 types.String `tfsdk:"ca_cert_fingerprint_sha256"`
	DNSNames                types.List   `tfsdk:"dns_names"`
	IPAddresses             types.List   `tfsdk:"ip_addresses"`
}

func (m *serverCertModel) caFingerprintAttr() *types.String { return &m.CACertFingerprintSHA256 }

// serverCertSpec is what a server certificate adds to the shared life cycle.
type serverCertSpec struct{}

// NewServerCertResource is the dockertls_server_cert resource.
func NewServerCertResource() resource.Resource {
	return &certificateResource[serverCertModel, *serverCertModel]{spec: serverCertSpec{}}
}

func (serverCertSpec) typeNameSuffix() string        { return "_server_cert" }
func (serverCertSpec) defaults() certificateDefaults { return leafDefaults }

func (serverCertSpec) schema() schema.Schema {
	commonName := schema.StringAttribute{
		MarkdownDescription: fmt.Sprintf("Common name (CN) of the certificate's subject: 1 to %d %s. Defaults to the first of `dns_names` that is at most %d characters long, else the first of "+
			"`ip_addresses`; when every DNS name is longer and there is no IP address, set it. Removing it from the "+
			"configuration derives it again. Clients ignore it when checking the host: only the SANs count. "+
			"Changing it issues a new certificate.", maxSubjectText, visibleCharacters, maxSubjectText),
		Optional:   true,
		Computed:   true,
		Validators: subjectTextValidators(),
		// The derived value is planned by modifyPlan, which also replaces the
		// certificate when it changes.
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured()},
	}
	sans := map[string]schema.Attribute{
		"dns_names": schema.ListAttribute{
			MarkdownDescription: "DNS subjectAltNames: the host names clients dial, as in `DOCKER_HOST=tcp://NAME:2376`. " +
				"A leading `*.` wildcard is allowed; internationalised names go in their punycode (`xn--`) form. At least one DNS " +
				"name or IP address is required, and at most " + strconv.Itoa(pki.MaxSubjectAltNames) + " DNS names and IP addresses together, " +
				"which keeps the certificate far below the 64 KiB handshake limit of Go's TLS. Changing it issues a new certificate.",
			ElementType: types.StringType,
			Optional:    true,
			Validators: []validator.List{
				noNullElements{},
				uniqueStrings{},
				listvalidator.ValueStringsAre(dnsNameValidator()),
			},
			PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
		},
		"ip_addresses": schema.ListAttribute{
			MarkdownDescription: "IP subjectAltNames (IPv4 or IPv6): the addresses clients dial. Go clients, the docker " +
				"CLI among them, refuse an address that is only in the common name. No IPv6 zone (`%eth0`). `0.0.0.0` and `::` " +
				"draw a warning: no client dials them. Changing it issues a new certificate.",
			ElementType: types.StringType,
			Optional:    true,
			Validators: []validator.List{
				noNullElements{},
				uniqueStrings{},
				listvalidator.ValueStringsAre(ipAddressValidator(), unspecifiedAddressWarning()),
			},
			PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
		},
	}
	maps.Copy(sans, signingCAAttributes())
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
			switch {
			case e.IsUnknown():
				return nil, nil, false, diags
			case e.IsNull(): // refused by the attribute's validators
			default:
				*l.dst = append(*l.dst, e.ValueString())
			}
		}
	}
	return dnsNames, ips, true, diags
}

func (serverCertSpec) validateConfig(ctx context.Context, m *serverCertModel, diags *diag.Diagnostics) {
	m.validateManaged(pki.ProfileServer, diags)
	if !m.DNSNames.IsUnknown() && !m.IPAddresses.IsUnknown() {
		checkSANCount(len(m.DNSNames.Elements())+len(m.IPAddresses.Elements()), rootSANPaths, diags)
	}
	dnsNames, ips, known, d := m.subjectAltNames(ctx)
	diags.Append(d...)
	if known {
		checkServerNames(dnsNames, ips, !m.CommonName.IsNull(), rootSANPaths, diags)
	}
}

// sanPaths are where a server certificate's names are configured: the
// resource's own attributes, or one entry of dockertls_server_certs' hosts.
// The checks below take plain values and these paths, so both resources run
// the same checks and each diagnostic names the attribute at fault.
type sanPaths struct{ dnsNames, ipAddresses, commonName path.Path }

// sanPathsAt are the names' paths under base.
func sanPathsAt(base path.Path) sanPaths {
	return sanPaths{dnsNames: base.AtName("dns_names"), ipAddresses: base.AtName("ip_addresses"), commonName: base.AtName("common_name")}
}

// rootSANPaths are dockertls_server_cert's own attributes.
var rootSANPaths = sanPathsAt(path.Empty())

// checkSANCount refuses more than pki.MaxSubjectAltNames names and
// addresses; n counts them before their values are known.
func checkSANCount(n int, at sanPaths, diags *diag.Diagnostics) {
	if n > pki.MaxSubjectAltNames {
		diags.AddAttributeError(at.dnsNames, "Too many subjectAltNames",
			fmt.Sprintf("%s and %s hold %d entries together. %s.", at.dnsNames, at.ipAddresses, n, capitalize(pki.ErrTooManySubjectAltNames.Error())))
	}
}

// checkServerNames checks a server certificate's known names: at least one
// subjectAltName, and one that can be the common name unless it is set.
// The attribute validators have checked each name.
func checkServerNames(dnsNames, ips []string, commonNameSet bool, at sanPaths, diags *diag.Diagnostics) {
	if len(dnsNames) == 0 && len(ips) == 0 {
		diags.AddAttributeError(at.dnsNames, "Server certificate without subjectAltNames",
			fmt.Sprintf("%s. Set %s, %s or both.", pki.ErrNoSubjectAltNames, at.dnsNames, at.ipAddresses))
	}
	if !commonNameSet {
		if _, err := deriveCommonName(dnsNames, ips); err != nil {
			diags.AddAttributeError(at.commonName, "No default common name", noCommonNameDetail(at))
		}
	}
}

// serverNamesRequest adds a server certificate's names to req: the
// subjectAltNames, and the common name derived from them unless it is set.
// It reports whether they were usable.
func serverNamesRequest(req *pki.Request, dnsNames, ips []string, at sanPaths, diags *diag.Diagnostics) bool {
	req.DNSNames = dnsNames
	for _, s := range ips {
		ip, err := pki.ParseIPAddress(s)
		if err != nil {
			diags.AddAttributeError(at.ipAddresses, "Invalid IP address", err.Error())
			return false
		}
		req.IPAddresses = append(req.IPAddresses, ip)
	}
	if req.CommonName == "" {
		cn, err := deriveCommonName(dnsNames, ips)
		if err != nil {
			diags.AddAttributeError(at.commonName, "No default common name", noCommonNameDetail(at))
			return false
		}
		req.CommonName = cn
	}
	return true
}

// deriveCommonName is the default common name: the first DNS name short
// enough for a common name, else the first IP address ("" without SANs).
func deriveCommonName(dnsNames, ips []string) (string, error) {
	for _, n := range dnsNames {
		if utf8.RuneCountInString(n) <= maxSubjectText {
			return n, nil
		}
	}
	if len(ips) > 0 {
		return ips[0], nil
	}
	if len(dnsNames) > 0 {
		return "", errNoCommonName
	}
	return "", nil
}

// errNoCommonName: every DNS name is too long for a common name and there
// is no IP address. noCommonNameDetail words it with the attributes' paths.
var errNoCommonName = errors.New("no subjectAltName fits in a common name")

func noCommonNameDetail(at sanPaths) string {
	return fmt.Sprintf("%s defaults to the first of %s that is at most %d characters long, the most a common name may "+
		"hold, but every DNS name is longer. Set %s to a shorter name: clients check the DNS names, not the common name.",
		at.commonName, at.dnsNames, maxSubjectText, at.commonName)
}

// modifyPlan derives the common name whenever the configuration leaves it
// out, so removing an explicit value plans the derived one again; the CA's
// part is the same as any managed leaf's.
func (serverCertSpec) modifyPlan(ctx context.Context, m, config, state *serverCertModel, now time.Time, diags *diag.Diagnostics) []path.Path {
	if config.CommonName.IsNull() {
		m.CommonName = types.StringUnknown()
		dnsNames, ips, known, d := m.subjectAltNames(ctx)
		diags.Append(d...)
		if cn, err := deriveCommonName(dnsNames, ips); known && err == nil && cn != "" {
			m.CommonName = types.StringValue(cn)
		}
	}
	if state == nil {
		planNewLeaf(pki.ProfileServer, m, config, now, diags)
		return nil
	}
	return planStoredLeaf(m, config, state, now, diags)
}

func (serverCertSpec) issue(ctx context.Context, m, config *serverCertModel, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	dnsNames, ips, _, d := m.subjectAltNames(ctx)
	diags.Append(d...)
	req := m.request(pki.ProfileServer)
	if !serverNamesRequest(&req, dnsNames, ips, rootSANPaths, diags) {
		return nil
	}
	return issueLeaf(req, m, config, now, diags)
}
