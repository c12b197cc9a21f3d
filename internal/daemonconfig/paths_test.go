package daemonconfig

import (
	"strings"
	"testing"
)

// TestPathProblem lists the paths each platform accepts and, for each kind
// of refusal, the words that say what is wrong and how to fix it.
func TestPathProblem(t *testing.T) {
	t.Parallel()
	good := []struct {
		p     Platform
		kind  PathKind
		value string
	}{
		{Linux, Directory, "/etc/docker/tls"},
		{Linux, Directory, "/etc/docker/tls/"},
		{Linux, Program, "/opt/my docker/bin$1/dockerd%i"},
		{Linux, File, `/etc/a "b" 'c' \d;e&f`},
		{Linux, File, "/etc/dockér/dæmon.json"},
		{Windows, Directory, `C:\ProgramData\docker\certs.d\`},
		{Windows, Program, "dockerd"},
		{Windows, Program, "dockerd.exe"},
		{Windows, Program, `D:\Program Files (x86)\R&D 100%!^\dockerd.exe`},
		{Windows, File, `c:\` + strings.Repeat("x", 200) + `\` + strings.Repeat("y", WindowsMaxPath-204)},
		{Windows, File, `c:\` + strings.Repeat("x", WindowsMaxName)},
		{Windows, Program, strings.Repeat("d", WindowsMaxName)},
		// Only the device names themselves are reserved, not names that
		// start like them; COM0 and LPT0 are ordinary files (Wine's cmd
		// agrees).
		{Windows, File, `C:\ProgramData\docker\COM0`},
		{Windows, File, `C:\ProgramData\docker\LPT10.txt`},
		{Windows, File, `C:\ProgramData\console.json`},
		{Windows, Directory, `C:\nullable\auxiliary`},
		{Windows, File, `C:\x\.hidden`},
		{Windows, File, `C:\x\a.b.c`},
		{Windows, Program, "dockerd.exe"},
	}
	for _, tc := range good {
		if got := PathProblem(tc.p, tc.kind, tc.value); got != "" {
			t.Errorf("%s %q refused: %s", tc.p, tc.value, got)
		}
	}
	bad := []struct {
		p     Platform
		kind  PathKind
		value string
		want  string
	}{
		{Linux, File, "", "is empty"},
		{Linux, File, "etc/docker/daemon.json", "must be an absolute path"},
		{Linux, Program, "dockerd", "must be an absolute path"},
		{Linux, Program, "/usr/bin//dockerd", `write it as "/usr/bin/dockerd"`},
		{Linux, File, "/etc/docker/../docker/daemon.json", `write it as "/etc/docker/daemon.json"`},
		{Linux, File, "/etc/docker/daemon.json/", "not in normal form"},
		{Linux, Program, "/usr/bin/dockerd\nExecStartPre=/bin/sh -c id", "control character U+000A at character 17"},
		{Linux, File, "/run/c.sock\r", "new directive in the systemd drop-in"},
		{Linux, File, "/a\x00b", "control character U+0000"},
		{Linux, File, "/a\u0085b", "control character U+0085"},
		{Linux, File, "/etc/docker/\u202egpj.json", "the invisible format character U+202E at character 13: paths hold visible characters only"},
		{Linux, Program, "/usr/bin/dock\u200berd", "the invisible format character U+200B"},
		{Linux, Directory, "/etc/\ufeffdocker", "the invisible format character U+FEFF"},
		{Linux, Directory, "/etc/do\u00adcker", "the invisible format character U+00AD"},
		{Linux, File, "/etc/\u2066x\u2069.json", "the invisible format character U+2066"},
		{Linux, File, "/etc/a\u2028b", "the line separator U+2028"},
		{Linux, File, "/etc/a\u2029b", "the paragraph separator U+2029"},
		{Linux, File, "/a\xffb", "not valid UTF-8"},
		{Linux, Program, `/opt/dock"erd`, "systemd refuses an executable path with quotes or backslashes"},
		{Linux, Program, `/opt/dock'erd`, "systemd refuses an executable path with quotes or backslashes"},
		{Linux, Program, `/opt/dock\erd`, "systemd refuses an executable path with quotes or backslashes"},
		{Linux, File, "/etc/" + strings.Repeat("a", 256) + "/daemon.json", "has a component of 256 bytes"},
		{Linux, File, strings.Repeat("/aaaaaaa", 512) + "/x", "is 4098 bytes long"},
		{Windows, File, `C:/ProgramData/docker/config/daemon.json`, `uses forward slashes: write Windows paths with backslashes, as in "C:\\ProgramData\\docker\\config\\daemon.json"`},
		{Windows, Directory, `certs.d`, `must be a drive-absolute path such as C:\ProgramData`},
		{Windows, Program, `bin\dockerd.exe`, "or a bare program name such as dockerd"},
		{Windows, Program, strings.Repeat("d", WindowsMaxName+1), "a Windows file name is limited to 255"},
		{Windows, File, `C:\` + strings.Repeat("x", WindowsMaxName+1), "a Windows file name is limited to 255"},
		{Windows, Program, `..\dockerd`, "must be a drive-absolute path"},
		{Windows, Directory, `\\server\share\certs`, "network (UNC) path"},
		{Windows, Directory, `\ProgramData\docker`, "must be a drive-absolute path"},
		{Windows, File, `C:\x" & calc.exe & "\daemon.json`, `contains '"', which Windows does not allow`},
		{Windows, File, `C:\a<b`, `contains '<'`},
		{Windows, File, `C:\a|b`, `contains '|'`},
		{Windows, File, `C:\a?b`, `contains '?'`},
		{Windows, File, `C:\a*b`, `contains '*'`},
		{Windows, File, `C:\a:b`, "colon after the drive letter"},
		{Windows, Program, "C:\\docker\\dockerd.exe\r\ncalc.exe", "would end the command in runDockerDaemon.cmd"},
		{Windows, File, `C:\docker\`, "ends with a backslash"},
		{Windows, Program, `C:\docker\`, "ends with a backslash"},
		{Windows, File, `C:\ProgramData\dockér\daemon.json`, "non-ASCII character 'é' at character 20: cmd reads runDockerDaemon.cmd in the console's code page"},
		{Linux, Directory, "/", `"/" is the root of the file system: the certificates and keys would lie at its top`},
		{Linux, File, "/", `"/" is the root of the file system, not a file`},
		{Windows, Directory, `C:\`, `"C:\\" is the root of drive C: the certificates and keys would lie at its top`},
		{Windows, Directory, `d:\`, "is the root of drive D"},
		{Windows, File, `C:\ProgramData\docker\config\NUL`, `has the component "NUL", which Windows reads as a device in every directory`},
		{Windows, File, `C:\ProgramData\docker\config\nul.json`, `the component "nul.json", which Windows reads as a device`},
		{Windows, File, `C:\ProgramData\docker\config\nul .json`, `the component "nul .json", which Windows reads as a device`},
		{Windows, Directory, `C:\ProgramData\Con\certs.d`, `the component "Con"`},
		{Windows, Directory, `C:\aux.d\`, `the component "aux.d"`},
		{Windows, File, `C:\x\prn.tar.gz`, `the component "prn.tar.gz"`},
		{Windows, File, `C:\x\COM1`, `the component "COM1"`},
		{Windows, File, `C:\x\com9.log`, `the component "com9.log"`},
		{Windows, File, `C:\x\LPT1`, `the component "LPT1"`},
		{Windows, File, `C:\x\lpt9.pem`, `the component "lpt9.pem"`},
		{Windows, File, `C:\x\CONIN$`, `the component "CONIN$"`},
		{Windows, File, `C:\x\conout$.txt`, `the component "conout$.txt"`},
		{Windows, Program, "NUL", `the component "NUL"`},
		{Windows, Program, "con.exe", `the component "con.exe"`},
		{Windows, Directory, `C:\ProgramData\docker\certs.\`, `the component "certs.", which ends with a dot or a space: Windows drops those, so the path names "C:\\ProgramData\\docker\\certs\\"`},
		{Windows, File, `C:\ProgramData\docker\daemon.json `, `names "C:\\ProgramData\\docker\\daemon.json"`},
		{Windows, File, `C:\a. . \daemon.json`, `the component "a. . "`},
		{Windows, Program, "dockerd.", `the component "dockerd."`},
		{Windows, Program, "dockerd.exe ", `the component "dockerd.exe "`},
		{Windows, File, `C:\ProgramData\..\daemon.json`, `is not in normal form (no \\, \.\ or \..\): write it as "C:\\daemon.json"`},
		{Windows, File, `C:\ProgramData\.\daemon.json`, `write it as "C:\\ProgramData\\daemon.json"`},
		{Windows, Directory, `C:\ProgramData\\certs`, `write it as "C:\\ProgramData\\certs"`},
		// Lengths are counted in characters, not in bytes.
		{Windows, File, `C:\` + strings.Repeat("é", WindowsMaxPath-2), "is 260 characters long: Windows paths are limited to 259"},
	}
	for _, tc := range bad {
		got := PathProblem(tc.p, tc.kind, tc.value)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s %q: got %q, want it to contain %q", tc.p, tc.value, got, tc.want)
		}
	}
}
