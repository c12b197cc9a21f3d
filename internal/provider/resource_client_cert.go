package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

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

// dockertls_client_cert: a client certificate for the docker CLI or any
// Engine API client, signed by a CA the daemons trust. It is a managed leaf
// like dockertls_server_cert (see that file for the story) without names:
// its subject is all it adds.

type clientCertModel struct {
	certificateModel
	signingCA
	CACertFingerprintSHA256 types.String `tfsdk:"ca_cert_fingerprint_sha256"`
}

func (m *clientCertModel) caFingerprintAttr() *types.String { return &m.CACertFingerprintSHA256 }

// clientCertSpec is what a client certificate adds to the shared life cycle.
type clientCertSpec struct{}

// NewClientCertResource is the dockertls_client_cert resource.
func NewClientCertResource() resource.Resource {
	return &certificateResource[clientCertModel, *clientCertModel]{spec: clientCertSpec{}}
}

func (clientCertSpec) typeNameSuffix() string        { return "_client_cert" }
func (clientCertSpec) defaults() certificateDefaults { return clientDefaults }

func (clientCertSpec) schema() schema.Schema {
	return certificateSchema(
		"A client certificate (extendedKeyUsage clientAuth) for the docker CLI or any Engine API client, signed by "+
			"a CA that the daemon trusts. The files Docker expects are `ca.pem`, `cert.pem` and `key.pem` in "+
			"`~/.docker` or `$DOCKER_CERT_PATH`. Any client this CA signs is admitted as root: keep one CA per trust domain.",
		clientDefaults, staticCommonName(clientDefaults.commonName), signingCAAttributes())
}

func (clientCertSpec) validateConfig(_ context.Context, m *clientCertModel, diags *diag.Diagnostics) {
	m.validateManaged(pki.ProfileClient, diags)
}

func (clientCertSpec) modifyPlan(_ context.Context, m, config, state *clientCertModel, now time.Time, diags *diag.Diagnostics) []path.Path {
	if state == nil {
		planNewLeaf(pki.ProfileClient, m, config, now, diags)
		return nil
	}
	return planStoredLeaf(m, config, state, now, diags)
}

func (clientCertSpec) issue(_ context.Context, m, config *clientCertModel, now time.Time, diags *diag.Diagnostics) *pki.Certificate {
	return issueLeaf(m.request(pki.ProfileClient), m, config, now, diags)
}
