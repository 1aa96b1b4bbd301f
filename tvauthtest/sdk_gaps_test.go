package tvauthtest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// The SDK's real methods against the fake's newer endpoints: partner single sign-on, the AGS register
// and session-token pairs, the nv-tenant-id check, the typed AGS device and the WebAPI challenges.

// sdkAGSDevice is a typed deviceInformation, as an app fills it.
func sdkAGSDevice() *tvauth.AGSDeviceInformation {
	return &tvauth.AGSDeviceInformation{
		PlayoutDeviceClass: "stb", DeviceType: "MANAGED", MsgPlatform: "iot",
		Screen:   &tvauth.AGSScreen{Height: 2160, Width: 3840},
		Hardware: &tvauth.AGSHardware{Model: "STB-9", Manufacturer: "Acme", Type: "STB"},
		OS:       &tvauth.AGSOS{Type: "Linux", Version: "6.1"},
	}
}

func TestSDKPassPartnerSSO(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	c := fake.Client()
	ctx := t.Context()
	granted, err := tvauth.FrameworkStatus{AccessStatus: "granted", ProviderID: "Cablevision", ExpirationDate: time.Now().Add(time.Hour)}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	denied, _ := tvauth.FrameworkStatus{AccessStatus: "denied", ProviderID: "Cablevision"}.Encode()
	req := tvauth.PartnerSessionRequest{ServiceProvider: sdkSP, Partner: tvauthtest.PartnerApple, DomainName: "adobe.com", RedirectURL: sdkRedirect}

	// No framework status, or a refused one: basic authentication, with the reason.
	s, err := c.Pass.PartnerSession(ctx, req)
	if err != nil || s.ReasonType != tvauth.ReasonPFSFallback || s.ActionName != tvauth.ActionResume || s.Code == "" ||
		s.AuthenticationRequest != nil || len(s.MissingParameters) != 1 || s.MissingParameters[0] != "mvpd" {
		t.Fatalf("without a framework status: %+v, %v", s, err)
	}
	req.Headers.PartnerFrameworkStatus = denied
	s, err = c.Pass.PartnerSession(ctx, req)
	if err != nil || s.ReasonType != tvauth.ReasonPFSFallback || s.ActionName != tvauth.ActionAuthenticate || !s.NeedsUserAgent() || s.MVPD != "Cablevision" {
		t.Fatalf("access denied: %+v, %v", s, err)
	}
	unknown, _ := tvauth.FrameworkStatus{AccessStatus: "granted", ProviderID: "Optimum"}.Encode()
	req.Headers.PartnerFrameworkStatus = unknown
	if s, err = c.Pass.PartnerSession(ctx, req); err != nil || s.ReasonType != tvauth.ReasonConfigurationFallback {
		t.Fatalf("unknown provider: %+v, %v", s, err)
	}

	// Granted: the SAML request, then the partner's SAML response becomes an appleSSO profile.
	req.Headers.PartnerFrameworkStatus = granted
	s, err = c.Pass.PartnerSession(ctx, req)
	if err != nil || s.ActionName != tvauth.ActionPartnerProfile || s.ActionType != tvauth.ActionTypeDirect ||
		s.AuthenticationRequest == nil || s.AuthenticationRequest.Type != "saml" || s.AuthenticationRequest.Request == "" ||
		len(s.AuthenticationRequest.AttributesNames) == 0 || s.URL == nil || s.URL.Path != "/api/v2/REF30/profiles/sso/Apple" {
		t.Fatalf("granted: %+v, %v", s, err)
	}
	wire := sdkLast(t, fake, "POST", "/api/v2/REF30/sessions/sso/Apple")
	if wire.Header.Get("AP-Partner-Framework-Status") != granted || string(wire.Body) != "domainName=adobe.com&redirectUrl="+url.QueryEscape(sdkRedirect) {
		t.Errorf("wire: %v %s", wire.Header, wire.Body)
	}

	saml := fake.PartnerSAMLResponse("Cablevision", "subscriber-7")
	_, err = c.Pass.PartnerProfile(ctx, tvauth.PartnerProfileRequest{ServiceProvider: sdkSP, Partner: tvauthtest.PartnerApple,
		SAMLResponse: saml, Headers: tvauth.PassHeaders{PartnerFrameworkStatus: denied}})
	var pe *tvauth.PassError
	if !errors.As(err, &pe) || pe.HTTPStatus != 400 || pe.Code != "invalid_header_pfs_permission_access_not_granted" {
		t.Fatalf("denied framework status: %v", err)
	}
	if strings.Contains(err.Error(), string(saml)) {
		t.Fatal("the error text carries the SAML response")
	}
	prof, err := c.Pass.PartnerProfile(ctx, tvauth.PartnerProfileRequest{ServiceProvider: sdkSP, Partner: tvauthtest.PartnerApple,
		SAMLResponse: saml, Headers: tvauth.PassHeaders{PartnerFrameworkStatus: granted}})
	if err != nil {
		t.Fatal(err)
	}
	p, ok := prof.Profile("Cablevision")
	if !ok || p.Type != tvauth.ProfileAppleSSO || p.Issuer != tvauthtest.PartnerApple || string(p.Attributes["userID"].Value) != `"subscriber-7"` {
		t.Fatalf("partner profile %+v", prof)
	}
	if held := fake.Profiles(sdkSP, tvauthtest.DefaultDeviceID); len(held) != 1 || held[0].SessionID != p.SessionID {
		t.Fatalf("the fake holds %+v", held)
	}
	if s, err = c.Pass.PartnerSession(ctx, req); err != nil || s.ActionName != tvauth.ActionAuthorize || s.ReasonType != tvauth.ReasonAuthenticatedSSO {
		t.Fatalf("with a profile: %+v, %v", s, err)
	}
	out, err := c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sdkSP, MVPD: "Cablevision", RedirectURL: sdkRedirect})
	if err != nil || len(out.Actions) != 1 || out.Actions[0].Name != tvauth.ActionPartnerLogout ||
		out.Actions[0].Type != tvauth.ActionTypePartnerInteractive || out.Actions[0].NeedsUserAgent() {
		t.Fatalf("logout of a partner profile: %+v, %v", out, err)
	}

	// A partner the fake does not integrate is Adobe's invalid_parameter_partner.
	req.Partner = "Google"
	if _, err := c.Pass.PartnerSession(ctx, req); !errors.As(err, &pe) || pe.Code != "invalid_parameter_partner" || pe.HTTPStatus != 400 {
		t.Fatalf("unknown partner: %v", err)
	}
}

func TestSDKAGSRegister(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	fake.AddAGSUser("dave", "1660", "1663")
	fake.AddAGSUser("solo")
	c := fake.Client()
	ctx := t.Context()
	creds := func(user string) []tvauth.Parameter {
		return []tvauth.Parameter{{Name: tvauthtest.AGSUsernameParam, Value: user}, {Name: tvauthtest.AGSPasswordParam, Value: fake.AGSPassword(user)}}
	}

	// Discovery lists the registration type Register takes.
	d, err := c.AGS.ServiceDiscovery(ctx)
	if err != nil || len(d.AvailableServices[0].Endpoints) != 2 || d.AvailableServices[0].Endpoints[1].Path != "/register/"+tvauthtest.AGSRegisterType {
		t.Fatalf("discovery %+v, %v", d, err)
	}
	res, err := c.AGS.Register(ctx, tvauthtest.AGSRegisterType, tvauth.SignOnRequest{Parameters: creds("solo"), Device: sdkAGSDevice()})
	if err != nil || res.Tokens == nil || res.Accounts != nil || res.Tokens.AccountID != "solo" || !fake.AGSAccessTokenActive(res.Tokens.AccessToken) {
		t.Fatalf("register, one account: %+v, %v", res, err)
	}
	info, ok := fake.AGSDeviceInformation(res.Tokens.ClientID)
	want, _ := json.Marshal(sdkAGSDevice())
	if !ok || !jsonEqual(t, info, want) {
		t.Fatalf("the fake registered %s, want %s", info, want)
	}

	res, err = c.AGS.Register(ctx, tvauthtest.AGSRegisterType, tvauth.SignOnRequest{Parameters: creds("dave")})
	if err != nil || res.Tokens != nil || len(res.Accounts) != 2 {
		t.Fatalf("register, two accounts: %+v, %v", res, err)
	}
	user := []tvauth.Parameter{{Name: tvauthtest.AGSUsernameParam, Value: "dave"}}
	// A register's User-Token finishes a register, not a sign-on.
	if _, err := c.AGS.SubsequentSignOn(ctx, res.Accounts[1], tvauth.SignOnRequest{Parameters: user}); !errors.Is(err, tvauth.ErrUnauthorized) {
		t.Fatalf("register token at subsequentSignOn: %v", err)
	}
	sub, err := c.AGS.SubsequentRegister(ctx, res.Accounts[1], tvauth.SignOnRequest{Parameters: user})
	if err != nil || sub.Tokens == nil || sub.Tokens.AccountID != "1663" {
		t.Fatalf("subsequentRegister: %+v, %v", sub, err)
	}
	if got := sdkLast(t, fake, "POST", "/ags/subsequentRegister").Header.Get("User-Token"); got != string(res.Accounts[1].UserAccountToken) {
		t.Errorf("User-Token on the wire %q", got)
	}
	_, err = c.AGS.Register(ctx, "dvb", tvauth.SignOnRequest{Parameters: creds("solo")})
	var ae *tvauth.AGSError
	if !errors.As(err, &ae) || ae.HTTPStatus != 404 {
		t.Fatalf("unknown registration type: %v", err)
	}
}

func TestSDKAGSSessionToken(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	fake.AddAGSUser("dave", "1660", "1663")
	head, phone := fake.Client(), fake.Client() // the operator's head-end and the user's phone
	ctx := t.Context()

	operator := fake.AGSOperatorAuthToken("1663", 0)
	st, err := head.AGS.GetSessionToken(ctx, tvauth.SignOnRequest{Parameters: []tvauth.Parameter{{Name: tvauthtest.AGSOperatorTokenParam, Value: operator}}})
	if err != nil || st == "" {
		t.Fatalf("GetSessionToken: %q, %v", st, err)
	}
	tok, err := phone.AGS.SignOnWithSessionToken(ctx, st, tvauth.SignOnRequest{Device: sdkAGSDevice()})
	if err != nil || tok.AccountID != "1663" || !fake.AGSAccessTokenActive(tok.AccessToken) {
		t.Fatalf("SignOnWithSessionToken: %+v, %v", tok, err)
	}
	if devices := fake.AGSDevices("dave"); len(devices) != 1 || devices[0] != tok.ClientID {
		t.Fatalf("devices %v", devices)
	}
	body := string(sdkLast(t, fake, "POST", "/ags/signOnWithSessionToken").Body)
	if !strings.HasPrefix(body, `{"parameters":[{"name":"sessionToken","value":"`+string(st)+`"}],"deviceInformation":{"playoutDeviceClass":"stb",`) {
		t.Errorf("body on the wire %s", body)
	}
	// Once only; and a forged operator token is refused.
	if _, err := phone.AGS.SignOnWithSessionToken(ctx, st, tvauth.SignOnRequest{ClientID: tok.ClientID}); !errors.Is(err, tvauth.ErrUnauthorized) {
		t.Fatalf("spent session token: %v", err)
	}
	other := tvauthtest.NewServer()
	defer other.Close()
	_, err = head.AGS.GetSessionToken(ctx, tvauth.SignOnRequest{Parameters: []tvauth.Parameter{{Name: tvauthtest.AGSOperatorTokenParam, Value: other.AGSOperatorAuthToken("1663", 0)}}})
	if !errors.Is(err, tvauth.ErrUnauthorized) {
		t.Fatalf("forged operator token: %v", err)
	}
	if strings.Contains(err.Error(), operator) {
		t.Fatal("the error carries the operator token")
	}
}

func TestSDKAGSTenant(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	fake.AddAGSUser("dave")
	fake.RequireAGSTenant("acme")
	ctx := t.Context()
	req := tvauth.SignOnRequest{Parameters: []tvauth.Parameter{{Name: "username", Value: "dave"}, {Name: "password", Value: fake.AGSPassword("dave")}},
		Device: sdkAGSDevice()}

	_, err := fake.Client().AGS.SignOn(ctx, req) // Options sends nv-tenant-id: nagra
	var ae *tvauth.AGSError
	if !errors.As(err, &ae) || ae.HTTPStatus != 404 || ae.Code != "NOT_FOUND" || !strings.Contains(ae.Message, "tenant") {
		t.Fatalf("wrong tenant: %v", err)
	}
	noTenant, err := tvauth.New(append(fake.Options(), tvauth.WithAGSTenant(""))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noTenant.AGS.SignOn(ctx, req); !errors.As(err, &ae) || ae.HTTPStatus != 400 {
		t.Fatalf("no tenant: %v", err)
	}
	acme, err := tvauth.New(append(fake.Options(), tvauth.WithAGSTenant("acme"))...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := acme.AGS.SignOn(ctx, req)
	if err != nil || res.Tokens == nil {
		t.Fatalf("right tenant: %+v, %v", res, err)
	}
	if got := sdkLast(t, fake, "POST", "/ags/signOn").Header.Get("Nv-Tenant-Id"); got != "acme" {
		t.Errorf("nv-tenant-id on the wire %q", got)
	}
}

// TestSDKWebAPIChallenges: each seeded challenge reaches the SDK as a *WebAPIError with its
// Challenge, and the SDK's answer (Context plus the answer field) signs the user in.
func TestSDKWebAPIChallenges(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		code     int
		answer   string
		info     string
		respond  func(req *tvauth.ClientLoginRequest, answer string)
		keyless  bool // answered without the password: the session has no SessionKey
		hasURL   bool
		unauthed bool // matches ErrUnauthorized
	}{
		{code: tvauthtest.WebAPIChallengePassword, info: "password", unauthed: true,
			respond: func(r *tvauth.ClientLoginRequest, _ string) {}},
		{code: tvauthtest.WebAPIChallengeSecurID, answer: "123456", info: "securid",
			respond: func(r *tvauth.ClientLoginRequest, a string) { r.SecurID = tvauth.Secret(a) }},
		{code: tvauthtest.WebAPIChallengeSecurIDNext, answer: "654321", info: "securid next code", keyless: true,
			respond: func(r *tvauth.ClientLoginRequest, a string) { r.SecurID, r.Password = tvauth.Secret(a), "" }},
		{code: tvauthtest.WebAPIChallengeSecretQuestion, answer: "Rex", info: "Your first pet?",
			respond: func(r *tvauth.ClientLoginRequest, a string) { r.CaptchaWord = a }},
		{code: tvauthtest.WebAPIChallengeCaptcha, answer: "x7gk2", info: "captcha", hasURL: true,
			respond: func(r *tvauth.ClientLoginRequest, a string) { r.CaptchaWord = a }},
	} {
		t.Run(strings.ReplaceAll(c.info, " ", "_"), func(t *testing.T) {
			t.Parallel()
			fake := sdkFake(t)
			fake.AddWebAPIUser("alice", "s3cret")
			seed := tvauthtest.WebAPIChallenge{Code: c.code, Answer: c.answer}
			if c.code == tvauthtest.WebAPIChallengeSecretQuestion {
				seed.Info = c.info
			}
			fake.SetWebAPIChallenge("alice", seed)
			cl := fake.Client()
			ctx := t.Context()
			req := tvauth.ClientLoginRequest{LoginID: "alice", Password: "s3cret"}
			_, err := cl.WebAPI.ClientLogin(ctx, req)
			var we *tvauth.WebAPIError
			if !errors.As(err, &we) || we.StatusCode != 330 || we.StatusDetailCode != c.code || we.Challenge == nil ||
				we.Challenge.Info != c.info || we.Challenge.Context == "" || (we.Challenge.URL != "") != c.hasURL ||
				errors.Is(err, tvauth.ErrUnauthorized) != c.unauthed {
				t.Fatalf("challenge: %#v", err)
			}
			if c.hasURL {
				resp, err := http.Get(we.Challenge.URL)
				if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
					t.Fatalf("captcha image: %v %v", resp, err)
				}
				resp.Body.Close()
			}
			if c.answer != "" {
				wrong := req
				wrong.Context = we.Challenge.Context
				c.respond(&wrong, "wrong")
				if _, err := cl.WebAPI.ClientLogin(ctx, wrong); !errors.As(err, &we) || we.StatusDetailCode != c.code {
					t.Fatalf("wrong answer: %v", err)
				}
			}
			answer := req
			answer.Context = we.Challenge.Context
			c.respond(&answer, c.answer)
			sess, err := cl.WebAPI.ClientLogin(ctx, answer)
			if err != nil || !fake.WebAPISessionActive(sess.Token) || (sess.SessionKey == "") != c.keyless {
				t.Fatalf("answered: %+v, %v", sess, err)
			}
			// The challenge is spent: the next login goes straight through.
			if _, err := cl.WebAPI.ClientLogin(ctx, req); err != nil {
				t.Fatalf("after the challenge: %v", err)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}
