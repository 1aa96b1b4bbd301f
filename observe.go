package tvauth

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Observer watches the pipeline, for tracing and metrics (tvauthotel is one): every call, each HTTP
// attempt inside it, and the events of the SDK's token sources (Pass and AGS). Its methods run on the
// goroutine that makes the call, with its context: the attempts and token fetches of a call get the
// context CallStart returned, so that a tracer can parent spans on the caller's. They get a redacted
// URL and no header value, body or token. A panic in one is recovered and the call goes on. (A token
// fetch's own call runs on the fetch's goroutine, with the values of the starting caller's context.)
type Observer interface {
	// CallStart is called once the call's URL is built; the values of the context it returns (nil:
	// ctx's) are the call's, its deadline and cancellation stay ctx's.
	CallStart(ctx context.Context, e CallEvent) context.Context
	CallEnd(ctx context.Context, e CallEvent)    // with e's outcome fields set
	Attempt(ctx context.Context, e AttemptEvent) // after each attempt, its reply read or failed
	Token(ctx context.Context, e TokenEvent)
}

// CallEvent is one call of an endpoint method, retries included.
type CallEvent struct {
	Family, Operation string // "pass", "pass.logout": the vendor's name of the operation
	Method, Host, URL string // HTTP method, host[:port], and the URL: scheme, host and Template
	// Template is the path with its ids as {names}, "/api/v2/{serviceProvider}/logout/{mvpd}": no id
	// reaches an observer (a reg code or an authentication code opens a sign-in).
	Template string
	Start    time.Time     // when the call started
	Duration time.Duration // in CallEnd: the whole call, retries and waits included
	Status   int           // in CallEnd: the last reply's status, 0 without one
	Err      error         // in CallEnd: what the call returns, as redacted as the caller's
}

// AttemptEvent is one HTTP attempt of a call. Reason says why it was sent: "" for the first, then
// "network" (a network error), "throttled" (429), "server" (5xx), "unauthorized" (a 401: the Pass
// token was fetched again) or "resend" (WebAPI 1015, re-signed). Bytes counts the reply body read (a
// reply retried for its status is drained unread: 0).
type AttemptEvent struct {
	Attempt, Status, Bytes int           // Attempt is 1 for the first; Status is 0 without a reply
	Failed                 bool          // no reply, or one that could not be read
	Reason                 string        // why it was sent, as above
	Duration               time.Duration // from sending to the reply read or the failure
}

// TokenEvent is an event of a token source of Family "pass" or "ags". Kind is "cache_hit",
// "fetch_started" (by this caller), "shared_wait" (for a fetch another caller started), "fetch_ended"
// (either, for this caller: Duration is its wait) or "invalidated" (after a server rejected it).
type TokenEvent struct {
	Family, Kind string        // "pass" or "ags"; the event, as above
	Duration     time.Duration // fetch_ended: how long this caller waited
	Failed       bool          // a fetch_ended without a token
}

// WithObserver sets the client's Observer. nil, the default, observes nothing at no cost.
func WithObserver(o Observer) Option { return func(c *config) error { c.observer = o; return nil } }

// observeCall tells o that cl starts, and returns the call's context and what tells o it ended.
func observeCall(ctx context.Context, o Observer, cl *call, u *url.URL) (context.Context, func(*response, error)) {
	e := CallEvent{Family: cl.op[:max(0, strings.IndexByte(cl.op, '.'))], Operation: cl.op, Method: cl.method, Host: u.Host,
		Template: cmp.Or(cl.template, cl.path), Start: time.Now()}
	e.URL = u.Scheme + "://" + u.Host + e.Template
	octx := ctx
	func() { defer recoverObserver(); octx = o.CallStart(ctx, e) }()
	if octx != nil && octx != ctx {
		ctx = observedContext{ctx, octx}
	}
	return ctx, func(resp *response, err error) {
		e.Duration, e.Err = time.Since(e.Start), err
		if resp != nil {
			e.Status = resp.StatusCode
		}
		defer recoverObserver()
		o.CallEnd(ctx, e)
	}
}

// observedContext is the caller's context (its deadline and cancellation end the call, whatever
// the observer returned) with the values of the context CallStart returned (a tracer's span).
type observedContext struct {
	context.Context
	values context.Context
}

func (c observedContext) Value(key any) any { return c.values.Value(key) }

// observeRetry is checkRetry telling the observer of each attempt once: when it is retried or fails,
// or else on checkRetry's second run, after the response handler read the reply.
func (st *attemptState) observeRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	refetched, resent := st.refetched, st.resent
	retry, cerr := st.checkRetry(ctx, resp, err)
	if !retry && resp != nil && err == nil && st.resp == nil {
		return retry, cerr
	}
	e := AttemptEvent{Attempt: st.attempt, Failed: err != nil, Reason: st.reason, Duration: time.Since(st.start)}
	if resp != nil {
		e.Status = resp.StatusCode
	}
	if st.resp != nil {
		e.Bytes = len(st.resp.Body)
	}
	o := st.c.cfg.observer
	switch {
	case !retry:
	case st.refetched != refetched:
		st.reason = "unauthorized"
	case st.resent != resent:
		st.reason = "resend"
	case err != nil:
		st.reason = "network"
	case resp.StatusCode == http.StatusTooManyRequests:
		st.reason = "throttled"
	default:
		st.reason = "server"
	}
	func() { defer recoverObserver(); o.Attempt(ctx, e) }()
	if retry && st.refetched != refetched {
		func() { defer recoverObserver(); o.Token(ctx, TokenEvent{Family: "pass", Kind: "invalidated"}) }()
	}
	return retry, cerr
}

func (c *tokenCache) observe(ctx context.Context, kind string, d time.Duration, err error) {
	if c.observer != nil {
		defer recoverObserver()
		c.observer.Token(ctx, TokenEvent{Family: c.family, Kind: kind, Duration: d, Failed: err != nil})
	}
}

func recoverObserver() { _ = recover() }
