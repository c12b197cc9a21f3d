// Package hostname holds the one rule for the host names that clients dial
// and certificates name: DOCKER_HOST's host, dockerd's listen addresses and
// a server certificate's DNS names. It knows nothing of Terraform.
package hostname

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// pattern is a host name in letters, digits and hyphens: dot-separated
// labels of 1 to 63 characters that neither start nor end with a hyphen,
// with an optional final dot.
var pattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$`)

// MaxLength is the longest host name, with its final dot.
const MaxLength = 254

// Check returns why name, which the caller has found is not an IP address,
// cannot be a host name; nil when it can. Its message starts with the name.
func Check(name string) error {
	if len(name) > MaxLength || !pattern.MatchString(name) {
		return fmt.Errorf("%q is neither an IP address nor a host name", name)
	}
	if err := CheckNotNumber(name); err != nil {
		return fmt.Errorf("%q is not a host name: %w", name, err)
	}
	return nil
}

// NumberError is CheckNotNumber's error: the name ends in a number.
type NumberError struct {
	// IPv4 is the address the C library's inet_aton(3) reads the whole
	// name as; invalid when it reads none.
	IPv4 netip.Addr
}

func (e *NumberError) Error() string {
	if e.IPv4.IsValid() {
		return fmt.Sprintf("it is the IPv4 address %s written short: the C library's resolver, curl and browsers dial it as %s, "+
			"and a certificate can match it only as that address: write %s", e.IPv4, e.IPv4, e.IPv4)
	}
	return "its last label is a number, which no host name has (RFC 3696, section 2) and which URL parsers read as part of an " +
		"IPv4 address: write a host name, or an IPv4 address as four decimal numbers"
}

// CheckNotNumber refuses a name whose last label is a number: all decimal
// digits, or 0x and hexadecimal digits, as URL parsers (the WHATWG URL
// standard's "ends in a number") and inet_aton(3) read numbers. Such names
// are no host names (RFC 3696: a top-level label is never all-numeric), and
// many are IPv4 addresses written short (127.1, 0x7f000001, 2130706433,
// 0177.0.0.1) that Go's net.ParseIP refuses but C programs, curl and the
// docker CLI built with cgo dial as 127.0.0.1, so that no certificate names
// them as clients check them. The rule allows what a host name can be,
// rather than listing the shorthands it refuses.
func CheckNotNumber(name string) error {
	trimmed := strings.TrimSuffix(name, ".")
	last := trimmed[strings.LastIndexByte(trimmed, '.')+1:]
	if !isNumber(last) {
		return nil
	}
	addr, _ := InetAton(trimmed)
	return &NumberError{IPv4: addr}
}

// isNumber reports a label that URL parsers take for a number: decimal
// digits, or 0x or 0X followed by hexadecimal digits (none is zero).
func isNumber(label string) bool {
	digits, base := label, 10
	if len(label) >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X') {
		digits, base = label[2:], 16
	} else if label == "" {
		return false
	}
	for _, c := range digits {
		if !isDigit(c, base) {
			return false
		}
	}
	return true
}

func isDigit(c rune, base int) bool {
	switch {
	case c >= '0' && c <= '7':
		return true
	case c == '8' || c == '9':
		return base >= 10
	case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		return base == 16
	}
	return false
}

// InetAton reads s as the C library's inet_aton(3) does: one to four
// numbers separated by dots, each decimal, octal with a leading 0, or
// hexadecimal with a leading 0x; the last fills the bytes the others leave
// (a, a.b, a.b.c, a.b.c.d). It reports false where inet_aton fails.
func InetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := atonNumber(p)
		if !ok {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	// Every number but the last is one byte; the last fills the rest.
	var v uint64
	for _, n := range nums[:len(nums)-1] {
		if n > 0xff {
			return netip.Addr{}, false
		}
		v = v<<8 | n
	}
	restBits := 8 * (4 - uint(len(nums)-1))
	last := nums[len(nums)-1]
	if last >= 1<<restBits {
		return netip.Addr{}, false
	}
	v = v<<restBits | last
	if v > math.MaxUint32 {
		return netip.Addr{}, false // cannot happen: the checks above bound it
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(v))
	return netip.AddrFrom4(b), true
}

// atonNumber reads one number of an inet_aton address.
func atonNumber(p string) (uint64, bool) {
	base := 10
	switch {
	case p == "":
		return 0, false
	case len(p) >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
		base, p = 16, p[2:]
		if p == "" {
			return 0, false // strtoul reads the 0 and stops at the x
		}
	case len(p) >= 2 && p[0] == '0':
		base, p = 8, p[1:]
	}
	for _, c := range p {
		if !isDigit(c, base) {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(p, base, 32)
	return n, err == nil
}
