package endpoint

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/dockertls/terraform-provider-dockertls/internal/hostname"
)

// Host is a parsed tcp://HOST:PORT address, as DOCKER_HOST gives it.
type Host struct {
	// Name is the host name or IP address the client dials and checks
	// against the server certificate's subjectAltNames (IPv6 without
	// brackets).
	Name string
	Port int
}

// Address is HOST:PORT for net.Dial.
func (h Host) Address() string { return net.JoinHostPort(h.Name, strconv.Itoa(h.Port)) }

// String is the host in DOCKER_HOST form.
func (h Host) String() string { return "tcp://" + h.Address() }

// ErrHostForm is wrapped by every ParseHost error.
var ErrHostForm = errors.New("not a tcp://HOST:PORT address")

var portDigits = regexp.MustCompile(`^[1-9][0-9]{0,4}$`)

// ParseHost reads tcp://HOST:PORT: a host name or an IP address (IPv6 in
// brackets) and a port from 1 to 65535. The address must be one a client can
// dial, so an empty host and the unspecified addresses 0.0.0.0 and :: (which
// a daemon listens on, but nobody dials) are refused. It is the one reader
// of a client's DOCKER_HOST: every data source that dials a daemon, or
// renders what a client dials, uses it, so the same host gets the same
// verdict and the same words everywhere.
func ParseHost(raw string) (Host, error) {
	const example = "as in tcp://docker.example.com:2376 or tcp://203.0.113.10:2376"
	fail := func(format string, args ...any) (Host, error) {
		return Host{}, fmt.Errorf("%w: %s", ErrHostForm, fmt.Sprintf(format, args...))
	}
	rest, ok := strings.CutPrefix(raw, "tcp://")
	if !ok {
		return fail("%q must start with tcp://, as in tcp://docker.example.com:2376 (the docker CLI's DOCKER_HOST form; "+
			"unix://, npipe:// and ssh:// are not TLS endpoints)", raw)
	}
	if strings.Contains(rest, "@") {
		return fail("%q: give the daemon's address and port with no user: over TLS the client certificate says who you are, %s", raw, example)
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil || strings.ContainsAny(port, "/?#") {
		if !strings.HasPrefix(rest, "[") && strings.Count(rest, ":") > 1 {
			return fail("%q: put an IPv6 address, and nothing else, in brackets, as in tcp://[2001:db8::1]:2376", raw)
		}
		return fail("%q needs a host and a port and nothing else (no path, no query), %s", raw, example)
	}
	n, err := strconv.Atoi(port)
	if !portDigits.MatchString(port) || err != nil || n > 65535 {
		return fail("%q: the port must be a number from 1 to 65535, written in plain digits as in 2376", raw)
	}
	if host == "" {
		return fail("%q names no host: write the daemon's address, %s", raw, example)
	}
	// net.ParseIP refuses a zone, which would otherwise read as a bad
	// host name; netip names the zone.
	if addr, err := netip.ParseAddr(host); err == nil && addr.Zone() != "" {
		return fail("%q: the IPv6 zone %q names an interface of the machine that dials, and no certificate can name it: "+
			"give a global address or a host name", raw, "%"+addr.Zone())
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsUnspecified() {
		return fail("%q: %s is the address a daemon listens on (every interface), but a client dials one address: "+
			"write the host name or address that the server certificate names", raw, host)
	}
	if ip == nil {
		if err := hostname.Check(host); err != nil {
			return fail("%q: %v", raw, err)
		}
	}
	if bracketed := strings.HasPrefix(rest, "["); bracketed != (ip != nil && strings.Contains(host, ":")) {
		return fail("%q: put an IPv6 address, and nothing else, in brackets, as in tcp://[2001:db8::1]:2376", raw)
	}
	return Host{Name: host, Port: n}, nil
}
