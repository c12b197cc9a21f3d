package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// BenchmarkBulkCerts measures the provider's share of a fleet's commands
// with the bulk resources: 1000 server and 1000 client certificates, each
// type one resource instance. The RPCs are called on the provider's
// protocol server (New, which serves these through its fast path) as the
// gRPC server would, after decoding (the fixture of BenchmarkNoChangePlan),
// so what Terraform and gRPC add is left out; the end-to-end suite in
// bench/ measures the whole.
//
//   - create: plan and apply of a new resource (every certificate issued).
//   - no-change-plan: validate, refresh and plan, which must keep the state.
//   - reissue-10: plan and apply of a change to 10 entries, which must
//     issue those 10 and keep the other 990.
func BenchmarkBulkCerts(b *testing.B) {
	const n = 1000
	for _, typeName := range []string{"dockertls_server_certs", "dockertls_client_certs"} {
		b.Run(typeName, func(b *testing.B) {
			rpc := newRPCFixture(b)
			ctx := context.Background()
			b.Run(fmt.Sprintf("create/%d", n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					rpc.bulk(typeName, n, 0)
				}
			})
			in := rpc.bulk(typeName, n, 0)
			b.Run(fmt.Sprintf("no-change-plan/%d", n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					rpc.noChangePlan(ctx, in)
				}
			})
			b.Run(fmt.Sprintf("reissue-10/%d", n), func(b *testing.B) {
				b.ReportAllocs()
				gen := 0
				for b.Loop() {
					gen++
					in = rpc.updateBulk(in, n, gen, 10)
				}
			})
		})
	}
}

// bulkEntries is the map of n entries of a bulk resource of typ: hosts with
// a DNS name and an address each, or clients with an organization. The
// first changed entries carry gen in their names, so that successive
// generations differ in exactly those entries.
func bulkEntries(typeName string, typ tftypes.Object, n, gen, changed int) (string, tftypes.Value) {
	attr := "clients"
	if typeName == "dockertls_server_certs" {
		attr = "hosts"
	}
	mapType := typ.AttributeTypes[attr].(tftypes.Map)
	objType := mapType.ElementType.(tftypes.Object)
	stringList := tftypes.List{ElementType: tftypes.String}
	entries := make(map[string]tftypes.Value, n)
	for i := range n {
		g := 0
		if i < changed {
			g = gen
		}
		attrs := make(map[string]tftypes.Value, len(objType.AttributeTypes))
		for name, t := range objType.AttributeTypes {
			attrs[name] = tftypes.NewValue(t, nil)
		}
		if attr == "hosts" {
			attrs["dns_names"] = tftypes.NewValue(stringList, []tftypes.Value{tftypes.NewValue(tftypes.String, fmt.Sprintf("host%d-%d.example.com", i, g))})
			attrs["ip_addresses"] = tftypes.NewValue(stringList, []tftypes.Value{tftypes.NewValue(tftypes.String, fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255))})
		} else {
			attrs["organization"] = tftypes.NewValue(tftypes.String, fmt.Sprintf("team-%d", g))
		}
		entries[fmt.Sprintf("host%04d", i)] = tftypes.NewValue(objType, attrs)
	}
	return attr, tftypes.NewValue(mapType, entries)
}

// bulkSet is the configuration of a bulk resource with the fixture's CA
// given write-only.
func (f *rpcFixture) bulkSet(typeName string, n, gen, changed int) map[string]tftypes.Value {
	typ := f.schemas.ResourceSchemas[typeName].ValueType().(tftypes.Object)
	attr, entries := bulkEntries(typeName, typ, n, gen, changed)
	return map[string]tftypes.Value{
		"key_algorithm":         tftypes.NewValue(tftypes.String, "ECDSA_P256"),
		"ca_cert_pem_wo":        tftypes.NewValue(tftypes.String, f.caCert),
		"ca_private_key_pem_wo": tftypes.NewValue(tftypes.String, f.caKey),
		attr:                    entries,
	}
}

// bulk creates a bulk resource of n entries.
func (f *rpcFixture) bulk(typeName string, n, gen int) rpcInstance {
	return f.create(typeName, f.bulkSet(typeName, n, gen, 0))
}

// updateBulk plans and applies generation gen of in's configuration, in
// which the first changed entries differ from the previous generation, and
// fails unless exactly those entries get new certificates.
func (f *rpcFixture) updateBulk(in rpcInstance, n, gen, changed int) rpcInstance {
	tb := f.tb
	tb.Helper()
	ctx := context.Background()
	attrs := make(map[string]tftypes.Value, len(in.typ.AttributeTypes))
	for name, t := range in.typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(t, nil)
	}
	for name, v := range f.bulkSet(in.typeName, n, gen, changed) {
		attrs[name] = v
	}
	config := rpcDynamic(tb, in.typ, tftypes.NewValue(in.typ, attrs))
	// Terraform's proposed new state: the configuration, with the prior
	// state's computed values where the configuration has none.
	proposed := f.attributes(in.typ, f.withoutWriteOnly(in.typeName, in.typ, config))
	prior := f.attributes(in.typ, in.state)
	for _, computed := range []string{"certs", "private_keys", "ca_cert_fingerprint_sha256", "validity_period_hours", "early_renewal_hours"} {
		proposed[computed] = prior[computed]
	}
	plan, err := f.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: in.typeName, PriorState: in.state, Config: config,
		ProposedNewState: rpcDynamic(tb, in.typ, tftypes.NewValue(in.typ, proposed)),
	})
	if err != nil || len(rpcDiags(plan.Diagnostics)) > 0 {
		tb.Fatalf("PlanResourceChange: %v %v", err, rpcDiags(plan.Diagnostics))
	}
	applied, err := f.server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: in.typeName, PriorState: in.state, PlannedState: plan.PlannedState, Config: config,
	})
	if err != nil || len(rpcDiags(applied.Diagnostics)) > 0 {
		tb.Fatalf("ApplyResourceChange: %v %v", err, rpcDiags(applied.Diagnostics))
	}
	before := f.attributes(in.typ, in.state)["private_keys"]
	after := f.attributes(in.typ, applied.NewState)["private_keys"]
	var old, cur map[string]tftypes.Value
	if before.As(&old) != nil || after.As(&cur) != nil || len(cur) != n {
		tb.Fatalf("private_keys: %d entries after the update, want %d", len(cur), n)
	}
	renewed := 0
	for name, k := range cur {
		if !k.Equal(old[name]) {
			renewed++
		}
	}
	if renewed != changed {
		tb.Fatalf("%d keys are new, want %d", renewed, changed)
	}
	return rpcInstance{typeName: in.typeName, typ: in.typ, config: config, state: applied.NewState}
}
