package provider

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
)

// bulkWith is one bulk resource ("server_certs" or "client_certs") with the
// CA arguments given and body as its other arguments, the CA from the
// variables.
func bulkWith(typ, ca, body string) string {
	return caVariables + `
resource "dockertls_` + typ + `" "test" {
` + ca + "\n" + body + "\n}\n"
}

const (
	writeOnlyCA = "ca_cert_pem_wo        = var.ca_cert\nca_private_key_pem_wo = var.ca_key"
	goodHosts   = `hosts = { web1 = { dns_names = ["web1.example"] } }`
	goodClients = `clients = { ci = {} }`
)

// TestBulkCerts_BadInput: the single resources' checks, on every entry, with
// details that name the entry's key (Terraform points the diagnostic at
// the resource block, not at the entry); and the shared inputs' checks.
func TestBulkCerts_BadInput(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC().Truncate(time.Second)
	good := testCA(t, now, 1000*time.Hour)
	other := testCA(t, now, 1000*time.Hour)
	expired := testCA(t, now.Add(-3000*time.Hour), 1000*time.Hour)
	vars := func(cert, key string) config.Variables {
		return config.Variables{"ca_cert": config.StringVariable(cert), "ca_key": config.StringVariable(key)}
	}
	goodVars := vars(good.CertPEM, good.PrivateKeyPEM)
	hosts := func(name, body, want string) badInput {
		return badInput{name: "hosts/" + name, config: bulkWith("server_certs", writeOnlyCA, "hosts = {\n web0 = { ip_addresses = [\"10.0.0.1\"] }\n"+body+"\n}"),
			vars: goodVars, want: want, phase: atPlan}
	}
	clients := func(name, body, want string) badInput {
		return badInput{name: "clients/" + name, config: bulkWith("client_certs", writeOnlyCA, "clients = {\n ok = {}\n"+body+"\n}"),
			vars: goodVars, want: want, phase: atPlan}
	}
	cases := []badInput{
		hosts("null entry", `web1 = null`, `hosts["web1"] is null. Remove the entry, or give it an object.`),
		hosts("no SANs", `web1 = {}`, `Set hosts["web1"].dns_names, hosts["web1"].ip_addresses or both.`),
		hosts("empty SAN lists", `web1 = { dns_names = [], ip_addresses = [] }`, `Set hosts["web1"].dns_names, hosts["web1"].ip_addresses or both.`),
		hosts("null DNS name", `web1 = { dns_names = ["a.example", null] }`, `Element 1 of hosts["web1"].dns_names is null`),
		hosts("duplicate DNS names", `web1 = { dns_names = ["a.example", "a.example"] }`, `(elements 0 and 1 of hosts["web1"].dns_names)`),
		hosts("IP address as a DNS name", `web1 = { dns_names = ["10.0.0.1"] }`, `hosts["web1"].dns_names[0]: "10.0.0.1" is an IP address, not a DNS name: put it in ip_addresses instead`),
		hosts("IPv4 shorthand as a DNS name", `web1 = { dns_names = ["2130706433"] }`, `hosts["web1"].dns_names[0]: "2130706433" is the IPv4 address 127.0.0.1 written short, not a DNS name`),
		hosts("underscore in a DNS name", `web2 = { dns_names = ["ok.example", "docker_host"] }`, `hosts["web2"].dns_names[1]: "docker_host" is not a valid DNS name`),
		hosts("CIDR as an IP address", `web1 = { ip_addresses = ["10.0.0.0/8"] }`, `hosts["web1"].ip_addresses[0]: "10.0.0.0/8" is not an IPv4 or IPv6 address: give a single address, not a CIDR range`),
		hosts("IPv6 zone", `web1 = { ip_addresses = ["fe80::1%eth0"] }`, `hosts["web1"].ip_addresses[0]: "fe80::1%eth0" is not an IPv4 or IPv6 address: the IPv6 zone`),
		hosts("101 SANs", `web1 = { dns_names = [for i in range(101) : "h${i}.example"] }`, `hosts["web1"].dns_names and hosts["web1"].ip_addresses hold 101 entries together. A certificate may carry at most 100 subjectAltNames`),
		hosts("no DNS name fits the common name", `web1 = { dns_names = ["`+longName+`"] }`, `hosts["web1"].common_name defaults to the first of hosts["web1"].dns_names that is at most 64 characters long`),
		hosts("LF in the common name", "web1 = { dns_names = [\"a.example\"], common_name = \"a\\n\" }", `hosts["web1"].common_name: the value has the control character U+000A at character 2`),
		hosts("common name of 65 characters", `web1 = { dns_names = ["a.example"], common_name = "`+strings.Repeat("é", 65)+`" }`, `hosts["web1"].common_name UTF-8 character count must be between 1 and 64, got: 65`),
		clients("name too long for a common name", `"`+strings.Repeat("c", 65)+`" = {}`, `clients["`+strings.Repeat("c", 65)+`"] sets no common_name, so its name "`+strings.Repeat("c", 65)+`" would be the certificate's common name, but a common name holds 1 to 64 characters, and this one has 65. Set common_name in the entry, or rename it.`),
		clients("empty organization", `ops = { organization = "" }`, `clients["ops"].organization UTF-8 character count must be between 1 and 64, got: 0`),
		clients("NUL in the common name", `ops = { common_name = "ops\u0000" }`, `clients["ops"].common_name: the value has the control character U+0000 at character 4`),
		clients("bidirectional override in a name", `"ops\u202Etxt" = {}`, `would be the certificate's common name, but the value has the invisible format character U+202E at character 4`),
	}
	for _, res := range []struct{ name, entries string }{{"server_certs", goodHosts}, {"client_certs", goodClients}} {
		shared := func(name, ca, body string, v config.Variables, want string) badInput {
			return badInput{name: res.name + "/" + name, config: bulkWith(res.name, ca, res.entries+"\n"+body), vars: v, want: want, phase: atPlan}
		}
		cases = append(cases,
			shared("unknown key algorithm", writeOnlyCA, `key_algorithm = "RSA_1024"`, goodVars, `value must be one of: ["ECDSA_P256" "ECDSA_P384" "RSA_2048" "RSA_3072" "RSA_4096" "ED25519"], got: "RSA_1024"`),
			shared("validity with a fraction", writeOnlyCA, `validity_period_hours = 1.5`, goodVars, "validity_period_hours must be a whole number of hours between 1 and 876000, got 1.5"),
			shared("window as long as the validity", writeOnlyCA, "validity_period_hours = 100\nearly_renewal_hours = 100", goodVars, "early_renewal_hours (100) must be smaller than validity_period_hours (100)"),
			shared("short validity under the default window", writeOnlyCA, "validity_period_hours = 24", goodVars, "early_renewal_hours (720) must be smaller than validity_period_hours (24)"),
			shared("both CA certificate arguments", writeOnlyCA+"\nca_cert_pem = var.ca_cert", "", goodVars, "Two CA certificates: ca_cert_pem and ca_cert_pem_wo are both set"),
			shared("no CA certificate argument", "ca_private_key_pem_wo = var.ca_key", "", goodVars, "No CA certificate: set ca_cert_pem_wo or ca_cert_pem"),
			shared("both CA key arguments", writeOnlyCA+"\nca_private_key_pem = var.ca_key", "", goodVars, "ca_private_key_pem and ca_private_key_pem_wo are both set"),
			shared("no CA key argument", "ca_cert_pem_wo = var.ca_cert", "", goodVars, "No CA key: set ca_private_key_pem_wo or ca_private_key_pem"),
			shared("CA key of another CA", writeOnlyCA, "", vars(good.CertPEM, other.PrivateKeyPEM), "the private key does not belong to the CA certificate"),
			shared("stored CA key of another CA", "ca_cert_pem = var.ca_cert\nca_private_key_pem = var.ca_key", "", vars(good.CertPEM, other.PrivateKeyPEM), "the private key does not belong to the CA certificate"),
			shared("key appended to ca_cert_pem_wo", writeOnlyCA, "", vars(good.CertPEM+good.PrivateKeyPEM, good.PrivateKeyPEM), "remove the key and pass the certificate alone. ca_cert_pem_wo is not sensitive"),
			shared("expired CA", writeOnlyCA, "", vars(expired.CertPEM, expired.PrivateKeyPEM), `the CA certificate "Test CA" expired at`),
		)
	}
	runBadInputs(t, cases)
}

// TestBulkCerts_DiagnosticPathsNameTheEntry: the diagnostics of a bad entry
// carry the full attribute path, map key included, so that tools reading
// the protocol (and Terraform, where it can) point at the entry.
func TestBulkCerts_DiagnosticPathsNameTheEntry(t *testing.T) {
	t.Parallel()
	f := newRPCFixture(t)
	ctx := context.Background()
	typ := f.schemas.ResourceSchemas["dockertls_server_certs"].ValueType().(tftypes.Object)
	set := f.bulkSet("dockertls_server_certs", 3, 0, 0)
	var hosts map[string]tftypes.Value
	if err := set["hosts"].As(&hosts); err != nil {
		t.Fatal(err)
	}
	var web map[string]tftypes.Value
	if err := hosts["host0001"].As(&web); err != nil {
		t.Fatal(err)
	}
	entries := map[string]tftypes.Value{"host0000": hosts["host0000"], "host0002": hosts["host0002"]}
	bad := map[string]tftypes.Value{}
	for k, v := range web {
		bad[k] = v
	}
	stringList := tftypes.List{ElementType: tftypes.String}
	bad["dns_names"] = tftypes.NewValue(stringList, []tftypes.Value{tftypes.NewValue(tftypes.String, "ok.example"), tftypes.NewValue(tftypes.String, "docker_host")})
	entries["host0001"] = tftypes.NewValue(hosts["host0001"].Type(), bad)
	set["hosts"] = tftypes.NewValue(set["hosts"].Type(), entries)
	attrs := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(at, nil)
	}
	for k, v := range set {
		attrs[k] = v
	}
	resp, err := f.server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
		TypeName: "dockertls_server_certs", Config: rpcDynamic(t, typ, tftypes.NewValue(typ, attrs)),
		ClientCapabilities: &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := tftypes.NewAttributePath().WithAttributeName("hosts").WithElementKeyString("host0001").WithAttributeName("dns_names").WithElementKeyInt(1)
	if len(resp.Diagnostics) != 1 || !resp.Diagnostics[0].Attribute.Equal(want) ||
		!strings.HasPrefix(resp.Diagnostics[0].Detail, `hosts["host0001"].dns_names[1]: "docker_host" is not a valid DNS name`) {
		t.Errorf("want one diagnostic at %s, got%s", want, rpcDiags(resp.Diagnostics))
	}
}

// TestEntryValidatorsReportInOrder: one entry's diagnostics come out in
// the same order on every run (by attribute name), not in map order, so a
// plan's output and the equivalence of the two bulk code paths are stable.
func TestEntryValidatorsReportInOrder(t *testing.T) {
	t.Parallel()
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	list := func(s ...string) tftypes.Value {
		vals := make([]tftypes.Value, len(s))
		for i, v := range s {
			vals[i] = str(v)
		}
		return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, vals)
	}
	attrs := map[string]tftypes.Value{
		"common_name":  str("bad\nname"),
		"dns_names":    list("bad name", "bad name"),
		"ip_addresses": list("300.1.1.1"),
	}
	at := path.Root("hosts").AtMapKey("a")
	var first []string
	for i := range 30 {
		var diags diag.Diagnostics
		hostValidators.run(context.Background(), attrs, at, &diags)
		var got []string
		for _, d := range diags {
			got = append(got, d.(diag.DiagnosticWithPath).Path().String()+": "+d.Summary())
		}
		if len(got) < 3 {
			t.Fatalf("got %d diagnostics, want one per bad attribute at least: %q", len(got), got)
		}
		if i == 0 {
			first = got
			continue
		}
		if !slices.Equal(got, first) {
			t.Fatalf("run %d reports\n%q\nthe first reported\n%q", i, got, first)
		}
	}
	// The attribute's name: between the entry's path and an index or ":".
	attr := func(s string) string {
		s = strings.TrimPrefix(s, at.String()+".")
		return s[:strings.IndexAny(s, "[:")]
	}
	if !slices.IsSortedFunc(first, func(a, b string) int { return strings.Compare(attr(a), attr(b)) }) {
		t.Errorf("not in attribute order: %q", first)
	}
}
