package tvauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	now := time.Now()
	resp := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	tests := []struct {
		name     string
		resp     *http.Response
		attempt  int
		min, max time.Duration
		lo, hi   time.Duration
	}{
		{"first wait", nil, 0, 200 * time.Millisecond, 5 * time.Second, 200 * time.Millisecond, 300 * time.Millisecond},
		{"exponential", resp(500, ""), 3, 200 * time.Millisecond, 5 * time.Second, 1600 * time.Millisecond, 2400 * time.Millisecond},
		{"capped", resp(500, ""), 10, 200 * time.Millisecond, 5 * time.Second, 5 * time.Second, 5 * time.Second},
		{"huge attempt", resp(500, ""), 200, time.Millisecond, time.Second, time.Second, time.Second},
		{"retry-after seconds", resp(429, "3"), 0, 200 * time.Millisecond, 5 * time.Second, 3 * time.Second, 3 * time.Second},
		{"retry-after capped", resp(429, "3600"), 0, 200 * time.Millisecond, 5 * time.Second, 5 * time.Second, 5 * time.Second},
		{"retry-after on 503", resp(503, "2"), 0, 200 * time.Millisecond, 5 * time.Second, 2 * time.Second, 2 * time.Second},
		{"retry-after zero", resp(429, "0"), 2, 200 * time.Millisecond, 5 * time.Second, 0, 0},
		{"retry-after date", resp(429, now.Add(4*time.Second).UTC().Format(http.TimeFormat)), 0, 200 * time.Millisecond, 10 * time.Second, 2 * time.Second, 4 * time.Second},
		{"retry-after past date", resp(429, now.Add(-time.Hour).UTC().Format(http.TimeFormat)), 0, 200 * time.Millisecond, 10 * time.Second, 0, 0},
		{"retry-after garbage", resp(429, "soon"), 0, 200 * time.Millisecond, 5 * time.Second, 200 * time.Millisecond, 300 * time.Millisecond},
		{"retry-after ignored on 500", resp(500, "3"), 0, 200 * time.Millisecond, 5 * time.Second, 200 * time.Millisecond, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 50 {
				d := backoff(tt.min, tt.max, tt.attempt, tt.resp, 0)
				if d < tt.lo || d > tt.hi {
					t.Fatalf("backoff = %v, want in [%v, %v]", d, tt.lo, tt.hi)
				}
			}
		})
	}
}

func TestThrottleFloorOn429(t *testing.T) {
	t.Parallel()
	resp := &http.Response{StatusCode: 429, Header: http.Header{}}
	if d := backoff(time.Millisecond, 5*time.Second, 0, resp, time.Second); d != time.Second {
		t.Errorf("429 without Retry-After waited %v, want the 1s floor", d)
	}
	if d := backoff(time.Millisecond, 300*time.Millisecond, 0, resp, time.Second); d != 300*time.Millisecond {
		t.Errorf("floor not capped by MaxWait: %v", d)
	}
	resp.Header.Set("Retry-After", "0")
	if d := backoff(time.Millisecond, 5*time.Second, 0, resp, time.Second); d != 0 {
		t.Errorf("Retry-After: 0 gave %v, want 0: the server's word beats the floor", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 12 ", 12 * time.Second, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"99999999999", 24 * time.Hour, true},
		{"9223372036854775807", 24 * time.Hour, true}, // MaxInt64 seconds
		{"9223372036854775808", 24 * time.Hour, true}, // one past: overflows, still the cap
		{"99999999999999999999999999999999999999", 24 * time.Hour, true}, // more digits than fit
		{" 99999999999999999999999 ", 24 * time.Hour, true},
		{"-99999999999999999999999", 0, false}, // negative stays invalid however long
		{"+30", 30 * time.Second, true},
		{"86400", 24 * time.Hour, true},
		{"86401", 24 * time.Hour, true},
		{"Sun, 22 Nov 2026 06:00:30 GMT", 30 * time.Second, true},
		{"Sun, 22 Nov 2026 05:00:00 GMT", 0, true},
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// An overflowing Retry-After is the longest wait the policy allows, not a header to ignore (which
// would retry at once, against the server's explicit ask).
func TestBackoffOverflowingRetryAfter(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		for _, v := range []string{"99999999999999999999999999", "9223372036854775808", "86401"} {
			resp := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {v}}}
			if d := backoff(time.Millisecond, 3*time.Second, 0, resp, 0); d != 3*time.Second {
				t.Errorf("HTTP %d Retry-After %s: backoff = %v, want MaxWait 3s", status, v, d)
			}
		}
	}
}

// Which transport errors are retried, counted on the wire (every round trip the transport saw): a
// network error on an idempotent call, a failed dial on any call, nothing else. An error that is no
// network error (a mock's "no responder", a refused certificate) would fail the same way again.
func TestRetryOnTransportErrors(t *testing.T) {
	t.Parallel()
	const retries = 2
	tests := []struct {
		name              string
		err               error
		wantGET, wantPOST int
	}{
		{"connection reset (net.OpError)", errConnReset, 1 + retries, 1},
		{"bare ECONNRESET", syscall.ECONNRESET, 1 + retries, 1},
		{"EPIPE", os.NewSyscallError("write", syscall.EPIPE), 1 + retries, 1},
		{"reply cut short", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), 1 + retries, 1},
		{"closed before a reply", fmt.Errorf("net/http: HTTP/1.x transport connection broken: %w", io.EOF), 1 + retries, 1},
		{"timeout", &attemptTimeoutError{"timeout"}, 1 + retries, 1},
		{"refused dial", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, 1 + retries, 1 + retries},
		{"mock without a responder", errors.New(`no responder found for GET https://pass.test/x`), 1, 1},
		{"unknown certificate authority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, 1, 1},
		{"TLS alert from the server", &net.OpError{Op: "remote error", Err: tls.AlertError(40)}, 1, 1},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				t.Parallel()
				var n atomic.Int32
				rt := rtFunc(func(*http.Request) (*http.Response, error) { n.Add(1); return nil, tt.err })
				c := newTestClient(t, WithPassURL("https://pass.test"), WithHTTPClient(&http.Client{Transport: rt}),
					WithRetry(RetryPolicy{MaxRetries: retries, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
				cl := rawCall(svcPass, method, "/x")
				_, err := c.do(context.Background(), cl)
				var re *RequestError
				if !errors.As(err, &re) {
					t.Fatalf("err = %v, want *RequestError", err)
				}
				want := tt.wantGET
				if method == http.MethodPost {
					want = tt.wantPOST
				}
				if got := int(n.Load()); got != want {
					t.Errorf("%d round trips, want %d: %v", got, want, err)
				}
			})
		}
	}
}

// The retry reasons besides the policy's, on the wire: a Pass bearer that the client's own token
// source fetched is fetched anew once after a 401 (dropping only the rejected token), and a WebAPI
// 400/1015 is resent once (webapi_test.go). Neither waits a backoff nor draws on MaxRetries: the
// waits here are an hour, so a backoff slept would hang the call, and the budget is whole after it.
func TestPassTokenRefetchOnTheWire(t *testing.T) {
	t.Parallel()
	hour := RetryPolicy{MaxRetries: 0, MinWait: time.Hour, MaxWait: time.Hour}
	tests := []struct {
		name     string
		own      bool  // the client's own token source (else a caller's)
		statuses []int // the server's answers in order, the last repeating
		policy   RetryPolicy
		wantReqs int
		wantOK   bool
		wantToks string // the bearers the server saw
	}{
		{"own token rejected: one refetch", true, []int{401, 200}, hour, 2, true, "tok-1 tok-2"},
		{"refetched token rejected too: returned", true, []int{401}, hour, 2, false, "tok-1 tok-2"},
		{"caller's token source: no refetch", false, []int{401, 200}, hour, 1, false, "static"},
		{"budget whole after a refetch", true, []int{401, 503, 503, 200},
			RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond}, 4, true, "tok-1 tok-2 tok-2 tok-2"},
		{"refetch after the policy's retries", true, []int{503, 401, 200},
			RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}, 3, true, "tok-1 tok-1 tok-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var seen []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
				status := tt.statuses[min(len(seen), len(tt.statuses))-1]
				mu.Unlock()
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"status":%d,"code":"c%d","message":"m"}`, status, status)
			}))
			t.Cleanup(srv.Close)
			var fetches atomic.Int32
			var ts oauth2.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "static"})
			if tt.own {
				ts = newTokenCache(time.Minute, func(context.Context, *oauth2.Token) (*oauth2.Token, error) {
					return &oauth2.Token{AccessToken: fmt.Sprintf("tok-%d", fetches.Add(1)), Expiry: time.Now().Add(time.Hour)}, nil
				})
			}
			c := newTestClient(t, WithPassURL(srv.URL), WithPassTokenSource(ts), WithRetry(tt.policy))
			cl := rawCall(svcPass, http.MethodGet, "/p")
			cl.auth = authPassBearer
			err := callWithin(t, func() error { _, err := c.do(context.Background(), cl); return err })
			mu.Lock()
			got := strings.Join(seen, " ")
			mu.Unlock()
			if len(seen) != tt.wantReqs || got != tt.wantToks {
				t.Errorf("server saw %d requests with bearers %q, want %d with %q", len(seen), got, tt.wantReqs, tt.wantToks)
			}
			if tt.wantOK != (err == nil) || (err != nil && !errors.Is(err, ErrUnauthorized)) {
				t.Errorf("err = %v, want success %v (else ErrUnauthorized)", err, tt.wantOK)
			}
		})
	}
}

// A refetch drops only the token the server rejected: a newer one, fetched by another call in the
// meantime, stays and is the one the retry carries.
func TestPassRefetchDropsOnlyTheRejectedToken(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	tc := newTokenCache(time.Minute, func(context.Context, *oauth2.Token) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: fmt.Sprintf("tok-%d", fetches.Add(1)), Expiry: time.Now().Add(time.Hour)}, nil
	})
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		mu.Lock()
		seen = append(seen, tok)
		mu.Unlock()
		if tok == "tok-1" {
			tc.invalidate("tok-1") // another call was rejected with it and refetched first
			if _, err := tc.tokenContext(r.Context()); err != nil {
				t.Error(err)
			}
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, WithPassURL(srv.URL), WithPassTokenSource(tc))
	cl := rawCall(svcPass, http.MethodGet, "/p")
	cl.auth = authPassBearer
	if _, err := c.do(context.Background(), cl); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(seen, " "); got != "tok-1 tok-2" || fetches.Load() != 2 {
		t.Errorf("server saw %q after %d fetches, want \"tok-1 tok-2\" after 2: the retry dropped tok-2", got, fetches.Load())
	}
}
