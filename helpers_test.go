package tvauth

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// testDevice is a complete device, valid for every Pass call.
var testDevice = Device{
	ID: "ba23d141-d715-561c-94f4-e9e4c966b1eb",
	Info: DeviceInfo{
		PrimaryHardwareType: "SetTopBox", Model: "STB-9", Version: "r2", Manufacturer: "Acme",
		OSName: "Linux", OSVersion: "6.1", ConnectionType: "WiFi",
	},
}

// fastRetry keeps retry tests quick while still exercising backoff.
var fastRetry = RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond}

// setup returns a client whose four services all point at one httptest server (Pass, Clientless and
// WebAPI at the root, AGS under /ags), the mux behind it, and the server URL. The client has a fast
// retry policy, the test device and a static Pass token "test-token"; opts override all of that.
// Requests nobody registered fail the test.
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux, string) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.Error(w, "no handler", http.StatusNotImplemented)
	})
	base := []Option{
		WithPassURL(srv.URL), WithClientlessURL(srv.URL), WithWebAPIURL(srv.URL), WithAGSURL(srv.URL + "/ags"),
		WithRetry(fastRetry), WithDevice(testDevice),
		WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "test-token", TokenType: "Bearer"})),
		WithHTTPClient(&http.Client{Transport: srv.Client().Transport}),
	}
	c, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, mux, srv.URL
}

// testMethod fails the test when r was not sent with method want.
func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

// testHeader fails the test when header name of r is not want.
func testHeader(t *testing.T, r *http.Request, name, want string) {
	t.Helper()
	if got := r.Header.Get(name); got != want {
		t.Errorf("header %s = %q, want %q", name, got, want)
	}
}

// testBody fails the test when the raw body of r is not want.
func testBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	if string(b) != want {
		t.Errorf("body = %q, want %q", b, want)
	}
}
