package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// The bulk resources issue one certificate per entry of a map, all signed by
// one CA with one key algorithm and validity. Terraform's cost grows faster
// than linearly with the number of resource instances, so a fleet is
// cheaper as a few instances holding many certificates than as one instance
// per certificate.
//
// Nothing forces replacement: every change is an in-place update, and the
// plan decides per entry. An entry whose own inputs, the CA, the key
// algorithm and the validity are unchanged, and which is not due for
// renewal, keeps its certificate and key exactly as the state holds them;
// every other entry's certificate and key are planned unknown, and the
// apply issues exactly those. A removed entry leaves both maps.
//
// The life cycle is plan, apply and refresh, on raw values, and the
// provider's protocol server (protocolServer) calls them itself: the
// framework never plans, applies or refreshes these resources.
//
// The maps are read and built as tftypes values, entry by entry: a
// framework value per entry, or reflection per entry, would cost more than
// everything else the provider does with a thousand certificates.

// bulkSpec is what one bulk resource (server or client certificates) adds
// to the life cycle they share.
type bulkSpec interface {
	typeNameSuffix() string
	schema() schema.Schema
	profile() pki.Profile
	// entriesPath is the map of entries, hosts or clients.
	entriesPath() path.Path
	// checkEntry checks what is known of one entry, with the single
	// resource's attribute validators and checks; at is the entry's path.
	checkEntry(ctx context.Context, name string, attrs map[string]tftypes.Value, at path.Path, diags *diag.Diagnostics)
	// entryRequest adds an entry's subject and names to req. Every value is
	// known and checked when it is called.
	entryRequest(name string, attrs map[string]tftypes.Value, at path.Path, req *pki.Request, diags *diag.Diagnostics) bool
}

// bulkModel holds the attributes both bulk resources share. Resource models
// embed it and add their map of entries.
type bulkModel struct {
	signingCA
	CACertFingerprintSHA256 types.String  `tfsdk:"ca_cert_fingerprint_sha256"`
	KeyAlgorithm            types.String  `tfsdk:"key_algorithm"`
	ValidityPeriodHours     types.Number  `tfsdk:"validity_period_hours"`
	EarlyRenewalHours       types.Number  `tfsdk:"early_renewal_hours"`
	Certs                   tftypes.Value `tfsdk:"certs"`
	PrivateKeys             tftypes.Value `tfsdk:"private_keys"`
}

// bulkModelPtr is a pointer to a bulk resource model.
type bulkModelPtr[M any] interface {
	*M
	bulk() *bulkModel
	// entries is the map of entries, as a tftypes map of objects.
	entries() tftypes.Value
}

// The attributes of one entry of certs.
const (
	certPEMAttr         = "cert_pem"
	serialNumberAttr    = "serial_number"
	fingerprintAttr     = "cert_fingerprint_sha256"
	validityStartAttr   = "validity_start_time"
	validityEndAttr     = "validity_end_time"
	readyForRenewalAttr = "ready_for_renewal"
)

const bulkUnreadableReason = "validity_end_time is not an RFC 3339 time"

// bulkResource is both bulk resources: to the framework, their schema and
// validation; to the provider's protocol server, their life cycle (plan,
// apply, refresh), for which that server hands it the provider's clock.
type bulkResource[M any, P bulkModelPtr[M]] struct {
	spec bulkSpec
	providerClock
}

func (r *bulkResource[M, P]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + r.spec.typeNameSuffix()
}

func (r *bulkResource[M, P]) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = r.spec.schema()
}

// ValidateConfig runs the single resources' checks: the renewal window, the
// CA, and each entry's, with diagnostics that name the entry's key.
func (r *bulkResource[M, P]) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config M
	if !r.get(ctx, req.Config.Raw, &config, &resp.Diagnostics) {
		return
	}
	m := P(&config).bulk()
	validateRenewalWindow(m.ValidityPeriodHours, m.EarlyRenewalHours, leafDefaults, &resp.Diagnostics)
	m.validateManaged(r.spec.profile(), &resp.Diagnostics)
	entries, known := mapEntries(P(&config).entries())
	if !known {
		return
	}
	for _, name := range sortedKeys(entries) {
		at := r.spec.entriesPath().AtMapKey(name)
		attrs, ok := objectAttrs(entries[name])
		if entries[name].IsNull() {
			resp.Diagnostics.AddAttributeError(at, "Null entry", fmt.Sprintf("%s is null. Remove the entry, or give it an object.", at))
			continue
		}
		if ok {
			r.spec.checkEntry(ctx, name, attrs, at, &resp.Diagnostics)
		}
	}
}

// entriesChecker is a bulk spec with checks across its entries, run by the
// plan (ValidateConfig runs twice per plan, and would warn twice).
type entriesChecker interface {
	checkEntries(entries map[string]tftypes.Value, diags *diag.Diagnostics)
}

// bulkPlan is what the plan decided for each entry.
type bulkPlan struct {
	certs, keys map[string]tftypes.Value
	issue       []string // entries planned unknown, to be issued
	kept        []string // entries that keep their certificate and key
	renew       []string // entries issued again because they are due for renewal
	unreadable  []string // entries whose stored expiry does not parse
	missing     []string // unchanged entries whose certificate or key the state lacks
	reissued    []string // stored entries issued again because another CA signs them
}

// bulkChange is what planning and applying both start from: the planned
// model, holding the fingerprint of the CA it names and none of the
// write-only values (no plan or state may hold them); that CA with the
// configuration's write-only values, for checking and issuing only; the
// output types; and the time of the request.
type bulkChange[M any, P bulkModelPtr[M]] struct {
	plan M
	ca   signingCA // with the configuration's write-only values
	ot   bulkTypes
	now  time.Time
}

// model is the planned model's shared attributes.
func (c *bulkChange[M, P]) model() *bulkModel { return P(&c.plan).bulk() }

// begin reads a plan and its configuration into a bulkChange. It reports
// why in diags when they cannot be read.
func (r *bulkResource[M, P]) begin(ctx context.Context, planRaw, configRaw tftypes.Value, diags *diag.Diagnostics) (*bulkChange[M, P], bool) {
	c := &bulkChange[M, P]{}
	var config M
	if !r.get(ctx, planRaw, &c.plan, diags) || !r.get(ctx, configRaw, &config, diags) {
		return nil, false
	}
	ot, err := r.outputTypes()
	if err != nil {
		diags.AddError("Provider error", err.Error())
		return nil, false
	}
	c.ot, c.now = ot, r.now()
	m := c.model()
	c.ca = m.withWriteOnly(&P(&config).bulk().signingCA)
	m.CACertFingerprintSHA256 = c.ca.fingerprint()
	m.nullWriteOnly()
	return c, true
}

// plan decides, from the proposed new state (with the schema's defaults
// applied), the configuration and the prior state (null when creating),
// what every entry becomes: see planEntries.
func (r *bulkResource[M, P]) plan(ctx context.Context, planRaw, configRaw, stateRaw tftypes.Value) (tftypes.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	c, ok := r.begin(ctx, planRaw, configRaw, &diags)
	if !ok {
		return tftypes.Value{}, diags
	}
	var state *M
	if !stateRaw.IsNull() {
		state = new(M)
		if !r.get(ctx, stateRaw, state, &diags) {
			return tftypes.Value{}, diags
		}
	}
	m, ca, ot, now := c.model(), c.ca, c.ot, c.now

	entries, known := mapEntries(P(&c.plan).entries())
	if !known {
		// Which entries there will be is not known yet: neither is anything
		// about them.
		m.Certs = tftypes.NewValue(ot.certs, tftypes.UnknownValue)
		m.PrivateKeys = tftypes.NewValue(ot.keys, tftypes.UnknownValue)
		ca.checkNewLeaf(r.spec.profile(), m.ValidityPeriodHours, now, &diags)
		v := r.value(ctx, &c.plan, &diags)
		return v, diags
	}
	var prior *bulkModel
	var priorEntries map[string]tftypes.Value
	if state != nil {
		prior = P(state).bulk()
		priorEntries, _ = mapEntries(P(state).entries())
	}
	if checker, ok := r.spec.(entriesChecker); ok {
		checker.checkEntries(entries, &diags)
	}
	decided := planEntries(ot, m, prior, entries, priorEntries)
	m.Certs = tftypes.NewValue(ot.certs, decided.certs)
	m.PrivateKeys = tftypes.NewValue(ot.keys, decided.keys)

	if len(decided.issue) > 0 {
		ca.checkNewLeaf(r.spec.profile(), m.ValidityPeriodHours, now, &diags)
	}
	if len(decided.kept) > 0 {
		warnCAExpiry(&ca, keptCertificates(decided.kept, decided.certs), now, &diags)
	}
	certsPath := path.Root("certs")
	if len(decided.renew) > 0 {
		diags.AddAttributeWarning(certsPath, "Certificates due for renewal: issuing them again",
			fmt.Sprintf("%s inside the renewal window (early_renewal_hours before expiry) or expired: %s. This plan "+
				"issues a new certificate and key for each of them, in place; every other entry keeps its certificate and key.",
				countCertificates(len(decided.renew)), listNames(decided.renew)))
	}
	if len(decided.reissued) > 0 {
		_, certPath := ca.cert()
		diags.AddAttributeWarning(certPath, "Another CA: issuing every certificate again",
			fmt.Sprintf("%s: this plan issues a new certificate and key for every entry that has one: %s. Daemons and "+
				"clients that still trust only the old CA refuse the new certificates, and those given only the new CA refuse "+
				"the old ones, until every host and client is redeployed. To move over without locking anyone out, don't apply "+
				"this plan; follow %s: trust both CAs first.", newCASentence(ca), listNames(decided.reissued), rotationGuide))
	}
	if len(decided.missing) > 0 {
		diags.AddAttributeWarning(certsPath, "Certificates missing from the state: issuing them again",
			fmt.Sprintf("The state holds no certificate or no private key for %s, although their entries did not change: "+
				"the state was edited or damaged. This plan issues a new certificate and key for each of them; deploy them "+
				"as after a renewal.", listNames(decided.missing)))
	}
	if len(decided.unreadable) > 0 {
		diags.AddAttributeWarning(certsPath, "Unreadable certificates in state: issuing them again",
			fmt.Sprintf("The state holds a validity_end_time that is not an RFC 3339 time for %s, so their expiry cannot be "+
				"read. This plan issues new certificates in their place.", listNames(decided.unreadable)))
	}
	if diags.HasError() {
		return tftypes.Value{}, diags
	}
	v := r.value(ctx, &c.plan, &diags)
	return v, diags
}

// Create, Update, Read and Delete are the framework's life cycle, which
// resource.Resource requires but the framework never runs for these
// resources: the provider's protocol server answers their plans, applies
// and refreshes itself (protocolServer). Reached all the same, they fail
// rather than run a second life cycle.
func (r *bulkResource[M, P]) Create(_ context.Context, _ resource.CreateRequest, resp *resource.CreateResponse) {
	r.notServedHere("Create", &resp.Diagnostics)
}

func (r *bulkResource[M, P]) Update(_ context.Context, _ resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.notServedHere("Update", &resp.Diagnostics)
}

func (r *bulkResource[M, P]) Read(_ context.Context, _ resource.ReadRequest, resp *resource.ReadResponse) {
	r.notServedHere("Read", &resp.Diagnostics)
}

func (r *bulkResource[M, P]) Delete(_ context.Context, _ resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.notServedHere("Delete", &resp.Diagnostics)
}

func (r *bulkResource[M, P]) notServedHere(method string, diags *diag.Diagnostics) {
	diags.AddError("Provider error", fmt.Sprintf("The framework called %s's %s, but the provider's protocol server "+
		"serves this resource itself. This is always a bug in the provider: please report it.", r.typeName(), method))
}

// apply issues every entry the plan left unknown, all of them concurrently
// (pki.IssueAll), and keeps every other entry as planned, byte for byte,
// returning the new state. Terraform has called ValidateConfig again with
// the values that were unknown at plan time, so the entries' checks need
// not be repeated.
func (r *bulkResource[M, P]) apply(ctx context.Context, planRaw, configRaw tftypes.Value) (tftypes.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	c, ok := r.begin(ctx, planRaw, configRaw, &diags)
	if !ok {
		return tftypes.Value{}, diags
	}
	m, ca, ot, now := c.model(), c.ca, c.ot, c.now
	entries, known := mapEntries(P(&c.plan).entries())
	if !known {
		diags.AddAttributeError(r.spec.entriesPath(), "Entries unknown at apply time",
			fmt.Sprintf("%s must be known when the certificates are issued.", r.spec.entriesPath()))
		return tftypes.Value{}, diags
	}
	plannedCerts, _ := mapEntries(m.Certs)
	plannedKeys, _ := mapEntries(m.PrivateKeys)
	certs := make(map[string]tftypes.Value, len(entries))
	keys := make(map[string]tftypes.Value, len(entries))
	var names []string
	var reqs []pki.Request
	for _, name := range sortedKeys(entries) {
		cert, key := plannedCerts[name], plannedKeys[name]
		if cert.IsKnown() && key.IsKnown() && !cert.IsNull() && !key.IsNull() {
			attrs, _ := objectAttrs(cert)
			if !attrs[readyForRenewalAttr].IsKnown() {
				// The plan left it to the apply (a changed or unknown
				// window): judge it under the applied window.
				notAfter, readable := certNotAfter(cert)
				due := dueNow(notAfter, readable, m.EarlyRenewalHours, now)
				cert = withReadyForRenewal(ot, cert, tftypes.NewValue(tftypes.Bool, due))
			}
			certs[name], keys[name] = cert, key
			continue
		}
		at := r.spec.entriesPath().AtMapKey(name)
		attrs, ok := objectAttrs(entries[name])
		if !ok {
			diags.AddAttributeError(at, "Entry unknown at apply time", fmt.Sprintf("%s must be known when its certificate is issued.", at))
			continue
		}
		req := pki.Request{
			Profile:      r.spec.profile(),
			KeyAlgorithm: pki.KeyAlgorithm(m.KeyAlgorithm.ValueString()),
			Validity:     hoursToDuration(m.ValidityPeriodHours),
		}
		var d diag.Diagnostics
		if r.spec.entryRequest(name, attrs, at, &req, &d) {
			names, reqs = append(names, name), append(reqs, req)
		}
		diags.Append(namingEntry(d, at)...)
	}
	if diags.HasError() {
		return tftypes.Value{}, diags
	}
	if len(reqs) > 0 {
		parsed := ca.parseToSign(r.spec.profile(), &diags)
		if parsed == nil {
			return tftypes.Value{}, diags
		}
		issued, errs := pki.IssueAll(reqs, parsed, now)
		for i, name := range names {
			if errs[i] != nil {
				at := r.spec.entriesPath().AtMapKey(name)
				diags.AddAttributeError(at, fmt.Sprintf("Could not issue the %s certificate", r.spec.profile()),
					fmt.Sprintf("%s: %s", at, errs[i]))
				continue
			}
			certs[name] = issuedCertValue(ot, issued[i], m.EarlyRenewalHours, now)
			keys[name] = tftypes.NewValue(tftypes.String, issued[i].PrivateKeyPEM)
		}
		if diags.HasError() {
			return tftypes.Value{}, diags
		}
		// Log the names only: never the model, which holds key material.
		tflog.Info(ctx, "issued certificates", map[string]any{
			"resource": r.spec.typeNameSuffix(), "count": len(names), "entries": names,
		})
	}
	m.Certs = tftypes.NewValue(ot.certs, certs)
	m.PrivateKeys = tftypes.NewValue(ot.keys, keys)
	v := r.value(ctx, &c.plan, &diags)
	return v, diags
}

// newCASentence says which CA the entries move to, for the warning that
// they are all issued again.
func newCASentence(ca signingCA) string {
	certPEM, _ := ca.cert()
	if !isSet(certPEM) {
		return "The CA certificate is known only at apply, so nothing shows that it signed the stored certificates"
	}
	caCert, err := pki.ParseCACertificatePEM(certPEM.ValueString())
	if err != nil {
		return "The CA changes" // validation reports why it cannot be read
	}
	return fmt.Sprintf("The CA changes to %s, which did not sign the stored certificates", pki.Describe(caCert))
}

// issuedCertValue is a freshly issued certificate as an entry of certs.
func issuedCertValue(t bulkTypes, c *pki.Certificate, window types.Number, now time.Time) tftypes.Value {
	var o certificateOutputs
	o.setOutputs(c)
	return tftypes.NewValue(t.cert, map[string]tftypes.Value{
		certPEMAttr:         tftypes.NewValue(tftypes.String, o.CertPEM.ValueString()),
		serialNumberAttr:    tftypes.NewValue(tftypes.String, o.SerialNumber.ValueString()),
		fingerprintAttr:     tftypes.NewValue(tftypes.String, o.CertFingerprintSHA256.ValueString()),
		validityStartAttr:   tftypes.NewValue(tftypes.String, o.ValidityStartTime.ValueString()),
		validityEndAttr:     tftypes.NewValue(tftypes.String, o.ValidityEndTime.ValueString()),
		readyForRenewalAttr: tftypes.NewValue(tftypes.Bool, dueNow(c.Cert.NotAfter, true, window, now)),
	})
}

// refresh returns the state with every entry's ready_for_renewal
// re-evaluated; changed is false when none changed, and the state then
// stays as it was read.
func (r *bulkResource[M, P]) refresh(ctx context.Context, stateRaw tftypes.Value) (refreshed tftypes.Value, changed bool, diags diag.Diagnostics) {
	var state M
	if !r.get(ctx, stateRaw, &state, &diags) {
		return tftypes.Value{}, false, diags
	}
	m := P(&state).bulk()
	certs, known := mapEntries(m.Certs)
	if !known || m.EarlyRenewalHours.IsUnknown() {
		return tftypes.Value{}, false, diags
	}
	ot, err := r.outputTypes()
	if err != nil {
		diags.AddError("Provider error", err.Error())
		return tftypes.Value{}, false, diags
	}
	now := r.now()
	var updated, due []string
	for _, name := range sortedKeys(certs) {
		notAfter, ok := certNotAfter(certs[name])
		if !ok {
			// Not an error: refresh must succeed for the plan to issue the
			// certificate again, which the plan's warning explains.
			tflog.Warn(ctx, "unreadable certificate in state", map[string]any{"entry": name, "reason": bulkUnreadableReason})
		}
		ready := dueNow(notAfter, ok, m.EarlyRenewalHours, now)
		if ready {
			due = append(due, name)
		}
		cert := withReadyForRenewal(ot, certs[name], tftypes.NewValue(tftypes.Bool, ready))
		if !cert.Equal(certs[name]) {
			certs[name] = cert
			updated = append(updated, name)
		}
	}
	if len(due) > 0 {
		tflog.Info(ctx, "certificates due for renewal", map[string]any{"entries": due})
	}
	if len(updated) == 0 {
		return stateRaw, false, diags
	}
	m.Certs = tftypes.NewValue(ot.certs, certs)
	refreshed = r.value(ctx, &state, &diags)
	return refreshed, !diags.HasError(), diags
}

// bulkTypes are the Terraform types of the outputs, from the schema.
type bulkTypes struct {
	certs, keys, cert tftypes.Type
}

func (r *bulkResource[M, P]) outputTypes() (bulkTypes, error) {
	codec, err := codecFor[M](r.spec)
	if err != nil {
		return bulkTypes{}, fmt.Errorf("%s. This is always a bug in the provider: please report it", err)
	}
	certs, ok := codec.objectType.AttributeTypes["certs"].(tftypes.Map)
	if !ok {
		return bulkTypes{}, fmt.Errorf("certs is not a map. This is always a bug in the provider: please report it")
	}
	return bulkTypes{certs: certs, keys: codec.objectType.AttributeTypes["private_keys"], cert: certs.ElementType}, nil
}

// get and value convert through the model's codec.
func (r *bulkResource[M, P]) get(ctx context.Context, raw tftypes.Value, dst *M, diags *diag.Diagnostics) bool {
	return getModel(ctx, r.spec, raw, dst, diags)
}

func (r *bulkResource[M, P]) value(ctx context.Context, src *M, diags *diag.Diagnostics) tftypes.Value {
	return modelValue(ctx, r.spec, src, diags)
}
