package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Certificate inputs are read by allowing, not by denying. Searching the
// text for keys let through every spelling of a key the search did not know
// (the base64 of a PEM key on a YAML line, base64 at a short width, a PEM
// header inside the block, ...), and with it the key into plans and state,
// since certificate attributes are not sensitive. So a certificate text must
// follow this grammar, whatever else it may hold:
//
//	text       = *blank-line block *( *blank-line block ) *blank-line
//	block      = begin-line 1*body-line end-line
//	begin-line = "-----BEGIN CERTIFICATE-----" *WSP LF
//	body-line  = 1*B64CHAR *WSP LF
//	end-line   = "-----END CERTIFICATE-----" *WSP [LF]
//	blank-line = *WSP LF                        ; or *WSP at the end of the text
//	WSP        = SP / HTAB / CR
//	B64CHAR    = ALPHA / DIGIT / "+" / "/" / "="
//
// Every line starts in the first column: PEM readers (Go's, OpenSSL's) find
// only BEGIN lines that start a line, and nothing may be indented inside a
// block. Lines may end in spaces, tabs and CR (Windows line endings). The
// body lines of a block may have any width; joined, they are canonical
// base64 (padding only at the end, padding bits zero) of exactly one DER
// certificate, with nothing after it. No headers, blank lines or spaces
// inside a block: Go's PEM decoder skips them, and so would have skipped
// whatever they hold.
//
// When the text breaks the grammar, a private key is named first if one is
// recognisable, since the user must learn that it is now in a plan; but the
// text is refused either way. Messages name line numbers and the PEM labels
// in knownLabels, never any of the text.

// ErrTextBesideCertificates: a certificate input holds something besides
// CERTIFICATE blocks and whitespace.
var ErrTextBesideCertificates = errors.New("the text holds more than CERTIFICATE blocks and whitespace")

const (
	beginCertificate = "-----BEGIN CERTIFICATE-----"
	endCertificate   = "-----END CERTIFICATE-----"
	keepOnlyBlocks   = "remove everything but the -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE----- blocks"
	bodyRule         = "a CERTIFICATE block holds only lines of base64 (A-Z, a-z, 0-9, + and /, with = at the end), " +
		"without headers, blank lines, indentation or spaces inside a line: remove what is not the certificate"
)

// knownLabels are the PEM labels a message may name: the ones tools write.
// Any other label is text of the input, and may be anything.
var knownLabels = []string{
	"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY",
	"OPENSSH PRIVATE KEY", "ANY PRIVATE KEY", "PUBLIC KEY", "RSA PUBLIC KEY", "EC PARAMETERS",
	"DSA PARAMETERS", "DH PARAMETERS", "X509 CRL", "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST",
	"TRUSTED CERTIFICATE", "X509 CERTIFICATE", "PKCS7", "CMS", "ATTRIBUTE CERTIFICATE",
}

// otherBeginLine is a well-formed BEGIN line of any label.
var otherBeginLine = regexp.MustCompile(`^-----BEGIN ([^-]+(?:-[^-]+)*)-----$`)

// opensslText are the first words of the lines openssl writes beside
// certificates: `x509 -text` (Certificate:, Data:), `pkcs12 -nokeys` (Bag
// Attributes, friendlyName:, localKeyID:, subject=, issuer=),
// `s_client -showcerts` (Certificate chain, " 0 s:", "   i:", ---, depth=).
var opensslText = regexp.MustCompile(`^(Certificate:|Certificate chain|Data:|Bag Attributes|Key Attributes|friendlyName:|localKeyID:|` +
	`subject=|issuer=|[0-9]+ s:|[isav]:|---$|CONNECTED\(|depth=|verify (return|error):|Server certificate)`)

// base64Line is a line of base64 long enough to be key material, outside any
// block: armour-less key text has lines of 64 (PEM) or 70 (SSH2) characters.
// It is refused in any case; this only decides whether to name a key.
var base64Line = regexp.MustCompile(`^[A-Za-z0-9+/]{40,}={0,2}$`)

// decodedKeyFields are the labels openssl writes before the secret parts of
// a private key it prints as text (`openssl pkey -text -noout`).
var decodedKeyFields = []string{"priv:", "privateExponent:", "prime1:", "prime2:", "exponent1:", "exponent2:", "coefficient:"}

// readCertificateText returns the certificates of a text that follows the
// grammar, or an error naming the first problem. A private key, when one is
// recognisable anywhere, comes before any other problem, since it is the one
// that leaks.
func readCertificateText(text string) ([]*x509.Certificate, error) {
	if strings.HasPrefix(text, bom) {
		return nil, ErrByteOrderMark
	}
	s := scanCertificateText(text)
	switch {
	case s.key != nil:
		return nil, s.key
	case !strings.Contains(text, "-----BEGIN"):
		return nil, ErrNoPEMCertificate
	case s.problem != nil:
		return nil, s.problem
	case len(s.certs) == 0:
		return nil, ErrNoPEMCertificate
	}
	return s.certs, nil
}

// certificateScan is what one pass over a text found.
type certificateScan struct {
	certs   []*x509.Certificate // one per CERTIFICATE block
	problem error               // the first problem, by line
	key     error               // the private key recognised first, by line
	keyLine int

	// run is the refused lines just read, in a row, for the key
	// recognisers that need more than one line.
	run []refusedLine
}

type refusedLine struct {
	n       int
	text    string
	outside bool // outside any block
}

func (s *certificateScan) fail(format string, args ...any) {
	if s.problem == nil {
		s.problem = tagged{ErrTextBesideCertificates, fmt.Sprintf(format, args...)}
	}
}

func (s *certificateScan) foundKey(line int, what string) {
	if s.key == nil || line < s.keyLine {
		s.key, s.keyLine = keyInCertificate(line, what), line
	}
}

func (s *certificateScan) refuse(n int, line string, outside bool) {
	s.run = append(s.run, refusedLine{n, line, outside})
}

func scanCertificateText(text string) *certificateScan {
	s := &certificateScan{}
	var (
		certAt     int // the BEGIN line of the CERTIFICATE block being read; 0 outside one
		body       strings.Builder
		bodyLines  []refusedLine // the block's lines, for the key recognisers if it fails
		otherAt    int           // the BEGIN line of a block of another label; 0 outside one
		otherLabel string
	)
	// outside reads a line outside any block.
	outside := func(n int, line, raw string) {
		switch label := otherBeginLine.FindStringSubmatch(line); {
		case line == "":
			s.keysInRun()
		case line == beginCertificate:
			s.keysInRun()
			certAt, bodyLines = n, nil
			body.Reset()
		case label != nil:
			s.keysInRun()
			otherAt, otherLabel = n, label[1]
			s.fail("line %d begins %s where only CERTIFICATE blocks belong: remove it%s", n, describeBlock(otherLabel), convertHint(otherLabel))
		default:
			s.refuse(n, line, true)
			s.fail("%s", outsideProblem(n, line, raw))
		}
	}
	lines := strings.Split(text, "\n")
	for i, raw := range lines {
		n := i + 1
		line := strings.TrimRight(raw, " \t\r")
		if line == "" && i == len(lines)-1 {
			break // the end of the text, after its last line
		}
		switch {
		case certAt != 0:
			switch {
			case line == endCertificate:
				s.keysInRun()
				s.certificate(certAt, body.String(), bodyLines)
				certAt = 0
			case isBase64Line(line):
				s.keysInRun()
				body.WriteString(line)
				bodyLines = append(bodyLines, refusedLine{n: n, text: line})
			case strings.HasPrefix(line, "-----BEGIN "):
				s.fail("the CERTIFICATE block that begins on line %d has no -----END CERTIFICATE----- line before line %d, "+
					"where another block begins: restore its END line, or remove it", certAt, n)
				s.keysInRun()
				certAt = 0
				outside(n, line, raw)
			case strings.HasPrefix(line, "-----END "):
				s.refuse(n, line, false)
				s.fail("line %d ends the CERTIFICATE block that begins on line %d with another label: %s", n, certAt, keepOnlyBlocks)
				s.keysInRun()
				certAt = 0
			case line == "":
				s.fail("line %d, inside the CERTIFICATE block that begins on line %d, is blank: %s", n, certAt, bodyRule)
			case pemHeader.MatchString(line):
				s.refuse(n, line, false)
				s.fail("line %d, inside the CERTIFICATE block that begins on line %d, is a PEM header (Name: value), which a "+
					"certificate never has: %s", n, certAt, bodyRule)
			default:
				s.refuse(n, line, false)
				s.fail("line %d, inside the CERTIFICATE block that begins on line %d, is not a line of base64: %s", n, certAt, bodyRule)
			}
		case otherAt != 0:
			switch {
			case line == "-----END "+otherLabel+"-----":
				if isKeyLabel(otherLabel) {
					s.foundKey(otherAt, describeBlock(otherLabel))
				}
				s.keysInRun()
				otherAt = 0
			case strings.HasPrefix(line, "-----BEGIN "):
				// A block without its END line, such as a key cut short.
				if isKeyLabel(otherLabel) {
					s.foundKey(otherAt, "a malformed private key block")
				}
				s.fail("the block that begins on line %d has no END line: %s", otherAt, keepOnlyBlocks)
				s.keysInRun()
				otherAt = 0
				outside(n, line, raw)
			default:
				s.refuse(n, line, false)
			}
		default:
			outside(n, line, raw)
		}
	}
	s.keysInRun()
	switch {
	case certAt != 0:
		s.fail("the CERTIFICATE block that begins on line %d has no -----END CERTIFICATE----- line: restore it", certAt)
	case otherAt != 0:
		if isKeyLabel(otherLabel) {
			s.foundKey(otherAt, "a malformed private key block")
		}
		s.fail("the block that begins on line %d has no END line: %s", otherAt, keepOnlyBlocks)
	}
	return s
}

// pemHeader is a PEM header line ("Proc-Type: 4,ENCRYPTED"), which Go's
// decoder reads as such and leaves out of the block's bytes.
var pemHeader = regexp.MustCompile(`^[^\s:]+:`)

func isBase64Line(line string) bool {
	if line == "" {
		return false
	}
	for i := 0; i < len(line); i++ {
		if !isBase64Char(line[i]) {
			return false
		}
	}
	return true
}

func isBase64Char(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '='
}

// certificate reads the base64 of a CERTIFICATE block that begins on line
// begin.
func (s *certificateScan) certificate(begin int, b64 string, lines []refusedLine) {
	if b64 == "" {
		s.fail("the CERTIFICATE block that begins on line %d is empty: remove it", begin)
		return
	}
	der, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil {
		// Base64 joined from two sources (a certificate's, then a key's)
		// has padding in the middle: the key recognisers read its parts.
		s.run = lines
		s.keysInRun()
		s.fail("the CERTIFICATE block that begins on line %d is not valid base64 (padding only at its end, nothing cut or "+
			"added): copy the certificate again from where it came from", begin)
		return
	}
	cert, err := x509.ParseCertificate(der)
	if err == nil && len(cert.Raw) != len(der) {
		// ParseCertificate refuses trailing data today; this holds the line
		// should it ever stop, since trailing bytes are where a key would go.
		err = errors.New("trailing data")
	}
	if err != nil {
		var first asn1.RawValue
		if rest, aerr := asn1.Unmarshal(der, &first); aerr == nil && len(rest) > 0 {
			if holdsKey(rest) {
				s.foundKey(begin, "after the certificate, inside its CERTIFICATE block")
			}
			s.fail("the CERTIFICATE block that begins on line %d holds bytes after the certificate: a block holds one "+
				"certificate and nothing else; remove what was added", begin)
			return
		}
		s.fail("the CERTIFICATE block that begins on line %d does not parse: %s", begin, x509Reason(err))
		return
	}
	s.certs = append(s.certs, cert)
}

// holdsKey reports DER (or text) that holds a private key: one or more ASN.1
// elements, any of them a key, or the words of a PEM key's armour.
func holdsKey(b []byte) bool {
	if bytes.Contains(b, []byte("PRIVATE KEY")) || bytes.HasPrefix(b, []byte("openssh-key-v1\x00")) {
		return true
	}
	for rest := b; len(rest) > 0; {
		var v asn1.RawValue
		next, err := asn1.Unmarshal(rest, &v)
		if err != nil {
			return false
		}
		if isKeyDER(v.FullBytes) {
			return true
		}
		rest = next
	}
	return false
}

func isKeyDER(der []byte) bool {
	if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return true
	}
	if _, err := x509.ParseECPrivateKey(der); err == nil {
		return true
	}
	_, err := x509.ParsePKCS1PrivateKey(der)
	return err == nil
}

// keysInRun looks for a private key in the refused lines read in a row,
// then forgets them.
func (s *certificateScan) keysInRun() {
	run := s.run
	s.run = nil
	for _, l := range run {
		if what := keyInLine(l.text); what != "" {
			s.foundKey(l.n, what)
		}
	}
	// Lines of base64 (once spaces and line continuations are removed)
	// may be a key at any width. Padding ends one base64 text: a
	// certificate's base64 and then a key's are read apart.
	for from := 0; from < len(run); {
		to := from
		for to < len(run) && base64Content(run[to].text) != "" {
			to++
		}
		if to == from {
			from++
			continue
		}
		start := from
		for i := from; i < to; i++ {
			if i == to-1 || strings.HasSuffix(base64Content(run[i].text), "=") {
				s.keysInBase64(run[start : i+1])
				start = i + 1
			}
		}
		from = to
	}
}

// keysInBase64 looks for a private key in lines of one base64 text.
func (s *certificateScan) keysInBase64(lines []refusedLine) {
	var joined strings.Builder
	for _, l := range lines {
		joined.WriteString(base64Content(l.text))
	}
	switch b := decodeAnyBase64(joined.String()); {
	case b != nil && holdsKey(b):
		s.foundKey(lines[0].n, "lines of base64 that decode to a private key")
	case b != nil && isCertificateDER(b):
		// A certificate without its armour: no key.
	default:
		for _, l := range lines {
			if l.outside && base64Line.MatchString(strings.TrimSpace(l.text)) {
				s.foundKey(l.n, "base64 data outside any PEM block, such as a key without its armour")
			}
		}
	}
}

func isCertificateDER(b []byte) bool {
	_, err := x509.ParseCertificate(b)
	return err == nil
}

// base64Content is a line's base64 with the spaces, tabs and shell line
// continuations removed; "" if the line holds anything else.
func base64Content(line string) string {
	line = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), `\`))
	line = strings.NewReplacer(" ", "", "\t", "").Replace(line)
	if !isBase64Line(line) {
		return ""
	}
	return line
}

// keyInLine names the private key that one refused line shows, or "".
func keyInLine(line string) string {
	trimmed := strings.TrimSpace(line)
	// `openssl x509 -text` names the extension "Private Key Usage Period",
	// which is no key.
	upper := strings.ReplaceAll(strings.ToUpper(trimmed), "PRIVATE KEY USAGE", "")
	words := strings.NewReplacer("-", " ", "_", " ").Replace(upper)
	letters := strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r
		}
		return -1
	}, upper)
	switch {
	case strings.Contains(words, "PRIVATE KEY") || strings.Contains(letters, "PRIVATEKEY"):
		return "a line that names a private key"
	case slices.Contains(decodedKeyFields, trimmed):
		return "a private key printed as text"
	}
	// A value on the line may be a key in base64 or hex, or the base64 of
	// a whole PEM key file, as `kubectl get secret -o yaml` prints tls.key.
	for _, token := range strings.FieldsFunc(trimmed, func(r rune) bool { return !inBase64Token(r) }) {
		if len(token) < 16 {
			continue
		}
		if b := decodeAnyBase64(token); b != nil && holdsKey(b) {
			return "base64 that decodes to a private key, as a Kubernetes secret's tls.key holds it"
		}
		if b, err := hex.DecodeString(token); err == nil && holdsKey(b) {
			return "a private key in hex"
		}
	}
	return ""
}

// inBase64Token reports a character of base64 in any of its alphabets.
func inBase64Token(r rune) bool {
	return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || strings.ContainsRune("+/=-_", r)
}

// decodeAnyBase64 decodes s in any of the four base64 alphabets and
// paddings, or returns nil.
func decodeAnyBase64(s string) []byte {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b
		}
	}
	return nil
}

// outsideProblem describes a line outside any block that is neither blank
// nor a BEGIN line.
func outsideProblem(n int, line, raw string) string {
	trimmed := strings.TrimSpace(raw)
	switch {
	case trimmed != line && (strings.HasPrefix(trimmed, "-----BEGIN ") || strings.HasPrefix(trimmed, "-----END ")):
		return fmt.Sprintf("line %d holds an indented BEGIN or END line: PEM readers find only those that start a line; "+
			"remove the indentation of every line", n)
	case strings.HasPrefix(line, "-----END "):
		return fmt.Sprintf("line %d holds an END line outside any block: %s", n, keepOnlyBlocks)
	case strings.HasPrefix(line, "-----BEGIN "):
		return fmt.Sprintf("line %d holds a malformed BEGIN line: a certificate begins with -----BEGIN CERTIFICATE----- "+
			"alone on its line, its base64 on the lines after it", n)
	case opensslText.MatchString(trimmed):
		return fmt.Sprintf("line %d holds text outside a CERTIFICATE block, such as openssl writes beside a certificate "+
			"(x509 -text, the Bag Attributes of pkcs12, subject= and issuer= lines): %s (openssl x509 -in FILE writes "+
			"a certificate without that text)", n, keepOnlyBlocks)
	}
	return fmt.Sprintf("line %d holds text outside a CERTIFICATE block: %s", n, keepOnlyBlocks)
}

// describeBlock names a block by its label when the label is one tools
// write, and otherwise says only that it is another block.
func describeBlock(label string) string {
	switch {
	case slices.Contains(knownLabels, label):
		return fmt.Sprintf("a %q PEM block", label)
	case isKeyLabel(label):
		return "a PEM block of a private key"
	}
	return "a PEM block of another type"
}

func isKeyLabel(label string) bool { return strings.Contains(label, "PRIVATE KEY") }

// convertHint is the way from a block of label to a CERTIFICATE block, where
// there is one.
func convertHint(label string) string {
	if label == "TRUSTED CERTIFICATE" || label == "X509 CERTIFICATE" {
		return " (openssl x509 -in FILE writes it as a CERTIFICATE block)"
	}
	return ""
}

// x509Reason is crypto/x509's reason for refusing a certificate, cut before
// the first value it quotes (a name or URI of the certificate) or any word
// with a digit in it.
func x509Reason(err error) string {
	msg, _, _ := strings.Cut(err.Error(), `"`)
	var words []string
	for _, w := range strings.Fields(msg) {
		if w != "x509:" && strings.ContainsAny(w, "0123456789") {
			break
		}
		words = append(words, w)
	}
	return strings.TrimRight(strings.Join(words, " "), " :")
}

func keyInCertificate(line int, what string) error {
	return tagged{ErrPrivateKeyInCertificate, fmt.Sprintf("line %d: the text holds a private key (%s) where only a certificate belongs: "+
		"remove the key and pass the certificate alone", line, what)}
}
