package provider

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/dockertls/terraform-provider-dockertls/internal/clock"
)

// protocolServer is the provider's protocol server: the framework's, with a
// fast path that plans, applies and refreshes the bulk resources itself.
//
// Why: the framework walks every value of a request node by node, and at
// each node looks the node's attribute up in the schema from the root, which
// copies the schema's attribute map at every step (several passes per
// request: collection blocks, defaults, unknown computed values, plan
// modifiers, the response). That is cheap for a certificate but not for a
// map of a thousand: BenchmarkBulkCerts measures the provider's share of
// a fleet's commands, and `make bench` the whole. Every other request, and
// everything of every other resource, goes to the framework: schemas,
// validation (with the attribute validators, which name each entry's
// path), state upgrades, import.
//
// The fast path is the bulk resources' one life cycle: the framework's
// methods for it are never called (see bulkResource.Create). What the
// framework would do around that life cycle (defaults, private state,
// diagnostics and their paths, each response's shape), this server does
// itself, and TestBulkServerMatchesFramework holds it to the framework
// serving the same plan, apply and refresh, request by request, on the
// framework release fastPathFrameworkVersion names.
type protocolServer struct {
	tfprotov6.ProviderServer
	bulk map[string]bulkHandler
	// defaults are each bulk resource's schema defaults, read once when
	// the server is built (the schema does not change), or why they could
	// not be read, which every plan of that resource then reports.
	defaults map[string]bulkDefaults
}

type bulkDefaults struct {
	values map[string]tftypes.Value
	err    error
}

// fastPathFrameworkVersion is the terraform-plugin-framework release whose
// handling of a resource the fast path was checked against;
// TestFastPathFrameworkVersion fails on any other. Before moving it, read
// how the new release does what the fast path does in its place
// (internal/fwserver, internal/toproto6 and internal/totftypes in the
// framework's source), change the fast path and referenceBulk where it
// changed, and run TestBulkServerMatchesFramework:
//
//   - planning: the schema's defaults applied to the proposed new state
//     before ModifyPlan, write-only attributes nulled, computed attributes
//     the configuration leaves null marked unknown, and the planned state
//     sent beside errors;
//   - private state: kept by a plan, an update and a read, dropped by a
//     creation and a destruction, and how it is encoded;
//   - applying: which of Create, Update and Delete runs (by which of the
//     prior and planned states is null), and the state left on errors;
//   - refreshing: the state sent back as it came when Read sets none;
//   - diagnostics: severities, and paths converted step by step;
//   - every field of the three responses: a new one fails the test until
//     the fast path sets it as the framework does.
const fastPathFrameworkVersion = "v1.19.0"

// bulkHandler is a bulk resource's life cycle on raw values.
type bulkHandler interface {
	objectType() (tftypes.Object, error)
	schema() schema.Schema
	plan(ctx context.Context, planRaw, configRaw, stateRaw tftypes.Value) (tftypes.Value, diag.Diagnostics)
	apply(ctx context.Context, planRaw, configRaw tftypes.Value) (tftypes.Value, diag.Diagnostics)
	refresh(ctx context.Context, stateRaw tftypes.Value) (tftypes.Value, bool, diag.Diagnostics)
}

// New returns the factory of the provider's one protocol server, for main
// to serve: the framework's, with the bulk resources' fast path.
func New(version string) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		return newProtocolServer(version, clock.System{})
	}
}

func newProtocolServer(version string, clk clock.Clock) *protocolServer {
	p := newWithClock(version, clk)()
	c := providerClock{clock: clk}
	s := &protocolServer{ProviderServer: providerserver.NewProtocol6(p)(), bulk: map[string]bulkHandler{}, defaults: map[string]bulkDefaults{}}
	for _, h := range []interface {
		bulkHandler
		typeName() string
	}{
		&bulkResource[serverCertsModel, *serverCertsModel]{spec: serverCertsSpec{}, providerClock: c},
		&bulkResource[clientCertsModel, *clientCertsModel]{spec: clientCertsSpec{}, providerClock: c},
	} {
		s.bulk[h.typeName()] = h
		values, err := schemaDefaults(context.Background(), h.schema())
		s.defaults[h.typeName()] = bulkDefaults{values: values, err: err}
	}
	return s
}

func (r *bulkResource[M, P]) typeName() string { return "dockertls" + r.spec.typeNameSuffix() }

func (r *bulkResource[M, P]) schema() schema.Schema { return r.spec.schema() }

func (r *bulkResource[M, P]) objectType() (tftypes.Object, error) {
	codec, err := codecFor[M](r.spec)
	if err != nil {
		return tftypes.Object{}, err
	}
	return codec.objectType, nil
}

func (s *protocolServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	h, ok := s.bulk[req.TypeName]
	if !ok {
		return s.ProviderServer.PlanResourceChange(ctx, req)
	}
	resp := &tfprotov6.PlanResourceChangeResponse{PlannedPrivate: req.PriorPrivate}
	typ, values, err := decode(h, req.ProposedNewState, req.Config, req.PriorState)
	if err != nil {
		resp.Diagnostics = decodeError(err)
		return resp, nil
	}
	proposed, config, prior := values[0], values[1], values[2]
	if proposed.IsNull() {
		resp.PlannedState = req.ProposedNewState // destroying
		return resp, nil
	}
	defaults := s.defaults[req.TypeName]
	if defaults.err != nil {
		resp.Diagnostics = decodeError(defaults.err)
		return resp, nil
	}
	planned, diags := h.plan(ctx, withDefaults(proposed, config, defaults.values), config, prior)
	resp.Diagnostics = protoDiagnostics(ctx, diags)
	if diags.HasError() {
		// A failed plan plans nothing. Terraform reads no plan beside
		// errors, but the framework always sends one: a null one for a
		// resource that plans nothing.
		planned = tftypes.NewValue(typ, nil)
	}
	resp.PlannedState, resp.Diagnostics = encode(typ, planned, resp.Diagnostics)
	return resp, nil
}

func (s *protocolServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	h, ok := s.bulk[req.TypeName]
	if !ok {
		return s.ProviderServer.ApplyResourceChange(ctx, req)
	}
	resp := &tfprotov6.ApplyResourceChangeResponse{}
	typ, values, err := decode(h, req.PlannedState, req.Config)
	if err != nil {
		resp.Diagnostics = decodeError(err)
		return resp, nil
	}
	planned, config := values[0], values[1]
	if planned.IsNull() {
		// Destroying: the certificates exist only in the state, and the
		// private state goes with it.
		resp.NewState, resp.Diagnostics = encode(typ, planned, nil)
		return resp, nil
	}
	// As the framework: an update keeps the plan's private state, a
	// creation starts without one.
	if !isNull(req.PriorState) {
		resp.Private = req.PlannedPrivate
	}
	newState, diags := h.apply(ctx, planned, config)
	resp.Diagnostics = protoDiagnostics(ctx, diags)
	if diags.HasError() {
		// As the framework: the prior state stays, null when creating.
		if resp.NewState = req.PriorState; resp.NewState == nil {
			resp.NewState, resp.Diagnostics = encode(typ, tftypes.NewValue(typ, nil), resp.Diagnostics)
		}
		return resp, nil
	}
	resp.NewState, resp.Diagnostics = encode(typ, newState, resp.Diagnostics)
	return resp, nil
}

func (s *protocolServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	h, ok := s.bulk[req.TypeName]
	if !ok {
		return s.ProviderServer.ReadResource(ctx, req)
	}
	// An unchanged state goes back as Terraform sent it, not encoded again.
	resp := &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}
	typ, values, err := decode(h, req.CurrentState)
	if err != nil {
		resp.Diagnostics = decodeError(err)
		return resp, nil
	}
	refreshed, changed, diags := h.refresh(ctx, values[0])
	resp.Diagnostics = protoDiagnostics(ctx, diags)
	if changed && !diags.HasError() {
		resp.NewState, resp.Diagnostics = encode(typ, refreshed, resp.Diagnostics)
	}
	return resp, nil
}

// withDefaults applies the schema's defaults to the proposed new state, as
// the framework does before a resource's ModifyPlan: an attribute the
// configuration leaves null takes its default.
func withDefaults(proposed, config tftypes.Value, defaults map[string]tftypes.Value) tftypes.Value {
	var planned, configured map[string]tftypes.Value
	if proposed.As(&planned) != nil || config.As(&configured) != nil {
		return proposed
	}
	planned = maps.Clone(planned) // As hands out the value's own map
	for name, def := range defaults {
		if c, ok := configured[name]; ok && c.IsNull() {
			planned[name] = def
		}
	}
	return tftypes.NewValue(proposed.Type(), planned)
}

// schemaDefaults are the values the schema's top-level attributes default
// to, read from the schema itself so that the fast path and the schema
// cannot disagree. A default of a kind it does not read is an error, not
// a default silently skipped.
func schemaDefaults(ctx context.Context, s schema.Schema) (map[string]tftypes.Value, error) {
	out := map[string]tftypes.Value{}
	for name, a := range s.Attributes {
		var v attr.Value
		switch a := a.(type) {
		case schema.StringAttribute:
			if a.Default == nil {
				continue
			}
			var resp defaults.StringResponse
			a.Default.DefaultString(ctx, defaults.StringRequest{Path: path.Root(name)}, &resp)
			if resp.Diagnostics.HasError() {
				return nil, fmt.Errorf("attribute %s: its default fails", name)
			}
			v = resp.PlanValue
		case schema.NumberAttribute:
			if a.Default == nil {
				continue
			}
			var resp defaults.NumberResponse
			a.Default.DefaultNumber(ctx, defaults.NumberRequest{Path: path.Root(name)}, &resp)
			if resp.Diagnostics.HasError() {
				return nil, fmt.Errorf("attribute %s: its default fails", name)
			}
			v = resp.PlanValue
		default:
			// Any other kind of attribute with a Default would need reading
			// here too.
			if rv := reflect.ValueOf(a); rv.Kind() != reflect.Struct {
				return nil, fmt.Errorf("attribute %s is a %T, which the fast path does not read", name, a)
			} else if d := rv.FieldByName("Default"); d.IsValid() && (d.Kind() != reflect.Interface || !d.IsNil()) {
				return nil, fmt.Errorf("attribute %s (%T) has a default the fast path does not apply", name, a)
			}
			continue
		}
		tv, err := v.ToTerraformValue(ctx)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
		out[name] = tv
	}
	return out, nil
}

// isNull says whether a request's value is null without decoding it (a
// prior state holds every certificate): msgpack's nil, or JSON's null.
func isNull(dv *tfprotov6.DynamicValue) bool {
	if dv == nil {
		return true
	}
	if len(dv.MsgPack) > 0 {
		return bytes.Equal(dv.MsgPack, []byte{0xc0})
	}
	return bytes.Equal(bytes.TrimSpace(dv.JSON), []byte("null"))
}

// decode unmarshals a request's values with the resource's type; a nil
// value (none sent) is null.
func decode(h bulkHandler, dvs ...*tfprotov6.DynamicValue) (tftypes.Object, []tftypes.Value, error) {
	typ, err := h.objectType()
	if err != nil {
		return typ, nil, err
	}
	values := make([]tftypes.Value, len(dvs))
	for i, dv := range dvs {
		if dv == nil {
			values[i] = tftypes.NewValue(typ, nil)
			continue
		}
		if values[i], err = dv.Unmarshal(typ); err != nil {
			return typ, nil, err
		}
	}
	return typ, values, nil
}

func encode(typ tftypes.Object, v tftypes.Value, diags []*tfprotov6.Diagnostic) (*tfprotov6.DynamicValue, []*tfprotov6.Diagnostic) {
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		return nil, append(diags, decodeError(err)...)
	}
	return &dv, diags
}

func decodeError(err error) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  "Provider error",
		Detail:   fmt.Sprintf("%s. This is always a bug in the provider: please report it.", err),
	}}
}

// protoDiagnostics converts diagnostics as the framework does: its
// severity as it is, and its path step by step, an error of its own going
// before a diagnostic whose path does not convert, which then has none.
func protoDiagnostics(ctx context.Context, diags diag.Diagnostics) []*tfprotov6.Diagnostic {
	var out []*tfprotov6.Diagnostic
	for _, d := range diags {
		pd := &tfprotov6.Diagnostic{Summary: d.Summary(), Detail: d.Detail(), Severity: tfprotov6.DiagnosticSeverityInvalid}
		switch d.Severity() {
		case diag.SeverityError:
			pd.Severity = tfprotov6.DiagnosticSeverityError
		case diag.SeverityWarning:
			pd.Severity = tfprotov6.DiagnosticSeverityWarning
		}
		if withPath, ok := d.(diag.DiagnosticWithPath); ok {
			ap, err := attributePath(ctx, withPath.Path())
			if err != nil {
				out = append(out, &tfprotov6.Diagnostic{
					Severity: tfprotov6.DiagnosticSeverityError,
					Summary:  "Unable to Convert Attribute Path",
					Detail: "An unexpected error occurred while trying to convert an attribute path. " +
						"This is either an error in terraform-plugin-framework or a custom attribute type used by the provider. " +
						"Please report the following to the provider developers.\n\n" +
						fmt.Sprintf("Attribute Path: %s\n", withPath.Path()) +
						fmt.Sprintf("Original Error: %s", err),
				})
			}
			pd.Attribute = ap
		}
		out = append(out, pd)
	}
	return out
}

// attributePath is a framework path as the protocol carries it.
func attributePath(ctx context.Context, p path.Path) (*tftypes.AttributePath, error) {
	var steps []tftypes.AttributePathStep
	for _, step := range p.Steps() {
		switch s := step.(type) {
		case path.PathStepAttributeName:
			steps = append(steps, tftypes.AttributeName(s))
		case path.PathStepElementKeyString:
			steps = append(steps, tftypes.ElementKeyString(s))
		case path.PathStepElementKeyInt:
			steps = append(steps, tftypes.ElementKeyInt(s))
		case path.PathStepElementKeyValue:
			v, err := s.ToTerraformValue(ctx)
			if err != nil {
				return nil, fmt.Errorf("unable to convert attr.Value (%s) to tftypes.Value: %w", s.Value.String(), err)
			}
			steps = append(steps, tftypes.ElementKeyValue(v))
		default:
			return nil, fmt.Errorf("unknown path.PathStep: %#v", step)
		}
	}
	return tftypes.NewAttributePathWithSteps(steps), nil
}
