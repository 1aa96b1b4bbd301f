package tvauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	agsTestAuthService = "Customer Auth Service"
	agsTestTenant      = "nagra"
)

// agsSetup is setup with the AGS defaults an app sets once: auth service, tenant and the Nagra headers.
func agsSetup(t *testing.T, opts ...Option) (*Client, *http.ServeMux) {
	t.Helper()
	c, mux, _ := setup(t, append([]Option{
		WithAGSAuthService(agsTestAuthService), WithAGSTenant(agsTestTenant),
		WithAGSHeader("Nagra-Device-Type", "Browser"), WithAGSHeader("Nagra-Target", "tv"),
	}, opts...)...)
	return c, mux
}

func agsFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ags", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}

func agsCompact(t testing.TB, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("compact %q: %v", b, err)
	}
	return buf.String()
}

// agsReply answers with status and body, as JSON unless the body starts with '<'.
func agsReply(w http.ResponseWriter, status int, body []byte) {
	if bytes.HasPrefix(body, []byte("<")) {
		w.Header().Set("Content-Type", "text/html")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// agsTestCommonHeaders checks the headers every AGS POST carries.
func agsTestCommonHeaders(t *testing.T, r *http.Request, correlationID string) {
	t.Helper()
	testHeader(t, r, "X-Auth-Service-Id", agsTestAuthService)
	testHeader(t, r, "Nv-Tenant-Id", agsTestTenant)
	testHeader(t, r, "Nagra-Device-Type", "Browser")
	testHeader(t, r, "Nagra-Target", "tv")
	testHeader(t, r, "Accept", "application/json")
	if r.Method == http.MethodPost {
		testHeader(t, r, "Content-Type", "application/json")
	} else if r.Header.Get("Content-Type") != "" || r.ContentLength > 0 {
		t.Errorf("GET with a body or Content-Type %q", r.Header.Get("Content-Type"))
	}
	if correlationID != "" {
		testHeader(t, r, "X-Correlation-Id", correlationID)
	} else if id := r.Header.Get("X-Correlation-Id"); !uuidV4.MatchString(id) {
		t.Errorf("x-correlation-id = %q, want a fresh UUID", id)
	}
}

// agsSeen records header values a handler saw, in order.
type agsSeen struct {
	mu   sync.Mutex
	seen []string
}

func (s *agsSeen) Add(v string) {
	s.mu.Lock()
	s.seen = append(s.seen, v)
	s.mu.Unlock()
}

func (s *agsSeen) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

type agsRoundTripper func(*http.Request) (*http.Response, error)

func (f agsRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func agsTestJSONBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("body:\n got %s\nwant %s", b, want)
	}
}

func TestAGSSignOnWire(t *testing.T) {
	t.Parallel()
	nth := agsFixture(t, "signon_request_nth.json")
	first := agsFixture(t, "signon_request_first.json")
	var firstReq struct {
		DeviceInformation json.RawMessage `json:"deviceInformation"`
	}
	if err := json.Unmarshal(first, &firstReq); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		req      SignOnRequest
		wantBody string
	}{
		{"nth time with clientId", SignOnRequest{
			Parameters: []Parameter{{"username", "dave"}}, ClientID: "abc3fj6sdehd529ng33dg", CorrelationID: "corr-nth-1",
		}, agsCompact(t, nth)},
		{"first time with deviceInformation", SignOnRequest{
			Parameters: []Parameter{{"username", "dave"}}, DeviceInformation: firstReq.DeviceInformation, CorrelationID: "corr-first-1",
		}, agsCompact(t, first)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux := agsSetup(t)
			mux.HandleFunc("/ags/signOn", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodPost)
				agsTestCommonHeaders(t, r, tt.req.CorrelationID)
				if r.Header.Get("Authorization") != "" || r.Header.Get("User-Token") != "" {
					t.Errorf("unexpected credentials header")
				}
				agsTestJSONBody(t, r, tt.wantBody)
				agsReply(w, http.StatusCreated, agsFixture(t, "signon_201.json"))
			})
			before := time.Now()
			res, err := c.AGS.SignOn(context.Background(), tt.req)
			if err != nil {
				t.Fatalf("SignOn: %v", err)
			}
			if res.Accounts != nil || res.Tokens == nil {
				t.Fatalf("result = %+v, want tokens only", res)
			}
			tok := res.Tokens
			if tok.ClientID != "abc3fj6sdehd529ng33dg" || tok.AccountID != "1663" || tok.TokenType != "bearer" ||
				tok.ExpiresIn != time.Hour || tok.RefreshExpiresIn != 48*time.Hour || tok.FixedRefreshExpiresIn != 90*24*time.Hour ||
				!strings.HasPrefix(string(tok.AccessToken), "eyJ") || !strings.HasPrefix(string(tok.RefreshToken), "eyJ") {
				t.Errorf("tokens = %+v", *tok)
			}
			if tok.ReceivedAt.Before(before) || tok.ReceivedAt.After(time.Now()) {
				t.Errorf("ReceivedAt = %v, not the time of the call", tok.ReceivedAt)
			}
			if res.CorrelationID != tt.req.CorrelationID || tok.CorrelationID != tt.req.CorrelationID {
				t.Errorf("correlation ids = %q, %q", res.CorrelationID, tok.CorrelationID)
			}
		})
	}
}

func TestAGSSignOn300(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture    string
		wantTokens []string
	}{
		{"signon_300_per_account_token.json", []string{"uat-1660-6f1d2c3b4a5e6f708192a3b4c5d6e7f8", "uat-1663-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d"}},
		{"signon_300_top_level_token.json", []string{"uat-shared-7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29", "uat-shared-7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, mux := agsSetup(t)
			body := agsFixture(t, tt.fixture)
			mux.HandleFunc("/ags/signOn", func(w http.ResponseWriter, r *http.Request) {
				agsReply(w, http.StatusMultipleChoices, body)
			})
			res, err := c.AGS.SignOn(context.Background(), SignOnRequest{Parameters: []Parameter{{"username", "dave"}}, ClientID: "PUB_989"})
			if err != nil {
				t.Fatalf("SignOn: %v (a 300 is an answer)", err)
			}
			if res.Tokens != nil || len(res.Accounts) != 2 {
				t.Fatalf("result = %+v, want 2 accounts", res)
			}
			var doc struct{ Accounts []json.RawMessage }
			_ = json.Unmarshal(body, &doc)
			for i, a := range res.Accounts {
				if string(a.UserAccountToken) != tt.wantTokens[i] {
					t.Errorf("account %d token = %q, want %q", i, string(a.UserAccountToken), tt.wantTokens[i])
				}
				// Raw is the element with its user account token masked.
				var got, want map[string]any
				if json.Unmarshal(a.Raw, &got) != nil || json.Unmarshal(doc.Accounts[i], &want) != nil {
					t.Fatalf("account %d Raw = %s", i, a.Raw)
				}
				if _, ok := want["userAccountToken"]; ok {
					want["userAccountToken"] = redacted
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("account %d Raw = %s, want the element with its token masked", i, a.Raw)
				}
				if !strings.HasPrefix(a.AccountInformation, `{"apellido":"London bride is falling down","cuenta":"166`) {
					t.Errorf("account %d AccountInformation = %q", i, a.AccountInformation)
				}
				info, err := a.Information()
				if err != nil {
					t.Fatalf("Information: %v", err)
				}
				want = map[string]any{"apellido": "London bride is falling down", "cuenta": []string{"1660", "1663"}[i],
					"direccion": nil, "estado": nil, "nombre": "My fair lady.", "numeroIdentificacion": nil, "telAdicional": nil}
				if !reflect.DeepEqual(info, want) {
					t.Errorf("Information = %#v", info)
				}
			}
		})
	}
}

// TestAGSSelectAccountFlow runs 300 → choose → subsequentSignOn end to end, checking the User-Token
// that reaches the server is the chosen account's.
func TestAGSSelectAccountFlow(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	mux.HandleFunc("/ags/signOn", func(w http.ResponseWriter, r *http.Request) {
		agsReply(w, http.StatusMultipleChoices, agsFixture(t, "signon_300_per_account_token.json"))
	})
	mux.HandleFunc("/ags/subsequentSignOn", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		agsTestCommonHeaders(t, r, "flow-2")
		testHeader(t, r, "User-Token", "uat-1663-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d")
		testHeader(t, r, "Authorization", "")
		agsTestJSONBody(t, r, `{"parameters":[{"name":"username","value":"dave"}]}`)
		agsReply(w, http.StatusCreated, agsFixture(t, "subsequent_signon_201.json"))
	})
	ctx := context.Background()
	res, err := c.AGS.SignOn(ctx, SignOnRequest{Parameters: []Parameter{{"username", "dave"}},
		DeviceInformation: json.RawMessage(`{"deviceType":"OPEN"}`), CorrelationID: "flow-1"})
	if err != nil {
		t.Fatal(err)
	}
	chosen := res.Accounts[1]
	// DeviceInformation is not sent on the subsequent call even when the same request is reused.
	tok, err := c.AGS.SubsequentSignOn(ctx, chosen, SignOnRequest{Parameters: []Parameter{{"username", "dave"}},
		DeviceInformation: json.RawMessage(`{"deviceType":"OPEN"}`), CorrelationID: "flow-2"})
	if err != nil {
		t.Fatalf("SubsequentSignOn: %v", err)
	}
	if tok.ClientID != "PUB_989" || tok.AccountID != "1663" || tok.ExpiresIn != time.Hour || tok.CorrelationID != "flow-2" {
		t.Errorf("tokens = %+v", *tok)
	}
}

func TestAGSSubsequentSignOnWithClientID(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	mux.HandleFunc("/ags/subsequentSignOn", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		agsTestCommonHeaders(t, r, "")
		testHeader(t, r, "User-Token", "uat-x-1663")
		agsTestJSONBody(t, r, `{"parameters":[{"name":"username","value":"dave"}],"clientId":"PUB_989"}`)
		agsReply(w, http.StatusCreated, agsFixture(t, "subsequent_signon_201.json"))
	})
	tok, err := c.AGS.SubsequentSignOn(context.Background(), Account{UserAccountToken: "uat-x-1663"},
		SignOnRequest{Parameters: []Parameter{{"username", "dave"}}, ClientID: "PUB_989"})
	if err != nil {
		t.Fatal(err)
	}
	if tok.ClientID != "PUB_989" || tok.AccountID != "1663" || !uuidV4.MatchString(tok.CorrelationID) {
		t.Errorf("tokens = %+v", *tok)
	}
}

func TestAGSValidationBeforeIO(t *testing.T) {
	t.Parallel()
	c, _ := agsSetup(t) // no handlers: any request fails the test
	bare, _, _ := setup(t)
	ctx := context.Background()
	dev := json.RawMessage(`{"deviceType":"OPEN"}`)
	params := []Parameter{{"username", "dave"}}
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"signOn both", func() error {
			_, err := c.AGS.SignOn(ctx, SignOnRequest{Parameters: params, ClientID: "PUB_989", DeviceInformation: dev})
			return err
		}, "ClientID"},
		{"signOn neither", func() error { _, err := c.AGS.SignOn(ctx, SignOnRequest{Parameters: params}); return err }, "ClientID"},
		{"signOn blank clientId", func() error {
			_, err := c.AGS.SignOn(ctx, SignOnRequest{Parameters: params, ClientID: " \t"})
			return err
		}, "ClientID"},
		{"refresh clientId of Unicode spaces", func() error {
			_, err := c.AGS.Refresh(ctx, "rt-1", SignOnRequest{ClientID: "\u00a0\u2028"})
			return err
		}, "ClientID"},
		{"subsequentSignOn blank clientId", func() error {
			_, err := c.AGS.SubsequentSignOn(ctx, Account{UserAccountToken: "uat-1"}, SignOnRequest{Parameters: params, ClientID: " "})
			return err
		}, "ClientID"},
		{"signOn null device counts as none", func() error {
			_, err := c.AGS.SignOn(ctx, SignOnRequest{Parameters: params, DeviceInformation: json.RawMessage(" null ")})
			return err
		}, "ClientID"},
		{"signOn device not an object", func() error {
			_, err := c.AGS.SignOn(ctx, SignOnRequest{Parameters: params, DeviceInformation: json.RawMessage(`["x"]`)})
			return err
		}, "DeviceInformation"},
		{"signOn device malformed", func() error {
			_, err := c.AGS.SignOn(ctx, SignOnRequest{Parameters: params, DeviceInformation: json.RawMessage(`{"a":`)})
			return err
		}, "DeviceInformation"},
		{"signOn nameless parameter", func() error {
			_, err := c.AGS.SignOn(ctx, SignOnRequest{Parameters: []Parameter{{"", "x"}}, ClientID: "c"})
			return err
		}, "Parameters"},
		{"signOn no auth service", func() error {
			_, err := bare.AGS.SignOn(ctx, SignOnRequest{Parameters: params, ClientID: "c"})
			return err
		}, "AuthService"},
		{"refresh no auth service", func() error { _, err := bare.AGS.Refresh(ctx, "rt-1", SignOnRequest{}); return err }, "AuthService"},
		{"signOut no auth service", func() error { return bare.AGS.SignOut(ctx, "at-1", SignOnRequest{}) }, "AuthService"},
		{"correlation id with CRLF", func() error {
			_, err := c.AGS.SignOn(ctx, SignOnRequest{Parameters: params, ClientID: "c", CorrelationID: "a\r\nX-Evil: 1"})
			return err
		}, "CorrelationID"},
		{"auth service with LF", func() error {
			_, err := c.AGS.SignOn(ctx, SignOnRequest{Parameters: params, ClientID: "c", AuthService: "a\nb"})
			return err
		}, "AuthService"},
		{"subsequentSignOn no user token", func() error {
			_, err := c.AGS.SubsequentSignOn(ctx, Account{AccountInformation: "{}"}, SignOnRequest{Parameters: params})
			return err
		}, "UserAccountToken"},
		{"subsequentRegister no user token", func() error {
			_, err := c.AGS.SubsequentRegister(ctx, Account{}, SignOnRequest{Parameters: params})
			return err
		}, "UserAccountToken"},
		{"refresh no token", func() error { _, err := c.AGS.Refresh(ctx, "", SignOnRequest{}); return err }, "refreshToken"},
		{"refresh bare Bearer", func() error { _, err := c.AGS.Refresh(ctx, "Bearer  ", SignOnRequest{}); return err }, "refreshToken"},
		{"refresh token with CR", func() error { _, err := c.AGS.Refresh(ctx, "rt\r1", SignOnRequest{}); return err }, "refreshToken"},
		{"signOut no token", func() error { return c.AGS.SignOut(ctx, "", SignOnRequest{}) }, "accessToken"},
		{"register no type", func() error { _, err := c.AGS.Register(ctx, " ", SignOnRequest{}); return err }, "regType"},
		{"register both", func() error {
			_, err := c.AGS.Register(ctx, "TVKEY", SignOnRequest{ClientID: "c", DeviceInformation: dev})
			return err
		}, "ClientID"},
		{"session sign-on no token", func() error {
			_, err := c.AGS.SignOnWithSessionToken(ctx, "", SignOnRequest{ClientID: "c"})
			return err
		}, "sessionToken"},
		{"session sign-on neither", func() error {
			_, err := c.AGS.SignOnWithSessionToken(ctx, "st-1", SignOnRequest{})
			return err
		}, "ClientID"},
		{"nil context", func() error {
			var noCtx context.Context // a nil context: the point of the test
			_, err := c.AGS.SignOn(noCtx, SignOnRequest{Parameters: params, ClientID: "c"})
			return err
		}, "ctx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("err = %v, want *ValidationError{Field: %q}", err, tt.field)
			}
		})
	}
}

func TestAGSNotConfigured(t *testing.T) {
	t.Parallel()
	c, err := New(WithAGSAuthService("x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AGS.ServiceDiscovery(context.Background()); !errors.Is(err, ErrNotConfigured) || !strings.Contains(err.Error(), "WithAGSURL") {
		t.Errorf("err = %v, want ErrNotConfigured naming WithAGSURL", err)
	}
	if _, err := c.AGS.SignOn(context.Background(), SignOnRequest{ClientID: "c"}); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("err = %v, want ErrNotConfigured", err)
	}
}

func TestAGSFreshCorrelationID(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	var mu sync.Mutex
	var seen []string
	mux.HandleFunc("/ags/signOn", func(w http.ResponseWriter, r *http.Request) {
		agsTestCommonHeaders(t, r, "")
		mu.Lock()
		seen = append(seen, r.Header.Get("X-Correlation-Id"))
		mu.Unlock()
		agsReply(w, http.StatusCreated, agsFixture(t, "signon_201.json"))
	})
	var ids []string
	for range 2 {
		res, err := c.AGS.SignOn(context.Background(), SignOnRequest{ClientID: "c"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.CorrelationID)
	}
	if !reflect.DeepEqual(ids, seen) || ids[0] == ids[1] {
		t.Errorf("returned ids %v, sent %v: want the sent ones, distinct", ids, seen)
	}
}

func TestAGSErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status       int
		fixture      string
		want         AGSError
		unauthorized bool
		codeCheck    func(error) bool
	}{
		{400, "", AGSError{HTTPStatus: 400}, false, nil},
		{401, "error_401_invalid_credentials.json", AGSError{HTTPStatus: 401, Code: "401", Message: "Incorrect username or password"}, true, nil},
		{403, "error_403_device_limit.json", AGSError{HTTPStatus: 403, Code: "20007", Message: "Maximum number of devices reached for this account"}, false,
			func(err error) bool { return IsAGSCode(err, AGSCodeDeviceLimitReached) && !AGSSessionEnded(err) }},
		{403, "error_403_account_suspended_string_code.json", AGSError{HTTPStatus: 403, Code: "20002", Message: "Account suspended by the operator"}, false,
			AGSSessionEnded},
		{404, "servicediscovery_404.html", AGSError{HTTPStatus: 404}, false, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status, tt.fixture), func(t *testing.T) {
			t.Parallel()
			c, mux := agsSetup(t)
			var hits atomic.Int32
			var sentCID atomic.Value
			mux.HandleFunc("/ags/signOn", func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				sentCID.Store(r.Header.Get("X-Correlation-Id"))
				var body []byte
				if tt.fixture != "" {
					body = agsFixture(t, tt.fixture)
				}
				agsReply(w, tt.status, body)
			})
			_, err := c.AGS.SignOn(context.Background(), SignOnRequest{ClientID: "c"})
			gotCID, _ := sentCID.Load().(string)
			var ae *AGSError
			if !errors.As(err, &ae) || ae.CorrelationID == "" || ae.CorrelationID != gotCID {
				t.Fatalf("err = %#v: want the correlation id sent (%q)", err, gotCID)
			}
			if !strings.Contains(err.Error(), "correlation id "+gotCID) {
				t.Errorf("Error() = %q lacks the correlation id", err)
			}
			tt.want.CorrelationID = gotCID
			if got := agsFields(ae); got != tt.want {
				t.Fatalf("err = %+v, want %+v", got, tt.want)
			}
			if errors.Is(err, ErrUnauthorized) != tt.unauthorized {
				t.Errorf("errors.Is(ErrUnauthorized) = %v", !tt.unauthorized)
			}
			if tt.codeCheck != nil && !tt.codeCheck(err) {
				t.Errorf("code helpers do not match %v", err)
			}
			if hits.Load() != 1 {
				t.Errorf("%d attempts, want 1", hits.Load())
			}
		})
	}
}

// TestAGSRetries: the POSTs are not idempotent. A 500 or a timeout may have signed the user on (or
// registered a device) already, so only 429, 503 and refused connections are retried; the discovery
// GET is retried on 500.
func TestAGSRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		statuses []int
		want     int
		ok       bool
	}{
		{"500 not retried", []int{500, 201}, 1, false},
		{"502 not retried", []int{502, 201}, 1, false},
		{"503 retried", []int{503, 201}, 2, true},
		{"429 retried", []int{429, 201}, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux := agsSetup(t)
			var hits atomic.Int32
			var mu sync.Mutex
			ids := map[string]bool{}
			mux.HandleFunc("/ags/signOn", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				ids[r.Header.Get("X-Correlation-Id")] = true
				mu.Unlock()
				i := int(hits.Add(1)) - 1
				if st := tt.statuses[min(i, len(tt.statuses)-1)]; st != 201 {
					agsReply(w, st, []byte(`{"code":"x","message":"busy"}`))
					return
				}
				agsReply(w, http.StatusCreated, agsFixture(t, "signon_201.json"))
			})
			_, err := c.AGS.SignOn(context.Background(), SignOnRequest{ClientID: "c"})
			if (err == nil) != tt.ok || int(hits.Load()) != tt.want {
				t.Errorf("err = %v after %d attempts; want ok=%v after %d", err, hits.Load(), tt.ok, tt.want)
			}
			if len(ids) != 1 {
				t.Errorf("attempts carried %d correlation ids, want one per call", len(ids))
			}
		})
	}
	t.Run("timeout not retried", func(t *testing.T) {
		t.Parallel()
		_, mux, url := setup(t)
		var hits atomic.Int32
		mux.HandleFunc("/ags/signOn", func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			_, _ = io.Copy(io.Discard, r.Body) // the server notices the client leaving only after the body
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		})
		c, err := New(WithAGSURL(url+"/ags"), WithAGSAuthService("s"), WithRetry(fastRetry),
			WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.AGS.SignOn(context.Background(), SignOnRequest{ClientID: "c"})
		var re *RequestError
		if !errors.As(err, &re) || hits.Load() != 1 {
			t.Errorf("err = %v after %d attempts, want a *RequestError after 1", err, hits.Load())
		}
	})
	t.Run("refused connection retried", func(t *testing.T) {
		t.Parallel()
		_, mux, url := setup(t)
		var hits atomic.Int32
		mux.HandleFunc("/ags/signOn", func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			agsReply(w, http.StatusCreated, agsFixture(t, "signon_201.json"))
		})
		var dials atomic.Int32
		refuseFirst := agsRoundTripper(func(r *http.Request) (*http.Response, error) {
			if dials.Add(1) == 1 {
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
			}
			return http.DefaultTransport.RoundTrip(r)
		})
		c, err := New(WithAGSURL(url+"/ags"), WithAGSAuthService("s"), WithRetry(fastRetry),
			WithHTTPClient(&http.Client{Transport: refuseFirst}))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.AGS.SignOn(context.Background(), SignOnRequest{DeviceInformation: json.RawMessage(`{"deviceType":"OPEN"}`)})
		if err != nil || res.Tokens == nil || dials.Load() != 2 || hits.Load() != 1 {
			t.Errorf("SignOn = %+v, %v after %d attempts (%d reached the server); want success after 2 (1)", res, err, dials.Load(), hits.Load())
		}
	})
	t.Run("discovery GET retried on 500", func(t *testing.T) {
		t.Parallel()
		c, mux := agsSetup(t)
		var hits atomic.Int32
		mux.HandleFunc("/ags/servicediscovery", func(w http.ResponseWriter, r *http.Request) {
			if hits.Add(1) == 1 {
				agsReply(w, 500, nil)
				return
			}
			agsReply(w, 200, agsFixture(t, "servicediscovery.json"))
		})
		if _, err := c.AGS.ServiceDiscovery(context.Background()); err != nil || hits.Load() != 2 {
			t.Errorf("err = %v after %d attempts, want success after 2", err, hits.Load())
		}
	})
}

func TestAGSDecodeFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"HTML 201", 201, `<html><body>Sign-on OK</body></html>`},
		{"201 without access_token", 201, `{"refresh_token":"r","expires_in":3600}`},
		{"201 access_token object", 201, `{"access_token":{"v":"x"}}`},
		{"201 negative lifetime", 201, `{"access_token":"a","expires_in":-1}`},
		{"201 truncated", 201, `{"access_token":"a","expi`},
		{"300 empty accounts", 300, `{"accounts":[]}`},
		{"300 no accounts key", 300, `{"userAccountToken":"u"}`},
		{"300 account not an object", 300, `{"accounts":["x"]}`},
		{"300 HTML", 300, `<html>Multiple Choices</html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux := agsSetup(t)
			mux.HandleFunc("/ags/signOn", func(w http.ResponseWriter, r *http.Request) {
				agsReply(w, tt.status, []byte(tt.body))
			})
			_, err := c.AGS.SignOn(context.Background(), SignOnRequest{ClientID: "c"})
			var de *DecodeError
			if !errors.As(err, &de) || de.HTTPStatus != tt.status || de.Service != "opentv ags" {
				t.Errorf("err = %v, want *DecodeError for HTTP %d", err, tt.status)
			}
		})
	}
}

func TestAGSLooseTokenTypes(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	mux.HandleFunc("/ags/signOn", func(w http.ResponseWriter, r *http.Request) {
		agsReply(w, 201, []byte("\ufeff"+`{"access_token":"a.b.c","accountId":1663,"client_id":null,"expires_in":"3600","refresh_expires_in":1.5,"unknown":[1]}`))
	})
	res, err := c.AGS.SignOn(context.Background(), SignOnRequest{ClientID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if tok := res.Tokens; tok.AccountID != "1663" || tok.ClientID != "" || tok.ExpiresIn != time.Hour || tok.RefreshExpiresIn != 1500*time.Millisecond {
		t.Errorf("tokens = %+v", *tok)
	}
}

func TestAGSRefreshWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, token, reply, wantRefresh string
	}{
		{"rotated", "rt-old-123", "refresh_200.json", ""},
		{"given as header value", "Bearer rt-old-123", "refresh_200.json", ""},
		{"reply keeps no refresh token", "rt-old-123", "", "rt-old-123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux := agsSetup(t)
			mux.HandleFunc("/ags/refresh", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodPost)
				agsTestCommonHeaders(t, r, "")
				testHeader(t, r, "Authorization", "Bearer rt-old-123")
				agsTestJSONBody(t, r, `{"parameters":[{"name":"username","value":"dave"}]}`)
				if tt.reply == "" {
					agsReply(w, 200, []byte(`{"access_token":"at-new","expires_in":3600}`))
					return
				}
				agsReply(w, 200, agsFixture(t, tt.reply))
			})
			tok, err := c.AGS.Refresh(context.Background(), Secret(tt.token), SignOnRequest{Parameters: []Parameter{{"username", "dave"}}})
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantRefresh
			if want == "" {
				var w struct {
					RefreshToken string `json:"refresh_token"`
				}
				_ = json.Unmarshal(agsFixture(t, tt.reply), &w)
				want = w.RefreshToken
			}
			if string(tok.RefreshToken) != want || tok.ExpiresIn != time.Hour {
				t.Errorf("tokens = %+v, want refresh token %q", *tok, want)
			}
		})
	}
	t.Run("401", func(t *testing.T) {
		t.Parallel()
		c, mux := agsSetup(t)
		mux.HandleFunc("/ags/refresh", func(w http.ResponseWriter, r *http.Request) {
			agsReply(w, 401, []byte(`{"code":"401","message":"refresh token rt-old-123 expired"}`))
		})
		_, err := c.AGS.Refresh(context.Background(), "rt-old-123", SignOnRequest{})
		if !errors.Is(err, ErrUnauthorized) || strings.Contains(err.Error(), "rt-old-123") {
			t.Errorf("err = %v, want ErrUnauthorized without the token", err)
		}
	})
}

func TestAGSSignOutWire(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	mux.HandleFunc("/ags/signOut", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		agsTestCommonHeaders(t, r, "out-1")
		testHeader(t, r, "Authorization", "Bearer at-123456")
		agsTestJSONBody(t, r, `{"parameters":[{"name":"username","value":"dave"}]}`)
		w.WriteHeader(http.StatusOK)
	})
	err := c.AGS.SignOut(context.Background(), "at-123456", SignOnRequest{Parameters: []Parameter{{"username", "dave"}},
		ClientID: "ignored", CorrelationID: "out-1"})
	if err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	c404, mux404 := agsSetup(t)
	mux404.HandleFunc("/ags/signOut", func(w http.ResponseWriter, r *http.Request) {
		agsReply(w, 404, []byte(`{"code":"404","message":"session does not exist"}`))
	})
	var ae *AGSError
	if err := c404.AGS.SignOut(context.Background(), "at-123456", SignOnRequest{}); !errors.As(err, &ae) || ae.HTTPStatus != 404 || ae.Message != "session does not exist" {
		t.Errorf("err = %v, want AGSError 404", err)
	}
}

func TestAGSRegisterWire(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	mux.HandleFunc("/ags/register/{type}", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		agsTestCommonHeaders(t, r, "")
		b, _ := io.ReadAll(r.Body)
		switch r.URL.EscapedPath() {
		case "/ags/register/TVKEY":
			if string(b) != `{"parameters":[{"name":"tvKeyChallenge","value":"ch-1"},{"name":"username","value":"dave"}]}` {
				t.Errorf("body %s", b)
			}
			w.WriteHeader(http.StatusCreated) // the documented empty 201
		case "/ags/register/TV%20KEY%2Fv2":
			if string(b) != `{"parameters":[],"clientId":"PUB_989"}` {
				t.Errorf("body %s", b)
			}
			agsReply(w, http.StatusMultipleChoices, agsFixture(t, "register_300.json"))
		default:
			t.Errorf("path %s", r.URL.EscapedPath())
		}
	})
	mux.HandleFunc("/ags/subsequentRegister", func(w http.ResponseWriter, r *http.Request) {
		agsTestCommonHeaders(t, r, "")
		testHeader(t, r, "User-Token", "uat-tvkey-1660-2b3c4d5e6f708192a3b4c5d6e7f80912")
		agsTestJSONBody(t, r, `{"parameters":[{"name":"username","value":"dave"}]}`)
		agsReply(w, http.StatusCreated, agsFixture(t, "subsequent_signon_201.json"))
	})
	ctx := context.Background()
	res, err := c.AGS.Register(ctx, "TVKEY", SignOnRequest{Parameters: []Parameter{{"tvKeyChallenge", "ch-1"}, {"username", "dave"}}})
	if err != nil || res.Tokens != nil || res.Accounts != nil || !uuidV4.MatchString(res.CorrelationID) {
		t.Fatalf("Register 201 = %+v, %v; want an empty result", res, err)
	}
	res, err = c.AGS.Register(ctx, "TV KEY/v2", SignOnRequest{ClientID: "PUB_989"})
	if err != nil || len(res.Accounts) != 1 {
		t.Fatalf("Register 300 = %+v, %v", res, err)
	}
	if info, _ := res.Accounts[0].Information(); info["cuenta"] != "1660" {
		t.Errorf("info = %v", info)
	}
	sub, err := c.AGS.SubsequentRegister(ctx, res.Accounts[0], SignOnRequest{Parameters: []Parameter{{"username", "dave"}}})
	if err != nil || sub.Tokens == nil || sub.Tokens.ClientID != "PUB_989" {
		t.Fatalf("SubsequentRegister = %+v, %v", sub, err)
	}
}

func TestAGSSignOnWithSessionTokenWire(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	mux.HandleFunc("/ags/signOnWithSessionToken", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		agsTestCommonHeaders(t, r, "")
		agsTestJSONBody(t, r, `{"parameters":[{"name":"sessionToken","value":"abc3fj6sdehd529ng33dg"},{"name":"locale","value":"en"}],"clientId":"PUB_989"}`)
		agsReply(w, http.StatusCreated, agsFixture(t, "session_sign_on_201.json"))
	})
	tok, err := c.AGS.SignOnWithSessionToken(context.Background(), "abc3fj6sdehd529ng33dg",
		SignOnRequest{Parameters: []Parameter{{"locale", "en"}}, ClientID: "PUB_989"})
	if err != nil || tok.ClientID != "PUB_989" || tok.AccessToken == "" {
		t.Fatalf("SignOnWithSessionToken = %+v, %v", tok, err)
	}
}

func TestAGSGetSessionTokenBadReplies(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `{"sessionToken":""}`, `{"sessionToken":{"v":1}}`, `<html>OK</html>`, `{"sessionTok`} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			c, mux := agsSetup(t)
			mux.HandleFunc("/ags/getSessionToken", func(w http.ResponseWriter, r *http.Request) {
				agsReply(w, http.StatusOK, []byte(body))
			})
			st, err := c.AGS.GetSessionToken(context.Background(), SignOnRequest{Parameters: []Parameter{{"OperatorAuthToken", "jwt-1"}}})
			var de *DecodeError
			if !errors.As(err, &de) || de.HTTPStatus != 200 || st != "" {
				t.Errorf("GetSessionToken = %q, %v; want a *DecodeError", st, err)
			}
		})
	}
}

func TestAGSGetSessionTokenWire(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	mux.HandleFunc("/ags/getSessionToken", func(w http.ResponseWriter, r *http.Request) {
		agsTestCommonHeaders(t, r, "")
		agsTestJSONBody(t, r, `{"parameters":[{"name":"OperatorAuthToken","value":"eyJhbGciOiJIUzI1NiJ9.e30.sig"}]}`)
		agsReply(w, http.StatusOK, agsFixture(t, "get_session_token_200.json"))
	})
	st, err := c.AGS.GetSessionToken(context.Background(), SignOnRequest{Parameters: []Parameter{{"OperatorAuthToken", "eyJhbGciOiJIUzI1NiJ9.e30.sig"}}})
	if err != nil || st != "abc3fj6sdehd529ng33dg" {
		t.Fatalf("GetSessionToken = %q, %v", st, err)
	}
}

// TestAGSSecretsNeverLeak: password parameters, tokens and User-Token stay out of errors and logs even
// when the server echoes them.
func TestAGSSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	c, mux := agsSetup(t, WithLogger(debugLogger(&logs)))
	const (
		password  = "hunter2-secret-pw"
		refresh   = "rt-secret-refresh-999"
		access    = "at-secret-access-777"
		userToken = "uat-secret-user-555"
		session   = "st-secret-session-333"
	)
	echo := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		msg := fmt.Sprintf("rejected %s auth=%s user=%s", b, r.Header.Get("Authorization"), r.Header.Get("User-Token"))
		out, _ := json.Marshal(map[string]string{"code": "401", "message": msg})
		agsReply(w, http.StatusUnauthorized, out)
	}
	for _, p := range []string{"/ags/signOn", "/ags/subsequentSignOn", "/ags/refresh", "/ags/signOut", "/ags/signOnWithSessionToken"} {
		mux.HandleFunc(p, echo)
	}
	ctx := context.Background()
	req := SignOnRequest{Parameters: []Parameter{{"username", "dave"}, {"Password", password}}, ClientID: "PUB_989"}
	var errs []error
	_, err := c.AGS.SignOn(ctx, req)
	errs = append(errs, err)
	_, err = c.AGS.SubsequentSignOn(ctx, Account{UserAccountToken: userToken}, req)
	errs = append(errs, err)
	_, err = c.AGS.Refresh(ctx, refresh, req)
	errs = append(errs, err)
	errs = append(errs, c.AGS.SignOut(ctx, access, req))
	_, err = c.AGS.SignOnWithSessionToken(ctx, session, SignOnRequest{ClientID: "PUB_989"})
	errs = append(errs, err)
	for i, err := range errs {
		if !errors.Is(err, ErrUnauthorized) {
			t.Errorf("call %d: err = %v", i, err)
			continue
		}
		for _, s := range []string{password, refresh, access, userToken, session} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("call %d: error leaks %q: %v", i, s, err)
			}
		}
		if i < 4 && !strings.Contains(err.Error(), "dave") {
			t.Errorf("call %d: scrubbed too much: %v", i, err)
		}
	}
	for _, s := range []string{password, refresh, access, userToken, session} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("log leaks %q", s)
		}
	}
}
