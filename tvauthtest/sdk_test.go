package tvauthtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// The SDK's real methods against the fake, family by family. The fake's own tests drive it with
// hand-built requests; these drive it with the SDK, so a disagreement between the two (a name, an
// encoding, a status, a shape) fails here. Each check compares what the SDK returns with what the
// fake holds, never with a value the test made up.

const (
	sdkSP       = "REF30"
	sdkRedirect = "https://app.example/signed-in?from=tvauth"
)

// sdkFastRetry keeps retries (their count and kinds are the SDK's) but not their waits.
var sdkFastRetry = tvauth.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}

func sdkDevice(id string) tvauth.Device {
	secure := true
	return tvauth.Device{ID: id, Info: tvauth.DeviceInfo{
		PrimaryHardwareType: "SetTopBox", Model: "STB-9", Version: "2.1", Manufacturer: "Acme",
		OSName: "Linux", OSVersion: "6.1", ConnectionType: "WiFi", DisplayWidth: 1920, ConnectionSecure: &secure,
	}}
}

// sdkFake is a fake with Adobe's two kinds of MVPD: Cablevision has a logout endpoint, Dish none.
func sdkFake(t *testing.T) *tvauthtest.Server {
	t.Helper()
	fake := tvauthtest.NewServer()
	t.Cleanup(fake.Close)
	fake.AddMVPD("Cablevision", true)
	fake.AddMVPD("Dish", false)
	return fake
}

func sdkClient(t *testing.T, fake *tvauthtest.Server, opts ...tvauth.Option) *tvauth.Client {
	t.Helper()
	c, err := tvauth.New(append(append(fake.Options(), tvauth.WithRetry(sdkFastRetry)), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sdkBareClient points a client at the fake with neither the device nor the Pass credentials that
// fake.Options() brings.
func sdkBareClient(t *testing.T, fake *tvauthtest.Server, opts ...tvauth.Option) *tvauth.Client {
	t.Helper()
	base := []tvauth.Option{tvauth.WithHTTPClient(&http.Client{Transport: fake.Transport()}),
		tvauth.WithPassURL(fake.URL()), tvauth.WithClientlessURL(fake.URL()), tvauth.WithRetry(sdkFastRetry)}
	c, err := tvauth.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sdkPassClient registers through DCR with the fake's software statement and returns a client
// whose Pass and Clientless calls carry a token the fake issued, for dev.
func sdkPassClient(t *testing.T, fake *tvauthtest.Server, dev tvauth.Device) *tvauth.Client {
	t.Helper()
	reg := sdkClient(t, fake, tvauth.WithDevice(dev))
	creds, err := reg.Pass.Register(t.Context(), fake.SoftwareStatement())
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if creds.ClientID == "" || creds.ClientSecret == "" {
		t.Fatalf("Register returned empty credentials")
	}
	return sdkClient(t, fake, tvauth.WithDevice(dev), tvauth.WithPassTokenSource(reg.Pass.TokenSource(*creds)))
}

// sdkCount counts the requests the fake received for method and path.
func sdkCount(fake *tvauthtest.Server, method, path string) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func sdkLast(t *testing.T, fake *tvauthtest.Server, method, path string) tvauthtest.Request {
	t.Helper()
	reqs := fake.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].Path == path {
			return reqs[i]
		}
	}
	t.Fatalf("the fake received no %s %s", method, path)
	return tvauthtest.Request{}
}

func TestSDKPassRegister(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	dev := sdkDevice("reg-device")
	c := sdkClient(t, fake, tvauth.WithDevice(dev))
	ctx := t.Context()

	other := tvauthtest.NewServer()
	defer other.Close()
	_, err := c.Pass.Register(ctx, other.SoftwareStatement())
	var pe *tvauth.PassError
	if !errors.As(err, &pe) || pe.HTTPStatus != 400 || pe.Code != "invalid_software_statement" {
		t.Fatalf("another fake's statement: %v", err)
	}
	if strings.Contains(err.Error(), string(other.SoftwareStatement())) {
		t.Fatal("the error text carries the software statement")
	}

	creds, err := c.Pass.Register(ctx, fake.SoftwareStatement())
	if err != nil {
		t.Fatal(err)
	}
	reg := sdkLast(t, fake, "POST", "/o/client/register")
	if reg.Header.Get("X-Device-Info") == "" || !strings.HasPrefix(reg.Header.Get("Content-Type"), "application/json") {
		t.Errorf("register headers: %v", reg.Header)
	}
	tok, err := c.Pass.AccessToken(ctx, *creds)
	if err != nil || tok.AccessToken == "" || tok.Expiry.IsZero() || !strings.EqualFold(tok.TokenType, "bearer") {
		t.Fatalf("AccessToken: %+v, %v", tok, err)
	}
	// The SDK sets Expiry a margin before expires_in runs out, so that it refetches in time.
	if until := time.Until(tok.Expiry); until < tvauthtest.PassTokenTTL*9/10 || until > tvauthtest.PassTokenTTL {
		t.Errorf("token expires in %v, the fake issued it for %v", until, tvauthtest.PassTokenTTL)
	}
	_, err = c.Pass.AccessToken(ctx, tvauth.ClientCredentials{ClientID: creds.ClientID, ClientSecret: "wrong"})
	if !errors.As(err, &pe) || pe.Code != "invalid_client" || !errors.Is(err, tvauth.ErrUnauthorized) {
		t.Fatalf("wrong client secret: %v", err)
	}
}

// TestSDKPassFlow is REST API v2 from configuration to logout: a session, the login in a user agent,
// profiles, decisions with media tokens the fake verifies, and both kinds of logout.
func TestSDKPassFlow(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	dev := sdkDevice("living-room")
	c := sdkPassClient(t, fake, dev)
	ctx := t.Context()
	fakeURL, _ := url.Parse(fake.URL())

	cfg, err := c.Pass.Configuration(ctx, sdkSP)
	if err != nil {
		t.Fatal(err)
	}
	var mvpds []string
	for _, m := range cfg.Requestor.MVPDs {
		mvpds = append(mvpds, m.ID)
	}
	if cfg.Requestor.ID != sdkSP || !slices.Equal(mvpds, []string{"Cablevision", "Dish"}) || cfg.OS != "Linux" {
		t.Fatalf("configuration: %+v (MVPDs %v)", cfg, mvpds)
	}

	// A session: authenticate in a user agent.
	sess, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: sdkSP, MVPD: "Cablevision",
		DomainName: "adobe.com", RedirectURL: sdkRedirect})
	if err != nil {
		t.Fatal(err)
	}
	held, ok := fake.PassSession(sess.Code)
	if !ok || sess.ActionName != tvauth.ActionAuthenticate || sess.ActionType != tvauth.ActionTypeInteractive ||
		!sess.NeedsUserAgent() || sess.MVPD != "Cablevision" || sess.ServiceProvider != sdkSP || sess.SessionID != held.ID {
		t.Fatalf("session %+v; the fake holds %+v", sess, held)
	}
	if held.DeviceID != dev.ID || held.RedirectURL != sdkRedirect || held.Domain != "adobe.com" ||
		!sess.NotBefore.Equal(held.NotBefore.Truncate(time.Millisecond)) || !sess.NotAfter.Equal(held.NotAfter.Truncate(time.Millisecond)) {
		t.Fatalf("the SDK sent or read the session wrong: SDK %+v, fake %+v", sess, held)
	}
	wantAuthURL := fake.URL() + "/api/v2/authenticate/" + sdkSP + "/" + sess.Code
	if sess.URL == nil || sess.URL.String() != wantAuthURL {
		t.Fatalf("session URL %v, want %s (resolved against the Pass base URL)", sess.URL, wantAuthURL)
	}
	if u, err := c.Pass.AuthenticateURL(sdkSP, sess.Code); err != nil || u != wantAuthURL {
		t.Errorf("AuthenticateURL = %q, %v", u, err)
	}
	if p, err := c.Pass.ProfileForCode(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP, Code: sess.Code}); err != nil || len(p.Profiles) != 0 {
		t.Fatalf("profile for the code before login: %+v, %v", p, err)
	}
	landed, err := fake.Browse(ctx, nil, sess.URL.String(), sdkRedirect)
	if err != nil || landed != sdkRedirect {
		t.Fatalf("login in a user agent landed on %q: %v", landed, err)
	}

	// The login created the profile; the SDK reads it the way the fake holds it.
	prof, err := c.Pass.WaitForProfile(ctx, sdkSP, sess.Code)
	if err != nil {
		t.Fatal(err)
	}
	held2 := fake.Profiles(sdkSP, dev.ID)
	if len(held2) != 1 || prof.MVPD != "Cablevision" || prof.Type != tvauth.ProfileRegular || prof.Issuer != "Cablevision" ||
		prof.SessionID != held2[0].SessionID || prof.Attributes["userID"].Text() != held2[0].UserID ||
		!prof.NotAfter.Equal(held2[0].NotAfter.Truncate(time.Millisecond)) {
		t.Fatalf("profile %+v; the fake holds %+v", prof, held2)
	}
	all, err := c.Pass.Profiles(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP})
	if err != nil || len(all.Profiles) != 1 || all.Profiles[0].MVPD != "Cablevision" {
		t.Fatalf("Profiles: %+v, %v", all, err)
	}
	if p, ok := all.Profile("Cablevision"); !ok || p.SessionID != prof.SessionID {
		t.Errorf("ProfilesResult.Profile: %+v %v", p, ok)
	}
	if dish, err := c.Pass.ProfileForMVPD(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP, MVPD: "Dish"}); err != nil || len(dish.Profiles) != 0 {
		t.Errorf("ProfileForMVPD(Dish): %+v, %v", dish, err)
	}
	// Another device has none: the SDK sends the request's device, not the client default.
	otherDev := sdkDevice("kitchen")
	if p, err := c.Pass.Profiles(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP, Device: &otherDev}); err != nil || len(p.Profiles) != 0 {
		t.Errorf("another device's profiles: %+v, %v", p, err)
	}

	// With a profile, a new session says authorize.
	again, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: sdkSP, MVPD: "Cablevision",
		DomainName: "adobe.com", RedirectURL: sdkRedirect})
	if err != nil || again.ActionName != tvauth.ActionAuthorize || again.ActionType != tvauth.ActionTypeDirect ||
		again.ReasonType != tvauth.ReasonType("authenticated") || again.NeedsUserAgent() ||
		again.URL == nil || again.URL.String() != fake.URL()+"/api/v2/"+sdkSP+"/decisions/authorize/Cablevision" {
		t.Fatalf("session with a profile: %+v, %v", again, err)
	}

	// Decisions: a permit with a media token the fake verifies, and a deny with its error.
	fake.DenyResource("Cablevision", "Live")
	dec, err := c.Pass.Authorize(ctx, tvauth.DecisionRequest{ServiceProvider: sdkSP, MVPD: "Cablevision", Resources: []string{"REF30", "Live"}})
	if err != nil || len(dec.Decisions) != 2 {
		t.Fatalf("Authorize: %+v, %v", dec, err)
	}
	permit, _ := dec.Decision("REF30")
	deny, _ := dec.Decision("Live")
	if !permit.Authorized || permit.Token == nil || permit.Source != tvauth.SourceMVPD || permit.MVPD != "Cablevision" || permit.Error != nil {
		t.Fatalf("permit: %+v", permit)
	}
	mt, err := fake.VerifyMediaToken(permit.Token.SerializedToken)
	if err != nil || mt.Resource != "REF30" || mt.MVPD != "Cablevision" || mt.Requestor != sdkSP || mt.UserID != held2[0].UserID ||
		!permit.Token.NotAfter.Equal(mt.Expires) {
		t.Fatalf("media token %+v (SDK NotAfter %v): %v", mt, permit.Token.NotAfter, err)
	}
	if deny.Authorized || deny.Token != nil || deny.Error == nil || deny.Error.Code != "authorization_denied_by_mvpd" ||
		deny.Error.Status != 403 || deny.Error.HTTPStatus != 200 || !strings.Contains(deny.Error.Details, "Live") {
		t.Fatalf("deny: %+v (error %+v)", deny, deny.Error)
	}
	pre, err := c.Pass.Preauthorize(ctx, tvauth.DecisionRequest{ServiceProvider: sdkSP, MVPD: "Cablevision", Resources: []string{"REF30", "Live"}})
	if err != nil || len(pre.Decisions) != 2 || !pre.Decisions[0].Authorized || pre.Decisions[0].Token != nil ||
		pre.Decisions[1].Authorized || pre.Decisions[1].Error == nil || pre.Decisions[1].Error.Code != "preauthorization_denied_by_mvpd" {
		t.Fatalf("Preauthorize: %+v, %v", pre, err)
	}
	// No profile on another device: the fake's 403 is a *PassError with its Enhanced Error Code.
	_, err = c.Pass.Authorize(ctx, tvauth.DecisionRequest{ServiceProvider: sdkSP, MVPD: "Cablevision", Resources: []string{"REF30"}, Device: &otherDev})
	var pe *tvauth.PassError
	if !errors.As(err, &pe) || pe.HTTPStatus != 403 || pe.Action != "authentication" || pe.Code != "authenticated_profile_missing" || pe.Trace == "" {
		t.Fatalf("authorize without a profile: %v", err)
	}

	// Logout at an MVPD with a logout endpoint: the profile is gone and the URL, opened in a user
	// agent that keeps cookies, completes the MVPD logout and lands on redirectUrl.
	const signedOut = "https://app.example/signed-out"
	res, err := c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sdkSP, MVPD: "Cablevision", RedirectURL: signedOut})
	if err != nil || len(res.Actions) != 1 {
		t.Fatalf("Logout: %+v, %v", res, err)
	}
	a := res.Actions[0]
	if a.MVPD != "Cablevision" || a.Name != tvauth.ActionLogout || a.Type != tvauth.ActionTypeInteractive || !a.NeedsUserAgent() ||
		res.IsComplete() || a.URL == nil || a.URL.Host != fakeURL.Host || a.URL.Path != "/adobe-services/logout" ||
		a.URL.Query().Get("redirect_url") != signedOut {
		t.Fatalf("logout action %+v", a)
	}
	if got := sdkLast(t, fake, "GET", "/api/v2/"+sdkSP+"/logout/Cablevision").RawQuery; got != "redirectUrl="+url.QueryEscape(signedOut) {
		t.Errorf("logout query on the wire: %q", got)
	}
	if p := fake.Profiles(sdkSP, dev.ID); len(p) != 0 {
		t.Fatalf("profiles after logout: %+v", p)
	}
	landed, err = fake.Browse(ctx, fake.UserAgent(), a.URL.String(), signedOut)
	if err != nil || !tvauthtest.ReachedRedirect(landed, signedOut) || fake.CompletedLogouts("Cablevision") != 1 {
		t.Fatalf("MVPD logout chain: landed %q, %d completed: %v", landed, fake.CompletedLogouts("Cablevision"), err)
	}
	res, err = c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sdkSP, MVPD: "Cablevision", RedirectURL: signedOut})
	if err != nil || len(res.Actions) != 1 || res.Actions[0].Name != tvauth.ActionInvalid || res.Actions[0].Type != tvauth.ActionTypeNone ||
		res.Actions[0].URL != nil || !res.IsComplete() {
		t.Fatalf("logout without a profile: %+v, %v", res, err)
	}
	// An MVPD without a logout endpoint: complete/none.
	fake.AddProfile(tvauthtest.Profile{ServiceProvider: sdkSP, MVPD: "Dish", DeviceID: dev.ID})
	res, err = c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sdkSP, MVPD: "Dish", RedirectURL: signedOut})
	if err != nil || len(res.Actions) != 1 || res.Actions[0].Name != tvauth.ActionComplete || res.Actions[0].Type != tvauth.ActionTypeNone ||
		res.Actions[0].NeedsUserAgent() || !res.IsComplete() || len(fake.Profiles(sdkSP, dev.ID)) != 0 {
		t.Fatalf("logout at Dish: %+v, %v", res, err)
	}
}

// A device that cannot supply every session parameter leaves them to a second screen, which reads
// the session and resumes it.
func TestSDKPassResumeSession(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	dev := sdkDevice("tv-without-keyboard")
	c := sdkPassClient(t, fake, dev)
	ctx := t.Context()

	sess, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: sdkSP})
	if err != nil || sess.ActionName != tvauth.ActionResume || sess.ActionType != tvauth.ActionTypeDirect ||
		!slices.Equal(sess.MissingParameters, []string{"mvpd", "domain", "redirectUrl"}) || sess.Code == "" {
		t.Fatalf("session without parameters: %+v, %v", sess, err)
	}
	info, err := c.Pass.SessionInfo(ctx, sdkSP, sess.Code)
	if err != nil || info.ExistingParameters["serviceProvider"] != sdkSP || len(info.MissingParameters) != 3 ||
		!sess.NotAfter.Equal(info.NotAfter) {
		t.Fatalf("SessionInfo: %+v, %v", info, err)
	}
	var device struct{ Type, Model string }
	if err := json.Unmarshal(info.Device, &device); err != nil || device.Type != "SetTopBox" || device.Model != "STB-9" {
		t.Fatalf("session device %s: %v", info.Device, err)
	}
	resumed, err := c.Pass.ResumeSession(ctx, sess.Code, tvauth.SessionRequest{ServiceProvider: sdkSP, MVPD: "Dish",
		DomainName: "adobe.com", RedirectURL: sdkRedirect})
	if err != nil || resumed.ActionName != tvauth.ActionAuthenticate || resumed.Code != sess.Code || !resumed.NeedsUserAgent() {
		t.Fatalf("ResumeSession: %+v, %v", resumed, err)
	}
	if landed, err := fake.Browse(ctx, nil, resumed.URL.String(), sdkRedirect); err != nil || landed != sdkRedirect {
		t.Fatalf("login: %q, %v", landed, err)
	}
	// The profile is the first device's, whoever resumed.
	if p := fake.Profiles(sdkSP, dev.ID); len(p) != 1 || p[0].MVPD != "Dish" {
		t.Fatalf("profiles: %+v", p)
	}
	_, err = c.Pass.SessionInfo(ctx, sdkSP, "NOSUCH1")
	var pe *tvauth.PassError
	if !errors.As(err, &pe) || pe.HTTPStatus != 400 || pe.Code != "invalid_parameter_code" {
		t.Fatalf("unknown code: %v", err)
	}
}

// The fake's 401 for a token it no longer honours makes the SDK fetch a new one and retry, once.
func TestSDKPassTokenRefetch(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	c := sdkPassClient(t, fake, sdkDevice("refetch"))
	ctx := t.Context()
	if _, err := c.Pass.Configuration(ctx, sdkSP); err != nil {
		t.Fatal(err)
	}
	before := sdkCount(fake, "POST", "/o/client/token")
	fake.ExpirePassTokens()
	if _, err := c.Pass.Configuration(ctx, sdkSP); err != nil {
		t.Fatalf("after the fake dropped every token: %v", err)
	}
	if got := sdkCount(fake, "POST", "/o/client/token") - before; got != 1 {
		t.Fatalf("%d token fetches after a 401, want 1", got)
	}

	// Without a token source the SDK refuses before any I/O; so it does without a device where the
	// fake requires the device headers.
	n := len(fake.Requests())
	// fake.Options() brings a device and credentials: these two clients are built without one of them.
	bare := sdkBareClient(t, fake, tvauth.WithDevice(sdkDevice("refetch")))
	if _, err := bare.Pass.Profiles(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP}); !errors.Is(err, tvauth.ErrNotConfigured) {
		t.Errorf("no token source: %v", err)
	}
	noDevice := sdkBareClient(t, fake, tvauth.WithPassTokenSource(c.Pass.TokenSource(tvauth.ClientCredentials{ClientID: "x", ClientSecret: "y"})))
	_, err := noDevice.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sdkSP, MVPD: "Dish", RedirectURL: sdkRedirect})
	var ve *tvauth.ValidationError
	if !errors.As(err, &ve) || ve.Field != "Device" {
		t.Errorf("no device: %v", err)
	}
	if got := len(fake.Requests()); got != n {
		t.Errorf("refused calls reached the fake: %d requests", got-n)
	}
}

// TestSDKClientlessFlow is REST API v1: a regcode, the login through /api/v1/authenticate (which the
// fake rejects unless reg_code is first and redirect_url last), then the device's checks, tokens,
// decisions and logout.
func TestSDKClientlessFlow(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	dev := sdkDevice("roku-1")
	c := sdkPassClient(t, fake, dev)
	ctx := t.Context()
	creq := tvauth.ClientlessRequest{RequestorID: sdkSP}

	rc, err := c.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: sdkSP, TTL: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	held, ok := fake.RegCode(rc.Code)
	if !ok || rc.ID != held.ID || rc.Requestor != sdkSP || rc.Info.DeviceID != held.DeviceID || held.DeviceID == "" ||
		rc.Expires.Sub(rc.Generated) != 10*time.Minute || !rc.Expires.Equal(held.Expires.Truncate(time.Millisecond)) {
		t.Fatalf("regcode %+v; the fake holds %+v", rc, held)
	}
	if got, err := c.Clientless.RegCode(ctx, sdkSP, rc.Code); err != nil || got.ID != rc.ID || got.Code != rc.Code {
		t.Fatalf("RegCode: %+v, %v", got, err)
	}
	if ok, err := c.Clientless.CheckAuthN(ctx, creq); err != nil || ok {
		t.Fatalf("CheckAuthN before login: %v, %v", ok, err)
	}

	areq := tvauth.AuthenticateRequest{RequestorID: sdkSP, MSOID: "Cablevision", RegCode: rc.Code, DomainName: "adobe.com",
		RedirectURL: sdkRedirect}
	login, err := c.Clientless.Authenticate(ctx, areq)
	if err != nil {
		t.Fatalf("Authenticate (the fake checks reg_code first and redirect_url last): %v", err)
	}
	if !login.IsAbs() || !strings.HasPrefix(login.Path, "/mvpd/Cablevision/login") {
		t.Fatalf("MVPD login page %v", login)
	}
	raw := sdkLast(t, fake, "GET", "/api/v1/authenticate").RawQuery
	if !strings.HasPrefix(raw, "reg_code="+rc.Code+"&") || !strings.HasSuffix(raw, "&redirect_url="+url.QueryEscape(sdkRedirect)) {
		t.Errorf("authenticate query on the wire: %s", raw)
	}
	if landed, err := fake.Browse(ctx, nil, login.String(), sdkRedirect); err != nil || landed != sdkRedirect {
		t.Fatalf("MVPD login landed on %q: %v", landed, err)
	}
	if held, _ := fake.RegCode(rc.Code); !held.Authenticated {
		t.Fatal("the fake did not record the login")
	}

	if ok, err := c.Clientless.CheckAuthNByRegCode(ctx, sdkSP, rc.Code); err != nil || !ok {
		t.Fatalf("CheckAuthNByRegCode: %v, %v", ok, err)
	}
	if ok, err := c.Clientless.CheckAuthN(ctx, creq); err != nil || !ok {
		t.Fatalf("CheckAuthN: %v, %v", ok, err)
	}
	authn, err := c.Clientless.AuthNToken(ctx, creq)
	if err != nil || authn.MVPD != "Cablevision" || authn.Requestor != sdkSP || authn.UserID == "" || !authn.Expires.After(time.Now()) {
		t.Fatalf("AuthNToken: %+v, %v", authn, err)
	}

	fake.DenyResource("Cablevision", "Live")
	resource := tvauth.ClientlessResourceRequest{RequestorID: sdkSP, Resource: "REF30"}
	if _, err := c.Clientless.AuthZToken(ctx, resource); err == nil {
		t.Fatal("AuthZToken before Authorize succeeded")
	}
	authz, err := c.Clientless.Authorize(ctx, tvauth.ClientlessAuthorizeRequest{RequestorID: sdkSP, Resource: "REF30"})
	if err != nil || authz.MVPD != "Cablevision" || authz.Resource != "REF30" ||
		(time.Until(authz.Expires)-tvauthtest.AuthzTokenTTL).Abs() > time.Minute {
		t.Fatalf("Authorize: %+v, %v", authz, err)
	}
	_, err = c.Clientless.Authorize(ctx, tvauth.ClientlessAuthorizeRequest{RequestorID: sdkSP, Resource: "Live"})
	var pe *tvauth.PassError
	if !errors.As(err, &pe) || pe.HTTPStatus != 403 || pe.Message != "User not authorized" || !strings.Contains(pe.Details, "Live") {
		t.Fatalf("denied Authorize: %v", err)
	}
	if stored, err := c.Clientless.AuthZToken(ctx, resource); err != nil || !stored.Expires.Equal(authz.Expires) {
		t.Fatalf("AuthZToken: %+v, %v", stored, err)
	}
	media, err := c.Clientless.MediaToken(ctx, resource)
	if err != nil {
		t.Fatal(err)
	}
	mt, err := fake.VerifyMediaToken(media.SerializedToken)
	if err != nil || mt.Resource != "REF30" || mt.UserID != authn.UserID || media.UserID != authn.UserID || media.MVPD != "Cablevision" {
		t.Fatalf("media token %+v (fake reads %+v): %v", media, mt, err)
	}
	pre, err := c.Clientless.Preauthorize(ctx, tvauth.ClientlessPreauthorizeRequest{RequestorID: sdkSP, Resources: []string{"REF30", "Live"}})
	if err != nil || len(pre.Resources) != 2 || !pre.Resources[0].Authorized || pre.Resources[1].Authorized ||
		pre.Resources[1].Error == nil || pre.Resources[1].Error.Code != "preauthorization_denied_by_mvpd" ||
		pre.RequestID == "" || pre.ResponseConfidence != "full" {
		t.Fatalf("Preauthorize: %+v, %v", pre, err)
	}
	byCode, err := c.Clientless.PreauthorizeByRegCode(ctx, rc.Code, tvauth.ClientlessPreauthorizeRequest{RequestorID: sdkSP, Resources: []string{"Live"}})
	if err != nil || len(byCode.Resources) != 1 || byCode.Resources[0].Authorized {
		t.Fatalf("PreauthorizeByRegCode: %+v, %v", byCode, err)
	}
	md, err := c.Clientless.UserMetadata(ctx, creq)
	if err != nil || string(md.Data["userID"]) != `"`+authn.UserID+`"` {
		t.Fatalf("UserMetadata: %+v, %v", md, err)
	}
	cfg, err := c.Clientless.Config(ctx, sdkSP)
	if err != nil || len(cfg.MVPDs) != 2 || cfg.MVPDs[0].ID != "Cablevision" || cfg.MVPDs[1].ID != "Dish" {
		t.Fatalf("Config: %+v, %v", cfg, err)
	}

	// Logout clears Adobe's tokens for the device.
	if err := c.Clientless.Logout(ctx, creq); err != nil {
		t.Fatal(err)
	}
	if fake.ClientlessAuthenticated(sdkSP, held.DeviceID) {
		t.Fatal("the fake still holds the device's authentication after Logout")
	}
	if ok, err := c.Clientless.CheckAuthN(ctx, creq); err != nil || ok {
		t.Fatalf("CheckAuthN after logout: %v, %v", ok, err)
	}
	if err := c.Clientless.DeleteRegCode(ctx, sdkSP, rc.Code); err != nil {
		t.Fatal(err)
	}
	if _, ok := fake.RegCode(rc.Code); ok {
		t.Fatal("DeleteRegCode left the code")
	}

	// A TempPass without a second screen.
	fake.AddMVPD("TempPass_5mins", false)
	if err := c.Clientless.FreePreview(ctx, tvauth.FreePreviewRequest{RequestorID: sdkSP, MSOID: "TempPass_5mins", DomainName: "adobe.com"}); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.Clientless.CheckAuthN(ctx, creq); err != nil || !ok {
		t.Fatalf("CheckAuthN after FreePreview: %v, %v", ok, err)
	}
}

// TestSDKWebAPIFlow signs every format and method of logout with the SDK and has the fake verify
// them with its own implementation, as strictly as it can (canonical order on the wire too).
func TestSDKWebAPIFlow(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	fake.SetWebAPIRawSignatureCheck(true)
	const password = "pa ss+/=&é"
	fake.AddWebAPIUser("alice@example.com", password)
	c := sdkClient(t, fake)
	ctx := t.Context()

	for _, method := range []string{"GET", "POST"} {
		for _, fm := range []struct {
			format   tvauth.Format
			callback string
		}{{tvauth.FormatJSON, ""}, {tvauth.FormatJSON, "cb.done"}, {tvauth.FormatXML, ""}, {tvauth.FormatQS, ""}} {
			name := method + "/" + string(fm.format) + fm.callback
			sess, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "alice@example.com", Password: password,
				Format: fm.format, TokenType: "longterm"})
			if err != nil {
				t.Fatalf("%s: ClientLogin: %v", name, err)
			}
			if !fake.WebAPISessionActive(sess.Token) || sess.ExpiresIn != tvauthtest.WebAPILongTerm || sess.LoginID != "alice@example.com" ||
				sess.SessionKey != tvauth.SessionKey(password, sess.SessionSecret) || (time.Since(sess.HostTime)).Abs() > time.Minute {
				t.Fatalf("%s: session %+v", name, sess)
			}
			resp, err := c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, Format: fm.format, Method: method,
				LoginID: "alice@example.com", Language: "en-us", Callback: fm.callback, RequestID: "req 1/2"})
			if err != nil || resp.StatusCode != 200 || resp.RequestID != "req 1/2" {
				t.Fatalf("%s: Logout: %+v, %v", name, resp, err)
			}
			if fake.WebAPISessionActive(sess.Token) {
				t.Fatalf("%s: the fake still holds the session", name)
			}
			last := sdkLast(t, fake, method, "/auth/logout")
			signed := last.RawQuery
			if method == "POST" {
				signed = string(last.Body)
			}
			if !strings.Contains(signed, "sig_sha256=") || strings.Contains(signed, "+") {
				t.Errorf("%s: signed parameters on the wire: %s", name, signed)
			}
		}
	}

	// A wrong password is the 330/3011 challenge.
	_, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "alice@example.com", Password: "wrong"})
	var we *tvauth.WebAPIError
	if !errors.As(err, &we) || we.StatusCode != 330 || we.StatusDetailCode != 3011 || we.Challenge == nil ||
		we.Challenge.Info != "password" || !errors.Is(err, tvauth.ErrUnauthorized) {
		t.Fatalf("wrong password: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Error("the error text carries the password")
	}

	// A session key that does not belong to the token: the fake's verifier rejects the signature.
	sess, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "alice@example.com", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	forged := *sess
	forged.SessionKey = tvauth.SessionKey("not the password", sess.SessionSecret)
	for _, f := range []tvauth.Format{tvauth.FormatJSON, tvauth.FormatXML, tvauth.FormatQS} {
		_, err = c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: &forged, Format: f})
		if !errors.As(err, &we) || we.StatusCode != 401 || we.HTTPStatus != 401 || !errors.Is(err, tvauth.ErrUnauthorized) {
			t.Errorf("%s: forged signature: %v", f, err)
		}
		if strings.Contains(err.Error(), string(forged.SessionKey)) || strings.Contains(err.Error(), string(sess.Token)) {
			t.Errorf("%s: the error text carries a secret: %v", f, err)
		}
	}
	if !fake.WebAPISessionActive(sess.Token) {
		t.Fatal("a forged logout ended the session")
	}
}

// The fake's clock is an hour ahead of ours: a signed ts follows the host time the SDK learnt at
// login, so the fake's skew check passes.
func TestSDKWebAPIHostTime(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	fake.SetClock(func() time.Time { return time.Now().Add(time.Hour) })
	fake.AddWebAPIUser("bob", "pw")
	c := sdkClient(t, fake)
	ctx := t.Context()
	sess, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "bob", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if skew := time.Until(sess.HostTime); skew < 59*time.Minute || skew > 61*time.Minute {
		t.Fatalf("host time %v is not the fake's", sess.HostTime)
	}
	if _, err := c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, SendTS: true}); err != nil {
		t.Fatalf("signed ts an hour from the local clock: %v", err)
	}
	if fake.WebAPISessionActive(sess.Token) {
		t.Fatal("session still active")
	}
}

// AOL handed tokens out percent-encoded; the fake can too, and accepts them back either as received
// or decoded once. The SDK signs what it sends, either way.
func TestSDKWebAPIPercentEncodedTokens(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	fake.SetWebAPIPercentEncodedTokens(true)
	fake.AddWebAPIUser("carol", "pw")
	c := sdkClient(t, fake)
	ctx := t.Context()
	for _, unescape := range []bool{false, true} {
		sess, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "carol", Password: "pw", UnescapeToken: unescape})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(sess.Token), "%") == unescape {
			t.Fatalf("UnescapeToken=%v kept token %q", unescape, sess.Token)
		}
		if _, err := c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess}); err != nil {
			t.Fatalf("UnescapeToken=%v: Logout: %v", unescape, err)
		}
		if fake.WebAPISessionActive(sess.Token) {
			t.Fatalf("UnescapeToken=%v: session still active", unescape)
		}
	}
}

// TestSDKAGSFlow is AGS from discovery to sign-out: first and n-th sign-on, the 300 with two
// accounts, refresh rotation through the SDK's token source, revocation, and the documented errors.
func TestSDKAGSFlow(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	fake.AddAGSUser("solo")
	fake.AddAGSUser("dave", "1660", "1663")
	c := sdkClient(t, fake)
	ctx := t.Context()
	creds := func(user string) []tvauth.Parameter {
		return []tvauth.Parameter{{Name: tvauthtest.AGSUsernameParam, Value: user}, {Name: tvauthtest.AGSPasswordParam, Value: fake.AGSPassword(user)}}
	}
	device := json.RawMessage(`{"deviceType":"OPEN","deviceName":"Living room"}`)

	disc, err := c.AGS.ServiceDiscovery(ctx)
	if err != nil || len(disc.AvailableServices) != 1 || disc.AvailableServices[0].AuthServiceName != tvauthtest.AGSAuthService {
		t.Fatalf("ServiceDiscovery: %+v, %v", disc, err)
	}
	svc := disc.AvailableServices[0]
	if err := svc.CheckSignOn(creds("solo")); err != nil {
		t.Errorf("the discovered SIGNON endpoint refuses username+password: %v", err)
	}
	if err := svc.CheckSignOn(creds("solo")[:1]); err == nil {
		t.Error("the discovered SIGNON endpoint accepts a missing password")
	}
	if ep, ok := svc.Endpoint("SIGNON"); !ok || ep.Path != "/signOn" || !ep.IsPassword(tvauthtest.AGSPasswordParam) {
		t.Errorf("SIGNON endpoint: %+v %v", ep, ok)
	}

	// First sign-on registers the device; the n-th reuses its client id.
	first, err := c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: creds("solo"), DeviceInformation: device, CorrelationID: "corr-1"})
	if err != nil || first.Tokens == nil || first.Accounts != nil || first.CorrelationID != "corr-1" {
		t.Fatalf("first SignOn: %+v, %v", first, err)
	}
	tok := first.Tokens
	if devs := fake.AGSDevices("solo"); len(devs) != 1 || devs[0] != tok.ClientID || tok.AccountID != "solo" ||
		tok.ExpiresIn != tvauthtest.AGSAccessLifetime || tok.RefreshExpiresIn != tvauthtest.AGSRefreshLifetime ||
		tok.FixedRefreshExpiresIn != tvauthtest.AGSFixedRefreshLifetime || !fake.AGSAccessTokenActive(tok.AccessToken) {
		t.Fatalf("tokens %+v; the fake registered %v", tok, fake.AGSDevices("solo"))
	}
	if h := sdkLast(t, fake, "POST", "/ags/signOn").Header; h.Get("x-auth-service-id") != tvauthtest.AGSAuthService ||
		h.Get("nv-tenant-id") != tvauthtest.AGSTenant || h.Get("x-correlation-id") != "corr-1" {
		t.Errorf("signOn headers: %v", h)
	}
	nth, err := c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: creds("solo"), ClientID: tok.ClientID})
	if err != nil || nth.Tokens == nil || nth.Tokens.ClientID != tok.ClientID || len(fake.AGSDevices("solo")) != 1 {
		t.Fatalf("n-th SignOn: %+v, %v (devices %v)", nth, err, fake.AGSDevices("solo"))
	}

	// Several accounts: 300, then subsequentSignOn with the chosen account's User-Token.
	multi, err := c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: creds("dave"), DeviceInformation: device})
	if err != nil || multi.Tokens != nil || len(multi.Accounts) != 2 {
		t.Fatalf("SignOn with two accounts: %+v, %v", multi, err)
	}
	var ids []string
	for _, a := range multi.Accounts {
		info, err := a.Information()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info["accountId"].(string))
	}
	if !slices.Equal(ids, []string{"1660", "1663"}) || len(fake.AGSDevices("dave")) != 0 {
		t.Fatalf("accounts %v; devices before the choice %v", ids, fake.AGSDevices("dave"))
	}
	user := tvauth.SignOnRequest{Parameters: creds("dave")[:1]}
	chosen, err := c.AGS.SubsequentSignOn(ctx, multi.Accounts[1], user)
	if err != nil || chosen.AccountID != "1663" || len(fake.AGSDevices("dave")) != 1 || fake.AGSDevices("dave")[0] != chosen.ClientID {
		t.Fatalf("SubsequentSignOn: %+v, %v", chosen, err)
	}
	if got := sdkLast(t, fake, "POST", "/ags/subsequentSignOn").Header.Get("User-Token"); got != string(multi.Accounts[1].UserAccountToken) {
		t.Error("subsequentSignOn did not send the account's User-Token")
	}
	if _, err := c.AGS.SubsequentSignOn(ctx, multi.Accounts[0], user); !errors.Is(err, tvauth.ErrUnauthorized) {
		t.Fatalf("a User-Token of a 300 already answered: %v", err)
	}

	// The token source refreshes through the fake; the fake rotates the refresh token.
	var persisted []tvauth.Tokens
	ts := c.AGS.TokenSource(chosen, user, func(t tvauth.Tokens) { persisted = append(persisted, t) })
	if o, err := ts.Token(); err != nil || o.AccessToken != string(chosen.AccessToken) {
		t.Fatalf("first Token: %v", err)
	}
	ts.Invalidate()
	o, err := ts.Token()
	if err != nil || o.AccessToken == string(chosen.AccessToken) || !fake.AGSAccessTokenActive(tvauth.Secret(o.AccessToken)) || len(persisted) != 1 {
		t.Fatalf("Token after Invalidate: %v (%d refreshes persisted)", err, len(persisted))
	}
	rotated := ts.Tokens()
	if rotated.RefreshToken == chosen.RefreshToken || fake.AGSRefreshTokenActive(chosen.RefreshToken) ||
		!fake.AGSRefreshTokenActive(rotated.RefreshToken) || rotated.ClientID != chosen.ClientID || string(persisted[0].AccessToken) != o.AccessToken {
		t.Fatalf("refresh did not rotate: %+v", rotated)
	}
	if _, err := c.AGS.Refresh(ctx, chosen.RefreshToken, user); !errors.Is(err, tvauth.ErrUnauthorized) {
		t.Fatalf("the rotated-out refresh token: %v", err)
	}

	// signOut revokes the session's tokens; a second one is the documented 403/20020.
	if err := c.AGS.SignOut(ctx, tvauth.Secret(o.AccessToken), user); err != nil {
		t.Fatal(err)
	}
	if fake.AGSAccessTokenActive(tvauth.Secret(o.AccessToken)) || fake.AGSRefreshTokenActive(rotated.RefreshToken) {
		t.Fatal("signOut left tokens live")
	}
	err = c.AGS.SignOut(ctx, tvauth.Secret(o.AccessToken), user)
	var ae *tvauth.AGSError
	if !errors.As(err, &ae) || ae.HTTPStatus != 403 || ae.Code != "20020" || !tvauth.IsAGSCode(err, "20020") {
		t.Fatalf("second signOut: %v", err)
	}
	if strings.Contains(err.Error(), o.AccessToken) {
		t.Error("the error text carries the access token")
	}

	// Errors as the SDK classifies them.
	_, err = c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: []tvauth.Parameter{{Name: "username", Value: "solo"},
		{Name: "password", Value: "wrong"}}, ClientID: tok.ClientID})
	if !errors.As(err, &ae) || ae.HTTPStatus != 401 || !errors.Is(err, tvauth.ErrUnauthorized) {
		t.Errorf("wrong password: %v", err)
	}
	fake.SetAGSUserError("solo", tvauthtest.AGSAccountSuspended)
	_, err = c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: creds("solo"), ClientID: tok.ClientID})
	if !errors.As(err, &ae) || ae.HTTPStatus != 403 || ae.Code != "20002" || !tvauth.AGSSessionEnded(err) {
		t.Errorf("suspended account: %v", err)
	}
	fake.SetAGSUserError("solo", 0)
	fake.DeleteAGSDevice(tok.ClientID)
	_, err = c.AGS.Refresh(ctx, nth.Tokens.RefreshToken, tvauth.SignOnRequest{Parameters: creds("solo")[:1]})
	if err == nil {
		t.Error("refresh on a deleted device succeeded")
	}
	_, err = c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: creds("solo"), ClientID: tok.ClientID})
	if !errors.As(err, &ae) || ae.Code != "20003" || !tvauth.AGSSessionEnded(err) {
		t.Errorf("sign-on on a deleted device: %v", err)
	}
}

// The fake's faults as the SDK meets them: what it retries (and how often), what it does not, and the
// typed error that is left.
func TestSDKFaults(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("5xx on GET is retried", func(t *testing.T) {
		t.Parallel()
		fake := sdkFake(t)
		fake.FailNext("GET", "/ags/servicediscovery", 503, 2)
		if _, err := sdkClient(t, fake).AGS.ServiceDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
		if n := sdkCount(fake, "GET", "/ags/servicediscovery"); n != 3 {
			t.Fatalf("%d attempts, want 3", n)
		}
	})
	t.Run("500 on POST is not retried", func(t *testing.T) {
		t.Parallel()
		fake := sdkFake(t)
		fake.AddAGSUser("solo")
		fake.FailNextWith(tvauthtest.Fault{Method: "POST", Path: "/ags/signOn", Status: 500, Body: `{"code":"INTERNAL","message":"boom"}`,
			Header: http.Header{"Content-Type": {"application/json"}}})
		_, err := sdkClient(t, fake).AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: []tvauth.Parameter{{Name: "username", Value: "solo"},
			{Name: "password", Value: tvauthtest.DefaultAGSPassword}}, DeviceInformation: json.RawMessage(`{}`)})
		var ae *tvauth.AGSError
		if !errors.As(err, &ae) || ae.HTTPStatus != 500 || ae.Code != "INTERNAL" {
			t.Fatalf("got %v", err)
		}
		if n := sdkCount(fake, "POST", "/ags/signOn"); n != 1 || len(fake.AGSDevices("solo")) != 0 {
			t.Fatalf("%d attempts, want 1", n)
		}
	})
	t.Run("Adobe's HTML 429 is retried, then typed", func(t *testing.T) {
		t.Parallel()
		fake := sdkFake(t)
		c := sdkPassClient(t, fake, sdkDevice("throttled"))
		path := "/api/v2/" + sdkSP + "/configuration"
		fake.FailNextWith(tvauthtest.Fault{Path: path, Status: 429, Body: tvauthtest.ThrottlePage})
		if _, err := c.Pass.Configuration(ctx, sdkSP); err != nil {
			t.Fatalf("one 429 then served: %v", err)
		}
		fake.FailNextWith(tvauthtest.Fault{Path: path, Status: 429, Body: tvauthtest.ThrottlePage, Times: 10})
		_, err := c.Pass.Configuration(ctx, sdkSP)
		var pe *tvauth.PassError
		if !errors.Is(err, tvauth.ErrRateLimited) || !errors.As(err, &pe) || pe.HTTPStatus != 429 || strings.Contains(err.Error(), "<html>") {
			t.Fatalf("throttled: %v", err)
		}
	})
	t.Run("Adobe-like throttle", func(t *testing.T) {
		t.Parallel()
		fake := sdkFake(t)
		c := sdkPassClient(t, fake, sdkDevice("busy"))
		frozen := time.Now() // no refill however slow the machine: the bucket only empties
		fake.SetClock(func() time.Time { return frozen })
		fake.SetThrottle(&tvauthtest.Throttle{Burst: 2, Paths: []string{"/api/v2/*"}})
		var errs int
		for range 3 {
			if _, err := c.Pass.Configuration(ctx, sdkSP); err != nil {
				if !errors.Is(err, tvauth.ErrRateLimited) {
					t.Fatalf("unexpected error: %v", err)
				}
				errs++
			}
		}
		// Burst 2 and a stopped clock: the third call is throttled on every attempt the SDK makes.
		if errs != 1 {
			t.Fatalf("%d throttled calls, want 1", errs)
		}
		if n := sdkCount(fake, "GET", "/api/v2/"+sdkSP+"/configuration"); n != 2+1+sdkFastRetry.MaxRetries {
			t.Fatalf("%d requests, want 2 served and %d attempts of the throttled call", n, 1+sdkFastRetry.MaxRetries)
		}
	})
	t.Run("latency meets the caller's deadline", func(t *testing.T) {
		t.Parallel()
		fake := sdkFake(t)
		fake.SetPathLatency("/ags/servicediscovery", time.Minute)
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := sdkClient(t, fake).AGS.ServiceDiscovery(short)
		var re *tvauth.RequestError
		if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &re) || time.Since(start) > 10*time.Second {
			t.Fatalf("got %v after %v", err, time.Since(start))
		}
	})
	t.Run("dropped connection on GET is retried", func(t *testing.T) {
		t.Parallel()
		fake := sdkFake(t)
		fake.FailNextWith(tvauthtest.Fault{Method: "GET", Path: "/ags/*", Drop: true})
		if _, err := sdkClient(t, fake).AGS.ServiceDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
		if n := sdkCount(fake, "GET", "/ags/servicediscovery"); n != 2 {
			t.Fatalf("%d attempts, want 2", n)
		}
	})
}

// With no listener: the fake as the client's transport, under the vendors' real host names.
func TestSDKThroughTransport(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	fake.Close() // the transport needs no listener
	fake.AddWebAPIUser("dan", "pw")
	dev := sdkDevice("no-listener")
	reg, err := tvauth.New(tvauth.WithHTTPClient(&http.Client{Transport: fake.Transport()}), tvauth.WithDevice(dev),
		tvauth.WithWebAPIDevID(tvauthtest.WebAPIDevID))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	creds, err := reg.Pass.Register(ctx, fake.SoftwareStatement())
	if err != nil {
		t.Fatal(err)
	}
	c, err := tvauth.New(tvauth.WithHTTPClient(&http.Client{Transport: fake.Transport()}), tvauth.WithDevice(dev),
		tvauth.WithPassTokenSource(reg.Pass.TokenSource(*creds)))
	if err != nil {
		t.Fatal(err)
	}
	fake.AddProfile(tvauthtest.Profile{ServiceProvider: sdkSP, MVPD: "Cablevision", DeviceID: dev.ID})
	res, err := c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sdkSP, MVPD: "Cablevision", RedirectURL: sdkRedirect})
	if err != nil || len(res.Actions) != 1 || !res.Actions[0].NeedsUserAgent() {
		t.Fatalf("Logout: %+v, %v", res, err)
	}
	// The relative logout URL was resolved against Adobe's host, which the transport serves too.
	if u := res.Actions[0].URL; u.Scheme != "https" || u.Host != "sp.auth.adobe.com" {
		t.Fatalf("logout URL %v", u)
	}
	if landed, err := fake.Browse(ctx, nil, res.Actions[0].URL.String(), sdkRedirect); err != nil || landed != sdkRedirect {
		t.Fatalf("logout chain: %q, %v", landed, err)
	}
	if last := sdkLast(t, fake, "GET", "/api/v2/"+sdkSP+"/logout/Cablevision"); last.Host != "sp.auth.adobe.com" {
		t.Errorf("logout went to %s", last.Host)
	}
	sess, err := reg.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "dan", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, Format: tvauth.FormatXML}); err != nil {
		t.Fatalf("signed over https://api.screenname.nina.bz through the transport: %v", err)
	}
}
