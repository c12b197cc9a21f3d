// Command bench measures what Terraform and this provider spend on a fleet's
// PKI: one CA and N hosts, each with a dockertls_server_cert and a
// dockertls_client_cert, applied and planned with the real terraform and the
// locally built provider. Beside each run, in the same process and on the same
// machine, it measures three floors: Terraform's built-in terraform_data with
// the same instance count, the same padded to the same state bytes per
// instance, and the plugin floor (bench/floorprovider, the cheapest
// terraform-plugin-framework provider) with those bytes too. Every figure is
// printed also as a ratio to its floors.
//
//	go run ./bench                      # the full suite (what `make bench` runs)
//	go run ./bench -quick               # small N only: a smoke test in about a minute
//	go run ./bench -hashicorp-tls bench/hashicorp-tls -hosts 100
//	                                    # the same PKI with hashicorp/tls (needs registry access)
//
// It is a development tool: the provider never imports it.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Scenario is one (key algorithm, host count) pair.
type Scenario struct {
	KeyAlgorithm string `json:"key_algorithm"`
	Hosts        int    `json:"hosts"`
}

// Instances is one CA plus a server and a client certificate per host.
func (s Scenario) Instances() int { return 1 + 2*s.Hosts }

// Measure is one configuration applied then planned.
type Measure struct {
	Variant          string  `json:"variant"`
	Instances        int     `json:"instances"`
	ApplySeconds     float64 `json:"apply_seconds"`
	PlanSeconds      float64 `json:"plan_seconds"`
	ApplyMaxRSSMiB   float64 `json:"apply_max_rss_mib"`
	PlanMaxRSSMiB    float64 `json:"plan_max_rss_mib"`
	ApplyPeakTreeMiB float64 `json:"apply_peak_tree_rss_mib"`
	PlanPeakTreeMiB  float64 `json:"plan_peak_tree_rss_mib"`
	StateBytes       int64   `json:"state_bytes"`
	StateBytesPerIns float64 `json:"state_bytes_per_instance"`
	PaddingBytes     int     `json:"padding_bytes,omitempty"`
}

// Row is a scenario with our figures and both floors.
type Row struct {
	Scenario
	Ours   Measure `json:"ours"`
	Floor  Measure `json:"floor"`
	Padded Measure `json:"padded_floor"`
	Plugin Measure `json:"plugin_floor"`
	Wide   Measure `json:"wide_plugin_floor"`
}

// Report is the JSON file two runs are compared with.
type Report struct {
	Started          time.Time `json:"started"`
	TerraformVersion string    `json:"terraform_version"`
	GoVersion        string    `json:"go_version"`
	CPUs             int       `json:"cpus"`
	CAKey            string    `json:"ca_key"`
	Rows             []Row     `json:"rows"`
	Load             *Load     `json:"load,omitempty"`
	Bulk             []BulkRow `json:"bulk,omitempty"`
	HashicorpTLS     *Measure  `json:"hashicorp_tls,omitempty"`
}

// Load is the check that a large apply at high parallelism converges.
type Load struct {
	Hosts        int     `json:"hosts"`
	Parallelism  int     `json:"parallelism"`
	ApplySeconds float64 `json:"apply_seconds"`
	PlanEmpty    bool    `json:"plan_empty"`
}

type runner struct {
	work     string // scratch directory
	env      []string
	caKey    string
	provider string // provider binary directory
	floor    string // the plugin floor's binary directory
	// calibrations of the padded floors, by floorKind.name
	calibrations map[string]calibration
}

func main() {
	var (
		quick     = flag.Bool("quick", os.Getenv("BENCH_QUICK") == "1", "small N only (also BENCH_QUICK=1)")
		jsonOut   = flag.String("json", "", "write the results as JSON to this file")
		mdOut     = flag.String("md", "", "write the Markdown table to this file too")
		caKey     = flag.String("ca-key", "write-only", "how leaves get the CA: write-only (ca_cert_pem_wo and ca_private_key_pem_wo, the setup the docs recommend) or stored (ca_cert_pem and ca_private_key_pem, a copy of both in every leaf)")
		noLoad    = flag.Bool("no-load", false, "skip the load check")
		hcTLS     = flag.String("hashicorp-tls", "", "directory of the hashicorp/tls configuration: measure it (terraform init needs registry access) instead of the suite")
		hosts     = flag.Int("hosts", 100, "hosts for -hashicorp-tls")
		keepWork  = flag.Bool("keep", false, "keep the scratch directory")
		workParam = flag.String("work", "", "scratch directory (default: a new temporary one)")
	)
	flag.Parse()
	if err := run(*quick, *jsonOut, *mdOut, *caKey, *noLoad, *hcTLS, *hosts, *keepWork, *workParam); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(quick bool, jsonOut, mdOut, caKey string, noLoad bool, hcTLS string, hosts int, keep bool, work string) error {
	if caKey != "write-only" && caKey != "stored" {
		return fmt.Errorf("-ca-key must be write-only or stored, not %q", caKey)
	}
	if work == "" {
		dir, err := os.MkdirTemp("", "dockertls-bench-")
		if err != nil {
			return err
		}
		work = dir
	}
	if !keep {
		defer os.RemoveAll(work)
	}
	r := &runner{work: work, caKey: caKey, provider: filepath.Join(work, "provider"), floor: filepath.Join(work, "floor-provider")}
	if err := r.setup(); err != nil {
		return err
	}
	rep := Report{Started: time.Now().UTC(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), CAKey: caKey}
	if out, err := exec.Command("terraform", "version").Output(); err == nil {
		rep.TerraformVersion = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}

	if hcTLS != "" {
		m, err := r.hashicorpTLS(hcTLS, hosts)
		if err != nil {
			return err
		}
		rep.HashicorpTLS = &m
		fmt.Printf("hashicorp/tls, %d hosts (%d instances): apply %.1f s, plan %.1f s, state %d B (%.0f B/instance)\n",
			hosts, m.Instances, m.ApplySeconds, m.PlanSeconds, m.StateBytes, m.StateBytesPerIns)
		return writeJSON(jsonOut, rep)
	}

	scenarios := []Scenario{
		{"ECDSA_P256", 10}, {"ECDSA_P256", 100}, {"ECDSA_P256", 300},
		{"RSA_2048", 10}, {"RSA_2048", 100},
		{"RSA_4096", 10},
	}
	loadHosts := 300
	bulk := []BulkScenario{{"ECDSA_P256", 1000, true}, {"ECDSA_P256", 5000, false}, {"RSA_2048", 100, false}}
	if quick {
		scenarios = []Scenario{{"ECDSA_P256", 10}, {"RSA_2048", 10}}
		loadHosts = 20
		bulk = []BulkScenario{{"ECDSA_P256", 50, true}, {"RSA_2048", 10, false}}
	}
	r.calibrations = map[string]calibration{}
	for _, kind := range []floorKind{terraformDataFloor, paddedPluginFloor, widePluginFloor} {
		c, err := r.calibrate(kind)
		if err != nil {
			return err
		}
		r.calibrations[kind.name] = c
	}
	for _, s := range scenarios {
		fmt.Fprintf(os.Stderr, "bench: %s, %d hosts\n", s.KeyAlgorithm, s.Hosts)
		row, err := r.scenario(s)
		if err != nil {
			return fmt.Errorf("%s, %d hosts: %w", s.KeyAlgorithm, s.Hosts, err)
		}
		rep.Rows = append(rep.Rows, row)
	}
	if !noLoad {
		fmt.Fprintf(os.Stderr, "bench: load check, %d hosts at -parallelism=50\n", loadHosts)
		l, err := r.load(loadHosts, 50)
		if err != nil {
			return fmt.Errorf("load check: %w", err)
		}
		rep.Load = &l
	}
	for _, s := range bulk {
		fmt.Fprintf(os.Stderr, "bench: bulk, %s, %d hosts\n", s.KeyAlgorithm, s.Hosts)
		row, err := r.bulk(s)
		if err != nil {
			return fmt.Errorf("bulk, %s, %d hosts: %w", s.KeyAlgorithm, s.Hosts, err)
		}
		rep.Bulk = append(rep.Bulk, row)
	}
	md := markdown(rep) + bulkMarkdown(rep.Bulk)
	fmt.Print(md)
	if mdOut != "" {
		if err := os.WriteFile(mdOut, []byte(md), 0o644); err != nil {
			return err
		}
	}
	return writeJSON(jsonOut, rep)
}

func writeJSON(path string, rep Report) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// setup builds the provider from the current module and writes a CLI
// configuration that points terraform at it (dev_overrides: no init, no
// registry). The environment drops every TF_LOG* so nobody pays for logs.
func (r *runner) setup() error {
	for _, dir := range []string{r.provider, r.floor} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	for _, b := range []struct{ out, pkg string }{
		{filepath.Join(r.provider, "terraform-provider-dockertls"), "."},
		{filepath.Join(r.floor, "terraform-provider-floor"), "./bench/floorprovider"},
	} {
		build := exec.Command("go", "build", "-o", b.out, b.pkg)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build of %s (run from the repository's root): %w", b.pkg, err)
		}
	}
	cliConfig := filepath.Join(r.work, "terraformrc")
	conf := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"dockertls/dockertls\" = %q\n    \"dockertls/floor\" = %q\n  }\n  direct {}\n}\n", r.provider, r.floor)
	if err := os.WriteFile(cliConfig, []byte(conf), 0o644); err != nil {
		return err
	}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_LOG") || strings.HasPrefix(kv, "TF_CLI_CONFIG_FILE=") || strings.HasPrefix(kv, "CHECKPOINT_DISABLE=") {
			continue
		}
		r.env = append(r.env, kv)
	}
	r.env = append(r.env, "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	return nil
}

func (r *runner) scenario(s Scenario) (Row, error) {
	row := Row{Scenario: s}
	var err error
	if row.Ours, err = r.measure("ours", oursConfig(s, r.caKey), s.Instances(), 0); err != nil {
		return row, err
	}
	if row.Floor, err = r.measure("floor", floorConfig(s.Instances(), 0), s.Instances(), 0); err != nil {
		return row, err
	}
	// Each padded floor is padded to our bytes per instance, by the
	// calibration of its own per-instance overhead.
	for _, f := range []struct {
		variant string
		kind    floorKind
		into    *Measure
	}{
		{"padded floor", terraformDataFloor, &row.Padded},
		{"plugin floor", paddedPluginFloor, &row.Plugin},
		{"wide plugin floor", widePluginFloor, &row.Wide},
	} {
		pad := r.calibrations[f.kind.name].padFor(row.Ours.StateBytesPerIns)
		if *f.into, err = r.measure(f.variant, f.kind.config(s.Instances(), pad), s.Instances(), pad); err != nil {
			return row, err
		}
	}
	return row, nil
}

// floorKind is a floor's configuration for count instances each holding
// pad bytes of padding.
type floorKind struct {
	name   string
	config func(count, pad int) string
}

var (
	terraformDataFloor = floorKind{"terraform_data", floorConfig}
	paddedPluginFloor  = floorKind{"floor_padded", func(count, pad int) string { return pluginFloorConfig("floor_padded", count, pad) }}
	widePluginFloor    = floorKind{"floor_wide", func(count, pad int) string { return pluginFloorConfig("floor_wide", count, pad) }}
)

// calibration is how a floor's state bytes per instance follow its padding:
// base + perPadByte * pad.
type calibration struct {
	base, perPadByte float64
}

// padFor is the padding that brings the floor to bytesPerInstance.
func (c calibration) padFor(bytesPerInstance float64) int {
	if c.perPadByte <= 0 {
		return 0
	}
	return max(int(math.Round((bytesPerInstance-c.base)/c.perPadByte)), 0)
}

// calibrate applies kind with calibrationCount instances at two paddings
// and fits the line through them. Every floor stores its padding about
// twice, but their fixed overhead per instance differs by hundreds of bytes
// (terraform_data's id and typed values, the wide floor's attributes).
func (r *runner) calibrate(kind floorKind) (calibration, error) {
	const calibrationCount, low, high = 20, 500, 1500
	var at [2]float64
	for i, pad := range []int{low, high} {
		m, err := r.measure("calibrate "+kind.name, kind.config(calibrationCount, pad), calibrationCount, pad)
		if err != nil {
			return calibration{}, fmt.Errorf("calibrating %s: %w", kind.name, err)
		}
		at[i] = m.StateBytesPerIns
	}
	per := (at[1] - at[0]) / (high - low)
	return calibration{base: at[0] - per*low, perPadByte: per}, nil
}

func (r *runner) load(hosts, parallelism int) (Load, error) {
	s := Scenario{"ECDSA_P256", hosts}
	dir, err := r.dir("load", oursConfig(s, r.caKey))
	if err != nil {
		return Load{}, err
	}
	l := Load{Hosts: hosts, Parallelism: parallelism}
	res, err := r.terraform(dir, "apply", "-auto-approve", "-input=false", "-no-color", fmt.Sprintf("-parallelism=%d", parallelism))
	if err != nil {
		return l, err
	}
	l.ApplySeconds = res.seconds
	if _, err := r.terraform(dir, "plan", "-detailed-exitcode", "-input=false", "-no-color", fmt.Sprintf("-parallelism=%d", parallelism)); err != nil {
		return l, fmt.Errorf("the plan after the apply is not empty: %w", err)
	}
	l.PlanEmpty = true
	return l, os.RemoveAll(dir)
}

func (r *runner) dir(name, config string) (string, error) {
	dir := filepath.Join(r.work, strings.ReplaceAll(name, " ", "-"))
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644)
}

// measure applies a configuration into an empty state, then requires a
// no-change plan (exit code 0 of -detailed-exitcode).
func (r *runner) measure(variant, config string, instances, pad int) (Measure, error) {
	dir, err := r.dir(variant, config)
	if err != nil {
		return Measure{}, err
	}
	m, err := r.applyPlan(dir, variant, instances)
	m.PaddingBytes = pad
	if err != nil {
		return m, err
	}
	return m, os.RemoveAll(dir)
}

func (r *runner) applyPlan(dir, variant string, instances int, extra ...string) (Measure, error) {
	m := Measure{Variant: variant, Instances: instances}
	apply, err := r.terraform(dir, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, extra...)...)
	if err != nil {
		return m, fmt.Errorf("%s: %w", variant, err)
	}
	plan, err := r.terraform(dir, append([]string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, extra...)...)
	if err != nil {
		return m, fmt.Errorf("%s: the plan after the apply is not empty: %w", variant, err)
	}
	st, err := os.Stat(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		return m, err
	}
	m.ApplySeconds, m.ApplyMaxRSSMiB, m.ApplyPeakTreeMiB = apply.seconds, apply.maxRSSMiB, apply.peakTreeMiB
	m.PlanSeconds, m.PlanMaxRSSMiB, m.PlanPeakTreeMiB = plan.seconds, plan.maxRSSMiB, plan.peakTreeMiB
	m.StateBytes = st.Size()
	m.StateBytesPerIns = float64(st.Size()) / float64(instances)
	return m, nil
}

type result struct {
	seconds     float64
	maxRSSMiB   float64 // wait4's ru_maxrss: the largest of terraform and its waited-for children (the provider)
	peakTreeMiB float64 // sampled from /proc: the peak of terraform's and its children's RSS summed
}

// terraform runs one command and fails on any exit code but 0, so a plan
// with -detailed-exitcode that finds changes (2) is an error.
func (r *runner) terraform(dir string, args ...string) (result, error) {
	cmd := exec.Command("terraform", args...)
	cmd.Dir, cmd.Env = dir, r.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	stop := make(chan struct{})
	peak := make(chan int64, 1)
	go func() { peak <- sampleTree(cmd.Process.Pid, stop) }()
	err := cmd.Wait()
	elapsed := time.Since(start)
	close(stop)
	res := result{seconds: elapsed.Seconds(), peakTreeMiB: float64(<-peak) / (1 << 20)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.maxRSSMiB = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	if err != nil {
		return res, fmt.Errorf("terraform %s: %w\n%s", strings.Join(args, " "), err, tail(out.String(), 4000))
	}
	return res, nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// sampleTree returns the peak, over samples every 20 ms, of the summed RSS
// of pid and its descendants. Zero where /proc is missing.
func sampleTree(pid int, stop <-chan struct{}) int64 {
	var peak int64
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	page := int64(os.Getpagesize())
	for {
		if sum := treeRSS(pid, page); sum > peak {
			peak = sum
		}
		select {
		case <-stop:
			return peak
		case <-tick.C:
		}
	}
}

func treeRSS(root int, page int64) int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	parent := map[int]int{}
	rss := map[int]int64{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command name, which may hold spaces: state ppid ... rss is field 24.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 22 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		pages, _ := strconv.ParseInt(f[21], 10, 64)
		parent[pid], rss[pid] = ppid, pages*page
	}
	var sum int64
	for pid, r := range rss {
		for p := pid; p > 1; p = parent[p] {
			if p == root {
				sum += r
				break
			}
		}
	}
	return sum
}

func oursConfig(s Scenario, caKey string) string {
	certAttr, keyAttr := "ca_cert_pem_wo", "ca_private_key_pem_wo"
	if caKey == "stored" {
		certAttr, keyAttr = "ca_cert_pem", "ca_private_key_pem"
	}
	return fmt.Sprintf(`terraform {
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

resource "dockertls_ca" "fleet" {
  key_algorithm = %[1]q
}

resource "dockertls_server_cert" "host" {
  count         = %[2]d
  key_algorithm = %[1]q
  %[4]s = dockertls_ca.fleet.cert_pem
  %[3]s = dockertls_ca.fleet.private_key_pem
  dns_names     = ["host${count.index}.example.com"]
  ip_addresses  = ["10.0.${floor(count.index / 250)}.${count.index %% 250 + 1}"]
}

resource "dockertls_client_cert" "host" {
  count         = %[2]d
  key_algorithm = %[1]q
  %[4]s = dockertls_ca.fleet.cert_pem
  %[3]s = dockertls_ca.fleet.private_key_pem
  common_name   = "client${count.index}"
}
`, s.KeyAlgorithm, s.Hosts, keyAttr, certAttr)
}

// floorConfig is Terraform's own cheapest managed resource, count times,
// each holding an input of pad bytes (one byte when pad is 0).
func floorConfig(count, pad int) string {
	if pad < 1 {
		pad = 1
	}
	return fmt.Sprintf(`resource "terraform_data" "floor" {
  count = %d
  input = %q
}
`, count, strings.Repeat("x", pad))
}

// wideExtra is floor_wide's count of extra attributes, a0 to a15 (see
// bench/floorprovider), each given a 40-character value.
const wideExtra = 16

// pluginFloorConfig is a plugin floor resource (floor_padded or
// floor_wide), count times, each holding an input of pad bytes (one byte
// when pad is 0); floor_wide's extra attributes are set too.
func pluginFloorConfig(resourceType string, count, pad int) string {
	if pad < 1 {
		pad = 1
	}
	var extra strings.Builder
	if resourceType == "floor_wide" {
		for i := range wideExtra {
			fmt.Fprintf(&extra, "  a%d = %q\n", i, strings.Repeat("y", 40))
		}
	}
	return fmt.Sprintf(`terraform {
  required_providers {
    floor = {
      source = "dockertls/floor"
    }
  }
}

resource %q "floor" {
  count = %d
  input = %q
%s}
`, resourceType, count, strings.Repeat("x", pad), extra.String())
}

// hashicorpTLS measures the configuration in dir (see bench/hashicorp-tls):
// terraform init fetches hashicorp/tls from the registry. Its instances:
// the CA's key and self-signed certificate, then per host a key, a request
// and a signed certificate for the server and for the client.
func (r *runner) hashicorpTLS(src string, hosts int) (Measure, error) {
	config, err := os.ReadFile(filepath.Join(src, "main.tf"))
	if err != nil {
		return Measure{}, err
	}
	dir, err := r.dir("hashicorp-tls", string(config))
	if err != nil {
		return Measure{}, err
	}
	// Our CLI configuration overrides only dockertls; hashicorp/tls comes
	// from the registry ("direct").
	if _, err := r.terraform(dir, "init", "-input=false", "-no-color"); err != nil {
		return Measure{}, fmt.Errorf("needs access to registry.terraform.io: %w", err)
	}
	return r.applyPlan(dir, "hashicorp/tls", 2+6*hosts, fmt.Sprintf("-var=hosts=%d", hosts))
}

func markdown(rep Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s: %s, %s, %d CPUs, CA key %s. Seconds are wall time; RSS is the peak in MiB of terraform and the provider summed (sampled every 20 ms); ratios are ours over the plain floor / the padded floor / the plugin floor / the wide plugin floor.\n\n",
		rep.Started.Format(time.RFC3339), rep.TerraformVersion, rep.GoVersion, rep.CPUs, rep.CAKey)
	b.WriteString("| key, hosts | variant | instances | apply s | plan s | apply RSS MiB | plan RSS MiB | state KiB | B/instance |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, row := range rep.Rows {
		o, f, p, g, w := row.Ours, row.Floor, row.Padded, row.Plugin, row.Wide
		cell := func(ours, floor, padded, plugin, wide float64, format string) string {
			return fmt.Sprintf(format+" (%.2f× / %.2f× / %.2f× / %.2f×)", ours, ratio(ours, floor), ratio(ours, padded), ratio(ours, plugin), ratio(ours, wide))
		}
		fmt.Fprintf(&b, "| %s, %d | **dockertls** | %d | %s | %s | %s | %s | %s | %s |\n",
			row.KeyAlgorithm, row.Hosts, o.Instances,
			cell(o.ApplySeconds, f.ApplySeconds, p.ApplySeconds, g.ApplySeconds, w.ApplySeconds, "%.2f"),
			cell(o.PlanSeconds, f.PlanSeconds, p.PlanSeconds, g.PlanSeconds, w.PlanSeconds, "%.2f"),
			cell(o.ApplyPeakTreeMiB, f.ApplyPeakTreeMiB, p.ApplyPeakTreeMiB, g.ApplyPeakTreeMiB, w.ApplyPeakTreeMiB, "%.0f"),
			cell(o.PlanPeakTreeMiB, f.PlanPeakTreeMiB, p.PlanPeakTreeMiB, g.PlanPeakTreeMiB, w.PlanPeakTreeMiB, "%.0f"),
			cell(float64(o.StateBytes)/1024, float64(f.StateBytes)/1024, float64(p.StateBytes)/1024, float64(g.StateBytes)/1024, float64(w.StateBytes)/1024, "%.0f"),
			cell(o.StateBytesPerIns, f.StateBytesPerIns, p.StateBytesPerIns, g.StateBytesPerIns, w.StateBytesPerIns, "%.0f"))
		for _, m := range []Measure{f, p, g, w} {
			fmt.Fprintf(&b, "| | %s | %d | %.2f | %.2f | %.0f | %.0f | %.0f | %.0f |\n",
				m.Variant, m.Instances, m.ApplySeconds, m.PlanSeconds, m.ApplyPeakTreeMiB, m.PlanPeakTreeMiB, float64(m.StateBytes)/1024, m.StateBytesPerIns)
		}
	}
	if rep.Load != nil {
		fmt.Fprintf(&b, "\nLoad: %d hosts (%d instances) at -parallelism=%d applied in %.1f s; the second plan was empty: %v.\n",
			rep.Load.Hosts, 1+2*rep.Load.Hosts, rep.Load.Parallelism, rep.Load.ApplySeconds, rep.Load.PlanEmpty)
	}
	return b.String()
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
