package daemonconfig

// The renders are read by interpreters, so they are proven with them: the
// systemd drop-in with systemd-analyze (systemd's own parser), the Windows
// script with Wine's cmd. Both run with a stand-in dockerd, this test binary
// itself, which records the argv and executable it was started with.

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// recordEnv names the file the stand-in dockerd records its start in.
const recordEnv = "DAEMONCONFIG_TEST_DOCKERD_RECORD"

// record is what the stand-in dockerd writes.
type record struct {
	Executable string   `json:"executable"`
	Args       []string `json:"args"`
}

func TestMain(m *testing.M) {
	if out := os.Getenv(recordEnv); out != "" {
		standInDockerd(out)
		return
	}
	code := m.Run()
	wine.stop()
	os.Exit(code)
}

// standInDockerd records how it was started, whole or not at all (the
// record appears by a rename).
func standInDockerd(out string) {
	exe, err := os.Executable()
	if err == nil {
		var b []byte
		b, err = json.Marshal(record{Executable: exe, Args: os.Args})
		if err == nil {
			err = os.WriteFile(out+".tmp", b, 0o600)
		}
		if err == nil {
			err = os.Rename(out+".tmp", out)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stand-in dockerd:", err)
		os.Exit(99)
	}
}

// installStandIn puts this test binary at path (a hard link where possible).
func installStandIn(t *testing.T, path string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Link(self, path) == nil {
		return
	}
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// readRecord waits for the stand-in's record: Wine starts a Linux program
// without waiting for it.
func readRecord(t *testing.T, path string) record {
	t.Helper()
	var b []byte
	var err error
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if b, err = os.ReadFile(path); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("the stand-in dockerd did not run: %v", err)
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// requireProgram finds a program on PATH or at one of the given paths; it
// fails in CI and skips elsewhere when there is none.
func requireProgram(t *testing.T, name, why string, candidates ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	return acctest.RequireTool(t, name, why)
}

// ---- systemd ----

// stockUnit is a minimal docker.service like Debian's: the drop-in must
// replace its command.
const stockUnit = `[Unit]
Description=Docker Application Container Engine
[Service]
Type=notify
ExecStart=/usr/sbin/dockerd -H fd://
[Install]
WantedBy=multi-user.target
`

// TestSystemdAnalyzeParsesDropin renders drop-ins with legal but awkward
// paths, lets systemd-analyze verify parse each with the stock unit, and
// checks that the one command left is exactly dockerd_path with
// --config-file and --containerd, once systemd's exec-time "$$" step is
// applied. The stand-in at dockerd_path must exist: verify reports a
// command whose executable it cannot find.
func TestSystemdAnalyzeParsesDropin(t *testing.T) {
	t.Parallel()
	analyze := requireProgram(t, "systemd-analyze", "it proves the systemd drop-in with systemd's own parser (Debian package systemd)")
	cases := []struct{ name, dockerd, config, containerd string }{
		{"plain", "/usr/bin/dockerd", "/etc/docker/daemon.json", "/run/containerd/containerd.sock"},
		{"no containerd", "/usr/sbin/dockerd", "/etc/docker/daemon.json", ""},
		{"spaces and quotes", "/bin x/dock er d", `/etc/a b/"c" 'd'.json`, "/run/my containerd/c.sock"},
		{"dollars", "/bin$HOME/dock$$erd${X}", "/etc/$USER/${x}$$.json", "/run/$/c$"},
		{"percent", "/bin%i/dockerd%%", "/etc/%n%%/daemon%.json", "/run/%t/c.sock"},
		{"backslashes and semicolons", "/a;b c/dockerd;", `/etc/\n\\;.json`, "/run/;"},
		{"comment characters and prefixes", "/#x/@-+!:dockerd", "/etc/#not a comment;x", "/run/@x/-c"},
		{"non-ASCII", "/dæmon ünï/dockerd", "/etc/dockér/dæmon.json", "/run/容器.sock"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			s := defaults(Linux)
			s.DockerdPath, s.ConfigFile, s.ContainerdAddress = dir+tc.dockerd, tc.config, tc.containerd
			r := mustRender(t, s)
			installStandIn(t, s.DockerdPath)
			if err := os.MkdirAll(filepath.Join(dir, "docker.service.d"), 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "docker.service"), stockUnit)
			writeFile(t, filepath.Join(dir, "docker.service.d", "dockertls.conf"), r.SystemdDropin)

			cmd := exec.Command(analyze, "verify", "--man=no", filepath.Join(dir, "docker.service"))
			cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=debug")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("systemd-analyze verify refused the drop-in: %v\n%s\ndrop-in:\n%s", err, lastLines(out, 20), r.SystemdDropin)
			}
			lines := regexp.MustCompile(`(?m)^\s*Command Line: (.*)$`).FindAllSubmatch(out, -1)
			if len(lines) != 1 {
				t.Fatalf("want exactly one command after the empty ExecStart=, found %d\ndrop-in:\n%s", len(lines), r.SystemdDropin)
			}
			argv, err := parseSystemdCommandLine(string(lines[0][1]))
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(argv); i++ {
				if argv[i], err = systemdExecTimeDollars(argv[i]); err != nil {
					t.Fatalf("argument %d: %v", i, err)
				}
			}
			if want := s.ExecStart(); !slices.Equal(argv, want) {
				t.Errorf("systemd runs\n  %q\nwant\n  %q\ndrop-in:\n%s", argv, want, r.SystemdDropin)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// parseSystemdCommandLine splits the "Command Line:" systemd prints: words
// separated by spaces, each either plain or in double quotes with "\", '"',
// "$" and "`" escaped by a backslash, and other bytes as \xNN.
func parseSystemdCommandLine(line string) ([]string, error) {
	var argv []string
	for i := 0; i < len(line); {
		if line[i] == ' ' {
			i++
			continue
		}
		var w strings.Builder
		if line[i] != '"' {
			for i < len(line) && line[i] != ' ' {
				w.WriteByte(line[i])
				i++
			}
			argv = append(argv, w.String())
			continue
		}
		for i++; ; i++ {
			if i >= len(line) {
				return nil, fmt.Errorf("unterminated quotes in %q", line)
			}
			c := line[i]
			if c == '"' {
				i++
				break
			}
			if c == '\\' && i+1 < len(line) {
				i++
				if line[i] == 'x' && i+2 < len(line) {
					var b byte
					if _, err := fmt.Sscanf(line[i+1:i+3], "%02x", &b); err != nil {
						return nil, fmt.Errorf("bad escape in %q", line)
					}
					w.WriteByte(b)
					i += 2
					continue
				}
				c = line[i]
			}
			w.WriteByte(c)
		}
		argv = append(argv, w.String())
	}
	return argv, nil
}

// systemdExecTimeDollars applies what systemd does to an argument when it
// starts the command (systemd.service(5), "Command lines"): "$$" becomes "$",
// and $NAME or ${NAME} is replaced by a variable. The render must never
// leave a variable to expand, so one is an error here.
func systemdExecTimeDollars(a string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(a); i++ {
		if a[i] != '$' {
			b.WriteByte(a[i])
			continue
		}
		if i+1 < len(a) && a[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		return "", fmt.Errorf("%q has a $ that systemd would treat as a variable", a)
	}
	return b.String(), nil
}

// ---- Windows cmd, under Wine ----

// wineEnv is one Wine prefix for the whole test binary: creating it takes
// about ten seconds.
type wineEnv struct {
	once    sync.Once
	wine    string
	prefix  string
	initErr error
}

var wine wineEnv

func (w *wineEnv) start(t *testing.T) {
	t.Helper()
	path := requireProgram(t, "wine64", "it runs runDockerDaemon.cmd under a real cmd (Debian package wine64)", "/usr/lib/wine/wine64")
	w.once.Do(func() {
		w.wine = path
		if w.prefix, w.initErr = os.MkdirTemp("", "daemonconfig-wine-"); w.initErr != nil {
			return
		}
		var out []byte
		out, w.initErr = w.command(t.TempDir(), nil, "cmd", "/c", "exit").CombinedOutput()
		if w.initErr != nil {
			w.initErr = fmt.Errorf("creating the Wine prefix: %v\n%s", w.initErr, out)
		}
	})
	if w.initErr != nil {
		t.Fatal(w.initErr)
	}
}

func (w *wineEnv) command(dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(w.wine, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WINEPREFIX="+w.prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=")
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// driveC maps a C:\ path to the prefix's file system.
func (w *wineEnv) driveC(t *testing.T, winPath string) string {
	t.Helper()
	if !strings.HasPrefix(strings.ToUpper(winPath), `C:\`) {
		t.Fatalf("%q is not on C:", winPath)
	}
	return filepath.Join(w.prefix, "drive_c", filepath.FromSlash(strings.ReplaceAll(winPath[3:], `\`, "/")))
}

// stop ends the wineserver of this prefix (started by these tests) and
// removes the prefix.
func (w *wineEnv) stop() {
	if w.prefix == "" {
		return
	}
	server := filepath.Join(filepath.Dir(w.wine), "wineserver")
	if p, err := exec.LookPath("wineserver"); err == nil {
		server = p
	}
	kill := exec.Command(server, "-k")
	kill.Env = append(os.Environ(), "WINEPREFIX="+w.prefix)
	_ = kill.Run()
	_ = os.RemoveAll(w.prefix)
}

// TestWineCmdRunsScript runs runDockerDaemon.cmd under Wine's cmd, with
// paths full of what cmd treats specially, in both branches: without
// server-cert.pem it must write the pipe-only config and start dockerd with
// it; with the certificate, start dockerd with config_file. The stand-in
// dockerd records the argv it got (Wine splits the command line as Windows
// programs do). Wine neither waits for a Linux program nor returns its exit
// status, so the script's `exit /b %ERRORLEVEL%` is not proven here.
//
// Wine's cmd is not cmd.exe. Where they are known to differ (Wine loses
// "%%" inside `set "NAME=..."` values, and re-expands %VAR% in the
// arguments of a called batch file), the script uses neither construct, and
// the stand-in is not a batch file.
func TestWineCmdRunsScript(t *testing.T) {
	t.Parallel()
	wine.start(t)
	cases := []struct{ name, certDir, configFile, dockerd string }{
		{"defaults with dockerd on PATH", `C:\ProgramData\docker\certs.d`, `C:\ProgramData\docker\config\daemon.json`, "dockerd"},
		{"spaces and parentheses", `C:\Program Files (x86)\certs (1)`, `C:\my config (x86)\daemon (1).json`, `C:\Docker (x86)\bin dir\dockerd.exe`},
		{"ampersands, carets and redirections", `C:\R&D ^ops\certs`, `C:\a&b ^& c\1^&2 x.json`, `C:\x & y ^^\dockerd.exe`},
		{"percent signs", `C:\100% sure\certs%`, `C:\%PATH%\%%x%% %1 %~dp0.json`, `C:\%ProgramFiles%\%0%\dockerd.exe`},
		{"exclamation marks", `C:\!PATH!\certs`, `C:\hi!\!x! ^!.json`, `C:\bang!\dockerd!.exe`},
		{"everything at once", `C:\a&b (c) %d% !e! ^f; g=h, i\`, `C:\x;y=z,w (1) & %a !b ^c\daemon.json`, `C:\p q\r&s (t)\%u% !v! ^w.exe`},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Each case in its own C:\ folder, so no case sees another's files.
			root := fmt.Sprintf(`C:\case%d\`, i)
			s := defaults(Windows)
			s.CertDir, s.ConfigFile = root+tc.certDir[3:], root+tc.configFile[3:]
			s.DockerdPath = tc.dockerd
			var env []string
			if tc.dockerd == "dockerd" {
				installStandIn(t, wine.driveC(t, root+`bin\dockerd.exe`))
				env = append(env, "WINEPATH="+root+"bin")
			} else {
				s.DockerdPath = root + tc.dockerd[3:]
				installStandIn(t, wine.driveC(t, s.DockerdPath))
			}
			s.ExtraSettingsJSON = `{"group": "docker"}`
			r := mustRender(t, s)
			script := root + "runDockerDaemon.cmd"
			writeFile(t, wine.driveC(t, script), r.RunDockerDaemonCmd)
			for _, dir := range []string{s.CertDir, s.ConfigFile[:strings.LastIndex(s.ConfigFile, `\`)]} {
				if err := os.MkdirAll(wine.driveC(t, dir), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			standIn := s.DockerdPath
			if tc.dockerd == "dockerd" {
				standIn = root + `bin\dockerd.exe`
			}

			run := func(t *testing.T) record {
				t.Helper()
				rec := filepath.Join(t.TempDir(), "record.json")
				workDir := t.TempDir()
				if tc.dockerd == "dockerd" {
					// A dockerd planted in the caller's working directory,
					// which cmd would run before the one on PATH: the script
					// must start from config_file's directory instead.
					installStandIn(t, filepath.Join(workDir, "dockerd.exe"))
				}
				cmd := wine.command(workDir, append(env, recordEnv+"="+rec), "cmd", "/c", script)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("the script failed: %v\n%s\nscript:\n%s", err, out, r.RunDockerDaemonCmd)
				}
				return readRecord(t, rec)
			}
			check := func(t *testing.T, got record, config string) {
				t.Helper()
				if want := []string{s.DockerdPath, "--config-file", config}; !slices.Equal(got.Args, want) {
					t.Errorf("dockerd got\n  %q\nwant\n  %q\nscript:\n%s", got.Args, want, r.RunDockerDaemonCmd)
				}
				if want := wine.driveC(t, standIn); got.Executable != want {
					t.Errorf("ran %s, want %s", got.Executable, want)
				}
			}

			t.Run("without the certificate", func(t *testing.T) {
				check(t, run(t), s.PipeOnlyConfigPath())
				b, err := os.ReadFile(wine.driveC(t, s.PipeOnlyConfigPath()))
				if err != nil {
					t.Fatalf("the pipe-only config was not written: %v", err)
				}
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatalf("the pipe-only config %q is not JSON: %v", b, err)
				}
				if want := map[string]any{"group": "docker", "hosts": []any{"npipe://"}}; fmt.Sprint(m) != fmt.Sprint(want) {
					t.Errorf("pipe-only config %v, want %v", m, want)
				}
			})
			t.Run("with the certificate", func(t *testing.T) {
				_, cert, _ := s.TLSPaths()
				writeFile(t, wine.driveC(t, cert), "stand-in certificate")
				check(t, run(t), s.ConfigFile)
			})
		})
	}
}

// TestWineCmdRunsNoCommandFromLongExtras: cmd runs the part of a batch line
// beyond its 8191 characters as a command of its own. Extra settings of any
// length must not reach the script's one echoed line whole: here a label
// padded past the limit would make the script run `mkdir PWNED`.
func TestWineCmdRunsNoCommandFromLongExtras(t *testing.T) {
	t.Parallel()
	wine.start(t)
	root := `C:\longextras\`
	s := defaults(Windows)
	s.CertDir, s.ConfigFile, s.DockerdPath = root+`certs`, root+`config\daemon.json`, root+`bin\dockerd.exe`
	s.ExtraSettingsJSON = `{"labels": ["` + strings.Repeat(" ", 8150) + `mkdir PWNED x"]}`
	r := mustRender(t, s)
	installStandIn(t, wine.driveC(t, s.DockerdPath))
	script := root + "runDockerDaemon.cmd"
	writeFile(t, wine.driveC(t, script), r.RunDockerDaemonCmd)
	if err := os.MkdirAll(wine.driveC(t, root+"config"), 0o755); err != nil {
		t.Fatal(err)
	}
	cwd := t.TempDir()
	rec := filepath.Join(t.TempDir(), "record.json")
	out, _ := wine.command(cwd, []string{recordEnv + "=" + rec}, "cmd", "/c", script).CombinedOutput()
	readRecord(t, rec)
	if _, err := os.Stat(filepath.Join(cwd, "PWNED")); err == nil {
		t.Errorf("the script ran a command taken from extra_settings_json:\n%s", lastLines(out, 5))
	}
	b, err := os.ReadFile(wine.driveC(t, s.PipeOnlyConfigPath()))
	if err != nil {
		t.Fatalf("the pipe-only config was not written: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Errorf("the pipe-only config is not JSON (%v): %.80q...", err, b)
	}
}

// TestWineCmdReadsWindowsPathComponents proves, with Wine's cmd, the
// reasons PathProblem gives for the Windows path components it refuses: a
// device name, in any case and with any extension, is a device in every
// directory, so cmd's `if exist` finds it in an empty directory and what is
// written to it leaves no file; trailing dots and spaces are dropped, so
// the file written has another name. Names that only look like these
// (COM0, LPT10, console.json, nullable) are ordinary files, and PathProblem
// accepts them.
func TestWineCmdReadsWindowsPathComponents(t *testing.T) {
	t.Parallel()
	wine.start(t)
	cases := []struct {
		name   string
		device bool
		// becomes is the name of the file cmd writes, when not a device.
		becomes string
	}{
		{name: "NUL", device: true}, {name: "nul.json", device: true}, {name: "Con", device: true}, {name: "aux.txt", device: true},
		{name: "PRN", device: true}, {name: "COM1", device: true}, {name: "com9.log", device: true}, {name: "LPT1", device: true},
		{name: "lpt9.pem", device: true}, {name: "nul .json", device: true}, {name: "nul.tar.gz", device: true},
		{name: "CONIN$", device: true}, {name: "conout$.txt", device: true},
		{name: "certs.", becomes: "certs"}, {name: "daemon.json ", becomes: "daemon.json"}, {name: "a. . ", becomes: "a"},
		{name: "COM0", becomes: "COM0"}, {name: "LPT10", becomes: "LPT10"}, {name: "console.json", becomes: "console.json"},
		{name: "nullable", becomes: "nullable"},
	}
	var script strings.Builder
	script.WriteString("@echo off\r\n")
	dirs := make([]string, len(cases))
	for i, tc := range cases {
		dirs[i] = fmt.Sprintf(`C:\components\d%02d`, i)
		if err := os.MkdirAll(wine.driveC(t, dirs[i]), 0o755); err != nil {
			t.Fatal(err)
		}
		p := dirs[i] + `\` + tc.name
		fmt.Fprintf(&script, "if exist \"%s\" (echo %02d exists) else (echo %02d absent)\r\n> \"%s\" echo written\r\n", p, i, i, p)
	}
	writeFile(t, wine.driveC(t, `C:\components\probe.cmd`), script.String())
	out, err := wine.command(t.TempDir(), nil, "cmd", "/c", `C:\components\probe.cmd`).CombinedOutput()
	if err != nil {
		t.Fatalf("the probe failed: %v\n%s", err, out)
	}
	existed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^(\d\d) (exists|absent)\r?$`).FindAllStringSubmatch(string(out), -1) {
		existed[m[1]] = m[2] == "exists"
	}
	for i, tc := range cases {
		p := dirs[i] + `\` + tc.name
		entries, err := os.ReadDir(wine.driveC(t, dirs[i]))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		seen, ok := existed[fmt.Sprintf("%02d", i)]
		if !ok {
			t.Fatalf("no answer from the probe for %q:\n%s", p, out)
		}
		problem := PathProblem(Windows, File, p)
		switch {
		case tc.device:
			if !seen || len(names) != 0 {
				t.Errorf("%q: cmd's if exist said %v and the directory holds %q; want a device: present, and no file", p, seen, names)
			}
			if !strings.Contains(problem, "which Windows reads as a device in every directory") {
				t.Errorf("%q: PathProblem = %q, want it refused as a device", p, problem)
			}
		case tc.becomes != tc.name:
			if seen || !slices.Equal(names, []string{tc.becomes}) {
				t.Errorf("%q: cmd's if exist said %v and wrote %q; want %q", p, seen, names, tc.becomes)
			}
			if want := fmt.Sprintf("so the path names %q", dirs[i]+`\`+tc.becomes); !strings.Contains(problem, want) {
				t.Errorf("%q: PathProblem = %q, want it to say %s", p, problem, want)
			}
		default:
			if seen || !slices.Equal(names, []string{tc.name}) {
				t.Errorf("%q: cmd's if exist said %v and wrote %q; want an ordinary file", p, seen, names)
			}
			if problem != "" {
				t.Errorf("%q: PathProblem = %q, want it accepted", p, problem)
			}
		}
	}
}
