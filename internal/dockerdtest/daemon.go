package dockerdtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// Spec is one daemon to start.
type Spec struct {
	// TLSDir is a host directory with ca.pem, server-cert.pem and
	// server-key.pem, mounted read-only at CertDir.
	TLSDir, CertDir string
	// DaemonJSON is written to a host file mounted read-only at ConfigFile.
	DaemonJSON, ConfigFile string
	// Command is dockerd's command line, such as the systemd drop-in's
	// ExecStart. It must not pass -H: daemon.json holds the hosts.
	Command []string
	// Port is the TCP port dockerd listens on inside the container; it is
	// published on 127.0.0.1 only, on a random host port.
	Port int
}

// Daemon is a running dockerd in a container.
type Daemon struct {
	engine *Engine
	ID     string
	// Addr is 127.0.0.1:PORT, where the daemon's TCP port is published.
	Addr string
}

// Start runs a daemon and removes it, with its volume, when the test ends,
// pass or fail. It does not wait for the daemon to serve: see WaitForTLS.
func (e *Engine) Start(t testing.TB, spec Spec) *Daemon {
	t.Helper()
	configDir := t.TempDir()
	configPath := filepath.Join(configDir, "daemon.json")
	if err := os.WriteFile(configPath, []byte(spec.DaemonJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"run", "--detach", "--init",
		// The machine withholds CAP_SYS_RESOURCE, so --privileged fails;
		// this is everything dockerd needs short of it.
		"--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
		"--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
		"--security-opt", "systempaths=unconfined",
		"--label", "dockertls-test=" + t.Name(),
		"--volume", "/usr:/usr:ro",
		"--volume", spec.TLSDir + ":" + spec.CertDir + ":ro",
		"--volume", configPath + ":" + spec.ConfigFile + ":ro",
		"--volume", "/var/lib/docker",
		"--publish", fmt.Sprintf("127.0.0.1::%d", spec.Port),
		Image,
	}
	args = append(args, spec.Command...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := e.run(ctx, nil, args...)
	if err != nil {
		t.Fatalf("docker run: %v: %s", err, out)
	}
	d := &Daemon{engine: e, ID: strings.TrimSpace(out)}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs of daemon %.12s:\n%s", d.ID, d.Logs())
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, err := e.run(ctx, nil, "rm", "--force", "--volumes", d.ID); err != nil {
			t.Errorf("removing daemon %.12s: %v: %s", d.ID, err, out)
		}
	})
	port, err := e.run(ctx, nil, "port", d.ID, fmt.Sprintf("%d/tcp", spec.Port))
	if err != nil {
		t.Fatalf("docker port: %v: %s", err, port)
	}
	d.Addr = strings.TrimSpace(strings.Split(strings.TrimSpace(port), "\n")[0])
	if host, _, err := net.SplitHostPort(d.Addr); err != nil || host != "127.0.0.1" {
		t.Fatalf("the daemon's port is published at %q, not on 127.0.0.1", d.Addr)
	}
	return d
}

// Logs returns what dockerd printed.
func (d *Daemon) Logs() string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := d.engine.run(ctx, nil, "logs", d.ID)
	if err != nil {
		return fmt.Sprintf("(docker logs: %v) %s", err, out)
	}
	return out
}

// running reports whether the container is still up.
func (d *Daemon) running(ctx context.Context) bool {
	out, err := d.engine.run(ctx, nil, "inspect", "--format", "{{.State.Running}}", d.ID)
	return err == nil && strings.TrimSpace(out) == "true"
}

// WaitForTLS waits until a mutual-TLS GET /_ping with the given client
// files succeeds, the daemon exits, or ctx ends.
func (d *Daemon) WaitForTLS(ctx context.Context, client acctest.TLSFiles) error {
	var last error
	for {
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		last = acctest.Ping(attempt, d.Addr, "", client)
		cancel()
		if last == nil {
			return nil
		}
		if !d.running(ctx) {
			return fmt.Errorf("dockerd exited:\n%s", d.Logs())
		}
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("dockerd did not serve TLS in time"), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
