package tvauthtest

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
)

const clTestDevice = "c28tZGV2aWQtMDAz" // the deviceId of Adobe's regcode sample

// clHeaders is what a well-behaved v1 device call sends.
func clHeaders(token string) http.Header {
	return http.Header{
		"Authorization": {"Bearer " + token},
		"X-Device-Info": {adobeTestInfo()},
		"Accept":        {"application/json"},
	}
}

// clDeviceQuery is requestor + deviceId (+ more pairs).
func clDeviceQuery(kv ...string) string {
	q := "requestor=REF30&deviceId=" + url.QueryEscape(clTestDevice)
	for i := 0; i < len(kv); i += 2 {
		q += "&" + kv[i] + "=" + url.QueryEscape(kv[i+1])
	}
	return q
}

func wantV1Error(t testing.TB, r adobeReply, status int, message string) map[string]any {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", r.StatusCode, status, r.body)
	}
	m := r.json(t)
	if m["status"] != float64(status) || m["message"] != message {
		t.Fatalf("error = %v, want %d %q", m, status, message)
	}
	return m
}

func clNewRegCode(t testing.TB, s *Server, tok string) map[string]any {
	t.Helper()
	r := adobeSend(t, s, "POST", "/reggie/v1/REF30/regcode",
		passWith(clHeaders(tok), "Content-Type", "application/x-www-form-urlencoded"),
		"deviceId="+url.QueryEscape(clTestDevice)+"&ttl=3600")
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("regcode: %d %s", r.StatusCode, r.body)
	}
	return r.json(t)
}

// clAuthenticateQuery is a query in the documented order: reg_code first, redirect_url last.
func clAuthenticateQuery(code string) string {
	return "reg_code=" + code + "&requestor_id=REF30&mso_id=Cablevision&domain_name=adobe.com&noflash=true&no_iframe=true&redirect_url=" +
		url.QueryEscape(adobeTestRedirect)
}

func TestClientlessRegCode(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	rc := clNewRegCode(t, s, tok)
	code, _ := rc["code"].(string)
	info, _ := rc["info"].(map[string]any)
	if len(code) != 7 || rc["requestor"] != "REF30" || info["deviceId"] != clTestDevice || info["authorizationType"] != "OAUTH2" ||
		info["deviceInfo"] != adobeTestInfo() {
		t.Fatalf("regcode = %v", rc)
	}
	if gen, exp := rc["generated"].(float64), rc["expires"].(float64); exp-gen != 3600*1000 {
		t.Fatalf("generated %v / expires %v: want numbers 1 h apart", gen, exp)
	}
	if view, ok := s.RegCode(code); !ok || view.DeviceID != clTestDevice || view.Authenticated {
		t.Fatalf("RegCode = %+v", view)
	}

	got := adobeSend(t, s, "GET", "/reggie/v1/REF30/regcode/"+code, clHeaders(tok), "")
	if got.StatusCode != 200 || got.json(t)["id"] != rc["id"] {
		t.Fatalf("GET regcode: %d %s", got.StatusCode, got.body)
	}
	// The same record in XML, with the reggie namespace on the root.
	x := adobeSend(t, s, "GET", "/reggie/v1/REF30/regcode/"+code+".xml", passWith(clHeaders(tok), "Accept", ""), "")
	var rx struct {
		XMLName xml.Name
		Code    string `xml:"code"`
		Info    struct {
			DeviceID string `xml:"deviceId"`
		} `xml:"info"`
	}
	if err := xml.Unmarshal(x.body, &rx); err != nil || rx.XMLName.Local != "regcode" ||
		rx.XMLName.Space != "model.mvc.reggie.pass.adobe.com" || rx.Code != code || rx.Info.DeviceID != clTestDevice {
		t.Fatalf("XML regcode %+v (%v): %s", rx, err, x.body)
	}
	if r := adobeSend(t, s, "GET", "/reggie/v1/OTHER/regcode/"+code, clHeaders(tok), ""); r.StatusCode != 404 {
		t.Fatalf("regcode of another requestor: %d", r.StatusCode)
	}
	if r := adobeSend(t, s, "GET", "/reggie/v1/REF30/regcode/"+code, http.Header{"Accept": {"application/json"}}, ""); r.StatusCode != 200 {
		t.Fatalf("GET regcode without a token: %d", r.StatusCode)
	}
	wantV1Error(t, adobeSend(t, s, "DELETE", "/reggie/v1/REF30/regcode/"+code, http.Header{"Accept": {"application/json"}}, ""), 401, "Unauthorized")
	if r := adobeSend(t, s, "DELETE", "/reggie/v1/REF30/regcode/"+code, clHeaders(tok), ""); r.StatusCode != 204 {
		t.Fatalf("DELETE: %d", r.StatusCode)
	}
	wantV1Error(t, adobeSend(t, s, "GET", "/reggie/v1/REF30/regcode/"+code, clHeaders(tok), ""), 404, "Not Found")

	// Expiry.
	code = clNewRegCode(t, s, tok)["code"].(string)
	adobeAdvance(s, time.Hour)
	wantV1Error(t, adobeSend(t, s, "GET", "/reggie/v1/REF30/regcode/"+code, clHeaders(s.IssuePassToken()), ""), 404, "Not Found")
}

func TestClientlessRegCodeRejects(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	other := NewServer()
	defer other.Close()
	tok := s.IssuePassToken()
	form := passWith(clHeaders(tok), "Content-Type", "application/x-www-form-urlencoded")
	dev := "deviceId=" + clTestDevice
	for _, tc := range []struct {
		name    string
		h       http.Header
		body    string
		status  int
		message string
	}{
		{"no token", passWith(form, "Authorization", ""), dev, 401, "Unauthorized"},
		{"foreign token", passWith(form, "Authorization", "Bearer "+other.IssuePassToken()), dev, 401, "Unauthorized"},
		{"no deviceId", form, "ttl=60", 400, "Required 'deviceId' is not present"},
		{"no device info", passWith(form, "X-Device-Info", ""), dev, 400, "Required 'device_info' is not present"},
		{"ttl above 10 h", form, dev + "&ttl=36001", 400, "Invalid 'ttl': a number of seconds up to 36000"},
		{"ttl not a number", form, dev + "&ttl=1h", 400, "Invalid 'ttl': a number of seconds up to 36000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantV1Error(t, adobeSend(t, s, "POST", "/reggie/v1/REF30/regcode", tc.h, tc.body), tc.status, tc.message)
		})
	}
	// device_info as a parameter instead of the header is accepted; so is a 10 h ttl.
	r := adobeSend(t, s, "POST", "/reggie/v1/REF30/regcode", passWith(form, "X-Device-Info", ""),
		dev+"&ttl=36000&device_info="+url.QueryEscape(adobeTestInfo()))
	if r.StatusCode != 201 {
		t.Fatalf("device_info parameter: %d %s", r.StatusCode, r.body)
	}
	if r := adobeSend(t, s, "GET", "/reggie/v1/REF30/regcode", clHeaders(tok), ""); r.StatusCode != 405 {
		t.Fatalf("GET /regcode: %d", r.StatusCode)
	}
}

func TestClientlessFormats(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	s.AddClientlessAuthn("REF30", clTestDevice, "Cablevision")
	noAccept := passWith(clHeaders(tok), "Accept", "")
	for _, tc := range []struct {
		name, path string
		h          http.Header
		json       bool
	}{
		{"Accept JSON", "/api/v1/tokens/authn?" + clDeviceQuery(), clHeaders(tok), true},
		{"format=json", "/api/v1/tokens/authn?format=json&" + clDeviceQuery(), noAccept, true},
		{".json suffix", "/api/v1/tokens/authn.json?" + clDeviceQuery(), noAccept, true},
		{"default XML", "/api/v1/tokens/authn?" + clDeviceQuery(), noAccept, false},
		{"Accept XML", "/api/v1/tokens/authn?" + clDeviceQuery(), passWith(noAccept, "Accept", "application/xml"), false},
		{".xml suffix", "/api/v1/tokens/authn.xml?" + clDeviceQuery(), clHeaders(tok), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := adobeSend(t, s, "GET", tc.path, tc.h, "")
			if r.StatusCode != 200 {
				t.Fatalf("%d %s", r.StatusCode, r.body)
			}
			var mvpd, expires string
			if tc.json {
				m := r.json(t)
				mvpd, _ = m["mvpd"].(string)
				expires, _ = m["expires"].(string) // a string of ms, as documented
			} else {
				var a struct {
					XMLName xml.Name `xml:"authentication"`
					MVPD    string   `xml:"mvpd"`
					Expires string   `xml:"expires"`
				}
				if err := xml.Unmarshal(r.body, &a); err != nil {
					t.Fatalf("%v: %s", err, r.body)
				}
				mvpd, expires = a.MVPD, a.Expires
			}
			if mvpd != "Cablevision" || len(expires) != 13 {
				t.Fatalf("mvpd %q expires %q: %s", mvpd, expires, r.body)
			}
		})
	}
	// Errors follow the format too.
	r := adobeSend(t, s, "GET", "/api/v1/tokens/authz?"+clDeviceQuery("resource", "X"), noAccept, "")
	if r.StatusCode != 404 || !strings.Contains(string(r.body), "<error><status>404</status><message>Not Found</message></error>") {
		t.Fatalf("XML error: %d %s", r.StatusCode, r.body)
	}
}

func TestClientlessAuthenticateQueryOrder(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	code := clNewRegCode(t, s, s.IssuePassToken())["code"].(string)
	redirect := url.QueryEscape(adobeTestRedirect)
	sorted := url.Values{"reg_code": {code}, "requestor_id": {"REF30"}, "mso_id": {"Cablevision"}, "domain_name": {"adobe.com"},
		"noflash": {"true"}, "no_iframe": {"true"}, "redirect_url": {adobeTestRedirect}}.Encode()
	for _, tc := range []struct{ name, query, want string }{
		{"sorted by url.Values.Encode", sorted, "reg_code must be the first"},
		{"reg_code in the middle", "requestor_id=REF30&reg_code=" + code + "&mso_id=Cablevision&domain_name=adobe.com&noflash=true&no_iframe=true&redirect_url=" + redirect, "reg_code must be the first"},
		{"redirect_url not last", "reg_code=" + code + "&redirect_url=" + redirect + "&requestor_id=REF30&mso_id=Cablevision&domain_name=adobe.com&noflash=true&no_iframe=true", "redirect_url must be the last"},
		{"redirect_url not encoded", "reg_code=" + code + "&requestor_id=REF30&mso_id=Cablevision&domain_name=adobe.com&noflash=true&no_iframe=true&redirect_url=https://app.example/done", "must be URL-encoded"},
		{"encoded key", "reg%5Fcode=" + code + "&requestor_id=REF30&mso_id=Cablevision&domain_name=adobe.com&noflash=true&no_iframe=true&redirect_url=" + redirect, "reg_code must be the first"},
		{"no noflash", "reg_code=" + code + "&requestor_id=REF30&mso_id=Cablevision&domain_name=adobe.com&no_iframe=true&redirect_url=" + redirect, "noflash is required"},
		{"noflash false", "reg_code=" + code + "&requestor_id=REF30&mso_id=Cablevision&domain_name=adobe.com&noflash=false&no_iframe=true&redirect_url=" + redirect, "must be true"},
		{"reg_code twice", "reg_code=" + code + "&reg_code=" + code + "&requestor_id=REF30&mso_id=Cablevision&domain_name=adobe.com&noflash=true&no_iframe=true&redirect_url=" + redirect, "reg_code is required, once"},
		{"unknown MVPD", strings.Replace(clAuthenticateQuery(code), "Cablevision", "Comcast", 1), "names no MVPD"},
		{"other requestor", strings.Replace(clAuthenticateQuery(code), "REF30", "OTHER", 1), "unknown or expired"},
		{"unknown code", clAuthenticateQuery("NOSUCH1"), "unknown or expired"},
		{"empty", "", "query is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := adobeSend(t, s, "GET", "/api/v1/authenticate?"+tc.query, nil, "")
			if r.StatusCode != 400 || !strings.Contains(string(r.body), tc.want) {
				t.Fatalf("%d %s, want 400 mentioning %q", r.StatusCode, r.body, tc.want)
			}
		})
	}
	// generic_data between the mandatory pairs is fine.
	q := strings.Replace(clAuthenticateQuery(code), "&redirect_url=", "&generic_data=%28%22email%22%3A%22a%40b.c%22%29&redirect_url=", 1)
	if r := adobeSend(t, s, "GET", "/api/v1/authenticate?"+q, nil, ""); r.StatusCode != 302 {
		t.Fatalf("with generic_data: %d %s", r.StatusCode, r.body)
	}
}

func TestClientlessFlow(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	h := clHeaders(tok)
	code := clNewRegCode(t, s, tok)["code"].(string)

	// Not yet: checkauthn is 403 both ways, tokens/authn 404.
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/checkauthn/"+code+"?requestor=REF30", h, ""), 403, "Forbidden")
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/checkauthn?"+clDeviceQuery(), h, ""), 403, "Forbidden")
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/tokens/authn?"+clDeviceQuery(), h, ""), 404, "Not Found")

	// The login web app opens authenticate; the MVPD logs the user in and lands on redirect_url.
	r := adobeSend(t, s, "GET", "/api/v1/authenticate?"+clAuthenticateQuery(code), nil, "")
	if r.StatusCode != 302 || !strings.HasPrefix(r.Header.Get("Location"), "/mvpd/Cablevision/login?") {
		t.Fatalf("authenticate: %d %q %s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	r = adobeSend(t, s, "GET", r.Header.Get("Location"), nil, "")
	if r.StatusCode != 302 || r.Header.Get("Location") != adobeTestRedirect {
		t.Fatalf("MVPD login: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if rc, _ := s.RegCode(code); !rc.Authenticated || !s.ClientlessAuthenticated("REF30", clTestDevice) {
		t.Fatalf("after login: %+v", rc)
	}

	for _, p := range []string{"/api/v1/checkauthn/" + code + "?requestor=REF30", "/api/v1/checkauthn?" + clDeviceQuery()} {
		if r := adobeSend(t, s, "GET", p, h, ""); r.StatusCode != 200 {
			t.Fatalf("%s: %d %s", p, r.StatusCode, r.body)
		}
	}
	authn := adobeSend(t, s, "GET", "/api/v1/tokens/authn?"+clDeviceQuery(), h, "").json(t)
	if authn["mvpd"] != "Cablevision" || authn["requestor"] != "REF30" || authn["userId"] == "" {
		t.Fatalf("tokens/authn = %v", authn)
	}

	// Authorization: none yet (404), then authorize, then the token and a media token.
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/tokens/authz?"+clDeviceQuery("resource", "REF30"), h, ""), 404, "Not Found")
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/tokens/media?"+clDeviceQuery("resource", "REF30"), h, ""), 403, "User not authorized")
	az := adobeSend(t, s, "GET", "/api/v1/authorize?"+clDeviceQuery("resource", "REF30"), h, "").json(t)
	if az["mvpd"] != "Cablevision" || az["resource"] != "REF30" || az["requestor"] != "REF30" {
		t.Fatalf("authorize = %v", az)
	}
	if z := adobeSend(t, s, "GET", "/api/v1/tokens/authz?"+clDeviceQuery("resource", "REF30"), h, "").json(t); z["expires"] != az["expires"] {
		t.Fatalf("tokens/authz = %v", z)
	}
	for _, p := range []string{"/api/v1/tokens/media", "/api/v1/mediatoken"} {
		mt := adobeSend(t, s, "GET", p+"?"+clDeviceQuery("resource", "REF30"), h, "").json(t)
		v, err := s.VerifyMediaToken(tvauth.Secret(mt["serializedToken"].(string)))
		if err != nil || v.Resource != "REF30" || mt["mvpdId"] != "Cablevision" || mt["userId"] != authn["userId"] {
			t.Fatalf("%s = %v (%+v, %v)", p, mt, v, err)
		}
	}

	s.DenyResource("Cablevision", "Premium")
	deny := wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/authorize?"+clDeviceQuery("resource", "Premium"), h, ""), 403, "User not authorized")
	if !strings.Contains(deny["details"].(string), "Premium") {
		t.Fatalf("deny details = %v", deny)
	}
	// An MRSS resource is matched by its channel title.
	mrss := `<rss version="2.0"><channel><title>Premium</title></channel></rss>`
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/authorize?"+clDeviceQuery("resource", mrss), h, ""), 403, "User not authorized")

	pre := adobeSend(t, s, "GET", "/api/v1/preauthorize?"+clDeviceQuery("resource", "REF30,Premium"), h, "")
	if pre.Header.Get("Adobe-Response-Confidence") != "full" || pre.Header.Get("Adobe-Request-Id") == "" {
		t.Fatalf("preauthorize headers = %v", pre.Header)
	}
	res := pre.json(t)["resources"].([]any)
	if len(res) != 2 || res[0].(map[string]any)["authorized"] != true || res[1].(map[string]any)["authorized"] != false ||
		res[1].(map[string]any)["error"].(map[string]any)["code"] != "preauthorization_denied_by_mvpd" {
		t.Fatalf("preauthorize = %s", pre.body)
	}
	byCode := adobeSend(t, s, "GET", "/api/v1/preauthorize/"+code+"?requestor=REF30&resource=REF30", nil, "")
	if byCode.StatusCode != 200 || !strings.Contains(string(byCode.body), "<authorized>true</authorized>") {
		t.Fatalf("preauthorize by regcode (XML, no token from the web app): %d %s", byCode.StatusCode, byCode.body)
	}

	md := adobeSend(t, s, "GET", "/api/v1/tokens/usermetadata?"+clDeviceQuery(), h, "").json(t)
	if md["data"].(map[string]any)["userID"] != authn["userId"] {
		t.Fatalf("usermetadata = %v", md)
	}

	// Logout clears the Adobe-side tokens.
	if r := adobeSend(t, s, "DELETE", "/api/v1/logout?"+clDeviceQuery(), h, ""); r.StatusCode != 204 {
		t.Fatalf("logout: %d %s", r.StatusCode, r.body)
	}
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/checkauthn?"+clDeviceQuery(), h, ""), 403, "Forbidden")
	z := wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/tokens/authz?"+clDeviceQuery("resource", "REF30"), h, ""), 412, "User not authenticated")
	if d, ok := z["details"]; !ok || d != nil {
		t.Fatalf(`want "details": null as documented, got %v`, z)
	}
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/preauthorize?"+clDeviceQuery("resource", "REF30"), h, ""), 412, "User not authenticated")
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/tokens/usermetadata?"+clDeviceQuery(), h, ""), 412, "User not authenticated")
	if r := adobeSend(t, s, "GET", "/api/v1/logout?"+clDeviceQuery(), h, ""); r.StatusCode != 405 || r.Header.Get("Allow") != "DELETE" {
		t.Fatalf("GET logout: %d", r.StatusCode)
	}
}

func TestClientlessExpiry(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	s.AddClientlessAuthn("REF30", clTestDevice, "Cablevision")
	tok := s.IssuePassToken()
	adobeSend(t, s, "GET", "/api/v1/authorize?"+clDeviceQuery("resource", "REF30"), clHeaders(tok), "")
	adobeAdvance(s, AuthzTokenTTL)
	h := clHeaders(s.IssuePassToken())
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/tokens/authz?"+clDeviceQuery("resource", "REF30"), h, ""), 410, "Gone")
	adobeAdvance(s, ProfileTTL)
	h = clHeaders(s.IssuePassToken())
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/tokens/authn?"+clDeviceQuery(), h, ""), 410, "Gone")
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/checkauthn?"+clDeviceQuery(), h, ""), 403, "Authentication token expired")
}

func TestClientlessDeviceCallsRequire(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	calls := []struct{ method, path string }{
		{"GET", "/api/v1/checkauthn"}, {"GET", "/api/v1/tokens/authn"}, {"GET", "/api/v1/authorize"},
		{"GET", "/api/v1/tokens/authz"}, {"GET", "/api/v1/tokens/media"}, {"GET", "/api/v1/preauthorize"},
		{"DELETE", "/api/v1/logout"}, {"GET", "/api/v1/tokens/usermetadata"},
	}
	for _, c := range calls {
		q := "?" + clDeviceQuery("resource", "REF30")
		t.Run(c.path, func(t *testing.T) {
			wantV1Error(t, adobeSend(t, s, c.method, c.path+q, passWith(clHeaders(tok), "Authorization", ""), ""), 401, "Unauthorized")
			wantV1Error(t, adobeSend(t, s, c.method, c.path+"?resource=x&deviceId=d", clHeaders(tok), ""), 400, "Required 'requestor' is not present")
			wantV1Error(t, adobeSend(t, s, c.method, c.path+"?resource=x&requestor=REF30", clHeaders(tok), ""), 400, "Required 'deviceId' is not present")
			wantV1Error(t, adobeSend(t, s, c.method, c.path+q, passWith(clHeaders(tok), "X-Device-Info", ""), ""), 400, "Required 'device_info' is not present")
			bad := passWith(clHeaders(tok), "X-Device-Info", base64.StdEncoding.EncodeToString([]byte("nope")))
			if r := adobeSend(t, s, c.method, c.path+q, bad, ""); r.StatusCode != 400 {
				t.Fatalf("malformed device info: %d", r.StatusCode)
			}
		})
	}
	for _, p := range []string{"/api/v1/authorize", "/api/v1/tokens/authz", "/api/v1/tokens/media"} {
		wantV1Error(t, adobeSend(t, s, "GET", p+"?"+clDeviceQuery(), clHeaders(tok), ""), 400, "Required 'resource' is not present")
	}
}

func TestClientlessFreePreview(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	s.AddMVPD("TempPass_TEST40", false)
	h := passWith(clHeaders(s.IssuePassToken()), "Content-Type", "application/x-www-form-urlencoded")
	body := "requestor_id=REF30&deviceId=" + clTestDevice + "&mso_id=TempPass_TEST40&domain_name=adobe.com"
	if r := adobeSend(t, s, "POST", "/api/v1/authenticate/freepreview", h, body); r.StatusCode != 204 {
		t.Fatalf("freepreview: %d %s", r.StatusCode, r.body)
	}
	if !s.ClientlessAuthenticated("REF30", clTestDevice) {
		t.Fatal("no TempPass authentication after freepreview")
	}
	wantV1Error(t, adobeSend(t, s, "POST", "/api/v1/authenticate/freepreview", h, strings.Replace(body, "&domain_name=adobe.com", "", 1)),
		400, "Required 'domain_name' is not present")
	wantV1Error(t, adobeSend(t, s, "POST", "/api/v1/authenticate/freepreview", h, strings.Replace(body, "TempPass_TEST40", "Nope", 1)),
		400, "Unknown mso_id")
}

func TestClientlessConfig(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	r := adobeSend(t, s, "GET", "/api/v1/config/REF30.json", nil, "")
	var cfg struct {
		Requestor string `json:"requestor"`
		MVPDs     []struct {
			ID, DisplayName string
		} `json:"mvpds"`
	}
	if err := json.Unmarshal(r.body, &cfg); err != nil || cfg.Requestor != "REF30" || len(cfg.MVPDs) != 2 || cfg.MVPDs[0].ID != "Cablevision" {
		t.Fatalf("config %+v (%v): %s", cfg, err, r.body)
	}
	x := adobeSend(t, s, "GET", "/api/v1/config/REF30", nil, "")
	if !strings.Contains(string(x.body), "<mvpds><mvpd><id>Cablevision</id>") {
		t.Fatalf("XML config: %s", x.body)
	}
	// The login web app need not send a token, but a bad one is refused.
	wantV1Error(t, adobeSend(t, s, "GET", "/api/v1/config/REF30", http.Header{"Authorization": {"Bearer nope"}, "Accept": {"application/json"}}, ""),
		401, "Unauthorized")
}

func FuzzClCheckAuthenticateQuery(f *testing.F) {
	f.Add(clAuthenticateQuery("ABCDEFG"))
	f.Add(url.Values{"reg_code": {"A"}, "redirect_url": {"https://x"}}.Encode())
	f.Add("reg_code=A&redirect_url=https://x/y")
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		if clCheckAuthenticateQuery(raw) != "" {
			return
		}
		pairs := strings.Split(raw, "&")
		if !strings.HasPrefix(pairs[0], "reg_code") || !strings.HasPrefix(pairs[len(pairs)-1], "redirect_url") {
			t.Fatalf("accepted %q", raw)
		}
		if _, err := url.ParseQuery(raw); err != nil {
			t.Fatalf("accepted unparseable %q", raw)
		}
	})
}

// FuzzClientlessAPI sends arbitrary paths through the v1 routers: answers, no panics.
func FuzzClientlessAPI(f *testing.F) {
	s := adobeTestServer(f)
	f.Add("GET", "/api/v1/tokens/authn.json", "requestor=REF30&deviceId=x")
	f.Add("POST", "/reggie/v1/REF30/regcode.xml", "deviceId=x")
	f.Add("GET", "/api/v1/authenticate", "reg_code=A&redirect_url=x")
	f.Add("GET", "/api/v1/checkauthn/%2F.json", "requestor=REF30")
	f.Fuzz(func(t *testing.T, method, path, query string) {
		if method != "GET" && method != "POST" && method != "DELETE" || !strings.HasPrefix(path, "/") {
			return // a path without its slash would run into the port number
		}
		u, err := url.Parse(s.URL() + path + "?" + query)
		if err != nil || (!strings.HasPrefix(u.Path, "/api/v1/") && !strings.HasPrefix(u.Path, "/reggie/v1/")) {
			return
		}
		req, err := http.NewRequest(method, u.String(), nil)
		if err != nil {
			return
		}
		resp, err := s.srv.Client().Transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// Only the MVPD list is public; nothing else may succeed on a fake with no logins or tokens.
		if resp.StatusCode < 300 && !strings.HasPrefix(u.Path, "/api/v1/config/") {
			t.Fatalf("%s %s?%s with no token: %d", method, u.Path, query, resp.StatusCode)
		}
	})
}
