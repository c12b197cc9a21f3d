package pki

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ParseIPAddress parses an IPv4 or IPv6 address for a subjectAltName.
func ParseIPAddress(s string) (net.IP, error) {
	addr, err := netip.ParseAddr(s)
	if err != nil || addr.Zone() != "" {
		hint := ""
		if strings.Contains(s, "/") {
			hint = ": give a single address, not a CIDR range"
		} else if _, _, splitErr := net.SplitHostPort(s); splitErr == nil {
			hint = ": give the address without a port"
		}
		return nil, fmt.Errorf("%q is not an IPv4 or IPv6 address%s", s, hint)
	}
	return net.IP(addr.AsSlice()), nil
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
	case len(s) > 253:
		return errors.New("it is longer than 253 characters")
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return errors.New("it is an IP address: put it in ip_addresses instead")
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
