package hostname

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"docker.example.com", "docker.example.com.", "localhost", "h", "1host", "host1", "123.example",
		"10.0.0.1.nip.io", "a-0x1", "0xg", "x.0xg", "deadbeef", "0x7f000001z", "1e100", "xn--bcher-kva.example",
	} {
		if err := Check(name); err != nil {
			t.Errorf("Check(%q) = %v, want nil", name, err)
		}
	}
	for name, want := range map[string]string{
		"127.1":                         `"127.1" is not a host name: it is the IPv4 address 127.0.0.1 written short`,
		"127.0.1":                       "IPv4 address 127.0.0.1 written short",
		"2130706433":                    "IPv4 address 127.0.0.1 written short",
		"0x7f000001":                    "IPv4 address 127.0.0.1 written short",
		"0X7F.1":                        "IPv4 address 127.0.0.1 written short",
		"0177.0.0.1":                    "IPv4 address 127.0.0.1 written short",
		"010.0.0.1":                     "IPv4 address 8.0.0.1 written short: the C library's resolver, curl and browsers dial it as 8.0.0.1",
		"127.1.":                        "IPv4 address 127.0.0.1 written short",
		"1.2.3.4.5":                     "its last label is a number",
		"999.1.1.1":                     "its last label is a number",
		"4294967296":                    "its last label is a number",
		"host.123":                      "its last label is a number",
		"docker.example.0x1f":           "its last label is a number",
		"08.1":                          "its last label is a number",
		"docker_host":                   "is neither an IP address nor a host name",
		"-x":                            "is neither an IP address nor a host name",
		strings.Repeat("a.", 128) + "b": "is neither an IP address nor a host name",
	} {
		err := Check(name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%q) = %v, want an error saying %q", name, err, want)
		}
	}
}

// TestInetAtonMatchesTheCLibrary: the address InetAton reads, or its
// refusal, is the C library's, asked through getent (glibc's getaddrinfo
// tries inet_aton before any look-up). A name it refuses would be looked up
// instead, and these are not in DNS.
func TestInetAtonMatchesTheCLibrary(t *testing.T) {
	t.Parallel()
	getent := acctest.RequireTool(t, "getent", "the C library's reading of numeric host names is the claim under test (Debian package libc-bin)")
	names := []string{
		"127.1", "127.0.1", "2130706433", "0x7f000001", "0X7F.1", "0177.0.0.1", "010.0.0.1", "127.0.0.0x1",
		"1.2.65535", "1.2.65536", "1.16777215", "1.16777216", "4294967295", "4294967296", "1.2.3.256",
		"00000000000000000177.1", "0x00000000000000007f.1", "0x", "0x.1", "1.0x", "08.1", "1.2.3.4.5", "0.0", "0",
	}
	for _, a := range []uint32{0, 1, 0xff, 0x100, 0x7f000001, 0xc0a80101, 0xffffffff} {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], a)
		names = append(names, fmt.Sprint(a), fmt.Sprintf("0x%x", a), fmt.Sprintf("0%o", a),
			fmt.Sprintf("%d.%d", b[0], a&0xffffff), fmt.Sprintf("0%o.0x%x.%d", b[0], b[1], a&0xffff))
	}
	for _, name := range names {
		out, _ := exec.Command(getent, "ahostsv4", name).Output()
		var libc netip.Addr
		if f := strings.Fields(string(out)); len(f) > 0 {
			libc = netip.MustParseAddr(f[0])
		}
		got, ok := InetAton(name)
		if ok != libc.IsValid() || ok && got != libc {
			t.Errorf("InetAton(%q) = %v, %v; the C library reads %v", name, got, ok, libc)
		}
	}
}

// FuzzCheck: a name Check accepts is no IPv4 address to inet_aton and does
// not end in a number; a name inet_aton reads as an address that is not
// already in dotted-quad form is refused, with that address in the message.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"127.1", "0x7f000001", "docker.example.com", "1.2.3.4", "host.123", "0177.0.0.1", "a.0x", "1e5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		addr, isAddr := InetAton(strings.TrimSuffix(name, "."))
		if _, err := netip.ParseAddr(name); err == nil {
			return // an IP address: callers take it as one before asking
		}
		err := Check(name)
		if err == nil {
			if isAddr {
				t.Fatalf("Check accepted %q, which inet_aton reads as %s", name, addr)
			}
			trimmed := strings.TrimSuffix(name, ".")
			if isNumber(trimmed[strings.LastIndexByte(trimmed, '.')+1:]) {
				t.Fatalf("Check accepted %q, which ends in a number", name)
			}
			return
		}
		var ne *NumberError
		if isAddr && pattern.MatchString(name) && len(name) <= MaxLength {
			if !errors.As(err, &ne) || ne.IPv4 != addr || !strings.Contains(err.Error(), "write "+addr.String()) {
				t.Fatalf("Check(%q) = %v, want the address %s in the message", name, err, addr)
			}
		}
	})
}
