package provider

import (
	"crypto"
	"crypto/x509"
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

// leafModel is a certificate signed by a CA given as PEM.
type leafModel struct {
	certificateModel
	CACertPEM       types.String `tfsdk:"ca_cert_pem"`
	CAPrivateKeyPEM types.String `tfsdk:"ca_private_key_pem"`
}

func issuerAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"ca_cert_pem": schema.StringAttribute{
			MarkdownDescription: "PEM certificate of the signing CA: `dockertls_ca`'s `cert_pem`, or any CA certificate " +
				"(basicConstraints CA:TRUE) made by another tool. Changing it issues a new certificate, so renewing the CA " +
				"replaces every certificate it signed in the same plan.",
			Required:      true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"ca_private_key_pem": schema.StringAttribute{
			MarkdownDescription: "PEM private key of the signing CA, unencrypted: PKCS#8 (`PRIVATE KEY`), PKCS#1 " +
				"(`RSA PRIVATE KEY`) or SEC 1 (`EC PRIVATE KEY`). It must belong to `ca_cert_pem`. Changing it issues a new certificate.",
			Required:      true,
			Sensitive:     true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
	}
}

// issuer parses the CA from the model. Each input is checked as soon as it
// is known, so a malformed certificate fails the plan even while the key is
// still unknown; the issuer itself is returned only when both are known and
// belong together. Diagnostics name the attribute and never repeat key
// material: the pki errors are written never to contain it.
func (m *leafModel) issuer(profile pki.Profile) (*pki.Issuer, diag.Diagnostics) {
	var diags diag.Diagnostics
	certPath, keyPath := path.Root("ca_cert_pem"), path.Root("ca_private_key_pem")
	known := func(v types.String) bool { return !v.IsUnknown() && !v.IsNull() }
	var caCert *x509.Certificate
	if known(m.CACertPEM) {
		var err error
		if caCert, err = pki.ParseCACertificatePEM(m.CACertPEM.ValueString()); err != nil {
			diags.AddAttributeError(certPath, "Invalid CA certificate", err.Error())
		} else if err := pki.CheckPurpose(caCert, profile); err != nil {
			diags.AddAttributeError(certPath, "CA certificate cannot sign this kind of certificate", err.Error())
		}
	}
	var caKey crypto.Signer
	if known(m.CAPrivateKeyPEM) {
		var err error
		if caKey, err = pki.ParsePrivateKeyPEM(m.CAPrivateKeyPEM.ValueString()); err != nil {
			diags.AddAttributeError(keyPath, "Invalid CA private key", err.Error())
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

func (m *leafModel) validateIssuer(profile pki.Profile, diags *diag.Diagnostics) {
	_, d := m.issuer(profile)
	diags.Append(d...)
}

// checkNewLeaf runs the checks that need the clock before a new leaf is
// issued: an expired CA is an error, and a leaf outliving its CA a warning,
// since from the CA's expiry on every client refuses the chain.
func (m *leafModel) checkNewLeaf(profile pki.Profile, now time.Time, diags *diag.Diagnostics) {
	iss, d := m.issuer(profile)
	diags.Append(d...)
	if iss == nil {
		return
	}
	if err := iss.CheckValidAt(now); err != nil {
		diags.AddAttributeError(path.Root("ca_cert_pem"), "CA certificate not valid now", err.Error())
		return
	}
	if m.ValidityPeriodHours.IsUnknown() {
		return
	}
	leafEnd := now.Add(hoursToDuration(m.ValidityPeriodHours))
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

// issueLeaf signs req with the model's CA.
func (m *leafModel) issueLeaf(req pki.Request, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	iss, d := m.issuer(req.Profile)
	diags.Append(d...)
	if diags.HasError() {
		return nil
	}
	if iss == nil {
		diags.AddError("CA unknown at apply time", "ca_cert_pem and ca_private_key_pem must be known when the certificate is issued.")
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
