// Package acctest holds helpers for the project's tests: an independent
// checker of Docker's x509 profile, a mutual-TLS harness built on
// go-connections exactly as dockerd and the docker CLI use it, a runner of
// the real terraform binary against a provider served in-process (Workdir:
// exit codes, warnings and the -json stream, which terraform-plugin-testing
// does not expose), and the precondition checks for tools the tests drive.
// The provider never imports it; its checks deliberately do not reuse the
// code under test.
package acctest
