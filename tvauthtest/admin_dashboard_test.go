package tvauthtest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tvauth/tvauth"
)

// TestMaskRequest: what the dashboard shows of a request never holds a secret, whichever way it was
// sent: a header, a query or form parameter, a JSON field, an AGS name/value parameter, a body in
// another format, or a secret the fake holds wherever it appears.
func TestMaskRequest(t *testing.T) {
	held := strings.NewReplacer("held-secret-value", masked)
	for _, tc := range []struct {
		name   string
		req    Request
		hidden []string // must not appear
		shown  []string // must appear
	}{
		{"a bearer token", Request{Method: "GET", Path: "/api/v2/REF30/configuration",
			Header: http.Header{"Authorization": {"Bearer tok-123456"}, "Ap-Device-Identifier": {"fingerprint abc"}}},
			[]string{"tok-123456"}, []string{"Bearer " + masked, "fingerprint abc"}},
		{"DCR's client secret", Request{Method: "POST", Path: "/o/client/token",
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Body:   []byte("grant_type=client_credentials&client_id=cid&client_secret=shh-123456")},
			[]string{"shh-123456"}, []string{"client_id=cid", "client_secret=" + masked}},
		{"a software statement", Request{Method: "POST", Path: "/o/client/register",
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"software_statement":"eyJhbGciOi.x.y"}`)},
			[]string{"eyJhbGciOi"}, []string{`"software_statement": "` + masked + `"`}},
		{"WebAPI's password and token parameters", Request{Method: "GET", Path: "/auth/logout",
			RawQuery: "a=%2FwEBAtok&devId=dev&f=json&pwd=hunter22&sig_sha256=c2lnbmF0dXJl"},
			[]string{"wEBAtok", "hunter22", "c2lnbmF0dXJl"}, []string{"devId=dev", "f=json", "a=" + masked}},
		{"AGS's sign-on parameters", Request{Method: "POST", Path: "/ags/signOn",
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   []byte(`{"parameters":[{"name":"username","value":"dave"},{"name":"password","value":"opentv-pw"}],"refresh_token":"rt-123456"}`)},
			[]string{"opentv-pw", "rt-123456"}, []string{`"value": "dave"`}},
		{"a body in another format", Request{Method: "POST", Path: "/x", Header: http.Header{"Content-Type": {"text/xml"}},
			Body: []byte("<password>xml-secret</password>")}, []string{"xml-secret"}, []string{"31 bytes of text/xml, not shown"}},
		{"a cookie", Request{Method: "GET", Path: "/mvpd/Cablevision/logout", Header: http.Header{"Cookie": {"tvauthtest_logout=relay-123456"}}},
			[]string{"relay-123456"}, []string{"Cookie"}},
		{"a held secret where no name says so", Request{Method: "GET", Path: "/x/held-secret-value",
			Header: http.Header{"X-Note": {"held-secret-value"}}}, []string{"held-secret-value"}, []string{"X-Note"}},
	} {
		row := maskRequest(7, tc.req, "Pass v2", held)
		var all strings.Builder
		all.WriteString(row.Path + "?" + row.Query + "\n" + row.Body + "\n" + row.BodyNote + "\n")
		for _, h := range row.Header {
			all.WriteString(h[0] + ": " + h[1] + "\n")
		}
		for _, s := range tc.hidden {
			if strings.Contains(all.String(), s) {
				t.Errorf("%s: %q is shown:\n%s", tc.name, s, all.String())
			}
		}
		for _, s := range tc.shown {
			if !strings.Contains(all.String(), s) {
				t.Errorf("%s: %q is not shown:\n%s", tc.name, s, all.String())
			}
		}
	}
}

func TestRequestFamily(t *testing.T) {
	for path, want := range map[string]string{
		"/o/client/token": "Pass v2", "/api/v2/REF30/sessions": "Pass v2", "/api/v1/checkauthn": "Clientless v1",
		"/reggie/v1/REF30/regcode": "Clientless v1", "/auth/clientLogin": "WebAPI", "/ags/signOn": "AGS",
		"/activate": "Pages", "/activate/providers": "Pages", "/mvpd/Dish/login": "Pages",
		"/adobe-services/logout": "Pages", "/activated": "Other", "/": "Other",
	} {
		if got := requestFamily(path); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
}

// TestDashboardPage: after SDK calls of every family, the dashboard lists them newest first, filters
// them by family and path, lists the live session and registration code, and holds none of the
// secrets the SDK sent or the fake holds.
func TestDashboardPage(t *testing.T) {
	a, base := standalone(t)
	srv := a.Server()
	if err := srv.AddSubscriber(DefaultMVPD, Subscriber{"alice", "alice-page-pw"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := tvauth.New(append(srv.Options(), tvauth.WithPassURL(base), tvauth.WithClientlessURL(base),
		tvauth.WithWebAPIURL(base), tvauth.WithAGSURL(base+"/ags"))...)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: DefaultServiceProvider, MVPD: DefaultMVPD,
		DomainName: "adobe.com", RedirectURL: "https://app.example/done"})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: DefaultServiceProvider})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: DefaultWebAPILogin, Password: DefaultWebAPIPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.UserAgentAs(Subscriber{"alice", "wrong-pw"}).Get(base + "/api/v2/authenticate/" + DefaultServiceProvider + "/" + sess.Code); err != nil {
		t.Fatal(err)
	}
	secrets := []string{DefaultWebAPIPassword, "alice-page-pw", "wrong-pw", DefaultSubscriberPassword, string(srv.SoftwareStatement()),
		string(srv.PassCredentials().ClientSecret)}
	for _, r := range srv.Requests() {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			secrets = append(secrets, tok)
		}
	}
	code, page := pageCall(t, "GET", base+AdminPrefix, "")
	if code != 200 {
		t.Fatalf("%d\n%s", code, page)
	}
	for _, s := range secrets {
		if strings.Contains(page, s) {
			t.Errorf("the dashboard holds a secret (%d bytes)", len(s))
		}
	}
	fieldsLabelled(t, page)
	// Newest first: the WebAPI login after the session.
	if i, j := strings.Index(page, "<code>/auth/clientLogin"), strings.Index(page, "<code>/api/v2/REF30/sessions"); i < 0 || j < 0 || i > j {
		t.Errorf("requests not newest first (%d, %d)", i, j)
	}
	for _, want := range []string{"<code>" + sess.Code + "</code>", "<code>" + rc.Code + "</code>", "subscriber, alice",
		`<td>alice</td><td><span class="tag bad">wrong username or password</span>`, "Served on loopback"} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard does not show %q", want)
		}
	}
	for _, tc := range []struct{ query, shown, hidden string }{
		{"family=WebAPI", "<code>/auth/clientLogin", "<code>/api/v2/REF30/sessions"},
		{"path=sessions", "<code>/api/v2/REF30/sessions", "<code>/auth/clientLogin"},
		{"path=" + url.QueryEscape("/reggie/*"), "<code>/reggie/v1/REF30/regcode", "<code>/auth/clientLogin"},
		{"family=AGS", "No request matches the filter", "<code>/auth/clientLogin"},
	} {
		_, page := pageCall(t, "GET", base+AdminPrefix+"?"+tc.query, "")
		if !strings.Contains(page, tc.shown) || strings.Contains(page, tc.hidden) {
			t.Errorf("?%s: shows %v, hides %v", tc.query, strings.Contains(page, tc.shown), !strings.Contains(page, tc.hidden))
		}
	}
}

// TestDashboardNotLoopback: on an address that is not loopback the dashboard says so.
func TestDashboardNotLoopback(t *testing.T) {
	a, err := NewStandalone(DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, tc := range []struct {
		local net.Addr
		want  string
	}{
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 8080}, "this fake listens on 192.0.2.10:8080, so anyone who reaches that address"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 8080}, "Served on loopback ([::1]:8080)"},
	} {
		req := httptest.NewRequest("GET", AdminPrefix, nil)
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, tc.local))
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s: %d, want %q", tc.local, rec.Code, tc.want)
		}
	}
}

// TestDashboardFormsRefuse: the fault and clock forms refuse what the fake cannot honour with the
// reason on the page (400), keep what was typed, and change nothing.
func TestDashboardFormsRefuse(t *testing.T) {
	a, base := standalone(t)
	for _, tc := range []struct{ route, form, alert string }{
		{"dashboard/faults", "status=99&path=%2Fags%2F%2A", "The fault was not added: tvauthtest: fault: status: a fault answers a final HTTP status, 200–599"},
		{"dashboard/faults", "status=503&times=-1", "times cannot be negative"},
		{"dashboard/faults", "status=abc", `status: &#34;abc&#34; is not a number`},
		{"dashboard/faults", "status=503&delay=soon", `delay: &#34;soon&#34; is not a duration`},
		{"dashboard/faults", "path=%2Fags%2F%2A", "a fault needs a status (200–599), or drop"},
		{"dashboard/clock", "advance=later", `The clock did not move: &#34;later&#34; is not a duration`},
	} {
		code, page := pageCall(t, "POST", base+AdminPrefix+tc.route, tc.form)
		if code != http.StatusBadRequest || !strings.Contains(page, `<p role="alert">`) || !strings.Contains(page, tc.alert) {
			t.Errorf("%s %s: %d\n%s", tc.route, tc.form, code, page)
		}
	}
	if _, page := pageCall(t, "POST", base+AdminPrefix+"dashboard/faults", "status=99&path=%2Fags%2F%2A"); !strings.Contains(page, `id="fault-path" name="path" value="/ags/*"`) {
		t.Error("the fault form does not keep what was typed")
	}
	if n := len(a.Server().PendingFaults()); n != 0 {
		t.Errorf("%d faults queued by refused forms", n)
	}
	if _, page := pageCall(t, "GET", base+AdminPrefix, ""); !strings.Contains(page, "offset 0s") {
		t.Error("a refused clock form moved the clock")
	}
	if code, _ := pageCall(t, "POST", base+AdminPrefix+"dashboard/clock", "advance=2562047h"); code != 200 {
		t.Errorf("moving the clock 292 years: %d", code)
	}
	if code, page := pageCall(t, "POST", base+AdminPrefix+"dashboard/clock", "advance=1h"); code != http.StatusBadRequest ||
		!strings.Contains(page, "it would be more than about 292 years from the wall clock") {
		t.Errorf("moving the clock past 292 years: %d", code)
	}
	// A fault that drops the connection needs no status.
	if code, page := pageCall(t, "POST", base+AdminPrefix+"dashboard/faults", "path=%2Fags%2F%2A&drop=on&method=GET"); code != 200 ||
		!strings.Contains(page, "drop the connection") {
		t.Errorf("a dropping fault: %d", code)
	}
	if f := a.Server().PendingFaults(); len(f) != 1 || !f[0].Drop || f[0].Method != "GET" || f[0].Path != "/ags/*" || f[0].Times != 1 {
		t.Errorf("faults %+v", f)
	}
}
