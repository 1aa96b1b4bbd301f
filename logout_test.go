package tvauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

var cablevisionLogout = LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision", RedirectURL: "https://adobe.com"}

func TestLogoutWire(t *testing.T) {
	t.Parallel()
	devID, devInfo := testDeviceHeaders(t)
	other := testDevice
	other.ID = "other-device"
	other.ForwardedFor = "203.0.113.7"
	otherInfo, _ := other.Info.Encode()

	tests := []struct {
		name        string
		req         LogoutRequest
		wantRawPath string
		wantQuery   string
		wantHeaders map[string]string
	}{
		{
			name:        "documented sample",
			req:         cablevisionLogout,
			wantRawPath: "/api/v2/REF30/logout/Cablevision",
			wantQuery:   "redirectUrl=https%3A%2F%2Fadobe.com",
			wantHeaders: map[string]string{"Authorization": "Bearer test-token", "AP-Device-Identifier": devID,
				"X-Device-Info": devInfo, "X-Forwarded-For": "", "Accept": "application/json", "Content-Type": "",
				"AP-Visitor-Identifier": "", "Adobe-Subject-Token": "", "AD-Service-Token": ""},
		},
		{
			name: "segments escaped once, redirect URL encoded whole",
			req: LogoutRequest{ServiceProvider: "REF 30/x", MVPD: "Comcast SSO?#",
				RedirectURL: "https://app.example/done?x=1&y=a b"},
			wantRawPath: "/api/v2/REF%2030%2Fx/logout/Comcast%20SSO%3F%23",
			wantQuery:   "redirectUrl=https%3A%2F%2Fapp.example%2Fdone%3Fx%3D1%26y%3Da%20b",
		},
		{
			name: "per-request device and optional SSO headers",
			req: LogoutRequest{ServiceProvider: "REF30", MVPD: "Spectrum", RedirectURL: "https://adobe.com",
				Device: &other, Headers: PassHeaders{VisitorID: "ecid-123", SubjectToken: "subject.jws.sig",
					ServiceToken: "service.jws.sig"}},
			wantRawPath: "/api/v2/REF30/logout/Spectrum",
			wantQuery:   "redirectUrl=https%3A%2F%2Fadobe.com",
			wantHeaders: map[string]string{"AP-Device-Identifier": other.Identifier(), "X-Device-Info": otherInfo,
				"X-Forwarded-For": "203.0.113.7", "AP-Visitor-Identifier": "ecid-123",
				"Adobe-Subject-Token": "subject.jws.sig", "AD-Service-Token": "service.jws.sig",
				"X-Roku-Reserved-Roku-Connect-Token": ""},
		},
		{
			name: "Roku connect token instead of Adobe-Subject-Token",
			req: LogoutRequest{ServiceProvider: "REF30", MVPD: "Comcast_SSO", RedirectURL: "https://adobe.com",
				Headers: PassHeaders{RokuConnectToken: "roku.jwe"}},
			wantRawPath: "/api/v2/REF30/logout/Comcast_SSO",
			wantQuery:   "redirectUrl=https%3A%2F%2Fadobe.com",
			wantHeaders: map[string]string{"X-Roku-Reserved-Roku-Connect-Token": "roku.jwe", "Adobe-Subject-Token": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			rec := &recorder{}
			mux.HandleFunc("/api/v2/", func(w http.ResponseWriter, r *http.Request) {
				rec.add(r)
				reply(w, http.StatusOK, passFixture(t, "logout_complete_no_logout_endpoint.json"))
			})
			if _, err := c.Pass.Logout(context.Background(), tt.req); err != nil {
				t.Fatal(err)
			}
			got := rec.last(t)
			if got.Method != http.MethodGet || got.RawPath != tt.wantRawPath || got.RawQuery != tt.wantQuery || got.Body != "" {
				t.Errorf("sent %s %s?%s body %q, want GET %s?%s and no body", got.Method, got.RawPath, got.RawQuery,
					got.Body, tt.wantRawPath, tt.wantQuery)
			}
			wantHeaders(t, got.Header, tt.wantHeaders)
		})
	}
}

func TestLogoutDocumentedSamples(t *testing.T) {
	t.Parallel()
	mustURL := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	const base = "BASE" // replaced by the test server's URL
	tests := []struct {
		fixture            string
		want               []LogoutAction
		userAgent, partner bool
		complete           bool
	}{
		{"logout_logout_interactive.json", []LogoutAction{{MVPD: "Cablevision", Name: ActionLogout, Type: ActionTypeInteractive,
			URL: mustURL("https://sp.auth.adobe.com/adobe-services/logout?noflash=true&mso_id=Cablevision&requestor_id=REF30&redirect_url=http%3A%2F%2Fadobe.com")}},
			true, false, false},
		{"logout_complete_no_logout_endpoint.json", []LogoutAction{{MVPD: "Dish", Name: ActionComplete, Type: ActionTypeNone}},
			false, false, true},
		{"logout_sso_service_token_relative_url.json", []LogoutAction{{MVPD: "Spectrum", Name: ActionLogout, Type: ActionTypeInteractive,
			URL: mustURL(base + "/adobe-services/logout?requestor_id=REF30&mso_id=Spectrum&pt_device_id=c54fa2c80652b10abea58c....")}},
			true, false, false},
		{"logout_sso_platform_identity_relative_url.json", []LogoutAction{{MVPD: "Comcast_SSO", Name: ActionLogout, Type: ActionTypeInteractive,
			URL: mustURL(base + "/adobe-services/logout?requestor_id=REF30&mso_id=Comcast_SSO&pt_device_id=c54fa2c80652b10abea58c....")}},
			true, false, false},
		{"logout_partner_apple_sso.json", []LogoutAction{{MVPD: "Cablevision", Name: ActionPartnerLogout, Type: ActionTypePartnerInteractive}},
			false, true, false},
		// Adobe's sample: trailing comma (accepted), map key ATTOTT ≠ mvpd (the mvpd field wins).
		{"logout_degraded_trailing_comma.json", []LogoutAction{{MVPD: "${degradedMvpd}", Name: ActionComplete, Type: ActionTypeNone}},
			false, false, true},
		{"logout_temppass.json", []LogoutAction{{MVPD: "TempPass_5mins", Name: ActionComplete, Type: ActionTypeNone}},
			false, false, true},
		// Derived from the response table (no sample): no valid profile for the MVPD.
		{"logout_invalid_no_profile.json", []LogoutAction{{MVPD: "Cablevision", Name: ActionInvalid, Type: ActionTypeNone}},
			false, false, true},
		// Derived: single logout deleting a regular, an SSO and a partner profile; sorted by MVPD.
		{"logout_single_logout_several_profiles.json", []LogoutAction{
			{MVPD: "AdobeShibboleth", Name: ActionComplete, Type: ActionTypeNone},
			{MVPD: "Cablevision", Name: ActionPartnerLogout, Type: ActionTypePartnerInteractive},
			{MVPD: "Spectrum", Name: ActionLogout, Type: ActionTypeInteractive,
				URL: mustURL(base + "/adobe-services/logout?requestor_id=REF30&mso_id=Spectrum&pt_device_id=c54fa2c80652b10abea58c....")},
		}, true, true, false},
		// Derived: an entry without "mvpd" is named by its map key.
		{"logout_mvpd_missing_uses_key.json", []LogoutAction{{MVPD: "Dish", Name: ActionComplete, Type: ActionTypeNone}},
			false, false, true},
		// Derived: names and types Adobe may add later are kept as-is and ask for nothing known.
		{"logout_unknown_action.json", []LogoutAction{{MVPD: "Cablevision", Name: "platform_logout", Type: "platform_interactive",
			URL: mustURL("https://sp.auth.adobe.com/adobe-services/platform-logout?mso_id=Cablevision")}},
			false, false, false},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.fixture, ".json"), func(t *testing.T) {
			t.Parallel()
			c, mux, srvURL := setup(t)
			serve(mux, "GET /api/v2/REF30/logout/Cablevision", http.StatusOK, passFixture(t, tt.fixture))
			res, err := c.Pass.Logout(context.Background(), cablevisionLogout)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Actions) != len(tt.want) {
				t.Fatalf("got %d actions %+v, want %d", len(res.Actions), res.Actions, len(tt.want))
			}
			var userAgent, partner bool
			for i, got := range res.Actions {
				want := tt.want[i]
				if want.URL != nil && strings.HasPrefix(want.URL.String(), base) {
					want.URL = mustURL(srvURL + strings.TrimPrefix(want.URL.String(), base))
				}
				if got.MVPD != want.MVPD || got.Name != want.Name || got.Type != want.Type ||
					(got.URL == nil) != (want.URL == nil) || (got.URL != nil && got.URL.String() != want.URL.String()) {
					t.Errorf("action %d = %+v (URL %v), want %+v (URL %v)", i, got, got.URL, want, want.URL)
				}
				if got.URL != nil && !got.URL.IsAbs() {
					t.Errorf("action %d URL %v is not absolute", i, got.URL)
				}
				userAgent = userAgent || got.NeedsUserAgent()
				partner = partner || got.NeedsPartnerLogout()
			}
			if userAgent != tt.userAgent || partner != tt.partner || res.IsComplete() != tt.complete {
				t.Errorf("NeedsUserAgent %v, NeedsPartnerLogout %v, IsComplete %v; want %v, %v, %v",
					userAgent, partner, res.IsComplete(), tt.userAgent, tt.partner, tt.complete)
			}
		})
	}
}

// TestLogoutActionsSortedByMVPD pins the documented order (LogoutResult, README: "sorted by MVPD"):
// by MVPD whatever the order of the reply's keys, an entry without mvpd under its key's name, and the
// actions of one MVPD in the order of their keys, the same on every call (never map order).
func TestLogoutActionsSortedByMVPD(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	rec := serve(mux, "GET /api/v2/REF30/logout/Cablevision", http.StatusOK, []byte(`{"logouts":{
		"a":   {"actionName":"complete","actionType":"none","mvpd":"Zeta"},
		"b":   {"actionName":"complete","actionType":"none","mvpd":"Alpha"},
		"Mid": {"actionName":"complete","actionType":"none"},
		"d2":  {"actionName":"logout","actionType":"interactive","mvpd":"Beta","url":"https://mvpd.example/out"},
		"d1":  {"actionName":"partner_logout","actionType":"partner_interactive","mvpd":"Beta"}}}`))
	want := "Alpha/complete Beta/partner_logout Beta/logout Mid/complete Zeta/complete"
	const calls = 20 // map order is random: one call could match by chance
	for range calls {
		res, err := c.Pass.Logout(context.Background(), cablevisionLogout)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(res.Actions))
		for i, a := range res.Actions {
			got[i] = a.MVPD + "/" + string(a.Name)
		}
		if strings.Join(got, " ") != want {
			t.Fatalf("actions %v, want %s", got, want)
		}
	}
	for _, r := range rec.all() {
		if r.RawQuery != "redirectUrl=https%3A%2F%2Fadobe.com" || r.Header.Get("Authorization") != "Bearer test-token" {
			t.Errorf("request %s?%s, Authorization %q", r.Path, r.RawQuery, r.Header.Get("Authorization"))
		}
	}
	if n := len(rec.all()); n != calls {
		t.Errorf("%d requests, want %d", n, calls)
	}
}

func TestLogoutActionHelpers(t *testing.T) {
	t.Parallel()
	u := &url.URL{Scheme: "https", Host: "mvpd.example", Path: "/logout"}
	tests := []struct {
		a                            LogoutAction
		userAgent, partner, complete bool
	}{
		{LogoutAction{Name: ActionLogout, Type: ActionTypeInteractive, URL: u}, true, false, false},
		{LogoutAction{Name: ActionLogout, Type: ActionTypeInteractive}, false, false, false}, // no URL to open
		{LogoutAction{Name: ActionPartnerLogout, Type: ActionTypePartnerInteractive}, false, true, false},
		{LogoutAction{Name: ActionComplete, Type: ActionTypeNone}, false, false, true},
		{LogoutAction{Name: ActionInvalid, Type: ActionTypeNone}, false, false, true},
		{LogoutAction{Name: "future", Type: "future_type", URL: u}, false, false, false},
	}
	for _, tt := range tests {
		if tt.a.NeedsUserAgent() != tt.userAgent || tt.a.NeedsPartnerLogout() != tt.partner || tt.a.IsComplete() != tt.complete {
			t.Errorf("%+v: NeedsUserAgent %v NeedsPartnerLogout %v IsComplete %v, want %v %v %v", tt.a,
				tt.a.NeedsUserAgent(), tt.a.NeedsPartnerLogout(), tt.a.IsComplete(), tt.userAgent, tt.partner, tt.complete)
		}
	}
}

func TestLogoutRelativeURLAgainstBaseWithPath(t *testing.T) {
	t.Parallel()
	_, mux, srvURL := setup(t)
	serve(mux, "GET /pass/api/v2/REF30/logout/Spectrum", http.StatusOK, passFixture(t, "logout_sso_service_token_relative_url.json"))
	c := clientWithTokenSource(t, srvURL+"/pass", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "tok"}))
	res, err := c.Pass.Logout(context.Background(), LogoutRequest{ServiceProvider: "REF30", MVPD: "Spectrum", RedirectURL: "https://adobe.com"})
	if err != nil {
		t.Fatal(err)
	}
	// An absolute-path reference replaces the base's path (RFC 3986 §5.2.2).
	if want := srvURL + "/adobe-services/logout?requestor_id=REF30&mso_id=Spectrum&pt_device_id=c54fa2c80652b10abea58c...."; res.Actions[0].URL.String() != want {
		t.Errorf("URL = %s, want %s", res.Actions[0].URL, want)
	}
}

func TestLogoutErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        []byte
		check       func(t *testing.T, err error)
	}{
		{"enhanced error code", 400, "application/json", passFixture(t, "error_invalid_parameter_redirect_url.json"), func(t *testing.T, err error) {
			pe := asPassError(t, err)
			want := PassError{HTTPStatus: 400, Status: 400, Action: "none", Code: "invalid_parameter_redirect_url",
				Message: "The redirect URL parameter value is missing or invalid.", Trace: "12f6fef9-d2e0-422b-a9d7-60d799abe353",
				HelpURL: "https://experienceleague.adobe.com/docs/pass/authentication/auth-features/error-reportn/enhanced-error-codes.html"}
			if got := passFields(pe); got != want {
				t.Errorf("PassError = %+v, want %+v", got, want)
			}
			if pe.Op != "pass.logout" {
				t.Errorf("Op = %q, want pass.logout", pe.Op)
			}
		}},
		{"status in body differs from HTTP status", 500, "application/json",
			[]byte(`{"action":"retry","status":403,"code":"network_connection_timeout","message":"timeout"}`), func(t *testing.T, err error) {
				pe := asPassError(t, err)
				if pe.HTTPStatus != 500 || pe.Status != 403 || pe.Action != "retry" {
					t.Errorf("PassError = %+v", *pe)
				}
			}},
		{"405 without body", 405, "text/plain", nil, func(t *testing.T, err error) {
			if pe := asPassError(t, err); pe.HTTPStatus != 405 || pe.Code != "" {
				t.Errorf("PassError = %+v", *pe)
			}
		}},
		{"HTML page on 200", 200, "text/html", []byte("<html><body>maintenance</body></html>"), func(t *testing.T, err error) {
			var de *DecodeError
			if !errors.As(err, &de) || de.HTTPStatus != 200 || de.ContentType != "text/html" {
				t.Errorf("error = %T %v, want *DecodeError for text/html", err, err)
			}
		}},
		{"truncated JSON", 200, "application/json", []byte(`{"logouts": {"Dish": {"actionName": "comp`), func(t *testing.T, err error) {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("error = %T %v, want *DecodeError", err, err)
			}
		}},
		{"logouts of the wrong type", 200, "application/json", []byte(`{"logouts": ["Dish"]}`), func(t *testing.T, err error) {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("error = %T %v, want *DecodeError", err, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t, WithRetry(RetryPolicy{}))
			mux.HandleFunc("/api/v2/REF30/logout/Cablevision", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				w.Write(tt.body)
			})
			res, err := c.Pass.Logout(context.Background(), cablevisionLogout)
			if err == nil {
				t.Fatalf("got %+v, want an error", res)
			}
			tt.check(t, err)
		})
	}
}

// OAS:v2 lists a 302 for logout (copied from the authenticate endpoint). The SDK never follows it: it
// is an error, and the Location (which would get the bearer token) is never requested.
func TestLogoutRedirectIsAnError(t *testing.T) {
	t.Parallel()
	c, mux, srvURL := setup(t)
	rec := serve(mux, "GET /mvpd/logout", http.StatusOK, nil)
	mux.HandleFunc("GET /api/v2/REF30/logout/Cablevision", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srvURL+"/mvpd/logout", http.StatusFound)
	})
	_, err := c.Pass.Logout(context.Background(), cablevisionLogout)
	if pe := asPassError(t, err); pe.HTTPStatus != http.StatusFound {
		t.Errorf("PassError = %+v, want HTTP 302", *pe)
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}

// Logout is a GET: a 5xx or a dropped connection is retried, and the retry succeeds.
func TestLogoutRetriesServerErrors(t *testing.T) {
	t.Parallel()
	for _, fail := range []string{"500", "502", "dropped connection"} {
		t.Run(fail, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			var attempts atomic.Int32
			mux.HandleFunc("GET /api/v2/REF30/logout/Cablevision", func(w http.ResponseWriter, r *http.Request) {
				if attempts.Add(1) > 1 {
					reply(w, http.StatusOK, passFixture(t, "logout_logout_interactive.json"))
					return
				}
				switch fail {
				case "dropped connection":
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						conn.Close()
					}
				default:
					status, _ := strconv.Atoi(fail)
					reply(w, status, []byte(`{"action":"retry","status":`+fail+`,"code":"internal_server_error"}`))
				}
			})
			res, err := c.Pass.Logout(context.Background(), cablevisionLogout)
			if err != nil || len(res.Actions) != 1 || res.Actions[0].Name != ActionLogout {
				t.Fatalf("got %+v, %v", res, err)
			}
			if n := attempts.Load(); n != 2 {
				t.Errorf("%d attempts, want 2", n)
			}
		})
	}
}

// An explicit empty "logouts" is an answer (nothing to do); a reply without it is not: read as "no
// actions" it would tell the caller the logout is complete when the server said nothing.
func TestLogoutEmptyLogouts(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	serve(mux, "/api/v2/REF30/logout/Cablevision", http.StatusOK, []byte(`{"logouts": {}}`))
	res, err := c.Pass.Logout(context.Background(), cablevisionLogout)
	if err != nil || len(res.Actions) != 0 || !res.IsComplete() {
		t.Errorf(`{"logouts": {}}: got %+v, %v; want no actions`, res, err)
	}
}

func TestLogoutWithoutLogoutsIsADecodeError(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`null`, `{}`, ` { } `, `{"logouts": null}`, `{"logout": {"Dish": {}}}`, `{"status": "ok"}`} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			serve(mux, "/api/v2/REF30/logout/Cablevision", http.StatusOK, []byte(body))
			res, err := c.Pass.Logout(context.Background(), cablevisionLogout)
			var de *DecodeError
			if !errors.As(err, &de) || res != nil {
				t.Fatalf("got %+v, %T %v; want a *DecodeError", res, err, err)
			}
			if de.HTTPStatus != 200 || de.Service != "adobe pass" || !strings.Contains(err.Error(), `no "logouts"`) {
				t.Errorf("DecodeError = %+v (%v)", *de, err)
			}
		})
	}
}

// One entry whose url is not a URL must not lose the others: the server deleted every profile already,
// so the caller still needs every MVPD's next step. The bad entry is kept, marked, with its raw url.
func TestLogoutKeepsEveryActionWhenOneURLIsBad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, badURL string
	}{
		{"unclosed IPv6 host", "http://[::1"},
		{"control character", "https://mvpd.example/logout\\u0000x"},
		{"bad escape in host", "https://mvpd%zz.example/logout"},
		{"missing scheme colon", ":no-scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, srvURL := setup(t)
			body := `{"logouts": {
				"Spectrum": {"actionName": "logout", "actionType": "interactive", "mvpd": "Spectrum", "url": "/adobe-services/logout?mso_id=Spectrum"},
				"Dish": {"actionName": "logout", "actionType": "interactive", "mvpd": "Dish", "url": "` + tt.badURL + `"},
				"Cablevision": {"actionName": "partner_logout", "actionType": "partner_interactive", "mvpd": "Cablevision"},
				"Comcast": {"actionName": "complete", "actionType": "none", "mvpd": "Comcast"}}}`
			serve(mux, "/api/v2/REF30/logout/Cablevision", http.StatusOK, []byte(body))
			res, err := c.Pass.Logout(context.Background(), cablevisionLogout)
			if err != nil {
				t.Fatalf("err = %v, want the actions", err)
			}
			var raw string
			if err := json.Unmarshal([]byte(`"`+tt.badURL+`"`), &raw); err != nil {
				t.Fatal(err)
			}
			want := []struct {
				mvpd          string
				name          ActionName
				url, rawURL   string
				userAgent, ok bool
			}{
				{"Cablevision", ActionPartnerLogout, "", "", false, true},
				{"Comcast", ActionComplete, "", "", false, true},
				{"Dish", ActionLogout, "", raw, false, false},
				{"Spectrum", ActionLogout, srvURL + "/adobe-services/logout?mso_id=Spectrum", "", true, true},
			}
			if len(res.Actions) != len(want) {
				t.Fatalf("got %d actions %+v, want %d", len(res.Actions), res.Actions, len(want))
			}
			for i, w := range want {
				a := res.Actions[i]
				gotURL := ""
				if a.URL != nil {
					gotURL = a.URL.String()
				}
				if a.MVPD != w.mvpd || a.Name != w.name || gotURL != w.url || a.RawURL != w.rawURL ||
					a.NeedsUserAgent() != w.userAgent || a.HasInvalidURL() == w.ok {
					t.Errorf("action %d = %+v (URL %q, HasInvalidURL %v), want %+v", i, a, gotURL, a.HasInvalidURL(), w)
				}
			}
			if res.IsComplete() {
				t.Error("IsComplete with a logout step left")
			}
		})
	}
}

func TestLogoutValidationBeforeIO(t *testing.T) {
	t.Parallel()
	noInfo := testDevice
	noInfo.Info.OSVersion = ""
	tests := []struct {
		name  string
		req   LogoutRequest
		field string
	}{
		{"no service provider", LogoutRequest{MVPD: "Dish", RedirectURL: "https://adobe.com"}, "ServiceProvider"},
		{"blank service provider", LogoutRequest{ServiceProvider: "  ", MVPD: "Dish", RedirectURL: "https://adobe.com"}, "ServiceProvider"},
		{"dot segment", LogoutRequest{ServiceProvider: "REF30", MVPD: "..", RedirectURL: "https://adobe.com"}, "MVPD"},
		{"no MVPD", LogoutRequest{ServiceProvider: "REF30", RedirectURL: "https://adobe.com"}, "MVPD"},
		{"no redirect URL", LogoutRequest{ServiceProvider: "REF30", MVPD: "Dish"}, "RedirectURL"},
		{"relative redirect URL", LogoutRequest{ServiceProvider: "REF30", MVPD: "Dish", RedirectURL: "/done"}, "RedirectURL"},
		{"redirect URL without host", LogoutRequest{ServiceProvider: "REF30", MVPD: "Dish", RedirectURL: "https:///done"}, "RedirectURL"},
		{"malformed redirect URL", LogoutRequest{ServiceProvider: "REF30", MVPD: "Dish", RedirectURL: "https://a b/%zz"}, "RedirectURL"},
		{"device without a required key", LogoutRequest{ServiceProvider: "REF30", MVPD: "Dish", RedirectURL: "https://adobe.com", Device: &noInfo}, "Device.Info.osVersion"},
		{"device without id", LogoutRequest{ServiceProvider: "REF30", MVPD: "Dish", RedirectURL: "https://adobe.com", Device: &Device{Info: testDevice.Info}}, "Device.ID"},
		{"header logout does not take", LogoutRequest{ServiceProvider: "REF30", MVPD: "Dish", RedirectURL: "https://adobe.com",
			Headers: PassHeaders{PartnerFrameworkStatus: "e30="}}, "Headers.PartnerFrameworkStatus"},
		{"TempPass identity on logout", LogoutRequest{ServiceProvider: "REF30", MVPD: "Dish", RedirectURL: "https://adobe.com",
			Headers: PassHeaders{TempPassIdentity: "e30="}}, "Headers.TempPassIdentity"},
		{"both platform SSO tokens", LogoutRequest{ServiceProvider: "REF30", MVPD: "Dish", RedirectURL: "https://adobe.com",
			Headers: PassHeaders{SubjectToken: "a.b.c", RokuConnectToken: "d.e.f"}}, "Headers.RokuConnectToken"},
		{"header with a line break", LogoutRequest{ServiceProvider: "REF30", MVPD: "Dish", RedirectURL: "https://adobe.com",
			Headers: PassHeaders{VisitorID: "a\r\nX-Evil: 1"}}, "Headers.VisitorID"},
		{"X-Forwarded-For with a line break", LogoutRequest{ServiceProvider: "REF30", MVPD: "Dish", RedirectURL: "https://adobe.com",
			Device: &Device{ID: "d", Info: testDevice.Info, ForwardedFor: "192.0.2.1\r\nX-Evil: 1"}}, "Device.ForwardedFor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, _ := setup(t) // the mux fails the test on any request
			_, err := c.Pass.Logout(context.Background(), tt.req)
			asValidation(t, err, tt.field)
		})
	}

	t.Run("default device with a bad X-Forwarded-For", func(t *testing.T) {
		t.Parallel()
		dev := testDevice
		dev.ForwardedFor = "192.0.2.1\nX-Evil: 1"
		_, err := New(WithDevice(dev)) // refused at New, not at the first call
		asValidation(t, err, "WithDevice.ForwardedFor")
	})
	t.Run("no device at all", func(t *testing.T) {
		t.Parallel()
		_, _, srvURL := setup(t)
		c, err := New(WithPassURL(srvURL), WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Pass.Logout(context.Background(), cablevisionLogout)
		asValidation(t, err, "Device")
	})
	t.Run("no token source", func(t *testing.T) {
		t.Parallel()
		_, _, srvURL := setup(t)
		c, err := New(WithPassURL(srvURL), WithDevice(testDevice))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Pass.Logout(context.Background(), cablevisionLogout); !errors.Is(err, ErrNotConfigured) {
			t.Errorf("error = %v, want ErrNotConfigured", err)
		}
	})
}

// Adobe's throttling layer answers 429 with an HTML page and no Retry-After; clients must wait at
// least 1 s. With MaxWait below that, MaxWait is the floor.
func TestLogoutThrottled(t *testing.T) {
	t.Parallel()
	const maxWait = 40 * time.Millisecond
	c, mux, _ := setup(t, WithRetry(RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: maxWait}))
	var mu sync.Mutex
	var at []time.Time
	mux.HandleFunc("/api/v2/REF30/logout/Cablevision", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write(passFixture(t, "throttle_429.html"))
	})
	_, err := c.Pass.Logout(context.Background(), cablevisionLogout)
	pe := asPassError(t, err)
	if !errors.Is(err, ErrRateLimited) || pe.HTTPStatus != http.StatusTooManyRequests {
		t.Errorf("error = %v, want a *PassError matching ErrRateLimited", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(at) != 3 {
		t.Fatalf("%d attempts, want 3", len(at))
	}
	for i := 1; i < len(at); i++ {
		// Without the floor, backoff from a 1 ms MinWait would retry after a few milliseconds.
		if gap := at[i].Sub(at[i-1]); gap < maxWait-5*time.Millisecond {
			t.Errorf("attempt %d came %v after the previous one, want ≥ %v", i+1, gap, maxWait)
		}
	}
}

// With the default MaxWait (5 s) the floor is Adobe's full second, though backoff from MinWait alone
// would retry after a few milliseconds.
func TestLogoutThrottledWaitsOneSecond(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, WithRetry(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond}))
	var mu sync.Mutex
	var at []time.Time
	mux.HandleFunc("GET /api/v2/REF30/logout/Cablevision", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		at = append(at, time.Now())
		n := len(at)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write(passFixture(t, "throttle_429.html"))
			return
		}
		reply(w, http.StatusOK, passFixture(t, "logout_temppass.json"))
	})
	if _, err := c.Pass.Logout(context.Background(), cablevisionLogout); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(at) != 2 {
		t.Fatalf("%d attempts, want 2", len(at))
	}
	if gap := at[1].Sub(at[0]); gap < passThrottleFloor || gap > 3*time.Second {
		t.Errorf("retried %v after the 429, want about %v", gap, passThrottleFloor)
	}
}

func TestLogoutThrottledHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, WithRetry(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: 5 * time.Second}))
	var n atomic.Int32
	mux.HandleFunc("/api/v2/REF30/logout/Cablevision", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		reply(w, 200, passFixture(t, "logout_temppass.json"))
	})
	start := time.Now()
	res, err := c.Pass.Logout(context.Background(), cablevisionLogout)
	if err != nil || len(res.Actions) != 1 {
		t.Fatalf("got %+v, %v", res, err)
	}
	// Retry-After: 0 says less than Adobe's one-second floor, and wins.
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("took %v; Retry-After 0 should override the 1 s floor", d)
	}
}

// One token source shared by 40 concurrent logouts fetches one token.
func TestLogoutConcurrentCallersShareOneTokenFetch(t *testing.T) {
	t.Parallel()
	_, mux, srvURL := setup(t)
	var fetches atomic.Int32
	release := make(chan struct{})
	mux.HandleFunc("POST /o/client/token", func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		<-release // hold the fetch until every caller is waiting on it
		reply(w, http.StatusCreated, passFixture(t, "dcr_token_created.json"))
	})
	var logouts atomic.Int32
	mux.HandleFunc("GET /api/v2/REF30/logout/Cablevision", func(w http.ResponseWriter, r *http.Request) {
		logouts.Add(1)
		if got := r.Header.Get("Authorization"); got != "Bearer 2YotnFZFEjr1zCsicMWpAA" {
			t.Errorf("Authorization = %q", got)
		}
		reply(w, http.StatusOK, passFixture(t, "logout_logout_interactive.json"))
	})
	reg := clientWithTokenSource(t, srvURL, nil)
	ts := reg.Pass.TokenSource(ClientCredentials{ClientID: "s6BhdRkqt3", ClientSecret: "t7AkePiru4"})
	c := clientWithTokenSource(t, srvURL, ts)

	const callers = 40
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Pass.Logout(context.Background(), cablevisionLogout)
			if err == nil && (len(res.Actions) != 1 || !res.Actions[0].NeedsUserAgent()) {
				err = errors.New("unexpected result")
			}
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if fetches.Load() != 1 || logouts.Load() != callers {
		t.Errorf("token fetches = %d, logouts = %d; want 1, %d", fetches.Load(), logouts.Load(), callers)
	}
}

// A 401 drops the cached token: the call refetches once and succeeds; a second 401 is returned.
func TestLogoutRefetchesTokenOnceOn401(t *testing.T) {
	t.Parallel()
	for _, persistent := range []bool{false, true} {
		_, mux, srvURL := setup(t)
		var fetches, attempts atomic.Int32
		mux.HandleFunc("POST /o/client/token", func(w http.ResponseWriter, r *http.Request) {
			n := fetches.Add(1)
			reply(w, http.StatusCreated, []byte(`{"access_token":"tok-`+string(rune('0'+n))+`","expires_in":21600,"token_type":"bearer"}`))
		})
		mux.HandleFunc("GET /api/v2/REF30/logout/Cablevision", func(w http.ResponseWriter, r *http.Request) {
			attempts.Add(1)
			if persistent || r.Header.Get("Authorization") == "Bearer tok-1" {
				reply(w, http.StatusUnauthorized, []byte(`{"action":"application-registration","status":401,"code":"invalid_access_token_client_application","message":"expired"}`))
				return
			}
			reply(w, http.StatusOK, passFixture(t, "logout_temppass.json"))
		})
		reg := clientWithTokenSource(t, srvURL, nil)
		c := clientWithTokenSource(t, srvURL, reg.Pass.TokenSource(ClientCredentials{ClientID: "id", ClientSecret: "secret-value"}))
		_, err := c.Pass.Logout(context.Background(), cablevisionLogout)
		if persistent {
			pe := asPassError(t, err)
			if !errors.Is(err, ErrUnauthorized) || pe.Code != "invalid_access_token_client_application" {
				t.Errorf("error = %v, want ErrUnauthorized", err)
			}
		} else if err != nil {
			t.Fatal(err)
		}
		if fetches.Load() != 2 || attempts.Load() != 2 {
			t.Errorf("persistent=%v: token fetches %d, attempts %d; want 2, 2", persistent, fetches.Load(), attempts.Load())
		}
	}
}

// Revoked client credentials: the token endpoint's invalid_client surfaces as ErrUnauthorized from
// the call that needed the token, with the client secret nowhere in the error.
func TestLogoutInvalidClient(t *testing.T) {
	t.Parallel()
	_, mux, srvURL := setup(t)
	mux.HandleFunc("POST /o/client/token", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusBadRequest, []byte(`{"error":"invalid_client","error_description":"unknown client t7AkePiru4"}`))
	})
	reg := clientWithTokenSource(t, srvURL, nil)
	c := clientWithTokenSource(t, srvURL, reg.Pass.TokenSource(ClientCredentials{ClientID: "s6BhdRkqt3", ClientSecret: "t7AkePiru4"}))
	_, err := c.Pass.Logout(context.Background(), cablevisionLogout)
	pe := asPassError(t, err)
	if !errors.Is(err, ErrUnauthorized) || pe.Code != "invalid_client" {
		t.Errorf("error = %v, want invalid_client matching ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), "t7AkePiru4") || strings.Contains(pe.Message, "t7AkePiru4") {
		t.Errorf("error leaks the client secret: %v", err)
	}
}

// SSO tokens and the bearer token never reach an error or a log line, even when echoed.
func TestLogoutRedactsEchoedSecrets(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mux, _ := setup(t, WithLogger(logger), WithRetry(RetryPolicy{}))
	mux.HandleFunc("/api/v2/REF30/logout/Cablevision", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusBadRequest, []byte(`{"action":"none","status":400,"code":"invalid_header","message":"bad `+
			r.Header.Get("AD-Service-Token")+` and `+r.Header.Get("Authorization")+`","details":"`+r.Header.Get("Adobe-Subject-Token")+`"}`))
	})
	req := cablevisionLogout
	req.Headers = PassHeaders{ServiceToken: "svc-token-secret", SubjectToken: "subject-token-secret"}
	_, err := c.Pass.Logout(context.Background(), req)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, secret := range []string{"svc-token-secret", "subject-token-secret", "test-token"} {
		if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
			t.Errorf("%q leaked: error %q, logs %q", secret, err, logs.String())
		}
	}
	if !strings.Contains(err.Error(), redacted) {
		t.Errorf("error %q: want the echoed secrets replaced by %s", err, redacted)
	}
}

func TestLogoutContextCancelled(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v2/REF30/logout/Cablevision", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := c.Pass.Logout(ctx, cablevisionLogout); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
}

func FuzzPassDecodeLogout(f *testing.F) {
	seed(f, "logout_*.json")
	f.Add([]byte(`{"logouts":{"":{"url":"//evil.example/x"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := decodeLogout(fuzzResponse(body))
		if err != nil {
			return
		}
		for i, a := range res.Actions {
			if a.URL != nil && !a.URL.IsAbs() {
				t.Errorf("action %d: URL %v not absolute", i, a.URL)
			}
			if a.NeedsUserAgent() && a.URL == nil {
				t.Errorf("action %d needs a user agent but has no URL", i)
			}
		}
		if !slices.IsSortedFunc(res.Actions, func(a, b LogoutAction) int { return strings.Compare(a.MVPD, b.MVPD) }) {
			t.Errorf("actions not sorted by MVPD: %+v", res.Actions)
		}
	})
}
