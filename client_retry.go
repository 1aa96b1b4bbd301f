package tvauth

// The retry policy behind RetryPolicy, as the hooks of retryablehttp's loop (the only retry loop): which
// failures are safe to retry, how long to wait, and what changes before the next attempt.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// attemptState is one call in retryablehttp's loop. Its methods are the loop's hooks (CheckRetry,
// Backoff, PrepareRetry, the response handler, the transport), bound to the call's own
// retryablehttp.Client: none reads per-call state from the context; all run in turn on Do's goroutine.
type attemptState struct {
	c    *Client
	call *call
	red  *redactor
	req  *retryablehttp.Request
	rc   retryablehttp.Client
	hc   http.Client

	attempt   int       // attempts sent, for the log line
	retries   int       // retries for a network error, 429 or 5xx, against RetryPolicy.MaxRetries
	refetched bool      // the one Pass token refetch after a 401 was taken
	resent    bool      // the family's one resend (WebAPI 1015) was taken
	free      bool      // the retry being prepared is a refetch or a resend: it waits no backoff
	bearer    string    // the Pass bearer token the last attempt carried
	resp      *response // the last attempt's reply, once the response handler read it
	start     time.Time // when the last attempt was sent, for the observer
	reason    string    // why the last attempt was sent, for the observer (observe.go)
}

func newAttemptState(c *Client, cl *call, red *redactor, req *retryablehttp.Request) *attemptState {
	st := &attemptState{c: c, call: cl, red: red, req: req}
	// No Timeout: c.base reads the caller's per attempt. st has no CloseIdleConnections, so the calls
	// retryablehttp makes to it after a failure reach neither the SDK's pool nor a caller's transport.
	st.hc = http.Client{Transport: st, CheckRedirect: noRedirect}
	st.rc = retryablehttp.Client{
		HTTPClient:   &st.hc,
		Logger:       nil, // it would print URLs with tokens; the pipeline logs redacted lines itself
		RetryWaitMin: c.retry.MinWait,
		RetryWaitMax: c.retry.MaxWait,
		// Never reached: checkRetry counts the policy's retries, and at most one refetch and one resend.
		RetryMax:   c.retry.MaxRetries + 2,
		CheckRetry: st.checkRetry,
		Backoff:    st.backoff,
		// Run after the backoff on the copy of the request the next attempt sends.
		PrepareRetry: func(r *http.Request) error { return st.authorise(r, true) },
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	if c.cfg.observer != nil {
		st.rc.CheckRetry = st.observeRetry
	}
	req.SetResponseHandler(st.readReply)
	return st
}

// noRedirect: endpoints that answer 302 read Location themselves; following would leak Authorization
// headers to MVPD pages and fetch pages the caller never asked for.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// RoundTrip sends one attempt through the transport the client chose for it, and logs one redacted line.
func (st *attemptState) RoundTrip(req *http.Request) (*http.Response, error) {
	st.attempt++
	st.resp = nil
	if st.c.cfg.observer == nil && st.c.cfg.logAttempt == nil {
		return st.c.base.RoundTrip(req)
	}
	st.start = time.Now()
	resp, err := st.c.base.RoundTrip(req)
	if log := st.c.cfg.logAttempt; log != nil {
		log(req.Context(), st, req, resp, err, time.Since(st.start))
	}
	return resp, err
}

// readReply is the response handler: retryablehttp runs it inside the loop on a reply that checkRetry
// did not retry for its status, so that a truncated body is retried like any network error, and a
// reply whose body decides a retry (resend) can be read before checkRetry runs again.
func (st *attemptState) readReply(r *http.Response) error {
	body, err := readBody(r.Body, r.ContentLength)
	if err != nil {
		return err
	}
	st.resp = &response{StatusCode: r.StatusCode, Header: r.Header, Body: body, Request: st.req.URL, red: st.red}
	return nil
}

// checkRetry is the retry policy. retryablehttp calls it after every attempt and, when it said no and
// the attempt got a reply, once more after readReply read the body (err is then the read's error).
// A call is sent again on:
//   - a network error: on an idempotent call, or on any call when the dial failed (retryableError);
//   - 429 and 503 on any call, other 5xx but 501 on an idempotent one;
//   - a 401 to a Pass bearer the client's own token source fetched: that token is dropped (only that
//     one: calls rejected with it at once share one refetch) and the call is sent once more;
//   - the family's resend (WebAPI 400/1015), once, decided on the body readReply read.
//
// The first two draw on RetryPolicy.MaxRetries and wait a backoff; a refetch or a resend does neither.
// The resend can read the body: retryablehttp runs the handler only on a reply the first call did not
// retry (400 and 200 are not retried for their status), so the handler reads the body into st.resp
// and the second call decides on it; the drain before Backoff then reads nothing; PrepareRetry re-signs.
func (st *attemptState) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	cl := st.call
	st.free = false
	switch {
	case err != nil && !retryableError(err, cl.idempotent()):
		return false, nil
	case err != nil: // a retryable error; the cases without a return draw on MaxRetries below
	case resp.StatusCode == http.StatusUnauthorized && st.refetch():
		st.refetched, st.free = true, true
		return true, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented && cl.idempotent():
	case st.resp != nil && cl.resend != nil && !st.resent && cl.resend(st.resp):
		st.resent, st.free = true, true
		return true, nil
	default:
		return false, nil
	}
	if st.retries >= st.c.retry.MaxRetries {
		return false, nil
	}
	st.retries++
	return true, nil
}

// refetch drops the Pass bearer a 401 rejected, once a call, if the client's token source fetched it.
func (st *attemptState) refetch() bool {
	inv, ok := st.c.cfg.passTS.(tokenInvalidator)
	if !ok || st.call.auth != authPassBearer || st.refetched || st.bearer == "" {
		return false
	}
	inv.invalidate(st.bearer)
	return true
}

// backoff is retryablehttp's Backoff: none before a refetch or a resend, else the policy's wait.
func (st *attemptState) backoff(minWait, maxWait time.Duration, _ int, resp *http.Response) time.Duration {
	if st.free {
		return 0
	}
	return backoff(minWait, maxWait, st.retries-1, resp, st.call.throttleFloor)
}

// authorise readies an attempt: the Pass bearer from the token source (a token refreshed or dropped
// since the last attempt is picked up) and, on a retry, the family's fresh signature. A failure is an
// *authError, never retried: a token fetch went through its own pipeline and retries.
func (st *attemptState) authorise(r *http.Request, retry bool) error {
	cl := st.call
	if cl.auth == authPassBearer {
		tok, err := st.c.cfg.passTS.(tokenContexter).tokenContext(r.Context()) // see New
		if err != nil {
			return &authError{err}
		}
		if tok == nil || tok.AccessToken == "" {
			return &authError{errors.New("token source returned no access token")}
		}
		st.red.add(tok.AccessToken)
		st.bearer = tok.AccessToken
		if retry {
			// retryablehttp's copy of the request shares its header map with the attempt before,
			// which a transport may still hold.
			r.Header = maps.Clone(r.Header)
		}
		r.Header["Authorization"] = []string{"Bearer " + tok.AccessToken}
	}
	if retry && cl.sign != nil {
		wire, sig := cl.sign()
		st.red.add(sig)
		if cl.method == http.MethodGet {
			u := *r.URL
			u.RawQuery = wire
			r.URL = &u
		} else if err := st.req.SetBody([]byte(wire)); err != nil { // the body the loop rewinds to
			return &authError{err}
		}
	}
	return nil
}

// retryableError: a network error on an idempotent call, or a failed dial (no byte sent) on any call.
func retryableError(err error, idempotent bool) bool {
	var ue *url.Error
	if errors.As(err, &ue) { // http.Client's wrapper is a net.Error whatever it wraps
		err = ue.Err
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" || idempotent && isNetworkError(err)
}

// isNetworkError: the connection failed, broke or timed out (a net.Error, a syscall error such as
// ECONNRESET, a reply cut short), and not because a certificate or TLS alert refused it. Anything else
// (a mock's "no responder", a bad URL, a reply too large) would fail the same way again.
func isNetworkError(err error) bool {
	var certErr *tls.CertificateVerificationError
	var alert tls.AlertError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &alert) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		return false
	}
	var ne net.Error
	var errno syscall.Errno
	return errors.As(err, &ne) || errors.As(err, &errno) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// backoff is exponential with jitter from MinWait, capped at MaxWait. A Retry-After on 429 or 503 is
// honoured but capped at MaxWait; a 429 without one waits at least floor (capped by MaxWait too).
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response, floor time.Duration) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, maxWait)
		}
	}
	d := maxWait
	if attempt < 30 {
		if exp := minWait << attempt; exp > 0 && exp < maxWait {
			d = exp
		}
	}
	d += time.Duration(rand.Int64N(int64(d)/2 + 1)) // spread clients that failed together
	d = min(d, maxWait)
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests && floor > 0 {
		d = max(d, min(floor, maxWait))
	}
	return d
}

// maxRetryAfter caps what parseRetryAfter returns; the retry policy's MaxWait caps it further.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads delay-seconds or an HTTP date. A delay too long for an int64 is a very long
// delay, so it is the cap, not a header to ignore.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v = strings.TrimSpace(v); v == "" { // the common case: no header, no failed parses to allocate
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if secs < 0 {
			return 0, false
		}
		if err != nil || secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
