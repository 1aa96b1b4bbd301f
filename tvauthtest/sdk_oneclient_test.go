package tvauthtest_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// TestSDKOneClientEveryMethod is the promise of fake.Client(): one line, and every Pass v2 and
// Clientless method works through that one client, as tvauthtest.DefaultDevice with the fake's
// preset credentials. The list of methods is the services' own method sets (reflection): a method
// added to either service and not called here fails the test.
func TestSDKOneClientEveryMethod(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	fake.AddMVPD("TempPass_5mins", false)
	c := fake.Client() // the one line of set-up
	ctx := t.Context()

	called := map[string]bool{}
	mark := func(names ...string) {
		for _, n := range names {
			called[n] = true
		}
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// DCR: the client already holds credentials; registering and fetching tokens still work on it.
	creds := fake.PassCredentials()
	tok, err := c.Pass.AccessToken(ctx, creds)
	must("AccessToken", err)
	ts, err := c.Pass.TokenSource(creds).Token()
	must("TokenSource", err)
	if tok.AccessToken == "" || ts.AccessToken == "" {
		t.Fatal("empty access tokens")
	}
	reg, err := c.Pass.Register(ctx, fake.SoftwareStatement())
	must("Register", err)
	reg2, err := c.Pass.RegisterClient(ctx, tvauth.RegisterRequest{SoftwareStatement: fake.SoftwareStatement(), RedirectURI: "adobepass://app"})
	must("RegisterClient", err)
	if reg.ClientID == creds.ClientID || reg2.ClientID == reg.ClientID {
		t.Fatalf("Register returned known credentials")
	}
	store := tvauth.NewMemoryCredentialStore()
	must("Save", store.Save(ctx, creds))
	loaded, err := c.Pass.LoadOrRegister(ctx, store, fake.SoftwareStatement())
	must("LoadOrRegister", err)
	if loaded.ClientID != creds.ClientID {
		t.Fatalf("LoadOrRegister registered again: %q", loaded.ClientID)
	}
	mark("Pass.AccessToken", "Pass.TokenSource", "Pass.Register", "Pass.RegisterClient", "Pass.LoadOrRegister")

	// REST API v2, from configuration to logout.
	cfg, err := c.Pass.Configuration(ctx, sdkSP)
	must("Configuration", err)
	if len(cfg.Requestor.MVPDs) != 3 {
		t.Fatalf("configuration lists %+v", cfg.Requestor.MVPDs)
	}
	sess, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: sdkSP, MVPD: "Cablevision"})
	must("CreateSession", err)
	if sess.ActionName != tvauth.ActionResume || sess.Code == "" {
		t.Fatalf("incomplete session: %+v", sess)
	}
	info, err := c.Pass.SessionInfo(ctx, sdkSP, sess.Code)
	must("SessionInfo", err)
	if info.ExistingParameters["mvpd"] != "Cablevision" || !slices.Contains(info.MissingParameters, "redirectUrl") {
		t.Fatalf("SessionInfo: %+v", info)
	}
	resumed, err := c.Pass.ResumeSession(ctx, sess.Code, tvauth.SessionRequest{ServiceProvider: sdkSP, DomainName: "adobe.com", RedirectURL: sdkRedirect})
	must("ResumeSession", err)
	login, err := c.Pass.AuthenticateURL(sdkSP, sess.Code)
	must("AuthenticateURL", err)
	if resumed.ActionName != tvauth.ActionAuthenticate || resumed.URL.String() != login {
		t.Fatalf("resumed %+v; AuthenticateURL %s", resumed, login)
	}
	if _, err := fake.Browse(ctx, nil, login, sdkRedirect); err != nil {
		t.Fatalf("login in a user agent: %v", err)
	}
	waited, err := c.Pass.WaitForProfile(ctx, sdkSP, sess.Code)
	must("WaitForProfile", err)
	byCode, err := c.Pass.ProfileForCode(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP, Code: sess.Code})
	must("ProfileForCode", err)
	all, err := c.Pass.Profiles(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP})
	must("Profiles", err)
	one, err := c.Pass.ProfileForMVPD(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP, MVPD: "Cablevision"})
	must("ProfileForMVPD", err)
	held := fake.Profiles(sdkSP, tvauthtest.DefaultDeviceID)
	if len(held) != 1 || waited.SessionID != held[0].SessionID || len(byCode.Profiles) != 1 || len(all.Profiles) != 1 || len(one.Profiles) != 1 {
		t.Fatalf("profiles: waited %+v, by code %+v, all %+v, one %+v; the fake holds %+v for the default device", waited, byCode, all, one, held)
	}
	authz, err := c.Pass.Authorize(ctx, tvauth.DecisionRequest{ServiceProvider: sdkSP, MVPD: "Cablevision", Resources: []string{"REF30"}})
	must("Authorize", err)
	if d, ok := authz.Decision("REF30"); !ok || !d.Authorized || d.Token == nil {
		t.Fatalf("Authorize: %+v", authz)
	} else if mt, err := fake.VerifyMediaToken(d.Token.SerializedToken); err != nil || mt.Resource != "REF30" {
		t.Fatalf("media token: %+v, %v", mt, err)
	}
	pre, err := c.Pass.Preauthorize(ctx, tvauth.DecisionRequest{ServiceProvider: sdkSP, MVPD: "Cablevision", Resources: []string{"REF30"}})
	must("Preauthorize", err)
	if d, ok := pre.Decision("REF30"); !ok || !d.Authorized {
		t.Fatalf("Preauthorize: %+v", pre)
	}
	pfs, err := tvauth.FrameworkStatus{AccessStatus: "granted", ProviderID: "Dish"}.Encode()
	must("FrameworkStatus", err)
	partner, err := c.Pass.PartnerSession(ctx, tvauth.PartnerSessionRequest{ServiceProvider: sdkSP, Partner: tvauthtest.PartnerApple,
		DomainName: "adobe.com", RedirectURL: sdkRedirect, Headers: tvauth.PassHeaders{PartnerFrameworkStatus: pfs}})
	must("PartnerSession", err)
	if partner.ActionName != tvauth.ActionPartnerProfile || partner.AuthenticationRequest == nil {
		t.Fatalf("PartnerSession: %+v", partner)
	}
	sso, err := c.Pass.PartnerProfile(ctx, tvauth.PartnerProfileRequest{ServiceProvider: sdkSP, Partner: tvauthtest.PartnerApple,
		SAMLResponse: fake.PartnerSAMLResponse("Dish", ""), Headers: tvauth.PassHeaders{PartnerFrameworkStatus: pfs}})
	must("PartnerProfile", err)
	if p, ok := sso.Profile("Dish"); !ok || p.Type != tvauth.ProfileAppleSSO {
		t.Fatalf("PartnerProfile: %+v", sso)
	}
	out, err := c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sdkSP, MVPD: "Cablevision", RedirectURL: sdkRedirect})
	must("Logout", err)
	if len(out.Actions) != 1 || out.Actions[0].Name != tvauth.ActionLogout || !out.Actions[0].NeedsUserAgent() {
		t.Fatalf("Logout: %+v", out)
	}
	mark("Pass.Configuration", "Pass.CreateSession", "Pass.SessionInfo", "Pass.ResumeSession", "Pass.AuthenticateURL",
		"Pass.WaitForProfile", "Pass.ProfileForCode", "Pass.Profiles", "Pass.ProfileForMVPD", "Pass.Authorize",
		"Pass.Preauthorize", "Pass.PartnerSession", "Pass.PartnerProfile", "Pass.Logout")

	// REST API v1 through the same client and device.
	creq := tvauth.ClientlessRequest{RequestorID: sdkSP}
	rc, err := c.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: sdkSP})
	must("CreateRegCode", err)
	if held, _ := fake.RegCode(rc.Code); held.DeviceID != tvauthtest.DefaultDeviceID {
		t.Fatalf("regcode for device %q", held.DeviceID)
	}
	again, err := c.Clientless.RegCode(ctx, sdkSP, rc.Code)
	must("RegCode", err)
	areq := tvauth.AuthenticateRequest{RequestorID: sdkSP, MSOID: "Cablevision", RegCode: rc.Code, DomainName: "adobe.com", RedirectURL: sdkRedirect}
	built, err := c.Clientless.AuthenticateURL(areq)
	must("AuthenticateURL", err)
	mvpdLogin, err := c.Clientless.Authenticate(ctx, areq)
	must("Authenticate", err)
	if again.ID != rc.ID || !strings.Contains(built, "?reg_code="+rc.Code+"&") {
		t.Fatalf("RegCode %+v; AuthenticateURL %s", again, built)
	}
	if _, err := fake.Browse(ctx, nil, mvpdLogin.String(), sdkRedirect); err != nil {
		t.Fatalf("MVPD login: %v", err)
	}
	byRegCode, err := c.Clientless.CheckAuthNByRegCode(ctx, sdkSP, rc.Code)
	must("CheckAuthNByRegCode", err)
	must("WaitForAuthN", c.Clientless.WaitForAuthN(ctx, creq, time.Millisecond))
	authn, err := c.Clientless.CheckAuthN(ctx, creq)
	must("CheckAuthN", err)
	token, err := c.Clientless.AuthNToken(ctx, creq)
	must("AuthNToken", err)
	if !byRegCode || !authn || token.MVPD != "Cablevision" {
		t.Fatalf("authenticated: by code %v, device %v, token %+v", byRegCode, authn, token)
	}
	res := tvauth.ClientlessResourceRequest{RequestorID: sdkSP, Resource: "REF30"}
	_, err = c.Clientless.Authorize(ctx, tvauth.ClientlessAuthorizeRequest{RequestorID: sdkSP, Resource: "REF30"})
	must("Authorize", err)
	_, err = c.Clientless.AuthZToken(ctx, res)
	must("AuthZToken", err)
	media, err := c.Clientless.MediaToken(ctx, res)
	must("MediaToken", err)
	if _, err := fake.VerifyMediaToken(media.SerializedToken); err != nil {
		t.Fatalf("v1 media token: %v", err)
	}
	pa, err := c.Clientless.Preauthorize(ctx, tvauth.ClientlessPreauthorizeRequest{RequestorID: sdkSP, Resources: []string{"REF30"}})
	must("Preauthorize", err)
	pb, err := c.Clientless.PreauthorizeByRegCode(ctx, rc.Code, tvauth.ClientlessPreauthorizeRequest{RequestorID: sdkSP, Resources: []string{"REF30"}})
	must("PreauthorizeByRegCode", err)
	if len(pa.Resources) != 1 || !pa.Resources[0].Authorized || len(pb.Resources) != 1 || !pb.Resources[0].Authorized {
		t.Fatalf("preauthorize %+v / %+v", pa, pb)
	}
	md, err := c.Clientless.UserMetadata(ctx, creq)
	must("UserMetadata", err)
	if string(md.Data["userID"]) != `"`+token.UserID+`"` {
		t.Fatalf("UserMetadata %+v", md)
	}
	v1cfg, err := c.Clientless.Config(ctx, sdkSP)
	must("Config", err)
	if len(v1cfg.MVPDs) != 3 {
		t.Fatalf("Config %+v", v1cfg)
	}
	must("Logout", c.Clientless.Logout(ctx, creq))
	must("DeleteRegCode", c.Clientless.DeleteRegCode(ctx, sdkSP, rc.Code))
	must("FreePreview", c.Clientless.FreePreview(ctx, tvauth.FreePreviewRequest{RequestorID: sdkSP, MSOID: "TempPass_5mins", DomainName: "adobe.com"}))
	if !fake.ClientlessAuthenticated(sdkSP, tvauthtest.DefaultDeviceID) {
		t.Fatal("FreePreview did not authenticate the default device")
	}
	mark("Clientless.CreateRegCode", "Clientless.RegCode", "Clientless.AuthenticateURL", "Clientless.Authenticate",
		"Clientless.CheckAuthNByRegCode", "Clientless.WaitForAuthN", "Clientless.CheckAuthN", "Clientless.AuthNToken",
		"Clientless.Authorize", "Clientless.AuthZToken", "Clientless.MediaToken", "Clientless.Preauthorize",
		"Clientless.PreauthorizeByRegCode", "Clientless.UserMetadata", "Clientless.Config", "Clientless.Logout",
		"Clientless.DeleteRegCode", "Clientless.FreePreview")

	for _, svc := range []struct {
		name string
		v    any
	}{{"Pass", c.Pass}, {"Clientless", c.Clientless}} {
		typ := reflect.TypeOf(svc.v)
		for i := range typ.NumMethod() {
			if name := svc.name + "." + typ.Method(i).Name; !called[name] {
				t.Errorf("%s is not called through fake.Client(): add it to this test", name)
			}
		}
	}

	// The client's own calls registered nothing: the preset credentials served them, one token each
	// for the client and for the explicit AccessToken and TokenSource calls above.
	if n := sdkCount(fake, "POST", "/o/client/token"); n != 3 {
		t.Errorf("%d token fetches, want 3", n)
	}
	if n := sdkCount(fake, "POST", "/o/client/register"); n != 2 {
		t.Errorf("%d registrations, want the 2 this test asked for", n)
	}
}

// TestSDKPassClientDevices: PassClient plays another device against the same fake, with the same
// credentials; profiles stay per device.
func TestSDKPassClientDevices(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	tv := fake.Client()
	phone := fake.PassClient(sdkDevice("phone-1"))
	fake.AddProfile(tvauthtest.Profile{ServiceProvider: sdkSP, MVPD: "Dish", DeviceID: tvauthtest.DefaultDeviceID})
	ctx := t.Context()
	onTV, err := tv.Pass.Profiles(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP})
	if err != nil || len(onTV.Profiles) != 1 {
		t.Fatalf("TV profiles %+v, %v", onTV, err)
	}
	onPhone, err := phone.Pass.Profiles(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP})
	if err != nil || len(onPhone.Profiles) != 0 {
		t.Fatalf("phone profiles %+v, %v", onPhone, err)
	}
	got := sdkLast(t, fake, "GET", "/api/v2/"+sdkSP+"/profiles").Header.Get("AP-Device-Identifier")
	if want := sdkDevice("phone-1").Identifier(); got != want {
		t.Errorf("phone sent %q, want %q", got, want)
	}
	// An explicit token source wins over the preset credentials.
	other := tvauthtest.NewServer()
	defer other.Close()
	c, err := tvauth.New(append(fake.Options(), tvauth.WithPassTokenSource(other.Client().Pass.TokenSource(other.PassCredentials())))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pass.Configuration(ctx, sdkSP); err == nil {
		t.Fatal("a token from another fake was accepted")
	}
}

// TestSDKPassCredentialStore: one client, built once, registers on its first call and saves the
// credentials; a client of a later start loads them and registers nothing. A rejected registration
// fails only the call that ran it.
func TestSDKPassCredentialStore(t *testing.T) {
	t.Parallel()
	fake := sdkFake(t)
	ctx := t.Context()
	store := tvauth.NewMemoryCredentialStore()

	other := tvauthtest.NewServer()
	defer other.Close()
	bad, err := tvauth.New(append(fake.Options(), tvauth.WithPassCredentialStore(store, other.SoftwareStatement()))...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Pass.Configuration(ctx, sdkSP)
	var pe *tvauth.PassError
	if !errors.As(err, &pe) || pe.Code != "invalid_software_statement" {
		t.Fatalf("rejected statement: %v", err)
	}
	if _, err := store.Load(ctx); !errors.Is(err, tvauth.ErrNoCredentials) {
		t.Fatalf("a failed registration saved something: %v", err)
	}

	// The store wins over the preset credentials of fake.Options().
	c, err := tvauth.New(append(fake.Options(), tvauth.WithPassCredentialStore(store, fake.SoftwareStatement()))...)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Pass.Configuration(ctx, sdkSP)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	saved, err := store.Load(ctx)
	if err != nil || saved.ClientID == fake.PassCredentials().ClientID {
		t.Fatalf("saved %v, %v", saved.ClientID, err)
	}
	// register: one rejected (the other fake's statement) and one accepted, however many callers.
	if n := sdkCount(fake, "POST", "/o/client/register"); n != 2 {
		t.Fatalf("%d registrations, want 2", n)
	}
	if _, err := c.Clientless.Config(ctx, sdkSP); err != nil {
		t.Fatal(err)
	}

	// A later start: same store, no registration.
	again, err := tvauth.New(append(fake.Options(), tvauth.WithPassCredentialStore(store, fake.SoftwareStatement()))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Pass.Profiles(ctx, tvauth.ProfileRequest{ServiceProvider: sdkSP}); err != nil {
		t.Fatal(err)
	}
	if n := sdkCount(fake, "POST", "/o/client/register"); n != 2 {
		t.Fatalf("%d registrations after a restart, want still 2", n)
	}
	for _, bad := range []tvauth.Option{tvauth.WithPassCredentialStore(nil, "x"), tvauth.WithPassCredentialStore(store, " ")} {
		var ve *tvauth.ValidationError
		if _, err := tvauth.New(bad); !errors.As(err, &ve) || ve.Field != "WithPassCredentialStore" {
			t.Errorf("bad option: %v", err)
		}
	}
}
