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

// leafDefaults are shared by server and client certificates: a year of
// validity, renewed in its last 30 days.
var leafDefaults = certificateDefaults{validityHours: 8760, earlyRenewalHours: 720}

// caInputs is the signing CA, given as PEM: part of the request of every
// CA-signed certificate, managed or ephemeral. The CA certificate comes from
// exactly one of CACertPEM and CACertPEMWO, the key from exactly one of
// CAPrivateKeyPEM and CAPrivateKeyPEMWO; in the resources the first of each
// pair is stored in state and the second is write-only (null in plan and
// state, read from the configuration whenever it is needed). The ephemeral
// resource stores nothing and takes both names of each, so that a resource
// block moves there unchanged.
type caInputs struct {
	CACertPEM         types.String `tfsdk:"ca_cert_pem"`
	CACertPEMWO       types.String `tfsdk:"ca_cert_pem_wo"`
	CAPrivateKeyPEM   types.String `tfsdk:"ca_private_key_pem"`
	CAPrivateKeyPEMWO types.String `tfsdk:"ca_private_key_pem_wo"`
}

// leafCA is the signing CA of managed certificates, as a resource holds it:
// one certificate per resource (leafModel) or many (the bulk resources).
// ca_cert_fingerprint_sha256 records which CA signed the certificates, so
// that a new CA re-issues them without the state having to keep the CA
// certificate. It lives here rather than in caInputs: the ephemeral resource
// stores nothing, so it has no use for it.
type leafCA struct {
	caInputs
	CACertFingerprintSHA256 types.String `tfsdk:"ca_cert_fingerprint_sha256"`
}

// leafModel is a managed certificate signed by a CA given as PEM.
type leafModel struct {
	certificateModel
	leafCA
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

func issuerAttributes() map[string]schema.Attribute {
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

// oneOf is an input given through exactly one of two attributes: one whose
// value is stored in the state, and its write-only twin, null in plan and
// state and read from the configuration.
type oneOf struct {
	stored, writeOnly         types.String
	storedPath, writeOnlyPath path.Path
}

// value returns whichever attribute is set (the write-only one when neither
// is), and its path.
func (p oneOf) value() (types.String, path.Path) {
	if p.stored.IsNull() {
		return p.writeOnly, p.writeOnlyPath
	}
	return p.stored, p.storedPath
}

// oneOfWording is what the "exactly one of" diagnostics say: noun names the
// input in the summaries, both and neither are the details with the fix.
type oneOfWording struct {
	noun          string
	both, neither string
}

// exactlyOne reports, on the write-only attribute, unless exactly one of the
// two is set. Unknown counts as set (the value is coming) beside a null,
// and beside a known value. Both unknown are not judged: a configuration
// that picks one of the pair by a condition on a variable gives both unknown
// while Terraform validates it (every variable is unknown then), and
// Terraform validates again with the values known, at plan or at apply.
func (p oneOf) exactlyOne(w oneOfWording, diags *diag.Diagnostics) bool {
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

// caSource is the signing CA as a configuration gives it: the certificate and
// the key, each with the path of the attribute it came from, which the
// diagnostics name.
type caSource struct {
	cert, key         types.String
	certPath, keyPath path.Path
}

func (m *caInputs) keyInput() oneOf {
	return oneOf{stored: m.CAPrivateKeyPEM, writeOnly: m.CAPrivateKeyPEMWO, storedPath: caKeyPath, writeOnlyPath: caKeyWOPath}
}

func (m *caInputs) certInput() oneOf {
	return oneOf{stored: m.CACertPEM, writeOnly: m.CACertPEMWO, storedPath: caCertPath, writeOnlyPath: caCertWOPath}
}

// source is the CA: the certificate and the key from whichever attribute of
// each pair is set.
func (m *caInputs) source() caSource {
	cert, certPath := m.certInput().value()
	key, keyPath := m.keyInput().value()
	return caSource{cert: cert, certPath: certPath, key: key, keyPath: keyPath}
}

// withConfig returns the CA of a plan with the write-only CA certificate and
// key taken from the configuration, the only place Terraform passes them.
// The result is for checking and issuing, never for setting the plan or the
// state.
func (m leafCA) withConfig(config *leafCA) leafCA {
	m.CACertPEMWO = config.CACertPEMWO
	m.CAPrivateKeyPEMWO = config.CAPrivateKeyPEMWO
	return m
}

// withConfigCA returns the plan model with the configuration's write-only
// CA values (see leafCA.withConfig).
func (m *leafModel) withConfigCA(config *leafModel) *leafModel {
	withCA := *m
	withCA.leafCA = m.withConfig(&config.leafCA)
	return &withCA
}

// isSet is true for a value that is neither null nor unknown.
func isSet(v types.String) bool { return !v.IsUnknown() && !v.IsNull() }

// issuer parses the CA. Each input is checked as soon as it is known, so a
// malformed certificate fails the plan even while the key is still unknown;
// the issuer itself is returned only when both are known and belong
// together. Diagnostics name the attribute and never repeat key material: the
// pki errors are written never to contain it.
func (s caSource) issuer(profile pki.Profile) (*pki.SigningCA, diag.Diagnostics) {
	var diags diag.Diagnostics
	var caCert *x509.Certificate
	if isSet(s.cert) {
		var err error
		if caCert, err = pki.ParseCACertificatePEM(s.cert.ValueString()); err != nil {
			diags.AddAttributeError(s.certPath, "Invalid CA certificate", caCertDetail(err, s.certPath))
		} else if err := pki.CheckPurpose(caCert, profile); err != nil {
			diags.AddAttributeError(s.certPath, "CA certificate cannot sign this kind of certificate", caCertDetail(err, s.certPath))
		}
	}
	var caKey crypto.Signer
	if isSet(s.key) {
		var err error
		if caKey, err = pki.ParsePrivateKeyPEM(s.key.ValueString()); err != nil {
			diags.AddAttributeError(s.keyPath, "Invalid CA private key", caKeyDetail(err))
		}
	}
	if diags.HasError() || caCert == nil || caKey == nil {
		return nil, diags
	}
	iss, err := pki.NewSigningCA(caCert, caKey)
	if err != nil {
		diags.AddAttributeError(s.keyPath, "CA private key does not match the CA certificate", err.Error())
		return nil, diags
	}
	return iss, diags
}

// caFingerprint is the fingerprint of a CA certificate given as PEM, in the
// format of cert_fingerprint_sha256; unknown while the certificate is, and
// when it does not parse (validation reports that).
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
	managedCAKeyWording = oneOfWording{
		noun: "CA key",
		both: "Set exactly one of them. ca_private_key_pem_wo keeps the CA key out of the state (Terraform or OpenTofu 1.11 " +
			"and later); ca_private_key_pem stores a copy of it in this resource's state.",
		neither: "The CA's private key is needed to sign the certificate. Set ca_private_key_pem_wo (write-only: never stored " +
			"in the state; Terraform or OpenTofu 1.11 and later) or ca_private_key_pem (stored in this resource's state), " +
			"for example to dockertls_ca's private_key_pem.",
	}
	managedCACertWording = oneOfWording{
		noun: "CA certificate",
		both: "Set exactly one of them. ca_cert_pem_wo keeps the CA certificate out of the state (Terraform or OpenTofu " +
			"1.11 and later), which keeps a fleet's state small; ca_cert_pem stores a copy of it in this resource's state. " +
			"Either way ca_cert_fingerprint_sha256 records which CA signed the certificate.",
		neither: "The CA certificate is needed to sign and check the certificate. Set ca_cert_pem_wo (write-only: never " +
			"stored in the state; Terraform or OpenTofu 1.11 and later) or ca_cert_pem (stored in this resource's state), " +
			"for example to dockertls_ca's cert_pem.",
	}
)

// validateIssuer checks the CA inputs of a configuration: exactly one
// attribute for the CA certificate and one for the key, each pair's
// diagnostics in its own words, then the CA itself.
func (m *caInputs) validateIssuer(profile pki.Profile, certWording, keyWording oneOfWording, diags *diag.Diagnostics) {
	certOK := m.certInput().exactlyOne(certWording, diags)
	if keyOK := m.keyInput().exactlyOne(keyWording, diags); certOK && keyOK {
		m.source().validate(profile, diags)
	}
}

// validateIssuer checks the CA inputs of managed leaves.
func (m *leafCA) validateIssuer(profile pki.Profile, diags *diag.Diagnostics) {
	m.caInputs.validateIssuer(profile, managedCACertWording, managedCAKeyWording, diags)
}

func (s caSource) validate(profile pki.Profile, diags *diag.Diagnostics) {
	_, d := s.issuer(profile)
	diags.Append(d...)
}

// planLeaf plans what every managed leaf shares: ca_cert_fingerprint_sha256
// from the configured CA certificate, and the checks against the CA. config
// carries the write-only values; state is the prior state, nil when a new
// certificate will be issued. It returns ca_cert_fingerprint_sha256's path
// when the CA differs from the one that signed the stored certificate, or
// is not known yet (it is being replaced in the same plan): Terraform then
// replaces the certificate, and shows that attribute as the reason.
func (m *leafModel) planLeaf(profile pki.Profile, config, state *leafModel, now time.Time, diags *diag.Diagnostics) []path.Path {
	withCA := m.withConfigCA(config)
	m.CACertFingerprintSHA256 = caFingerprint(withCA.source().cert)
	if state == nil {
		withCA.checkNewLeaf(profile, now, diags)
		return nil
	}
	withCA.checkLeaf(now, diags)
	if m.caChanged(&state.leafCA) {
		return []path.Path{caFingerprintPath}
	}
	return nil
}

// caChanged reports whether the planned CA (its fingerprint planned
// already) may differ from the one that signed the stored certificates:
// when its fingerprint differs, or is not known yet (the CA is being
// replaced in the same plan).
func (m *leafCA) caChanged(state *leafCA) bool {
	return m.CACertFingerprintSHA256.IsUnknown() || !m.CACertFingerprintSHA256.Equal(state.storedCAFingerprint())
}

// storedCAFingerprint is the fingerprint of the CA that signed the stored
// certificate. A state written before ca_cert_fingerprint_sha256 existed
// holds the CA certificate itself in ca_cert_pem.
func (m *leafCA) storedCAFingerprint() types.String {
	if m.CACertFingerprintSHA256.IsNull() {
		return caFingerprint(m.CACertPEM)
	}
	return m.CACertFingerprintSHA256
}

// issueLeaf signs req with the leaf's CA, taking the write-only values from
// config, and records the CA's fingerprint.
func (m *leafModel) issueLeaf(req pki.Request, config *leafModel, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	src := m.withConfigCA(config).source()
	m.CACertFingerprintSHA256 = caFingerprint(src.cert)
	return src.issueLeaf(req, now, diags)
}

// checkLeaf warns, at every plan of an existing certificate, when its CA has
// expired or expires before the certificate does: from then on Docker
// clients and daemons refuse the chain. A certificate that its CA did not
// sign (the CA is being replaced, and the certificate with it) is not judged.
// The model must carry the configuration's write-only values (withConfigCA).
func (m *leafModel) checkLeaf(now time.Time, diags *diag.Diagnostics) {
	src := m.source()
	if !isSet(src.cert) || !isSet(m.CertPEM) {
		return
	}
	caCert, err := pki.ParseCACertificatePEM(src.cert.ValueString())
	if err != nil {
		return // validation reports it
	}
	leaf, err := pki.ParseCertificatePEM(m.CertPEM.ValueString())
	if err != nil || !pki.IssuedBy(leaf, caCert) {
		return
	}
	switch {
	case now.After(caCert.NotAfter):
		diags.AddAttributeWarning(src.certPath, "CA certificate has expired",
			fmt.Sprintf("The CA certificate %q expired at %s: Docker clients and daemons refuse every certificate it signed, "+
				"this one included. Renew the CA: replace dockertls_ca, or pass a new CA certificate and key made elsewhere; "+
				"the certificates it signs are then replaced in the same plan.",
				caCert.Subject.CommonName, caCert.NotAfter.UTC().Format(time.RFC3339)))
	case leaf.NotAfter.After(caCert.NotAfter):
		diags.AddAttributeWarning(src.certPath, "Certificate outlives its CA",
			fmt.Sprintf("This certificate is valid until %s, but its CA certificate %q expires at %s. From that date Docker "+
				"clients and daemons refuse the chain (\"certificate has expired or is not yet valid\"). Rotate the CA before "+
				"then, as %s shows, so daemons and clients move to the next CA without a flag day.",
				leaf.NotAfter.UTC().Format(time.RFC3339), caCert.Subject.CommonName, caCert.NotAfter.UTC().Format(time.RFC3339), rotationGuide))
	}
}

// checkNewLeaf runs the checks that need the clock before a new leaf of
// validityHours is issued: an expired CA is an error, and a leaf outliving
// its CA a warning, since from the CA's expiry on every client refuses the
// chain.
func (s caSource) checkNewLeaf(profile pki.Profile, validityHours types.Number, now time.Time, diags *diag.Diagnostics) {
	iss, d := s.issuer(profile)
	diags.Append(d...)
	if iss == nil {
		return
	}
	if err := iss.CheckValidAt(now); err != nil {
		diags.AddAttributeError(s.certPath, "CA certificate not valid now", err.Error())
		return
	}
	if validityHours.IsUnknown() {
		return
	}
	leafEnd := now.Add(hoursToDuration(validityHours))
	if !leafEnd.After(iss.Cert.NotAfter) {
		return
	}
	diags.AddAttributeWarning(path.Root("validity_period_hours"), "Certificate outlives its CA",
		fmt.Sprintf("The new certificate would be valid until %s, but its CA certificate expires at %s. "+
			"From that date Docker clients and daemons refuse the chain (\"certificate has expired or is not yet valid\"). "+
			"Renew the CA first, or set validity_period_hours to at most %d.",
			leafEnd.UTC().Format(time.RFC3339), iss.Cert.NotAfter.UTC().Format(time.RFC3339),
			int64(iss.Cert.NotAfter.Sub(now)/time.Hour)))
}

// checkNewLeaf is caSource.checkNewLeaf with the model's CA and validity.
// The model must carry the configuration's write-only values (withConfigCA).
func (m *leafModel) checkNewLeaf(profile pki.Profile, now time.Time, diags *diag.Diagnostics) {
	m.source().checkNewLeaf(profile, m.ValidityPeriodHours, now, diags)
}

// issueLeaf signs req with the CA.
func (s caSource) issueLeaf(req pki.Request, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	iss, d := s.issuer(req.Profile)
	diags.Append(d...)
	if diags.HasError() {
		return nil
	}
	if iss == nil {
		diags.AddError("CA unknown at apply time", fmt.Sprintf("%s and %s must be known when the certificate is issued.",
			s.certPath, s.keyPath))
		return nil
	}
	return issueOrDiagnose(req, iss, now, diags)
}

// issueOrDiagnose calls pki.Issue and turns its error into a diagnostic.
func issueOrDiagnose(req pki.Request, iss *pki.SigningCA, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	cert, err := pki.Issue(req, iss, now)
	if err != nil {
		diags.AddError(fmt.Sprintf("Could not issue the %s certificate", req.Profile), err.Error())
		return nil
	}
	return cert
}
