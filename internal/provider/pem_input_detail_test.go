package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// TestCertificateInputsDescribeTheRule: every attribute that takes
// certificates says what its text may hold, in the same words, so the docs
// cannot drift from what the plan refuses. Write-only twins refer to their
// stored attribute.
func TestCertificateInputsDescribeTheRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inputs := map[string]bool{"ca_cert_pem": true, "server_cert_pem": true, "client_cert_pem": true, "ca_cert_pems": true}
	// Every schema as Terraform receives it, from the provider's one
	// protocol server: no kind of block can be left out.
	resp, err := New("test")().GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	described := map[string]map[string]*tfprotov6.SchemaAttribute{}
	for kind, schemas := range map[string]map[string]*tfprotov6.Schema{
		"resource": resp.ResourceSchemas, "data source": resp.DataSourceSchemas, "ephemeral resource": resp.EphemeralResourceSchemas,
	} {
		for typeName, s := range schemas {
			described[kind+" "+typeName] = map[string]*tfprotov6.SchemaAttribute{}
			for _, a := range s.Block.Attributes {
				described[kind+" "+typeName][a.Name] = a
			}
		}
	}
	checked := 0
	for kind, attrs := range described {
		for name, a := range attrs {
			switch {
			case inputs[name] && !a.Computed:
				checked++
				if !strings.Contains(a.Description, certificateTextRule) {
					t.Errorf("%s: %s does not describe what a certificate text may hold", kind, name)
				}
			case inputs[strings.TrimSuffix(name, "_wo")] && !a.Computed:
				if d := a.Description; !strings.Contains(d, "with the same checks") && !strings.Contains(d, "The same as `ca_cert_pem`") {
					t.Errorf("%s: %s does not refer to the rule of %s", kind, name, strings.TrimSuffix(name, "_wo"))
				}
			}
		}
	}
	// ca_cert_pem of four resources and three data sources and the
	// ephemeral resource, server_cert_pem, client_cert_pem of two data
	// sources, ca_cert_pems.
	if checked < 12 {
		t.Errorf("checked %d certificate inputs: the provider has more", checked)
	}
}
