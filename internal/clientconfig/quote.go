package clientconfig

import (
	"encoding/csv"
	"regexp"
	"strings"
)

// ContextCommand is `docker context create NAME --docker VALUE` as one
// POSIX sh command line: every value is quoted twice, first for the docker
// CLI, which reads --docker's value as one CSV record of key=value fields
// (pflag's StringToString, with encoding/csv), then for the shell. A path
// with commas, quotes, spaces, `$`, backquotes or `;` arrives intact.
// Values with control characters cannot be quoted for both: Check refuses
// them before this is called.
func ContextCommand(name, host, ca, cert, key string) string {
	return strings.Join([]string{"docker", "context", "create", ShellQuote(name), "--docker",
		ShellQuote(DockerEndpointValue(host, ca, cert, key))}, " ")
}

// EnvVar is one variable of the client's environment.
type EnvVar struct{ Name, Value string }

// ClientEnv is the docker CLI's environment for a daemon at host with its
// files in certDir, in the order ExportCommand writes it. Any non-empty
// DOCKER_TLS_VERIFY turns verification on; "1" is what Docker documents.
func ClientEnv(host, certDir string) []EnvVar {
	return []EnvVar{{"DOCKER_HOST", host}, {"DOCKER_TLS_VERIFY", "1"}, {"DOCKER_CERT_PATH", certDir}}
}

// ExportCommand is `export NAME=VALUE ...` as one POSIX sh command line,
// every value quoted by ShellQuote as ContextCommand quotes its words. Pasted
// or given to eval, it exports exactly these values: joining NAME=VALUE
// unquoted would run a path holding ;, $(...) or backquotes as a command.
// Names must be shell variable names; values with control characters cannot
// be kept on one line, and Check refuses them before this is called.
func ExportCommand(vars []EnvVar) string {
	words := make([]string, 0, len(vars)+1)
	words = append(words, "export")
	for _, v := range vars {
		words = append(words, v.Name+"="+ShellQuote(v.Value))
	}
	return strings.Join(words, " ")
}

// DockerEndpointValue is the value of `docker context create --docker`:
// one CSV record, each field quoted when it holds a comma, a double quote or
// a leading space, as encoding/csv (which reads it back) expects.
func DockerEndpointValue(host, ca, cert, key string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	// Writing to a strings.Builder cannot fail, and the default comma is valid.
	_ = w.Write([]string{"host=" + host, "ca=" + ca, "cert=" + cert, "key=" + key})
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// shellSafe are the words a POSIX shell reads as themselves anywhere but in
// a command's first word (where NAME=... would be an assignment).
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// ShellQuote returns s as one word for a POSIX sh (dash, bash, zsh in sh
// mode): unchanged when it is made only of characters the shell leaves
// alone, otherwise in single quotes, inside which nothing is special but the
// single quote itself, written '\”.
func ShellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
