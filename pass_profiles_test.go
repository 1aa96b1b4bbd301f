package tvauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPassProfilesWire(t *testing.T) {
	t.Parallel()
	devID, devInfo := testDeviceHeaders(t)
	fwd := testDevice
	fwd.ForwardedFor = "203.0.113.9"
	tests := []struct {
		name        string
		call        func(c *Client) (*ProfilesResult, error)
		wantRawPath string
		wantHeaders map[string]string
	}{
		{"all", func(c *Client) (*ProfilesResult, error) {
			return c.Pass.Profiles(context.Background(), ProfileRequest{ServiceProvider: "REF30",
				Headers: PassHeaders{ServiceToken: "svc.jws", PartnerFrameworkStatus: "e30=", VisitorID: "ecid"}})
		}, "/api/v2/REF30/profiles", map[string]string{"AP-Device-Identifier": devID, "X-Device-Info": devInfo,
			"AD-Service-Token": "svc.jws", "AP-Partner-Framework-Status": "e30=", "AP-Visitor-Identifier": "ecid"}},
		{"by MVPD", func(c *Client) (*ProfilesResult, error) {
			return c.Pass.ProfileForMVPD(context.Background(), ProfileRequest{ServiceProvider: "REF30", MVPD: "flexible TempPass",
				Headers: PassHeaders{TempPassIdentity: "eyJlbWFpbCI6ImZvb0BiYXIuY29tIn0="}})
		}, "/api/v2/REF30/profiles/flexible%20TempPass", map[string]string{"AP-Device-Identifier": devID, "X-Device-Info": devInfo,
			"AP-TempPass-Identity": "eyJlbWFpbCI6ImZvb0BiYXIuY29tIn0="}},
		{"by code", func(c *Client) (*ProfilesResult, error) {
			return c.Pass.ProfileForCode(context.Background(), ProfileRequest{ServiceProvider: "REF30", Code: "XTC98W", Device: &fwd})
		}, "/api/v2/REF30/profiles/code/XTC98W", map[string]string{"AP-Device-Identifier": "", "X-Device-Info": "",
			"X-Forwarded-For": "203.0.113.9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			rec := serve(mux, "/api/v2/", http.StatusOK, passFixture(t, "profiles_basic.json"))
			if _, err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			got := rec.last(t)
			if got.Method != http.MethodGet || got.RawPath != tt.wantRawPath || got.RawQuery != "" || got.Body != "" {
				t.Errorf("sent %s %s?%s", got.Method, got.RawPath, got.RawQuery)
			}
			tt.wantHeaders["Authorization"] = "Bearer test-token"
			wantHeaders(t, got.Header, tt.wantHeaders)
		})
	}
}

func TestPassProfilesDocumentedSamples(t *testing.T) {
	t.Parallel()
	attr := func(v string) ProfileAttribute {
		return ProfileAttribute{Value: json.RawMessage(strconv.Quote(v)), State: "plain"}
	}
	tests := []struct {
		fixture string
		want    []Profile
	}{
		{"profiles_basic.json", []Profile{
			{MVPD: "Cablevision", NotBefore: time.UnixMilli(1752149281000), NotAfter: time.UnixMilli(1783685280000), Issuer: "Cablevision",
				Type: ProfileRegular, Attributes: map[string]ProfileAttribute{"userID": attr("BASE64_value_userId"),
					"householdID": attr("BASE64_value_householdId"), "zip": {Value: json.RawMessage(`"BASE64_value_zip"`), State: "enc"}}},
			{MVPD: "Spectrum", NotBefore: time.UnixMilli(1752149272300), NotAfter: time.UnixMilli(1783685284670), Issuer: "Spectrum",
				Type: ProfileRegular, Attributes: map[string]ProfileAttribute{"userID": attr("BASE64_value_userId")}},
		}},
		{"profiles_service_token_sso.json", []Profile{
			{MVPD: "AdobeShibboleth", NotBefore: time.UnixMilli(1748073636999), NotAfter: time.UnixMilli(1748105173000), Issuer: "AdobeShibboleth",
				Type: ProfileServiceTokenSSO, Attributes: map[string]ProfileAttribute{
					"upstreamUserID": attr("AAdzZWNyZXQxydCkywfPBl0KExk8OWhdbUBVDDJBttfKD7RAcRlc32Pbuwd1..."),
					"userID":         attr("AAdzZWNyZXQxydCkywfPBl0KExk8OWhdbUBVDDJBttfKD7RAcRlc32Pbuwd14aTV...."),
					"mvpd":           attr("AdobeShibboleth")}},
			{MVPD: "Spectrum", NotBefore: time.UnixMilli(1752149281000), NotAfter: time.UnixMilli(1783685280000), Issuer: "Spectrum",
				Type: ProfileRegular, Attributes: map[string]ProfileAttribute{"userID": attr("BASE64_value_userId")}},
		}},
		{"profiles_empty.json", []Profile{}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			serve(mux, "/api/v2/REF30/profiles", http.StatusOK, passFixture(t, tt.fixture))
			res, err := c.Pass.Profiles(context.Background(), ProfileRequest{ServiceProvider: "REF30"})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Profiles, tt.want) {
				t.Errorf("profiles = %+v\nwant %+v", res.Profiles, tt.want)
			}
		})
	}
}

func TestPassProfileForMVPDSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		status  int
		check   func(t *testing.T, res *ProfilesResult, err error)
	}{
		{"profile_mvpd_basic.json", 200, func(t *testing.T, res *ProfilesResult, err error) {
			p, ok := res.Profile("Spectrum")
			if !ok || p.Type != ProfileRegular || !p.Attributes["zip"].Encrypted() || p.Attributes["userID"].Text() != "BASE64_value_userId" {
				t.Errorf("profile = %+v", p)
			}
		}},
		{"profile_mvpd_temppass.json", 200, func(t *testing.T, res *ProfilesResult, err error) {
			p, _ := res.Profile("TempPass_TEST40")
			if p.Issuer != "Adobe" || p.Type != ProfileTemporary || p.Attributes["expiration_date"].Text() != "1697718710206" {
				t.Errorf("profile = %+v", p)
			}
		}},
		{"profile_mvpd_promotional_temppass.json", 200, func(t *testing.T, res *ProfilesResult, err error) {
			p, _ := res.Profile("flexibleTempPass")
			var used []string
			if err := json.Unmarshal(p.Attributes["used_assets"].Value, &used); err != nil || len(used) != 4 ||
				p.Attributes["remaining_resources"].Text() != "1" {
				t.Errorf("attributes = %+v", p.Attributes)
			}
		}},
		{"profiles_platform_identity_sso.json", 200, func(t *testing.T, res *ProfilesResult, err error) {
			if p, _ := res.Profile("AdobePass_SMI"); p.Type != ProfilePlatformSSO {
				t.Errorf("profile = %+v", p)
			}
			// Adobe's sample: key Cablevision, issuer Spectrum; both are kept as sent.
			if p, _ := res.Profile("Cablevision"); p.Issuer != "Spectrum" {
				t.Errorf("profile = %+v", p)
			}
		}},
		{"error_temppass_duration_limit_exceeded.json", 403, func(t *testing.T, res *ProfilesResult, err error) {
			if pe := asPassError(t, err); pe.Code != "temporary_access_duration_limit_exceeded" || pe.Action != "authentication" ||
				pe.HTTPStatus != 403 || pe.Status != 403 {
				t.Errorf("PassError = %+v", *pe)
			}
		}},
		{"error_temppass_resources_limit_exceeded.json", 403, func(t *testing.T, res *ProfilesResult, err error) {
			if pe := asPassError(t, err); pe.Code != "temporary_access_resources_limit_exceeded" {
				t.Errorf("PassError = %+v", *pe)
			}
		}},
		{"error_invalid_configuration_temporary_access.json", 500, func(t *testing.T, res *ProfilesResult, err error) {
			if pe := asPassError(t, err); pe.Code != "invalid_configuration_temporary_access" || pe.Action != "configuration" {
				t.Errorf("PassError = %+v", *pe)
			}
		}},
		{"error_invalid_header_identity_for_temporary_access.json", 400, func(t *testing.T, res *ProfilesResult, err error) {
			if pe := asPassError(t, err); pe.Code != "invalid_header_identity_for_temporary_access" {
				t.Errorf("PassError = %+v", *pe)
			}
		}},
		// Adobe's degradation sample misses a brace: a *DecodeError, never a panic.
		{"profile_mvpd_degraded_broken.json", 200, func(t *testing.T, res *ProfilesResult, err error) {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("error = %v, want *DecodeError", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t, WithRetry(RetryPolicy{}))
			serve(mux, "/api/v2/REF30/profiles/", tt.status, passFixture(t, tt.fixture))
			res, err := c.Pass.ProfileForMVPD(context.Background(), ProfileRequest{ServiceProvider: "REF30", MVPD: "TempPass_TEST40"})
			if tt.status == 200 && err == nil && res == nil {
				t.Fatal("nil result")
			}
			tt.check(t, res, err)
		})
	}
}

func TestPassProfileValidation(t *testing.T) {
	t.Parallel()
	c, _, _ := setup(t)
	ctx := context.Background()
	_, err := c.Pass.Profiles(ctx, ProfileRequest{})
	asValidation(t, err, "ServiceProvider")
	_, err = c.Pass.Profiles(ctx, ProfileRequest{ServiceProvider: "REF30", Headers: PassHeaders{TempPassIdentity: "x"}})
	asValidation(t, err, "Headers.TempPassIdentity")
	_, err = c.Pass.ProfileForMVPD(ctx, ProfileRequest{ServiceProvider: "REF30"})
	asValidation(t, err, "MVPD")
	_, err = c.Pass.ProfileForCode(ctx, ProfileRequest{ServiceProvider: "REF30"})
	asValidation(t, err, "Code")
	_, err = c.Pass.ProfileForCode(ctx, ProfileRequest{ServiceProvider: "REF30", Code: "X", Headers: PassHeaders{SubjectToken: "x"}})
	asValidation(t, err, "Headers.SubjectToken")
	_, err = c.Pass.WaitForProfile(ctx, "REF30", "")
	asValidation(t, err, "code")
}

func TestPassWaitForProfile(t *testing.T) {
	t.Parallel()
	fast := func() time.Duration { return 5 * time.Millisecond }

	t.Run("profile appears after empty polls", func(t *testing.T) {
		t.Parallel()
		c, mux, _ := setup(t)
		var polls, infos atomic.Int32
		mux.HandleFunc("GET /api/v2/REF30/profiles/code/XTC98W", func(w http.ResponseWriter, r *http.Request) {
			if polls.Add(1) < 3 {
				reply(w, 200, passFixture(t, "profiles_empty.json"))
				return
			}
			reply(w, 200, passFixture(t, "profile_code_basic.json"))
		})
		mux.HandleFunc("GET /api/v2/REF30/sessions/XTC98W", func(w http.ResponseWriter, r *http.Request) {
			infos.Add(1)
			notAfter := time.Now().Add(time.Minute).UnixMilli()
			reply(w, 200, []byte(`{"existingParameters":{},"notBefore":"1","notAfter":"`+strconv.FormatInt(notAfter, 10)+`"}`))
		})
		p, err := c.Pass.waitForProfile(context.Background(), "REF30", "XTC98W", fast)
		if err != nil || p.MVPD != "Cablevision" || p.Type != ProfileRegular {
			t.Fatalf("got %+v, %v", p, err)
		}
		if polls.Load() != 3 || infos.Load() != 1 {
			t.Errorf("polls %d, session reads %d; want 3, 1", polls.Load(), infos.Load())
		}
	})

	t.Run("code expires", func(t *testing.T) {
		t.Parallel()
		c, mux, _ := setup(t)
		var polls atomic.Int32
		mux.HandleFunc("GET /api/v2/REF30/profiles/code/XTC98W", func(w http.ResponseWriter, r *http.Request) {
			polls.Add(1)
			reply(w, 200, passFixture(t, "profiles_empty.json"))
		})
		notAfter := time.Now().Add(60 * time.Millisecond).UnixMilli()
		serve(mux, "GET /api/v2/REF30/sessions/XTC98W", 200, []byte(`{"notAfter":`+strconv.FormatInt(notAfter, 10)+`}`))
		start := time.Now()
		_, err := c.Pass.waitForProfile(context.Background(), "REF30", "XTC98W", func() time.Duration { return 20 * time.Millisecond })
		if !errors.Is(err, ErrCodeExpired) {
			t.Fatalf("error = %v, want ErrCodeExpired", err)
		}
		if d := time.Since(start); d > time.Second || polls.Load() < 2 {
			t.Errorf("took %v with %d polls", d, polls.Load())
		}
	})

	t.Run("throttling and server errors do not end the wait", func(t *testing.T) {
		t.Parallel()
		c, mux, _ := setup(t, WithRetry(RetryPolicy{}))
		var polls atomic.Int32
		mux.HandleFunc("GET /api/v2/REF30/profiles/code/XTC98W", func(w http.ResponseWriter, r *http.Request) {
			switch polls.Add(1) {
			case 1:
				w.WriteHeader(http.StatusTooManyRequests)
			case 2:
				reply(w, 500, []byte(`{"status":500,"code":"internal_server_error"}`))
			default:
				reply(w, 200, passFixture(t, "profile_mvpd_temppass.json"))
			}
		})
		mux.HandleFunc("GET /api/v2/REF30/sessions/XTC98W", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		p, err := c.Pass.waitForProfile(context.Background(), "REF30", "XTC98W", fast)
		if err != nil || p.MVPD != "TempPass_TEST40" {
			t.Fatalf("got %+v, %v", p, err)
		}
	})

	t.Run("session gone: the profile poll decides", func(t *testing.T) {
		t.Parallel()
		c, mux, _ := setup(t)
		var polls atomic.Int32
		mux.HandleFunc("GET /api/v2/REF30/profiles/code/XTC98W", func(w http.ResponseWriter, r *http.Request) {
			if polls.Add(1) == 1 {
				reply(w, 200, passFixture(t, "profiles_empty.json"))
				return
			}
			reply(w, 200, passFixture(t, "profile_code_basic.json"))
		})
		serve(mux, "GET /api/v2/REF30/sessions/XTC98W", 400, []byte(`{"status":400,"code":"invalid_authentication_session"}`))
		if p, err := c.Pass.waitForProfile(context.Background(), "REF30", "XTC98W", fast); err != nil || p.MVPD != "Cablevision" {
			t.Errorf("got %+v, %v", p, err)
		}
	})

	t.Run("invalid code ends the wait", func(t *testing.T) {
		t.Parallel()
		c, mux, _ := setup(t)
		serve(mux, "GET /api/v2/REF30/profiles/code/XTC98W", 400, []byte(`{"action":"none","status":400,"code":"invalid_parameter_code"}`))
		_, err := c.Pass.waitForProfile(context.Background(), "REF30", "XTC98W", fast)
		if pe := asPassError(t, err); pe.Code != "invalid_parameter_code" {
			t.Errorf("PassError = %+v", *pe)
		}
	})

	t.Run("context ends the wait", func(t *testing.T) {
		t.Parallel()
		c, mux, _ := setup(t)
		serve(mux, "GET /api/v2/REF30/profiles/code/XTC98W", 200, passFixture(t, "profiles_empty.json"))
		serve(mux, "GET /api/v2/REF30/sessions/XTC98W", 200, passFixture(t, "session_info_missing_parameters.json")) // notAfter long past…
		// A deadline far off: the expired code, not the context, must end this wait (a short one made
		// the test depend on two requests finishing within it on a loaded machine).
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.Pass.waitForProfile(ctx, "REF30", "XTC98W", fast)
		// …so the code has expired before the context ends.
		if !errors.Is(err, ErrCodeExpired) {
			t.Errorf("error = %v, want ErrCodeExpired", err)
		}
		serve(mux, "GET /api/v2/REF30/profiles/code/NEVER", 200, passFixture(t, "profiles_empty.json"))
		serve(mux, "GET /api/v2/REF30/sessions/NEVER", 200, []byte(`{}`)) // no notAfter: only the context bounds the wait
		ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel2()
		if _, err := c.Pass.waitForProfile(ctx2, "REF30", "NEVER", fast); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want context.DeadlineExceeded", err)
		}
	})

	// A token source whose credentials are incomplete fails every poll the same way: that ends the
	// wait at once instead of polling until the code expires.
	t.Run("a request error ends the wait", func(t *testing.T) {
		t.Parallel()
		_, _, srvURL := setup(t) // the mux fails the test on any request
		reg := clientWithTokenSource(t, srvURL, nil)
		c := clientWithTokenSource(t, srvURL, reg.Pass.TokenSource(ClientCredentials{ClientID: "id"}))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := c.Pass.waitForProfile(ctx, "REF30", "XTC98W", fast)
		if !errors.Is(err, ErrInvalidRequest) || ctx.Err() != nil {
			t.Errorf("error = %v, want ErrInvalidRequest before the context ends", err)
		}
	})

	t.Run("exported poll interval is 3-5 s", func(t *testing.T) {
		t.Parallel()
		c, mux, _ := setup(t)
		serve(mux, "GET /api/v2/REF30/profiles/code/XTC98W", 200, passFixture(t, "profile_code_basic.json"))
		p, err := c.Pass.WaitForProfile(context.Background(), "REF30", "XTC98W")
		if err != nil || p.MVPD != "Cablevision" {
			t.Errorf("got %+v, %v", p, err)
		}
		lo, hi := profilePollMax, profilePollMin
		for range 2000 {
			d := profilePollInterval()
			if d < 3*time.Second || d >= 5*time.Second {
				t.Fatalf("poll interval %v outside [3s, 5s)", d)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		// Jittered, not fixed: devices that started together drift apart.
		if hi-lo < time.Second {
			t.Errorf("2000 intervals spread over only [%v, %v]", lo, hi)
		}
	})
}

func TestPassPartnerSession(t *testing.T) {
	t.Parallel()
	const pfs = "ewogICAgImZyYW1ld29ya1Blcm1pc3Npb25JbmZvIjogewogICAgICAiYWNjZXNzU3RhdHVzIjogImdyYW50ZWQiCiAgICB9LAogICAgImZyYW1ld29ya1Byb3ZpZGVySW5mbyIgOiB7CiAgICAgICJpZCIgOiAiQ2FibGV2aXNpb24iLAogICAgICAiZXhwaXJhdGlvbkRhdGUiIDogIjIwMjU0MzA2MzYwMDAiCiAgICB9Cn0="
	devID, devInfo := testDeviceHeaders(t)
	tests := []struct {
		fixture string
		check   func(t *testing.T, s *Session)
	}{
		{"partner_session_partner_profile.json", func(t *testing.T, s *Session) {
			want := &AuthenticationRequest{Type: "saml", Request: "PD94bWwgdmVyc2lvbj0iMS4wIiBlbmNvZGluZz0iVVRG....",
				AttributesNames: []string{"uid", "NameID", "uniqueId"}}
			if s.ActionName != ActionPartnerProfile || s.ActionType != ActionTypeDirect || !reflect.DeepEqual(s.AuthenticationRequest, want) ||
				s.URL.Path != "/api/v2/REF30/profiles/sso/Apple" || s.SessionID != "83c046be-ea4b-4581-b5f2-13e56e69dee9" {
				t.Errorf("session = %+v", s)
			}
		}},
		{"partner_session_degraded.json", func(t *testing.T, s *Session) {
			if s.ActionName != ActionAuthorize || s.ReasonType != ReasonDegraded || s.MVPD != "${degradedMvpd}" ||
				s.URL.EscapedPath() != "/api/v2/REF30/decisions/authorize/$%7BdegradedMvpd%7D" {
				t.Errorf("session = %+v (URL %s)", s, s.URL)
			}
		}},
		{"partner_session_pfs_fallback.json", func(t *testing.T, s *Session) {
			if s.ActionName != ActionAuthenticate || s.ReasonType != ReasonPFSFallback || s.Code != "OKTWW2W" || !s.NeedsUserAgent() {
				t.Errorf("session = %+v", s)
			}
		}},
		{"partner_session_configuration_fallback.json", func(t *testing.T, s *Session) {
			if s.ReasonType != ReasonConfigurationFallback {
				t.Errorf("session = %+v", s)
			}
		}},
		{"partner_session_missing_parameters_fallback.json", func(t *testing.T, s *Session) {
			if s.ActionName != ActionResume || s.ReasonType != ReasonMissingParametersFallback ||
				!reflect.DeepEqual(s.MissingParameters, []string{"redirectUrl"}) {
				t.Errorf("session = %+v", s)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			rec := serve(mux, "/api/v2/", 200, passFixture(t, tt.fixture))
			s, err := c.Pass.PartnerSession(context.Background(), PartnerSessionRequest{ServiceProvider: "REF30", Partner: "Apple",
				DomainName: "adobe.com", RedirectURL: "https://adobe.com", Headers: PassHeaders{PartnerFrameworkStatus: pfs}})
			if err != nil {
				t.Fatal(err)
			}
			got := rec.last(t)
			if got.Method != http.MethodPost || got.RawPath != "/api/v2/REF30/sessions/sso/Apple" ||
				got.Body != "domainName=adobe.com&redirectUrl=https%3A%2F%2Fadobe.com" {
				t.Errorf("sent %s %s %q", got.Method, got.RawPath, got.Body)
			}
			wantHeaders(t, got.Header, map[string]string{"Authorization": "Bearer test-token", "Content-Type": "application/x-www-form-urlencoded",
				"AP-Device-Identifier": devID, "X-Device-Info": devInfo, "AP-Partner-Framework-Status": pfs})
			tt.check(t, s)
		})
	}
	c, _, _ := setup(t)
	_, err := c.Pass.PartnerSession(context.Background(), PartnerSessionRequest{ServiceProvider: "REF30"})
	asValidation(t, err, "Partner")
	_, err = c.Pass.PartnerSession(context.Background(), PartnerSessionRequest{ServiceProvider: "REF30", Partner: "Apple",
		DomainName: "adobe.com", RedirectURL: "https://adobe.com", Headers: PassHeaders{SubjectToken: "x"}})
	asValidation(t, err, "Headers.SubjectToken")
}

func TestPassPartnerProfile(t *testing.T) {
	t.Parallel()
	const saml = "PHNhbWxwOlJlc3BvbnNlIHhtbG5zOnNhbWxwPSJ1cm46b2FzaXM6bmFtZXM6dGM6U0FNTDoyLjA6cHJvdG9jb2wiIH+/="
	tests := []struct {
		fixture string
		status  int
		mvpd    string
		typ     ProfileType
	}{
		{"partner_profile_apple_sso.json", http.StatusCreated, "Cablevision", ProfileAppleSSO},
		{"partner_profile_degraded.json", http.StatusOK, "${degradedMvpd}", ProfileDegraded},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			rec := serve(mux, "/api/v2/", tt.status, passFixture(t, tt.fixture))
			res, err := c.Pass.PartnerProfile(context.Background(), PartnerProfileRequest{ServiceProvider: "REF30", Partner: "Apple",
				SAMLResponse: saml, Headers: PassHeaders{PartnerFrameworkStatus: "e30="}})
			if err != nil {
				t.Fatal(err)
			}
			got := rec.last(t)
			// Base64 first, then URL-encoded: +, / and = are escaped.
			if got.Method != http.MethodPost || got.RawPath != "/api/v2/REF30/profiles/sso/Apple" ||
				got.Body != "SAMLResponse=PHNhbWxwOlJlc3BvbnNlIHhtbG5zOnNhbWxwPSJ1cm46b2FzaXM6bmFtZXM6dGM6U0FNTDoyLjA6cHJvdG9jb2wiIH%2B%2F%3D" {
				t.Errorf("sent %s %s %q", got.Method, got.RawPath, got.Body)
			}
			wantHeaders(t, got.Header, map[string]string{"Content-Type": "application/x-www-form-urlencoded", "AP-Partner-Framework-Status": "e30="})
			if len(res.Profiles) != 1 || res.Profiles[0].MVPD != tt.mvpd || res.Profiles[0].Type != tt.typ {
				t.Errorf("profiles = %+v", res.Profiles)
			}
		})
	}
	c, mux, _ := setup(t)
	serve(mux, "/api/v2/", 400, []byte(`{"status":400,"code":"invalid_parameter_saml_response","message":"bad `+saml+`"}`))
	_, err := c.Pass.PartnerProfile(context.Background(), PartnerProfileRequest{ServiceProvider: "REF30", Partner: "Apple", SAMLResponse: saml})
	if pe := asPassError(t, err); pe.Code != "invalid_parameter_saml_response" || pe.Message != "bad "+redacted {
		t.Errorf("PassError = %+v: want the echoed SAML response scrubbed", *pe)
	}
	_, err = c.Pass.PartnerProfile(context.Background(), PartnerProfileRequest{ServiceProvider: "REF30", Partner: "Apple"})
	asValidation(t, err, "SAMLResponse")
	if s := fmtAll(PartnerProfileRequest{SAMLResponse: saml}); strings.Contains(s, saml) {
		t.Errorf("request prints the SAML response: %s", s)
	}
}

func FuzzPassDecodeProfiles(f *testing.F) {
	seed(f, "profile*.json", "partner_profile_*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := decodeProfiles(fuzzResponse(body))
		if err != nil {
			return
		}
		if !slices.IsSortedFunc(res.Profiles, func(a, b Profile) int { return strings.Compare(a.MVPD, b.MVPD) }) {
			t.Errorf("profiles not sorted")
		}
		for _, p := range res.Profiles {
			for k, a := range p.Attributes {
				_ = a.Text() // must not panic on any value
				if len(a.Value) > 0 && !json.Valid(a.Value) {
					t.Errorf("attribute %s value %q is not JSON", k, a.Value)
				}
			}
		}
	})
}
