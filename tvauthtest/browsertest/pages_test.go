package browsertest

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

const sp = tvauthtest.DefaultServiceProvider

// alice is a seeded subscriber of the default MVPD: the browser signs in as her.
var alice = tvauthtest.Subscriber{Username: "alice", Password: "alice-s3cret-pw"}

// seeded is a fake with the quickstart's identities and alice at the default MVPD.
func seeded(t *testing.T) *tvauthtest.Server {
	t.Helper()
	fake := tvauthtest.NewServer()
	t.Cleanup(fake.Close)
	must(t, fake.ApplySeed(tvauthtest.DefaultSeed()))
	must(t, fake.AddSubscriber(tvauthtest.DefaultMVPD, alice))
	return fake
}

// TestPassSecondScreen: the TV creates a session with no MVPD; on a second screen the user opens the
// activation page, types the code (in lower case, submitting with Enter), filters the MVPD picker,
// picks the MVPD, mistypes the password once (the form comes back with an alert and the attempt is
// recorded), signs in and lands on the app's redirect URL, while the TV's WaitForProfile returns the
// profile.
func TestPassSecondScreen(t *testing.T) {
	tab := browser(t)
	fake, site := seeded(t), app(t)
	ctx := tab
	c := fake.Client()
	sess, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: sp, DomainName: "adobe.com",
		RedirectURL: site.URL + "/signed-in"})
	must(t, err)
	if sess.ActionName != tvauth.ActionResume || !slices.Contains(sess.MissingParameters, "mvpd") || sess.Code == "" {
		t.Fatalf("session: %+v, want resume with mvpd missing and a code", sess)
	}
	profile := make(chan error, 1)
	var got *tvauth.Profile
	go func() {
		p, err := c.Pass.WaitForProfile(ctx, sp, sess.Code)
		got = p
		profile <- err
	}()

	run(t, tab, "the activation page", chromedp.Navigate(fake.URL()+tvauthtest.ActivatePath), chromedp.WaitVisible("#code", chromedp.ByQuery))
	screenshot(t, tab, "activate")
	// A code no one asked for: an error on the page, and the form again.
	run(t, tab, "an unknown code", submitWithEnter("#code", "ZZZZZZZ"))
	if msg := text(t, tab, "[role=alert]"); !strings.Contains(msg, "No sign-in is waiting for code ZZZZZZZ") {
		t.Errorf("unknown code: alert %q", msg)
	}
	screenshot(t, tab, "activate-error")
	run(t, tab, "typing the code", submitWithEnter("#code", strings.ToLower(sess.Code)))
	waitURL(t, tab, fake.URL()+"/activate/providers")
	if h := text(t, tab, "h1"); h != "Choose your TV provider" {
		t.Errorf("picker heading %q", h)
	}
	run(t, tab, "filtering the providers", submitWithEnter("#filter", "cable"))
	waitURL(t, tab, fake.URL()+"/activate/providers?code="+sess.Code+"&filter=cable")
	if list := text(t, tab, "ul.choices"); !strings.Contains(list, tvauthtest.DefaultMVPD) || strings.Contains(list, tvauthtest.DefaultMVPDNoLogout) {
		t.Errorf("providers matching cable: %q", list)
	}
	screenshot(t, tab, "providers")
	run(t, tab, "picking the MVPD", chromedp.Click(`button[value="`+tvauthtest.DefaultMVPD+`"]`, chromedp.ByQuery))
	waitURL(t, tab, fake.URL()+"/mvpd/"+tvauthtest.DefaultMVPD+"/login")
	run(t, tab, "the login form", chromedp.WaitVisible("#username", chromedp.ByQuery))
	if h := text(t, tab, "h1"); h != "Sign in to "+tvauthtest.DefaultMVPD {
		t.Errorf("login heading %q", h)
	}
	screenshot(t, tab, "login")

	run(t, tab, "a wrong password", typeInto("#username", alice.Username), submitWithEnter("#password", "not-her-password"))
	if msg := text(t, tab, "[role=alert]"); !strings.Contains(msg, "not right") {
		t.Errorf("wrong password: alert %q", msg)
	}
	var user string
	run(t, tab, "the form again", chromedp.Value("#username", &user, chromedp.ByQuery))
	if user != alice.Username {
		t.Errorf("the form came back with username %q, want %q kept", user, alice.Username)
	}
	screenshot(t, tab, "login-error")
	if a := fake.LoginAttempts(); len(a) != 1 || a[0].OK || a[0].Username != alice.Username || a[0].MVPD != tvauthtest.DefaultMVPD {
		t.Errorf("attempts after the wrong password: %+v", a)
	}

	run(t, tab, "the right password", submitWithEnter("#password", alice.Password))
	waitURL(t, tab, site.URL+"/signed-in")
	if h := text(t, tab, "#landed"); h != "The app: /signed-in" {
		t.Errorf("landed on %q", h)
	}
	if err := <-profile; err != nil {
		t.Fatalf("WaitForProfile: %v", err)
	}
	if got.MVPD != tvauthtest.DefaultMVPD {
		t.Errorf("profile %+v", got)
	}
	if a := fake.LoginAttempts(); len(a) != 2 || !a[1].OK || a[1].Username != alice.Username {
		t.Errorf("attempts: %+v", a)
	}
}

// TestClientlessLogin: a v1 registration code, the SDK's authenticate URL (reg_code first,
// redirect_url last) opened in the browser, the login form as the default subscriber, the app's
// redirect URL; CheckAuthN turns true. Then a second device's code through the activation page,
// which picks the MVPD and lands on the fake's "signed in" page.
func TestClientlessLogin(t *testing.T) {
	tab := browser(t)
	fake, site := seeded(t), app(t)
	ctx := tab
	c := fake.Client()
	me := tvauth.ClientlessRequest{RequestorID: sp}
	rc, err := c.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: sp})
	must(t, err)
	if ok, err := c.Clientless.CheckAuthN(ctx, me); err != nil || ok {
		t.Fatalf("CheckAuthN before the login: %v %v", ok, err)
	}
	authURL, err := c.Clientless.AuthenticateURL(tvauth.AuthenticateRequest{RequestorID: sp, MSOID: tvauthtest.DefaultMVPD,
		RegCode: rc.Code, DomainName: "adobe.com", RedirectURL: site.URL + "/v1-done"})
	must(t, err)
	run(t, tab, "the authenticate URL", chromedp.Navigate(authURL))
	waitURL(t, tab, fake.URL()+"/mvpd/"+tvauthtest.DefaultMVPD+"/login")
	run(t, tab, "signing in", typeInto("#username", tvauthtest.DefaultSubscriber),
		submitWithEnter("#password", tvauthtest.DefaultSubscriberPassword))
	waitURL(t, tab, site.URL+"/v1-done")
	if ok, err := c.Clientless.CheckAuthN(ctx, me); err != nil || !ok {
		t.Fatalf("CheckAuthN after the login: %v %v", ok, err)
	}

	// Another device, through the activation page: no MVPD yet, so the picker; then the done page.
	dev := tvauthtest.DefaultDevice()
	dev.ID = "living-room-tv"
	other := fake.PassClient(dev)
	rc2, err := other.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: sp})
	must(t, err)
	run(t, tab, "the activation page", chromedp.Navigate(fake.URL()+tvauthtest.ActivatePath+"?code="+rc2.Code),
		chromedp.WaitVisible("#code", chromedp.ByQuery), chromedp.Click("form button[type=submit]", chromedp.ByQuery))
	waitURL(t, tab, fake.URL()+"/activate/providers")
	run(t, tab, "picking the MVPD", chromedp.Click(`button[value="`+tvauthtest.DefaultMVPD+`"]`, chromedp.ByQuery))
	run(t, tab, "signing in", typeInto("#username", alice.Username), submitWithEnter("#password", alice.Password))
	waitURL(t, tab, fake.URL()+"/activate/done")
	if msg := text(t, tab, "[role=status]"); !strings.Contains(msg, "confirmed your subscription") {
		t.Errorf("done page: %q", msg)
	}
	screenshot(t, tab, "activate-done")
	if ok, err := other.Clientless.CheckAuthN(ctx, tvauth.ClientlessRequest{RequestorID: sp}); err != nil || !ok {
		t.Fatalf("CheckAuthN of the second device: %v %v", ok, err)
	}
}

// TestPassLogoutInteractive: a logout/interactive next action opened in the browser: the MVPD's
// "signed out" page, then on to the app's redirect URL (Continue, or by itself after a few seconds);
// the fake counts the MVPD logout done.
func TestPassLogoutInteractive(t *testing.T) {
	tab := browser(t)
	fake, site := seeded(t), app(t)
	ctx := tab
	c := fake.Client()
	fake.AddProfile(tvauthtest.Profile{ServiceProvider: sp, MVPD: tvauthtest.DefaultMVPD, DeviceID: tvauthtest.DefaultDeviceID})
	res, err := c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sp, MVPD: tvauthtest.DefaultMVPD,
		RedirectURL: site.URL + "/signed-out"})
	must(t, err)
	if len(res.Actions) != 1 || !res.Actions[0].NeedsUserAgent() {
		t.Fatalf("logout actions %+v, want one logout/interactive with a URL", res.Actions)
	}
	run(t, tab, "the logout URL", chromedp.Navigate(res.Actions[0].URL.String()))
	if msg := text(t, tab, "[role=status]"); msg != "You are signed out of "+tvauthtest.DefaultMVPD+"." {
		t.Errorf("signed-out page: %q", msg)
	}
	screenshot(t, tab, "signed-out")
	if n := fake.CompletedLogouts(tvauthtest.DefaultMVPD); n != 1 {
		t.Errorf("%d MVPD logouts completed, want 1", n)
	}
	// Continue, before the page moves on by itself (either way the browser lands on the app).
	_ = chromedp.Run(tab, chromedp.Click("a.button", chromedp.ByQuery))
	waitURL(t, tab, site.URL+"/signed-out")
	if p := fake.Profiles(sp, tvauthtest.DefaultDeviceID); len(p) != 0 {
		t.Errorf("profiles after the logout: %+v", p)
	}
}

// TestDashboard: the dashboard lists the requests the SDK made (newest first, filtered by family),
// shows no password or token anywhere in the page, and its fault form makes the next SDK call fail
// with that status; clearing the faults makes it pass again.
func TestDashboard(t *testing.T) {
	tab := browser(t)
	sa, err := tvauthtest.NewStandalone(tvauthtest.DefaultSeed())
	must(t, err)
	hs := httptest.NewServer(sa)
	t.Cleanup(func() { hs.Close(); sa.Close() })
	fake := sa.Server()
	must(t, fake.AddSubscriber(tvauthtest.DefaultMVPD, alice))
	ctx := tab
	// The SDK talks to the Standalone's address, as a suite in another language would; no retries, so
	// that one fault is one failed call.
	c, err := tvauth.New(append(fake.Options(), tvauth.WithPassURL(hs.URL), tvauth.WithClientlessURL(hs.URL),
		tvauth.WithWebAPIURL(hs.URL), tvauth.WithAGSURL(hs.URL+"/ags"), tvauth.WithRetry(tvauth.RetryPolicy{MaxRetries: 0}))...)
	must(t, err)
	_, err = c.Pass.Configuration(ctx, sp)
	must(t, err)
	_, err = c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: tvauthtest.DefaultWebAPILogin, Password: tvauthtest.DefaultWebAPIPassword})
	must(t, err)
	_, err = c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: []tvauth.Parameter{
		{Name: tvauthtest.AGSUsernameParam, Value: tvauthtest.DefaultAGSUser},
		{Name: tvauthtest.AGSPasswordParam, Value: tvauthtest.DefaultAGSPassword}},
		Device: &tvauth.AGSDeviceInformation{DeviceType: "OPEN"}})
	must(t, err)
	sess, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: sp, MVPD: tvauthtest.DefaultMVPD,
		DomainName: "adobe.com", RedirectURL: "https://app.example/signed-in"})
	must(t, err)
	rc, err := c.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: sp})
	must(t, err)

	run(t, tab, "the dashboard", chromedp.Navigate(hs.URL+tvauthtest.AdminPrefix), chromedp.WaitVisible("h1", chromedp.ByQuery))
	rows := text(t, tab, "#request-list")
	for _, want := range []string{"/api/v2/" + sp + "/configuration", "/o/client/token", "/auth/clientLogin", "/ags/signOn",
		"/api/v2/" + sp + "/sessions", "/reggie/v1/" + sp + "/regcode"} {
		if !strings.Contains(rows, want) {
			t.Errorf("the dashboard does not list %s:\n%s", want, rows)
		}
	}
	if first, last := strings.Index(rows, "/ags/signOn"), strings.Index(rows, "/o/client/token"); first > last {
		t.Errorf("requests are not newest first:\n%s", rows)
	}
	// Secrets: every one the SDK sent or the fake holds, in the whole document.
	secrets := []string{tvauthtest.DefaultWebAPIPassword, tvauthtest.DefaultAGSPassword, alice.Password,
		tvauthtest.DefaultSubscriberPassword, string(fake.PassCredentials().ClientSecret), string(fake.SoftwareStatement())}
	for _, r := range fake.Requests() {
		if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
			secrets = append(secrets, strings.TrimPrefix(auth, "Bearer "))
		}
	}
	html := pageSource(t, tab)
	for _, s := range secrets {
		if strings.Contains(html, s) {
			t.Errorf("the dashboard shows a secret (%d bytes)", len(s))
		}
	}
	if !strings.Contains(html, "Bearer •••••• (masked)") {
		t.Error("the dashboard does not show the masked Authorization header")
	}
	if live := text(t, tab, "#session-list"); !strings.Contains(live, sess.Code) {
		t.Errorf("the live session %s is not listed:\n%s", sess.Code, live)
	}
	if codes := text(t, tab, "#regcode-list"); !strings.Contains(codes, rc.Code) {
		t.Errorf("the registration code %s is not listed:\n%s", rc.Code, codes)
	}
	// Open the token request's details, as a person would to see what was sent (masked).
	run(t, tab, "opening a request", chromedp.Click(`//td/code[text()="/o/client/token"]/../following-sibling::td//summary`, chromedp.BySearch))
	screenshot(t, tab, "dashboard")

	// Filter by family.
	run(t, tab, "filtering", chromedp.SetValue("#family", "WebAPI", chromedp.ByQuery), chromedp.Submit("#family", chromedp.ByQuery))
	waitURL(t, tab, hs.URL+tvauthtest.AdminPrefix+"?family=WebAPI")
	if rows := text(t, tab, "#request-list"); !strings.Contains(rows, "/auth/clientLogin") || strings.Contains(rows, "/ags/signOn") {
		t.Errorf("WebAPI requests:\n%s", rows)
	}

	// A fault through the form: the next Pass call fails with its status.
	run(t, tab, "adding a fault", chromedp.Navigate(hs.URL+tvauthtest.AdminPrefix),
		typeInto("#fault-path", "/api/v2/*"), typeInto("#fault-status", "503"), typeInto("#fault-times", "1"),
		chromedp.Click(`form[aria-label="Add a fault"] button`, chromedp.ByQuery))
	waitURL(t, tab, hs.URL+tvauthtest.AdminPrefix+"?done=fault")
	if msg := text(t, tab, "[role=status]"); !strings.Contains(msg, "Fault added") {
		t.Errorf("after adding a fault: %q", msg)
	}
	if faults := text(t, tab, "#fault-list"); !strings.Contains(faults, "/api/v2/*") || !strings.Contains(faults, "HTTP 503") {
		t.Errorf("faults listed: %q", faults)
	}
	screenshot(t, tab, "dashboard-fault")
	if _, err := c.Pass.Configuration(ctx, sp); passStatus(err) != 503 {
		t.Errorf("the call after the fault: %v, want HTTP 503", err)
	}
	if _, err := c.Pass.Configuration(ctx, sp); err != nil {
		t.Errorf("the call after the fault was used: %v", err)
	}
	// Clear: a second fault, then the clear button; the call passes.
	run(t, tab, "adding a fault", chromedp.Navigate(hs.URL+tvauthtest.AdminPrefix),
		typeInto("#fault-path", "/api/v2/*"), typeInto("#fault-status", "500"), typeInto("#fault-times", "5"),
		chromedp.Click(`form[aria-label="Add a fault"] button`, chromedp.ByQuery))
	waitURL(t, tab, hs.URL+tvauthtest.AdminPrefix+"?done=fault")
	run(t, tab, "clearing the faults", chromedp.Click(`form[action$="/faults/clear"] button`, chromedp.ByQuery))
	waitURL(t, tab, hs.URL+tvauthtest.AdminPrefix+"?done=cleared")
	if msg := text(t, tab, "[role=status]"); !strings.Contains(msg, "Every fault is cleared") {
		t.Errorf("after clearing: %q", msg)
	}
	if _, err := c.Pass.Configuration(ctx, sp); err != nil {
		t.Errorf("the call after the faults were cleared: %v", err)
	}
}
