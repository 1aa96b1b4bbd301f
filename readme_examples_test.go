package tvauth_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// This file holds README.md's Go blocks (between the README:begin/end markers) and the tests that run
// each of them against the fake. The README shows real hosts; the tests make http.DefaultTransport the
// fake's in-process transport, which every client built without WithHTTPClient uses, so the very code
// the README shows runs here unchanged and no request leaves the process.

// fakeAsDefaultTransport routes every host through the fake for the rest of the test. Tests that use it
// touch a global, so they never run in parallel.
func fakeAsDefaultTransport(t *testing.T, fake *tvauthtest.Server) {
	t.Helper()
	old := http.DefaultTransport
	http.DefaultTransport = fake.Transport()
	t.Cleanup(func() { http.DefaultTransport = old })
}

// README:begin client
func newClient(device tvauth.Device, hc *http.Client) (*tvauth.Client, error) {
	return tvauth.New(
		tvauth.WithDevice(device),                           // Adobe Pass device headers
		tvauth.WithRetry(tvauth.RetryPolicy{MaxRetries: 2}), // the default is 3
		tvauth.WithLogger(slog.Default()),                   // one redacted debug line per attempt
		tvauth.WithHTTPClient(hc),                           // its Transport is the base; tvauth wraps it
	)
}

// README:end client

func TestREADMEClient(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	client, err := newClient(readmeDevice("readme-device"), &http.Client{Transport: fake.Transport()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Pass.Register(context.Background(), fake.SoftwareStatement()); err != nil {
		t.Fatal(err)
	}
	// The caller's transport carried the call: the fake saw it, with the device's headers.
	reqs := fake.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/o/client/register" || reqs[0].Host != "sp.auth.adobe.com" {
		t.Fatalf("requests = %+v", reqs)
	}
}

func readmeDevice(id string) tvauth.Device {
	return tvauth.Device{ID: id, Info: tvauth.DeviceInfo{Model: "STB", Version: "1", OSName: "Linux", OSVersion: "6",
		ConnectionType: "Ethernet"}}
}

// Stand-ins for what an application does with the next actions.
var (
	opened      []string
	toldTheUser []string
)

func openBrowser(u *url.URL) { opened = append(opened, u.String()) }
func tellUser(msg string)    { toldTheUser = append(toldTheUser, msg) }

// README:begin pass
func signOutOfAdobe(ctx context.Context, deviceID string, softwareStatement tvauth.Secret, credsPath string) error {
	device := tvauth.Device{ID: deviceID, Info: tvauth.DeviceInfo{Model: "TV 5th Gen", Version: "5",
		OSName: "tvOS", OSVersion: "17.0", ConnectionType: "WiFi"}}

	// The first Pass call registers once and saves the credentials; later starts just load them.
	// Registering again would sign every user out: see "Running many replicas" for a fleet.
	client, err := tvauth.New(tvauth.WithDevice(device),
		tvauth.WithPassCredentialStore(tvauth.NewFileCredentialStore(credsPath), softwareStatement)) // 0600, atomic writes
	if err != nil {
		return err
	}
	res, err := client.Pass.Logout(ctx, tvauth.LogoutRequest{
		ServiceProvider: "REF30", MVPD: "Spectrum", RedirectURL: "https://app.example/logged-out",
	})
	switch {
	case errors.Is(err, tvauth.ErrUnauthorized):
		return fmt.Errorf("credentials revoked, register again: %w", err)
	case errors.Is(err, tvauth.ErrRateLimited):
		return fmt.Errorf("still throttled after retries: %w", err)
	case err != nil:
		return err
	}
	for _, a := range res.Actions { // sorted by MVPD; one per deleted profile
		switch {
		case a.NeedsUserAgent():
			openBrowser(a.URL) // absolute, even when Adobe sent a relative url
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

// README:end pass

func TestREADMEPass(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fakeAsDefaultTransport(t, fake)
	fake.AddMVPD("Spectrum", true)
	fake.AddProfile(tvauthtest.Profile{ServiceProvider: "REF30", MVPD: "Spectrum", DeviceID: "readme-tv"})
	opened, toldTheUser = nil, nil
	credsPath := filepath.Join(t.TempDir(), "adobe-pass.json")

	if err := signOutOfAdobe(context.Background(), "readme-tv", fake.SoftwareStatement(), credsPath); err != nil {
		t.Fatal(err)
	}
	if len(opened) != 1 || !strings.Contains(opened[0], "/adobe-services/logout") || len(toldTheUser) != 0 {
		t.Fatalf("opened %q, told the user %q", opened, toldTheUser)
	}
	if got := fake.Profiles("REF30", "readme-tv"); len(got) != 0 {
		t.Fatalf("profiles left after logout: %+v", got)
	}
	// A second run loads the saved credentials instead of registering again.
	if err := signOutOfAdobe(context.Background(), "readme-tv", fake.SoftwareStatement(), credsPath); err != nil {
		t.Fatal(err)
	}
	registrations := 0
	for _, r := range fake.Requests() {
		if r.Path == "/o/client/register" {
			registrations++
		}
	}
	if registrations != 1 {
		t.Fatalf("%d registrations, want 1", registrations)
	}
}

var played []*tvauth.ShortMediaToken

func startPlayback(tok *tvauth.ShortMediaToken) { played = append(played, tok) }

// README:begin clientless
func watchOnTV(ctx context.Context, client *tvauth.Client, w http.ResponseWriter, r *http.Request) error {
	me := tvauth.ClientlessRequest{RequestorID: "REF30"}

	// 1. On the device: get a code and show it.
	rc, err := client.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: "REF30", TTL: 30 * time.Minute})
	if err != nil {
		return err
	}
	fmt.Println("Go to https://example.com/activate and enter", rc.Code)

	// 2. In the login web app: send the browser to Adobe (reg_code first, redirect_url last, both
	//    escaped; the string "&reg" never appears, so no browser turns it into ®).
	loginURL, err := client.Clientless.AuthenticateURL(tvauth.AuthenticateRequest{
		RegCode: rc.Code, RequestorID: "REF30", MSOID: "Cablevision",
		DomainName: "example.com", RedirectURL: "https://example.com/activate/done",
	})
	if err != nil {
		return err
	}
	http.Redirect(w, r, loginURL, http.StatusFound)

	// 3. On the device: poll until signed in (Adobe allows about one request a second).
	if err := client.Clientless.WaitForAuthN(ctx, me, 5*time.Second); err != nil {
		return err
	}

	// 4. Play: authorise, then get a short media token for the player's verification.
	resource := tvauth.ClientlessResourceRequest{RequestorID: "REF30", Resource: "REF30"}
	if _, err := client.Clientless.Authorize(ctx, tvauth.ClientlessAuthorizeRequest{RequestorID: "REF30", Resource: "REF30"}); err != nil {
		return err
	}
	tok, err := client.Clientless.MediaToken(ctx, resource)
	if err != nil {
		return err
	}
	startPlayback(tok)

	// 5. Sign out. This clears Adobe's tokens; it does not sign the user out of the TV provider.
	return client.Clientless.Logout(ctx, me)
}

// README:end clientless

func TestREADMEClientless(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD("Cablevision", false)
	const deviceID = "readme-stb"
	// The second-screen login is the user's part: here it has already happened for this device.
	fake.AddClientlessAuthn("REF30", deviceID, "Cablevision")
	client := fake.PassClient(readmeDevice(deviceID))
	played = nil
	w := httptest.NewRecorder()
	if err := watchOnTV(context.Background(), client, w, httptest.NewRequest("GET", "/activate", nil)); err != nil {
		t.Fatal(err)
	}
	loc := w.Header().Get("Location")
	if w.Code != http.StatusFound || !strings.Contains(loc, "/api/v1/authenticate?reg_code=") ||
		!strings.HasSuffix(loc, "&redirect_url=https%3A%2F%2Fexample.com%2Factivate%2Fdone") {
		t.Fatalf("redirect %d to %q", w.Code, loc)
	}
	if len(played) != 1 || played[0].Resource != "REF30" || played[0].SerializedToken == "" {
		t.Fatalf("played %+v", played)
	}
	if fake.ClientlessAuthenticated("REF30", deviceID) {
		t.Fatal("still authenticated after Logout")
	}
}

// README:begin webapi
func signInToNINA(ctx context.Context, devID, loginID string, pw tvauth.Secret, askCaptcha func(url string) string) (*tvauth.WebAPISession, error) {
	client, err := tvauth.New(tvauth.WithWebAPIDevID(devID)) // default host https://api.screenname.nina.bz
	if err != nil {
		return nil, err
	}
	req := tvauth.ClientLoginRequest{LoginID: loginID, Password: pw}
	sess, err := client.WebAPI.ClientLogin(ctx, req)
	var we *tvauth.WebAPIError
	if errors.As(err, &we) && we.Challenge != nil && we.StatusDetailCode == 3015 { // a captcha
		req.Context, req.CaptchaWord = we.Challenge.Context, askCaptcha(we.Challenge.URL)
		sess, err = client.WebAPI.ClientLogin(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	fmt.Println(sess) // Token, SessionSecret and SessionKey print as REDACTED

	// A signed logout: sig_sha256 over the sorted, RFC 3986-encoded parameters, sent in that order.
	if _, err := client.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, Format: tvauth.FormatXML}); err != nil {
		return nil, err
	}
	return sess, nil
}

// README:end webapi

func TestREADMEWebAPI(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fakeAsDefaultTransport(t, fake)
	fake.AddWebAPIUser("someuser", "pass word+1")
	sess, err := signInToNINA(context.Background(), tvauthtest.WebAPIDevID, "someuser", "pass word+1",
		func(string) string { t.Fatal("no captcha was asked for"); return "" })
	if err != nil {
		t.Fatal(err)
	}
	if fake.WebAPISessionActive(sess.Token) {
		t.Fatal("the session is still active after the signed logout")
	}
	if _, err := signInToNINA(context.Background(), tvauthtest.WebAPIDevID, "someuser", "wrong",
		func(string) string { return "" }); err == nil {
		t.Fatal("a wrong password signed in")
	}
}

// README:begin webapi-sign
func getInfo(sess *tvauth.WebAPISession, devID string) (*http.Response, error) {
	q, err := sess.Sign("GET", "https://api.screenname.nina.bz/auth/getInfo",
		url.Values{"devId": {devID}, "f": {"json"}, "ts": {sess.TS()}}) // adds a=<token>, appends &sig_sha256=…
	if err != nil {
		return nil, err
	}
	return http.Get("https://api.screenname.nina.bz/auth/getInfo?" + q) // for POST, send q as a form body
}

// README:end webapi-sign

func TestREADMEWebAPISign(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fakeAsDefaultTransport(t, fake)
	fake.AddWebAPIUser("someuser", "pw-123")
	client, err := tvauth.New(tvauth.WithWebAPIDevID(tvauthtest.WebAPIDevID))
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.WebAPI.ClientLogin(context.Background(), tvauth.ClientLoginRequest{LoginID: "someuser", Password: "pw-123"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := getInfo(sess, tvauthtest.WebAPIDevID)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := fake.Requests()
	last := reqs[len(reqs)-1]
	if last.Path != "/auth/getInfo" || !strings.HasPrefix(last.RawQuery, "a=") || !strings.Contains(last.RawQuery, "&sig_sha256=") {
		t.Fatalf("sent %s?%s", last.Path, last.RawQuery)
	}
	q, _ := url.ParseQuery(last.RawQuery)
	params := url.Values{"devId": {tvauthtest.WebAPIDevID}, "f": {"json"}, "ts": q["ts"], "a": q["a"]}
	want, err := tvauth.Sign("GET", "https://api.screenname.nina.bz/auth/getInfo", params, sess.SessionKey)
	if err != nil || q.Get("sig_sha256") != want {
		t.Fatalf("sig_sha256 = %q, want %q (%v)", q.Get("sig_sha256"), want, err)
	}
}

// README:begin ags
func signOnToAGS(ctx context.Context, username, pw string, choose func([]tvauth.Account) int, save func(tvauth.Tokens)) error {
	client, err := tvauth.New(
		tvauth.WithAGSURL("https://api.example.opentv.com/ags"),
		tvauth.WithAGSTenant("nagra"), // nv-tenant-id
		tvauth.WithAGSHeader("Nagra-Device-Type", "Browser"),
	)
	if err != nil {
		return err
	}
	// The auth service to sign on with (x-auth-service-id) is named by service discovery.
	disc, err := client.AGS.ServiceDiscovery(ctx)
	if err != nil {
		return err
	}
	if len(disc.AvailableServices) == 0 {
		return errors.New("the operator offers no auth service")
	}
	service := disc.AvailableServices[0].AuthServiceName

	params := []tvauth.Parameter{{Name: "username", Value: username}, {Name: "password", Value: pw}}
	device := &tvauth.AGSDeviceInformation{DeviceType: "OPEN",
		Hardware: &tvauth.AGSHardware{Type: "STB"}, OS: &tvauth.AGSOS{Type: "Linux", Version: "6.1"}}

	// The first sign-on on a device sends its Device information (or raw DeviceInformation JSON);
	// later ones send the ClientID it got.
	res, err := client.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params, Device: device, AuthService: service})
	if err != nil {
		return err // *tvauth.AGSError; tvauth.IsAGSCode(err, tvauth.AGSCodeDeviceLimitReached), …
	}
	tokens := res.Tokens
	if len(res.Accounts) > 0 { // HTTP 300: one login, several accounts. An answer, not an error.
		// subsequentSignOn authenticates with the chosen account's User-Token, and takes only the
		// username, not the password again: params[:1].
		tokens, err = client.AGS.SubsequentSignOn(ctx, res.Accounts[choose(res.Accounts)],
			tvauth.SignOnRequest{Parameters: params[:1], AuthService: service})
		if err != nil {
			return err
		}
	}
	save(*tokens)

	// The token source refreshes through /refresh before expiry, one refresh at a time, and reports
	// every rotation so you can save the tokens (and the ClientID: sending DeviceInformation again
	// registers a new device).
	ts := client.AGS.TokenSource(tokens, tvauth.SignOnRequest{AuthService: service}, save)
	if _, err := ts.Token(); err != nil { // an *oauth2.Token for your OpenTV API calls
		return err
	}
	return client.AGS.SignOut(ctx, ts.Tokens().AccessToken, tvauth.SignOnRequest{AuthService: service})
}

// README:end ags

func TestREADMEAGS(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fakeAsDefaultTransport(t, fake)
	fake.AddAGSUser("dave", "1660", "1663")
	var saved []tvauth.Tokens
	var offered int
	err := signOnToAGS(context.Background(), "dave", fake.AGSPassword("dave"),
		func(accounts []tvauth.Account) int { offered = len(accounts); return 1 },
		func(t tvauth.Tokens) { saved = append(saved, t) })
	if err != nil {
		t.Fatal(err)
	}
	if offered != 2 || len(saved) != 1 || saved[0].AccessToken == "" {
		t.Fatalf("offered %d accounts, saved %d token sets", offered, len(saved))
	}
	if fake.AGSAccessTokenActive(saved[0].AccessToken) {
		t.Fatal("the access token is still active after SignOut")
	}
}
