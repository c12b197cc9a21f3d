package clientconfig

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/endpoint"
)

// shWords reads a command line as a POSIX sh does, for the subset of the
// language ShellQuote writes: blanks between words, single-quoted strings,
// backslash escapes outside quotes, and unquoted characters that are never
// special. Anything else (a $, a backquote, a ;, a glob, a double quote, a
// line break, ...) unquoted is an error: the model refuses what it does not
// fully understand, so a command it reads has exactly these words in any
// POSIX shell. TestShellModelMatchesRealSh checks it against the real sh.
func shWords(line string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated single quote at byte %d", i)
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
			in = true
		case c == '\\':
			if i+1 >= len(line) || line[i+1] == '\n' {
				return nil, fmt.Errorf("backslash at the end or before a line break at byte %d", i)
			}
			cur.WriteByte(line[i+1])
			i++
			in = true
		case shellSafe.MatchString(string(c)):
			cur.WriteByte(c)
			in = true
		default:
			return nil, fmt.Errorf("unquoted %q at byte %d", c, i)
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// dockerFlagMap reads a --docker value as the docker CLI does: pflag
// v1.0.10's StringToString.Set, which reads a value with more than one "="
// as one CSV record and splits each field at its first "=".
func dockerFlagMap(val string) (map[string]string, error) {
	var fields []string
	switch strings.Count(val, "=") {
	case 0:
		return nil, fmt.Errorf("%s must be formatted as key=value", val)
	case 1:
		fields = []string{strings.Trim(val, `"`)}
	default:
		var err error
		if fields, err = csv.NewReader(strings.NewReader(val)).Read(); err != nil {
			return nil, err
		}
	}
	out := make(map[string]string, len(fields))
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("%s must be formatted as key=value", f)
		}
		out[k] = v
	}
	return out, nil
}

// checkContextCommand reads cmd back as sh and the docker CLI would and
// compares it with the intended values.
func checkContextCommand(cmd, name, host, ca, cert, key string) error {
	words, err := shWords(cmd)
	if err != nil {
		return fmt.Errorf("sh would not read %q as plain words: %w", cmd, err)
	}
	if len(words) != 6 || !slices.Equal(words[:3], []string{"docker", "context", "create"}) || words[3] != name || words[4] != "--docker" {
		return fmt.Errorf("sh reads %q as %q, want docker context create %q --docker VALUE", cmd, words, name)
	}
	got, err := dockerFlagMap(words[5])
	if err != nil {
		return fmt.Errorf("the docker CLI would refuse --docker %q: %w", words[5], err)
	}
	want := map[string]string{"host": host, "ca": ca, "cert": cert, "key": key}
	if !maps.Equal(got, want) {
		return fmt.Errorf("the docker CLI reads --docker %q as %q, want %q", words[5], got, want)
	}
	return nil
}

// awkwardDirs are directory names that break naive quoting, for the shell
// or for the CSV inside --docker.
var awkwardDirs = []string{
	"plain",
	"with space",
	"it's",
	`say "hi"`,
	"a,b",
	`x","key=/etc/shadow`,
	"$HOME",
	"${PATH}",
	"`id`",
	"$(id)",
	"x;touch pwned",
	"a&b|c>d<e",
	" leading",
	"trailing ",
	"#hash",
	"*?[a]",
	"~tilde",
	`back\slash`,
	"a=b",
	"a:~/b",
	"ünïcødé",
	`all ' " , $ ` + "`" + ` ; \ = * #`,
}

// checkExportCommand reads line back as sh would and requires exactly
// `export` and one NAME=VALUE word per variable, in order.
func checkExportCommand(line string, vars []EnvVar) error {
	words, err := shWords(line)
	if err != nil {
		return fmt.Errorf("sh would not read %q as plain words: %w", line, err)
	}
	want := []string{"export"}
	for _, v := range vars {
		want = append(want, v.Name+"="+v.Value)
	}
	if !slices.Equal(words, want) {
		return fmt.Errorf("sh reads %q as %q, want %q", line, words, want)
	}
	return nil
}

// FuzzShellLines: for any name, host and cert_path that Check accepts, sh
// reads the context command as exactly docker context create NAME --docker
// VALUE, the docker CLI reads VALUE as exactly host, ca, cert and key, and
// sh reads the export line as exactly the environment.
func FuzzShellLines(f *testing.F) {
	for _, d := range awkwardDirs {
		f.Add("prod", "tcp://docker.example.com:2376", "/home/me/"+d, "/home/me")
	}
	f.Add("a.b_c+d-e", "tcp://[2001:db8::1]:2376", "~/x,y", "/home/o'brien")
	f.Add("prod", "tcp://h:2376", "~", "/")
	f.Add("x", "tcp://h:1", "~/a\nb", "/h")
	f.Fuzz(func(t *testing.T, name, host, certPath, home string) {
		if _, err := endpoint.ParseHost(host); err != nil || ContextNameProblem(name) != "" {
			return
		}
		dir, err := ExpandCertPath(certPath, home)
		if err != nil {
			return
		}
		ca, cert, key := path.Join(dir, CAFile), path.Join(dir, CertFile), path.Join(dir, KeyFile)
		if err := checkContextCommand(ContextCommand(name, host, ca, cert, key), name, host, ca, cert, key); err != nil {
			t.Fatal(err)
		}
		env := ClientEnv(host, dir)
		if err := checkExportCommand(ExportCommand(env), env); err != nil {
			t.Fatal(err)
		}
	})
}

// TestShellModelMatchesRealSh runs the commands for the awkward paths
// through the real sh, with a shell function standing in for docker that
// prints its arguments, and requires the words the model reads.
func TestShellModelMatchesRealSh(t *testing.T) {
	t.Parallel()
	shells := []string{"sh"}
	if _, err := exec.LookPath("bash"); err == nil {
		shells = append(shells, "bash")
	}
	for _, shell := range shells {
		bin := acctest.RequireTool(t, shell, "the quoting is checked against a real POSIX shell")
		for _, d := range awkwardDirs {
			dir := "/home/me/" + d
			ca, cert, key := dir+"/ca.pem", dir+"/cert.pem", dir+"/key.pem"
			cmd := ContextCommand("prod", "tcp://docker.example.com:2376", ca, cert, key)
			model, err := shWords(cmd)
			if err != nil {
				t.Fatalf("model: %v", err)
			}
			if err := checkContextCommand(cmd, "prod", "tcp://docker.example.com:2376", ca, cert, key); err != nil {
				t.Error(err)
			}
			script := "docker() { printf '%s\\0' docker \"$@\"; }\n" + cmd + "\n"
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			var out, stderr bytes.Buffer
			c := exec.CommandContext(ctx, bin, "-c", script)
			c.Dir = t.TempDir()
			c.Stdout, c.Stderr = &out, &stderr
			err = c.Run()
			cancel()
			if err != nil {
				t.Fatalf("%s -c %q: %v: %s", shell, script, err, stderr.String())
			}
			real := strings.Split(strings.TrimSuffix(out.String(), "\x00"), "\x00")
			if !slices.Equal(real, model) {
				t.Errorf("%s reads %q as %q; the model reads %q", shell, cmd, real, model)
			}
		}
	}
}

// hostileCertPaths are cert_path values (and homes that ~ expands to) that a
// shell acts on when they reach it unquoted. Each payload, if run, creates a
// file named canary in the working directory; runsUnquoted marks those that
// do when NAME=VALUE is joined unquoted, as the documentation once advised.
var hostileCertPaths = []struct {
	certPath, home string
	runsUnquoted   bool
}{
	{"/home/me/x;touch canary", "", true},
	{"/home/me/$(touch canary)", "", true},
	{"/home/me/`touch canary`", "", true},
	{`/home/me/x"$(touch canary)"y`, "", true},
	{"/home/me/x'$(touch canary)'y", "", false},
	{"/home/me/a&touch canary", "", true},
	{"/home/me/a|touch canary", "", true},
	{"/home/me/a>canary", "", true},
	{"~/.docker", "/home/a;touch canary;", true},
	{"~/$(touch canary)", "/home/me", true},
	{"/home/me/it's", "", false},
	{`/home/me/say "hi"`, "", false},
	{"/home/me/with space", "", false},
	{"/home/me/*", "", false},
	{"/home/me/~", "", false},
	{"/home/me/a:~/b", "", false},
	{"/home/me/$HOME", "", false},
	{"/home/me/${PATH}", "", false},
	{"/home/me/#x", "", false},
	{`/home/me/back\slash`, "", false},
	{"/home/me/ünïcødé", "", false},
}

// TestExportCommandInRealShells: the export line, pasted into sh (dash) and
// bash or given to eval as `eval "$(terraform output -raw ...)"` does, runs
// no payload of a hostile cert_path and exports exactly the rendered
// environment, read back by env(1), a child process. The same values joined
// unquoted do run the payloads: the canary is live.
func TestExportCommandInRealShells(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t, time.Now())
	for _, shell := range []string{"sh", "bash"} {
		bin := acctest.RequireTool(t, shell, "the export line is proven with the real shells that run it")
		for _, tc := range hostileCertPaths {
			s := p.settings()
			s.CertPath = tc.certPath
			if tc.home != "" {
				s.Home = tc.home
			}
			r, problems := Render(s)
			if r == nil {
				t.Fatalf("cert_path %q with home %q refused: %v", tc.certPath, tc.home, problems)
			}
			ways := map[string]struct{ script, line string }{
				"pasted": {r.EnvCommand + "\nexec env -0\n", ""},
				"eval":   {"eval \"$LINE\"\nunset LINE\nexec env -0\n", r.EnvCommand},
			}
			for way, w := range ways {
				dir, out := runShell(t, bin, w.script, w.line)
				if names := dirNames(t, dir); len(names) > 0 {
					t.Errorf("%s, %s: the line for cert_path %q (home %q) created %q:\n%s", shell, way, tc.certPath, tc.home, names, r.EnvCommand)
				}
				got := map[string]string{}
				for _, kv := range strings.Split(strings.TrimSuffix(out, "\x00"), "\x00") {
					if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "DOCKER_") {
						got[k] = v
					}
				}
				if !maps.Equal(got, r.Env) {
					t.Errorf("%s, %s: the line\n%s\nexports %q, want %q", shell, way, r.EnvCommand, got, r.Env)
				}
			}
			var naive []string
			for _, k := range slices.Sorted(maps.Keys(r.Env)) {
				naive = append(naive, k+"="+r.Env[k])
			}
			dir, _ := runShell(t, bin, "export "+strings.Join(naive, " ")+"\n", "")
			if ran := slices.Contains(dirNames(t, dir), "canary"); ran != tc.runsUnquoted {
				t.Errorf("%s: unquoted, cert_path %q (home %q) ran its payload: %v, want %v", shell, tc.certPath, tc.home, ran, tc.runsUnquoted)
			}
		}
	}
}

// TestExportCommandRefusesLineBreaks: a value that cannot stay on one line
// never reaches the export line.
func TestExportCommandRefusesLineBreaks(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t, time.Now())
	for _, tc := range []struct{ certPath, home string }{{"/home/me/a\nb", ""}, {"/home/me/a\rb", ""}, {"~/x", "/home/a\nb"}} {
		s := p.settings()
		s.CertPath = tc.certPath
		if tc.home != "" {
			s.Home = tc.home
		}
		if r, _ := Render(s); r != nil {
			t.Errorf("cert_path %q (home %q) rendered %q", tc.certPath, tc.home, r.EnvCommand)
		}
	}
}

// runShell runs script with shell in an empty working directory, with PATH
// (and LINE, when given) as its only environment, and returns the
// directory and the standard output.
func runShell(t *testing.T, shell, script, line string) (dir, stdout string) {
	t.Helper()
	dir = t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out, stderr bytes.Buffer
	c := exec.CommandContext(ctx, shell, "-c", script)
	c.Dir = dir
	c.Env = []string{"PATH=" + os.Getenv("PATH")}
	if line != "" {
		c.Env = append(c.Env, "LINE="+line)
	}
	c.Stdout, c.Stderr = &out, &stderr
	// The naive line may fail (an unterminated quote): only what it did
	// counts, so the exit status is not.
	_ = c.Run()
	return dir, out.String()
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}

func TestShWordsRefusesWhatItDoesNotModel(t *testing.T) {
	t.Parallel()
	for _, line := range []string{"a;b", "$x", "`id`", `"q"`, "a\nb", "*", "'open", "a\\", "~", "a#b"} {
		if words, err := shWords(line); err == nil {
			t.Errorf("shWords(%q) = %q, want an error", line, words)
		}
	}
	words, err := shWords(`a 'b c'\''d' e\ f`)
	if err != nil || !slices.Equal(words, []string{"a", "b c'd", "e f"}) {
		t.Errorf("shWords = %q, %v", words, err)
	}
}

func TestDockerEndpointValueQuotesForCSV(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ dir, want string }{
		{"/d", "host=tcp://h:2376,ca=/d/ca.pem,cert=/d/cert.pem,key=/d/key.pem"},
		{"/a,b", `host=tcp://h:2376,"ca=/a,b/ca.pem","cert=/a,b/cert.pem","key=/a,b/key.pem"`},
		{`/say "hi"`, `host=tcp://h:2376,"ca=/say ""hi""/ca.pem","cert=/say ""hi""/cert.pem","key=/say ""hi""/key.pem"`},
	} {
		got := DockerEndpointValue("tcp://h:2376", tc.dir+"/ca.pem", tc.dir+"/cert.pem", tc.dir+"/key.pem")
		if got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.dir, got, tc.want)
		}
	}
}
