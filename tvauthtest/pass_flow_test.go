package tvauthtest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
)

// The REST API v2 flows end to end: sessions, the browser login, profiles, decisions, logout.

// passLogin follows the authenticate URL of a session the way a browser would, and returns where it
// landed.
func passLogin(t testing.TB, s *Server, authURL string) string {
	t.Helper()
	r := adobeSend(t, s, "GET", authURL, nil, "")
	if r.StatusCode != http.StatusFound {
		t.Fatalf("authenticate: %d %s", r.StatusCode, r.body)
	}
	login := r.Header.Get("Location")
	if !strings.HasPrefix(login, "/mvpd/") {
		t.Fatalf("authenticate redirects to %q, want the fake MVPD", login)
	}
	r = adobeSend(t, s, "GET", login, nil, "")
	if r.StatusCode != http.StatusFound {
		t.Fatalf("MVPD login: %d %s", r.StatusCode, r.body)
	}
	return r.Header.Get("Location")
}

func passCreateSession(t testing.TB, s *Server, tok, form string) map[string]any {
	t.Helper()
	r := adobeSend(t, s, "POST", "/api/v2/REF30/sessions",
		passWith(passHeaders(tok), "Content-Type", "application/x-www-form-urlencoded"), form)
	if r.StatusCode != 200 {
		t.Fatalf("create session: %d %s", r.StatusCode, r.body)
	}
	return r.json(t)
}

func TestPassLoginFlow(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	form := "mvpd=Cablevision&domainName=adobe.com&redirectUrl=" + url.QueryEscape(adobeTestRedirect)
	sess := passCreateSession(t, s, tok, form)
	code, _ := sess["code"].(string)
	if sess["actionName"] != "authenticate" || sess["actionType"] != "interactive" || sess["reasonType"] != "none" ||
		sess["url"] != "/api/v2/authenticate/REF30/"+code || len(code) != 7 || sess["mvpd"] != "Cablevision" ||
		sess["serviceProvider"] != "REF30" || sess["sessionId"] == "" {
		t.Fatalf("session = %v", sess)
	}
	nb, err1 := strconv.ParseInt(sess["notBefore"].(string), 10, 64)
	na, err2 := strconv.ParseInt(sess["notAfter"].(string), 10, 64)
	if err1 != nil || err2 != nil || time.Duration(na-nb)*time.Millisecond != SessionCodeTTL {
		t.Fatalf("notBefore/notAfter = %v/%v, want ms strings 30 min apart", sess["notBefore"], sess["notAfter"])
	}

	// Before the login the code has no profile, and the device has none.
	if p := adobeSend(t, s, "GET", "/api/v2/REF30/profiles/code/"+code, http.Header{"Authorization": {"Bearer " + tok}}, "").json(t); len(p["profiles"].(map[string]any)) != 0 {
		t.Fatalf("profiles before login = %v", p)
	}
	if landed := passLogin(t, s, sess["url"].(string)); landed != adobeTestRedirect {
		t.Fatalf("landed on %q, want the redirectUrl", landed)
	}
	if ps, _ := s.PassSession(code); !ps.Authenticated || ps.DeviceID != adobeTestDeviceID {
		t.Fatalf("session after login = %+v", ps)
	}

	byCode := adobeSend(t, s, "GET", "/api/v2/REF30/profiles/code/"+code, http.Header{"Authorization": {"Bearer " + tok}}, "").json(t)
	prof, ok := byCode["profiles"].(map[string]any)["Cablevision"].(map[string]any)
	if !ok || prof["type"] != "regular" || prof["issuer"] != "Cablevision" {
		t.Fatalf("profiles by code = %v", byCode)
	}
	if _, isNum := prof["notAfter"].(float64); !isNum {
		t.Fatalf("profile notAfter %v is not a JSON number", prof["notAfter"])
	}
	for _, path := range []string{"/api/v2/REF30/profiles", "/api/v2/REF30/profiles/Cablevision"} {
		all := adobeSend(t, s, "GET", path, passHeaders(tok), "").json(t)["profiles"].(map[string]any)
		if _, ok := all["Cablevision"]; !ok || len(all) != 1 {
			t.Fatalf("%s = %v", path, all)
		}
	}
	if dish := adobeSend(t, s, "GET", "/api/v2/REF30/profiles/Dish", passHeaders(tok), "").json(t)["profiles"].(map[string]any); len(dish) != 0 {
		t.Fatalf("profiles/Dish = %v", dish)
	}
	// Another device has no profile; the same device at another service provider neither.
	other := passWith(passHeaders(tok), "AP-Device-Identifier", "fingerprint "+base64.StdEncoding.EncodeToString([]byte("other")))
	if p := adobeSend(t, s, "GET", "/api/v2/REF30/profiles", other, "").json(t)["profiles"].(map[string]any); len(p) != 0 {
		t.Fatalf("other device's profiles = %v", p)
	}
	if p := adobeSend(t, s, "GET", "/api/v2/OTHER/profiles", passHeaders(tok), "").json(t)["profiles"].(map[string]any); len(p) != 0 {
		t.Fatalf("other service provider's profiles = %v", p)
	}

	// With a profile, a new session goes straight to authorize.
	again := passCreateSession(t, s, tok, form)
	if again["actionName"] != "authorize" || again["actionType"] != "direct" || again["reasonType"] != "authenticated" ||
		again["url"] != "/api/v2/REF30/decisions/authorize/Cablevision" || again["code"] != nil {
		t.Fatalf("session with a profile = %v", again)
	}
	// A login page URL is single-use, as a SAML request is.
	login := adobeSend(t, s, "GET", sess["url"].(string), nil, "").Header.Get("Location")
	if r := adobeSend(t, s, "GET", login, nil, ""); r.StatusCode != 302 {
		t.Fatalf("first use of a login page: %d", r.StatusCode)
	}
	if r := adobeSend(t, s, "GET", login, nil, ""); r.StatusCode != 400 {
		t.Fatalf("second use of a login page: %d", r.StatusCode)
	}
}

func TestPassMissingParametersAndResume(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	sess := passCreateSession(t, s, tok, "")
	code := sess["code"].(string)
	miss, _ := json.Marshal(sess["missingParameters"])
	if sess["actionName"] != "resume" || sess["actionType"] != "direct" || string(miss) != `["mvpd","domain","redirectUrl"]` ||
		sess["url"] != "/api/v2/REF30/sessions/"+code {
		t.Fatalf("session without parameters = %v", sess)
	}
	// The browser endpoint refuses a session that still misses parameters.
	if r := adobeSend(t, s, "GET", "/api/v2/authenticate/REF30/"+code, nil, ""); r.StatusCode != 400 ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("authenticate an incomplete session: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}

	// A secondary device: GET the session, then resume it with no device headers.
	noDev := http.Header{"Authorization": {"Bearer " + tok}}
	st := adobeSend(t, s, "GET", "/api/v2/REF30/sessions/"+code, noDev, "").json(t)
	if st["existingParameters"].(map[string]any)["serviceProvider"] != "REF30" || st["device"].(map[string]any)["type"] != "SetTopBox" ||
		st["device"].(map[string]any)["model"] != "STB-9" {
		t.Fatalf("session status = %v", st)
	}
	form := passWith(noDev, "Content-Type", "application/x-www-form-urlencoded")
	part := adobeSend(t, s, "POST", "/api/v2/REF30/sessions/"+code, form, "mvpd=Cablevision").json(t)
	if part["actionName"] != "resume" || len(part["missingParameters"].([]any)) != 2 {
		t.Fatalf("partial resume = %v", part)
	}
	wantEEC(t, adobeSend(t, s, "POST", "/api/v2/REF30/sessions/"+code, form, "redirectUrl=not-a-url"),
		400, "none", "invalid_parameter_redirect_url")
	done := adobeSend(t, s, "POST", "/api/v2/REF30/sessions/"+code, form,
		"domainName=adobe.com&redirectUrl="+url.QueryEscape(adobeTestRedirect)).json(t)
	if done["actionName"] != "authenticate" || done["url"] != "/api/v2/authenticate/REF30/"+code {
		t.Fatalf("complete resume = %v", done)
	}
	if landed := passLogin(t, s, done["url"].(string)); landed != adobeTestRedirect {
		t.Fatalf("landed on %q", landed)
	}
	// The profile belongs to the device that created the session, not the one that resumed it.
	if ps := s.Profiles("REF30", adobeTestDeviceID); len(ps) != 1 || ps[0].MVPD != "Cablevision" {
		t.Fatalf("profiles = %+v", ps)
	}
}

func TestPassSessionRejects(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	form := passWith(passHeaders(tok), "Content-Type", "application/x-www-form-urlencoded")
	for _, tc := range []struct{ name, body, code string }{
		{"relative redirectUrl", "mvpd=Cablevision&domainName=adobe.com&redirectUrl=%2Fdone", "invalid_parameter_redirect_url"},
		{"empty redirectUrl", "mvpd=Cablevision&domainName=adobe.com&redirectUrl=", "invalid_parameter_redirect_url"},
		{"unseeded MVPD", "mvpd=Comcast&domainName=adobe.com&redirectUrl=https%3A%2F%2Fadobe.com", "invalid_integration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantEEC(t, adobeSend(t, s, "POST", "/api/v2/REF30/sessions", form, tc.body), 400, "none", tc.code)
		})
	}
	if r := adobeSend(t, s, "POST", "/api/v2/REF30/sessions", passWith(form, "Content-Type", "application/json"), `{"mvpd":"Cablevision"}`); r.StatusCode != 415 {
		t.Fatalf("JSON body: %d", r.StatusCode)
	}
	wantEEC(t, adobeSend(t, s, "GET", "/api/v2/REF30/sessions/NOSUCH1", passHeaders(tok), ""), 400, "none", "invalid_parameter_code")
	// A code belongs to its service provider.
	code := passCreateSession(t, s, tok, "")["code"].(string)
	wantEEC(t, adobeSend(t, s, "GET", "/api/v2/OTHER/sessions/"+code, passHeaders(tok), ""), 400, "none", "invalid_parameter_code")
	if r := adobeSend(t, s, "DELETE", "/api/v2/REF30/sessions", passHeaders(tok), ""); r.StatusCode != 405 || r.Header.Get("Allow") != "POST" {
		t.Fatalf("DELETE sessions: %d Allow %q", r.StatusCode, r.Header.Get("Allow"))
	}
}

func TestPassCodesExpire(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	sess := passCreateSession(t, s, tok, "mvpd=Cablevision&domainName=adobe.com&redirectUrl="+url.QueryEscape(adobeTestRedirect))
	code := sess["code"].(string)
	login := adobeSend(t, s, "GET", sess["url"].(string), nil, "").Header.Get("Location")

	adobeAdvance(s, SessionCodeTTL)
	tok = s.IssuePassToken() // the old one is still valid (6 h), but be explicit about what expires
	if r := adobeSend(t, s, "GET", sess["url"].(string), nil, ""); r.StatusCode != 400 || !strings.Contains(string(r.body), "expired") {
		t.Fatalf("authenticate with an expired code: %d %s", r.StatusCode, r.body)
	}
	if r := adobeSend(t, s, "GET", login, nil, ""); r.StatusCode != 400 {
		t.Fatalf("MVPD login after the code expired: %d", r.StatusCode)
	}
	wantEEC(t, adobeSend(t, s, "GET", "/api/v2/REF30/sessions/"+code, passHeaders(tok), ""), 400, "none", "invalid_authentication_session")
	wantEEC(t, adobeSend(t, s, "GET", "/api/v2/REF30/profiles/code/"+code, passHeaders(tok), ""), 400, "none", "invalid_authentication_session")
}

func TestPassDecisions(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	h := passWith(passHeaders(tok), "Content-Type", "application/json;charset=utf-8")
	authz := func(mvpd, body string) adobeReply {
		return adobeSend(t, s, "POST", "/api/v2/REF30/decisions/authorize/"+mvpd, h, body)
	}
	wantEEC(t, authz("Cablevision", `{"resources":["REF30"]}`), 403, "authentication", "authenticated_profile_missing")

	s.AddProfile(Profile{ServiceProvider: "REF30", MVPD: "Cablevision", DeviceID: adobeTestDeviceID})
	s.DenyResource("Cablevision", "Live")
	r := authz("Cablevision", `{"resources":["REF30","Live"]}`)
	if r.StatusCode != 200 {
		t.Fatalf("authorize: %d %s", r.StatusCode, r.body)
	}
	ds := r.json(t)["decisions"].([]any)
	permit, deny := ds[0].(map[string]any), ds[1].(map[string]any)
	if permit["authorized"] != true || permit["source"] != "mvpd" || permit["mvpd"] != "Cablevision" || permit["serviceProvider"] != "REF30" {
		t.Fatalf("permit = %v", permit)
	}
	tokObj := permit["token"].(map[string]any)
	mt, err := s.VerifyMediaToken(tvauth.Secret(tokObj["serializedToken"].(string)))
	if err != nil || mt.Resource != "REF30" || mt.MVPD != "Cablevision" || mt.Requestor != "REF30" {
		t.Fatalf("media token %+v: %v", mt, err)
	}
	if int64(tokObj["notAfter"].(float64)) != mt.Expires.UnixMilli() {
		t.Fatalf("token notAfter %v != media token expiry %v", tokObj["notAfter"], mt.Expires.UnixMilli())
	}
	eec, _ := deny["error"].(map[string]any)
	if deny["authorized"] != false || deny["token"] != nil || eec["code"] != "authorization_denied_by_mvpd" || eec["status"] != float64(403) {
		t.Fatalf("deny = %v", deny)
	}

	pre := adobeSend(t, s, "POST", "/api/v2/REF30/decisions/preauthorize/Cablevision", h, `{"resources":["REF30","Live"]}`).json(t)
	pd := pre["decisions"].([]any)
	if pd[0].(map[string]any)["authorized"] != true || pd[0].(map[string]any)["token"] != nil ||
		pd[1].(map[string]any)["error"].(map[string]any)["code"] != "preauthorization_denied_by_mvpd" {
		t.Fatalf("preauthorize = %v", pre)
	}

	for _, body := range []string{``, `{}`, `{"resources":[]}`, `{"resources":[""]}`, `{"resources":"REF30"}`, `["REF30"]`} {
		wantEEC(t, authz("Cablevision", body), 400, "none", "invalid_parameter_resources")
	}
	if r := adobeSend(t, s, "POST", "/api/v2/REF30/decisions/authorize/Cablevision",
		passWith(h, "Content-Type", "application/x-www-form-urlencoded"), "resources=REF30"); r.StatusCode != 415 {
		t.Fatalf("form body: %d", r.StatusCode)
	}
	wantEEC(t, authz("Comcast", `{"resources":["REF30"]}`), 400, "none", "invalid_integration")

	adobeAdvance(s, ProfileTTL)
	tok2 := s.IssuePassToken()
	wantEEC(t, adobeSend(t, s, "POST", "/api/v2/REF30/decisions/authorize/Cablevision",
		passWith(h, "Authorization", "Bearer "+tok2), `{"resources":["REF30"]}`), 403, "authentication", "authenticated_profile_expired")
	if _, err := s.VerifyMediaToken(tvauth.Secret(tokObj["serializedToken"].(string))); err == nil {
		t.Fatal("a media token 30 days old still verifies")
	}
}

func TestPassVerifyMediaTokenRejectsForgeries(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	other := NewServer()
	defer other.Close()
	good := s.adobeMediaToken("REF30", "Cablevision", "REF30", "u", s.adobeNow())
	raw, _ := base64.StdEncoding.DecodeString(good)
	tampered := base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(raw), "<resourceID>REF30<", "<resourceID>PREMIUM<", 1)))
	for name, tok := range map[string]string{
		"other server's": other.adobeMediaToken("REF30", "Cablevision", "REF30", "u", other.adobeNow()),
		"tampered":       tampered,
		"not base64":     "%%%",
		"no signature":   base64.StdEncoding.EncodeToString([]byte("<authToken/>")),
	} {
		if _, err := s.VerifyMediaToken(tvauth.Secret(tok)); err == nil {
			t.Errorf("%s token verified", name)
		}
	}
	if _, err := s.VerifyMediaToken(tvauth.Secret(good)); err != nil {
		t.Fatalf("own token: %v", err)
	}
}

// passJarClient follows redirects within the fake, keeping cookies like a browser, and stops at
// the first URL outside it (the app's redirect URL).
func passJarClient(s *Server) *http.Client {
	jar, _ := cookiejar.New(nil)
	hc := *s.srv.Client()
	hc.Jar = jar
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), s.URL()) {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &hc
}

func TestPassLogout(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	logout := func(mvpd, query string) map[string]any {
		r := adobeSend(t, s, "GET", "/api/v2/REF30/logout/"+mvpd+query, passHeaders(tok), "")
		if r.StatusCode != 200 {
			t.Fatalf("logout %s: %d %s", mvpd, r.StatusCode, r.body)
		}
		return r.json(t)["logouts"].(map[string]any)[mvpd].(map[string]any)
	}
	redirect := "?redirectUrl=" + url.QueryEscape(adobeTestRedirect)

	// No profile: invalid/none.
	if a := logout("Cablevision", redirect); a["actionName"] != "invalid" || a["actionType"] != "none" || a["url"] != nil {
		t.Fatalf("logout without a profile = %v", a)
	}

	// An MVPD without a logout endpoint: complete/none, the profile is gone.
	s.AddProfile(Profile{ServiceProvider: "REF30", MVPD: "Dish", DeviceID: adobeTestDeviceID})
	if a := logout("Dish", redirect); a["actionName"] != "complete" || a["actionType"] != "none" || a["mvpd"] != "Dish" || a["url"] != nil {
		t.Fatalf("logout Dish = %v", a)
	}
	if ps := s.Profiles("REF30", adobeTestDeviceID); len(ps) != 0 {
		t.Fatalf("profiles after logout = %+v", ps)
	}

	// An MVPD with one: logout/interactive and a URL whose chain ends on redirectUrl.
	s.AddProfile(Profile{ServiceProvider: "REF30", MVPD: "Cablevision", DeviceID: adobeTestDeviceID})
	a := logout("Cablevision", redirect)
	u, _ := a["url"].(string)
	if a["actionName"] != "logout" || a["actionType"] != "interactive" || !strings.HasPrefix(u, "/adobe-services/logout?") {
		t.Fatalf("logout Cablevision = %v", a)
	}
	if q, _ := url.ParseQuery(strings.SplitN(u, "?", 2)[1]); q.Get("redirect_url") != adobeTestRedirect || q.Get("mso_id") != "Cablevision" || q.Get("requestor_id") != "REF30" {
		t.Fatalf("logout url query = %v", q)
	}
	if ps := s.Profiles("REF30", adobeTestDeviceID); len(ps) != 0 {
		t.Fatalf("profiles after logout = %+v", ps)
	}

	// A client without cookies is stopped at the MVPD.
	noJar := *s.srv.Client()
	resp, err := noJar.Get(s.URL() + u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || s.CompletedLogouts("Cablevision") != 0 {
		t.Fatalf("cookieless chain: %d, %d completed", resp.StatusCode, s.CompletedLogouts("Cablevision"))
	}
	// A user agent with cookies lands on redirectUrl.
	resp, err = passJarClient(s).Get(s.URL() + u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 302 || resp.Header.Get("Location") != adobeTestRedirect || s.CompletedLogouts("Cablevision") != 1 {
		t.Fatalf("chain ended %d at %q, %d completed", resp.StatusCode, resp.Header.Get("Location"), s.CompletedLogouts("Cablevision"))
	}
	if a := logout("Cablevision", redirect); a["actionName"] != "invalid" {
		t.Fatalf("second logout = %v", a)
	}
}

func TestPassLogoutRejects(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	h := passHeaders(s.IssuePassToken())
	for _, q := range []string{"", "?redirectUrl=", "?redirectUrl=%2Fdone", "?redirectUrl=adobe.com",
		"?redirectUrl=https%3A%2F%2Fa.example&redirectUrl=https%3A%2F%2Fb.example"} {
		wantEEC(t, adobeSend(t, s, "GET", "/api/v2/REF30/logout/Cablevision"+q, h, ""), 400, "none", "invalid_parameter_redirect_url")
	}
	wantEEC(t, adobeSend(t, s, "GET", "/api/v2/REF30/logout/Comcast?redirectUrl=https%3A%2F%2Fadobe.com", h, ""), 400, "none", "invalid_integration")
	if r := adobeSend(t, s, "POST", "/api/v2/REF30/logout/Cablevision?redirectUrl=https%3A%2F%2Fadobe.com", h, ""); r.StatusCode != 405 {
		t.Fatalf("POST logout: %d", r.StatusCode)
	}
}

func TestPassBrowserPagesReject(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	for _, target := range []string{
		"/api/v2/authenticate/REF30/NOSUCH1",
		"/mvpd/Cablevision/login?relayState=nope",
		"/mvpd/Cablevision/elsewhere",
		"/adobe-services/logout?noflash=true&mso_id=Comcast&requestor_id=REF30&redirect_url=https%3A%2F%2Fadobe.com",
		"/adobe-services/logout?noflash=true&mso_id=Cablevision&requestor_id=REF30&redirect_url=%2Fdone",
	} {
		r := adobeSend(t, s, "GET", target, nil, "")
		if r.StatusCode < 400 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s", target, r.StatusCode, r.Header.Get("Content-Type"))
		}
	}
	// The login page checks that the relay state is for its MVPD.
	tok := s.IssuePassToken()
	sess := passCreateSession(t, s, tok, "mvpd=Cablevision&domainName=adobe.com&redirectUrl="+url.QueryEscape(adobeTestRedirect))
	login := adobeSend(t, s, "GET", sess["url"].(string), nil, "").Header.Get("Location")
	if r := adobeSend(t, s, "GET", strings.Replace(login, "/Cablevision/", "/Dish/", 1), nil, ""); r.StatusCode != 400 {
		t.Fatalf("login page of another MVPD: %d", r.StatusCode)
	}
}

func TestPassRouting(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	h := passHeaders(s.IssuePassToken())
	for _, p := range []string{"/api/v2/", "/api/v2/REF30", "/api/v2/REF30/nothing", "/api/v2/REF30/profiles/code/a/b", "/api/v2/REF30/decisions/x/Cablevision"} {
		if r := adobeSend(t, s, "GET", p, h, ""); r.StatusCode != 404 {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
	}
	// An escaped slash stays inside its segment: an MVPD called "a/b" is not seeded.
	wantEEC(t, adobeSend(t, s, "GET", "/api/v2/REF30/profiles/a%2Fb", h, ""), 400, "none", "invalid_integration")
}

// TestPassConcurrentFlows runs whole flows in parallel on one fake; with -race it proves the state
// is guarded. The goroutines report errors rather than fail the test themselves.
func TestPassConcurrentFlows(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	hc := passJarClient(s)
	flow := func(i int) error {
		dev := "device-" + strconv.Itoa(i)
		h := passWith(passHeaders(s.IssuePassToken()), "AP-Device-Identifier",
			"fingerprint "+base64.StdEncoding.EncodeToString([]byte(dev)), "Content-Type", "application/x-www-form-urlencoded")
		req, _ := http.NewRequest("POST", s.URL()+"/api/v2/REF30/sessions",
			strings.NewReader("mvpd=Cablevision&domainName=adobe.com&redirectUrl="+url.QueryEscape(adobeTestRedirect)))
		req.Header = h
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		var sess struct{ URL string }
		err = json.NewDecoder(resp.Body).Decode(&sess)
		resp.Body.Close()
		if err != nil {
			return err
		}
		resp, err = hc.Get(s.URL() + sess.URL) // follows to the MVPD, stops at redirectUrl
		if err != nil {
			return err
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != adobeTestRedirect {
			return errors.New(dev + " landed on " + loc)
		}
		if ps := s.Profiles("REF30", dev); len(ps) != 1 {
			return errors.New("no profile for " + dev)
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := flow(i); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// FuzzVerifyMediaToken feeds arbitrary tokens to the media verifier: it must never panic, and must
// accept only tokens this fake signed.
func FuzzVerifyMediaToken(f *testing.F) {
	s := adobeTestServer(f)
	good := s.adobeMediaToken("REF30", "Cablevision", "REF30", "u", s.adobeNow())
	raw, _ := base64.StdEncoding.DecodeString(good)
	f.Add(good)
	f.Add(base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(raw), "REF30", "REF31", 1))))
	f.Add(base64.StdEncoding.EncodeToString([]byte("<signatureInfo></signatureInfo><authToken>")))
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		if _, err := s.VerifyMediaToken(tvauth.Secret(tok)); err == nil {
			// Only the one token issued here verifies (a non-canonical Base64 spelling of the same
			// bytes is the same token).
			if got, _ := base64.StdEncoding.DecodeString(tok); string(got) != string(raw) {
				t.Fatalf("verified a token the fake did not issue: %q", tok)
			}
		}
	})
}
