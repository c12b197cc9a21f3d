package main

import (
	"flag"
	"log"
	"os"
	"runtime/debug"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/dockertls/terraform-provider-dockertls/internal/provider"
)

// version is set at build time by goreleaser (-X main.version=...).
var version = "dev"

func main() {
	var debugMode bool
	flag.BoolVar(&debugMode, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	percent, limit := gcSettings(os.Environ())
	if percent > 0 {
		debug.SetGCPercent(percent)
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}

	if !debugMode {
		for name, value := range quietSDKLogs(os.Environ()) {
			if err := os.Setenv(name, value); err != nil {
				log.Fatal(err.Error())
			}
		}
	}

	// The provider's own protocol server: the framework's, with a fast path
	// for the bulk resources (provider.New; the type is protocolServer).
	// This is what providerserver.Serve does with the framework's server
	// alone.
	var opts []tf6server.ServeOpt
	if debugMode {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	if err := tf6server.Serve("registry.terraform.io/dockertls/dockertls", provider.New(version), opts...); err != nil {
		log.Fatal(err.Error())
	}
}

// sdkLogLevels are the variables that set the levels of the SDK's own
// loggers: terraform-plugin-go's (the root and its protocol subsystem) and
// the framework's. Unset, each defaults to TRACE.
var sdkLogLevels = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}

// quietSDKLogs returns the variables to set (name to value) so that the
// SDK's loggers write nothing when nobody asked for logs. Unset, they log
// at TRACE: every RPC encodes dozens of JSON lines to stderr, and Terraform
// then drops them all unless TF_LOG or TF_LOG_PROVIDER asks for them. When
// any TF_LOG* variable has a value (TF_LOG, TF_LOG_PROVIDER, TF_LOG_CORE,
// TF_LOG_PATH, a TF_LOG_SDK* level, the provider's own
// TF_LOG_PROVIDER_DOCKERTLS), it returns nothing: whoever asked for logs
// gets exactly what the SDK would have written. environ is in os.Environ's
// form.
func quietSDKLogs(environ []string) map[string]string {
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_LOG") && value != "" {
			return nil
		}
	}
	quiet := make(map[string]string, len(sdkLogLevels))
	for _, name := range sdkLogLevels {
		quiet[name] = "OFF"
	}
	return quiet
}

// The provider is a short-lived process, and Go's default of collecting
// whenever the heap has doubled made garbage collection a large share of
// its CPU in a fleet's no-change plan. It collects at 400% growth instead,
// with a soft memory limit that makes the collector work harder as the heap
// nears it. The price is memory: the live heap grows with the plan's
// instances, so the peak resident size grows too, and a large enough fleet
// rides the limit. `make bench` measures both sides (the no-change plan's
// time and the provider's peak memory per fleet size; bench/results holds
// the figures this was chosen from). GOGC and GOMEMLIMIT in the environment
// still win.
const (
	providerGCPercent   = 400
	providerMemoryLimit = 512 << 20
)

// gcSettings returns the GC percent and the memory limit to set, or 0 for
// "leave the runtime's": each of ours applies unless the environment sets
// its variable (GOGC, GOMEMLIMIT) to a non-empty value, which the runtime
// has already read. environ is in os.Environ's form.
func gcSettings(environ []string) (percent int, limit int64) {
	percent, limit = providerGCPercent, providerMemoryLimit
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		switch {
		case value == "":
		case name == "GOGC":
			percent = 0
		case name == "GOMEMLIMIT":
			limit = 0
		}
	}
	return percent, limit
}
