package daemonconfig

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
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

var windowsAbs = regexp.MustCompile(`^([A-Za-z]:\\|\\\\)`)

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
	if _, err := s.extraSettings(); err != nil {
		add(Error, "extra_settings_json", "Invalid extra settings", "%v", err)
	}
	if s.ServerCert != nil {
		s.checkServerCert(hosts, add)
	}
	return ps
}

type addFunc func(sev Severity, attr, summary, format string, args ...any)

func (s Settings) checkHosts(add addFunc) []Host {
	if len(s.Hosts) == 0 {
		add(Error, "hosts", "No listen address", "hosts must list at least one address: %s.", hostForms(s.Platform))
		return nil
	}
	var hosts []Host
	local := false
	for i, raw := range s.Hosts {
		if slices.Contains(s.Hosts[:i], raw) {
			add(Error, "hosts", "Duplicate listen address", "%q is listed twice.", raw)
			continue
		}
		h, err := ParseHost(s.Platform, raw)
		if err != nil {
			add(Error, "hosts", "Invalid listen address", "%v", err)
			continue
		}
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

func (s Settings) checkPaths(add addFunc) {
	abs := func(p string) bool { return path.IsAbs(p) }
	example := "/etc/docker/tls"
	if s.Platform == Windows {
		abs = windowsAbs.MatchString
		example = `C:\ProgramData\docker\certs.d`
	}
	if !abs(s.CertDir) {
		add(Error, "cert_dir", "Relative certificate directory", "cert_dir %q must be an absolute path, such as %s: dockerd resolves relative paths against its own working directory.", s.CertDir, example)
	}
	if !abs(s.ConfigFile) {
		add(Error, "config_file", "Relative config file", "config_file %q must be an absolute path.", s.ConfigFile)
	}
	if s.Platform == Linux && !path.IsAbs(s.DockerdPath) {
		add(Error, "dockerd_path", "Relative dockerd path", "dockerd_path %q must be absolute: systemd's ExecStart= needs an absolute path, such as /usr/bin/dockerd (Docker CE) or /usr/sbin/dockerd (Debian's docker.io).", s.DockerdPath)
	}
	if s.DockerdPath == "" {
		add(Error, "dockerd_path", "Empty dockerd path", "dockerd_path must name the dockerd program.")
	}
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
	if dec.More() {
		return nil, fmt.Errorf("extra_settings_json holds more than one JSON value: give a single object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("extra_settings_json must be a JSON object such as {\"log-level\": \"warn\"}, not %s", jsonKind(v))
	}
	var managed []string
	for _, k := range ManagedKeys {
		if _, set := obj[k]; set {
			managed = append(managed, k)
		}
	}
	if len(managed) > 0 {
		return nil, fmt.Errorf("extra_settings_json sets %q, which this data source manages: use the hosts, cert_dir and tls_verify arguments instead", managed)
	}
	return obj, nil
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
