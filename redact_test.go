package tvauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

func TestRedactQueryKeepsOrder(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"a=tok&devId=d&f=json&sig_sha256=abc%3D", "a=REDACTED&devId=d&f=json&sig_sha256=REDACTED"},
		{"client_id=x&client_secret=y&grant_type=client_credentials", "client_id=x&client_secret=REDACTED&grant_type=client_credentials"},
		{"PWD=p&s=user", "PWD=REDACTED&s=user"},
		{"access%5Ftoken=t&x", "access%5Ftoken=REDACTED&x"},
		{"refresh_token=&z=1", "refresh_token=REDACTED&z=1"},
		{"mvpd=a&b", "mvpd=a&b"},
	}
	for _, tt := range tests {
		if got := redactQuery(tt.in); got != tt.want {
			t.Errorf("redactQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScrubEncodedForms(t *testing.T) {
	t.Parallel()
	secret := "pa ss/wo+rd=ü"
	r := newRedactor(secret, "", "ab") // empty and tiny values are ignored, not matched everywhere
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), percentEncode(secret)} {
		got := r.scrub("server said: " + form + " (end)")
		if strings.Contains(got, "wo") || got != "server said: REDACTED (end)" {
			t.Errorf("scrub(%q) = %q", form, got)
		}
	}
	if got := r.scrub("a b ab"); got != "a b ab" {
		t.Errorf("short values scrubbed: %q", got)
	}
	// A secret that contains another is replaced whole.
	r = newRedactor("token", "token-long-value")
	if got := r.scrub("x token-long-value y"); got != "x REDACTED y" {
		t.Errorf("scrub = %q", got)
	}
	var nilR *redactor
	if nilR.scrub("x") != "x" {
		t.Error("nil redactor changed text")
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://user:pw@host.test/p/SECRETVALUE?x=1&access_token=zzz&q=SECRETVALUE#frag")
	r := newRedactor("SECRETVALUE")
	if got, want := r.url(u), "https://host.test/p/REDACTED?x=1&access_token=REDACTED&q=REDACTED"; got != want {
		t.Errorf("url = %q, want %q", got, want)
	}
}

func TestSecretNames(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"a", "pwd", "sig_sha256", "Authorization", "user-token", "User-Token", "client_secret",
		"access_token", "refresh_token", "software_statement", "SAMLResponse", "Adobe-Subject-Token", "AD-Service-Token"} {
		if !isSecretName(n) {
			t.Errorf("%q is not treated as secret", n)
		}
	}
	for _, n := range []string{"f", "devId", "mvpd", "requestor_id", "redirect_url", "client_id", "s"} {
		if isSecretName(n) {
			t.Errorf("%q is treated as secret", n)
		}
	}
}

// The redactor's cost per call: registering a call's secrets (every encoded form is built here, once)
// and scrubbing one error text. Run: go test -run '^$' -bench Redactor -benchmem
var benchSecrets = []string{
	"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
	"p@ss\"wo\\rd+/=<&>",
	"2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
}

const benchErrorText = `tvauth: adobe pass POST https://sp.auth.adobe.com/o/client/token: 400 Bad Request: ` +
	`{"error":"invalid_client","error_description":"the client could not be authenticated","trace":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"}`

func BenchmarkRedactorAdd(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		newRedactor(benchSecrets...)
	}
}

// BenchmarkRedactorFirstScrub is a failed call's cost: add, then the first scrub builds the forms.
func BenchmarkRedactorFirstScrub(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		newRedactor(benchSecrets...).scrub(benchErrorText)
	}
}

func BenchmarkRedactorScrub(b *testing.B) {
	r := newRedactor(benchSecrets...)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r.scrub(benchErrorText) != benchErrorText {
			b.Fatal("scrubbed a clean text")
		}
	}
}

// TestRedactEchoedSecrets: a server that echoes the secret of a request into its error reply, in any
// form the secret travelled in or a server re-encodes it to, gets no trace of it into err.Error(),
// %+v, %#v or the debug log, for one method of each family. The secrets hold every character that
// encodes differently (" \ + / = < & ' é) and are over 80 characters long.
func TestRedactEchoedSecrets(t *testing.T) {
	// Not parallel (nor its cases): 56 servers under -race would starve the timing-sensitive parallel
	// tests.
	const core = "k9k9k9k9" // every text form of the secrets holds this run; base64 forms are checked whole
	secret := func(tag string) string { return tag + `-"q\b+p/s=e<l&g>'é` + strings.Repeat("k9", 40) }
	b64 := func(enc *base64.Encoding) func(string) string {
		return func(s string) string { return enc.EncodeToString([]byte(s)) }
	}
	echoes := []struct {
		name   string
		encode func(string) string
		binary bool // the form does not hold core
	}{
		{"raw", func(s string) string { return s }, false},
		{"form-encoded", url.QueryEscape, false},
		{"path-escaped", url.PathEscape, false},
		{"RFC 3986", percentEncode, false},
		{"JSON (Go)", func(s string) string { return jsonEscaped(s, true) }, false},
		{"JSON (minimal)", func(s string) string { return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) }, false},
		{"JSON (Python)", func(s string) string { return strings.ReplaceAll(jsonEscaped(s, false), "é", `\u00e9`) }, false},
		{"JSON (PHP)", func(s string) string {
			return strings.NewReplacer("é", `\u00e9`, "/", `\/`).Replace(jsonEscaped(s, false))
		}, false},
		{"XML", xmlEscaped, false},
		{"XML (named entities)", func(s string) string {
			return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace(s)
		}, false},
		{"HTML (Python)", func(s string) string {
			return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;").Replace(s)
		}, false},
		{"Go %q", strconv.Quote, false},
		{"truncated %.40q", func(s string) string { return fmt.Sprintf("%.40q", s) }, false},
		{"base64", b64(base64.StdEncoding), true},
		{"base64 URL", b64(base64.URLEncoding), true},
		{"base64 raw", b64(base64.RawStdEncoding), true},
		{"base64 URL raw", b64(base64.RawURLEncoding), true},
	}
	// methods: one call per family whose secret the server finds in the request and echoes.
	methods := []struct {
		name   string
		secret string
		call   func(ctx context.Context, c *Client, secret string) error
	}{
		{"Pass.RegisterClient", secret("statement"), func(ctx context.Context, c *Client, s string) error {
			_, err := c.Pass.RegisterClient(ctx, RegisterRequest{SoftwareStatement: Secret(s)})
			return err
		}},
		{"Clientless.Config", secret("bearer"), func(ctx context.Context, c *Client, _ string) error {
			_, err := c.Clientless.Config(ctx, "REF30")
			return err
		}},
		{"WebAPI.ClientLogin", secret("password"), func(ctx context.Context, c *Client, s string) error {
			_, err := c.WebAPI.ClientLogin(ctx, ClientLoginRequest{LoginID: "someuser", Password: Secret(s)})
			return err
		}},
		{"AGS.SignOn", secret("agspass"), func(ctx context.Context, c *Client, s string) error {
			_, err := c.AGS.SignOn(ctx, SignOnRequest{ClientID: "PUB_1", Parameters: []Parameter{{"username", "dave"}, {"password", s}}})
			return err
		}},
	}
	cases := 0
	for _, m := range methods {
		for _, echo := range echoes {
			cases++
			t.Run(m.name+"/"+echo.name, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					body, _ := io.ReadAll(r.Body)
					msg := "rejected " + echo.encode(echoedSecret(t, r, body)) + " (end)"
					w.Header().Set("Content-Type", "application/json")
					var reply any
					switch {
					case strings.HasSuffix(r.URL.Path, "/o/client/register"):
						w.WriteHeader(http.StatusBadRequest)
						reply = map[string]string{"error": "invalid_software_statement", "error_description": msg}
					case strings.HasPrefix(r.URL.Path, "/api/v1/"):
						w.WriteHeader(http.StatusUnauthorized)
						reply = map[string]any{"status": 401, "code": "invalid_access_token", "message": msg, "details": msg}
					case strings.HasPrefix(r.URL.Path, "/auth/"):
						reply = map[string]any{"response": map[string]any{"statusCode": 401, "statusText": msg, "requestId": msg}}
					default:
						w.WriteHeader(http.StatusBadRequest)
						reply = map[string]string{"code": "400", "message": msg}
					}
					_ = json.NewEncoder(w).Encode(reply)
				}))
				defer srv.Close()
				var logs bytes.Buffer
				c, err := New(WithPassURL(srv.URL), WithClientlessURL(srv.URL), WithWebAPIURL(srv.URL), WithAGSURL(srv.URL+"/ags"),
					WithHTTPClient(srv.Client()), WithRetry(RetryPolicy{}), WithDevice(testDevice), WithWebAPIDevID("dev1"),
					WithAGSAuthService("svc"),
					WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: m.secret, TokenType: "Bearer"})),
					WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
				if err != nil {
					t.Fatal(err)
				}
				err = m.call(context.Background(), c, m.secret)
				if err == nil {
					t.Fatal("no error")
				}
				if msg := err.Error(); !strings.Contains(msg, "rejected ") || !strings.Contains(msg, "REDACTED") {
					t.Errorf("the server's text is lost or not redacted: %v", err)
				}
				e := echo.encode(m.secret)
				for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), logs.String()} {
					if strings.Contains(out, e) || (!echo.binary && strings.Contains(out, core)) || (echo.binary && strings.Contains(out, e[:16])) {
						t.Errorf("secret shows: %s", out)
					}
				}
			})
		}
	}
	t.Logf("%d methods × %d echo forms = %d cases", len(methods), len(echoes), cases)
}

// echoedSecret finds the secret a request carries: the bearer token, the software statement, the
// WebAPI password or the AGS password parameter.
func echoedSecret(t *testing.T, r *http.Request, body []byte) string {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && strings.HasPrefix(r.URL.Path, "/api/v1/") {
		return tok
	}
	if strings.HasPrefix(r.URL.Path, "/auth/") {
		form, _ := url.ParseQuery(string(body))
		return form.Get("pwd")
	}
	var v struct {
		SoftwareStatement string      `json:"software_statement"`
		Parameters        []Parameter `json:"parameters"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("request body %s: %v", body, err)
	}
	for _, p := range v.Parameters {
		if p.Name == "password" {
			return p.Value
		}
	}
	return v.SoftwareStatement
}

// TestWebAPILogoutDataScrubbed: a successful logout reply that echoes the session token and the
// signature, under any key, returns them scrubbed, and prints with secret-named keys masked.
func TestWebAPILogoutDataScrubbed(t *testing.T) {
	t.Parallel()
	c, mux, _ := webapiSetup(t)
	ninaSigned(t, mux, "/auth/logout", vecSessionKey, func(w http.ResponseWriter, r *http.Request, _ int, p url.Values) {
		_ = json.NewEncoder(w).Encode(map[string]any{"response": map[string]any{"statusCode": 200, "statusText": "OK " + p.Get("a"),
			"data": map[string]any{"echo": "got " + p.Get("a"), "token": map[string]string{"a": p.Get("a")},
				"sig_sha256": r.URL.Query().Get("sig_sha256"), "query": r.URL.RawQuery, "note": "kept"}}})
	})
	res, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession()})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"echo": "got REDACTED", "token_a": "REDACTED", "sig_sha256": "REDACTED", "note": "kept"}
	for k, v := range want {
		if res.Data[k] != v {
			t.Errorf("Data[%q] = %q, want %q", k, res.Data[k], v)
		}
	}
	if res.StatusText != "OK REDACTED" {
		t.Errorf("StatusText = %q", res.StatusText)
	}
	for _, out := range []string{fmt.Sprint(res), fmt.Sprintf("%+v", *res), res.Data["query"]} {
		if strings.Contains(out, vecToken) || strings.Contains(out, url.QueryEscape(vecToken)) || strings.Contains(out, percentEncode(vecToken)) {
			t.Errorf("token shows: %s", out)
		}
	}
}

// TestScrubPrefixes: a truncated secret is scrubbed when at least minSecretPrefix characters of one of
// its forms show; a shorter run is left alone, as ordinary text may share that much with a token.
func TestScrubPrefixes(t *testing.T) {
	t.Parallel()
	token := "eyJhbGciOiJSUzI1NiJ9." + strings.Repeat("Qm9keQ", 12) // 81 characters
	r := newRedactor(token)
	tests := []struct{ in, want string }{
		{fmt.Sprintf("want seconds, got %.40q", token), `want seconds, got "REDACTED"`},
		{"cut: " + token[:minSecretPrefix] + "…", "cut: REDACTED…"},
		{"cut: " + token[:minSecretPrefix-1] + "…", "cut: " + token[:minSecretPrefix-1] + "…"},
		{"twice " + token[:30] + " and " + token + "!", "twice REDACTED and REDACTED!"},
		{"json " + jsonEscaped(token[:50]+`"`, true), "json REDACTED" + jsonEscaped(`"`, true)},
		{"middle: " + token[25:60] + ".", "middle: REDACTED."},
		{"tail: " + token[len(token)-minSecretPrefix:], "tail: REDACTED"},
	}
	// A secret a server re-encoded around its special characters shows in pieces: each long piece goes.
	pw := `pa"ss\word-0123456789+abcdefghijkl`
	pr := newRedactor(pw)
	tests2 := []struct{ in, want string }{
		{"url of json: " + url.QueryEscape(jsonEscaped(pw, false)), "url of json: REDACTED"},
		{"json of json: " + jsonEscaped(jsonEscaped(pw, false), false), "json of json: REDACTED"},
		{"plus as space: " + strings.ReplaceAll(pw, "+", " "), "plus as space: REDACTED REDACTED"},
	}
	for _, tt := range tests2 {
		if got := pr.scrub(tt.in); got != tt.want {
			t.Errorf("scrub(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range tests {
		if got := r.scrub(tt.in); got != tt.want {
			t.Errorf("scrub(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
