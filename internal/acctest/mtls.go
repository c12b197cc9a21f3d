package acctest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/go-connections/tlsconfig"
)

// TLSFiles are the paths of a PEM bundle on disk, as Docker takes them.
// Cert and Key are empty for a client that presents no certificate.
type TLSFiles struct {
	CA, Cert, Key string
}

// WriteTLSFiles writes PEMs into dir with Docker's file names for the role
// ("server" gives server-cert.pem/server-key.pem, anything else cert.pem/key.pem)
// and Docker's modes: keys 0400, certificates 0444.
func WriteTLSFiles(t testing.TB, dir, role, caPEM, certPEM, keyPEM string) TLSFiles {
	t.Helper()
	certName, keyName := "cert.pem", "key.pem"
	if role == "server" {
		certName, keyName = "server-cert.pem", "server-key.pem"
	}
	files := TLSFiles{CA: filepath.Join(dir, "ca.pem")}
	write := func(name, content string, mode os.FileMode) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	write("ca.pem", caPEM, 0o444)
	if certPEM != "" {
		files.Cert = write(certName, certPEM, 0o444)
		files.Key = write(keyName, keyPEM, 0o400)
	}
	return files
}

// StartDockerLikeServer serves HTTPS on 127.0.0.1 with the TLS settings that
// dockerd uses under --tlsverify: go-connections' server defaults, client
// certificates required and verified against the given CA alone. GET /_ping
// answers "OK", as the Engine API does. It returns the listening address.
func StartDockerLikeServer(t testing.TB, files TLSFiles) string {
	t.Helper()
	cfg, err := tlsconfig.Server(tlsconfig.Options{
		CAFile:             files.CA,
		CertFile:           files.Cert,
		KeyFile:            files.Key,
		ClientAuth:         tls.RequireAndVerifyClientCert,
		ExclusiveRootPools: true,
	})
	if err != nil {
		t.Fatalf("go-connections refused the server certificate files: %v", err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/_ping" {
				http.NotFound(w, r)
				return
			}
			_, _ = io.WriteString(w, "OK")
		}),
		ReadHeaderTimeout: 5 * time.Second,
		// The refusal tests cause handshake errors on purpose; keep them
		// out of the test output.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// Ping dials addr as the docker CLI does with --tlsverify (go-connections'
// client defaults, the CA file as the only root, the client certificate when
// given) and expects GET /_ping to answer "OK". serverName is the host the
// client believes it dials, checked against the server's subjectAltNames; ""
// uses addr's host. The request matters: under TLS 1.3 a refused client
// certificate only shows on the first read, not in the handshake.
func Ping(ctx context.Context, addr, serverName string, files TLSFiles) error {
	return ping(ctx, addr, serverName, files, false)
}

// PingPresenting is Ping with a client that presents its certificate even
// when the daemon's list of acceptable CAs does not name its issuer (Go's
// client would otherwise send none), so the daemon itself must refuse it.
func PingPresenting(ctx context.Context, addr, serverName string, files TLSFiles) error {
	return ping(ctx, addr, serverName, files, true)
}

func ping(ctx context.Context, addr, serverName string, files TLSFiles, alwaysPresent bool) error {
	cfg, err := tlsconfig.Client(tlsconfig.Options{
		CAFile:             files.CA,
		CertFile:           files.Cert,
		KeyFile:            files.Key,
		ExclusiveRootPools: true,
	})
	if err != nil {
		return fmt.Errorf("go-connections refused the client files: %w", err)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if serverName == "" {
		serverName = host
	}
	cfg.ServerName = serverName
	if alwaysPresent && len(cfg.Certificates) == 1 {
		cert := cfg.Certificates[0]
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: cfg,
			// Dial the real address whatever name the client verifies.
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, net.JoinHostPort(host, port))
			},
		},
	}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+net.JoinHostPort(serverName, port)+"/_ping", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "OK" {
		return fmt.Errorf("GET /_ping: %s %q", resp.Status, body)
	}
	return nil
}

// ErrUnexpectedSuccess is returned by ExpectRefused when a connection that
// should have been refused was accepted.
var ErrUnexpectedSuccess = errors.New("the connection succeeded but should have been refused")

// ExpectRefused runs Ping and succeeds only if it failed with an error whose
// text contains one of wantAny (for example "certificate required").
func ExpectRefused(ctx context.Context, addr, serverName string, files TLSFiles, wantAny ...string) error {
	return expectRefused(Ping(ctx, addr, serverName, files), wantAny)
}

// ExpectRefusedPresenting is ExpectRefused with PingPresenting.
func ExpectRefusedPresenting(ctx context.Context, addr, serverName string, files TLSFiles, wantAny ...string) error {
	return expectRefused(PingPresenting(ctx, addr, serverName, files), wantAny)
}

func expectRefused(err error, wantAny []string) error {
	if err == nil {
		return ErrUnexpectedSuccess
	}
	for _, w := range wantAny {
		if strings.Contains(err.Error(), w) {
			return nil
		}
	}
	return fmt.Errorf("refused, but with %q; expected one of %q", err, wantAny)
}
