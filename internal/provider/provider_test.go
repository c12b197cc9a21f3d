package provider

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/clock"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

func TestMain(m *testing.M) {
	// terraform-plugin-testing runs terraform, whose version check would
	// try the network.
	_ = os.Setenv("CHECKPOINT_DISABLE", "1")
	os.Exit(m.Run())
}

// testEnv is one test's provider: its own fake clock, so tests that move
// time run in parallel without seeing each other's time.
type testEnv struct {
	clock     *clock.Fake
	factories map[string]func() (tfprotov6.ProviderServer, error)
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvAt(t, time.Now())
}

// newTestEnvAt starts the test's clock at start. Tests that hand
// certificates to real TLS peers, which use the real time, start in the past
// so that moving the clock into a renewal window lands near the present.
func newTestEnvAt(t *testing.T, start time.Time) *testEnv {
	t.Helper()
	acctest.RequireTerraform(t)
	// A whole second, as x509 times are: renewal boundaries are then exact.
	clk := clock.NewFake(start.UTC().Truncate(time.Second))
	return &testEnv{
		clock: clk,
		factories: map[string]func() (tfprotov6.ProviderServer, error){
			"dockertls": newProtocol6WithClock("test", clk),
		},
	}
}

// stateCheckFunc turns a function over the whole state into a StateCheck,
// for checks that span several resources (chains, handshakes).
type stateCheckFunc func(*tfjson.State) error

func (f stateCheckFunc) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f(req.State)
}

// resourceAttrs returns the attribute values of a root-module resource.
func resourceAttrs(state *tfjson.State, address string) (map[string]any, error) {
	if state == nil || state.Values == nil || state.Values.RootModule == nil {
		return nil, fmt.Errorf("no state")
	}
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == address {
			return r.AttributeValues, nil
		}
	}
	return nil, fmt.Errorf("%s is not in the state", address)
}

// stringAttrs reads string attributes of several resources at once.
func stringAttrs(state *tfjson.State, address string, names ...string) (map[string]string, error) {
	attrs, err := resourceAttrs(state, address)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		s, ok := attrs[n].(string)
		if !ok {
			return nil, fmt.Errorf("%s.%s is %T, not a string", address, n, attrs[n])
		}
		out[n] = s
	}
	return out, nil
}

func readFileString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNewServesTheBulkFastPath: the one server main serves is the one the
// tests drive, bulk fast path included; there is no second constructor
// that would serve the framework alone.
func TestNewServesTheBulkFastPath(t *testing.T) {
	t.Parallel()
	s, ok := New("test")().(*protocolServer)
	if !ok {
		t.Fatalf("New serves %T, not the provider's protocol server", New("test")())
	}
	for _, typ := range []string{"dockertls_server_certs", "dockertls_client_certs"} {
		if s.bulk[typ] == nil {
			t.Errorf("New's server has no fast path for %s", typ)
		}
	}
}

// caWorkdir is a terraform working directory whose configuration gets, as
// var.ca_cert and var.ca_key, a CA that outlives every test's clock and
// every leaf's default validity.
func caWorkdir(t *testing.T, env *testEnv) *acctest.Workdir {
	t.Helper()
	return caWorkdirWith(t, env, testCA(t, env.clock.Now(), 10000*time.Hour))
}

// caWorkdirWith is caWorkdir with the CA given.
func caWorkdirWith(t *testing.T, env *testEnv, ca *pki.Certificate) *acctest.Workdir {
	t.Helper()
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	useCA(w, ca)
	return w
}

// useCA gives ca to every later run in w as var.ca_cert and var.ca_key.
func useCA(w *acctest.Workdir, ca *pki.Certificate) {
	w.Setenv("TF_VAR_ca_cert", ca.CertPEM)
	w.Setenv("TF_VAR_ca_key", ca.PrivateKeyPEM)
}

// newProtocol6WithClock is New with the clock tests move,
// in the form terraform-plugin-testing takes.
func newProtocol6WithClock(version string, clk clock.Clock) func() (tfprotov6.ProviderServer, error) {
	return func() (tfprotov6.ProviderServer, error) {
		return newProtocolServer(version, clk), nil
	}
}
