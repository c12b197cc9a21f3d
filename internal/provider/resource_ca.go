package provider

import (
	"context"
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

type caModel struct {
	certificateModel
}

type caKind struct{}

// NewCAResource is the dockertls_ca resource.
func NewCAResource() resource.Resource {
	return &certificateResource[caModel, *caModel]{kind: caKind{}}
}

func (caKind) typeNameSuffix() string                                      { return "_ca" }
func (caKind) defaults() certificateDefaults                               { return caDefaults }
func (caKind) validateConfig(context.Context, *caModel, *diag.Diagnostics) {}

func (caKind) schema() schema.Schema {
	return certificateSchema(
		"A self-signed certificate authority for a Docker daemon's mutual TLS. Daemons trust the clients it signs, "+
			"and clients trust the daemons it signs. **Its private key admits any client it signs to every daemon "+
			"that trusts it**: dockerd checks no client identity beyond the signature, so whoever holds this key is root "+
			"on those hosts.",
		caDefaults, staticCommonName(caDefaults.commonName), nil)
}

func (caKind) modifyPlan(context.Context, *caModel, *caModel, *caModel, time.Time, *diag.Diagnostics) []path.Path {
	return nil
}

func (caKind) issue(_ context.Context, m, _ *caModel, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	return issueOrDiagnose(m.request(pki.ProfileCA), nil, now, diags)
}
