package tvauth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ---- an independent sig_sha256 verifier, as a NINA server would run it -------------------------
//
// It shares nothing with the SDK's request builder: its own encoder (url.QueryEscape with %20), its
// own decoder, its own sort and HMAC. It checks what a normalising verifier checks (the signature over
// the decoded parameters) and what a raw-string verifier needs (the wire is already canonical: order,
// encoding, sig_sha256 last), and it refuses a '+' anywhere.

func ninaEnc(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

type ninaParam struct{ k, v string }

func ninaVerify(method, requestURL, raw, sessionKey string) (url.Values, error) {
	if raw == "" {
		return nil, errors.New("no parameters")
	}
	if strings.Contains(raw, "+") {
		return nil, errors.New("'+' on the wire")
	}
	parts := strings.Split(raw, "&")
	last := parts[len(parts)-1]
	if !strings.HasPrefix(last, "sig_sha256=") {
		return nil, errors.New("sig_sha256 is not the last parameter")
	}
	sig, err := url.PathUnescape(strings.TrimPrefix(last, "sig_sha256="))
	if err != nil {
		return nil, fmt.Errorf("sig_sha256: %v", err)
	}
	if ninaEnc(sig) != strings.TrimPrefix(last, "sig_sha256=") {
		return nil, errors.New("sig_sha256 not percent-encoded")
	}
	var got []ninaParam
	vals := url.Values{}
	for _, p := range parts[:len(parts)-1] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("pair %q has no =", p)
		}
		dk, err1 := url.PathUnescape(k)
		dv, err2 := url.PathUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("pair %q: bad escape", p)
		}
		if dk == "sig_sha256" {
			return nil, errors.New("two sig_sha256")
		}
		if ninaEnc(dk)+"="+ninaEnc(dv) != p {
			return nil, fmt.Errorf("pair %q is not RFC 3986 encoded", p)
		}
		got = append(got, ninaParam{dk, dv})
		vals.Add(dk, dv)
	}
	sorted := slices.Clone(got)
	slices.SortFunc(sorted, func(a, b ninaParam) int {
		if c := strings.Compare(ninaEnc(a.k), ninaEnc(b.k)); c != 0 {
			return c
		}
		return strings.Compare(ninaEnc(a.v), ninaEnc(b.v))
	})
	if !slices.Equal(sorted, got) {
		return nil, errors.New("parameters not in canonical order")
	}
	norm := make([]string, len(sorted))
	for i, p := range sorted {
		norm[i] = ninaEnc(p.k) + "=" + ninaEnc(p.v)
	}
	base := method + "&" + ninaEnc(requestURL) + "&" + ninaEnc(strings.Join(norm, "&"))
	mac := hmac.New(sha256.New, []byte(sessionKey))
	mac.Write([]byte(base))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(sig), []byte(want)) {
		return nil, errors.New("bad signature")
	}
	return vals, nil
}

// ninaRequest is one signed request as the fake received it.
type ninaRequest struct {
	Method string
	Raw    string // raw query (GET) or body (POST)
	Params url.Values
	Err    error // verification failure
}

// ninaRecorder verifies every request to path with sessionKey and answers with reply (or, when a
// request fails verification, with the 400 a NINA server sends).
type ninaRecorder struct {
	mu   sync.Mutex
	reqs []ninaRequest
}

func (n *ninaRecorder) all() []ninaRequest {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.reqs)
}

func ninaSigned(t *testing.T, mux *http.ServeMux, path, sessionKey string,
	reply func(w http.ResponseWriter, r *http.Request, try int, params url.Values)) *ninaRecorder {
	t.Helper()
	rec := &ninaRecorder{}
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		raw := r.URL.RawQuery
		if r.Method == http.MethodPost {
			if r.URL.RawQuery != "" {
				t.Errorf("POST with a query %q", r.URL.RawQuery)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type = %q", ct)
			}
			b, _ := io.ReadAll(r.Body)
			raw = string(b)
		}
		params, err := ninaVerify(r.Method, "http://"+strings.ToLower(r.Host)+r.URL.EscapedPath(), raw, sessionKey)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, ninaRequest{Method: r.Method, Raw: raw, Params: params, Err: err})
		try := len(rec.reqs)
		rec.mu.Unlock()
		if err != nil {
			t.Errorf("signature check failed for %s %s: %v", r.Method, raw, err)
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"response":{"statusCode":400,"statusText":%q}}`, "invalid sig_sha256")
			return
		}
		reply(w, r, try, params)
	})
	return rec
}

func webapiFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webapi", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func webapiSetup(t *testing.T, opts ...Option) (*Client, *http.ServeMux, string) {
	t.Helper()
	return setup(t, append([]Option{WithWebAPIDevID(vecDevID)}, opts...)...)
}

// testSession is a session as ClientLogin returns it, with the spec's key.
func testSession() *WebAPISession {
	return &WebAPISession{LoginID: "someuser", Token: vecToken, ExpiresIn: 24 * time.Hour, SessionSecret: vecSecret,
		SessionKey: vecSessionKey, HostTime: time.Unix(1311369996, 0), ReceivedAt: time.Now(), clock: &webapiClock{}}
}

func replyOK(w http.ResponseWriter, r *http.Request, _ int, p url.Values) {
	rid, _ := json.Marshal(p.Get("r"))
	fmt.Fprintf(w, `{"response":{"statusCode":200,"statusText":"OK","requestId":%s,"data":{}}}`, rid)
}

// ---- the verifier itself must not be vacuous --------------------------------------------------

func TestWebAPIVerifierRejectsTampering(t *testing.T) {
	t.Parallel()
	good := "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json&sig_sha256=uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80%3D"
	if _, err := ninaVerify("GET", vecLogoutURL, good, vecSessionKey); err != nil {
		t.Fatalf("spec Ex1 rejected: %v", err)
	}
	for name, raw := range map[string]string{
		"plus for space":    "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json&s=Some+User&sig_sha256=x",
		"raw + in sig":      "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json&sig_sha256=uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80=",
		"reordered":         "devId=ma15d7JTxbmVG-RP&a=%2FwEAAAAAhEha%2Bb%2Fc%3D&f=json&sig_sha256=uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80%3D",
		"lower-case hex":    "a=%2fwEAAAAAhEha%2bb%2fc%3d&devId=ma15d7JTxbmVG-RP&f=json&sig_sha256=uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80%3D",
		"changed value":     "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=xml&sig_sha256=uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80%3D",
		"sig not last":      "sig_sha256=uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80%3D&a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json",
		"added parameter":   "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json&ts=1&sig_sha256=uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80%3D",
		"no sig":            "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json",
		"over-encoded char": "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG%2DRP&f=json&sig_sha256=uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80%3D",
	} {
		if _, err := ninaVerify("GET", vecLogoutURL, raw, vecSessionKey); err == nil {
			t.Errorf("%s: accepted %q", name, raw)
		}
	}
	if _, err := ninaVerify("POST", vecLogoutURL, good, vecSessionKey); err == nil {
		t.Error("GET signature accepted for POST")
	}
}

// ---- clientLogin ------------------------------------------------------------------------------

func TestWebAPIClientLoginReplyFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture, contentType string
		format               Format
		unescape             bool
		want                 WebAPISession
	}{
		{"clientlogin_ok_oos.json", "application/json", FormatJSON, false, WebAPISession{LoginID: "alice",
			Token: "bWFkZS11cC10b2tlbi1mb3ItdGVzdHMtb25seQ", ExpiresIn: 86400 * time.Second,
			SessionSecret: "q0vGZ5yJ3H0bNn6m2E4x1rT8sWcKpLd9aUfVjXiYoRk", HostTime: time.Unix(1311369996, 0)}},
		{"clientlogin_ok_aol.xml", "text/xml", FormatXML, false, WebAPISession{LoginID: "someuser",
			Token: "%2FwEAAAAAhEha%2Bb%2Fc%3D", ExpiresIn: 86400 * time.Second, SessionSecret: "3m8sKw4puJVVE5Nb",
			HostTime: time.Unix(1311369996, 0)}},
		{"clientlogin_ok_aol.xml", "text/xml", FormatXML, true, WebAPISession{LoginID: "someuser",
			Token: vecToken, ExpiresIn: 86400 * time.Second, SessionSecret: "3m8sKw4puJVVE5Nb",
			HostTime: time.Unix(1311369996, 0)}},
		{"clientlogin_ok.qs", "text/plain", FormatQS, false, WebAPISession{LoginID: "someuser",
			Token: vecToken, ExpiresIn: 1209600 * time.Second, SessionSecret: "7dk4E65PvLSalhge",
			HostTime: time.Unix(1311369996, 0)}},
		{"clientlogin_ok_jsonp.js", "application/javascript", FormatJSON, false, WebAPISession{LoginID: "alice",
			Token: vecToken, ExpiresIn: 86400 * time.Second, SessionSecret: vecSecret, HostTime: time.Unix(1311369996, 0)}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/unescape=%v", tt.fixture, tt.unescape), func(t *testing.T) {
			t.Parallel()
			c, mux, _ := webapiSetup(t)
			mux.HandleFunc("/auth/clientLogin", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, "POST")
				testHeader(t, r, "Content-Type", "application/x-www-form-urlencoded")
				if r.URL.RawQuery != "" {
					t.Errorf("clientLogin sent a query %q: every parameter belongs in the body", r.URL.RawQuery)
				}
				testBody(t, r, "devId=ma15d7JTxbmVG-RP&f="+string(tt.format)+"&s=someuser&pwd=test")
				w.Header().Set("Content-Type", tt.contentType)
				w.Write(webapiFixture(t, tt.fixture))
			})
			before := time.Now()
			sess, err := c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{
				LoginID: "someuser", Password: vecPassword, Format: tt.format, UnescapeToken: tt.unescape})
			if err != nil {
				t.Fatal(err)
			}
			if sess.LoginID != tt.want.LoginID || sess.Token != tt.want.Token || sess.ExpiresIn != tt.want.ExpiresIn ||
				sess.SessionSecret != tt.want.SessionSecret || !sess.HostTime.Equal(tt.want.HostTime) {
				t.Errorf("session = %+v\nwant      %+v", *sess, tt.want)
			}
			if want := SessionKey(vecPassword, tt.want.SessionSecret); sess.SessionKey != want {
				t.Errorf("SessionKey = %q, want %q", sess.SessionKey, want)
			}
			if sess.ReceivedAt.Before(before) || sess.ReceivedAt.After(time.Now()) {
				t.Errorf("ReceivedAt %v is not the arrival time", sess.ReceivedAt)
			}
		})
	}
}

func TestWebAPIClientLoginWireAllFields(t *testing.T) {
	t.Parallel()
	c, mux, _ := webapiSetup(t)
	mux.HandleFunc("/auth/clientLogin", func(w http.ResponseWriter, r *http.Request) {
		testBody(t, r, "devId=ma15d7JTxbmVG-RP&f=xml&s=Some%20User%40example.com&pwd=p%2Bw%20d%26%3D%C3%A9"+
			"&tokenType=longterm&language=en-us&clientName=Acme%20TV&clientVersion=1.2.3&r=req%201"+
			"&context=jT9m2LkQ0pXw8ZsA&word=x7%20Kq&securid=123456")
		w.Write(webapiFixture(t, "clientlogin_ok_aol.xml"))
	})
	_, err := c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{
		LoginID: "Some User@example.com", Password: "p+w d&=é", TokenType: "longterm", Language: "en-us",
		ClientName: "Acme TV", ClientVersion: "1.2.3", RequestID: "req 1", Format: FormatXML,
		Context: "jT9m2LkQ0pXw8ZsA", CaptchaWord: "x7 Kq", SecurID: "123456",
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWebAPIClientLoginJSONP: Callback goes on the wire as c (after clientVersion, before r), the
// Accept header asks for JavaScript, and the JSONP reply is unwrapped.
func TestWebAPIClientLoginJSONP(t *testing.T) {
	t.Parallel()
	c, mux, _ := webapiSetup(t)
	mux.HandleFunc("/auth/clientLogin", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testHeader(t, r, "Accept", "application/javascript, application/json;q=0.9")
		testBody(t, r, "devId=ma15d7JTxbmVG-RP&f=json&s=alice&pwd=test&clientVersion=2.0&c=cb1&r=req-7")
		w.Header().Set("Content-Type", "application/javascript")
		w.Write(webapiFixture(t, "clientlogin_ok_jsonp.js"))
	})
	sess, err := c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{LoginID: "alice", Password: vecPassword,
		ClientVersion: "2.0", Callback: "cb1", RequestID: "req-7"})
	if err != nil {
		t.Fatal(err)
	}
	if sess.LoginID != "alice" || sess.Token != vecToken || sess.SessionKey != SessionKey(vecPassword, vecSecret) {
		t.Errorf("session = %+v", *sess)
	}
}

func TestWebAPIClientLoginChallenges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture        string
		httpStatus     int
		status, detail int
		text           string
		challenge      *Challenge
		unauthorized   bool
	}{
		{"clientlogin_captcha_required.xml", 200, 330, 3015, "Captcha Required/Invalid",
			&Challenge{Info: "Type the characters you see in the picture.", Context: "jT9m2LkQ0pXw8ZsA",
				URL: "https://api.screenname.nina.bz/auth/getCaptcha"}, false},
		{"clientlogin_captcha_required.xml", 401, 330, 3015, "Captcha Required/Invalid",
			&Challenge{Info: "Type the characters you see in the picture.", Context: "jT9m2LkQ0pXw8ZsA",
				URL: "https://api.screenname.nina.bz/auth/getCaptcha"}, false},
		{"clientlogin_password_invalid.json", 200, 330, 3011, "Password/LoginId Required/Invalid",
			&Challenge{Info: "Enter your password", Context: "Xq1w2e3r4t5y6u7i"}, true},
		{"clientlogin_password_invalid.json", 401, 330, 3011, "Password/LoginId Required/Invalid",
			&Challenge{Info: "Enter your password", Context: "Xq1w2e3r4t5y6u7i"}, true},
		{"clientlogin_not_allowed.xml", 200, 401, 3019, "Authentication Not Allowed", nil, true},
		{"clientlogin_missing_password_oos.json", 400, 400, 0, "username and password required", nil, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/HTTP%d", tt.fixture, tt.httpStatus), func(t *testing.T) {
			t.Parallel()
			c, mux, _ := webapiSetup(t)
			mux.HandleFunc("/auth/clientLogin", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.httpStatus)
				w.Write(webapiFixture(t, tt.fixture))
			})
			sess, err := c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{LoginID: "someuser", Password: "wrong"})
			var we *WebAPIError
			if sess != nil || !errors.As(err, &we) {
				t.Fatalf("ClientLogin = %v, %v; want *WebAPIError", sess, err)
			}
			if we.HTTPStatus != tt.httpStatus || we.StatusCode != tt.status || we.StatusDetailCode != tt.detail || we.StatusText != tt.text {
				t.Errorf("error = %+v", *we)
			}
			if (we.Challenge == nil) != (tt.challenge == nil) || we.Challenge != nil && *we.Challenge != *tt.challenge {
				t.Errorf("Challenge = %+v, want %+v", we.Challenge, tt.challenge)
			}
			if errors.Is(err, ErrUnauthorized) != tt.unauthorized {
				t.Errorf("errors.Is(err, ErrUnauthorized) = %v, want %v", !tt.unauthorized, tt.unauthorized)
			}
			if errors.Is(err, ErrRateLimited) {
				t.Error("a challenge matched ErrRateLimited")
			}
		})
	}
}

// A captcha challenge answered with the context and the word, as the challenge asks.
func TestWebAPIClientLoginAnswerChallenge(t *testing.T) {
	t.Parallel()
	c, mux, _ := webapiSetup(t)
	var bodies []string
	mux.HandleFunc("/auth/clientLogin", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if len(bodies) == 1 {
			w.Write(webapiFixture(t, "clientlogin_captcha_required.xml"))
			return
		}
		w.Write(webapiFixture(t, "clientlogin_ok_aol.xml"))
	})
	req := ClientLoginRequest{LoginID: "someuser", Password: "test", Format: FormatXML}
	_, err := c.WebAPI.ClientLogin(context.Background(), req)
	var we *WebAPIError
	if !errors.As(err, &we) || we.Challenge == nil {
		t.Fatalf("err = %v, want a challenge", err)
	}
	req.Context, req.CaptchaWord = we.Challenge.Context, "x7Kq"
	sess, err := c.WebAPI.ClientLogin(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if sess.SessionSecret != "3m8sKw4puJVVE5Nb" {
		t.Errorf("session = %v", sess)
	}
	if want := "devId=ma15d7JTxbmVG-RP&f=xml&s=someuser&pwd=test&context=jT9m2LkQ0pXw8ZsA&word=x7Kq"; bodies[1] != want {
		t.Errorf("answer body = %q, want %q", bodies[1], want)
	}
}

// A SecurID next-code answer carries no password, so the SDK cannot derive the session key.
func TestWebAPIClientLoginWithoutPassword(t *testing.T) {
	t.Parallel()
	c, mux, _ := webapiSetup(t)
	mux.HandleFunc("/auth/clientLogin", func(w http.ResponseWriter, r *http.Request) {
		testBody(t, r, "devId=ma15d7JTxbmVG-RP&f=json&s=someuser&context=ctx-1&securid=654321")
		w.Write(webapiFixture(t, "clientlogin_ok_jsonp.js"))
	})
	sess, err := c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{LoginID: "someuser", Context: "ctx-1", SecurID: "654321"})
	if err != nil {
		t.Fatal(err)
	}
	if sess.SessionKey != "" || sess.SessionSecret != vecSecret {
		t.Errorf("session = %+v", *sess)
	}
	if _, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: sess}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("Logout without a key: %v", err)
	}
}

func TestWebAPIClientLoginValidation(t *testing.T) {
	t.Parallel()
	c, _, _ := webapiSetup(t) // no handler: any request fails the test
	tests := []struct {
		req   ClientLoginRequest
		field string
	}{
		{ClientLoginRequest{Password: "x"}, "LoginID"},
		{ClientLoginRequest{LoginID: "  ", Password: "x"}, "LoginID"},
		{ClientLoginRequest{LoginID: "u"}, "Password"},
		{ClientLoginRequest{LoginID: "u", Password: "x", TokenType: "forever"}, "TokenType"},
		{ClientLoginRequest{LoginID: "u", Password: "x", TokenType: "-5"}, "TokenType"},
		{ClientLoginRequest{LoginID: "u", Password: "x", Language: "en us"}, "Language"},
		{ClientLoginRequest{LoginID: "u", Password: "x", Language: "en-"}, "Language"},
		{ClientLoginRequest{LoginID: "u", Password: "x", Format: "html"}, "Format"},
		{ClientLoginRequest{LoginID: "u", Password: "x", Format: FormatXML, Callback: "cb"}, "Callback"},
		{ClientLoginRequest{LoginID: "u", Password: "x", Callback: "1cb"}, "Callback"},
		{ClientLoginRequest{LoginID: "u", Password: "x", Callback: "cb();alert"}, "Callback"},
	}
	for _, tt := range tests {
		_, err := c.WebAPI.ClientLogin(context.Background(), tt.req)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%+v: err = %v, want *ValidationError{Field: %q}", tt.req, err, tt.field)
		}
	}
	// Valid edge cases pass validation and are sent.
	ok, mux, _ := webapiSetup(t)
	var sent atomic.Int32
	mux.HandleFunc("/auth/clientLogin", func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		io.WriteString(w, `{"response":{"statusCode":200,"data":{"sessionSecret":"s3cr3t","token":{"a":"abc","expiresIn":60}}}}`)
	})
	valid := []ClientLoginRequest{
		{LoginID: "u", Password: "x", TokenType: "3600"},
		{LoginID: "u", Context: "ctx", SecurID: "123456"},
		{LoginID: "u", Password: "x", Language: "pt-BR"},
	}
	for _, req := range valid {
		if _, err := ok.WebAPI.ClientLogin(context.Background(), req); err != nil {
			t.Errorf("%+v: err = %v", req, err)
		}
	}
	if n := sent.Load(); n != int32(len(valid)) {
		t.Errorf("%d requests sent, want %d", n, len(valid))
	}
}

func TestWebAPIClientLoginBrokenReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		status     int
		wantDecode bool // *DecodeError; otherwise *WebAPIError with only HTTPStatus
	}{
		{"HTML page with 200", "<!DOCTYPE html><html><body>Maintenance</body></html>", 200, true},
		{"HTML page with 404", "<html><body>Not Found</body></html>", 404, false},
		{"empty 200", "", 200, true},
		{"truncated JSON", `{"response":{"statusCode":200,"data":{"token":{"a":"x"`, 200, true},
		{"statusCode not a number", `{"response":{"statusCode":"OK"}}`, 200, true},
		{"statusCode an object", `{"response":{"statusCode":{"v":200}}}`, 200, true},
		{"no token", `{"response":{"statusCode":200,"data":{"sessionSecret":"abc"}}}`, 200, true},
		{"no sessionSecret", `{"response":{"statusCode":200,"data":{"token":{"a":"abc"}}}}`, 200, true},
		{"expiresIn not a number", `{"response":{"statusCode":200,"data":{"sessionSecret":"s3cr3t","token":{"a":"abc","expiresIn":"soon"}}}}`, 200, true},
		{"expiresIn overflows a Duration", `{"response":{"statusCode":200,"data":{"sessionSecret":"s3cr3t","token":{"a":"abc","expiresIn":9223372036854775807}}}}`, 200, true},
		{"expiresIn past 32 bits", `{"response":{"statusCode":200,"data":{"sessionSecret":"s3cr3t","token":{"a":"abc","expiresIn":"20000000000"}}}}`, 200, true},
		{"hostTime not a time", `{"response":{"statusCode":200,"data":{"sessionSecret":"s3cr3t","hostTime":"noon","token":{"a":"abc"}}}}`, 200, true},
		{"JSON array", `[1,2,3]`, 200, true},
		{"plain text", "Service temporarily unavailable", 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := webapiSetup(t)
			mux.HandleFunc("/auth/clientLogin", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			sess, err := c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{LoginID: "u", Password: "pw-secret"})
			if sess != nil {
				t.Fatalf("session from a broken reply: %v", sess)
			}
			var de *DecodeError
			var we *WebAPIError
			switch {
			case tt.wantDecode && !errors.As(err, &de):
				t.Fatalf("err = %T %v, want *DecodeError", err, err)
			case !tt.wantDecode && (!errors.As(err, &we) || we.HTTPStatus != tt.status || we.StatusCode != 0):
				t.Fatalf("err = %T %v, want *WebAPIError{HTTPStatus: %d}", err, err, tt.status)
			}
			if strings.Contains(err.Error(), "pw-secret") {
				t.Errorf("password in %q", err)
			}
		})
	}
}

func TestWebAPINotConfigured(t *testing.T) {
	t.Parallel()
	c, _, _ := setup(t) // no WithWebAPIDevID
	_, err := c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{LoginID: "u", Password: "p"})
	if !errors.Is(err, ErrNotConfigured) || !strings.Contains(err.Error(), "WithWebAPIDevID") {
		t.Errorf("ClientLogin err = %v, want ErrNotConfigured naming WithWebAPIDevID", err)
	}
	_, err = c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession()})
	if !errors.Is(err, ErrNotConfigured) {
		t.Errorf("Logout err = %v, want ErrNotConfigured", err)
	}
}

// ---- logout -----------------------------------------------------------------------------------

func TestWebAPILogoutWire(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			c, mux, srvURL := webapiSetup(t)
			rec := ninaSigned(t, mux, "/auth/logout", vecSessionKey, replyOK)
			res, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession(), Method: method})
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 200 || res.StatusText != "OK" {
				t.Errorf("response = %+v", res)
			}
			reqs := rec.all()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			// Ex1's parameters, signed for this server's URL: exactly a, devId, f and sig_sha256, no ts.
			want, err := Sign(method, srvURL+"/auth/logout", url.Values{"a": {vecToken}, "devId": {vecDevID}, "f": {"json"}}, vecSessionKey)
			if err != nil {
				t.Fatal(err)
			}
			if wire := "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json&sig_sha256=" + ninaEnc(want); reqs[0].Raw != wire {
				t.Errorf("wire = %q\nwant   %q", reqs[0].Raw, wire)
			}
			if reqs[0].Method != method {
				t.Errorf("method = %s", reqs[0].Method)
			}
		})
	}
}

func TestWebAPILogoutOptionalParams(t *testing.T) {
	t.Parallel()
	c, mux, _ := webapiSetup(t)
	rec := ninaSigned(t, mux, "/auth/logout", vecSessionKey, func(w http.ResponseWriter, r *http.Request, _ int, p url.Values) {
		w.Header().Set("Content-Type", "application/javascript")
		fmt.Fprintf(w, `%s({"response":{"statusCode":200,"statusText":"OK","requestId":%q,"data":{}}});`, p.Get("c"), p.Get("r"))
	})
	res, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession(), Method: "get",
		LoginID: "Some User", Language: "en-us", Callback: "cb_1", RequestID: "req 1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.RequestID != "req 1" {
		t.Errorf("RequestID = %q", res.RequestID)
	}
	reqs := rec.all()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	raw := reqs[0].Raw
	if wantPrefix := "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&c=cb_1&devId=ma15d7JTxbmVG-RP&f=json&language=en-us&r=req%201&s=Some%20User&sig_sha256="; !strings.HasPrefix(raw, wantPrefix) {
		t.Errorf("wire = %q\nwant   %q…", raw, wantPrefix)
	}
}

// Randomised values with every awkward character, through Logout and through Session.Sign for a
// method the SDK does not wrap, GET and POST, re-verified from the raw bytes by the fake.
func TestWebAPISignedRandomised(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 1015))
	alphabet := []string{" ", "+", "&", "=", "/", "%", "%2B", "é", "日本", "~", "-", ".", "_", "?", "#", ";", ":", "@",
		"*", "'", "\u3000", "\u00a0", "a", "Z", "9", "sig_sha256"}
	random := func(min int) string {
		var b strings.Builder
		for n := min + rng.IntN(10); n > 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			key := SessionKey(Secret(random(1)), Secret(random(1)))
			c, mux, srvURL := webapiSetup(t)
			rec := ninaSigned(t, mux, "/auth/logout", string(key), replyOK)
			ninaSigned(t, mux, "/auth/getInfo", string(key), replyOK)
			for i := 0; i < 40; i++ {
				sess := &WebAPISession{Token: Secret(random(1)), SessionKey: key, HostTime: time.Unix(1311369996, 0), ReceivedAt: time.Now()}
				req := WebAPILogoutRequest{Session: sess, Method: method, LoginID: random(0), RequestID: random(0), SendTS: i%2 == 0}
				res, err := c.WebAPI.Logout(context.Background(), req)
				if err != nil {
					t.Fatalf("Logout(%+v): %v", req, err)
				}
				if res.RequestID != req.RequestID {
					t.Errorf("RequestID = %q, want %q", res.RequestID, req.RequestID)
				}
				all := rec.all()
				if len(all) != i+1 {
					t.Fatalf("%d requests, want %d", len(all), i+1)
				}
				got := all[i].Params
				if got.Get("a") != string(sess.Token) || got.Get("s") != req.LoginID || got.Get("r") != req.RequestID || got.Has("ts") != req.SendTS {
					t.Errorf("server decoded %q for %+v", got, req)
				}

				// A method the SDK does not wrap, signed by the user with Session.Sign.
				params := url.Values{"devId": {vecDevID}, "f": {"json"}, "ts": {sess.TS()}, random(1): {random(0), random(0)}, "x": {random(0)}}
				signed, err := sess.Sign(method, srvURL+"/auth/getInfo", params)
				if err != nil {
					t.Fatal(err)
				}
				var resp *http.Response
				if method == "GET" {
					resp, err = http.Get(srvURL + "/auth/getInfo?" + signed)
				} else {
					resp, err = http.Post(srvURL+"/auth/getInfo", "application/x-www-form-urlencoded", strings.NewReader(signed))
				}
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("getInfo signed by Session.Sign rejected (%d): %s", resp.StatusCode, signed)
				}
			}
		})
	}
}

func TestWebAPILogoutReplyFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture  string
		format   Format
		callback string
	}{
		{"logout_ok.json", FormatJSON, ""},
		{"logout_ok_string_codes.json", FormatJSON, ""},
		{"logout_ok.xml", FormatXML, ""},
		{"logout_ok.qs", FormatQS, ""},
		{"logout_ok_jsonp.js", FormatJSON, "cb_1"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := webapiSetup(t)
			ninaSigned(t, mux, "/auth/logout", vecSessionKey, func(w http.ResponseWriter, r *http.Request, _ int, p url.Values) {
				if p.Get("f") != string(tt.format) || p.Get("c") != tt.callback {
					t.Errorf("f=%q c=%q, want %q %q", p.Get("f"), p.Get("c"), tt.format, tt.callback)
				}
				w.Write(webapiFixture(t, tt.fixture))
			})
			res, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession(), Format: tt.format,
				Callback: tt.callback, RequestID: "req 1"})
			if err != nil {
				t.Fatal(err)
			}
			want := &WebAPIResponse{StatusCode: 200, StatusText: "OK", RequestID: "req 1"}
			if tt.fixture == "logout_ok.json" {
				want.RequestID = ""
			}
			if *res != *want {
				t.Errorf("response = %+v, want %+v", res, want)
			}
		})
	}
}

// Every documented status family, in every format, with HTTP 200 and with a matching HTTP status:
// the body's statusCode decides.
func TestWebAPILogoutStatusFamilies(t *testing.T) {
	t.Parallel()
	type family struct {
		code                    int
		unauthorized, ratelimit bool
	}
	families := []family{
		{304, false, false}, {330, false, false}, {400, false, false}, {401, true, false}, {405, false, false},
		{408, false, false}, {430, false, true}, {440, true, false}, {441, true, true}, {442, true, false},
		{443, true, false}, {444, true, false}, {460, false, false}, {461, false, false}, {462, false, false},
		{500, false, false}, {607, false, true},
	}
	render := map[string]func(code int) string{
		"json": func(code int) string {
			return fmt.Sprintf(`{"response":{"statusCode":%d,"statusText":"Status %d","statusDetailCode":77,"requestId":"r1","data":{}}}`, code, code)
		},
		"json-string": func(code int) string {
			return fmt.Sprintf(`{"response":{"statusCode":"%d","statusText":"Status %d","statusDetailCode":"77","requestId":"r1"}}`, code, code)
		},
		"jsonp": func(code int) string {
			return fmt.Sprintf(`cb({"response":{"statusCode":%d,"statusText":"Status %d","statusDetailCode":77,"requestId":"r1"}});`, code, code)
		},
		"xml": func(code int) string {
			return fmt.Sprintf("<response xmlns=\"https://api.login.aol.com\">\n <statusCode> %d </statusCode>\n <statusText>\n  Status %d\n </statusText><statusDetailCode>77</statusDetailCode><requestId>r1</requestId><data/></response>", code, code)
		},
		"qs": func(code int) string {
			return fmt.Sprintf("statusCode=%d&statusText=Status+%d&statusDetailCode=77&requestId=r1", code, code)
		},
	}
	c, mux, _ := webapiSetup(t, WithRetry(RetryPolicy{})) // no pipeline retries: one reply per call
	var mu sync.Mutex
	var nextBody string
	var nextStatus int
	ninaSigned(t, mux, "/auth/logout", vecSessionKey, func(w http.ResponseWriter, r *http.Request, _ int, p url.Values) {
		mu.Lock()
		defer mu.Unlock()
		w.WriteHeader(nextStatus)
		io.WriteString(w, nextBody)
	})
	for _, f := range families {
		for name, body := range render {
			for _, httpStatus := range []int{200, f.code} {
				if httpStatus >= 500 || httpStatus == 304 || httpStatus == 330 || httpStatus > 599 {
					httpStatus = 200 // 5xx would be retried, 304 has no body, 330/607 are not HTTP statuses
				}
				mu.Lock()
				nextBody, nextStatus = body(f.code), httpStatus
				mu.Unlock()
				_, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession(), RequestID: "r1"})
				var we *WebAPIError
				if !errors.As(err, &we) {
					t.Errorf("%d/%s/HTTP %d: err = %v, want *WebAPIError", f.code, name, httpStatus, err)
					continue
				}
				want := WebAPIError{HTTPStatus: httpStatus, StatusCode: f.code, StatusDetailCode: 77,
					StatusText: fmt.Sprintf("Status %d", f.code), RequestID: "r1"}
				if got := webapiFields(we); got != want {
					t.Errorf("%d/%s/HTTP %d: %+v, want %+v", f.code, name, httpStatus, got, want)
				}
				if errors.Is(err, ErrUnauthorized) != f.unauthorized || errors.Is(err, ErrRateLimited) != f.ratelimit {
					t.Errorf("%d/%s: Is(ErrUnauthorized)=%v Is(ErrRateLimited)=%v, want %v %v", f.code, name,
						errors.Is(err, ErrUnauthorized), errors.Is(err, ErrRateLimited), f.unauthorized, f.ratelimit)
				}
			}
		}
	}
}

func TestWebAPILogoutErrorFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture                 string
		status                  int
		unauthorized, ratelimit bool
	}{
		{"logout_invalid_key.xml", 440, true, false},
		{"logout_source_rate_limited.qs", 430, false, true},
		{"wim_rate_limit_reached.xml", 607, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := webapiSetup(t)
			ninaSigned(t, mux, "/auth/logout", vecSessionKey, func(w http.ResponseWriter, r *http.Request, _ int, p url.Values) {
				w.Write(webapiFixture(t, tt.fixture))
			})
			_, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession()})
			var we *WebAPIError
			if !errors.As(err, &we) || we.StatusCode != tt.status || we.StatusText == "" {
				t.Fatalf("err = %v", err)
			}
			if errors.Is(err, ErrUnauthorized) != tt.unauthorized || errors.Is(err, ErrRateLimited) != tt.ratelimit {
				t.Errorf("Is mismatch for %v", err)
			}
		})
	}
}

// noBackoff retries nothing for the policy and would wait an hour if it did: the 1015 resend and the
// Pass token refetch happen all the same, at once (a backoff slept would hang the test).
var noBackoff = WithRetry(RetryPolicy{MaxRetries: 0, MinWait: time.Hour, MaxWait: time.Hour})

// A 400/1015 reply resynchronises the session clock from data.ts and the call is sent once more, with a
// signed ts taken from the server's clock, at once and whatever the retry budget.
func TestWebAPILogoutInvalidTSResync(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := webapiSetup(t, noBackoff)
			rec := ninaSigned(t, mux, "/auth/logout", vecSessionKey, func(w http.ResponseWriter, r *http.Request, try int, p url.Values) {
				if try == 1 {
					w.WriteHeader(http.StatusBadRequest)
					w.Write(webapiFixture(t, "logout_invalid_ts.json"))
					return
				}
				replyOK(w, r, try, p)
			})
			sess := testSession()
			sess.HostTime = time.Unix(1000000000, 0) // badly skewed
			if err := callWithin(t, func() error {
				_, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: sess, Method: method})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			reqs := rec.all()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			if reqs[0].Params.Has("ts") {
				t.Error("first logout sent ts")
			}
			ts, _ := strconv.ParseInt(reqs[1].Params.Get("ts"), 10, 64)
			if ts < 1311370296 || ts > 1311370296+5 {
				t.Errorf("retry ts = %q, want the server's data.ts 1311370296", reqs[1].Params.Get("ts"))
			}
			if d := sess.HostNow().Sub(time.Unix(1311370296, 0)); d < 0 || d > 5*time.Second {
				t.Errorf("session clock not resynchronised: HostNow off by %v", d)
			}
		})
	}
}

// Only one resynchronising retry: a second 1015 is the caller's error.
func TestWebAPILogoutInvalidTSOnce(t *testing.T) {
	t.Parallel()
	c, mux, _ := webapiSetup(t, noBackoff)
	rec := ninaSigned(t, mux, "/auth/logout", vecSessionKey, func(w http.ResponseWriter, r *http.Request, _ int, _ url.Values) {
		w.Write(webapiFixture(t, "logout_invalid_ts.json"))
	})
	// A hand-built session has no shared clock: the retry uses data.ts without mutating the session.
	sess := &WebAPISession{Token: vecToken, SessionKey: vecSessionKey}
	err := callWithin(t, func() error {
		_, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: sess, SendTS: true})
		return err
	})
	var we *WebAPIError
	if !errors.As(err, &we) || we.StatusCode != 400 || we.StatusDetailCode != 1015 {
		t.Fatalf("err = %v, want 400/1015", err)
	}
	if n := len(rec.all()); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
	if sess.clock != nil || !sess.HostTime.IsZero() {
		t.Errorf("hand-built session mutated: %+v", sess)
	}
	if ts := rec.all()[1].Params.Get("ts"); ts < "1311370296" || len(ts) != 10 {
		t.Errorf("retry ts = %q", ts)
	}
}

// The resend is one retry of the one loop: it does not draw on MaxRetries, before or after the
// policy's retries, and every attempt after it carries a freshly signed ts (the verifier checks each).
func TestWebAPIResendAndRetriesShareTheLoop(t *testing.T) {
	t.Parallel()
	policy := WithRetry(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond})
	for _, tt := range []struct {
		name    string
		replies []int // per request: 1015, 503 or 200
	}{
		{"resend then a retry", []int{1015, 503, 200}},
		{"a retry then the resend", []int{503, 1015, 200}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := webapiSetup(t, policy)
			rec := ninaSigned(t, mux, "/auth/logout", vecSessionKey, func(w http.ResponseWriter, r *http.Request, try int, p url.Values) {
				switch tt.replies[min(try, len(tt.replies))-1] {
				case 1015:
					w.Write(webapiFixture(t, "logout_invalid_ts.json"))
				case 503:
					w.WriteHeader(http.StatusServiceUnavailable)
				default:
					replyOK(w, r, try, p)
				}
			})
			if _, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession()}); err != nil {
				t.Fatal(err)
			}
			reqs := rec.all()
			if len(reqs) != len(tt.replies) {
				t.Fatalf("%d requests, want %d", len(reqs), len(tt.replies))
			}
			if !reqs[len(reqs)-1].Params.Has("ts") {
				t.Error("the last attempt, after the resend, sent no ts")
			}
		})
	}
}

// With ts, every pipeline attempt is signed afresh: the handler moves the session's clock between
// attempts, and the retry must carry the new ts with a valid signature.
func TestWebAPILogoutTSPerAttempt(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := webapiSetup(t)
			sess := testSession()
			rec := ninaSigned(t, mux, "/auth/logout", vecSessionKey, func(w http.ResponseWriter, r *http.Request, try int, p url.Values) {
				if try == 1 {
					sess.Resync(time.Unix(2000000000, 0))
					w.WriteHeader(http.StatusServiceUnavailable) // retried for GET and POST alike
					return
				}
				replyOK(w, r, try, p)
			})
			if _, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: sess, Method: method, SendTS: true}); err != nil {
				t.Fatal(err)
			}
			reqs := rec.all()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			if ts := reqs[0].Params.Get("ts"); !strings.HasPrefix(ts, "13113") {
				t.Errorf("first ts = %q, want from HostTime 1311369996", ts)
			}
			if ts := reqs[1].Params.Get("ts"); !strings.HasPrefix(ts, "200000000") {
				t.Errorf("retry ts = %q, want the resynchronised 2000000000", ts)
			}
		})
	}
}

func TestWebAPILogoutValidation(t *testing.T) {
	t.Parallel()
	c, _, _ := webapiSetup(t) // no handler: any request fails the test
	noKey := testSession()
	noKey.SessionKey = ""
	noToken := testSession()
	noToken.Token = ""
	tests := []struct {
		req   WebAPILogoutRequest
		field string
	}{
		{WebAPILogoutRequest{}, "Session"},
		{WebAPILogoutRequest{Session: noKey}, "Session.SessionKey"},
		{WebAPILogoutRequest{Session: noToken}, "Session.Token"},
		{WebAPILogoutRequest{Session: testSession(), Method: "DELETE"}, "Method"},
		{WebAPILogoutRequest{Session: testSession(), Format: "yaml"}, "Format"},
		{WebAPILogoutRequest{Session: testSession(), Format: FormatXML, Callback: "cb"}, "Callback"},
		{WebAPILogoutRequest{Session: testSession(), Callback: "alert(1)//"}, "Callback"},
		{WebAPILogoutRequest{Session: testSession(), Callback: "1cb"}, "Callback"},
		{WebAPILogoutRequest{Session: testSession(), Callback: strings.Repeat("c", 101)}, "Callback"},
		{WebAPILogoutRequest{Session: testSession(), Language: "en us"}, "Language"},
	}
	for _, tt := range tests {
		_, err := c.WebAPI.Logout(context.Background(), tt.req)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%+v: err = %v, want *ValidationError{Field: %q}", tt.req, err, tt.field)
		}
	}
}

// A server that echoes the token, signature and session key back in every text field: none of them
// reaches an error string or a log line.
func TestWebAPISecretsNeverLeak(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mux, _ := webapiSetup(t, WithLogger(logger))
	sess := testSession()
	var sigs []string
	ninaSigned(t, mux, "/auth/logout", vecSessionKey, func(w http.ResponseWriter, r *http.Request, _ int, p url.Values) {
		raw := r.URL.RawQuery
		sigs = append(sigs, strings.TrimPrefix(raw[strings.LastIndex(raw, "sig_sha256="):], "sig_sha256="))
		echo := fmt.Sprintf("token %s key %s secret %s query %s", p.Get("a"), vecSessionKey, vecSecret, raw)
		b, _ := json.Marshal(map[string]any{"response": map[string]any{"statusCode": 401, "statusText": echo, "requestId": echo,
			"data": map[string]any{"challenge": map[string]any{"info": echo, "context": echo, "url": echo}}}})
		w.WriteHeader(http.StatusUnauthorized)
		w.Write(b)
	})
	mux.HandleFunc("/auth/clientLogin", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<html>wrong password %s for %s</html>", "hunter2-secret", vecSecret)
	})
	_, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: sess})
	var we *WebAPIError
	if !errors.As(err, &we) || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	_, err2 := c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{LoginID: "u", Password: "hunter2-secret"})
	if err2 == nil {
		t.Fatal("HTML page accepted")
	}
	sig, _ := url.PathUnescape(sigs[0])
	logMu.Lock()
	logged := logs.String()
	logMu.Unlock()
	text := err.Error() + err2.Error() + fmt.Sprintf("%+v %+v", *we, *we.Challenge) + logged
	for _, secret := range []string{vecToken, percentEncode(vecToken), vecSessionKey, vecSecret, sig, sigs[0], "hunter2-secret"} {
		if strings.Contains(text, secret) {
			t.Errorf("secret %q leaked in:\n%s", secret, text)
		}
	}
	if !strings.Contains(logged, "a=REDACTED") || !strings.Contains(logged, "sig_sha256=REDACTED") {
		t.Errorf("log line does not show the redacted query:\n%s", logged)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestWebAPISessionMasked(t *testing.T) {
	t.Parallel()
	sess := testSession()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("signed in", "session", sess, "value", *sess)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("signed in", "session", sess)
	out := fmt.Sprintf("%v %+v %#v %s %v %+v %#v", sess, sess, sess, *sess, *sess, *sess, *sess) + buf.String()
	for _, secret := range []string{vecToken, vecSecret, vecSessionKey} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q printed:\n%s", secret, out)
		}
	}
	for _, want := range []string{"LoginID:someuser", "Token:REDACTED", "SessionKey:REDACTED", `"LoginID":"someuser"`, `"Token":"REDACTED"`,
		`tvauth.WebAPISession{LoginID:"someuser", Token:"REDACTED"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if s := fmt.Sprintf("%+v", WebAPISession{LoginID: "x"}); strings.Contains(s, redacted) {
		t.Errorf("empty secrets shown as masked values: %s", s)
	}
}

func TestWebAPIHostClock(t *testing.T) {
	t.Parallel()
	sess := &WebAPISession{HostTime: time.Unix(1311369996, 0), ReceivedAt: time.Now().Add(-90 * time.Second)}
	if d := sess.HostNow().Sub(time.Unix(1311369996+90, 0)); d < 0 || d > 2*time.Second {
		t.Errorf("HostNow off by %v", d)
	}
	if ts := sess.TS(); ts != "1311370086" && ts != "1311370087" {
		t.Errorf("TS = %q", ts)
	}
	if d := time.Since((&WebAPISession{}).HostNow()); d < 0 || d > time.Second {
		t.Errorf("no HostTime: HostNow %v from local time", d)
	}
	copyOf := *sess
	sess.Resync(time.Unix(2000000000, 0))
	if ts := sess.TS(); !strings.HasPrefix(ts, "200000000") {
		t.Errorf("after Resync TS = %q", ts)
	}
	// A copy made after the clock exists shares it; one made before (hand-built) keeps its own view.
	shared := *sess
	sess.Resync(time.Unix(1500000000, 0))
	if ts := shared.TS(); !strings.HasPrefix(ts, "150000000") {
		t.Errorf("copy TS = %q, want the shared clock", ts)
	}
	if ts := copyOf.TS(); !strings.HasPrefix(ts, "13113") {
		t.Errorf("earlier copy TS = %q", ts)
	}
}

func TestWebAPISessionSignValidation(t *testing.T) {
	t.Parallel()
	var nilSess *WebAPISession
	for _, tt := range []struct {
		sess  *WebAPISession
		field string
	}{
		{nilSess, "session"},
		{&WebAPISession{SessionKey: "k"}, "session.Token"},
		{&WebAPISession{Token: "t"}, "session.SessionKey"},
	} {
		_, err := tt.sess.Sign("GET", vecLogoutURL, nil)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tt.field {
			t.Errorf("err = %v, want field %q", err, tt.field)
		}
	}
	// A query left in the URL would go on the wire before the signed pairs, out of the signed order.
	for _, rawURL := range []string{vecLogoutURL + "?f=json", vecLogoutURL + "?", "/auth/logout", "https://api.screenname.nina.bz/%zz"} {
		_, err := testSession().Sign("GET", rawURL, url.Values{"devId": {vecDevID}})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "rawURL" || !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("Sign(%q): err = %v, want field rawURL", rawURL, err)
		}
	}
	// An explicit a wins over the session's token; sig_sha256 in params is dropped, not signed.
	sess := &WebAPISession{Token: "session-token", SessionKey: vecSessionKey}
	q, err := sess.Sign("GET", vecLogoutURL, url.Values{"a": {vecToken}, "devId": {vecDevID}, "f": {"json"}, "sig_sha256": {"stale"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json&sig_sha256=uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80%3D"; q != want {
		t.Errorf("Sign = %q, want %q", q, want)
	}
}

// Concurrent logouts on one client and one session: -race checks the session clock and the pipeline.
func TestWebAPIConcurrentSigned(t *testing.T) {
	t.Parallel()
	c, mux, _ := webapiSetup(t)
	sess := testSession()
	ninaSigned(t, mux, "/auth/logout", vecSessionKey, func(w http.ResponseWriter, r *http.Request, try int, p url.Values) {
		if try%3 == 0 {
			sess.Resync(time.Unix(1311369996+int64(try), 0))
		}
		replyOK(w, r, try, p)
	})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: sess, SendTS: true}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// ---- issue 10: the right error for every reply --------------------------------------------------

// HTTP 429 is rate limiting whatever the body says (an envelope, one that says statusCode 200
// included, an HTML page, nothing), and so are statusCode 429 and 430 inside an envelope, whatever the
// HTTP status.
func TestWebAPIRateLimited(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		status       int
		body         string
		statusCode   int
		unauthorized bool
	}{
		{"HTTP 429 without body", 429, "", 0, false},
		{"HTTP 429 HTML page", 429, "<html><body>Too Many Requests</body></html>", 0, false},
		{"HTTP 429 envelope 500", 429, `{"response":{"statusCode":500,"statusText":"busy"}}`, 500, false},
		{"HTTP 429 envelope 430", 429, `{"response":{"statusCode":430,"statusText":"rate limit"}}`, 430, false},
		{"HTTP 200 envelope 429", 200, `{"response":{"statusCode":429,"statusText":"Too Many Requests"}}`, 429, false},
		{"HTTP 200 envelope 430", 200, `{"response":{"statusCode":430,"statusText":"Rate Limit Reached"}}`, 430, false},
		{"HTTP 200 envelope 430 qs", 200, `statusCode=430&statusText=Rate%20Limit%20Reached`, 430, false},
		{"HTTP 200 envelope 430 xml", 200, `<response><statusCode>430</statusCode></response>`, 430, false},
		{"HTTP 400 envelope 441", 400, `{"response":{"statusCode":441}}`, 441, true},
		// Issue 20: the HTTP status decides when the envelope says all is well.
		{"HTTP 429 envelope 200", 429, `{"response":{"statusCode":200,"statusText":"OK"}}`, 200, false},
		{"HTTP 429 envelope 200 with a session", 429, `{"response":{"statusCode":200,"statusText":"OK","data":{"token":{"a":"%2FwEAAAAAhEha%2Bb%2Fc%3D","expiresIn":"86400"},"sessionSecret":"s3cr3t","hostTime":1311369996}}}`, 200, false},
		{"HTTP 429 envelope 200 qs", 429, `statusCode=200&statusText=OK`, 200, false},
		{"HTTP 429 envelope 200 xml", 429, `<response><statusCode>200</statusCode><statusText>OK</statusText></response>`, 200, false},
	}
	for _, tt := range tests {
		for _, call := range []string{"ClientLogin", "Logout"} {
			t.Run(tt.name+"/"+call, func(t *testing.T) {
				t.Parallel()
				c, mux, _ := webapiSetup(t, WithRetry(RetryPolicy{})) // a 429 is retried otherwise
				var n atomic.Int32
				handler := func(w http.ResponseWriter, r *http.Request) {
					n.Add(1)
					w.WriteHeader(tt.status)
					io.WriteString(w, tt.body)
				}
				mux.HandleFunc("/auth/clientLogin", handler)
				mux.HandleFunc("/auth/logout", handler)
				var err error
				if call == "ClientLogin" {
					_, err = c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{LoginID: "u", Password: "pw"})
				} else {
					_, err = c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession()})
				}
				var we *WebAPIError
				if !errors.As(err, &we) || we.HTTPStatus != tt.status || we.StatusCode != tt.statusCode {
					t.Fatalf("err = %T %v, want *WebAPIError{HTTPStatus: %d, StatusCode: %d}", err, err, tt.status, tt.statusCode)
				}
				if !errors.Is(err, ErrRateLimited) {
					t.Errorf("errors.Is(%v, ErrRateLimited) = false", err)
				}
				if errors.Is(err, ErrUnauthorized) != tt.unauthorized {
					t.Errorf("errors.Is(%v, ErrUnauthorized) = %v, want %v", err, !tt.unauthorized, tt.unauthorized)
				}
				if n.Load() != 1 {
					t.Errorf("%d requests, want 1", n.Load())
				}
			})
		}
	}
}

// A 3xx (NINA answers a logout it will not do with a redirect to its login page) keeps its Location,
// redacted, and says "redirected": not "statusCode 0". The redirect is never followed.
func TestWebAPIRedirectKeepsLocation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, location, wantLocation string
		status                       int
		body                         string
	}{
		{"302 to a login page", "https://login.nina.example/signin?succUrl=%2Fhome", "https://login.nina.example/signin?succUrl=%2Fhome", 302, ""},
		{"301 with an HTML body", "https://api.nina.example/auth/logout", "https://api.nina.example/auth/logout", 301, "<html>Moved</html>"},
		{"303 echoing the token", "https://login.nina.example/?a=" + url.QueryEscape(vecToken) + "&next=x", "https://login.nina.example/?a=REDACTED&next=x", 303, ""},
		{"307 relative", "/login?from=logout", "/login?from=logout", 307, ""},
		{"302 with an envelope", "https://login.nina.example/", "https://login.nina.example/", 302, `{"response":{"statusCode":401,"statusText":"Authentication Required"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := webapiSetup(t)
			var followed atomic.Int32
			mux.HandleFunc("/login", func(http.ResponseWriter, *http.Request) { followed.Add(1) })
			mux.HandleFunc("/auth/logout", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", tt.location)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession()})
			var we *WebAPIError
			if !errors.As(err, &we) || we.HTTPStatus != tt.status {
				t.Fatalf("err = %T %v, want *WebAPIError{HTTPStatus: %d}", err, err, tt.status)
			}
			if we.Location != tt.wantLocation {
				t.Errorf("Location = %q, want %q", we.Location, tt.wantLocation)
			}
			msg := err.Error()
			if !strings.Contains(msg, "redirected to "+tt.wantLocation) || strings.Contains(msg, "statusCode 0") {
				t.Errorf("Error() = %q, want it to say redirected to %s", msg, tt.wantLocation)
			}
			if tt.body == "" && msg != fmt.Sprintf("tvauth: nina webapi logout: HTTP %d redirected to %s", tt.status, tt.wantLocation) {
				t.Errorf("Error() = %q", msg)
			}
			if strings.Contains(msg, vecToken) || strings.Contains(msg, url.QueryEscape(vecToken)) {
				t.Errorf("token leaked in %q", msg)
			}
			if followed.Load() != 0 {
				t.Error("the redirect was followed")
			}
		})
	}
}

// A zero or negative token.expiresIn is no lifetime: tokenExpiresIn (oos) is used instead.
func TestWebAPIClientLoginExpiresInFallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, token, extra string
		want               time.Duration
	}{
		{"expiresIn", `"expiresIn":86400`, ``, 24 * time.Hour},
		{"expiresIn wins over tokenExpiresIn", `"expiresIn":60`, `,"tokenExpiresIn":3600`, time.Minute},
		{"zero falls back", `"expiresIn":0`, `,"tokenExpiresIn":3600`, time.Hour},
		{"zero string falls back", `"expiresIn":"0"`, `,"tokenExpiresIn":"3600"`, time.Hour},
		{"negative falls back", `"expiresIn":-5`, `,"tokenExpiresIn":1209600`, 1209600 * time.Second},
		{"absent falls back", ``, `,"tokenExpiresIn":3600`, time.Hour},
		{"blank falls back", `"expiresIn":" "`, `,"tokenExpiresIn":3600`, time.Hour},
		{"zero without fallback is unknown", `"expiresIn":0`, ``, 0},
		{"negative without fallback is unknown", `"expiresIn":-1`, ``, 0},
		{"both non-positive is unknown", `"expiresIn":0`, `,"tokenExpiresIn":-3`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := webapiSetup(t)
			tok := `"a":"abc"`
			if tt.token != "" {
				tok += "," + tt.token
			}
			mux.HandleFunc("/auth/clientLogin", func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"response":{"statusCode":200,"data":{"sessionSecret":"s3cr3t","token":{%s}%s}}}`, tok, tt.extra)
			})
			sess, err := c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{LoginID: "u", Password: "pw"})
			if err != nil {
				t.Fatal(err)
			}
			if sess.ExpiresIn != tt.want {
				t.Errorf("ExpiresIn = %v, want %v", sess.ExpiresIn, tt.want)
			}
		})
	}
}

// ---- issue 10: bad input, caught before I/O ----------------------------------------------------

// Accept follows f: a server or proxy that negotiates on Accept is not told "JSON" for f=xml.
func TestWebAPIAcceptFollowsFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		format   Format
		callback string
		want     string
	}{
		{"", "", "application/json"},
		{FormatJSON, "", "application/json"},
		{FormatJSON, "cb_1", "application/javascript, application/json;q=0.9"},
		{FormatXML, "", "application/xml, text/xml;q=0.9"},
		{FormatQS, "", "application/x-www-form-urlencoded, text/plain;q=0.9"},
	}
	for _, tt := range tests {
		calls := []string{"ClientLogin", "Logout GET", "Logout POST"}
		if tt.callback != "" {
			calls = calls[1:] // clientLogin takes no callback
		}
		for _, call := range calls {
			t.Run(string(tt.format)+tt.callback+"/"+call, func(t *testing.T) {
				t.Parallel()
				c, mux, _ := webapiSetup(t)
				var accept, f string
				mux.HandleFunc("/auth/", func(w http.ResponseWriter, r *http.Request) {
					accept = r.Header.Get("Accept")
					r.ParseForm()
					f = r.Form.Get("f")
					io.WriteString(w, `statusCode=200&statusText=OK&token_a=abc&sessionSecret=s3cr3t`)
				})
				var err error
				switch call {
				case "ClientLogin":
					_, err = c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{LoginID: "u", Password: "pw", Format: tt.format})
				default:
					_, err = c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession(), Format: tt.format,
						Callback: tt.callback, Method: strings.TrimPrefix(call, "Logout ")})
				}
				if err != nil {
					t.Fatal(err)
				}
				if accept != tt.want {
					t.Errorf("Accept = %q, want %q", accept, tt.want)
				}
				if f != string(tt.format.orDefault()) {
					t.Errorf("f = %q, want %q", f, tt.format.orDefault())
				}
			})
		}
	}
}

// Language is "<lang>-<locale>" as the spec says; anything else is refused before any request.
func TestWebAPILanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang string
		ok   bool
	}{
		{"", true}, {"en-us", true}, {"pt-BR", true}, {"EN-US", true}, {"es-419", true}, {"haw-us", true},
		{"en", false}, {"en_us", false}, {"en-", false}, {"-us", false}, {"en us", false}, {"en-us-x", false},
		{"english-us", false}, {"en-u", false}, {"en-usa", false}, {"e1-us", false}, {"en-4x9", false},
		{"en-us\n", false}, {"en-u\x00", false}, {"zh-Hant", false}, {"ü-us", false},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := webapiSetup(t)
			var sent atomic.Int32
			mux.HandleFunc("/auth/", func(w http.ResponseWriter, r *http.Request) {
				sent.Add(1)
				io.WriteString(w, `statusCode=200&token_a=abc&sessionSecret=s3cr3t`)
			})
			_, err1 := c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{LoginID: "u", Password: "pw", Language: tt.lang})
			_, err2 := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession(), Language: tt.lang})
			for _, err := range []error{err1, err2} {
				var ve *ValidationError
				switch {
				case tt.ok && err != nil:
					t.Errorf("err = %v", err)
				case !tt.ok && (!errors.As(err, &ve) || ve.Field != "Language"):
					t.Errorf("err = %v, want *ValidationError{Field: Language}", err)
				}
			}
			want := int32(0)
			if tt.ok {
				want = 2
			}
			if n := sent.Load(); n != want {
				t.Errorf("%d requests sent, want %d", n, want)
			}
		})
	}
}
