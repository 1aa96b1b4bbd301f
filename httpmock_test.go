package tvauth_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// noRetry keeps the mock's call counts exact.
var noRetry = tvauth.WithRetry(tvauth.RetryPolicy{MaxRetries: 0})

// These tests replace the process-wide http.DefaultTransport (httpmock.Activate does too): none of them
// is parallel, and each restores what it changed.

// guardNetwork makes every connection attempt in the process visible and refused for the test's
// duration: http.DefaultTransport becomes an *http.Transport whose dialer counts and fails (before
// any DNS lookup), and httpmock restores that one when deactivated. A request that escapes the mock
// increments the count instead of leaving the process.
func guardNetwork(t *testing.T) *atomic.Int32 {
	t.Helper()
	dials := new(atomic.Int32)
	guard := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		return nil, errors.New("test: dial attempted")
	}}
	orig, origInitial := http.DefaultTransport, httpmock.InitialTransport
	http.DefaultTransport, httpmock.InitialTransport = guard, guard
	t.Cleanup(func() { http.DefaultTransport, httpmock.InitialTransport = orig, origInitial })
	return dials
}

const (
	mockAGS       = "https://ags.invalid/ags" // RFC 2606: .invalid never resolves
	mockDiscovery = "GET " + mockAGS + "/servicediscovery"
	discoveryJSON = `{"availableServices":[{"authServiceName":"Mock Auth"}]}`
)

func discoveryResponder() httpmock.Responder {
	return httpmock.NewStringResponder(200, discoveryJSON).HeaderSet(http.Header{"Content-Type": {"application/json"}})
}

// Every way a Go suite plugs httpmock in intercepts the SDK's calls, whether the mock is installed
// before or after New; undoing it sends the next call back to the (guarded) network.
func TestHTTPMockPatterns(t *testing.T) { // not parallel: see above
	opts := []tvauth.Option{tvauth.WithAGSURL(mockAGS), noRetry}
	tests := []struct {
		name string
		// run installs the mock and builds the client in the pattern's order. It returns the mock's
		// call count for the discovery and a func that removes the mock.
		run func(t *testing.T) (c *tvauth.Client, calls func() int, undo func())
	}{
		{"Activate before New", func(t *testing.T) (*tvauth.Client, func() int, func()) {
			httpmock.Activate()
			t.Cleanup(httpmock.DeactivateAndReset)
			httpmock.RegisterResponder("GET", mockAGS+"/servicediscovery", discoveryResponder())
			return newMockClient(t, opts...), globalCalls, httpmock.Deactivate
		}},
		{"Activate after New", func(t *testing.T) (*tvauth.Client, func() int, func()) {
			c := newMockClient(t, opts...)
			httpmock.Activate()
			t.Cleanup(httpmock.DeactivateAndReset)
			httpmock.RegisterResponder("GET", mockAGS+"/servicediscovery", discoveryResponder())
			return c, globalCalls, httpmock.Deactivate
		}},
		{"ActivateNonDefault before New", func(t *testing.T) (*tvauth.Client, func() int, func()) {
			hc := &http.Client{}
			httpmock.ActivateNonDefault(hc)
			t.Cleanup(httpmock.DeactivateAndReset)
			httpmock.RegisterResponder("GET", mockAGS+"/servicediscovery", discoveryResponder())
			return newMockClient(t, append(opts, tvauth.WithHTTPClient(hc))...), globalCalls,
				func() { httpmock.DeactivateNonDefault(hc) }
		}},
		{"ActivateNonDefault after New", func(t *testing.T) (*tvauth.Client, func() int, func()) {
			hc := &http.Client{}
			c := newMockClient(t, append(opts, tvauth.WithHTTPClient(hc))...)
			httpmock.ActivateNonDefault(hc)
			t.Cleanup(httpmock.DeactivateAndReset)
			httpmock.RegisterResponder("GET", mockAGS+"/servicediscovery", discoveryResponder())
			return c, globalCalls, func() { httpmock.DeactivateNonDefault(hc) }
		}},
		{"NewMockTransport in WithHTTPClient", func(t *testing.T) (*tvauth.Client, func() int, func()) {
			mt := httpmock.NewMockTransport()
			mt.RegisterResponder("GET", mockAGS+"/servicediscovery", discoveryResponder())
			hc := &http.Client{Transport: mt}
			return newMockClient(t, append(opts, tvauth.WithHTTPClient(hc))...),
				func() int { return mt.GetCallCountInfo()[mockDiscovery] },
				func() { hc.Transport = nil }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dials := guardNetwork(t)
			c, calls, undo := tt.run(t)

			d, err := c.AGS.ServiceDiscovery(context.Background())
			if err != nil || len(d.AvailableServices) != 1 || d.AvailableServices[0].AuthServiceName != "Mock Auth" {
				t.Fatalf("ServiceDiscovery = %+v, %v; want the mocked reply", d, err)
			}
			if got := calls(); got != 1 {
				t.Errorf("the mock's count for %s = %d, want 1", mockDiscovery, got)
			}
			if got := dials.Load(); got != 0 {
				t.Errorf("%d connection attempts left the mock", got)
			}

			// The guard sees what the mock no longer catches: the assertion above is not vacuous.
			undo()
			if _, err := c.AGS.ServiceDiscovery(context.Background()); err == nil {
				t.Error("a call after the mock was removed succeeded")
			}
			if got := dials.Load(); got != 1 {
				t.Errorf("after removing the mock: %d dials, want 1 (the guard)", got)
			}
		})
	}
}

func globalCalls() int { return httpmock.GetCallCountInfo()[mockDiscovery] }

func newMockClient(t *testing.T, opts ...tvauth.Option) *tvauth.Client {
	t.Helper()
	c, err := tvauth.New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// tvauthtest's fake registered as an httpmock no-responder answers every request the suite did not mock
// itself, for every family, with the vendors' real base URLs and no connection.
func TestHTTPMockWithFakeResponder(t *testing.T) { // not parallel: see above
	dials := guardNetwork(t)
	fake := tvauthtest.NewServer()
	t.Cleanup(fake.Close)
	fake.AddWebAPIUser("alice", "s3cret")

	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", mockAGS+"/servicediscovery", discoveryResponder())
	mt.RegisterNoResponder(fake.Responder())
	c := newMockClient(t, tvauth.WithHTTPClient(&http.Client{Transport: mt}), tvauth.WithAGSURL(mockAGS),
		tvauth.WithWebAPIDevID(tvauthtest.WebAPIDevID), noRetry)

	ctx := context.Background()
	sess, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "alice", Password: "s3cret"})
	if err != nil {
		t.Fatalf("ClientLogin through the fake: %v", err)
	}
	if _, err := c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, Format: tvauth.FormatJSON}); err != nil {
		t.Fatalf("Logout through the fake: %v", err)
	}
	if fake.WebAPISessionActive(sess.Token) {
		t.Error("the fake did not see the signed logout")
	}
	if _, err := c.AGS.ServiceDiscovery(ctx); err != nil {
		t.Fatalf("mocked ServiceDiscovery: %v", err)
	}

	info := mt.GetCallCountInfo()
	if info["NO_RESPONDER"] != 2 || info[mockDiscovery] != 1 || mt.GetTotalCallCount() != 3 {
		t.Errorf("mock calls = %v (total %d), want 2 served by the fake and 1 by the suite's responder", info, mt.GetTotalCallCount())
	}
	if got := len(fake.Requests()); got != 2 {
		t.Errorf("the fake saw %d requests, want 2", got)
	}
	if got := dials.Load(); got != 0 {
		t.Errorf("%d connection attempts left the process", got)
	}
}

// A client keeps its timeouts whatever httpmock did after New: built while httpmock.Activate() is on
// and used after DeactivateAndReset, it sends through a clone of the *http.Transport httpmock put
// back, with WithTransportTimeouts' limits, as a client built without httpmock would.
func TestHTTPMockDeactivatedKeepsTimeouts(t *testing.T) { // not parallel: see above
	const short = 200 * time.Millisecond
	release := make(chan struct{})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/ags/stalled-body/servicediscovery" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"availableServices":[`))
			w.(http.Flusher).Flush()
		}
		select { // no headers, or a body that never ends
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	httpmock.Activate()
	t.Cleanup(httpmock.DeactivateAndReset)
	timeouts := tvauth.WithTransportTimeouts(tvauth.TransportTimeouts{ResponseHeader: short, ResponseBody: short})
	silent := newMockClient(t, tvauth.WithAGSURL(srv.URL+"/ags"), noRetry, timeouts)
	stalled := newMockClient(t, tvauth.WithAGSURL(srv.URL+"/ags/stalled-body"), noRetry, timeouts)
	httpmock.DeactivateAndReset()

	for _, tt := range []struct {
		name string
		c    *tvauth.Client
		want string
	}{
		{"no headers", silent, "timeout awaiting response headers"},
		{"stalled body", stalled, "timeout reading response body"},
	} {
		done := make(chan error, 1)
		go func() { _, err := tt.c.AGS.ServiceDiscovery(context.Background()); done <- err }()
		var err error
		select {
		case err = <-done:
		case <-time.After(5 * time.Second): // far above the limit, far below the 30 s defaults
			t.Fatalf("%s: the call was still running after 5 s: the timeouts were lost", tt.name)
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want a timeout %q", tt.name, err, tt.want)
		}
	}
	if got := hits.Load(); got != 2 {
		t.Errorf("the server got %d requests, want 2 (one per call)", got)
	}
}

// A URL with no responder fails at once with the default retry policy: httpmock's "no responder" is
// not a network error, so it is not retried (it cost 1.69 s of backoff when it was).
func TestHTTPMockNoResponderNotRetried(t *testing.T) { // not parallel: see above
	dials := guardNetwork(t)
	// The mock counts no request it has no responder for: the SDK's one log line per attempt does.
	var logs bytes.Buffer
	logged := tvauth.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	mt := httpmock.NewMockTransport()
	for _, tt := range []struct {
		name string
		c    *tvauth.Client
	}{
		{"Activate", func() *tvauth.Client {
			httpmock.Activate()
			t.Cleanup(httpmock.DeactivateAndReset)
			return newMockClient(t, tvauth.WithAGSURL(mockAGS), logged)
		}()},
		{"NewMockTransport", newMockClient(t, tvauth.WithAGSURL(mockAGS), tvauth.WithHTTPClient(&http.Client{Transport: mt}), logged)},
	} {
		logs.Reset()
		_, err := tt.c.AGS.ServiceDiscovery(context.Background())
		var re *tvauth.RequestError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "no responder") {
			t.Errorf("%s: err = %v, want a *RequestError saying no responder", tt.name, err)
		}
		if got := strings.Count(logs.String(), "tvauth: http attempt"); got != 1 {
			t.Errorf("%s: %d attempts reached the mock, want 1 (no retry)", tt.name, got)
		}
	}
	if got := dials.Load(); got != 0 {
		t.Errorf("%d connection attempts left the mock", got)
	}
}
