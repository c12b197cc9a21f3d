package daemonconfig

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func defaults(p Platform) Settings {
	return Settings{Platform: p, TLSVerify: true}.WithDefaults(Unset{Hosts: true, CertDir: true, DockerdPath: true, ConfigFile: true, ContainerdAddress: true})
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./internal/daemonconfig -update` to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func mustRender(t *testing.T, s Settings) *Rendered {
	t.Helper()
	r, problems, err := Render(s)
	if err != nil || r == nil {
		t.Fatalf("Render: %v (problems: %+v)", err, problems)
	}
	return r
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	linuxExtras := defaults(Linux)
	linuxExtras.ExtraSettingsJSON = `{"log-level": "warn", "group": "docker", "log-opts": {"max-size": "10m", "max-file": "3"}, "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 65536, "Soft": 65536}}}`
	windowsExtras := defaults(Windows)
	windowsExtras.ExtraSettingsJSON = `{"group": "docker", "exec-opts": ["isolation=hyperv"]}`
	windowsUnsafe := defaults(Windows)
	windowsUnsafe.ExtraSettingsJSON = `{"labels": ["owner=R&D|ops"]}`
	debian := defaults(Linux)
	debian.DockerdPath, debian.ContainerdAddress = "/usr/sbin/dockerd", ""

	for name, s := range map[string]Settings{
		"linux-default":  defaults(Linux),
		"linux-extras":   linuxExtras,
		"linux-debian":   debian,
		"windows":        defaults(Windows),
		"windows-extras": windowsExtras,
		"windows-unsafe": windowsUnsafe,
	} {
		r := mustRender(t, s)
		golden(t, name+".daemon.json", r.DaemonJSON)
		golden(t, name+".args", strings.Join(r.DockerdArgs, "\n")+"\n")
		if s.Platform == Windows {
			golden(t, name+".runDockerDaemon.cmd", r.RunDockerDaemonCmd)
			if r.SystemdDropin != "" {
				t.Errorf("%s: a Windows render has a systemd drop-in", name)
			}
		} else {
			golden(t, name+".dockertls.conf", r.SystemdDropin)
			if r.RunDockerDaemonCmd != "" {
				t.Errorf("%s: a Linux render has a Windows script", name)
			}
		}
	}
}

func TestDaemonJSONIsStableValidAndAbsolute(t *testing.T) {
	t.Parallel()
	s := defaults(Linux)
	s.ExtraSettingsJSON = `{"zeta": 1, "alpha": 12345678901234567890}`
	first := mustRender(t, s)
	for range 20 {
		if again := mustRender(t, s); again.DaemonJSON != first.DaemonJSON || again.ID != first.ID {
			t.Fatal("rendering twice gave different daemon.json")
		}
	}
	if !strings.HasSuffix(first.DaemonJSON, "}\n") {
		t.Error("daemon.json lacks its trailing newline")
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(first.DaemonJSON), &m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(first.DaemonJSON, "12345678901234567890") {
		t.Error("a large number lost precision")
	}
	for _, k := range []string{"tlscacert", "tlscert", "tlskey"} {
		if p, _ := m[k].(string); !strings.HasPrefix(p, "/etc/docker/tls/") {
			t.Errorf("%s = %q, want an absolute path in cert_dir", k, p)
		}
	}
	if m["tlsverify"] != true || m["tls"] != true {
		t.Error("TLS verification is not on")
	}
	if strings.Index(first.DaemonJSON, `"alpha"`) > strings.Index(first.DaemonJSON, `"zeta"`) {
		t.Error("keys are not in a stable sorted order")
	}
	if len(first.ID) != 64 {
		t.Errorf("id %q is not a SHA-256 in hex", first.ID)
	}
}

// TestSystemdDropinNeverPassesHosts: the stock unit's -H and daemon.json's
// "hosts" together stop dockerd, so the drop-in must clear ExecStart and
// start dockerd without any host flag.
func TestSystemdDropinNeverPassesHosts(t *testing.T) {
	t.Parallel()
	r := mustRender(t, defaults(Linux))
	lines := strings.Split(strings.TrimSpace(r.SystemdDropin), "\n")
	var execs []string
	for _, l := range lines {
		if strings.HasPrefix(l, "ExecStart=") {
			execs = append(execs, strings.TrimPrefix(l, "ExecStart="))
		}
	}
	if !slices.Contains(lines, "[Service]") || len(execs) != 2 || execs[0] != "" {
		t.Fatalf("want [Service], an empty ExecStart= then one command; got %q", execs)
	}
	for _, f := range strings.Fields(execs[1]) {
		if f == "-H" || strings.HasPrefix(f, "--host") || strings.HasPrefix(f, "-H") {
			t.Errorf("the drop-in passes a host flag: %q", execs[1])
		}
	}
	if want := "/usr/bin/dockerd --config-file=/etc/docker/daemon.json --containerd=/run/containerd/containerd.sock"; execs[1] != want {
		t.Errorf("ExecStart=%s, want %s", execs[1], want)
	}
}

// TestSystemdQuoting pins the quoting; TestSystemdAnalyzeParsesDropin
// proves with systemd itself that it means what it should.
func TestSystemdQuoting(t *testing.T) {
	t.Parallel()
	args := map[string]string{
		"/usr/bin/dockerd":         "/usr/bin/dockerd",
		"/opt/docker 1/dockerd":    `"/opt/docker 1/dockerd"`,
		"--config-file=/etc/%d.js": "--config-file=/etc/%%d.js",
		"/a/$HOME":                 "/a/$$HOME",
		`/a\b"c;d'e`:               `"/a\\b\"c;d'e"`,
		";":                        `";"`,
	}
	for in, want := range args {
		if got := systemdQuote(in); got != want {
			t.Errorf("systemdQuote(%q) = %s, want %s", in, got, want)
		}
	}
	// The executable is not subject to variable expansion: "$" stays single.
	exes := map[string]string{
		"/usr/bin/dockerd":   "/usr/bin/dockerd",
		"/opt/$x/dockerd%":   "/opt/$x/dockerd%%",
		"/opt/a b/dock$erd":  `"/opt/a b/dock$erd"`,
		`/opt/a\b/"dockerd"`: `"/opt/a\\b/\"dockerd\""`,
	}
	for in, want := range exes {
		if got := systemdQuoteExecutable(in); got != want {
			t.Errorf("systemdQuoteExecutable(%q) = %s, want %s", in, got, want)
		}
	}
}

// pipeOnlyConfig extracts what the Windows script writes for a start
// without the server certificate, and the two dockerd command lines.
func windowsScriptParts(t *testing.T, script string) (fallback map[string]any, fallbackStart, tlsStart string) {
	t.Helper()
	if !strings.Contains(script, "\r\n") || strings.Contains(strings.ReplaceAll(script, "\r\n", ""), "\n") {
		t.Fatal("the script must use CRLF line endings throughout")
	}
	lines := strings.Split(strings.TrimSuffix(script, "\r\n"), "\r\n")
	afterLabel := false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, `> "`) && strings.Contains(l, `" echo `):
			_, j, _ := strings.Cut(l, `" echo `)
			if err := json.Unmarshal([]byte(j), &fallback); err != nil {
				t.Fatalf("the pipe-only config is not JSON: %v", err)
			}
		case l == ":tls":
			afterLabel = true
		case strings.Contains(l, "--config-file"):
			if afterLabel {
				tlsStart = l
			} else {
				fallbackStart = l
			}
		}
	}
	return fallback, fallbackStart, tlsStart
}

// TestWindowsScriptServesTCPOnlyWithTheCertificate checks the behaviour
// that matters: the TLS start (after `goto tls`, taken only when
// server-cert.pem exists) uses daemon.json; the other start uses a config
// with no TCP host and no TLS keys.
func TestWindowsScriptServesTCPOnlyWithTheCertificate(t *testing.T) {
	t.Parallel()
	s := defaults(Windows)
	s.ExtraSettingsJSON = `{"group": "docker"}`
	r := mustRender(t, s)
	if !strings.Contains(r.RunDockerDaemonCmd, `if exist "C:\ProgramData\docker\certs.d\server-cert.pem" goto tls`) {
		t.Fatal("the script does not branch on server-cert.pem")
	}
	fallback, fallbackStart, tlsStart := windowsScriptParts(t, r.RunDockerDaemonCmd)
	if tlsStart != `"dockerd" --config-file "C:\ProgramData\docker\config\daemon.json"` {
		t.Errorf("TLS start %q does not use the rendered daemon.json", tlsStart)
	}
	if fallbackStart != `"dockerd" --config-file "C:\ProgramData\docker\config\daemon.pipe-only.json"` {
		t.Errorf("pipe-only start is %q", fallbackStart)
	}
	hosts, _ := fallback["hosts"].([]any)
	if len(hosts) != 1 || hosts[0] != "npipe://" {
		t.Errorf("pipe-only hosts = %v, want only npipe://", fallback["hosts"])
	}
	for _, k := range ManagedKeys[1:] {
		if _, ok := fallback[k]; ok {
			t.Errorf("pipe-only config sets %s", k)
		}
	}
	if fallback["group"] != "docker" {
		t.Error("pipe-only config lost the extra settings")
	}
	for _, l := range strings.Split(r.RunDockerDaemonCmd, "\r\n") {
		if strings.Contains(l, " -H") || strings.Contains(l, "--host") {
			t.Errorf("the script passes a host flag beside daemon.json: %q", l)
		}
	}
}

func TestWindowsScriptDropsExtrasCmdCannotEcho(t *testing.T) {
	t.Parallel()
	s := defaults(Windows)
	s.ExtraSettingsJSON = `{"labels": ["a&b", "c|d", "50%"]}`
	r := mustRender(t, s)
	fallback, _, _ := windowsScriptParts(t, r.RunDockerDaemonCmd)
	if _, ok := fallback["labels"]; ok {
		t.Error("extras with cmd metacharacters were echoed")
	}
	if !strings.Contains(r.RunDockerDaemonCmd, "rem extra_settings_json holds characters cmd cannot echo safely") {
		t.Error("the script does not say why the extras are missing")
	}
	if !strings.Contains(r.DaemonJSON, `"a&b"`) {
		t.Error("daemon.json itself must keep the extras")
	}
}

// TestWindowsScriptLinesFitCmd: cmd reads at most 8191 characters of a
// batch line and runs the rest of the line as a command of its own, so a
// long extra_settings_json echoed whole would run what follows the cut.
func TestWindowsScriptLinesFitCmd(t *testing.T) {
	t.Parallel()
	s := defaults(Windows)
	s.ExtraSettingsJSON = `{"labels": ["` + strings.Repeat(" ", 8150) + `mkdir PWNED x"]}`
	r := mustRender(t, s)
	for i, l := range strings.Split(r.RunDockerDaemonCmd, "\r\n") {
		if len(l) > 8191 {
			t.Errorf("line %d of the script has %d characters; cmd runs what follows character 8191 as a command", i+1, len(l))
		}
	}
	fallback, _, _ := windowsScriptParts(t, r.RunDockerDaemonCmd)
	if _, ok := fallback["labels"]; ok {
		t.Error("extras too long for one cmd line were echoed")
	}
	if !strings.Contains(r.DaemonJSON, "mkdir PWNED x") {
		t.Error("daemon.json itself must keep the extras")
	}
}

func TestDockerdArgs(t *testing.T) {
	t.Parallel()
	s := defaults(Linux)
	want := []string{"--host=unix:///var/run/docker.sock", "--host=tcp://0.0.0.0:2376", "--tls", "--tlsverify",
		"--tlscacert=/etc/docker/tls/ca.pem", "--tlscert=/etc/docker/tls/server-cert.pem", "--tlskey=/etc/docker/tls/server-key.pem"}
	if got := mustRender(t, s).DockerdArgs; !slices.Equal(got, want) {
		t.Errorf("args %q, want %q", got, want)
	}
	s.TLSVerify, s.AllowInsecureTCP = false, true
	got := mustRender(t, s).DockerdArgs
	if !slices.Contains(got, "--tlsverify=false") || !slices.Contains(got, "--tls") || slices.Contains(got, "--tlscacert=/etc/docker/tls/ca.pem") {
		t.Errorf("insecure args %q: want TLS without client verification", got)
	}
}

func TestRenderRefusesErrors(t *testing.T) {
	t.Parallel()
	s := defaults(Linux)
	s.Hosts = []string{"tcp://0.0.0.0"}
	r, problems, err := Render(s)
	if r != nil || err != nil || !HasErrors(problems) {
		t.Fatalf("settings with an error: got render %v, problems %+v, err %v; want only the problems", r, problems, err)
	}
	s.Hosts = []string{"tcp://0.0.0.0:2376"}
	r, problems, err = Render(s)
	if r == nil || err != nil || len(problems) != 1 || problems[0].Severity != Warning {
		t.Fatalf("settings with a warning: got render %v, problems %+v, err %v; want both", r, problems, err)
	}
}

// TestWindowsScriptPercentFollowsCmdExe keeps, in Go, the case where Wine's
// cmd and cmd.exe disagree, since the Wine test cannot decide it: cmd.exe
// documents one percent-expansion pass per line, in which "%%" stands for a
// literal "%" (so `set "A=100%% x"` gives 100% x), while Wine loses the
// "%%" inside a `set "NAME=..."` value. The script therefore writes each
// path inline instead of through a variable, and reading its lines with
// cmd.exe's rule (cmdLineWords) gives the paths back exactly.
func TestWindowsScriptPercentFollowsCmdExe(t *testing.T) {
	t.Parallel()
	s := defaults(Windows)
	s.CertDir, s.ConfigFile, s.DockerdPath = `C:\100%% sure\%PATH%`, `C:\%%x%%\100% x.json`, `C:\%~dp0\dockerd.exe`
	script := mustRender(t, s).RunDockerDaemonCmd
	for _, line := range strings.Split(script, "\r\n") {
		if word, _, _ := strings.Cut(strings.TrimSpace(strings.ToLower(line)), " "); word == "set" || word == "call" {
			t.Errorf("the script uses %q, where Wine's cmd differs from cmd.exe: %q", word, line)
		}
	}
	_, cert, _ := s.TLSPaths()
	want := map[string][]string{
		"if exist":           {"if", "exist", cert, "goto", "tls"},
		"pipe-only start":    {s.DockerdPath, "--config-file", s.PipeOnlyConfigPath()},
		"start with the TLS": {s.DockerdPath, "--config-file", s.ConfigFile},
	}
	lines := strings.Split(script, "\r\n")
	for name, line := range map[string]string{"if exist": lines[9], "pipe-only start": lines[12], "start with the TLS": lines[15]} {
		got, err := cmdLineWords(line)
		if err != nil {
			t.Fatalf("%s: %q: %v", name, line, err)
		}
		if !slices.Equal(got, want[name]) {
			t.Errorf("%s: cmd.exe reads %q as\n  %q\nwant\n  %q", name, line, got, want[name])
		}
	}
}
