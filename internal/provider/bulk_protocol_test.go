package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/dockertls/terraform-provider-dockertls/internal/clock"
)

// TestBulkServerMatchesFramework holds the protocol server's fast path for
// the bulk resources to the same life cycle served by the framework
// (referenceBulk), request by request, with the same private state in
// every request: creating, refreshing, a no-change plan, an update that
// adds, changes and removes entries, an entry due for renewal (with its
// warning), plans with unknown values (the whole map of entries, one
// entry's attribute, the CA, the renewal window), applies that fail entry
// by entry (diagnostics with map-key paths) when creating and when
// updating, plans that fail, and destroying. Every response must be the
// same field by field (see compare), except for the certificates and keys
// each path issues itself (random keys), which must be issued in both and
// nowhere else.
func TestBulkServerMatchesFramework(t *testing.T) {
	t.Parallel()
	served := newProtocolServer("test", clock.System{})
	for _, typeName := range slices.Sorted(maps.Keys(served.bulk)) {
		t.Run(typeName, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
			c := newPathComparison(t, typeName, clk)
			config := func(gen, changed int, shared map[string]tftypes.Value) tftypes.Value {
				set := c.f.bulkSet(typeName, 4, gen, changed)
				delete(set, "key_algorithm") // the default
				maps.Copy(set, shared)
				return c.object(set)
			}
			number := func(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }
			shortLived := map[string]tftypes.Value{"validity_period_hours": number(48), "early_renewal_hours": number(12)}

			null := tftypes.NewValue(c.typ, nil)
			defaults := config(0, 0, nil)
			state := c.apply(c.plan(defaults, null), defaults, null)
			state = c.read(state, false)
			first := config(0, 0, shortLived)
			state = c.apply(c.plan(first, state), first, state)
			if planned := c.plan(first, state); !planned.Equal(state) {
				t.Errorf("the no-change plan changes the state")
			}
			// Settings removed from the configuration take the schema's
			// defaults again, which issues every entry again.
			if planned := c.plan(defaults, state); planned.Equal(state) || c.failed() {
				t.Errorf("removing the settings plans no change, or fails: %s", diagText(c.diags))
			}
			// Two entries change (one of them by its name too, as removal and
			// addition) and the others stay.
			second := config(1, 2, shortLived)
			state = c.apply(c.plan(second, state), second, state)

			clk.Advance(36 * time.Hour)
			state = c.read(state, true)
			planned := c.plan(second, state)
			state = c.apply(planned, second, state)

			// Values known only at apply, over the state and when creating.
			unknown := func(t tftypes.Type) tftypes.Value { return tftypes.NewValue(t, tftypes.UnknownValue) }
			entriesAttr := c.entriesAttr()
			for _, u := range []struct {
				name   string
				config tftypes.Value
			}{
				{"entries", with(second, map[string]tftypes.Value{entriesAttr: unknown(c.typ.AttributeTypes[entriesAttr])})},
				{"entry", c.withUnknownEntryAttribute(second, "host0001")},
				{"write-only CA", with(second, map[string]tftypes.Value{
					"ca_cert_pem_wo": unknown(tftypes.String), "ca_private_key_pem_wo": unknown(tftypes.String),
				})},
				{"stored CA", with(second, map[string]tftypes.Value{
					"ca_cert_pem_wo": tftypes.NewValue(tftypes.String, nil), "ca_private_key_pem_wo": tftypes.NewValue(tftypes.String, nil),
					"ca_cert_pem": unknown(tftypes.String), "ca_private_key_pem": unknown(tftypes.String),
				})},
				{"validity", with(second, map[string]tftypes.Value{"validity_period_hours": unknown(tftypes.Number)})},
				{"renewal window", with(second, map[string]tftypes.Value{"early_renewal_hours": unknown(tftypes.Number)})},
			} {
				for _, prior := range []tftypes.Value{state, null} {
					if planned := c.plan(u.config, prior); c.failed() || planned.IsFullyKnown() {
						t.Errorf("unknown %s: the plan fails or is fully known:\n%v\n%s", u.name, planned, diagText(c.diags))
					}
				}
			}

			// Plans made while the CA is valid, applied once it has expired:
			// every entry to issue fails, by its path, when updating and
			// when creating.
			third := config(2, 1, shortLived)
			update, create := c.plan(third, state), c.plan(third, null)
			clk.Advance(time.Duration(caDefaults.validityHours) * time.Hour)
			if got := c.apply(update, third, state); !got.Equal(state) || !c.failedAtEntry() {
				t.Errorf("the update does not fail entry by entry, or changes the state to\n%v\n%s", got, diagText(c.diags))
			}
			if got := c.apply(create, third, null); !got.IsNull() || !c.failedAtEntry() {
				t.Errorf("the creation does not fail entry by entry, or stores\n%v\n%s", got, diagText(c.diags))
			}
			// And a plan that needs the expired CA fails.
			for _, prior := range []tftypes.Value{state, null} {
				if c.plan(third, prior); !c.failed() {
					t.Errorf("a plan with an expired CA does not fail")
				}
			}
			// Destroying.
			c.apply(c.plan(null, state), null, state)
		})
	}
}

// TestBulkResourcesRefuseTheFrameworkLifeCycle: served by the framework
// alone, which the provider never is (TestNewServesTheBulkFastPath), a
// bulk resource refuses to refresh or apply rather than run a second life
// cycle.
func TestBulkResourcesRefuseTheFrameworkLifeCycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	framework := providerserver.NewProtocol6(newWithClock("test", clock.System{})())()
	schemas, err := framework.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	providerType := schemas.Provider.ValueType()
	if _, err := framework.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		Config: rpcDynamic(t, providerType, tftypes.NewValue(providerType, nil)),
	}); err != nil {
		t.Fatal(err)
	}
	for _, typeName := range slices.Sorted(maps.Keys(newProtocolServer("test", clock.System{}).bulk)) {
		typ := schemas.ResourceSchemas[typeName].ValueType().(tftypes.Object)
		attrs := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			attrs[name] = tftypes.NewValue(at, nil)
		}
		state := rpcDynamic(t, typ, tftypes.NewValue(typ, attrs))
		read, err := framework.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: state})
		if err != nil {
			t.Fatal(err)
		}
		applied, err := framework.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
			TypeName: typeName, PriorState: state, PlannedState: state, Config: state,
		})
		if err != nil {
			t.Fatal(err)
		}
		for what, diags := range map[string][]*tfprotov6.Diagnostic{"read": read.Diagnostics, "apply": applied.Diagnostics} {
			if text := diagText(diags); !strings.Contains(text, "ERROR no path: Provider error: The framework called "+typeName) {
				t.Errorf("%s %s: %s", typeName, what, text)
			}
		}
	}
}

// TestFastPathFrameworkVersion fails when go.mod requires another release
// of the framework than the one the fast path was checked against, or
// replaces it: see fastPathFrameworkVersion for what to check again. It
// reads go.mod, since a test binary carries no versions of its
// dependencies.
func TestFastPathFrameworkVersion(t *testing.T) {
	t.Parallel()
	const framework = "github.com/hashicorp/terraform-plugin-framework"
	mod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var version, block string
	for _, line := range strings.Split(string(mod), "\n") {
		line, _, _ = strings.Cut(line, "//")
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case len(f) == 2 && f[1] == "(":
			block = f[0]
			continue
		case f[0] == ")":
			block = ""
			continue
		}
		directive := block
		if block == "" {
			directive, f = f[0], f[1:]
		}
		if len(f) < 2 || f[0] != framework {
			continue
		}
		switch directive {
		case "require":
			version = f[1]
		case "replace":
			t.Errorf("go.mod replaces %s: the fast path was checked against %s itself", framework, fastPathFrameworkVersion)
		}
	}
	if version != fastPathFrameworkVersion {
		t.Errorf("go.mod requires %s %q, but the fast path was checked against %s: check it again (see fastPathFrameworkVersion)",
			framework, version, fastPathFrameworkVersion)
	}
}

// referenceBulk is a bulk resource served by the framework: its ModifyPlan,
// Create, Update and Read call the resource's plan, apply and refresh, and
// the framework does the rest (defaults, unknown computed values, private
// state, diagnostics and their paths, the shape of each response). The
// fast path is held to it by TestBulkServerMatchesFramework; it is never
// served outside tests.
type referenceBulk[M any, P bulkModelPtr[M]] struct {
	*bulkResource[M, P]
}

var (
	_ resource.ResourceWithConfigure  = (*referenceBulk[serverCertsModel, *serverCertsModel])(nil)
	_ resource.ResourceWithConfigure  = (*referenceBulk[clientCertsModel, *clientCertsModel])(nil)
	_ resource.ResourceWithModifyPlan = (*referenceBulk[serverCertsModel, *serverCertsModel])(nil)
	_ resource.ResourceWithModifyPlan = (*referenceBulk[clientCertsModel, *clientCertsModel])(nil)
)

// Configure takes the provider's clock, as the protocol server hands it to
// the resources it serves.
func (r *referenceBulk[M, P]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.configureClock(req.ProviderData, &resp.Diagnostics)
}

func (r *referenceBulk[M, P]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroying
	}
	planned, diags := r.plan(ctx, req.Plan.Raw, req.Config.Raw, req.State.Raw)
	resp.Diagnostics.Append(diags...)
	if diags.HasError() {
		// A plan with errors plans nothing. The framework sends a planned
		// state beside any diagnostics, so nothing is a null one.
		resp.Plan.Raw = tftypes.NewValue(req.Plan.Raw.Type(), nil)
		return
	}
	resp.Plan.Raw = planned
}

func (r *referenceBulk[M, P]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.applyTo(ctx, req.Plan.Raw, req.Config.Raw, &resp.State, &resp.Diagnostics)
}

func (r *referenceBulk[M, P]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.applyTo(ctx, req.Plan.Raw, req.Config.Raw, &resp.State, &resp.Diagnostics)
}

// applyTo applies a plan. On errors the state stays as the framework
// started it: null when creating, the prior state when updating.
func (r *referenceBulk[M, P]) applyTo(ctx context.Context, planRaw, configRaw tftypes.Value, state *tfsdk.State, diags *diag.Diagnostics) {
	newState, d := r.apply(ctx, planRaw, configRaw)
	if diags.Append(d...); !d.HasError() {
		state.Raw = newState
	}
}

func (r *referenceBulk[M, P]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	refreshed, changed, diags := r.refresh(ctx, req.State.Raw)
	if resp.Diagnostics.Append(diags...); changed && !diags.HasError() {
		resp.State.Raw = refreshed
	}
}

// Delete has nothing to do: the certificates exist only in the state.
func (r *referenceBulk[M, P]) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// referenceProvider is the provider with its bulk resources served as
// referenceBulk.
type referenceProvider struct {
	*dockerTLSProvider
}

func (p referenceProvider) Resources(ctx context.Context) []func() resource.Resource {
	var out []func() resource.Resource
	for _, f := range p.dockerTLSProvider.Resources(ctx) {
		out = append(out, func() resource.Resource {
			switch r := f().(type) {
			case *bulkResource[serverCertsModel, *serverCertsModel]:
				return &referenceBulk[serverCertsModel, *serverCertsModel]{r}
			case *bulkResource[clientCertsModel, *clientCertsModel]:
				return &referenceBulk[clientCertsModel, *clientCertsModel]{r}
			default:
				return r
			}
		})
	}
	return out
}

// pathComparison sends each request to both servers and compares.
type pathComparison struct {
	t         *testing.T
	f         *rpcFixture
	reference tfprotov6.ProviderServer
	typeName  string
	typ       tftypes.Object
	// private is the private state every request carries.
	private []byte
	// diags are the fast path's diagnostics of the last request.
	diags []*tfprotov6.Diagnostic
}

// failed says whether the last request failed.
func (c *pathComparison) failed() bool {
	return slices.ContainsFunc(c.diags, func(d *tfprotov6.Diagnostic) bool { return d.Severity == tfprotov6.DiagnosticSeverityError })
}

// failedAtEntry says whether the last request failed with an error at an
// entry's path: one with a map key.
func (c *pathComparison) failedAtEntry() bool {
	return slices.ContainsFunc(c.diags, func(d *tfprotov6.Diagnostic) bool {
		return d.Severity == tfprotov6.DiagnosticSeverityError && slices.ContainsFunc(d.Attribute.Steps(), func(s tftypes.AttributePathStep) bool {
			_, ok := s.(tftypes.ElementKeyString)
			return ok
		})
	})
}

func newPathComparison(t *testing.T, typeName string, clk clock.Clock) *pathComparison {
	t.Helper()
	fast := newRPCFixtureOn(t, newProtocolServer("test", clk))
	p := newWithClock("test", clk)().(*dockerTLSProvider)
	reference := providerserver.NewProtocol6(referenceProvider{p})()
	if _, err := reference.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{
		Config: rpcDynamic(t, fast.schemas.Provider.ValueType(), tftypes.NewValue(fast.schemas.Provider.ValueType(), nil)),
	}); err != nil {
		t.Fatal(err)
	}
	// In the framework's encoding, as any private state the provider
	// returned: a key of the provider's and one of the framework's.
	private, err := json.Marshal(map[string][]byte{"dockertls": []byte(`{"kept":true}`), ".framework": []byte(`{"kept":true}`)})
	if err != nil {
		t.Fatal(err)
	}
	return &pathComparison{t: t, f: fast, reference: reference, typeName: typeName, private: private,
		typ: fast.schemas.ResourceSchemas[typeName].ValueType().(tftypes.Object)}
}

// object is a configuration with the given attributes set, every other null.
func (c *pathComparison) object(set map[string]tftypes.Value) tftypes.Value {
	attrs := map[string]tftypes.Value{}
	for name, typ := range c.typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(typ, nil)
	}
	return with(tftypes.NewValue(c.typ, attrs), set)
}

// with is the object v with the given attributes replaced.
func with(v tftypes.Value, set map[string]tftypes.Value) tftypes.Value {
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		panic(err)
	}
	attrs = maps.Clone(attrs) // As hands out the value's own map
	maps.Copy(attrs, set)
	return tftypes.NewValue(v.Type(), attrs)
}

func (c *pathComparison) entriesAttr() string {
	if _, ok := c.typ.AttributeTypes["hosts"]; ok {
		return "hosts"
	}
	return "clients"
}

// withUnknownEntryAttribute is config with a name of entry known only at
// apply: a host's DNS name, or a client's common name.
func (c *pathComparison) withUnknownEntryAttribute(config tftypes.Value, entry string) tftypes.Value {
	attr := c.entriesAttr()
	var cfg, entries, attrs map[string]tftypes.Value
	if err := config.As(&cfg); err != nil {
		c.t.Fatal(err)
	}
	if err := cfg[attr].As(&entries); err != nil {
		c.t.Fatal(err)
	}
	if err := entries[entry].As(&attrs); err != nil {
		c.t.Fatal(err)
	}
	attrs = maps.Clone(attrs)
	if attr == "hosts" {
		attrs["dns_names"] = tftypes.NewValue(tftypes.List{ElementType: tftypes.String},
			[]tftypes.Value{tftypes.NewValue(tftypes.String, tftypes.UnknownValue)})
	} else {
		attrs["common_name"] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	}
	entries = maps.Clone(entries)
	entries[entry] = tftypes.NewValue(entries[entry].Type(), attrs)
	return with(config, map[string]tftypes.Value{attr: tftypes.NewValue(cfg[attr].Type(), entries)})
}

// proposed is Terraform's proposed new state: the configuration, with the
// prior state's values where the configuration leaves a computed attribute
// null.
func (c *pathComparison) proposed(config, prior tftypes.Value) tftypes.Value {
	if config.IsNull() {
		return config
	}
	var cfg, old map[string]tftypes.Value
	if err := config.As(&cfg); err != nil {
		c.t.Fatal(err)
	}
	if !prior.IsNull() {
		if err := prior.As(&old); err != nil {
			c.t.Fatal(err)
		}
	}
	out := map[string]tftypes.Value{}
	for name, v := range cfg {
		out[name] = v
		if v.IsNull() && old != nil {
			switch name {
			case "certs", "private_keys", "ca_cert_fingerprint_sha256", "key_algorithm", "validity_period_hours", "early_renewal_hours":
				out[name] = old[name]
			}
		}
	}
	return tftypes.NewValue(c.typ, out)
}

func (c *pathComparison) dv(v tftypes.Value) *tfprotov6.DynamicValue {
	return rpcDynamic(c.t, c.typ, v)
}

func (c *pathComparison) value(dv *tfprotov6.DynamicValue) tftypes.Value {
	c.t.Helper()
	if dv == nil {
		return tftypes.NewValue(c.typ, nil)
	}
	v, err := dv.Unmarshal(c.typ)
	if err != nil {
		c.t.Fatal(err)
	}
	return v
}

// compare fails unless the two responses of one request are the same,
// field by field, so that a field either server starts to set is compared
// too: a value (a state) present in both or in neither, and then the same
// value, after norm where norm is given; diagnostics the same, with their
// paths; every other field deeply equal. An empty list or byte string is
// no different from none, as on the wire.
func (c *pathComparison) compare(what string, fast, reference any, norm func(tftypes.Value) tftypes.Value) {
	c.t.Helper()
	fv, rv := reflect.ValueOf(fast).Elem(), reflect.ValueOf(reference).Elem()
	for i := range fv.NumField() {
		name := fv.Type().Field(i).Name
		ff, rf := fv.Field(i), rv.Field(i)
		switch f := ff.Interface().(type) {
		case *tfprotov6.DynamicValue:
			r := rf.Interface().(*tfprotov6.DynamicValue)
			if (f == nil) != (r == nil) {
				c.t.Errorf("%s: %s: the fast path sends %v, the framework %v", what, name, f != nil, r != nil)
				continue
			}
			if f == nil {
				continue
			}
			a, b := c.value(f), c.value(r)
			if norm != nil {
				a, b = norm(a), norm(b)
			}
			if !a.Equal(b) {
				c.t.Errorf("%s: %s: the fast path sends\n%v\nthe framework\n%v", what, name, a, b)
			}
		case []*tfprotov6.Diagnostic:
			r := rf.Interface().([]*tfprotov6.Diagnostic)
			if a, b := diagText(f), diagText(r); a != b {
				c.t.Errorf("%s: %s: the fast path says\n%s\nthe framework\n%s", what, name, a, b)
			} else if len(f)+len(r) > 0 && !reflect.DeepEqual(f, r) {
				c.t.Errorf("%s: %s differ: %#v, %#v", what, name, f, r)
			}
		case []byte:
			if r := rf.Interface().([]byte); !bytes.Equal(f, r) {
				c.t.Errorf("%s: %s: the fast path sends %q, the framework %q", what, name, f, r)
			}
		default:
			if ff.Kind() == reflect.Slice && ff.Len() == 0 && rf.Len() == 0 {
				continue
			}
			if !reflect.DeepEqual(ff.Interface(), rf.Interface()) {
				c.t.Errorf("%s: %s: the fast path sends %#v, the framework %#v", what, name, ff.Interface(), rf.Interface())
			}
		}
	}
}

func diagText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		at := "no path"
		if d.Attribute != nil {
			at = "at [" + d.Attribute.String() + "]"
		}
		fmt.Fprintf(&b, "%v %s: %s: %s\n", d.Severity, at, d.Summary, d.Detail)
	}
	return b.String()
}

// plan plans config over prior on both paths and returns the planned state
// (null when the plan fails).
func (c *pathComparison) plan(config, prior tftypes.Value) tftypes.Value {
	c.t.Helper()
	ctx := context.Background()
	req := &tfprotov6.PlanResourceChangeRequest{
		TypeName: c.typeName, Config: c.dv(config), PriorState: c.dv(prior), ProposedNewState: c.dv(c.proposed(config, prior)),
		PriorPrivate: c.private,
	}
	fast, err := c.f.server.PlanResourceChange(ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	reference, err := c.reference.PlanResourceChange(ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	c.compare("plan", fast, reference, nil)
	c.diags = fast.Diagnostics
	return c.value(fast.PlannedState)
}

// apply applies planned on both paths and returns the fast path's state.
func (c *pathComparison) apply(planned, config, prior tftypes.Value) tftypes.Value {
	c.t.Helper()
	ctx := context.Background()
	req := &tfprotov6.ApplyResourceChangeRequest{
		TypeName: c.typeName, PlannedState: c.dv(planned), Config: c.dv(config), PriorState: c.dv(prior),
		PlannedPrivate: c.private,
	}
	fast, err := c.f.server.ApplyResourceChange(ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	reference, err := c.reference.ApplyResourceChange(ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	c.compare("apply", fast, reference, func(state tftypes.Value) tftypes.Value { return c.masked(planned, state) })
	c.diags = fast.Diagnostics
	return c.value(fast.NewState)
}

// masked replaces the entries that planned left unknown, and only those,
// with a marker, after checking that state holds them fully known.
func (c *pathComparison) masked(planned, state tftypes.Value) tftypes.Value {
	c.t.Helper()
	if state.IsNull() || planned.IsNull() {
		return state
	}
	var p, s map[string]tftypes.Value
	if err := planned.As(&p); err != nil {
		c.t.Fatal(err)
	}
	if err := state.As(&s); err != nil {
		c.t.Fatal(err)
	}
	s = maps.Clone(s) // As hands out the value's own map
	for _, attr := range []string{"certs", "private_keys"} {
		var plannedEntries, entries map[string]tftypes.Value
		if err := p[attr].As(&plannedEntries); err != nil {
			c.t.Fatal(err)
		}
		if err := s[attr].As(&entries); err != nil {
			c.t.Fatal(err)
		}
		entries = maps.Clone(entries)
		for name, v := range entries {
			if pv, ok := plannedEntries[name]; ok && pv.IsKnown() {
				continue
			}
			if !v.IsFullyKnown() {
				c.t.Errorf("apply: %s[%q] is not known after apply", attr, name)
			}
			entries[name] = tftypes.NewValue(v.Type(), tftypes.UnknownValue)
		}
		s[attr] = tftypes.NewValue(s[attr].Type(), entries)
	}
	return tftypes.NewValue(c.typ, s)
}

// read refreshes state on both paths; changed says whether it must change.
func (c *pathComparison) read(state tftypes.Value, changed bool) tftypes.Value {
	c.t.Helper()
	ctx := context.Background()
	req := &tfprotov6.ReadResourceRequest{TypeName: c.typeName, CurrentState: c.dv(state), Private: c.private}
	fast, err := c.f.server.ReadResource(ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	reference, err := c.reference.ReadResource(ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	c.compare("read", fast, reference, nil)
	c.diags = fast.Diagnostics
	refreshed := c.value(fast.NewState)
	if refreshed.Equal(state) == changed {
		c.t.Errorf("read: changed = %v, want %v", !refreshed.Equal(state), changed)
	}
	return refreshed
}

// TestSchemaDefaults: the fast path reads the bulk schemas' defaults from
// the schemas, and they are the documented ones.
func TestSchemaDefaults(t *testing.T) {
	t.Parallel()
	want := map[string]tftypes.Value{
		"key_algorithm":         tftypes.NewValue(tftypes.String, "ECDSA_P256"),
		"validity_period_hours": tftypes.NewValue(tftypes.Number, 8760),
		"early_renewal_hours":   tftypes.NewValue(tftypes.Number, 720),
	}
	for typeName, h := range newProtocolServer("test", clock.System{}).bulk {
		got, err := schemaDefaults(context.Background(), h.schema())
		if err != nil {
			t.Fatalf("%s: %v", typeName, err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: defaults %v, want %v", typeName, got, want)
		}
		for name, v := range want {
			if !got[name].Equal(v) {
				t.Errorf("%s: %s defaults to %v, want %v", typeName, name, got[name], v)
			}
		}
	}
	// A default the fast path cannot read fails closed.
	s := serverCertsSpec{}.schema()
	certs := s.Attributes["certs"].(schema.MapNestedAttribute)
	certs.Default = mapdefault.StaticValue(types.MapNull(certs.NestedObject.Type()))
	s.Attributes["certs"] = certs
	if _, err := schemaDefaults(context.Background(), s); err == nil {
		t.Error("a map default was skipped without an error")
	}
}

// TestProtoDiagnosticsMatchFramework holds protoDiagnostics, which turns the
// fast path's diagnostics into the protocol's, to the framework's own
// conversion: one resource's ModifyPlan returns every kind of diagnostic
// (each severity, no path, the empty path, and each kind of path step) and
// the framework's response must carry exactly what protoDiagnostics makes
// of them. The bulk resources emit only some of these today; a new one
// must not be converted differently.
func TestProtoDiagnosticsMatchFramework(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	diags := diag.Diagnostics{
		diag.NewErrorDiagnostic("error", "without a path"),
		diag.NewWarningDiagnostic("warning", "without a path"),
		diag.NewAttributeErrorDiagnostic(path.Empty(), "error", "at the empty path"),
		diag.NewAttributeWarningDiagnostic(path.Root("a"), "warning", "at an attribute"),
		diag.NewAttributeErrorDiagnostic(path.Root("m").AtMapKey("k").AtName("x"), "error", "at a map key"),
		diag.NewAttributeWarningDiagnostic(path.Root("l").AtListIndex(3), "warning", "at a list index"),
		diag.NewAttributeErrorDiagnostic(path.Root("s").AtSetValue(types.StringValue("v")), "error", "at a set value"),
	}
	server := providerserver.NewProtocol6(diagnosticsProvider{diags: diags})()
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ := schemas.ResourceSchemas["diagnostics_test"].ValueType()
	config, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, map[string]tftypes.Value{"a": tftypes.NewValue(tftypes.String, "x")}))
	if err != nil {
		t.Fatal(err)
	}
	null, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{}); err != nil {
		t.Fatal(err)
	}
	resp, err := server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: "diagnostics_test", PriorState: &null, ProposedNewState: &config, Config: &config,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, want := diagText(protoDiagnostics(ctx, diags)), diagText(resp.Diagnostics)
	if got != want {
		t.Errorf("protoDiagnostics makes\n%s\nthe framework\n%s", got, want)
	}
	if len(resp.Diagnostics) != len(diags) {
		t.Fatalf("the framework sent %d diagnostics for %d", len(resp.Diagnostics), len(diags))
	}
	for i, d := range protoDiagnostics(ctx, diags) {
		if f := resp.Diagnostics[i]; d.Severity != f.Severity || !equalPaths(d.Attribute, f.Attribute) {
			t.Errorf("diagnostic %d: protoDiagnostics makes %v at %v, the framework %v at %v", i, d.Severity, d.Attribute, f.Severity, f.Attribute)
		}
	}
}

// equalPaths compares two protocol paths, nil included.
func equalPaths(a, b *tftypes.AttributePath) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b)
}

// diagnosticsProvider serves one resource, diagnostics_test, whose plan
// returns diags.
type diagnosticsProvider struct{ diags diag.Diagnostics }

func (diagnosticsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "diagnostics"
}
func (diagnosticsProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {
}
func (diagnosticsProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}
func (diagnosticsProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
func (p diagnosticsProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return diagnosticsResource(p) }}
}

type diagnosticsResource struct{ diags diag.Diagnostics }

func (diagnosticsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_test"
}
func (diagnosticsResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{"a": schema.StringAttribute{Optional: true}}}
}
func (r diagnosticsResource) ModifyPlan(_ context.Context, _ resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	resp.Diagnostics = append(resp.Diagnostics, r.diags...)
}
func (diagnosticsResource) Create(context.Context, resource.CreateRequest, *resource.CreateResponse) {
}
func (diagnosticsResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}
func (diagnosticsResource) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {
}
func (diagnosticsResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
