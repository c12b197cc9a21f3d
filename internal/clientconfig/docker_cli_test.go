package clientconfig

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
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

// TestDockerCLITrustsBundle: halfway through a CA rotation the daemon
// already serves a certificate from the next CA while the client still
// holds one from the current CA. The real docker CLI, given the rendered
// files and environment with a ca.pem that bundles both CAs, reaches the
// daemon, directly and through the context the command creates; with the
// current CA alone as ca.pem it refuses the daemon, so the bundle is what
// lets it through.
func TestDockerCLITrustsBundle(t *testing.T) {
	t.Parallel()
	docker := acctest.RequireTool(t, "docker", "the rendered bundle is read by the real docker CLI")
	sh := acctest.RequireTool(t, "sh", "the context command is a POSIX sh command line")
	now := time.Now()
	p := newTestPKI(t, now)
	next := issue(t, pki.Request{Profile: pki.ProfileCA, CommonName: "Next CA"}, nil, now)
	served := issue(t, pki.Request{Profile: pki.ProfileServer, CommonName: "daemon", IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}, next, now)
	// The daemon trusts both CAs too, as dockerd with the bundle as tlscacert.
	d := acctest.StartFakeDaemonTrusting(t, tls.Certificate{Certificate: [][]byte{served.Cert.Raw}, PrivateKey: served.Key, Leaf: served.Cert},
		[]*x509.Certificate{p.ca.Cert, next.Cert}, 0)

	render := func(caPEM, dir string) *Rendered {
		t.Helper()
		s := p.settings()
		s.Host, s.CACertPEM, s.CertPath, s.ContextName = "tcp://"+d.Addr, caPEM, dir, "rotation"
		r, problems := Render(s)
		if r == nil || HasErrors(problems) {
			t.Fatalf("Render: %v", problems)
		}
		if err := os.MkdirAll(r.CertDir, 0o700); err != nil {
			t.Fatal(err)
		}
		for path, content := range r.Files {
			mode := os.FileMode(CertMode)
			if path == r.KeyFile {
				mode = KeyMode
			}
			if err := os.WriteFile(path, []byte(content), mode); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	version := func(r *Rendered, extra ...string) (string, error) {
		env := []string{"HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
		for k, v := range r.Env {
			env = append(env, k+"="+v)
		}
		return run(append(env, extra...), docker, "version", "--format", "{{.Server.Version}}")
	}

	bundled := render(p.ca.CertPEM+next.CertPEM, filepath.Join(t.TempDir(), "bundle"))
	if out, err := version(bundled); err != nil || strings.TrimSpace(out) != acctest.FakeDaemonVersion {
		t.Fatalf("docker version with the bundle as ca.pem: %v: %s", err, out)
	}
	configDir := t.TempDir()
	contextEnv := []string{"HOME=" + configDir, "DOCKER_CONFIG=" + configDir, "PATH=" + os.Getenv("PATH")}
	if out, err := run(contextEnv, sh, "-c", bundled.ContextCommand); err != nil {
		t.Fatalf("sh -c %q: %v: %s", bundled.ContextCommand, err, out)
	}
	if out, err := run(contextEnv, docker, "--context", "rotation", "version", "--format", "{{.Server.Version}}"); err != nil ||
		strings.TrimSpace(out) != acctest.FakeDaemonVersion {
		t.Fatalf("docker --context rotation version: %v: %s", err, out)
	}

	current := render(p.ca.CertPEM, filepath.Join(t.TempDir(), "current"))
	out, err := version(current)
	if err == nil || !strings.Contains(out, "certificate signed by unknown authority") {
		t.Fatalf("docker version with the current CA alone: %v: %s; want the daemon refused", err, out)
	}
}
