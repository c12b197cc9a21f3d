package provider

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// traceLogs is where a test's terraform and provider logs go: every log at
// TRACE, one file a process. Tests that use it cannot be parallel: it sets
// process environment.
type traceLogs struct{ dir string }

func logAtTrace(t *testing.T) traceLogs {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH_MASK", filepath.Join(dir, "%s.log"))
	return traceLogs{dir}
}

// pemKeyHeader is the first line of any PEM private key.
var pemKeyHeader = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----`)

// holdNoKeys reads the logs and searches them for each of keys (PEM private
// keys, each with what it is, for the messages), at least minKeys of them,
// in every form keyFragments knows, and for a PEM private key header. Each
// of own, a line the provider logs (a regular expression over one line),
// must be in them: a log without them would pass the search by logging
// nothing.
func (l traceLogs) holdNoKeys(t *testing.T, keys map[string]string, minKeys int, own ...string) {
	t.Helper()
	text := readLogs(t, l.dir)
	if len(keys) < minKeys {
		t.Errorf("the test gathered %d private keys, want at least %d", len(keys), minKeys)
	}
	for what, key := range keys {
		if f, found := holdsKey(text, keyFragments(t, key)); found {
			t.Errorf("%s appears in the TRACE log (a fragment of %d characters)", what, len(f))
		}
	}
	if h := pemKeyHeader.FindString(text); h != "" {
		t.Errorf("a PEM private key header appears in the TRACE log: %s", h)
	}
	for _, o := range own {
		if !regexp.MustCompile(o).MatchString(text) {
			t.Errorf("the provider's log line %q is not in the log (%d bytes): the search for keys proves nothing", o, len(text))
		}
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

// TestTraceLogsHoldNoKeyMaterial runs the PKI with every log at TRACE and
// then searches the log for the private keys of the CA and both leaves; the
// provider's own log line must be there, or the search proves nothing.
func TestTraceLogsHoldNoKeyMaterial(t *testing.T) {
	env := newTestEnv(t)
	logs := logAtTrace(t)
	keys := map[string]string{}
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
					keys[addr+".private_key_pem"] = a["private_key_pem"]
				}
				return nil
			})},
		}},
	})
	logs.holdNoKeys(t, keys, 3, "issued certificate")
}

// TestTraceLogsHoldNoWriteOnlyCAKey: the write-only CA key travels in the
// configuration on every plan and apply; it must not reach the log either.
func TestTraceLogsHoldNoWriteOnlyCAKey(t *testing.T) {
	env := newTestEnv(t)
	ca := testCA(t, env.clock.Now(), 1000*time.Hour)
	logs := logAtTrace(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps:                    []resource.TestStep{{Config: writeOnlyConfig, ConfigVariables: caVars(ca)}},
	})
	logs.holdNoKeys(t, map[string]string{"the CA key": ca.PrivateKeyPEM}, 1, "issued certificate")
}
