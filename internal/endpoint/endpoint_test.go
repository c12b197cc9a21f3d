package endpoint

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/docker/go-connections/tlsconfig"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// testPKI is a CA with a server certificate for 127.0.0.1 and a client.
type testPKI struct {
	ca             *pki.Certificate
	server, client tls.Certificate
	serverCert     *pki.Certificate
}

func issue(t *testing.T, req pki.Request, issuer *pki.Certificate, now time.Time) *pki.Certificate {
	t.Helper()
	var iss *pki.SigningCA
	if issuer != nil {
		var err error
		if iss, err = pki.NewSigningCA(issuer.Cert, issuer.Key); err != nil {
			t.Fatal(err)
		}
	}
	if req.KeyAlgorithm == "" {
		req.KeyAlgorithm = pki.DefaultKeyAlgorithm
	}
	if req.Validity == 0 {
		req.Validity = 24 * time.Hour
	}
	c, err := pki.Issue(req, iss, now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pair(t *testing.T, c *pki.Certificate) tls.Certificate {
	t.Helper()
	p, err := ClientCertificate(c.Cert, c.Key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newPKI issues the server certificate at serverIssuedAt, valid for
// serverValidity (0: a day).
func newPKI(t *testing.T, serverIssuedAt time.Time, serverValidity time.Duration) *testPKI {
	t.Helper()
	now := time.Now()
	ca := issue(t, pki.Request{Profile: pki.ProfileCA, CommonName: "test CA", Validity: 100 * 24 * time.Hour}, nil, serverIssuedAt.Add(-time.Hour))
	server := issue(t, pki.Request{Profile: pki.ProfileServer, CommonName: "daemon", Validity: serverValidity,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}, ca, serverIssuedAt)
	client := issue(t, pki.Request{Profile: pki.ProfileClient, CommonName: "client"}, ca, now)
	return &testPKI{ca: ca, server: pair(t, server), client: pair(t, client), serverCert: server}
}

func target(t *testing.T, addr string, ca *pki.Certificate, client tls.Certificate) Target {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(port)
	return Target{Host: Host{Name: host, Port: n}, CAs: []*x509.Certificate{ca.Cert}, Client: client, Timeout: 10 * time.Second}
}

var tlsVersions = map[string]uint16{"TLS1.3": tls.VersionTLS13, "TLS1.2": tls.VersionTLS12}

func wantKind(t *testing.T, res Result, kind Kind) {
	t.Helper()
	if res.Err == nil {
		t.Fatalf("the probe succeeded; want a %s failure", kind)
	}
	if res.Err.Kind != kind {
		t.Fatalf("kind %s (%s); want %s", res.Err.Kind, res.Err.Message, kind)
	}
	if res.DockerVersion != "" || res.APIVersion != "" {
		t.Errorf("a failed probe reports versions %q/%q", res.DockerVersion, res.APIVersion)
	}
}

func wantServed(t *testing.T, res Result, want *pki.Certificate) {
	t.Helper()
	if res.ServerCert == nil {
		t.Fatal("no served certificate reported")
	}
	if got, w := pki.Fingerprint(res.ServerCert), pki.Fingerprint(want.Cert); got != w {
		t.Errorf("served certificate %s; want %s", got, w)
	}
}

func TestProbe_VerifiedDaemon(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	for name, v := range tlsVersions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := acctest.StartFakeDaemon(t, p.server, p.ca.Cert, v)
			res := Probe(context.Background(), target(t, d.Addr, p.ca, p.client))
			if res.Err != nil {
				t.Fatalf("probe failed: %s: %s", res.Err.Kind, res.Err.Message)
			}
			if !res.Reachable || !res.Verified() {
				t.Errorf("reachable %v, verified %v; want both", res.Reachable, res.Verified())
			}
			wantServed(t, res, p.serverCert)
			if res.DockerVersion != acctest.FakeDaemonVersion || res.APIVersion != acctest.FakeDaemonAPIVersion {
				t.Errorf("versions %q/%q; want %q/%q", res.DockerVersion, res.APIVersion, acctest.FakeDaemonVersion, acctest.FakeDaemonAPIVersion)
			}
			if n := d.Requests(); n != 2 {
				t.Errorf("the daemon read %d requests; want 2 (/_ping, /version)", n)
			}
			// The second connection presented no certificate and was refused;
			// the third presented one that no CA signed, and was refused.
			if n := d.Connections(); n != 3 || !res.AnonymousRefused {
				t.Errorf("%d connections, a client without a certificate refused: %v; want 3 and refused", n, res.AnonymousRefused)
			}
			wantClientAuth(t, res, ClientAuth{Requested: true, Presented: true, AcceptedCASubjects: []string{"CN=test CA"},
				AcceptedCAs: 1, Match: CAsExact})
		})
	}
}

// A daemon serving another CA's certificate: the certificate is reported,
// verification fails, and not one request reaches the daemon.
func TestProbe_UnknownAuthoritySendsNoRequest(t *testing.T) {
	t.Parallel()
	p, other := newPKI(t, time.Now(), 0), newPKI(t, time.Now(), 0)
	for name, v := range tlsVersions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := acctest.StartFakeDaemon(t, other.server, p.ca.Cert, v)
			res := Probe(context.Background(), target(t, d.Addr, p.ca, p.client))
			wantKind(t, res, UnknownAuthority)
			wantServed(t, res, other.serverCert)
			if !res.Reachable || res.ServerCertVerified {
				t.Errorf("reachable %v, verified %v; want reachable and not verified", res.Reachable, res.ServerCertVerified)
			}
			if !strings.Contains(res.Err.Message, "not signed by the given CA") {
				t.Errorf("message %q", res.Err.Message)
			}
			if n := d.Requests(); n != 0 {
				t.Errorf("the daemon read %d requests over an unverified connection; want none", n)
			}
		})
	}
}

// TestProbe_Bundle: with a bundle, a daemon whose certificate any of its CAs
// signed is verified; with the old CA alone, the next CA's daemon is not,
// and hears no request.
func TestProbe_Bundle(t *testing.T) {
	t.Parallel()
	current, next := newPKI(t, time.Now(), 0), newPKI(t, time.Now(), 0)
	bundle := func(addr string) Target {
		tg := target(t, addr, current.ca, current.client)
		tg.CAs = append(tg.CAs, next.ca.Cert)
		return tg
	}
	for name, served := range map[string]*testPKI{"current": current, "next": next} {
		d := acctest.StartFakeDaemon(t, served.server, current.ca.Cert, 0)
		if res := Probe(context.Background(), bundle(d.Addr)); res.Err != nil || !res.Verified() || res.DockerVersion == "" {
			t.Errorf("the %s CA's daemon against the bundle: %+v", name, res.Err)
		}
	}
	d := acctest.StartFakeDaemon(t, next.server, current.ca.Cert, 0)
	res := Probe(context.Background(), target(t, d.Addr, current.ca, current.client))
	wantKind(t, res, UnknownAuthority)
	if n := d.Requests(); n != 0 {
		t.Errorf("the daemon read %d requests over an unverified connection; want none", n)
	}
	// A bundle that lacks the daemon's CA says so.
	third := newPKI(t, time.Now(), 0)
	d = acctest.StartFakeDaemon(t, third.server, current.ca.Cert, 0)
	res = Probe(context.Background(), bundle(d.Addr))
	wantKind(t, res, UnknownAuthority)
	if !strings.Contains(res.Err.Message, "not signed by any of the 2 CAs given") {
		t.Errorf("message %q", res.Err.Message)
	}
}

func TestProbe_NameMismatch(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	d := acctest.StartFakeDaemon(t, p.server, p.ca.Cert, 0)
	tg := target(t, d.Addr, p.ca, p.client)
	tg.Host.Name = "localhost" // the certificate names 127.0.0.1 only
	res := Probe(context.Background(), tg)
	wantKind(t, res, NameMismatch)
	wantServed(t, res, p.serverCert)
	if !strings.Contains(res.Err.Message, "does not cover localhost") || res.ServerCertVerified {
		t.Errorf("verified %v, message %q", res.ServerCertVerified, res.Err.Message)
	}
	if n := d.Requests(); n != 0 {
		t.Errorf("the daemon read %d requests; want none", n)
	}
}

func TestProbe_ExpiredAndNotYetValid(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now().Add(-48*time.Hour), time.Hour)
	d := acctest.StartFakeDaemon(t, p.server, p.ca.Cert, 0)
	res := Probe(context.Background(), target(t, d.Addr, p.ca, p.client))
	wantKind(t, res, Expired)
	wantServed(t, res, p.serverCert)
	if !strings.Contains(res.Err.Message, "expired at "+p.serverCert.Cert.NotAfter.UTC().Format(time.RFC3339)) {
		t.Errorf("message %q", res.Err.Message)
	}

	early := target(t, d.Addr, p.ca, p.client)
	early.Now = func() time.Time { return p.serverCert.Cert.NotBefore.Add(-time.Hour) }
	res = Probe(context.Background(), early)
	wantKind(t, res, Expired)
	if !strings.Contains(res.Err.Message, "is not valid until") {
		t.Errorf("message %q", res.Err.Message)
	}
	if n := d.Requests(); n != 0 {
		t.Errorf("the daemon read %d requests; want none", n)
	}
}

// Under TLS 1.3 the daemon's refusal arrives at the first read, under
// TLS 1.2 in the handshake: both are the same kind.
func TestProbe_ClientCertificateRefused(t *testing.T) {
	t.Parallel()
	p, other := newPKI(t, time.Now(), 0), newPKI(t, time.Now(), 0)
	for name, v := range tlsVersions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := acctest.StartFakeDaemon(t, p.server, p.ca.Cert, v)
			res := Probe(context.Background(), target(t, d.Addr, p.ca, other.client))
			wantKind(t, res, ClientCertificateRefused)
			wantServed(t, res, p.serverCert)
			if !res.Reachable || !res.Verified() {
				t.Errorf("reachable %v, verified %v; the daemon itself verified fine and refused a client without a certificate", res.Reachable, res.Verified())
			}
			if n := d.Requests(); n != 0 {
				t.Errorf("the daemon served %d requests to a refused client", n)
			}
		})
	}
}

func TestProbe_ConnectionRefused(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	res := Probe(context.Background(), target(t, acctest.ClosedPort(t), p.ca, p.client))
	wantKind(t, res, ConnectionRefused)
	if res.Reachable || res.ServerCertVerified || res.ServerCert != nil {
		t.Errorf("reachable %v, verified %v, served %v; want nothing", res.Reachable, res.ServerCertVerified, res.ServerCert != nil)
	}
}

// The timeout bounds the whole probe, here a handshake that never ends.
func TestProbe_TimeoutBoundsTheProbe(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	tg := target(t, acctest.StartSilentListener(t), p.ca, p.client)
	tg.Timeout = 500 * time.Millisecond
	start := time.Now()
	res := Probe(context.Background(), tg)
	elapsed := time.Since(start)
	wantKind(t, res, Timeout)
	if !res.Reachable || res.ServerCertVerified {
		t.Errorf("reachable %v, verified %v; want reachable, not verified", res.Reachable, res.ServerCertVerified)
	}
	if elapsed > 3*time.Second {
		t.Errorf("the probe took %s with a 500ms timeout", elapsed)
	}
	if !strings.Contains(res.Err.Message, "TLS handshake") {
		t.Errorf("message %q does not say where it stalled", res.Err.Message)
	}
}

func TestClientCertificate_RefusesAnotherKey(t *testing.T) {
	t.Parallel()
	a, b := newPKI(t, time.Now(), 0), newPKI(t, time.Now(), 0)
	if _, err := ClientCertificate(a.client.Leaf, b.client.PrivateKey.(crypto.Signer)); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("ClientCertificate with another key: %v; want ErrKeyMismatch", err)
	}
}

// Dialled by IP address, the client sends no server name (SNI carries host
// names only), yet the address must still be checked against the
// certificate's IP subjectAltNames.
func TestProbe_IPAddressNotInCertificate(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	elsewhere := issue(t, pki.Request{Profile: pki.ProfileServer, CommonName: "127.0.0.1",
		DNSNames: []string{"docker.test"}, IPAddresses: []net.IP{net.ParseIP("192.0.2.1")}}, p.ca, time.Now())
	d := acctest.StartFakeDaemon(t, pair(t, elsewhere), p.ca.Cert, 0)
	res := Probe(context.Background(), target(t, d.Addr, p.ca, p.client))
	wantKind(t, res, NameMismatch)
	wantServed(t, res, elsewhere)
	if n := d.Requests(); n != 0 {
		t.Errorf("the daemon read %d requests; want none", n)
	}
}

// startRawDaemon serves TLS as dockerd does (go-connections' server
// defaults, client certificates required from p's CA) and hands each
// connection, after its handshake, to answer: a daemon that speaks HTTP
// as it likes.
func startRawDaemon(t *testing.T, p *testPKI, answer func(c *tls.Conn)) string {
	t.Helper()
	return startTLSServer(t, p, func(cfg *tls.Config) {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = x509.NewCertPool()
		cfg.ClientCAs.AddCert(p.ca.Cert)
	}, answer)
}

// startTLSServer serves TLS with go-connections' server defaults and p's
// server certificate, as edit changes them, and hands each connection,
// after its handshake, to answer.
func startTLSServer(t *testing.T, p *testPKI, edit func(*tls.Config), answer func(c *tls.Conn)) string {
	t.Helper()
	cfg := tlsconfig.ServerDefault()
	cfg.Certificates = []tls.Certificate{p.server}
	edit(cfg)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { _ = c.Close() }()
				_ = c.SetDeadline(time.Now().Add(20 * time.Second))
				if tc := c.(*tls.Conn); tc.Handshake() == nil {
					answer(tc)
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// A verified daemon that answers with a status line or header that never
// ends (up to 256 MiB, then silence) must not make the probe read it
// into memory until the timeout: http.ReadResponse has no limit of its
// own. The probe gives up after about a megabyte, well before the timeout.
func TestProbe_EndlessResponseHeadIsCut(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	for name, head := range map[string]string{
		"status line": "HTTP/1.1 200 ",
		"header":      "HTTP/1.1 200 OK\r\nX-Padding: ",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			addr := startRawDaemon(t, p, func(c *tls.Conn) {
				if _, err := io.WriteString(c, head); err != nil {
					return
				}
				chunk := []byte(strings.Repeat("a", 64<<10))
				for range 4096 {
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
				_, _ = io.Copy(io.Discard, c) // then silence until the client leaves
			})
			tg := target(t, addr, p.ca, p.client)
			tg.Timeout = 8 * time.Second
			start := time.Now()
			res := Probe(context.Background(), tg)
			elapsed := time.Since(start)
			wantKind(t, res, Other)
			if elapsed > tg.Timeout/2 {
				t.Errorf("the probe read for %s (timeout %s); want it to stop after about a megabyte", elapsed, tg.Timeout)
			}
			if !strings.Contains(res.Err.Message, "more than") {
				t.Errorf("message %q does not say the answer was too large", res.Err.Message)
			}
		})
	}
}

// mitmCertificate is a self-signed server certificate, as anyone who can
// answer at the daemon's address can present, for dnsNames.
func mitmCertificate(t *testing.T, dnsNames ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: dnsNames, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// The error message reaches terminals and CI logs (check block warnings,
// the drift job's report): nothing a server sends may put a control
// character into it. A certificate's dNSName may hold any ASCII, line
// breaks and escape sequences included, and it is read before anything is
// verified; a verified daemon's status line is free text too.
func TestProbe_ErrorHoldsNoControlCharacters(t *testing.T) {
	t.Parallel()
	const ascii = "x\n::error::spoofed\x1b[2J\x1b]0;title\x07" // a dNSName holds ASCII only
	const payload = ascii + "\u202e\u0085"
	p := newPKI(t, time.Now(), 0)
	probes := map[string]func(t *testing.T) Result{
		"name in an unverified certificate": func(t *testing.T) Result {
			d := acctest.StartFakeDaemon(t, mitmCertificate(t, ascii), p.ca.Cert, 0)
			tg := target(t, d.Addr, p.ca, p.client)
			tg.Host.Name = "localhost"
			return Probe(context.Background(), tg)
		},
		"status line of a verified daemon": func(t *testing.T) Result {
			addr := startRawDaemon(t, p, func(c *tls.Conn) {
				_, _ = http.ReadRequest(bufio.NewReader(c))
				_, _ = io.WriteString(c, "HTTP/1.1 500 "+strings.ReplaceAll(payload, "\n", "")+"\r\nContent-Length: 0\r\n\r\n")
			})
			return Probe(context.Background(), target(t, addr, p.ca, p.client))
		},
		"version of a verified daemon": func(t *testing.T) Result {
			addr := startRawDaemon(t, p, func(c *tls.Conn) {
				r := bufio.NewReader(c)
				version, err := json.Marshal(map[string]string{"Version": "1.0" + payload, "ApiVersion": "1.41"})
				if err != nil {
					panic(err)
				}
				for _, body := range []string{"OK", string(version)} {
					if _, err := http.ReadRequest(r); err != nil {
						return
					}
					_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
				}
			})
			return Probe(context.Background(), target(t, addr, p.ca, p.client))
		},
	}
	for name, probe := range probes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := probe(t)
			for what, s := range map[string]string{"version": res.DockerVersion + res.APIVersion, "error": errorMessage(res)} {
				if i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }); i >= 0 {
					t.Errorf("the %s holds the non-printing character %U: %q", what, []rune(s[i:])[0], s)
				}
			}
			if res.Err == nil {
				t.Fatalf("the probe succeeded, with version %q", res.DockerVersion)
			}
		})
	}
}

func errorMessage(res Result) string {
	if res.Err == nil {
		return ""
	}
	return res.Err.Message
}

// A server certificate may outlive its CA (the resources only warn). Once
// the CA has expired, the message must say so, not that the served
// certificate "expired" at a time still to come.
func TestProbe_ExpiredCANamedAsSuch(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ca := issue(t, pki.Request{Profile: pki.ProfileCA, CommonName: "short-lived CA", Validity: 24 * time.Hour}, nil, now)
	server := issue(t, pki.Request{Profile: pki.ProfileServer, CommonName: "daemon", Validity: 10 * 24 * time.Hour,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}, ca, now)
	client := issue(t, pki.Request{Profile: pki.ProfileClient, CommonName: "client"}, ca, now)
	d := acctest.StartFakeDaemon(t, pair(t, server), ca.Cert, 0)
	tg := target(t, d.Addr, ca, pair(t, client))
	later := ca.Cert.NotAfter.Add(time.Hour)
	tg.Now = func() time.Time { return later }
	res := Probe(context.Background(), tg)
	wantKind(t, res, Expired)
	wantServed(t, res, server)
	msg := res.Err.Message
	if strings.Contains(msg, server.Cert.NotAfter.UTC().Format(time.RFC3339)) || !strings.Contains(msg, ca.Cert.NotAfter.UTC().Format(time.RFC3339)) ||
		!strings.Contains(msg, "short-lived CA") {
		t.Errorf("message %q; want it to name the CA %q and its expiry %s", msg, ca.Cert.Subject.CommonName, ca.Cert.NotAfter.UTC().Format(time.RFC3339))
	}
}

// A name mismatch quotes the served certificate's names (Go lists up to 99
// of them, each up to 253 characters): the message, printed in every plan's
// check warning, stays short and says how much it left out.
func TestProbe_LongMessageIsShortened(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	label := strings.Repeat("a", 63)
	names := make([]string, 99)
	for i := range names {
		names[i] = fmt.Sprintf("host-%04d.%s.%s.%s.example", i, label, label, label)
	}
	d := acctest.StartFakeDaemon(t, mitmCertificate(t, names...), p.ca.Cert, 0)
	tg := target(t, d.Addr, p.ca, p.client)
	tg.Host.Name = "localhost"
	res := Probe(context.Background(), tg)
	wantKind(t, res, NameMismatch)
	msg := errorMessage(res)
	if len(msg) > maxMessage+50 || !strings.Contains(msg, "more bytes)") || !strings.Contains(msg, "host-0000") {
		t.Errorf("a %d-byte message: %.200q ... %q", len(msg), msg, msg[max(0, len(msg)-60):])
	}
}

// rotation is a CA rotation halfway through: a client from the current CA,
// and the next CA, with the same name, that signs the daemon's new
// certificate. Both daemon certificates outlive the current CA, which the
// resources allow with a warning.
type rotation struct {
	current, next         *pki.Certificate
	client                tls.Certificate
	fromCurrent, fromNext *pki.Certificate
}

func newRotation(t *testing.T, now time.Time) *rotation {
	t.Helper()
	r := &rotation{
		current: issue(t, pki.Request{Profile: pki.ProfileCA, CommonName: "test CA", Validity: 100 * 24 * time.Hour}, nil, now.Add(-time.Hour)),
		next:    issue(t, pki.Request{Profile: pki.ProfileCA, CommonName: "test CA", Validity: 200 * 24 * time.Hour}, nil, now.Add(-time.Hour)),
	}
	r.client = pair(t, issue(t, pki.Request{Profile: pki.ProfileClient, CommonName: "client"}, r.current, now))
	daemon := pki.Request{Profile: pki.ProfileServer, CommonName: "daemon", Validity: 150 * 24 * time.Hour,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	r.fromCurrent, r.fromNext = issue(t, daemon, r.current, now), issue(t, daemon, r.next, now)
	return r
}

// A bundle that still holds an expired CA: the daemon whose certificate
// that CA signed is reported as expired, naming that CA, not as signed by
// an unknown authority; the next CA's daemon verifies.
func TestProbe_TrustBundleWithExpiredCA(t *testing.T) {
	t.Parallel()
	r := newRotation(t, time.Now())
	later := r.current.Cert.NotAfter.Add(time.Hour) // the current CA has expired, the next has not
	for _, cas := range [][]*x509.Certificate{{r.current.Cert, r.next.Cert}, {r.next.Cert, r.current.Cert}} {
		d := acctest.StartFakeDaemon(t, pair(t, r.fromCurrent), r.current.Cert, 0)
		tg := target(t, d.Addr, r.current, r.client)
		tg.CAs, tg.Now = cas, func() time.Time { return later }
		res := Probe(context.Background(), tg)
		wantKind(t, res, Expired)
		if msg := res.Err.Message; !strings.Contains(msg, `the CA certificate "CN=test CA"`) ||
			!strings.Contains(msg, "expired at "+r.current.Cert.NotAfter.UTC().Format(time.RFC3339)) {
			t.Errorf("message %q; want it to name the expired CA and its expiry", msg)
		}

		d = acctest.StartFakeDaemon(t, pair(t, r.fromNext), r.current.Cert, 0)
		tg = target(t, d.Addr, r.current, r.client)
		tg.CAs, tg.Now = cas, func() time.Time { return later }
		if res := Probe(context.Background(), tg); !res.Verified() {
			t.Errorf("the next CA's daemon beside an expired CA: %+v", res.Err)
		}
	}
}

// Ctrl-C in Terraform cancels the probe's context: the probe must return
// at once, not when timeout_seconds (up to 300 s) runs out, whichever stage
// it is in.
func TestProbe_Cancelled(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	silence := func(c *tls.Conn) {
		_, _ = http.ReadRequest(bufio.NewReader(c))
		_, _ = io.Copy(io.Discard, c) // until the client leaves
	}
	for stage, addr := range map[string]func(t *testing.T) string{
		"handshake": func(t *testing.T) string { return acctest.StartSilentListener(t) },
		"answer": func(t *testing.T) string {
			return startRawDaemon(t, p, func(c *tls.Conn) {
				_, _ = http.ReadRequest(bufio.NewReader(c))
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n") // the head, cut short
				_, _ = io.Copy(io.Discard, c)
			})
		},
		"check without a certificate": func(t *testing.T) string {
			return startTLSServer(t, p, asksOnly(p), func(c *tls.Conn) { answerPings(c, silence) })
		},
	} {
		t.Run(stage, func(t *testing.T) {
			t.Parallel()
			tg := target(t, addr(t), p.ca, p.client)
			tg.Timeout = 60 * time.Second
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			start := time.Now()
			res := Probe(ctx, tg)
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("the probe returned %s after it was cancelled (timeout %s)", elapsed, tg.Timeout)
			}
			if res.Err == nil || !strings.Contains(res.Err.Message, "cancelled") || res.Verified() {
				t.Errorf("error %+v, verified %v; want one saying the probe was cancelled, not verified", res.Err, res.Verified())
			}
		})
	}
}

// A server that answers /version with a version of half a megabyte is not
// a Docker daemon (dockerd's are a few dozen bytes), and none of it must
// reach the state.
func TestProbe_OversizedVersionRefused(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	huge := strings.Repeat("9", 500<<10)
	for name, v := range map[string][2]string{"Version": {huge, "1.41"}, "ApiVersion": {"20.10.24", huge}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			addr := startRawDaemon(t, p, func(c *tls.Conn) {
				r := bufio.NewReader(c)
				version, err := json.Marshal(map[string]string{"Version": v[0], "ApiVersion": v[1]})
				if err != nil {
					panic(err)
				}
				for _, body := range []string{"OK", string(version)} {
					if _, err := http.ReadRequest(r); err != nil {
						return
					}
					_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
				}
			})
			res := Probe(context.Background(), target(t, addr, p.ca, p.client))
			wantKind(t, res, Other)
			if !strings.Contains(res.Err.Message, "not a Docker daemon") || len(res.Err.Message) > maxMessage+50 {
				t.Errorf("a %d-byte message: %.300q", len(res.Err.Message), res.Err.Message)
			}
		})
	}
}

// A proxy in front of the daemon may close the connection after each
// answer. The docker CLI then dials again; so must the probe, verifying
// the server again, rather than report a failure.
func TestProbe_ServerClosingAfterEachResponse(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	for name, v := range tlsVersions {
		t.Run(name+" saying Connection: close", func(t *testing.T) {
			t.Parallel()
			d := acctest.StartFakeDaemonWith(t, p.server, acctest.FakeDaemonOptions{ClientAuth: tls.RequireAndVerifyClientCert,
				ClientCAs: []*x509.Certificate{p.ca.Cert}, MaxVersion: v, CloseAfterEachResponse: true})
			res := Probe(context.Background(), target(t, d.Addr, p.ca, p.client))
			if res.Err != nil {
				t.Fatalf("probe failed: %s: %s", res.Err.Kind, res.Err.Message)
			}
			if res.DockerVersion != acctest.FakeDaemonVersion {
				t.Errorf("version %q; want %q", res.DockerVersion, acctest.FakeDaemonVersion)
			}
			if n := d.Requests(); n != 2 {
				t.Errorf("the daemon read %d requests; want 2", n)
			}
		})
		t.Run(name+" without a word", func(t *testing.T) {
			t.Parallel()
			var conns atomic.Int64
			addr := startRawDaemon(t, p, func(c *tls.Conn) {
				conns.Add(1)
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				body := "OK"
				if conns.Load() > 1 {
					body = `{"Version":"20.10.24","ApiVersion":"1.41"}`
				}
				_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
			})
			res := Probe(context.Background(), target(t, addr, p.ca, p.client))
			if res.Err != nil {
				t.Fatalf("probe failed: %s: %s", res.Err.Kind, res.Err.Message)
			}
			if res.DockerVersion != "20.10.24" || res.APIVersion != "1.41" {
				t.Errorf("versions %q/%q", res.DockerVersion, res.APIVersion)
			}
		})
	}
}

// asksOnly is a server that asks for a client certificate from p's CA and
// does not require one.
func asksOnly(p *testPKI) func(*tls.Config) {
	return func(cfg *tls.Config) {
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
		cfg.ClientCAs = x509.NewCertPool()
		cfg.ClientCAs.AddCert(p.ca.Cert)
	}
}

// switchingCertificate serves first for the first handshake and then for
// every later one: a daemon behind addresses that do not agree, or someone
// answering in its place.
func switchingCertificate(first, then tls.Certificate) func(*tls.Config) {
	var n atomic.Int64
	return func(cfg *tls.Config) {
		cfg.Certificates = nil
		cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			if n.Add(1) == 1 {
				return &first, nil
			}
			return &then, nil
		}
	}
}

// Every connection verifies the server before it carries a request: the
// check without a certificate and a reconnection alike. Here the first
// handshake serves the daemon's certificate and later ones another.
func TestProbe_EveryConnectionVerifiesTheServer(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	impostor := newPKI(t, time.Now(), 0).server // for 127.0.0.1, from another CA
	for _, tc := range []struct {
		name           string
		closeEachTime  bool
		wantRequests   int64
		wantVersionSet bool
	}{
		{"the check without a certificate", false, 2, true},
		{"a reconnection", true, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var requests, anonymous atomic.Int64
			addr := startTLSServer(t, p, func(cfg *tls.Config) {
				asksOnly(p)(cfg)
				switchingCertificate(p.server, impostor)(cfg)
			}, func(c *tls.Conn) {
				r := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(r)
					if err != nil {
						return
					}
					requests.Add(1)
					if len(c.ConnectionState().PeerCertificates) == 0 {
						anonymous.Add(1)
					}
					body := "OK"
					if req.URL.Path == "/version" {
						body = `{"Version":"20.10.24","ApiVersion":"1.41"}`
					}
					_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
					if tc.closeEachTime {
						return
					}
				}
			})
			res := Probe(context.Background(), target(t, addr, p.ca, p.client))
			if res.Err == nil || res.Err.Kind != UnknownAuthority {
				t.Fatalf("error %+v; want %s", res.Err, UnknownAuthority)
			}
			if res.ServerCertVerified || res.Verified() {
				t.Error("a probe that met an unverified server reports the server certificate verified")
			}
			if got, want := pki.Fingerprint(res.ServerCert), pki.Fingerprint(impostor.Leaf); got != want {
				t.Errorf("reported served certificate %s; want the one that failed, %s", got, want)
			}
			if n, a := requests.Load(), anonymous.Load(); n != tc.wantRequests || a != 0 {
				t.Errorf("the server read %d requests, %d without a certificate; want %d, none", n, a, tc.wantRequests)
			}
			if (res.DockerVersion != "") != tc.wantVersionSet {
				t.Errorf("version %q", res.DockerVersion)
			}
		})
	}
}
