package provider

import (
	"errors"
	"fmt"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// certificateTextRule is the rule every certificate input follows (pki's
// grammar of a certificate text, in the words of the docs), appended to
// each one's description.
const certificateTextRule = " The text holds only CERTIFICATE blocks (`-----BEGIN CERTIFICATE-----`, lines of base64, " +
	"`-----END CERTIFICATE-----`, each line starting in the first column) and whitespace around them; Windows line " +
	"endings, blank lines and trailing spaces are fine. Anything else fails the plan, naming its line: a comment, the " +
	"text openssl writes beside a certificate (`openssl x509 -in FILE` writes the block alone), another PEM block, a PEM " +
	"header, and above all a private key in any spelling, since certificate attributes are not sensitive."

// keyShownInPlans is what Terraform does with a key pasted into an
// attribute that is not sensitive.
const keyShownInPlans = "Terraform would show the key in plans and store it in clear in the state"

// pemInputAdvice is what one certificate attribute's diagnostics add to a
// pki error: pki's sentences name values and rules, never attributes, and
// the fix depends on where the text was given.
type pemInputAdvice struct {
	// attr names the attribute in the key warning.
	attr string
	// shown says what Terraform does with the key; "" is keyShownInPlans.
	shown string
	// keyFix says where the key belongs instead.
	keyFix string
	// notCA and purpose are appended to pki's sentence about a certificate
	// that is not a CA, or whose extendedKeyUsage excludes the leaves.
	notCA, purpose string
	// bomFile is the file named in the trimprefix hint; "" gives no hint.
	bomFile string
}

func (a pemInputAdvice) detail(err error) string {
	switch {
	case errors.Is(err, pki.ErrPrivateKeyInCertificate):
		shown := a.shown
		if shown == "" {
			shown = keyShownInPlans
		}
		return fmt.Sprintf("%s. %s is not sensitive: %s. %s", err, a.attr, shown, a.keyFix)
	case errors.Is(err, pki.ErrNotCA) && a.notCA != "":
		return err.Error() + a.notCA
	case errors.Is(err, pki.ErrCAPurpose) && a.purpose != "":
		return err.Error() + a.purpose
	case errors.Is(err, pki.ErrByteOrderMark) && a.bomFile != "":
		return fmt.Sprintf(`%s (in Terraform: trimprefix(file(%q), "\ufeff")).`, err, a.bomFile)
	}
	return err.Error()
}
