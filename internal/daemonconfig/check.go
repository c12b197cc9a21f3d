package daemonconfig

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// Severity tells an error from a warning.
type Severity int

// The severities of a Problem.
const (
	Error Severity = iota
	Warning
)

// Problem is one finding about the settings. Attribute names the setting it
// concerns, as the Terraform attribute is called.
type Problem struct {
	Severity  Severity
	Attribute string
	Summary   string
	Detail    string
}

// ManagedKeys are the daemon.json keys the settings own: extra settings may
// not set them, or the rendered TLS setup could be silently undone.
var ManagedKeys = []string{"hosts", "tls", "tlscacert", "tlscert", "tlskey", "tlsverify"}

// Check returns every problem with the settings, errors first by attribute.
func (s Settings) Check() []Problem {
	var ps []Problem
	add := func(sev Severity, attr, summary, format string, args ...any) {
		ps = append(ps, Problem{Severity: sev, Attribute: attr, Summary: summary, Detail: fmt.Sprintf(format, args...)})
	}
	if !slices.Contains(Platforms, s.Platform) {
		add(Error, "platform", "Unknown platform", "platform %q is not one of %q.", s.Platform, PlatformNames())
		return ps
	}
	hosts := s.checkHosts(add)
	s.checkPaths(add)
	if s.Platform == Windows && !HasErrors(ps) {
		s.checkPipeOnlyLine(add)
	}
	s.checkExtraSettings(add)
	if s.ServerCert != nil {
		s.checkServerCert(hosts, add)
	}
	if len(s.CACerts) > 0 {
		s.checkTrust(add)
	}
	return ps
}

// checkTrust warns about a ca.pem that would lock clients out: CAs that have
// expired, and one without the server certificate's CA, which clients
// given the same ca.pem then refuse. dockerd itself starts either way.
func (s Settings) checkTrust(add addFunc) {
	var expired []string
	for _, ca := range s.CACerts {
		if s.Now.After(ca.NotAfter) {
			expired = append(expired, pki.Describe(ca))
			add(Warning, "ca_cert_pem", "Expired CA",
				"The CA %s in ca_cert_pem expired at %s: the daemon refuses every client certificate it signed. Drop it, and "+
					"issue clients from a CA that is valid.", pki.Describe(ca), ca.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	if len(expired) == len(s.CACerts) {
		add(Warning, "ca_cert_pem", "No valid CA",
			"Every CA in ca_cert_pem has expired (%s): the daemon would admit no client at all.", strings.Join(expired, ", "))
	}
	c := s.ServerCert
	if c == nil || c.IsCA || pki.SignerOf(c, s.CACerts) != nil {
		return
	}
	add(Warning, "server_cert_pem", "Server certificate from a CA outside ca_cert_pem",
		"The server certificate %q was signed by %q, which is not %s in ca_cert_pem: clients given this same ca.pem refuse "+
			"the daemon. Deploy a ca.pem that holds the CA that signed it (during a CA rotation, the bundle of both CAs from "+
			"dockertls_ca_bundle), or the server certificate that a CA in it issued.", c.Subject.CommonName, c.Issuer.CommonName,
		map[bool]string{true: "the CA", false: "any of the CAs"}[len(s.CACerts) == 1])
}

type addFunc func(sev Severity, attr, summary, format string, args ...any)

func (s Settings) checkHosts(add addFunc) []Host {
	if len(s.Hosts) == 0 {
		add(Error, "hosts", "No listen address", "hosts must list at least one address: %s.", hostForms(s.Platform))
		return nil
	}
	var hosts []Host
	local := false
	seen := map[string]string{}
	for _, raw := range s.Hosts {
		h, err := ParseHost(s.Platform, raw)
		if err != nil {
			add(Error, "hosts", "Invalid listen address", "%v", err)
			continue
		}
		if first, dup := seen[h.Key()]; dup {
			if first == raw {
				add(Error, "hosts", "Duplicate listen address", "%q is listed twice.", raw)
			} else {
				add(Error, "hosts", "Duplicate listen address", "%q and %q are the same listen address (%s): keep one.", first, raw, h.Key())
			}
			continue
		}
		seen[h.Key()] = raw
		hosts = append(hosts, h)
		local = local || h.IsLocal()
		if h.Scheme == "tcp" && !s.TLSVerify {
			if !s.AllowInsecureTCP {
				add(Error, "tls_verify", "TCP listener without TLS verification",
					"%q would admit any client that can reach it, and the Docker API is root on the host. "+
						"Keep tls_verify = true (clients then need a certificate from your CA), or set "+
						"allow_insecure_tcp = true if you really mean it.", raw)
			} else {
				add(Warning, "allow_insecure_tcp", "Unauthenticated Docker API",
					"%q verifies no client certificate: like port 2375, it is root on this host for anyone who can reach it. "+
						"The port still serves TLS with the server certificate, but admits every client.", raw)
			}
		}
	}
	if !local && len(hosts) > 0 {
		socket := "unix:///var/run/docker.sock (or fd://)"
		if s.Platform == Windows {
			socket = "npipe://"
		}
		add(Warning, "hosts", "No local socket",
			"hosts has no local endpoint, so tools on the host itself (docker, systemd's socket, monitoring agents) "+
				"lose access unless they use TLS too. Add %s to keep it.", socket)
	}
	return hosts
}

// checkPaths checks every path that reaches a render with PathProblem, so
// each can be quoted to stay one literal word for systemd and for cmd.
func (s Settings) checkPaths(add addFunc) {
	paths := []struct {
		attr, value string
		kind        PathKind
		linuxOnly   bool
	}{
		{"cert_dir", s.CertDir, Directory, false},
		{"config_file", s.ConfigFile, File, false},
		{"dockerd_path", s.DockerdPath, Program, false},
		{"containerd_address", s.ContainerdAddress, File, true},
	}
	for _, p := range paths {
		if p.linuxOnly && (s.Platform != Linux || p.value == "") {
			continue
		}
		if problem := PathProblem(s.Platform, p.kind, p.value); problem != "" {
			add(Error, p.attr, "Invalid "+strings.ReplaceAll(p.attr, "_", " "), "%s %s.%s", p.attr, problem, pathHint(s.Platform, p.attr))
		}
	}
	if s.Platform == Windows && strings.EqualFold(s.ConfigFile[strings.LastIndex(s.ConfigFile, `\`)+1:], PipeOnlyConfigName) {
		add(Error, "config_file", "Config file name taken", "config_file %q has the name of the file runDockerDaemon.cmd writes for a start without the server certificate: choose another name, such as daemon.json.", s.ConfigFile)
	}
}

// checkPipeOnlyLine refuses local hosts that make the line of
// runDockerDaemon.cmd writing the pipe-only configuration longer than cmd
// reads as one command, even without the extra settings (which the script
// leaves out when they do not fit).
func (s Settings) checkPipeOnlyLine(add addFunc) {
	text, _, err := s.pipeOnlyJSON(nil)
	if err != nil {
		return
	}
	if n := len(s.pipeOnlyEchoLine(text)); n > CmdMaxLine {
		add(Error, "hosts", "Too many or too long named pipes",
			"runDockerDaemon.cmd writes the local hosts in one line of %d characters, but cmd reads at most %d and would run the rest "+
				"as a command: list fewer named pipes, or shorter names, such as npipe://.", n, CmdMaxLine)
	}
}

// pathHint gives the platform's default as an example.
func pathHint(p Platform, attr string) string {
	d := DefaultsFor(p)
	example := map[string]string{"cert_dir": d.CertDir, "config_file": d.ConfigFile, "dockerd_path": d.DockerdPath, "containerd_address": d.ContainerdAddress}[attr]
	switch {
	case attr == "dockerd_path" && p == Linux:
		return " systemd's ExecStart= needs an absolute path, such as /usr/bin/dockerd (Docker CE) or /usr/sbin/dockerd (Debian's docker.io)."
	case attr == "containerd_address":
		return fmt.Sprintf(" Give the absolute path of containerd's socket, such as %s, or \"\" to leave --containerd out.", example)
	case example != "":
		return fmt.Sprintf(" The default is %s.", example)
	}
	return ""
}

// extraSettings decodes the extra settings, keeping numbers as written.
func (s Settings) extraSettings() (map[string]any, error) {
	if strings.TrimSpace(s.ExtraSettingsJSON) == "" {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(strings.NewReader(s.ExtraSettingsJSON))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("extra_settings_json is not valid JSON: %v", err)
	}
	// More() misses a stray closing bracket ("{} }"): ask for one more value.
	if err := dec.Decode(new(json.RawMessage)); err != io.EOF {
		return nil, fmt.Errorf("extra_settings_json holds more than one JSON value, or text after it: give a single object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("extra_settings_json must be a JSON object such as {\"log-level\": \"warn\"}, not %s", jsonKind(v))
	}
	return obj, nil
}

// checkExtraSettings refuses extra settings that do not decode, and keys
// that would undo or clash with what the settings render. dockerd decodes
// daemon.json with Go's encoding/json, which matches keys to its options
// case-insensitively, so "TLSVerify" is "tlsverify" to it.
func (s Settings) checkExtraSettings(add addFunc) {
	obj, err := s.extraSettings()
	if err != nil {
		add(Error, "extra_settings_json", "Invalid extra settings", "%v", err)
		return
	}
	var managed []string
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if slices.ContainsFunc(ManagedKeys, func(m string) bool { return strings.EqualFold(k, m) }) {
			managed = append(managed, k)
		}
	}
	if len(managed) > 0 {
		add(Error, "extra_settings_json", "Invalid extra settings",
			"extra_settings_json sets %q, which this data source manages (dockerd reads daemon.json keys case-insensitively): "+
				"use the hosts, cert_dir and tls_verify arguments instead.", managed)
	}
	for _, f := range s.startFlags() {
		for k := range obj {
			if strings.EqualFold(k, f.key) {
				add(Error, "extra_settings_json", "Setting given both ways",
					"extra_settings_json sets %q, but the rendered %s already passes --%s, and dockerd refuses to start "+
						"when a setting is given both as a flag and in daemon.json. %s", k, f.render, f.key, f.fix)
			}
		}
	}
}

// startFlag is a flag the rendered start (drop-in or script) passes to
// dockerd, so daemon.json may not set it too.
type startFlag struct{ key, render, fix string }

func (s Settings) startFlags() []startFlag {
	render := "systemd drop-in"
	if s.Platform == Windows {
		render = "runDockerDaemon.cmd"
	}
	flags := []startFlag{{"config-file", render, "Set config_file instead."}}
	if s.Platform == Linux && s.ContainerdAddress != "" {
		flags = append(flags, startFlag{"containerd", render,
			"Set containerd_address instead, or set containerd_address = \"\" to leave the flag out and keep the key."})
	}
	return flags
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "that"
}

func (s Settings) checkServerCert(hosts []Host, add addFunc) {
	c := s.ServerCert
	serves := len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 ||
		slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny)
	if c.IsCA || !serves {
		add(Error, "server_cert_pem", "Not a server certificate",
			"The certificate %q cannot serve TLS: it %s. Pass dockertls_server_cert's cert_pem.", c.Subject.CommonName,
			map[bool]string{true: "is a CA", false: "lacks extendedKeyUsage serverAuth"}[c.IsCA])
		return
	}
	for _, h := range hosts {
		if h.Scheme != "tcp" || h.IsWildcard() {
			continue
		}
		if err := c.VerifyHostname(h.Address); err != nil {
			add(Warning, "server_cert_pem", "Listen address not in the certificate",
				"Clients dialling %q will refuse the daemon: the server certificate's subjectAltNames (DNS %q, IP %v) do not cover %q. "+
					"Add it to dns_names or ip_addresses of dockertls_server_cert.", h.Raw, c.DNSNames, c.IPAddresses, h.Address)
		}
	}
}

// HasErrors reports whether any problem is an error.
func HasErrors(ps []Problem) bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return p.Severity == Error })
}
