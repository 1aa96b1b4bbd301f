package tvauth

// The transport under the request pipeline: which http.RoundTripper an attempt goes through, the
// timeouts of the transport the SDK builds itself, and how its idle connections are released.

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Timeouts of each phase of an attempt (see TransportTimeouts), so that a call made with
// context.Background() cannot hang for ever on a black-holed, stalled or trickling server.
const (
	// DefaultDialTimeout bounds name resolution and the TCP connect.
	DefaultDialTimeout = 10 * time.Second
	// DefaultTLSHandshakeTimeout bounds the TLS handshake.
	DefaultTLSHandshakeTimeout = 10 * time.Second
	// DefaultResponseHeaderTimeout bounds the wait for the reply's headers once the request is written.
	DefaultResponseHeaderTimeout = 30 * time.Second
	// DefaultResponseBodyTimeout bounds the reading of the reply's body, from its headers to its end:
	// a reply of at most 4 MiB read in full, over a link of 1.2 Mbit/s or more.
	DefaultResponseBodyTimeout = 30 * time.Second
)

// maxIdleConnsPerHost: net/http's default of 2 makes concurrent callers dial a connection per call.
const maxIdleConnsPerHost = 16

// TransportTimeouts bounds the phases of an attempt. A zero field takes its default, the
// Default…Timeout constant of its name.
//
// Dial, TLSHandshake and ResponseHeader are settings of the transport the SDK builds itself (see New).
// ResponseBody is kept by the SDK around the transport, so it also bounds the bodies an
// http.DefaultTransport that is not an *http.Transport (a mock's) returns. None of them applies to the
// Transport of WithHTTPClient's client, which keeps its own limits (and its client's Timeout).
type TransportTimeouts struct {
	Dial           time.Duration // name resolution and TCP connect
	TLSHandshake   time.Duration // TLS handshake
	ResponseHeader time.Duration // from the request written to the reply's headers read
	ResponseBody   time.Duration // from the reply's headers read to its body read in full
}

// baseTransport, the http.RoundTripper under the per-attempt wrapping, picks the transport at every
// attempt by the rules of New's doc, so that a test suite can swap transports before or after New.
type baseTransport struct {
	caller   *http.Client      // WithHTTPClient's; nil without it
	timeouts TransportTimeouts // with defaults

	mu  sync.Mutex                   // held while a clone is made
	own atomic.Pointer[ownTransport] // the clone of the last *http.Transport picked
}

type ownTransport struct{ src, t *http.Transport } // the SDK's clone t of src, an http.DefaultTransport

func newBaseTransport(caller *http.Client, t TransportTimeouts) *baseTransport {
	return &baseTransport{caller: caller, timeouts: TransportTimeouts{
		Dial:           cmp.Or(t.Dial, DefaultDialTimeout),
		TLSHandshake:   cmp.Or(t.TLSHandshake, DefaultTLSHandshakeTimeout),
		ResponseHeader: cmp.Or(t.ResponseHeader, DefaultResponseHeaderTimeout),
		ResponseBody:   cmp.Or(t.ResponseBody, DefaultResponseBodyTimeout),
	}}
}

// pick returns the transport for one attempt, and whether it is the caller's (WithHTTPClient's).
func (b *baseTransport) pick() (rt http.RoundTripper, callers bool) {
	if b.caller != nil {
		if rt := b.caller.Transport; rt != nil {
			return rt, true
		}
	}
	dt := http.DefaultTransport
	if p, ok := dt.(*http.Transport); ok {
		if p == nil {
			return nil, false
		}
		return b.ownTransport(p), false
	}
	return dt, false
}

// ownTransport returns the private clone of src, making it on first use (a client whose caller supplies
// the transport never builds one) and again when http.DefaultTransport became another *http.Transport.
func (b *baseTransport) ownTransport(src *http.Transport) *http.Transport {
	if o := b.own.Load(); o != nil && o.src == src {
		return o.t
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.own.Load()
	if old != nil && old.src == src {
		return old.t
	}
	o := &ownTransport{src: src, t: tunedClone(src, b.timeouts)}
	b.own.Store(o)
	if old != nil { // its attempts in flight finish; its idle connections are of no more use
		old.t.CloseIdleConnections()
	}
	return o.t
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
// http.Client.Timeout if set and, unless the transport is the caller's, its body by ResponseBody: each
// ends the attempt by cancelling its context, as http.Client does, with a cause that names the limit.
func (b *baseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt, callers := b.pick()
	if rt == nil {
		return nil, errNoTransport
	}
	var attemptLimit, bodyLimit time.Duration
	if b.caller != nil {
		attemptLimit = b.caller.Timeout
	}
	if !callers {
		bodyLimit = b.timeouts.ResponseBody
	}
	if attemptLimit <= 0 && bodyLimit <= 0 {
		return rt.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	tb := &timedBody{ctx: ctx, cancel: cancel}
	if attemptLimit > 0 {
		tb.attempt = time.AfterFunc(attemptLimit, func() { cancel(errAttemptTimeout) })
	}
	resp, err := rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		tb.stop()
		if context.Cause(ctx) == errAttemptTimeout {
			err = &attemptTimeoutError{"context deadline exceeded (Client.Timeout exceeded while awaiting headers)"}
		}
		return nil, err
	}
	if bodyLimit > 0 {
		tb.body = time.AfterFunc(bodyLimit, func() { cancel(errBodyTimeout) })
	}
	tb.ReadCloser, resp.Body = resp.Body, tb
	return resp, nil
}

var (
	errNoTransport    = errors.New("http.DefaultTransport is nil")
	errAttemptTimeout = errors.New("http.Client.Timeout of the attempt exceeded")
	errBodyTimeout    = errors.New("TransportTimeouts.ResponseBody exceeded")
)

// attemptTimeoutError is an attempt that outlived one of its limits: as net/http's own error for its
// Client.Timeout, a net.Error that times out and matches context.DeadlineExceeded.
type attemptTimeoutError struct{ msg string }

func (e *attemptTimeoutError) Error() string        { return e.msg }
func (e *attemptTimeoutError) Timeout() bool        { return true }
func (e *attemptTimeoutError) Temporary() bool      { return true }
func (e *attemptTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// timedBody keeps an attempt's limits running until its body is closed, as http.Client does.
type timedBody struct {
	io.ReadCloser
	ctx           context.Context
	cancel        context.CancelCauseFunc
	attempt, body *time.Timer // nil when not set
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		switch context.Cause(b.ctx) {
		case errAttemptTimeout:
			err = &attemptTimeoutError{"context deadline exceeded (Client.Timeout exceeded while reading body)"}
		case errBodyTimeout:
			err = &attemptTimeoutError{"timeout reading response body"}
		}
	}
	return n, err
}

func (b *timedBody) Close() error {
	defer b.stop()
	return b.ReadCloser.Close()
}

func (b *timedBody) stop() {
	if b.attempt != nil {
		b.attempt.Stop()
	}
	if b.body != nil {
		b.body.Stop()
	}
	b.cancel(nil)
}
