package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// stringCheck adapts a plain check such as pki.ValidateDNSName into a schema
// validator, so plan-time and issue-time checks are the same code.
type stringCheck struct {
	summary     string
	description string
	check       func(string) error
}

var _ validator.String = stringCheck{}

func (v stringCheck) Description(context.Context) string         { return v.description }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.description }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, err.Error())
	}
}

func dnsNameValidator() validator.String {
	return stringCheck{
		summary:     "Invalid DNS name",
		description: "value must be a DNS name (letters, digits, hyphens; an optional leading \"*.\")",
		check:       pki.ValidateDNSName,
	}
}

func ipAddressValidator() validator.String {
	return stringCheck{
		summary:     "Invalid IP address",
		description: "value must be an IPv4 or IPv6 address",
		check: func(s string) error {
			_, err := pki.ParseIPAddress(s)
			return err
		},
	}
}
