// Package endpoint dials a Docker daemon's TLS port as the docker CLI does
// with --tlsverify, and reports what it serves: the certificate it presents
// (even one that fails verification), whether that certificate verifies
// against the given CA and host, what the daemon asks of clients, whether it
// refuses a client without a certificate, and its version. It speaks plain
// Go and knows nothing of Terraform.
//
// The client is go-connections' tlsconfig.ClientDefault (TLS 1.2 or later,
// the same six ECDHE AEAD cipher suites), with the CAs as its only roots and the
// client certificate from memory, as a docker context's TLS data configures
// the CLI. Verification is done in a VerifyConnection callback that performs
// the checks crypto/tls would (chain to the CA, validity at the current time,
// serverAuth, the dialled host name or IP address) after recording the
// served certificate, so a refused certificate is still reported. No HTTP
// request is ever written to a connection whose server was not verified,
// and a client without a certificate sends one request only: GET /_ping
// (as does, to a daemon that asks for a certificate, a client with a
// certificate that no CA signed).
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
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/docker/go-connections/tlsconfig"
)

// Kind classifies why a probe failed. The values are stable: configurations
// compare them in check blocks.
type Kind string

// The kinds of failure, from the network up.
const (
	ConnectionRefused        Kind = "connection_refused"
	Timeout                  Kind = "timeout"
	UnknownAuthority         Kind = "unknown_authority"
	NameMismatch             Kind = "name_mismatch"
	Expired                  Kind = "expired"
	ClientCertificateRefused Kind = "client_certificate_refused"
	AnonymousAccess          Kind = "anonymous_access"
	Other                    Kind = "other"
)

// KindInfo describes one kind, for documentation.
type KindInfo struct {
	Kind    Kind
	Meaning string
}

// Kinds lists every kind with its meaning, in the order a probe meets them.
var Kinds = []KindInfo{
	{ConnectionRefused, "nothing accepts TCP connections at the address (no daemon, wrong port, or a firewall that rejects)"},
	{Timeout, "the probe did not finish within the timeout (a firewall that drops packets, or a daemon that does not answer)"},
	{UnknownAuthority, "the served certificate is not signed by the given CA (by none of them, for a bundle)"},
	{NameMismatch, "the served certificate's subjectAltNames do not cover the dialled host name or IP address"},
	{Expired, "the served certificate, or the CA it chains to, has expired or is not valid yet, by this machine's clock"},
	{ClientCertificateRefused, "the daemon refused the client certificate (not signed by the CA it trusts, expired, or without clientAuth)"},
	{AnonymousAccess, "the daemon let a client that presented no certificate finish the TLS handshake and answered its GET /_ping: " +
		"anyone who reaches the port has the Docker API, which is root on the host (`tlsverify` is off, or a proxy in front of the " +
		"daemon does not require client certificates); or it admitted a certificate that no CA signed (a proxy that requires a " +
		"certificate and verifies none)"},
	{Other, "anything else: a name that does not resolve, a handshake failure, a server that is not a Docker daemon, ..."},
}

// Error is a classified probe failure.
type Error struct {
	Kind Kind
	// Message is a sentence for people: what failed and what it usually
	// means. It never holds key material.
	Message string
	Err     error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// Target is what to probe and with which credentials.
type Target struct {
	Host Host
	// CAs are the only roots the daemon's certificate may chain to: one
	// CA, or several while certificates move from one CA to the next.
	CAs []*x509.Certificate
	// Client is presented to the daemon (see ClientCertificate).
	Client tls.Certificate
	// Timeout bounds the whole probe: connection, handshake and requests.
	Timeout time.Duration
	// Now is the time certificates are checked at; nil means time.Now, the
	// clock the docker CLI and the daemon use.
	Now func() time.Time
}

// Result is what a probe saw.
type Result struct {
	// Reachable: a TCP connection to the host was opened.
	Reachable bool
	// ServerCertVerified: the served certificate chains to the CA, is valid
	// now, is meant for a server and covers the dialled host, at every
	// handshake of the probe.
	ServerCertVerified bool
	// AnonymousRefused: a client that presented no certificate was refused
	// with a TLS certificate alert, as dockerd --tlsverify refuses it, and so
	// was, if the daemon asked for a certificate, a client that presented one
	// that no CA signed. False when either was served, and when the probe
	// could not tell.
	AnonymousRefused bool
	// ServerCert is the certificate the daemon presented, verified or not
	// (the one that failed, if any did); nil when no handshake got that far.
	ServerCert *x509.Certificate
	// ClientAuth is what the daemon asked of the client in the first
	// handshake; nil unless that handshake verified the server and then
	// completed, or reached the daemon's request for a certificate.
	ClientAuth *ClientAuth
	// DockerVersion and APIVersion come from GET /version, asked over a
	// connection that presented the client certificate.
	DockerVersion, APIVersion string
	// Err is nil when the daemon was verified, refused a client without a
	// certificate and answered both requests.
	Err *Error
}

// Verified says the daemon is what a docker --tlsverify client takes it to
// be: its certificate verified, and it refuses clients without one. A
// daemon that serves a good certificate to everyone is an open door, not a
// verified endpoint.
func (r Result) Verified() bool { return r.ServerCertVerified && r.AnonymousRefused }

// ErrKeyMismatch says the client key does not belong to the client certificate.
var ErrKeyMismatch = errors.New("the private key does not belong to the client certificate (their public keys differ): pass the key that was generated with it")

// ClientCertificate pairs a client certificate with its key for the
// handshake, refusing a key that does not match.
func ClientCertificate(cert *x509.Certificate, key crypto.Signer) (tls.Certificate, error) {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return tls.Certificate{}, ErrKeyMismatch
	}
	return tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}, nil
}

// maxBody bounds what is read of a response's body: /version is well
// under 2 KiB. maxResponse bounds everything read for one request, status
// line and header included, which http.ReadResponse does not bound itself.
const (
	maxBody     = 1 << 20
	maxResponse = maxBody + 64<<10
)

// maxVersion bounds Version and ApiVersion: dockerd's are a few dozen
// bytes (20.10.24+dfsg1, 1.41), and they are stored and shown in plans.
const maxVersion = 128

// Probe dials the target, verifies the daemon, asks for its version, and
// checks that it refuses a client without a certificate.
func Probe(ctx context.Context, t Target) Result {
	res := probe(ctx, t)
	// The message quotes what the server sent (a served certificate's
	// names are read before anything is verified) and ends up in terminals
	// and CI logs: no control or formatting character may reach them.
	if res.Err != nil {
		res.Err.Message = shortened(printable(res.Err.Message), maxMessage)
	}
	return res
}

// maxMessage bounds an error message: a served certificate may carry
// thousands of names, all quoted by a name mismatch, and the message is
// printed in every plan's check warning.
const maxMessage = 2048

// shortened cuts s to n bytes, at a rune boundary, saying how much was left
// out.
func shortened(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d more bytes)", s[:cut], len(s)-cut)
}

// prober is one probe under way.
type prober struct {
	ctx   context.Context
	t     Target
	now   func() time.Time
	roots *x509.CertPool
	addr  string
	res   Result
	// handshakes counts the handshakes that got as far as the served
	// certificate: the first one sets what Result reports of it.
	handshakes int
}

func probe(ctx context.Context, t Target) Result {
	if t.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.Timeout)
		defer cancel()
	}
	p := &prober{ctx: ctx, t: t, now: t.Now, roots: x509.NewCertPool(), addr: t.Host.Address()}
	if p.now == nil {
		p.now = time.Now
	}
	for _, ca := range t.CAs {
		p.roots.AddCert(ca)
	}
	p.run()
	if a := p.res.ClientAuth; p.res.AnonymousRefused && a != nil && a.Requested {
		p.strangerRefused()
	}
	return p.res
}

// run makes the probe's connections in turn: one presenting the client
// certificate, which asks GET /_ping and GET /version (dialling again if the
// server closes it in between), then one presenting none, which asks
// GET /_ping alone. When the daemon does not take the client certificate
// (it asks for none, or for one from other CAs), the first connection
// presents none and is itself that second one: it asks GET /_ping and
// nothing more.
func (p *prober) run() {
	c, hs, err := p.connect(true, nil)
	if c == nil {
		p.res.Err = err
		if hs == nil || !hs.verified {
			return
		}
		// The server verified, then the handshake failed: under TLS 1.2
		// a daemon refuses the client's certificate, or its absence, there.
		if !hs.presented && refused(err, hs) {
			p.res.AnonymousRefused = true
			return
		}
		p.anonymous()
		return
	}
	if !hs.presented {
		p.anonymousOver(c, true)
		return
	}
	p.authenticated(c)
	if p.res.ServerCertVerified {
		p.anonymous()
	}
}

// handshake is what one handshake saw.
type handshake struct {
	served   *x509.Certificate
	verified bool
	// requested: the server sent a CertificateRequest, naming acceptable
	// (the DER names of the CAs it accepts for client certificates).
	requested  bool
	acceptable [][]byte
	// presented: the client certificate was sent.
	presented bool
}

// connect dials the host and completes a TLS handshake that verifies the
// server, presenting the client certificate if withClient and the server
// accepts its issuer, as Go's client (and so the docker CLI) decides, or
// stranger, when given, whatever the server asks for. It
// returns the connection only when the handshake completed; the handshake
// is nil when none began. It records the first handshake in the result,
// and any that fails verification.
func (p *prober) connect(withClient bool, stranger *tls.Certificate) (*apiConn, *handshake, *Error) {
	raw, err := (&net.Dialer{}).DialContext(p.ctx, "tcp", p.addr)
	if err != nil {
		return nil, nil, p.classifyDial(err)
	}
	p.res.Reachable = true
	if deadline, ok := p.ctx.Deadline(); ok {
		_ = raw.SetDeadline(deadline)
	}
	// Reads and writes after the handshake do not watch the context: a
	// deadline in the past, set the moment it ends, stops them at once. It
	// is set after the context's own deadline so that it cannot be undone.
	stop := context.AfterFunc(p.ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	closeRaw := func() { stop(); _ = raw.Close() }

	hs := &handshake{}
	cfg := tlsconfig.ClientDefault()
	cfg.ServerName = p.t.Host.Name
	// Called only when the server asks for a certificate, after it was
	// verified; it chooses as crypto/tls does with Certificates, so what is
	// presented is what the docker CLI would present.
	cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
		hs.requested, hs.acceptable = true, cri.AcceptableCAs
		if stranger != nil {
			return stranger, nil
		}
		if withClient && p.t.Client.Certificate != nil && cri.SupportsCertificate(&p.t.Client) == nil {
			hs.presented = true
			return &p.t.Client, nil
		}
		return &tls.Certificate{}, nil
	}
	// crypto/tls's own verification would abort the handshake before the
	// served certificate can be recorded. VerifyConnection runs in its place
	// and makes the same checks; its error still aborts the handshake, so an
	// unverified connection never carries a request.
	cfg.InsecureSkipVerify = true
	var verifyErr error
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			verifyErr = errors.New("the server presented no certificate")
			return verifyErr
		}
		hs.served = cs.PeerCertificates[0]
		opts := x509.VerifyOptions{
			// The name dialled, not cs.ServerName: that is the SNI, which
			// is empty for an IP address.
			DNSName:       p.t.Host.Name,
			Roots:         p.roots,
			Intermediates: x509.NewCertPool(),
			CurrentTime:   p.now(),
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, verifyErr = cs.PeerCertificates[0].Verify(opts)
		hs.verified = verifyErr == nil
		return verifyErr
	}
	conn := tls.Client(raw, cfg)
	err = conn.HandshakeContext(p.ctx)
	p.record(hs, withClient, err == nil)
	stage := "during the TLS handshake"
	switch {
	case stranger != nil:
		stage = "during the TLS handshake with a certificate no CA signed"
	case !withClient:
		stage = "during the TLS handshake without a client certificate"
	}
	switch {
	case err != nil && verifyErr != nil:
		closeRaw()
		return nil, hs, classifyVerify(p.t.Host, hs.served, verifyErr, p.now(), len(p.t.CAs))
	case err != nil:
		closeRaw()
		if hs.served == nil {
			hs = nil
		}
		return nil, hs, p.classifyExchange(stage, err, hs)
	case !hs.verified:
		// Unreachable while VerifyConnection returns its error, kept so
		// that no future change can send a request unverified.
		closeRaw()
		return nil, hs, &Error{Kind: Other, Message: "the server was not verified", Err: verifyErr}
	}
	budget := &budgetReader{r: conn}
	return &apiConn{conn: conn, hs: hs, close: closeRaw, budget: budget, r: bufio.NewReader(budget), host: p.addr}, hs, nil
}

// record keeps what the first handshake saw of the server and of its
// request for a client certificate, and the served certificate of any later
// handshake that fails verification. Whether the server asked for a
// certificate is known once the handshake completed, or once it asked.
func (p *prober) record(hs *handshake, withClient, completed bool) {
	if hs.served == nil {
		return
	}
	p.handshakes++
	switch {
	case p.handshakes == 1:
		p.res.ServerCert, p.res.ServerCertVerified = hs.served, hs.verified
		if hs.verified && withClient && (completed || hs.requested) {
			p.res.ClientAuth = newClientAuth(hs, p.t)
		}
	case !hs.verified:
		p.res.ServerCert, p.res.ServerCertVerified = hs.served, false
	}
}

// authenticated asks GET /_ping and GET /version over c, which presented
// the client certificate, and closes it.
func (p *prober) authenticated(c *apiConn) {
	defer func() {
		if c != nil {
			c.close()
		}
	}()
	ping, ok := p.ask(&c, "/_ping")
	if !ok {
		return
	}
	if strings.TrimSpace(string(ping)) != "OK" {
		p.res.Err = &Error{Kind: Other, Message: fmt.Sprintf("GET /_ping answered %q, not OK: this is not a Docker daemon", truncate(ping))}
		return
	}
	body, ok := p.ask(&c, "/version")
	if !ok {
		return
	}
	var v struct {
		Version    string `json:"Version"`
		APIVersion string `json:"ApiVersion"`
	}
	if err := json.Unmarshal(body, &v); err != nil || !versionLike(v.Version) || !versionLike(v.APIVersion) {
		p.res.Err = &Error{Kind: Other, Message: fmt.Sprintf("GET /version did not answer a Docker version (a short printable Version "+
			"and ApiVersion), so this is not a Docker daemon: %q", truncate(body)), Err: err}
		return
	}
	p.res.DockerVersion, p.res.APIVersion = v.Version, v.APIVersion
}

// versionLike accepts what dockerd reports as a version: a short printable
// string. A server that answers anything else is not a Docker daemon.
func versionLike(s string) bool {
	return s != "" && len(s) <= maxVersion && printable(s) == s
}

// ask sends GET path over *c, which presented the client certificate, and
// returns the body of a 200 answer. When the server has closed the
// connection after its previous answer (a proxy may, saying so in a
// Connection: close header or not), it dials and verifies again, once, as
// the docker CLI's HTTP client does, and replaces *c. It records any
// failure in the result.
func (p *prober) ask(c **apiConn, path string) ([]byte, bool) {
	stage := "answering GET " + path
	if (*c).closing {
		if !p.redial(c, stage) {
			return nil, false
		}
	}
	a, err := (*c).get(path)
	if err != nil && (*c).closedBeforeAnswer(err) {
		if !p.redial(c, stage) {
			return nil, false
		}
		a, err = (*c).get(path)
	}
	if err != nil {
		p.res.Err = p.classifyExchange(stage, err, (*c).hs)
		return nil, false
	}
	if a.status != http.StatusOK {
		p.res.Err = &Error{Kind: Other, Message: fmt.Sprintf("GET %s answered %s: %q", path, a.statusLine, truncate(a.body))}
		return nil, false
	}
	return a.body, true
}

// redial replaces *c with a new connection that verified the server again
// and presented the client certificate again.
func (p *prober) redial(c **apiConn, stage string) bool {
	(*c).close()
	*c = nil
	next, hs, err := p.connect(true, nil)
	if err != nil {
		p.res.Err = err
		return false
	}
	if !hs.presented {
		// Whatever went before, this connection carries no client
		// certificate: it gets no request but the one anonymous ping.
		next.close()
		p.res.Err = &Error{Kind: Other, Message: fmt.Sprintf("the daemon closed the connection and, dialled again (%s), "+
			"did not take the client certificate: a daemon behind several proxies or addresses that do not agree?", stage)}
		return false
	}
	*c = next
	return true
}

// anonymous makes the connection that presents no certificate and judges
// what the daemon does with it.
func (p *prober) anonymous() {
	if err := p.ctx.Err(); err != nil {
		// The probe's time is up: nothing shows that the daemon refuses
		// clients without a certificate, and the error already says why.
		if p.res.Err == nil {
			p.res.Err = inconclusive(p.classifyExchange("before the check without a client certificate", err, nil))
		}
		return
	}
	c, hs, err := p.connect(false, nil)
	if c == nil {
		switch {
		case refused(err, hs):
			p.res.AnonymousRefused = true
		case hs != nil && !hs.verified:
			// Served a certificate that fails where the first one passed:
			// that failure is the news.
			p.res.Err = err
		case p.res.Err == nil:
			p.res.Err = inconclusive(err)
		}
		return
	}
	p.anonymousOver(c, false)
}

// anonymousOver sends the one request a client without a certificate
// sends, GET /_ping, over c, closes c, and judges the answer. Only a TLS
// alert about the certificate proves that the daemon refuses such clients;
// an answer proves that it does not, and anything else proves nothing. first
// says c is the probe's first connection (the daemon did not take the
// client certificate), so its refusal is the client's refusal too.
func (p *prober) anonymousOver(c *apiConn, first bool) {
	defer c.close()
	a, err := c.get("/_ping")
	switch {
	case err == nil:
		p.anonymousAnswered(a)
	case refused(err, c.hs):
		p.res.AnonymousRefused = true
		if first {
			p.res.Err = p.classifyExchange("answering GET /_ping", err, c.hs)
		}
	case first:
		p.res.Err = p.classifyExchange("answering GET /_ping", err, c.hs)
	case p.res.Err == nil:
		p.res.Err = inconclusive(p.classifyExchange("answering GET /_ping without a client certificate", err, c.hs))
	}
}

// anonymousAnswered judges an answer to a client without a certificate. An
// OK is an open door, whatever else went wrong. Another answer says the
// TLS layer let such a client in: an open door too, unless an earlier
// failure already explains the probe.
func (p *prober) anonymousAnswered(a answer) {
	if a.status == http.StatusOK && strings.TrimSpace(string(a.body)) == "OK" {
		p.res.Err = &Error{Kind: AnonymousAccess, Message: "the daemon answered GET /_ping to a client that presented no certificate: " +
			"anyone who can reach the port has the Docker API, which is root on the host. Turn tlsverify on (\"tlsverify\": true " +
			"with tlscacert in daemon.json), or make the proxy in front of the daemon require client certificates, then restart it"}
		return
	}
	if p.res.Err == nil {
		p.res.Err = &Error{Kind: AnonymousAccess, Message: fmt.Sprintf("the daemon let a client that presented no certificate "+
			"finish the TLS handshake and answered its GET /_ping with %s: dockerd with tlsverify refuses such a client "+
			"at the TLS layer; make the daemon (or the proxy in front of it) require client certificates", a.statusLine)}
	}
}

// strangerRefused checks a daemon that refused a client without a
// certificate and asked for one: asking, and naming CAs, is not verifying.
// One that admits any certificate at all (a proxy that requires one and
// verifies nothing) is an open door to whoever makes a certificate, and
// refuses a client without one as dockerd does. It presents a certificate
// made for the occasion, which no CA signed, and sends GET /_ping alone; only
// a certificate alert keeps the daemon verified.
func (p *prober) strangerRefused() {
	p.res.AnonymousRefused = false
	if err := p.ctx.Err(); err != nil {
		if p.res.Err == nil {
			p.res.Err = inconclusive(p.classifyExchange("before the check with a certificate no CA signed", err, nil))
		}
		return
	}
	stranger, err := strangerCertificate(p.now())
	if err != nil {
		if p.res.Err == nil {
			p.res.Err = inconclusive(&Error{Kind: Other, Err: err, Message: fmt.Sprintf("cannot make a certificate for the check with a certificate no CA signed: %v", err)})
		}
		return
	}
	c, hs, cerr := p.connect(false, stranger)
	if c == nil {
		switch {
		case refused(cerr, hs):
			p.res.AnonymousRefused = true
		case hs != nil && !hs.verified:
			p.res.Err = cerr
		case p.res.Err == nil:
			p.res.Err = inconclusive(cerr)
		}
		return
	}
	defer c.close()
	a, gerr := c.get("/_ping")
	switch {
	case gerr == nil:
		p.res.Err = &Error{Kind: AnonymousAccess, Message: fmt.Sprintf("the daemon refused a client without a certificate, but let "+
			"one in that presented a certificate no CA signed, and answered its GET /_ping with %s: anyone who can reach the port "+
			"and make a certificate has the Docker API, which is root on the host. Make the daemon (or the proxy in front of it) "+
			"verify client certificates against the CA", a.statusLine)}
	case refused(gerr, c.hs):
		p.res.AnonymousRefused = true
	case p.res.Err == nil:
		p.res.Err = inconclusive(p.classifyExchange("answering GET /_ping with a certificate no CA signed", gerr, c.hs))
	}
}

// strangerCertificate is a self-signed client certificate with a key made
// for the occasion, which no CA signed and nobody trusts.
func strangerCertificate(now time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "dockertls probe: a certificate no CA signed"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// inconclusive says that the check without a client certificate could not
// be made, keeping the kind of what stopped it.
func inconclusive(err *Error) *Error {
	return &Error{Kind: err.Kind, Err: err, Message: err.Message +
		"; so it is not known whether the daemon refuses clients without a certificate"}
}

// apiConn sends HTTP/1.1 requests over one verified, kept-alive connection.
type apiConn struct {
	conn   *tls.Conn
	hs     *handshake
	close  func()
	budget *budgetReader
	r      *bufio.Reader
	host   string
	// answered counts the answers read; closing says the last one
	// announced that the server closes the connection.
	answered int
	closing  bool
}

// answer is a response to a GET.
type answer struct {
	status     int
	statusLine string
	body       []byte
}

// errResponseTooLarge ends the reading of an answer that outgrows
// maxResponse.
var errResponseTooLarge = fmt.Errorf("the answer is more than %d KiB long, where a Docker daemon's is a few hundred bytes: "+
	"this is not a Docker daemon", maxResponse>>10)

// budgetReader reads from r until its budget n is spent, then fails with
// errResponseTooLarge.
type budgetReader struct {
	r io.Reader
	n int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, errResponseTooLarge
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	return n, err
}

func (a *apiConn) get(path string) (answer, error) {
	req, err := http.NewRequest(http.MethodGet, "https://"+a.host+path, nil)
	if err != nil {
		return answer{}, err
	}
	a.budget.n = maxResponse
	req.Header.Set("User-Agent", "terraform-provider-dockertls")
	if err := req.Write(a.conn); err != nil {
		// A daemon that refused the client may have sent its alert and
		// closed before the request went out: the alert says more than
		// the broken pipe.
		if _, rerr := a.r.Peek(1); rerr != nil && refused(rerr, a.hs) {
			return answer{}, rerr
		}
		return answer{}, err
	}
	resp, err := http.ReadResponse(a.r, req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return answer{}, err
	}
	a.answered++
	a.closing = resp.Close
	return answer{status: resp.StatusCode, statusLine: resp.Status, body: body}, nil
}

// closedBeforeAnswer says that err ended a request on a connection that
// had already carried an answer, before a byte of the new answer came:
// the server closed it in between, and the request can go again over a new
// connection, as Go's HTTP client retries it.
func (a *apiConn) closedBeforeAnswer(err error) bool {
	if a.answered == 0 || a.budget.n != maxResponse || a.r.Buffered() != 0 {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// printable returns s with every rune that is not a printing character
// or a space written as a Go escape (\n, \x1b, \u202e, ...), so that text
// a server chose cannot break a line, move a terminal's cursor or reorder
// what is shown.
func printable(s string) string {
	if strings.IndexFunc(s, notPrintable) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if notPrintable(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func notPrintable(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }

func truncate(b []byte) string {
	const n = 200
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

func timeoutError(stage string, timeout time.Duration, err error) *Error {
	return &Error{Kind: Timeout, Err: err, Message: fmt.Sprintf("no answer within %s (%s): a firewall may drop the packets, "+
		"or the daemon is overloaded", timeout, stage)}
}

// stopped classifies an error that came because the probe's context
// ended: cancelled (Terraform interrupted) or out of time. It returns nil
// when the context is still running.
func (p *prober) stopped(stage string, err error) *Error {
	switch {
	case errors.Is(p.ctx.Err(), context.Canceled):
		return &Error{Kind: Other, Err: err, Message: fmt.Sprintf("the probe was cancelled (%s)", stage)}
	case timedOut(err) || p.ctx.Err() != nil:
		return timeoutError(stage, p.t.Timeout, err)
	}
	return nil
}

func (p *prober) classifyDial(err error) *Error {
	addr := p.addr
	if errors.Is(err, syscall.ECONNREFUSED) {
		return &Error{Kind: ConnectionRefused, Err: err, Message: fmt.Sprintf("connection refused at %s: no daemon listens there "+
			"(not started, another port, or listening on another address), or a firewall rejects the port", addr)}
	}
	if e := p.stopped("connecting to "+addr, err); e != nil {
		return e
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return &Error{Kind: Other, Err: err, Message: fmt.Sprintf("cannot resolve %s: %v", addr, err)}
	}
	return &Error{Kind: Other, Err: err, Message: fmt.Sprintf("cannot connect to %s: %v", addr, err)}
}

// certificateAlerts are the TLS alerts a daemon sends when it refuses the
// client's certificate, or its absence (Go's texts for them).
var certificateAlerts = []string{
	"bad certificate", "unsupported certificate", "revoked certificate", "expired certificate",
	"unknown certificate", "unknown certificate authority", "certificate required", "access denied",
}

// refused says err is the server refusing the client's certificate, or
// its absence, explicitly, after hs verified the server: a certificate
// alert, or under TLS 1.2 the handshake_failure alert that RFC 5246 (7.4.6)
// gives a server that asked for a certificate and got none (Go and OpenSSL
// send it). Only that proves a daemon refuses clients without a
// certificate: a reset, a timeout or a closed connection may come from
// anything between the two.
func refused(err error, hs *handshake) bool {
	var op *net.OpError
	if hs == nil || !hs.verified || !errors.As(err, &op) || op.Op != "remote error" {
		return false
	}
	alerts := certificateAlerts
	if hs.requested && !hs.presented {
		alerts = append(alerts[:len(alerts):len(alerts)], "handshake failure")
	}
	for _, a := range alerts {
		if strings.HasSuffix(op.Err.Error(), "tls: "+a) {
			return true
		}
	}
	return false
}

// classifyExchange classifies an error that is not the server's
// certificate failing verification. A certificate alert from the daemon
// after the client verified it is the daemon refusing the client's
// certificate: in the handshake (TLS 1.2) or at the first read (TLS 1.3,
// where the server judges the client's certificate after the client has
// finished). hs is the connection's handshake, nil when the server was not
// verified.
func (p *prober) classifyExchange(stage string, err error, hs *handshake) *Error {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	if refused(err, hs) {
		var op *net.OpError
		errors.As(err, &op)
		if ca := p.res.ClientAuth; !hs.presented && ca != nil && ca.Requested {
			return &Error{Kind: ClientCertificateRefused, Err: err, Message: fmt.Sprintf("the daemon refused the client (%v): it "+
				"asked for a certificate issued by %s, and the client certificate's issuer (%s) is not among them, so none "+
				"was sent: issue the client certificate from the CA in the daemon's tlscacert, or add its CA there",
				op.Err, ca.acceptedNames(), issuerName(p.t.Client))}
		}
		return &Error{Kind: ClientCertificateRefused, Err: err, Message: fmt.Sprintf("the daemon refused the client "+
			"certificate (%v): it must be signed by the CA the daemon trusts (its tlscacert), be valid now and allow "+
			"clientAuth", op.Err)}
	}
	if e := p.stopped(stage, err); e != nil {
		return e
	}
	return &Error{Kind: Other, Err: err, Message: fmt.Sprintf("failed %s: %v", stage, err)}
}

// classifyVerify explains why the served certificate failed verification.
func classifyVerify(host Host, served *x509.Certificate, err error, now time.Time, cas int) *Error {
	const rfc = time.RFC3339
	var (
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
		unknown  x509.UnknownAuthorityError
	)
	subject := "the served certificate"
	if served != nil {
		subject = fmt.Sprintf("the served certificate (subject %q, issuer %q)", served.Subject.String(), served.Issuer.String())
	}
	switch {
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired && invalid.Cert != nil && served != nil && !invalid.Cert.Equal(served):
		// The chain's CA (or an intermediate the server sent) is out of
		// its validity, not the leaf.
		what := fmt.Sprintf("the CA certificate %q that signed %s", invalid.Cert.Subject.String(), subject)
		if now.Before(invalid.Cert.NotBefore) {
			return &Error{Kind: Expired, Err: err, Message: fmt.Sprintf("%s is not valid until %s (now %s): check the clocks of "+
				"the CA's issuer and of this machine", what, invalid.Cert.NotBefore.UTC().Format(rfc), now.UTC().Format(rfc))}
		}
		return &Error{Kind: Expired, Err: err, Message: fmt.Sprintf("%s expired at %s (now %s): renew the CA, then issue and "+
			"deploy server and client certificates from it", what, invalid.Cert.NotAfter.UTC().Format(rfc), now.UTC().Format(rfc))}
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired && served != nil:
		if now.Before(served.NotBefore) {
			return &Error{Kind: Expired, Err: err, Message: fmt.Sprintf("%s is not valid until %s (now %s): check the clocks of "+
				"the daemon's issuer and of this machine", subject, served.NotBefore.UTC().Format(rfc), now.UTC().Format(rfc))}
		}
		return &Error{Kind: Expired, Err: err, Message: fmt.Sprintf("%s expired at %s (now %s): deploy a renewed server "+
			"certificate and restart the daemon", subject, served.NotAfter.UTC().Format(rfc), now.UTC().Format(rfc))}
	case errors.As(err, &hostname):
		return &Error{Kind: NameMismatch, Err: err, Message: fmt.Sprintf("%s does not cover %s (%v): dial a name or address "+
			"in its subjectAltNames, or issue it with this one", subject, host.Name, err)}
	case errors.As(err, &unknown):
		if cas > 1 {
			return &Error{Kind: UnknownAuthority, Err: err, Message: fmt.Sprintf("%s is not signed by any of the %d CAs given: the "+
				"daemon serves a certificate from another CA, or the bundle lacks the one that signed it", subject, cas)}
		}
		return &Error{Kind: UnknownAuthority, Err: err, Message: fmt.Sprintf("%s is not signed by the given CA: the daemon "+
			"serves a certificate from another CA, or the CA given is not the one that signed it", subject)}
	}
	return &Error{Kind: Other, Err: err, Message: fmt.Sprintf("%s failed verification: %v", subject, err)}
}
