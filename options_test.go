package tvauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

func TestLogLinePerAttempt(t *testing.T) {
	t.Parallel()
	srv, _ := countingServer(t, 503, 503, 200)
	var logs logBuffer
	c := newTestClient(t, WithPassURL(srv.URL), WithLogger(debugLogger(&logs)))
	if _, err := c.do(context.Background(), rawCall(svcPass, "GET", "/cfg")); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", len(lines), logs.String())
	}
	for i, status := range []int{503, 503, 200} {
		for _, part := range []string{"service=\"adobe pass\"", "method=GET", "url=" + srv.URL + "/cfg",
			fmt.Sprintf("attempt=%d", i+1), fmt.Sprintf("status=%d", status), "duration="} {
			if !strings.Contains(lines[i], part) {
				t.Errorf("line %d lacks %q: %s", i, part, lines[i])
			}
		}
	}

	// Silent by default.
	c = newTestClient(t, WithPassURL(srv.URL))
	if c.cfg.logAttempt != nil {
		t.Error("a client without WithLogger has a logger")
	}
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opt   Option
		field string
	}{
		{WithPassURL("://nope"), "WithPassURL"},
		{WithPassURL("ftp://sp.auth.adobe.com"), "WithPassURL"},
		{WithPassURL("http://sp.auth.adobe.com"), "WithPassURL"},
		{WithClientlessURL("https://"), "WithClientlessURL"},
		{WithClientlessURL("api.auth.adobe.com"), "WithClientlessURL"},
		{WithWebAPIURL("http://10.0.0.1"), "WithWebAPIURL"},
		{WithWebAPIURL("https://api.screenname.nina.bz?x=1"), "WithWebAPIURL"},
		{WithAGSURL("http://ags.example.com/ags"), "WithAGSURL"},
		{WithAGSURL("https://user:pw@ags.example.com/ags"), "WithAGSURL"},
		{WithRetry(RetryPolicy{MaxRetries: -1}), "WithRetry"},
		{WithHTTPClient(nil), "WithHTTPClient"},
		{WithUserAgent("a\r\nX-Evil: 1"), "WithUserAgent"},
		{WithAGSHeader("Nagra-Target", "x\ny"), "WithAGSHeader"},
		{WithDevice(Device{ID: "d", Info: DeviceInfo{Model: "m"}}), "WithDevice"},
	}
	for _, tt := range tests {
		_, err := New(tt.opt)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("New(%s option) err = %v, want *ValidationError naming %s", tt.field, err, tt.field)
		}
	}
	for _, ok := range []Option{
		WithPassURL("http://127.0.0.1:8080"), WithPassURL("http://localhost:1"), WithPassURL("http://[::1]:9"),
		WithAGSURL("https://ags.example.com:8443/ags/"), WithPassURL("https://sp.auth-staging.adobe.com/"),
	} {
		if _, err := New(ok); err != nil {
			t.Errorf("New: %v", err)
		}
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if c.retry != (RetryPolicy{MaxRetries: 3, MinWait: 200 * time.Millisecond, MaxWait: 5 * time.Second}) {
		t.Errorf("retry defaults = %+v", c.retry)
	}
	st := newAttemptState(c, rawCall(svcPass, "GET", "/"), newRedactor(), &retryablehttp.Request{Request: &http.Request{}})
	if st.rc.Logger != nil {
		t.Error("retryablehttp logger is set: it would print URLs with tokens")
	}
	for s, want := range map[serviceID]string{svcPass: DefaultPassURL, svcClientless: DefaultClientlessURL, svcWebAPI: DefaultWebAPIURL} {
		if got := c.bases[s].String(); got != want {
			t.Errorf("%v base = %s, want %s", s, got, want)
		}
	}
	if c.bases[svcAGS] != nil {
		t.Error("AGS has a default base URL")
	}
}

func TestUserAgentAndAccept(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/ua", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "User-Agent", "tvauth-go/"+Version)
		testHeader(t, r, "Accept", "application/json")
	})
	if _, err := c.do(context.Background(), rawCall(svcPass, "GET", "/ua")); err != nil {
		t.Fatal(err)
	}
	c2, mux2, _ := setup(t, WithUserAgent("MyApp/2.1 tvauth-go/"+Version))
	mux2.HandleFunc("/ua", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "User-Agent", "MyApp/2.1 tvauth-go/"+Version)
	})
	if _, err := c2.do(context.Background(), rawCall(svcPass, "GET", "/ua")); err != nil {
		t.Fatal(err)
	}
}

func TestWithHTTPClientNotMutated(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Timeout: 7 * time.Second}
	c, err := New(WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if hc.Transport != nil || hc.CheckRedirect != nil {
		t.Error("New modified the caller's http.Client")
	}
	if c.base.caller != hc { // its Timeout is read per attempt: TestCallerTimeoutPerAttempt
		t.Error("the caller's http.Client is not the one read per attempt")
	}
}

func TestWithPassCredentials(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	c, mux, _ := setup(t) // its server; setup's own client has a static token source, which would win
	c2, err := New(WithPassURL(c.bases[svcPass].String()), WithDevice(testDevice), WithRetry(fastRetry),
		WithPassCredentials(ClientCredentials{ClientID: "cid", ClientSecret: "csecret"}),
		WithHTTPClient(c.cfg.httpClient))
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("POST /o/client/token", func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		testBody(t, r, "client_id=cid&client_secret=csecret&grant_type=client_credentials")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"access_token":"from-creds","expires_in":3600,"token_type":"bearer"}`)
	})
	mux.HandleFunc("GET /p", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Authorization", "Bearer from-creds")
	})
	for range 3 {
		if _, err := c2.do(context.Background(), &call{service: svcPass, method: "GET", path: "/p", auth: authPassBearer}); err != nil {
			t.Fatal(err)
		}
	}
	if fetches.Load() != 1 {
		t.Errorf("token fetches = %d, want 1", fetches.Load())
	}
	if _, err := New(WithPassCredentials(ClientCredentials{ClientID: "x"})); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("empty secret: err = %v", err)
	}
}

// Options whose values become headers are checked at New: a *ValidationError naming the option.
func TestHeaderOptionsRefusedAtNew(t *testing.T) {
	t.Parallel()
	type opt struct {
		name   string
		option func(bad string) Option
		field  string
	}
	opts := []opt{
		{"WithUserAgent", func(bad string) Option { return WithUserAgent("MyApp/1" + bad) }, "WithUserAgent"},
		{"WithAGSTenant", func(bad string) Option { return WithAGSTenant("nagra" + bad) }, "WithAGSTenant"},
		{"WithAGSAuthService", func(bad string) Option { return WithAGSAuthService(bad + "OPF") }, "WithAGSAuthService"},
		{"WithAGSHeader value", func(bad string) Option { return WithAGSHeader("Nagra-Target", "tv"+bad) }, "WithAGSHeader"},
		{"WithAGSHeader name", func(bad string) Option { return WithAGSHeader("Nagra"+bad+"Target", "tv") }, "WithAGSHeader"},
		{"WithDevice", func(bad string) Option { d := testDevice; d.ForwardedFor = "192.0.2.1" + bad; return WithDevice(d) }, "WithDevice.ForwardedFor"},
		{"WithWebAPIDevID", func(bad string) Option { return WithWebAPIDevID("dev" + bad) }, "WithWebAPIDevID"},
	}
	for _, o := range opts {
		for _, cc := range controlChars {
			_, err := New(o.option(cc))
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != o.field || !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("%s with %q: err = %v, want *ValidationError{Field: %q}", o.name, cc, err, o.field)
			}
			if o.name != "WithAGSHeader name" { // a header name is no secret; a value may be
				wantNoByteOf(t, err, cc)
			}
		}
	}
	// Header names must be tokens (RFC 9110): no separators, spaces, non-ASCII or empty names.
	for _, name := range []string{"", "Nagra Target", "Nagra:Target", "Nagra(Target)", "Nagra/Target", "Nagra\"Target",
		"Nagrä", "Nagra@", "Nagra,Target", "[x]", "{x}", "x=y", "x;y", "x?", "x\\y"} {
		_, err := New(WithAGSHeader(name, "v"))
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "WithAGSHeader" {
			t.Errorf("WithAGSHeader(%q): err = %v, want *ValidationError{Field: WithAGSHeader}", name, err)
		}
	}
	// Valid values still pass, tokens with every tchar included.
	if _, err := New(WithUserAgent("MyApp/2.1 (TV; rv:1) tvauth-go/"+Version), WithAGSTenant("nagra-1"),
		WithAGSHeader("X-Nagra_Target.v1!#$%&'*+^`|~", "tv value; q=1"), WithAGSAuthService("OPF"), WithWebAPIDevID("ma15d7JTxbmVG-RP")); err != nil {
		t.Errorf("valid options refused: %v", err)
	}
}

// A base URL that is refused never comes back quoted: it may carry a password in its userinfo or a
// token in its query, which are refused too, but not always first.
func TestBaseURLErrorsQuoteNoSecret(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3tPassw0rd"
	options := map[string]func(string) Option{
		"WithPassURL": WithPassURL, "WithClientlessURL": WithClientlessURL, "WithWebAPIURL": WithWebAPIURL, "WithAGSURL": WithAGSURL,
	}
	for _, raw := range []string{
		"https://user:" + secret + "@/path",          // no host
		"https://user:" + secret + "@:443",           // no host name
		"https://user:" + secret + "%zz@api.example", // malformed userinfo
		"https://api.example/%zz?token=" + secret,    // malformed path
		"https://api.example/\x01?token=" + secret,   // control character
		"https://api.example/ ?token=" + secret + "#%zz",
		"ftp://user:" + secret + "@api.example",
	} {
		for name, option := range options {
			_, err := New(option(raw))
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != name {
				t.Errorf("%s(%q): err = %v, want *ValidationError{Field: %q}", name, raw, err, name)
				continue
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s(%q): error quotes the secret: %v", name, raw, err)
			}
		}
	}
}

func TestWithTokenFetchTimeoutValidates(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, -time.Second} {
		var ve *ValidationError
		if _, err := New(WithTokenFetchTimeout(d)); !errors.As(err, &ve) || ve.Field != "WithTokenFetchTimeout" {
			t.Errorf("WithTokenFetchTimeout(%v) = %v", d, err)
		}
	}
}
