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
	_ resource.ResourceWithConfigure      = (*certificateResource[clientCertModel, *clientCertModel])(nil)
	_ resource.ResourceWithModifyPlan     = (*certificateResource[clientCertModel, *clientCertModel])(nil)
	_ resource.ResourceWithValidateConfig = (*certificateResource[clientCertModel, *clientCertModel])(nil)
)

var clientDefaults = certificateDefaults{
	validityHours:     leafDefaults.validityHours,
	earlyRenewalHours: leafDefaults.earlyRenewalHours,
	commonName:        "client",
}

type clientCertModel struct {
	leafModel
}

type clientCertKind struct{}

// NewClientCertResource is the dockertls_client_cert resource.
func NewClientCertResource() resource.Resource {
	return &certificateResource[clientCertModel, *clientCertModel]{kind: clientCertKind{}}
}

func (clientCertKind) typeNameSuffix() string        { return "_client_cert" }
func (clientCertKind) defaults() certificateDefaults { return clientDefaults }

func (clientCertKind) schema() schema.Schema {
	return certificateSchema(
		"A client certificate (extendedKeyUsage clientAuth) for the docker CLI or any Engine API client, signed by "+
			"a CA that the daemon trusts. The files Docker expects are `ca.pem`, `cert.pem` and `key.pem` in "+
			"`~/.docker` or `$DOCKER_CERT_PATH`. Any client this CA signs is admitted as root: keep one CA per trust domain.",
		clientDefaults, staticCommonName(clientDefaults.commonName), issuerAttributes())
}

func (clientCertKind) validateConfig(_ context.Context, m *clientCertModel, diags *diag.Diagnostics) {
	m.validateIssuer(pki.ProfileClient, diags)
}

func (clientCertKind) modifyPlan(_ context.Context, m, config, state *clientCertModel, now time.Time, diags *diag.Diagnostics) []path.Path {
	var prior *leafModel
	if state != nil {
		prior = &state.leafModel
	}
	return m.planLeaf(pki.ProfileClient, &config.leafModel, prior, now, diags)
}

func (clientCertKind) issue(_ context.Context, m, config *clientCertModel, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	return m.issueLeaf(m.request(pki.ProfileClient), &config.leafModel, now, diags)
}
