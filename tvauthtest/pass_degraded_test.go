package tvauthtest_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// statusLog records the status of every answer a client receives, by method and path.
type statusLog struct {
	mu   sync.Mutex
	base http.RoundTripper
	got  map[string][]int
}

func (l *statusLog) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(r)
	if err == nil {
		l.mu.Lock()
		l.got[r.Method+" "+r.URL.Path] = append(l.got[r.Method+" "+r.URL.Path], resp.StatusCode)
		l.mu.Unlock()
	}
	return resp, err
}

func (l *statusLog) statuses(key string) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int(nil), l.got[key]...)
}

// A degraded MVPD, end to end through the SDK: Adobe's documented degraded answers (a session that
// answers authorize with reasonType degraded, a "degraded" profile issued by Adobe, decisions from
// "degradation", a 200 from profiles/sso, a complete/none logout) decode into the SDK's values.
func TestSDKDegradedMVPD(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	fake.DenyResource("Dish", "HBO")
	if !fake.DegradeMVPD("Dish", true) || !fake.MVPDDegraded("Dish") {
		t.Fatal("DegradeMVPD(Dish) did not take")
	}
	if fake.DegradeMVPD("Nope", true) {
		t.Fatal("DegradeMVPD accepted an MVPD the fake does not have")
	}
	log := &statusLog{base: http.DefaultTransport, got: map[string][]int{}}
	c := sdkClient(t, fake, tvauth.WithHTTPClient(&http.Client{Transport: log}))
	ctx := t.Context()

	// Session: no login, Adobe answers for the MVPD.
	sess, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: sdkSP, MVPD: "Dish", DomainName: "adobe.com", RedirectURL: sdkRedirect})
	if err != nil {
		t.Fatal(err)
	}
	if sess.ActionName != tvauth.ActionAuthorize || sess.ActionType != tvauth.ActionTypeDirect || sess.ReasonType != tvauth.ReasonDegraded ||
		sess.URL == nil || sess.URL.Path != "/api/v2/REF30/decisions/authorize/Dish" || sess.Code != "" {
		t.Fatalf("session for a degraded MVPD: %+v", sess)
	}

	// Profile: type degraded, issued by Adobe, found by every profile call.
	for name, get := range map[string]func() (*tvauth.ProfilesResult, error){
		"Profiles": func() (*tvauth.ProfilesResult, error) {
			return c.Pass.Profiles(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP})
		},
		"ProfileForMVPD": func() (*tvauth.ProfilesResult, error) {
			return c.Pass.ProfileForMVPD(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP, MVPD: "Dish"})
		},
	} {
		res, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p, ok := res.Profile("Dish")
		if !ok || p.Type != tvauth.ProfileDegraded || p.Issuer != "Adobe" || p.NotAfter.IsZero() {
			t.Errorf("%s: %+v", name, res)
		}
	}

	// Decisions: from degradation, every resource permitted (the MVPD's denial is not consulted).
	for name, decide := range map[string]func(tvauth.DecisionRequest) (*tvauth.DecisionsResult, error){
		"Authorize": func(r tvauth.DecisionRequest) (*tvauth.DecisionsResult, error) { return c.Pass.Authorize(ctx, r) },
		"Preauthorize": func(r tvauth.DecisionRequest) (*tvauth.DecisionsResult, error) {
			return c.Pass.Preauthorize(ctx, r)
		},
	} {
		res, err := decide(tvauth.DecisionRequest{ServiceProvider: sdkSP, MVPD: "Dish", Resources: []string{"REF30", "HBO"}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, id := range []string{"REF30", "HBO"} {
			d, ok := res.Decision(id)
			if !ok || !d.Authorized || d.Source != tvauth.SourceDegradation || d.Error != nil || (name == "Authorize") != (d.Token != nil) {
				t.Errorf("%s %s: %+v", name, id, d)
			}
		}
	}

	// Partner SSO for a degraded MVPD: the session answers authorize/degraded (Adobe's
	// partner_session_degraded sample); profiles/sso answers 200 with Adobe's degraded profile.
	pfs, err := tvauth.FrameworkStatus{AccessStatus: "granted", ProviderID: "Dish"}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	phone := sdkClient(t, fake, tvauth.WithHTTPClient(&http.Client{Transport: log}), tvauth.WithDevice(sdkDevice("phone-degraded")))
	ps, err := phone.Pass.PartnerSession(ctx, tvauth.PartnerSessionRequest{ServiceProvider: sdkSP, Partner: tvauthtest.PartnerApple,
		DomainName: "adobe.com", RedirectURL: sdkRedirect, Headers: tvauth.PassHeaders{PartnerFrameworkStatus: pfs}})
	if err != nil || ps.ActionName != tvauth.ActionAuthorize || ps.ReasonType != tvauth.ReasonDegraded || ps.MVPD != "Dish" {
		t.Fatalf("partner session for a degraded MVPD: %+v, %v", ps, err)
	}
	tablet := sdkClient(t, fake, tvauth.WithHTTPClient(&http.Client{Transport: log}), tvauth.WithDevice(sdkDevice("tablet-degraded")))
	sso, err := tablet.Pass.PartnerProfile(ctx, tvauth.PartnerProfileRequest{ServiceProvider: sdkSP, Partner: tvauthtest.PartnerApple,
		SAMLResponse: fake.PartnerSAMLResponse("Dish", ""), Headers: tvauth.PassHeaders{PartnerFrameworkStatus: pfs}})
	if err != nil {
		t.Fatalf("PartnerProfile: %v", err)
	}
	if p, ok := sso.Profile("Dish"); !ok || p.Type != tvauth.ProfileDegraded || p.Issuer != "Adobe" {
		t.Errorf("PartnerProfile for a degraded MVPD: %+v", sso)
	}
	if got := log.statuses("POST /api/v2/REF30/profiles/sso/Apple"); len(got) != 1 || got[0] != http.StatusOK {
		t.Errorf("profiles/sso answered %v, want [200] (Adobe: 201, 200 when degraded)", got)
	}

	// Logout of a degraded profile: complete/none, nothing for a user agent.
	out, err := c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sdkSP, MVPD: "Dish", RedirectURL: sdkRedirect})
	if err != nil || len(out.Actions) != 1 || out.Actions[0].Name != tvauth.ActionComplete || out.Actions[0].Type != tvauth.ActionTypeNone || !out.IsComplete() {
		t.Fatalf("logout of a degraded profile: %+v, %v", out, err)
	}

	// Degradation off: a new session needs a login again, and profiles/sso creates the partner's
	// profile with 201.
	fake.DegradeMVPD("Dish", false)
	again, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: sdkSP, MVPD: "Dish", DomainName: "adobe.com", RedirectURL: sdkRedirect})
	if err != nil || again.ActionName != tvauth.ActionAuthenticate || again.ReasonType == tvauth.ReasonDegraded {
		t.Fatalf("session after degradation ended: %+v, %v", again, err)
	}
	laptop := sdkClient(t, fake, tvauth.WithHTTPClient(&http.Client{Transport: log}), tvauth.WithDevice(sdkDevice("laptop-degraded")))
	if sso, err := laptop.Pass.PartnerProfile(ctx, tvauth.PartnerProfileRequest{ServiceProvider: sdkSP, Partner: tvauthtest.PartnerApple,
		SAMLResponse: fake.PartnerSAMLResponse("Dish", ""), Headers: tvauth.PassHeaders{PartnerFrameworkStatus: pfs}}); err != nil {
		t.Fatal(err)
	} else if p, _ := sso.Profile("Dish"); p.Type != tvauth.ProfileAppleSSO {
		t.Errorf("PartnerProfile after degradation ended: %+v", sso)
	}
	if got := log.statuses("POST /api/v2/REF30/profiles/sso/Apple"); len(got) != 2 || got[1] != http.StatusCreated {
		t.Errorf("profiles/sso answered %v, want [200 201]", got)
	}
}

// A seed says which MVPDs are degraded and which profiles are degraded ones, from a file or through
// the admin API; an unknown profile type is refused with the field named.
func TestSeedDegraded(t *testing.T) {
	t.Parallel()
	seed, err := tvauthtest.ParseSeed([]byte(`{
  "mvpds": [{"id": "Cablevision", "logout_endpoint": true}, {"id": "Dish", "degraded": true}],
  "profiles": [{"service_provider": "REF30", "mvpd": "Cablevision", "device_id": "` + tvauthtest.DefaultDeviceID + `", "type": "degraded"}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	fake := tvauthtest.NewServer()
	t.Cleanup(fake.Close)
	if err := fake.ApplySeed(seed); err != nil {
		t.Fatal(err)
	}
	if !fake.MVPDDegraded("Dish") || fake.MVPDDegraded("Cablevision") {
		t.Fatalf("degraded: Dish %v, Cablevision %v", fake.MVPDDegraded("Dish"), fake.MVPDDegraded("Cablevision"))
	}
	c := fake.Client()
	res, err := c.Pass.ProfileForMVPD(t.Context(), tvauth.ProfileRequest{ServiceProvider: sdkSP, MVPD: "Cablevision"})
	if p, ok := res.Profile("Cablevision"); err != nil || !ok || p.Type != tvauth.ProfileDegraded || p.Issuer != "Adobe" {
		t.Fatalf("seeded degraded profile: %+v, %v", res, err)
	}
	d, err := c.Pass.Authorize(t.Context(), tvauth.DecisionRequest{ServiceProvider: sdkSP, MVPD: "Cablevision", Resources: []string{"REF30"}})
	if dec, ok := d.Decision("REF30"); err != nil || !ok || dec.Source != tvauth.SourceDegradation {
		t.Fatalf("decision on a seeded degraded profile: %+v, %v", d, err)
	}

	_, err = tvauthtest.ParseSeed([]byte(`{"mvpds": [{"id": "Dish"}],
 "profiles": [{"service_provider": "REF30", "mvpd": "Dish", "device_id": "d", "type": "degradd"}]}`))
	var se *tvauthtest.SeedError
	if !errors.As(err, &se) || se.Field != "profiles[0].type" || se.Line != 2 || !strings.Contains(se.Reason, "degraded") {
		t.Fatalf("an unknown profile type: %#v", err)
	}

	// The admin API takes the same seed: a running tvauth fake degrades an MVPD on request.
	sa, err := tvauthtest.NewStandalone(tvauthtest.DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(sa)
	t.Cleanup(func() { hs.Close(); sa.Close() })
	resp, err := http.Post(hs.URL+tvauthtest.AdminPrefix+"seed", "application/json",
		strings.NewReader(`{"mvpds": [{"id": "Dish", "degraded": true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST seed: %d %s", resp.StatusCode, body)
	}
	remote, err := tvauth.New(tvauth.WithPassURL(hs.URL), tvauth.WithDevice(tvauthtest.DefaultDevice()),
		tvauth.WithPassCredentials(sa.Server().PassCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	sess, err := remote.Pass.CreateSession(t.Context(), tvauth.SessionRequest{ServiceProvider: sdkSP, MVPD: "Dish", DomainName: "adobe.com", RedirectURL: sdkRedirect})
	if err != nil || sess.ReasonType != tvauth.ReasonDegraded {
		t.Fatalf("session after the admin API degraded Dish: %+v, %v", sess, err)
	}
	var e map[string]any
	resp, err = http.Post(hs.URL+tvauthtest.AdminPrefix+"seed", "application/json",
		strings.NewReader(`{"profiles": [{"service_provider": "REF30", "mvpd": "Dish", "device_id": "d", "type": "gold"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || e["field"] != "profiles[0].type" {
		t.Fatalf("admin seed with an unknown profile type: %d %v", resp.StatusCode, e)
	}
}
