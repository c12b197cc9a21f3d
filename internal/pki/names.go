package pki

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/dockertls/terraform-provider-dockertls/internal/hostname"
)

// MaxSubjectAltNames bounds the DNS names and IP addresses of one
// certificate together. Go's TLS stack, which the docker CLI and dockerd
// use, refuses any handshake message over 64 KiB, and OpenSSL clients refuse
// a certificate list over 100 KiB by default. At 100 names of at most 253
// characters the certificate stays under 30 KiB, leaving room for the CA
// certificate sent beside it.
const MaxSubjectAltNames = 100

// ErrTooManySubjectAltNames is returned for a request with more than
// MaxSubjectAltNames names and addresses.
var ErrTooManySubjectAltNames = fmt.Errorf("a certificate may carry at most %d subjectAltNames (DNS names and IP addresses together): "+
	"a larger certificate risks exceeding the 64 KiB handshake message limit of Go's TLS stack; use a wildcard name or several certificates",
	MaxSubjectAltNames)

// ErrDNSNameIsIP is returned by ValidateDNSName for an IP address, which
// belongs among the IP subjectAltNames.
var ErrDNSNameIsIP = errors.New("it is an IP address, which belongs among the IP addresses")

// ParseIPAddress parses an IPv4 or IPv6 address for a subjectAltName.
func ParseIPAddress(s string) (net.IP, error) {
	addr, err := netip.ParseAddr(s)
	if err == nil && addr.Zone() == "" {
		return net.IP(addr.AsSlice()), nil
	}
	hint := ""
	switch {
	case err == nil: // a zone
		hint = fmt.Sprintf(": the IPv6 zone %q names a local interface and cannot be in a certificate; give %q",
			"%"+addr.Zone(), addr.WithZone("").String())
	case strings.Contains(s, "/"):
		hint = ": give a single address, not a CIDR range"
	default:
		if _, _, splitErr := net.SplitHostPort(s); splitErr == nil {
			hint = ": give the address without a port"
		} else if short, ok := hostname.InetAton(s); ok {
			// 127.1, 0x7f000001, 010.0.0.1: C programs read these, Go not.
			hint = fmt.Sprintf(": write it as four decimal numbers, %s", short)
		}
	}
	return nil, fmt.Errorf("%q is not an IPv4 or IPv6 address%s", s, hint)
}

// IsUnspecifiedAddress reports whether s is 0.0.0.0 or ::, the addresses a
// daemon listens on to mean "every interface" but that no client can dial.
func IsUnspecifiedAddress(s string) bool {
	addr, err := netip.ParseAddr(s)
	return err == nil && addr.Unmap().IsUnspecified()
}

// ValidateDNSName checks that s can be a DNS subjectAltName: letters, digits
// and hyphens in dot-separated labels of at most 63 characters, at most 253 in
// all, optionally starting with a "*." wildcard label.
func ValidateDNSName(s string) error {
	if err := checkDNSName(s); err != nil {
		return fmt.Errorf("%q is not a valid DNS name: %w", s, err)
	}
	return nil
}

func checkDNSName(s string) error {
	switch {
	case s == "":
		return errors.New("it is empty")
	case strings.Contains(s, "://"):
		return errors.New("give the bare host name, not a URL")
	case !utf8.ValidString(s):
		return errors.New("it is not valid UTF-8")
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return ErrDNSNameIsIP
	}
	if err := checkASCII(s); err != nil {
		return err
	}
	if len(s) > 253 {
		return errors.New("it is longer than 253 characters")
	}
	name := strings.TrimPrefix(s, "*.")
	if strings.Contains(name, ":") {
		return errors.New("give the host name without a port")
	}
	for _, label := range strings.Split(name, ".") {
		if err := checkDNSLabel(label); err != nil {
			return err
		}
	}
	// The whole name, wildcard and all: *.10.0.1 ends in a number, but is
	// no IPv4 address to offer instead.
	return hostname.CheckNotNumber(s)
}

// checkASCII refuses an internationalised name: certificates carry the
// ASCII (punycode) form, which it suggests when it can compute one.
func checkASCII(s string) error {
	for _, r := range s {
		if r < utf8.RuneSelf {
			continue
		}
		msg := fmt.Sprintf("it has the non-ASCII character %q: certificates carry internationalised names in their punycode (\"xn--\") form", r)
		name, wildcard := strings.CutPrefix(s, "*.")
		if ascii, err := idna.Registration.ToASCII(name); err == nil && ascii != name {
			if wildcard {
				ascii = "*." + ascii
			}
			msg += fmt.Sprintf(", here %q", ascii)
		}
		return errors.New(msg)
	}
	return nil
}

func checkDNSLabel(label string) error {
	switch {
	case label == "":
		return errors.New("it has an empty label (two dots in a row, or a leading or trailing dot)")
	case len(label) > 63:
		return fmt.Errorf("label %q is longer than 63 characters", label)
	case label[0] == '-' || label[len(label)-1] == '-':
		return fmt.Errorf("label %q starts or ends with a hyphen", label)
	}
	for _, r := range label {
		if !isLabelChar(r) {
			return fmt.Errorf("label %q has the character %q: only letters, digits and hyphens are allowed (a wildcard only as a leading \"*.\")", label, r)
		}
	}
	return nil
}

func isLabelChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-'
}
