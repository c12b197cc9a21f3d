package provider

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// fleetGuide is the template of the guide "Fleets: bulk resources or one
// resource per host"; docs/guides holds it as generated.
const fleetGuide = "../../templates/guides/fleets-bulk-resources-or-one-resource-per-host.md.tmpl"

// fleetGuidePreamble declares what the guide's code blocks assume: the CA,
// the hosts and the users.
const fleetGuidePreamble = `
resource "dockertls_ca" "docker" {}

variable "docker_hosts" {
  type = map(object({
    dns_names    = list(string)
    ip_addresses = list(string)
  }))
  default = {
    web1 = { dns_names = ["web1.example.com"], ip_addresses = ["203.0.113.11"] }
    web2 = { dns_names = ["web2.example.com"], ip_addresses = [] }
  }
}

variable "users" {
  type    = list(string)
  default = ["alice", "bob"]
}
`

// TestFleetGuide_ExamplesWork runs the guide's code blocks as written, taken
// from its template. The migration's "before" applies; its "after" destroys
// the single resources and creates the two bulk ones, and the next plan is
// empty; the example of passing certificates on applies beside the bulk
// resources; going back works the same way. A module the guide calls from
// ./modules/docker-host is the example module of that name.
func TestFleetGuide_ExamplesWork(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	w := acctest.NewWorkdir(t, "dockertls", env.factories["dockertls"])
	var before, after, passing string
	for _, block := range strings.Split(readFileString(t, fleetGuide), "```terraform\n")[1:] {
		block = block[:strings.Index(block, "```")]
		switch {
		case strings.Contains(block, `resource "dockertls_server_cert" `):
			before = block
		case strings.Contains(block, `resource "dockertls_server_certs" `):
			after = block
		default:
			passing = block
		}
	}
	if before == "" || after == "" || passing == "" {
		t.Fatal("the guide has no migration's before and after, or no example of passing certificates on: update this test")
	}
	if strings.Contains(passing, `"./modules/docker-host"`) {
		abs, err := filepath.Abs("../../examples/modules/docker-host")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(w.Dir(), "modules"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(w.Dir(), "modules", "docker-host")); err != nil {
			t.Fatal(err)
		}
	}
	apply := func(what, config string, wantActions ...string) {
		t.Helper()
		w.SetConfig(fleetGuidePreamble + config)
		w.Init()
		plan := w.Run("plan", "-json", "-out=tfplan")
		if plan.ExitCode != 0 {
			t.Fatalf("%s: plan exits %d\n%s", what, plan.ExitCode, plan)
		}
		var got []string
		for _, c := range plan.PlannedChanges() {
			got = append(got, c.Action+" "+c.Resource.Addr)
		}
		slices.Sort(got)
		slices.Sort(wantActions)
		if wantActions != nil && !slices.Equal(got, wantActions) {
			t.Errorf("%s: the plan would\n%q\nwant\n%q", what, got, wantActions)
		}
		if res := w.Run("apply", "tfplan"); res.ExitCode != 0 {
			t.Fatalf("%s: apply exits %d\n%s", what, res.ExitCode, res)
		}
		if res := w.Run("plan", "-detailed-exitcode"); res.ExitCode != 0 {
			t.Errorf("%s: the plan after apply exits %d, want 0 (no changes)\n%s", what, res.ExitCode, res)
		}
	}
	singles := []string{
		`dockertls_client_cert.user["alice"]`, `dockertls_client_cert.user["bob"]`,
		`dockertls_server_cert.host["web1"]`, `dockertls_server_cert.host["web2"]`,
	}
	bulk := []string{"dockertls_client_certs.users", "dockertls_server_certs.fleet"}
	with := func(action string, addrs []string) []string {
		var out []string
		for _, a := range addrs {
			out = append(out, action+" "+a)
		}
		return out
	}
	apply("before", before)
	apply("after", after, append(with("delete", singles), with("create", bulk)...)...)
	apply("passing certificates on", after+passing)
	apply("going back", before, append(with("create", singles), with("delete", bulk)...)...)
}
