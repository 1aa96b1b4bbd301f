package tvauthtest

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
)

// The signing examples of the WebAPI spec (§3.4): the official AOL session-key vector, and base
// strings and signatures computed independently with Python, a port of pidgin's code and openssl.
const (
	exPassword   = "test"
	exSecret     = "Olpq7NboSbO0gxym"
	exSessionKey = "pgBumyiK1xwvjLjcDLRCW7/LySPp+DUXQ3PpDU3c84w="
	exToken      = "/wEAAAAAhEha+b/c="
	exDevID      = "ma15d7JTxbmVG-RP"
	exLogoutURL  = "https://api.screenname.nina.bz/auth/logout"
	ex1Base      = "GET&https%3A%2F%2Fapi.screenname.nina.bz%2Fauth%2Flogout&a%3D%252FwEAAAAAhEha%252Bb%252Fc%253D%26devId%3Dma15d7JTxbmVG-RP%26f%3Djson"
	ex1Sig       = "uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80="
	ex1URL       = "https://api.screenname.nina.bz/auth/logout?a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json&sig_sha256=uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80%3D"
	ex2Norm      = "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&c=cb_1&devId=ma15d7JTxbmVG-RP&f=json&language=en-us&r=req%201&s=Some%20User&ts=1311369996"
	ex2Base      = "GET&https%3A%2F%2Fapi.screenname.nina.bz%2Fauth%2Flogout&a%3D%252FwEAAAAAhEha%252Bb%252Fc%253D%26c%3Dcb_1%26devId%3Dma15d7JTxbmVG-RP%26f%3Djson%26language%3Den-us%26r%3Dreq%25201%26s%3DSome%2520User%26ts%3D1311369996"
	ex2Sig       = "TI4hvkrvEFbNNvUj0+ltQNL92ZhWrboYPgNN5/hzYec="
	ex3Sig       = "Likcin9Wlrc924roNA8FyV8SXAoZfaiEJUDRgWqIFcs="
)

func TestWebAPISigningVectors(t *testing.T) {
	t.Parallel()
	if got := waSessionKey(exPassword, exSecret); got != exSessionKey {
		t.Errorf("session key = %s, want %s", got, exSessionKey)
	}
	ex1 := []waParam{{"devId", exDevID}, {"f", "json"}, {"a", exToken}}
	ex2 := append([]waParam{{"s", "Some User"}, {"r", "req 1"}, {"language", "en-us"}, {"c", "cb_1"}, {"ts", "1311369996"},
		{"sig_sha256", "ignored"}}, ex1...)
	for _, tc := range []struct {
		name, method, base, sig string
		params                  []waParam
	}{
		{"ex1 GET", "GET", ex1Base, ex1Sig, ex1},
		{"ex2 GET optional params", "GET", ex2Base, ex2Sig, ex2},
		{"ex3 POST", "POST", "POST" + strings.TrimPrefix(ex1Base, "GET"), ex3Sig, ex1},
	} {
		base := waBaseString(tc.method, waBaseURL("https", "api.screenname.nina.bz", "/auth/logout"), tc.params)
		if base != tc.base {
			t.Errorf("%s: base\n got %s\nwant %s", tc.name, base, tc.base)
		}
		if sig := waSignature(exSessionKey, base); sig != tc.sig {
			t.Errorf("%s: sig = %s, want %s", tc.name, sig, tc.sig)
		}
	}
	if got := waNormalize(ex2); got != ex2Norm {
		t.Errorf("normalized\n got %s\nwant %s", got, ex2Norm)
	}
}

func TestWebAPIBaseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ scheme, host, path, want string }{
		{"HTTPS", "API.Screenname.NINA.bz:443", "/auth/logout", "https://api.screenname.nina.bz/auth/logout"},
		{"http", "127.0.0.1:80", "/auth/logout", "http://127.0.0.1/auth/logout"},
		{"http", "127.0.0.1:8080", "/auth/logout", "http://127.0.0.1:8080/auth/logout"},
		{"https", "[::1]:8443", "/a%20b", "https://[::1]:8443/a%20b"},
		{"https", "host", "", "https://host/"},
	} {
		if got := waBaseURL(tc.scheme, tc.host, tc.path); got != tc.want {
			t.Errorf("waBaseURL(%q, %q, %q) = %q, want %q", tc.scheme, tc.host, tc.path, got, tc.want)
		}
	}
}

// seedExampleSession installs the spec examples' session (token, password, secret) directly.
func seedExampleSession(s *Server) {
	s.webapi.mu.Lock()
	defer s.webapi.mu.Unlock()
	s.webapi.sessions[exToken] = &webapiSession{loginID: "ex", password: exPassword, secret: exSecret,
		expires: time.Unix(1311369996, 0).Add(time.Hour)}
}

// The fake accepts the documented example requests byte for byte, reached under NINA's own host name.
func TestWebAPILogoutDocumentedExamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method, url, body string
		wantRID                 string
	}{
		{"ex1", "GET", ex1URL, "", ""},
		{"ex2", "GET", exLogoutURL + "?" + ex2Norm + "&sig_sha256=" + url.QueryEscape(ex2Sig), "", "req 1"},
		{"ex3", "POST", exLogoutURL, "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json&sig_sha256=" + url.QueryEscape(ex3Sig), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			s.SetClock(func() time.Time { return time.Unix(1311369996, 0) })
			seedExampleSession(s)
			hc := &http.Client{Transport: s.Transport()}
			h := http.Header{}
			if tc.body != "" {
				h.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			status, _, body := do(t, hc, tc.method, tc.url, h, tc.body)
			env := parseEnvelope(t, "json", callbackOf(tc.url), body)
			if status != 200 || env.StatusCode != 200 || env.RequestID != tc.wantRID {
				t.Fatalf("got HTTP %d %+v", status, env)
			}
			if s.WebAPISessionActive(exToken) {
				t.Error("the session survived its logout")
			}
		})
	}
}

func callbackOf(rawURL string) string {
	u, _ := url.Parse(rawURL)
	return u.Query().Get("c")
}

// envelope is a WebAPI reply read back by the test, whatever its format; data members are flattened
// with "_" as in the query-string format.
type envelope struct {
	StatusCode, StatusDetailCode int
	StatusText, RequestID        string
	Data                         map[string]string
}

func parseEnvelope(t *testing.T, format, callback, body string) envelope {
	t.Helper()
	env := envelope{Data: map[string]string{}}
	switch format {
	case "json":
		if callback != "" {
			if !strings.HasPrefix(body, callback+"(") || !strings.HasSuffix(body, ");") {
				t.Fatalf("not JSONP for %s: %s", callback, body)
			}
			body = strings.TrimSuffix(strings.TrimPrefix(body, callback+"("), ");")
		}
		var v struct {
			Response struct {
				StatusCode       int             `json:"statusCode"`
				StatusDetailCode int             `json:"statusDetailCode"`
				StatusText       string          `json:"statusText"`
				RequestID        string          `json:"requestId"`
				Data             json.RawMessage `json:"data"`
			} `json:"response"`
		}
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("JSON envelope: %v: %s", err, body)
		}
		r := v.Response
		env.StatusCode, env.StatusDetailCode, env.StatusText, env.RequestID = r.StatusCode, r.StatusDetailCode, r.StatusText, r.RequestID
		var data map[string]any
		if err := json.Unmarshal(r.Data, &data); err != nil {
			t.Fatalf("data is not an object: %s", body)
		}
		var flat func(prefix string, m map[string]any)
		flat = func(prefix string, m map[string]any) {
			for k, v := range m {
				switch v := v.(type) {
				case map[string]any:
					flat(prefix+k+"_", v)
				case string:
					env.Data[prefix+k] = v
				case float64:
					env.Data[prefix+k] = strconv.FormatFloat(v, 'f', -1, 64)
				default:
					t.Errorf("data %s%s has type %T", prefix, k, v)
				}
			}
		}
		flat("", data)
	case "xml":
		dec := xml.NewDecoder(strings.NewReader(body))
		var path []string
		var text string
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("XML envelope: %v: %s", err, body)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				if len(path) == 0 && (tok.Name.Local != "response" || tok.Name.Space != waXMLNamespace) {
					t.Fatalf("root element %v", tok.Name)
				}
				path = append(path, tok.Name.Local)
				text = ""
			case xml.CharData:
				text += string(tok)
			case xml.EndElement:
				switch name := strings.Join(path[1:], "_"); {
				case name == "statusCode":
					env.StatusCode, _ = strconv.Atoi(text)
				case name == "statusDetailCode":
					env.StatusDetailCode, _ = strconv.Atoi(text)
				case name == "statusText":
					env.StatusText = text
				case name == "requestId":
					env.RequestID = text
				case strings.HasPrefix(name, "data_") && text != "":
					env.Data[strings.TrimPrefix(name, "data_")] = text
				}
				path, text = path[:len(path)-1], ""
			}
		}
	case "qs":
		q, err := url.ParseQuery(body)
		if err != nil {
			t.Fatalf("qs envelope: %v: %s", err, body)
		}
		for k := range q {
			v := q.Get(k)
			switch k {
			case "statusCode":
				env.StatusCode, _ = strconv.Atoi(v)
			case "statusDetailCode":
				env.StatusDetailCode, _ = strconv.Atoi(v)
			case "statusText":
				env.StatusText = v
			case "requestId":
				env.RequestID = v
			default:
				env.Data[k] = v
			}
		}
	default:
		t.Fatalf("unknown format %q", format)
	}
	return env
}

var formatContentType = map[string]string{
	"json": "application/json; charset=utf-8", "jsonp": "application/javascript; charset=utf-8",
	"xml": "text/xml; charset=utf-8", "qs": "text/plain; charset=utf-8",
}

// formats are the four ways a client can ask to be answered: name, f and c.
var formats = []struct{ name, f, c string }{
	{"json", "json", ""}, {"jsonp", "json", "cb_1.x$"}, {"xml", "xml", ""}, {"qs", "qs", ""},
}

// clientLogin posts a form to the fake and returns the HTTP status, Content-Type and envelope.
func clientLogin(t *testing.T, s *Server, form url.Values) (int, string, envelope) {
	t.Helper()
	status, h, body := do(t, s.srv.Client(), "POST", s.URL()+"/auth/clientLogin",
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, form.Encode())
	return status, h.Get("Content-Type"), parseEnvelope(t, form.Get("f"), form.Get("c"), body)
}

func TestWebAPIClientLogin(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	clock := newFakeClock()
	s.SetClock(clock.Now)
	s.AddWebAPIUser("Some User", "p@ss word+1")
	for _, fm := range formats {
		t.Run(fm.name, func(t *testing.T) {
			form := url.Values{"devId": {WebAPIDevID}, "f": {fm.f}, "s": {"Some User"}, "pwd": {"p@ss word+1"}, "r": {"req 7"}}
			if fm.c != "" {
				form.Set("c", fm.c)
			}
			status, ctype, env := clientLogin(t, s, form)
			if status != 200 || ctype != formatContentType[fm.name] {
				t.Errorf("HTTP %d %s", status, ctype)
			}
			if env.StatusCode != 200 || env.StatusText != "OK" || env.StatusDetailCode != 0 || env.RequestID != "req 7" {
				t.Errorf("envelope %+v", env)
			}
			d := env.Data
			want := map[string]string{"token_expiresIn": "86400", "hostTime": strconv.FormatInt(clock.Now().Unix(), 10), "loginId": "Some User"}
			for k, v := range want {
				if d[k] != v {
					t.Errorf("data %s = %q, want %q", k, d[k], v)
				}
			}
			if len(d) != 5 || len(d["sessionSecret"]) != 16 || !strings.HasPrefix(d["token_a"], "/wEAAAAA") {
				t.Errorf("data %v", d)
			}
			if !s.WebAPISessionActive(tvauth.Secret(d["token_a"])) {
				t.Error("the issued token is not active")
			}
		})
	}
}

func TestWebAPIClientLoginChallenge(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddWebAPIUser("alice", "right")
	for _, fm := range formats {
		for name, creds := range map[string][2]string{
			"wrong password": {"alice", "wrong"}, "no password": {"alice", ""},
			"unknown user": {"bob", "right"}, "no login id": {"", "right"},
		} {
			form := url.Values{"devId": {"d"}, "f": {fm.f}, "s": {creds[0]}, "pwd": {creds[1]}}
			if fm.c != "" {
				form.Set("c", fm.c)
			}
			status, ctype, env := clientLogin(t, s, form)
			if status != 401 || ctype != formatContentType[fm.name] || env.StatusCode != 330 || env.StatusDetailCode != 3011 ||
				env.Data["challenge_info"] == "" || env.Data["challenge_context"] == "" || len(env.Data) != 2 {
				t.Errorf("%s/%s: HTTP %d %s %+v", fm.name, name, status, ctype, env)
			}
		}
	}
}

func TestWebAPIClientLoginChecks(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddWebAPIUser("alice", "pw")
	good := "devId=d&f=json&s=alice&pwd=pw"
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for _, tc := range []struct {
		name, method, query, body string
		header                    http.Header
		wantHTTP, wantCode        int
		wantData                  map[string]string
	}{
		{"GET", "GET", "", "", nil, 405, 405, nil},
		{"params in the query", "POST", good, good, form, 400, 400, nil},
		{"JSON body", "POST", "", `{"s":"alice"}`, http.Header{"Content-Type": {"application/json"}}, 400, 400, nil},
		{"no f", "POST", "", "devId=d&s=alice&pwd=pw", form, 400, 460, nil},
		{"bad f", "POST", "", "devId=d&f=html&s=alice&pwd=pw", form, 400, 462, nil},
		{"JSONP callback with script", "POST", "", good + "&c=alert(1)", form, 400, 462, nil},
		{"no devId", "POST", "", "f=json&s=alice&pwd=pw", form, 400, 460, nil},
		{"k instead of devId", "POST", "", "k=d&f=json&s=alice&pwd=pw", form, 200, 200, map[string]string{"token_expiresIn": "86400"}},
		{"bad tokenType", "POST", "", good + "&tokenType=forever", form, 400, 462, nil},
		{"tokenType seconds", "POST", "", good + "&tokenType=3600", form, 200, 200, map[string]string{"token_expiresIn": "3600"}},
		{"longterm", "POST", "", good + "&tokenType=longterm", form, 200, 200, map[string]string{"token_expiresIn": "31536000"}},
	} {
		u := s.URL() + "/auth/clientLogin"
		if tc.query != "" {
			u += "?" + tc.query
		}
		status, _, body := do(t, s.srv.Client(), tc.method, u, tc.header, tc.body)
		env := parseEnvelope(t, "json", "", body)
		if status != tc.wantHTTP || env.StatusCode != tc.wantCode {
			t.Errorf("%s: HTTP %d statusCode %d (%s), want %d/%d", tc.name, status, env.StatusCode, env.StatusText, tc.wantHTTP, tc.wantCode)
		}
		for k, v := range tc.wantData {
			if env.Data[k] != v {
				t.Errorf("%s: data %s = %q, want %q", tc.name, k, env.Data[k], v)
			}
		}
	}
}

// testEncode is the test's own RFC 3986 encoder, built differently from the fake's: Go's query
// escaping with "+" turned into "%20" (spec §3.5).
func testEncode(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// testSigned returns the canonical wire string of params signed for method and baseURL: sorted
// enc(k)=enc(v) pairs, then sig_sha256.
func testSigned(method, baseURL string, params [][2]string, sessionKey string) string {
	var pairs []string
	for _, p := range params {
		pairs = append(pairs, testEncode(p[0])+"="+testEncode(p[1]))
	}
	sort.Strings(pairs) // "=" sorts before every unreserved character, so this is name-then-value order
	norm := strings.Join(pairs, "&")
	sig := waHMAC(sessionKey, method+"&"+testEncode(baseURL)+"&"+testEncode(norm))
	return norm + "&sig_sha256=" + testEncode(sig)
}

// webapiLogin signs in through the fake and returns the token and session key.
func webapiLogin(t *testing.T, s *Server, loginID, password string) (token, key string) {
	t.Helper()
	status, _, env := clientLogin(t, s, url.Values{"devId": {"d"}, "f": {"json"}, "s": {loginID}, "pwd": {password}})
	if status != 200 {
		t.Fatalf("clientLogin: %d %+v", status, env)
	}
	return env.Data["token_a"], waHMAC(password, env.Data["sessionSecret"])
}

func TestWebAPILogout(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddWebAPIUser("alice", "pw")
	logoutURL := s.URL() + "/auth/logout"
	for _, method := range []string{"GET", "POST"} {
		for _, fm := range formats {
			t.Run(method+"/"+fm.name, func(t *testing.T) {
				token, key := webapiLogin(t, s, "alice", "pw")
				params := [][2]string{{"a", token}, {"devId", "d"}, {"f", fm.f}, {"r", "id 1"}, {"s", "alice"}, {"language", "en-us"}}
				if fm.c != "" {
					params = append(params, [2]string{"c", fm.c})
				}
				wire := testSigned(method, logoutURL, params, key)
				u, body, h := logoutURL+"?"+wire, "", http.Header(nil)
				if method == "POST" {
					u, body, h = logoutURL, wire, http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
				}
				status, rh, rb := do(t, s.srv.Client(), method, u, h, body)
				env := parseEnvelope(t, fm.f, fm.c, rb)
				if status != 200 || rh.Get("Content-Type") != formatContentType[fm.name] || env.StatusCode != 200 ||
					env.StatusText != "OK" || env.RequestID != "id 1" || len(env.Data) != 0 {
					t.Fatalf("HTTP %d %s %+v", status, rh.Get("Content-Type"), env)
				}
				if s.WebAPISessionActive(tvauth.Secret(token)) {
					t.Error("session still active after logout")
				}
				// Replaying the same signed request fails: the token is dead.
				status, _, rb = do(t, s.srv.Client(), method, u, h, body)
				if env := parseEnvelope(t, fm.f, fm.c, rb); status != 401 || env.StatusCode != 401 {
					t.Errorf("replay: HTTP %d %+v", status, env)
				}
			})
		}
	}
}

func TestWebAPILogoutRejects(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	clock := newFakeClock()
	s.SetClock(clock.Now)
	s.AddWebAPIUser("alice", "pw")
	token, key := webapiLogin(t, s, "alice", "pw")
	logoutURL := s.URL() + "/auth/logout"
	now := strconv.FormatInt(clock.Now().Unix(), 10)

	for _, fm := range formats {
		base := [][2]string{{"a", token}, {"devId", "d"}, {"f", fm.f}}
		if fm.c != "" {
			base = append(base, [2]string{"c", fm.c})
		}
		with := func(extra ...[2]string) [][2]string { return append(append([][2]string(nil), base...), extra...) }
		good := testSigned("GET", logoutURL, base, key)
		without := func(name string) string { // the signed wire minus one parameter, re-signed
			var ps [][2]string
			for _, p := range base {
				if p[0] != name {
					ps = append(ps, p)
				}
			}
			return testSigned("GET", logoutURL, ps, key)
		}
		for _, tc := range []struct {
			name, method, query, body string
			header                    http.Header
			wantHTTP, wantCode        int
			wantDetail                int
		}{
			{"bad signature", "GET", testSigned("GET", logoutURL, base, "wrong key"), "", nil, 401, 401, 0},
			{"signature of another method", "GET", testSigned("POST", logoutURL, base, key), "", nil, 401, 401, 0},
			{"signature of another URL", "GET", testSigned("GET", s.URL()+"/auth/logout2", base, key), "", nil, 401, 401, 0},
			{"tampered parameter", "GET", good + "&s=mallory", "", nil, 401, 401, 0},
			{"plus for a space", "GET", strings.Replace(testSigned("GET", logoutURL, with([2]string{"s", "A B"}), key), "%20", "+", 1), "", nil, 400, 400, 0},
			{"literal plus", "GET", good + "&x=1+1", "", nil, 400, 400, 0},
			{"unknown token", "GET", testSigned("GET", logoutURL, append([][2]string{{"a", "nope"}}, base[1:]...), key), "", nil, 401, 401, 0},
			{"no signature", "GET", strings.Split(good, "&sig_sha256=")[0], "", nil, 400, 460, 0},
			{"two signatures", "GET", good + "&sig_sha256=x", "", nil, 400, 462, 0},
			{"no devId", "GET", without("devId"), "", nil, 400, 460, 0},
			{"no token", "GET", without("a"), "", nil, 400, 460, 0},
			{"bad escape", "GET", good + "&x=%zz", "", nil, 400, 400, 0},
			{"skewed ts", "GET", testSigned("GET", logoutURL, with([2]string{"ts", "1000"}), key), "", nil, 400, 400, 1015},
			{"bad ts", "GET", testSigned("GET", logoutURL, with([2]string{"ts", "soon"}), key), "", nil, 400, 462, 0},
			{"DELETE", "DELETE", good, "", nil, 405, 405, 0},
			{"POST without form type", "POST", "", testSigned("POST", logoutURL, base, key), http.Header{"Content-Type": {"text/plain"}}, 400, 400, 0},
			{"POST signed as GET", "POST", "", good, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, 401, 401, 0},
		} {
			u := logoutURL
			if tc.query != "" {
				u += "?" + tc.query
			}
			status, h, body := do(t, s.srv.Client(), tc.method, u, tc.header, tc.body)
			env := parseEnvelope(t, fm.f, fm.c, body)
			if status != tc.wantHTTP || env.StatusCode != tc.wantCode || env.StatusDetailCode != tc.wantDetail ||
				h.Get("Content-Type") != formatContentType[fm.name] || env.StatusText == "" {
				t.Errorf("%s/%s: HTTP %d %s %+v, want %d %d/%d", fm.name, tc.name, status, h.Get("Content-Type"), env,
					tc.wantHTTP, tc.wantCode, tc.wantDetail)
			}
			if tc.wantDetail == 1015 && env.Data["ts"] != now {
				t.Errorf("%s/%s: data.ts = %q, want host time %s", fm.name, tc.name, env.Data["ts"], now)
			}
		}
	}
	if !s.WebAPISessionActive(tvauth.Secret(token)) {
		t.Error("a rejected logout ended the session")
	}
	// ts within the window is accepted (and signed like any parameter).
	q := testSigned("GET", logoutURL, [][2]string{{"a", token}, {"devId", "d"}, {"f", "json"}, {"ts", strconv.FormatInt(clock.Now().Unix()-60, 10)}}, key)
	if status, _, body := do(t, s.srv.Client(), "GET", logoutURL+"?"+q, nil, ""); status != 200 {
		t.Errorf("ts 60s behind: HTTP %d %s", status, body)
	}
}

// A bad format request is still answered, in JSON, with the documented envelope.
func TestWebAPILogoutBadFormat(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddWebAPIUser("alice", "pw")
	token, key := webapiLogin(t, s, "alice", "pw")
	q := testSigned("GET", s.URL()+"/auth/logout", [][2]string{{"a", token}, {"devId", "d"}, {"f", "yaml"}}, key)
	status, h, body := do(t, s.srv.Client(), "GET", s.URL()+"/auth/logout?"+q, nil, "")
	if env := parseEnvelope(t, "json", "", body); status != 400 || env.StatusCode != 462 || h.Get("Content-Type") != formatContentType["json"] {
		t.Errorf("HTTP %d %+v", status, env)
	}
}

func TestWebAPILogoutExpiredToken(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	clock := newFakeClock()
	s.SetClock(clock.Now)
	s.AddWebAPIUser("alice", "pw")
	status, _, env := clientLogin(t, s, url.Values{"devId": {"d"}, "f": {"json"}, "s": {"alice"}, "pwd": {"pw"}, "tokenType": {"60"}})
	if status != 200 {
		t.Fatal(status)
	}
	token, key := env.Data["token_a"], waHMAC("pw", env.Data["sessionSecret"])
	clock.Advance(61 * time.Second)
	if s.WebAPISessionActive(tvauth.Secret(token)) {
		t.Error("expired session reported active")
	}
	q := testSigned("GET", s.URL()+"/auth/logout", [][2]string{{"a", token}, {"devId", "d"}, {"f", "json"}}, key)
	if status, _, body := do(t, s.srv.Client(), "GET", s.URL()+"/auth/logout?"+q, nil, ""); status != 401 {
		t.Errorf("expired token: HTTP %d %s", status, body)
	}
}

func TestWebAPIRawSignatureCheck(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddWebAPIUser("alice", "pw")
	logoutURL := s.URL() + "/auth/logout"
	reordered := func(wire string) string { // same pairs, sig first: a re-normalising verifier accepts it
		parts := strings.Split(wire, "&")
		return strings.Join(append(parts[len(parts)-1:], parts[:len(parts)-1]...), "&")
	}
	for _, tc := range []struct {
		raw, reorder bool
		want         int
	}{
		{false, false, 200}, {false, true, 200}, {true, false, 200}, {true, true, 401},
	} {
		s.SetWebAPIRawSignatureCheck(tc.raw)
		token, key := webapiLogin(t, s, "alice", "pw")
		wire := testSigned("GET", logoutURL, [][2]string{{"a", token}, {"devId", "d"}, {"f", "json"}}, key)
		if tc.reorder {
			wire = reordered(wire)
		}
		if status, _, body := do(t, s.srv.Client(), "GET", logoutURL+"?"+wire, nil, ""); status != tc.want {
			t.Errorf("raw %v reordered %v: HTTP %d %s, want %d", tc.raw, tc.reorder, status, body, tc.want)
		}
	}
}

func TestWebAPIPercentEncodedTokens(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.SetWebAPIPercentEncodedTokens(true)
	s.AddWebAPIUser("alice", "pw")
	logoutURL := s.URL() + "/auth/logout"
	for _, decodeFirst := range []bool{false, true} {
		token, key := webapiLogin(t, s, "alice", "pw")
		if !strings.HasPrefix(token, "%2FwEAAAAA") || strings.ContainsAny(token, "/+=") {
			t.Fatalf("token %q is not percent-encoded", token)
		}
		sent := token // pidgin's way: the text as received, encoded once more on the wire
		if decodeFirst {
			sent, _ = url.PathUnescape(token) // javaclient's way: decoded first
		}
		wire := testSigned("GET", logoutURL, [][2]string{{"a", sent}, {"devId", "d"}, {"f", "json"}}, key)
		if status, _, body := do(t, s.srv.Client(), "GET", logoutURL+"?"+wire, nil, ""); status != 200 {
			t.Errorf("decodeFirst %v: HTTP %d %s", decodeFirst, status, body)
		}
		if s.WebAPISessionActive(tvauth.Secret(token)) {
			t.Errorf("decodeFirst %v: session still active", decodeFirst)
		}
	}
}

func TestWebAPIParseWire(t *testing.T) {
	t.Parallel()
	got, err := waParseWire("a=%2F%2b&&b&c=&=v&d=x%20y")
	want := []waParam{{"a", "/+"}, {"b", ""}, {"c", ""}, {"", "v"}, {"d", "x y"}}
	if err != nil || len(got) != len(want) {
		t.Fatalf("got %v, %v", got, err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("pair %d = %v, want %v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"a=%", "a=%2", "a=%zz", "%g0=1"} {
		if _, err := waParseWire(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzWebAPIParseWire: the decoder never panics, and what it decodes survives a round trip through
// the fake's encoder.
func FuzzWebAPIParseWire(f *testing.F) {
	for _, seed := range []string{strings.SplitN(ex1URL, "?", 2)[1], ex2Norm, "a=%", "=&&=", "%ZZ", "a=b=c"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ps, err := waParseWire(raw)
		if err != nil {
			return
		}
		var parts []string
		for _, p := range ps {
			parts = append(parts, waEncode(p.name)+"="+waEncode(p.value))
		}
		again, err := waParseWire(strings.Join(parts, "&"))
		if err != nil || len(again) != len(ps) {
			t.Fatalf("round trip of %q: %v %v", raw, again, err)
		}
		for i := range ps {
			if again[i] != ps[i] {
				t.Fatalf("round trip of %q: pair %d %v != %v", raw, i, again[i], ps[i])
			}
		}
	})
}

// FuzzWebAPILogout: whatever arrives, the logout handler answers a documented status with an
// envelope, and never panics.
func FuzzWebAPILogout(f *testing.F) {
	f.Add("GET", strings.SplitN(ex1URL, "?", 2)[1], "")
	f.Add("POST", "", "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=xml&sig_sha256=x")
	f.Add("GET", "f=qs&c=cb&a=1+2", "")
	f.Add("PUT", "f=json&c=(", "%")
	s := NewServer()
	defer s.Close()
	s.SetClock(func() time.Time { return time.Unix(1311369996, 0) })
	seedExampleSession(s)
	f.Fuzz(func(t *testing.T, method, query, body string) {
		if method != "GET" && method != "POST" && method != "PUT" {
			return
		}
		req, err := http.NewRequest(method, "https://api.screenname.nina.bz/auth/logout", strings.NewReader(body))
		if err != nil {
			return
		}
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := s.Transport().RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		switch resp.StatusCode {
		case 200, 400, 401, 405:
		default:
			t.Fatalf("status %d", resp.StatusCode)
		}
		if resp.Header.Get("Content-Type") == "" {
			t.Fatal("no Content-Type")
		}
	})
}

// The SDK and the fake agree on the wire: every format and method of a signed logout, with the
// fake verifying as strictly as it can (raw canonical order too). The two share no code but HMAC.
func TestWebAPISDKInterop(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.SetWebAPIRawSignatureCheck(true)
	s.AddWebAPIUser("Some User", "p@ss word+/=")
	c := s.Client()
	ctx := t.Context()
	for _, method := range []string{"GET", "POST"} {
		for _, fm := range []struct {
			format   tvauth.Format
			callback string
		}{{tvauth.FormatJSON, ""}, {tvauth.FormatJSON, "cb_1"}, {tvauth.FormatXML, ""}, {tvauth.FormatQS, ""}} {
			sess, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "Some User", Password: "p@ss word+/=",
				Format: fm.format, RequestID: "r 1"})
			if err != nil {
				t.Fatalf("%s/%s: ClientLogin: %v", method, fm.format, err)
			}
			if string(sess.SessionKey) != waSessionKey("p@ss word+/=", string(sess.SessionSecret)) || sess.ExpiresIn != WebAPIShortTerm {
				t.Errorf("%s/%s: session %+v", method, fm.format, sess)
			}
			resp, err := c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, Format: fm.format, Method: method,
				LoginID: "Some User", Language: "en-us", Callback: fm.callback, RequestID: "id 2", SendTS: method == "POST"})
			if err != nil || resp.StatusCode != 200 || resp.RequestID != "id 2" {
				t.Fatalf("%s/%s%s: Logout: %+v, %v", method, fm.format, fm.callback, resp, err)
			}
			if s.WebAPISessionActive(tvauth.Secret(string(sess.Token))) {
				t.Errorf("%s/%s: session still active", method, fm.format)
			}
			// Logging out again: the fake's 401 is the SDK's ErrUnauthorized.
			_, err = c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, Format: fm.format, Method: method, Callback: fm.callback})
			var we *tvauth.WebAPIError
			if !errors.Is(err, tvauth.ErrUnauthorized) || !errors.As(err, &we) || we.StatusCode != 401 {
				t.Errorf("%s/%s: second logout: %v", method, fm.format, err)
			}
		}
	}

	// A wrong password is the 330/3011 challenge, ErrUnauthorized to the SDK.
	_, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "Some User", Password: "wrong"})
	var we *tvauth.WebAPIError
	if !errors.Is(err, tvauth.ErrUnauthorized) || !errors.As(err, &we) || we.StatusCode != 330 || we.StatusDetailCode != 3011 ||
		we.Challenge == nil || we.Challenge.Context == "" {
		t.Errorf("wrong password: %v", err)
	}

	// A session key that does not match the token: the fake rejects the signature.
	sess, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "Some User", Password: "p@ss word+/="})
	if err != nil {
		t.Fatal(err)
	}
	forged := *sess
	forged.SessionKey = tvauth.Secret(waSessionKey("other", string(sess.SessionSecret)))
	if _, err := c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: &forged}); !errors.Is(err, tvauth.ErrUnauthorized) {
		t.Errorf("forged key: %v", err)
	}
	if !s.WebAPISessionActive(sess.Token) {
		t.Error("a forged logout ended the session")
	}
}

// Through Transport, with NINA's default https host: the fake verifies against the URL the SDK
// signed (https, no port).
func TestWebAPISDKInteropTransport(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddWebAPIUser("alice", "pw")
	c, err := tvauth.New(tvauth.WithHTTPClient(&http.Client{Transport: s.Transport()}), tvauth.WithWebAPIDevID("d"))
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.WebAPI.ClientLogin(t.Context(), tvauth.ClientLoginRequest{LoginID: "alice", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WebAPI.Logout(t.Context(), tvauth.WebAPILogoutRequest{Session: sess}); err != nil {
		t.Fatal(err)
	}
	last := s.Requests()[len(s.Requests())-1]
	if last.Host != "api.screenname.nina.bz" || last.Path != "/auth/logout" {
		t.Errorf("logout went to %s%s", last.Host, last.Path)
	}
}
