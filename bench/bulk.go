package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// BulkScenario is a fleet on the bulk resources: one dockertls_ca, one
// dockertls_server_certs and one dockertls_client_certs for Hosts hosts.
type BulkScenario struct {
	KeyAlgorithm string `json:"key_algorithm"`
	Hosts        int    `json:"hosts"`
	// PerHostFloor measures terraform_data with as many instances as the
	// per-host resources would need (1 + 2 × Hosts) beside it.
	PerHostFloor bool `json:"-"`
}

// BulkRow is a bulk scenario's figures.
type BulkRow struct {
	BulkScenario
	ApplySeconds      float64 `json:"apply_seconds"`
	PlanSeconds       float64 `json:"plan_seconds"`
	ReissueSeconds    float64 `json:"reissue_seconds"`
	Reissued          int     `json:"reissued"`
	ApplyPeakTreeMiB  float64 `json:"apply_peak_tree_rss_mib"`
	PlanPeakTreeMiB   float64 `json:"plan_peak_tree_rss_mib"`
	ApplyMaxRSSMiB    float64 `json:"apply_max_rss_mib"`
	StateBytes        int64   `json:"state_bytes"`
	StateBytesPerHost float64 `json:"state_bytes_per_host"`
	// KeygenFloorSeconds is the time to generate the apply's 2 × Hosts keys
	// on every core, measured in this process: what an apply bound by key
	// generation cannot beat.
	KeygenFloorSeconds float64  `json:"keygen_floor_seconds"`
	PerHostFloor       *Measure `json:"per_host_floor,omitempty"`
}

// bulkReissued is how many entries the re-issue step changes.
const bulkReissued = 10

// bulk applies the scenario into an empty state, requires a no-change
// plan, then changes bulkReissued hosts' names and applies again, which
// re-issues exactly those entries.
func (r *runner) bulk(s BulkScenario) (BulkRow, error) {
	row := BulkRow{BulkScenario: s, Reissued: min(bulkReissued, s.Hosts)}
	dir, err := r.dir("bulk", bulkConfig(s.KeyAlgorithm, r.caKey))
	if err != nil {
		return row, err
	}
	hosts := fmt.Sprintf("-var=hosts=%d", s.Hosts)
	apply, err := r.terraform(dir, "apply", "-auto-approve", "-input=false", "-no-color", hosts)
	if err != nil {
		return row, err
	}
	row.ApplySeconds, row.ApplyPeakTreeMiB, row.ApplyMaxRSSMiB = apply.seconds, apply.peakTreeMiB, apply.maxRSSMiB
	st, err := os.Stat(dir + "/terraform.tfstate")
	if err != nil {
		return row, err
	}
	row.StateBytes = st.Size()
	row.StateBytesPerHost = float64(st.Size()) / float64(s.Hosts)
	plan, err := r.terraform(dir, "plan", "-detailed-exitcode", "-input=false", "-no-color", hosts)
	if err != nil {
		return row, fmt.Errorf("the plan after the apply is not empty: %w", err)
	}
	row.PlanSeconds, row.PlanPeakTreeMiB = plan.seconds, plan.peakTreeMiB
	reissue, err := r.terraform(dir, "apply", "-auto-approve", "-input=false", "-no-color", hosts, fmt.Sprintf("-var=changed=%d", row.Reissued))
	if err != nil {
		return row, err
	}
	row.ReissueSeconds = reissue.seconds
	if row.KeygenFloorSeconds, err = keygenFloor(s.KeyAlgorithm, 2*s.Hosts); err != nil {
		return row, err
	}
	if s.PerHostFloor {
		n := 1 + 2*s.Hosts
		m, err := r.measure("per-host floor", floorConfig(n, 0), n, 0)
		if err != nil {
			return row, err
		}
		row.PerHostFloor = &m
	}
	return row, os.RemoveAll(dir)
}

// keygenFloor generates keys of alg on GOMAXPROCS goroutines and returns the
// seconds taken; for more than 64 keys it times 64 and scales.
func keygenFloor(alg string, keys int) (float64, error) {
	sample := min(keys, 64)
	work := make(chan struct{}, sample)
	for range sample {
		work <- struct{}{}
	}
	close(work)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for range work {
				if _, err := pki.GenerateKey(pki.KeyAlgorithm(alg)); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return time.Since(start).Seconds() * float64(keys) / float64(sample), nil
}

// bulkConfig is the bulk fleet with the host count as a variable, and the
// first `changed` hosts given a second DNS name. Terraform's range() stops
// at 1024 values, so host numbers are built from two ranges.
func bulkConfig(alg, caKey string) string {
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

%[4]s
resource "dockertls_ca" "fleet" {
  key_algorithm = %[1]q
}

resource "dockertls_server_certs" "fleet" {
  key_algorithm = %[1]q
  %[2]s = dockertls_ca.fleet.cert_pem
  %[3]s = dockertls_ca.fleet.private_key_pem
  hosts = { for i in local.numbers : "host${i}" => {
    dns_names    = local.dns_names[i]
    ip_addresses = [local.ip_addresses[i]]
  } }
}

resource "dockertls_client_certs" "fleet" {
  key_algorithm = %[1]q
  %[2]s = dockertls_ca.fleet.cert_pem
  %[3]s = dockertls_ca.fleet.private_key_pem
  clients = { for i in local.numbers : "client${i}" => {} }
}
`, alg, certAttr, keyAttr, bulkHosts)
}

// bulkHosts are the bulk configuration's variables and the hosts' numbers,
// names and addresses (distinct up to 62,500 × 250 hosts).
const bulkHosts = `variable "hosts" {
  type = number
}

variable "changed" {
  type    = number
  default = 0
}

locals {
  numbers      = flatten([for a in range(ceil(var.hosts / 1000)) : [for b in range(min(1000, var.hosts - a * 1000)) : a * 1000 + b]])
  dns_names    = [for i in local.numbers : i < var.changed ? ["host${i}.example.com", "alt${i}.example.com"] : ["host${i}.example.com"]]
  ip_addresses = [for i in local.numbers : "10.${floor(i / 62500)}.${floor(i / 250) % 250}.${i % 250 + 1}"]
}
`

func bulkMarkdown(rows []BulkRow) string {
	if len(rows) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nBulk resources (one `dockertls_server_certs` and one `dockertls_client_certs` for every host): apply into an empty state, a no-change plan, then an apply that re-issues ")
	fmt.Fprintf(&b, "%d entries. The key generation floor is the apply's keys generated on every core in this process; the per-host floor is `terraform_data` with the 1 + 2N instances the per-host resources would need.\n\n", bulkReissued)
	b.WriteString("| key, hosts | apply s | plan s | re-issue s | key generation floor s | apply RSS MiB | plan RSS MiB | state KiB | B/host | per-host floor: apply s, plan s |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, row := range rows {
		floor := "not measured"
		if f := row.PerHostFloor; f != nil {
			floor = fmt.Sprintf("%.1f, %.1f (ours %.3f×, %.3f×)", f.ApplySeconds, f.PlanSeconds, ratio(row.ApplySeconds, f.ApplySeconds), ratio(row.PlanSeconds, f.PlanSeconds))
		}
		fmt.Fprintf(&b, "| %s, %d | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f | %.0f | %s |\n",
			row.KeyAlgorithm, row.Hosts, row.ApplySeconds, row.PlanSeconds, row.ReissueSeconds, row.KeygenFloorSeconds,
			row.ApplyPeakTreeMiB, row.PlanPeakTreeMiB, float64(row.StateBytes)/1024, row.StateBytesPerHost, floor)
	}
	return b.String()
}
