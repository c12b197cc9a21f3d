package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/dockerdtest"
)

// bulkDaemonConfig is a CA, bulk server certificates (the daemon's is
// "local", for 127.0.0.1) and bulk client certificates, another CA's
// client, and the daemon's configuration rendered for the "local" entry.
const bulkDaemonConfig = `
variable "dockerd" { type = string }

resource "dockertls_ca" "test" {}

resource "dockertls_server_certs" "test" {
  ca_cert_pem_wo        = dockertls_ca.test.cert_pem
  ca_private_key_pem_wo = dockertls_ca.test.private_key_pem
  hosts = {
    local  = { ip_addresses = ["127.0.0.1"] }
    remote = { dns_names = ["remote.example"] }
  }
}

resource "dockertls_client_certs" "test" {
  ca_cert_pem_wo        = dockertls_ca.test.cert_pem
  ca_private_key_pem_wo = dockertls_ca.test.private_key_pem
  clients = {
    ci  = {}
    ops = { organization = "Ops" }
  }
}

data "dockertls_daemon_config" "test" {
  dockerd_path        = var.dockerd
  containerd_address  = ""
  server_cert_pem     = dockertls_server_certs.test.certs["local"].cert_pem
  extra_settings_json = jsonencode({ labels = ["dockertls-test=bulk"] })
}
` + otherCAConfig

// TestDaemon_BulkCertificatesServeADaemon deploys a bulk-issued server
// certificate to a real dockerd, with the rendered configuration, and
// proves it from every side with a bulk-issued client certificate: the
// docker CLI and go-connections are served; no client certificate,
// another CA's client and plain HTTP are refused.
func TestDaemon_BulkCertificatesServeADaemon(t *testing.T) {
	t.Parallel()
	engine := dockerdtest.Require(t)
	env := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories,
		Steps: []resource.TestStep{{
			Config:          bulkDaemonConfig,
			ConfigVariables: dockerdVariables(engine),
			ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func(s *tfjson.State) error {
				servers, err := readBulk(s, serverCerts)
				if err != nil {
					return err
				}
				clients, err := readBulk(s, clientCerts)
				if err != nil {
					return err
				}
				other, err := readIssued(s, "dockertls_client_cert.other")
				if err != nil {
					return err
				}
				leaves := &testLeaves{server: servers["local"].issued(), client: clients["ci"].issued(), otherClient: other}
				d, err := deployLeaves(t, engine, s, leaves, true)
				if err != nil {
					return err
				}
				if err := proveDaemon(d, "dockertls-test=bulk"); err != nil {
					return err
				}
				// The other client entry is served too.
				ops := clients["ops"]
				files := acctest.WriteTLSFiles(t, filepath.Join(t.TempDir(), "ops"), "client", readFileString(t, d.client.CA), ops.certPEM, ops.keyPEM)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				if out, err := dockerdtest.DockerCLI(ctx, d.daemon.Addr, files, "version", "--format", "{{.Server.Version}}"); err != nil || out == "" {
					return fmt.Errorf("docker --tlsverify version with the \"ops\" client: %v: %s", err, out)
				}
				return nil
			})},
		}},
	})
}

// issued is a bulk entry in the form the single resources' checks take.
func (e bulkEntry) issued() *issued {
	return &issued{cert: e.cert, certPEM: e.certPEM, keyPEM: e.keyPEM}
}
