package main

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

// The memory figure must count the provider, a child of terraform: the sum
// over the process tree is larger than the root's own RSS once a child runs.
func TestTreeRSSCountsChildren(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system: the suite reports no tree memory here")
	}
	page := int64(os.Getpagesize())
	alone := treeRSS(os.Getpid(), page)
	if alone <= 0 {
		t.Fatalf("treeRSS of this process = %d, want > 0", alone)
	}
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Skipf("cannot start a child: %v", err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	// Right after the fork the child may not have its own pages yet.
	var own int64
	for deadline := time.Now().Add(5 * time.Second); own <= 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		own = treeRSS(child.Process.Pid, page)
	}
	if own <= 0 {
		t.Fatalf("treeRSS of the child = %d, want > 0", own)
	}
	if with := treeRSS(os.Getpid(), page); with < alone+own/2 {
		t.Fatalf("treeRSS with a child = %d, want about %d + %d", with, alone, own)
	}
}

// The padded floor must be padded: its input holds pad bytes.
func TestFloorConfigPads(t *testing.T) {
	if got := floorConfig(601, 1500); !strings.Contains(got, "count = 601") || !strings.Contains(got, strings.Repeat("x", 1500)) {
		t.Fatalf("floorConfig(601, 1500) =\n%s", got)
	}
}

// A configuration that never converges (a fresh timestamp each plan) must
// fail the suite: plan -detailed-exitcode exits 2 and measure says so.
func TestMeasureFailsWhenThePlanIsNotEmpty(t *testing.T) {
	acctest.RequireTerraform(t)
	r := &runner{work: t.TempDir(), env: append(os.Environ(), "CHECKPOINT_DISABLE=1")}
	if _, err := r.measure("converges", floorConfig(3, 10), 3, 10); err != nil {
		t.Fatalf("a converging configuration: %v", err)
	}
	_, err := r.measure("drifts", "resource \"terraform_data\" \"x\" {\n  input = timestamp()\n}\n", 1, 0)
	if err == nil || !strings.Contains(err.Error(), "the plan after the apply is not empty") {
		t.Fatalf("measure of a drifting configuration: err = %v, want the plan after the apply is not empty", err)
	}
}

// Every padded floor builds, applies, converges and, once calibrated, holds
// the bytes per instance it was padded to: a floor that fails, drifts or
// misses its bytes would make the ratios to it meaningless.
func TestPaddedFloorsHitTheirBytes(t *testing.T) {
	acctest.RequireTerraform(t)
	work := t.TempDir()
	r := &runner{work: work, provider: filepath.Join(work, "provider"), floor: filepath.Join(work, "floor-provider")}
	t.Chdir("..") // setup builds from the repository's root
	if err := r.setup(); err != nil {
		t.Fatal(err)
	}
	const target, count = 2600.0, 40
	for _, kind := range []floorKind{terraformDataFloor, paddedPluginFloor, widePluginFloor} {
		c, err := r.calibrate(kind)
		if err != nil {
			t.Fatal(err)
		}
		pad := c.padFor(target)
		m, err := r.measure(kind.name, kind.config(count, pad), count, pad)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %+v, pad %d: %.0f B/instance", kind.name, c, pad, m.StateBytesPerIns)
		if math.Abs(m.StateBytesPerIns-target) > target*0.02 {
			t.Errorf("%s padded to %d bytes: %.0f state bytes per instance, want %.0f within 2%%", kind.name, pad, m.StateBytesPerIns, target)
		}
	}
}

// The plugin floors stand for what any framework provider spends, so they
// must run with the garbage collector set as dockertls's main sets it: at
// Go's default a floor spends CPU on collection that ours does not, and
// ours looks closer to the floor than its own code is. gctrace puts each
// collection of the provider in terraform's log with its heap goal; the
// first one's goal is the runtime's minimum heap, which scales with GOGC,
// so the two providers must show the same.
func TestPluginFloorsCollectGarbageAsOursDoes(t *testing.T) {
	acctest.RequireTerraform(t)
	work := t.TempDir()
	r := &runner{work: work, caKey: "write-only", provider: filepath.Join(work, "provider"), floor: filepath.Join(work, "floor-provider")}
	t.Chdir("..") // setup builds from the repository's root
	if err := r.setup(); err != nil {
		t.Fatal(err)
	}
	gcLine := regexp.MustCompile(`provider\.terraform-provider-\w+: gc \d+ @[^\n]*?, (\d+) MB goal`)
	firstGoal := func(name, config string) int {
		t.Helper()
		dir, err := r.dir(name, config)
		if err != nil {
			t.Fatal(err)
		}
		logPath := filepath.Join(work, name+".log")
		cmd := exec.Command("terraform", "plan", "-input=false", "-no-color")
		cmd.Dir = dir
		// TF_LOG_PROVIDER lets terraform log the plugins' stderr, where
		// gctrace writes; the SDK's own loggers stay off in both providers,
		// so no JSON line cuts into a collection's line.
		cmd.Env = append(slices.Clone(r.env), "GODEBUG=gctrace=1", "TF_LOG_PROVIDER=DEBUG", "TF_LOG_PATH="+logPath,
			"TF_LOG_SDK=OFF", "TF_LOG_SDK_PROTO=OFF", "TF_LOG_SDK_FRAMEWORK=OFF")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: terraform plan: %v\n%s", name, err, tail(string(out), 4000))
		}
		log, err := os.ReadFile(logPath)
		if err != nil {
			t.Fatal(err)
		}
		m := gcLine.FindSubmatch(log)
		if m == nil {
			t.Fatalf("%s: the provider collected no garbage during the plan: plan more instances", name)
		}
		goal, err := strconv.Atoi(string(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		return goal
	}
	ours := firstGoal("ours", oursConfig(Scenario{"ECDSA_P256", 100}, r.caKey))
	for _, kind := range []floorKind{paddedPluginFloor, widePluginFloor} {
		if got := firstGoal(kind.name, kind.config(201, 2000)); got != ours {
			t.Errorf("%s: its first collection aims at a %d MB heap, ours at %d MB: it does not collect garbage as dockertls does", kind.name, got, ours)
		}
	}
}

// The bulk configuration's hosts: as many as asked, past the 1024 values
// that one range() gives, with distinct names and addresses, and exactly
// `changed` of them with a second name.
func TestBulkHosts(t *testing.T) {
	acctest.RequireTerraform(t)
	r := &runner{work: t.TempDir(), env: append(os.Environ(), "CHECKPOINT_DISABLE=1")}
	dir, err := r.dir("hosts", bulkHosts+`
output "count" { value = length(local.numbers) }
output "distinct_numbers" { value = length(distinct(local.numbers)) }
output "distinct_addresses" { value = length(distinct(local.ip_addresses)) }
output "changed" { value = length([for n in local.dns_names : n if length(n) == 2]) }
`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.terraform(dir, "apply", "-auto-approve", "-input=false", "-no-color", "-var=hosts=2500", "-var=changed=10"); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("terraform", "-chdir="+dir, "output", "-json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]struct{ Value int }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"count": 2500, "distinct_numbers": 2500, "distinct_addresses": 2500, "changed": 10} {
		if got[name].Value != want {
			t.Errorf("%s = %d, want %d", name, got[name].Value, want)
		}
	}
}
