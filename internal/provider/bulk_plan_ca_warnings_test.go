package provider

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// TestBulkCerts_CAWarnings: the single resources' warnings about the CA,
// once per bulk resource rather than once per entry: new entries that would
// outlive their CA, the same entries (named) at every plan after they are
// issued, and, once the CA has expired, the expiry. plugin-testing cannot
// see warnings, so this drives terraform.
func TestBulkCerts_CAWarnings(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	w := caWorkdirWith(t, env, testCA(t, env.clock.Now(), 100*time.Hour))
	w.SetConfig(bulkConfig(`{
    b = { dns_names = ["b.example"] }
    a = { dns_names = ["a.example"] }
  }`, `{
    b = {}
    a = {}
  }`, "validity_period_hours = 200\nearly_renewal_hours = 12"))
	w.Init()
	planWarnsTwice(t, w, "new entries", "Certificate outlives its CA: The new certificate would be valid until")
	w.Apply()
	planWarnsTwice(t, w, "issued entries", `Certificates outlive their CA: The certificates of "a" and "b" are valid beyond the expiry of their CA certificate "Test CA"`)
	env.clock.Advance(101 * time.Hour)
	planWarnsTwice(t, w, "after the CA's expiry", `CA certificate has expired: The CA certificate "Test CA" expired at`)
}

// planWarnsTwice runs a plan in w, which must succeed, and checks that it
// warns once for each of the configuration's two resources, each warning
// containing want; phase says when, for the message.
func planWarnsTwice(t *testing.T, w *acctest.Workdir, phase, want string) {
	t.Helper()
	got := w.MustRun("plan", "-json").Warnings()
	if len(got) != 2 || !strings.Contains(got[0], want) || !strings.Contains(got[1], want) {
		t.Errorf("%s: the plan warns %q, want one warning containing %q for each resource", phase, got, want)
	}
}

// planWarnsOnce runs a plan in w, which must succeed, and checks that its
// one warning starts with want.
func planWarnsOnce(t *testing.T, w *acctest.Workdir, want string) {
	t.Helper()
	if got := w.MustRun("plan", "-json").Warnings(); len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Errorf("the plan warns %q, want one warning starting %q", got, want)
	}
}

// TestBulkCerts_NewCAWarns: giving a bulk resource another CA issues every
// entry again, and the plan says so, naming the entries and pointing to the
// rotation guide, as the plan that replaces a dockertls_ca does.
func TestBulkCerts_NewCAWarns(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	second := issueNamedCA(t, "Next CA", env.clock.Now(), 100000*time.Hour)
	w := caWorkdirWith(t, env, testCA(t, env.clock.Now(), 100000*time.Hour))
	w.SetConfig(bulkConfig(`{
    b = { dns_names = ["b.example"] }
    a = { dns_names = ["a.example"] }
  }`, `{ a = {} }`, ""))
	w.Init()
	w.Apply()
	if got := w.Run("plan", "-json").Warnings(); len(got) != 0 {
		t.Fatalf("with the same CA, the plan warns %q", got)
	}
	useCA(w, second)
	got := w.MustRun("plan", "-json").Warnings()
	slices.Sort(got)
	want := []string{`: "a" and "b". `, `: "a". `} // sorted
	if len(got) != 2 {
		t.Fatalf("the plan warns %q, want one warning per resource", got)
	}
	for i, w := range want {
		for _, part := range []string{"Another CA: issuing every certificate again: ", w, "Next CA", "Rotating the CA without locking anyone out"} {
			if !strings.Contains(got[i], part) {
				t.Errorf("warning %q lacks %q", got[i], part)
			}
		}
	}
}

// TestBulkCerts_DamagedStateEntriesWarn: an entry whose certificate or key
// is missing from the state (an edited or damaged state) is issued again,
// and the plan says so, naming it; the other entries keep theirs.
func TestBulkCerts_DamagedStateEntriesWarn(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	w := caWorkdir(t, env)
	w.SetConfig(bulkConfig(`{
    a = { dns_names = ["a.example"] }
    b = { dns_names = ["b.example"] }
    c = { dns_names = ["c.example"] }
  }`, `{ a = {} }`, ""))
	w.Init()
	w.Apply()
	before := w.ShowState()

	// Drop a's key and null c's certificate, as a hand edit would.
	editState(t, w, func(res map[string]any) {
		if res["type"] != "dockertls_server_certs" {
			return
		}
		attrs := res["instances"].([]any)[0].(map[string]any)["attributes"].(map[string]any)
		delete(attrs["private_keys"].(map[string]any), "a")
		attrs["certs"].(map[string]any)["c"] = nil
	})
	planWarnsOnce(t, w, `Certificates missing from the state: issuing them again: The state holds no certificate or no private key for "a" and "c"`)
	w.Apply()
	old, err := readBulk(before, serverCerts)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := readBulk(w.ShowState(), serverCerts)
	if err != nil {
		t.Fatal(err)
	}
	for name, kept := range map[string]bool{"a": false, "b": true, "c": false} {
		if same := cur[name].certPEM == old[name].certPEM; same != kept {
			t.Errorf("%q kept its certificate: %v, want %v", name, same, kept)
		}
	}
}

// editState rewrites the working directory's state file: edit is called on
// every resource, and the state's serial goes up, as `terraform state push`
// requires of a changed state.
func editState(t *testing.T, w *acctest.Workdir, edit func(resource map[string]any)) {
	t.Helper()
	file := filepath.Join(w.Dir(), "terraform.tfstate")
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]any
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatal(err)
	}
	for _, r := range state["resources"].([]any) {
		edit(r.(map[string]any))
	}
	state["serial"] = state["serial"].(float64) + 1
	if raw, err = json.Marshal(state); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBulkCerts_SharedNamesWarn: a name in the certificates of several hosts
// draws one warning listing each such name with its hosts, compared as
// clients compare names (DNS names in any case, IP addresses by value);
// names of one host alone do not.
func TestBulkCerts_SharedNamesWarn(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	w := caWorkdir(t, env)
	w.SetConfig(bulkConfig(`{
    a = { dns_names = ["docker.example", "a.example"], ip_addresses = ["2001:db8::1"] }
    b = { dns_names = ["Docker.Example"], ip_addresses = ["2001:db8:0::1"] }
    c = { dns_names = ["c.example", "docker.example"] }
    d = { dns_names = ["d.example"] }
  }`, `{ a = {} }`, ""))
	w.Init()
	planWarnsOnce(t, w, `Several hosts share a name: These subjectAltNames are in the certificates of several hosts: `+
		`2001:db8::1 (hosts "a" and "b"); docker.example (hosts "a", "b" and "c"). A client that dials such a name accepts`)
	w.SetConfig(bulkConfig(`{
    a = { dns_names = ["a.example"], ip_addresses = ["2001:db8::1"] }
    b = { dns_names = ["b.example"] }
  }`, `{ a = {} }`, ""))
	if got := w.Run("plan", "-json").Warnings(); len(got) != 0 {
		t.Errorf("with every name on one host, the plan warns %q", got)
	}
}

// TestBulkCerts_WildcardCoveringAnotherHostWarns: a wildcard in one host's
// certificate covers a name in another's (Go's clients match "*.example"
// against "b.example"): a client that dials b.example accepts either
// daemon, as with a name both list.
func TestBulkCerts_WildcardCoveringAnotherHostWarns(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	w := caWorkdir(t, env)
	w.SetConfig(bulkConfig(`{
    a = { dns_names = ["*.Example"] }
    b = { dns_names = ["b.example"] }
    c = { dns_names = ["c.d.example"] }
  }`, `{ a = {} }`, ""))
	w.Init()
	planWarnsOnce(t, w, `Several hosts share a name: These subjectAltNames are in the certificates of several hosts: `+
		`b.example (hosts "a" and "b"). A client that dials such a name accepts`)
}
