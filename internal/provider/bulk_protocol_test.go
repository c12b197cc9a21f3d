package provider

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/dockertls/terraform-provider-dockertls/internal/clock"
)

// TestBulkServerMatchesFramework holds the protocol server's fast path for
// the bulk resources to the framework's own handling of the same resources,
// request by request: creating, refreshing, a no-change plan, an update
// that adds, changes and removes entries, an entry due for renewal (with
// its warning), an error at plan, and destroying. Plans, refreshed states
// and diagnostics must be identical; applied states too, except for the
// certificates each path issues itself (random keys), which must be
// issued in both and nowhere else. (One difference is deliberate: when
// issuing fails, the fast path keeps the prior state, where the framework
// returns the plan with its unknown values, which Terraform stores as null.)
func TestBulkServerMatchesFramework(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"dockertls_server_certs", "dockertls_client_certs"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
			fast := newRPCFixtureOn(t, newProtocolServer("test", clk))
			framework := providerserver.NewProtocol6(newWithClock("test", clk)())()
			if _, err := framework.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{
				Config: rpcDynamic(t, fast.schemas.Provider.ValueType(), tftypes.NewValue(fast.schemas.Provider.ValueType(), nil)),
			}); err != nil {
				t.Fatal(err)
			}
			c := &pathComparison{t: t, f: fast, framework: framework, typeName: kind,
				typ: fast.schemas.ResourceSchemas[kind].ValueType().(tftypes.Object)}
			config := func(gen, changed int, shared map[string]tftypes.Value) tftypes.Value {
				set := fast.bulkSet(kind, 4, gen, changed)
				delete(set, "key_algorithm") // the default
				for k, v := range shared {
					set[k] = v
				}
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
			// Two entries change (one of them by its name too, as removal and
			// addition) and the others stay.
			second := config(1, 2, shortLived)
			state = c.apply(c.plan(second, state), second, state)

			clk.Advance(36 * time.Hour)
			state = c.read(state, true)
			planned := c.plan(second, state)
			state = c.apply(planned, second, state)

			// An expired CA fails the plan the same way.
			clk.Advance(20000 * time.Hour)
			c.plan(second, state)
			// Destroying.
			c.apply(c.plan(null, state), null, state)
		})
	}
}

// pathComparison sends each request to both servers and compares.
type pathComparison struct {
	t         *testing.T
	f         *rpcFixture
	framework tfprotov6.ProviderServer
	typeName  string
	typ       tftypes.Object
}

// object is a configuration with the given attributes set, every other null.
func (c *pathComparison) object(set map[string]tftypes.Value) tftypes.Value {
	attrs := map[string]tftypes.Value{}
	for name, typ := range c.typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(typ, nil)
	}
	for name, v := range set {
		attrs[name] = v
	}
	return tftypes.NewValue(c.typ, attrs)
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

func (c *pathComparison) sameDiagnostics(what string, fast, framework []*tfprotov6.Diagnostic) {
	c.t.Helper()
	if a, b := diagText(fast), diagText(framework); a != b {
		c.t.Errorf("%s: the fast path says\n%s\nthe framework\n%s", what, a, b)
	}
}

func diagText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%v %v: %s: %s\n", d.Severity, d.Attribute, d.Summary, d.Detail)
	}
	return b.String()
}

// plan plans config over prior on both paths and returns the planned state.
func (c *pathComparison) plan(config, prior tftypes.Value) tftypes.Value {
	c.t.Helper()
	ctx := context.Background()
	req := &tfprotov6.PlanResourceChangeRequest{
		TypeName: c.typeName, Config: c.dv(config), PriorState: c.dv(prior), ProposedNewState: c.dv(c.proposed(config, prior)),
	}
	fast, err := c.f.server.PlanResourceChange(ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	framework, err := c.framework.PlanResourceChange(ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sameDiagnostics("plan", fast.Diagnostics, framework.Diagnostics)
	planned := c.value(fast.PlannedState)
	if fw := c.value(framework.PlannedState); !planned.Equal(fw) {
		c.t.Errorf("plan: the fast path plans\n%v\nthe framework\n%v", planned, fw)
	}
	if len(fast.RequiresReplace)+len(framework.RequiresReplace) > 0 {
		c.t.Errorf("plan: replacement required at %v / %v", fast.RequiresReplace, framework.RequiresReplace)
	}
	return planned
}

// apply applies planned on both paths and returns the fast path's state.
func (c *pathComparison) apply(planned, config, prior tftypes.Value) tftypes.Value {
	c.t.Helper()
	ctx := context.Background()
	req := &tfprotov6.ApplyResourceChangeRequest{TypeName: c.typeName, PlannedState: c.dv(planned), Config: c.dv(config), PriorState: c.dv(prior)}
	fast, err := c.f.server.ApplyResourceChange(ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	framework, err := c.framework.ApplyResourceChange(ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sameDiagnostics("apply", fast.Diagnostics, framework.Diagnostics)
	fastState, fwState := c.value(fast.NewState), c.value(framework.NewState)
	if !c.masked(planned, fastState).Equal(c.masked(planned, fwState)) {
		c.t.Errorf("apply: the fast path stores\n%v\nthe framework\n%v", fastState, fwState)
	}
	return fastState
}

// masked replaces the entries that planned left unknown, and only those,
// with a marker, after checking that state holds them fully known.
func (c *pathComparison) masked(planned, state tftypes.Value) tftypes.Value {
	c.t.Helper()
	if state.IsNull() {
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
	req := &tfprotov6.ReadResourceRequest{TypeName: c.typeName, CurrentState: c.dv(state)}
	fast, err := c.f.server.ReadResource(ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	framework, err := c.framework.ReadResource(ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sameDiagnostics("read", fast.Diagnostics, framework.Diagnostics)
	refreshed := c.value(fast.NewState)
	if fw := c.value(framework.NewState); !refreshed.Equal(fw) {
		c.t.Errorf("read: the fast path refreshes to\n%v\nthe framework\n%v", refreshed, fw)
	}
	if refreshed.Equal(state) == changed {
		c.t.Errorf("read: changed = %v, want %v", !refreshed.Equal(state), changed)
	}
	return refreshed
}
