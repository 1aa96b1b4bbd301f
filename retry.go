package tvauth

// The retry policy behind RetryPolicy, as retryablehttp hooks: which failures are safe to retry and how
// long to wait before the next attempt.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// checkRetry decides retries: idempotent requests on transport errors, 429 and 5xx but 501; others only
// when the server surely did nothing (429, 503, a failed dial).
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	idempotent := true
	if st := stateFrom(ctx); st != nil {
		idempotent = st.call.idempotent()
	}
	if err != nil {
		var ae *authError
		if errors.As(err, &ae) || errors.Is(err, ErrResponseTooLarge) {
			return false, nil
		}
		if isDialError(err) {
			return true, nil
		}
		return idempotent && retryableTransportError(err), nil
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests, s == http.StatusServiceUnavailable:
		return true, nil
	case s >= 500 && s != http.StatusNotImplemented:
		return idempotent, nil
	}
	return false, nil
}

// isDialError: the connection was never made, so no byte of the request reached the server.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func retryableTransportError(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		return false
	}
	msg := err.Error()
	return !strings.Contains(msg, "unsupported protocol scheme") && !strings.Contains(msg, "invalid header")
}

// backoff is exponential with jitter from MinWait, capped at MaxWait. A Retry-After on 429 or 503 is
// honoured but capped at MaxWait; a 429 without one waits at least the call's throttle floor.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
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
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests && resp.Request != nil {
		if st := stateFrom(resp.Request.Context()); st != nil && st.call.throttleFloor > 0 {
			d = max(d, min(st.call.throttleFloor, maxWait))
		}
	}
	return d
}

// maxRetryAfter caps what parseRetryAfter returns; the retry policy's MaxWait caps it further.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads delay-seconds or an HTTP date. A delay too long for an int64 (more digits than
// fit) is a very long delay, so it is the cap, not a header to ignore.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
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
