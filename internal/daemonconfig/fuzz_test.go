package daemonconfig

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// The fuzz targets read the renders back the way their interpreters do
// (systemd's ExecStart= and cmd's command lines, modelled here after the
// behaviour TestSystemdAnalyzeParsesDropin and TestWineCmdRunsScript prove
// with the real ones): whatever the validators accept must come out as
// exactly the intended words.

// FuzzSystemdDropin: any accepted dockerd_path, config_file and
// containerd_address give the drop-in's fixed lines, and its command reads
// back as exactly dockerd_path --config-file=... --containerd=....
func FuzzSystemdDropin(f *testing.F) {
	f.Add("/usr/bin/dockerd", "/etc/docker/daemon.json", "/run/containerd/containerd.sock")
	f.Add("/bin x/dock$erd%", "/etc/a b/$$x%y\\z\"q", "")
	f.Add("/usr/bin/dockerd\nExecStartPre=/bin/sh", "/etc/docker/daemon.json\n[Service]", "/run/c\r")
	f.Add("/a;b/#c", "/etc/'x'/;", "/run/${X}")
	f.Fuzz(func(t *testing.T, dockerd, config, containerd string) {
		s := defaults(Linux)
		s.DockerdPath, s.ConfigFile, s.ContainerdAddress = dockerd, config, containerd
		r, problems, err := Render(s)
		if HasErrors(problems) {
			return
		}
		if err != nil || r == nil {
			t.Fatalf("accepted settings did not render: %v", err)
		}
		lines := strings.Split(r.SystemdDropin, "\n")
		if len(lines) != 9 || lines[8] != "" || lines[5] != "[Service]" || lines[6] != "ExecStart=" || !strings.HasPrefix(lines[7], "ExecStart=") {
			t.Fatalf("the drop-in does not have its fixed lines:\n%s", r.SystemdDropin)
		}
		for _, l := range lines[:5] {
			if !strings.HasPrefix(l, "# ") {
				t.Fatalf("line %q is not a comment", l)
			}
		}
		line := strings.TrimPrefix(lines[7], "ExecStart=")
		// Each user string once, escaped, in its place and nothing else.
		words := []string{systemdQuoteExecutable(s.DockerdPath), systemdQuote("--config-file=" + s.ConfigFile)}
		if s.ContainerdAddress != "" {
			words = append(words, systemdQuote("--containerd="+s.ContainerdAddress))
		}
		if line != strings.Join(words, " ") {
			t.Errorf("ExecStart=%s, want the words %q", line, words)
		}
		argv, err := systemdExecStartWords(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		for i := 1; i < len(argv); i++ {
			if argv[i], err = systemdExecTimeDollars(argv[i]); err != nil {
				t.Fatal(err)
			}
		}
		if want := s.ExecStart(); !slices.Equal(argv, want) {
			t.Fatalf("ExecStart=%s\nreads as %q\nwant     %q", line, argv, want)
		}
	})
}

// systemdExecStartWords splits an ExecStart= value as systemd does when it
// loads the unit (systemd.service(5), "Command lines"; systemd.unit(5),
// "Specifiers"): words separated by white space, in double or single quotes
// or plain, C-style escapes, "%%" for "%" (other specifiers are an error
// here, as the render must never use one).
func systemdExecStartWords(line string) ([]string, error) {
	var argv []string
	rs := []rune(line)
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		var w strings.Builder
		var quote rune
		for ; i < len(rs); i++ {
			c := rs[i]
			switch {
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
				continue
			case c == quote:
				quote = 0
				i++
				if i < len(rs) && !unicode.IsSpace(rs[i]) {
					return nil, fmt.Errorf("text right after closing quotes")
				}
			case quote == 0 && unicode.IsSpace(c):
			case c == '\\':
				if i+1 >= len(rs) {
					return nil, fmt.Errorf("a trailing backslash continues the line")
				}
				i++
				switch rs[i] {
				case '\\', '"', '\'', ' ':
					w.WriteRune(rs[i])
				default:
					return nil, fmt.Errorf("escape \\%c: the render only escapes \\ and \"", rs[i])
				}
				continue
			case c == '%':
				if i+1 >= len(rs) || rs[i+1] != '%' {
					return nil, fmt.Errorf("a specifier %%%s", string(rs[i+1:min(i+2, len(rs))]))
				}
				i++
				w.WriteRune('%')
				continue
			default:
				w.WriteRune(c)
				continue
			}
			break
		}
		if quote != 0 {
			return nil, fmt.Errorf("unterminated quotes")
		}
		argv = append(argv, w.String())
	}
	return argv, nil
}

// FuzzWindowsScript: any accepted cert_dir, config_file and dockerd_path
// give the script's fixed lines, and each command line reads back, after
// cmd's percent expansion and quoting, as exactly the intended words.
func FuzzWindowsScript(f *testing.F) {
	f.Add(`C:\ProgramData\docker\certs.d`, `C:\ProgramData\docker\config\daemon.json`, "dockerd")
	f.Add(`C:\a&b (c) %d% !e! ^f`, `C:\x;y=z,w\%PATH%.json`, `C:\p q\r&s\%u% !v! ^w.exe`)
	f.Add(`C:\x" & calc.exe & "`, "C:\\x\r\ncalc.exe", `C:\d\dockerd.exe"&calc&"`)
	f.Add(`C:\`, `C:\%%~dp0%1`, `C:\a\b\`)
	f.Fuzz(func(t *testing.T, certDir, config, dockerd string) {
		s := defaults(Windows)
		s.CertDir, s.ConfigFile, s.DockerdPath = certDir, config, dockerd
		r, problems, err := Render(s)
		if HasErrors(problems) {
			return
		}
		if err != nil || r == nil {
			t.Fatalf("accepted settings did not render: %v", err)
		}
		script := r.RunDockerDaemonCmd
		if !strings.HasSuffix(script, "\r\n") || strings.Count(script, "\n") != strings.Count(script, "\r\n") || strings.Count(script, "\r") != strings.Count(script, "\r\n") {
			t.Fatalf("line breaks other than CRLF:\n%q", script)
		}
		lines := strings.Split(strings.TrimSuffix(script, "\r\n"), "\r\n")
		if len(lines) != 17 || lines[14] != ":tls" || lines[5] != "setlocal DisableDelayedExpansion" || lines[8] != "if errorlevel 1 exit /b 1" {
			t.Fatalf("the script does not have its fixed lines:\n%s", script)
		}
		_, cert, _ := s.TLSPaths()
		pipeOnly := s.PipeOnlyConfigPath()
		want := map[int][]string{
			7:  {"cd", "/d", s.configDir()},
			9:  {"if", "exist", cert, "goto", "tls"},
			11: {">", pipeOnly, "echo", `{hosts:[npipe://]}`},
			12: {s.DockerdPath, "--config-file", pipeOnly},
			15: {s.DockerdPath, "--config-file", s.ConfigFile},
		}
		for i, words := range want {
			got, err := cmdLineWords(lines[i])
			if err != nil {
				t.Fatalf("line %q: %v", lines[i], err)
			}
			if !slices.Equal(got, words) {
				t.Fatalf("line %q\nreads as %q\nwant     %q", lines[i], got, words)
			}
		}
		for _, p := range []string{cert, pipeOnly, s.DockerdPath, s.ConfigFile} {
			if !strings.Contains(script, cmdQuote(p)) {
				t.Errorf("%s does not appear in quotes", cmdQuote(p))
			}
		}
	})
}

// cmdLineWords reads one line of a batch file as cmd.exe does before it
// runs it: percent expansion first ("%%" is "%"; any other "%" would expand
// a variable or argument, an error here), then words separated by spaces,
// where double quotes make everything literal and, outside them, the
// operators & | < > ^ ( ) are an error unless they make a whole word of
// their own that the script itself writes (scriptOperators). The quotes are dropped, as
// Windows programs do when they split their command line.
func cmdLineWords(line string) ([]string, error) {
	var expanded strings.Builder
	for i := 0; i < len(line); i++ {
		if line[i] != '%' {
			expanded.WriteByte(line[i])
			continue
		}
		if i+1 < len(line) && line[i+1] == '%' {
			expanded.WriteByte('%')
			i++
			continue
		}
		return nil, fmt.Errorf("%q would expand a variable or argument", line[i:])
	}
	var words []string
	var w strings.Builder
	inQuotes, inWord, operator := false, false, false
	for _, c := range expanded.String() {
		switch {
		case c == '"':
			inQuotes, inWord = !inQuotes, true
		case inQuotes:
			w.WriteRune(c)
		case c == ' ':
			if inWord {
				if operator && !scriptOperators[w.String()] {
					return nil, fmt.Errorf("%q outside quotes", w.String())
				}
				words = append(words, w.String())
				w.Reset()
				inWord, operator = false, false
			}
		case strings.ContainsRune("&|<>^()", c):
			if inWord && !operator {
				return nil, fmt.Errorf("%q outside quotes", c)
			}
			w.WriteRune(c)
			inWord, operator = true, true
		default:
			if operator {
				return nil, fmt.Errorf("%q outside quotes", w.String())
			}
			w.WriteRune(c)
			inWord = true
		}
	}
	if inQuotes {
		return nil, fmt.Errorf("unterminated quotes")
	}
	if inWord {
		if operator && !scriptOperators[w.String()] {
			return nil, fmt.Errorf("%q outside quotes", w.String())
		}
		words = append(words, w.String())
	}
	return words, nil
}

// scriptOperators are the operators the script itself writes, each as a
// word of its own: the redirection of the pipe-only config. Any other
// operator outside quotes came from a value.
var scriptOperators = map[string]bool{">": true}

// FuzzParseHost: ParseHost never panics, accepts nothing with white space
// or control characters, and Key is a spelling of the same host that
// parses to the same Key.
func FuzzParseHost(f *testing.F) {
	for _, h := range []string{"tcp://0.0.0.0:2376", "tcp://[::]:2376", "tcp://Docker.Example.com.:+2376", "unix:///var/run//docker.sock",
		"fd://", "npipe://", "npipe:////./pipe/Docker_Engine", "tcp://[::ffff:127.0.0.1]:2376", "tcp://:2376", "tcp://h:02376"} {
		f.Add(true, h)
		f.Add(false, h)
	}
	f.Fuzz(func(t *testing.T, windows bool, raw string) {
		p := Linux
		if windows {
			p = Windows
		}
		h, err := ParseHost(p, raw)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", raw)) {
				t.Errorf("the error %q does not name the value", err)
			}
			return
		}
		if strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			t.Errorf("accepted %q, with white space or a control character", raw)
		}
		if h.Scheme == "tcp" && (h.Port < 1 || h.Port > 65535 || !strings.HasSuffix(raw, fmt.Sprintf(":%d", h.Port))) {
			t.Errorf("%q: port %d is not written as plain digits", raw, h.Port)
		}
		again, err := ParseHost(p, h.Key())
		if err != nil {
			t.Fatalf("the key %q of %q does not parse: %v", h.Key(), raw, err)
		}
		if again.Key() != h.Key() {
			t.Errorf("%q: key %q, whose key is %q", raw, h.Key(), again.Key())
		}
	})
}

// FuzzExtraSettings: any extra settings Check accepts render on both
// platforms, daemon.json holds them unchanged beside the managed keys, and
// no key in them matches a managed key or a flag the start passes, in any
// case.
func FuzzExtraSettings(f *testing.F) {
	for _, j := range []string{``, `{}`, `{"log-level": "warn"}`, `{"TLSVerify": false}`, `{"containerd": "/x"}`, `{} }`, `[1]`,
		`{"labels": ["a&b", "50%"], "n": 12345678901234567890}`, `{"a": {"b": [null, true, 1e400]}}`, `{"a":1,"A":2}`} {
		f.Add(j)
	}
	f.Fuzz(func(t *testing.T, extra string) {
		for _, p := range Platforms {
			s := defaults(p)
			s.ExtraSettingsJSON = extra
			r, problems, err := Render(s)
			if HasErrors(problems) {
				continue
			}
			if err != nil || r == nil {
				t.Fatalf("%s: accepted settings did not render: %v", p, err)
			}
			obj, err := s.extraSettings()
			if err != nil {
				t.Fatalf("Check accepted what extraSettings refuses: %v", err)
			}
			forbidden := append(slices.Clone(ManagedKeys), "config-file")
			if p == Linux {
				forbidden = append(forbidden, "containerd") // the drop-in passes --containerd
			}
			for k := range obj {
				if slices.ContainsFunc(forbidden, func(m string) bool { return strings.EqualFold(k, m) }) {
					t.Fatalf("%s: accepted the key %q", p, k)
				}
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal([]byte(r.DaemonJSON), &got); err != nil {
				t.Fatalf("daemon.json does not decode: %v", err)
			}
			for _, k := range slices.Sorted(maps.Keys(obj)) {
				want, _ := json.Marshal(obj[k])
				if string(compactJSON(t, got[k])) != string(want) {
					t.Errorf("%s: %q is %s in daemon.json, want %s", p, k, got[k], want)
				}
			}
		}
	})
}

func compactJSON(t *testing.T, raw json.RawMessage) []byte {
	t.Helper()
	var v any
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return b
}

// FuzzPathProblem: whatever PathProblem accepts is free of control
// characters, invisible format characters and line and paragraph
// separators (Unicode's Cc, Cf, Zl, Zp) and is not a root; on Linux absolute
// and clean, and on Windows a bare program name or a drive-absolute ASCII
// path without the characters Windows forbids, whose components Windows
// reads as written: no device name, nothing it trims, none longer than a
// file name may be.
func FuzzPathProblem(f *testing.F) {
	for _, v := range []string{"/etc/docker", "/etc//docker", "etc", "/a\nb", `C:\x`, `C:/x`, `\\srv\s`, "dockerd", `C:\a:b`, `C:\x\`, `C:\é`,
		"/a\u202eb", "/a\u2028b", "/\ufeff", "/", `C:\`, `C:\nul.json`, `C:\x.\y`, "con", `C:\a\..\b`} {
		f.Add(true, 0, v)
		f.Add(false, 2, v)
	}
	f.Fuzz(func(t *testing.T, windows bool, kind int, value string) {
		k := PathKind(((kind % 3) + 3) % 3)
		p := Linux
		if windows {
			p = Windows
		}
		if PathProblem(p, k, value) != "" {
			return
		}
		if strings.ContainsFunc(value, hiddenRune) || value == "" || value == "/" || windowsDrive.MatchString(value) && len(value) == 3 {
			t.Fatalf("%s accepted %q", p, value)
		}
		if p == Linux {
			if value[0] != '/' || (k == Program && strings.ContainsAny(value, `"'\`)) {
				t.Fatalf("linux accepted %q", value)
			}
			return
		}
		bare := k == Program && !strings.Contains(value, `\`) && !strings.Contains(value, ":")
		if !bare && !windowsDrive.MatchString(value) || strings.ContainsAny(value, `"<>|?*/`) ||
			strings.ContainsFunc(value, func(r rune) bool { return r > unicode.MaxASCII }) ||
			strings.Contains(value[min(2, len(value)):], ":") || len(value) > WindowsMaxPath {
			t.Fatalf("windows accepted %q", value)
		}
		if k != Directory && strings.HasSuffix(value, `\`) {
			t.Fatalf("windows accepted the file %q", value)
		}
		components := []string{value}
		if !bare {
			components = strings.Split(strings.TrimSuffix(value[3:], `\`), `\`)
		}
		for _, c := range components {
			base, _, _ := strings.Cut(c, ".")
			if windowsDeviceNames[strings.ToUpper(strings.TrimRight(base, " "))] || c == "" || strings.HasSuffix(c, ".") || strings.HasSuffix(c, " ") ||
				len(c) > WindowsMaxName {
				t.Fatalf("windows accepted %q, with the component %q", value, c)
			}
		}
	})
}

// hiddenRune is the categories the path and subject rules exist to keep
// out, checked by category rather than by the code under test.
func hiddenRune(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) }

// windowsDeviceNames are the names Windows reserves for devices in every
// directory, as Microsoft documents them ("Naming Files, Paths, and
// Namespaces"), written out here apart from the code under test. COM0 and
// LPT0, which newer versions of that page list too, are left out: Wine's cmd
// writes them as ordinary files (see TestWineCmdReadsWindowsPathComponents).
var windowsDeviceNames = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}
