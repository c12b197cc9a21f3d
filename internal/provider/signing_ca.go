package provider

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// The signing CA: the CA that signs a server or client certificate, given
// as PEM by the configuration. Every CA-signed resource takes it the same way
// (dockertls_server_cert, dockertls_client_cert, the bulk resources and the
// ephemeral dockertls_client_cert), with the same attributes, checks and
// diagnostics; parsed, it is a pki.SigningCA. The managed resources also record
// which CA signed their certificates (ca_cert_fingerprint_sha256, in
// leaf.go).

// signingCA holds the signing CA's attributes. The certificate comes from
// exactly one of CACertPEM and CACertPEMWO, the key from exactly one of
// CAPrivateKeyPEM and CAPrivateKeyPEMWO; in the resources the first of each
// pair is stored in state and the second is write-only (null in plan and
// state, read from the configuration whenever it is needed: see
// withWriteOnly). The ephemeral resource stores nothing and takes both
// names of each, so that a resource block moves there unchanged.
type signingCA struct {
	CACertPEM         types.String `tfsdk:"ca_cert_pem"`
	CACertPEMWO       types.String `tfsdk:"ca_cert_pem_wo"`
	CAPrivateKeyPEM   types.String `tfsdk:"ca_private_key_pem"`
	CAPrivateKeyPEMWO types.String `tfsdk:"ca_private_key_pem_wo"`
}

var (
	caCertPath        = path.Root("ca_cert_pem")
	caCertWOPath      = path.Root("ca_cert_pem_wo")
	caFingerprintPath = path.Root("ca_cert_fingerprint_sha256")
	caKeyPath         = path.Root("ca_private_key_pem")
	caKeyWOPath       = path.Root("ca_private_key_pem_wo")
)

const caKeyFormats = "unencrypted PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or SEC 1 (`EC PRIVATE KEY`); " +
	"RSA of at least 2048 bits, ECDSA P-256, P-384 or P-521, or Ed25519"

// signingCAAttributes are the managed resources' signing CA attributes, with
// ca_cert_fingerprint_sha256.
func signingCAAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"ca_cert_pem": schema.StringAttribute{
			MarkdownDescription: "PEM certificate of the signing CA: `dockertls_ca`'s `cert_pem`, or any CA certificate " +
				"(basicConstraints CA:TRUE) made by another tool. It must hold that one certificate: a chain or bundle " +
				"is an error. Set exactly one of this and `ca_cert_pem_wo`. " +
				"A copy of it is kept in this resource's state; `ca_cert_pem_wo` avoids that. A new CA issues a new " +
				"certificate (see `ca_cert_fingerprint_sha256`), so renewing the CA replaces every certificate it signed in " +
				"the same plan; the same CA certificate written differently (a trailing newline) or moved to " +
				"`ca_cert_pem_wo` is an in-place update that keeps the certificate." + certificateTextRule,
			Optional: true,
		},
		"ca_cert_pem_wo": schema.StringAttribute{
			MarkdownDescription: "Write-only alternative to `ca_cert_pem` (Terraform or OpenTofu 1.11 and later): the same " +
				"certificate, with the same checks, but never stored in the plan or the state. A CA certificate is not " +
				"secret: this attribute exists to keep its bytes out of the state, not to hide it. Terraform rewrites " +
				"the whole state after each resource, so in a fleet every copy of the CA certificate costs apply time; " +
				"with this attribute and `ca_private_key_pem_wo` a leaf keeps only `ca_cert_fingerprint_sha256` of its CA. " +
				"It is read from the configuration whenever it is needed, so it must be set on every plan and apply. " +
				"Set exactly one of the two.",
			Optional:  true,
			WriteOnly: true,
		},
		"ca_cert_fingerprint_sha256": schema.StringAttribute{
			MarkdownDescription: "SHA-256 fingerprint of the CA certificate given in `ca_cert_pem` or `ca_cert_pem_wo`, in " +
				"the format of `cert_fingerprint_sha256`: for a `dockertls_ca`, its `cert_fingerprint_sha256`. The plan " +
				"sets it as soon as the CA certificate is known. A change of it issues a new certificate: it is how a " +
				"new CA is detected, whichever attribute gives the CA certificate.",
			Computed: true,
		},
		"ca_private_key_pem": schema.StringAttribute{
			MarkdownDescription: "PEM private key of the signing CA, " + caKeyFormats + ". It must belong to the CA " +
				"certificate. Set exactly one of this and `ca_private_key_pem_wo`. **A copy of it is kept in this " +
				"resource's state**; `ca_private_key_pem_wo` avoids that. Changing it alone does not issue a new " +
				"certificate (the key must belong to the CA certificate, whose change does), so moving to " +
				"`ca_private_key_pem_wo` is an in-place update.",
			Optional:  true,
			Sensitive: true,
		},
		"ca_private_key_pem_wo": schema.StringAttribute{
			MarkdownDescription: "Write-only alternative to `ca_private_key_pem` (Terraform or OpenTofu 1.11 and later): " +
				"the same key, in the same formats, but never stored in the plan or the state. It is checked at plan " +
				"time like `ca_private_key_pem` and read from the configuration whenever a certificate is issued, so it " +
				"must be set on every plan and apply. It accepts ephemeral values. Set exactly one of the two.",
			Optional:  true,
			Sensitive: true,
			WriteOnly: true,
		},
	}
}

// withWriteOnly returns the CA of a plan with the write-only certificate and
// key taken from the configuration, the only place Terraform passes them.
// The result is for checking and issuing, never for setting the plan or the
// state.
func (ca signingCA) withWriteOnly(config *signingCA) signingCA {
	ca.CACertPEMWO = config.CACertPEMWO
	ca.CAPrivateKeyPEMWO = config.CAPrivateKeyPEMWO
	return ca
}

func (ca *signingCA) certPair() storedOrWriteOnly {
	return storedOrWriteOnly{stored: ca.CACertPEM, writeOnly: ca.CACertPEMWO, storedPath: caCertPath, writeOnlyPath: caCertWOPath}
}

func (ca *signingCA) keyPair() storedOrWriteOnly {
	return storedOrWriteOnly{stored: ca.CAPrivateKeyPEM, writeOnly: ca.CAPrivateKeyPEMWO, storedPath: caKeyPath, writeOnlyPath: caKeyWOPath}
}

// cert is the CA certificate from whichever attribute is set, and that
// attribute's path, which diagnostics name.
func (ca *signingCA) cert() (types.String, path.Path) { return ca.certPair().value() }

// key is the CA key from whichever attribute is set, and its path.
func (ca *signingCA) key() (types.String, path.Path) { return ca.keyPair().value() }

// fingerprint is the CA certificate's, in the format of
// cert_fingerprint_sha256; unknown while the certificate is, and when it
// does not parse (validation reports that).
func (ca *signingCA) fingerprint() types.String {
	cert, _ := ca.cert()
	return caFingerprint(cert)
}

// caFingerprint is the fingerprint of a CA certificate given as PEM (see
// signingCA.fingerprint).
func caFingerprint(certPEM types.String) types.String {
	if !isSet(certPEM) {
		return types.StringUnknown()
	}
	cert, err := pki.ParseCACertificatePEM(certPEM.ValueString())
	if err != nil {
		return types.StringUnknown()
	}
	return types.StringValue(pki.Fingerprint(cert))
}

// isSet is true for a value that is neither null nor unknown.
func isSet(v types.String) bool { return !v.IsUnknown() && !v.IsNull() }

// validate checks the CA attributes of a configuration: exactly one
// attribute for the certificate and one for the key, each pair's
// diagnostics in the resource's words, then the CA itself.
func (ca *signingCA) validate(profile pki.Profile, certWording, keyWording pairWording, diags *diag.Diagnostics) {
	certOK := ca.certPair().exactlyOne(certWording, diags)
	if keyOK := ca.keyPair().exactlyOne(keyWording, diags); certOK && keyOK {
		_, d := ca.parse(profile)
		diags.Append(d...)
	}
}

// validateManaged is validate in the managed resources' words.
func (ca *signingCA) validateManaged(profile pki.Profile, diags *diag.Diagnostics) {
	ca.validate(profile, managedCACertWording, managedCAKeyWording, diags)
}

// parse reads the CA for signing certificates of profile. Each input is
// checked as soon as it is known, so a malformed certificate fails the plan
// even while the key is still unknown; the CA itself is returned only when
// both are known and belong together. Diagnostics name the attribute and
// never repeat key material: the pki errors are written never to contain
// it.
func (ca *signingCA) parse(profile pki.Profile) (*pki.SigningCA, diag.Diagnostics) {
	var diags diag.Diagnostics
	certPEM, certPath := ca.cert()
	keyPEM, keyPath := ca.key()
	var caCert *x509.Certificate
	if isSet(certPEM) {
		var err error
		if caCert, err = pki.ParseCACertificatePEM(certPEM.ValueString()); err != nil {
			diags.AddAttributeError(certPath, "Invalid CA certificate", caCertDetail(err, certPath))
		} else if err := pki.CheckPurpose(caCert, profile); err != nil {
			diags.AddAttributeError(certPath, "CA certificate cannot sign this kind of certificate", caCertDetail(err, certPath))
		}
	}
	var caKey crypto.Signer
	if isSet(keyPEM) {
		var err error
		if caKey, err = pki.ParsePrivateKeyPEM(keyPEM.ValueString()); err != nil {
			diags.AddAttributeError(keyPath, "Invalid CA private key", caKeyDetail(err))
		}
	}
	if diags.HasError() || caCert == nil || caKey == nil {
		return nil, diags
	}
	parsed, err := pki.NewSigningCA(caCert, caKey)
	if err != nil {
		diags.AddAttributeError(keyPath, "CA private key does not match the CA certificate", err.Error())
		return nil, diags
	}
	return parsed, diags
}

// parseToSign parses the CA when certificates are to be signed, at apply,
// when both inputs must be known: it returns nil, having said why in
// diags, when the CA is unusable or still unknown.
func (ca *signingCA) parseToSign(profile pki.Profile, diags *diag.Diagnostics) *pki.SigningCA {
	parsed, d := ca.parse(profile)
	if diags.Append(d...); diags.HasError() {
		return nil
	}
	if parsed == nil {
		_, certPath := ca.cert()
		_, keyPath := ca.key()
		diags.AddError("CA unknown at apply time", fmt.Sprintf("%s and %s must be known when certificates are issued.",
			certPath, keyPath))
	}
	return parsed
}

// issue signs req with the CA.
func (ca *signingCA) issue(req pki.Request, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	parsed := ca.parseToSign(req.Profile, diags)
	if parsed == nil {
		return nil
	}
	return issueOrDiagnose(req, parsed, now, diags)
}

// issueOrDiagnose calls pki.Issue and turns its error into a diagnostic.
func issueOrDiagnose(req pki.Request, ca *pki.SigningCA, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	cert, err := pki.Issue(req, ca, now)
	if err != nil {
		diags.AddError(fmt.Sprintf("Could not issue the %s certificate", req.Profile), err.Error())
		return nil
	}
	return cert
}

// caCertDetail adds Terraform's words to a pki error about the CA
// certificate given in the attribute at certPath.
func caCertDetail(err error, certPath path.Path) string {
	advice := pemInputAdvice{attr: certPath.String(), keyFix: "Give the key to ca_private_key_pem_wo (or ca_private_key_pem) instead.",
		notCA: ", such as dockertls_ca's cert_pem.", purpose: ", such as dockertls_ca makes.", bomFile: "ca.pem"}
	if certPath.Equal(caCertWOPath) {
		advice.shown = "Terraform may print it, as it prints any value that is not sensitive"
	}
	return advice.detail(err)
}

// caKeyDetail adds Terraform's words to a pki error about the CA key.
func caKeyDetail(err error) string {
	if errors.Is(err, pki.ErrByteOrderMark) {
		return err.Error() + ` (in Terraform: trimprefix(file("ca-key.pem"), "\ufeff")).`
	}
	return err.Error()
}

// The resources' "exactly one of" diagnostics. The ephemeral resource words
// its CA key pair otherwise, since it stores neither attribute.
var (
	managedCAKeyWording = pairWording{
		noun: "CA key",
		both: "Set exactly one of them. ca_private_key_pem_wo keeps the CA key out of the state (Terraform or OpenTofu 1.11 " +
			"and later); ca_private_key_pem stores a copy of it in this resource's state.",
		neither: "The CA's private key is needed to sign the certificate. Set ca_private_key_pem_wo (write-only: never stored " +
			"in the state; Terraform or OpenTofu 1.11 and later) or ca_private_key_pem (stored in this resource's state), " +
			"for example to dockertls_ca's private_key_pem.",
	}
	managedCACertWording = pairWording{
		noun: "CA certificate",
		both: "Set exactly one of them. ca_cert_pem_wo keeps the CA certificate out of the state (Terraform or OpenTofu " +
			"1.11 and later), which keeps a fleet's state small; ca_cert_pem stores a copy of it in this resource's state. " +
			"Either way ca_cert_fingerprint_sha256 records which CA signed the certificate.",
		neither: "The CA certificate is needed to sign and check the certificate. Set ca_cert_pem_wo (write-only: never " +
			"stored in the state; Terraform or OpenTofu 1.11 and later) or ca_cert_pem (stored in this resource's state), " +
			"for example to dockertls_ca's cert_pem.",
	}
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
