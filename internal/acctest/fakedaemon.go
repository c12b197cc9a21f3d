package acctest

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker/go-connections/tlsconfig"
)

// FakeDaemonVersion and FakeDaemonAPIVersion are what a FakeDaemon's
// GET /version reports.
const (
	FakeDaemonVersion    = "99.0.0-fake"
	FakeDaemonAPIVersion = "1.99"
)

// apiVersionPrefix is the API version the Engine API's paths may start with.
var apiVersionPrefix = regexp.MustCompile(`^/v[0-9]+\.[0-9]+/`)

// FakeDaemon is an in-process HTTPS server with dockerd's TLS settings
// under --tlsverify (go-connections' server defaults, client certificates
// required and verified against its CAs) that answers GET /_ping and
// GET /version (also under a versioned path, /v1.47/version) as the Engine
// API does, and counts every request it reads.
type FakeDaemon struct {
	// Addr is 127.0.0.1:PORT.
	Addr                             string
	requests, anonymous, connections atomic.Int64
}

// Requests is how many HTTP requests the daemon has read, whatever their path.
func (d *FakeDaemon) Requests() int64 { return d.requests.Load() }

// AnonymousRequests is how many of those came over a connection whose client
// presented no certificate.
func (d *FakeDaemon) AnonymousRequests() int64 { return d.anonymous.Load() }

// Connections is how many TCP connections the daemon has accepted.
func (d *FakeDaemon) Connections() int64 { return d.connections.Load() }

// FakeDaemonOptions say how a FakeDaemon departs from dockerd --tlsverify.
type FakeDaemonOptions struct {
	// ClientAuth is what the daemon asks of clients: dockerd --tlsverify
	// requires and verifies a certificate (tls.RequireAndVerifyClientCert);
	// with "tlsverify": false it asks for none (tls.NoClientCert, the zero
	// value, so every caller says which it wants).
	ClientAuth tls.ClientAuthType
	// ClientCAs are the CAs whose client certificates it admits, and whose
	// names it lists when it asks for a certificate (its tlscacert).
	ClientCAs []*x509.Certificate
	// MaxVersion caps the TLS version (0: TLS 1.3), for the TLS 1.2 code paths.
	MaxVersion uint16
	// CloseAfterEachResponse ends every connection after one answer, saying
	// so in a Connection: close header, as some proxies do.
	CloseAfterEachResponse bool
}

// StartFakeDaemon serves cert to clients whose certificates clientCA signed.
// maxVersion caps the TLS version (0: TLS 1.3), for the TLS 1.2 code paths.
func StartFakeDaemon(t testing.TB, cert tls.Certificate, clientCA *x509.Certificate, maxVersion uint16) *FakeDaemon {
	t.Helper()
	return StartFakeDaemonTrusting(t, cert, []*x509.Certificate{clientCA}, maxVersion)
}

// StartFakeDaemonTrusting is StartFakeDaemon with a trust bundle: it admits
// clients whose certificates any of clientCAs signed, as dockerd does with a
// tlscacert of several CAs.
func StartFakeDaemonTrusting(t testing.TB, cert tls.Certificate, clientCAs []*x509.Certificate, maxVersion uint16) *FakeDaemon {
	t.Helper()
	return StartFakeDaemonWith(t, cert, FakeDaemonOptions{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs, MaxVersion: maxVersion})
}

// StartFakeDaemonWith serves cert with the options given.
func StartFakeDaemonWith(t testing.TB, cert tls.Certificate, opts FakeDaemonOptions) *FakeDaemon {
	t.Helper()
	pool := x509.NewCertPool()
	for _, ca := range opts.ClientCAs {
		pool.AddCert(ca)
	}
	cfg := tlsconfig.ServerDefault()
	cfg.Certificates = []tls.Certificate{cert}
	cfg.ClientAuth = opts.ClientAuth
	cfg.ClientCAs = pool
	cfg.MaxVersion = opts.MaxVersion
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := &FakeDaemon{Addr: ln.Addr().String()}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d.requests.Add(1)
			if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
				d.anonymous.Add(1)
			}
			if opts.CloseAfterEachResponse {
				w.Header().Set("Connection", "close")
			}
			// The docker CLI asks for /vX.Y/version once it has
			// negotiated the API version; /_ping is never versioned.
			switch apiVersionPrefix.ReplaceAllString(r.URL.Path, "/") {
			case "/_ping":
				w.Header().Set("Api-Version", FakeDaemonAPIVersion)
				_, _ = io.WriteString(w, "OK")
			case "/version":
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"Version":"`+FakeDaemonVersion+`","ApiVersion":"`+FakeDaemonAPIVersion+`","Os":"linux"}`)
			default:
				http.NotFound(w, r)
			}
		}),
		ConnState: func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				d.connections.Add(1)
			}
		},
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return d
}

// StartSilentListener accepts TCP connections and never answers, as a
// daemon behind a stalled proxy would. It returns the address.
func StartSilentListener(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				_ = c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
			select {
			case <-done:
				return
			default:
			}
		}
	}()
	t.Cleanup(func() { close(done); _ = ln.Close() })
	return ln.Addr().String()
}

// ClosedPort returns 127.0.0.1:PORT where nothing listens: a port that was
// just bound and released.
func ClosedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
