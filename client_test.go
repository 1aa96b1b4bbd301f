package tvauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

// decodeJSON returns a decoder that unmarshals an answer's body into v.
func decodeJSON(v any) func(*response) error {
	return func(r *response) error { return json.Unmarshal(trimBOM(r.Body), v) }
}

// rawCall is a minimal call for pipeline tests: the endpoints proper are tested beside their files. It
// carries its family's error decoder, as the family's endpoint methods set it.
func rawCall(svc serviceID, method, path string) *call {
	decodeError := [numServices]func(*response) error{
		svcPass: decodePassError, svcClientless: decodeClientlessError, svcWebAPI: decodeWebAPIError, svcAGS: decodeAGSError,
	}[svc]
	return &call{service: svc, method: method, path: path, decodeError: decodeError}
}

// countingServer answers every request with the statuses in order (the last one repeats) and counts.
func countingServer(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		i := int(n.Add(1)) - 1
		st := statuses[min(i, len(statuses)-1)]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		fmt.Fprintf(w, `{"status":%d,"code":"c%d","message":"attempt %d"}`, st, st, i+1)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func newTestClient(t *testing.T, opts ...Option) *Client {
	t.Helper()
	c, err := New(append([]Option{WithRetry(fastRetry), WithDevice(testDevice),
		WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "test-token"}))}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestRetryCountsPerMethodAndStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method   string
		statuses []int
		want     int // attempts
		status   int // final HTTP status in the error
	}{
		{"GET", []int{500}, 4, 500},
		{"GET", []int{502, 200}, 2, 200},
		{"GET", []int{503}, 4, 503},
		{"GET", []int{504, 504, 200}, 3, 200},
		{"GET", []int{501}, 1, 501},
		{"GET", []int{429}, 4, 429},
		{"GET", []int{404}, 1, 404},
		{"GET", []int{400}, 1, 400},
		{"DELETE", []int{500, 200}, 2, 200},
		{"POST", []int{500}, 1, 500},
		{"POST", []int{502}, 1, 502},
		{"POST", []int{504}, 1, 504},
		{"POST", []int{503}, 4, 503},
		{"POST", []int{503, 201}, 2, 201},
		{"POST", []int{429, 429, 200}, 3, 200},
		{"POST", []int{501}, 1, 501},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.method, tt.statuses), func(t *testing.T) {
			t.Parallel()
			srv, n := countingServer(t, tt.statuses...)
			c := newTestClient(t, WithPassURL(srv.URL))
			cl := rawCall(svcPass, tt.method, "/x")
			if tt.method == "POST" {
				cl.body = []byte("a=1")
				cl.header = formHeader()
			}
			resp, err := c.do(context.Background(), cl)
			if got := int(n.Load()); got != tt.want {
				t.Errorf("attempts = %d, want %d", got, tt.want)
			}
			if tt.status < 300 {
				if err != nil || resp.StatusCode != tt.status {
					t.Fatalf("got %v, %v; want status %d", resp, err, tt.status)
				}
				return
			}
			var pe *PassError
			if !errors.As(err, &pe) || pe.HTTPStatus != tt.status || pe.Code != fmt.Sprintf("c%d", tt.status) {
				t.Fatalf("err = %#v, want *PassError with HTTP %d", err, tt.status)
			}
		})
	}
}

// The retry decisions on mocked transports: httpmock sequences, with the body replayed on a POST retry.
func TestRetryWithHTTPMock(t *testing.T) {
	t.Parallel()
	mock := httpmock.NewMockTransport()
	mock.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	var bodies []string
	var mu sync.Mutex
	mock.RegisterResponder("POST", "https://pass.test/o/client/token",
		func(r *http.Request) (*http.Response, error) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies = append(bodies, string(b))
			n := len(bodies)
			mu.Unlock()
			if n < 3 {
				return httpmock.NewStringResponse(503, "busy"), nil
			}
			return httpmock.NewStringResponse(201, `{"access_token":"x"}`), nil
		})
	var flaky atomic.Int32
	mock.RegisterResponder("GET", "https://pass.test/flaky", func(r *http.Request) (*http.Response, error) {
		if flaky.Add(1) <= 2 {
			return nil, errConnReset
		}
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	mock.RegisterResponder("POST", "https://pass.test/reset",
		httpmock.NewErrorResponder(errConnReset))

	c := newTestClient(t, WithPassURL("https://pass.test"), WithHTTPClient(&http.Client{Transport: mock}))
	ctx := context.Background()

	cl := rawCall(svcPass, "POST", "/o/client/token")
	cl.body = []byte("client_id=a&grant_type=client_credentials")
	cl.header = formHeader()
	if _, err := c.do(ctx, cl); err != nil {
		t.Fatalf("POST after 503s: %v", err)
	}
	if len(bodies) != 3 || bodies[0] != bodies[2] || bodies[2] != "client_id=a&grant_type=client_credentials" {
		t.Errorf("POST bodies = %q, want the same body three times", bodies)
	}

	if _, err := c.do(ctx, rawCall(svcPass, "GET", "/flaky")); err != nil {
		t.Fatalf("GET after two transport errors: %v", err)
	}
	// A POST whose connection broke may have reached the server: no retry.
	_, err := c.do(ctx, rawCall(svcPass, "POST", "/reset"))
	var re *RequestError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want *RequestError", err)
	}
	info := mock.GetCallCountInfo()
	if info["GET https://pass.test/flaky"] != 3 || info["POST https://pass.test/reset"] != 1 {
		t.Errorf("call counts = %v", info)
	}
}

// errConnReset is what a transport returns when the server resets the connection.
var errConnReset = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}

// countingTransport counts round trips, including those that never reach a server.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

func TestPOSTRetriedOnlyWhenNothingReachedServer(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: the dial is refused, so a POST is safe to retry.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ct := &countingTransport{base: http.DefaultTransport.(*http.Transport).Clone()}
	c := newTestClient(t, WithPassURL("http://"+addr), WithHTTPClient(&http.Client{Transport: ct}))
	cl := rawCall(svcPass, "POST", "/o/client/register")
	cl.body = []byte(`{}`)
	_, err = c.do(context.Background(), cl)
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("err = %v, want a dial error", err)
	}
	if got := ct.n.Load(); got != 4 {
		t.Errorf("attempts on refused dial = %d, want 4", got)
	}

	// A server that accepts and then drops the connection may have acted: a POST is not retried, a GET is.
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	c = newTestClient(t, WithPassURL(srv.URL))
	if _, err := c.do(context.Background(), &call{service: svcPass, method: "POST", path: "/p", body: []byte("x")}); err == nil {
		t.Fatal("POST to a dropping server succeeded")
	}
	if got := hits.Load(); got != 1 {
		t.Errorf("POST attempts = %d, want 1", got)
	}
	hits.Store(0)
	if _, err := c.do(context.Background(), rawCall(svcPass, "GET", "/g")); err == nil {
		t.Fatal("GET to a dropping server succeeded")
	}
	if got := hits.Load(); got != 4 {
		t.Errorf("GET attempts = %d, want 4", got)
	}
}

func TestRetryAfterHonouredAndCappedOnTheWire(t *testing.T) {
	t.Parallel()
	var times []time.Time
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		n := len(times)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "3600") // an hour: must be capped at MaxWait
			w.WriteHeader(429)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := newTestClient(t, WithPassURL(srv.URL), WithRetry(RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: 150 * time.Millisecond}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.do(ctx, rawCall(svcPass, "GET", "/")); err != nil {
		t.Fatalf("do: %v", err)
	}
	if len(times) != 2 {
		t.Fatalf("attempts = %d, want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < 150*time.Millisecond {
		t.Errorf("retried after %v: Retry-After (capped to MaxWait 150ms) not honoured", gap)
	}
}

func TestContextCancellation(t *testing.T) {
	t.Parallel()
	t.Run("during request", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		c := newTestClient(t, WithPassURL(srv.URL))
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := c.do(ctx, rawCall(svcPass, "GET", "/slow"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("during backoff", func(t *testing.T) {
		t.Parallel()
		srv, n := countingServer(t, 503)
		c := newTestClient(t, WithPassURL(srv.URL), WithRetry(RetryPolicy{MaxRetries: 5, MinWait: time.Hour, MaxWait: time.Hour}))
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		done := make(chan error, 1)
		go func() { _, err := c.do(ctx, rawCall(svcPass, "GET", "/")); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("backoff wait did not end with the context")
		}
		if n.Load() != 1 {
			t.Errorf("attempts = %d, want 1", n.Load())
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		srv, n := countingServer(t, 200)
		c := newTestClient(t, WithPassURL(srv.URL))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.do(ctx, rawCall(svcPass, "GET", "/"))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if n.Load() != 0 {
			t.Errorf("a cancelled context still sent %d requests", n.Load())
		}
	})
}

func TestBodyCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		size     int
		declared int64 // Content-Length: -1 none (chunked), else what the reply says, true or not
		wantErr  bool
	}{
		{maxBodyBytes, -1, false},
		{maxBodyBytes + 1, -1, true},
		{16 << 20, -1, true},
		{maxBodyBytes, maxBodyBytes, false},
		{16 << 20, 16 << 20, true},
		// A transport of the caller's may declare less than it sends; the cap holds all the same.
		{100, 10, false},
		{maxBodyBytes + 1, 10, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/declared=%d", tt.size, tt.declared), func(t *testing.T) {
			t.Parallel()
			srv, n := sizedServer(t, tt.size)
			opts := []Option{WithPassURL(srv.URL)}
			if tt.declared >= 0 {
				declaring := rtFunc(func(r *http.Request) (*http.Response, error) {
					n.Add(1)
					return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Request: r,
						ContentLength: tt.declared, Body: io.NopCloser(bytes.NewReader(make([]byte, tt.size)))}, nil
				})
				opts = append(opts, WithHTTPClient(&http.Client{Transport: declaring}))
			}
			c := newTestClient(t, opts...)
			resp, err := c.do(context.Background(), rawCall(svcPass, "GET", "/big"))
			if tt.wantErr {
				if !errors.Is(err, ErrResponseTooLarge) {
					t.Fatalf("err = %v, want ErrResponseTooLarge", err)
				}
				if n.Load() != 1 {
					t.Errorf("an oversized body was fetched %d times, want 1 (no retry)", n.Load())
				}
				return
			}
			if err != nil || len(resp.Body) != tt.size {
				t.Fatalf("err = %v, body %d bytes", err, len(resp.Body))
			}
		})
	}
}

func sizedServer(t *testing.T, size int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for left := size; left > 0; left -= len(chunk) {
			if _, err := w.Write(chunk[:min(left, len(chunk))]); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestTruncatedBodyRetriedWhenIdempotent(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte(`{"trunc`)) // the server then closes: unexpected EOF
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer srv.Close()
	c := newTestClient(t, WithPassURL(srv.URL))
	var v struct{ OK bool }
	cl := rawCall(svcPass, "GET", "/")
	cl.decode = decodeJSON(&v)
	if _, err := c.do(context.Background(), cl); err != nil || !v.OK {
		t.Fatalf("err = %v, v = %+v", err, v)
	}
	if n.Load() != 2 {
		t.Errorf("attempts = %d, want 2", n.Load())
	}
}

func TestNoRedirectFollowed(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		t.Error("redirect was followed")
	})
	_, err := c.do(context.Background(), rawCall(svcPass, "GET", "/start"))
	var pe *PassError
	if !errors.As(err, &pe) || pe.HTTPStatus != http.StatusFound {
		t.Fatalf("err = %v, want *PassError with HTTP 302", err)
	}

	// An endpoint that expects the 302 reads Location itself.
	cl := rawCall(svcPass, "GET", "/start")
	cl.answers = []int{http.StatusFound}
	resp, err := c.do(context.Background(), cl)
	if err != nil || resp.Header.Get("Location") != "/elsewhere" {
		t.Fatalf("resp = %v, err = %v", resp, err)
	}
}

func TestConnectionReuse(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	remotes := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		remotes[r.RemoteAddr]++
		mu.Unlock()
		fmt.Fprint(w, `{"a":"`+strings.Repeat("b", 10000)+`"}`)
	}))
	defer srv.Close()
	c := newTestClient(t, WithPassURL(srv.URL)) // the SDK's own pooled transport
	for i := range 100 {
		var v map[string]string
		cl := rawCall(svcPass, "GET", "/r")
		cl.decode = decodeJSON(&v)
		if _, err := c.do(context.Background(), cl); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// Error replies are drained too.
	for range 10 {
		_, _ = c.do(context.Background(), rawCall(svcPass, "GET", "/r?x"))
	}
	if len(remotes) != 1 {
		t.Errorf("100 sequential calls used %d connections, want 1", len(remotes))
	}
}

func TestConnectionReuseAfterErrorReplies(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	remotes := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		remotes[r.RemoteAddr]++
		mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"code":"invalid_parameter_mvpd","message":"`+strings.Repeat("m", 20000)+`"}`)
	}))
	defer srv.Close()
	c := newTestClient(t, WithPassURL(srv.URL))
	for range 50 {
		if _, err := c.do(context.Background(), rawCall(svcPass, "GET", "/e")); err == nil {
			t.Fatal("want an error")
		}
	}
	if len(remotes) != 1 {
		t.Errorf("50 sequential 400s used %d connections, want 1", len(remotes))
	}
}

// logBuffer collects slog output for redaction assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func debugLogger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestRedactionInLogsAndErrors(t *testing.T) {
	t.Parallel()
	names := []string{"a", "pwd", "sig_sha256", "client_secret", "access_token", "refresh_token",
		"software_statement", "password", "id_token", "token", "SAMLResponse", "session_key"}
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// Not built from name: any 12 characters of a secret are scrubbed, the parameter name too.
			secret := fmt.Sprintf("S3cr3t-%02d-v/al+ue=", i)
			var logs logBuffer
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				w.WriteHeader(http.StatusBadRequest)
				// A server that echoes what it got, raw and encoded, in every field.
				echo := r.Form.Get(name) + " " + r.URL.RawQuery
				fmt.Fprintf(w, `{"code":%q,"message":%q,"details":%q,"trace":%q}`, echo, echo, echo, r.Header.Get("Authorization"))
			}))
			defer srv.Close()
			c := newTestClient(t, WithPassURL(srv.URL), WithLogger(debugLogger(&logs)))
			cl := rawCall(svcPass, "GET", "/x")
			cl.query = pairs{{"mvpd", "Cablevision"}, {name, secret}}.encode()
			cl.secrets = []string{secret}
			cl.auth = authPassBearer
			_, err := c.do(context.Background(), cl)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, leak := range []string{secret, percentEncode(secret), "test-token"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error leaks %q: %v", leak, err)
				}
				if strings.Contains(logs.String(), leak) {
					t.Errorf("log leaks %q: %s", leak, logs.String())
				}
			}
			if !strings.Contains(logs.String(), name+"="+redacted) || !strings.Contains(logs.String(), "mvpd=Cablevision") {
				t.Errorf("log line does not show the redacted URL: %s", logs.String())
			}
		})
	}
}

func TestRedactionOfSecretHeaders(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"Authorization", "User-Token", "Adobe-Subject-Token", "AD-Service-Token"} {
		t.Run(h, func(t *testing.T) {
			t.Parallel()
			secret := "hdr-secret-" + h
			var logs logBuffer
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprintf(w, `{"code":"x","message":"you sent %s"}`, r.Header.Get(h))
			}))
			defer srv.Close()
			c := newTestClient(t, WithAGSURL(srv.URL), WithLogger(debugLogger(&logs)))
			cl := rawCall(svcAGS, "POST", "/signOut")
			value := secret
			if h == "Authorization" {
				value = "Bearer " + secret
			}
			cl.header = http.Header{h: {value}}
			_, err := c.do(context.Background(), cl)
			var ae *AGSError
			if !errors.As(err, &ae) || ae.HTTPStatus != 403 {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(ae.Message, secret) || strings.Contains(logs.String(), secret) {
				t.Errorf("secret leaked: err=%v logs=%s", err, logs.String())
			}
		})
	}
}

func TestRedactionOfTransportErrors(t *testing.T) {
	t.Parallel()
	mock := httpmock.NewMockTransport()
	mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) { // a network error: retried
		return nil, &net.OpError{Op: "proxyconnect", Net: "tcp", Err: fmt.Errorf("proxy refused %s", r.URL)}
	})
	var logs logBuffer
	c := newTestClient(t, WithWebAPIURL("https://webapi.test"), WithHTTPClient(&http.Client{Transport: mock}),
		WithLogger(debugLogger(&logs)), WithRetry(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
	cl := rawCall(svcWebAPI, "GET", "/auth/logout")
	cl.query = pairs{{"a", "tok/en+1"}, {"f", "json"}, {"sig_sha256", "c2lnbmF0dXJl+/=="}}.encode()
	cl.secrets = []string{"tok/en+1", "c2lnbmF0dXJl+/=="}
	_, err := c.do(context.Background(), cl)
	var re *RequestError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want *RequestError", err)
	}
	for _, leak := range []string{"tok", "c2lnbmF0dXJl"} {
		if strings.Contains(err.Error(), leak) || strings.Contains(logs.String(), leak) {
			t.Errorf("%q leaked: err=%v logs=%s", leak, err, logs.String())
		}
	}
	if want := "https://webapi.test/auth/logout?a=REDACTED&f=json&sig_sha256=REDACTED"; re.URL != want {
		t.Errorf("URL = %q, want %q", re.URL, want)
	}
	if n := strings.Count(logs.String(), "tvauth: http attempt"); n != 2 {
		t.Errorf("%d log lines, want one per attempt (2)", n)
	}
}

func TestDecodeErrorOnHTMLAnswer(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Service Unavailable</body></html>")
	})
	var v struct{ A string }
	cl := rawCall(svcPass, "GET", "/html")
	cl.decode = decodeJSON(&v)
	_, err := c.do(context.Background(), cl)
	var de *DecodeError
	if !errors.As(err, &de) || de.HTTPStatus != 200 || de.ContentType != "text/html" || de.Service != "adobe pass" {
		t.Fatalf("err = %#v, want *DecodeError", err)
	}
}

// The Pass bearer is fetched per attempt, and a 401 makes the call fetch a new token once.
func TestPassBearerRefetchOn401(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	ts := newTokenCache(time.Minute, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		n := fetches.Add(1)
		return &oauth2.Token{AccessToken: fmt.Sprintf("tok-%d", n), Expiry: time.Now().Add(time.Hour)}, nil
	})
	tests := []struct {
		name        string
		okAfter     int // the server accepts tok-N for N >= okAfter
		wantErr     bool
		wantFetches int32
	}{
		{"first token good", 1, false, 1},
		{"refetch once", 2, false, 2},
		{"second 401 returned", 99, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fetches.Store(0)
			ts.invalidate("")
			c, mux, _ := setup(t, WithPassTokenSource(ts))
			mux.HandleFunc("/api/v2/REF/profiles", func(w http.ResponseWriter, r *http.Request) {
				var n int
				fmt.Sscanf(r.Header.Get("Authorization"), "Bearer tok-%d", &n)
				if n < tt.okAfter {
					w.WriteHeader(401)
					fmt.Fprint(w, `{"action":"application-registration","status":401,"code":"invalid_access_token_client_application","message":"bad token"}`)
					return
				}
				fmt.Fprint(w, `{"profiles":{}}`)
			})
			cl := rawCall(svcPass, "GET", "/api/v2/REF/profiles")
			cl.auth = authPassBearer
			_, err := c.do(context.Background(), cl)
			if got := fetches.Load(); got != tt.wantFetches {
				t.Errorf("fetches = %d, want %d", got, tt.wantFetches)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var pe *PassError
			if !errors.As(err, &pe) || !errors.Is(err, ErrUnauthorized) || pe.Action != "application-registration" {
				t.Fatalf("err = %v, want *PassError matching ErrUnauthorized", err)
			}
		})
	}
}

func TestTokenFetchFailureIsReturnedTyped(t *testing.T) {
	t.Parallel()
	ts := newTokenCache(time.Minute, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		return nil, &PassError{HTTPStatus: 400, Code: "invalid_client"}
	})
	c, mux, _ := setup(t, WithPassTokenSource(ts))
	mux.HandleFunc("/p", func(w http.ResponseWriter, r *http.Request) { t.Error("request sent without a token") })
	cl := rawCall(svcPass, "GET", "/p")
	cl.auth = authPassBearer
	_, err := c.do(context.Background(), cl)
	var pe *PassError
	if !errors.As(err, &pe) || pe.Code != "invalid_client" || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/c", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"n":1}`) })
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var v struct{ N int }
			cl := rawCall(svcPass, "GET", "/c")
			cl.decode = decodeJSON(&v)
			if _, err := c.do(context.Background(), cl); err != nil || v.N != 1 {
				t.Errorf("err = %v, v = %+v", err, v)
			}
		}()
	}
	wg.Wait()
}

func TestPathfEscapesSegmentsOnce(t *testing.T) {
	t.Parallel()
	got := pathf("/api/v2/{serviceProvider}/logout/{mvpd}", "REF 30/x", "Cable%vision?").path
	if want := "/api/v2/REF%2030%2Fx/logout/Cable%25vision%3F"; got != want {
		t.Errorf("pathf = %q, want %q", got, want)
	}
	if r := pathf("/reggie/v1/{requestor}/regcode", "REF", "extra"); r.path != "/reggie/v1/REF/regcode" || r.template != "/reggie/v1/{requestor}/regcode" {
		t.Errorf("pathf with a segment too many = %+v, want it dropped, not a panic", r)
	}
	if r := pathf("/signOn"); r.path != "/signOn" || r.template != "/signOn" {
		t.Errorf("pathf without ids = %+v", r)
	}
	c, mux, srvURL := setup(t)
	_ = srvURL
	mux.HandleFunc("/api/v2/{sp}/logout/{mvpd}", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != "/api/v2/REF%2030%2Fx/logout/Cable%25vision%3F" {
			t.Errorf("path on the wire = %s", r.URL.EscapedPath())
		}
		if r.PathValue("sp") != "REF 30/x" || r.PathValue("mvpd") != "Cable%vision?" {
			t.Errorf("segments = %q, %q", r.PathValue("sp"), r.PathValue("mvpd"))
		}
	})
	if _, err := c.do(context.Background(), rawCall(svcPass, "GET", got)); err != nil {
		t.Fatal(err)
	}
}

func TestQueryOrderKept(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	want := "reg_code=AB12&requestor_id=REF&redirect_url=https%3A%2F%2Fx.example%2Fa%3Fb%3D1%26c%3Dd%20e"
	mux.HandleFunc("/q", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != want {
			t.Errorf("raw query = %q, want %q", r.URL.RawQuery, want)
		}
	})
	cl := rawCall(svcClientless, "GET", "/q")
	cl.query = pairs{{"reg_code", "AB12"}, {"requestor_id", "REF"}, {"redirect_url", "https://x.example/a?b=1&c=d e"}}.encode()
	if _, err := c.do(context.Background(), cl); err != nil {
		t.Fatal(err)
	}
}

// A failure without an AGS error body still names the correlation id the call sent, and a decoder's
// error text is scrubbed of the call's secrets.
func TestCorrelationIDAndScrubOnEveryFailure(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/ags/html", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>maintenance</html>") })
	mux.HandleFunc("/ags/slow", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/ags/echo", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"v":"pw-123456"}`) })
	cid := "3f1c0ad2-6f2e-4a55-9a43-6d0f3b1f2b11"
	ags := func(path string) *call {
		return &call{service: svcAGS, method: "GET", path: path, header: http.Header{"X-Correlation-Id": {cid}}, secrets: []string{"pw-123456"}}
	}

	cl := ags("/html")
	var v map[string]any
	cl.decode = decodeJSON(&v)
	_, err := c.do(context.Background(), cl)
	var de *DecodeError
	if !errors.As(err, &de) || de.CorrelationID != cid || !strings.Contains(err.Error(), cid) {
		t.Errorf("decode failure: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = c.do(ctx, ags("/slow"))
	var re *RequestError
	if !errors.As(err, &re) || re.CorrelationID != cid || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v", err)
	}

	cl = ags("/echo")
	cl.decode = func(r *response) error {
		var w struct{ V string }
		_ = json.Unmarshal(r.Body, &w)
		return fmt.Errorf("unexpected value %q", w.V) // a decoder quoting the server, secret included
	}
	_, err = c.do(context.Background(), cl)
	if !errors.As(err, &de) || strings.Contains(err.Error(), "pw-123456") {
		t.Errorf("decoder error leaks the secret: %v", err)
	}
}

// stallingTokenSource is a caller's oauth2.TokenSource (oauth2.ReuseTokenSource over a slow IdP, say):
// its Token() blocks until release is closed.
type stallingTokenSource struct{ release chan struct{} }

func (s stallingTokenSource) Token() (*oauth2.Token, error) {
	<-s.release
	return &oauth2.Token{AccessToken: "late-token", TokenType: "Bearer"}, nil
}

// "Every wait ends when the context does": with a token source of the caller's own (not the SDK's
// tokenContexter), authorising an attempt would call Token() inline and the call would wait for it however long it
// takes, past the context's deadline, and even when the context was cancelled before the call.
func TestForeignTokenSourceHonoursContext(t *testing.T) {
	release := make(chan struct{})
	var calls sync.WaitGroup
	c, mux, _ := setup(t, WithPassTokenSource(stallingTokenSource{release}))
	t.Cleanup(func() { close(release); calls.Wait() }) // before the server closes: no call outlives the test
	mux.HandleFunc("GET /api/v2/REF30/configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"REF30","mvpds":[]}`)
	})
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"deadline 100ms", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}},
		{"cancelled before the call", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			done := make(chan error, 1)
			calls.Add(1)
			go func() { defer calls.Done(); _, err := c.Pass.Configuration(ctx, "REF30"); done <- err }()
			select {
			case err := <-done:
				if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want the context's error", err)
				}
			case <-time.After(100*time.Millisecond + hangGuard): // the stalled Token() never returns on its own
				t.Errorf("the call was still waiting for Token() %v after its context ended", hangGuard)
			}
		})
	}
}

// countingStallSource is a caller's token source over a hung IdP: Token blocks until release is
// closed, and inFlight counts the Token calls waiting.
type countingStallSource struct {
	release  chan struct{}
	inFlight *atomic.Int32
}

func (s countingStallSource) Token() (*oauth2.Token, error) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	<-s.release
	return &oauth2.Token{AccessToken: "late-token", TokenType: "Bearer"}, nil
}

// A goroutine per call for a caller's token source (callerTokenSource, client.go) would be left
// behind when the call's context ends. While the source hangs (an IdP that never answers, a
// ReuseTokenSource queueing every caller behind the hung one), every call that gives up leaves one
// more goroutine: an app retrying each second grows by 3600 goroutines an hour, each holding its
// stack until the IdP answers. The calls have all returned here; one fetch in flight (waiters
// sharing it, as tokenCache does for the SDK's own sources) would be enough.
func TestForeignTokenSourceGoroutinesBounded(t *testing.T) {
	release := make(chan struct{})
	var inFlight atomic.Int32
	c, mux, _ := setup(t, WithPassTokenSource(countingStallSource{release, &inFlight}))
	var calls sync.WaitGroup
	t.Cleanup(func() { close(release); calls.Wait() })
	mux.HandleFunc("GET /api/v2/REF30/configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"REF30","mvpds":[]}`)
	})
	const n = 20
	for range n {
		calls.Add(1)
		func() {
			defer calls.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			defer cancel()
			if _, err := c.Pass.Configuration(ctx, "REF30"); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want the deadline", err)
			}
		}()
	}
	deadline := time.Now().Add(2 * time.Second)
	for inFlight.Load() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := inFlight.Load(); got > 1 {
		t.Errorf("%d calls returned, and %d goroutines still wait in the caller's Token(): one per abandoned call", n, got)
	}
}

type panickingTokenSource struct{}

func (panickingTokenSource) Token() (*oauth2.Token, error) { panic("identity provider bug") }

// A panic in a caller's Token, run in a goroutine because the call's context can end, reaches the
// call that waited for it rather than killing the process.
func TestForeignTokenSourcePanicReachesTheCaller(t *testing.T) {
	c, _, _ := setup(t, WithPassTokenSource(panickingTokenSource{}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	defer func() {
		if v := recover(); v != "identity provider bug" {
			t.Errorf("recovered %v, want the token source's panic", v)
		}
	}()
	_, _ = c.Pass.Configuration(ctx, "REF30")
	t.Error("the call returned after its token source panicked")
}

type exitingTokenSource struct{}

func (exitingTokenSource) Token() (*oauth2.Token, error) { runtime.Goexit(); return nil, nil }

// A caller's Token that ends its goroutine (t.FailNow in a test's source) is a fetch without a token:
// an error of the call, neither a panic nor a wait for ever.
func TestForeignTokenSourceGoexitIsAnError(t *testing.T) {
	c, _, _ := setup(t, WithPassTokenSource(exitingTokenSource{}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Pass.Configuration(ctx, "REF30")
	if err == nil || !strings.Contains(err.Error(), "no access token") {
		t.Errorf("err = %v, want the token source's missing token", err)
	}
}

// Every pathf call of the package passes one segment per {name} of its template: pathf drops a
// segment too many and leaves a name without one as it is, so a mismatch would send a wrong path.
func TestPathfCallsMatchTheirTemplates(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	for _, f := range pkgs["tvauth"].Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if id, isID := callName(call); !ok || !isID || id != "pathf" || len(call.Args) == 0 {
				return true
			}
			calls++
			var template strings.Builder
			ast.Inspect(call.Args[0], func(n ast.Node) bool { // literals of a concatenation; a variable part holds no name
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					template.WriteString(lit.Value)
				}
				return true
			})
			if names, segments := strings.Count(template.String(), "{"), len(call.Args)-1; names != segments {
				t.Errorf("%s: pathf(%s, …) has %d {names} and %d segments", fset.Position(call.Pos()), template.String(), names, segments)
			}
			return true
		})
	}
	if calls < 15 {
		t.Fatalf("found %d pathf calls; the walk lost them", calls)
	}
}

func callName(call *ast.CallExpr) (string, bool) {
	if call == nil {
		return "", false
	}
	id, ok := call.Fun.(*ast.Ident)
	if !ok {
		return "", false
	}
	return id.Name, true
}
