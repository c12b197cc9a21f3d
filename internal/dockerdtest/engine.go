// Package dockerdtest starts real dockerd daemons in containers for the
// acceptance tests, on whatever Docker engine the docker CLI reaches
// (DOCKER_HOST or the default socket). No registry is reachable, so it
// builds its own image: empty directories and symlinks, with the host's /usr
// mounted read-only to provide dockerd and its helpers. The provider never
// imports this package.
package dockerdtest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// Image is the tag of the locally built daemon image.
const Image = "dockertls-dockerd:test"

// Engine is the host Docker engine, driven through the docker CLI.
type Engine struct {
	docker string
	// Dockerd is the host's dockerd, which the containers run from /usr.
	Dockerd string
}

var (
	imageOnce sync.Once
	imageErr  error
)

// Require returns the host engine, failing the test in CI and skipping it
// elsewhere when there is none. `make test` installs and starts one.
func Require(t testing.TB) *Engine {
	t.Helper()
	docker := acctest.RequireTool(t, "docker", "the daemon tests run dockerd in containers")
	dockerd := acctest.RequireTool(t, "dockerd", "the containers run the host's dockerd from its /usr")
	if !strings.HasPrefix(dockerd, "/usr/") {
		t.Fatalf("dockerd is at %s; the containers see only the host's /usr", dockerd)
	}
	e := &Engine{docker: docker, Dockerd: dockerd}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := e.run(ctx, nil, "version", "--format", "{{.Server.Version}}"); err != nil {
		msg := fmt.Sprintf("no Docker engine answers the docker CLI (%v: %s); `make test` installs and starts one", err, strings.TrimSpace(out))
		if acctest.InCI() {
			t.Fatal(msg)
		}
		t.Skip("skipping: " + msg)
	}
	imageOnce.Do(func() { imageErr = e.buildImage() })
	if imageErr != nil {
		t.Fatalf("building %s: %v", Image, imageErr)
	}
	return e
}

// run calls the docker CLI against the host engine.
func (e *Engine) run(ctx context.Context, stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, e.docker, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// buildImage imports an image made of a tar built here: the directories
// dockerd needs, symlinks into /usr as on Debian, and a real /sbin, because
// --init mounts docker-init there and /usr is read-only.
func (e *Engine) buildImage() error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := []struct {
		name string
		mode int64
	}{{"sbin", 0o755}, {"etc", 0o755}, {"etc/alternatives", 0o755}, {"etc/docker", 0o755}, {"var", 0o755},
		{"var/lib", 0o755}, {"var/lib/docker", 0o711}, {"run", 0o755}, {"tmp", 0o1777}, {"proc", 0o555},
		{"sys", 0o555}, {"dev", 0o755}, {"usr", 0o755}, {"root", 0o700}}
	for _, d := range dirs {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d.name + "/", Mode: d.mode}); err != nil {
			return err
		}
	}
	links := map[string]string{"bin": "usr/bin", "lib": "usr/lib", "lib64": "usr/lib64", "var/run": "../run"}
	// dockerd calls iptables through Debian's alternatives.
	for _, name := range []string{"iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore"} {
		if target, err := os.Readlink(filepath.Join("/etc/alternatives", name)); err == nil {
			links["etc/alternatives/"+name] = target
		}
	}
	for name, target := range links {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}); err != nil {
			return err
		}
	}
	// The image's account files: names for dockerd, no passwords ("x").
	files := map[string]string{"etc/passwd": "root:x:0:0:root:/root:/bin/sh\n", "etc/group": "root:x:0:\ndocker:x:999:\n"} //nolint:gosec // G101: no credential here
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(content))}); err != nil {
			return err
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := e.run(ctx, buf.Bytes(), "import", "-", Image); err != nil {
		return fmt.Errorf("docker import: %v: %s", err, out)
	}
	return nil
}
