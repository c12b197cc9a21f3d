package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// serverConfig is a server certificate signed by the CA in the variables,
// with body as its only other arguments.
func serverConfig(body string) string {
	return caVariables + `
resource "dockertls_server_cert" "test" {
  ca_cert_pem        = var.ca_cert
  ca_private_key_pem = var.ca_key
` + body + "\n}\n"
}

// longName is a valid DNS name of 70 characters: too long for a common name.
var longName = strings.Repeat("a", 60) + ".example"

func TestServerCert_BadInput(t *testing.T) {
	t.Parallel()
	vars := newCAVars(t)
	plan := func(name, body, want string) badInput {
		return badInput{name: name, config: serverConfig(body), vars: vars, want: want, phase: atPlan}
	}
	runBadInputs(t, []badInput{
		plan("server without SANs", ``, "a server certificate needs at least one DNS name or IP address"),
		plan("empty SAN lists", "dns_names = []\nip_addresses = []", "Set dns_names, ip_addresses or both"),
		plan("null DNS name", `dns_names = ["a.example", null]`, "Element 1 of dns_names is null. Remove it; to drop nulls and empty strings from a computed list, wrap it in compact()."),
		plan("null IP address", `ip_addresses = [null]`, "Element 0 of ip_addresses is null"),
		plan("duplicate DNS names", `dns_names = ["a.example", "a.example"]`, "This attribute contains duplicate values"),
		plan("duplicate IP addresses", `ip_addresses = ["127.0.0.1", "127.0.0.1"]`, "This attribute contains duplicate values"),
		plan("IP address as a DNS name", `dns_names = ["10.0.0.1"]`, `"10.0.0.1" is an IP address, not a DNS name: put it in ip_addresses instead`),
		plan("IPv4 shorthand as a DNS name", `dns_names = ["127.1"]`, `"127.1" is the IPv4 address 127.0.0.1 written short, not a DNS name: the C library's resolver, curl and browsers dial it as 127.0.0.1, which only that IP address in the certificate matches; put 127.0.0.1 in ip_addresses instead`),
		plan("all-numeric last label", `dns_names = ["docker.123"]`, `"docker.123" is not a valid DNS name: its last label is a number`),
		plan("IPv4 shorthand as an IP address", `ip_addresses = ["0x7f000001"]`, `"0x7f000001" is not an IPv4 or IPv6 address: write it as four decimal numbers, 127.0.0.1`),
		plan("host:port as a DNS name", `dns_names = ["docker.example.com:2376"]`, `"docker.example.com:2376" is not a valid DNS name: give the host name without a port`),
		plan("URL as a DNS name", `dns_names = ["tcp://docker.example.com"]`, "give the bare host name, not a URL"),
		plan("underscore in a DNS name", `dns_names = ["docker_host"]`, `"docker_host" is not a valid DNS name`),
		plan("Unicode DNS name", `dns_names = ["bücher.example"]`, `certificates carry internationalised names in their punycode ("xn--") form, here "xn--bcher-kva.example"`),
		plan("Unicode wildcard", `dns_names = ["*.bücher.example"]`, `here "*.xn--bcher-kva.example"`),
		plan("LF in a DNS name", `dns_names = ["docker\n.example"]`, `has the character '\n'`),
		plan("trailing dot", `dns_names = ["docker.example.com."]`, "it has an empty label"),
		plan("label over 63 characters", `dns_names = ["`+strings.Repeat("a", 64)+`.example"]`, "is longer than 63 characters"),
		plan("name over 253 characters", `dns_names = ["`+strings.Repeat("abc.", 63)+`example"]`, "it is longer than 253 characters"),
		plan("wildcard inside a name", `dns_names = ["a.*.example"]`, "a wildcard only as a leading"),
		plan("CIDR as an IP address", `ip_addresses = ["10.0.0.0/8"]`, `"10.0.0.0/8" is not an IPv4 or IPv6 address: give a single address, not a CIDR range`),
		plan("IPv4 with a port", `ip_addresses = ["127.0.0.1:2376"]`, "give the address without a port"),
		plan("IPv6 with a port", `ip_addresses = ["[::1]:2376"]`, "give the address without a port"),
		plan("IPv6 zone", `ip_addresses = ["fe80::1%eth0"]`, `the IPv6 zone "%eth0" names a local interface and cannot be in a certificate; give "fe80::1"`),
		plan("host name as an IP address", `ip_addresses = ["localhost"]`, `"localhost" is not an IPv4 or IPv6 address`),
		plan("101 DNS names", `dns_names = [for i in range(101) : "h${i}.example"]`, "dns_names and ip_addresses hold 101 entries together. A certificate may carry at most 100 subjectAltNames"),
		plan("101 SANs in two lists", "dns_names = [for i in range(60) : \"h${i}.example\"]\nip_addresses = [for i in range(41) : \"10.0.0.${i}\"]", "hold 101 entries together"),
		plan("no DNS name fits the common name", `dns_names = ["`+longName+`"]`, "common_name defaults to the first of dns_names that is at most 64 characters long, the most a common name may hold, but every DNS name is longer. Set common_name"),
	})
}

// TestServerCert_UnknownAtPlanBadInput: SANs that depend on another
// resource are checked once known, with the words plan would have used.
func TestServerCert_UnknownAtPlanBadInput(t *testing.T) {
	t.Parallel()
	withCA := func(body string) string {
		return `
resource "dockertls_ca" "test" {}

resource "dockertls_server_cert" "test" {
  ca_cert_pem        = dockertls_ca.test.cert_pem
  ca_private_key_pem = dockertls_ca.test.private_key_pem
` + body + "\n}\n"
	}
	runBadInputs(t, []badInput{
		{name: "SANs turn out empty", config: withCA(`dns_names = [for s in [dockertls_ca.test.serial_number] : s if s == ""]`),
			want: "and ignore its common name. Set dns_names, ip_addresses or both.", phase: atApply},
		{name: "DNS name turns out bad", config: withCA(`dns_names = ["${dockertls_ca.test.serial_number}_host"]`),
			want: "is not a valid DNS name: label", phase: atApply},
		{name: "IP address turns out bad", config: withCA(`ip_addresses = [dockertls_ca.test.serial_number]`),
			want: "is not an IPv4 or IPv6 address", phase: atApply},
		{name: "null DNS name", config: withCA(`dns_names = ["a.example", dockertls_ca.test.serial_number == "" ? "b.example" : null]`),
			want: "Element 1 of dns_names is null", phase: atApply},
		{name: "too many SANs", config: withCA(`dns_names = [for i in range(101) : "h${i}.${dockertls_ca.test.serial_number}.example"]`),
			want: "hold 101 entries together", phase: atPlan},
		{name: "long DNS name only", config: withCA(`dns_names = ["${dockertls_ca.test.serial_number}.${dockertls_ca.test.serial_number}.example"]`),
			want: "Set common_name to a shorter name", phase: atApply},
	})
}

// TestServerCert_UnspecifiedAddressWarns: 0.0.0.0 and :: are accepted with
// a warning (plugin-testing cannot see warnings, so the validator is called).
func TestServerCert_UnspecifiedAddressWarns(t *testing.T) {
	t.Parallel()
	for value, wantWarning := range map[string]bool{"0.0.0.0": true, "::": true, "::ffff:0.0.0.0": true, "127.0.0.1": false, "::1": false} {
		req := validator.StringRequest{Path: path.Root("ip_addresses").AtListIndex(0), ConfigValue: types.StringValue(value)}
		var resp validator.StringResponse
		unspecifiedAddressWarning().ValidateString(context.Background(), req, &resp)
		if resp.Diagnostics.HasError() {
			t.Errorf("%s: an error, want at most a warning: %v", value, resp.Diagnostics)
		}
		got := resp.Diagnostics.WarningsCount() == 1
		if got != wantWarning {
			t.Errorf("%s: warning %v, want %v (%v)", value, got, wantWarning, resp.Diagnostics)
		}
		if got && !strings.Contains(resp.Diagnostics[0].Detail(), "no client dials it") {
			t.Errorf("%s: warning does not say why: %s", value, resp.Diagnostics[0].Detail())
		}
	}
	// The schema wires the warning to ip_addresses.
	s := serverCertSpec{}.schema()
	found := false
	for _, v := range s.Attributes["ip_addresses"].(interface{ ListValidators() []validator.List }).ListValidators() {
		found = found || strings.Contains(v.Description(context.Background()), "which no client dials")
	}
	if !found {
		t.Error("ip_addresses does not run the unspecified-address check")
	}
}

// TestServerCert_DerivedCommonName: the common name is the first DNS name
// that fits, else the first IP address.
func TestServerCert_DerivedCommonName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		dns, ips []string
		want     string
		wantErr  bool
	}{
		{[]string{"a.example", "b.example"}, []string{"10.0.0.1"}, "a.example", false},
		{[]string{longName, "b.example"}, nil, "b.example", false},
		{[]string{longName}, []string{"10.0.0.1"}, "10.0.0.1", false},
		{nil, []string{"::1"}, "::1", false},
		{[]string{longName}, nil, "", true},
	}
	for _, tc := range cases {
		got, err := deriveCommonName(tc.dns, tc.ips)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("deriveCommonName(%q, %q) = %q, %v; want %q, error %v", tc.dns, tc.ips, got, err, tc.want, tc.wantErr)
		}
	}
}

// TestServerCert_CommonNameReDerivedWhenRemoved: removing an explicit
// common_name plans the derived one again, and so a new certificate.
func TestServerCert_CommonNameReDerivedWhenRemoved(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	vars := newCAVars(t)
	cn := func(want string) []statecheck.StateCheck {
		return []statecheck.StateCheck{statecheck.ExpectKnownValue("dockertls_server_cert.test", tfjsonpath.New("common_name"), knownvalue.StringExact(want))}
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{Config: serverConfig(`dns_names = ["docker.example.com"]` + "\n" + `common_name = "explicit"`), ConfigVariables: vars, ConfigStateChecks: cn("explicit")},
			{
				Config: serverConfig(`dns_names = ["docker.example.com"]`), ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("dockertls_server_cert.test", plancheck.ResourceActionReplace),
					plancheck.ExpectKnownValue("dockertls_server_cert.test", tfjsonpath.New("common_name"), knownvalue.StringExact("docker.example.com")),
				}},
				ConfigStateChecks: cn("docker.example.com"),
			},
			// Unchanged configuration: no diff, the derived name stays.
			{Config: serverConfig(`dns_names = ["docker.example.com"]`), ConfigVariables: vars, PlanOnly: true},
			// An in-place change keeps the derived name and the certificate.
			{
				Config: serverConfig(`dns_names = ["docker.example.com"]` + "\nearly_renewal_hours = 100"), ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("dockertls_server_cert.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: cn("docker.example.com"),
			},
			// A long first name is skipped for the next one that fits.
			{
				Config: serverConfig(fmt.Sprintf(`dns_names = [%q, "short.example"]`, longName)), ConfigVariables: vars,
				ConfigStateChecks: cn("short.example"),
			},
		},
	})
}

// TestServerCert_NoTerraformWordsFromPKI: the one pki error that points to
// another attribute is worded by the provider.
func TestServerCert_NoTerraformWordsFromPKI(t *testing.T) {
	t.Parallel()
	var resp validator.StringResponse
	dnsNameValidator().ValidateString(context.Background(), validator.StringRequest{Path: path.Root("dns_names").AtListIndex(0), ConfigValue: types.StringValue("::1")}, &resp)
	if !diagContains(resp.Diagnostics, "put it in ip_addresses instead") {
		t.Errorf("got %v", resp.Diagnostics)
	}
}

func diagContains(diags diag.Diagnostics, s string) bool {
	for _, d := range diags {
		if strings.Contains(d.Detail(), s) {
			return true
		}
	}
	return false
}

// TestSANListValidatorsAreLinear: a huge SAN list is refused by
// validateConfig (at most pki.MaxSubjectAltNames), but every attribute
// validator runs on it first, so none may take quadratic time: 80,000
// names took over ten seconds per list with a pairwise duplicate check.
func TestSANListValidatorsAreLinear(t *testing.T) {
	t.Parallel()
	const n = 80000
	s := serverCertSpec{}.schema()
	for attrName, element := range map[string]func(int) string{
		"dns_names":    func(i int) string { return fmt.Sprintf("h%d.example.com", i) },
		"ip_addresses": func(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255) },
	} {
		elems := make([]attr.Value, n)
		for i := range elems {
			elems[i] = types.StringValue(element(i))
		}
		list := types.ListValueMust(types.StringType, elems)
		start := time.Now()
		for _, v := range s.Attributes[attrName].(rschema.ListAttribute).Validators {
			var resp validator.ListResponse
			v.ValidateList(context.Background(), validator.ListRequest{Path: path.Root(attrName), ConfigValue: list}, &resp)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: the validators took %v for %d elements", attrName, d, n)
		}
	}
}
