package provider

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
)

var (
	serialPattern      = regexp.MustCompile(`^[1-9][0-9]{37,38}$`) // 128 bits: 39 decimal digits at most
	fingerprintPattern = regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`)
)

// certificatePEM is a knownvalue.Check that parses a PEM certificate and
// holds it to Docker's profile with the independent checker.
type certificatePEM struct{ expect acctest.Expect }

func (c certificatePEM) String() string { return fmt.Sprintf("a PEM %s certificate", c.expect.Role) }

func (c certificatePEM) CheckValue(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("expected a string, got %T", v)
	}
	cert, err := acctest.ParseCertificate(s)
	if err != nil {
		return err
	}
	return acctest.CheckCertificate(cert, c.expect)
}

// privateKeyPEM checks the key is unencrypted PKCS#8 of the right algorithm.
type privateKeyPEM struct{ algorithm string }

func (c privateKeyPEM) String() string { return "an unencrypted PKCS#8 " + c.algorithm + " key" }

func (c privateKeyPEM) CheckValue(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("expected a string, got %T", v)
	}
	key, err := acctest.ParsePKCS8Key(s)
	if err != nil {
		return err // the message never includes the key
	}
	return acctest.CheckKeyAlgorithm(key, c.algorithm)
}

// certificateStateChecks asserts every attribute of one certificate resource.
func certificateStateChecks(address string, e acctest.Expect, earlyRenewalHours int64, organization knownvalue.Check) []statecheck.StateCheck {
	at := func(name string) tfjsonpath.Path { return tfjsonpath.New(name) }
	start := e.IssuedAt.Add(-5 * time.Minute).UTC().Truncate(time.Second).Format(time.RFC3339)
	end := e.IssuedAt.Add(e.Validity).UTC().Truncate(time.Second).Format(time.RFC3339)
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(address, at("key_algorithm"), knownvalue.StringExact(e.KeyAlgorithm)),
		statecheck.ExpectKnownValue(address, at("validity_period_hours"), knownvalue.Int64Exact(int64(e.Validity/time.Hour))),
		statecheck.ExpectKnownValue(address, at("early_renewal_hours"), knownvalue.Int64Exact(earlyRenewalHours)),
		statecheck.ExpectKnownValue(address, at("common_name"), knownvalue.StringExact(e.CommonName)),
		statecheck.ExpectKnownValue(address, at("organization"), organization),
		statecheck.ExpectKnownValue(address, at("serial_number"), knownvalue.StringRegexp(serialPattern)),
		// serial_number identifies the certificate; a copy of it as id
		// would only add bytes to every instance in the state.
		stateCheckFunc(func(s *tfjson.State) error {
			attrs, err := resourceAttrs(s, address)
			if _, ok := attrs["id"]; ok {
				return fmt.Errorf("%s has an id attribute", address)
			}
			return err
		}),
		statecheck.ExpectKnownValue(address, at("cert_fingerprint_sha256"), knownvalue.StringRegexp(fingerprintPattern)),
		statecheck.ExpectKnownValue(address, at("validity_start_time"), knownvalue.StringExact(start)),
		statecheck.ExpectKnownValue(address, at("validity_end_time"), knownvalue.StringExact(end)),
		statecheck.ExpectKnownValue(address, at("ready_for_renewal"), knownvalue.Bool(false)),
		statecheck.ExpectKnownValue(address, at("cert_pem"), certificatePEM{e}),
		statecheck.ExpectKnownValue(address, at("private_key_pem"), privateKeyPEM{e.KeyAlgorithm}),
		statecheck.ExpectSensitiveValue(address, at("private_key_pem")),
	}
}

// issued is one certificate read back from the state.
type issued struct {
	cert    *x509.Certificate
	certPEM string
	keyPEM  string
}

// readIssued parses a resource's PEMs and checks that its derived attributes
// (serial, fingerprint, validity times) describe that very certificate. The
// fingerprint is compared with the independent checker's; openssl's own
// format is compared in TestCertificates_FingerprintMatchesOpenSSL.
func readIssued(state *tfjson.State, address string) (*issued, error) {
	a, err := stringAttrs(state, address, "cert_pem", "private_key_pem", "serial_number", "cert_fingerprint_sha256", "validity_start_time", "validity_end_time")
	if err != nil {
		return nil, err
	}
	cert, err := acctest.ParseCertificate(a["cert_pem"])
	if err != nil {
		return nil, fmt.Errorf("%s.cert_pem: %w", address, err)
	}
	key, err := acctest.ParsePKCS8Key(a["private_key_pem"])
	if err != nil {
		return nil, fmt.Errorf("%s.private_key_pem: %w", address, err)
	}
	var errs []error
	if !acctest.KeyMatches(cert, key) {
		errs = append(errs, fmt.Errorf("%s: private_key_pem does not match cert_pem", address))
	}
	if got, want := a["serial_number"], cert.SerialNumber.String(); got != want {
		errs = append(errs, fmt.Errorf("%s.serial_number = %s, certificate has %s", address, got, want))
	}
	if got, want := a["cert_fingerprint_sha256"], acctest.Fingerprint(cert); got != want {
		errs = append(errs, fmt.Errorf("%s.cert_fingerprint_sha256 = %s, want %s", address, got, want))
	}
	if got, want := a["validity_start_time"], cert.NotBefore.UTC().Format(time.RFC3339); got != want {
		errs = append(errs, fmt.Errorf("%s.validity_start_time = %s, certificate says %s", address, got, want))
	}
	if got, want := a["validity_end_time"], cert.NotAfter.UTC().Format(time.RFC3339); got != want {
		errs = append(errs, fmt.Errorf("%s.validity_end_time = %s, certificate says %s", address, got, want))
	}
	return &issued{cert: cert, certPEM: a["cert_pem"], keyPEM: a["private_key_pem"]}, errors.Join(errs...)
}

// pingTimeout bounds each handshake of the mutual-TLS checks.
func pingContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 15*time.Second)
}

func tfjsonpathOf(name string) tfjsonpath.Path { return tfjsonpath.New(name) }

// otherCAConfig is an unrelated CA with its own client, which every daemon
// under test must refuse.
const otherCAConfig = `
resource "dockertls_ca" "other" {}

resource "dockertls_client_cert" "other" {
  ca_cert_pem        = dockertls_ca.other.cert_pem
  ca_private_key_pem = dockertls_ca.other.private_key_pem
}
`

// testLeaves are the leaves every PKI configuration of these tests issues.
type testLeaves struct {
	server, client, otherClient *issued
}

func readLeaves(s *tfjson.State) (*testLeaves, error) {
	var l testLeaves
	for addr, dst := range map[string]**issued{
		"dockertls_server_cert.test":  &l.server,
		"dockertls_client_cert.test":  &l.client,
		"dockertls_client_cert.other": &l.otherClient,
	} {
		i, err := readIssued(s, addr)
		if err != nil {
			return nil, err
		}
		*dst = i
	}
	return &l, nil
}
