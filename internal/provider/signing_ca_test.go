package provider

import (
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// TestSigningCADiagnosticsNeverContainKeyMaterial feeds broken and foreign keys
// and certificates carrying keys, through the stored or the write-only
// arguments, and checks
// that no diagnostic repeats any line of the key's body.
func TestSigningCADiagnosticsNeverContainKeyMaterial(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ca, other := testCA(t, now, time.Hour), testCA(t, now, time.Hour)
	block, _ := pem.Decode([]byte(other.PrivateKeyPEM))
	truncated := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: block.Bytes[:len(block.Bytes)-3]}))
	openssh := string(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: block.Bytes}))
	cut := other.PrivateKeyPEM[:len(other.PrivateKeyPEM)-10]
	cases := []struct{ name, cert, key string }{
		{"foreign key", ca.CertPEM, other.PrivateKeyPEM},
		{"truncated key", ca.CertPEM, truncated},
		{"key as cert", other.PrivateKeyPEM, other.PrivateKeyPEM},
		{"key appended to cert", ca.CertPEM + other.PrivateKeyPEM, other.PrivateKeyPEM},
		{"key cut short appended to cert", ca.CertPEM + cut, other.PrivateKeyPEM},
		{"key after cert as kubectl prints it", kubectlKey(ca.CertPEM, other.PrivateKeyPEM), other.PrivateKeyPEM},
		{"OpenSSH key", ca.CertPEM, openssh},
		{"byte-order mark", ca.CertPEM, "\ufeff" + other.PrivateKeyPEM},
	}
	for _, tc := range cases {
		for _, writeOnly := range []bool{false, true} {
			m := leafWith(tc.cert, tc.key, 1)
			if writeOnly {
				m.CAPrivateKeyPEM, m.CAPrivateKeyPEMWO = types.StringNull(), m.CAPrivateKeyPEM
				m.CACertPEM, m.CACertPEMWO = types.StringNull(), m.CACertPEM
			}
			var diags diag.Diagnostics
			m.validateManaged(pki.ProfileServer, &diags)
			m.checkNewLeaf(pki.ProfileServer, now, &diags)
			if !diags.HasError() {
				t.Errorf("%s (write-only %v): accepted", tc.name, writeOnly)
			}
			for _, d := range diags {
				text := d.Summary() + d.Detail()
				if _, found := holdsKey(text, keyTextFragments(t, strings.TrimPrefix(tc.key, "\ufeff"))); found {
					t.Errorf("%s: diagnostic repeats key material: %q", tc.name, text)
				}
			}
		}
	}
}
