// Command quickstart runs every tvauth flow — Adobe Pass REST API v2, Adobe Pass v1 (clientless), NINA
// WebAPI and OpenTV AGS — and prints one line per step. With no flags it starts the in-process fake
// (tvauthtest) and needs no network:
//
//	go run ./examples/quickstart
//
// Flags point one family at a vendor's real (staging) host instead; secrets come from environment
// variables so they stay out of shell history:
//
//	TVAUTH_PASS_SOFTWARE_STATEMENT=… go run ./examples/quickstart -only pass \
//	    -pass-url https://sp.auth-staging.adobe.com -pass-sp REF30 -pass-mvpd Cablevision
//	TVAUTH_WEBAPI_PASSWORD=… go run ./examples/quickstart -only webapi -webapi-devid … -webapi-login …
//	TVAUTH_AGS_PASSWORD=… go run ./examples/quickstart -only ags -ags-url https://host/ags -ags-user …
//
// Against a real host the browser steps print a URL to open and then poll, as a TV app would.
// -v prints the SDK's per-attempt log lines to stderr (method, redacted URL, status, attempt,
// duration). The exit status is 0 only if every step behaved as documented.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// settings are the flags; an empty URL means the family runs against the fake.
type settings struct {
	only    string
	timeout time.Duration
	verbose bool

	passURL, clientlessURL, passSP, passMVPD, passResource, domain, redirectURL string
	webapiURL, webapiDevID, webapiLogin                                         string
	agsURL, agsAuthService, agsTenant, agsUser                                  string

	// from the environment
	passStatement, webapiPassword, agsPassword string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var s settings
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&s.only, "only", "", "run one family: pass, clientless, webapi or ags (default: all)")
	fs.BoolVar(&s.verbose, "v", false, "log every HTTP attempt of the SDK to stderr (debug level, secrets redacted)")
	fs.DurationVar(&s.timeout, "timeout", 2*time.Minute, "give up after this long (browser steps against real hosts wait for you)")
	fs.StringVar(&s.passURL, "pass-url", "", "Adobe Pass REST API v2 root (software statement in TVAUTH_PASS_SOFTWARE_STATEMENT)")
	fs.StringVar(&s.clientlessURL, "clientless-url", "", "Adobe Pass REST API v1 root (uses the same software statement)")
	fs.StringVar(&s.passSP, "pass-sp", "REF30", "Adobe service provider (requestor) id")
	fs.StringVar(&s.passMVPD, "pass-mvpd", "Cablevision", "MVPD to sign in with")
	fs.StringVar(&s.passResource, "pass-resource", "REF30", "resource to authorise")
	fs.StringVar(&s.domain, "domain", "adobe.com", "registered domain name of the app")
	fs.StringVar(&s.redirectURL, "redirect-url", "https://app.example/tvauth/done", "where the user agent lands after login or logout")
	fs.StringVar(&s.webapiURL, "webapi-url", "", "NINA WebAPI root (password in TVAUTH_WEBAPI_PASSWORD)")
	fs.StringVar(&s.webapiDevID, "webapi-devid", "", "NINA developer id (devId)")
	fs.StringVar(&s.webapiLogin, "webapi-login", "viewer@example.com", "NINA login id")
	fs.StringVar(&s.agsURL, "ags-url", "", "OpenTV AGS root, e.g. https://host:port/ags (password in TVAUTH_AGS_PASSWORD)")
	fs.StringVar(&s.agsAuthService, "ags-auth-service", "", "x-auth-service-id (default: the first service discovery lists)")
	fs.StringVar(&s.agsTenant, "ags-tenant", "", "nv-tenant-id")
	fs.StringVar(&s.agsUser, "ags-user", "dave", "AGS username")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	s.passStatement = os.Getenv("TVAUTH_PASS_SOFTWARE_STATEMENT")
	s.webapiPassword = os.Getenv("TVAUTH_WEBAPI_PASSWORD")
	s.agsPassword = os.Getenv("TVAUTH_AGS_PASSWORD")

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()

	fake := tvauthtest.NewServer()
	defer fake.Close()
	q := &quickstart{settings: s, fake: fake, out: stdout, errOut: stderr}
	q.seedFake()
	fmt.Fprintf(stdout, "tvauth quickstart (fake services at %s)\n", fake.URL())

	families := []struct {
		name, title string
		run         func(context.Context) error
	}{
		{"pass", "Adobe Pass REST API v2", q.pass},
		{"clientless", "Adobe Pass REST API v1 (clientless)", q.clientless},
		{"webapi", "NINA WebAPI", q.webapi},
		{"ags", "OpenTV AGS", q.ags},
	}
	failed := 0
	ran := 0
	for _, f := range families {
		if s.only != "" && s.only != f.name {
			continue
		}
		ran++
		fmt.Fprintf(stdout, "\n%s\n", f.title)
		if err := f.run(ctx); err != nil {
			failed++
			fmt.Fprintf(stdout, "  FAIL %v\n", err)
		}
	}
	if ran == 0 {
		fmt.Fprintf(stderr, "quickstart: unknown family %q\n", s.only)
		return 2
	}
	fmt.Fprintf(stdout, "\n%d steps ok, %d of %d flows failed\n", q.steps, failed, ran)
	if failed > 0 {
		return 1
	}
	return 0
}

type quickstart struct {
	settings
	fake   *tvauthtest.Server
	out    io.Writer
	errOut io.Writer // -v log lines
	steps  int
}

// The fake's seeding: an MVPD with a logout page (logout/interactive), one without (complete/none), a
// WebAPI user, and an AGS user whose one login maps to two accounts (signOn answers 300).
const (
	mvpdWithoutLogout = "Dish"
	fakeWebAPIPass    = "correct horse battery staple"
)

func (q *quickstart) seedFake() {
	q.fake.AddMVPD(q.passMVPD, true)
	q.fake.AddMVPD(mvpdWithoutLogout, false)
	q.fake.AddWebAPIUser(q.webapiLogin, fakeWebAPIPass)
	q.fake.AddAGSUser(q.agsUser, "1660", "1663")
}

// ok prints one step.
func (q *quickstart) ok(step, format string, args ...any) {
	q.steps++
	fmt.Fprintf(q.out, "  ok   %-22s %s\n", step, fmt.Sprintf(format, args...))
}

// fail names the step that did not behave as documented.
func fail(step string, err error) error { return fmt.Errorf("%s: %w", step, err) }

func failf(step, format string, args ...any) error {
	return fmt.Errorf("%s: %s", step, fmt.Sprintf(format, args...))
}

// device is the streaming device the Pass calls are made for.
var device = tvauth.Device{
	ID: "quickstart-stb-0001",
	Info: tvauth.DeviceInfo{PrimaryHardwareType: "SetTopBox", Model: "QS-1", Version: "1.0", Manufacturer: "tvauth",
		OSName: "Linux", OSVersion: "6.1", ConnectionType: "Ethernet"},
}

// client builds a tvauth client: every service at the fake, then the real hosts given by flags.
func (q *quickstart) client(extra ...tvauth.Option) (*tvauth.Client, error) {
	opts := q.fake.Options()
	for _, o := range []struct {
		url string
		opt func(string) tvauth.Option
	}{
		{q.passURL, tvauth.WithPassURL}, {q.clientlessURL, tvauth.WithClientlessURL},
		{q.webapiURL, tvauth.WithWebAPIURL}, {q.agsURL, tvauth.WithAGSURL},
	} {
		if o.url != "" {
			opts = append(opts, o.opt(o.url))
		}
	}
	if q.agsURL != "" { // the fake's tenant and auth service mean nothing to a real AGS
		opts = append(opts, tvauth.WithAGSTenant(q.agsTenant), tvauth.WithAGSAuthService(q.agsAuthService))
	}
	if q.passURL != "" || q.clientlessURL != "" || q.webapiURL != "" || q.agsURL != "" {
		// Real hosts need the real network, not the fake's loopback-only client.
		opts = append(opts, tvauth.WithHTTPClient(&http.Client{Timeout: 30 * time.Second}))
	}
	if q.verbose {
		opts = append(opts, tvauth.WithLogger(slog.New(slog.NewTextHandler(q.errOut, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	return tvauth.New(append(opts, extra...)...)
}

// browse opens url the way an app's WebView would: a cookie-jar client that follows redirects and stops
// when the next navigation reaches redirectURL. Against a real host the user does it: the URL is printed
// and the caller polls.
func (q *quickstart) browse(ctx context.Context, fakeFamily bool, url, redirectURL string) (string, error) {
	if !fakeFamily {
		fmt.Fprintf(q.out, "       open in a browser: %s\n", url)
		return "", nil
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	var landed string
	ua := &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if tvauthtest.ReachedRedirect(req.URL.String(), redirectURL) {
				landed = req.URL.String() // the app's own page: the WebView closes here
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return errors.New("more than 10 redirects")
			}
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := ua.Do(req)
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if landed == "" {
		return "", fmt.Errorf("stopped at %s (HTTP %d) before reaching %s", resp.Request.URL, resp.StatusCode, redirectURL)
	}
	return landed, nil
}

// passClient is the one client of a Pass family. Its DCR credentials come from a CredentialStore: the
// first call that needs a token registers with the software statement (the fake's, or the real one
// from the environment) and saves them. A real app uses tvauth.NewFileCredentialStore (or its own
// store) so that it registers once per install: Adobe binds profiles to the credentials.
func (q *quickstart) passClient(onFake bool, urlFlag string) (*tvauth.Client, tvauth.CredentialStore, error) {
	statement := q.passStatement
	if onFake {
		statement = string(q.fake.SoftwareStatement())
	} else if statement == "" {
		return nil, nil, failf("register", "set TVAUTH_PASS_SOFTWARE_STATEMENT for %s", urlFlag)
	}
	store := tvauth.NewMemoryCredentialStore()
	c, err := q.client(tvauth.WithDevice(device), tvauth.WithPassCredentialStore(store, tvauth.Secret(statement)))
	if err != nil {
		return nil, nil, fail("client", err)
	}
	return c, store, nil
}

func (q *quickstart) pass(ctx context.Context) error {
	onFake := q.passURL == ""
	c, store, err := q.passClient(onFake, "-pass-url")
	if err != nil {
		return err
	}
	cfg, err := c.Pass.Configuration(ctx, q.passSP) // the first call: registers, saves, fetches a token
	if err != nil {
		return fail("configuration", err)
	}
	creds, err := store.Load(ctx)
	if err != nil {
		return fail("register", err)
	}
	q.ok("register", "on the first call: client_id %s, saved in the CredentialStore", creds.ClientID)
	q.ok("token", "bearer token fetched with them; the client refetches it before it expires")
	var mvpds []string
	for _, m := range cfg.Requestor.MVPDs {
		mvpds = append(mvpds, m.ID)
	}
	q.ok("configuration", "%s offers %d MVPDs: %s", q.passSP, len(mvpds), strings.Join(mvpds, ", "))

	sess, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: q.passSP, MVPD: q.passMVPD,
		DomainName: q.domain, RedirectURL: q.redirectURL})
	if err != nil {
		return fail("session", err)
	}
	if sess.ActionName != tvauth.ActionAuthenticate || sess.URL == nil {
		return failf("session", "next action %s/%s, want authenticate/interactive with a URL", sess.ActionName, sess.ActionType)
	}
	q.ok("session", "code %s, next action %s/%s", sess.Code, sess.ActionName, sess.ActionType)

	landed, err := q.browse(ctx, onFake, sess.URL.String(), q.redirectURL)
	if err != nil {
		return fail("browser login", err)
	}
	q.ok("browser login", "MVPD login done, user agent landed on %s", orWaiting(landed))

	prof, err := c.Pass.WaitForProfile(ctx, q.passSP, sess.Code)
	if err != nil {
		return fail("profile", err)
	}
	q.ok("profile", "%s profile (%s) valid until %s", prof.MVPD, prof.Type, prof.NotAfter.UTC().Format(time.DateTime))

	dec, err := c.Pass.Authorize(ctx, tvauth.DecisionRequest{ServiceProvider: q.passSP, MVPD: q.passMVPD,
		Resources: []string{q.passResource}})
	if err != nil {
		return fail("authorize", err)
	}
	d, found := dec.Decision(q.passResource)
	if !found || !d.Authorized || d.Token == nil || d.Token.SerializedToken == "" {
		return failf("authorize", "no permit with a media token for %s: %+v", q.passResource, dec)
	}
	q.ok("authorize", "%s permitted (source %s), media token of %d bytes", q.passResource, d.Source, len(d.Token.SerializedToken))

	// Logout: the MVPD has a logout page, so the next action is logout/interactive with a URL that a
	// user agent follows to redirectUrl.
	if err := q.logout(ctx, c, onFake, q.passMVPD, tvauth.ActionLogout, tvauth.ActionTypeInteractive); err != nil {
		return err
	}
	if !onFake {
		return nil
	}
	// The other documented next actions, on profiles the fake seeds.
	q.fake.AddProfile(tvauthtest.Profile{ServiceProvider: q.passSP, MVPD: mvpdWithoutLogout, DeviceID: device.ID})
	if err := q.logout(ctx, c, onFake, mvpdWithoutLogout, tvauth.ActionComplete, tvauth.ActionTypeNone); err != nil {
		return err
	}
	return q.logout(ctx, c, onFake, q.passMVPD, tvauth.ActionInvalid, tvauth.ActionTypeNone)
}

// logout signs out of one MVPD and checks the next action Adobe answers with.
func (q *quickstart) logout(ctx context.Context, c *tvauth.Client, onFake bool, mvpd string, name tvauth.ActionName, typ tvauth.ActionType) error {
	step := "logout " + mvpd
	res, err := c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: q.passSP, MVPD: mvpd, RedirectURL: q.redirectURL})
	if err != nil {
		return fail(step, err)
	}
	if len(res.Actions) == 0 {
		return failf(step, "no next action")
	}
	for _, a := range res.Actions {
		switch {
		case onFake && (a.Name != name || a.Type != typ):
			return failf(step, "next action %s/%s, want %s/%s", a.Name, a.Type, name, typ)
		case a.NeedsUserAgent():
			q.ok(step, "next action %s/%s: open %s", a.Name, a.Type, a.URL.Redacted())
			landed, err := q.browse(ctx, onFake, a.URL.String(), q.redirectURL)
			if err != nil {
				return fail("follow MVPD logout", err)
			}
			q.ok("follow MVPD logout", "cookie-jar user agent reached %s", orWaiting(landed))
		case a.Type == tvauth.ActionTypePartnerInteractive:
			q.ok(step, "next action %s/%s: ask the user to sign out of the partner framework too", a.Name, a.Type)
		default:
			q.ok(step, "next action %s/%s: nothing more to do", a.Name, a.Type)
		}
	}
	return nil
}

func orWaiting(landed string) string {
	if landed == "" {
		return "(waiting for you)"
	}
	return landed
}

func (q *quickstart) clientless(ctx context.Context) error {
	onFake := q.clientlessURL == ""
	c, _, err := q.passClient(onFake, "-clientless-url")
	if err != nil {
		return err
	}
	me := tvauth.ClientlessRequest{RequestorID: q.passSP}

	rc, err := c.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: q.passSP, TTL: 30 * time.Minute})
	if err != nil {
		return fail("regcode", err)
	}
	q.ok("regcode", "show %s on the TV (expires %s)", rc.Code, rc.Expires.UTC().Format(time.TimeOnly))

	areq := tvauth.AuthenticateRequest{RequestorID: q.passSP, MSOID: q.passMVPD, RegCode: rc.Code,
		DomainName: q.domain, RedirectURL: q.redirectURL}
	authURL, err := c.Clientless.AuthenticateURL(areq)
	if err != nil {
		return fail("authenticate URL", err)
	}
	_, rawQuery, _ := strings.Cut(authURL, "?")
	pairs := strings.Split(rawQuery, "&")
	first, last := pairs[0], pairs[len(pairs)-1]
	if !strings.HasPrefix(first, "reg_code=") || !strings.HasPrefix(last, "redirect_url=") || strings.Contains(rawQuery, "&reg") {
		return failf("authenticate URL", "order broken: %s", rawQuery)
	}
	q.ok("authenticate URL", "first %s … last %s", first, last)

	loc, err := c.Clientless.Authenticate(ctx, areq)
	if err != nil {
		return fail("authenticate", err)
	}
	q.ok("authenticate", "302 to the MVPD login page %s%s (not fetched)", loc.Host, loc.Path)

	landed, err := q.browse(ctx, onFake, authURL, q.redirectURL)
	if err != nil {
		return fail("second-screen login", err)
	}
	q.ok("second-screen login", "login web app landed on %s", orWaiting(landed))

	if err := c.Clientless.WaitForAuthN(ctx, me, 3*time.Second); err != nil {
		return fail("checkauthn", err)
	}
	q.ok("checkauthn", "device %s is authenticated", device.ID)

	az, err := c.Clientless.Authorize(ctx, tvauth.ClientlessAuthorizeRequest{RequestorID: q.passSP, Resource: q.passResource})
	if err != nil {
		return fail("authorize", err)
	}
	q.ok("authorize", "%s authorised by %s until %s", az.Resource, az.MVPD, az.Expires.UTC().Format(time.DateTime))

	mt, err := c.Clientless.MediaToken(ctx, tvauth.ClientlessResourceRequest{RequestorID: q.passSP, Resource: q.passResource})
	if err != nil {
		return fail("media token", err)
	}
	q.ok("media token", "short media token for %s (%d bytes) for the player", mt.Resource, len(mt.SerializedToken))

	if err := c.Clientless.Logout(ctx, me); err != nil {
		return fail("logout", err)
	}
	still, err := c.Clientless.CheckAuthN(ctx, me)
	if err != nil {
		return fail("logout", err)
	}
	if still {
		return failf("logout", "device still authenticated after DELETE /api/v1/logout")
	}
	q.ok("logout", "204; checkauthn now says not authenticated")
	return nil
}

func (q *quickstart) webapi(ctx context.Context) error {
	onFake := q.webapiURL == ""
	password := q.webapiPassword
	var opts []tvauth.Option
	if onFake {
		password = fakeWebAPIPass
	} else {
		if password == "" || q.webapiDevID == "" {
			return failf("clientLogin", "set -webapi-devid and TVAUTH_WEBAPI_PASSWORD for -webapi-url")
		}
		opts = append(opts, tvauth.WithWebAPIDevID(q.webapiDevID))
	}
	c, err := q.client(opts...)
	if err != nil {
		return fail("client", err)
	}
	// Each logout ends its session, so each reply format gets a login of its own.
	for _, f := range []tvauth.Format{tvauth.FormatJSON, tvauth.FormatXML, tvauth.FormatQS} {
		sess, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: q.webapiLogin, Password: tvauth.Secret(password)})
		if err != nil {
			return fail("clientLogin", err)
		}
		q.ok("clientLogin", "token for %s, expires in %s, host clock %s", sess.LoginID, sess.ExpiresIn, sess.HostTime.UTC().Format(time.TimeOnly))
		if sess.SessionKey == "" || sess.SessionKey != tvauth.SessionKey(tvauth.Secret(password), sess.SessionSecret) {
			return failf("session key", "not base64(HMAC-SHA256(password, sessionSecret))")
		}
		q.ok("session key", "base64(HMAC-SHA256(password, sessionSecret)), %d chars", len(sess.SessionKey))
		res, err := c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, Format: f})
		if err != nil {
			return fail("logout "+string(f), err)
		}
		q.ok("logout "+string(f), "sig_sha256-signed, statusCode %d %s", res.StatusCode, res.StatusText)
	}
	return nil
}

func (q *quickstart) ags(ctx context.Context) error {
	onFake := q.agsURL == ""
	password := q.agsPassword
	if onFake {
		password = q.fake.AGSPassword(q.agsUser)
	} else if password == "" {
		return failf("signOn", "set TVAUTH_AGS_PASSWORD for -ags-url")
	}
	c, err := q.client()
	if err != nil {
		return fail("client", err)
	}
	disc, err := c.AGS.ServiceDiscovery(ctx)
	if err != nil {
		return fail("discovery", err)
	}
	if len(disc.AvailableServices) == 0 {
		return failf("discovery", "no services")
	}
	svc := disc.AvailableServices[0]
	if q.agsAuthService != "" {
		found, ok := disc.Service(q.agsAuthService)
		if !ok {
			return failf("discovery", "no service %q", q.agsAuthService)
		}
		svc = found
	}
	q.ok("discovery", "%d service(s); using %q (%d endpoints)", len(disc.AvailableServices), svc.AuthServiceName, len(svc.Endpoints))

	params := []tvauth.Parameter{{Name: "username", Value: q.agsUser}, {Name: "password", Value: password}}
	if err := svc.CheckSignOn(params); err != nil {
		return fail("discovery", err)
	}
	deviceInfo := json.RawMessage(`{"deviceType":"OPEN","playoutDeviceClass":"stb","device":{"hardware":{"model":"QS-1","manufacturer":"tvauth","type":"STB"},"OS":{"type":"Linux","version":"6.1"}}}`)
	res, err := c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params, DeviceInformation: deviceInfo,
		AuthService: svc.AuthServiceName})
	if err != nil {
		return fail("signOn", err)
	}
	tokens := res.Tokens
	if len(res.Accounts) > 0 {
		var ids []string
		for _, a := range res.Accounts {
			info, _ := a.Information()
			ids = append(ids, fmt.Sprint(info))
		}
		q.ok("signOn", "HTTP 300: %d accounts for one login: %s", len(res.Accounts), strings.Join(ids, " "))
		chosen := res.Accounts[0]
		q.ok("choose", "the user picks account 1 (correlation id %s)", res.CorrelationID)
		tokens, err = c.AGS.SubsequentSignOn(ctx, chosen, tvauth.SignOnRequest{Parameters: params[:1], AuthService: svc.AuthServiceName})
		if err != nil {
			return fail("subsequentSignOn", err)
		}
		q.ok("subsequentSignOn", "201 with User-Token: account %s, client_id %s", tokens.AccountID, tokens.ClientID)
	} else {
		if onFake {
			return failf("signOn", "answered 201, want the 300 multiple-accounts answer for a user with two accounts")
		}
		q.ok("signOn", "201: account %s, client_id %s", tokens.AccountID, tokens.ClientID)
	}
	if tokens == nil || tokens.AccessToken == "" {
		return failf("tokens", "no access token")
	}
	next := tvauth.SignOnRequest{AuthService: svc.AuthServiceName, ClientID: tokens.ClientID}
	refreshed, err := c.AGS.Refresh(ctx, tokens.RefreshToken, next)
	if err != nil {
		return fail("refresh", err)
	}
	if refreshed.AccessToken == tokens.AccessToken {
		return failf("refresh", "access token did not change")
	}
	q.ok("refresh", "new access token valid for %s; the refresh token rotated: persist it", refreshed.ExpiresIn)
	if err := c.AGS.SignOut(ctx, refreshed.AccessToken, next); err != nil {
		return fail("signOut", err)
	}
	if onFake && q.fake.AGSAccessTokenActive(refreshed.AccessToken) {
		return failf("signOut", "token still active")
	}
	q.ok("signOut", "session revoked")
	return nil
}
