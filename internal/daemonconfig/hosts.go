package daemonconfig

import (
	"fmt"
	"net"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/dockertls/terraform-provider-dockertls/internal/hostname"
)

// Host is one parsed listen address.
type Host struct {
	Raw    string
	Scheme string // "tcp", "unix", "fd" or "npipe"
	// Address is tcp's host (without brackets; dockerd's default for an
	// empty one) and Port its port.
	Address string
	Port    int
}

// IsLocal reports a host reachable only from the machine itself.
func (h Host) IsLocal() bool { return h.Scheme != "tcp" }

// IsWildcard reports a tcp host on every interface (0.0.0.0, ::), for
// which no certificate name can be checked.
func (h Host) IsWildcard() bool {
	ip := net.ParseIP(h.Address)
	return ip != nil && ip.IsUnspecified()
}

// defaultTCPAddress is where dockerd listens for a tcp host without an
// address (tcp://:2376): its DefaultHTTPHost, localhost on Linux and
// 127.0.0.1 on Windows, not every interface.
func defaultTCPAddress(p Platform) string {
	if p == Windows {
		return "127.0.0.1"
	}
	return "localhost"
}

var (
	pipeName   = regexp.MustCompile(`^//\./pipe/[A-Za-z0-9._-]+$`)
	fdName     = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)
	unixPath   = regexp.MustCompile(`^/[A-Za-z0-9._/-]+$`)
	portDigits = regexp.MustCompile(`^[1-9][0-9]{0,4}$`)
)

// defaultPipe is the pipe dockerd listens on for npipe:// without a name.
const defaultPipe = "//./pipe/docker_engine"

// Key is the address a host listens on, the same for every spelling of it:
// host names and pipe names compare without case, IP addresses in their
// canonical form, and npipe:// as the pipe it stands for.
func (h Host) Key() string {
	_, rest, _ := strings.Cut(h.Raw, "://")
	switch h.Scheme {
	case "tcp":
		addr := strings.TrimSuffix(strings.ToLower(h.Address), ".")
		if ip := net.ParseIP(h.Address); ip != nil {
			addr = ip.String()
		}
		return "tcp://" + net.JoinHostPort(addr, strconv.Itoa(h.Port))
	case "npipe":
		if rest == "" {
			rest = defaultPipe
		}
		return "npipe://" + strings.ToLower(rest)
	}
	return h.Raw
}

// ParseHost checks a listen address against what dockerd accepts on the
// platform: tcp://HOST:PORT everywhere, unix:///PATH and fd:// on Linux,
// npipe:// on Windows.
func ParseHost(p Platform, raw string) (Host, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return Host{}, fmt.Errorf("%q has no scheme: %s", raw, hostForms(p))
	}
	h := Host{Raw: raw, Scheme: scheme}
	switch {
	case scheme == "tcp":
		h, err := parseTCP(h, rest)
		if err == nil && h.Address == "" {
			h.Address = defaultTCPAddress(p)
		}
		return h, err
	case scheme == "unix" && p == Linux:
		if !unixPath.MatchString(rest) || rest == "/" {
			return h, fmt.Errorf("%q: a unix socket needs an absolute path, as in unix:///var/run/docker.sock", raw)
		}
		if clean := path.Clean(rest); clean != rest {
			return h, fmt.Errorf("%q: write the socket's path in normal form (no //, /./, /../ or trailing /), as unix://%s", raw, clean)
		}
	case scheme == "fd" && p == Linux:
		if !fdName.MatchString(rest) {
			return h, fmt.Errorf("%q: use fd:// (systemd socket activation) or fd://NAME", raw)
		}
	case scheme == "npipe" && p == Windows:
		if rest != "" && !pipeName.MatchString(rest) {
			return h, fmt.Errorf("%q: use npipe:// or npipe:////./pipe/NAME", raw)
		}
	default:
		return h, fmt.Errorf("%q is not a %s listen address: %s", raw, p, hostForms(p))
	}
	return h, nil
}

func hostForms(p Platform) string {
	if p == Windows {
		return "use tcp://HOST:PORT or npipe://"
	}
	return "use tcp://HOST:PORT, unix:///PATH or fd://"
}

func parseTCP(h Host, rest string) (Host, error) {
	host, port, err := net.SplitHostPort(rest)
	if err != nil {
		return h, fmt.Errorf("%q: a tcp host needs an address and a port, as in tcp://0.0.0.0:2376", h.Raw)
	}
	// Digits only: Atoi would take "+2376", and "02376" is a second
	// spelling of a port that duplicate detection should not have to know.
	n, err := strconv.Atoi(port)
	if !portDigits.MatchString(port) || err != nil || n > 65535 {
		return h, fmt.Errorf("%q: the port must be a number from 1 to 65535, written in plain digits as in 2376", h.Raw)
	}
	ip := net.ParseIP(host)
	if host != "" && ip == nil {
		if err := hostname.Check(host); err != nil {
			return h, fmt.Errorf("%q: %w", h.Raw, err)
		}
	}
	if bracketed := strings.HasPrefix(rest, "["); bracketed != (ip != nil && strings.Contains(host, ":")) {
		return h, fmt.Errorf("%q: put an IPv6 address, and nothing else, in brackets, as in tcp://[::1]:2376", h.Raw)
	}
	h.Address, h.Port = host, n
	return h, nil
}
