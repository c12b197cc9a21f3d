package provider

import (
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

func leafWith(certPEM, keyPEM string, validityHours int64) *leafModel {
	m := &leafModel{CACertPEM: types.StringValue(certPEM), CAPrivateKeyPEM: types.StringValue(keyPEM)}
	m.ValidityPeriodHours = types.NumberValue(new(big.Float).SetInt64(validityHours))
	return m
}

// Warnings do not fail a terraform run, so plugin-testing cannot assert them;
// the plan-time check is exercised directly instead.
func TestCheckNewLeaf_WarnsWhenLeafOutlivesCA(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ca := testCA(t, now, 100*time.Hour)

	var diags diag.Diagnostics
	leafWith(ca.CertPEM, ca.PrivateKeyPEM, 200).checkNewLeaf(pki.ProfileServer, now, &diags)
	if diags.HasError() || diags.WarningsCount() != 1 {
		t.Fatalf("want exactly one warning, got %v", diags)
	}
	w := diags.Warnings()[0]
	for _, want := range []string{
		"valid until 2030-01-09T08:00:00Z",               // now + 200h
		"CA certificate expires at 2030-01-05T04:00:00Z", // now + 100h
		"set validity_period_hours to at most 100",
	} {
		if !strings.Contains(w.Detail(), want) {
			t.Errorf("warning %q lacks %q", w.Detail(), want)
		}
	}

	diags = nil
	leafWith(ca.CertPEM, ca.PrivateKeyPEM, 99).checkNewLeaf(pki.ProfileServer, now, &diags)
	if len(diags) != 0 {
		t.Fatalf("a leaf inside the CA's validity got %v", diags)
	}
}

func TestCheckNewLeaf_SkipsUnknownCA(t *testing.T) {
	t.Parallel()
	m := &leafModel{CACertPEM: types.StringUnknown(), CAPrivateKeyPEM: types.StringUnknown()}
	m.ValidityPeriodHours = types.NumberValue(big.NewFloat(10))
	var diags diag.Diagnostics
	m.checkNewLeaf(pki.ProfileClient, time.Now(), &diags)
	if len(diags) != 0 {
		t.Fatalf("an unknown CA (being replaced in the same plan) must not be judged yet: %v", diags)
	}
}

// TestIssuerDiagnosticsNeverContainKeyMaterial feeds broken and foreign keys
// and checks that no diagnostic repeats any line of the key's body.
func TestIssuerDiagnosticsNeverContainKeyMaterial(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ca, other := testCA(t, now, time.Hour), testCA(t, now, time.Hour)
	block, _ := pem.Decode([]byte(other.PrivateKeyPEM))
	truncated := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: block.Bytes[:len(block.Bytes)-3]}))
	for name, key := range map[string]string{
		"foreign key":   other.PrivateKeyPEM,
		"truncated key": truncated,
		"key as cert":   other.PrivateKeyPEM,
	} {
		cert := ca.CertPEM
		if name == "key as cert" {
			cert = key
		}
		_, diags := leafWith(cert, key, 1).issuer(pki.ProfileServer)
		if !diags.HasError() {
			t.Errorf("%s: accepted", name)
		}
		for _, d := range diags {
			text := d.Summary() + d.Detail()
			for _, line := range strings.Split(key, "\n") {
				if len(line) > 16 && !strings.HasPrefix(line, "-----") && strings.Contains(text, line) {
					t.Errorf("%s: diagnostic repeats key material: %q", name, text)
				}
			}
		}
	}
}
