package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/dockertls/terraform-provider-dockertls/internal/clock"
)

// TestCertificateInputsDescribeTheRule: every attribute that takes
// certificates says what its text may hold, in the same words, so the docs
// cannot drift from what the plan refuses. Write-only twins refer to their
// stored attribute.
func TestCertificateInputsDescribeTheRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inputs := map[string]bool{"ca_cert_pem": true, "server_cert_pem": true, "client_cert_pem": true, "ca_cert_pems": true}
	type attribute interface {
		GetMarkdownDescription() string
		IsComputed() bool
	}
	described := map[string]map[string]attribute{}
	p := newWithClock("test", clock.System{})().(*dockerTLSProvider)
	for _, f := range p.Resources(ctx) {
		r := f()
		var m resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "dockertls"}, &m)
		var s resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &s)
		described["resource "+m.TypeName] = map[string]attribute{}
		for name, a := range s.Schema.Attributes {
			described["resource "+m.TypeName][name] = a
		}
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var m datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "dockertls"}, &m)
		var s datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &s)
		described["data source "+m.TypeName] = map[string]attribute{}
		for name, a := range s.Schema.Attributes {
			described["data source "+m.TypeName][name] = a
		}
	}
	for _, f := range p.EphemeralResources(ctx) {
		e := f()
		var m ephemeral.MetadataResponse
		e.Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "dockertls"}, &m)
		var s ephemeral.SchemaResponse
		e.Schema(ctx, ephemeral.SchemaRequest{}, &s)
		described["ephemeral resource "+m.TypeName] = map[string]attribute{}
		for name, a := range s.Schema.Attributes {
			described["ephemeral resource "+m.TypeName][name] = a
		}
	}
	checked := 0
	for kind, attrs := range described {
		for name, a := range attrs {
			switch {
			case inputs[name] && !a.IsComputed():
				checked++
				if !strings.Contains(a.GetMarkdownDescription(), certificateTextRule) {
					t.Errorf("%s: %s does not describe what a certificate text may hold", kind, name)
				}
			case inputs[strings.TrimSuffix(name, "_wo")] && !a.IsComputed():
				if d := a.GetMarkdownDescription(); !strings.Contains(d, "with the same checks") && !strings.Contains(d, "The same as `ca_cert_pem`") {
					t.Errorf("%s: %s does not refer to the rule of %s", kind, name, strings.TrimSuffix(name, "_wo"))
				}
			}
		}
	}
	// ca_cert_pem of four resources and three data sources and the
	// ephemeral resource, server_cert_pem, client_cert_pem of two data
	// sources, ca_cert_pems.
	if checked < 12 {
		t.Errorf("checked %d certificate inputs: the provider has more", checked)
	}
}
