// Package visible holds the one rule for text that people read back from
// a plan, a certificate or a rendered file: paths and a certificate's
// subject. It knows nothing of Terraform.
package visible

import (
	"fmt"
	"unicode"
)

// Rune reports whether r shows as itself: a letter, mark, number,
// punctuation, symbol or space (unicode.IsGraphic). That leaves out control
// characters (Cc: a line break ends a line in every render), invisible
// format characters (Cf: bidirectional overrides and isolates, zero-width
// spaces and joiners, the byte-order mark, the soft hyphen), line and
// paragraph separators (Zl, Zp), private-use and unassigned code points:
// whatever shows as nothing, or reorders the text around it, so that what
// a reader sees is not the value used. The rule says what is allowed, so
// no list of such characters needs keeping up with Unicode.
func Rune(r rune) bool { return unicode.IsGraphic(r) }

// FirstHidden returns the first rune of s that Rune refuses and its
// position in characters, counted from 1.
func FirstHidden(s string) (pos int, r rune, found bool) {
	pos = 1
	for _, r := range s {
		if !Rune(r) {
			return pos, r, true
		}
		pos++
	}
	return 0, 0, false
}

// Describe names a rune that Rune refuses, for a message: "the control
// character U+000A", "the invisible format character U+202E", ...
func Describe(r rune) string {
	kind := "the invisible character"
	switch {
	case unicode.Is(unicode.Cc, r):
		kind = "the control character"
	case unicode.Is(unicode.Cf, r):
		kind = "the invisible format character"
	case unicode.Is(unicode.Zl, r):
		kind = "the line separator"
	case unicode.Is(unicode.Zp, r):
		kind = "the paragraph separator"
	case unicode.Is(unicode.Co, r):
		kind = "the private-use character"
	case !unicode.Is(unicode.Cs, r) && r <= unicode.MaxRune:
		kind = "the unassigned character"
	}
	return fmt.Sprintf("%s %U", kind, r)
}

// IsControl reports a refused rune that is a control character, which
// breaks a line or a command rather than only hiding.
func IsControl(r rune) bool { return unicode.Is(unicode.Cc, r) }
