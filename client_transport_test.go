package tvauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// noRetry makes one attempt per call, so that a timeout test sees exactly one phase time out.
var noRetry = RetryPolicy{MaxRetries: 0, MinWait: time.Millisecond, MaxWait: time.Millisecond}

// hangGuard is how long a call may take before a test calls it hung: far above the short timeouts
// the tests set, far below the defaults the tests would otherwise wait for.
const hangGuard = 5 * time.Second

// callWithin runs f and fails the test if it has not returned within hangGuard.
func callWithin(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(hangGuard):
		t.Fatalf("the call was still running after %v", hangGuard)
		return nil
	}
}

func TestTransportTimeoutDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
		want TransportTimeouts
	}{
		{"defaults (a body in at most 60 s)", nil, TransportTimeouts{DefaultDialTimeout, DefaultTLSHandshakeTimeout, DefaultResponseHeaderTimeout, DefaultResponseBodyTimeout}},
		{"one set, others default", []Option{WithTransportTimeouts(TransportTimeouts{ResponseHeader: 5 * time.Second})},
			TransportTimeouts{DefaultDialTimeout, DefaultTLSHandshakeTimeout, 5 * time.Second, DefaultResponseBodyTimeout}},
		{"all set", []Option{WithTransportTimeouts(TransportTimeouts{Dial: time.Second, TLSHandshake: 2 * time.Second, ResponseHeader: 3 * time.Second, ResponseBody: 4 * time.Second})},
			TransportTimeouts{time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second}},
		{"caller's client without a Transport", []Option{WithHTTPClient(&http.Client{Timeout: time.Second})},
			TransportTimeouts{DefaultDialTimeout, DefaultTLSHandshakeTimeout, DefaultResponseHeaderTimeout, DefaultResponseBodyTimeout}},
	}
	if DefaultResponseBodyTimeout <= 0 || DefaultResponseBodyTimeout > 60*time.Second {
		t.Errorf("DefaultResponseBodyTimeout = %v, want a limit of at most 60 s", DefaultResponseBodyTimeout)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if c.base.timeouts != tt.want {
				t.Errorf("timeouts = %+v, want %+v", c.base.timeouts, tt.want)
			}
			rt, callers := c.base.pick()
			own, ok := rt.(*http.Transport)
			if !ok || own == http.DefaultTransport || callers {
				t.Fatalf("transport = %T (the caller's: %v), want the SDK's own *http.Transport", rt, callers)
			}
			if own.TLSHandshakeTimeout != tt.want.TLSHandshake || own.ResponseHeaderTimeout != tt.want.ResponseHeader ||
				own.MaxIdleConnsPerHost != maxIdleConnsPerHost || own.DialContext == nil {
				t.Errorf("own transport: TLS %v, header %v, idle/host %d, dialer %v", own.TLSHandshakeTimeout,
					own.ResponseHeaderTimeout, own.MaxIdleConnsPerHost, own.DialContext != nil)
			}
			if rt, _ := c.base.pick(); rt != own {
				t.Error("a second attempt got another transport: the pool would not be shared")
			}
		})
	}
	if dt := http.DefaultTransport.(*http.Transport); dt.ResponseHeaderTimeout != 0 || dt.MaxIdleConnsPerHost != 0 {
		t.Error("New modified http.DefaultTransport")
	}

	for _, bad := range []TransportTimeouts{{Dial: -time.Second}, {ResponseBody: -time.Second}} {
		_, err := New(WithTransportTimeouts(bad))
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "WithTransportTimeouts") {
			t.Errorf("%+v: err = %v, want a *ValidationError naming WithTransportTimeouts", bad, err)
		}
	}
}

// A black-holed server must not hold a call made with context.Background(): each phase of an attempt
// is bounded by the SDK transport's own timeouts, for a GET and a POST alike.
func TestTransportTimeoutsEndBlackHoledCalls(t *testing.T) {
	t.Parallel()
	const short = 100 * time.Millisecond

	// Accepts, reads the request, never answers: only ResponseHeader can end the wait.
	release := make(chan struct{})
	var hits atomic.Int32
	silentHTTP := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(silentHTTP.Close)
	t.Cleanup(func() { close(release) })

	// Accepts TCP and never speaks: the TLS handshake never completes.
	silentTLS := silentListener(t)

	tests := []struct {
		name     string
		base     string
		timeouts TransportTimeouts
		want     string
	}{
		{"no response headers", silentHTTP.URL, TransportTimeouts{ResponseHeader: short}, "timeout awaiting response headers"},
		{"no TLS handshake", "https://" + silentTLS, TransportTimeouts{TLSHandshake: short}, "TLS handshake timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(WithAGSURL(tt.base+"/ags"), WithAGSAuthService("s"), WithRetry(noRetry), WithTransportTimeouts(tt.timeouts))
			if err != nil {
				t.Fatal(err)
			}
			calls := map[string]func() error{
				"GET servicediscovery": func() error { _, err := c.AGS.ServiceDiscovery(context.Background()); return err },
				"POST signOn": func() error {
					_, err := c.AGS.SignOn(context.Background(), SignOnRequest{ClientID: "c"})
					return err
				},
			}
			for name, call := range calls {
				err := callWithin(t, call)
				var re *RequestError
				var ne net.Error
				if !errors.As(err, &re) || !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: err = %v, want a *RequestError that times out with %q", name, err, tt.want)
				}
			}
		})
	}
	if got := hits.Load(); got != 2 {
		t.Errorf("the silent server saw %d requests, want 2 (one attempt per call)", got)
	}
}

// silentListener accepts connections and never reads or writes; they are closed at the test's end.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// A reply whose headers come and whose body then stalls, or trickles without end, cannot hold a call
// made with context.Background(): TransportTimeouts.ResponseBody bounds the whole body, not the gap
// between two reads (the trickle sends a byte every 20 ms, well within any gap limit). The body
// timeout is a network error: an idempotent call is retried, a POST is not (the server may have acted).
func TestResponseBodyTimeout(t *testing.T) {
	t.Parallel()
	const limit = 300 * time.Millisecond
	release := make(chan struct{})
	var hits sync.Map // path -> *atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := hits.LoadOrStore(r.Header.Get("x-auth-service-id")+" "+r.Method, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"availableServices":[`)
		w.(http.Flusher).Flush()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-release:
				return
			case <-tick.C:
				if r.Header.Get("x-auth-service-id") == "trickle" {
					if _, err := w.Write([]byte(" ")); err != nil {
						return
					}
					w.(http.Flusher).Flush()
				}
			}
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	for _, server := range []string{"stall", "trickle"} {
		c, err := New(WithAGSURL(srv.URL+"/ags"), WithAGSAuthService(server),
			WithRetry(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}),
			WithTransportTimeouts(TransportTimeouts{ResponseBody: limit}))
		if err != nil {
			t.Fatal(err)
		}
		calls := []struct {
			method string
			call   func() error
			want   int32 // requests the server got
		}{
			{"GET", func() error { _, err := c.AGS.ServiceDiscovery(context.Background()); return err }, 2},
			{"POST", func() error { _, err := c.AGS.SignOn(context.Background(), SignOnRequest{ClientID: "c"}); return err }, 1},
		}
		for _, call := range calls {
			err := callWithin(t, call.call)
			var re *RequestError
			var ne net.Error
			if !errors.As(err, &re) || !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, context.DeadlineExceeded) ||
				!strings.Contains(err.Error(), "timeout reading response body") {
				t.Errorf("%s %s: err = %v, want a *RequestError timing out reading the body", server, call.method, err)
			}
			n, _ := hits.Load(server + " " + call.method)
			if got := n.(*atomic.Int32).Load(); got != call.want {
				t.Errorf("%s %s: the server got %d requests, want %d", server, call.method, got, call.want)
			}
		}
	}
}

// The caller's http.Client.Timeout bounds each attempt, headers and body, and is read per attempt: a
// Timeout set after New applies.
func TestCallerTimeoutPerAttempt(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/ags/servicediscovery", func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("x-auth-service-id") {
		case "no-headers":
		case "stalled-body":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"availableServices":[`)
			w.(http.Flusher).Flush()
		default:
			fmt.Fprint(w, `{"availableServices":[{"authServiceName":"A"}]}`)
			return
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	hc := &http.Client{Transport: srv.Client().Transport} // no Timeout yet
	// The caller's transport keeps its own limits: a ResponseBody far shorter than its Timeout, which
	// would end the stalled body first, does not apply to it.
	c, err := New(WithHTTPClient(hc), WithAGSURL(srv.URL+"/ags"), WithRetry(noRetry),
		WithTransportTimeouts(TransportTimeouts{ResponseBody: time.Nanosecond}))
	if err != nil {
		t.Fatal(err)
	}
	hc.Timeout = 100 * time.Millisecond // after New

	for _, tt := range []struct{ service, want string }{
		{"no-headers", "Client.Timeout exceeded while awaiting headers"},
		{"stalled-body", "Client.Timeout exceeded while reading body"},
	} {
		err := callWithin(t, func() error {
			_, err := c.AGS.ServiceDiscoveryWith(context.Background(), ServiceDiscoveryRequest{AuthService: tt.service})
			return err
		})
		var re *RequestError
		var ne net.Error
		if !errors.As(err, &re) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() ||
			!strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want a *RequestError matching context.DeadlineExceeded with %q", tt.service, err, tt.want)
		}
	}

	// Within the timeout the body is read in full, and the attempt's timer is stopped with it.
	d, err := c.AGS.ServiceDiscoveryWith(context.Background(), ServiceDiscoveryRequest{AuthService: "fast"})
	if err != nil || len(d.AvailableServices) != 1 || d.AvailableServices[0].AuthServiceName != "A" {
		t.Errorf("fast reply = %+v, %v", d, err)
	}
}

// A transport of any type set as http.DefaultTransport, or as the caller's Transport, after New is
// the one used; nil ones fall back without a panic.
func TestTransportPickedPerAttempt(t *testing.T) { // not parallel: replaces http.DefaultTransport
	orig := http.DefaultTransport
	t.Cleanup(func() { http.DefaultTransport = orig })
	var seen []string
	fn := func(name string) http.RoundTripper {
		return rtFunc(func(r *http.Request) (*http.Response, error) {
			seen = append(seen, name)
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
		})
	}
	hc := &http.Client{}
	c, err := New(WithHTTPClient(hc), WithAGSURL("https://ags.invalid/ags"), WithRetry(noRetry))
	if err != nil {
		t.Fatal(err)
	}
	call := func() { _, _ = c.AGS.ServiceDiscovery(context.Background()) }

	http.DefaultTransport = fn("default 1") // a func type: uncomparable, must not panic
	call()
	hc.Transport = fn("caller's")
	call()
	hc.Transport = nil
	http.DefaultTransport = fn("default 2")
	call()
	if got := strings.Join(seen, ", "); got != "default 1, caller's, default 2" {
		t.Errorf("attempts went through %q", got)
	}

	http.DefaultTransport = nil
	_, err = c.AGS.ServiceDiscovery(context.Background())
	if !errors.Is(err, errNoTransport) {
		t.Errorf("nil http.DefaultTransport: err = %v", err)
	}
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A custom dialer of a replaced http.DefaultTransport (say, a test's resolver) is kept in the SDK's
// clone, with the dial timeout around it.
func TestOwnTransportKeepsCustomDialer(t *testing.T) { // not parallel: replaces http.DefaultTransport
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"availableServices":[]}`)
	}))
	t.Cleanup(srv.Close)
	orig := http.DefaultTransport
	t.Cleanup(func() { http.DefaultTransport = orig })
	var dials atomic.Int32
	var deadline atomic.Bool
	http.DefaultTransport = &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		dials.Add(1)
		dl, ok := ctx.Deadline()
		deadline.Store(ok && time.Until(dl) <= time.Second)
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Listener.Addr().String()) // every host resolves to the test server
	}}
	c, err := New(WithAGSURL("http://localhost:1/ags"), WithTransportTimeouts(TransportTimeouts{Dial: time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AGS.ServiceDiscovery(context.Background()); err != nil {
		t.Fatal(err)
	}
	if dials.Load() != 1 || !deadline.Load() {
		t.Errorf("custom dialer ran %d times, with the 1s dial deadline: %v", dials.Load(), deadline.Load())
	}
}

// Short-lived clients each keep a pooled connection until CloseIdleConnections releases it: after it
// the server sees every connection closed and no goroutine is left behind.
func TestCloseIdleConnections(t *testing.T) { // not parallel: goleak counts every goroutine
	const clients = 20
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"availableServices":[{"authServiceName":"A"}]}`)
	}))
	srv.Config.ConnState = func(conn net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch s {
		case http.StateNew:
			open[conn] = true
		case http.StateClosed, http.StateHijacked:
			delete(open, conn)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	openConns := func() int { mu.Lock(); defer mu.Unlock(); return len(open) }
	before := goleak.IgnoreCurrent()

	var cs []*Client
	for i := range clients {
		c, err := New(WithAGSURL(srv.URL + "/ags")) // the SDK's own transport, one pool per client
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.AGS.ServiceDiscovery(context.Background()); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		cs = append(cs, c)
	}
	if got := openConns(); got != clients {
		t.Fatalf("after %d clients' calls the server has %d open connections, want %d", clients, got, clients)
	}
	for _, c := range cs {
		c.CloseIdleConnections()
	}
	for end := time.Now().Add(hangGuard); openConns() > 0 && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	if got := openConns(); got != 0 {
		t.Errorf("after CloseIdleConnections the server still has %d open connections", got)
	}
	goleak.VerifyNone(t, before)

	// The client stays usable: the next call dials again.
	if _, err := cs[0].AGS.ServiceDiscovery(context.Background()); err != nil || openConns() != 1 {
		t.Errorf("call after CloseIdleConnections: %v, %d open connections", err, openConns())
	}
	cs[0].CloseIdleConnections()

	// A caller's transport is the caller's: CloseIdleConnections leaves it alone.
	tr := srv.Client().Transport.(*http.Transport)
	c, err := New(WithHTTPClient(&http.Client{Transport: tr}), WithAGSURL(srv.URL+"/ags"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AGS.ServiceDiscovery(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.CloseIdleConnections()
	time.Sleep(50 * time.Millisecond)
	if got := openConns(); got != 1 {
		t.Errorf("the caller's pooled connection: %d open, want 1 (not the SDK's to close)", got)
	}
	tr.CloseIdleConnections()
}
