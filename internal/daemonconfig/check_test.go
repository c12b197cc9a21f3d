package daemonconfig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

func TestParseHost(t *testing.T) {
	t.Parallel()
	good := map[Platform][]string{
		Linux:   {"unix:///var/run/docker.sock", "fd://", "fd://docker", "tcp://0.0.0.0:2376", "tcp://[::]:2376", "tcp://docker.example.com:2376", "tcp://127.0.0.1:1"},
		Windows: {"npipe://", "npipe:////./pipe/docker_engine", "tcp://0.0.0.0:2376"},
	}
	for p, hosts := range good {
		for _, h := range hosts {
			if _, err := ParseHost(p, h); err != nil {
				t.Errorf("%s %q refused: %v", p, h, err)
			}
		}
	}
	bad := []struct {
		p    Platform
		host string
		want string
	}{
		{Linux, "0.0.0.0:2376", "has no scheme"},
		{Linux, "tcp://0.0.0.0", "needs an address and a port"},
		{Linux, "tcp://0.0.0.0:99999", "from 1 to 65535"},
		{Linux, "tcp://bad_name:2376", "neither an IP address nor a host name"},
		{Linux, "tcp://a..b:2376", "neither an IP address nor a host name"},
		{Linux, "tcp://-a.b:2376", "neither an IP address nor a host name"},
		{Linux, "tcp://127.1:2376", `"127.1" is not a host name: it is the IPv4 address 127.0.0.1 written short`},
		{Windows, "tcp://0x7f000001:2376", "it is the IPv4 address 127.0.0.1 written short"},
		{Linux, "tcp://010.0.0.1:2376", "write 8.0.0.1"},
		{Linux, "tcp://host.123:2376", "its last label is a number"},
		{Linux, "tcp://[docker.example.com]:2376", "put an IPv6 address, and nothing else, in brackets"},
		{Linux, "tcp://[127.0.0.1]:2376", "put an IPv6 address, and nothing else, in brackets"},
		{Linux, "tcp://0.0.0.0:+2376", "written in plain digits"},
		{Linux, "unix:///", "absolute path"},
		{Linux, "unix://docker.sock", "absolute path"},
		{Linux, "npipe://", "is not a linux listen address"},
		{Linux, "http://0.0.0.0:2376", "use tcp://HOST:PORT, unix:///PATH or fd://"},
		{Windows, "unix:///var/run/docker.sock", "use tcp://HOST:PORT or npipe://"},
		{Windows, "npipe://docker", "npipe:////./pipe/NAME"},
	}
	for _, tc := range bad {
		_, err := ParseHost(tc.p, tc.host)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.host) {
			t.Errorf("%s %q: got %v, want an error naming the value and containing %q", tc.p, tc.host, err, tc.want)
		}
	}
}

func serverCert(t *testing.T, eku []x509.ExtKeyUsage, isCA bool, dns []string, ips ...string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "srv"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: eku, DNSNames: dns, IsCA: isCA, BasicConstraintsValid: true,
	}
	for _, ip := range ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCheck lists each problem the settings can have, with the attribute it
// is reported on, its severity and the words that explain it.
func TestCheck(t *testing.T) {
	t.Parallel()
	serverAuth := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	cases := []struct {
		name   string
		mutate func(*Settings)
		attr   string
		sev    Severity
		want   string
	}{
		{"unknown platform", func(s *Settings) { s.Platform = "plan9" }, "platform", Error, `platform "plan9" is not one of`},
		{"no hosts", func(s *Settings) { s.Hosts = nil }, "hosts", Error, "at least one address"},
		{"bad host", func(s *Settings) { s.Hosts = []string{"unix:///var/run/docker.sock", "tcp://x:y"} }, "hosts", Error, `"tcp://x:y"`},
		{"duplicate host", func(s *Settings) { s.Hosts = []string{"fd://", "fd://"} }, "hosts", Error, `"fd://" is listed twice`},
		{"TCP without verification", func(s *Settings) { s.TLSVerify = false }, "tls_verify", Error, `"tcp://0.0.0.0:2376" would admit any client`},
		{"TCP without verification, allowed", func(s *Settings) { s.TLSVerify, s.AllowInsecureTCP = false, true }, "allow_insecure_tcp", Warning, "like port 2375, it is root on this host"},
		{"no local socket", func(s *Settings) { s.Hosts = []string{"tcp://0.0.0.0:2376"} }, "hosts", Warning, "lose access"},
		{"relative cert_dir", func(s *Settings) { s.CertDir = "certs" }, "cert_dir", Error, `cert_dir "certs" must be an absolute path`},
		{"relative config_file", func(s *Settings) { s.ConfigFile = "daemon.json" }, "config_file", Error, "must be an absolute path"},
		{"relative dockerd_path", func(s *Settings) { s.DockerdPath = "dockerd" }, "dockerd_path", Error, "ExecStart= needs an absolute path"},
		{"extra settings not JSON", func(s *Settings) { s.ExtraSettingsJSON = `{"log-level": }` }, "extra_settings_json", Error, "not valid JSON"},
		{"extra settings not an object", func(s *Settings) { s.ExtraSettingsJSON = `["a"]` }, "extra_settings_json", Error, "must be a JSON object such as"},
		{"extra settings, two values", func(s *Settings) { s.ExtraSettingsJSON = `{} {}` }, "extra_settings_json", Error, "more than one JSON value"},
		{"extra settings set a managed key", func(s *Settings) { s.ExtraSettingsJSON = `{"tlsverify": false, "hosts": []}` }, "extra_settings_json", Error, `sets ["hosts" "tlsverify"], which this data source manages`},
		{"client certificate as server cert", func(s *Settings) {
			s.ServerCert = serverCert(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, false, []string{"h"})
		}, "server_cert_pem", Error, "lacks extendedKeyUsage serverAuth"},
		{"CA as server cert", func(s *Settings) { s.ServerCert = serverCert(t, nil, true, nil) }, "server_cert_pem", Error, "is a CA"},
		{"listen address outside the SANs", func(s *Settings) {
			s.Hosts = []string{"unix:///var/run/docker.sock", "tcp://10.1.2.3:2376"}
			s.ServerCert = serverCert(t, serverAuth, false, []string{"docker.example.com"}, "192.0.2.1")
		}, "server_cert_pem", Warning, `Clients dialling "tcp://10.1.2.3:2376" will refuse the daemon`},
		{"windows relative cert_dir", func(s *Settings) { *s = defaults(Windows); s.CertDir = `certs.d` }, "cert_dir", Error, `C:\ProgramData\docker\certs.d`},
		{"newline in dockerd_path", func(s *Settings) { s.DockerdPath = "/usr/bin/dockerd\nExecStartPre=/bin/touch /pwned" }, "dockerd_path", Error, "control character U+000A"},
		{"newline in config_file", func(s *Settings) { s.ConfigFile = "/etc/docker/daemon.json\n[Service]" }, "config_file", Error, "new directive in the systemd drop-in"},
		{"newline in containerd_address", func(s *Settings) { s.ContainerdAddress = "/run/c.sock\nUser=nobody" }, "containerd_address", Error, "control character"},
		{"relative containerd_address", func(s *Settings) { s.ContainerdAddress = "run/containerd/containerd.sock" }, "containerd_address", Error, `or "" to leave --containerd out`},
		{"windows quote in cert_dir", func(s *Settings) { *s = defaults(Windows); s.CertDir = `C:\certs" & calc.exe & "` }, "cert_dir", Error, "Windows does not allow in a path"},
		{"windows quote in config_file", func(s *Settings) { *s = defaults(Windows); s.ConfigFile = `C:\x"&calc&"\daemon.json` }, "config_file", Error, "Windows does not allow in a path"},
		{"windows quote in dockerd_path", func(s *Settings) { *s = defaults(Windows); s.DockerdPath = `C:\d\dockerd.exe" & calc.exe & "` }, "dockerd_path", Error, "Windows does not allow in a path"},
		{"windows CRLF in config_file", func(s *Settings) { *s = defaults(Windows); s.ConfigFile = "C:\\x\r\ncalc.exe" }, "config_file", Error, "would end the command in runDockerDaemon.cmd"},
		{"windows forward slashes", func(s *Settings) { *s = defaults(Windows); s.ConfigFile = `C:/docker/daemon.json` }, "config_file", Error, "with backslashes"},
		{"windows relative dockerd_path", func(s *Settings) { *s = defaults(Windows); s.DockerdPath = `bin\dockerd.exe` }, "dockerd_path", Error, "or a bare program name such as dockerd"},
		{"windows config_file named like the pipe-only config", func(s *Settings) { *s = defaults(Windows); s.ConfigFile = `C:\d\Daemon.Pipe-Only.json` }, "config_file", Error, "choose another name"},
		{"empty dockerd_path", func(s *Settings) { s.DockerdPath = "" }, "dockerd_path", Error, "dockerd_path is empty"},
		{"extra settings, a stray bracket", func(s *Settings) { s.ExtraSettingsJSON = `{} }` }, "extra_settings_json", Error, "or text after it"},
		{"extra settings, managed key in another case", func(s *Settings) { s.ExtraSettingsJSON = `{"TLSVerify": false, "Hosts": []}` }, "extra_settings_json", Error, `sets ["Hosts" "TLSVerify"], which this data source manages`},
		{"extra settings clash with --containerd", func(s *Settings) { s.ExtraSettingsJSON = `{"containerd": "/run/x.sock"}` }, "extra_settings_json", Error, `sets "containerd", but the rendered systemd drop-in already passes --containerd`},
		{"extra settings clash with --config-file", func(s *Settings) { s.ExtraSettingsJSON = `{"Config-File": "/x.json"}` }, "extra_settings_json", Error, `sets "Config-File", but the rendered systemd drop-in already passes --config-file`},
		{"windows extra settings clash with --config-file", func(s *Settings) { *s = defaults(Windows); s.ExtraSettingsJSON = `{"config-file": "C:\\x.json"}` }, "extra_settings_json", Error, "runDockerDaemon.cmd already passes --config-file"},
		{"port with a sign", func(s *Settings) { s.Hosts = []string{"fd://", "tcp://0.0.0.0:+2376"} }, "hosts", Error, "written in plain digits"},
		{"port with a leading zero", func(s *Settings) { s.Hosts = []string{"fd://", "tcp://0.0.0.0:02376"} }, "hosts", Error, "written in plain digits"},
		{"same host, two spellings of an IP", func(s *Settings) { s.Hosts = []string{"fd://", "tcp://[::]:2376", "tcp://[0:0::0]:2376"} }, "hosts", Error, `"tcp://[::]:2376" and "tcp://[0:0::0]:2376" are the same listen address`},
		{"no address is localhost, not every interface", func(s *Settings) {
			s.Hosts = []string{"fd://", "tcp://:2376"}
			s.ServerCert = serverCert(t, serverAuth, false, []string{"docker.example.com"}, "192.0.2.1")
		}, "server_cert_pem", Warning, `do not cover "localhost"`},
		{"same host, no address and localhost", func(s *Settings) { s.Hosts = []string{"fd://", "tcp://:2376", "tcp://localhost:2376"} }, "hosts", Error, "are the same listen address"},
		{"windows: no address is 127.0.0.1", func(s *Settings) {
			*s = defaults(Windows)
			s.Hosts = []string{"npipe://", "tcp://127.0.0.1:2376", "tcp://:2376"}
		}, "hosts", Error, "are the same listen address"},
		{"same host, name in another case", func(s *Settings) {
			s.Hosts = []string{"fd://", "tcp://Docker.Example.com:2376", "tcp://docker.example.com.:2376"}
		}, "hosts", Error, "are the same listen address"},
		{"socket path not in normal form", func(s *Settings) { s.Hosts = []string{"unix:///var/run/docker.sock", "unix:///var/run//docker.sock"} }, "hosts", Error, "normal form (no //, /./, /../ or trailing /), as unix:///var/run/docker.sock"},
		{"windows pipes too long for one cmd line", func(s *Settings) {
			*s = defaults(Windows)
			s.Hosts = []string{"tcp://0.0.0.0:2376"}
			for i := range 40 {
				s.Hosts = append(s.Hosts, fmt.Sprintf("npipe:////./pipe/p%d_%s", i, strings.Repeat("x", 240)))
			}
		}, "hosts", Error, "8191"},
		{"windows default pipe named", func(s *Settings) {
			*s = defaults(Windows)
			s.Hosts = []string{"npipe://", "npipe:////./pipe/Docker_Engine"}
		}, "hosts", Error, "are the same listen address"},
	}
	for _, tc := range cases {
		s := defaults(Linux)
		tc.mutate(&s)
		var found bool
		for _, p := range s.Check() {
			if p.Attribute == tc.attr && p.Severity == tc.sev && strings.Contains(p.Detail, tc.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no %v on %s containing %q; got %+v", tc.name, tc.sev, tc.attr, tc.want, s.Check())
		}
	}
}

// TestCheckExtraSettingsWithoutContainerdFlag: with containerd_address = ""
// the drop-in passes no --containerd, so daemon.json may set it.
func TestCheckExtraSettingsWithoutContainerdFlag(t *testing.T) {
	t.Parallel()
	s := defaults(Linux)
	s.ContainerdAddress, s.ExtraSettingsJSON = "", `{"containerd": "/run/containerd/containerd.sock"}`
	if ps := s.Check(); len(ps) != 0 {
		t.Fatalf("got %+v", ps)
	}
}

func TestCheckAcceptsGoodSettings(t *testing.T) {
	t.Parallel()
	s := defaults(Linux)
	s.Hosts = []string{"fd://", "tcp://0.0.0.0:2376", "tcp://docker.example.com:2376", "tcp://192.0.2.1:2376"}
	s.ServerCert = serverCert(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, false, []string{"docker.example.com"}, "192.0.2.1")
	if ps := s.Check(); len(ps) != 0 {
		t.Fatalf("good settings got %+v", ps)
	}
	if ps := defaults(Windows).Check(); len(ps) != 0 {
		t.Fatalf("Windows defaults got %+v", ps)
	}
}

// TestCheck_Trust: the daemon's ca.pem, one CA or a bundle, is checked
// against the server certificate and the clock; nothing else is asked of it.
func TestCheck_Trust(t *testing.T) {
	t.Parallel()
	now := time.Now()
	issue := func(r pki.Request, ca *pki.Certificate, at time.Time) *pki.Certificate {
		t.Helper()
		r.KeyAlgorithm = pki.ECDSAP256
		if r.Validity == 0 {
			r.Validity = 100 * time.Hour
		}
		var iss *pki.SigningCA
		if ca != nil {
			var err error
			if iss, err = pki.NewSigningCA(ca.Cert, ca.Key); err != nil {
				t.Fatal(err)
			}
		}
		c, err := pki.Issue(r, iss, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	current := issue(pki.Request{Profile: pki.ProfileCA, CommonName: "Current CA"}, nil, now)
	next := issue(pki.Request{Profile: pki.ProfileCA, CommonName: "Next CA"}, nil, now)
	expired := issue(pki.Request{Profile: pki.ProfileCA, CommonName: "Old CA", Validity: time.Hour}, nil, now.Add(-10*time.Hour))
	server := issue(pki.Request{Profile: pki.ProfileServer, DNSNames: []string{"docker.example.com"}}, current, now)
	cases := []struct {
		name   string
		cas    []*pki.Certificate
		attr   string
		want   string // "" for no problem at all
		server bool
	}{
		{"the server's CA", []*pki.Certificate{current}, "", "", true},
		{"a bundle with the server's CA", []*pki.Certificate{next, current}, "", "", true},
		{"no server certificate given", []*pki.Certificate{next}, "", "", false},
		{"another CA", []*pki.Certificate{next}, "server_cert_pem", `signed by "Current CA", which is not the CA in ca_cert_pem`, true},
		{"a bundle without the server's CA", []*pki.Certificate{next, expired}, "server_cert_pem", "which is not any of the CAs in ca_cert_pem", true},
		{"an expired CA in the bundle", []*pki.Certificate{expired, current}, "ca_cert_pem", `The CA "Old CA" (SHA-256 `, true},
		{"only expired CAs", []*pki.Certificate{expired}, "ca_cert_pem", "the daemon would admit no client at all", false},
	}
	for _, tc := range cases {
		s := defaults(Linux)
		s.Now = now
		for _, ca := range tc.cas {
			s.CACerts = append(s.CACerts, ca.Cert)
		}
		if tc.server {
			s.ServerCert = server.Cert
		}
		ps := s.Check()
		if tc.want == "" {
			for _, p := range ps {
				if p.Attribute == "ca_cert_pem" || p.Attribute == "server_cert_pem" {
					t.Errorf("%s: %+v", tc.name, p)
				}
			}
			continue
		}
		found := false
		for _, p := range ps {
			found = found || p.Attribute == tc.attr && p.Severity == Warning && strings.Contains(p.Detail, tc.want)
		}
		if !found {
			t.Errorf("%s: problems %+v, want a warning on %s saying %q", tc.name, ps, tc.attr, tc.want)
		}
	}
}
