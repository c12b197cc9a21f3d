package provider

import (
	"context"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestModelCodecMatchesFramework holds modelCodec to the framework's own Get
// and Set, for every certificate resource's model, on a state the provider
// wrote, on its configuration (mostly null) and on objects whose attributes
// are all unknown or all null.
func TestModelCodecMatchesFramework(t *testing.T) {
	t.Parallel()
	f := newRPCFixture(t)
	ca := f.create("dockertls_ca", map[string]tftypes.Value{"key_algorithm": tftypes.NewValue(tftypes.String, "ECDSA_P256")})
	server := f.leaf("dockertls_server_cert")
	client := f.leaf("dockertls_client_cert")

	checkCodec[caModel](t, caSpec{}.schema(), f, ca)
	checkCodec[serverCertModel](t, serverCertSpec{}.schema(), f, server)
	checkCodec[clientCertModel](t, clientCertSpec{}.schema(), f, client)
}

func checkCodec[M any](t *testing.T, s schema.Schema, f *rpcFixture, in rpcInstance) {
	t.Helper()
	ctx := context.Background()
	codec, err := codecFor[M](&fixedSchema{s})
	if err != nil {
		t.Fatalf("%s: %v", in.typeName, err)
	}
	every := func(v any) tftypes.Value {
		attrs := map[string]tftypes.Value{}
		for name, typ := range in.typ.AttributeTypes {
			attrs[name] = tftypes.NewValue(typ, v)
		}
		return tftypes.NewValue(in.typ, attrs)
	}
	values := map[string]tftypes.Value{
		"state":       f.value(in.typ, in.state),
		"config":      f.value(in.typ, in.config),
		"all unknown": every(tftypes.UnknownValue),
		"all null":    every(nil),
	}
	for name, raw := range values {
		var byFramework, byCodec M
		if diags := (tfsdk.State{Schema: s, Raw: raw}).Get(ctx, &byFramework); diags.HasError() {
			t.Fatalf("%s, %s: framework Get: %v", in.typeName, name, diags)
		}
		if diags := codec.get(ctx, raw, &byCodec); diags.HasError() {
			t.Fatalf("%s, %s: codec get: %v", in.typeName, name, diags)
		}
		if !reflect.DeepEqual(byFramework, byCodec) {
			t.Errorf("%s, %s: the codec reads\n%+v\nthe framework\n%+v", in.typeName, name, byCodec, byFramework)
		}
		written := tfsdk.State{Schema: s, Raw: tftypes.NewValue(in.typ, nil)}
		if diags := written.Set(ctx, &byFramework); diags.HasError() {
			t.Fatalf("%s, %s: framework Set: %v", in.typeName, name, diags)
		}
		encoded, diags := codec.value(ctx, &byCodec)
		if diags.HasError() {
			t.Fatalf("%s, %s: codec value: %v", in.typeName, name, diags)
		}
		if !encoded.Equal(written.Raw) || !encoded.Equal(raw) {
			t.Errorf("%s, %s: the codec writes\n%v\nthe framework\n%v\nfrom\n%v", in.typeName, name, encoded, written.Raw, raw)
		}
	}
	// A zero model (lists without an element type) still encodes to the
	// schema's type.
	var zero M
	encoded, diags := codec.value(ctx, &zero)
	if diags.HasError() {
		t.Fatalf("%s: a zero model does not encode: %v", in.typeName, diags)
	}
	if !encoded.Equal(every(nil)) {
		t.Errorf("%s: a zero model encodes to\n%v", in.typeName, encoded)
	}
}

func (f *rpcFixture) value(typ tftypes.Object, v interface {
	Unmarshal(tftypes.Type) (tftypes.Value, error)
}) tftypes.Value {
	f.tb.Helper()
	val, err := v.Unmarshal(typ)
	if err != nil {
		f.tb.Fatal(err)
	}
	return val
}

// TestModelCodecRefusesMismatchedModels: a model must have exactly the
// schema's attributes, each once, as framework values.
func TestModelCodecRefusesMismatchedModels(t *testing.T) {
	t.Parallel()
	s := schema.Schema{Attributes: map[string]schema.Attribute{
		"a": schema.StringAttribute{Optional: true},
		"b": schema.StringAttribute{Optional: true},
	}}
	type inner struct {
		B types.String `tfsdk:"b"`
	}
	type good struct {
		A types.String `tfsdk:"a"`
		inner
		Ignored string
	}
	type missing struct {
		A types.String `tfsdk:"a"`
	}
	type extra struct {
		A types.String `tfsdk:"a"`
		B types.String `tfsdk:"b"`
		C types.String `tfsdk:"c"`
	}
	type twice struct {
		A  types.String `tfsdk:"a"`
		B  types.String `tfsdk:"b"`
		B2 types.String `tfsdk:"b"`
	}
	type notValue struct {
		A types.String `tfsdk:"a"`
		B string       `tfsdk:"b"`
	}
	if _, err := newModelCodec[good](s); err != nil {
		t.Errorf("a model with an embedded struct: %v", err)
	}
	for name, err := range map[string]error{
		"no field for the schema's attributes [b]": codecErr[missing](s),
		"which the schema does not define":         codecErr[extra](s),
		`two fields have tag "b"`:                  codecErr[twice](s),
		"not a framework value or a tftypes.Value": codecErr[notValue](s),
	} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("want an error with %q, got %v", name, err)
		}
	}
}

func codecErr[M any](s schema.Schema) error {
	_, err := newModelCodec[M](s)
	return err
}

// TestModelCodecRawFields: a model's tftypes.Value fields (the bulk
// resources' maps) pass through as Terraform sent them, and a zero one
// encodes as null.
func TestModelCodecRawFields(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newRPCFixture(t)
	for _, typeName := range []string{"dockertls_server_certs", "dockertls_client_certs"} {
		in := f.bulk(typeName, 3, 0)
		state := f.value(in.typ, in.state)
		var s schema.Schema
		var got tftypes.Value
		switch typeName {
		case "dockertls_server_certs":
			s = serverCertsSpec{}.schema()
			got = roundTrip[serverCertsModel](t, s, state)
		default:
			s = clientCertsSpec{}.schema()
			got = roundTrip[clientCertsModel](t, s, state)
		}
		if !got.Equal(state) {
			t.Errorf("%s: the codec writes\n%v\nfrom\n%v", typeName, got, state)
		}
	}
	type raw struct {
		A tftypes.Value `tfsdk:"a"`
	}
	s := schema.Schema{Attributes: map[string]schema.Attribute{"a": schema.MapAttribute{ElementType: types.StringType, Optional: true}}}
	codec, err := newModelCodec[raw](s)
	if err != nil {
		t.Fatal(err)
	}
	v, diags := codec.value(ctx, &raw{})
	want := tftypes.NewValue(s.Type().TerraformType(ctx), map[string]tftypes.Value{"a": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, nil)})
	if diags.HasError() || !v.Equal(want) {
		t.Errorf("a zero tftypes.Value field encodes to %v (%v), want null", v, diags)
	}
}

func roundTrip[M any](t *testing.T, s schema.Schema, v tftypes.Value) tftypes.Value {
	t.Helper()
	ctx := context.Background()
	codec, err := newModelCodec[M](s)
	if err != nil {
		t.Fatal(err)
	}
	var m M
	if diags := codec.get(ctx, v, &m); diags.HasError() {
		t.Fatal(diags)
	}
	out, diags := codec.value(ctx, &m)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return out
}

// fixedSchema is a schema source for tests; as a pointer it is a cache key
// of its own.
type fixedSchema struct{ s schema.Schema }

func (f *fixedSchema) schema() schema.Schema { return f.s }

// TestCodecCacheKeepsSchemasApart: a model converted with two schemas gets
// a codec for each, so a schema that does not fit the model is refused even
// after one that fits was cached for the same model type.
func TestCodecCacheKeepsSchemasApart(t *testing.T) {
	t.Parallel()
	fits := caSpec{}.schema()
	extra := caSpec{}.schema()
	extra.Attributes = maps.Clone(extra.Attributes)
	extra.Attributes["not_in_the_model"] = schema.StringAttribute{Computed: true}
	if _, err := codecFor[caModel](&fixedSchema{fits}); err != nil {
		t.Fatalf("the CA's own schema: %v", err)
	}
	if _, err := codecFor[caModel](&fixedSchema{extra}); err == nil || !strings.Contains(err.Error(), "not_in_the_model") {
		t.Errorf("a schema with an attribute the model lacks gives error %v, want one naming it", err)
	}
}
