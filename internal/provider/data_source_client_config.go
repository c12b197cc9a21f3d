package provider

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/clientconfig"
)

var (
	_ datasource.DataSource                   = (*clientConfigDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*clientConfigDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*clientConfigDataSource)(nil)
)

type clientConfigDataSource struct {
	providerClock
}

// NewClientConfigDataSource is the dockertls_client_config data source.
func NewClientConfigDataSource() datasource.DataSource { return &clientConfigDataSource{} }

type clientConfigModel struct {
	Host          types.String `tfsdk:"host"`
	CACertPEM     types.String `tfsdk:"ca_cert_pem"`
	ClientCertPEM types.String `tfsdk:"client_cert_pem"`
	ClientKeyPEM  types.String `tfsdk:"client_key_pem"`
	CertPath      types.String `tfsdk:"cert_path"`
	ContextName   types.String `tfsdk:"context_name"`

	CertDir              types.String `tfsdk:"cert_dir"`
	CAFile               types.String `tfsdk:"ca_file"`
	CertFile             types.String `tfsdk:"cert_file"`
	KeyFile              types.String `tfsdk:"key_file"`
	Env                  types.Map    `tfsdk:"env"`
	EnvShell             types.String `tfsdk:"env_shell"`
	Files                types.Map    `tfsdk:"files"`
	DockerContextCommand types.String `tfsdk:"docker_context_command"`
	CAMaterial           types.String `tfsdk:"ca_material"`
	CertMaterial         types.String `tfsdk:"cert_material"`
	KeyMaterial          types.String `tfsdk:"key_material"`
}

func (d *clientConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_client_config"
}

func (d *clientConfigDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.configureClock(req.ProviderData, &resp.Diagnostics)
}

func (d *clientConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Computed: true}
	}
	files := fmt.Sprintf("`%s`, `%s` and `%s`", clientconfig.CAFile, clientconfig.CertFile, clientconfig.KeyFile)
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renders the client side of a daemon's mutual TLS: the `DOCKER_*` environment, the files " +
			"the docker CLI reads (" + files + "), a `docker context create` command, and the values the " +
			"kreuzwerker/docker provider takes. It checks that the client certificate is one, that the CA signed it " +
			"and that the key belongs to it, so a mismatch fails the plan instead of the first connection. Paths are " +
			"for a Linux or macOS client, and the command is for a POSIX shell (sh, bash, zsh).",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The daemon's address as clients dial it: `tcp://HOST:PORT`, with a host name "+
					"or IP address (IPv6 in brackets) that the server certificate names. A port other than %d is a warning.", clientconfig.DefaultPort),
				Required: true,
			},
			"ca_cert_pem": schema.StringAttribute{
				MarkdownDescription: "The CA that signed the daemon's and the client's certificates (`dockertls_ca`'s `cert_pem`), or, while " +
					"certificates move to a new CA, a trust bundle of both (`dockertls_ca_bundle`'s `bundle_pem`): the client trusts " +
					"only these. CA certificates only: a key or a server or client certificate in it is an error." + certificateTextRule,
				Required: true,
			},
			"client_cert_pem": schema.StringAttribute{
				MarkdownDescription: "The client certificate (`dockertls_client_cert`'s `cert_pem`). It must allow clientAuth " +
					"and be signed by a CA in `ca_cert_pem`; a server or CA certificate, or one from another CA, is an error." +
					certificateTextRule,
				Required: true,
			},
			"client_key_pem": schema.StringAttribute{
				MarkdownDescription: "The client certificate's private key (`dockertls_client_cert`'s `private_key_pem`).",
				Required:            true,
				Sensitive:           true,
			},
			"cert_path": schema.StringAttribute{
				MarkdownDescription: "The directory for " + files + " on the client, as `DOCKER_CERT_PATH` names it. Defaults to `" +
					clientconfig.DefaultCertPath + "`, where the docker CLI looks without `DOCKER_CERT_PATH`, when left out; `\"\"` " +
					"is an error, and so is `/`. A leading `~` is " +
					"expanded, as `pathexpand()` does, to the home directory of the user running Terraform: every output holds the " +
					"expanded path (`cert_dir`). Otherwise an absolute path in normal form, of visible characters only (no control " +
					"characters, and no invisible ones such as bidirectional overrides or zero-width spaces); spaces, " +
					"quotes, commas and `$` are fine, and taken literally: `$HOME` is not expanded, write `~`. A Windows path is " +
					"refused: the paths and lines rendered here are for a Linux or macOS client.",
				Optional: true,
				Computed: true,
			},
			"context_name": schema.StringAttribute{
				MarkdownDescription: "The docker context `docker_context_command` creates: letters, digits and `_ . + -`, at " +
					"least two characters, not `default`. Defaults to the host name or IPv4 address in `host`; set it for an IPv6 address.",
				Optional: true,
				Computed: true,
			},
			"cert_dir":  computed("`cert_path` with `~` expanded: the value of `DOCKER_CERT_PATH`."),
			"ca_file":   computed("Path of `" + clientconfig.CAFile + "` in `cert_dir`: write it with mode `0444`."),
			"cert_file": computed("Path of `" + clientconfig.CertFile + "` in `cert_dir`: write it with mode `0444`."),
			"key_file": computed("Path of `" + clientconfig.KeyFile + "` in `cert_dir`: write it with mode `0400`, readable by " +
				"its owner only."),
			"env": schema.MapAttribute{
				MarkdownDescription: "`DOCKER_HOST`, `DOCKER_TLS_VERIFY` (`1`) and `DOCKER_CERT_PATH`: with the files written, " +
					"these make the docker CLI (and docker compose) use the daemon over mutual TLS.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"env_shell": computed("`env` as one POSIX shell command line, `export DOCKER_HOST=... DOCKER_TLS_VERIFY=1 " +
				"DOCKER_CERT_PATH=...`, each value quoted for the shell as `docker_context_command` quotes its words: paste it, or " +
				"`eval \"$(terraform output -raw NAME)\"`. Use it rather than joining `env` into such a line yourself: unquoted, a " +
				"`cert_path` holding `;`, `$(...)` or backquotes runs as a command. It holds `cert_dir`, already expanded: a `~` " +
				"would not expand inside the quotes."),
			"files": schema.MapAttribute{
				MarkdownDescription: "The files to write on the client: the keys are `ca_file`, `cert_file` and `key_file`, the " +
					"values their PEM contents (the inputs as given). Sensitive, since it holds the key. Write `key.pem` with " +
					"mode `0400` and the certificates with `0444`.",
				ElementType: types.StringType,
				Computed:    true,
				Sensitive:   true,
			},
			"docker_context_command": computed("`docker context create NAME --docker \"host=...,ca=...,cert=...,key=...\"` as " +
				"one POSIX shell command line, every value quoted for the shell and for the docker CLI's own parsing of " +
				"`--docker`. The docker CLI copies the files into its context store when the command runs, so write the " +
				"files first; afterwards `docker --context NAME ...` or `docker context use NAME`."),
			"ca_material": computed("For the kreuzwerker/docker provider's `ca_material`: `ca_cert_pem` as given. " +
				"(That provider skips verifying the daemon when it is empty; here it never is.)"),
			"cert_material": computed("For the kreuzwerker/docker provider's `cert_material`: `client_cert_pem` as given."),
			"key_material": schema.StringAttribute{
				MarkdownDescription: "For the kreuzwerker/docker provider's `key_material`: `client_key_pem` as given.",
				Computed:            true,
				Sensitive:           true,
			},
		},
	}
}

// settings reads the model; known is false while the address, path or
// context name is unknown. PEM inputs still unknown (certificates made in
// the same run) only skip the certificate checks, so a wrong host still
// fails the plan.
func (m *clientConfigModel) settings(now time.Time) (s clientconfig.Settings, known bool) {
	for _, v := range []types.String{m.Host, m.CertPath, m.ContextName} {
		if v.IsUnknown() {
			return s, false
		}
	}
	// Like pathexpand(): the home of the user running Terraform. An error
	// leaves it empty, and Check then says so if cert_path needs it.
	home, _ := os.UserHomeDir()
	// Null is the default; "" is passed on, and refused.
	certPath := m.CertPath.ValueString()
	if m.CertPath.IsNull() {
		certPath = clientconfig.DefaultCertPath
	}
	return clientconfig.Settings{
		Host:                m.Host.ValueString(),
		CACertPEM:           m.CACertPEM.ValueString(),
		ClientCertPEM:       m.ClientCertPEM.ValueString(),
		ClientKeyPEM:        m.ClientKeyPEM.ValueString(),
		CertPath:            certPath,
		ContextName:         m.ContextName.ValueString(),
		Home:                home,
		Now:                 now,
		CertificatesUnknown: m.CACertPEM.IsUnknown() || m.ClientCertPEM.IsUnknown() || m.ClientKeyPEM.IsUnknown(),
	}, true
}

// ValidateConfig reports errors as early as possible; warnings wait for
// Read, so they are not shown twice.
func (d *clientConfigDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m clientConfigModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if s, known := m.settings(d.now()); known {
		addProblems(&resp.Diagnostics, s.Check(), true)
	}
}

func (d *clientConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m clientConfigModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	s, _ := m.settings(d.now())
	r, problems := clientconfig.Render(s)
	addProblems(&resp.Diagnostics, problems, false)
	if r == nil {
		return
	}
	m.setRendered(s, r, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (m *clientConfigModel) setRendered(s clientconfig.Settings, r *clientconfig.Rendered, diags *diag.Diagnostics) {
	stringMap := func(values map[string]string) types.Map {
		elems := make(map[string]attr.Value, len(values))
		for k, v := range values {
			elems[k] = types.StringValue(v)
		}
		mv, d := types.MapValue(types.StringType, elems)
		diags.Append(d...)
		return mv
	}
	if m.CertPath.IsNull() {
		m.CertPath = types.StringValue(clientconfig.DefaultCertPath)
	}
	m.ContextName = types.StringValue(r.ContextName)
	m.CertDir = types.StringValue(r.CertDir)
	m.CAFile = types.StringValue(r.CAFile)
	m.CertFile = types.StringValue(r.CertFile)
	m.KeyFile = types.StringValue(r.KeyFile)
	m.Env = stringMap(r.Env)
	m.EnvShell = types.StringValue(r.EnvCommand)
	m.Files = stringMap(r.Files)
	m.DockerContextCommand = types.StringValue(r.ContextCommand)
	m.CAMaterial = types.StringValue(s.CACertPEM)
	m.CertMaterial = types.StringValue(s.ClientCertPEM)
	m.KeyMaterial = types.StringValue(s.ClientKeyPEM)
}
