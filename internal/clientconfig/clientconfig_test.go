package clientconfig

import (
	"maps"
	"path"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/dockertls/terraform-provider-dockertls/internal/daemonconfig"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

type testPKI struct {
	now                          time.Time
	ca, client, server, otherCli *pki.Certificate
}

func issue(t testing.TB, r pki.Request, ca *pki.Certificate, at time.Time) *pki.Certificate {
	t.Helper()
	if r.KeyAlgorithm == "" {
		r.KeyAlgorithm = pki.ECDSAP256
	}
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

func newTestPKI(t testing.TB, now time.Time) *testPKI {
	t.Helper()
	p := &testPKI{now: now}
	p.ca = issue(t, pki.Request{Profile: pki.ProfileCA, CommonName: "Test CA", Validity: 10000 * time.Hour}, nil, now.Add(-5000*time.Hour))
	other := issue(t, pki.Request{Profile: pki.ProfileCA, CommonName: "Other CA"}, nil, now)
	p.client = issue(t, pki.Request{Profile: pki.ProfileClient, CommonName: "client"}, p.ca, now)
	p.server = issue(t, pki.Request{Profile: pki.ProfileServer, CommonName: "server", DNSNames: []string{"docker.example.com"}}, p.ca, now)
	p.otherCli = issue(t, pki.Request{Profile: pki.ProfileClient, CommonName: "other client"}, other, now)
	return p
}

func (p *testPKI) settings() Settings {
	return Settings{
		Host:          "tcp://docker.example.com:2376",
		CACertPEM:     p.ca.CertPEM,
		ClientCertPEM: p.client.CertPEM,
		ClientKeyPEM:  p.client.PrivateKeyPEM,
		CertPath:      DefaultCertPath,
		Home:          "/home/me",
		Now:           p.now,
	}
}

func TestRenderDefaults(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t, time.Now())
	s := p.settings()
	r, problems := Render(s)
	if r == nil || len(problems) != 0 {
		t.Fatalf("Render: %v", problems)
	}
	wantEnv := map[string]string{"DOCKER_HOST": "tcp://docker.example.com:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/home/me/.docker"}
	if !maps.Equal(r.Env, wantEnv) {
		t.Errorf("Env = %q, want %q", r.Env, wantEnv)
	}
	wantFiles := map[string]string{"/home/me/.docker/ca.pem": s.CACertPEM, "/home/me/.docker/cert.pem": s.ClientCertPEM, "/home/me/.docker/key.pem": s.ClientKeyPEM}
	if !maps.Equal(r.Files, wantFiles) {
		t.Errorf("Files has the keys %q, want %q", slicesOfKeys(r.Files), slicesOfKeys(wantFiles))
	}
	want := "docker context create docker.example.com --docker host=tcp://docker.example.com:2376,ca=/home/me/.docker/ca.pem,cert=/home/me/.docker/cert.pem,key=/home/me/.docker/key.pem"
	if r.ContextCommand != want {
		t.Errorf("ContextCommand =\n%s\nwant\n%s", r.ContextCommand, want)
	}
	if r.CAFile != "/home/me/.docker/ca.pem" || r.CertFile != "/home/me/.docker/cert.pem" || r.KeyFile != "/home/me/.docker/key.pem" || r.CertDir != "/home/me/.docker" {
		t.Errorf("paths: %q %q %q %q", r.CertDir, r.CAFile, r.CertFile, r.KeyFile)
	}
}

func slicesOfKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestExpandCertPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, home, want, err string }{
		{"~/.docker", "/home/me", "/home/me/.docker", ""},
		{"", "/home/me", "", "leave cert_path out (null) for the default, ~/.docker"},
		{"/", "/home/me", "", `"/" is the root directory`},
		{"~", "/", "", `"~" expands to a path that cannot be used: "/" is the root directory`},
		{`C:\Users\me\.docker`, "/home/me", "", "is a Windows path"},
		{`\\server\share\certs`, "/home/me", "", "is a Windows path"},
		{"C:/Users/me/.docker", "/home/me", "", "is a Windows path"},
		{"~", "/home/me", "/home/me", ""},
		{"~/certs/prod", "/home/me/", "/home/me/certs/prod", ""},
		{"~/x", "/", "/x", ""},
		{"/etc/docker-client", "", "/etc/docker-client", ""},
		{"~", "", "", "HOME is unset"},
		{"~bob/.docker", "/home/me", "", "not ~user"},
		{"certs", "/home/me", "", "is not absolute"},
		{"$HOME/.docker", "/home/me", "", "variables are not expanded"},
		{"/a/../b", "/home/me", "", `write it as "/b"`},
		{"/a/", "/home/me", "", `write it as "/a"`},
		{"/a\nb", "/home/me", "", "control character U+000A"},
		{"/srv/\u202ecod.exe", "/home/me", "", "the invisible format character U+202E at character 6"},
		{"/srv/a\u200bb", "/home/me", "", "the invisible format character U+200B"},
		{"/srv/a\u2028b", "/home/me", "", "the line separator U+2028"},
		{"~/x", "/home/m\ufeffe", "", "the invisible format character U+FEFF"},
		{"~/x", "relative", "", "home directory \"relative\" is not absolute"},
		{"/" + strings.Repeat("a", 256), "", "", "component of 256 bytes"},
	} {
		got, err := ExpandCertPath(tc.in, tc.home)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ExpandCertPath(%q, %q) = %q, %v; want %q", tc.in, tc.home, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ExpandCertPath(%q, %q) = %q, %v; want an error saying %q", tc.in, tc.home, got, err, tc.err)
		}
	}
}

// TestCheck: each mistake is reported on its attribute, with its severity.
func TestCheck(t *testing.T) {
	t.Parallel()
	now := time.Now()
	p := newTestPKI(t, now)
	expired := issue(t, pki.Request{Profile: pki.ProfileClient, CommonName: "old", Validity: time.Hour}, p.ca, now.Add(-100*time.Hour))
	other := issue(t, pki.Request{Profile: pki.ProfileCA, CommonName: "Other CA"}, nil, now)
	expiredCA := issue(t, pki.Request{Profile: pki.ProfileCA, CommonName: "Old CA", Validity: time.Hour}, nil, now.Add(-100*time.Hour))
	for _, tc := range []struct {
		name   string
		change func(*Settings)
		attr   string
		sev    daemonconfig.Severity
		want   string
	}{
		{"unix socket", func(s *Settings) { s.Host = "unix:///var/run/docker.sock" }, "host", daemonconfig.Error, "must start with tcp://"},
		{"no port", func(s *Settings) { s.Host = "tcp://docker.example.com" }, "host", daemonconfig.Error, "needs a host and a port"},
		{"path", func(s *Settings) { s.Host = "tcp://docker.example.com:2376/" }, "host", daemonconfig.Error, "nothing else (no path"},
		{"wildcard", func(s *Settings) { s.Host = "tcp://0.0.0.0:2376" }, "host", daemonconfig.Error, "a client dials one address"},
		{"no address", func(s *Settings) { s.Host = "tcp://:2376" }, "host", daemonconfig.Error, "names no host"},
		{"port 2375", func(s *Settings) { s.Host = "tcp://docker.example.com:2375" }, "host", daemonconfig.Warning, "without TLS"},
		{"other port", func(s *Settings) { s.Host = "tcp://docker.example.com:12376" }, "host", daemonconfig.Warning, "uses port 12376"},
		{"ipv6 needs a name", func(s *Settings) { s.Host = "tcp://[2001:db8::1]:2376" }, "context_name", daemonconfig.Error, "Set context_name"},
		{"reserved name", func(s *Settings) { s.ContextName = "default" }, "context_name", daemonconfig.Error, "reserved name"},
		{"bad name", func(s *Settings) { s.ContextName = "my context" }, "context_name", daemonconfig.Error, "is not a docker context name"},
		{"server cert", func(s *Settings) { s.ClientCertPEM, s.ClientKeyPEM = p.server.CertPEM, p.server.PrivateKeyPEM }, "client_cert_pem", daemonconfig.Error, "it is a server certificate"},
		{"CA as client", func(s *Settings) { s.ClientCertPEM = p.ca.CertPEM }, "client_cert_pem", daemonconfig.Error, "is a CA certificate"},
		{"other CA's client", func(s *Settings) { s.ClientCertPEM, s.ClientKeyPEM = p.otherCli.CertPEM, p.otherCli.PrivateKeyPEM }, "client_cert_pem", daemonconfig.Error, "was not signed by the CA"},
		{"key of another", func(s *Settings) { s.ClientKeyPEM = p.otherCli.PrivateKeyPEM }, "client_key_pem", daemonconfig.Error, "does not belong to the client certificate"},
		{"key in cert input", func(s *Settings) { s.ClientCertPEM = p.client.PrivateKeyPEM }, "client_cert_pem", daemonconfig.Error, "holds a private key"},
		{"leaf as CA", func(s *Settings) { s.CACertPEM = p.client.CertPEM }, "ca_cert_pem", daemonconfig.Error, "is not a CA"},
		{"bundle without the signer", func(s *Settings) { s.CACertPEM = other.CertPEM + expiredCA.CertPEM }, "client_cert_pem", daemonconfig.Error, `was not signed by any of the CAs "Other CA" (SHA-256 `},
		{"leaf in the bundle", func(s *Settings) { s.CACertPEM = p.ca.CertPEM + p.server.CertPEM }, "ca_cert_pem", daemonconfig.Error, `certificate 2 of 2: the certificate "server" is not a CA`},
		{"key in the bundle", func(s *Settings) { s.CACertPEM = p.ca.CertPEM + other.CertPEM + p.client.PrivateKeyPEM }, "ca_cert_pem", daemonconfig.Error, "holds a private key"},
		{"expired CA in the bundle", func(s *Settings) { s.CACertPEM = expiredCA.CertPEM + p.ca.CertPEM }, "ca_cert_pem", daemonconfig.Warning, `The CA "Old CA" (SHA-256 `},
		{"expired", func(s *Settings) { s.ClientCertPEM, s.ClientKeyPEM = expired.CertPEM, expired.PrivateKeyPEM }, "client_cert_pem", daemonconfig.Warning, "expired at"},
		{"relative cert_path", func(s *Settings) { s.CertPath = ".docker" }, "cert_path", daemonconfig.Error, "is not absolute"},
	} {
		s := p.settings()
		tc.change(&s)
		r, problems := Render(s)
		found := false
		for _, pr := range problems {
			found = found || pr.Attribute == tc.attr && pr.Severity == tc.sev && strings.Contains(pr.Detail, tc.want)
		}
		if !found {
			t.Errorf("%s: problems %+v, want one on %s saying %q", tc.name, problems, tc.attr, tc.want)
		}
		if (r == nil) != (tc.sev == daemonconfig.Error) {
			t.Errorf("%s: rendered %v despite %v", tc.name, r != nil, problems)
		}
		for _, pr := range problems {
			if strings.Contains(pr.Detail, strings.Split(s.ClientKeyPEM, "\n")[1]) {
				t.Errorf("%s: a problem echoes key material", tc.name)
			}
		}
	}
}

// TestCheck_Bundle: a ca.pem of several CAs is accepted when one of them
// signed the client certificate, whichever it is, and is written as given.
func TestCheck_Bundle(t *testing.T) {
	t.Parallel()
	now := time.Now()
	p := newTestPKI(t, now)
	next := issue(t, pki.Request{Profile: pki.ProfileCA, CommonName: "Next CA"}, nil, now)
	nextClient := issue(t, pki.Request{Profile: pki.ProfileClient, CommonName: "next client"}, next, now)
	bundle := p.ca.CertPEM + next.CertPEM
	for name, client := range map[string]*pki.Certificate{"current CA's client": p.client, "next CA's client": nextClient} {
		s := p.settings()
		s.CACertPEM, s.ClientCertPEM, s.ClientKeyPEM = bundle, client.CertPEM, client.PrivateKeyPEM
		r, problems := Render(s)
		if r == nil || len(problems) > 0 {
			t.Errorf("%s: problems %+v", name, problems)
			continue
		}
		if r.Files[r.CAFile] != bundle {
			t.Errorf("%s: ca.pem is not the bundle as given", name)
		}
	}
}

// FuzzRender: whatever host, cert_path, home and context_name Check
// accepts renders an environment that says exactly that: DOCKER_HOST is the
// host, DOCKER_CERT_PATH an absolute path in normal form without control or
// invisible characters (Unicode's Cc, Cf, Zl, Zp), and the files lie
// directly in it.
func FuzzRender(f *testing.F) {
	p := newTestPKI(f, time.Now())
	f.Add("tcp://docker.example.com:2376", "~/.docker", "/home/me", "")
	f.Add("tcp://docker.example.com:2376", "", "/home/me", "")
	f.Add("tcp://[2001:db8::1]:2376", "~/a b/c", "/home/me/", "v6-host")
	f.Add("tcp://0.0.0.0:2376", "~bob", "", "default")
	f.Add("tcp://h:2376", "/a/../b\n", "/", "x")
	f.Add("tcp://h:2376", "~/a\u202eb", "/h\u2029", "x")
	f.Fuzz(func(t *testing.T, host, certPath, home, name string) {
		s := p.settings()
		s.Host, s.CertPath, s.Home, s.ContextName = host, certPath, home, name
		r, problems := Render(s)
		if r == nil {
			if !HasErrors(problems) {
				t.Fatalf("nothing rendered, and no error: %v", problems)
			}
			return
		}
		dir := r.Env["DOCKER_CERT_PATH"]
		if r.Env["DOCKER_HOST"] != host || r.Env["DOCKER_TLS_VERIFY"] != "1" || dir != r.CertDir {
			t.Fatalf("env %q for host %q", r.Env, host)
		}
		if dirProblem(dir) != "" || !strings.HasPrefix(dir, "/") ||
			strings.ContainsFunc(dir, func(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) }) {
			t.Fatalf("DOCKER_CERT_PATH %q: %s", dir, dirProblem(dir))
		}
		if !strings.HasPrefix(certPath, "~") && certPath != "" && dir != certPath {
			t.Fatalf("cert_path %q became %q", certPath, dir)
		}
		for k := range r.Files {
			if path.Dir(k) != dir {
				t.Fatalf("file %q is not directly in %q", k, dir)
			}
		}
		if ContextNameProblem(r.ContextName) != "" {
			t.Fatalf("context name %q: %s", r.ContextName, ContextNameProblem(r.ContextName))
		}
	})
}
