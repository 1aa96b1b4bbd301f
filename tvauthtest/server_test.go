package tvauthtest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

// newTestServer starts a fake that the test closes.
func newTestServer(t *testing.T) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	return s
}

// fakeClock is a settable clock for SetClock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1700000000, 0)} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// do sends a request built by hand and returns status, headers and body.
func do(t *testing.T, hc *http.Client, method, rawURL string, header http.Header, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// discovery is a cheap, always-successful request for infrastructure tests.
func discovery(t *testing.T, hc *http.Client, base string) int {
	t.Helper()
	status, _, _ := do(t, hc, "GET", base+"/ags/servicediscovery", nil, "")
	return status
}

func TestServerFailNext(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.FailNext("GET", "/ags/servicediscovery", http.StatusServiceUnavailable, 2)
	hc := s.srv.Client()
	var got []int
	for range 3 {
		got = append(got, discovery(t, hc, s.URL()))
	}
	if want := []int{503, 503, 200}; !equalInts(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	// A fault for another method or path leaves this one alone.
	s.FailNext("POST", "/ags/servicediscovery", 500, 1)
	s.FailNext("GET", "/ags/other", 500, 1)
	if st := discovery(t, hc, s.URL()); st != 200 {
		t.Errorf("unrelated faults: status %d, want 200", st)
	}
	// times 0 counts as one failure, not an everlasting one.
	s.FailNext("GET", "/ags/servicediscovery", 502, 0)
	if a, b := discovery(t, hc, s.URL()), discovery(t, hc, s.URL()); a != 502 || b != 200 {
		t.Errorf("times 0: statuses %d, %d, want 502, 200", a, b)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestServerFailNextWith(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	hc := s.srv.Client()

	s.FailNextWith(Fault{Method: "get", Path: "/api/v2/*", Status: 429, Body: ThrottlePage,
		Header: http.Header{"Retry-After": {"3"}}})
	status, h, body := do(t, hc, "GET", s.URL()+"/api/v2/sp/logout/mvpd?redirectUrl=x", nil, "")
	if status != 429 || body != ThrottlePage || h.Get("Retry-After") != "3" || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("got %d %q Retry-After=%q Content-Type=%q", status, body, h.Get("Retry-After"), h.Get("Content-Type"))
	}

	// An explicit Content-Type wins over sniffing; "" path and method match everything.
	s.FailNextWith(Fault{Status: 500, Body: `{"code":"X"}`, Header: http.Header{"Content-Type": {"application/json"}}, Times: 2})
	for i := range 2 {
		status, h, body = do(t, hc, "POST", s.URL()+"/auth/clientLogin", nil, "a=b")
		if status != 500 || h.Get("Content-Type") != "application/json" || body != `{"code":"X"}` {
			t.Errorf("request %d: got %d %q %q", i, status, h.Get("Content-Type"), body)
		}
	}
	if st := discovery(t, hc, s.URL()); st != 200 {
		t.Errorf("after the faults: %d, want 200", st)
	}

	// Faults are taken in the order they were queued.
	s.FailNextWith(Fault{Path: "/ags/servicediscovery", Status: 501})
	s.FailNextWith(Fault{Path: "/ags/servicediscovery", Status: 502})
	if a, b := discovery(t, hc, s.URL()), discovery(t, hc, s.URL()); a != 501 || b != 502 {
		t.Errorf("order: %d, %d, want 501, 502", a, b)
	}
}

func TestServerFaultHeaderIsCopied(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	h := http.Header{"Retry-After": {"1"}}
	s.FailNextWith(Fault{Status: 429, Header: h})
	h.Set("Retry-After", "99") // the caller reusing its header must not change the queued fault
	_, got, _ := do(t, s.srv.Client(), "GET", s.URL()+"/ags/servicediscovery", nil, "")
	if got.Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q, want 1", got.Get("Retry-After"))
	}
}

func TestServerFaultDrop(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	clients := map[string]*http.Client{
		// No keep-alive: net/http would silently retry a GET whose reused connection died.
		"listener":  {Transport: &http.Transport{DisableKeepAlives: true}},
		"transport": {Transport: s.Transport()},
	}
	for name, hc := range clients {
		s.FailNextWith(Fault{Path: "/ags/servicediscovery", Drop: true})
		req, _ := http.NewRequest("GET", s.URL()+"/ags/servicediscovery", nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: got %d, want a transport error", name, resp.StatusCode)
			continue
		}
		if name == "transport" && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: error %v does not wrap io.ErrUnexpectedEOF", name, err)
		}
		if st := discovery(t, hc, s.URL()); st != 200 {
			t.Errorf("%s: after the drop: %d, want 200", name, st)
		}
	}
}

func TestServerLatency(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	hc := s.srv.Client()
	s.SetPathLatency("/ags/signOn", time.Hour)
	s.SetPathLatency("/auth/*", 200*time.Millisecond)

	// A slow path times out on the client side, and the fake stops waiting with it.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL()+"/ags/signOn", strings.NewReader("{}"))
	start := time.Now()
	if resp, err := hc.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want a timeout", resp.StatusCode)
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}

	// A prefix rule delays only its paths: the hour-long rule of /ags/signOn leaves discovery alone
	// (a minute is longer than any load makes an undelayed answer take).
	start = time.Now()
	do(t, hc, "GET", s.URL()+"/auth/logout", nil, "")
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("/auth/logout answered after %v, want >= 200ms", d)
	}
	if err := answersWithin(s, "/ags/servicediscovery", time.Minute); err != nil {
		t.Errorf("undelayed path: %v", err)
	}

	// A 0 path rule is removed; SetLatency covers every path and drops the path rules.
	if err := s.SetPathLatency("/ags/signOn", 0); err != nil {
		t.Fatal(err)
	}
	if every, rules := s.latencies(); every != 0 || len(rules) != 1 || rules[0] != (pathDelay{"/auth/*", 200 * time.Millisecond}) {
		t.Errorf("latencies = %v %v, want only /auth/*", every, rules)
	}
	if err := s.SetPathLatency("/ags/signOn", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLatency(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	discovery(t, hc, s.URL())
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("SetLatency: answered after %v, want >= 100ms", d)
	}
	if err := answersWithin(s, "/ags/signOn", time.Minute); err != nil {
		t.Errorf("a path rule outlived SetLatency: %v", err)
	}
	if err := s.SetLatency(0); err != nil {
		t.Fatal(err)
	}
	if every, rules := s.latencies(); every != 0 || len(rules) != 0 {
		t.Errorf("after SetLatency(0): %v %v", every, rules)
	}

	// Through Transport the wait honours the request context too.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if err := s.SetLatency(time.Hour); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequestWithContext(ctx2, "GET", "https://ags.example/ags/servicediscovery", nil)
	if _, err := s.Transport().RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("transport: error %v, want context.DeadlineExceeded", err)
	}
}

// answersWithin sends GET path through the Transport and reports an error unless an answer comes
// within d.
func answersWithin(s *Server, path string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://fake.example"+path, nil)
	if err != nil {
		return err
	}
	resp, err := s.Transport().RoundTrip(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// TestServerLatencyRefuses: the Go API refuses what the admin API and the seed refuse, changing
// nothing.
func TestServerLatencyRefuses(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	if err := s.SetPathLatency("/auth/*", time.Second); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		set   func() error
		field string
	}{
		{"negative latency", func() error { return s.SetLatency(-time.Second) }, "latency"},
		{"negative path latency", func() error { return s.SetPathLatency("/ags/*", -time.Second) }, "latency"},
		{"empty path", func() error { return s.SetPathLatency("", time.Second) }, "path"},
		{"path with a control character", func() error { return s.SetPathLatency("/ags/\n", time.Second) }, "path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.set()
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input != "latency" || ie.Field != tc.field || !strings.HasPrefix(err.Error(), "tvauthtest: latency: ") {
				t.Fatalf("err = %v, want a latency error on %s", err, tc.field)
			}
			if every, rules := s.latencies(); every != 0 || len(rules) != 1 || rules[0].pattern != "/auth/*" {
				t.Errorf("a refused latency changed the settings: %v %v", every, rules)
			}
		})
	}
}

func TestServerThrottle(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	clock := newFakeClock()
	s.SetClock(clock.Now)
	s.SetThrottle(&Throttle{})
	hc := s.srv.Client()
	adobe := s.URL() + "/api/v2/sp/configuration"
	get := func(xff string) (int, http.Header, string) {
		var h http.Header
		if xff != "" {
			h = http.Header{"X-Forwarded-For": {xff}}
		}
		return do(t, hc, "GET", adobe, h, "")
	}

	for i := range 10 {
		if st, _, _ := get(""); st == 429 {
			t.Fatalf("request %d of the burst throttled", i+1)
		}
	}
	st, h, body := get("")
	if st != 429 || body != ThrottlePage || h.Get("Content-Type") != "text/html" || h.Get("Retry-After") != "" {
		t.Errorf("11th request: %d %q Content-Type=%q Retry-After=%q", st, body, h.Get("Content-Type"), h.Get("Retry-After"))
	}
	// Another end user (forwarded by a server) has its own bucket.
	if st, _, _ := get("203.0.113.7, 10.0.0.1"); st == 429 {
		t.Error("a forwarded user was throttled by another's bucket")
	}
	// Paths Adobe does not throttle are never throttled.
	if st := discovery(t, hc, s.URL()); st != 200 {
		t.Errorf("AGS discovery: %d, want 200", st)
	}
	// One second later one more request is allowed, and only one.
	clock.Advance(time.Second)
	if st, _, _ := get(""); st == 429 {
		t.Error("throttled 1s after the 429")
	}
	if st, _, _ := get(""); st != 429 {
		t.Errorf("second request after refill: %d, want 429", st)
	}
	// Switched off, nothing is throttled.
	s.SetThrottle(nil)
	if st, _, _ := get(""); st == 429 {
		t.Error("throttled after SetThrottle(nil)")
	}
}

func TestServerThrottleCustom(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.SetClock(newFakeClock().Now)
	s.SetThrottle(&Throttle{Burst: 2, Paths: []string{"/ags/*"}})
	hc := s.srv.Client()
	got := []int{discovery(t, hc, s.URL()), discovery(t, hc, s.URL()), discovery(t, hc, s.URL())}
	if want := []int{200, 200, 429}; !equalInts(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}

	// An empty, non-nil Paths throttles nothing (nil would mean Adobe's paths), and the fake keeps its
	// own copy of the caller's slice.
	paths := []string{}
	s.SetThrottle(&Throttle{Burst: 1, Paths: paths})
	for i := range 3 {
		if st, _, _ := do(t, hc, "GET", s.URL()+"/api/v2/sp/configuration", nil, ""); st == 429 {
			t.Fatalf("request %d throttled with no throttled paths", i+1)
		}
	}
	paths = append(paths[:0], "/ags/*")
	s.SetThrottle(&Throttle{Burst: 1, Paths: paths})
	paths[0] = "/nothing"
	got = []int{discovery(t, hc, s.URL()), discovery(t, hc, s.URL())}
	if want := []int{200, 429}; !equalInts(got, want) {
		t.Errorf("after the caller reused its slice: statuses %v, want %v", got, want)
	}
}

func TestAdobeThrottledPaths(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]bool{
		"/o/client/register":               true,
		"/o/client/token":                  true,
		"/api/v2/sp/sessions":              true,
		"/api/v2/authenticate/sp/CODE":     true,
		"/api/v1/tokens/authn":             true,
		"/api/v1/checkauthn/REG":           true,
		"/api/v1/authenticate/freepreview": true,
		"/api/v1/sp/profile-requests/abc":  true,
		"/reggie/v1/sp/regcode":            true,
		"/reggie/v1/sp/regcode/ABC":        true,
		"/adobe-services/config/sp":        true,
		"/api/v1/authenticate":             false, // Adobe lists /api/v1/authenticate/ only
		"/api/v1/sp/profile-requests/":     false,
		"/auth/clientLogin":                false,
		"/ags/signOn":                      false,
		"/o/client/other":                  false,
	} {
		if got := adobeThrottled.MatchString(path); got != want {
			t.Errorf("%s: throttled = %v, want %v", path, got, want)
		}
	}
}

func TestServerTransport(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.Close() // no listener needed
	hc := &http.Client{Transport: s.Transport()}
	// Any host reaches the fake, so a client can keep the vendors' default base URLs.
	if st := discovery(t, hc, "https://api.production.opentv.example"); st != 200 {
		t.Fatalf("discovery through Transport: %d", st)
	}
	req, _ := http.NewRequest("POST", "https://api.screenname.nina.bz/auth/clientLogin?x=1", strings.NewReader("f=json"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	before, beforeHost := *req.URL, req.Host
	resp, err := s.Transport().RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Request != req || *req.URL != before || req.Host != beforeHost {
		t.Error("RoundTrip changed the caller's request or did not attach it to the response")
	}
	if resp.StatusCode != 400 || resp.ContentLength <= 0 {
		t.Errorf("status %d, ContentLength %d", resp.StatusCode, resp.ContentLength)
	}
	reqs := s.Requests()
	last := reqs[len(reqs)-1]
	if last.Host != "api.screenname.nina.bz" || last.Path != "/auth/clientLogin" || last.RawQuery != "x=1" || string(last.Body) != "f=json" {
		t.Errorf("recorded %+v", last)
	}
	// A cancelled context fails before anything is served.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ = http.NewRequestWithContext(ctx, "GET", "https://x.example/ags/servicediscovery", nil)
	if _, err := s.Transport().RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestServerResponderWithHTTPMock(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", "https://ags.example/ags/servicediscovery",
		httpmock.NewStringResponder(404, `{"code":"NONE","message":"mocked"}`))
	mt.RegisterNoResponder(s.Responder())
	hc := &http.Client{Transport: mt}

	// The user's own responder wins; everything else reaches the fake.
	if st := discovery(t, hc, "https://ags.example"); st != 404 {
		t.Errorf("registered responder: %d, want 404", st)
	}
	if st := discovery(t, hc, "https://other.example"); st != 200 {
		t.Errorf("fallback to the fake: %d, want 200", st)
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("the fake saw %d requests, want 1", n)
	}
}

func TestServerRequests(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	do(t, s.srv.Client(), "POST", s.URL()+"/auth/clientLogin?q=1", http.Header{"X-Test": {"v"}}, "f=json&s=a")
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/auth/clientLogin" || r.RawQuery != "q=1" || string(r.Body) != "f=json&s=a" || r.Header.Get("X-Test") != "v" {
		t.Errorf("recorded %+v", r)
	}
	reqs[0].Method = "changed"
	if s.Requests()[0].Method != "POST" {
		t.Error("Requests does not return a copy")
	}
}

func TestServerConcurrent(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddWebAPIUser("alice", "pw")
	s.AddAGSUser("dave")
	hc := s.srv.Client()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				discovery(t, hc, s.URL())
				clientLogin(t, s, url.Values{"devId": {"d"}, "f": {"json"}, "s": {"alice"}, "pwd": {"pw"}})
				agsSignOnDevice(t, s, "dave", s.AGSPassword("dave"))
			}
		}()
	}
	wg.Wait()
	if n := len(s.Requests()); n != 8*5*3 {
		t.Errorf("%d requests recorded, want %d", n, 8*5*3)
	}
}

func TestReachedRedirect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		navigated, redirect string
		want                bool
	}{
		{"https://app.example/done", "https://app.example/done", true},
		{"https://app.example/done?state=1#frag", "https://app.example/done", true},
		{"https://APP.example:443/done", "https://app.example/done?x=y", true},
		{"HTTPS://app.example/done", "https://app.example/done", true},
		{"http://app.example:80/", "http://app.example", true},
		{"https://app.example/done/", "https://app.example/done", false},
		{"http://app.example/done", "https://app.example/done", false},
		{"https://app.example:8443/done", "https://app.example/done", false},
		{"https://evil.example/done", "https://app.example/done", false},
		{"https://app.example/other", "https://app.example/done", false},
		{"https://app.example/done", "not a url", false},
		{"%%%", "https://app.example/done", false},
		{"myapp://callback/logout?x", "myapp://callback/logout", true},
	} {
		if got := ReachedRedirect(tc.navigated, tc.redirect); got != tc.want {
			t.Errorf("ReachedRedirect(%q, %q) = %v, want %v", tc.navigated, tc.redirect, got, tc.want)
		}
	}
}

// chain registers a small MVPD-like redirect chain on the fake's mux: hop1 sets a cookie and redirects
// to hop2, which needs the cookie and redirects to the app.
func chain(s *Server, prefix, final string) {
	s.mux.HandleFunc(prefix+"/hop1", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "mvpd", Value: "session", Path: "/"})
		http.Redirect(w, r, prefix+"/hop2", http.StatusFound)
	})
	s.mux.HandleFunc(prefix+"/hop2", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("mvpd"); err != nil || c.Value != "session" {
			http.Error(w, "no MVPD cookie", http.StatusForbidden)
			return
		}
		http.Redirect(w, r, final, http.StatusFound)
	})
}

func TestUserAgentFollowsChain(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	chain(s, "/tvauthtest-chain", "https://app.example/done?status=ok")

	ua := s.UserAgent()
	resp, err := ua.Get(s.URL() + "/tvauthtest-chain/hop1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// It stopped before leaving the fake: the last answer is the redirect to the app.
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://app.example/done?status=ok" {
		t.Errorf("got %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	landed, err := s.Browse(context.Background(), nil, s.URL()+"/tvauthtest-chain/hop1", "https://app.example/done")
	if err != nil || landed != "https://app.example/done?status=ok" {
		t.Errorf("Browse = %q, %v", landed, err)
	}
	// Started under another host name (Transport serves any), the chain is still followed.
	landed, err = s.Browse(context.Background(), nil, "https://sp.auth.adobe.com/tvauthtest-chain/hop1", "https://app.example/done")
	if err != nil || landed != "https://app.example/done?status=ok" {
		t.Errorf("Browse under a vendor host = %q, %v", landed, err)
	}
}

func TestBrowseFailures(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	chain(s, "/tvauthtest-elsewhere", "https://elsewhere.example/x")
	s.mux.HandleFunc("/tvauthtest-page", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>login</html>") })

	if _, err := s.Browse(context.Background(), nil, s.URL()+"/tvauthtest-elsewhere/hop1", "https://app.example/done"); err == nil ||
		!strings.Contains(err.Error(), "left the fake") {
		t.Errorf("chain leaving for another site: %v", err)
	}
	if _, err := s.Browse(context.Background(), nil, s.URL()+"/tvauthtest-page", "https://app.example/done"); err == nil ||
		!strings.Contains(err.Error(), "answered 200") {
		t.Errorf("page without redirect: %v", err)
	}
	// Without the cookie jar, hop2 refuses: the UA's jar is what carries the MVPD session.
	noJar := &http.Client{Transport: s.Transport()}
	if _, err := s.Browse(context.Background(), noJar, s.URL()+"/tvauthtest-elsewhere/hop1", "https://elsewhere.example/x"); err == nil ||
		!strings.Contains(err.Error(), "answered 403") {
		t.Errorf("cookie-less browser: %v", err)
	}
}

// The UserAgent and Browse follow the fake's own MVPD logout chain (Adobe hop sets a cookie, MVPD
// hop needs it) to the app's redirect URL, like a WebView.
func TestBrowsePassLogoutChain(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddMVPD("Cablevision", true)
	const redirect = "https://app.example/logout/done"
	start := s.URL() + "/adobe-services/logout?noflash=true&mso_id=Cablevision&requestor_id=REF&redirect_url=" + url.QueryEscape(redirect)

	landed, err := s.Browse(t.Context(), nil, start, redirect)
	if err != nil || !ReachedRedirect(landed, redirect) {
		t.Fatalf("Browse = %q, %v", landed, err)
	}
	if n := s.CompletedLogouts("Cablevision"); n != 1 {
		t.Errorf("completed MVPD logouts = %d, want 1", n)
	}
	// A client without cookies cannot complete the MVPD hop.
	if _, err := s.Browse(t.Context(), &http.Client{Transport: s.Transport()}, start, redirect); err == nil {
		t.Error("a cookie-less client completed the chain")
	}
}

// TestWrongMethodEveryRoute: every path the fake serves answers a method it does not take with 405
// and an Allow header naming the ones it does, in the family's own error shape (the admin API's are
// in TestAdminWrongMethod).
func TestWrongMethodEveryRoute(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	hc := s.srv.Client()
	for _, tc := range []struct {
		path  string
		allow string
	}{
		{"/o/client/register", "POST"},
		{"/o/client/token", "POST"},
		{"/api/v2/REF30/configuration", "GET"},
		{"/api/v2/REF30/sessions", "POST"},
		{"/api/v2/REF30/sessions/ABCDEFG", "GET, POST"},
		{"/api/v2/REF30/sessions/sso/Apple", "POST"},
		{"/api/v2/authenticate/REF30/ABCDEFG", "GET"},
		{"/api/v2/REF30/profiles", "GET"},
		{"/api/v2/REF30/profiles/Cablevision", "GET"},
		{"/api/v2/REF30/profiles/code/ABCDEFG", "GET"},
		{"/api/v2/REF30/profiles/sso/Apple", "POST"},
		{"/api/v2/REF30/decisions/authorize/Cablevision", "POST"},
		{"/api/v2/REF30/decisions/preauthorize/Cablevision", "POST"},
		{"/api/v2/REF30/logout/Cablevision", "GET"},
		{"/adobe-services/logout", "GET"},
		{"/mvpd/Cablevision/login", "GET, POST"},
		{"/api/v1/authenticate", "GET"},
		{"/api/v1/authenticate/freepreview", "POST"},
		{"/api/v1/config/REF30", "GET"},
		{"/api/v1/checkauthn", "GET"},
		{"/api/v1/checkauthn/ABCDEFG", "GET"},
		{"/api/v1/tokens/authn", "GET"},
		{"/api/v1/authorize", "GET"},
		{"/api/v1/tokens/authz", "GET"},
		{"/api/v1/tokens/media", "GET"},
		{"/api/v1/mediatoken", "GET"},
		{"/api/v1/preauthorize", "GET"},
		{"/api/v1/preauthorize/ABCDEFG", "GET"},
		{"/api/v1/logout", "DELETE"},
		{"/api/v1/tokens/usermetadata", "GET"},
		{"/reggie/v1/REF30/regcode", "POST"},
		{"/reggie/v1/REF30/regcode/ABCDEFG", "GET, DELETE"},
		{"/auth/clientLogin", "POST"},
		{"/auth/logout", "GET, POST"},
		{"/auth/captcha", "GET"},
		{"/ags/servicediscovery", "GET"},
		{"/ags/signOn", "POST"},
		{"/ags/subsequentSignOn", "POST"},
		{"/ags/refresh", "POST"},
		{"/ags/signOut", "POST"},
		{"/ags/register/" + AGSRegisterType, "POST"},
		{"/ags/subsequentRegister", "POST"},
		{"/ags/getSessionToken", "POST"},
		{"/ags/signOnWithSessionToken", "POST"},
	} {
		for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH"} {
			if slices.Contains(strings.Split(tc.allow, ", "), m) {
				continue
			}
			status, h, _ := do(t, hc, m, s.URL()+tc.path, nil, "")
			if status != http.StatusMethodNotAllowed || h.Get("Allow") != tc.allow {
				t.Errorf("%s %s: %d, Allow %q; want 405, Allow %q", m, tc.path, status, h.Get("Allow"), tc.allow)
			}
		}
	}
}
