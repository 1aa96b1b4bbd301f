package tvauth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPassDecisionsWire(t *testing.T) {
	t.Parallel()
	devID, devInfo := testDeviceHeaders(t)
	tests := []struct {
		name        string
		call        func(s *PassService, req DecisionRequest) (*DecisionsResult, error)
		req         DecisionRequest
		wantRawPath string
		wantBody    string
		wantHeaders map[string]string
	}{
		{"authorize", authorizeVia, DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", Resources: []string{"REF30"},
			Headers: PassHeaders{TempPassIdentity: "eyJlbWFpbCI6ImZvb0BiYXIuY29tIn0=", SubjectToken: "sub.jws"}},
			"/api/v2/REF30/decisions/authorize/Cablevision", `{"resources":["REF30"]}`,
			map[string]string{"AP-TempPass-Identity": "eyJlbWFpbCI6ImZvb0BiYXIuY29tIn0=", "Adobe-Subject-Token": "sub.jws"}},
		{"preauthorize", preauthorizeVia, DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision",
			Resources: []string{"resource1", "resource2", "resource3"}, Headers: PassHeaders{PartnerFrameworkStatus: "e30="}},
			"/api/v2/REF30/decisions/preauthorize/Cablevision", `{"resources":["resource1","resource2","resource3"]}`,
			map[string]string{"AP-Partner-Framework-Status": "e30="}},
		{"escaped MVPD and MRSS resource", authorizeVia, DecisionRequest{ServiceProvider: "REF30", MVPD: "${degradedMvpd}",
			Resources: []string{`<rss version="2.0"><channel><title>Live & "HD"</title></channel></rss>`}},
			"/api/v2/REF30/decisions/authorize/$%7BdegradedMvpd%7D",
			`{"resources":["<rss version=\"2.0\"><channel><title>Live & \"HD\"</title></channel></rss>"]}`,
			map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			rec := serve(mux, "/api/v2/", http.StatusOK, passFixture(t, "decisions_preauthorize_mixed.json"))
			if _, err := tt.call(c.Pass, tt.req); err != nil {
				t.Fatal(err)
			}
			got := rec.last(t)
			if got.Method != http.MethodPost || got.RawPath != tt.wantRawPath || got.Body != tt.wantBody {
				t.Errorf("sent %s %s %s\nwant POST %s %s", got.Method, got.RawPath, got.Body, tt.wantRawPath, tt.wantBody)
			}
			tt.wantHeaders["Authorization"] = "Bearer test-token"
			tt.wantHeaders["Content-Type"] = "application/json;charset=utf-8"
			tt.wantHeaders["AP-Device-Identifier"] = devID
			tt.wantHeaders["X-Device-Info"] = devInfo
			wantHeaders(t, got.Header, tt.wantHeaders)
		})
	}
}

func authorizeVia(s *PassService, req DecisionRequest) (*DecisionsResult, error) {
	return s.Authorize(context.Background(), req)
}

func preauthorizeVia(s *PassService, req DecisionRequest) (*DecisionsResult, error) {
	return s.Preauthorize(context.Background(), req)
}

func TestPassDecisionsDocumentedSamples(t *testing.T) {
	t.Parallel()
	const helpURL = "https://experienceleague.adobe.com/docs/pass/authentication/auth-features/error-reportn/enhanced-error-codes.html"
	tests := []struct {
		fixture   string
		want      []Decision
		malformed bool
	}{
		{"decisions_authorize_permit.json", []Decision{{Resource: "REF30", ServiceProvider: "REF30", MVPD: "Cablevision", Authorized: true,
			Source: SourceMVPD, NotBefore: time.UnixMilli(1697094207324), NotAfter: time.UnixMilli(1697098802367),
			Token: &MediaToken{NotBefore: time.UnixMilli(1697094207324), NotAfter: time.UnixMilli(1697094802367), SerializedToken: "PHNpZ25hdHVyZUluZm8..."}}}, false},
		{"decisions_authorize_temppass_permit.json", []Decision{{Resource: "REF30", ServiceProvider: "apasstest1", MVPD: "TempPass_TEST40",
			Authorized: true, Source: SourceTempPass, NotBefore: time.UnixMilli(1697094207324), NotAfter: time.UnixMilli(1697594802367),
			Token: &MediaToken{NotBefore: time.UnixMilli(1697094207324), NotAfter: time.UnixMilli(1697094802367), SerializedToken: "PHNpZ25hdHVyZUluZm8..."}}}, false},
		{"decisions_authorize_temppass_duration_limit_exceeded.json", []Decision{{Resource: "REF30", ServiceProvider: "apasstest1",
			MVPD: "TempPass_TEST40", Source: SourceTempPass, Error: &PassError{HTTPStatus: 200, Status: 403, Action: "authentication",
				Code: "temporary_access_duration_limit_exceeded", Message: "The temporary access duration limit has been exceeded.", HelpURL: helpURL}}}, false},
		{"decisions_authorize_promotional_temppass_resources_limit_exceeded.json", []Decision{{Resource: "REF30", ServiceProvider: "apasstest1",
			MVPD: "flexibleTempPass", Source: SourceTempPass, Error: &PassError{HTTPStatus: 200, Status: 403, Action: "authentication",
				Code: "temporary_access_resources_limit_exceeded", Message: "The temporary access resources limit has been exceeded.", HelpURL: helpURL}}}, false},
		{"decisions_preauthorize_mixed.json", []Decision{
			{Resource: "resource1 ", ServiceProvider: "REF30", MVPD: "Cablevision", Authorized: true, Source: SourceMVPD},
			{Resource: "resource2", ServiceProvider: "REF30", MVPD: "Cablevision", Authorized: true, Source: SourceMVPD},
			{Resource: "resource3", ServiceProvider: "REF30", MVPD: "Cablevision", Source: SourceMVPD, Error: &PassError{HTTPStatus: 200,
				Status: 403, Action: "none", Code: "preauthorization_denied_by_mvpd", HelpURL: helpURL,
				Message: `The MVPD has returned a "Deny" decision when requesting pre-authorization for the specified resource.`}},
		}, false},
		// Adobe's samples that are not JSON: unescaped quotes, missing commas between items.
		{"decisions_authorize_deny_unescaped_quotes.json", nil, true},
		{"decisions_authorize_authn_all_degradation_missing_comma.json", nil, true},
		{"decisions_preauthorize_authz_none_degradation_missing_comma.json", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			serve(mux, "/api/v2/", http.StatusOK, passFixture(t, tt.fixture))
			res, err := c.Pass.Authorize(context.Background(), DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", Resources: []string{"REF30"}})
			if tt.malformed {
				var de *DecodeError
				if !errors.As(err, &de) {
					t.Errorf("error = %v, want *DecodeError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Decisions) != len(tt.want) {
				t.Fatalf("decisions = %+v", res.Decisions)
			}
			for i, got := range res.Decisions {
				want := tt.want[i]
				if got.Resource != want.Resource || got.ServiceProvider != want.ServiceProvider || got.MVPD != want.MVPD ||
					got.Authorized != want.Authorized || got.Source != want.Source || !got.NotBefore.Equal(want.NotBefore) ||
					!got.NotAfter.Equal(want.NotAfter) {
					t.Errorf("decision %d = %+v\nwant %+v", i, got, want)
				}
				if (got.Token == nil) != (want.Token == nil) || (got.Token != nil && (got.Token.SerializedToken != want.Token.SerializedToken ||
					!got.Token.NotBefore.Equal(want.Token.NotBefore) || !got.Token.NotAfter.Equal(want.Token.NotAfter))) {
					t.Errorf("decision %d token = %v, want %v", i, got.Token, want.Token)
				}
				if (got.Error == nil) != (want.Error == nil) || (got.Error != nil && *got.Error != *want.Error) {
					t.Errorf("decision %d error = %+v, want %+v", i, got.Error, want.Error)
				}
			}
		})
	}
}

func TestPassDecisionLookupAndItemErrors(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	serve(mux, "/api/v2/", http.StatusOK, passFixture(t, "decisions_preauthorize_mixed.json"))
	res, err := c.Pass.Preauthorize(context.Background(), DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision",
		Resources: []string{"resource1", "resource2", "resource3"}})
	if err != nil {
		t.Fatal(err)
	}
	// Adobe pads "resource1 " in its sample; the lookup still finds it.
	if d, ok := res.Decision("resource1"); !ok || !d.Authorized {
		t.Errorf("resource1 = %+v, %v", d, ok)
	}
	d, ok := res.Decision("resource3")
	if !ok || d.Authorized || d.Error == nil {
		t.Fatalf("resource3 = %+v", d)
	}
	// An item error is data, not a failure of the call: it matches no sentinel of a failed request.
	if errors.Is(d.Error, ErrUnauthorized) || errors.Is(d.Error, ErrRateLimited) {
		t.Errorf("item error %v matches a request sentinel", d.Error)
	}
	if _, ok := res.Decision("nope"); ok {
		t.Error("found a resource that is not there")
	}
}

func TestPassDecisionsMediaTokenMasked(t *testing.T) {
	t.Parallel()
	tok := MediaToken{SerializedToken: "PHNpZ25hdHVyZUluZm8-secret"}
	d := Decision{Resource: "REF30", Authorized: true, Token: &tok}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("d", "decision", d, "token", tok)
	for _, s := range []string{fmtAll(tok), fmtAll(&tok), fmtAll(d), logs.String()} {
		if strings.Contains(s, "PHNpZ25hdHVyZUluZm8-secret") {
			t.Errorf("media token leaked: %s", s)
		}
	}
}

func TestPassDecisionsErrorsAndValidation(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, WithRetry(RetryPolicy{}))
	serve(mux, "/api/v2/", http.StatusForbidden, []byte(`{"action":"authentication","status":403,"code":"authenticated_profile_missing","message":"No profile."}`))
	_, err := c.Pass.Authorize(context.Background(), DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", Resources: []string{"REF30"}})
	if pe := asPassError(t, err); pe.Code != "authenticated_profile_missing" || pe.Action != "authentication" || pe.HTTPStatus != 403 {
		t.Errorf("PassError = %+v", *pe)
	}

	// An item error echoing a token this call sent is scrubbed.
	c2, mux2, _ := setup(t)
	mux2.HandleFunc("/api/v2/", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, []byte(`{"decisions":[{"resource":"REF30","authorized":false,"error":{"status":403,"code":"x","message":"token `+
			r.Header.Get("AD-Service-Token")+`"}}]}`))
	})
	res, err := c2.Pass.Authorize(context.Background(), DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision",
		Resources: []string{"REF30"}, Headers: PassHeaders{ServiceToken: "service-token-secret"}})
	if err != nil || res.Decisions[0].Error == nil || strings.Contains(res.Decisions[0].Error.Message, "service-token-secret") {
		t.Errorf("item error = %+v, %v", res.Decisions[0].Error, err)
	}

	for _, tt := range []struct {
		req   DecisionRequest
		field string
	}{
		{DecisionRequest{MVPD: "Cablevision", Resources: []string{"a"}}, "ServiceProvider"},
		{DecisionRequest{ServiceProvider: "REF30", Resources: []string{"a"}}, "MVPD"},
		{DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision"}, "Resources"},
		{DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", Resources: []string{"a", " "}}, "Resources"},
	} {
		_, err := c.Pass.Authorize(context.Background(), tt.req)
		asValidation(t, err, tt.field)
	}
	_, err = c.Pass.Preauthorize(context.Background(), DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision",
		Resources: []string{"a"}, Headers: PassHeaders{TempPassIdentity: "x"}})
	asValidation(t, err, "Headers.TempPassIdentity")
}

func FuzzPassDecodeDecisions(f *testing.F) {
	seed(f, "decisions_*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := decodeDecisions(fuzzResponse(body))
		if err != nil {
			return
		}
		for _, d := range res.Decisions {
			if d.Error != nil {
				_ = d.Error.Error()
				if d.Error.HTTPStatus != http.StatusOK {
					t.Errorf("item error HTTPStatus %d, want the reply's 200", d.Error.HTTPStatus)
				}
			}
		}
	})
}
