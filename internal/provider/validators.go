package provider

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/hostname"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
	"github.com/dockertls/terraform-provider-dockertls/internal/visible"
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
		check: func(s string) error {
			err := pki.ValidateDNSName(s)
			var short *hostname.NumberError
			switch {
			case errors.Is(err, pki.ErrDNSNameIsIP):
				return fmt.Errorf("%q is an IP address, not a DNS name: put it in ip_addresses instead", s)
			case errors.As(err, &short) && short.IPv4.IsValid():
				return fmt.Errorf("%q is the IPv4 address %s written short, not a DNS name: the C library's resolver, curl and "+
					"browsers dial it as %s, which only that IP address in the certificate matches; put %s in ip_addresses instead",
					s, short.IPv4, short.IPv4, short.IPv4)
			}
			return err
		},
	}
}

// unspecifiedAddressWarning warns about 0.0.0.0 and ::, which dockerd may
// listen on but which no client dials, so they match no connection.
func unspecifiedAddressWarning() validator.String { return unspecifiedAddress{} }

type unspecifiedAddress struct{}

func (unspecifiedAddress) Description(context.Context) string {
	return "value should not be 0.0.0.0 or ::, which no client dials"
}

func (v unspecifiedAddress) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (unspecifiedAddress) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || !pki.IsUnspecifiedAddress(req.ConfigValue.ValueString()) {
		return
	}
	resp.Diagnostics.AddAttributeWarning(req.Path, "Unspecified address as a subjectAltName",
		fmt.Sprintf("%q means \"every interface\" to a listening daemon, but no client dials it, so it matches no connection. "+
			"List the addresses clients put in DOCKER_HOST instead, such as the host's own address or 127.0.0.1.", req.ConfigValue.ValueString()))
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

// visibleTextOnly refuses, in a subject attribute, what does not show as
// itself: NUL, CR, LF and every other control character, and the invisible
// ones (bidirectional overrides, zero-width spaces, ...) that make a
// printed subject read as another.
func visibleTextOnly() validator.String {
	return stringCheck{
		summary:     "Invisible or control character in a certificate subject",
		description: "value must contain visible characters only: no control characters or invisible ones",
		check:       visibleTextError,
	}
}

// visibleTextError is visibleTextOnly's check on a plain value.
func visibleTextError(s string) error {
	i, r, found := visible.FirstHidden(s)
	if !found {
		return nil
	}
	hint := "(a trailing newline often comes from file())"
	if !visible.IsControl(r) {
		hint = "(invisible characters often come with text copied from a web page or a document)"
	}
	return fmt.Errorf("the value has %s at character %d: a certificate's subject holds visible text only; remove it %s",
		visible.Describe(r), i, hint)
}

// wholeNumberValidator checks a number attribute that counts whole units
// (hours, seconds). The attributes are numbers rather than Int64 so that a
// fraction or a huge value reaches this check, which names the rule,
// instead of failing the framework's conversion ("always an error in the
// provider").
type wholeNumberValidator struct {
	unit     string
	min, max int64
}

var _ validator.Number = wholeNumberValidator{}

func wholeHours(minHours, maxHours int64) wholeNumberValidator {
	return wholeNumberValidator{unit: "hours", min: minHours, max: maxHours}
}

func wholeSeconds(minSeconds, maxSeconds int64) wholeNumberValidator {
	return wholeNumberValidator{unit: "seconds", min: minSeconds, max: maxSeconds}
}

func (v wholeNumberValidator) Description(context.Context) string {
	return fmt.Sprintf("value must be a whole number of %s between %d and %d", v.unit, v.min, v.max)
}

func (v wholeNumberValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v wholeNumberValidator) ValidateNumber(_ context.Context, req validator.NumberRequest, resp *validator.NumberResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, ok := wholeHoursIn(req.ConfigValue.ValueBigFloat(), v.min, v.max); !ok {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid number of "+v.unit,
			fmt.Sprintf("%s must be a whole number of %s between %d and %d, got %s.",
				req.Path, v.unit, v.min, v.max, req.ConfigValue.ValueBigFloat().Text('g', -1)))
	}
}

// wholeHoursIn returns f as an int64 when it is a whole number in [min, max].
func wholeHoursIn(f *big.Float, minHours, maxHours int64) (int64, bool) {
	if f == nil || f.IsInf() || !f.IsInt() {
		return 0, false
	}
	n, acc := f.Int64()
	if acc != big.Exact || n < minHours || n > maxHours {
		return 0, false
	}
	return n, true
}

// noNullElements refuses a null element in a list of names, which would
// otherwise reach the issuing as an empty name.
type noNullElements struct{}

var _ validator.List = noNullElements{}

func (noNullElements) Description(context.Context) string { return "elements must not be null" }

func (v noNullElements) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (noNullElements) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for i, e := range req.ConfigValue.Elements() {
		if e.IsNull() {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Null element in a list of names",
				fmt.Sprintf("Element %d of %s is null. Remove it; to drop nulls and empty strings from a computed list, "+
					"wrap it in compact().", i, req.Path))
		}
	}
}

// uniqueStrings refuses a list that holds the same string twice. It
// replaces listvalidator.UniqueValues, which compares every pair: attribute
// validators run before validateConfig caps the list's length, and on a
// list of tens of thousands of names the pairwise check took minutes.
type uniqueStrings struct{}

var _ validator.List = uniqueStrings{}

func (uniqueStrings) Description(context.Context) string { return "elements must be unique" }

func (v uniqueStrings) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (uniqueStrings) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	first := map[string]int{}
	for i, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		if j, dup := first[s.ValueString()]; dup {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Duplicate list value",
				fmt.Sprintf("This attribute contains duplicate values of: %q (elements %d and %d of %s): list each value once.", s.ValueString(), j, i, req.Path))
			continue
		}
		first[s.ValueString()] = i
	}
}
