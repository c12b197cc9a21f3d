package acctest

import (
	"context"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// configureSerialized lets ConfigureProvider run only while no call that
// uses the configured provider is in flight.
//
// terraform starts a provider process for each provider instance it needs,
// so a provider server is configured once and then used. Served in-process
// for TF_REATTACH_PROVIDERS, every instance of one terraform command reaches
// the same server, and terraform may configure a second instance (a module's,
// a later graph walk's) while the first is still planning: the framework then
// writes its configured state while another call reads it, which the race
// detector rightly reports. Serializing the two restores what terraform
// guarantees to a real provider process.
type configureSerialized struct {
	tfprotov6.ProviderServer
	mu sync.RWMutex
}

var _ tfprotov6.ProviderServer = (*configureSerialized)(nil)

func (s *configureSerialized) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ProviderServer.ConfigureProvider(ctx, req)
}

func (s *configureSerialized) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ProviderServer.ReadResource(ctx, req)
}

func (s *configureSerialized) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ProviderServer.PlanResourceChange(ctx, req)
}

func (s *configureSerialized) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ProviderServer.ApplyResourceChange(ctx, req)
}

func (s *configureSerialized) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ProviderServer.ImportResourceState(ctx, req)
}

func (s *configureSerialized) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ProviderServer.ReadDataSource(ctx, req)
}

func (s *configureSerialized) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ProviderServer.OpenEphemeralResource(ctx, req)
}

func (s *configureSerialized) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ProviderServer.RenewEphemeralResource(ctx, req)
}

func (s *configureSerialized) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ProviderServer.CloseEphemeralResource(ctx, req)
}
