// Package tvauth is a client SDK for the sign-in and sign-out APIs of streaming-TV apps: Adobe Pass
// REST API v2 (with Dynamic Client Registration), the legacy Adobe Pass REST API v1 ("clientless"),
// NINA WebAPI auth (the AOL OpenAuth protocol, sig_sha256-signed) and OpenTV AGS.
//
// One Client wraps all four. Every call goes through one request pipeline that retries only what is
// safe to retry, never follows redirects, caps reply bodies at 4 MiB, maps failures to typed errors
// matchable with errors.Is and errors.As, and redacts secrets from every log line and error string.
//
// Every secret of the API (a client secret, a software statement, a password, a token, a session key,
// a SAML response, a media token …) is a Secret, which prints, logs and marshals as REDACTED wherever
// fmt, slog (either handler) and encoding/json reach it, inside any exported field, slice, map or
// pointer (the Secret doc lists the few exceptions); string(s) reveals it. json.Unmarshal refuses the
// masked form (ErrMaskedSecret): store credentials, tokens and WebAPI sessions with their
// MarshalUnmaskedJSON method (or a CredentialStore) and read them back with json.Unmarshal. An AGS
// Parameter's value is masked when its name looks secret (password, pin, token, …).
package tvauth

// client.go: the Client, its services, and the one request pipeline every endpoint method runs.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
)

// Client is the SDK's entry point, safe for concurrent use, with a service field per API family.
type Client struct {
	Pass       *PassService       // Adobe Pass REST API v2 + Dynamic Client Registration
	Clientless *ClientlessService // Adobe Pass legacy REST API v1 ("clientless")
	WebAPI     *WebAPIService     // NINA WebAPI auth (AOL OpenAuth protocol)
	AGS        *AGSService        // OpenTV Authentication Gateway Service

	common        service
	cfg           *config
	bases         [numServices]*url.URL // nil: not configured
	baseURLs      [numServices]string   // the bases' String forms, computed once
	defaultDevice deviceHeaderCache     // WithDevice's header values, encoded on first use
	retry         RetryPolicy           // with defaults
	base          *baseTransport        // chooses the transport per attempt; owns the pooled connections
	// known holds the credentials LoadOrRegister loaded, saved or registered (credstore.go).
	known atomic.Pointer[knownCredentials]
}

type service struct{ client *Client } // the four service types are views of one Client, as in go-github

type (
	// PassService is Adobe Pass REST API v2 and Dynamic Client Registration.
	PassService service
	// ClientlessService is the legacy Adobe Pass REST API v1 ("clientless").
	ClientlessService service
	// WebAPIService is NINA WebAPI auth (the AOL OpenAuth protocol).
	WebAPIService service
	// AGSService is the OpenTV Authentication Gateway Service.
	AGSService service
)

// serviceID picks a call's base URL and names. The error decoder is set per call (call.decodeError):
// a switch here would link every family's decoders, encoding/xml included, into every program.
type serviceID int

const (
	svcPass serviceID = iota
	svcClientless
	svcWebAPI
	svcAGS
	numServices
)

func (s serviceID) String() string {
	return [...]string{"adobe pass", "clientless", "nina webapi", "opentv ags"}[s]
}

func (s serviceID) option() string { // the With… option of this service's base URL
	return [...]string{"WithPassURL", "WithClientlessURL", "WithWebAPIURL", "WithAGSURL"}[s]
}

// New builds a Client. It fails, naming the option, on a malformed base URL or a plain http:// URL to a
// host other than loopback.
//
// The transport is chosen at every attempt, so a test suite may swap it before or after New
// (httpmock.Activate, httpmock.ActivateNonDefault):
//   - With WithHTTPClient(hc) and a non-nil hc.Transport: hc.Transport as it is at that attempt.
//   - Otherwise, while http.DefaultTransport is an *http.Transport (the one at New, or the one
//     httpmock.DeactivateAndReset puts back): a private clone of it (proxy, TLS and dialer kept) with
//     up to 16 idle connections per host and the timeouts of WithTransportTimeouts.
//   - Otherwise (httpmock's transport, say): http.DefaultTransport as is, with its own timeouts.
//
// In the last two cases TransportTimeouts.ResponseBody bounds the reading of each reply. hc.Timeout,
// when set, bounds each attempt (body included) and is read at every attempt too. The context bounds
// the whole call, retries included.
func New(opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(cfg); err != nil {
			return nil, err
		}
	}
	c := &Client{cfg: cfg, base: newBaseTransport(cfg.httpClient, cfg.timeouts),
		retry: cfg.retry.withDefaults()}
	raw := [numServices]string{cfg.passURL, cfg.clientlessURL, cfg.webapiURL, cfg.agsURL}
	for s := serviceID(0); s < numServices; s++ {
		if raw[s] == "" && s == svcAGS {
			continue
		}
		u, err := parseBaseURL(s.option(), raw[s])
		if err != nil {
			return nil, err
		}
		c.bases[s], c.baseURLs[s] = u, u.String()
	}
	if cfg.device != nil {
		if _, err := cfg.device.Info.Encode(); err != nil {
			return nil, invalid("WithDevice", "%v", err)
		}
	}
	c.common.client = c
	c.Pass = (*PassService)(&c.common)
	c.Clientless = (*ClientlessService)(&c.common)
	c.WebAPI = (*WebAPIService)(&c.common)
	c.AGS = (*AGSService)(&c.common)
	// Functions, not values, so that a program that uses neither links no DCR, store or cache code.
	if cfg.passStoreTS != nil && cfg.passTS == nil {
		cfg.passTS = cfg.passStoreTS(c.Pass)
	}
	if cfg.passCredsTS != nil && cfg.passTS == nil {
		cfg.passTS = cfg.passCredsTS(c.Pass)
	}
	if _, ours := cfg.passTS.(tokenContexter); cfg.passTS != nil && !ours {
		cfg.passTS = &callerTokenSource{ts: cfg.passTS}
	}
	return c, nil
}

// CloseIdleConnections closes the idle connections of the transport the SDK built for this client (see
// New), not those in use; a later call dials again. It is optional (idle ones close after 90 s) and
// useful to a program that makes many short-lived clients. A transport the caller supplied
// (WithHTTPClient's, a replaced http.DefaultTransport) is not touched: call its CloseIdleConnections.
func (c *Client) CloseIdleConnections() {
	if o := c.base.own.Load(); o != nil {
		o.t.CloseIdleConnections()
	}
}

type authMode int // how an attempt is authorised

const (
	authNone       authMode = iota
	authPassBearer          // Authorization: Bearer from WithPassTokenSource, fetched per attempt
)

// call describes one endpoint invocation on the wire. Endpoint methods build one and hand it to do.
type call struct {
	service serviceID
	// op names the operation in errors and to observers, in the vendor's spelling: "pass.logout".
	op       string
	method   string
	path     string // escaped, appended to the service root; build it with pathf
	template string // path with its ids as {names} (pathf); empty: path has none
	query    string // encoded, in wire order
	header   http.Header
	body     []byte // sent as is; Content-Type goes in header
	auth     authMode
	secrets  []string // values to scrub from logs and errors (header values of secret names are added)
	// hold: the secrets are credentials or tokens the client holds, which later calls scrub too.
	hold    bool
	answers []int // the statuses decoded as a result; nil means any 2xx
	// decode reads an answer. A typed error it returns is passed on; any other becomes a *DecodeError.
	decode func(*response) error
	// decodeError maps a non-answer to the family's typed error; the family's code sets it on every call.
	decodeError func(*response) error
	// throttleFloor is the least wait after a 429 without Retry-After (Adobe: 1 s), capped by MaxWait.
	throttleFloor time.Duration
	// sign re-signs the call before every retry (WebAPI): the query (GET) or form body (POST) to send,
	// and the signature to scrub. The first attempt carries what the call was built with.
	sign func() (wire, sig string)
	// resend says, of a reply not retried for its status, whether to send the call once more re-signed
	// (WebAPI 400/1015 "invalid ts", after resynchronising the clock); it must not keep r's body.
	resend func(r *response) bool
}

// response is an HTTP reply with its body read (at most maxBodyBytes).
type response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	Request    *url.URL // the URL that was sent
	Base       *url.URL // the service root, for resolving relative URLs in the body

	red *redactor // this call's secrets, for decoders that keep server text as data
}

func (c *call) idempotent() bool {
	switch c.method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// do is the one request pipeline: build, authorise or sign per attempt, send with retries, read a
// bounded body, decode, map errors, log redacted.
func (c *Client) do(ctx context.Context, cl *call) (resp *response, err error) {
	if ctx == nil {
		return nil, invalid("ctx", "nil context")
	}
	// requireConfigured, in the endpoint method, saw the base URL (and the token source) set.
	red := &redactor{held: c.cfg.held, done: ctx.Done()}
	red.add(cl.secrets...)
	if cl.hold {
		c.cfg.held.add(cl.secrets...)
	}
	for name, vs := range cl.header {
		if isSecretName(name) {
			red.add(vs...)
			for _, v := range vs {
				if _, tok, ok := strings.Cut(v, " "); ok { // "Bearer <token>"
					red.add(tok)
				}
			}
		}
	}
	rawURL := c.baseURLs[cl.service] + cl.path
	if cl.query != "" {
		rawURL = c.baseURLs[cl.service] + cl.path + "?" + cl.query
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, invalid("path", "cannot build URL: %v", err)
	}

	if o := c.cfg.observer; o != nil {
		var end func(*response, error)
		ctx, end = observeCall(ctx, o, cl, u)
		defer func() { end(resp, err) }()
	}
	resp, err = c.send(ctx, cl, u, red)
	if err != nil {
		return nil, err
	}
	resp.Base = c.bases[cl.service]

	var cause error
	answer := slices.Contains(cl.answers, resp.StatusCode) || // nil answers: any 2xx
		cl.answers == nil && resp.StatusCode >= 200 && resp.StatusCode < 300
	switch {
	case answer && cl.decode == nil:
		return resp, nil
	case answer:
		if cause = cl.decode(resp); cause == nil {
			return resp, nil
		}
		var ve *ValidationError
		if _, typed := cause.(scrubber); typed || errors.As(cause, &ve) {
			return resp, red.finishError(cause, cl, resp)
		}
	case cl.decodeError != nil:
		return resp, red.finishError(cl.decodeError(resp), cl, resp)
	default: // a call built without its family's decoder; the fault matrix catches it
		cause = errors.New("unexpected HTTP status")
	}
	return resp, red.finishError(&DecodeError{Service: cl.service.String(), HTTPStatus: resp.StatusCode,
		ContentType: replyMediaType(resp), Err: cause}, cl, resp)
}

// send runs cl through the pipeline and decodes its answer with decode: the one shape of every
// endpoint method's last lines, "return send(ctx, s.client, cl, decodeX)".
func send[T any](ctx context.Context, c *Client, cl *call, decode func(*response) (T, error)) (T, error) {
	var out T
	cl.decode = func(r *response) (err error) { out, err = decode(r); return err }
	if _, err := c.do(ctx, cl); err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// send runs one call through retryablehttp's loop, the only retry loop, and returns the reply with
// its body read. The loop's hooks are methods of the call's attemptState (client_retry.go).
func (c *Client) send(ctx context.Context, cl *call, u *url.URL, red *redactor) (*response, error) {
	// The call's header becomes the request's: the call is built for this one request, and nothing
	// below writes into a value slice (a retry that changes a header copies the map first).
	h := cl.header
	if h == nil {
		h = make(http.Header, 2)
		cl.header = h
	}
	h["User-Agent"] = []string{c.cfg.userAgent}
	if h.Get("Accept") == "" {
		h["Accept"] = []string{"application/json"}
	}
	// The URL is the one the endpoint built (exact RawQuery and escaping), not a reparsed string.
	hreq := (&http.Request{Method: cl.method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h}).WithContext(ctx)
	req, err := retryablehttp.FromRequest(hreq)
	if err == nil && cl.body != nil {
		err = req.SetBody(cl.body)
	}
	if err != nil {
		return nil, invalid("request", "%s", red.scrub(err.Error()))
	}
	st := newAttemptState(c, cl, red, req)
	if err := st.authorise(hreq, false); err != nil {
		return nil, c.requestError(ctx, cl, u, red, err)
	}
	// Do succeeds only after readReply read the reply (checkRetry counts the retries itself); a reply
	// that comes back with an error was read by readReply or drained by the loop: its body is closed.
	if _, err := st.rc.Do(req); err != nil {
		return nil, c.requestError(ctx, cl, u, red, err)
	}
	c.cfg.held.add(st.bearer) // the client holds the Pass bearer it sent: every call scrubs it
	return st.resp, nil
}

// requestError maps a failure to get a reply; a token fetch's typed error (invalid_client) is returned.
func (c *Client) requestError(ctx context.Context, cl *call, u *url.URL, red *redactor, err error) error {
	var ae *authError
	if errors.As(err, &ae) {
		var typed scrubber
		if errors.As(ae.err, &typed) {
			return ae.err
		}
		err = ae.err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = ctxErr
	}
	msg, cause := red.cause(err)
	return &RequestError{Service: cl.service.String(), Method: cl.method, URL: cleanText(red.url(u), maxTextBytes),
		Err: cause, CorrelationID: cleanText(cl.header.Get("X-Correlation-Id"), maxCodeBytes), Op: cl.op, msg: msg}
}

// readBody reads at most maxBodyBytes (+1, to tell a body of exactly the cap from a larger one). A
// declared Content-Length sizes the buffer once; the limit holds whatever the server declared.
// Without one, io.ReadAll: since Go 1.26 it gathers chunks and copies once (half the bytes of doubling).
func readBody(body io.ReadCloser, contentLength int64) ([]byte, error) {
	defer body.Close()
	if contentLength < 0 || contentLength > maxBodyBytes {
		switch b, err := io.ReadAll(io.LimitReader(body, maxBodyBytes+1)); {
		case err != nil:
			return nil, err
		case len(b) > maxBodyBytes:
			return nil, ErrResponseTooLarge
		default:
			return b, nil
		}
	}
	lr := io.LimitedReader{R: body, N: maxBodyBytes + 1}
	b := make([]byte, 0, contentLength+1) // room to see EOF without growing
	for {
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
	if len(b) > maxBodyBytes {
		return nil, ErrResponseTooLarge
	}
	return b, nil
}

// authError marks a failed authorisation (a token fetch, retried in its own pipeline): not retried again.
type authError struct{ err error }

func (e *authError) Error() string { return "authorisation: " + e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

// tokenContexter: the SDK's own token sources, and callerTokenSource around any other (New), fetch
// with the calling request's context, though oauth2.TokenSource.Token takes none.
type tokenContexter interface {
	tokenContext(ctx context.Context) (*oauth2.Token, error)
}

// tokenInvalidator drops a rejected token, only that one: calls rejected with it at once share a refetch.
type tokenInvalidator interface{ invalidate(rejected string) }

// callerTokenSource wraps a caller's token source (WithPassTokenSource), whose Token takes no context:
// a call whose context can end runs Token in a goroutine and stops waiting when the context ends. Later
// calls wait for the running one, so a hung identity provider holds one goroutine, not one per call.
type callerTokenSource struct {
	ts oauth2.TokenSource

	mu      sync.Mutex
	running *callerFetch // nil when no Token is running
}

type callerFetch struct {
	done     chan struct{} // closed when Token returned, panicked or exited its goroutine
	tok      *oauth2.Token
	err      error
	panicked any
}

func (s *callerTokenSource) Token() (*oauth2.Token, error) { return s.ts.Token() }

func (s *callerTokenSource) tokenContext(ctx context.Context) (*oauth2.Token, error) {
	if ctx.Done() == nil { // a context that never ends needs no goroutine
		return s.ts.Token()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	f := s.running
	if f == nil {
		f = &callerFetch{done: make(chan struct{})}
		s.running = f
		go s.fetch(f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		if f.panicked != nil {
			panic(f.panicked)
		}
		return f.tok, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fetch runs Token for the calls waiting on f. Not sync.OnceValues: a Token that calls
// runtime.Goexit (t.FailNow in a test's source) would become a panic(nil) in every waiting call;
// here it is a nil token, refused as such.
func (s *callerTokenSource) fetch(f *callerFetch) {
	defer func() {
		f.panicked = recover()
		s.mu.Lock()
		s.running = nil
		s.mu.Unlock()
		close(f.done)
	}()
	f.tok, f.err = s.ts.Token()
}

// A route is a call's escaped path and its template, the path with its ids as {names}
// ("/api/v2/{serviceProvider}/logout/{mvpd}"), which observers get: it does not grow with the ids.
type route struct{ path, template string }

// pathf builds a route: each {name} of template is one path segment, escaped once.
func pathf(template string, segments ...string) route {
	if len(segments) == 0 {
		return route{template, template}
	}
	n := len(template)
	for _, s := range segments {
		n += len(s)
	}
	var b strings.Builder
	b.Grow(n)
	rest := template
	for _, s := range segments {
		open, end := strings.IndexByte(rest, '{'), strings.IndexByte(rest, '}')
		if open < 0 || end < open { // more segments than names: the wire tests catch the path
			break
		}
		b.WriteString(rest[:open])
		b.WriteString(url.PathEscape(s))
		rest = rest[end+1:]
	}
	b.WriteString(rest)
	return route{b.String(), template}
}

// requireSegment checks a value that becomes one path segment: present, and not a dot segment that a
// server or proxy would resolve away.
func requireSegment(field, v string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return invalid(field, "empty")
	case v == "." || v == "..":
		return invalid(field, "%q is not a valid path segment", v)
	}
	return checkText(field, v)
}

// requireAbsoluteURL checks a redirect URL Adobe will send a user agent to: absolute, with a host.
func requireAbsoluteURL(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return invalid(field, "empty")
	}
	if plainAbsoluteURL(v) {
		return nil
	}
	switch u, err := url.Parse(v); {
	case err != nil:
		return invalid(field, "malformed URL")
	case u.Scheme == "" || u.Host == "":
		return invalid(field, "%q is not an absolute URL", v)
	}
	return nil
}

// plainAbsoluteURL recognises, without parsing, the common absolute URL that url.Parse accepts with a
// scheme and a host: scheme://host[:port] then nothing or a path, query or fragment of plain
// characters (no %, no space or control, no brackets). Anything else goes to url.Parse.
func plainAbsoluteURL(v string) bool {
	i := 0
	for i < len(v) && ('a' <= v[i] && v[i] <= 'z' || 'A' <= v[i] && v[i] <= 'Z' ||
		i > 0 && ('0' <= v[i] && v[i] <= '9' || v[i] == '+' || v[i] == '-' || v[i] == '.')) {
		i++
	}
	if i == 0 || !strings.HasPrefix(v[i:], "://") {
		return false
	}
	i += 3
	host := i
	for i < len(v) && ('a' <= v[i] && v[i] <= 'z' || 'A' <= v[i] && v[i] <= 'Z' || '0' <= v[i] && v[i] <= '9' ||
		v[i] == '-' || v[i] == '.') {
		i++
	}
	if i == host {
		return false
	}
	if i < len(v) && v[i] == ':' {
		i++
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			i++
		}
	}
	if i < len(v) && v[i] != '/' && v[i] != '?' && v[i] != '#' {
		return false
	}
	for ; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("-._~!$&'()*+,;=:@/?#", c) >= 0) {
			return false
		}
	}
	return true
}

// queryOf encodes a go-querystring struct (url tags). The result is sorted by key: use pairs where the
// order matters.
func queryOf(v any) (string, error) {
	vals, err := query.Values(v)
	if err != nil {
		return "", err
	}
	return vals.Encode(), nil
}

type pair struct{ key, value string } // one query or form parameter

type pairs []pair // parameters in their wire order

// encode joins the pairs in order, each name and value percent-encoded per RFC 3986 (space is %20).
func (p pairs) encode() string { return p.encodeAfter() }

// encodeAfter is prefix[0] + prefix[1] + … + p.encode(); encodeBytes is it as a byte slice (a form
// body without a string copy), built in one exactly sized buffer.
func (p pairs) encodeAfter(prefix ...string) string { return string(p.encodeBytes(prefix...)) }

func (p pairs) encodeBytes(prefix ...string) []byte {
	n := 0
	for _, s := range prefix {
		n += len(s)
	}
	for _, kv := range p {
		n += percentEncodedLen(kv.key) + percentEncodedLen(kv.value) + 2
	}
	buf := make([]byte, 0, n)
	for _, s := range prefix {
		buf = append(buf, s...)
	}
	for i, kv := range p {
		if i > 0 {
			buf = append(buf, '&')
		}
		buf = appendPercentEncoded(buf, kv.key)
		buf = append(buf, '=')
		buf = appendPercentEncoded(buf, kv.value)
	}
	return buf
}

func percentEncodedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n += 2
		}
	}
	return n
}

func formHeader() http.Header {
	return http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json;charset=utf-8"}}
}

// resolve makes a URL from a reply absolute against the service root (RFC 3986 §5).
func (r *response) resolve(ref string) (*url.URL, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, nil
	}
	u, err := url.Parse(ref)
	if err != nil {
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err // a *url.Error quotes the whole URL, which may carry a token
		}
		return nil, err
	}
	// An absolute URL resolves to itself unless its path has dot segments to remove.
	if r.Base == nil || (u.Scheme != "" && !strings.Contains(u.Path, "/.") && !strings.Contains(u.RawPath, "/.")) {
		return u, nil
	}
	return r.Base.ResolveReference(u), nil
}
