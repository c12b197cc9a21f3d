package acctest

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in CI, where a missing tool is a failure
// rather than a reason to skip.
func InCI() bool {
	return os.Getenv("CI") != "" && os.Getenv("CI") != "false"
}

// RequireTool fails the test in CI, or skips it elsewhere with a clear
// message, when the named program is not on PATH. It returns its path.
func RequireTool(t testing.TB, name, why string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if InCI() {
		t.Fatalf("%s is not on PATH, and CI must run this test: %s", name, why)
	}
	t.Skipf("skipping: %s is not on PATH (%s); `make test` installs what the tests need", name, why)
	return ""
}

// RequireTerraform checks for the terraform binary that
// terraform-plugin-testing drives. Without it the testing library would try to
// download one, which cannot work offline.
func RequireTerraform(t testing.TB) {
	t.Helper()
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("TF_ACC_TERRAFORM_PATH=%s: %v", p, err)
		}
		return
	}
	RequireTool(t, "terraform", "terraform-plugin-testing runs the real terraform binary")
}
