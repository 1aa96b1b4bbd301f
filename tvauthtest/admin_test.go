package tvauthtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
)

// standalone serves a Standalone seeded with DefaultSeed over a real listener.
func standalone(t *testing.T) (*Standalone, string) {
	t.Helper()
	a, err := NewStandalone(DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(a)
	t.Cleanup(func() { hs.Close(); a.Close() })
	return a, hs.URL
}

// admin calls the admin API and decodes its JSON answer into out (nil skips decoding).
func admin(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q", method, url, ct)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, raw)
		}
	}
	return resp.StatusCode
}

func clientFor(t *testing.T, base string) *tvauth.Client {
	t.Helper()
	c, err := tvauth.New(tvauth.WithPassURL(base), tvauth.WithClientlessURL(base), tvauth.WithWebAPIURL(base),
		tvauth.WithAGSURL(base+"/ags"), tvauth.WithWebAPIDevID(WebAPIDevID), tvauth.WithAGSTenant(AGSTenant),
		tvauth.WithAGSAuthService(AGSAuthService), tvauth.WithRetry(tvauth.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStandaloneHealthAndInfo(t *testing.T) {
	a, base := standalone(t)
	var health map[string]string
	if code := admin(t, "GET", base+"/_tvauth/health", "", &health); code != 200 || health["status"] != "ok" {
		t.Fatalf("health: %d %v", code, health)
	}
	var info Info
	admin(t, "GET", base+"/_tvauth/info", "", &info)
	if info.AGS != base+"/ags" || info.Health != base+"/_tvauth/health" || info.SoftwareStatement != a.Server().SoftwareStatement() {
		t.Errorf("info = %+v", info)
	}
	if len(info.Seed.AGSUsers) != 1 || info.Seed.AGSUsers[0].Password != DefaultAGSPassword {
		t.Errorf("info does not give dave's password: %+v", info.Seed.AGSUsers)
	}
	var e map[string]any
	if code := admin(t, "GET", base+"/_tvauth/nothing", "", &e); code != 404 || !strings.Contains(e["error"].(string), "no admin route") {
		t.Errorf("unknown route: %d %v", code, e)
	}
}

func TestStandaloneSeedAndReset(t *testing.T) {
	a, base := standalone(t)
	ctx := context.Background()
	statement := a.Server().SoftwareStatement()
	c := clientFor(t, base)

	var e map[string]any
	code := admin(t, "POST", base+"/_tvauth/seed", "{\"webapi_users\": [\n {\"login_id\": \"new@example.com\", \"pasword\": \"pw\"}]}", &e)
	if code != 400 || e["line"] != 2.0 || e["field"] != "webapi_users[0].pasword" {
		t.Fatalf("bad seed: %d %v", code, e)
	}
	if code := admin(t, "POST", base+"/_tvauth/seed", `{"webapi_users": [{"login_id": "new@example.com", "password": "pw"}]}`, nil); code != 200 {
		t.Fatalf("seed: %d", code)
	}
	if _, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "new@example.com", Password: "pw"}); err != nil {
		t.Fatalf("clientLogin of a seeded user: %v", err)
	}
	// A profile may name an MVPD the fake already has (the starting seed's).
	if code := admin(t, "POST", base+"/_tvauth/seed", `{"profiles": [{"service_provider": "REF30", "mvpd": "Dish", "device_id": "stb-7"}]}`, &e); code != 200 {
		t.Fatalf("seeding a profile of a known MVPD: %d %v", code, e)
	}
	if got := a.Server().Profiles("REF30", "stb-7"); len(got) != 1 {
		t.Errorf("profiles after seeding: %+v", got)
	}
	if code := admin(t, "POST", base+"/_tvauth/seed", `{"profiles": [{"service_provider": "REF30", "mvpd": "Nope", "device_id": "stb-7"}]}`, &e); code != 400 || e["field"] != "profiles[0].mvpd" {
		t.Errorf("a profile of an unknown MVPD: %d %v", code, e)
	}
	var reqs []adminRequest
	admin(t, "GET", base+"/_tvauth/requests?path=/auth/*", "", &reqs)
	if len(reqs) != 1 || reqs[0].Path != "/auth/clientLogin" || reqs[0].Method != "POST" {
		t.Fatalf("requests = %+v", reqs)
	}

	if code := admin(t, "POST", base+"/_tvauth/reset", "", nil); code != 200 {
		t.Fatalf("reset: %d", code)
	}
	if _, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "new@example.com", Password: "pw"}); err == nil {
		t.Error("a user seeded after start survived Reset")
	}
	if _, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: DefaultWebAPILogin, Password: DefaultWebAPIPassword}); err != nil {
		t.Errorf("the starting seed's user is gone after Reset: %v", err)
	}
	if got := a.Server().SoftwareStatement(); got != statement {
		t.Error("Reset changed the software statement")
	}
	admin(t, "DELETE", base+"/_tvauth/requests", "", nil)
	admin(t, "GET", base+"/_tvauth/requests", "", &reqs)
	if len(reqs) != 0 {
		t.Errorf("requests after DELETE: %+v", reqs)
	}
}

func TestStandaloneFaults(t *testing.T) {
	_, base := standalone(t)
	ctx := context.Background()
	c := clientFor(t, base)
	var e map[string]any
	if code := admin(t, "POST", base+"/_tvauth/faults", `{"path": "/ags/servicediscovery", "status": "503"}`, &e); code != 400 || e["field"] != "status" {
		t.Fatalf("fault with a string status: %d %v", code, e)
	}
	if code := admin(t, "POST", base+"/_tvauth/faults", `{"path": "/ags/servicediscovery"}`, &e); code != 400 {
		t.Fatalf("fault without status: %d %v", code, e)
	}
	admin(t, "POST", base+"/_tvauth/faults", `{"method": "GET", "path": "/ags/servicediscovery", "status": 418, "header": {"X-Why": "test"}}`, nil)
	var pending []adminFault
	admin(t, "GET", base+"/_tvauth/faults", "", &pending)
	if len(pending) != 1 || pending[0].Status != 418 || pending[0].Header["X-Why"] != "test" {
		t.Fatalf("pending = %+v", pending)
	}
	_, err := c.AGS.ServiceDiscovery(ctx)
	if ae := (*tvauth.AGSError)(nil); !errors.As(err, &ae) || ae.HTTPStatus != 418 {
		t.Fatalf("discovery with a fault: %v", err)
	}
	if _, err := c.AGS.ServiceDiscovery(ctx); err != nil {
		t.Fatalf("the fault outlived its one use: %v", err)
	}
	admin(t, "POST", base+"/_tvauth/faults", `{"path": "/ags/*", "drop": true}`, nil)
	// A fresh connection: net/http resends a GET whose reused connection closes unanswered.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Get(base + "/ags/servicediscovery"); err == nil {
		resp.Body.Close()
		t.Fatalf("a dropped connection answered %s", resp.Status)
	}
	admin(t, "POST", base+"/_tvauth/faults", `{"path": "/ags/*", "status": 500, "times": 5}`, nil)
	admin(t, "DELETE", base+"/_tvauth/faults", "", nil)
	if _, err := c.AGS.ServiceDiscovery(ctx); err != nil {
		t.Fatalf("faults survived DELETE: %v", err)
	}
}

func TestStandaloneLatencyThrottleAndClock(t *testing.T) {
	a, base := standalone(t)
	c := clientFor(t, base)
	if code := admin(t, "PUT", base+"/_tvauth/latency", `{"path": "/ags/*", "latency": "10s"}`, nil); code != 200 {
		t.Fatal(code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err := c.AGS.ServiceDiscovery(ctx)
	cancel()
	if err == nil {
		t.Fatal("10s of latency answered within 100ms")
	}
	admin(t, "PUT", base+"/_tvauth/latency", `{"path": "/ags/*", "latency": "0s"}`, nil)
	if _, err := c.AGS.ServiceDiscovery(context.Background()); err != nil {
		t.Fatalf("latency removed: %v", err)
	}

	admin(t, "PUT", base+"/_tvauth/throttle", `{"burst": 1, "rate": 0.001, "paths": ["/ags/*"]}`, nil)
	_, _ = c.AGS.ServiceDiscovery(context.Background())
	_, err = c.AGS.ServiceDiscovery(context.Background())
	if ae := (*tvauth.AGSError)(nil); !errors.As(err, &ae) || ae.HTTPStatus != 429 {
		t.Fatalf("throttled discovery: %v", err)
	}
	admin(t, "DELETE", base+"/_tvauth/throttle", "", nil)

	ctx = context.Background()
	sess, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: DefaultWebAPILogin, Password: DefaultWebAPIPassword})
	if err != nil {
		t.Fatal(err)
	}
	var clock map[string]string
	admin(t, "POST", base+"/_tvauth/clock", `{"advance": "25h"}`, &clock)
	if clock["offset"] != "25h0m0s" {
		t.Errorf("clock = %v", clock)
	}
	if a.Server().WebAPISessionActive(sess.Token) {
		t.Error("a shortterm WebAPI session outlived 25 hours of clock")
	}
	admin(t, "GET", base+"/_tvauth/clock", "", &clock)
	if now, err := time.Parse(time.RFC3339Nano, clock["now"]); err != nil || now.Before(time.Now().Add(24*time.Hour)) {
		t.Errorf("clock now = %v (%v)", clock["now"], err)
	}
}
