package provider

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// TestTraceLogsHoldNoKeyMaterial runs the PKI with every log at TRACE and
// then searches the log for the private keys' bodies. It first proves that
// the provider's own log lines reached the file, so it cannot pass by
// logging nothing. (Not parallel: it sets process environment.)
func TestTraceLogsHoldNoKeyMaterial(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH_MASK", filepath.Join(dir, "%s.log"))

	var keys []string
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config: pkiConfig("ECDSA_P256"),
			ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
				for _, addr := range []string{"dockertls_ca.test", "dockertls_server_cert.test", "dockertls_client_cert.test"} {
					a, err := stringAttrs(s, addr, "private_key_pem")
					if err != nil {
						return err
					}
					keys = append(keys, a["private_key_pem"])
				}
				return nil
			})},
		}},
	})

	text := readLogs(t, dir)
	if !strings.Contains(text, "issued certificate") {
		t.Fatalf("the provider's log lines are not in the log (%d bytes): the check below would prove nothing", len(text))
	}
	if len(keys) != 3 {
		t.Fatalf("read %d keys from the state, want 3", len(keys))
	}
	for _, key := range keys {
		for _, line := range strings.Split(key, "\n") {
			if len(line) >= 16 && !strings.HasPrefix(line, "-----") && strings.Contains(text, line) {
				t.Fatalf("a private key line appears in the TRACE log")
			}
		}
	}
	if strings.Contains(text, "BEGIN PRIVATE KEY") {
		t.Fatal("a PEM private key header appears in the TRACE log")
	}
}

// TestTraceLogsHoldNoWriteOnlyCAKey: the write-only CA key travels in the
// configuration on every plan and apply; it must not reach the log either.
// (Not parallel: it sets process environment.)
func TestTraceLogsHoldNoWriteOnlyCAKey(t *testing.T) {
	env := newTestEnv(t)
	ca := testCA(t, env.clock.Now(), 1000*time.Hour)
	dir := t.TempDir()
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH_MASK", filepath.Join(dir, "%s.log"))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps:                    []resource.TestStep{{Config: writeOnlyConfig, ConfigVariables: caVars(ca)}},
	})
	text := readLogs(t, dir)
	if !strings.Contains(text, "issued certificate") {
		t.Fatalf("the provider's log lines are not in the log (%d bytes): the check below would prove nothing", len(text))
	}
	if f, found := holdsKey(text, keyFragments(t, ca.PrivateKeyPEM)); found {
		t.Fatalf("the CA key appears in the TRACE log (a fragment of %d characters)", len(f))
	}
}

// readLogs is every log file the test's TF_LOG_PATH_MASK wrote in dir,
// joined; it fails the test when there is none.
func readLogs(t *testing.T, dir string) string {
	t.Helper()
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no log file was written (%v)", err)
	}
	var all strings.Builder
	for _, l := range logs {
		all.WriteString(readFileString(t, l))
	}
	return all.String()
}
