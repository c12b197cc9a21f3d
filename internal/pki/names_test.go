package pki_test

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// TestNameMessagesNameTheFix: each refusal says what is wrong and what to
// write instead.
func TestNameMessagesNameTheFix(t *testing.T) {
	t.Parallel()
	dnsCases := map[string]string{
		"bücher.example":                 `non-ASCII character 'ü': certificates carry internationalised names in their punycode ("xn--") form, here "xn--bcher-kva.example"`,
		"*.bücher.example":               `here "*.xn--bcher-kva.example"`,
		"a\x00b.example":                 `character '\x00'`,
		"a\nb.example":                   `character '\n'`,
		"\xff.example":                   "not valid UTF-8",
		strings.Repeat("a.", 127) + "ab": "longer than 253 characters",
	}
	for name, want := range dnsCases {
		err := pki.ValidateDNSName(name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateDNSName(%q) = %v, want an error containing %q", name, err, want)
		}
	}
	for name, want := range map[string]string{
		"127.1":        `"127.1" is not a valid DNS name: it is the IPv4 address 127.0.0.1 written short`,
		"0x7f000001":   "write 127.0.0.1",
		"127.0.1":      "write 127.0.0.1",
		"2130706433":   "write 127.0.0.1",
		"0177.0.0.1":   "write 127.0.0.1",
		"*.10.0.1":     "its last label is a number",
		"docker.1":     "its last label is a number",
		"1.2.3.4.5":    "its last label is a number",
		"docker.0x1F.": "",
	} {
		err := pki.ValidateDNSName(name)
		if want == "" {
			want = "empty label"
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateDNSName(%q) = %v, want an error containing %q", name, err, want)
		}
	}
	if err := pki.ValidateDNSName("10.0.0.1"); !errors.Is(err, pki.ErrDNSNameIsIP) {
		t.Errorf("an IP address as a DNS name: got %v, want ErrDNSNameIsIP", err)
	}
	ipCases := map[string]string{
		"fe80::1%eth0": `the IPv6 zone "%eth0" names a local interface and cannot be in a certificate; give "fe80::1"`,
		"[::1]:2376":   "without a port",
		"":             "is not an IPv4 or IPv6 address",
		"127.1":        `"127.1" is not an IPv4 or IPv6 address: write it as four decimal numbers, 127.0.0.1`,
		"0x7f000001":   "write it as four decimal numbers, 127.0.0.1",
		"010.0.0.1":    "write it as four decimal numbers, 8.0.0.1",
	}
	for s, want := range ipCases {
		_, err := pki.ParseIPAddress(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseIPAddress(%q) = %v, want an error containing %q", s, err, want)
		}
	}
}

// TestNoTerraformWordsInNameErrors: pki speaks plain Go; the provider maps
// its errors onto attributes.
func TestNoTerraformWordsInNameErrors(t *testing.T) {
	t.Parallel()
	var errs []error
	for _, s := range []string{"10.0.0.1", "::1", "a_b", "", "x:1", "bücher.de"} {
		errs = append(errs, pki.ValidateDNSName(s))
	}
	for _, s := range []string{"a", "fe80::1%1", "10.0.0.0/8", "1.2.3.4:5"} {
		_, err := pki.ParseIPAddress(s)
		errs = append(errs, err)
	}
	errs = append(errs, pki.ErrTooManySubjectAltNames, pki.ErrNoSubjectAltNames)
	for _, err := range errs {
		for _, word := range []string{"ip_addresses", "dns_names", "common_name", "_pem", "_hours"} {
			if err != nil && strings.Contains(err.Error(), word) {
				t.Errorf("%v: names the Terraform attribute %s", err, word)
			}
		}
	}
}

func TestIsUnspecifiedAddress(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"0.0.0.0": true, "::": true, "::ffff:0.0.0.0": true, "127.0.0.1": false, "::1": false, "zero": false} {
		if got := pki.IsUnspecifiedAddress(s); got != want {
			t.Errorf("IsUnspecifiedAddress(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzValidateDNSName: whatever is accepted is a name a certificate can
// carry and a Go TLS client can match: ASCII, at most 253 characters,
// labels of 1 to 63 letters, digits and inner hyphens, not an IP address,
// and not ending in a label of digits (which C programs may dial as an IPv4
// address).
func FuzzValidateDNSName(f *testing.F) {
	for _, s := range []string{"localhost", "docker.example.com", "*.example.com", "a-b.c0", "XN--BCHER-KVA.example",
		"bücher.example", "*.*.example", "a..b", "-a", "a.", ".a", "10.0.0.1", "::1", "tcp://x", "x:2376", "*.", "*",
		"127.1", "0x7f000001", "2130706433", "*.0.1", "a.b.0x1",
		strings.Repeat("a", 63) + ".b", strings.Repeat("a.", 126) + "a", "\xff", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := pki.ValidateDNSName(s)
		if err != nil {
			if !strings.Contains(err.Error(), "is not a valid DNS name") {
				t.Fatalf("error without the common prefix: %v", err)
			}
			return
		}
		if len(s) > 253 || !utf8.ValidString(s) {
			t.Fatalf("accepted %q: too long or not UTF-8", s)
		}
		if _, perr := netip.ParseAddr(s); perr == nil {
			t.Fatalf("accepted the IP address %q as a DNS name", s)
		}
		name := strings.TrimPrefix(s, "*.")
		if last := name[strings.LastIndexByte(name, '.')+1:]; strings.Trim(last, "0123456789") == "" {
			t.Fatalf("accepted %q, whose last label is all digits", s)
		}
		for _, label := range strings.Split(name, ".") {
			if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
				t.Fatalf("accepted %q with the bad label %q", s, label)
			}
			if strings.Trim(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
				t.Fatalf("accepted %q with the label %q, which has other characters", s, label)
			}
		}
	})
}

// FuzzParseIPAddress: an accepted address has 4 or 16 bytes, no zone, and
// its canonical form parses back to the same address; a refused one names
// the input.
func FuzzParseIPAddress(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::1", "2001:db8::2376", "::ffff:10.0.0.1", "0.0.0.0", "::", "fe80::1%eth0",
		"10.0.0.0/8", "127.0.0.1:2376", "[::1]:2376", "localhost", "1.2.3", "01.2.3.4", "1.2.3.4.5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ip, err := pki.ParseIPAddress(s)
		if err != nil {
			if ip != nil {
				t.Fatalf("%q: an error and an address", s)
			}
			return
		}
		if len(ip) != net.IPv4len && len(ip) != net.IPv6len {
			t.Fatalf("%q: %d bytes", s, len(ip))
		}
		if strings.Contains(s, "%") {
			t.Fatalf("%q: accepted an address with a zone", s)
		}
		again, err := pki.ParseIPAddress(ip.String())
		if err != nil || !again.Equal(ip) {
			t.Fatalf("%q: canonical form %q parses to %v (%v)", s, ip.String(), again, err)
		}
		if want := net.ParseIP(s); want == nil || !want.Equal(ip) {
			t.Fatalf("%q: parsed to %v, net.ParseIP says %v", s, ip, want)
		}
	})
}
