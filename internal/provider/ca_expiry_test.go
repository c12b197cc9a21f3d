package provider

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// checkNewLeaf runs the checks planNewLeaf runs on a leaf to be issued.
func (m *clientCertModel) checkNewLeaf(profile pki.Profile, now time.Time, diags *diag.Diagnostics) {
	m.signingCA.checkNewLeaf(profile, m.ValidityPeriodHours, now, diags)
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
	m := &clientCertModel{signingCA: signingCA{CACertPEM: types.StringUnknown(), CAPrivateKeyPEM: types.StringUnknown()}}
	m.ValidityPeriodHours = types.NumberValue(big.NewFloat(10))
	var diags diag.Diagnostics
	m.checkNewLeaf(pki.ProfileClient, time.Now(), &diags)
	if len(diags) != 0 {
		t.Fatalf("an unknown CA (being replaced in the same plan) must not be judged yet: %v", diags)
	}
}

// existingLeaf is a stored leaf signed by iss, valid for validity from now.
func existingLeaf(t *testing.T, ca *pki.Certificate, now time.Time, validity time.Duration) *clientCertModel {
	t.Helper()
	iss, err := pki.NewSigningCA(ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := pki.Issue(pki.Request{Profile: pki.ProfileClient, KeyAlgorithm: pki.ECDSAP256, CommonName: "c", Validity: validity}, iss, now)
	if err != nil {
		t.Fatal(err)
	}
	m := &clientCertModel{signingCA: signingCA{CACertPEM: types.StringValue(ca.CertPEM), CAPrivateKeyPEMWO: types.StringNull(), CAPrivateKeyPEM: types.StringNull()}}
	m.CertPEM = types.StringValue(leaf.CertPEM)
	return m
}

// TestWarnCAExpiry_AtEveryPlan: an existing leaf is judged against its CA
// at every plan, not only when it is issued, since an external CA can be
// swapped for one that expires sooner, and time passes. Before, only
// creation warned, so a CA that expired under its leaves went unmentioned.
func TestWarnCAExpiry_AtEveryPlan(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ca := testCA(t, now, 100*time.Hour)
	unrelated := testCA(t, now, 100*time.Hour)

	cases := []struct {
		name    string
		leaf    *clientCertModel
		at      time.Time
		summary string
		detail  string
	}{
		{"leaf outlives its CA", existingLeaf(t, ca, now, 200*time.Hour), now.Add(time.Hour), "Certificate outlives its CA",
			"valid until 2030-01-09T08:00:00Z, but its CA certificate \"Test CA\" expires at 2030-01-05T04:00:00Z"},
		{"CA has expired", existingLeaf(t, ca, now, 50*time.Hour), now.Add(101 * time.Hour), "CA certificate has expired",
			"expired at 2030-01-05T04:00:00Z: Docker clients and daemons refuse every certificate it signed"},
		{"leaf inside its CA's life", existingLeaf(t, ca, now, 50*time.Hour), now.Add(time.Hour), "", ""},
	}
	for _, tc := range cases {
		var diags diag.Diagnostics
		warnCAExpiry(&tc.leaf.signingCA, signedLeaf(&tc.leaf.signingCA, tc.leaf.CertPEM), tc.at, &diags)
		if diags.HasError() {
			t.Errorf("%s: errors %v", tc.name, diags)
			continue
		}
		if tc.summary == "" {
			if len(diags) != 0 {
				t.Errorf("%s: want no warning, got %v", tc.name, diags)
			}
			continue
		}
		if diags.WarningsCount() != 1 || diags[0].Summary() != tc.summary || !strings.Contains(diags[0].Detail(), tc.detail) {
			t.Errorf("%s: want the warning %q with %q, got %v", tc.name, tc.summary, tc.detail, diags)
		}
	}

	// A leaf its CA did not sign is being replaced with the CA: not judged.
	moved := existingLeaf(t, ca, now, 200*time.Hour)
	moved.CACertPEM = types.StringValue(unrelated.CertPEM)
	var diags diag.Diagnostics
	warnCAExpiry(&moved.signingCA, signedLeaf(&moved.signingCA, moved.CertPEM), now.Add(time.Hour), &diags)
	if len(diags) != 0 {
		t.Errorf("a leaf of another CA was judged: %v", diags)
	}
}
