package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var _ resource.ResourceWithValidateConfig = (*bulkResource[serverCertsModel, *serverCertsModel])(nil)

type serverCertsModel struct {
	bulkModel
	Hosts tftypes.Value `tfsdk:"hosts"`
}

func (m *serverCertsModel) bulk() *bulkModel       { return &m.bulkModel }
func (m *serverCertsModel) entries() tftypes.Value { return m.Hosts }

type serverCertsSpec struct{}

// NewServerCertsResource is the dockertls_server_certs resource.
func NewServerCertsResource() resource.Resource {
	return &bulkResource[serverCertsModel, *serverCertsModel]{spec: serverCertsSpec{}}
}

func (serverCertsSpec) typeNameSuffix() string { return "_server_certs" }
func (serverCertsSpec) profile() pki.Profile   { return pki.ProfileServer }
func (serverCertsSpec) entriesPath() path.Path { return path.Root("hosts") }

func (serverCertsSpec) schema() schema.Schema {
	return bulkSchema(
		"Server certificates (extendedKeyUsage serverAuth) for many `dockerd --tlsverify` hosts in one resource, "+
			"one per entry of `hosts`, all signed by one CA: the same certificates as `dockertls_server_cert`, with the "+
			"same checks, at a fraction of Terraform's cost per host in a large fleet. Adding, removing or changing an "+
			"entry, and renewing one, is an in-place update that issues that entry alone; every other entry keeps its "+
			"certificate and key byte for byte. The daemon's files are `ca.pem`, `server-cert.pem` (`certs[NAME].cert_pem`) "+
			"and `server-key.pem` (`private_keys[NAME]`).",
		"hosts",
		schema.MapNestedAttribute{
			MarkdownDescription: "The daemons, by a name of your choice (a host name, an inventory key): each entry is " +
				"one server certificate. Changing an entry issues that entry's certificate and key again; the others keep " +
				"theirs. An empty map is allowed and issues nothing.",
			Required: true,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"dns_names": schema.ListAttribute{
					MarkdownDescription: "DNS subjectAltNames: the host names clients dial, as in `DOCKER_HOST=tcp://NAME:2376`. " +
						"A leading `*.` wildcard is allowed; internationalised names go in their punycode (`xn--`) form. At least one " +
						"DNS name or IP address is required, and at most " + strconv.Itoa(pki.MaxSubjectAltNames) + " DNS names and " +
						"IP addresses together.",
					ElementType: types.StringType,
					Optional:    true,
				},
				"ip_addresses": schema.ListAttribute{
					MarkdownDescription: "IP subjectAltNames (IPv4 or IPv6): the addresses clients dial. Go clients, the docker " +
						"CLI among them, refuse an address that is only in the common name. No IPv6 zone (`%eth0`). `0.0.0.0` and " +
						"`::` draw a warning: no client dials them.",
					ElementType: types.StringType,
					Optional:    true,
				},
				"common_name": schema.StringAttribute{
					MarkdownDescription: "Common name (CN) of the certificate's subject: 1 to 64 " + visibleCharacters + ". When not set, the first of `dns_names` that is at most 64 characters long, else the first " +
						"of `ip_addresses`; when every DNS name is longer and there is no IP address, set it. Clients ignore it " +
						"when checking the host: only the SANs count.",
					Optional: true,
				},
			}},
		})
}

// hostValidators are dockertls_server_cert's attribute validators, run on
// each entry by checkEntry (see entryValidators).
var hostValidators = entryValidators{
	lists: map[string][]validator.List{
		"dns_names":    {noNullElements{}, uniqueStrings{}, listvalidator.ValueStringsAre(dnsNameValidator())},
		"ip_addresses": {noNullElements{}, uniqueStrings{}, listvalidator.ValueStringsAre(ipAddressValidator(), unspecifiedAddressWarning())},
	},
	strings: map[string][]validator.String{"common_name": subjectTextValidators()},
}

// hostNames reads one entry's SAN lists and whether its common name is set
// (unknown counts as set: a value is coming).
func hostNames(attrs map[string]tftypes.Value) (dnsNames, ips []string, n int, known, commonNameSet bool) {
	dnsNames, nDNS, dnsKnown := stringList(attrs["dns_names"])
	ips, nIPs, ipsKnown := stringList(attrs["ip_addresses"])
	n = -1
	if nDNS >= 0 && nIPs >= 0 {
		n = nDNS + nIPs
	}
	return dnsNames, ips, n, dnsKnown && ipsKnown, !attrs["common_name"].IsNull()
}

// checkEntry runs dockertls_server_cert's checks of its names on one host.
func (serverCertsSpec) checkEntry(ctx context.Context, _ string, attrs map[string]tftypes.Value, at path.Path, diags *diag.Diagnostics) {
	hostValidators.run(ctx, attrs, at, diags)
	dnsNames, ips, n, known, commonNameSet := hostNames(attrs)
	paths := sanPathsAt(at)
	if n >= 0 {
		checkSANCount(n, paths, diags)
	}
	if known {
		checkServerNames(dnsNames, ips, commonNameSet, paths, diags)
	}
}

func (serverCertsSpec) entryRequest(_ string, attrs map[string]tftypes.Value, at path.Path, req *pki.Request, diags *diag.Diagnostics) bool {
	dnsNames, ips, _, _, _ := hostNames(attrs)
	req.CommonName, _ = knownString(attrs["common_name"])
	return serverNamesRequest(req, dnsNames, ips, sanPathsAt(at), diags)
}

// checkEntries warns about a name that several hosts' certificates cover:
// a client that dials it accepts whichever of those daemons answers, which
// is right behind a load balancer and a copy-paste mistake anywhere else.
// Names are compared as clients compare them: DNS names without regard to
// case and a wildcard as covering one label, IP addresses by value.
func (serverCertsSpec) checkEntries(entries map[string]tftypes.Value, diags *diag.Diagnostics) {
	holders, dns := map[string][]string{}, map[string]bool{}
	for _, name := range sortedKeys(entries) {
		attrs, ok := objectAttrs(entries[name])
		if !ok {
			continue
		}
		dnsNames, ips, _, _, _ := hostNames(attrs)
		dnsKeys := sanKeys(dnsNames, nil)
		for _, san := range append(dnsKeys, sanKeys(nil, ips)...) {
			if h := holders[san]; len(h) == 0 || h[len(h)-1] != name {
				holders[san] = append(h, name)
			}
		}
		for _, n := range dnsKeys {
			if !strings.HasPrefix(n, "*.") {
				dns[n] = true
			}
		}
	}
	// A wildcard covers one label, as clients match it: "*.example" is
	// in a certificate for b.example too.
	covered := map[string][]string{}
	for n := range dns {
		if _, parent, ok := strings.Cut(n, "."); ok {
			if w := holders["*."+parent]; len(w) > 0 {
				covered[n] = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(holders[n]), w...))))
			}
		}
	}
	maps.Copy(holders, covered)
	var shared []string
	for _, san := range slices.Sorted(maps.Keys(holders)) {
		if len(holders[san]) > 1 {
			shared = append(shared, fmt.Sprintf("%s (hosts %s)", san, listNames(holders[san])))
		}
	}
	if len(shared) == 0 {
		return
	}
	more := ""
	if len(shared) > namesInWarnings {
		more = fmt.Sprintf(" and %d more", len(shared)-namesInWarnings)
		shared = shared[:namesInWarnings]
	}
	diags.AddAttributeWarning(path.Root("hosts"), "Several hosts share a name",
		fmt.Sprintf("These subjectAltNames are in the certificates of several hosts: %s%s. A client that dials such a name "+
			"accepts whichever of those daemons answers. That is right for daemons behind one load-balanced name; "+
			"otherwise give each host its own names.", strings.Join(shared, "; "), more))
}

// sanKeys are the names of one host as a client compares them.
func sanKeys(dnsNames, ips []string) []string {
	keys := make([]string, 0, len(dnsNames)+len(ips))
	for _, n := range dnsNames {
		keys = append(keys, strings.ToLower(strings.TrimSuffix(n, ".")))
	}
	for _, s := range ips {
		if ip, err := pki.ParseIPAddress(s); err == nil {
			keys = append(keys, ip.String())
		}
	}
	return keys
}
