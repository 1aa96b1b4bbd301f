package tvauthtest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The fake is driven with plain net/http requests built here, never with the SDK: a bug on one side
// must not hide one on the other.

const (
	adobeTestDeviceID = "ba23d141-d715-561c-94f4-e9e4c966b1eb"
	adobeTestSP       = "REF30"
	adobeTestRedirect = "https://app.example/done?x=1"
)

// adobeTestIdentifier is Adobe's documented AP-Device-Identifier sample for adobeTestDeviceID.
const adobeTestIdentifier = "fingerprint YmEyM2QxNDEtZDcxNS01NjFjLTk0ZjQtZTllNGM5NjZiMWVi"

func adobeTestInfo() string {
	return base64.StdEncoding.EncodeToString([]byte(
		`{"primaryHardwareType":"SetTopBox","model":"STB-9","version":"2.1","manufacturer":"Acme","osName":"Linux","osVersion":"6.1","connectionType":"WiFi","displayWidth":1920,"connectionSecure":true}`))
}

// adobeTestServer is a fake with two MVPDs: Cablevision (with a logout endpoint) and Dish (without).
func adobeTestServer(t testing.TB) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	s.AddMVPD("Cablevision", true)
	s.AddMVPD("Dish", false)
	return s
}

// adobeReply is a received reply with its body read.
type adobeReply struct {
	*http.Response
	body []byte
}

func (r adobeReply) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("reply %d is not a JSON object: %v\n%s", r.StatusCode, err, r.body)
	}
	return m
}

// adobeSend sends one request without following redirects.
func adobeSend(t testing.TB, s *Server, method, target string, h http.Header, body string) adobeReply {
	t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = s.URL() + target
	}
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	hc := *s.srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return adobeReply{resp, b}
}

// passHeaders is what a well-behaved v2 client sends: a token and both device headers.
func passHeaders(token string) http.Header {
	return http.Header{
		"Authorization":        {"Bearer " + token},
		"Ap-Device-Identifier": {adobeTestIdentifier},
		"X-Device-Info":        {adobeTestInfo()},
	}
}

func passWith(h http.Header, kv ...string) http.Header {
	h = h.Clone()
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			h.Del(kv[i])
		} else {
			h.Set(kv[i], kv[i+1])
		}
	}
	return h
}

// adobeAdvance moves the fake's clock forward by d (through SetClock, as a user's test would).
func adobeAdvance(s *Server, d time.Duration) {
	offset := time.Until(s.now()) + d
	s.SetClock(func() time.Time { return time.Now().Add(offset) })
}

func wantEEC(t testing.TB, r adobeReply, status int, action, code string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status = %d, want %d\n%s", r.StatusCode, status, r.body)
	}
	m := r.json(t)
	if m["code"] != code || m["action"] != action || m["status"] != float64(status) {
		t.Fatalf("error = %v, want action %q code %q status %d", m, action, code, status)
	}
	if m["helpUrl"] == "" || m["trace"] == "" || m["message"] == "" {
		t.Fatalf("error lacks helpUrl/trace/message: %v", m)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q", ct)
	}
}

func TestPassRegisterAndToken(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	reg := adobeSend(t, s, "POST", "/o/client/register", http.Header{
		"Content-Type": {"application/json;charset=utf-8"}, "X-Device-Info": {adobeTestInfo()},
	}, `{"software_statement":"`+string(s.SoftwareStatement())+`"}`)
	if reg.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %s", reg.StatusCode, reg.body)
	}
	creds := reg.json(t)
	id, _ := creds["client_id"].(string)
	secret, _ := creds["client_secret"].(string)
	if id == "" || secret == "" || creds["scopes"].([]any)[0] != "api:client:v2" ||
		creds["grant_types"].([]any)[0] != "client_credentials" {
		t.Fatalf("credentials = %v", creds)
	}
	tok := adobeSend(t, s, "POST", "/o/client/token", http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "X-Device-Info": {adobeTestInfo()},
	}, url.Values{"client_id": {id}, "client_secret": {secret}, "grant_type": {"client_credentials"}}.Encode())
	if tok.StatusCode != http.StatusCreated {
		t.Fatalf("token: %d %s", tok.StatusCode, tok.body)
	}
	tm := tok.json(t)
	if tm["token_type"] != "bearer" || tm["expires_in"] != float64(21600) || tm["id"] == "" {
		t.Fatalf("token = %v", tm)
	}
	if created := int64(tm["created_at"].(float64)); time.Since(time.UnixMilli(created)).Abs() > time.Minute {
		t.Fatalf("created_at %d is not ms since the epoch", created)
	}
	// The token it issued opens the API.
	cfg := adobeSend(t, s, "GET", "/api/v2/REF30/configuration", passHeaders(tm["access_token"].(string)), "")
	if cfg.StatusCode != http.StatusOK {
		t.Fatalf("configuration with the issued token: %d %s", cfg.StatusCode, cfg.body)
	}
}

func TestPassRegisterRejects(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	other := NewServer()
	defer other.Close()
	good := http.Header{"Content-Type": {"application/json;charset=utf-8"}, "X-Device-Info": {adobeTestInfo()}}
	stmt := `{"software_statement":"` + string(s.SoftwareStatement()) + `"}`
	for _, tc := range []struct {
		name, method, body string
		header             http.Header
		status             int
		want, description  string
	}{
		{"another server's statement", "POST", `{"software_statement":"` + string(other.SoftwareStatement()) + `"}`, good, 400, "invalid_software_statement", "the software statement is not one this server issued"},
		{"garbage statement", "POST", `{"software_statement":"abc"}`, good, 400, "invalid_software_statement", "the software statement is not one this server issued"},
		{"no statement", "POST", `{}`, good, 400, "invalid_request", "software_statement is missing"},
		{"not JSON", "POST", `software_statement=x`, good, 400, "invalid_request", "the body is not one JSON object"},
		{"two JSON objects", "POST", string(stmt + stmt), good, 400, "invalid_request", "the body is not one JSON object"},
		{"form content type", "POST", string(stmt), passWith(good, "Content-Type", "application/x-www-form-urlencoded"), 400, "invalid_request", "Content-Type must be application/json"},
		{"latin-1 charset", "POST", string(stmt), passWith(good, "Content-Type", "application/json;charset=iso-8859-1"), 400, "invalid_request", "Content-Type must be application/json"},
		{"no X-Device-Info", "POST", string(stmt), passWith(good, "X-Device-Info", ""), 400, "invalid_request", "the X-Device-Info header is missing"},
		{"X-Device-Info not Base64", "POST", string(stmt), passWith(good, "X-Device-Info", "{}"), 400, "invalid_request", "the X-Device-Info header is invalid: not standard Base64"},
		{"relative redirect_uri", "POST", `{"software_statement":"` + string(s.SoftwareStatement()) + `","redirect_uri":"/x"}`, good, 400, "invalid_redirect_uri", "redirect_uri is not an absolute URL"},
		{"GET", "GET", "", good, 405, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := adobeSend(t, s, tc.method, "/o/client/register", tc.header, tc.body)
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", r.StatusCode, tc.status, r.body)
			}
			if tc.want != "" {
				// Adobe's OAuth shape: the error code, and why (RFC 6749 §5.2), and nothing else.
				want := map[string]any{"error": tc.want, "error_description": tc.description}
				if got := r.json(t); !reflect.DeepEqual(got, want) {
					t.Fatalf("body = %v, want %v", got, want)
				}
			}
		})
	}
	// Plain application/json, as in Adobe's own sample request, is accepted.
	if r := adobeSend(t, s, "POST", "/o/client/register", passWith(good, "Content-Type", "application/json"), string(stmt)); r.StatusCode != 201 {
		t.Fatalf("plain application/json: %d %s", r.StatusCode, r.body)
	}
}

func TestPassTokenRejects(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	reg := adobeSend(t, s, "POST", "/o/client/register", http.Header{
		"Content-Type": {"application/json"}, "X-Device-Info": {adobeTestInfo()},
	}, `{"software_statement":"`+string(s.SoftwareStatement())+`"}`).json(t)
	id, secret := reg["client_id"].(string), reg["client_secret"].(string)
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Device-Info": {adobeTestInfo()}}
	ok := "client_id=" + id + "&client_secret=" + secret + "&grant_type=client_credentials"
	for _, tc := range []struct {
		name, target, body string
		header             http.Header
		want, description  string
	}{
		{"wrong secret", "/o/client/token", "client_id=" + id + "&client_secret=nope&grant_type=client_credentials", form, "invalid_client", "no client is registered with this client_id and client_secret"},
		{"unknown client", "/o/client/token", "client_id=nobody&client_secret=" + secret + "&grant_type=client_credentials", form, "invalid_client", "no client is registered with this client_id and client_secret"},
		{"password grant", "/o/client/token", "client_id=" + id + "&client_secret=" + secret + "&grant_type=password", form, "unsupported_grant_type", "grant_type must be client_credentials"},
		{"repeated parameter", "/o/client/token", ok + "&client_id=" + id, form, "invalid_request", "the request repeats client_id"},
		{"repeated unknown parameter", "/o/client/token", ok + "&x=1&x=2", form, "invalid_request", "the request repeats a parameter"},
		{"no secret", "/o/client/token", "client_id=" + id + "&grant_type=client_credentials", form, "invalid_request", "client_secret is missing"},
		{"no grant", "/o/client/token", "client_id=" + id + "&client_secret=" + secret, form, "invalid_request", "grant_type is missing"},
		{"query and body", "/o/client/token?client_id=" + id, ok, form, "invalid_request", "the credentials are in both the body and the query: send them once, in the body"},
		{"JSON body", "/o/client/token", ok, passWith(form, "Content-Type", "application/json"), "invalid_request", "Content-Type must be application/x-www-form-urlencoded"},
		{"bad form", "/o/client/token", ok + "&%zz", form, "invalid_request", "the body is not a valid form"},
		{"no X-Device-Info", "/o/client/token", ok, passWith(form, "X-Device-Info", ""), "invalid_request", "the X-Device-Info header is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := adobeSend(t, s, "POST", tc.target, tc.header, tc.body)
			want := map[string]any{"error": tc.want, "error_description": tc.description}
			if got := r.json(t); r.StatusCode != 400 || !reflect.DeepEqual(got, want) {
				t.Fatalf("got %d %s, want 400 %v", r.StatusCode, r.body, want)
			}
			if strings.Contains(string(r.body), secret) {
				t.Fatalf("the error echoes the client secret: %s", r.body)
			}
		})
	}
	// The OpenAPI document's reading (credentials in the query, no body) is accepted too.
	if r := adobeSend(t, s, "POST", "/o/client/token?"+ok, http.Header{"X-Device-Info": {adobeTestInfo()}}, ""); r.StatusCode != 201 {
		t.Fatalf("query credentials: %d %s", r.StatusCode, r.body)
	}
}

// passEndpoints are one well-formed request per v2 endpoint that needs an access token.
func passEndpoints() []struct{ name, method, path, ctype, body string } {
	return []struct{ name, method, path, ctype, body string }{
		{"configuration", "GET", "/api/v2/REF30/configuration", "", ""},
		{"create session", "POST", "/api/v2/REF30/sessions", "application/x-www-form-urlencoded", "mvpd=Cablevision&domainName=adobe.com&redirectUrl=https%3A%2F%2Fadobe.com"},
		{"profiles", "GET", "/api/v2/REF30/profiles", "", ""},
		{"profiles by mvpd", "GET", "/api/v2/REF30/profiles/Cablevision", "", ""},
		{"authorize", "POST", "/api/v2/REF30/decisions/authorize/Cablevision", "application/json", `{"resources":["REF30"]}`},
		{"preauthorize", "POST", "/api/v2/REF30/decisions/preauthorize/Cablevision", "application/json", `{"resources":["REF30"]}`},
		{"logout", "GET", "/api/v2/REF30/logout/Cablevision?redirectUrl=https%3A%2F%2Fadobe.com", "", ""},
	}
}

func TestPassRequiresItsOwnToken(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	other := NewServer()
	defer other.Close()
	for _, ep := range passEndpoints() {
		for _, tc := range []struct{ name, auth string }{
			{"no Authorization", ""},
			{"another server's token", "Bearer " + other.IssuePassToken()},
			{"Basic scheme", "Basic " + s.IssuePassToken()},
			{"empty bearer", "Bearer "},
		} {
			t.Run(ep.name+"/"+tc.name, func(t *testing.T) {
				h := passWith(passHeaders("x"), "Authorization", tc.auth, "Content-Type", ep.ctype)
				r := adobeSend(t, s, ep.method, ep.path, h, ep.body)
				wantEEC(t, r, 401, "application-registration", "invalid_access_token_client_application")
			})
		}
	}
}

func TestPassTokenExpiry(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	get := func() adobeReply { return adobeSend(t, s, "GET", "/api/v2/REF30/profiles", passHeaders(tok), "") }
	if r := get(); r.StatusCode != 200 {
		t.Fatalf("fresh token: %d", r.StatusCode)
	}
	adobeAdvance(s, PassTokenTTL)
	wantEEC(t, get(), 401, "application-registration", "invalid_access_token_client_application")

	tok = s.IssuePassToken()
	s.ExpirePassTokens()
	wantEEC(t, get(), 401, "application-registration", "invalid_access_token_client_application")
}

func TestPassDeviceHeaders(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, ep := range passEndpoints() {
		if ep.name == "configuration" {
			continue // optional there; see TestPassOptionalDeviceHeaders
		}
		for _, tc := range []struct{ name, header, value, code string }{
			{"no identifier", "AP-Device-Identifier", "", "invalid_header_device_identifier"},
			{"raw id", "AP-Device-Identifier", adobeTestDeviceID, "invalid_header_device_identifier"},
			{"wrong type", "AP-Device-Identifier", "uuid " + b64(adobeTestDeviceID), "invalid_header_device_identifier"},
			{"not base64", "AP-Device-Identifier", "fingerprint ba23d141-d715!", "invalid_header_device_identifier"},
			{"URL-safe unpadded", "AP-Device-Identifier", "fingerprint " + base64.RawURLEncoding.EncodeToString([]byte("ab?")), "invalid_header_device_identifier"},
			{"no info", "X-Device-Info", "", "invalid_header_device_info"},
			{"info not base64", "X-Device-Info", `{"model":"x"}`, "invalid_header_device_info"},
			{"info not JSON", "X-Device-Info", b64("model=x"), "invalid_header_device_info"},
			{"info an array", "X-Device-Info", b64(`["x"]`), "invalid_header_device_info"},
			{"width a string", "X-Device-Info", b64(`{"model":"x","displayWidth":"1920"}`), "invalid_header_device_info"},
			{"secure a string", "X-Device-Info", b64(`{"model":"x","connectionSecure":"true"}`), "invalid_header_device_info"},
		} {
			t.Run(ep.name+"/"+tc.name, func(t *testing.T) {
				h := passWith(passHeaders(tok), tc.header, tc.value, "Content-Type", ep.ctype)
				wantEEC(t, adobeSend(t, s, ep.method, ep.path, h, ep.body), 400, "none", tc.code)
			})
		}
	}
}

func TestPassOptionalDeviceHeaders(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	h := http.Header{"Authorization": {"Bearer " + tok}}
	if r := adobeSend(t, s, "GET", "/api/v2/REF30/configuration/", h, ""); r.StatusCode != 200 {
		t.Fatalf("configuration without device headers (and with Adobe's trailing slash): %d %s", r.StatusCode, r.body)
	}
	bad := passWith(h, "X-Device-Info", "%%%")
	wantEEC(t, adobeSend(t, s, "GET", "/api/v2/REF30/configuration", bad, ""), 400, "none", "invalid_header_device_info")
}

func TestPassConfiguration(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	m := adobeSend(t, s, "GET", "/api/v2/REF30/configuration", passHeaders(s.IssuePassToken()), "").json(t)
	req := m["requestor"].(map[string]any)
	if req["id"] != "REF30" || m["os"] != "Linux" {
		t.Fatalf("configuration = %v", m)
	}
	var ids []string
	for _, mv := range req["mvpds"].([]any) {
		ids = append(ids, mv.(map[string]any)["id"].(string))
	}
	if strings.Join(ids, ",") != "Cablevision,Dish" {
		t.Fatalf("mvpds = %v", ids)
	}
}

func FuzzAdobeParseDeviceInfo(f *testing.F) {
	f.Add(adobeTestInfo())
	// Adobe's documented sample: pretty-printed, and missing a comma, so not JSON.
	f.Add("ewoJInByaW1hcnlIYXJkd2FyZVR5cGUiOiAiU2V0VG9wQm94IiwKCSJtb2RlbCI6ICJUViA1dGggR2VuIiwKCSJtYW51ZmFjdHVyZXIiOiAiQXBwbGUiLAoJIm9zTmFtZSI6ICJ0dk9TIgoJIm9zVmVuZG9yIjogIkFwcGxlIiwKCSJvc1ZlcnNpb24iOiAiMTEuMCIKfQ==")
	f.Add("")
	f.Add("e30=")
	f.Fuzz(func(t *testing.T, v string) {
		info, err := adobeParseDeviceInfo(v)
		if err == nil && info == nil {
			t.Fatal("nil info without an error")
		}
		if err == nil {
			for k, val := range info {
				if want := adobeDeviceInfoKind(k); want == "number" {
					if _, ok := val.(json.Number); !ok && val != nil {
						t.Fatalf("%s accepted as %T", k, val)
					}
				}
			}
		}
	})
}

func FuzzAdobeParseDeviceIdentifier(f *testing.F) {
	f.Add(adobeTestIdentifier)
	f.Add("fingerprint ")
	f.Add("fingerprint YQ")
	f.Fuzz(func(t *testing.T, v string) {
		id, err := adobeParseDeviceIdentifier(v)
		if err != nil {
			return
		}
		if want := "fingerprint " + base64.StdEncoding.EncodeToString([]byte(id)); want != v {
			t.Fatalf("accepted %q, which is not the canonical %q", v, want)
		}
	})
}

// FuzzPassAPI sends arbitrary paths and bodies through the v2 router: it must answer, never panic,
// and never answer 2xx to a request without a token.
func FuzzPassAPI(f *testing.F) {
	s := adobeTestServer(f)
	f.Add("GET", "REF30/configuration", "")
	f.Add("POST", "REF30/sessions", "mvpd=Cablevision")
	f.Add("POST", "REF30/decisions/authorize/Cablevision", `{"resources":["x"]}`)
	f.Add("GET", "authenticate/REF30/ABCDEFG", "")
	f.Add("GET", "REF30/logout/%2F", "")
	f.Fuzz(func(t *testing.T, method, path, body string) {
		switch method {
		case "GET", "POST", "DELETE", "PUT":
		default:
			return
		}
		u, err := url.Parse(s.URL() + "/api/v2/" + path)
		if err != nil || !strings.HasPrefix(u.Path, "/api/v2/") {
			return
		}
		req, err := http.NewRequest(method, u.String(), strings.NewReader(body))
		if err != nil {
			return
		}
		resp, err := s.srv.Client().Transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// 3xx: the browser endpoint's 302, or net/http cleaning a path such as "//".
		if resp.StatusCode < 300 {
			t.Fatalf("%s %s without a token: %d", method, u.Path, resp.StatusCode)
		}
	})
}
