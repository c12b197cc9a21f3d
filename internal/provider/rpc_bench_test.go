package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// BenchmarkNoChangePlan measures what the provider spends on one existing
// certificate in a no-change `terraform plan`: the three RPCs Terraform makes
// for it (ValidateResourceConfig, ReadResource, PlanResourceChange), called
// on the framework's protocol server as the gRPC server would, after
// decoding. A fleet of N hosts pays it 2N times per plan, on top of what
// Terraform itself spends (the end-to-end suite in bench/ measures both).
// Every iteration checks that the plan is empty, so a change that breaks
// the no-change plan cannot pass for a faster one.
func BenchmarkNoChangePlan(b *testing.B) {
	for _, typeName := range []string{"dockertls_server_cert", "dockertls_client_cert"} {
		b.Run(typeName, func(b *testing.B) {
			rpc := newRPCFixture(b)
			leaf := rpc.leaf(typeName)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				rpc.noChangePlan(ctx, leaf)
			}
		})
	}
}

// rpcFixture is a configured provider behind its protocol 6 interface, with
// a CA created through it.
type rpcFixture struct {
	tb      testing.TB
	server  tfprotov6.ProviderServer
	schemas *tfprotov6.GetProviderSchemaResponse
	caCert  string
	caKey   string
}

// rpcInstance is one resource instance as Terraform holds it between RPCs.
type rpcInstance struct {
	typeName string
	typ      tftypes.Object
	config   *tfprotov6.DynamicValue
	state    *tfprotov6.DynamicValue
}

func newRPCFixture(tb testing.TB) *rpcFixture {
	tb.Helper()
	return newRPCFixtureOn(tb, New("bench")())
}

// newRPCFixtureOn is newRPCFixture on a given protocol server.
func newRPCFixtureOn(tb testing.TB, server tfprotov6.ProviderServer) *rpcFixture {
	tb.Helper()
	ctx := context.Background()
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(rpcDiags(schemas.Diagnostics)) > 0 {
		tb.Fatalf("GetProviderSchema: %v %v", err, rpcDiags(schemas.Diagnostics))
	}
	providerType := schemas.Provider.ValueType()
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		Config: rpcDynamic(tb, providerType, tftypes.NewValue(providerType, nil)),
	})
	if err != nil || len(rpcDiags(configured.Diagnostics)) > 0 {
		tb.Fatalf("ConfigureProvider: %v %v", err, rpcDiags(configured.Diagnostics))
	}
	f := &rpcFixture{tb: tb, server: server, schemas: schemas}
	ca := f.create("dockertls_ca", map[string]tftypes.Value{"key_algorithm": tftypes.NewValue(tftypes.String, "ECDSA_P256")})
	attrs := f.attributes(ca.typ, ca.state)
	if err := attrs["cert_pem"].As(&f.caCert); err != nil {
		tb.Fatal(err)
	}
	if err := attrs["private_key_pem"].As(&f.caKey); err != nil {
		tb.Fatal(err)
	}
	return f
}

// leaf creates a server or client certificate signed by the fixture's CA
// with its certificate and key given write-only, as the docs recommend for
// fleets.
func (f *rpcFixture) leaf(typeName string) rpcInstance {
	set := map[string]tftypes.Value{
		"key_algorithm":         tftypes.NewValue(tftypes.String, "ECDSA_P256"),
		"ca_cert_pem_wo":        tftypes.NewValue(tftypes.String, f.caCert),
		"ca_private_key_pem_wo": tftypes.NewValue(tftypes.String, f.caKey),
	}
	if typeName == "dockertls_server_cert" {
		stringList := tftypes.List{ElementType: tftypes.String}
		set["dns_names"] = tftypes.NewValue(stringList, []tftypes.Value{tftypes.NewValue(tftypes.String, "host0.example.com")})
		set["ip_addresses"] = tftypes.NewValue(stringList, []tftypes.Value{tftypes.NewValue(tftypes.String, "10.0.0.1")})
	} else {
		set["common_name"] = tftypes.NewValue(tftypes.String, "client0")
	}
	return f.create(typeName, set)
}

// create plans and applies a new instance whose configuration sets the
// given attributes (every other one null), as Terraform would.
func (f *rpcFixture) create(typeName string, set map[string]tftypes.Value) rpcInstance {
	tb := f.tb
	tb.Helper()
	ctx := context.Background()
	typ := f.schemas.ResourceSchemas[typeName].ValueType().(tftypes.Object)
	attrs := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, t := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(t, nil)
	}
	for name, v := range set {
		attrs[name] = v
	}
	config := rpcDynamic(tb, typ, tftypes.NewValue(typ, attrs))
	null := rpcDynamic(tb, typ, tftypes.NewValue(typ, nil))
	plan, err := f.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: typeName, PriorState: null, Config: config, ProposedNewState: f.withoutWriteOnly(typeName, typ, config),
	})
	if err != nil || len(rpcDiags(plan.Diagnostics)) > 0 {
		tb.Fatalf("PlanResourceChange %s: %v %v", typeName, err, rpcDiags(plan.Diagnostics))
	}
	applied, err := f.server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: typeName, PriorState: null, PlannedState: plan.PlannedState, Config: config,
	})
	if err != nil || len(rpcDiags(applied.Diagnostics)) > 0 {
		tb.Fatalf("ApplyResourceChange %s: %v %v", typeName, err, rpcDiags(applied.Diagnostics))
	}
	return rpcInstance{typeName: typeName, typ: typ, config: config, state: applied.NewState}
}

// noChangePlan makes the RPCs of a no-change plan for one instance and
// fails unless the plan keeps the state as it is.
func (f *rpcFixture) noChangePlan(ctx context.Context, in rpcInstance) {
	tb := f.tb
	validated, err := f.server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
		TypeName: in.typeName, Config: in.config,
		ClientCapabilities: &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: true},
	})
	if err != nil || len(rpcDiags(validated.Diagnostics)) > 0 {
		tb.Fatalf("ValidateResourceConfig: %v %v", err, rpcDiags(validated.Diagnostics))
	}
	read, err := f.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: in.typeName, CurrentState: in.state})
	if err != nil || len(rpcDiags(read.Diagnostics)) > 0 {
		tb.Fatalf("ReadResource: %v %v", err, rpcDiags(read.Diagnostics))
	}
	// With nothing configured changed, the proposed new state is the
	// refreshed state (write-only attributes are null in both).
	plan, err := f.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: in.typeName, PriorState: read.NewState, Config: in.config, ProposedNewState: read.NewState,
	})
	if err != nil || len(rpcDiags(plan.Diagnostics)) > 0 {
		tb.Fatalf("PlanResourceChange: %v %v", err, rpcDiags(plan.Diagnostics))
	}
	if len(plan.RequiresReplace) > 0 {
		tb.Fatalf("no-change plan requires replacement at %v", plan.RequiresReplace)
	}
	planned, err := plan.PlannedState.Unmarshal(in.typ)
	if err != nil {
		tb.Fatal(err)
	}
	prior, err := read.NewState.Unmarshal(in.typ)
	if err != nil {
		tb.Fatal(err)
	}
	if !planned.Equal(prior) {
		tb.Fatalf("no-change plan changes the state:\n%v\nto\n%v", prior, planned)
	}
}

// withoutWriteOnly returns config with its write-only attributes null, as
// Terraform proposes a new state.
func (f *rpcFixture) withoutWriteOnly(typeName string, typ tftypes.Object, config *tfprotov6.DynamicValue) *tfprotov6.DynamicValue {
	attrs := f.attributes(typ, config)
	for _, a := range f.schemas.ResourceSchemas[typeName].Block.Attributes {
		if a.WriteOnly {
			attrs[a.Name] = tftypes.NewValue(typ.AttributeTypes[a.Name], nil)
		}
	}
	return rpcDynamic(f.tb, typ, tftypes.NewValue(typ, attrs))
}

func (f *rpcFixture) attributes(typ tftypes.Object, v *tfprotov6.DynamicValue) map[string]tftypes.Value {
	f.tb.Helper()
	val, err := v.Unmarshal(typ)
	if err != nil {
		f.tb.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := val.As(&attrs); err != nil {
		f.tb.Fatal(err)
	}
	return attrs
}

func rpcDynamic(tb testing.TB, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	tb.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		tb.Fatal(err)
	}
	return &dv
}

func rpcDiags(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "\n%v: %s: %s (%v)", d.Severity, d.Summary, d.Detail, d.Attribute)
	}
	return b.String()
}
