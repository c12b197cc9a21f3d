package provider

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var _ resource.ResourceWithValidateConfig = (*bulkResource[clientCertsModel, *clientCertsModel])(nil)

type clientCertsModel struct {
	bulkModel
	Clients tftypes.Value `tfsdk:"clients"`
}

func (m *clientCertsModel) bulk() *bulkModel       { return &m.bulkModel }
func (m *clientCertsModel) entries() tftypes.Value { return m.Clients }

type clientCertsSpec struct{}

// NewClientCertsResource is the dockertls_client_certs resource.
func NewClientCertsResource() resource.Resource {
	return &bulkResource[clientCertsModel, *clientCertsModel]{spec: clientCertsSpec{}}
}

func (clientCertsSpec) typeNameSuffix() string { return "_client_certs" }
func (clientCertsSpec) profile() pki.Profile   { return pki.ProfileClient }
func (clientCertsSpec) entriesPath() path.Path { return path.Root("clients") }

func (clientCertsSpec) schema() schema.Schema {
	return bulkSchema(
		"Client certificates (extendedKeyUsage clientAuth) for many docker CLIs or Engine API clients in one resource, "+
			"one per entry of `clients`, all signed by one CA that the daemons trust: the same certificates as "+
			"`dockertls_client_cert`, with the same checks, at a fraction of Terraform's cost per client in a large fleet. "+
			"Adding, removing or changing an entry, and renewing one, is an in-place update that issues that entry alone; "+
			"every other entry keeps its certificate and key byte for byte. The files Docker expects are `ca.pem`, "+
			"`cert.pem` (`certs[NAME].cert_pem`) and `key.pem` (`private_keys[NAME]`). Any client this CA signs is admitted "+
			"as root: keep one CA per trust domain.",
		"clients",
		schema.MapNestedAttribute{
			MarkdownDescription: "The clients, by a name of your choice: each entry is one client certificate, `{}` for " +
				"the defaults. Changing an entry issues that entry's certificate and key again; the others keep theirs. An " +
				"empty map is allowed and issues nothing.",
			Required: true,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"common_name": schema.StringAttribute{
					MarkdownDescription: fmt.Sprintf("Common name (CN) of the certificate's subject: 1 to %d %s. Defaults to the "+
						"entry's name, which must then satisfy the same rules.", maxSubjectText, visibleCharacters),
					Optional: true,
				},
				"organization": schema.StringAttribute{
					MarkdownDescription: organizationDescription,
					Optional:            true,
				},
			}},
		})
}

// clientValidators are dockertls_client_cert's attribute validators, run on
// each entry by checkEntry (see entryValidators).
var clientValidators = entryValidators{
	strings: map[string][]validator.String{"common_name": subjectTextValidators(), "organization": subjectTextValidators()},
}

// checkEntry runs dockertls_client_cert's checks on one entry, and refuses
// its name as its default common name when it could not be one.
func (clientCertsSpec) checkEntry(ctx context.Context, name string, attrs map[string]tftypes.Value, at path.Path, diags *diag.Diagnostics) {
	clientValidators.run(ctx, attrs, at, diags)
	if !attrs["common_name"].IsNull() {
		return
	}
	if err := commonNameError(name); err != nil {
		diags.AddAttributeError(at, "The entry's name cannot be its common name",
			fmt.Sprintf("%s sets no common_name, so its name %q would be the certificate's common name, but %s. "+
				"Set common_name in the entry, or rename it.", at, name, err))
	}
}

// commonNameError applies the common_name attribute's rules to a plain value.
func commonNameError(s string) error {
	if n := utf8.RuneCountInString(s); n < 1 || n > maxSubjectText {
		return fmt.Errorf("a common name holds 1 to %d characters, and this one has %d", maxSubjectText, n)
	}
	return visibleTextError(s)
}

func (clientCertsSpec) entryRequest(name string, attrs map[string]tftypes.Value, _ path.Path, req *pki.Request, _ *diag.Diagnostics) bool {
	req.CommonName = name
	if cn, ok := knownString(attrs["common_name"]); ok {
		req.CommonName = cn
	}
	req.Organization, _ = knownString(attrs["organization"])
	return true
}
