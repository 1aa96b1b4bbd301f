package tvauth

// The transport under the request pipeline: which http.RoundTripper an attempt goes through, the
// timeouts of the transport the SDK builds itself, and how its idle connections are released.

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Timeouts of the transport the SDK builds for a client (see TransportTimeouts). They bound each
// phase of one attempt, so that a call made with context.Background() cannot hang for ever on a
// black-holed server; a context deadline still bounds the whole call, retries included.
const (
	// DefaultDialTimeout bounds name resolution and the TCP connect.
	DefaultDialTimeout = 10 * time.Second
	// DefaultTLSHandshakeTimeout bounds the TLS handshake.
	DefaultTLSHandshakeTimeout = 10 * time.Second
	// DefaultResponseHeaderTimeout bounds the wait for the reply's headers once the request is written.
	DefaultResponseHeaderTimeout = 30 * time.Second
)

// maxIdleConnsPerHost is the idle pool per host of the SDK's transport: net/http's default of 2 makes
// concurrent callers of one service open and close a connection per call.
const maxIdleConnsPerHost = 16

// TransportTimeouts bounds the phases of an attempt on the transport the SDK builds itself. A zero
// field takes its default (DefaultDialTimeout, DefaultTLSHandshakeTimeout,
// DefaultResponseHeaderTimeout). They do not apply to a transport the caller supplies: a non-nil
// Transport of WithHTTPClient's client, or an http.DefaultTransport replaced after New (see New).
type TransportTimeouts struct {
	Dial           time.Duration // name resolution and TCP connect
	TLSHandshake   time.Duration // TLS handshake
	ResponseHeader time.Duration // from the request written to the reply's headers read
}

func (t TransportTimeouts) withDefaults() TransportTimeouts {
	if t.Dial == 0 {
		t.Dial = DefaultDialTimeout
	}
	if t.TLSHandshake == 0 {
		t.TLSHandshake = DefaultTLSHandshakeTimeout
	}
	if t.ResponseHeader == 0 {
		t.ResponseHeader = DefaultResponseHeaderTimeout
	}
	return t
}

// baseTransport is the http.RoundTripper under the SDK's per-attempt wrapping. It chooses the
// transport for every attempt, not once at New, so that a test suite can swap transports (httpmock's
// Activate and ActivateNonDefault) before or after New:
//
//  1. WithHTTPClient's client with a non-nil Transport: that Transport, as it is at the attempt.
//  2. Otherwise, while http.DefaultTransport is the *http.Transport it was when New ran: the SDK's
//     private clone of it, with a larger idle pool and the TransportTimeouts. Its connections are
//     this client's alone (see Client.CloseIdleConnections).
//  3. Otherwise (http.DefaultTransport was replaced, by a value of any type): the current
//     http.DefaultTransport, as is.
//
// The caller's http.Client.Timeout, read at every attempt too, bounds each attempt, body included.
type baseTransport struct {
	caller   *http.Client                   // WithHTTPClient's; nil without it
	seen     *http.Transport                // http.DefaultTransport at New, if it was an *http.Transport
	timeouts TransportTimeouts              // with defaults
	own      atomic.Pointer[http.Transport] // the clone of seen, made on first use
}

func newBaseTransport(caller *http.Client, timeouts TransportTimeouts) *baseTransport {
	b := &baseTransport{caller: caller, timeouts: timeouts.withDefaults()}
	b.seen, _ = http.DefaultTransport.(*http.Transport)
	return b
}

var errNoTransport = errors.New("http.DefaultTransport is nil")

// pick returns the transport for one attempt (rules in baseTransport's comment).
func (b *baseTransport) pick() http.RoundTripper {
	if b.caller != nil {
		if rt := b.caller.Transport; rt != nil {
			return rt
		}
	}
	dt := http.DefaultTransport
	// Compared as *http.Transport: comparing two interfaces holding the same uncomparable type (a func
	// adapter, say) would panic.
	if p, ok := dt.(*http.Transport); ok && p != nil && p == b.seen {
		return b.ownTransport()
	}
	return dt
}

// ownTransport returns the private clone, making it on first use: a client whose caller supplies the
// transport never builds one.
func (b *baseTransport) ownTransport() *http.Transport {
	if t := b.own.Load(); t != nil {
		return t
	}
	t := tunedClone(b.seen, b.timeouts)
	if b.own.CompareAndSwap(nil, t) {
		return t
	}
	return b.own.Load() // another attempt made it first; ours never dialled
}

// closeIdle closes the idle connections of the private clone, if one was made.
func (b *baseTransport) closeIdle() {
	if t := b.own.Load(); t != nil {
		t.CloseIdleConnections()
	}
}

// tunedClone copies src (keeping its proxy, TLS and dial settings) with the SDK's idle pool and
// timeouts. The dial timeout wraps src's own DialContext, so a custom dialer is kept.
func tunedClone(src *http.Transport, to TransportTimeouts) *http.Transport {
	t := src.Clone()
	t.MaxIdleConnsPerHost = maxIdleConnsPerHost
	t.TLSHandshakeTimeout = to.TLSHandshake
	t.ResponseHeaderTimeout = to.ResponseHeader
	//lint:ignore SA1019 a transport with only the deprecated Dial keeps it: setting DialContext would override it
	if t.DialContext != nil || t.Dial == nil {
		t.DialContext = boundedDial(t.DialContext, to.Dial)
	}
	if t.DialTLSContext != nil { // dials and handshakes in one call
		t.DialTLSContext = boundedDial(t.DialTLSContext, to.Dial+to.TLSHandshake)
	}
	return t
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func boundedDial(dial dialFunc, d time.Duration) dialFunc {
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel() // an established connection outlives the dial's context
		return dial(ctx, network, addr)
	}
}

// RoundTrip sends one attempt through the transport pick chooses, bounded by the caller's
// http.Client.Timeout if set.
func (b *baseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt := b.pick()
	if rt == nil {
		return nil, errNoTransport
	}
	var timeout time.Duration
	if b.caller != nil {
		timeout = b.caller.Timeout
	}
	if timeout <= 0 {
		return rt.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeoutCause(req.Context(), timeout, errAttemptTimeout)
	resp, err := rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if context.Cause(ctx) == errAttemptTimeout {
			err = &attemptTimeoutError{"awaiting headers"}
		}
		return nil, err
	}
	resp.Body = &timedBody{ReadCloser: resp.Body, ctx: ctx, cancel: cancel}
	return resp, nil
}

var errAttemptTimeout = errors.New("http.Client.Timeout of the attempt exceeded")

// attemptTimeoutError is an attempt that outlived the caller's http.Client.Timeout: the same text and
// behaviour as net/http's own error for it (a net.Error that times out and matches
// context.DeadlineExceeded).
type attemptTimeoutError struct{ phase string }

func (e *attemptTimeoutError) Error() string {
	return "context deadline exceeded (Client.Timeout exceeded while " + e.phase + ")"
}
func (e *attemptTimeoutError) Timeout() bool        { return true }
func (e *attemptTimeoutError) Temporary() bool      { return true }
func (e *attemptTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// timedBody keeps an attempt's timeout running until its body is closed, as http.Client does.
type timedBody struct {
	io.ReadCloser
	ctx    context.Context
	cancel context.CancelFunc
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && context.Cause(b.ctx) == errAttemptTimeout {
		err = &attemptTimeoutError{"reading body"}
	}
	return n, err
}

func (b *timedBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
