package visible

import (
	"strings"
	"testing"
	"unicode"
)

// hidden are characters that must be refused, each with a phrase of its
// description: the families the rule is there for.
var hidden = map[rune]string{
	'\x00':       "the control character U+0000",
	'\n':         "the control character U+000A",
	'\x7f':       "the control character U+007F",
	'\u0085':     "the control character U+0085",
	'\u00ad':     "the invisible format character U+00AD", // soft hyphen
	'\u061c':     "the invisible format character U+061C", // Arabic letter mark
	'\u200b':     "the invisible format character U+200B", // zero-width space
	'\u200c':     "the invisible format character U+200C",
	'\u200d':     "the invisible format character U+200D",
	'\u200e':     "the invisible format character U+200E", // left-to-right mark
	'\u202a':     "the invisible format character U+202A", // bidirectional embeddings and overrides
	'\u202b':     "the invisible format character U+202B",
	'\u202c':     "the invisible format character U+202C",
	'\u202d':     "the invisible format character U+202D",
	'\u202e':     "the invisible format character U+202E",
	'\u2060':     "the invisible format character U+2060", // word joiner
	'\u2066':     "the invisible format character U+2066", // bidirectional isolates
	'\u2067':     "the invisible format character U+2067",
	'\u2068':     "the invisible format character U+2068",
	'\u2069':     "the invisible format character U+2069",
	'\ufeff':     "the invisible format character U+FEFF",  // byte-order mark
	'\U000e0041': "the invisible format character U+E0041", // tag
	'\u2028':     "the line separator U+2028",
	'\u2029':     "the paragraph separator U+2029",
	'\ue000':     "the private-use character U+E000",
	'\U0010ffff': "the unassigned character U+10FFFF",
}

func TestFirstHidden(t *testing.T) {
	t.Parallel()
	for r, want := range hidden {
		s := "ab" + string(r) + "c"
		pos, got, found := FirstHidden(s)
		if !found || pos != 3 || got != r || !strings.Contains(Describe(got), want) {
			t.Errorf("FirstHidden(%q) = %d, %U, %v (%s); want 3, %U: %s", s, pos, got, found, Describe(got), r, want)
		}
	}
	for _, s := range []string{"", "plain", "with space", "dockér dæmon", "容器", "Ωμέγα", "emoji 🐳", "e\u0301", "a\u00a0b", "100% ~$`'\"\\"} {
		if pos, r, found := FirstHidden(s); found {
			t.Errorf("FirstHidden(%q) found %U at %d", s, r, pos)
		}
	}
}

// FuzzFirstHidden: a string FirstHidden finds nothing in holds no rune of
// Cc, Cf, Zl or Zp, checked with the categories themselves.
func FuzzFirstHidden(f *testing.F) {
	for r := range hidden {
		f.Add("x" + string(r))
	}
	f.Add("plain")
	f.Fuzz(func(t *testing.T, s string) {
		if _, _, found := FirstHidden(s); found {
			return
		}
		if i := strings.IndexFunc(s, func(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) }); i >= 0 {
			t.Fatalf("FirstHidden found nothing in %q, which has %q at byte %d", s, s[i:], i)
		}
	})
}
