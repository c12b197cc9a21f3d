package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// How diagnostics word things, for every resource and data source: lists of
// names, counts, and the prefix that places a diagnostic in a block or an
// entry.

// namesInWarnings is how many names a warning lists before it says how many
// more there are.
const namesInWarnings = 10

// capitalize starts a sentence taken from an error with a capital.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// listNames quotes sorted names for a diagnostic, at most
// namesInWarnings of them and then how many more.
func listNames(names []string) string {
	quoted := make([]string, 0, namesInWarnings)
	for _, n := range names[:min(len(names), namesInWarnings)] {
		quoted = append(quoted, fmt.Sprintf("%q", n))
	}
	if more := len(names) - len(quoted); more > 0 {
		return strings.Join(quoted, ", ") + fmt.Sprintf(" and %d more", more)
	}
	if len(quoted) > 1 {
		return strings.Join(quoted[:len(quoted)-1], ", ") + " and " + quoted[len(quoted)-1]
	}
	return strings.Join(quoted, "")
}

func countCertificates(n int) string {
	if n == 1 {
		return "1 certificate is"
	}
	return fmt.Sprintf("%d certificates are", n)
}

// withDetailPrefix returns diags with each detail preceded by "PREFIX: ",
// where prefix gives one ("" leaves the diagnostic as it is). Diagnostics
// keep their severity, summary and path.
func withDetailPrefix(diags diag.Diagnostics, prefix func(d diag.Diagnostic, p path.Path, hasPath bool) string) diag.Diagnostics {
	out := make(diag.Diagnostics, 0, len(diags))
	for _, d := range diags {
		withPath, hasPath := d.(diag.DiagnosticWithPath)
		var p path.Path
		if hasPath {
			p = withPath.Path()
		}
		pre := prefix(d, p, hasPath)
		if pre == "" {
			out = append(out, d)
			continue
		}
		detail := pre + ": " + d.Detail()
		switch {
		case hasPath && d.Severity() == diag.SeverityWarning:
			out = append(out, diag.NewAttributeWarningDiagnostic(p, d.Summary(), detail))
		case hasPath:
			out = append(out, diag.NewAttributeErrorDiagnostic(p, d.Summary(), detail))
		case d.Severity() == diag.SeverityWarning:
			out = append(out, diag.NewWarningDiagnostic(d.Summary(), detail))
		default:
			out = append(out, diag.NewErrorDiagnostic(d.Summary(), detail))
		}
	}
	return out
}
