package tvauthtest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// The Go blocks of docs/testing.md are these tests' code (docs:begin/end regions), word for word:
// the root package's TestDocsSnippets compares them.
func TestDocsTestingSeed(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	// docs:begin seed
	seed, err := tvauthtest.ParseSeed([]byte(`{
	  "mvpds": [{"id": "Spectrum", "logout_endpoint": true,
	             "subscribers": [{"username": "alice", "password": "alice-pw"}]}],
	  "profiles": [{"service_provider": "REF30", "mvpd": "Spectrum", "device_id": "stb-1"}],
	  "webapi_users": [{"login_id": "qa@example.com", "password": "qa-pass"}],
	  "ags_users": [{"username": "erin", "accounts": ["7", "8"]}]
	}`))
	if err != nil {
		t.Fatal(err) // a *tvauthtest.InputError: line, column, field and why
	}
	if err := fake.ApplySeed(seed); err != nil {
		t.Fatal(err)
	}
	// alice, and the default subscriber every MVPD has, can sign in on Spectrum's login page.
	subs := fake.Subscribers("Spectrum")
	if len(subs) != 2 || subs[0].Username != tvauthtest.DefaultSubscriber || subs[1].Username != "alice" {
		t.Fatalf("subscribers = %+v", subs)
	}
	// docs:end seed
}

func TestDocsTestingFaults(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD("Cablevision", true)
	ctx := context.Background()
	// docs:begin faults
	client := fake.Client()
	fake.FailNext("GET", "/api/v2/REF30/configuration", 503, 1) // once; the SDK retries a GET after a 503
	if _, err := client.Pass.Configuration(ctx, "REF30"); err != nil {
		t.Fatalf("the retry should have passed: %v", err)
	}
	if err := fake.FailNextWith(tvauthtest.Fault{Path: "/api/v2/*", Status: 403, Times: 1}); err != nil {
		t.Fatal(err) // an *InputError for a fault the fake cannot answer (status 99, times -1, …)
	}
	_, err := client.Pass.Configuration(ctx, "REF30")
	var pe *tvauth.PassError
	if !errors.As(err, &pe) || pe.HTTPStatus != 403 {
		t.Fatalf("want the injected 403, got %v", err)
	}
	_ = fake.SetPathLatency("/auth/*", 2*time.Second)                           // slow WebAPI answers
	_ = fake.SetThrottle(&tvauthtest.Throttle{})                                // Adobe's: 1/s, bursts of 10
	fake.SetClock(func() time.Time { return time.Now().Add(31 * time.Minute) }) // codes expire
	// docs:end faults
}

func TestDocsTestingHTTPMock(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	ctx := context.Background()
	// docs:begin httpmock
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", "https://ags.example.com/ags/servicediscovery",
		httpmock.NewStringResponder(200, `{"availableServices":[{"authServiceName":"SSO","endpoints":[]}]}`))
	mt.RegisterNoResponder(fake.Responder()) // every other request: the fake, whatever the host
	client, err := tvauth.New(append(fake.Options(), tvauth.WithHTTPClient(&http.Client{Transport: mt}),
		tvauth.WithAGSURL("https://ags.example.com/ags"), tvauth.WithWebAPIURL("https://api.screenname.aol.com"))...)
	if err != nil {
		t.Fatal(err)
	}
	disc, err := client.AGS.ServiceDiscovery(ctx) // httpmock's answer
	if err != nil || disc.AvailableServices[0].AuthServiceName != "SSO" {
		t.Fatalf("discovery: %+v %v", disc, err)
	}
	fake.AddWebAPIUser("qa@example.com", "qa-pass")
	if _, err := client.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "qa@example.com", Password: "qa-pass"}); err != nil {
		t.Fatal(err) // the fake's answer, checked as the real service checks it
	}
	// docs:end httpmock
}

func TestDocsTestingStandalone(t *testing.T) {
	// docs:begin standalone
	sa, err := tvauthtest.NewStandalone(tvauthtest.DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sa) // the admin API and dashboard under /_tvauth/, the fake elsewhere
	defer func() { srv.Close(); sa.Close() }()
	resp, err := http.Post(srv.URL+"/_tvauth/faults", "application/json",
		strings.NewReader(`{"path": "/ags/*", "status": 503, "times": 2}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /_tvauth/faults: %v %v", resp, err)
	}
	resp.Body.Close()
	if n := len(sa.Server().PendingFaults()); n != 1 {
		t.Fatalf("%d faults pending", n)
	}
	// docs:end standalone
}
