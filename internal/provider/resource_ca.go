package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var (
	_ resource.ResourceWithConfigure      = (*certificateResource[caModel, *caModel])(nil)
	_ resource.ResourceWithModifyPlan     = (*certificateResource[caModel, *caModel])(nil)
	_ resource.ResourceWithValidateConfig = (*certificateResource[caModel, *caModel])(nil)
)

// caDefaults: ten years, renewed in the last year, since renewing the CA
// means redeploying every daemon's and client's certificates.
var caDefaults = certificateDefaults{validityHours: 87600, earlyRenewalHours: 8760, commonName: "Docker daemon CA"}

// dockertls_ca: a self-signed CA. It has the attributes and life cycle
// every certificate resource shares (certificate_lifecycle.go) and nothing
// else, except that its renewal replaces every certificate it signed, which
// the plan says (renewalNotice).

type caModel struct {
	certificateModel
}

// caSpec is what a CA adds to the shared life cycle: nothing but its
// defaults and its renewal notice.
type caSpec struct{}

// NewCAResource is the dockertls_ca resource.
func NewCAResource() resource.Resource {
	return &certificateResource[caModel, *caModel]{spec: caSpec{}}
}

func (caSpec) typeNameSuffix() string                                      { return "_ca" }
func (caSpec) defaults() certificateDefaults                               { return caDefaults }
func (caSpec) validateConfig(context.Context, *caModel, *diag.Diagnostics) {}

func (caSpec) schema() schema.Schema {
	return certificateSchema(
		"A self-signed certificate authority for a Docker daemon's mutual TLS. Daemons trust the clients it signs, "+
			"and clients trust the daemons it signs. **Its private key admits any client it signs to every daemon "+
			"that trusts it**: dockerd checks no client identity beyond the signature, so whoever holds this key is root "+
			"on those hosts.",
		caDefaults, staticCommonName(caDefaults.commonName), nil)
}

func (caSpec) modifyPlan(context.Context, *caModel, *caModel, *caModel, time.Time, *diag.Diagnostics) []path.Path {
	return nil
}

func (caSpec) issue(_ context.Context, m, _ *caModel, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	return issueOrDiagnose(m.request(pki.ProfileCA), nil, now, diags)
}

// renewalNotice: replacing a CA replaces every certificate it signed in
// the same apply, and every daemon and client must get the new ca.pem at
// the same moment as its new certificate, which never happens across a
// fleet. The plan says so, and how to rotate instead.
func (caSpec) renewalNotice(stored *certificateModel, now time.Time) (string, string) {
	name, end := stored.CommonName.ValueString(), stored.ValidityEndTime.ValueString()
	if notAfter, err := time.Parse(time.RFC3339, end); err == nil && now.After(notAfter) {
		return "CA expired: replacing it and every certificate it signed",
			fmt.Sprintf("The CA %q expired at %s: daemons and clients already refuse every certificate it signed. This plan "+
				"replaces it, and with it every server and client certificate it signed; deploy the new ca.pem and certificates "+
				"to every daemon and client. There is no overlap to keep: see the emergency variant of %s.", name, end, rotationGuide)
	}
	return "CA due for renewal: this plan replaces it and every certificate it signed",
		fmt.Sprintf("The CA %q expires at %s and is inside its early-renewal window. This plan replaces it, and with it every "+
			"server and client certificate it signed, in one apply: daemons and clients that still hold the old ca.pem refuse "+
			"the new certificates, and those given the new ca.pem refuse the old ones, until every host and client is redeployed. "+
			"To move over without locking anyone out, don't apply this plan; follow %s: add the next CA beside this one and "+
			"deploy both as a trust bundle first. Setting early_renewal_hours = 0 on this CA keeps it until it expires "+
			"(changing it issues nothing).", name, end, rotationGuide)
}
