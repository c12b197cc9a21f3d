package daemonconfig

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dockertls/terraform-provider-dockertls/internal/visible"
)

// PathKind tells the rules that differ between the paths a render uses.
type PathKind int

// The kinds of path the settings hold.
const (
	// Directory may end with a separator (cert_dir).
	Directory PathKind = iota
	// File names a file, so it may not end with a separator (config_file,
	// containerd_address).
	File
	// Program is the dockerd executable: a file, or on Windows also a bare
	// program name that cmd finds on PATH (dockerd_path).
	Program
)

// WindowsMaxPath is the longest path, in UTF-16 code units (characters,
// except that one outside the Basic Multilingual Plane counts twice), that
// cmd and the Windows APIs it calls accept: MAX_PATH less the final NUL.
const WindowsMaxPath = 259

// WindowsMaxName is the longest file name (one component) NTFS and the
// Windows APIs accept, in UTF-16 code units.
const WindowsMaxName = 255

var (
	windowsDrive       = regexp.MustCompile(`^[A-Za-z]:\\`)
	windowsProgramName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// windowsForbidden are the characters Windows refuses in a path (besides
// control characters, and the colon after the drive letter).
const windowsForbidden = `"<>|?*`

// PathProblem returns, as a sentence that starts with the value, what is
// wrong with value as a path of the given kind on platform p, and how to fix
// it; "" when nothing is. The renders rely on it: a path it accepts can be
// quoted for systemd and for cmd so that it stays one literal word.
func PathProblem(p Platform, kind PathKind, value string) string {
	if value == "" {
		return "is empty"
	}
	if !utf8.ValidString(value) {
		return fmt.Sprintf("%q is not valid UTF-8", value)
	}
	if i, r, ok := visible.FirstHidden(value); ok {
		why := "it shows as nothing, or reorders the text around it, so the path a reader sees is not the one used"
		switch {
		case visible.IsControl(r) && p == Windows:
			why = "a line break would end the command in runDockerDaemon.cmd"
		case visible.IsControl(r):
			why = "a line break would start a new directive in the systemd drop-in"
		}
		return fmt.Sprintf("%q contains %s at character %d: paths hold visible characters only (%s)", value, visible.Describe(r), i, why)
	}
	if p == Windows {
		return windowsPathProblem(kind, value)
	}
	return linuxPathProblem(kind, value)
}

func linuxPathProblem(kind PathKind, value string) string {
	if !strings.HasPrefix(value, "/") {
		return fmt.Sprintf("%q must be an absolute path (starting with /): relative paths depend on the working directory, and systemd refuses them", value)
	}
	if i := strings.IndexAny(value, `"'\`); kind == Program && i >= 0 {
		return fmt.Sprintf("%q contains %q: systemd refuses an executable path with quotes or backslashes (\"Executable name contains special characters\")", value, value[i])
	}
	if clean := path.Clean(value); clean != value && (kind != Directory || clean+"/" != value) {
		return fmt.Sprintf("%q is not in normal form (no //, /./, /../ or trailing /): write it as %q", value, clean)
	}
	if value == "/" {
		return rootProblem(kind, value, "the file system")
	}
	// Longer paths cannot exist, and systemd refuses an over-long
	// ExecStart= line, leaving docker.service without a command.
	if len(value) > LinuxMaxPath {
		return fmt.Sprintf("%.40q... is %d bytes long: Linux paths are limited to %d", value, len(value), LinuxMaxPath)
	}
	for _, c := range strings.Split(value, "/") {
		if len(c) > LinuxMaxName {
			return fmt.Sprintf("%.40q... has a component of %d bytes: Linux file names are limited to %d", value, len(c), LinuxMaxName)
		}
	}
	return ""
}

// LinuxMaxPath and LinuxMaxName are PATH_MAX less the final NUL, and
// NAME_MAX, in bytes.
const (
	LinuxMaxPath = 4095
	LinuxMaxName = 255
)

// rootProblem refuses the root of a file system or drive: no file is
// named so, and a directory's files would lie among everything else there.
func rootProblem(kind PathKind, value, what string) string {
	if kind == Directory {
		return fmt.Sprintf("%q is the root of %s: the certificates and keys would lie at its top, among everything else; "+
			"give them a directory of their own", value, what)
	}
	return fmt.Sprintf("%q is the root of %s, not a file", value, what)
}

// windowsDevice is a path component that Windows reads as a device in every
// directory, whatever its case and extension (and spaces before the
// extension): CON, PRN, AUX, NUL, COM1 to COM9, LPT1 to LPT9, CONIN$ and
// CONOUT$. COM0 and LPT10 are ordinary names to Wine's cmd, which the tests
// check this against. (The superscript digits that Windows also counts are
// not ASCII, which Windows paths here must be.)
var windowsDevice = regexp.MustCompile(`(?i)^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9]|CONIN\$|CONOUT\$) *(\..*)?$`)

// windowsComponentProblem says what Windows would make of one component of
// value other than what it says: a device, or a name whose trailing dots
// and spaces Windows drops. named is value with such components trimmed.
func windowsComponentProblem(value, component, named string) string {
	switch n := len(utf16.Encode([]rune(component))); {
	case n > WindowsMaxName:
		return fmt.Sprintf("%q has a component %d characters long: a Windows file name is limited to %d", value, n, WindowsMaxName)
	case windowsDevice.MatchString(component):
		return fmt.Sprintf("%q has the component %q, which Windows reads as a device in every directory (%s), not as a file: what is "+
			"written there is lost, and cmd's \"if exist\" finds it whether or not it exists. Choose another name",
			value, component, strings.ToUpper(strings.TrimRight(strings.SplitN(component, ".", 2)[0], " ")))
	case strings.HasSuffix(component, ".") || strings.HasSuffix(component, " "):
		if strings.TrimRight(component, ". ") == "" {
			return fmt.Sprintf("%q has the component %q, made of dots and spaces only, which Windows drops: choose a name", value, component)
		}
		return fmt.Sprintf("%q has the component %q, which ends with a dot or a space: Windows drops those, so the path names %q; write that",
			value, component, named)
	}
	return ""
}

func windowsPathProblem(kind PathKind, value string) string {
	if kind == Program && !strings.ContainsAny(value, `\/:`) {
		// A bare program name is one component.
		if problem := windowsComponentProblem(value, value, strings.TrimRight(value, ". ")); problem != "" {
			return problem
		}
		if windowsProgramName.MatchString(value) {
			return ""
		}
	}
	if strings.Contains(value, "/") {
		return fmt.Sprintf("%q uses forward slashes: write Windows paths with backslashes, as in %q", value, strings.ReplaceAll(value, "/", `\`))
	}
	if strings.HasPrefix(value, `\\`) {
		return fmt.Sprintf("%q is a network (UNC) path: give a path on a local drive, such as C:\\ProgramData\\docker\\...", value)
	}
	if !windowsDrive.MatchString(value) {
		also := ""
		if kind == Program {
			also = ", or a bare program name such as dockerd that cmd finds on PATH"
		}
		return fmt.Sprintf("%q must be a drive-absolute path such as C:\\ProgramData\\docker\\...%s: relative paths depend on the working directory", value, also)
	}
	if i := strings.IndexAny(value, windowsForbidden); i >= 0 {
		return fmt.Sprintf("%q contains %q, which Windows does not allow in a path (none of %s)", value, value[i], windowsForbidden)
	}
	if strings.Contains(value[2:], ":") {
		return fmt.Sprintf("%q contains a colon after the drive letter, which Windows does not allow in a file name", value)
	}
	if kind != Directory && strings.HasSuffix(value, `\`) {
		// Also: a final \ before the closing quote would escape the quote
		// for dockerd's own command-line parsing.
		return fmt.Sprintf("%q ends with a backslash, so it names a directory: give the path of the file", value)
	}
	if n := len(utf16.Encode([]rune(value))); n > WindowsMaxPath {
		return fmt.Sprintf("%q is %d characters long: Windows paths are limited to %d", value, n, WindowsMaxPath)
	}
	if problem := windowsComponentsProblem(kind, value); problem != "" {
		return problem
	}
	for i, r := range []rune(value) {
		if r > unicode.MaxASCII {
			return fmt.Sprintf("%q has the non-ASCII character %q at character %d: cmd reads runDockerDaemon.cmd in the console's code page, "+
				"not in UTF-8, so the script would name another file. Use a path in ASCII", value, r, i+1)
		}
	}
	return ""
}

// windowsComponentsProblem checks the components of a drive-absolute path
// (C:\a\b, a Directory also C:\a\b\): the drive's root is no directory
// of its own, the path is in normal form, and Windows reads each component
// as the name it is.
func windowsComponentsProblem(kind PathKind, value string) string {
	rest := value[3:]
	if rest == "" {
		return rootProblem(kind, value, "drive "+strings.ToUpper(value[:1]))
	}
	trailing := ""
	if kind == Directory && strings.HasSuffix(rest, `\`) {
		rest, trailing = strings.TrimSuffix(rest, `\`), `\`
	}
	components := strings.Split(rest, `\`)
	if slices.ContainsFunc(components, func(c string) bool { return c == "" || c == "." || c == ".." }) {
		clean := path.Clean("/" + strings.ReplaceAll(rest, `\`, "/"))
		return fmt.Sprintf("%q is not in normal form (no \\\\, \\.\\ or \\..\\): write it as %q", value,
			value[:3]+strings.ReplaceAll(strings.TrimPrefix(clean, "/"), "/", `\`)+trailing)
	}
	named := make([]string, len(components))
	for i, c := range components {
		named[i] = strings.TrimRight(c, ". ")
	}
	for _, c := range components {
		if problem := windowsComponentProblem(value, c, value[:3]+strings.Join(named, `\`)+trailing); problem != "" {
			return problem
		}
	}
	return ""
}
