package provider

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// certAttr is the path of one attribute of an entry of certs.
func certAttr(name, attr string) tfjsonpath.Path {
	return tfjsonpath.New("certs").AtMapKey(name).AtMapKey(attr)
}

// shortLived makes the certificates due 36 hours after they are issued.
const shortLived = "validity_period_hours = 48\nearly_renewal_hours = 12"

// TestBulkCerts_RenewsOnlyDueEntries: entries issued at different times
// (b is added a day after a) fall due at different times. When a enters
// its renewal window, refresh marks a alone, the plan is an in-place update
// that plans a's certificate and key unknown and keeps b's, and the apply
// issues a again, valid from the new now, leaving b byte-identical. A
// narrower early_renewal_hours alone takes a out of its window: nothing is
// issued, and the apply sets its ready_for_renewal to false again. Back to
// the wider window, the apply marks a due again, and the next plan renews
// it.
func TestBulkCerts_RenewsOnlyDueEntries(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	start := env.clock.Now()
	vars := caVars(testCA(t, start, 10000*time.Hour))
	servers := &bulkHistory{address: serverCerts}
	clients := &bulkHistory{address: clientCerts}
	hostsA := `{ a = { dns_names = ["a.example"] } }`
	clientsA, clientsAB := `{ a = {} }`, `{
    a = {}
    b = {}
  }`
	cfg := bulkConfig(hostsAB, clientsAB, shortLived)
	history := func(want []string, changed ...string) []statecheck.StateCheck {
		return []statecheck.StateCheck{servers.step(want, changed...), clients.step(want, changed...)}
	}
	var whileDue, afterRenewal []plancheck.PlanCheck
	var marked []resource.TestCheckFunc
	var renewed []statecheck.StateCheck
	for _, address := range []string{serverCerts, clientCerts} {
		whileDue = append(whileDue,
			plancheck.ExpectResourceAction(address, plancheck.ResourceActionUpdate),
			plancheck.ExpectUnknownValue(address, tfjsonpath.New("certs").AtMapKey("a")),
			plancheck.ExpectUnknownValue(address, tfjsonpath.New("private_keys").AtMapKey("a")),
			plancheck.ExpectKnownValue(address, certAttr("b", "ready_for_renewal"), knownvalue.Bool(false)),
			plancheck.ExpectKnownValue(address, certAttr("b", "cert_pem"), knownvalue.NotNull()),
		)
		marked = append(marked,
			resource.TestCheckResourceAttr(address, "certs.a.ready_for_renewal", "true"),
			resource.TestCheckResourceAttr(address, "certs.b.ready_for_renewal", "false"),
		)
		renewed = append(renewed,
			statecheck.ExpectKnownValue(address, certAttr("a", "ready_for_renewal"), knownvalue.Bool(false)),
			statecheck.ExpectKnownValue(address, certAttr("a", "validity_end_time"),
				knownvalue.StringExact(start.Add(36*time.Hour+48*time.Hour).UTC().Format(time.RFC3339))),
			statecheck.ExpectKnownValue(address, certAttr("b", "validity_end_time"),
				knownvalue.StringExact(start.Add(24*time.Hour+48*time.Hour).UTC().Format(time.RFC3339))),
		)
	}
	afterRenewal = append(afterRenewal, whileDue[:3]...)
	afterRenewal = append(afterRenewal, whileDue[5:8]...)

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{
			{Config: bulkConfig(hostsA, clientsA, shortLived), ConfigVariables: vars, ConfigStateChecks: history([]string{"a"})},
			{
				PreConfig: func() { env.clock.Advance(24 * time.Hour) },
				Config:    cfg, ConfigVariables: vars,
				ConfigStateChecks: history([]string{"a", "b"}),
			},
			{
				// a is due at start+36h: one second before, nothing to do.
				PreConfig: func() { env.clock.Advance(12*time.Hour - time.Second) },
				Config:    cfg, ConfigVariables: vars, PlanOnly: true,
			},
			{
				PreConfig:          func() { env.clock.Advance(time.Second) },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              resource.ComposeAggregateTestCheckFunc(marked...),
				RefreshPlanChecks:  resource.RefreshPlanChecks{PostRefresh: whileDue},
			},
			{
				// A narrower window alone: a keeps its certificate, the apply
				// judges it under the new window, and it is no longer due.
				Config: bulkConfig(hostsAB, clientsAB, "validity_period_hours = 48\nearly_renewal_hours = 11"), ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(serverCerts, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(serverCerts, certAttr("a", "ready_for_renewal")),
					plancheck.ExpectKnownValue(serverCerts, certAttr("a", "cert_pem"), knownvalue.NotNull()),
					plancheck.ExpectUnknownValue(clientCerts, certAttr("a", "ready_for_renewal")),
				}},
				ConfigStateChecks: append(history([]string{"a", "b"}),
					statecheck.ExpectKnownValue(serverCerts, certAttr("a", "ready_for_renewal"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(clientCerts, certAttr("a", "ready_for_renewal"), knownvalue.Bool(false))),
			},
			{
				// Back to the wider window: a keeps its certificate in this
				// plan, and the apply marks it due under that window.
				Config: cfg, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(serverCerts, certAttr("a", "ready_for_renewal")),
					plancheck.ExpectKnownValue(serverCerts, certAttr("a", "cert_pem"), knownvalue.NotNull()),
					plancheck.ExpectUnknownValue(clientCerts, certAttr("a", "ready_for_renewal")),
				}},
				ConfigStateChecks: append(history([]string{"a", "b"}),
					statecheck.ExpectKnownValue(serverCerts, certAttr("a", "ready_for_renewal"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(clientCerts, certAttr("a", "ready_for_renewal"), knownvalue.Bool(true))),
				ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg, ConfigVariables: vars,
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: afterRenewal},
				ConfigStateChecks: append(history([]string{"a", "b"}, "a"), renewed...),
			},
			{Config: cfg, ConfigVariables: vars, PlanOnly: true},
		},
	})
}

// TestBulkCerts_RenewalWarningNamesEntries: the plan warns once per
// resource, naming the entries it issues again for renewal in order, ten at
// most and then how many more; an entry that is not due is not named.
// plugin-testing cannot see warnings, so this drives terraform.
func TestBulkCerts_RenewalWarningNamesEntries(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	w := caWorkdir(t, env)
	var hosts, clientsHCL []string
	var due []string
	for i := 11; i >= 0; i-- { // out of order: the warning sorts
		name := fmt.Sprintf("h%02d", i)
		due = append(due, name)
		hosts = append(hosts, fmt.Sprintf("    %s = { dns_names = [%q] }", name, name+".example"))
		clientsHCL = append(clientsHCL, fmt.Sprintf("    %s = {}", name))
	}
	slices.Sort(due)
	config := func(host, client string) string {
		return bulkConfig("{\n"+strings.Join(hosts, "\n")+host+"\n  }", "{\n"+strings.Join(clientsHCL, "\n")+client+"\n  }", shortLived)
	}
	w.SetConfig(config("", ""))
	w.Init()
	w.Apply()
	env.clock.Advance(24 * time.Hour)
	w.SetConfig(config("\n    late = { dns_names = [\"late.example\"] }", "\n    late = {}"))
	w.Apply()
	env.clock.Advance(12 * time.Hour)
	plan := w.MustRun("plan", "-json")
	var quoted []string
	for _, n := range due[:10] {
		quoted = append(quoted, fmt.Sprintf("%q", n))
	}
	want := "Certificates due for renewal: issuing them again: 12 certificates are inside the renewal window (early_renewal_hours " +
		"before expiry) or expired: " + strings.Join(quoted, ", ") + " and 2 more. This plan issues a new certificate and key for " +
		"each of them, in place; every other entry keeps its certificate and key."
	got := plan.Warnings()
	if len(got) != 2 || got[0] != want || got[1] != want {
		t.Errorf("the plan warns\n%q\nwant twice\n%q", got, want)
	}
	wantUpdates(t, plan, serverCerts, clientCerts)

	// One entry due: named alone.
	w.Apply()
	env.clock.Advance(24 * time.Hour)
	plan = w.Run("plan", "-json")
	got = nil
	for _, d := range plan.Diagnostics("warning") {
		got = append(got, d.Detail)
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], `1 certificate is inside the renewal window (early_renewal_hours before expiry) or expired: "late". `) {
		t.Errorf("with one entry due, the plan warns %q", got)
	}
}

// applySavedPlanAcross creates servers a and b and client a, certificates
// due 36 hours later (shortLived), then saves a plan of next a second before
// the clock is at due from then and applies it a second after. The apply must
// succeed and keep every entry's certificate, as the plan did; it returns the
// working directory and both resources' entries after it, by address.
func applySavedPlanAcross(t *testing.T, due time.Duration, next string) (*acctest.Workdir, map[string]map[string]bulkEntry) {
	t.Helper()
	env := newTestEnv(t)
	w := caWorkdir(t, env)
	w.SetConfig(bulkConfig(hostsAB, `{ a = {} }`, shortLived))
	w.Init()
	w.Apply()
	before := w.ShowState()

	env.clock.Advance(due - time.Second)
	w.SetConfig(next)
	w.MustRun("plan", "-out=tfplan")
	env.clock.Advance(2 * time.Second)
	if apply := w.Run("apply", "tfplan"); apply.ExitCode != 0 {
		t.Fatalf("applying the saved plan a second after %s: exit %d\n%s", due, apply.ExitCode, apply)
	}
	after := map[string]map[string]bulkEntry{}
	for _, address := range []string{serverCerts, clientCerts} {
		old, err := readBulk(before, address)
		if err != nil {
			t.Fatal(err)
		}
		if after[address], err = readBulk(w.ShowState(), address); err != nil {
			t.Fatal(err)
		}
		for name, e := range old {
			if after[address][name].certPEM != e.certPEM {
				t.Errorf("%s: %q changed, but the saved plan kept it", address, name)
			}
		}
	}
	return w, after
}

// TestBulkCerts_SavedPlanAcrossRenewalTime: a plan saved just before two
// entries fall due, and applied just after, applies as planned: Terraform
// plans the resource again at apply and requires the same result, so the
// plan decides renewal from what refresh stored, not from the clock. The
// next plan renews them.
func TestBulkCerts_SavedPlanAcrossRenewalTime(t *testing.T) {
	t.Parallel()
	hostsABC := strings.Replace(hostsAB, "\n  }", "\n    c = { dns_names = [\"c.example\"] }\n  }", 1)
	// a and b fall due at 36h; the saved plan adds c.
	w, after := applySavedPlanAcross(t, 36*time.Hour, bulkConfig(hostsABC, `{ a = {}, c = {} }`, shortLived))
	for _, address := range []string{serverCerts, clientCerts} {
		if _, ok := after[address]["c"]; !ok {
			t.Errorf("%s: c was not issued", address)
		}
	}
	plan := w.Run("plan", "-json")
	var warned []string
	for _, d := range plan.Diagnostics("warning") {
		warned = append(warned, d.Detail)
	}
	slices.Sort(warned) // the two resources are planned concurrently
	if len(warned) != 2 || !strings.Contains(warned[0], `: "a". This plan issues`) || !strings.Contains(warned[1], `: "a" and "b". This plan issues`) {
		t.Errorf("the next plan warns %q, want a and b renewed (a alone for the clients)", warned)
	}
}

// TestBulkCerts_SavedPlanAcrossRenewalTimeUnderNewWindow: a plan that widens
// early_renewal_hours, saved just before the new window reaches two entries
// and applied just after, applies as planned. Terraform plans the resource
// again at apply and requires every value known in the saved plan to stay
// the same, so a changed window must not be judged against the clock at
// plan time either.
func TestBulkCerts_SavedPlanAcrossRenewalTimeUnderNewWindow(t *testing.T) {
	t.Parallel()
	// Under a 24-hour window the entries fall due at 24h.
	w, after := applySavedPlanAcross(t, 24*time.Hour, bulkConfig(hostsAB, `{ a = {} }`, "validity_period_hours = 48\nearly_renewal_hours = 24"))
	for address, entries := range after {
		for name, e := range entries {
			if e.attrs["ready_for_renewal"] != true {
				t.Errorf("%s: %q has ready_for_renewal %v after the apply, want true under the new window", address, name, e.attrs["ready_for_renewal"])
			}
		}
	}
	// The next plan renews both.
	wantUpdates(t, w.MustRun("plan", "-json"), serverCerts, clientCerts)
}

// TestBulkCerts_WindowUnknownAtPlan: an early_renewal_hours that is unknown
// at plan (here from a terraform_data created in the same apply) becomes
// known when Terraform plans the resource again at apply, and that final
// plan must keep every value the first one knew. A wider window that makes
// an entry due keeps its certificate and marks it, for the next plan to
// renew; an entry refresh marked due under the unchanged window is renewed.
func TestBulkCerts_WindowUnknownAtPlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		advance  time.Duration // from issuing to the plan with the unknown window
		window   int           // the window, once known
		renewNow bool          // the entries are issued again in that apply
	}{
		{name: "wider window makes the entries due", advance: 24 * time.Hour, window: 30},
		{name: "entries marked due under the same window", advance: 37 * time.Hour, window: 12, renewNow: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t)
			vars := caVars(testCA(t, env.clock.Now(), 10000*time.Hour))
			servers := &bulkHistory{address: serverCerts}
			clients := &bulkHistory{address: clientCerts}
			hosts, clientsHCL := `{ a = { dns_names = ["a.example"] } }`, `{ a = {} }`
			unknownWindow := fmt.Sprintf("resource \"terraform_data\" \"window\" {\n  input = %d\n}\n", tc.window) +
				bulkConfig(hosts, clientsHCL, "validity_period_hours = 48\nearly_renewal_hours = terraform_data.window.output")
			history := func(changed ...string) []statecheck.StateCheck {
				return []statecheck.StateCheck{servers.step([]string{"a"}, changed...), clients.step([]string{"a"}, changed...)}
			}
			var renewed []string
			if tc.renewNow {
				renewed = []string{"a"}
			}
			marked := history(renewed...)
			if !tc.renewNow {
				marked = append(marked,
					statecheck.ExpectKnownValue(serverCerts, certAttr("a", "ready_for_renewal"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(clientCerts, certAttr("a", "ready_for_renewal"), knownvalue.Bool(true)))
			}
			steps := []resource.TestStep{
				{Config: bulkConfig(hosts, clientsHCL, shortLived), ConfigVariables: vars, ConfigStateChecks: history()},
				{
					PreConfig: func() { env.clock.Advance(tc.advance) },
					Config:    unknownWindow, ConfigVariables: vars,
					ConfigStateChecks: marked,
					// Marked, the entries are renewed by the next plan.
					ExpectNonEmptyPlan: !tc.renewNow,
				},
			}
			if !tc.renewNow {
				steps = append(steps, resource.TestStep{Config: unknownWindow, ConfigVariables: vars, ConfigStateChecks: history("a")})
			}
			steps = append(steps, resource.TestStep{Config: unknownWindow, ConfigVariables: vars, PlanOnly: true})
			resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: env.factories, Steps: steps})
		})
	}
}
