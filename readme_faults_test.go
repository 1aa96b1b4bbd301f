package tvauth_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func TestREADMEFaults(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddAGSUser("dave", "1660")
	client, err := tvauth.New(append(fake.Options(), tvauth.WithRetry(tvauth.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond}))...)
	if err != nil {
		t.Fatal(err)
	}

	// README:begin testing-faults
	fake.FailNext("POST", "/ags/signOn", 503, 2) // two 503s: the SDK retries a POST only when the server did nothing
	fake.FailNextWith(tvauthtest.Fault{Path: "/api/v2/*", Status: 429, Body: tvauthtest.ThrottlePage})
	fake.FailNextWith(tvauthtest.Fault{Path: "/ags/refresh", Drop: true}) // a transport error
	fake.SetPathLatency("/auth/*", 2*time.Second)
	fake.SetThrottle(&tvauthtest.Throttle{}) // Adobe's: 1/s with a burst of 10, per end user
	// README:end testing-faults

	ctx := context.Background()
	params := []tvauth.Parameter{{Name: "username", Value: "dave"}, {Name: "password", Value: fake.AGSPassword("dave")}}
	res, err := client.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params, DeviceInformation: []byte(`{"deviceName":"tv"}`)})
	if err != nil || res.Tokens == nil {
		t.Fatalf("signOn after two 503s: %v", err)
	}
	if _, err := client.AGS.Refresh(ctx, res.Tokens.RefreshToken, tvauth.SignOnRequest{}); err == nil {
		t.Fatal("refresh over a dropped connection succeeded") // a POST is not retried after a drop
	}
	signOns := 0
	for _, r := range fake.Requests() {
		if r.Path == "/ags/signOn" {
			signOns++
		}
	}
	if signOns != 3 {
		t.Fatalf("%d signOn attempts, want 3 (two 503s, then the answer)", signOns)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = client.WebAPI.ClientLogin(short, tvauth.ClientLoginRequest{LoginID: "someone", Password: "pw-1"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a 2 s latency under a 50 ms deadline: %v", err)
	}
}

func TestREADMENoListener(t *testing.T) {
	fake := tvauthtest.NewServer()
	fake.Close() // no listener at all: everything below is served in-process
	fake.AddAGSUser("dave", "1660")
	myResponder := httpmock.NewStringResponder(200, `{"availableServices":[{"authServiceName":"Mocked","endpoints":[]}]}`)

	// README:begin testing-no-listener
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", "https://ags.example.com/ags/servicediscovery", myResponder)
	mt.RegisterNoResponder(fake.Responder()) // or: &http.Client{Transport: fake.Transport()}
	client, err := tvauth.New(tvauth.WithHTTPClient(&http.Client{Transport: mt}),
		tvauth.WithAGSURL("https://ags.example.com/ags"), tvauth.WithAGSAuthService(tvauthtest.AGSAuthService),
		tvauth.WithAGSTenant(tvauthtest.AGSTenant))
	// README:end testing-no-listener
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
