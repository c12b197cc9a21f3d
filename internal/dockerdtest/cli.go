package dockerdtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// DockerCLI runs the real docker CLI against a daemon over mutual TLS, as a
// user would with --tlsverify. It ignores the caller's docker settings
// (contexts, DOCKER_* variables), so only the given files count.
func DockerCLI(ctx context.Context, addr string, files acctest.TLSFiles, args ...string) (string, error) {
	docker, err := exec.LookPath("docker")
	if err != nil {
		return "", err
	}
	configDir, err := os.MkdirTemp("", "dockertls-cli-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(configDir)
	full := []string{"--host", "tcp://" + addr, "--tlsverify", "--tlscacert", files.CA}
	if files.Cert != "" {
		full = append(full, "--tlscert", files.Cert, "--tlskey", files.Key)
	}
	cmd := exec.CommandContext(ctx, docker, append(full, args...)...)
	cmd.Env = []string{"DOCKER_CONFIG=" + configDir, "HOME=" + configDir, "PATH=" + os.Getenv("PATH")}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return strings.TrimSpace(out.String()), err
}
