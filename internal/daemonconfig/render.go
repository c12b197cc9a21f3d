package daemonconfig

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Rendered is everything the data source outputs.
type Rendered struct {
	DaemonJSON string
	// SystemdDropin is empty on Windows; RunDockerDaemonCmd on Linux.
	SystemdDropin      string
	RunDockerDaemonCmd string
	DockerdArgs        []string
	TLSCACertPath      string
	TLSCertPath        string
	TLSKeyPath         string
	// ID is the SHA-256 of DaemonJSON, in hex.
	ID string
}

// Render checks the settings and, when Check finds no error, produces the
// daemon's configuration. It returns Check's problems either way (the
// warnings to show, or the errors that stopped it), so callers check and
// render in one pass. err is set only if encoding fails.
func Render(s Settings) (r *Rendered, problems []Problem, err error) {
	if problems = s.Check(); HasErrors(problems) {
		return nil, problems, nil
	}
	extra, err := s.extraSettings()
	if err != nil {
		return nil, problems, err
	}
	ca, cert, key := s.TLSPaths()
	daemonJSON, err := encodeJSON(s.daemonSettings(extra), true)
	if err != nil {
		return nil, problems, err
	}
	sum := sha256.Sum256([]byte(daemonJSON))
	r = &Rendered{
		DaemonJSON:    daemonJSON,
		DockerdArgs:   s.dockerdArgs(),
		TLSCACertPath: ca,
		TLSCertPath:   cert,
		TLSKeyPath:    key,
		ID:            hex.EncodeToString(sum[:]),
	}
	if s.Platform == Windows {
		r.RunDockerDaemonCmd, err = s.runDockerDaemonCmd(extra)
		if err != nil {
			return nil, problems, err
		}
	} else {
		r.SystemdDropin = s.systemdDropin()
	}
	return r, problems, nil
}

// isTCP tells a network listener from a local one in hosts that Check has
// accepted.
func isTCP(host string) bool { return strings.HasPrefix(host, "tcp://") }

func (s Settings) hasTCP() bool { return slices.ContainsFunc(s.Hosts, isTCP) }

// daemonSettings is daemon.json as a map: the extra settings, the hosts and
// the TLS keys. Without tls_verify (allowed only on purpose) a TCP port
// still serves TLS, so nothing crosses the network in the clear.
func (s Settings) daemonSettings(extra map[string]any) map[string]any {
	m := make(map[string]any, len(extra)+6)
	maps.Copy(m, extra)
	m["hosts"] = s.Hosts
	ca, cert, key := s.TLSPaths()
	switch {
	case s.TLSVerify:
		m["tls"], m["tlsverify"] = true, true
		m["tlscacert"], m["tlscert"], m["tlskey"] = ca, cert, key
	case s.hasTCP():
		m["tls"], m["tlsverify"] = true, false
		m["tlscert"], m["tlskey"] = cert, key
	}
	return m
}

// encodeJSON writes stable JSON (encoding/json sorts map keys) with a
// trailing newline.
func encodeJSON(v any, indent bool) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("encoding daemon.json: %w", err)
	}
	return b.String(), nil
}

// dockerdArgs are the hosts and TLS settings as flags, for a dockerd started
// without daemon.json's hosts and TLS keys (dockerd refuses a setting given
// both ways).
func (s Settings) dockerdArgs() []string {
	var args []string
	for _, h := range s.Hosts {
		args = append(args, "--host="+h)
	}
	ca, cert, key := s.TLSPaths()
	switch {
	case s.TLSVerify:
		args = append(args, "--tls", "--tlsverify", "--tlscacert="+ca, "--tlscert="+cert, "--tlskey="+key)
	case s.hasTCP():
		args = append(args, "--tls", "--tlsverify=false", "--tlscert="+cert, "--tlskey="+key)
	}
	return args
}

// ExecStart is the drop-in's command: dockerd with the config file and no
// -H, since daemon.json's "hosts" and any -H flag make dockerd refuse to start.
func (s Settings) ExecStart() []string {
	args := []string{s.DockerdPath, "--config-file=" + s.ConfigFile}
	if s.ContainerdAddress != "" {
		args = append(args, "--containerd="+s.ContainerdAddress)
	}
	return args
}

func (s Settings) systemdDropin() string {
	cmd := s.ExecStart()
	words := []string{systemdQuoteExecutable(cmd[0])}
	for _, a := range cmd[1:] {
		words = append(words, systemdQuote(a))
	}
	return "# Written by Terraform (dockertls_daemon_config).\n" +
		"# dockerd takes its listen addresses from daemon.json (\"hosts\"). The stock\n" +
		"# unit's -H fd:// would make it refuse to start, so the empty ExecStart=\n" +
		"# clears the stock command and the next one starts dockerd without -H.\n" +
		"# Apply with: systemctl daemon-reload && systemctl restart docker\n" +
		"[Service]\n" +
		"ExecStart=\n" +
		"ExecStart=" + strings.Join(words, " ") + "\n"
}

// systemdPlain matches a word that needs no quotes on an ExecStart= line
// once "%" and "$" are doubled.
var systemdPlain = regexp.MustCompile(`^[A-Za-z0-9/._:=+,@%$-]+$`)

// systemdQuote writes one argument of an ExecStart= line (systemd.service(5),
// "Command lines") so that it reaches dockerd unchanged: "%" starts a
// specifier and "$" a variable, so both are doubled; anything beyond plain
// characters goes in double quotes, where "\" and "\"" are escaped. Check
// has refused control characters, which no quoting could keep on the line.
func systemdQuote(a string) string {
	return systemdWord(strings.NewReplacer("%", "%%", "$", "$$").Replace(a))
}

// systemdQuoteExecutable writes the executable of an ExecStart= line.
// Specifiers apply there too, but variables do not: systemd would keep a
// doubled "$$" and look for a file that does not exist.
func systemdQuoteExecutable(a string) string {
	return systemdWord(strings.ReplaceAll(a, "%", "%%"))
}

func systemdWord(a string) string {
	if systemdPlain.MatchString(a) {
		return a
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a) + `"`
}

// cmdSafe matches text cmd.exe echoes as it is: no ^ & | < > % ! ( ).
var cmdSafe = regexp.MustCompile(`^[A-Za-z0-9 _.,:;/\\{}\[\]"'=+@#~*?$-]*$`)

// PipeOnlyConfigName is the file the Windows script writes for a start
// without the server certificate, next to config_file.
const PipeOnlyConfigName = "daemon.pipe-only.json"

// runDockerDaemonCmd starts dockerd with the rendered daemon.json when the
// server certificate is in place, and otherwise with a configuration that
// has only the local named pipes, so a missing certificate never leaves an
// open TCP port.
//
// Every path is written inline, in double quotes (see cmdQuote), rather than
// through `set "NAME=..."` and %NAME%: one escaping rule for every path, and
// none of the constructs where Wine's cmd, which the tests run the script
// with, differs from cmd.exe.
func (s Settings) runDockerDaemonCmd(extra map[string]any) (string, error) {
	fallbackJSON, omitted, err := s.pipeOnlyJSON(extra)
	if err != nil {
		return "", err
	}
	_, cert, _ := s.TLSPaths()
	pipeOnly := cmdQuote(s.PipeOnlyConfigPath())
	if line := s.pipeOnlyEchoLine(fallbackJSON); len(line) > CmdMaxLine {
		return "", fmt.Errorf("the line of runDockerDaemon.cmd that writes %s has %d characters, more than cmd's %d", PipeOnlyConfigName, len(line), CmdMaxLine)
	}
	lines := []string{
		"@echo off",
		"rem Written by Terraform (dockertls_daemon_config). Starts the Docker daemon,",
		"rem for a service wrapper or a scheduled task:",
		"rem - with server-cert.pem in place: the rendered daemon.json (mutual TLS);",
		"rem - without it: the local named pipe only, never an open TCP port.",
		"setlocal DisableDelayedExpansion",
		`rem cmd runs a program in the working directory before one on PATH: start from config_file's.`,
		// Not `cd ... || exit`: Wine's cmd runs both sides of || and &&.
		// setlocal with an argument has just set ERRORLEVEL to 0.
		`cd /d ` + cmdQuote(s.configDir()),
		"if errorlevel 1 exit /b 1",
		`if exist ` + cmdQuote(cert) + ` goto tls`,
		"echo " + ServerCertFile + " not found: starting dockerd on the named pipe only 1>&2",
	}
	if omitted != "" {
		lines = append(lines, "rem extra_settings_json "+omitted+", so the pipe-only start omits it.")
	}
	lines = append(lines,
		s.pipeOnlyEchoLine(fallbackJSON),
		cmdQuote(s.DockerdPath)+` --config-file `+pipeOnly,
		"exit /b %ERRORLEVEL%",
		":tls",
		cmdQuote(s.DockerdPath)+` --config-file `+cmdQuote(s.ConfigFile),
		"exit /b %ERRORLEVEL%",
	)
	// CRLF: cmd mis-reads labels in LF-only scripts.
	return strings.Join(lines, "\r\n") + "\r\n", nil
}

// PipeOnlyConfigPath is where the Windows script writes the configuration
// for a start without the server certificate: beside config_file.
func (s Settings) PipeOnlyConfigPath() string {
	return s.ConfigFile[:strings.LastIndex(s.ConfigFile, `\`)+1] + PipeOnlyConfigName
}

// configDir is the directory of the Windows config_file, where the script
// starts dockerd from: whoever can write there can rewrite daemon.json
// anyway, unlike the unknown working directory a service wrapper or a
// scheduled task may start the script in, where cmd would find a planted
// dockerd.exe before the one on PATH.
func (s Settings) configDir() string {
	dir := s.ConfigFile[:strings.LastIndex(s.ConfigFile, `\`)+1]
	if len(dir) > len(`C:\`) {
		dir = strings.TrimSuffix(dir, `\`)
	}
	return dir
}

// pipeOnlyJSON is the configuration for a start without the server
// certificate: the extra settings and the local hosts, no TLS. The script
// echoes it, so extras with characters cmd would interpret, or too long for
// one line of cmd, are left out; omitted says why.
func (s Settings) pipeOnlyJSON(extra map[string]any) (text, omitted string, err error) {
	var local []string
	for _, h := range s.Hosts {
		if !isTCP(h) {
			local = append(local, h)
		}
	}
	build := func(withExtras bool) (string, error) {
		m := map[string]any{}
		if withExtras {
			maps.Copy(m, extra)
		}
		if len(local) > 0 {
			m["hosts"] = local
		}
		j, err := encodeJSON(m, false)
		return strings.TrimSpace(j), err
	}
	if text, err = build(true); err != nil {
		return text, "", err
	}
	switch {
	case !cmdSafe.MatchString(text):
		omitted = "holds characters cmd cannot echo safely"
	case len(s.pipeOnlyEchoLine(text)) > CmdMaxLine:
		omitted = fmt.Sprintf("is too long for one line of cmd (%d characters at most)", CmdMaxLine)
	default:
		return text, "", nil
	}
	text, err = build(false)
	return text, omitted, err
}

// CmdMaxLine is the longest batch line cmd reads as one command: it runs
// whatever follows on the same line as a command of its own.
const CmdMaxLine = 8191

// pipeOnlyEchoLine is the script's line that writes the pipe-only
// configuration: the only line whose length the paths do not bound.
func (s Settings) pipeOnlyEchoLine(text string) string {
	return `> ` + cmdQuote(s.PipeOnlyConfigPath()) + ` echo ` + text
}

// cmdQuote writes a path Check has accepted as one double-quoted word of a
// batch file. Inside double quotes cmd takes & | < > ^ ( ) and spaces
// literally; "%" must still be doubled, since variables are expanded before
// quotes are read; "!" is literal because the script turns delayed expansion
// off (a registry setting can turn it on for every cmd). A path cannot hold
// '"', which would end the quotes, nor a line break, which would end the
// command, and does not end with "\", which would escape the closing quote
// for dockerd's own command-line parsing: Check refuses all three.
func cmdQuote(path string) string {
	return `"` + strings.ReplaceAll(path, "%", "%%") + `"`
}
