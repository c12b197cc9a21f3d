package provider

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// entryValidators are the attribute validators of one entry of a bulk
// resource's map: the single resources' own, run by ValidateConfig on each
// entry rather than declared in the nested schema, for two reasons.
// Terraform points a diagnostic of a map entry at the resource block, not
// at the entry, so in a map of a thousand the detail itself must name the
// entry: run here, each detail that does not name it already is prefixed
// with the attribute's path (hosts["web1"].dns_names[0]: ...). And the
// framework's walk of nested attributes costs more per entry than the
// checks themselves.
type entryValidators struct {
	strings map[string][]validator.String
	lists   map[string][]validator.List
}

// run checks the attributes of the entry at path at.
func (v entryValidators) run(ctx context.Context, attrs map[string]tftypes.Value, at path.Path, diags *diag.Diagnostics) {
	var found diag.Diagnostics
	// In the order of the names: map order would shuffle one entry's
	// diagnostics from run to run.
	for _, name := range slices.Sorted(maps.Keys(v.strings)) {
		validators := v.strings[name]
		req := validator.StringRequest{Path: at.AtName(name), PathExpression: at.AtName(name).Expression(), ConfigValue: frameworkString(attrs[name])}
		for _, check := range validators {
			var resp validator.StringResponse
			check.ValidateString(ctx, req, &resp)
			found.Append(resp.Diagnostics...)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(v.lists)) {
		validators := v.lists[name]
		req := validator.ListRequest{Path: at.AtName(name), PathExpression: at.AtName(name).Expression(), ConfigValue: frameworkStringList(attrs[name])}
		for _, check := range validators {
			var resp validator.ListResponse
			check.ValidateList(ctx, req, &resp)
			found.Append(resp.Diagnostics...)
		}
	}
	diags.Append(namingEntry(found, at)...)
}

// namingEntry prefixes with its path each diagnostic whose detail does not
// name the entry at already.
func namingEntry(diags diag.Diagnostics, at path.Path) diag.Diagnostics {
	return withDetailPrefix(diags, func(d diag.Diagnostic, p path.Path, hasPath bool) string {
		if !hasPath || strings.Contains(d.Detail(), at.String()) {
			return ""
		}
		return p.String()
	})
}

func frameworkString(v tftypes.Value) types.String {
	switch s, ok := knownString(v); {
	case !v.IsKnown():
		return types.StringUnknown()
	case !ok:
		return types.StringNull()
	default:
		return types.StringValue(s)
	}
}

func frameworkStringList(v tftypes.Value) types.List {
	if !v.IsKnown() {
		return types.ListUnknown(types.StringType)
	}
	var elems []tftypes.Value
	if v.IsNull() || v.As(&elems) != nil {
		return types.ListNull(types.StringType)
	}
	values := make([]attr.Value, len(elems))
	for i, e := range elems {
		values[i] = frameworkString(e)
	}
	return types.ListValueMust(types.StringType, values)
}
