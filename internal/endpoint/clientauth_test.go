package endpoint

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/dockertls/terraform-provider-dockertls/internal/acctest"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

func wantClientAuth(t *testing.T, res Result, want ClientAuth) {
	t.Helper()
	if res.ClientAuth == nil {
		t.Fatal("no client authentication reported")
	}
	got := *res.ClientAuth
	got.accepted = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("client authentication %+v; want %+v", got, want)
	}
}

// namedCA is a CA with a name of its own: the probe compares CAs by name,
// and every testPKI's CA is "test CA".
func namedCA(t *testing.T, name string) *pki.Certificate {
	t.Helper()
	return issue(t, pki.Request{Profile: pki.ProfileCA, CommonName: name}, nil, time.Now().Add(-time.Hour))
}

// A daemon with "tls": true and "tlsverify": false asks for no client
// certificate and serves anyone: its certificate verifies, but the daemon
// is not verified, and the one request that went without a certificate is
// GET /_ping (never /version).
func TestProbe_OpenDoor(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	for name, v := range tlsVersions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := acctest.StartFakeDaemonWith(t, p.server, acctest.FakeDaemonOptions{ClientAuth: tls.NoClientCert, MaxVersion: v})
			res := Probe(context.Background(), target(t, d.Addr, p.ca, p.client))
			wantKind(t, res, AnonymousAccess)
			if !res.ServerCertVerified || res.AnonymousRefused || res.Verified() {
				t.Errorf("server certificate verified %v, anonymous refused %v, verified %v; want true, false, false",
					res.ServerCertVerified, res.AnonymousRefused, res.Verified())
			}
			wantServed(t, res, p.serverCert)
			wantClientAuth(t, res, ClientAuth{})
			if all, anonymous := d.Requests(), d.AnonymousRequests(); all != 1 || anonymous != 1 {
				t.Errorf("the daemon read %d requests, %d without a certificate; want GET /_ping alone", all, anonymous)
			}
			if !strings.Contains(res.Err.Message, "presented no certificate") || !strings.Contains(res.Err.Message, "tlsverify") {
				t.Errorf("message %q", res.Err.Message)
			}
		})
	}
}

// A server may ask for a certificate and serve a client that sends none:
// the request alone proves nothing, the check without a certificate does.
func TestProbe_AsksForACertificateButDoesNotRequireIt(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	for _, auth := range []tls.ClientAuthType{tls.VerifyClientCertIfGiven, tls.RequestClientCert} {
		for name, v := range tlsVersions {
			t.Run(fmt.Sprint(auth, " ", name), func(t *testing.T) {
				t.Parallel()
				d := acctest.StartFakeDaemonWith(t, p.server, acctest.FakeDaemonOptions{ClientAuth: auth,
					ClientCAs: []*x509.Certificate{p.ca.Cert}, MaxVersion: v})
				res := Probe(context.Background(), target(t, d.Addr, p.ca, p.client))
				if res.Err == nil || res.Err.Kind != AnonymousAccess {
					t.Fatalf("error %+v; want %s", res.Err, AnonymousAccess)
				}
				if !res.ServerCertVerified || res.Verified() {
					t.Errorf("server certificate verified %v, verified %v", res.ServerCertVerified, res.Verified())
				}
				wantClientAuth(t, res, ClientAuth{Requested: true, Presented: true, AcceptedCASubjects: []string{"CN=test CA"},
					AcceptedCAs: 1, Match: CAsExact})
				// What the client certificate was answered is still reported.
				if res.DockerVersion != acctest.FakeDaemonVersion {
					t.Errorf("version %q", res.DockerVersion)
				}
				if all, anonymous := d.Requests(), d.AnonymousRequests(); all != 3 || anonymous != 1 {
					t.Errorf("the daemon read %d requests, %d without a certificate; want 3, of which GET /_ping alone without", all, anonymous)
				}
			})
		}
	}
}

// A daemon whose ca.pem holds our CA and another (a public bundle, a
// forgotten CA) admits whoever the other certifies: reported, by name,
// while the daemon itself is verified.
func TestProbe_DaemonTrustingAnotherCAToo(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	public := namedCA(t, "Some Public Root")
	d := acctest.StartFakeDaemonTrusting(t, p.server, []*x509.Certificate{p.ca.Cert, public.Cert}, 0)
	res := Probe(context.Background(), target(t, d.Addr, p.ca, p.client))
	if res.Err != nil || !res.Verified() {
		t.Fatalf("verified %v, error %+v", res.Verified(), res.Err)
	}
	wantClientAuth(t, res, ClientAuth{Requested: true, Presented: true, AcceptedCASubjects: []string{"CN=test CA", "CN=Some Public Root"},
		AcceptedCAs: 2, Match: CAsBeyond})

	// The same daemon holding the CA given alone, and one halfway through a
	// rotation, which the client's issuer and the bundle given both cover.
	next := namedCA(t, "next CA")
	for want, cas := range map[CAMatch][]*x509.Certificate{CAsExact: {p.ca.Cert, next.Cert}, CAsWithin: {next.Cert}} {
		d := acctest.StartFakeDaemonTrusting(t, p.server, cas, 0)
		tg := target(t, d.Addr, p.ca, p.client)
		tg.CAs = append(tg.CAs, next.Cert)
		if res := Probe(context.Background(), tg); res.ClientAuth == nil || res.ClientAuth.Match != want {
			t.Errorf("a daemon trusting %d CAs: %+v; want %s", len(cas), res.ClientAuth, want)
		}
	}
}

// A daemon that lists CAs other than the client certificate's issuer gets
// no certificate from a Go client: it refuses the client, and that
// connection was the check without a certificate, so the daemon is
// verified. The error names the CAs it wants.
func TestProbe_ClientIssuerNotAccepted(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	elsewhere := namedCA(t, "Another Team CA")
	for name, v := range tlsVersions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := acctest.StartFakeDaemonTrusting(t, p.server, []*x509.Certificate{elsewhere.Cert}, v)
			res := Probe(context.Background(), target(t, d.Addr, p.ca, p.client))
			wantKind(t, res, ClientCertificateRefused)
			if !res.Verified() {
				t.Errorf("server certificate verified %v, anonymous refused %v; want the daemon verified",
					res.ServerCertVerified, res.AnonymousRefused)
			}
			wantClientAuth(t, res, ClientAuth{Requested: true, AcceptedCASubjects: []string{"CN=Another Team CA"}, AcceptedCAs: 1, Match: CAsBeyond})
			if msg := res.Err.Message; !strings.Contains(msg, `issued by "CN=Another Team CA"`) || !strings.Contains(msg, `issuer ("CN=test CA")`) {
				t.Errorf("message %q", msg)
			}
			if n := d.Connections(); n != 2 {
				t.Errorf("%d connections; want two: one that was itself the check without a certificate, and the check with "+
					"a certificate no CA signed", n)
			}
		})
	}
}

// answerPings answers every GET /_ping over c with OK and /version with a
// version, until the client leaves; a client without a certificate gets
// anonymous instead (nil: silence).
func answerPings(c *tls.Conn, anonymous func(c *tls.Conn)) {
	if len(c.ConnectionState().PeerCertificates) == 0 && anonymous != nil {
		anonymous(c)
		return
	}
	r := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(r)
		if err != nil {
			return
		}
		body := "OK"
		if req.URL.Path == "/version" {
			body = `{"Version":"20.10.24","ApiVersion":"1.41"}`
		}
		if _, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body); err != nil {
			return
		}
	}
}

// Only an explicit refusal shows that the daemon refuses clients without
// a certificate. A server that lets such a client in and then answers
// otherwise is an open door at the TLS layer; one that stalls or hangs up
// proves nothing, and the daemon is not verified.
func TestProbe_CheckWithoutCertificateFailsClosed(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	for _, tc := range []struct {
		name      string
		anonymous func(c *tls.Conn)
		kind      Kind
		message   string
	}{
		{"answered 403", func(c *tls.Conn) {
			_, _ = http.ReadRequest(bufio.NewReader(c))
			_, _ = io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
		}, AnonymousAccess, "answered its GET /_ping with 403 Forbidden"},
		{"silent", func(c *tls.Conn) {
			_, _ = http.ReadRequest(bufio.NewReader(c))
			_, _ = io.Copy(io.Discard, c)
		}, Timeout, "not known whether the daemon refuses clients without a certificate"},
		{"hung up", func(c *tls.Conn) {
			_, _ = http.ReadRequest(bufio.NewReader(c))
		}, Other, "not known whether the daemon refuses clients without a certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := startTLSServer(t, p, asksOnly(p), func(c *tls.Conn) { answerPings(c, tc.anonymous) })
			tg := target(t, addr, p.ca, p.client)
			tg.Timeout = 2 * time.Second
			res := Probe(context.Background(), tg)
			if res.Err == nil || res.Err.Kind != tc.kind || !strings.Contains(res.Err.Message, tc.message) {
				t.Fatalf("error %+v; want %s saying %q", res.Err, tc.kind, tc.message)
			}
			if !res.ServerCertVerified || res.AnonymousRefused || res.Verified() {
				t.Errorf("server certificate verified %v, anonymous refused %v; want true, false", res.ServerCertVerified, res.AnonymousRefused)
			}
			if res.DockerVersion != "20.10.24" {
				t.Errorf("version %q; the client certificate's answers are still reported", res.DockerVersion)
			}
		})
	}
}

// selfSignedCA is a CA certificate with any subject at all, which a server
// can list as a CA it accepts for clients.
func selfSignedCA(t *testing.T, subject pkix.Name) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: subject, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The names a daemon lists are its to choose and go into the state and
// plans: printable, each bounded, and at most maxListedCAs of them, the
// last entry saying how many more there were.
func TestProbe_AcceptedCASubjectsAreBounded(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	cas := []*x509.Certificate{p.ca.Cert}
	for i := range maxListedCAs + 8 {
		cas = append(cas, selfSignedCA(t, pkix.Name{CommonName: fmt.Sprintf("CA %d\n::error::x\x1b[2J\u202e%s", i, strings.Repeat("z", 400))}))
	}
	d := acctest.StartFakeDaemonTrusting(t, p.server, cas, 0)
	res := Probe(context.Background(), target(t, d.Addr, p.ca, p.client))
	if res.Err != nil || res.ClientAuth == nil {
		t.Fatalf("error %+v, client authentication %+v", res.Err, res.ClientAuth)
	}
	a := res.ClientAuth
	if a.AcceptedCAs != len(cas) || a.Match != CAsBeyond || len(a.AcceptedCASubjects) != maxListedCAs+1 {
		t.Fatalf("%d names listed, match %s, %d reported; want %d, %s, %d", a.AcceptedCAs, a.Match, len(a.AcceptedCASubjects),
			len(cas), CAsBeyond, maxListedCAs+1)
	}
	if a.AcceptedCASubjects[0] != "CN=test CA" || a.AcceptedCASubjects[maxListedCAs] != "(9 more names not listed)" {
		t.Errorf("first %q, last %q", a.AcceptedCASubjects[0], a.AcceptedCASubjects[maxListedCAs])
	}
	for _, s := range a.AcceptedCASubjects {
		if len(s) > maxSubject+30 {
			t.Errorf("a %d-byte name: %.80q", len(s), s)
		}
		if i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }); i >= 0 {
			t.Errorf("the name holds the non-printing character %U: %.80q", []rune(s[i:])[0], s)
		}
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	a, b, c := []byte("a"), []byte("b"), []byte("c")
	for _, tc := range []struct {
		listed, ours [][]byte
		want         CAMatch
	}{
		{nil, [][]byte{a}, CAsUnlisted},
		{[][]byte{a}, [][]byte{a}, CAsExact},
		{[][]byte{a, a}, [][]byte{a, a}, CAsExact},
		{[][]byte{b, a}, [][]byte{a, b}, CAsExact},
		{[][]byte{a}, [][]byte{a, b}, CAsWithin},
		{[][]byte{a, c}, [][]byte{a, b}, CAsBeyond},
		{[][]byte{c}, [][]byte{a}, CAsBeyond},
	} {
		if got := match(tc.listed, tc.ours); got != tc.want {
			t.Errorf("match(%q, %q) = %s; want %s", tc.listed, tc.ours, got, tc.want)
		}
	}
}

// A daemon (or a proxy in front of it) that requires a client certificate
// but admits any certificate at all refuses a client without one, yet
// anyone can walk in with a certificate they made themselves: an open
// door, not a verified daemon. It names no CA, so the match is unlisted,
// and the probe presents a certificate that no CA signed. A daemon that
// names no CA and verifies what it gets is still verified.
func TestProbe_AdmitsAnyCertificate(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	for name, v := range tlsVersions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := acctest.StartFakeDaemonWith(t, p.server, acctest.FakeDaemonOptions{ClientAuth: tls.RequireAnyClientCert, MaxVersion: v})
			res := Probe(context.Background(), target(t, d.Addr, p.ca, p.client))
			if res.Verified() {
				t.Errorf("verified, with client authentication %+v; want an open door", res.ClientAuth)
			}
			if res.Err == nil || res.Err.Kind != AnonymousAccess || !strings.Contains(res.Err.Message, "no CA signed") {
				t.Fatalf("error %+v; want %s about a certificate no CA signed", res.Err, AnonymousAccess)
			}
			if res.ClientAuth == nil || res.ClientAuth.Match != CAsUnlisted {
				t.Errorf("client authentication %+v; want %s", res.ClientAuth, CAsUnlisted)
			}
			// /_ping and /version with the client certificate, then /_ping
			// alone with the certificate no CA signed.
			if all, anonymous := d.Requests(), d.AnonymousRequests(); all != 3 || anonymous != 0 {
				t.Errorf("the daemon read %d requests, %d without a certificate; want 3 and 0", all, anonymous)
			}
		})
	}
}

func TestProbe_NamesNoCAButVerifies(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	for name, v := range tlsVersions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			roots := x509.NewCertPool()
			roots.AddCert(p.ca.Cert)
			addr := startTLSServer(t, p, func(cfg *tls.Config) {
				cfg.MaxVersion = v
				cfg.ClientAuth = tls.RequireAnyClientCert
				cfg.ClientCAs = nil
				cfg.VerifyConnection = func(cs tls.ConnectionState) error {
					if len(cs.PeerCertificates) == 0 {
						return errors.New("no client certificate")
					}
					_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
					return err
				}
			}, func(c *tls.Conn) { answerPings(c, nil) })
			res := Probe(context.Background(), target(t, addr, p.ca, p.client))
			if res.Err != nil || !res.Verified() {
				t.Fatalf("verified %v, error %+v", res.Verified(), res.Err)
			}
			if res.ClientAuth == nil || res.ClientAuth.Match != CAsUnlisted {
				t.Errorf("client authentication %+v; want %s", res.ClientAuth, CAsUnlisted)
			}
		})
	}
}

// A server that names the CA given, so that the client presents its
// certificate and the match is exact, may still admit any certificate (a
// proxy that lists CAs and verifies nothing): the names it lists prove
// nothing of what it admits, and the probe presents a certificate that no
// CA signed to every daemon that asks for one.
func TestProbe_NamesOurCAButAdmitsAnyCertificate(t *testing.T) {
	t.Parallel()
	p := newPKI(t, time.Now(), 0)
	for name, v := range tlsVersions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := acctest.StartFakeDaemonWith(t, p.server, acctest.FakeDaemonOptions{ClientAuth: tls.RequireAnyClientCert,
				ClientCAs: []*x509.Certificate{p.ca.Cert}, MaxVersion: v})
			res := Probe(context.Background(), target(t, d.Addr, p.ca, p.client))
			if res.Verified() {
				t.Errorf("verified, with client authentication %+v; want an open door", res.ClientAuth)
			}
			if res.Err == nil || res.Err.Kind != AnonymousAccess || !strings.Contains(res.Err.Message, "no CA signed") {
				t.Fatalf("error %+v; want %s about a certificate no CA signed", res.Err, AnonymousAccess)
			}
			wantClientAuth(t, res, ClientAuth{Requested: true, Presented: true, AcceptedCASubjects: []string{"CN=test CA"},
				AcceptedCAs: 1, Match: CAsExact})
		})
	}
}
