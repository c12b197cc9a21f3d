// Command floorprovider is the benchmark suite's plugin floors: the cheapest
// provider that can be built on terraform-plugin-framework. Its resource
// floor_padded stores its input and a copy of it (as terraform_data stores
// input and output) and does nothing else: no checks, no plan logic, an
// empty Read. Measured beside the padded terraform_data floor with the same
// bytes per instance, it shows what any plugin pays on top of Terraform
// (start-up, a gRPC round trip per RPC, the framework's handling of every
// request). floor_wide is the same with wideExtra more string attributes,
// as many attributes as a dockertls certificate has: Terraform and the
// framework both work per attribute, so beside it what is left of
// dockertls's figures is its logic alone. Built and run only by the suite.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"runtime/debug"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

type floorProvider struct{}

func (floorProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "floor"
}
func (floorProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}
func (floorProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}
func (floorProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
func (floorProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		func() resource.Resource { return padded{} },
		func() resource.Resource { return wide{} },
	}
}

type padded struct{}

type paddedModel struct {
	Input  types.String `tfsdk:"input"`
	Output types.String `tfsdk:"output"`
}

func (padded) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "floor_padded"
}

func (padded) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"input":  schema.StringAttribute{Required: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"output": schema.StringAttribute{Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
	}}
}

func (padded) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m paddedModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	m.Output = m.Input
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (padded) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (padded) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
}

func (padded) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// wideExtra makes floor_wide's attribute count 18 (input, output and these),
// between dockertls_client_cert's 17 and dockertls_server_cert's 19.
const wideExtra = 16

// wide is floor_padded with wideExtra optional string attributes a0, a1...,
// stored as given. It works on the raw values: no model to keep in step
// with a generated schema.
type wide struct{}

func (wide) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "floor_wide"
}

func (wide) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	padded{}.Schema(ctx, req, resp)
	for i := range wideExtra {
		resp.Schema.Attributes[fmt.Sprintf("a%d", i)] = schema.StringAttribute{Optional: true}
	}
}

func (wide) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var input types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("input"), &input)...)
	resp.State.Raw = req.Plan.Raw
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("output"), input)...)
}

func (wide) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (wide) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
}

func (wide) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// The garbage collector's settings of dockertls's main (GOGC 400, a 512 MiB
// soft memory limit), each unless the environment sets its variable: a floor
// at Go's default would spend on collection what ours does not.
// TestPluginFloorsCollectGarbageAsOursDoes holds the two together.
const (
	gcPercent   = 400
	memoryLimit = 512 << 20
)

func main() {
	// As dockertls's main does when no TF_LOG* is set: the SDK's loggers off.
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		if err := os.Setenv(name, "OFF"); err != nil {
			log.Fatal(err)
		}
	}
	setGC := map[string]func(){
		"GOGC":       func() { debug.SetGCPercent(gcPercent) },
		"GOMEMLIMIT": func() { debug.SetMemoryLimit(memoryLimit) },
	}
	for _, kv := range os.Environ() {
		if name, value, _ := strings.Cut(kv, "="); value != "" {
			delete(setGC, name)
		}
	}
	for _, set := range setGC {
		set()
	}
	err := providerserver.Serve(context.Background(), func() provider.Provider { return floorProvider{} },
		providerserver.ServeOpts{Address: "registry.terraform.io/dockertls/floor"})
	if err != nil {
		log.Fatal(err)
	}
}
