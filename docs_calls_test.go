package tvauth_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// docs/calls.md's Go blocks (see readme_test.go) and the tests that run them.

// docs:begin calls-client
func newClient(device tvauth.Device, hc *http.Client) (*tvauth.Client, error) {
	return tvauth.New(
		tvauth.WithDevice(device),                           // Adobe Pass device headers
		tvauth.WithRetry(tvauth.RetryPolicy{MaxRetries: 2}), // the default is 3
		tvauth.WithLogger(slog.Default()),                   // one scrubbed debug line per attempt
		tvauth.WithHTTPClient(hc),                           // its Transport is the base; tvauth wraps it
	)
}

// docs:end calls-client

func TestDocsCallsClient(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	var client *tvauth.Client
	var err error
	checkQuiet(t, runSnippet(t, func() {
		client, err = newClient(docsDevice("docs-device"), &http.Client{Transport: fake.Transport()})
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Pass.Register(context.Background(), fake.SoftwareStatement()); err != nil {
		t.Fatal(err)
	}
	// The caller's transport carried the call: the fake saw it, with the device's headers.
	reqs := fake.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/o/client/register" || reqs[0].Host != "sp.auth.adobe.com" ||
		reqs[0].Header.Get("X-Device-Info") == "" {
		t.Fatalf("requests = %+v", reqs)
	}
}

func TestDocsCallsFaults(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddAGSUser("dave", "1660")
	client, err := tvauth.New(append(fake.Options(), tvauth.WithRetry(tvauth.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond}))...)
	if err != nil {
		t.Fatal(err)
	}
	checkQuiet(t, runSnippet(t, func() {
		// docs:begin calls-faults
		fake.FailNext("POST", "/ags/signOn", 503, 2)               // two 503s: a POST is retried, the server did nothing
		drop := tvauthtest.Fault{Path: "/ags/refresh", Drop: true} // the connection closed unanswered
		if err := fake.FailNextWith(drop); err != nil {
			t.Fatal(err)
		}
		if err := fake.SetPathLatency("/auth/*", 2*time.Second); err != nil { // slow WebAPI answers
			t.Fatal(err)
		}
		// docs:end calls-faults
	}))

	ctx := context.Background()
	params := []tvauth.Parameter{{Name: "username", Value: "dave"}, {Name: "password", Value: fake.AGSPassword("dave")}}
	res, err := client.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params, DeviceInformation: []byte(`{"deviceName":"tv"}`)})
	if err != nil || res.Tokens == nil {
		t.Fatalf("signOn after two 503s: %v", err)
	}
	if n := countRequests(fake, "/ags/signOn"); n != 3 {
		t.Fatalf("%d signOn attempts, want 3 (two 503s, then the answer)", n)
	}
	if _, err := client.AGS.Refresh(ctx, res.Tokens.RefreshToken, tvauth.SignOnRequest{}); err == nil {
		t.Fatal("refresh over a dropped connection succeeded") // a POST is not retried after a drop
	}
	if n := countRequests(fake, "/ags/refresh"); n != 1 {
		t.Fatalf("%d refresh attempts after a drop, want 1", n)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = client.WebAPI.ClientLogin(short, tvauth.ClientLoginRequest{LoginID: "someone", Password: "pw-1"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a 2 s latency under a 50 ms deadline: %v", err)
	}
}

// Mock only what you need and let the fake answer the rest, without a listener.
func TestHTTPMockWithTheFakeAsNoResponder(t *testing.T) {
	fake := tvauthtest.NewServer()
	fake.Close() // no listener at all: everything below is served in-process
	fake.AddAGSUser("dave", "1660")
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", "https://ags.example.com/ags/servicediscovery",
		httpmock.NewStringResponder(200, `{"availableServices":[{"authServiceName":"Mocked","endpoints":[]}]}`))
	mt.RegisterNoResponder(fake.Responder())
	client, err := tvauth.New(tvauth.WithHTTPClient(&http.Client{Transport: mt}),
		tvauth.WithAGSURL("https://ags.example.com/ags"), tvauth.WithAGSAuthService(tvauthtest.AGSAuthService),
		tvauth.WithAGSTenant(tvauthtest.AGSTenant))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	disc, err := client.AGS.ServiceDiscovery(ctx)
	if err != nil || disc.AvailableServices[0].AuthServiceName != "Mocked" {
		t.Fatalf("discovery = %+v, %v", disc, err)
	}
	params := []tvauth.Parameter{{Name: "username", Value: "dave"}, {Name: "password", Value: fake.AGSPassword("dave")}}
	res, err := client.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params, DeviceInformation: []byte(`{"deviceName":"tv"}`)})
	if err != nil || res.Tokens == nil {
		t.Fatalf("signOn through the fake's responder: %v", err)
	}
	if info := mt.GetCallCountInfo(); info["GET https://ags.example.com/ags/servicediscovery"] != 1 || mt.GetTotalCallCount() != 2 {
		t.Fatalf("calls = %v", info)
	}
}
