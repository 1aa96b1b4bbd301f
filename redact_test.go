package tvauth

import (
	"net/url"
	"strings"
	"testing"
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
