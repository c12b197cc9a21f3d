package provider

import (
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Reading and building the bulk resources' tftypes values.

// mapEntries returns the entries of a known map (none for a null one), in a
// map of the caller's; known is false for an unknown map.
func mapEntries(v tftypes.Value) (map[string]tftypes.Value, bool) {
	if !v.IsKnown() {
		return nil, false
	}
	var entries map[string]tftypes.Value
	if v.IsNull() || v.As(&entries) != nil {
		return map[string]tftypes.Value{}, true
	}
	// As hands out the value's own map: changing it would change the value.
	return maps.Clone(entries), true
}

// objectAttrs returns the attributes of a known, non-null object. The map is
// the value's own: read it, never change it.
func objectAttrs(v tftypes.Value) (map[string]tftypes.Value, bool) {
	if !v.IsKnown() || v.IsNull() {
		return nil, false
	}
	var attrs map[string]tftypes.Value
	if v.As(&attrs) != nil {
		return nil, false
	}
	return attrs, true
}

// knownString returns the value of a known, non-null string.
func knownString(v tftypes.Value) (string, bool) {
	if !v.IsKnown() || v.IsNull() {
		return "", false
	}
	var s string
	if v.As(&s) != nil {
		return "", false
	}
	return s, true
}

// stringList reads a list of strings. n counts its elements, known or not,
// and is -1 while the list itself is unknown; known is false while the list
// or any element is. Null elements are left out: the attribute validators
// refuse them.
func stringList(v tftypes.Value) (elems []string, n int, known bool) {
	if !v.IsKnown() {
		return nil, -1, false
	}
	var values []tftypes.Value
	if v.IsNull() || v.As(&values) != nil {
		return nil, 0, true
	}
	known = true
	for _, e := range values {
		switch s, ok := knownString(e); {
		case !e.IsKnown():
			known = false
		case ok:
			elems = append(elems, s)
		}
	}
	return elems, len(values), known
}

func sortedKeys(m map[string]tftypes.Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
