package clientconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// TestDockerCLICreatesContextFromCommand runs each awkward path's
// docker_context_command through the real sh and the real docker CLI, in a
// configuration directory of its own, and requires the context to hold
// exactly the intended host and the files' contents: a path the CLI read
// wrongly would name a file that does not exist, or another one.
func TestDockerCLICreatesContextFromCommand(t *testing.T) {
	t.Parallel()
	docker := acctest.RequireTool(t, "docker", "the context command is run by the real docker CLI")
	sh := acctest.RequireTool(t, "sh", "the context command is a POSIX sh command line")
	pems := newTestPKI(t, time.Now())
	base := t.TempDir()
	for i, d := range awkwardDirs {
		t.Run(fmt.Sprintf("%02d", i), func(t *testing.T) {
			t.Parallel()
			s := pems.settings()
			s.CertPath = filepath.Join(base, d)
			s.ContextName = fmt.Sprintf("awkward-%02d", i)
			r, problems := Render(s)
			if r == nil {
				t.Fatalf("%q refused: %v", s.CertPath, problems)
			}
			if err := os.MkdirAll(r.CertDir, 0o700); err != nil {
				t.Fatal(err)
			}
			for p, content := range r.Files {
				if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			configDir := t.TempDir()
			env := []string{"DOCKER_CONFIG=" + configDir, "HOME=" + configDir, "PATH=" + os.Getenv("PATH")}
			if out, err := run(env, sh, "-c", r.ContextCommand); err != nil {
				t.Fatalf("sh -c %q: %v: %s", r.ContextCommand, err, out)
			}
			out, err := run(env, docker, "context", "inspect", s.ContextName)
			if err != nil {
				t.Fatalf("docker context inspect: %v: %s", err, out)
			}
			var inspected []struct {
				Endpoints struct {
					Docker struct {
						Host          string
						SkipTLSVerify bool
					} `json:"docker"`
				}
				TLSMaterial map[string][]string
				Storage     struct{ TLSPath string }
			}
			if err := json.Unmarshal([]byte(out), &inspected); err != nil || len(inspected) != 1 {
				t.Fatalf("docker context inspect: %v: %s", err, out)
			}
			c := inspected[0]
			if c.Endpoints.Docker.Host != s.Host || c.Endpoints.Docker.SkipTLSVerify {
				t.Errorf("the context's endpoint is %+v, want host %q with TLS verification", c.Endpoints.Docker, s.Host)
			}
			if got := c.TLSMaterial["docker"]; !slices.Equal(got, []string{CAFile, CertFile, KeyFile}) {
				t.Errorf("the context's TLS material is %q", got)
			}
			for name, want := range map[string]string{CAFile: s.CACertPEM, CertFile: s.ClientCertPEM, KeyFile: s.ClientKeyPEM} {
				got, err := os.ReadFile(filepath.Join(c.Storage.TLSPath, "docker", name))
				if err != nil || string(got) != want {
					t.Errorf("the context's %s is not the file written at %q (%v)", name, filepath.Join(r.CertDir, name), err)
				}
			}
		})
	}
}

func run(env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
