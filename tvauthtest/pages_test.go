package tvauthtest

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tvauth/tvauth"
)

// The pages driven over HTTP as curl or python would drive them (a browser's Accept header, a cookie
// jar, redirects followed inside the fake); the browsertest module drives them in Chromium.

// pageClient is a user agent that asks for HTML, keeps cookies and follows redirects until one leaves
// the fake (that one is the last answer).
func pageClient(t *testing.T, s *Server) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	own, _ := url.Parse(s.URL())
	return &http.Client{
		Jar:       jar,
		Transport: acceptHTML{http.DefaultTransport},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != own.Host {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

type acceptHTML struct{ base http.RoundTripper }

func (a acceptHTML) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
	return a.base.RoundTrip(r)
}

type pageAnswer struct {
	status   int
	location string // of a redirect that left the fake
	url      string // where the last answer came from
	body     string
}

func pageDo(t *testing.T, c *http.Client, method, u string, form url.Values, header ...string) pageAnswer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return pageAnswer{resp.StatusCode, resp.Header.Get("Location"), resp.Request.URL.String(), string(b)}
}

// fieldsLabelled checks that every input a page shows (but hidden ones) has a label.
func fieldsLabelled(t *testing.T, page string) {
	t.Helper()
	ids := regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*>`).FindAllString(page, -1)
	for _, in := range ids {
		if strings.Contains(in, `type="hidden"`) {
			continue
		}
		id := regexp.MustCompile(`\bid="([^"]+)"`).FindStringSubmatch(in)
		if id == nil || !strings.Contains(page, `<label for="`+id[1]+`"`) {
			t.Errorf("an input without a label: %s", in)
		}
	}
}

func pageFake(t *testing.T) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	if err := s.ApplySeed(DefaultSeed()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWantsHTML(t *testing.T) {
	for _, tc := range []struct {
		accept []string
		want   bool
	}{
		{nil, false}, // Go's http.Client, python's urllib
		{[]string{"*/*"}, false},
		{[]string{"application/json"}, false},
		{[]string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, true}, // a browser
		{[]string{"application/xhtml+xml"}, true},
		{[]string{"application/json", "TEXT/HTML; q=0.5"}, true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		for _, v := range tc.accept {
			r.Header.Add("Accept", v)
		}
		if got := wantsHTML(r); got != tc.want {
			t.Errorf("Accept %q: %v, want %v", tc.accept, got, tc.want)
		}
	}
}

func TestCrossSiteRefusal(t *testing.T) {
	for _, tc := range []struct {
		name, method string
		header       []string
		refused      bool
	}{
		{"GET is always safe", "GET", []string{"Sec-Fetch-Site", "cross-site"}, false},
		{"curl, python, Go: no browser headers", "POST", nil, false},
		{"same origin", "POST", []string{"Sec-Fetch-Site", "same-origin"}, false},
		{"typed by the user", "POST", []string{"Sec-Fetch-Site", "none"}, false},
		{"another site", "POST", []string{"Sec-Fetch-Site", "cross-site"}, true},
		{"a sibling site", "POST", []string{"Sec-Fetch-Site", "same-site"}, true},
		{"an older browser, this host", "POST", []string{"Origin", "http://127.0.0.1:8080"}, false},
		{"an older browser, another host", "DELETE", []string{"Origin", "http://evil.example"}, true},
		{"an opaque origin", "POST", []string{"Origin", "null"}, true},
	} {
		r := httptest.NewRequest(tc.method, "http://127.0.0.1:8080/activate", nil)
		for i := 0; i+1 < len(tc.header); i += 2 {
			r.Header.Set(tc.header[i], tc.header[i+1])
		}
		if got := crossSiteRefusal(r) != ""; got != tc.refused {
			t.Errorf("%s: refused %v, want %v", tc.name, got, tc.refused)
		}
	}
}

// TestPagesRefuseCrossSitePOSTs: every form that changes state, on the fake and on the Standalone's
// admin API and dashboard, answers 403 to a POST a browser says another site sent, and changes
// nothing.
func TestPagesRefuseCrossSitePOSTs(t *testing.T) {
	a, base := standalone(t)
	before := len(a.Server().PendingFaults())
	for _, tc := range []struct{ path, form, contentType string }{
		{ActivatePath, "code=ABCDEFG", "text/html; charset=utf-8"},
		{activateProvidersPath, "code=ABCDEFG&mvpd=Cablevision", "text/html; charset=utf-8"},
		{"/mvpd/Cablevision/login", "relayState=x&username=subscriber&password=subscriber-password", "text/html; charset=utf-8"},
		{AdminPrefix + "faults", `{"status": 503}`, "application/json"},
		{AdminPrefix + "reset", "", "application/json"},
		{AdminPrefix + "dashboard/faults", "status=503", "text/html; charset=utf-8"},
		{AdminPrefix + "dashboard/reset", "", "text/html; charset=utf-8"},
	} {
		req, _ := http.NewRequest("POST", base+tc.path, strings.NewReader(tc.form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Content-Type") != tc.contentType ||
			!strings.Contains(string(b), "another site") {
			t.Errorf("POST %s from another site: %d %s %s", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
	if n := len(a.Server().PendingFaults()); n != before {
		t.Errorf("%d faults pending after refused POSTs, want %d", n, before)
	}
}

// TestLoginPageByUserAgent: the MVPD login page shows its form to a user agent that asks for HTML and
// signs the others in at once as DefaultSubscriber, as before the page existed.
func TestLoginPageByUserAgent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		accept string
		method string
		form   bool // a form body without a username
		page   bool // the form, not a redirect
	}{
		{"Go's http.Client", "", "GET", false, false},
		{"curl", "*/*", "GET", false, false},
		{"python requests", "*/*", "GET", false, false},
		{"a POST without a username", "", "POST", true, false},
		{"a browser", "text/html,application/xhtml+xml,*/*;q=0.8", "GET", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := pageFake(t)
			sess := passSessionFor(t, s, "mvpd=Cablevision&domainName=adobe.com&redirectUrl="+url.QueryEscape(adobeTestRedirect))
			login := adobeSend(t, s, "GET", "/api/v2/authenticate/REF30/"+sess, nil, "").Header.Get("Location")
			h := http.Header{}
			if tc.accept != "" {
				h.Set("Accept", tc.accept)
			}
			body := ""
			if tc.form {
				h.Set("Content-Type", "application/x-www-form-urlencoded")
				u, _ := url.Parse(login)
				body = "relayState=" + url.QueryEscape(u.Query().Get("relayState"))
			}
			r := adobeSend(t, s, tc.method, login, h, body)
			if tc.page {
				if r.StatusCode != http.StatusOK || !strings.Contains(string(r.body), `<form method="post" action="/mvpd/Cablevision/login">`) {
					t.Fatalf("%d %s", r.StatusCode, r.body)
				}
				fieldsLabelled(t, string(r.body))
				if n := len(s.LoginAttempts()); n != 0 {
					t.Errorf("%d attempts recorded for showing the form", n)
				}
				return
			}
			if r.StatusCode != http.StatusFound || r.Header.Get("Location") != adobeTestRedirect {
				t.Fatalf("%d %s %s", r.StatusCode, r.Header.Get("Location"), r.body)
			}
			if a := s.LoginAttempts(); len(a) != 1 || !a[0].OK || a[0].Username != DefaultSubscriber || a[0].MVPD != "Cablevision" {
				t.Errorf("attempts %+v", a)
			}
			if p := s.Profiles("REF30", DefaultDeviceID); len(p) != 1 || p[0].UserID != adobeUserID("REF30", DefaultDeviceID, "Cablevision") {
				t.Errorf("profiles %+v: the default subscriber keeps the user ID the fake always derived", p)
			}
		})
	}
}

// passSessionFor creates a session as DefaultDevice and returns its code.
func passSessionFor(t *testing.T, s *Server, form string) string {
	t.Helper()
	h := passWith(passHeaders(s.IssuePassToken()), "Content-Type", "application/x-www-form-urlencoded")
	h.Set("AP-Device-Identifier", "fingerprint "+base64.StdEncoding.EncodeToString([]byte(DefaultDeviceID)))
	r := adobeSend(t, s, "POST", "/api/v2/REF30/sessions", h, form)
	if r.StatusCode != 200 {
		t.Fatalf("create session: %d %s", r.StatusCode, r.body)
	}
	code, _ := r.json(t)["code"].(string)
	return code
}

// TestLoginForm: a wrong password shows the form again (403) with the error in role="alert", the
// username kept, and is recorded; the right one goes on to the redirect URL (303) and the profile
// carries the subscriber's own user ID; the relay state is then spent.
func TestLoginForm(t *testing.T) {
	s := pageFake(t)
	if err := s.AddSubscriber("Cablevision", Subscriber{"alice", "alice-pw"}); err != nil {
		t.Fatal(err)
	}
	c := pageClient(t, s)
	code := passSessionFor(t, s, "mvpd=Cablevision&domainName=adobe.com&redirectUrl="+url.QueryEscape(adobeTestRedirect))
	form := pageDo(t, c, "GET", s.URL()+"/api/v2/authenticate/REF30/"+code, nil)
	if form.status != 200 || !strings.HasPrefix(form.url, s.URL()+"/mvpd/Cablevision/login?relayState=") {
		t.Fatalf("authenticate: %+v", form)
	}
	relay := regexp.MustCompile(`name="relayState" value="([^"]+)"`).FindStringSubmatch(form.body)
	if relay == nil {
		t.Fatalf("no relay state in the form:\n%s", form.body)
	}
	action := s.URL() + "/mvpd/Cablevision/login"
	wrong := pageDo(t, c, "POST", action, url.Values{"relayState": {relay[1]}, "username": {"alice"}, "password": {"guess"}})
	if wrong.status != http.StatusForbidden || !strings.Contains(wrong.body, `<p role="alert" id="login-error">The username or password is not right. Try again.</p>`) ||
		!strings.Contains(wrong.body, `name="username" value="alice"`) || strings.Contains(wrong.body, "guess") {
		t.Fatalf("wrong password: %d\n%s", wrong.status, wrong.body)
	}
	fieldsLabelled(t, wrong.body)
	right := pageDo(t, c, "POST", action, url.Values{"relayState": {relay[1]}, "username": {"alice"}, "password": {"alice-pw"}})
	if right.status != http.StatusSeeOther || right.location != adobeTestRedirect {
		t.Fatalf("right password: %+v", right)
	}
	a := s.LoginAttempts()
	if len(a) != 2 || a[0].OK || a[0].Username != "alice" || !a[1].OK || a[1].Username != "alice" || a[1].Time.IsZero() {
		t.Errorf("attempts %+v", a)
	}
	if p := s.Profiles("REF30", DefaultDeviceID); len(p) != 1 || p[0].UserID != adobeUserID("REF30", DefaultDeviceID, "Cablevision", "alice") {
		t.Errorf("profiles %+v", p)
	}
	if again := pageDo(t, c, "POST", action, url.Values{"relayState": {relay[1]}, "username": {"alice"}, "password": {"alice-pw"}}); again.status != http.StatusBadRequest {
		t.Errorf("a spent relay state: %+v", again)
	}
}

// TestLogoutPage: a browser following a logout/interactive URL sees "signed out" with a Continue
// link and a refresh to the redirect URL; the MVPD logout is done.
func TestLogoutPage(t *testing.T) {
	s := pageFake(t)
	c := pageClient(t, s)
	done := "https://app.example/signed-out?x=1&y=2"
	p := pageDo(t, c, "GET", s.URL()+"/adobe-services/logout?noflash=true&mso_id=Cablevision&requestor_id=REF30&redirect_url="+url.QueryEscape(done), nil)
	if p.status != 200 || !strings.Contains(p.body, `<p role="status">You are signed out of Cablevision.</p>`) ||
		!strings.Contains(p.body, `<meta http-equiv="refresh" content="5;url=https://app.example/signed-out?x=1&amp;y=2">`) ||
		!strings.Contains(p.body, `<a class="button" href="https://app.example/signed-out?x=1&amp;y=2">Continue</a>`) {
		t.Fatalf("%d\n%s", p.status, p.body)
	}
	if n := s.CompletedLogouts("Cablevision"); n != 1 {
		t.Errorf("%d logouts", n)
	}
}

func TestAppURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://app.example/done": "https://app.example/done",
		"myapp://signed-in":        "myapp://signed-in",
		"javascript://x/%0Aalert":  "#",
		"data://x/y":               "#",
		"no-scheme":                "#",
	} {
		if got := string(appURL(raw)); got != want {
			t.Errorf("appURL(%q) = %q, want %q", raw, got, want)
		}
	}
}

// TestUserAgentSignsIn: UserAgent fills in the login form as the default subscriber (with the
// password the MVPD gives it); UserAgentAs signs in as another subscriber, and a wrong password ends
// the chain on the form, recorded.
func TestUserAgentSignsIn(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		ua     func(*Server) *http.Client
		user   string
		landed bool
	}{
		{"default subscriber", (*Server).UserAgent, DefaultSubscriber, true},
		{"a named subscriber", func(s *Server) *http.Client { return s.UserAgentAs(Subscriber{"bob", "bob-pw"}) }, "bob", true},
		{"a wrong password", func(s *Server) *http.Client { return s.UserAgentAs(Subscriber{"bob", "nope"}) }, "bob", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := pageFake(t)
			if err := s.AddSubscriber("Cablevision", Subscriber{"bob", "bob-pw"}); err != nil {
				t.Fatal(err)
			}
			if err := s.AddSubscriber("Cablevision", Subscriber{DefaultSubscriber, "changed"}); err != nil {
				t.Fatal(err)
			}
			code := passSessionFor(t, s, "mvpd=Cablevision&domainName=adobe.com&redirectUrl="+url.QueryEscape(adobeTestRedirect))
			landed, err := s.Browse(ctx, tc.ua(s), s.URL()+"/api/v2/authenticate/REF30/"+code, adobeTestRedirect)
			if tc.landed != (err == nil && landed == adobeTestRedirect) {
				t.Fatalf("Browse: %q %v", landed, err)
			}
			if !tc.landed && !strings.Contains(err.Error(), "answered 403") {
				t.Errorf("Browse error %v, want the form's 403", err)
			}
			a := s.LoginAttempts()
			if len(a) != 1 || a[0].Username != tc.user || a[0].OK != tc.landed {
				t.Errorf("attempts %+v", a)
			}
		})
	}
}

// TestActivatePassV2: the activation page resolves a v2 session code typed in lower case with a
// dash; the session has no MVPD, so the picker (filtered) comes next; picking resumes the session
// with the MVPD (and the page's domain and done page where the session had none) and sends the
// browser to the v2 authenticate URL; the login lands on the done page and the TV's profile exists.
func TestActivatePassV2(t *testing.T) {
	s := pageFake(t)
	c := pageClient(t, s)
	code := passSessionFor(t, s, "")
	p := pageDo(t, c, "GET", s.URL()+ActivatePath, nil)
	if p.status != 200 || !strings.Contains(p.body, `<label for="code">Activation code</label>`) {
		t.Fatalf("%d\n%s", p.status, p.body)
	}
	fieldsLabelled(t, p.body)
	typed := strings.ToLower(code[:3] + "-" + code[3:])
	p = pageDo(t, c, "POST", s.URL()+ActivatePath, url.Values{"code": {typed}})
	if p.status != 200 || p.url != s.URL()+activateProvidersPath+"?code="+code ||
		!strings.Contains(p.body, `<button type="submit" name="mvpd" value="Cablevision">`) || !strings.Contains(p.body, `value="Dish"`) {
		t.Fatalf("after the code: %d %s\n%s", p.status, p.url, p.body)
	}
	fieldsLabelled(t, p.body)
	p = pageDo(t, c, "GET", s.URL()+activateProvidersPath+"?code="+code+"&filter=DI", nil)
	if !strings.Contains(p.body, `value="Dish"`) || strings.Contains(p.body, `value="Cablevision"`) {
		t.Errorf("filter DI:\n%s", p.body)
	}
	p = pageDo(t, c, "GET", s.URL()+activateProvidersPath+"?code="+code+"&filter=nothing", nil)
	if !strings.Contains(p.body, "No provider matches") {
		t.Errorf("filter nothing:\n%s", p.body)
	}
	p = pageDo(t, c, "POST", s.URL()+activateProvidersPath, url.Values{"code": {code}, "mvpd": {"Cablevision"}})
	if p.status != 200 || !strings.HasPrefix(p.url, s.URL()+"/mvpd/Cablevision/login?") {
		t.Fatalf("after the pick: %d %s", p.status, p.url)
	}
	ss, _ := s.PassSession(code)
	host, _, _ := net.SplitHostPort(strings.TrimPrefix(s.URL(), "http://"))
	if ss.MVPD != "Cablevision" || ss.Domain != host || ss.RedirectURL != s.URL()+activateDonePath {
		t.Errorf("resumed session %+v", ss)
	}
	relay := regexp.MustCompile(`name="relayState" value="([^"]+)"`).FindStringSubmatch(p.body)
	p = pageDo(t, c, "POST", s.URL()+"/mvpd/Cablevision/login", url.Values{"relayState": {relay[1]},
		"username": {DefaultSubscriber}, "password": {DefaultSubscriberPassword}})
	if p.status != 200 || p.url != s.URL()+activateDonePath || !strings.Contains(p.body, "You are signed in") {
		t.Fatalf("after the login: %d %s\n%s", p.status, p.url, p.body)
	}
	if ss, _ := s.PassSession(code); !ss.Authenticated {
		t.Error("the session is not authenticated")
	}
}

// TestActivateClientless: a v1 registration code that names its MVPD goes straight to v1's
// authenticate URL, reg_code first and redirect_url last, URL-encoded; one without goes through the
// picker.
func TestActivateClientless(t *testing.T) {
	s := pageFake(t)
	c := pageClient(t, s)
	cl := s.Client()
	ctx := context.Background()
	rc, err := cl.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: "REF30", MVPD: "Dish"})
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := *c
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	p := pageDo(t, &noRedirect, "POST", s.URL()+ActivatePath, url.Values{"code": {rc.Code}})
	host := strings.TrimPrefix(s.URL(), "http://")
	hostname, _, _ := net.SplitHostPort(host)
	want := "/api/v1/authenticate?reg_code=" + rc.Code + "&requestor_id=REF30&mso_id=Dish&domain_name=" + hostname +
		"&noflash=true&no_iframe=true&redirect_url=" + url.QueryEscape(s.URL()+activateDonePath)
	if p.status != http.StatusSeeOther || p.location != want {
		t.Fatalf("%d %q, want 303 %q", p.status, p.location, want)
	}
	p = pageDo(t, c, "POST", s.URL()+ActivatePath, url.Values{"code": {rc.Code}})
	relay := regexp.MustCompile(`name="relayState" value="([^"]+)"`).FindStringSubmatch(p.body)
	if relay == nil {
		t.Fatalf("%d %s\n%s", p.status, p.url, p.body)
	}
	p = pageDo(t, c, "POST", s.URL()+"/mvpd/Dish/login", url.Values{"relayState": {relay[1]},
		"username": {DefaultSubscriber}, "password": {DefaultSubscriberPassword}})
	if p.url != s.URL()+activateDonePath || !s.ClientlessAuthenticated("REF30", DefaultDeviceID) {
		t.Fatalf("after the login: %d %s", p.status, p.url)
	}

	rc2, err := cl.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: "REF30"})
	if err != nil {
		t.Fatal(err)
	}
	if p := pageDo(t, c, "POST", s.URL()+ActivatePath, url.Values{"code": {rc2.Code}}); p.url != s.URL()+activateProvidersPath+"?code="+rc2.Code {
		t.Errorf("a code without an MVPD: %s", p.url)
	}
}

// TestActivateRefuses: what the activation pages refuse, on the page, with the form again.
func TestActivateRefuses(t *testing.T) {
	s := pageFake(t)
	c := pageClient(t, s)
	code := passSessionFor(t, s, "")
	expired := passSessionFor(t, s, "")
	s.pass.mu.Lock()
	s.pass.sessions[expired].notAfter = s.adobeNow().Add(-1)
	s.pass.mu.Unlock()
	for _, tc := range []struct {
		name, method, path string
		form               url.Values
		status             int
		alert              string
	}{
		{"no code", "POST", ActivatePath, url.Values{"code": {" "}}, 400, "Type the code your TV shows."},
		{"an unknown code", "POST", ActivatePath, url.Values{"code": {"zzzzzzz"}}, 400, "No sign-in is waiting for code ZZZZZZZ. Check the code on your TV."},
		{"an expired code", "POST", ActivatePath, url.Values{"code": {expired}}, 400, "Code " + expired + " has expired. Ask your TV for a new one."},
		{"the picker, an unknown code", "GET", activateProvidersPath + "?code=ZZZZZZZ", nil, 400, "No sign-in is waiting for code ZZZZZZZ."},
		{"an unknown MVPD", "POST", activateProvidersPath, url.Values{"code": {code}, "mvpd": {"Nobody"}}, 400, "Choose one of the providers below."},
		{"markup in the code", "POST", ActivatePath, url.Values{"code": {"<b>x"}}, 400, "No sign-in is waiting for code &lt;B&gt;X."},
	} {
		p := pageDo(t, c, tc.method, s.URL()+tc.path, tc.form)
		if p.status != tc.status || !strings.Contains(p.body, tc.alert) || !strings.Contains(p.body, `role="alert"`) {
			t.Errorf("%s: %d\n%s", tc.name, p.status, p.body)
		}
	}
	if p := pageDo(t, c, "PUT", s.URL()+ActivatePath, nil); p.status != http.StatusMethodNotAllowed {
		t.Errorf("PUT /activate: %d", p.status)
	}
	if ss, _ := s.PassSession(code); ss.MVPD != "" {
		t.Errorf("a refused pick changed the session: %+v", ss)
	}
}
