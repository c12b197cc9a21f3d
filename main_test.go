package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// The release build's limits (goreleaser builds with the same flags).
const maxBinaryBytes = 30 << 20

// forbiddenDeps are packages (matched by prefix) that must never be linked
// into the provider: a Docker engine client and test-only code.
var forbiddenDeps = []string{
	"github.com/docker/docker/",
	"github.com/docker/docker ",
	"github.com/docker/cli/",
	"github.com/moby/",
	"github.com/hashicorp/terraform-plugin-testing",
	"github.com/dockertls/terraform-provider-dockertls/internal/acctest",
	"github.com/dockertls/terraform-provider-dockertls/internal/dockerdtest",
}

var (
	releaseOnce sync.Once
	releasePath string
	releaseErr  error
)

// releaseBinary builds the provider as a release does (no cgo, -trimpath,
// symbols and DWARF stripped) once per test run.
func releaseBinary(t *testing.T) string {
	t.Helper()
	releaseOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dockertls-release")
		if err != nil {
			releaseErr = err
			return
		}
		releasePath = filepath.Join(dir, "terraform-provider-dockertls")
		if runtime.GOOS == "windows" {
			releasePath += ".exe"
		}
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", releasePath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			releaseErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if releaseErr != nil {
		t.Fatal(releaseErr)
	}
	return releasePath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if releasePath != "" {
		_ = os.RemoveAll(filepath.Dir(releasePath))
	}
	os.Exit(code)
}

// TestReleaseBinary keeps the provider small: under 30 MB as released, and
// with no Docker engine client or test library linked in.
func TestReleaseBinary(t *testing.T) {
	info, err := os.Stat(releaseBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("release binary: %.1f MB", float64(info.Size())/(1<<20))
	if info.Size() > maxBinaryBytes {
		t.Errorf("the release binary is %d bytes, over the %d-byte limit: see what grew with 'go version -m' and 'go list -deps .'", info.Size(), maxBinaryBytes)
	}

	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{with .Module}}{{.Path}}{{end}}", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 50 {
		t.Fatalf("go list -deps listed %d packages: the check below would prove nothing", len(lines))
	}
	for _, line := range lines {
		for _, bad := range forbiddenDeps {
			if strings.HasPrefix(line+" ", bad) {
				t.Errorf("the provider links %s: keep engine clients and test helpers out of the main package's imports", line)
			}
		}
	}
}

func TestQuietSDKLogs(t *testing.T) {
	off := map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "OFF", "TF_LOG_SDK_FRAMEWORK": "OFF"}
	for _, c := range []struct {
		name    string
		environ []string
		want    map[string]string
	}{
		{"nothing asked", []string{"HOME=/root", "TF_PLUGIN_MAGIC_COOKIE=x"}, off},
		{"empty values are unset", []string{"TF_LOG=", "TF_LOG_PROVIDER="}, off},
		{"TF_LOG", []string{"TF_LOG=TRACE"}, nil},
		{"TF_LOG=JSON", []string{"TF_LOG=JSON"}, nil},
		{"TF_LOG_PROVIDER", []string{"TF_LOG_PROVIDER=TRACE"}, nil},
		{"TF_LOG_CORE only", []string{"TF_LOG_CORE=TRACE"}, nil},
		{"TF_LOG_SDK", []string{"TF_LOG_SDK=DEBUG"}, nil},
		{"TF_LOG_SDK_PROTO", []string{"TF_LOG_SDK_PROTO=TRACE"}, nil},
		{"TF_LOG_SDK_PROTO=OFF", []string{"TF_LOG_SDK_PROTO=OFF"}, nil},
		{"TF_LOG_SDK_FRAMEWORK", []string{"TF_LOG_SDK_FRAMEWORK=TRACE"}, nil},
		{"TF_LOG_SDK_PROTO_DATA_DIR", []string{"TF_LOG_SDK_PROTO_DATA_DIR=/var/tmp/proto"}, nil},
		{"the provider's own logger", []string{"TF_LOG_PROVIDER_DOCKERTLS=DEBUG"}, nil},
		{"TF_LOG_PATH", []string{"TF_LOG_PATH=/var/tmp/tf.log"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := quietSDKLogs(c.environ); !maps.Equal(got, c.want) {
				t.Errorf("quietSDKLogs(%q) = %v, want %v", c.environ, got, c.want)
			}
		})
	}
}

// TestBinarySDKLogs runs the built provider as Terraform does (the plugin
// handshake, then a GetProviderSchema call over gRPC) and reads what it
// writes to stderr, which is where Terraform reads the provider's logs.
// With no TF_LOG* set, the SDK writes nothing; whoever asked for logs gets
// the SDK's lines as before.
func TestBinarySDKLogs(t *testing.T) {
	binary := releaseBinary(t)
	for _, c := range []struct {
		name string
		env  []string
		want []string // @module values that must appear; none at all when empty
	}{
		{"nothing asked", nil, nil},
		{"TF_LOG=TRACE", []string{"TF_LOG=TRACE"}, []string{"sdk.proto", "sdk.framework"}},
		{"TF_LOG_PROVIDER=TRACE", []string{"TF_LOG_PROVIDER=TRACE"}, []string{"sdk.proto", "sdk.framework"}},
		{"TF_LOG_SDK_PROTO=TRACE", []string{"TF_LOG_SDK_PROTO=TRACE"}, []string{"sdk.proto", "sdk.framework"}},
		// Explicitly off for the protocol only: the framework's lines stay.
		{"TF_LOG_SDK_PROTO=OFF", []string{"TF_LOG_SDK_PROTO=OFF"}, []string{"sdk.framework"}},
		{"TF_LOG_SDK_FRAMEWORK=TRACE", []string{"TF_LOG_SDK_FRAMEWORK=TRACE"}, []string{"sdk.proto", "sdk.framework"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			stderr := callProviderSchema(t, binary, c.env)
			modules := map[string]int{}
			for _, line := range strings.Split(stderr, "\n") {
				if _, rest, ok := strings.Cut(line, `"@module":"`); ok {
					module, _, _ := strings.Cut(rest, `"`)
					modules[module]++
				}
			}
			if len(c.want) == 0 {
				for module, n := range modules {
					if strings.HasPrefix(module, "sdk") {
						t.Errorf("with no TF_LOG* set the provider wrote %d %s log lines", n, module)
					}
				}
				return
			}
			for _, module := range c.want {
				if modules[module] == 0 {
					t.Errorf("no %s log lines in the provider's stderr (modules seen: %v)", module, modules)
				}
			}
		})
	}
}

// callProviderSchema starts binary with the plugin handshake's environment
// plus env (and no other TF_LOG* variable), calls GetProviderSchema, stops it
// and returns what it wrote to stderr.
func callProviderSchema(t *testing.T, binary string, env []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_LOG") && !strings.HasPrefix(kv, "PLUGIN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, handshakeEnv(t.TempDir())...)
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("no handshake line: %v; stderr:\n%s", err, stderr.String())
	}
	// core-version|app-version|network|address|protocol|certificate
	parts := strings.Split(strings.TrimSpace(line), "|")
	if len(parts) < 5 || parts[4] != "grpc" {
		t.Fatalf("unexpected handshake line %q", line)
	}
	target := parts[3]
	if parts[2] == "unix" {
		target = "unix:" + target
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()

	req := dynamicMessage(t, "tfplugin6.GetProviderSchema.Request")
	resp := dynamicMessage(t, "tfplugin6.GetProviderSchema.Response")
	if err := conn.Invoke(ctx, "/tfplugin6.Provider/GetProviderSchema", req, resp); err != nil {
		t.Fatalf("GetProviderSchema: %v; stderr:\n%s", err, stderr.String())
	}
	if n := resp.Get(resp.Descriptor().Fields().ByName("resource_schemas")).Map().Len(); n == 0 {
		t.Fatal("GetProviderSchema returned no resource schemas")
	}
	_ = conn.Close()
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return stderr.String()
}

// handshakeEnv is what go-plugin's client (Terraform) sets for a provider
// it starts, without the automatic mTLS.
func handshakeEnv(socketDir string) []string {
	return []string{
		"TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
		"PLUGIN_PROTOCOL_VERSIONS=6",
		"PLUGIN_MIN_PORT=10000",
		"PLUGIN_MAX_PORT=25000",
		"PLUGIN_UNIX_SOCKET_DIR=" + socketDir,
	}
}

func dynamicMessage(t *testing.T, name protoreflect.FullName) *dynamicpb.Message {
	t.Helper()
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return dynamicpb.NewMessage(d.(protoreflect.MessageDescriptor))
}

// TestTerraformTraceLogHasSDKLines runs terraform with the built provider
// (a dev override, as a provider developer does) and TF_LOG=TRACE, and finds
// the SDK's protocol and framework lines in TF_LOG_PATH.
func TestTerraformTraceLogHasSDKLines(t *testing.T) {
	tf := acctest.RequireTool(t, "terraform", "it runs the built provider")
	binary := releaseBinary(t)
	dir := t.TempDir()
	rc := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(rc, fmt.Appendf(nil, "provider_installation {\n  dev_overrides {\n    \"dockertls/dockertls\" = %q\n  }\n  direct {}\n}\n", filepath.Dir(binary)), 0o600); err != nil {
		t.Fatal(err)
	}
	config := "terraform {\n  required_providers {\n    dockertls = { source = \"dockertls/dockertls\" }\n  }\n}\n\nresource \"dockertls_ca\" \"test\" {\n  organization = \"Example Corp\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "trace.log")
	cmd := exec.Command(tf, "plan", "-input=false", "-no-color")
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_LOG=TRACE", "TF_LOG_PATH="+logPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("terraform plan: %v\n%s", err, out)
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, module := range []string{"@module=sdk.proto", "@module=sdk.framework"} {
		if !bytes.Contains(log, []byte(module)) {
			t.Errorf("no %s lines in terraform's TRACE log (%d bytes)", module, len(log))
		}
	}
}

func TestGCSettings(t *testing.T) {
	for _, c := range []struct {
		name    string
		environ []string
		percent int
		limit   int64
	}{
		{"nothing set", []string{"HOME=/root"}, providerGCPercent, providerMemoryLimit},
		{"empty values are unset", []string{"GOGC=", "GOMEMLIMIT="}, providerGCPercent, providerMemoryLimit},
		{"GOGC set", []string{"GOGC=100"}, 0, providerMemoryLimit},
		{"GOGC=off", []string{"GOGC=off"}, 0, providerMemoryLimit},
		{"GOMEMLIMIT set", []string{"GOMEMLIMIT=2GiB"}, providerGCPercent, 0},
		{"both set", []string{"GOMEMLIMIT=2GiB", "GOGC=50"}, 0, 0},
		{"a name that only starts alike", []string{"GOGCX=1"}, providerGCPercent, providerMemoryLimit},
	} {
		if percent, limit := gcSettings(c.environ); percent != c.percent || limit != c.limit {
			t.Errorf("%s: gcSettings(%q) = %d, %d; want %d, %d", c.name, c.environ, percent, limit, c.percent, c.limit)
		}
	}
}
