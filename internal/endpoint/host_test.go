package endpoint

import (
	"errors"
	"net"
	"strings"
	"testing"
)

func TestParseHost(t *testing.T) {
	t.Parallel()
	good := map[string]Host{
		"tcp://docker.example.com:2376": {Name: "docker.example.com", Port: 2376},
		"tcp://203.0.113.10:2376":       {Name: "203.0.113.10", Port: 2376},
		"tcp://[2001:db8::1]:2376":      {Name: "2001:db8::1", Port: 2376},
		"tcp://localhost:1":             {Name: "localhost", Port: 1},
		"tcp://host.:65535":             {Name: "host.", Port: 65535},
	}
	for raw, want := range good {
		got, err := ParseHost(raw)
		if err != nil || got != want {
			t.Errorf("ParseHost(%q) = %+v, %v; want %+v", raw, got, err, want)
		}
	}
	bad := map[string]string{
		"unix:///var/run/docker.sock":    "must start with tcp://",
		"docker.example.com:2376":        "must start with tcp://",
		"https://docker.example.com":     "must start with tcp://",
		"tcp://docker.example.com":       "needs a host and a port",
		"tcp://docker.example.com:2376/": "and nothing else",
		"tcp://h:2376/path":              "and nothing else",
		"tcp://:2376":                    "names no host",
		"tcp://0.0.0.0:2376":             "every interface",
		"tcp://[::]:2376":                "every interface",
		"tcp://h:0":                      "the port must be a number",
		"tcp://h:65536":                  "the port must be a number",
		"tcp://h:+2376":                  "the port must be a number",
		"tcp://h:02376":                  "the port must be a number",
		"tcp://bad_name:2376":            "neither an IP address nor a host name",
		"tcp://[fe80::1%eth0]:2376":      `the IPv6 zone "%eth0"`,
		"tcp://me@h:2376":                "with no user",
		"tcp://2001:db8::1:2376":         "in brackets",
		"tcp://h:2376?x":                 "no path, no query",
		"tcp://127.1:2376":               `"127.1" is not a host name: it is the IPv4 address 127.0.0.1 written short`,
		"tcp://2130706433:2376":          "write 127.0.0.1",
		"tcp://1.2.3.4.5:2376":           "its last label is a number",
		"tcp://[203.0.113.10]:2376":      "in brackets",
		"TCP://h:2376":                   "must start with tcp://",
	}
	for raw, want := range bad {
		_, err := ParseHost(raw)
		if err == nil || !errors.Is(err, ErrHostForm) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseHost(%q) = %v; want an error saying %q", raw, err, want)
		}
	}
}

// FuzzParseHost: whatever is accepted round-trips through String, and
// names a dialable host: an IP address, or a name that does not end in a
// label of digits (which C programs may dial as an IPv4 address).
func FuzzParseHost(f *testing.F) {
	for _, s := range []string{"tcp://docker.example.com:2376", "tcp://[2001:db8::1]:2376", "tcp://0.0.0.0:2376",
		"tcp://:2376", "unix:///x", "tcp://h:2376/x", "tcp://[::ffff:1.2.3.4]:1", "tcp://127.1:2376", "tcp://0x7f000001:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		h, err := ParseHost(raw)
		if err != nil {
			if !errors.Is(err, ErrHostForm) {
				t.Fatalf("error %v does not wrap ErrHostForm", err)
			}
			return
		}
		if h.Name == "" || h.Port < 1 || h.Port > 65535 {
			t.Fatalf("accepted %q as %+v", raw, h)
		}
		if name := strings.TrimSuffix(h.Name, "."); net.ParseIP(h.Name) == nil && strings.Trim(name[strings.LastIndexByte(name, '.')+1:], "0123456789") == "" {
			t.Fatalf("accepted %q, whose host name ends in a label of digits", raw)
		}
		again, err := ParseHost(h.String())
		if err != nil || again != h {
			t.Fatalf("%q parsed as %+v, whose String %q parses as %+v, %v", raw, h, h.String(), again, err)
		}
	})
}
