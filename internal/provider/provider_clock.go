package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/dockertls/terraform-provider-dockertls/internal/clock"
)

// providerClock is embedded by every resource, ephemeral resource and data
// source that reads the time, so tests can move time without sleeping: the
// provider hands it its clock in Configure, and the protocol server gives
// the bulk resources, whose life cycle it runs, the same clock when it
// builds them.
type providerClock struct {
	clock clock.Clock
}

// configureClock takes the clock from the data the provider's Configure
// returned; nil data (before the provider is configured) leaves the system
// clock in place.
func (c *providerClock) configureClock(data any, diags *diag.Diagnostics) {
	if data == nil {
		return
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return
	}
	c.clock = pd.clock
}

func (c *providerClock) now() time.Time {
	if c.clock == nil {
		return time.Now()
	}
	return c.clock.Now()
}
