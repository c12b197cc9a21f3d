// Package daemonconfig renders a Docker daemon's configuration for mutual
// TLS: daemon.json, the systemd drop-in that keeps the stock unit's -H flag
// from conflicting with daemon.json's hosts, the Windows runDockerDaemon.cmd,
// and the equivalent dockerd flags. It knows nothing of Terraform.
package daemonconfig

import (
	"crypto/x509"
	"path"
	"strings"
	"time"
)

// Platform is the operating system the daemon runs on.
type Platform string

// The supported platforms.
const (
	Linux   Platform = "linux"
	Windows Platform = "windows"
)

// Platforms lists the accepted platforms, the default first.
var Platforms = []Platform{Linux, Windows}

// PlatformNames returns Platforms as strings.
func PlatformNames() []string {
	names := make([]string, len(Platforms))
	for i, p := range Platforms {
		names[i] = string(p)
	}
	return names
}

// Docker's file names for the daemon's side of mutual TLS.
const (
	CAFile         = "ca.pem"
	ServerCertFile = "server-cert.pem"
	ServerKeyFile  = "server-key.pem"
)

// SystemdDropinPath is where the drop-in goes on a systemd host.
const SystemdDropinPath = "/etc/systemd/system/docker.service.d/dockertls.conf"

// Defaults are one platform's default settings.
type Defaults struct {
	Hosts             []string
	CertDir           string
	DockerdPath       string
	ConfigFile        string
	ContainerdAddress string
}

// DefaultsFor returns the defaults of a platform: Docker CE's paths on
// Linux, Docker's documented ones on Windows.
func DefaultsFor(p Platform) Defaults {
	if p == Windows {
		return Defaults{
			Hosts:       []string{"npipe://", "tcp://0.0.0.0:2376"},
			CertDir:     `C:\ProgramData\docker\certs.d`,
			DockerdPath: "dockerd",
			ConfigFile:  `C:\ProgramData\docker\config\daemon.json`,
		}
	}
	return Defaults{
		Hosts:             []string{"unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"},
		CertDir:           "/etc/docker/tls",
		DockerdPath:       "/usr/bin/dockerd",
		ConfigFile:        "/etc/docker/daemon.json",
		ContainerdAddress: "/run/containerd/containerd.sock",
	}
}

// Settings describe the daemon. Zero values are not defaults: call
// WithDefaults to fill what the user left unset.
type Settings struct {
	Platform         Platform
	Hosts            []string
	CertDir          string
	TLSVerify        bool
	AllowInsecureTCP bool
	// ExtraSettingsJSON is a JSON object merged into daemon.json.
	ExtraSettingsJSON string
	DockerdPath       string
	ConfigFile        string
	// ContainerdAddress is passed as --containerd in the systemd drop-in, as
	// Docker CE's stock unit does; empty leaves it out.
	ContainerdAddress string
	// ServerCert, when given, is checked against the hosts.
	ServerCert *x509.Certificate
	// CACerts, when given, are the CAs of the ca.pem the daemon will hold
	// (one, or a bundle during a CA rotation), checked at Now against the
	// server certificate and for expiry.
	CACerts []*x509.Certificate
	Now     time.Time
}

// Unset marks which settings the user left out, so WithDefaults can tell an
// empty value from a missing one.
type Unset struct {
	Platform, Hosts, CertDir, DockerdPath, ConfigFile, ContainerdAddress bool
}

// WithDefaults fills the settings marked unset from the platform's defaults.
func (s Settings) WithDefaults(unset Unset) Settings {
	if unset.Platform {
		s.Platform = Linux
	}
	d := DefaultsFor(s.Platform)
	if unset.Hosts {
		s.Hosts = append([]string(nil), d.Hosts...)
	}
	if unset.CertDir {
		s.CertDir = d.CertDir
	}
	if unset.DockerdPath {
		s.DockerdPath = d.DockerdPath
	}
	if unset.ConfigFile {
		s.ConfigFile = d.ConfigFile
	}
	if unset.ContainerdAddress {
		s.ContainerdAddress = d.ContainerdAddress
	}
	return s
}

// certPath joins a file name to the certificate directory in the
// platform's own path syntax.
func (s Settings) certPath(name string) string {
	if s.Platform == Windows {
		return strings.TrimRight(s.CertDir, `\`) + `\` + name
	}
	return path.Join(s.CertDir, name)
}

// TLSPaths are the absolute paths of the daemon's CA, certificate and key.
func (s Settings) TLSPaths() (caCert, cert, key string) {
	return s.certPath(CAFile), s.certPath(ServerCertFile), s.certPath(ServerKeyFile)
}
