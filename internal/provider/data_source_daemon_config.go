package provider

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/daemonconfig"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var (
	_ datasource.DataSource                   = (*daemonConfigDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*daemonConfigDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*daemonConfigDataSource)(nil)
)

type daemonConfigDataSource struct {
	providerClock
}

// pathRules is what every path attribute accepts, so that the renders can
// quote it to stay one literal word.
var pathRules = fmt.Sprintf("Paths hold visible characters only: no control characters, and no invisible ones such as "+
	"bidirectional overrides or zero-width spaces; none is a root (`/`, `C:\\`). Linux paths are absolute and in normal "+
	"form. Windows paths are drive-absolute (`C:\\...`, with backslashes), in normal form, in ASCII, at most %d characters, "+
	"without `\" < > | ? *`, device names (`NUL`, `CON`, `COM1`, ... with any extension), components longer than %d characters "+
	"or components that end with a dot or a space. Spaces and characters that systemd or cmd treat specially (`%%`, `$`, `&`, "+
	"`^`, `!`, parentheses) are fine: the renders escape them.", daemonconfig.WindowsMaxPath, daemonconfig.WindowsMaxName)

// NewDaemonConfigDataSource is the dockertls_daemon_config data source.
func NewDaemonConfigDataSource() datasource.DataSource { return &daemonConfigDataSource{} }

type daemonConfigModel struct {
	Platform          types.String `tfsdk:"platform"`
	Hosts             types.List   `tfsdk:"hosts"`
	CertDir           types.String `tfsdk:"cert_dir"`
	TLSVerify         types.Bool   `tfsdk:"tls_verify"`
	AllowInsecureTCP  types.Bool   `tfsdk:"allow_insecure_tcp"`
	ExtraSettingsJSON types.String `tfsdk:"extra_settings_json"`
	DockerdPath       types.String `tfsdk:"dockerd_path"`
	ConfigFile        types.String `tfsdk:"config_file"`
	ContainerdAddress types.String `tfsdk:"containerd_address"`
	ServerCertPEM     types.String `tfsdk:"server_cert_pem"`
	CACertPEM         types.String `tfsdk:"ca_cert_pem"`

	ID                 types.String `tfsdk:"id"`
	DaemonJSON         types.String `tfsdk:"daemon_json"`
	SystemdDropin      types.String `tfsdk:"systemd_dropin"`
	SystemdDropinPath  types.String `tfsdk:"systemd_dropin_path"`
	RunDockerDaemonCmd types.String `tfsdk:"run_docker_daemon_cmd"`
	DockerdArgs        types.List   `tfsdk:"dockerd_args"`
	TLSCACertPath      types.String `tfsdk:"tlscacert_path"`
	TLSCertPath        types.String `tfsdk:"tlscert_path"`
	TLSKeyPath         types.String `tfsdk:"tlskey_path"`
}

func (d *daemonConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_daemon_config"
}

func (d *daemonConfigDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.configureClock(req.ProviderData, &resp.Diagnostics)
}

func (d *daemonConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	linux, windows := daemonconfig.DefaultsFor(daemonconfig.Linux), daemonconfig.DefaultsFor(daemonconfig.Windows)
	perPlatform := func(what, l, w string) string {
		return fmt.Sprintf("%s Defaults to `%s` on linux and `%s` on windows.", what, l, w)
	}
	optionalString := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Optional: true, Computed: true}
	}
	computedString := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renders a Docker daemon's configuration for mutual TLS on port 2376: `daemon.json`, the " +
			"systemd drop-in that lets it take effect on Linux, the `runDockerDaemon.cmd` start script on Windows, and " +
			"the same settings as dockerd flags. It refuses to render a TCP listener without client verification " +
			"unless told to, so no configuration made with it opens a port-2375-style API by accident.",
		Attributes: map[string]schema.Attribute{
			"platform": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Operating system of the daemon: %s. Defaults to `linux`.", markdownList(daemonconfig.PlatformNames())),
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.OneOf(daemonconfig.PlatformNames()...)},
			},
			"hosts": schema.ListAttribute{
				MarkdownDescription: perPlatform("Listen addresses: `tcp://HOST:PORT` on both platforms, `unix:///PATH` and `fd://` "+
					"on linux, `npipe://` on windows. Keep a local one, or tools on the host lose access.",
					`["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]`, `["npipe://", "tcp://0.0.0.0:2376"]`),
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
			},
			"cert_dir": optionalString(perPlatform("Absolute directory holding the daemon's `"+daemonconfig.CAFile+"`, `"+
				daemonconfig.ServerCertFile+"` and `"+daemonconfig.ServerKeyFile+"` on the host. "+pathRules, linux.CertDir, windows.CertDir)),
			"tls_verify": schema.BoolAttribute{
				MarkdownDescription: "Require and verify client certificates (`tlsverify`). Defaults to `true`. A `tcp://` host " +
					"without it is an error unless `allow_insecure_tcp` is set; the port then still serves TLS but admits every client.",
				Optional: true,
				Computed: true,
			},
			"allow_insecure_tcp": schema.BoolAttribute{
				MarkdownDescription: "Accept a `tcp://` host with `tls_verify = false`. The plan still warns: such a port is root " +
					"on the host for anyone who can reach it.",
				Optional: true,
			},
			"extra_settings_json": schema.StringAttribute{
				MarkdownDescription: "A JSON object merged into `daemon.json`, for example `jsonencode({\"log-level\" = \"warn\"})`. " +
					"It may not set the keys this data source manages: " + markdownList(daemonconfig.ManagedKeys) + ". " +
					"These settings appear only in `daemon_json`, not in `dockerd_args`.",
				Optional: true,
			},
			"dockerd_path": optionalString(perPlatform("The dockerd program the systemd drop-in or the Windows script starts "+
				"(Debian's docker.io installs `/usr/sbin/dockerd`): an absolute path, or on windows also a bare program name "+
				"found on `PATH`. On linux it may not hold quotes or backslashes, which systemd refuses in an executable path. "+
				pathRules, linux.DockerdPath, windows.DockerdPath)),
			"config_file": optionalString(perPlatform("Where `daemon_json` is written on the host. "+pathRules, linux.ConfigFile, windows.ConfigFile)),
			"containerd_address": optionalString("The `--containerd` socket the systemd drop-in passes, as Docker CE's stock unit " +
				"does: an absolute path. Defaults to `" + linux.ContainerdAddress + "` on linux; set `\"\"` to leave it out (Debian's docker.io). Unused on windows."),
			"server_cert_pem": schema.StringAttribute{
				MarkdownDescription: "The daemon's certificate (`dockertls_server_cert`'s `cert_pem`), to check: a certificate " +
					"without serverAuth is an error, and a `tcp://` host with a specific address that its subjectAltNames do not " +
					"cover is a warning, since clients dialling it would refuse the daemon." + certificateTextRule,
				Optional: true,
			},
			"ca_cert_pem": schema.StringAttribute{
				MarkdownDescription: "The `ca.pem` the daemon will hold (`" + daemonconfig.CAFile + "` in `cert_dir`), to check: " +
					"one CA (`dockertls_ca`'s `cert_pem`) or, during a CA rotation, a trust bundle (`dockertls_ca_bundle`'s " +
					"`bundle_pem`). Anything but CA certificates is an error. A server certificate that no CA in it signed is a " +
					"warning, since clients given the same `ca.pem` would refuse the daemon, and so is an expired CA. " +
					"Nothing rendered depends on it." + certificateTextRule,
				Optional: true,
			},
			"id":             computedString("SHA-256 of `daemon_json`, in hex."),
			"daemon_json":    computedString("The daemon's configuration file: stable key order, absolute paths, trailing newline."),
			"systemd_dropin": computedString("On linux, a drop-in for `docker.service` that starts dockerd with `config_file` and no `-H` flag (daemon.json's `hosts` and any `-H` stop dockerd). Null on windows."),
			"systemd_dropin_path": computedString("Where to write `systemd_dropin`: `" + daemonconfig.SystemdDropinPath + "`. Run " +
				"`systemctl daemon-reload` and restart docker after writing it. Null on windows."),
			"run_docker_daemon_cmd": computedString("On windows, a `runDockerDaemon.cmd` for a service wrapper or scheduled task: it " +
				"starts dockerd with `config_file` when `" + daemonconfig.ServerCertFile + "` exists in `cert_dir`, and otherwise with " +
				"a configuration it writes beside it (`" + daemonconfig.PipeOnlyConfigName + "`) that has the named pipe only, never an " +
				"open TCP port. It runs from `config_file`'s directory, so a `dockerd` in whatever working directory the wrapper starts it in " +
				"is never run in place of the one on PATH. CRLF line endings. Null on linux."),
			"dockerd_args": schema.ListAttribute{
				MarkdownDescription: "The hosts and TLS settings as dockerd flags, for a daemon started without them in daemon.json " +
					"(dockerd refuses a setting given both ways).",
				ElementType: types.StringType,
				Computed:    true,
			},
			"tlscacert_path": computedString("Absolute path of `" + daemonconfig.CAFile + "` on the host."),
			"tlscert_path":   computedString("Absolute path of `" + daemonconfig.ServerCertFile + "` on the host."),
			"tlskey_path":    computedString("Absolute path of `" + daemonconfig.ServerKeyFile + "` on the host."),
		},
	}
}

// settings reads the model into daemonconfig settings with defaults applied.
// known is false while any input is unknown.
func (m *daemonConfigModel) settings(ctx context.Context, now time.Time) (s daemonconfig.Settings, known bool, diags diag.Diagnostics) {
	inputs := []interface{ IsUnknown() bool }{m.Platform, m.Hosts, m.CertDir, m.TLSVerify, m.AllowInsecureTCP,
		m.ExtraSettingsJSON, m.DockerdPath, m.ConfigFile, m.ContainerdAddress, m.ServerCertPEM, m.CACertPEM}
	for _, v := range inputs {
		if v.IsUnknown() {
			return s, false, nil
		}
	}
	s = daemonconfig.Settings{
		Platform:          daemonconfig.Platform(m.Platform.ValueString()),
		CertDir:           m.CertDir.ValueString(),
		TLSVerify:         m.TLSVerify.IsNull() || m.TLSVerify.ValueBool(),
		AllowInsecureTCP:  m.AllowInsecureTCP.ValueBool(),
		ExtraSettingsJSON: m.ExtraSettingsJSON.ValueString(),
		DockerdPath:       m.DockerdPath.ValueString(),
		ConfigFile:        m.ConfigFile.ValueString(),
		ContainerdAddress: m.ContainerdAddress.ValueString(),
	}
	if !m.Hosts.IsNull() {
		var hosts []types.String
		diags.Append(m.Hosts.ElementsAs(ctx, &hosts, false)...)
		for _, h := range hosts {
			if h.IsUnknown() {
				return s, false, diags
			}
			s.Hosts = append(s.Hosts, h.ValueString())
		}
	}
	if !m.ServerCertPEM.IsNull() {
		cert, err := pki.ParseCertificatePEM(m.ServerCertPEM.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("server_cert_pem"), "Invalid server certificate", daemonCertAdvice.detail(err))
		}
		s.ServerCert = cert
	}
	if !m.CACertPEM.IsNull() {
		cas, err := pki.ParseTrustPEM(m.CACertPEM.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("ca_cert_pem"), "Invalid CA certificate", daemonCAAdvice.detail(err))
		}
		s.CACerts, s.Now = cas, now
	}
	s = s.WithDefaults(daemonconfig.Unset{
		Platform:          m.Platform.IsNull(),
		Hosts:             m.Hosts.IsNull(),
		CertDir:           m.CertDir.IsNull(),
		DockerdPath:       m.DockerdPath.IsNull(),
		ConfigFile:        m.ConfigFile.IsNull(),
		ContainerdAddress: m.ContainerdAddress.IsNull(),
	})
	return s, true, diags
}

// daemonCertAdvice is the fix for a problem with the daemon's server_cert_pem.
var daemonCertAdvice = pemInputAdvice{attr: "server_cert_pem", keyFix: "The daemon's key goes to its server-key.pem, never into server-cert.pem.",
	bomFile: "server-cert.pem"}

// daemonCAAdvice is the fix for a problem with the daemon's ca_cert_pem.
var daemonCAAdvice = pemInputAdvice{attr: "ca_cert_pem", keyFix: "The daemon's key goes to its server-key.pem, never into ca.pem.",
	notCA: ". ca.pem holds only CA certificates: dockertls_ca's cert_pem, or dockertls_ca_bundle's bundle_pem."}

// addProblems turns daemonconfig problems into diagnostics on their attributes.
func addProblems(diags *diag.Diagnostics, problems []daemonconfig.Problem, errorsOnly bool) {
	for _, p := range problems {
		switch {
		case p.Severity == daemonconfig.Error:
			diags.AddAttributeError(path.Root(p.Attribute), p.Summary, p.Detail)
		case !errorsOnly:
			diags.AddAttributeWarning(path.Root(p.Attribute), p.Summary, p.Detail)
		}
	}
}

// ValidateConfig reports errors as early as possible (terraform validate);
// warnings wait for Read, so they are not shown twice.
func (d *daemonConfigDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m daemonConfigModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	s, known, diags := m.settings(ctx, d.now())
	resp.Diagnostics.Append(diags...)
	// An unknown platform is the schema's OneOf validator's to report: Check
	// would report it a second time.
	if known && !resp.Diagnostics.HasError() && slices.Contains(daemonconfig.Platforms, s.Platform) {
		addProblems(&resp.Diagnostics, s.Check(), true)
	}
}

func (d *daemonConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m daemonConfigModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	s, _, diags := m.settings(ctx, d.now())
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	r, problems, err := daemonconfig.Render(s)
	addProblems(&resp.Diagnostics, problems, false)
	if err != nil {
		resp.Diagnostics.AddError("Could not render the daemon configuration", err.Error())
	}
	if r == nil {
		return
	}
	m.setRendered(ctx, s, r, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// setRendered records the effective inputs and the rendered outputs.
func (m *daemonConfigModel) setRendered(ctx context.Context, s daemonconfig.Settings, r *daemonconfig.Rendered, diags *diag.Diagnostics) {
	hosts, d := types.ListValueFrom(ctx, types.StringType, s.Hosts)
	diags.Append(d...)
	args, d := types.ListValueFrom(ctx, types.StringType, r.DockerdArgs)
	diags.Append(d...)
	m.Platform = types.StringValue(string(s.Platform))
	m.Hosts = hosts
	m.CertDir = types.StringValue(s.CertDir)
	m.TLSVerify = types.BoolValue(s.TLSVerify)
	m.DockerdPath = types.StringValue(s.DockerdPath)
	m.ConfigFile = types.StringValue(s.ConfigFile)
	m.ContainerdAddress = types.StringValue(s.ContainerdAddress)
	m.ID = types.StringValue(r.ID)
	m.DaemonJSON = types.StringValue(r.DaemonJSON)
	m.DockerdArgs = args
	m.TLSCACertPath = types.StringValue(r.TLSCACertPath)
	m.TLSCertPath = types.StringValue(r.TLSCertPath)
	m.TLSKeyPath = types.StringValue(r.TLSKeyPath)
	m.SystemdDropin, m.SystemdDropinPath, m.RunDockerDaemonCmd = types.StringNull(), types.StringNull(), types.StringNull()
	if s.Platform == daemonconfig.Windows {
		m.RunDockerDaemonCmd = types.StringValue(r.RunDockerDaemonCmd)
	} else {
		m.SystemdDropin = types.StringValue(r.SystemdDropin)
		m.SystemdDropinPath = types.StringValue(daemonconfig.SystemdDropinPath)
	}
}
