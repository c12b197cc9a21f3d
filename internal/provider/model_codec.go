package provider

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// modelCodec converts between a resource model (a struct of framework
// values with `tfsdk` tags, embedded structs included) and the object
// Terraform sends and stores, as the framework's Get and Set do, but from a
// field table built once per model type.
//
// Why not Get and Set: a fleet's no-change plan makes three RPCs per
// certificate and the life cycle converts the model seven times in them.
// The framework's reflection re-reads every struct tag and compiles a
// regular expression per field on each conversion (internal/reflect's
// isValidFieldName; terraform-plugin-framework#725), a large share of the
// provider's CPU in that plan. BenchmarkNoChangePlan measures it,
// and TestModelCodecMatchesFramework holds the two to the same results.
type modelCodec[M any] struct {
	objectType tftypes.Object
	fields     []modelField
}

type modelField struct {
	name  string
	index []int
	typ   attr.Type
	// raw: the field is a tftypes.Value, kept as Terraform sent it. A bulk
	// resource's maps of a thousand objects are read and built entry by
	// entry; converting them into framework values first would cost more
	// than everything else the provider does with them.
	raw bool
}

var rawValueType = reflect.TypeFor[tftypes.Value]()

// schemaSource gives the schema a model is converted with: a resource's
// spec. It is part of the codec cache's key, so it must be comparable, and
// equal sources must give equal schemas (specs are empty structs).
type schemaSource interface {
	schema() schema.Schema
}

// codecKey is what a codec is built from: the model type and the schema.
type codecKey struct {
	model  reflect.Type
	source schemaSource
}

// codecs caches one codec per model type and schema; building one checks
// that the model and the schema have exactly the same attributes.
var codecs sync.Map // codecKey -> *modelCodec[M] or error

func codecFor[M any](src schemaSource) (*modelCodec[M], error) {
	key := codecKey{reflect.TypeFor[M](), src}
	if c, ok := codecs.Load(key); ok {
		return cachedCodec[M](c)
	}
	c, err := newModelCodec[M](src.schema())
	if err != nil {
		codecs.Store(key, err)
		return nil, err
	}
	stored, _ := codecs.LoadOrStore(key, c)
	return cachedCodec[M](stored)
}

func cachedCodec[M any](v any) (*modelCodec[M], error) {
	if err, ok := v.(error); ok {
		return nil, err
	}
	return v.(*modelCodec[M]), nil
}

func newModelCodec[M any](s schema.Schema) (*modelCodec[M], error) {
	ctx := context.Background()
	attrs := s.GetAttributes()
	c := &modelCodec[M]{objectType: s.Type().TerraformType(ctx).(tftypes.Object)}
	var walk func(t reflect.Type, index []int) error
	walk = func(t reflect.Type, index []int) error {
		for i := range t.NumField() {
			f := t.Field(i)
			at := append(slices.Clone(index), i)
			name, tagged := f.Tag.Lookup("tfsdk")
			switch {
			case f.Anonymous && !tagged && f.Type.Kind() == reflect.Struct:
				if err := walk(f.Type, at); err != nil {
					return err
				}
				continue
			case !tagged || name == "-":
				continue
			}
			a, ok := attrs[name]
			if !ok {
				return fmt.Errorf("%s: field %s has tag %q, which the schema does not define", t, f.Name, name)
			}
			raw := f.Type == rawValueType
			if !raw && !f.Type.Implements(reflect.TypeFor[attr.Value]()) {
				return fmt.Errorf("%s: field %s is a %s, not a framework value or a tftypes.Value", t, f.Name, f.Type)
			}
			if slices.ContainsFunc(c.fields, func(m modelField) bool { return m.name == name }) {
				return fmt.Errorf("%s: two fields have tag %q", t, name)
			}
			c.fields = append(c.fields, modelField{name: name, index: at, typ: a.GetType(), raw: raw})
		}
		return nil
	}
	t := reflect.TypeFor[M]()
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s is not a struct", t)
	}
	if err := walk(t, nil); err != nil {
		return nil, err
	}
	if len(c.fields) != len(attrs) {
		var missing []string
		for name := range attrs {
			if !slices.ContainsFunc(c.fields, func(m modelField) bool { return m.name == name }) {
				missing = append(missing, name)
			}
		}
		slices.Sort(missing)
		return nil, fmt.Errorf("%s has no field for the schema's attributes %v", t, missing)
	}
	return c, nil
}

// get fills dst from raw, an object of the schema's type.
func (c *modelCodec[M]) get(ctx context.Context, raw tftypes.Value, dst *M) diag.Diagnostics {
	var diags diag.Diagnostics
	var values map[string]tftypes.Value
	if err := raw.As(&values); err != nil || values == nil {
		diags.AddError("Provider error reading a resource", fmt.Sprintf("Expected a known object, got %s. This is always a bug in the provider: please report it.", raw))
		return diags
	}
	model := reflect.ValueOf(dst).Elem()
	for _, f := range c.fields {
		if f.raw {
			model.FieldByIndex(f.index).Set(reflect.ValueOf(values[f.name]))
			continue
		}
		v, err := f.typ.ValueFromTerraform(ctx, values[f.name])
		if err != nil {
			diags.AddError("Provider error reading a resource", fmt.Sprintf("Attribute %s: %s. This is always a bug in the provider: please report it.", f.name, err))
			return diags
		}
		field := model.FieldByIndex(f.index)
		rv := reflect.ValueOf(v)
		if !rv.Type().AssignableTo(field.Type()) {
			diags.AddError("Provider error reading a resource", fmt.Sprintf("Attribute %s: a %s cannot be stored in a %s. This is always a bug in the provider: please report it.", f.name, rv.Type(), field.Type()))
			return diags
		}
		field.Set(rv)
	}
	return diags
}

// value returns src as an object of the schema's type.
func (c *modelCodec[M]) value(ctx context.Context, src *M) (tftypes.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	model := reflect.ValueOf(src).Elem()
	values := make(map[string]tftypes.Value, len(c.fields))
	for _, f := range c.fields {
		if f.raw {
			v := model.FieldByIndex(f.index).Interface().(tftypes.Value)
			if v.Type() == nil { // the zero Value: null
				v = tftypes.NewValue(f.typ.TerraformType(ctx), nil)
			}
			values[f.name] = v
			continue
		}
		av := model.FieldByIndex(f.index).Interface().(attr.Value)
		var v tftypes.Value
		var err error
		switch {
		case av.IsNull():
			// A zero list value has no element type: take the schema's.
			v = tftypes.NewValue(f.typ.TerraformType(ctx), nil)
		case av.IsUnknown():
			v = tftypes.NewValue(f.typ.TerraformType(ctx), tftypes.UnknownValue)
		default:
			v, err = av.ToTerraformValue(ctx)
		}
		if err != nil {
			diags.AddError("Provider error writing a resource", fmt.Sprintf("Attribute %s: %s. This is always a bug in the provider: please report it.", f.name, err))
			return tftypes.Value{}, diags
		}
		values[f.name] = v
	}
	if err := tftypes.ValidateValue(c.objectType, values); err != nil {
		diags.AddError("Provider error writing a resource", fmt.Sprintf("%s. This is always a bug in the provider: please report it.", err))
		return tftypes.Value{}, diags
	}
	return tftypes.NewValue(c.objectType, values), diags
}

// getModel reads raw into dst through the codec of M's schema, and reports
// whether it succeeded; errors, all provider bugs, go to diags.
func getModel[M any](ctx context.Context, s schemaSource, raw tftypes.Value, dst *M, diags *diag.Diagnostics) bool {
	codec, err := codecFor[M](s)
	if err != nil {
		diags.AddError("Provider error", fmt.Sprintf("%s. This is always a bug in the provider: please report it.", err))
		return false
	}
	diags.Append(codec.get(ctx, raw, dst)...)
	return !diags.HasError()
}

// modelValue encodes src as the object Terraform holds, through the codec
// of M's schema; errors, all provider bugs, go to diags.
func modelValue[M any](ctx context.Context, s schemaSource, src *M, diags *diag.Diagnostics) tftypes.Value {
	codec, err := codecFor[M](s)
	if err != nil {
		diags.AddError("Provider error", fmt.Sprintf("%s. This is always a bug in the provider: please report it.", err))
		return tftypes.Value{}
	}
	v, d := codec.value(ctx, src)
	diags.Append(d...)
	return v
}
