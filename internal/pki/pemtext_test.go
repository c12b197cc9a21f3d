package pki_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// certificateReaders are the three readers of certificate inputs. Each
// accepts only CERTIFICATE blocks and whitespace, so each case runs
// through all of them.
var certificateReaders = []struct {
	name string
	read func(string) error
}{
	{"ParseCertificatePEM", func(s string) error { _, err := pki.ParseCertificatePEM(s); return err }},
	{"ParseCACertificatePEM", func(s string) error { _, err := pki.ParseCACertificatePEM(s); return err }},
	{"ParseTrustPEM", func(s string) error { _, err := pki.ParseTrustPEM(s); return err }},
}

// keySpellings are the ways a CA's private key rides along with its
// certificate: the five that a search for keys let through, then the ones
// it already caught. Each must be refused, with the key named first, and
// without a byte of it in the message.
func keySpellings(ca *pki.Certificate) []struct{ name, text string } {
	block, _ := pem.Decode([]byte(ca.PrivateKeyPEM))
	der := block.Bytes
	b64 := base64.StdEncoding.EncodeToString(der)
	cert := ca.CertPEM
	certBody := strings.TrimPrefix(cert, "-----BEGIN CERTIFICATE-----\n")
	cut := ca.PrivateKeyPEM[:len(ca.PrivateKeyPEM)-len("-----END PRIVATE KEY-----\n")]
	return []struct{ name, text string }{
		// `kubectl get secret -o yaml` prints each value of a TLS secret
		// as the base64 of the whole PEM file, on one line.
		{"kubectl yaml: tls.key after the certificate", cert + "  tls.key: " + base64.StdEncoding.EncodeToString([]byte(ca.PrivateKeyPEM)) + "\n"},
		{"kubectl yaml: the whole secret", "apiVersion: v1\ndata:\n  tls.crt: " + base64.StdEncoding.EncodeToString([]byte(cert)) +
			"\n  tls.key: " + base64.StdEncoding.EncodeToString([]byte(ca.PrivateKeyPEM)) + "\nkind: Secret\ntype: kubernetes.io/tls\n" + cert},
		{"key base64 without armour, 32 columns", cert + wrap(b64, 32, "", "\n")},
		{"key base64 without armour, 16 columns", cert + wrap(b64, 16, "", "\n")},
		{"header inside the CERTIFICATE block carrying the key", "-----BEGIN CERTIFICATE-----\nKey: " + b64 + "\n" + certBody},
		{"Proc-Type and DEK-Info headers inside the CERTIFICATE block", "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC," +
			strings.ToUpper(hex.EncodeToString(der)) + "\n\n" + certBody},
		{"key base64 split by spaces", cert + wrap(strings.Join(chunks(b64, 8), " "), 72, "", "\n")},
		{"key base64 lines ending in a backslash", cert + wrap(b64, 64, "", " \\\n")},
		// What a search for keys caught already.
		{"PKCS#8 key appended", cert + ca.PrivateKeyPEM},
		{"key before the certificate", ca.PrivateKeyPEM + cert},
		{"key without its END line", cert + cut},
		{"key cut short before the certificate", cut + cert},
		{"key alone", ca.PrivateKeyPEM},
		{"key lines without armour, 64 columns", cert + armourless(ca.PrivateKeyPEM)},
		{"key with four-dash armour", cert + strings.ReplaceAll(ca.PrivateKeyPEM, "-----", "----")},
		{"SSH2 armour", cert + "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"x\"\n" + armourless(ca.PrivateKeyPEM) + "---- END SSH2 ENCRYPTED PRIVATE KEY ----\n"},
		{"key DER after the certificate DER, in one block", pemText("CERTIFICATE", append(append([]byte{}, ca.Cert.Raw...), der...), nil)},
	}
}

// TestCertificateText_KeySpellings: every spelling of "the CA certificate
// and its key" is refused by every reader, the key is named (the input is
// not sensitive, so the user must learn that it leaked), and no part of
// the key is repeated. The first eight went through before: the reader
// looked for keys, and these do not look like the keys it knew.
func TestCertificateText_KeySpellings(t *testing.T) {
	t.Parallel()
	ca := issueCA(t, pki.ECDSAP256)
	for _, tc := range keySpellings(ca) {
		for _, r := range certificateReaders {
			err := r.read(tc.text)
			switch {
			case err == nil:
				t.Errorf("%s, %s: accepted", tc.name, r.name)
				continue
			case !errors.Is(err, pki.ErrPrivateKeyInCertificate):
				t.Errorf("%s, %s: refused, but the key is not named: %v", tc.name, r.name, err)
			}
			assertNoLeak(t, tc.name+", "+r.name, err, tc.text)
			assertNoKeyFragment(t, tc.name+", "+r.name, err, ca.PrivateKeyPEM)
		}
	}
}

// TestCertificateText_HonestSpellings: what editors, Windows and tools do
// to a PEM file without adding anything to it is accepted, and the
// certificates read are the ones written.
func TestCertificateText_HonestSpellings(t *testing.T) {
	t.Parallel()
	ca, next := issueCA(t, pki.ECDSAP256), issueCA(t, pki.RSA2048)
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	rewrap := func(certPEM string, width int) string {
		block, _ := pem.Decode([]byte(certPEM))
		return "-----BEGIN CERTIFICATE-----\n" + wrap(base64.StdEncoding.EncodeToString(block.Bytes), width, "", "\n") + "-----END CERTIFICATE-----\n"
	}
	trailing := func(s, ws string) string { return strings.ReplaceAll(s, "\n", ws+"\n") }
	cases := []struct {
		name string
		text string
		want []*x509.Certificate
	}{
		{"as written", ca.CertPEM, []*x509.Certificate{ca.Cert}},
		{"CRLF line endings", crlf(ca.CertPEM), []*x509.Certificate{ca.Cert}},
		{"no final newline", strings.TrimSuffix(ca.CertPEM, "\n"), []*x509.Certificate{ca.Cert}},
		{"blank lines before and after", "\n\n  \t\n" + ca.CertPEM + "\n \n\n", []*x509.Certificate{ca.Cert}},
		{"trailing spaces and tabs on every line", trailing(ca.CertPEM, " \t "), []*x509.Certificate{ca.Cert}},
		{"CRLF and trailing spaces", crlf(trailing(ca.CertPEM, "  ")), []*x509.Certificate{ca.Cert}},
		{"76 columns", rewrap(ca.CertPEM, 76), []*x509.Certificate{ca.Cert}},
		{"17 columns", rewrap(ca.CertPEM, 17), []*x509.Certificate{ca.Cert}},
		{"one line of base64", rewrap(ca.CertPEM, 10000), []*x509.Certificate{ca.Cert}},
		{"a bundle", ca.CertPEM + next.CertPEM, []*x509.Certificate{ca.Cert, next.Cert}},
		{"a bundle with blank lines between", ca.CertPEM + "\n\n" + next.CertPEM, []*x509.Certificate{ca.Cert, next.Cert}},
		{"a bundle in CRLF", crlf(ca.CertPEM + "\n" + next.CertPEM), []*x509.Certificate{ca.Cert, next.Cert}},
		{"whitespace-only lines of spaces and CRs", "\r\n \r \n" + ca.CertPEM + " \r \n", []*x509.Certificate{ca.Cert}},
	}
	for _, tc := range cases {
		cas, err := pki.ParseTrustPEM(tc.text)
		if err != nil {
			t.Errorf("%s: refused: %v", tc.name, err)
			continue
		}
		if len(cas) != len(tc.want) {
			t.Errorf("%s: read %d certificates, want %d", tc.name, len(cas), len(tc.want))
			continue
		}
		for i := range cas {
			if !cas[i].Equal(tc.want[i]) {
				t.Errorf("%s: certificate %d is not the one written", tc.name, i+1)
			}
		}
		if len(tc.want) == 1 {
			for _, r := range certificateReaders {
				if err := r.read(tc.text); err != nil {
					t.Errorf("%s, %s: refused: %v", tc.name, r.name, err)
				}
			}
		}
	}
}

// TestCertificateText_RefusesAnythingElse: a certificate input holds
// CERTIFICATE blocks and whitespace, nothing else, whether or not the rest
// looks like a key. Each refusal names the line and what to remove, and
// repeats nothing of it.
func TestCertificateText_RefusesAnythingElse(t *testing.T) {
	t.Parallel()
	ca := issueCA(t, pki.ECDSAP256)
	cert := ca.CertPEM
	body := strings.TrimPrefix(cert, "-----BEGIN CERTIFICATE-----\n")
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	der := ca.Cert.Raw
	secret := "correct horse battery staple, the vault's passphrase"
	const outside = "holds text outside a CERTIFICATE block: remove everything but the -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE----- blocks"
	const opensslHint = "openssl x509 -in FILE"
	// after is the line after the certificate, last the certificate's END line.
	last := strings.Count(cert, "\n")
	after := fmt.Sprintf("line %d ", last+1)
	cases := []struct{ name, text, want string }{
		{"a comment before", "# the CA of the docker hosts\n" + cert, "line 1 " + outside},
		{"a passphrase after", cert + secret + "\n", after + outside},
		{"a word after, same line as nothing else", cert + "x\n", after + outside},
		{"Bag Attributes from pkcs12", "Bag Attributes\n    friendlyName: ca\n    localKeyID: 01 02 03\nsubject=CN = Test CA\nissuer=CN = Test CA\n" + cert, opensslHint},
		{"subject= and issuer= from s_client -showcerts", "subject=CN = Test CA\n\nissuer=CN = Test CA\n\n" + cert, opensslHint},
		{"openssl x509 -text before the block", "Certificate:\n    Data:\n        Version: 3 (0x2)\n" + cert, opensslHint},
		{"a non-breaking space line", cert + "\u00a0\n", after + outside},
		{"a form feed", cert + "\f\n", after + outside},
		{"stray base64 after", cert + "QUJDREVGR0hJSktMTU5PUA==\n", after + outside},
		{"the certificate twice, once unarmoured", cert + armourless(cert), ""},
		{"an EC PARAMETERS block", pemText("EC PARAMETERS", []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}, nil) + cert, `line 1 begins a "EC PARAMETERS" PEM block`},
		{"a block of a type not worth naming", "-----BEGIN " + strings.ToUpper(secret[:20]) + "-----\nAAAA\n-----END " + strings.ToUpper(secret[:20]) + "-----\n" + cert, "line 1 begins a PEM block of another type"},
		{"an END without BEGIN", cert + "-----END CERTIFICATE-----\n", after},
		{"a BEGIN without END", cert + "-----BEGIN CERTIFICATE-----\nAAAA\n", after},
		{"an indented block", strings.ReplaceAll("\n"+cert, "\n", "\n  "), "line 2"},
		{"one line: spaces instead of newlines", strings.ReplaceAll(strings.TrimSuffix(cert, "\n"), "\n", " ") + "\n", "line 1"},
		{"a blank line inside the block", "-----BEGIN CERTIFICATE-----\n\n" + body, "line 2"},
		{"a header inside the block", "-----BEGIN CERTIFICATE-----\nComment: " + secret + "\n" + body, "line 2"},
		{"spaces inside a base64 line", "-----BEGIN CERTIFICATE-----\n" + lines[0][:30] + " " + lines[0][30:] + "\n" + strings.Join(lines[1:], "\n") + "\n", "line 2"},
		{"an indented base64 line", "-----BEGIN CERTIFICATE-----\n " + strings.Join(lines, "\n") + "\n", "line 2"},
		{"padding in the middle", "-----BEGIN CERTIFICATE-----\nAA==\n" + body, "base64"},
		{"base64 with non-zero padding bits", "-----BEGIN CERTIFICATE-----\n" + nonCanonical(der) + "\n-----END CERTIFICATE-----\n", "base64"},
		{"two certificates' DER in one block", pemText("CERTIFICATE", append(append([]byte{}, der...), der...), nil), "after the certificate"},
		{"junk after the DER", pemText("CERTIFICATE", append(append([]byte{}, der...), []byte(secret)...), nil), "after the certificate"},
		{"an empty block", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", "line 1"},
		{"a BEGIN line with text after it", "-----BEGIN CERTIFICATE----- " + secret + "\n" + body, "line 1"},
		{"an END line with text after it", strings.TrimSuffix(cert, "\n") + secret + "\n", fmt.Sprintf("line %d", last)},
	}
	for _, tc := range cases {
		for _, r := range certificateReaders {
			err := r.read(tc.text)
			switch {
			case err == nil:
				t.Errorf("%s, %s: accepted", tc.name, r.name)
				continue
			case !strings.Contains(err.Error(), tc.want):
				t.Errorf("%s, %s: got %q, want it to contain %q", tc.name, r.name, err, tc.want)
			}
			assertNoLeak(t, tc.name+", "+r.name, err, tc.text)
			if strings.Contains(err.Error(), secret[:16]) || strings.Contains(strings.ToUpper(err.Error()), strings.ToUpper(secret[:16])) {
				t.Errorf("%s, %s: the error repeats the text: %q", tc.name, r.name, err)
			}
		}
	}
}

// wrap cuts s into lines of width, each between prefix and suffix.
func wrap(s string, width int, prefix, suffix string) string {
	var b strings.Builder
	for _, c := range chunks(s, width) {
		b.WriteString(prefix + c + suffix)
	}
	return b.String()
}

func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// nonCanonical is der in base64 with a padding bit set: lenient decoders
// read the same bytes, so the bit is a channel for nothing but mischief.
func nonCanonical(der []byte) string {
	for len(der)%3 == 0 {
		der = append(der, 0) // never taken for a certificate; only the shape matters
	}
	s := base64.StdEncoding.EncodeToString(der)
	i := strings.IndexByte(s, '=') - 1
	// The lowest bit of the last character before the padding is always
	// a padding bit.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	return s[:i] + string(alphabet[strings.IndexByte(alphabet, s[i])^1]) + s[i+1:]
}

// assertNoKeyFragment: the error holds no line of the key's PEM, nor its
// DER in base64 or hex, nor the base64 of the whole PEM file.
func assertNoKeyFragment(t *testing.T, name string, err error, keyPEM string) {
	t.Helper()
	block, _ := pem.Decode([]byte(keyPEM))
	fragments := append(keyBodyLines(keyPEM),
		base64.StdEncoding.EncodeToString(block.Bytes)[:16],
		hex.EncodeToString(block.Bytes)[:16],
		strings.ToUpper(hex.EncodeToString(block.Bytes)[:16]),
		base64.StdEncoding.EncodeToString([]byte(keyPEM))[16:32])
	for _, f := range fragments {
		if strings.Contains(err.Error(), f) {
			t.Errorf("%s: the error repeats the key: %q", name, err)
			return
		}
	}
}

// marker is a PEM BEGIN or END line: the only lines of the input that an
// error may name.
var marker = regexp.MustCompile(`^-----(BEGIN|END) [^-]*-----$`)

// leak returns the first line of text (one of 8 bytes or more), or 16-byte
// piece of a line, that the message repeats, other than BEGIN and END
// lines. Only where the message shows the input's bytes does it count: a
// piece the message shows inside the package's own words (a string literal
// of 8 bytes or more, such as the BEGIN line quoted in advice) or a number
// (a line number) is not the input's.
func leak(msg, text string) (string, bool) {
	own := make([]bool, len(msg))
	for _, f := range pkiWords() {
		for i := 0; ; {
			j := strings.Index(msg[i:], f)
			if j < 0 {
				break
			}
			for k := i + j; k < i+j+len(f); k++ {
				own[k] = true
			}
			i += j + 1
		}
	}
	for _, loc := range digits.FindAllStringIndex(msg, -1) {
		for k := loc[0]; k < loc[1]; k++ {
			own[k] = true
		}
	}
	shown := func(piece string) bool {
		for i := 0; ; {
			j := strings.Index(msg[i:], piece)
			if j < 0 {
				return false
			}
			if slices.Contains(own[i+j:i+j+len(piece)], false) {
				return true
			}
			i += j + 1
		}
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.Trim(line, " \t\r")
		if marker.MatchString(line) {
			continue
		}
		if len(line) >= 8 && shown(line) {
			return line, true
		}
		for i := 0; i+16 <= len(line); i++ {
			if w := line[i : i+16]; shown(w) {
				return w, true
			}
		}
	}
	return "", false
}

var digits = regexp.MustCompile(`[0-9]+`)

// pkiWords are the string literals of this package (each sum of literals
// taken whole), cut at their formatting verbs: what the messages say in
// the package's own words. Short ones (": ", "a ") are left out, or they
// would vouch for any text.
var pkiWords = sync.OnceValue(func() []string {
	entries, err := os.ReadDir(".")
	if err != nil {
		panic(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		if name := e.Name(); strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				panic(err)
			}
			files = append(files, f)
		}
	}
	var literal func(e ast.Expr) (string, bool)
	literal = func(e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			if e.Kind == token.STRING {
				s, err := strconv.Unquote(e.Value)
				return s, err == nil
			}
		case *ast.BinaryExpr:
			if e.Op == token.ADD {
				x, okX := literal(e.X)
				y, okY := literal(e.Y)
				return x + y, okX && okY
			}
		case *ast.ParenExpr:
			return literal(e.X)
		}
		return "", false
	}
	var words []string
	for _, file := range files {
		ast.Inspect(file, func(n ast.Node) bool {
			e, ok := n.(ast.Expr)
			if !ok {
				return true
			}
			s, ok := literal(e)
			if !ok {
				return true
			}
			for _, w := range verb.Split(s, -1) {
				if len(w) >= 8 {
					words = append(words, w)
				}
			}
			return false
		})
	}
	return words
})

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

func assertNoLeak(t *testing.T, name string, err error, text string) {
	t.Helper()
	if piece, ok := leak(err.Error(), text); ok {
		t.Errorf("%s: the error repeats %q of the input: %q", name, piece, err)
	}
}

// TestLeakOracle: the fuzz target's notion of a message repeating its
// input catches a repeated piece, and only that.
func TestLeakOracle(t *testing.T) {
	t.Parallel()
	const secret = "correct horse battery staple"
	cases := []struct {
		name, msg, text string
		leaks           bool
	}{
		{"a line repeated", "line 3 holds " + secret, "x\n" + secret + "\n", true},
		{"16 bytes of a line repeated", "line 3: orse battery sta", "x\n" + secret + "\n", true},
		{"15 bytes of a line", "line 3: orse battery st", "x\n" + secret + "\n", false},
		{"a BEGIN line, which may be named", "line 1 begins -----BEGIN CORRECT HORSE BATTERY-----", "-----BEGIN CORRECT HORSE BATTERY-----\n", false},
		{"the package's words, quoted by the input", "line 1 holds text outside a CERTIFICATE block: " +
			"remove everything but the -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE----- blocks",
			"remove everything but the -----BEGIN CERTIFICATE----- blocks\n", false},
		{"the package's words around the input's", "line 1 holds text outside " + secret + " a CERTIFICATE block",
			"xx holds text outside " + secret + "\n", true},
	}
	for _, tc := range cases {
		if _, got := leak(tc.msg, tc.text); got != tc.leaks {
			t.Errorf("%s: leak %v, want %v", tc.name, got, tc.leaks)
		}
	}
}
