package tvauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// This file holds README.md's Go blocks (between the docs:begin/end markers, see readme_test.go) and
// the tests that run each of them against the fake. The README shows real hosts; the tests make
// http.DefaultTransport the fake's in-process transport, which every client built without
// WithHTTPClient uses, so the very code the README shows runs here unchanged and no request leaves the
// process. Each snippet runs through runSnippet, so what it prints is checked, never shown.

// fakeAsDefaultTransport routes every host through the fake for the rest of the test. Tests that use it
// touch a global, so they never run in parallel.
func fakeAsDefaultTransport(t *testing.T, fake *tvauthtest.Server) {
	t.Helper()
	old := http.DefaultTransport
	http.DefaultTransport = fake.Transport()
	t.Cleanup(func() { http.DefaultTransport = old })
}

// docsDevice is a complete Adobe Pass device for the tests.
func docsDevice(id string) tvauth.Device {
	return tvauth.Device{ID: id, Info: tvauth.DeviceInfo{Model: "STB", Version: "1", OSName: "Linux", OSVersion: "6",
		ConnectionType: "Ethernet"}}
}

// countRequests counts the requests the fake recorded for a path.
func countRequests(fake *tvauthtest.Server, path string) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

// checkQuiet fails the test when a snippet printed anything.
func checkQuiet(t *testing.T, out string) {
	t.Helper()
	if out != "" {
		t.Errorf("the snippet printed %q; a documented snippet returns what it has to say", out)
	}
}

// docs:begin readme-pass
// openBrowser and tellUser are your app's: open a URL in a browser or WebView, show a message.
func signOutOfAdobe(ctx context.Context, deviceID string, softwareStatement tvauth.Secret, credsPath string,
	openBrowser func(url string), tellUser func(msg string)) error {
	device := tvauth.Device{ID: deviceID, Info: tvauth.DeviceInfo{Model: "TV 5th Gen", Version: "5",
		OSName: "tvOS", OSVersion: "17.0", ConnectionType: "WiFi"}}
	// The first Pass call registers (DCR) and saves the credentials; later runs load them.
	// Registering again would sign every user out.
	client, err := tvauth.New(tvauth.WithDevice(device),
		tvauth.WithPassCredentialStore(tvauth.NewFileCredentialStore(credsPath), softwareStatement))
	if err != nil {
		return err
	}
	res, err := client.Pass.Logout(ctx, tvauth.LogoutRequest{
		ServiceProvider: "REF30", MVPD: "Spectrum", RedirectURL: "https://app.example/logged-out"})
	if err != nil {
		return err // errors.Is(err, tvauth.ErrUnauthorized), tvauth.ErrRateLimited, …
	}
	for _, a := range res.Actions { // one per deleted profile, sorted by MVPD
		switch {
		case a.NeedsUserAgent():
			openBrowser(a.URL.String()) // absolute, even when Adobe sent a relative url
		case a.NeedsPartnerLogout():
			tellUser("Also sign out of your TV provider in Settings")
		case a.IsComplete():
			// complete or invalid: nothing left to do
		default:
			// a next action newer than this SDK: a.Name and a.Type as sent
		}
	}
	return nil
}

// docs:end readme-pass

func TestREADMEPass(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fakeAsDefaultTransport(t, fake)
	fake.AddMVPD("Spectrum", true)
	fake.AddProfile(tvauthtest.Profile{ServiceProvider: "REF30", MVPD: "Spectrum", DeviceID: "readme-tv"})
	credsPath := filepath.Join(t.TempDir(), "adobe-pass.json")

	var opened, told []string
	openBrowser := func(u string) { opened = append(opened, u) }
	tellUser := func(msg string) { told = append(told, msg) }
	var err error
	checkQuiet(t, runSnippet(t, func() {
		err = signOutOfAdobe(context.Background(), "readme-tv", fake.SoftwareStatement(), credsPath, openBrowser, tellUser)
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(opened) != 1 || !strings.Contains(opened[0], "/adobe-services/logout") || len(told) != 0 {
		t.Fatalf("opened %q, told the user %q", opened, told)
	}
	if got := fake.Profiles("REF30", "readme-tv"); len(got) != 0 {
		t.Fatalf("profiles left after logout: %+v", got)
	}
	// A second run loads the saved credentials instead of registering again; no profile is left, so
	// the logout has nothing to open.
	opened = nil
	checkQuiet(t, runSnippet(t, func() {
		err = signOutOfAdobe(context.Background(), "readme-tv", fake.SoftwareStatement(), credsPath, openBrowser, tellUser)
	}))
	if err != nil {
		t.Fatal(err)
	}
	if n := countRequests(fake, "/o/client/register"); n != 1 || len(opened) != 0 {
		t.Fatalf("%d registrations (want 1), opened %q", n, opened)
	}
}

// docs:begin readme-clientless
// The login web app's handler: it sends the second screen's browser to Adobe with the TV's code.
func activate(client *tvauth.Client) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		loginURL, err := client.Clientless.AuthenticateURL(tvauth.AuthenticateRequest{
			RegCode: r.FormValue("code"), RequestorID: "REF30", MSOID: r.FormValue("mvpd"),
			DomainName: "example.com", RedirectURL: "https://example.com/activate/done",
		})
		if err != nil { // a *tvauth.ValidationError naming the field: no code, say
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// https://api.auth.adobe.com/api/v1/authenticate?reg_code=…&requestor_id=REF30&…
		//     …&redirect_url=https%3A%2F%2Fexample.com%2Factivate%2Fdone
		http.Redirect(w, r, loginURL, http.StatusFound)
	}
}

// docs:end readme-clientless

func TestREADMEClientless(t *testing.T) {
	client, err := tvauth.New() // the default Clientless host; AuthenticateURL sends nothing
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query      string
		status     int
		prefix     string
		suffix     string
		wantAbsent string
	}{
		{"code=ABC1234&mvpd=Cablevision", http.StatusFound,
			"https://api.auth.adobe.com/api/v1/authenticate?reg_code=ABC1234&requestor_id=REF30&mso_id=Cablevision&",
			"&redirect_url=https%3A%2F%2Fexample.com%2Factivate%2Fdone", "&reg_code"},
		{"mvpd=Cablevision", http.StatusBadRequest, "", "", ""},
	} {
		w := httptest.NewRecorder()
		checkQuiet(t, runSnippet(t, func() {
			activate(client).ServeHTTP(w, httptest.NewRequest("GET", "/activate?"+tc.query, nil))
		}))
		loc := w.Header().Get("Location")
		if w.Code != tc.status || !strings.HasPrefix(loc, tc.prefix) || !strings.HasSuffix(loc, tc.suffix) ||
			tc.wantAbsent != "" && strings.Contains(loc, tc.wantAbsent) {
			t.Errorf("%s: %d to %q", tc.query, w.Code, loc)
		}
		if tc.status == http.StatusBadRequest && !strings.Contains(w.Body.String(), "RegCode") {
			t.Errorf("%s: the 400 does not name the field: %q", tc.query, w.Body)
		}
	}
}

// docs:begin readme-webapi
func signInAndOut(ctx context.Context, devID, loginID string, password tvauth.Secret) error {
	client, err := tvauth.New(tvauth.WithWebAPIDevID(devID)) // default host https://api.screenname.nina.bz
	if err != nil {
		return err
	}
	sess, err := client.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: loginID, Password: password})
	if err != nil {
		return err // a *tvauth.WebAPIError; on statusCode 330 its Challenge says what to ask the user
	}
	// sess.Token, SessionSecret and SessionKey are Secrets. The logout is signed: sig_sha256, keyed with
	// the session key, over the sorted, RFC 3986-encoded parameters, which go on the wire in that order.
	_, err = client.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, Format: tvauth.FormatXML})
	return err
}

// docs:end readme-webapi

func TestREADMEWebAPI(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fakeAsDefaultTransport(t, fake)
	fake.AddWebAPIUser("someuser", "pass word+1")
	var err error
	checkQuiet(t, runSnippet(t, func() {
		err = signInAndOut(context.Background(), tvauthtest.WebAPIDevID, "someuser", "pass word+1")
	}))
	if err != nil {
		t.Fatal(err)
	}
	// The fake checked the signature; the token the logout carried is no longer active.
	var logout *tvauthtest.Request
	for _, r := range fake.Requests() {
		if r.Path == "/auth/logout" {
			logout = &r
		}
	}
	if logout == nil || !strings.Contains(logout.RawQuery, "&sig_sha256=") {
		t.Fatalf("no signed logout was sent: %+v", fake.Requests())
	}
	q, err := url.ParseQuery(logout.RawQuery)
	if err != nil || q.Get("a") == "" || q.Get("f") != "xml" || fake.WebAPISessionActive(tvauth.Secret(q.Get("a"))) {
		t.Fatalf("logout %q: the session is still active (%v)", logout.RawQuery, err)
	}
	checkQuiet(t, runSnippet(t, func() {
		err = signInAndOut(context.Background(), tvauthtest.WebAPIDevID, "someuser", "wrong")
	}))
	var we *tvauth.WebAPIError
	if !errors.As(err, &we) {
		t.Fatalf("a wrong password: %v, want a *tvauth.WebAPIError", err)
	}
}

// docs:begin readme-ags
// choose is your app's: the user picks one of the accounts a 300 answer lists.
func signOnToAGS(ctx context.Context, username, password string, choose func([]tvauth.Account) int) (*tvauth.Tokens, error) {
	client, err := tvauth.New(
		tvauth.WithAGSURL("https://api.example.opentv.com/ags"), // the operator's AGS root
		tvauth.WithAGSAuthService("Customer Auth Service"),      // x-auth-service-id, named by service discovery
	)
	if err != nil {
		return nil, err
	}
	params := []tvauth.Parameter{{Name: "username", Value: username}, {Name: "password", Value: password}}
	device := &tvauth.AGSDeviceInformation{DeviceType: "OPEN", Hardware: &tvauth.AGSHardware{Type: "STB"}}
	res, err := client.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params, Device: device})
	if err != nil {
		return nil, err // a *tvauth.AGSError; tvauth.IsAGSCode(err, tvauth.AGSCodeDeviceLimitReached), …
	}
	if len(res.Accounts) == 0 {
		return res.Tokens, nil // 201: signed on
	}
	// HTTP 300: one login, several accounts (an answer, not an error). subsequentSignOn sends the
	// chosen account's User-Token and the username only.
	return client.AGS.SubsequentSignOn(ctx, res.Accounts[choose(res.Accounts)],
		tvauth.SignOnRequest{Parameters: params[:1]})
}

// docs:end readme-ags

func TestREADMEAGS(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fakeAsDefaultTransport(t, fake)
	fake.AddAGSUser("dave", "1660", "1663")
	fake.AddAGSUser("erin", "1700")
	for _, tc := range []struct {
		user        string
		wantOffered int
		wantAccount string
	}{
		{"dave", 2, "1663"}, // 300: the user picks the second account
		{"erin", 0, "1700"}, // 201 at once
	} {
		offered := 0
		var tokens *tvauth.Tokens
		var err error
		checkQuiet(t, runSnippet(t, func() {
			tokens, err = signOnToAGS(context.Background(), tc.user, fake.AGSPassword(tc.user),
				func(accounts []tvauth.Account) int { offered = len(accounts); return len(accounts) - 1 })
		}))
		if err != nil {
			t.Fatalf("%s: %v", tc.user, err)
		}
		if offered != tc.wantOffered || tokens.AccountID != tc.wantAccount || !fake.AGSAccessTokenActive(tokens.AccessToken) {
			t.Fatalf("%s: offered %d accounts, signed on to %q", tc.user, offered, tokens.AccountID)
		}
	}
}

// docs:begin readme-testing
func TestLogoutOpensTheMVPDLogoutPage(t *testing.T) {
	fake := tvauthtest.NewServer() // all four services in-process, checking requests as the real ones do
	defer fake.Close()
	fake.AddMVPD("Cablevision", true) // an MVPD with a logout page: logout/interactive
	fake.AddProfile(tvauthtest.Profile{ServiceProvider: "REF30", MVPD: "Cablevision", DeviceID: tvauthtest.DefaultDeviceID})

	client := fake.Client() // every family ready: a default device, DCR credentials, a token source
	res, err := client.Pass.Logout(context.Background(), tvauth.LogoutRequest{ServiceProvider: "REF30",
		MVPD: "Cablevision", RedirectURL: "https://app.example/done"})
	if err != nil || len(res.Actions) != 1 || !res.Actions[0].NeedsUserAgent() {
		t.Fatalf("logout = %+v, %v; want one logout/interactive action", res, err)
	}
}

// docs:end readme-testing
