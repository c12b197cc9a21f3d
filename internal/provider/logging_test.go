package provider

import (
	"fmt"
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

// TestTraceLogsHoldNoBulkKeys: the bulk resources hold every entry's key in
// private_keys, and an update carries the keys it keeps in the plan and the
// prior state. Creating entries, adding one (the others' keys kept) and
// renewing two (the third's kept), with the CA key given write-only, puts
// none of those keys, nor the CA's, in the TRACE log; the bulk path's own
// line for each resource, and for the added entry alone, is there.
func TestTraceLogsHoldNoBulkKeys(t *testing.T) {
	env := newTestEnv(t)
	ca := testCA(t, env.clock.Now(), 10000*time.Hour)
	logs := logAtTrace(t)
	keys := map[string]string{"the CA key": ca.PrivateKeyPEM}
	servers := &bulkHistory{address: serverCerts}
	clients := &bulkHistory{address: clientCerts}
	gather := stateCheckFunc(func(s *tfjson.State) error {
		for _, address := range []string{serverCerts, clientCerts} {
			entries, err := readBulk(s, address)
			if err != nil {
				return err
			}
			for name, e := range entries {
				keys[fmt.Sprintf("%s.private_keys[%q] (serial %s)", address, name, e.cert.SerialNumber)] = e.keyPEM
			}
		}
		return nil
	})
	step := func(hosts, clientsHCL string, want []string, changed ...string) resource.TestStep {
		return resource.TestStep{
			Config: bulkConfig(hosts, clientsHCL, shortLived), ConfigVariables: caVars(ca),
			ConfigStateChecks: []statecheck.StateCheck{servers.step(want, changed...), clients.step(want, changed...), gather},
		}
	}
	hostsABC := strings.Replace(hostsAB, "\n  }", "\n    c = { dns_names = [\"c.example\"] }\n  }", 1)
	first, added, renewed := step(hostsAB, `{ a = {}, b = {} }`, []string{"a", "b"}),
		step(hostsABC, `{ a = {}, b = {}, c = {} }`, []string{"a", "b", "c"}),
		step(hostsABC, `{ a = {}, b = {}, c = {} }`, []string{"a", "b", "c"}, "a", "b")
	added.PreConfig = func() { env.clock.Advance(24 * time.Hour) }
	added.ConfigPlanChecks = updatedInPlace(serverCerts, clientCerts)
	// a and b are due 36 hours after they were issued, c is not.
	renewed.PreConfig = func() { env.clock.Advance(12 * time.Hour) }
	renewed.ConfigPlanChecks = updatedInPlace(serverCerts, clientCerts)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps:                    []resource.TestStep{first, added, renewed},
	})
	// a and b of each resource, then c, then a and b again: 10 keys, and the CA's.
	logs.holdNoKeys(t, keys, 11,
		`issued certificates: .*resource=_server_certs`, `issued certificates: .*resource=_client_certs`, `issued certificates: .*entries=\["c"\]`)
}

// TestTraceLogsHoldNoEphemeralKeys: the ephemeral client certificate's key
// never reaches the state, so the test reads every key the resource returns
// from the protocol (recordingFactories). Minted at plan and at apply, from
// a CA key given write-only and through ca_private_key_pem, none of those
// keys, nor the CA's, is in the TRACE log; the resource's own line is.
func TestTraceLogsHoldNoEphemeralKeys(t *testing.T) {
	env := newTestEnv(t)
	factories, minted := recordingFactories(t, env)
	ca := testCA(t, env.clock.Now(), 1000*time.Hour)
	logs := logAtTrace(t)
	cfg := caVariables + `
ephemeral "dockertls_client_cert" "write_only" {
  ca_cert_pem_wo        = var.ca_cert
  ca_private_key_pem_wo = var.ca_key
}

ephemeral "dockertls_client_cert" "stored_arguments" {
  ca_cert_pem        = var.ca_cert
  ca_private_key_pem = var.ca_key
  key_algorithm      = "RSA_2048"
}

# What uses the certificates, as a pipeline's docker provider would.
provider "echo" {
  data = [ephemeral.dockertls_client_cert.write_only, ephemeral.dockertls_client_cert.stored_arguments]
}

resource "dockertls_ca" "unrelated" {}
`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps:                    []resource.TestStep{{Config: cfg, ConfigVariables: caVars(ca)}},
	})
	keys := map[string]string{"the CA key": ca.PrivateKeyPEM}
	for i, m := range minted.all() {
		keys[fmt.Sprintf("the key of ephemeral certificate %d", i+1)] = m.keyPEM
	}
	// Each block at plan and again at apply: four keys at least, and the CA's.
	logs.holdNoKeys(t, keys, 5, `minted ephemeral certificate: .*tf_rpc=OpenEphemeralResource`)
}
