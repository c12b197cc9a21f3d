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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// leafDefaults are shared by server and client certificates: a year of
// validity, renewed in its last 30 days.
var leafDefaults = certificateDefaults{validityHours: 8760, earlyRenewalHours: 720}

// caInputs is the signing CA, given as PEM: part of the request of every
// CA-signed certificate, managed or ephemeral. The CA key comes from exactly
// one of CAPrivateKeyPEM and CAPrivateKeyPEMWO; in the resources the first
// is stored in state and the second is write-only (null in plan and state,
// read from the configuration whenever it is needed).
type caInputs struct {
	CACertPEM         types.String `tfsdk:"ca_cert_pem"`
	CAPrivateKeyPEM   types.String `tfsdk:"ca_private_key_pem"`
	CAPrivateKeyPEMWO types.String `tfsdk:"ca_private_key_pem_wo"`
}

// leafModel is a managed certificate signed by a CA given as PEM.
type leafModel struct {
	certificateModel
	caInputs
}

var (
	caCertPath  = path.Root("ca_cert_pem")
	caKeyPath   = path.Root("ca_private_key_pem")
	caKeyWOPath = path.Root("ca_private_key_pem_wo")
)

const caKeyFormats = "unencrypted PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or SEC 1 (`EC PRIVATE KEY`); " +
	"RSA of at least 2048 bits, ECDSA P-256, P-384 or P-521, or Ed25519"

func issuerAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"ca_cert_pem": schema.StringAttribute{
			MarkdownDescription: "PEM certificate of the signing CA: `dockertls_ca`'s `cert_pem`, or any CA certificate " +
				"(basicConstraints CA:TRUE) made by another tool. It must hold that one certificate and nothing else: " +
				"a private key or a second certificate in it is an error. Changing it issues a new certificate, so renewing " +
				"the CA replaces every certificate it signed in the same plan.",
			Required:      true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"ca_private_key_pem": schema.StringAttribute{
			MarkdownDescription: "PEM private key of the signing CA, " + caKeyFormats + ". It must belong to `ca_cert_pem`. " +
				"Set exactly one of this and `ca_private_key_pem_wo`. **A copy of it is kept in this resource's state**; " +
				"`ca_private_key_pem_wo` avoids that. Changing it alone does not issue a new certificate (the key must " +
				"belong to `ca_cert_pem`, whose change does), so moving to `ca_private_key_pem_wo` is an in-place update.",
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

// withConfigKey returns the plan model with the write-only CA key taken
// from the configuration, the only place Terraform passes it. The result is
// for checking and issuing, never for setting the plan or the state.
func (m *leafModel) withConfigKey(config *leafModel) *leafModel {
	keyed := *m
	keyed.CAPrivateKeyPEMWO = config.CAPrivateKeyPEMWO
	return &keyed
}

// caKey returns whichever CA key attribute is set, and its path.
func (m *caInputs) caKey() (types.String, path.Path) {
	if m.CAPrivateKeyPEM.IsNull() {
		return m.CAPrivateKeyPEMWO, caKeyWOPath
	}
	return m.CAPrivateKeyPEM, caKeyPath
}

// issuer parses the CA from the model. Each input is checked as soon as it
// is known, so a malformed certificate fails the plan even while the key is
// still unknown; the issuer itself is returned only when both are known and
// belong together. Diagnostics name the attribute and never repeat key
// material: the pki errors are written never to contain it.
func (m *caInputs) issuer(profile pki.Profile) (*pki.Issuer, diag.Diagnostics) {
	var diags diag.Diagnostics
	known := func(v types.String) bool { return !v.IsUnknown() && !v.IsNull() }
	var caCert *x509.Certificate
	if known(m.CACertPEM) {
		var err error
		if caCert, err = pki.ParseCACertificatePEM(m.CACertPEM.ValueString()); err != nil {
			diags.AddAttributeError(caCertPath, "Invalid CA certificate", caCertDetail(err))
		} else if err := pki.CheckPurpose(caCert, profile); err != nil {
			diags.AddAttributeError(caCertPath, "CA certificate cannot sign this kind of certificate", caCertDetail(err))
		}
	}
	keyValue, keyPath := m.caKey()
	var caKey crypto.Signer
	if known(keyValue) {
		var err error
		if caKey, err = pki.ParsePrivateKeyPEM(keyValue.ValueString()); err != nil {
			diags.AddAttributeError(keyPath, "Invalid CA private key", caKeyDetail(err))
		}
	}
	if diags.HasError() || caCert == nil || caKey == nil {
		return nil, diags
	}
	iss, err := pki.NewIssuer(caCert, caKey)
	if err != nil {
		diags.AddAttributeError(keyPath, "CA private key does not match the CA certificate", err.Error())
		return nil, diags
	}
	return iss, diags
}

// caCertDetail adds Terraform's words to a pki error about ca_cert_pem.
func caCertDetail(err error) string {
	switch {
	case errors.Is(err, pki.ErrPrivateKeyInCertificate):
		return err.Error() + ". ca_cert_pem is not sensitive: Terraform would show the key in plans and store it in " +
			"clear in the state. Give the key to ca_private_key_pem_wo (or ca_private_key_pem) instead."
	case errors.Is(err, pki.ErrNotCA):
		return err.Error() + ", such as dockertls_ca's cert_pem."
	case errors.Is(err, pki.ErrCAPurpose):
		return err.Error() + ", such as dockertls_ca makes."
	case errors.Is(err, pki.ErrByteOrderMark):
		return err.Error() + ` (in Terraform: trimprefix(file("ca.pem"), "\ufeff")).`
	}
	return err.Error()
}

// caKeyDetail adds Terraform's words to a pki error about the CA key.
func caKeyDetail(err error) string {
	if errors.Is(err, pki.ErrByteOrderMark) {
		return err.Error() + ` (in Terraform: trimprefix(file("ca-key.pem"), "\ufeff")).`
	}
	return err.Error()
}

// caKeyWording is what the "exactly one CA key" diagnostics say about the
// two key attributes, which differs between the resources (one of them is
// stored in state) and the ephemeral resource (neither is).
type caKeyWording struct {
	both, neither string
}

var managedCAKeyWording = caKeyWording{
	both: "Set exactly one of them. ca_private_key_pem_wo keeps the CA key out of the state (Terraform or OpenTofu 1.11 " +
		"and later); ca_private_key_pem stores a copy of it in this resource's state.",
	neither: "The CA's private key is needed to sign the certificate. Set ca_private_key_pem_wo (write-only: never stored " +
		"in the state; Terraform or OpenTofu 1.11 and later) or ca_private_key_pem (stored in this resource's state), " +
		"for example to dockertls_ca's private_key_pem.",
}

// validateIssuer checks the configuration: exactly one CA key attribute,
// then the CA itself.
func (m *caInputs) validateIssuer(profile pki.Profile, wording caKeyWording, diags *diag.Diagnostics) {
	switch stored, writeOnly := !m.CAPrivateKeyPEM.IsNull(), !m.CAPrivateKeyPEMWO.IsNull(); {
	case stored && writeOnly:
		diags.AddAttributeError(caKeyWOPath, "Two CA keys: ca_private_key_pem and ca_private_key_pem_wo are both set", wording.both)
		return
	case !stored && !writeOnly:
		diags.AddAttributeError(caKeyWOPath, "No CA key: set ca_private_key_pem_wo or ca_private_key_pem", wording.neither)
		return
	}
	_, d := m.issuer(profile)
	diags.Append(d...)
}

// checkLeaf warns, at every plan of an existing certificate, when its CA has
// expired or expires before the certificate does: from then on Docker
// clients and daemons refuse the chain. A certificate that its CA did not
// sign (the CA is being replaced, and the certificate with it) is not judged.
func (m *leafModel) checkLeaf(now time.Time, diags *diag.Diagnostics) {
	if m.CACertPEM.IsUnknown() || m.CACertPEM.IsNull() || m.CertPEM.IsUnknown() || m.CertPEM.IsNull() {
		return
	}
	caCert, err := pki.ParseCACertificatePEM(m.CACertPEM.ValueString())
	if err != nil {
		return // validation reports it
	}
	leaf, err := pki.ParseCertificatePEM(m.CertPEM.ValueString())
	if err != nil || !pki.IssuedBy(leaf, caCert) {
		return
	}
	switch {
	case now.After(caCert.NotAfter):
		diags.AddAttributeWarning(caCertPath, "CA certificate has expired",
			fmt.Sprintf("The CA certificate %q expired at %s: Docker clients and daemons refuse every certificate it signed, "+
				"this one included. Renew the CA: replace dockertls_ca, or pass a new CA certificate and key made elsewhere; "+
				"the certificates it signs are then replaced in the same plan.",
				caCert.Subject.CommonName, caCert.NotAfter.UTC().Format(time.RFC3339)))
	case leaf.NotAfter.After(caCert.NotAfter):
		diags.AddAttributeWarning(caCertPath, "Certificate outlives its CA",
			fmt.Sprintf("This certificate is valid until %s, but its CA certificate %q expires at %s. From that date Docker "+
				"clients and daemons refuse the chain (\"certificate has expired or is not yet valid\"). Renew the CA before "+
				"then; its certificates are replaced in the same plan.",
				leaf.NotAfter.UTC().Format(time.RFC3339), caCert.Subject.CommonName, caCert.NotAfter.UTC().Format(time.RFC3339)))
	}
}

// checkNewLeaf runs the checks that need the clock before a new leaf of
// validityHours is issued: an expired CA is an error, and a leaf outliving
// its CA a warning, since from the CA's expiry on every client refuses the
// chain.
func (m *caInputs) checkNewLeaf(profile pki.Profile, validityHours types.Number, now time.Time, diags *diag.Diagnostics) {
	iss, d := m.issuer(profile)
	diags.Append(d...)
	if iss == nil {
		return
	}
	if err := iss.CheckValidAt(now); err != nil {
		diags.AddAttributeError(caCertPath, "CA certificate not valid now", err.Error())
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

// checkNewLeaf is caInputs.checkNewLeaf with the model's validity.
func (m *leafModel) checkNewLeaf(profile pki.Profile, now time.Time, diags *diag.Diagnostics) {
	m.caInputs.checkNewLeaf(profile, m.ValidityPeriodHours, now, diags)
}

// issueLeaf signs req with the model's CA.
func (m *caInputs) issueLeaf(req pki.Request, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	iss, d := m.issuer(req.Profile)
	diags.Append(d...)
	if diags.HasError() {
		return nil
	}
	if iss == nil {
		diags.AddError("CA unknown at apply time", "ca_cert_pem and the CA key (ca_private_key_pem_wo or ca_private_key_pem) "+
			"must be known when the certificate is issued.")
		return nil
	}
	return issueOrDiagnose(req, iss, now, diags)
}

// issueOrDiagnose calls pki.Issue and turns its error into a diagnostic.
func issueOrDiagnose(req pki.Request, iss *pki.Issuer, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	cert, err := pki.Issue(req, iss, now)
	if err != nil {
		diags.AddError(fmt.Sprintf("Could not issue the %s certificate", req.Profile), err.Error())
		return nil
	}
	return cert
}
