package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// storedOrWriteOnly is an input given through exactly one of two attributes: one whose
// value is stored in the state, and its write-only twin, null in plan and
// state and read from the configuration.
type storedOrWriteOnly struct {
	stored, writeOnly         types.String
	storedPath, writeOnlyPath path.Path
}

// value returns whichever attribute is set (the write-only one when neither
// is), and its path.
func (p storedOrWriteOnly) value() (types.String, path.Path) {
	if p.stored.IsNull() {
		return p.writeOnly, p.writeOnlyPath
	}
	return p.stored, p.storedPath
}

// pairWording is what the "exactly one of" diagnostics say: noun names the
// input in the summaries, both and neither are the details with the fix.
type pairWording struct {
	noun          string
	both, neither string
}

// exactlyOne reports, on the write-only attribute, unless exactly one of the
// two is set. Unknown counts as set (the value is coming) beside a null,
// and beside a known value. Both unknown are not judged: a configuration
// that picks one of the pair by a condition on a variable gives both unknown
// while Terraform validates it (every variable is unknown then), and
// Terraform validates again with the values known, at plan or at apply.
func (p storedOrWriteOnly) exactlyOne(w pairWording, diags *diag.Diagnostics) bool {
	if p.stored.IsUnknown() && p.writeOnly.IsUnknown() {
		return true
	}
	switch stored, writeOnly := !p.stored.IsNull(), !p.writeOnly.IsNull(); {
	case stored && writeOnly:
		diags.AddAttributeError(p.writeOnlyPath, fmt.Sprintf("Two %ss: %s and %s are both set", w.noun, p.storedPath, p.writeOnlyPath), w.both)
		return false
	case !stored && !writeOnly:
		diags.AddAttributeError(p.writeOnlyPath, fmt.Sprintf("No %s: set %s or %s", w.noun, p.writeOnlyPath, p.storedPath), w.neither)
		return false
	}
	return true
}
