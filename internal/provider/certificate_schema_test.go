package provider

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// resourceConfig wraps body in a minimal valid configuration of one resource
// ("ca", "server_cert" or "client_cert"), signed by the CA in the
// variables for the leaves.
func resourceConfig(typ, body string) string {
	switch typ {
	case "ca":
		return "resource \"dockertls_ca\" \"test\" {\n" + body + "\n}\n"
	case "server_cert":
		return caVariables + `
resource "dockertls_server_cert" "test" {
  ca_cert_pem        = var.ca_cert
  ca_private_key_pem = var.ca_key
  ip_addresses       = ["127.0.0.1"]
` + body + "\n}\n"
	}
	return caVariables + `
resource "dockertls_` + typ + `" "test" {
  ca_cert_pem        = var.ca_cert
  ca_private_key_pem = var.ca_key
` + body + "\n}\n"
}

// newCAVars holds a fresh test CA for the leaves; the CA resource ignores it.
func newCAVars(t *testing.T) config.Variables {
	t.Helper()
	return caVars(testCA(t, time.Now().UTC().Truncate(time.Second), 1000*time.Hour))
}

// sharedAttributeBadInputs are refused alike by every certificate resource.
var sharedAttributeBadInputs = []struct{ name, body, want string }{
	{"unknown key algorithm", `key_algorithm = "RSA_1024"`, `value must be one of: ["ECDSA_P256" "ECDSA_P384" "RSA_2048" "RSA_3072" "RSA_4096" "ED25519"], got: "RSA_1024"`},
	{"P-224 is not offered", `key_algorithm = "ECDSA_P224"`, `got: "ECDSA_P224"`},
	{"validity with a fraction", `validity_period_hours = 1.5`, "validity_period_hours must be a whole number of hours between 1 and 876000, got 1.5"},
	{"validity beyond int64", `validity_period_hours = 1e30`, "validity_period_hours must be a whole number of hours between 1 and 876000, got 1e+30"},
	{"zero validity", `validity_period_hours = 0`, "validity_period_hours must be a whole number of hours between 1 and 876000, got 0"},
	{"validity beyond 100 years", `validity_period_hours = 876001`, "between 1 and 876000, got 876001"},
	{"negative window", `early_renewal_hours = -1`, "early_renewal_hours must be a whole number of hours between 0 and 876000, got -1"},
	{"window with a fraction", `early_renewal_hours = 0.25`, "early_renewal_hours must be a whole number of hours between 0 and 876000, got 0.25"},
	{"window equal to validity", "validity_period_hours = 100\nearly_renewal_hours = 100", "early_renewal_hours (100) must be smaller than validity_period_hours (100)"},
	{"empty common name", `common_name = ""`, "common_name UTF-8 character count must be between 1 and 64, got: 0"},
	{"common name of 65 characters", `common_name = "` + strings.Repeat("é", 65) + `"`, "common_name UTF-8 character count must be between 1 and 64, got: 65"},
	{"NUL in the common name", `common_name = "docker\u0000host"`, "the value has the control character U+0000 at character 7"},
	{"LF in the common name", `common_name = "docker\nhost"`, "the value has the control character U+000A at character 7"},
	{"CR in the common name", `common_name = "docker\r"`, "the value has the control character U+000D at character 7: a certificate's subject holds visible text only; remove it"},
	{"right-to-left override in the common name", `common_name = "admin\u202Etxt.exe"`, "the value has the invisible format character U+202E at character 6: a certificate's subject holds visible text only"},
	{"zero-width space in the organization", `organization = "Ac\u200Bme"`, "the value has the invisible format character U+200B at character 3"},
	{"empty organization", `organization = ""`, "organization UTF-8 character count must be between 1 and 64, got: 0"},
	{"organization of 65 characters", `organization = "` + strings.Repeat("ü", 65) + `"`, "organization UTF-8 character count must be between 1 and 64, got: 65"},
	{"NUL in the organization", `organization = "Acme\u0000"`, "the value has the control character U+0000 at character 5"},
	{"LF in the organization", `organization = "Acme\n"`, "(a trailing newline often comes from file())"},
}

// TestSharedAttributesBadInput runs the shared catalogue against each resource:
// every case must fail at plan time.
func TestSharedAttributesBadInput(t *testing.T) {
	t.Parallel()
	vars := newCAVars(t)
	var cases []badInput
	for _, typ := range []string{"ca", "server_cert", "client_cert"} {
		for _, c := range sharedAttributeBadInputs {
			cases = append(cases, badInput{name: typ + "/" + c.name, config: resourceConfig(typ, c.body), vars: vars, want: c.want, phase: atPlan})
		}
	}
	runBadInputs(t, cases)
}

// TestSharedAttributesUnknownAtPlanBadInput: values that depend on another
// resource are checked when they become known, with the same words.
func TestSharedAttributesUnknownAtPlanBadInput(t *testing.T) {
	t.Parallel()
	unknownTo := func(body string) string {
		return "resource \"dockertls_ca\" \"first\" {}\n\nresource \"dockertls_ca\" \"test\" {\n" + body + "\n}\n"
	}
	runBadInputs(t, []badInput{
		{name: "validity with a fraction", config: unknownTo(`validity_period_hours = dockertls_ca.first.serial_number == "" ? 1 : 1.5`),
			want: "validity_period_hours must be a whole number of hours between 1 and 876000, got 1.5", phase: atApply},
		{name: "window beyond 100 years", config: unknownTo(`early_renewal_hours = dockertls_ca.first.serial_number == "" ? 1 : 1e7`),
			want: "early_renewal_hours must be a whole number of hours between 0 and 876000, got 1e+07", phase: atApply},
		{name: "window equal to validity", config: unknownTo("validity_period_hours = 100\nearly_renewal_hours = dockertls_ca.first.serial_number == \"\" ? 1 : 100"),
			want: "early_renewal_hours (100) must be smaller than validity_period_hours (100)", phase: atApply},
		{name: "LF in the common name", config: unknownTo(`common_name = "${substr(dockertls_ca.first.serial_number, 0, 3)}\n"`),
			want: "the value has the control character U+000A at character 4", phase: atApply},
		{name: "organization too long", config: unknownTo(`organization = "${dockertls_ca.first.serial_number}${dockertls_ca.first.serial_number}"`),
			want: "organization UTF-8 character count must be between 1 and 64", phase: atApply},
	})
}

// TestSubjectLengthCountsCharacters: 64 two-byte characters are 128 bytes
// but within X.520's 64-character bound, so the plan succeeds.
func TestSubjectLengthCountsCharacters(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	name := strings.Repeat("é", 64)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config:             resourceConfig("ca", `common_name = "`+name+`"`+"\n"+`organization = "`+name+`"`),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}

// TestInvalidValidityBlamesOnlyItself: a validity_period_hours the
// validator refuses is not blamed on the early_renewal_hours default too.
func TestInvalidValidityBlamesOnlyItself(t *testing.T) {
	t.Parallel()
	for _, v := range []*big.Float{big.NewFloat(0), big.NewFloat(-5), big.NewFloat(1.5), big.NewFloat(1e30)} {
		m := certificateModel{certificateRequest: certificateRequest{ValidityPeriodHours: types.NumberValue(v)}, EarlyRenewalHours: types.NumberNull()}
		var diags diag.Diagnostics
		validateRenewalWindow(m.ValidityPeriodHours, m.EarlyRenewalHours, leafDefaults, &diags)
		if diags.HasError() {
			t.Errorf("validity_period_hours = %s: %v", v.Text('g', -1), diags)
		}
	}
	// The check itself still works for valid values.
	m := certificateModel{certificateRequest: certificateRequest{ValidityPeriodHours: types.NumberValue(big.NewFloat(24))}, EarlyRenewalHours: types.NumberNull()}
	var diags diag.Diagnostics
	validateRenewalWindow(m.ValidityPeriodHours, m.EarlyRenewalHours, leafDefaults, &diags)
	if !diags.HasError() {
		t.Error("a 24-hour validity under the 720-hour default window was accepted")
	}
}
