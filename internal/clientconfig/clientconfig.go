// Package clientconfig renders the client side of a Docker daemon's mutual
// TLS: the DOCKER_* environment, the files the docker CLI reads, a
// `docker context create` command line and the values the kreuzwerker/docker
// Terraform provider takes. It knows nothing of Terraform; its problems name
// the settings as the data source calls them, like internal/daemonconfig's.
package clientconfig

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dockertls/terraform-provider-dockertls/internal/daemonconfig"
	"github.com/dockertls/terraform-provider-dockertls/internal/endpoint"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
	"github.com/dockertls/terraform-provider-dockertls/internal/visible"
)

// The files Docker's clients read from DOCKER_CERT_PATH, and the modes
// Docker's documentation gives them: keys readable by their owner only,
// certificates by everyone, neither writable.
const (
	CAFile   = "ca.pem"
	CertFile = "cert.pem"
	KeyFile  = "key.pem"

	CertMode = 0o444
	KeyMode  = 0o400
)

// DefaultCertPath is where the docker CLI looks for its files when
// DOCKER_CERT_PATH is unset.
const DefaultCertPath = "~/.docker"

// DefaultPort is Docker's port for its API over TLS.
const DefaultPort = 2376

// Settings are the data source's inputs.
type Settings struct {
	// Host is the daemon's address, tcp://HOST:PORT.
	Host string
	// The PEM texts: the CA that signed the daemon's and the client's
	// certificates, the client's certificate and its private key.
	CACertPEM, ClientCertPEM, ClientKeyPEM string
	// CertPath is the directory for the files, as cert_path gives it: the
	// data source passes DefaultCertPath when cert_path is null, and ""
	// is an error. A leading "~" stands for Home.
	CertPath string
	// ContextName names the docker context; "" derives it from Host.
	ContextName string
	// Home is the home directory that "~" expands to: the home of the
	// user running Terraform, as Terraform's pathexpand() has it. "" when
	// it is unknown.
	Home string
	// Now is when the certificates' validity is checked.
	Now time.Time
	// CertificatesUnknown skips the checks of the PEM inputs, for a plan
	// in which they are not known yet but the other settings are.
	CertificatesUnknown bool
}

// Problem is daemonconfig's: one finding, naming the setting it concerns.
type Problem = daemonconfig.Problem

// Rendered is everything the data source outputs.
type Rendered struct {
	// CertDir is CertPath with "~" expanded: DOCKER_CERT_PATH.
	CertDir string
	// CAFile, CertFile and KeyFile are the files' paths in CertDir.
	CAFile, CertFile, KeyFile string
	// Env holds DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.
	Env map[string]string
	// EnvCommand exports Env as one POSIX sh command line.
	EnvCommand string
	// Files maps each file's path to its content.
	Files map[string]string
	// ContextName is the context the command creates.
	ContextName string
	// ContextCommand is `docker context create` as one POSIX sh command line.
	ContextCommand string
}

// contextNamePattern is the docker CLI's own rule for context names
// (docker/cli, cli/context/store).
var contextNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$`)

// reservedContextName is the context the docker CLI makes from DOCKER_HOST.
const reservedContextName = "default"

type checker struct {
	problems []Problem
}

func (c *checker) add(sev daemonconfig.Severity, attr, summary, format string, args ...any) {
	c.problems = append(c.problems, Problem{Severity: sev, Attribute: attr, Summary: summary, Detail: fmt.Sprintf(format, args...)})
}

func (c *checker) errorf(attr, summary, format string, args ...any) {
	c.add(daemonconfig.Error, attr, summary, format, args...)
}

// ExpandCertPath returns the directory a cert_path names: "~" and "~/..."
// expand to home, as Terraform's pathexpand() does; anything else must be
// absolute already. An empty cert_path is an error rather than the default:
// the default is what leaving cert_path out (null) means, and "" is more
// likely a variable that was never set.
func ExpandCertPath(certPath, home string) (string, error) {
	if certPath == "" {
		return "", fmt.Errorf("cert_path is empty: leave cert_path out (null) for the default, %s, or give a directory", DefaultCertPath)
	}
	dir := certPath
	if rest, ok := strings.CutPrefix(certPath, "~"); ok {
		if rest != "" && !strings.HasPrefix(rest, "/") {
			return "", fmt.Errorf("%q: only ~ and ~/... (the home of the user running Terraform) are expanded, not ~user: give an absolute path", certPath)
		}
		if home == "" {
			return "", fmt.Errorf("%q starts with ~, but the home directory of the user running Terraform is unknown (HOME is unset): give an absolute path", certPath)
		}
		if strings.HasPrefix(home, "/") {
			home = path.Clean(home) // HOME=/home/me/ is fine
		}
		if problem := dirProblem(home); problem != "" {
			return "", fmt.Errorf("%q starts with ~, but the home directory %s: give an absolute path", certPath, problem)
		}
		dir = strings.TrimSuffix(home, "/") + rest
		if dir == "" {
			dir = "/"
		}
	}
	problem := dirProblem(dir)
	if problem == "" && dir == "/" {
		// A home of / is fine (for some system users it is); the files
		// directly in it are not.
		problem = fmt.Sprintf("%q is the root directory: %s, %s and %s would lie at the top of the file system; give them a directory "+
			"of their own, such as %s", dir, CAFile, CertFile, KeyFile, DefaultCertPath)
	}
	if problem != "" {
		if dir != certPath {
			return "", fmt.Errorf("%q expands to a path that cannot be used: %s", certPath, problem)
		}
		return "", fmt.Errorf("%s", problem)
	}
	return dir, nil
}

// dirProblem says what is wrong with dir as DOCKER_CERT_PATH on a POSIX
// client, starting with the value; "" when nothing is.
func dirProblem(dir string) string {
	switch {
	case !utf8.ValidString(dir):
		return fmt.Sprintf("%q is not valid UTF-8", dir)
	case hasHidden(dir):
		i, r, _ := visible.FirstHidden(dir)
		why := "it shows as nothing, or reorders the text around it, so the path a reader sees is not the one used"
		if visible.IsControl(r) {
			why = "a line break would split DOCKER_CERT_PATH in an env file, env_shell and the context command across lines"
		}
		return fmt.Sprintf("%q contains %s at character %d: paths hold visible characters only (%s)", dir, visible.Describe(r), i, why)
	case windowsPath.MatchString(dir):
		return fmt.Sprintf("%q is a Windows path, but the paths and lines rendered here are for a Linux or macOS client and a POSIX "+
			"shell: give the directory as that client names it (under WSL, /mnt/c/...)", dir)
	case strings.HasPrefix(dir, "$"):
		// The value is quoted wherever it is rendered, so no shell would
		// expand the variable later either.
		return fmt.Sprintf("%q is not absolute: variables are not expanded, here or in the rendered lines; write ~/... for the home "+
			"directory of the user running Terraform, or an absolute path", dir)
	case !strings.HasPrefix(dir, "/"):
		return fmt.Sprintf("%q is not absolute: DOCKER_CERT_PATH would depend on the working directory; write an absolute path or ~/...", dir)
	case path.Clean(dir) != dir:
		return fmt.Sprintf("%q is not in normal form (no //, /./, /../ or trailing /): write it as %q", dir, path.Clean(dir))
	case len(dir)+1+len(CertFile) > daemonconfig.LinuxMaxPath:
		return fmt.Sprintf("%.40q... is %d bytes long: with /%s it would pass the %d bytes a path may have", dir, len(dir), CertFile, daemonconfig.LinuxMaxPath)
	}
	for _, c := range strings.Split(dir, "/") {
		if len(c) > daemonconfig.LinuxMaxName {
			return fmt.Sprintf("%.40q... has a component of %d bytes: file names are limited to %d", dir, len(c), daemonconfig.LinuxMaxName)
		}
	}
	return ""
}

// windowsPath matches a drive-letter or UNC path, which a POSIX client
// would read as a relative path.
var windowsPath = regexp.MustCompile(`^([A-Za-z]:|\\\\)`)

func hasHidden(s string) bool {
	_, _, found := visible.FirstHidden(s)
	return found
}

// ContextNameProblem says what the docker CLI would refuse in a context
// name, and how to fix it; "" when nothing.
func ContextNameProblem(name string) string {
	switch {
	case name == reservedContextName:
		return fmt.Sprintf("%q is the docker CLI's reserved name for the context that DOCKER_HOST makes: choose another", name)
	case !contextNamePattern.MatchString(name):
		return fmt.Sprintf("%q is not a docker context name: at least two characters, letters, digits and _ . + -, starting with a letter or digit (the docker CLI checks %s)",
			name, contextNamePattern)
	}
	return ""
}

// inputs is what Check parsed, for Render.
type inputs struct {
	host        endpoint.Host
	certDir     string
	contextName string
}

// Check returns every problem with the settings, and what it parsed.
func (s Settings) check() ([]Problem, inputs) {
	var c checker
	var in inputs
	h, err := endpoint.ParseHost(s.Host)
	if err != nil {
		// dockertls_endpoint's words, so that both data sources say the same.
		c.errorf("host", "Invalid Docker host", "%v", err)
	} else {
		in.host = h
		if h.Port != DefaultPort {
			detail := fmt.Sprintf("%q uses port %d; Docker's port for its API over TLS is %d, where dockertls_daemon_config's daemons listen. "+
				"Keep it if the daemon really listens there.", s.Host, h.Port, DefaultPort)
			if h.Port == 2375 {
				detail = fmt.Sprintf("%q uses port 2375, Docker's port for its API without TLS: a daemon listening there admits anyone who can reach it. "+
					"Mutual TLS listens on %d.", s.Host, DefaultPort)
			}
			c.add(daemonconfig.Warning, "host", "Not Docker's TLS port", "%s", detail)
		}
	}
	if in.certDir, err = ExpandCertPath(s.CertPath, s.Home); err != nil {
		c.errorf("cert_path", "Invalid certificate directory", "%v", err)
	}
	in.contextName = s.ContextName
	switch {
	case in.contextName != "":
		if problem := ContextNameProblem(in.contextName); problem != "" {
			c.errorf("context_name", "Invalid docker context name", "%s.", problem)
		}
	case in.host.Name != "":
		// Host names and IPv4 addresses make good names; IPv6 ones do not.
		in.contextName = strings.TrimSuffix(in.host.Name, ".")
		if problem := ContextNameProblem(in.contextName); problem != "" {
			c.errorf("context_name", "No docker context name",
				"The context cannot be named after the host %q: %s. Set context_name.", in.host.Name, problem)
		}
	}
	if !s.CertificatesUnknown {
		s.checkCertificates(&c)
	}
	return c.problems, in
}

// checkCertificates checks that the client certificate is one, that a CA
// of the bundle signed it, and that the key belongs to it.
func (s Settings) checkCertificates(c *checker) {
	cas, err := pki.ParseTrustPEM(s.CACertPEM)
	if err != nil {
		c.errorf("ca_cert_pem", "Invalid CA certificate", "%v", err)
	}
	cert, err := pki.ParseCertificatePEM(s.ClientCertPEM)
	if err != nil {
		c.errorf("client_cert_pem", "Invalid client certificate", "%v", err)
	} else if problem := clientCertProblem(cert); problem != "" {
		c.errorf("client_cert_pem", "Not a client certificate", "%s", problem)
	}
	key, err := pki.ParsePrivateKeyPEM(s.ClientKeyPEM)
	if err != nil {
		c.errorf("client_key_pem", "Invalid client key", "%v", err)
	}
	if cert != nil && key != nil && !samePublicKey(cert.PublicKey, key.Public()) {
		c.errorf("client_key_pem", "Key does not match the client certificate",
			"The private key does not belong to the client certificate %q (their public keys differ): pass the key that was generated with it "+
				"(dockertls_client_cert's private_key_pem with its cert_pem).", cert.Subject.CommonName)
	}
	if cas == nil || cert == nil {
		return
	}
	ca := pki.SignerOf(cert, cas)
	if ca == nil {
		c.errorf("client_cert_pem", "Client certificate not signed by the CA",
			"The client certificate %q was not signed by %s in ca_cert_pem (its issuer is %q): a daemon given the same ca.pem would refuse it. "+
				"Pass the client certificate that CA issued, or the CA that issued this one.", cert.Subject.CommonName, pki.DescribeCAs(cas), cert.Issuer.CommonName)
		return
	}
	if err := pki.CheckPurpose(ca, pki.ProfileClient); err != nil {
		c.errorf("ca_cert_pem", "CA certificate cannot vouch for clients", "%v", err)
	}
	for _, v := range []struct {
		attr, what string
		cert       *x509.Certificate
	}{{"client_cert_pem", "client certificate", cert}, {"ca_cert_pem", "CA certificate", ca}} {
		switch {
		case s.Now.After(v.cert.NotAfter):
			c.add(daemonconfig.Warning, v.attr, "Certificate expired",
				"The %s %q expired at %s: the daemon refuses this client until it is renewed.", v.what, v.cert.Subject.CommonName, v.cert.NotAfter.UTC().Format(time.RFC3339))
		case s.Now.Before(v.cert.NotBefore):
			c.add(daemonconfig.Warning, v.attr, "Certificate not yet valid",
				"The %s %q is not valid until %s: the daemon refuses this client until then (check the clock of the host that made it).",
				v.what, v.cert.Subject.CommonName, v.cert.NotBefore.UTC().Format(time.RFC3339))
		}
	}
	for _, other := range cas {
		if other != ca && s.Now.After(other.NotAfter) {
			c.add(daemonconfig.Warning, "ca_cert_pem", "Expired CA in the bundle",
				"The CA %s in ca_cert_pem expired at %s: nothing it signed is accepted any more. Drop it from the bundle "+
					"(dockertls_ca_bundle leaves expired CAs out).", pki.Describe(other), other.NotAfter.UTC().Format(time.RFC3339))
		}
	}
}

// clientCertProblem says why cert cannot authenticate a client to dockerd,
// which requires clientAuth (Go counts a certificate without
// extendedKeyUsage as good for any purpose); "" when it can.
func clientCertProblem(cert *x509.Certificate) string {
	if cert.IsCA {
		return fmt.Sprintf("The certificate %q is a CA certificate: pass the client's certificate (dockertls_client_cert's cert_pem) here, and the CA in ca_cert_pem.", cert.Subject.CommonName)
	}
	eku := cert.ExtKeyUsage
	if len(eku) == 0 && len(cert.UnknownExtKeyUsage) == 0 {
		return ""
	}
	if slices.Contains(eku, x509.ExtKeyUsageClientAuth) || slices.Contains(eku, x509.ExtKeyUsageAny) {
		return ""
	}
	what := "its extendedKeyUsage lacks clientAuth"
	if slices.Contains(eku, x509.ExtKeyUsageServerAuth) {
		what = "it is a server certificate (extendedKeyUsage serverAuth without clientAuth)"
	}
	return fmt.Sprintf("The certificate %q cannot authenticate a client: %s, so the daemon refuses it. "+
		"Pass a client certificate (dockertls_client_cert's cert_pem).", cert.Subject.CommonName, what)
}

func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// HasErrors reports whether any problem is an error.
func HasErrors(ps []Problem) bool { return daemonconfig.HasErrors(ps) }

// Check returns every problem with the settings, errors and warnings.
func (s Settings) Check() []Problem {
	ps, _ := s.check()
	return ps
}

// Render checks the settings and, when Check finds no error, renders the
// client configuration. It returns Check's problems either way.
func Render(s Settings) (*Rendered, []Problem) {
	s.CertificatesUnknown = false
	problems, in := s.check()
	if HasErrors(problems) {
		return nil, problems
	}
	r := &Rendered{
		CertDir:     in.certDir,
		CAFile:      path.Join(in.certDir, CAFile),
		CertFile:    path.Join(in.certDir, CertFile),
		KeyFile:     path.Join(in.certDir, KeyFile),
		ContextName: in.contextName,
	}
	env := ClientEnv(s.Host, r.CertDir)
	r.Env = make(map[string]string, len(env))
	for _, v := range env {
		r.Env[v.Name] = v.Value
	}
	r.EnvCommand = ExportCommand(env)
	r.Files = map[string]string{
		r.CAFile:   s.CACertPEM,
		r.CertFile: s.ClientCertPEM,
		r.KeyFile:  s.ClientKeyPEM,
	}
	r.ContextCommand = ContextCommand(r.ContextName, s.Host, r.CAFile, r.CertFile, r.KeyFile)
	return r, problems
}
