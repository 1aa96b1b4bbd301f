package tvauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const testSoftwareStatement = "eyJhbGciOiJSUzI1NiJ9.eyJzb2Z0d2FyZV9pZCI6IjROUkIxLTBYWkFCWkk5RTYtNVNNM1IifQ.GHfL4QNIrQwL18BSRdE595T9jbzqa06R9BT8w409x9oI"

func TestPassRegister(t *testing.T) {
	t.Parallel()
	_, devInfo := testDeviceHeaders(t)
	tests := []struct {
		name     string
		call     func(c *Client) (*ClientCredentials, error)
		wantBody string
	}{
		{"software statement only", func(c *Client) (*ClientCredentials, error) {
			return c.Pass.Register(context.Background(), testSoftwareStatement)
		}, `{"software_statement":"` + testSoftwareStatement + `"}`},
		{"with redirect_uri", func(c *Client) (*ClientCredentials, error) {
			return c.Pass.RegisterClient(context.Background(), RegisterRequest{SoftwareStatement: testSoftwareStatement,
				RedirectURI: "adobepass://com.programmer"})
		}, `{"software_statement":"` + testSoftwareStatement + `","redirect_uri":"adobepass://com.programmer"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			rec := serve(mux, "/o/client/register", http.StatusCreated, passFixture(t, "dcr_register_created.json"))
			creds, err := tt.call(c)
			if err != nil {
				t.Fatal(err)
			}
			want := &ClientCredentials{ClientID: "s6BhdRkqt3", ClientSecret: "t7AkePiru4", IssuedAt: time.Unix(1723227212, 0),
				RedirectURIs: []string{"app://com.programmer.adobe#sdasdsadas"}, GrantTypes: []string{"client_credentials"},
				Scopes: []string{"api:client:v2"}}
			if !reflect.DeepEqual(creds, want) {
				t.Errorf("credentials = %#v\nwant %#v", *creds, *want)
			}
			got := rec.last(t)
			if got.Method != http.MethodPost || got.Path != "/o/client/register" || got.RawQuery != "" || got.Body != tt.wantBody {
				t.Errorf("sent %s %s?%s %s", got.Method, got.Path, got.RawQuery, got.Body)
			}
			// DCR takes X-Device-Info but neither a bearer token nor the device identifier.
			wantHeaders(t, got.Header, map[string]string{"Content-Type": "application/json;charset=utf-8",
				"X-Device-Info": devInfo, "Authorization": "", "AP-Device-Identifier": ""})
		})
	}
}

func TestPassRegisterErrors(t *testing.T) {
	t.Parallel()
	t.Run("documented 400", func(t *testing.T) {
		t.Parallel()
		c, mux, _ := setup(t)
		serve(mux, "/o/client/register", http.StatusBadRequest, passFixture(t, "dcr_register_invalid_request.json"))
		_, err := c.Pass.Register(context.Background(), testSoftwareStatement)
		if pe := asPassError(t, err); pe.Code != "invalid_request" || pe.HTTPStatus != 400 || errors.Is(err, ErrUnauthorized) {
			t.Errorf("PassError = %+v", *pe)
		}
	})
	t.Run("echoed software statement is scrubbed", func(t *testing.T) {
		t.Parallel()
		c, mux, _ := setup(t)
		serve(mux, "/o/client/register", http.StatusBadRequest,
			[]byte(`{"error":"invalid_software_statement","error_description":"bad statement `+testSoftwareStatement+`"}`))
		_, err := c.Pass.Register(context.Background(), testSoftwareStatement)
		if pe := asPassError(t, err); pe.Code != "invalid_software_statement" || strings.Contains(err.Error(), testSoftwareStatement) ||
			strings.Contains(pe.Message, testSoftwareStatement) {
			t.Errorf("error = %v (%+v): want the statement scrubbed", err, *pe)
		}
	})
	t.Run("reply without credentials", func(t *testing.T) {
		t.Parallel()
		c, mux, _ := setup(t)
		serve(mux, "/o/client/register", http.StatusCreated, []byte(`{"client_id":"x"}`))
		var de *DecodeError
		if _, err := c.Pass.Register(context.Background(), testSoftwareStatement); !errors.As(err, &de) {
			t.Errorf("error = %v, want *DecodeError", err)
		}
	})
	t.Run("validation before I/O", func(t *testing.T) {
		t.Parallel()
		c, _, _ := setup(t)
		_, err := c.Pass.Register(context.Background(), "")
		asValidation(t, err, "softwareStatement")
		_, err = c.Pass.RegisterClient(context.Background(), RegisterRequest{SoftwareStatement: "x", RedirectURI: "http://a b/%zz"})
		asValidation(t, err, "RedirectURI")
		bad := testDevice
		bad.Info.Model = ""
		_, err = c.Pass.RegisterClient(context.Background(), RegisterRequest{SoftwareStatement: "x", Device: &bad})
		asValidation(t, err, "Device.Info.model")
		crlf := testDevice
		crlf.ForwardedFor = "192.0.2.1\r\nX-Evil: 1"
		_, err = c.Pass.RegisterClient(context.Background(), RegisterRequest{SoftwareStatement: "x", Device: &crlf})
		asValidation(t, err, "Device.ForwardedFor")
	})
	// Adobe requires X-Device-Info on registration: no device at all is refused before any I/O (setup's
	// mux fails the test on any request)...
	t.Run("no device", func(t *testing.T) {
		t.Parallel()
		_, mux, srvURL := setup(t)
		c, err := New(WithPassURL(srvURL), WithRetry(fastRetry))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Pass.Register(context.Background(), testSoftwareStatement)
		asValidation(t, err, "Device")
		// ...but a per-request device is enough.
		rec := serve(mux, "POST /o/client/register", http.StatusCreated, passFixture(t, "dcr_register_created.json"))
		creds, err := c.Pass.RegisterClient(context.Background(), RegisterRequest{SoftwareStatement: testSoftwareStatement, Device: &testDevice})
		if err != nil || creds.ClientID != "s6BhdRkqt3" {
			t.Fatalf("RegisterClient with a device: %v, %v", creds, err)
		}
		_, devInfo := testDeviceHeaders(t)
		wantHeaders(t, rec.last(t).Header, map[string]string{"X-Device-Info": devInfo})
	})
}

func TestPassAccessToken(t *testing.T) {
	t.Parallel()
	_, devInfo := testDeviceHeaders(t)
	for _, status := range []int{http.StatusCreated, http.StatusOK} {
		c, mux, _ := setup(t)
		rec := serve(mux, "/o/client/token", status, passFixture(t, "dcr_token_created.json"))
		before := time.Now()
		tok, err := c.Pass.AccessToken(context.Background(), ClientCredentials{ClientID: "s6BhdRkqt3", ClientSecret: "t7AkePiru4"})
		if err != nil {
			t.Fatalf("status %d: %v", status, err)
		}
		got := rec.last(t)
		if got.Method != http.MethodPost || got.Body != "client_id=s6BhdRkqt3&client_secret=t7AkePiru4&grant_type=client_credentials" {
			t.Errorf("sent %s %s", got.Method, got.Body)
		}
		wantHeaders(t, got.Header, map[string]string{"Content-Type": "application/x-www-form-urlencoded",
			"X-Device-Info": devInfo, "Authorization": ""})
		// expires_in 21600 s, refetched 5 min early.
		lifetime := 21600*time.Second - 5*time.Minute
		if tok.AccessToken != "2YotnFZFEjr1zCsicMWpAA" || tok.Type() != "Bearer" ||
			tok.Expiry.Before(before.Add(lifetime)) || tok.Expiry.After(time.Now().Add(lifetime)) {
			t.Errorf("token = %+v", tok)
		}
		if id := tok.Extra("id"); id != "a932f8f0-210a-41a4-b2a8-377751f6b76f" {
			t.Errorf("Extra(id) = %v", id)
		}
		if ct, _ := tok.Extra("created_at").(time.Time); !ct.Equal(time.UnixMilli(1752148106221)) {
			t.Errorf("Extra(created_at) = %v", tok.Extra("created_at"))
		}
	}
}

// A token source serves every device of a server-to-server backend: without a default device the
// token request goes out without X-Device-Info rather than failing.
func TestPassAccessTokenWithoutDevice(t *testing.T) {
	t.Parallel()
	_, mux, srvURL := setup(t)
	rec := serve(mux, "POST /o/client/token", http.StatusCreated, passFixture(t, "dcr_token_created.json"))
	c, err := New(WithPassURL(srvURL), WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Pass.TokenSource(ClientCredentials{ClientID: "s6BhdRkqt3", ClientSecret: "t7AkePiru4"}).Token()
	if err != nil || tok.AccessToken != "2YotnFZFEjr1zCsicMWpAA" {
		t.Fatalf("token = %v, %v", tok, err)
	}
	wantHeaders(t, rec.last(t).Header, map[string]string{"X-Device-Info": "", "X-Forwarded-For": "",
		"Content-Type": "application/x-www-form-urlencoded"})
}

func TestPassAccessTokenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture      string
		code         string
		unauthorized bool
	}{
		{"dcr_token_invalid_request.json", "invalid_request", false},
		{"dcr_token_invalid_client.json", "invalid_client", true},
	}
	for _, tt := range tests {
		c, mux, _ := setup(t)
		serve(mux, "/o/client/token", http.StatusBadRequest, passFixture(t, tt.fixture))
		_, err := c.Pass.AccessToken(context.Background(), ClientCredentials{ClientID: "a", ClientSecret: "b-secret"})
		if pe := asPassError(t, err); pe.Code != tt.code || errors.Is(err, ErrUnauthorized) != tt.unauthorized {
			t.Errorf("%s: error %v, want code %s, unauthorized %v", tt.fixture, err, tt.code, tt.unauthorized)
		}
	}
	c, _, _ := setup(t)
	_, err := c.Pass.AccessToken(context.Background(), ClientCredentials{ClientID: "a"})
	asValidation(t, err, "creds.ClientSecret")
	_, err = c.Pass.TokenSource(ClientCredentials{ClientSecret: "s"}).Token()
	asValidation(t, err, "creds.ClientID")
}

func TestPassRefetchMargin(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ lifetime, want time.Duration }{
		{6 * time.Hour, 5 * time.Minute},
		{24 * time.Hour, 5 * time.Minute},
		{10 * time.Minute, time.Minute},
		{10 * time.Second, time.Second},
	} {
		if got := refetchMargin(tt.lifetime); got != tt.want {
			t.Errorf("refetchMargin(%v) = %v, want %v", tt.lifetime, got, tt.want)
		}
	}
}

func TestPassTokenSourceCachesAndRefetchesBeforeExpiry(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var fetches atomic.Int32
	mux.HandleFunc("POST /o/client/token", func(w http.ResponseWriter, r *http.Request) {
		n := fetches.Add(1)
		reply(w, http.StatusCreated, []byte(`{"access_token":"tok-`+string(rune('0'+n))+`","expires_in":3600,"token_type":"bearer"}`))
	})
	ts := c.Pass.TokenSource(ClientCredentials{ClientID: "id", ClientSecret: "secret-value"}).(*passTokenSource)
	now := time.Now()
	ts.now = func() time.Time { return now }
	for i := range 3 {
		tok, err := ts.Token()
		if err != nil || tok.AccessToken != "tok-1" {
			t.Fatalf("call %d: %v, %v", i, tok, err)
		}
	}
	// 3600 s with a 5 min margin: still good after 54 min, refetched after 56.
	now = now.Add(54 * time.Minute)
	if tok, _ := ts.Token(); tok.AccessToken != "tok-1" {
		t.Errorf("after 54 min: %s, want the cached tok-1", tok.AccessToken)
	}
	now = now.Add(2 * time.Minute)
	if tok, _ := ts.Token(); tok.AccessToken != "tok-2" {
		t.Errorf("after 56 min: %s, want a fresh tok-2", tok.AccessToken)
	}
	if fetches.Load() != 2 {
		t.Errorf("fetches = %d, want 2", fetches.Load())
	}
	if s := fmtAll(ts); strings.Contains(s, "secret-value") || strings.Contains(s, "tok-") || !strings.Contains(s, `"id"`) {
		t.Errorf("token source prints as %q", s)
	}
}

// A caller whose context ends while the fetch is in flight fails alone; the next caller fetches anew.
func TestPassTokenSourceCancelledCallerDoesNotPoison(t *testing.T) {
	t.Parallel()
	_, mux, srvURL := setup(t)
	var fetches atomic.Int32
	mux.HandleFunc("POST /o/client/token", func(w http.ResponseWriter, r *http.Request) {
		if fetches.Add(1) == 1 {
			io.Copy(io.Discard, r.Body) // the server notices a closed connection only once the body is read
			<-r.Context().Done()        // the first fetch hangs until its caller gives up
			return
		}
		reply(w, http.StatusCreated, passFixture(t, "dcr_token_created.json"))
	})
	serve(mux, "GET /api/v2/REF30/logout/Cablevision", http.StatusOK, passFixture(t, "logout_temppass.json"))
	reg := clientWithTokenSource(t, srvURL, nil)
	c := clientWithTokenSource(t, srvURL, reg.Pass.TokenSource(ClientCredentials{ClientID: "id", ClientSecret: "secret-value"}))

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Pass.Logout(ctx, cablevisionLogout); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("first caller: %v, want context.DeadlineExceeded", err)
	}
	res, err := c.Pass.Logout(context.Background(), cablevisionLogout)
	if err != nil || len(res.Actions) != 1 {
		t.Fatalf("second caller: %+v, %v", res, err)
	}
	if fetches.Load() != 2 {
		t.Errorf("fetches = %d, want 2", fetches.Load())
	}
}

func TestPassClientCredentialsMasked(t *testing.T) {
	t.Parallel()
	creds := ClientCredentials{ClientID: "s6BhdRkqt3", ClientSecret: "t7AkePiru4"}
	var logs bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&logs, nil))
	l.Info("creds", "creds", creds, "ptr", &creds, "req", RegisterRequest{SoftwareStatement: testSoftwareStatement})
	for _, s := range []string{fmtAll(creds), fmtAll(&creds), fmtAll([]ClientCredentials{creds}), logs.String(),
		fmtAll(RegisterRequest{SoftwareStatement: testSoftwareStatement})} {
		if strings.Contains(s, "t7AkePiru4") || strings.Contains(s, testSoftwareStatement) {
			t.Errorf("secret leaked: %s", s)
		}
	}
	if !strings.Contains(fmtAll(creds), "s6BhdRkqt3") {
		t.Errorf("client id missing: %s", fmtAll(creds))
	}
	// json.Marshal masks; MarshalUnmaskedJSON is the storage form and keeps the secret.
	if b, _ := json.Marshal(creds); strings.Contains(string(b), "t7AkePiru4") {
		t.Errorf("JSON %s shows the secret", b)
	}
	b, _ := creds.MarshalUnmaskedJSON()
	var back ClientCredentials
	if err := json.Unmarshal(b, &back); err != nil || back.ClientSecret != "t7AkePiru4" {
		t.Errorf("storage form %s does not round-trip: %v", b, err)
	}
}

func TestPassLoadOrRegister(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	rec := serve(mux, "/o/client/register", http.StatusCreated, passFixture(t, "dcr_register_created.json"))
	store := NewMemoryCredentialStore()
	for i := range 2 {
		creds, err := c.Pass.LoadOrRegister(context.Background(), store, testSoftwareStatement)
		if err != nil || creds.ClientID != "s6BhdRkqt3" || creds.ClientSecret != "t7AkePiru4" {
			t.Fatalf("call %d: %v, %v", i, creds, err)
		}
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("registered %d times, want once", n)
	}
	// A store that fails for another reason must not cause a second registration.
	broken := failingStore{errors.New("disk on fire")}
	if _, err := c.Pass.LoadOrRegister(context.Background(), broken, testSoftwareStatement); err == nil || len(rec.all()) != 1 {
		t.Errorf("broken store: err %v, registrations %d", err, len(rec.all()))
	}
	_, err := c.Pass.LoadOrRegister(context.Background(), nil, testSoftwareStatement)
	asValidation(t, err, "store")
}

type failingStore struct{ err error }

func (f failingStore) Load(context.Context) (ClientCredentials, error) {
	return ClientCredentials{}, f.err
}
func (f failingStore) Save(context.Context, ClientCredentials) error { return f.err }

func TestPassCreateSessionDocumentedSamples(t *testing.T) {
	t.Parallel()
	devID, devInfo := testDeviceHeaders(t)
	full := SessionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", DomainName: "adobe.com", RedirectURL: "https://adobe.com"}
	fullBody := "mvpd=Cablevision&domainName=adobe.com&redirectUrl=https%3A%2F%2Fadobe.com"
	tests := []struct {
		fixture  string
		req      SessionRequest
		wantBody string
		want     Session
		wantURL  string // path of the resolved URL
	}{
		{"session_create_authenticate.json", full, fullBody, Session{ActionName: ActionAuthenticate, ActionType: ActionTypeInteractive,
			ReasonType: ReasonNone, Code: "8ER640M", SessionID: "1b614390-6610-4d14-9421-6565f6e75958", MVPD: "Cablevision",
			ServiceProvider: "REF30", NotBefore: time.UnixMilli(1733735289035), NotAfter: time.UnixMilli(1733737089035)},
			"/api/v2/authenticate/REF30/8ER640M"},
		{"session_create_missing_parameters.json", SessionRequest{ServiceProvider: "REF30"}, "", Session{ActionName: ActionResume,
			ActionType: ActionTypeDirect, ReasonType: ReasonNone, MissingParameters: []string{"mvpd", "domain", "redirectUrl"},
			Code: "8ER640M", SessionID: "1b614390-6610-4d14-9421-6565f6e75958", ServiceProvider: "REF30",
			NotBefore: time.UnixMilli(1733735289035), NotAfter: time.UnixMilli(1733737089035)}, "/api/v2/REF30/sessions/8ER640M"},
		{"session_create_authenticated.json", full, fullBody, Session{ActionName: ActionAuthorize, ActionType: ActionTypeDirect,
			ReasonType: ReasonAuthenticated, SessionID: "1b614390-6610-4d14-9421-6565f6e75958", MVPD: "Cablevision", ServiceProvider: "REF30"},
			"/api/v2/REF30/decisions/authorize/Cablevision"},
		{"session_create_temppass.json", SessionRequest{ServiceProvider: "REF30", MVPD: "TempPass_TEST40", DomainName: "adobe.com",
			RedirectURL: "https://adobe.com"}, "mvpd=TempPass_TEST40&domainName=adobe.com&redirectUrl=https%3A%2F%2Fadobe.com",
			Session{ActionName: ActionAuthorize, ActionType: ActionTypeDirect, ReasonType: ReasonTemporary,
				SessionID: "1b614390-6610-4d14-9421-6565f6e75958", MVPD: "TempPass_TEST40", ServiceProvider: "REF30"},
			"/api/v2/REF30/decisions/authorize/TempPass_TEST40"},
		{"session_create_degraded.json", full, fullBody, Session{ActionName: ActionAuthorize, ActionType: ActionTypeDirect,
			ReasonType: ReasonDegraded, SessionID: "1b614390-6610-4d14-9421-6565f6e75958", MVPD: "Cablevision", ServiceProvider: "REF30"},
			"/api/v2/REF30/decisions/authorize/Cablevision"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, mux, srvURL := setup(t)
			rec := serve(mux, "/api/v2/", http.StatusOK, passFixture(t, tt.fixture))
			s, err := c.Pass.CreateSession(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			got := rec.last(t)
			if got.Method != http.MethodPost || got.RawPath != "/api/v2/REF30/sessions" || got.Body != tt.wantBody {
				t.Errorf("sent %s %s body %q, want body %q", got.Method, got.RawPath, got.Body, tt.wantBody)
			}
			wantHeaders(t, got.Header, map[string]string{"Authorization": "Bearer test-token",
				"Content-Type": "application/x-www-form-urlencoded", "AP-Device-Identifier": devID, "X-Device-Info": devInfo})
			if s.URL == nil || s.URL.String() != srvURL+tt.wantURL {
				t.Errorf("URL = %v, want %s%s", s.URL, srvURL, tt.wantURL)
			}
			gotS := *s
			gotS.URL = nil
			if !reflect.DeepEqual(gotS, tt.want) {
				t.Errorf("session = %+v\nwant %+v", gotS, tt.want)
			}
			if s.NeedsUserAgent() != (tt.want.ActionType == ActionTypeInteractive) {
				t.Errorf("NeedsUserAgent = %v", s.NeedsUserAgent())
			}
		})
	}
}

func TestPassCreateSessionHeadersAndValidation(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	rec := serve(mux, "/api/v2/", http.StatusOK, passFixture(t, "session_create_authenticate.json"))
	dev := testDevice
	dev.ForwardedFor = "198.51.100.4"
	_, err := c.Pass.CreateSession(context.Background(), SessionRequest{ServiceProvider: "REF30", MVPD: "Cablevision",
		DomainName: "adobe.com", RedirectURL: "https://adobe.com/a b?c=d&e", Device: &dev,
		Headers: PassHeaders{VisitorID: "ecid", ServiceToken: "svc.jws"}})
	if err != nil {
		t.Fatal(err)
	}
	got := rec.last(t)
	if want := "mvpd=Cablevision&domainName=adobe.com&redirectUrl=https%3A%2F%2Fadobe.com%2Fa%20b%3Fc%3Dd%26e"; got.Body != want {
		t.Errorf("body = %q, want %q", got.Body, want)
	}
	wantHeaders(t, got.Header, map[string]string{"X-Forwarded-For": "198.51.100.4", "AP-Visitor-Identifier": "ecid", "AD-Service-Token": "svc.jws"})

	for _, tt := range []struct {
		req   SessionRequest
		field string
	}{
		{SessionRequest{MVPD: "Cablevision"}, "ServiceProvider"},
		{SessionRequest{ServiceProvider: "REF30", RedirectURL: "adobe.com"}, "RedirectURL"},
		{SessionRequest{ServiceProvider: "REF30", Headers: PassHeaders{PartnerFrameworkStatus: "x"}}, "Headers.PartnerFrameworkStatus"},
		{SessionRequest{ServiceProvider: "REF30", Device: &Device{ID: "x"}}, "Device.Info.model"},
	} {
		_, err := c.Pass.CreateSession(context.Background(), tt.req)
		asValidation(t, err, tt.field)
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("%d requests, want 1: validation must fail before I/O", n)
	}
}

func TestPassResumeSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture   string
		req       SessionRequest
		wantBody  string
		wantName  ActionName
		malformed bool // Adobe's sample is not valid JSON
	}{
		{"session_resume_authenticate.json", SessionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", DomainName: "adobe.com",
			RedirectURL: "https://adobe.com"}, "mvpd=Cablevision&domainName=adobe.com&redirectUrl=https%3A%2F%2Fadobe.com", ActionAuthenticate, false},
		{"session_resume_retry_missing_comma.json", SessionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", DomainName: "adobe.com"},
			"mvpd=Cablevision&domainName=adobe.com", ActionRetry, true},
		{"session_resume_authenticated.json", SessionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", DomainName: "adobe.com",
			RedirectURL: "https://adobe.com"}, "mvpd=Cablevision&domainName=adobe.com&redirectUrl=https%3A%2F%2Fadobe.com", ActionAuthorize, false},
		{"session_resume_temppass_missing_comma.json", SessionRequest{ServiceProvider: "REF30", MVPD: "TempPass_TEST40", DomainName: "adobe.com",
			RedirectURL: "https://adobe.com"}, "mvpd=TempPass_TEST40&domainName=adobe.com&redirectUrl=https%3A%2F%2Fadobe.com", ActionAuthorize, true},
		{"session_resume_degraded.json", SessionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", DomainName: "adobe.com",
			RedirectURL: "https://adobe.com"}, "mvpd=Cablevision&domainName=adobe.com&redirectUrl=https%3A%2F%2Fadobe.com", ActionAuthorize, false},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			dev := testDevice
			dev.ForwardedFor = "192.0.2.1"
			c, mux, _ := setup(t, WithDevice(dev))
			rec := serve(mux, "/api/v2/", http.StatusOK, passFixture(t, tt.fixture))
			s, err := c.Pass.ResumeSession(context.Background(), "8BLW4RW", tt.req)
			got := rec.last(t)
			if got.Method != http.MethodPost || got.RawPath != "/api/v2/REF30/sessions/8BLW4RW" || got.Body != tt.wantBody {
				t.Errorf("sent %s %s %q", got.Method, got.RawPath, got.Body)
			}
			// Resume documents no device headers; X-Forwarded-For still keys Adobe's throttling.
			wantHeaders(t, got.Header, map[string]string{"Authorization": "Bearer test-token", "Content-Type": "application/x-www-form-urlencoded",
				"AP-Device-Identifier": "", "X-Device-Info": "", "X-Forwarded-For": "192.0.2.1"})
			if tt.malformed {
				var de *DecodeError
				if !errors.As(err, &de) {
					t.Errorf("error = %v, want *DecodeError for Adobe's malformed sample", err)
				}
				return
			}
			if err != nil || s.ActionName != tt.wantName {
				t.Errorf("session = %+v, %v; want %s", s, err, tt.wantName)
			}
		})
	}
	c, _, _ := setup(t)
	_, err := c.Pass.ResumeSession(context.Background(), "", SessionRequest{ServiceProvider: "REF30"})
	asValidation(t, err, "code")
	_, err = c.Pass.ResumeSession(context.Background(), "8BLW4RW", SessionRequest{ServiceProvider: "REF30", Headers: PassHeaders{ServiceToken: "x"}})
	asValidation(t, err, "Headers.ServiceToken")
}

func TestPassSessionInfo(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	rec := serve(mux, "/api/v2/", http.StatusOK, passFixture(t, "session_info_missing_parameters.json"))
	info, err := c.Pass.SessionInfo(context.Background(), "REF30", "8BLW4RW")
	if err != nil {
		t.Fatal(err)
	}
	got := rec.last(t)
	if got.Method != http.MethodGet || got.RawPath != "/api/v2/REF30/sessions/8BLW4RW" {
		t.Errorf("sent %s %s", got.Method, got.RawPath)
	}
	wantHeaders(t, got.Header, map[string]string{"Authorization": "Bearer test-token", "AP-Device-Identifier": "", "X-Device-Info": ""})
	want := map[string]string{"redirectUrl": "https://adobe.com", "domainName": "adobe.com", "serviceProvider": "REF30"}
	if !reflect.DeepEqual(info.ExistingParameters, want) || !reflect.DeepEqual(info.MissingParameters, []string{"mvpd"}) ||
		!info.NotBefore.Equal(time.UnixMilli(1761299929958)) || !info.NotAfter.Equal(time.UnixMilli(1761301729958)) {
		t.Errorf("info = %+v", info)
	}
	var dev struct {
		Type       string `json:"type"`
		Connection struct {
			Port string `json:"port"`
		} `json:"connection"`
	}
	if err := json.Unmarshal(info.Device, &dev); err != nil || dev.Type != "Desktop" || dev.Connection.Port != "3061" {
		t.Errorf("device = %s (%v)", info.Device, err)
	}

	// Adobe's other sample lacks commas: a *DecodeError, not a panic or a half-filled result.
	c2, mux2, _ := setup(t)
	serve(mux2, "/api/v2/", http.StatusOK, passFixture(t, "session_info_missing_commas.json"))
	var de *DecodeError
	if _, err := c2.Pass.SessionInfo(context.Background(), "REF30", "8BLW4RW"); !errors.As(err, &de) {
		t.Errorf("error = %v, want *DecodeError", err)
	}
	_, err = c.Pass.SessionInfo(context.Background(), "REF30", ".")
	asValidation(t, err, "code")
}

func TestPassSessionErrors(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	serve(mux, "/api/v2/", http.StatusBadRequest, []byte(`{"action":"none","status":400,"code":"invalid_authentication_session","message":"The authentication session is invalid."}`))
	_, err := c.Pass.SessionInfo(context.Background(), "REF30", "8BLW4RW")
	if pe := asPassError(t, err); pe.Code != "invalid_authentication_session" || pe.Action != "none" {
		t.Errorf("PassError = %+v", *pe)
	}
}

func TestPassAuthenticateURL(t *testing.T) {
	t.Parallel()
	c, _, srvURL := setup(t)
	u, err := c.Pass.AuthenticateURL("REF30", "8KHP9RW")
	if err != nil || u != srvURL+"/api/v2/authenticate/REF30/8KHP9RW" {
		t.Errorf("AuthenticateURL = %q, %v", u, err)
	}
	u, _ = c.Pass.AuthenticateURL("REF 30", "a/b")
	if want := srvURL + "/api/v2/authenticate/REF%2030/a%2Fb"; u != want {
		t.Errorf("AuthenticateURL = %q, want %q", u, want)
	}
	_, err = c.Pass.AuthenticateURL("REF30", "")
	asValidation(t, err, "code")

	def, _ := New()
	if u, _ := def.Pass.AuthenticateURL("REF30", "8KHP9RW"); u != "https://sp.auth.adobe.com/api/v2/authenticate/REF30/8KHP9RW" {
		t.Errorf("default AuthenticateURL = %q", u)
	}
}

// Every v2 endpoint maps an Enhanced Error Code body to *PassError, a 401 to ErrUnauthorized and an
// exhausted 429 to ErrRateLimited, with Adobe's 1 s floor (capped by MaxWait here) between tries.
func TestPassEndpointsMapErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	calls := map[string]func(c *Client) error{
		"Configuration": func(c *Client) error { _, err := c.Pass.Configuration(ctx, "REF30"); return err },
		"CreateSession": func(c *Client) error {
			_, err := c.Pass.CreateSession(ctx, SessionRequest{ServiceProvider: "REF30", MVPD: "Cablevision"})
			return err
		},
		"ResumeSession": func(c *Client) error {
			_, err := c.Pass.ResumeSession(ctx, "8BLW4RW", SessionRequest{ServiceProvider: "REF30"})
			return err
		},
		"SessionInfo": func(c *Client) error { _, err := c.Pass.SessionInfo(ctx, "REF30", "8BLW4RW"); return err },
		"Profiles": func(c *Client) error {
			_, err := c.Pass.Profiles(ctx, ProfileRequest{ServiceProvider: "REF30"})
			return err
		},
		"ProfileForMVPD": func(c *Client) error {
			_, err := c.Pass.ProfileForMVPD(ctx, ProfileRequest{ServiceProvider: "REF30", MVPD: "Cablevision"})
			return err
		},
		"ProfileForCode": func(c *Client) error {
			_, err := c.Pass.ProfileForCode(ctx, ProfileRequest{ServiceProvider: "REF30", Code: "XTC98W"})
			return err
		},
		"Authorize": func(c *Client) error {
			_, err := c.Pass.Authorize(ctx, DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", Resources: []string{"REF30"}})
			return err
		},
		"Preauthorize": func(c *Client) error {
			_, err := c.Pass.Preauthorize(ctx, DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", Resources: []string{"REF30"}})
			return err
		},
		"PartnerSession": func(c *Client) error {
			_, err := c.Pass.PartnerSession(ctx, PartnerSessionRequest{ServiceProvider: "REF30", Partner: "Apple",
				DomainName: "adobe.com", RedirectURL: "https://adobe.com"})
			return err
		},
		"PartnerProfile": func(c *Client) error {
			_, err := c.Pass.PartnerProfile(ctx, PartnerProfileRequest{ServiceProvider: "REF30", Partner: "Apple", SAMLResponse: "PHNhbWw+"})
			return err
		},
		"Logout":   func(c *Client) error { _, err := c.Pass.Logout(ctx, cablevisionLogout); return err },
		"Register": func(c *Client) error { _, err := c.Pass.Register(ctx, testSoftwareStatement); return err },
		"AccessToken": func(c *Client) error {
			_, err := c.Pass.AccessToken(ctx, ClientCredentials{ClientID: "a", ClientSecret: "b-secret"})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const maxWait = 30 * time.Millisecond
			c, mux, _ := setup(t, WithRetry(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: maxWait}))
			var status atomic.Int32
			var last atomic.Int64
			var gap atomic.Int64
			handler := func(w http.ResponseWriter, r *http.Request) {
				now := time.Now().UnixNano()
				if prev := last.Swap(now); prev != 0 {
					gap.Store(now - prev)
				}
				switch s := int(status.Load()); s {
				case http.StatusTooManyRequests:
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(s)
					w.Write(passFixture(t, "throttle_429.html"))
				default:
					reply(w, s, []byte(`{"action":"none","status":`+strconv.Itoa(s)+`,"code":"some_code","message":"m","trace":"tr"}`))
				}
			}
			mux.HandleFunc("/api/v2/", handler)
			mux.HandleFunc("/o/client/", handler)
			status.Store(400)
			err := call(c)
			if pe := asPassError(t, err); pe.Code != "some_code" || pe.HTTPStatus != 400 || pe.Trace != "tr" {
				t.Errorf("400: %+v", *pe)
			}
			status.Store(401)
			if err := call(c); !errors.Is(err, ErrUnauthorized) {
				t.Errorf("401: %v, want ErrUnauthorized", err)
			}
			status.Store(429)
			last.Store(0)
			if err := call(c); !errors.Is(err, ErrRateLimited) {
				t.Errorf("429: %v, want ErrRateLimited", err)
			}
			if g := time.Duration(gap.Load()); g < maxWait-5*time.Millisecond {
				t.Errorf("429 retried after %v, want ≥ %v (the throttle floor capped by MaxWait)", g, maxWait)
			}
		})
	}
}

func FuzzPassDecodeSession(f *testing.F) {
	seed(f, "session_create_*.json", "session_resume_*.json", "partner_session_*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := decodeSession(fuzzResponse(body))
		if err == nil && s.URL != nil && !s.URL.IsAbs() {
			t.Errorf("URL %v not absolute", s.URL)
		}
	})
}

func FuzzPassDecodeSessionInfo(f *testing.F) {
	seed(f, "session_info_*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		info, err := decodeSessionInfo(fuzzResponse(body))
		if err == nil && info.Device != nil && !json.Valid(info.Device) {
			t.Errorf("Device %q is not JSON", info.Device)
		}
	})
}

func FuzzPassDecodeDCR(f *testing.F) {
	seed(f, "dcr_*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		if c, err := decodeRegistration(fuzzResponse(body)); err == nil && (c.ClientID == "" || c.ClientSecret == "") {
			t.Errorf("accepted credentials without id or secret: %+v", c)
		}
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if tok, err := decodeAccessToken(fuzzResponse(body), now); err == nil {
			if tok.AccessToken == "" || (!tok.Expiry.IsZero() && !tok.Expiry.After(now)) {
				t.Errorf("token %+v", tok)
			}
		}
	})
}

func TestPassConfiguration(t *testing.T) {
	t.Parallel()
	devID, devInfo := testDeviceHeaders(t)
	c, mux, _ := setup(t)
	rec := serve(mux, "/api/v2/", http.StatusOK, passFixture(t, "configuration.json"))
	cfg, err := c.Pass.Configuration(context.Background(), "REF30")
	if err != nil {
		t.Fatal(err)
	}
	got := rec.last(t)
	if got.Method != http.MethodGet || got.RawPath != "/api/v2/REF30/configuration" || got.RawQuery != "" {
		t.Errorf("sent %s %s?%s", got.Method, got.RawPath, got.RawQuery)
	}
	wantHeaders(t, got.Header, map[string]string{"Authorization": "Bearer test-token", "AP-Device-Identifier": devID, "X-Device-Info": devInfo})
	if cfg.Device != "unknown" || cfg.ClientType != "html5" || cfg.OS != "Unknown" || cfg.Requestor.ID != "REF30" ||
		cfg.Requestor.Name != "Reference site only in 30" || len(cfg.Requestor.Domains) != 6 || len(cfg.Requestor.MVPDs) != 8 {
		t.Fatalf("configuration = %+v", cfg)
	}
	tp := cfg.Requestor.MVPDs[1]
	if tp.ID != "TempPass_TEST40" || !tp.IsTempPass || !tp.AuthPerAggregator || tp.DisplayName != "Adobe Temp Pass Test 3 min" {
		t.Errorf("MVPD[1] = %+v", tp)
	}
	if last := cfg.Requestor.MVPDs[7]; last.ID != "Comcast_SSO_Perf" || !last.AuthPerBrowserSession {
		t.Errorf("MVPD[7] = %+v", last)
	}
	if !json.Valid(cfg.Raw) {
		t.Errorf("Raw is not the reply")
	}

	// Without any device the headers are left out rather than refused.
	_, mux2, srvURL := setup(t)
	rec2 := serve(mux2, "/api/v2/", http.StatusOK, []byte(`{"mvpds":[{"id":"Top","isTempPass":"true"}],"requestor":{"id":"REF30"}}`))
	c2, _ := New(WithPassURL(srvURL), WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})))
	cfg2, err := c2.Pass.Configuration(context.Background(), "REF30")
	if err != nil || len(cfg2.Requestor.MVPDs) != 1 || !cfg2.Requestor.MVPDs[0].IsTempPass {
		t.Errorf("top-level mvpds: %+v, %v", cfg2, err)
	}
	wantHeaders(t, rec2.last(t).Header, map[string]string{"AP-Device-Identifier": "", "X-Device-Info": ""})

	_, err = c.Pass.Configuration(context.Background(), "")
	asValidation(t, err, "serviceProvider")
}

func FuzzPassDecodeConfiguration(f *testing.F) {
	seed(f, "configuration.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		if c, err := decodeConfiguration(fuzzResponse(body)); err == nil && !json.Valid(c.Raw) {
			// The raw reply is kept as sent; it was accepted, so it is JSON (possibly with trailing commas).
			if fixed, _ := dropTrailingCommas(c.Raw); !json.Valid(fixed) {
				t.Errorf("Raw %q is not JSON", c.Raw)
			}
		}
	})
}
