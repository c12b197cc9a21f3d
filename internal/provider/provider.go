package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/dockertls/terraform-provider-dockertls/internal/clock"
)

var (
	_ provider.Provider                       = (*dockerTLSProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*dockerTLSProvider)(nil)
)

type dockerTLSProvider struct {
	version string
	clock   clock.Clock
}

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	clock clock.Clock
}

// newWithClock is the framework provider, with the clock its resources
// read (tests move it). It is served only inside the provider's protocol
// server (New), never alone: the bulk resources have no life cycle
// without that server's fast path.
func newWithClock(version string, clk clock.Clock) func() provider.Provider {
	return func() provider.Provider {
		return &dockerTLSProvider{version: version, clock: clk}
	}
}

func (p *dockerTLSProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "dockertls"
	resp.Version = p.version
}

func (p *dockerTLSProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The `dockertls` provider makes the PKI for a Docker daemon served with " +
			"`dockerd --tlsverify` on port 2376: a CA, server certificates and client certificates, " +
			"following Docker's x509 profile, and renders the daemon's configuration. It needs no configuration and talks to no API " +
			"(the `dockertls_endpoint` data source only dials the daemon it is given, to see what it serves): " +
			"everything its resources make lives in the Terraform state, so protect the state as you would the keys. " +
			"The ephemeral client certificate is the exception: it lives for one run and is never stored.",
	}
}

func (p *dockerTLSProvider) Configure(_ context.Context, _ provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	data := &providerData{clock: p.clock}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
}

func (p *dockerTLSProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewCAResource,
		NewServerCertResource,
		NewClientCertResource,
		NewServerCertsResource,
		NewClientCertsResource,
	}
}

func (p *dockerTLSProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewDaemonConfigDataSource,
		NewClientConfigDataSource,
		NewEndpointDataSource,
		NewCABundleDataSource,
	}
}

func (p *dockerTLSProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewClientCertEphemeralResource,
	}
}
