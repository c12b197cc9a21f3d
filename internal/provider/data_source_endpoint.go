package provider

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/dockertls/terraform-provider-dockertls/internal/endpoint"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var (
	_ datasource.DataSource                   = (*endpointDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*endpointDataSource)(nil)
)

type endpointDataSource struct{}

// NewEndpointDataSource is the dockertls_endpoint data source.
func NewEndpointDataSource() datasource.DataSource { return &endpointDataSource{} }

const (
	defaultEndpointTimeoutSeconds = 10
	maxEndpointTimeoutSeconds     = 300
)

var (
	endpointCAPath         = path.Root("ca_cert_pem")
	endpointClientCertPath = path.Root("client_cert_pem")
	endpointClientKeyPath  = path.Root("client_key_pem")
)

type endpointModel struct {
	Host           types.String `tfsdk:"host"`
	CACertPEM      types.String `tfsdk:"ca_cert_pem"`
	ClientCertPEM  types.String `tfsdk:"client_cert_pem"`
	ClientKeyPEM   types.String `tfsdk:"client_key_pem"`
	TimeoutSeconds types.Number `tfsdk:"timeout_seconds"`
	FailOnError    types.Bool   `tfsdk:"fail_on_error"`

	ID                          types.String `tfsdk:"id"`
	Reachable                   types.Bool   `tfsdk:"reachable"`
	Verified                    types.Bool   `tfsdk:"verified"`
	ServerCertVerified          types.Bool   `tfsdk:"server_cert_verified"`
	Error                       types.String `tfsdk:"error"`
	ErrorKind                   types.String `tfsdk:"error_kind"`
	ServerCertPEM               types.String `tfsdk:"server_cert_pem"`
	ServerCertFingerprintSHA256 types.String `tfsdk:"server_cert_fingerprint_sha256"`
	ServerCertNotAfter          types.String `tfsdk:"server_cert_not_after"`
	ClientCertRequested         types.Bool   `tfsdk:"client_cert_requested"`
	AcceptedClientCASubjects    types.List   `tfsdk:"accepted_client_ca_subjects"`
	AcceptedClientCAMatch       types.String `tfsdk:"accepted_client_ca_match"`
	DockerVersion               types.String `tfsdk:"docker_version"`
	APIVersion                  types.String `tfsdk:"api_version"`
}

func (d *endpointDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_endpoint"
}

// errorKindsMarkdown lists the error kinds from the table the probe uses.
func errorKindsMarkdown() string {
	lines := make([]string, 0, len(endpoint.Kinds))
	for _, k := range endpoint.Kinds {
		lines = append(lines, fmt.Sprintf("`%s` (%s)", k.Kind, k.Meaning))
	}
	return strings.Join(lines, "; ")
}

// caMatchesMarkdown lists the values of accepted_client_ca_match from the
// table the probe uses.
func caMatchesMarkdown() string {
	lines := make([]string, 0, len(endpoint.CAMatches))
	for _, m := range endpoint.CAMatches {
		lines = append(lines, fmt.Sprintf("`%s` (%s)", m.Match, m.Meaning))
	}
	return strings.Join(lines, "; ")
}

func (d *endpointDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Dials a deployed Docker daemon's TLS port as the docker CLI does with `--tlsverify` " +
			"(go-connections' client defaults: TLS 1.2 or later, ECDHE AEAD cipher suites; `ca_cert_pem` as the only roots; the " +
			"host name or IP address checked against the server certificate) and reports what it serves: the certificate it " +
			"presents, whether that certificate verifies, what the daemon asks of clients (a client certificate, from which " +
			"CAs), whether it refuses a client that presents no certificate, and the daemon's version from `GET /_ping` and " +
			"`GET /version`. The served certificate is reported even when it fails verification, but no request is ever sent " +
			"over a connection that was not verified, and the connection without a client certificate sends `GET /_ping` " +
			"alone (as does, to a daemon that asks for a certificate, one that presents a certificate no CA signed). A daemon that cannot be reached, refuses the client or serves anyone is not an error unless " +
			"`fail_on_error` is set: `verified` is false, and `error` and `error_kind` say why, so plans work before the " +
			"machine exists and `check` blocks can warn.",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				MarkdownDescription: "The daemon as clients reach it, in `DOCKER_HOST` form: `tcp://HOST:PORT`, with a host name " +
					"or IP address (IPv6 in brackets) that the server certificate's subjectAltNames must cover.",
				Required:   true,
				Validators: []validator.String{endpointHostValidator()},
			},
			"ca_cert_pem": schema.StringAttribute{
				MarkdownDescription: "The CA the daemon's certificate must chain to (`dockertls_ca`'s `cert_pem`), the only root trusted; " +
					"or a trust bundle (`dockertls_ca_bundle`'s `bundle_pem`), whose CAs are then the only roots, as a client given " +
					"that bundle as its `ca.pem` would trust." + certificateTextRule,
				Required: true,
			},
			"client_cert_pem": schema.StringAttribute{
				MarkdownDescription: "The client certificate presented to the daemon (`dockertls_client_cert`'s `cert_pem`)." + certificateTextRule,
				Required:            true,
			},
			"client_key_pem": schema.StringAttribute{
				MarkdownDescription: "The client certificate's private key. Sensitive, but stored in this data source's " +
					"state: data sources cannot have write-only attributes. Give it a dedicated, short-lived monitoring " +
					"client certificate rather than an administrator's.",
				Required:  true,
				Sensitive: true,
			},
			"timeout_seconds": schema.NumberAttribute{
				MarkdownDescription: fmt.Sprintf("Bound on the whole probe (connecting, the TLS handshakes, the requests and "+
					"the check without a client certificate): a whole number of seconds from 1 to %d. Defaults to `%d`.",
					maxEndpointTimeoutSeconds, defaultEndpointTimeoutSeconds),
				Optional:   true,
				Computed:   true,
				Validators: []validator.Number{wholeSeconds(1, maxEndpointTimeoutSeconds)},
			},
			"fail_on_error": schema.BoolAttribute{
				MarkdownDescription: "Make any failure an error of the plan or apply, naming the host and the reason. " +
					"Defaults to `false`: failures are reported in `error` and `error_kind` only.",
				Optional: true,
				Computed: true,
			},
			"id": str("`host`, as given."),
			"reachable": schema.BoolAttribute{
				MarkdownDescription: "A TCP connection to `host` was opened. It is true even when the TLS handshake or the API " +
					"failed afterwards; see `error`.",
				Computed: true,
			},
			"verified": schema.BoolAttribute{
				MarkdownDescription: "The daemon is what a `docker --tlsverify` client takes it to be: its certificate verified " +
					"(`server_cert_verified`) and it refused a client that presented no certificate (and, if it asked for one, a " +
					"client that presented a certificate no CA signed). False for a daemon that " +
					"serves anyone (`error_kind` `anonymous_access`: `tlsverify` off, or a proxy that admits any certificate), and whenever the probe could not see that " +
					"refusal (a timeout, a connection reset): a `check` block that asserts it fails closed. It can be true while " +
					"`error` is set, when the daemon refused the client certificate.",
				Computed: true,
			},
			"server_cert_verified": schema.BoolAttribute{
				MarkdownDescription: "The served certificate chains to a CA in `ca_cert_pem`, is valid now by this machine's clock, " +
					"allows serverAuth, and covers `host`, at every connection of the probe. It says nothing of what the daemon " +
					"asks of clients: a daemon with `tlsverify` off passes it.",
				Computed: true,
			},
			"error": str("Why the daemon is not verified or did not answer, in a sentence; null when all is well."),
			"error_kind": str("The class of failure, stable for `check` blocks; null when all is well. One of: " +
				errorKindsMarkdown() + "."),
			"server_cert_pem": str("The certificate the daemon presented, verified or not, in PEM; null when the handshake " +
				"did not get that far."),
			"server_cert_fingerprint_sha256": str("SHA-256 fingerprint of the served certificate, in the format of the " +
				"resources' `cert_fingerprint_sha256` (upper-case hex pairs joined by colons), so a `check` block can " +
				"compare it with `dockertls_server_cert`'s."),
			"server_cert_not_after": str("When the served certificate expires, RFC 3339 in UTC (as `timestamp()` writes it)."),
			"client_cert_requested": schema.BoolAttribute{
				MarkdownDescription: "The daemon asked for a client certificate in the TLS handshake, as dockerd does with " +
					"`tlsverify` on and does not with it off; null when no handshake with a verified server got that far. " +
					"Asking is not requiring: `verified` rests on the daemon refusing a client without one.",
				Computed: true,
			},
			"accepted_client_ca_subjects": schema.ListAttribute{
				MarkdownDescription: "The subjects of the CAs the daemon names as issuers it accepts for client certificates " +
					"(for dockerd, the certificates in its `tlscacert`), in its order, written as Go writes a certificate's " +
					"subject (`CN=...,O=...`) with control characters escaped: at most 32 of them, each at most 256 bytes, and " +
					"a last entry saying how many more were left out. Null when the daemon asked for no client certificate.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"accepted_client_ca_match": str("How the CAs the daemon accepts for client certificates compare with the CAs in " +
				"`ca_cert_pem` and the issuer of `client_cert_pem`, by subject name (the handshake carries names only, so two CAs " +
				"with the same name count as one); null when the daemon asked for no client certificate. One of: " +
				caMatchesMarkdown() + ". `beyond` and `unlisted` are not an `error`: warn on them in a `check` block."),
			"docker_version": str("The daemon's version (`Version` of `GET /version`, at most 128 bytes); null unless the daemon " +
				"answered it over a verified connection that presented the client certificate."),
			"api_version": str("The daemon's Engine API version (`ApiVersion` of `GET /version`, at most 128 bytes); null unless " +
				"the daemon answered it over a verified connection that presented the client certificate."),
		},
	}
}

// endpointHostValidator checks host with the probe's own parser.
func endpointHostValidator() validator.String {
	return stringCheck{
		summary:     "Invalid Docker host",
		description: "value must be tcp://HOST:PORT",
		check: func(s string) error {
			_, err := endpoint.ParseHost(s)
			return err
		},
	}
}

// endpointInputs are the parsed inputs of a probe.
type endpointInputs struct {
	host   endpoint.Host
	cas    []*x509.Certificate
	client tls.Certificate
}

// certificateInputDetail adds Terraform's words to a pki error about a
// certificate attribute of the endpoint.
func certificateInputDetail(err error, attr string) string {
	return pemInputAdvice{attr: attr, keyFix: "Give the key to client_key_pem instead.",
		notCA: ", such as dockertls_ca's cert_pem.", bomFile: "...pem"}.detail(err)
}

// inputs parses what is known of the configuration. Each attribute is
// checked on its own, so a bad one fails the plan even while another is
// unknown; the inputs are returned only when all are known and good.
func (m *endpointModel) inputs() (*endpointInputs, diag.Diagnostics) {
	var diags diag.Diagnostics
	known := func(v types.String) bool { return !v.IsUnknown() && !v.IsNull() }
	in := &endpointInputs{}
	if known(m.Host) {
		// The schema's validator reports a bad host.
		h, err := endpoint.ParseHost(m.Host.ValueString())
		if err == nil {
			in.host = h
		}
	}
	if known(m.CACertPEM) {
		cas, err := pki.ParseTrustPEM(m.CACertPEM.ValueString())
		if err != nil {
			diags.AddAttributeError(endpointCAPath, "Invalid CA certificate", certificateInputDetail(err, "ca_cert_pem"))
		}
		in.cas = cas
	}
	var clientCert *x509.Certificate
	if known(m.ClientCertPEM) {
		c, err := pki.ParseCertificatePEM(m.ClientCertPEM.ValueString())
		if err != nil {
			diags.AddAttributeError(endpointClientCertPath, "Invalid client certificate", certificateInputDetail(err, "client_cert_pem"))
		}
		clientCert = c
	}
	var clientKey crypto.Signer
	if known(m.ClientKeyPEM) {
		k, err := pki.ParsePrivateKeyPEM(m.ClientKeyPEM.ValueString())
		if err != nil {
			diags.AddAttributeError(endpointClientKeyPath, "Invalid client private key", err.Error())
		}
		clientKey = k
	}
	if clientCert != nil && clientKey != nil {
		pair, err := endpoint.ClientCertificate(clientCert, clientKey)
		if err != nil {
			diags.AddAttributeError(endpointClientKeyPath, "Client key does not match the client certificate", err.Error())
		}
		in.client = pair
	}
	if diags.HasError() || in.host.Name == "" || in.cas == nil || in.client.Leaf == nil {
		return nil, diags
	}
	return in, diags
}

// ValidateConfig refuses bad inputs at plan time, or at validate time when
// they are literal.
func (d *endpointDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m endpointModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, diags := m.inputs()
	resp.Diagnostics.Append(diags...)
}

func (d *endpointDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m endpointModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, diags := m.inputs()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || in == nil {
		return
	}
	if m.TimeoutSeconds.IsNull() {
		m.TimeoutSeconds = types.NumberValue(new(big.Float).SetInt64(defaultEndpointTimeoutSeconds))
	}
	// The validator keeps it a whole number of seconds from 1 to 300.
	timeout, _ := m.TimeoutSeconds.ValueBigFloat().Int64()
	if m.FailOnError.IsNull() {
		m.FailOnError = types.BoolValue(false)
	}
	res := endpoint.Probe(ctx, endpoint.Target{
		Host:    in.host,
		CAs:     in.cas,
		Client:  in.client,
		Timeout: time.Duration(timeout) * time.Second,
	})
	m.setResult(res)
	// Names, kinds and fingerprints only: never the model, which holds the key.
	tflog.Debug(ctx, "probed a Docker endpoint", map[string]any{
		"host":                           in.host.String(),
		"reachable":                      res.Reachable,
		"verified":                       res.Verified(),
		"server_cert_verified":           res.ServerCertVerified,
		"error_kind":                     m.ErrorKind.ValueString(),
		"server_cert_fingerprint_sha256": m.ServerCertFingerprintSHA256.ValueString(),
		"client_cert_requested":          m.ClientCertRequested.String(),
		"accepted_client_ca_match":       m.AcceptedClientCAMatch.ValueString(),
	})
	if res.Err != nil && m.FailOnError.ValueBool() {
		resp.Diagnostics.AddError("Docker endpoint "+in.host.String()+" failed: "+string(res.Err.Kind),
			fmt.Sprintf("%s: %s\n\nfail_on_error is true; set it to false to read the failure from error and error_kind instead.",
				in.host, res.Err.Message))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// setResult records a probe's result in the computed attributes.
func (m *endpointModel) setResult(res endpoint.Result) {
	optional := func(s string) types.String {
		if s == "" {
			return types.StringNull()
		}
		return types.StringValue(s)
	}
	m.ID = types.StringValue(m.Host.ValueString())
	m.Reachable = types.BoolValue(res.Reachable)
	m.Verified = types.BoolValue(res.Verified())
	m.ServerCertVerified = types.BoolValue(res.ServerCertVerified)
	m.Error, m.ErrorKind = types.StringNull(), types.StringNull()
	if res.Err != nil {
		m.Error, m.ErrorKind = types.StringValue(res.Err.Message), types.StringValue(string(res.Err.Kind))
	}
	m.ServerCertPEM, m.ServerCertFingerprintSHA256, m.ServerCertNotAfter = types.StringNull(), types.StringNull(), types.StringNull()
	if c := res.ServerCert; c != nil {
		m.ServerCertPEM = types.StringValue(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})))
		m.ServerCertFingerprintSHA256 = types.StringValue(pki.Fingerprint(c))
		m.ServerCertNotAfter = types.StringValue(c.NotAfter.UTC().Format(time.RFC3339))
	}
	m.ClientCertRequested, m.AcceptedClientCASubjects, m.AcceptedClientCAMatch = types.BoolNull(), types.ListNull(types.StringType), types.StringNull()
	if a := res.ClientAuth; a != nil {
		m.ClientCertRequested = types.BoolValue(a.Requested)
		if a.Requested {
			subjects := make([]attr.Value, 0, len(a.AcceptedCASubjects))
			for _, s := range a.AcceptedCASubjects {
				subjects = append(subjects, types.StringValue(s))
			}
			m.AcceptedClientCASubjects = types.ListValueMust(types.StringType, subjects)
			m.AcceptedClientCAMatch = types.StringValue(string(a.Match))
		}
	}
	m.DockerVersion, m.APIVersion = optional(res.DockerVersion), optional(res.APIVersion)
}
