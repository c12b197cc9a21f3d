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

// certificateSpec is what one certificate resource (CA, server, client)
// adds to the life cycle all of them share: its type name, schema and
// defaults, and the hooks below. Each resource's file holds its spec.
type certificateSpec[M any] interface {
	typeNameSuffix() string
	schema() schema.Schema
	defaults() certificateDefaults
	// validateConfig checks what is known of the configuration.
	validateConfig(ctx context.Context, config *M, diags *diag.Diagnostics)
	// modifyPlan fills the resource's own plan values. config carries the
	// write-only values, which are null in the plan; modifyPlan must not copy
	// them into it. state is the prior state, nil when a new certificate will
	// be issued. It returns the attributes whose planned change replaces the
	// certificate (Terraform honours only those whose planned value differs
	// from the prior state's).
	modifyPlan(ctx context.Context, plan, config, state *M, now time.Time, diags *diag.Diagnostics) []path.Path
	// issue runs after validateConfig has passed with every value known;
	// config carries the write-only values, as in modifyPlan.
	issue(ctx context.Context, plan, config *M, now time.Time, diags *diag.Diagnostics) *pki.Certificate
}

// certificateModelPtr is a pointer to a resource model that embeds certificateModel.
type certificateModelPtr[M any] interface {
	*M
	certificate() *certificateModel
}

// certificateResource is the Terraform life cycle every certificate resource
// shares: ValidateConfig checks the renewal window and what the spec checks;
// ModifyPlan plans renewal (renewal.go) and what the spec plans; Create
// issues with the spec; Read re-evaluates ready_for_renewal; Update only
// records the plan (just early_renewal_hours and the CA attributes' form
// can change in place); Delete forgets.
type certificateResource[M any, P certificateModelPtr[M]] struct {
	spec certificateSpec[M]
	providerClock
}

func (r *certificateResource[M, P]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + r.spec.typeNameSuffix()
}

func (r *certificateResource[M, P]) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = r.spec.schema()
}

func (r *certificateResource[M, P]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.configureClock(req.ProviderData, &resp.Diagnostics)
}

func (r *certificateResource[M, P]) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config M
	if !r.get(ctx, req.Config.Raw, &config, &resp.Diagnostics) {
		return
	}
	cert := P(&config).certificate()
	validateRenewalWindow(cert.ValidityPeriodHours, cert.EarlyRenewalHours, r.spec.defaults(), &resp.Diagnostics)
	r.spec.validateConfig(ctx, &config, &resp.Diagnostics)
}

func (r *certificateResource[M, P]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroying
	}
	var plan, config M
	if !r.get(ctx, req.Plan.Raw, &plan, &resp.Diagnostics) || !r.get(ctx, req.Config.Raw, &config, &resp.Diagnostics) {
		return
	}
	now := r.now()
	var state *M
	if !req.State.Raw.IsNull() {
		state = new(M)
		if !r.get(ctx, req.State.Raw, state, &resp.Diagnostics) {
			return
		}
	}
	resp.RequiresReplace = append(resp.RequiresReplace, r.spec.modifyPlan(ctx, &plan, &config, state, now, &resp.Diagnostics)...)

	cert := P(&plan).certificate()
	if state == nil {
		cert.ReadyForRenewal = types.BoolValue(false)
	} else {
		stored := P(state).certificate()
		// A computed common name (re-)derived by the spec replaces the
		// certificate when it differs from the stored one.
		if !cert.CommonName.Equal(stored.CommonName) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("common_name"))
		}
		decision := renewalDue
		_, unreadable := stored.notAfter()
		if unreadable != nil {
			resp.Diagnostics.AddAttributeWarning(path.Root("validity_end_time"), "Unreadable certificate in state: replacing it",
				fmt.Sprintf("%s. This plan issues a new certificate in its place.", capitalize(unreadable.Error())))
		} else {
			decision = planRenewal(stored.ReadyForRenewal, cert.EarlyRenewalHours, stored.EarlyRenewalHours)
		}
		switch decision {
		case renewalDue:
			// Unknown differs from the stored value, so Terraform replaces the
			// resource and shows ready_for_renewal as the reason.
			cert.ReadyForRenewal = types.BoolUnknown()
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("ready_for_renewal"))
			if n, ok := r.spec.(renewalNoticer); ok && unreadable == nil {
				summary, detail := n.renewalNotice(stored, now)
				resp.Diagnostics.AddAttributeWarning(path.Root("ready_for_renewal"), summary, detail)
			}
		case renewalNotDue:
			cert.ReadyForRenewal = types.BoolValue(false)
		default:
			cert.ReadyForRenewal = types.BoolUnknown()
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	r.set(ctx, &plan, resp.Plan.Set, &resp.Diagnostics)
}

func (r *certificateResource[M, P]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config M
	if !r.get(ctx, req.Plan.Raw, &plan, &resp.Diagnostics) || !r.get(ctx, req.Config.Raw, &config, &resp.Diagnostics) {
		return
	}
	// No checks repeated here: before Create, Terraform calls ValidateConfig
	// again with the values that were unknown at plan time (the
	// *UnknownAtPlanAreCheckedAtApply tests prove it).
	cert := P(&plan).certificate()
	now := r.now()
	issued := r.spec.issue(ctx, &plan, &config, now, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	cert.setIssued(issued, now)
	// Log identifiers only: never the model, which holds key material.
	tflog.Info(ctx, "issued certificate", map[string]any{
		"resource":    r.spec.typeNameSuffix(),
		"serial":      cert.SerialNumber.ValueString(),
		"fingerprint": cert.CertFingerprintSHA256.ValueString(),
		"not_after":   cert.ValidityEndTime.ValueString(),
	})
	r.set(ctx, &plan, resp.State.Set, &resp.Diagnostics)
}

func (r *certificateResource[M, P]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state M
	if !r.get(ctx, req.State.Raw, &state, &resp.Diagnostics) {
		return
	}
	cert := P(&state).certificate()
	due, known, unreadable := cert.judgeRenewal(cert.EarlyRenewalHours, r.now())
	if !known {
		return
	}
	if unreadable != nil {
		// Not an error: refresh must succeed for the plan to replace the
		// certificate, which the plan's warning explains.
		tflog.Warn(ctx, "unreadable certificate in state", map[string]any{"reason": unreadable.Error()})
	}
	if due && !cert.ReadyForRenewal.ValueBool() {
		tflog.Info(ctx, "certificate is due for renewal", map[string]any{
			"serial": cert.SerialNumber.ValueString(), "not_after": cert.ValidityEndTime.ValueString(),
		})
	}
	if cert.ReadyForRenewal.Equal(types.BoolValue(due)) {
		return // the response already holds the state as it was read
	}
	cert.ReadyForRenewal = types.BoolValue(due)
	r.set(ctx, &state, resp.State.Set, &resp.Diagnostics)
}

func (r *certificateResource[M, P]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan M
	if !r.get(ctx, req.Plan.Raw, &plan, &resp.Diagnostics) {
		return
	}
	cert := P(&plan).certificate()
	if cert.ReadyForRenewal.IsUnknown() {
		// The window was unknown at plan time; decide with the applied value.
		due, _, _ := cert.judgeRenewal(cert.EarlyRenewalHours, r.now())
		cert.ReadyForRenewal = types.BoolValue(due)
	}
	r.set(ctx, &plan, resp.State.Set, &resp.Diagnostics)
}

// get reads a plan, state or configuration into a model through the
// model's codec (see modelCodec for why not the framework's Get). It
// reports whether it succeeded.
func (r *certificateResource[M, P]) get(ctx context.Context, raw tftypes.Value, dst *M, diags *diag.Diagnostics) bool {
	return getModel(ctx, r.spec, raw, dst, diags)
}

// set writes a model with set, the plan's or the state's Set, which takes
// the encoded object as it is.
func (r *certificateResource[M, P]) set(ctx context.Context, src *M, set func(context.Context, any) diag.Diagnostics, diags *diag.Diagnostics) {
	if v := modelValue(ctx, r.spec, src, diags); !diags.HasError() {
		diags.Append(set(ctx, v)...)
	}
}

// Delete has nothing to do: the certificate exists only in the state.
func (r *certificateResource[M, P]) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// renewalNoticer is a resource whose renewal needs more than a new certificate,
// which the plan that renews it says.
type renewalNoticer interface {
	renewalNotice(stored *certificateModel, now time.Time) (summary, detail string)
}
