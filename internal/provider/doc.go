// Package provider is the Terraform face of the project: schemas, models,
// plans and diagnostics, in Terraform's words. The work below them is plain
// Go in sibling packages: certificates in internal/pki, daemon
// configuration in internal/daemonconfig, client files in
// internal/clientconfig, the live check in internal/endpoint, time in
// internal/clock.
//
// Where each concept lives. A resource's file tells its story and names
// the shared pieces it uses; read it first.
//
// The provider and its server
//   - provider.go: the provider, its resources and data sources.
//   - bulk_protocol.go: the protocol server main serves (New): the
//     framework's, with the bulk resources' plan, apply and refresh done on
//     raw values.
//   - provider_clock.go: the injected clock every resource reads.
//   - model_codec.go: models to and from Terraform's values, without the
//     framework's per-call reflection.
//
// Certificate resources (dockertls_ca, _server_cert, _client_cert)
//   - resource_ca.go, resource_server_cert.go, resource_client_cert.go: one
//     resource each: model, schema, and its spec (what it adds to the life
//     cycle). resource_server_cert.go starts with the story.
//   - certificate_lifecycle.go: the life cycle they share (validate, plan,
//     create, read, update, delete).
//   - certificate_model.go, certificate_schema.go: the attributes every
//     certificate has (request, outputs, renewal window) and their
//     descriptions.
//   - renewal.go: renewal, for single and bulk resources: what a plan does
//     (planRenewal, never the clock) and the clock's judgement at refresh
//     and apply (dueNow).
//   - signing_ca.go: the signing CA (signingCA): the CA attributes of every
//     CA-signed resource, given stored or write-only (storedOrWriteOnly),
//     their checks and diagnostics, and signing.
//   - leaf.go: a managed leaf (server or client) and the record of its CA.
//   - ca_expiry.go: the rule that a certificate must not outlive its CA.
//
// Bulk resources (dockertls_server_certs, _client_certs)
//   - resource_server_certs.go, resource_client_certs.go: one resource
//     each: model, schema, and its spec (entry checks and requests).
//   - bulk_certificates.go: their one life cycle, which the protocol server
//     runs; bulk_plan.go: what a plan decides per entry;
//     bulk_certificates_schema.go: their shared attributes;
//     bulk_validation.go, bulk_values.go: entry checks and raw-value
//     helpers.
//
// The ephemeral dockertls_client_cert: ephemeral_client_cert.go, with the
// request, signing CA and CA-expiry pieces above.
//
// Data sources: data_source_daemon_config.go, data_source_client_config.go,
// data_source_ca_bundle.go, data_source_endpoint.go, each on its plain-Go
// package.
//
// Shared by all: validators.go (attribute validators), pem_input_detail.go
// (the advice added to PEM input errors), wording.go (how diagnostics list
// names and place themselves).
//
// Tests: a file's unit and acceptance tests are in its x_test.go, or
// x_topic_test.go when there are many (signing_ca_write_only_key_test.go,
// bulk_plan_renewal_test.go). Tests of one property across the provider,
// or of a guide or example, are named for it: certificates_test.go (the
// PKI end to end, every key algorithm), logging_test.go (no key in any
// log), daemon_test.go (a real dockerd serves what we issue),
// ca_rotation_guide_test.go, fleet_guide_test.go, drift_test.go,
// example_module_test.go. Shared fixtures: provider_test.go (the test
// provider and its clock), badinput_test.go (bad-input tables),
// checks_test.go (state checks), validators_test.go (testCA),
// signing_ca_write_only_key_test.go (CA variables, key fragments), and the
// RPC fixture of rpc_bench_test.go.
package provider
