// Command startup measures what Terraform waits for every time it starts the
// provider: from exec until the go-plugin handshake line appears on the
// provider's stdout. It starts the binary as Terraform does (the magic
// cookie, the protocol versions and a client certificate for the automatic
// mTLS), times the handshake, kills the process, and reports the median of
// -n runs. It exits 1 when the median is over -max (50 ms by default).
//
//	go run ./bench/startup               # builds the provider as a release does
//	go run ./bench/startup -binary PATH  # times an existing build
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

func main() {
	binary := flag.String("binary", "", "provider binary to time (default: build one with -trimpath -ldflags \"-s -w\", CGO_ENABLED=0)")
	runs := flag.Int("n", 20, "number of starts")
	limit := flag.Duration("max", 50*time.Millisecond, "fail when the median start-up is over this")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()

	if err := run(*binary, *runs, *limit, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}

type result struct {
	Runs      int     `json:"runs"`
	MedianMS  float64 `json:"median_ms"`
	MinMS     float64 `json:"min_ms"`
	MaxMS     float64 `json:"max_ms"`
	LimitMS   float64 `json:"limit_ms"`
	SizeBytes int64   `json:"binary_bytes"`
}

func run(binary string, runs int, limit time.Duration, jsonOut bool) error {
	if runs < 1 {
		return fmt.Errorf("-n must be at least 1")
	}
	tmp, err := os.MkdirTemp("", "dockertls-startup")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	if binary == "" {
		binary = filepath.Join(tmp, "terraform-provider-dockertls")
		if runtime.GOOS == "windows" {
			binary += ".exe"
		}
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", binary, ".") //nolint:gosec // the output path is our own temporary directory
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build (run from the repository's root): %w", err)
		}
	}
	info, err := os.Stat(binary)
	if err != nil {
		return err
	}
	clientCert, err := clientCertificate()
	if err != nil {
		return err
	}

	// One start outside the count: it pages the binary into the cache.
	if _, err := handshake(binary, clientCert, tmp); err != nil {
		return err
	}
	times := make([]time.Duration, 0, runs)
	for range runs {
		d, err := handshake(binary, clientCert, tmp)
		if err != nil {
			return err
		}
		times = append(times, d)
	}
	slices.Sort(times)
	median := times[len(times)/2]
	if len(times)%2 == 0 {
		median = (times[len(times)/2-1] + times[len(times)/2]) / 2
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	r := result{Runs: runs, MedianMS: ms(median), MinMS: ms(times[0]), MaxMS: ms(times[len(times)-1]), LimitMS: ms(limit), SizeBytes: info.Size()}
	if jsonOut {
		out, err := json.Marshal(r)
		if err != nil {
			return err
		}
		fmt.Println(string(out))
	} else {
		fmt.Printf("provider start-up to handshake over %d runs: median %.1f ms (min %.1f, max %.1f); target < %.0f ms; binary %.1f MB\n",
			r.Runs, r.MedianMS, r.MinMS, r.MaxMS, r.LimitMS, float64(r.SizeBytes)/(1<<20))
	}
	if median > limit {
		return fmt.Errorf("median start-up %.1f ms is over the %.0f ms target", r.MedianMS, r.LimitMS)
	}
	return nil
}

// handshake starts binary with the environment go-plugin's client sets (as
// Terraform does, with automatic mTLS) and returns the time until the
// handshake line is read from its stdout.
func handshake(binary, clientCert, socketDir string) (time.Duration, error) {
	cmd := exec.Command(binary)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_") && !strings.HasPrefix(kv, "PLUGIN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env,
		"TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
		"PLUGIN_PROTOCOL_VERSIONS=5,6",
		"PLUGIN_MIN_PORT=10000",
		"PLUGIN_MAX_PORT=25000",
		"PLUGIN_UNIX_SOCKET_DIR="+socketDir,
		"PLUGIN_CLIENT_CERT="+clientCert,
	)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	elapsed := time.Since(start)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if err != nil {
		return 0, fmt.Errorf("no handshake line from %s: %w; stderr:\n%s", binary, err, stderr.String())
	}
	if parts := strings.Split(line, "|"); len(parts) < 6 || parts[4] != "grpc" || strings.TrimSpace(parts[5]) == "" {
		return 0, fmt.Errorf("unexpected handshake line %q (want gRPC with the server's mTLS certificate)", line)
	}
	return elapsed, nil
}

// clientCertificate returns a self-signed certificate in PEM, standing in
// for the one Terraform's go-plugin client generates for automatic mTLS.
func clientCertificate() (string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}
