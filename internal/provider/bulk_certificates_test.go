package provider

import (
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

const (
	serverCerts = "dockertls_server_certs.test"
	clientCerts = "dockertls_client_certs.test"
)

// bulkConfig is a dockertls_server_certs and a dockertls_client_certs
// signed by the CA in the variables, given write-only as the docs recommend
// for fleets. hosts and clients are the maps' HCL; shared is added to both
// resources.
func bulkConfig(hosts, clients, shared string) string {
	return caVariables + `
resource "dockertls_server_certs" "test" {
  ca_cert_pem_wo        = var.ca_cert
  ca_private_key_pem_wo = var.ca_key
  hosts                 = ` + hosts + "\n" + shared + `
}

resource "dockertls_client_certs" "test" {
  ca_cert_pem_wo        = var.ca_cert
  ca_private_key_pem_wo = var.ca_key
  clients               = ` + clients + "\n" + shared + `
}
`
}

// hostsAB is a hosts map of two servers, a and b, with a DNS name each.
const hostsAB = `{
    a = { dns_names = ["a.example"] }
    b = { dns_names = ["b.example"] }
  }`

// bulkEntry is one entry of a bulk resource as the state holds it.
type bulkEntry struct {
	certPEM, keyPEM string
	attrs           map[string]any
	cert            *x509.Certificate
}

// readBulk reads every entry of a bulk resource and checks that certs and
// private_keys have the same names, that each key belongs to its
// certificate, and that the attributes describe that very certificate.
func readBulk(s *tfjson.State, address string) (map[string]bulkEntry, error) {
	attrs, err := resourceAttrs(s, address)
	if err != nil {
		return nil, err
	}
	certs, _ := attrs["certs"].(map[string]any)
	keys, _ := attrs["private_keys"].(map[string]any)
	if !slices.Equal(slices.Sorted(maps.Keys(certs)), slices.Sorted(maps.Keys(keys))) {
		return nil, fmt.Errorf("%s: certs has %v, private_keys %v", address, slices.Sorted(maps.Keys(certs)), slices.Sorted(maps.Keys(keys)))
	}
	out := map[string]bulkEntry{}
	var errs []error
	for name, c := range certs {
		e := bulkEntry{attrs: c.(map[string]any)}
		e.certPEM, _ = e.attrs["cert_pem"].(string)
		e.keyPEM, _ = keys[name].(string)
		if e.cert, err = acctest.ParseCertificate(e.certPEM); err != nil {
			errs = append(errs, fmt.Errorf("%s: certs[%q].cert_pem: %w", address, name, err))
			continue
		}
		key, err := acctest.ParsePKCS8Key(e.keyPEM)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: private_keys[%q]: %w", address, name, err))
			continue
		}
		if !acctest.KeyMatches(e.cert, key) {
			errs = append(errs, fmt.Errorf("%s: private_keys[%q] does not belong to certs[%q]", address, name, name))
		}
		for attr, want := range map[string]string{
			"serial_number":           e.cert.SerialNumber.String(),
			"cert_fingerprint_sha256": acctest.Fingerprint(e.cert),
			"validity_start_time":     e.cert.NotBefore.UTC().Format(time.RFC3339),
			"validity_end_time":       e.cert.NotAfter.UTC().Format(time.RFC3339),
		} {
			if got := e.attrs[attr]; got != want {
				errs = append(errs, fmt.Errorf("%s: certs[%q].%s = %v, the certificate says %s", address, name, attr, got, want))
			}
		}
		out[name] = e
	}
	return out, errors.Join(errs...)
}

// bulkHistory follows a bulk resource from step to step: each step names
// the entries it expects and those whose certificate and key must have
// changed; every other entry present before must be byte-identical.
type bulkHistory struct {
	address string
	prev    map[string]bulkEntry
}

func (h *bulkHistory) step(want []string, changed ...string) statecheck.StateCheck {
	return stateCheckFunc(func(s *tfjson.State) error {
		now, err := readBulk(s, h.address)
		if err != nil {
			return err
		}
		if got := slices.Sorted(maps.Keys(now)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			return fmt.Errorf("%s holds %q, want %q", h.address, got, want)
		}
		var errs []error
		for name, e := range now {
			before, existed := h.prev[name]
			switch {
			case !existed:
			case slices.Contains(changed, name):
				if e.certPEM == before.certPEM || e.keyPEM == before.keyPEM {
					errs = append(errs, fmt.Errorf("%s: %q kept its certificate or key, want both new", h.address, name))
				}
			case e.certPEM != before.certPEM || e.keyPEM != before.keyPEM:
				errs = append(errs, fmt.Errorf("%s: %q changed, want its certificate and key byte-identical", h.address, name))
			}
		}
		for _, name := range changed {
			if _, existed := h.prev[name]; !existed {
				errs = append(errs, fmt.Errorf("test error: %q is not an entry of the previous step", name))
			}
		}
		h.prev = now
		return errors.Join(errs...)
	})
}

// updatedInPlace checks that the plan updates both bulk resources in place.
func updatedInPlace(addresses ...string) resource.ConfigPlanChecks {
	var checks []plancheck.PlanCheck
	for _, a := range addresses {
		checks = append(checks, plancheck.ExpectResourceAction(a, plancheck.ResourceActionUpdate))
	}
	return resource.ConfigPlanChecks{PreApply: checks}
}

// TestBulkCerts_OneEntryChangesAlone: adding, changing and removing one
// entry is an in-place update that issues that entry alone; every other
// entry's certificate and key stay byte-identical, and a removed entry
// leaves both maps.
func TestBulkCerts_OneEntryChangesAlone(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	vars := caVars(testCA(t, env.clock.Now(), 10000*time.Hour))
	servers := &bulkHistory{address: serverCerts}
	clients := &bulkHistory{address: clientCerts}
	hostsABC := `{
    a = { dns_names = ["a.example"] }
    b = { ip_addresses = ["10.0.0.2"] }
    c = { dns_names = ["c.example"], common_name = "c" }
  }`
	hostsABCD := strings.Replace(hostsABC, "\n  }", "\n    d = { dns_names = [\"d.example\"] }\n  }", 1)
	hostsBChanged := strings.Replace(hostsABCD, `"10.0.0.2"`, `"10.0.0.2", "10.0.0.22"`, 1)
	hostsCRemoved := strings.Replace(hostsBChanged, "\n    c = { dns_names = [\"c.example\"], common_name = \"c\" }", "", 1)
	clientsABC := `{
    a = {}
    b = { organization = "Ops" }
    c = { common_name = "ci" }
  }`
	clientsABCD := strings.Replace(clientsABC, "\n  }", "\n    d = {}\n  }", 1)
	clientsBChanged := strings.Replace(clientsABCD, `"Ops"`, `"Dev"`, 1)
	clientsCRemoved := strings.Replace(clientsBChanged, "\n    c = { common_name = \"ci\" }", "", 1)
	for _, changed := range []string{hostsABCD, hostsBChanged, hostsCRemoved, clientsABCD, clientsBChanged, clientsCRemoved} {
		if changed == hostsABC || changed == clientsABC {
			t.Fatal("a configuration to compare is not derived from the first one any more")
		}
	}
	step := func(hosts, clientsHCL string, want []string, changed ...string) resource.TestStep {
		return resource.TestStep{
			Config: bulkConfig(hosts, clientsHCL, ""), ConfigVariables: vars,
			ConfigPlanChecks:  updatedInPlace(serverCerts, clientCerts),
			ConfigStateChecks: []statecheck.StateCheck{servers.step(want, changed...), clients.step(want, changed...)},
		}
	}
	first := step(hostsABC, clientsABC, []string{"a", "b", "c"})
	first.ConfigPlanChecks = resource.ConfigPlanChecks{}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			first,
			step(hostsABCD, clientsABCD, []string{"a", "b", "c", "d"}),
			step(hostsBChanged, clientsBChanged, []string{"a", "b", "c", "d"}, "b"),
			step(hostsCRemoved, clientsCRemoved, []string{"a", "b", "d"}),
			{Config: bulkConfig(hostsCRemoved, clientsCRemoved, ""), ConfigVariables: vars, PlanOnly: true},
		},
	})
}

// TestBulkCerts_SharedInputsIssueEveryEntry: a new CA, key algorithm or
// validity issues every entry again, in place; early_renewal_hours alone
// issues none.
func TestBulkCerts_SharedInputsIssueEveryEntry(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	first := testCA(t, env.clock.Now(), 10000*time.Hour)
	second := testCA(t, env.clock.Now(), 10000*time.Hour)
	servers := &bulkHistory{address: serverCerts}
	clients := &bulkHistory{address: clientCerts}
	hosts := `{
    a = { dns_names = ["a.example"] }
    b = { ip_addresses = ["10.0.0.2"] }
  }`
	clientsHCL := `{
    a = {}
    b = {}
  }`
	names := []string{"a", "b"}
	step := func(ca *pki.Certificate, shared string, changed ...string) resource.TestStep {
		return resource.TestStep{
			Config: bulkConfig(hosts, clientsHCL, shared), ConfigVariables: caVars(ca),
			ConfigPlanChecks:  updatedInPlace(serverCerts, clientCerts),
			ConfigStateChecks: []statecheck.StateCheck{servers.step(names, changed...), clients.step(names, changed...), bulkChainsTo(env, ca)},
		}
	}
	created := step(first, "")
	created.ConfigPlanChecks = resource.ConfigPlanChecks{}
	defaultsAgain := step(second, "", names...)
	for _, address := range []string{serverCerts, clientCerts} {
		defaultsAgain.ConfigStateChecks = append(defaultsAgain.ConfigStateChecks,
			statecheck.ExpectKnownValue(address, tfjsonpath.New("key_algorithm"), knownvalue.StringExact("ECDSA_P256")),
			statecheck.ExpectKnownValue(address, tfjsonpath.New("validity_period_hours"), knownvalue.Int64Exact(leafDefaults.validityHours)),
			statecheck.ExpectKnownValue(address, tfjsonpath.New("early_renewal_hours"), knownvalue.Int64Exact(leafDefaults.earlyRenewalHours)))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			created,
			step(second, "", names...),
			step(second, `key_algorithm = "ECDSA_P384"`, names...),
			step(second, "key_algorithm = \"ECDSA_P384\"\nvalidity_period_hours = 5000", names...),
			step(second, "key_algorithm = \"ECDSA_P384\"\nvalidity_period_hours = 5000\nearly_renewal_hours = 100"),
			{
				Config:          bulkConfig(hosts, clientsHCL, "key_algorithm = \"ECDSA_P384\"\nvalidity_period_hours = 5000\nearly_renewal_hours = 100"),
				ConfigVariables: caVars(second), PlanOnly: true,
			},
			// The same CA through the stored arguments: nothing issued again.
			{
				Config: strings.NewReplacer("ca_cert_pem_wo        =", "ca_cert_pem           =", "ca_private_key_pem_wo =", "ca_private_key_pem    =").
					Replace(bulkConfig(hosts, clientsHCL, "key_algorithm = \"ECDSA_P384\"\nvalidity_period_hours = 5000\nearly_renewal_hours = 100")),
				ConfigVariables:   caVars(second),
				ConfigPlanChecks:  updatedInPlace(serverCerts, clientCerts),
				ConfigStateChecks: []statecheck.StateCheck{servers.step(names), clients.step(names), bulkChainsTo(env, second)},
			},
			// Settings removed from the configuration take their defaults
			// again, which issues every entry again.
			defaultsAgain,
		},
	})
}

// TestBulkCerts_CAReplacedInTheSamePlan: while the CA is replaced in the
// same plan its certificate is unknown, and so is every entry: all are
// issued again, by the new CA.
func TestBulkCerts_CAReplacedInTheSamePlan(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	servers := &bulkHistory{address: serverCerts}
	clients := &bulkHistory{address: clientCerts}
	cfg := "resource \"dockertls_ca\" \"test\" {}\n" + strings.ReplaceAll(strings.TrimPrefix(bulkConfig(`{
    a = { dns_names = ["a.example"] }
    b = { ip_addresses = ["10.0.0.2"] }
  }`, `{
    a = {}
    b = {}
  }`, ""), caVariables), "var.ca_", "dockertls_ca.test.")
	cfg = strings.NewReplacer("dockertls_ca.test.cert", "dockertls_ca.test.cert_pem", "dockertls_ca.test.key", "dockertls_ca.test.private_key_pem").Replace(cfg)
	names := []string{"a", "b"}
	chains := stateCheckFunc(func(s *tfjson.State) error {
		issuer, err := readIssued(s, ca)
		if err != nil {
			return err
		}
		return bulkChainsTo(env, &pki.Certificate{Cert: issuer.cert}).(stateCheckFunc)(s)
	})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{Config: cfg, ConfigStateChecks: []statecheck.StateCheck{servers.step(names), clients.step(names), chains}},
			{
				Config: cfg, Taint: []string{ca},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(serverCerts, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(serverCerts, tfjsonpath.New("ca_cert_fingerprint_sha256")),
					plancheck.ExpectUnknownValue(serverCerts, tfjsonpath.New("certs").AtMapKey("b")),
					plancheck.ExpectUnknownValue(clientCerts, tfjsonpath.New("private_keys").AtMapKey("a")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{servers.step(names, names...), clients.step(names, names...), chains},
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// bulkChainsTo checks that every entry of both bulk resources verifies
// under ca for its purpose, and a server entry for its first name.
func bulkChainsTo(env *testEnv, ca *pki.Certificate) statecheck.StateCheck {
	return stateCheckFunc(func(s *tfjson.State) error {
		var errs []error
		for address, usage := range map[string]x509.ExtKeyUsage{serverCerts: x509.ExtKeyUsageServerAuth, clientCerts: x509.ExtKeyUsageClientAuth} {
			entries, err := readBulk(s, address)
			if err != nil {
				return err
			}
			for name, e := range entries {
				host := ""
				if usage == x509.ExtKeyUsageServerAuth {
					host = firstName(e.cert)
				}
				if err := acctest.VerifyChain(e.cert, ca.Cert, usage, host, env.clock.Now()); err != nil {
					errs = append(errs, fmt.Errorf("%s[%q]: %w", address, name, err))
				}
			}
		}
		return errors.Join(errs...)
	})
}

func firstName(c *x509.Certificate) string {
	if len(c.DNSNames) > 0 {
		return c.DNSNames[0]
	}
	if len(c.IPAddresses) > 0 {
		return c.IPAddresses[0].String()
	}
	return ""
}

// newBulkVars is a fresh CA for the bulk resources' variables.
func newBulkVars(t *testing.T) config.Variables {
	t.Helper()
	return caVars(testCA(t, time.Now().UTC().Truncate(time.Second), 10000*time.Hour))
}

// TestBulkCerts_EmptyAndUnknownEntries: an empty map is a legitimate fleet
// of none (no certificates, no error); a map whose keys are unknown at plan
// plans both outputs unknown and issues every entry at apply; from there,
// emptying the map removes every certificate.
func TestBulkCerts_EmptyAndUnknownEntries(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	vars := newBulkVars(t)
	unknownKeys := `
resource "dockertls_ca" "names" {}
` + bulkConfig(`{ (dockertls_ca.names.serial_number) = { dns_names = ["a.example"] }, b = { dns_names = ["b.example"] } }`,
		`{ (dockertls_ca.names.serial_number) = {}, b = {} }`, "")
	var unknownPlan []plancheck.PlanCheck
	for _, address := range []string{serverCerts, clientCerts} {
		unknownPlan = append(unknownPlan,
			plancheck.ExpectUnknownValue(address, tfjsonpath.New("certs")),
			plancheck.ExpectUnknownValue(address, tfjsonpath.New("private_keys")))
	}
	empty := func(address string) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(address, tfjsonpath.New("certs"), knownvalue.MapExact(map[string]knownvalue.Check{})),
			statecheck.ExpectKnownValue(address, tfjsonpath.New("private_keys"), knownvalue.MapExact(map[string]knownvalue.Check{})),
		}
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{Config: bulkConfig("{}", "{}", ""), ConfigVariables: vars, ConfigStateChecks: append(empty(serverCerts), empty(clientCerts)...)},
			{Config: bulkConfig("{}", "{}", ""), ConfigVariables: vars, PlanOnly: true},
			{
				Config: unknownKeys, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: unknownPlan},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(serverCerts, tfjsonpath.New("certs"), knownvalue.MapSizeExact(2)),
					statecheck.ExpectKnownValue(clientCerts, tfjsonpath.New("private_keys"), knownvalue.MapSizeExact(2)),
					stateCheckFunc(func(s *tfjson.State) error {
						_, errS := readBulk(s, serverCerts)
						_, errC := readBulk(s, clientCerts)
						return errors.Join(errS, errC)
					}),
				},
			},
			{Config: unknownKeys, ConfigVariables: vars, PlanOnly: true},
			{Config: bulkConfig("{}", "{}", ""), ConfigVariables: vars, ConfigStateChecks: append(empty(serverCerts), empty(clientCerts)...)},
		},
	})
}

// bulkWriteOnlyConfig gives both bulk resources a CA whose certificate and
// key come from ephemeral variables, which Terraform admits only in
// write-only arguments.
func bulkWriteOnlyConfig(hosts, clients string) string {
	return ephemeralCAVariables + strings.TrimPrefix(bulkConfig(hosts, clients, shortLived), caVariables)
}

// TestBulkCerts_WriteOnlyCANeverInState: with the write-only CA arguments,
// neither the CA key nor the CA certificate reaches the plan, `terraform
// show -json` or any state file, through creation, an added entry and a
// renewal (which reads both from the configuration again); private_keys is
// marked sensitive. The control step stores ca_cert_pem, and the same scan
// must find it there.
// Not parallel: it points terraform's working directories at its own.
func TestBulkCerts_WriteOnlyCANeverInState(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", dir)
	env := newTestEnv(t)
	caCert := testCA(t, env.clock.Now(), 1000*time.Hour)
	var fragments []string
	for _, pem := range []string{caCert.CertPEM, caCert.PrivateKeyPEM} {
		fragments = append(fragments, keyFragments(t, pem)...)
	}
	scan := keyScan{t: t, dir: dir, fragments: fragments, what: "the CA certificate or key"}
	hostsA := `{ a = { dns_names = ["a.example"] } }`
	sensitive := []statecheck.StateCheck{
		scan,
		statecheck.ExpectSensitiveValue(serverCerts, tfjsonpath.New("private_keys")),
		statecheck.ExpectSensitiveValue(clientCerts, tfjsonpath.New("private_keys")),
		statecheck.ExpectKnownValue(serverCerts, tfjsonpath.New("ca_cert_fingerprint_sha256"), knownvalue.StringExact(pki.Fingerprint(caCert.Cert))),
		bulkChainsTo(env, caCert),
	}
	stored := strings.Replace(bulkWriteOnlyConfig(hostsAB, `{ a = {} }`), "ca_cert_pem_wo        = var.ca_cert", "ca_cert_pem = nonsensitive(\"${var.ca_cert}\")", 1)
	stored = strings.Replace(stored, "ephemeral = true\n}\nvariable \"ca_key\"", "}\nvariable \"ca_key\"", 1)
	if stored == bulkWriteOnlyConfig(hostsAB, `{ a = {} }`) {
		t.Fatal("the control configuration is not derived from the write-only one any more")
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{
				Config: bulkWriteOnlyConfig(hostsA, `{ a = {} }`), ConfigVariables: caVars(caCert),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{scan}},
				ConfigStateChecks: sensitive,
			},
			{
				Config: bulkWriteOnlyConfig(hostsAB, `{ a = {} }`), ConfigVariables: caVars(caCert),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{scan}},
				ConfigStateChecks: sensitive,
			},
			{
				PreConfig: func() { env.clock.Advance(36 * time.Hour) },
				Config:    bulkWriteOnlyConfig(hostsAB, `{ a = {} }`), ConfigVariables: caVars(caCert),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{scan,
					plancheck.ExpectResourceAction(serverCerts, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(serverCerts, tfjsonpath.New("certs").AtMapKey("a")),
				}},
				ConfigStateChecks: sensitive,
			},
			{
				Config: stored, ConfigVariables: caVars(caCert),
				ConfigStateChecks: []statecheck.StateCheck{
					keyScan{t: t, dir: dir, fragments: keyFragments(t, caCert.CertPEM), wantFound: true, currentOnly: true, what: "the CA certificate"},
				},
			},
		},
	})
}
