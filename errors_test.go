package tvauth

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

// passFields, agsFields and webapiFields are an error's decoded fields, without what the pipeline adds
// to every error (the operation and the raw reply).
func passFields(e *PassError) PassError {
	c := *e
	c.Op, c.serverReply = "", serverReply{}
	return c
}

func agsFields(e *AGSError) AGSError {
	c := *e
	c.Op, c.serverReply = "", serverReply{}
	return c
}

func webapiFields(e *WebAPIError) WebAPIError {
	c := *e
	c.Op, c.serverReply = "", serverReply{}
	return c
}

func TestErrorsMatchSentinels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		err          error
		unauthorized bool
		rateLimited  bool
		invalid      bool
	}{
		{"pass 401", &PassError{HTTPStatus: 401}, true, false, false},
		{"pass body status 401", &PassError{HTTPStatus: 200, Status: 401}, true, false, false},
		{"pass invalid_client", &PassError{HTTPStatus: 400, Code: "invalid_client"}, true, false, false},
		{"pass 429", &PassError{HTTPStatus: 429}, false, true, false},
		{"pass 403", &PassError{HTTPStatus: 403, Code: "authorization_denied_by_mvpd"}, false, false, false},
		{"webapi 401", &WebAPIError{StatusCode: 401}, true, false, false},
		{"webapi 440", &WebAPIError{StatusCode: 440}, true, false, false},
		{"webapi 441", &WebAPIError{StatusCode: 441}, true, true, false},
		{"webapi 444", &WebAPIError{StatusCode: 444}, true, false, false},
		{"webapi 445", &WebAPIError{StatusCode: 445}, false, false, false},
		{"webapi 330/3011", &WebAPIError{StatusCode: 330, StatusDetailCode: 3011}, true, false, false},
		{"webapi 330/3015", &WebAPIError{StatusCode: 330, StatusDetailCode: 3015}, false, false, false},
		{"webapi 401/3019", &WebAPIError{StatusCode: 401, StatusDetailCode: 3019}, true, false, false},
		{"webapi 430", &WebAPIError{StatusCode: 430}, false, true, false},
		{"webapi 607", &WebAPIError{StatusCode: 607}, false, true, false},
		{"webapi 400", &WebAPIError{StatusCode: 400, StatusDetailCode: 1015}, false, false, false},
		{"ags 401", &AGSError{HTTPStatus: 401}, true, false, false},
		{"ags 429", &AGSError{HTTPStatus: 429}, false, true, false},
		{"ags 403", &AGSError{HTTPStatus: 403, Code: "20001"}, false, false, false},
		{"validation", &ValidationError{Field: "MVPD", Reason: "empty"}, false, false, true},
		{"wrapped", fmt.Errorf("logout: %w", &PassError{HTTPStatus: 401}), true, false, false},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, ErrUnauthorized); got != tt.unauthorized {
			t.Errorf("%s: Is(ErrUnauthorized) = %v", tt.name, got)
		}
		if got := errors.Is(tt.err, ErrRateLimited); got != tt.rateLimited {
			t.Errorf("%s: Is(ErrRateLimited) = %v", tt.name, got)
		}
		if got := errors.Is(tt.err, ErrInvalidRequest); got != tt.invalid {
			t.Errorf("%s: Is(ErrInvalidRequest) = %v", tt.name, got)
		}
	}
}

func TestDecodePassError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   PassError
	}{
		{"enhanced error code", 400, nil,
			`{"action":"none","status":400,"code":"invalid_parameter_redirect_url","message":"The redirect URL parameter value is missing or invalid.","helpUrl":"https://experienceleague.adobe.com/docs/pass/authentication/auth-features/error-reportn/enhanced-error-codes.html","trace":"12f6fef9-d2e0-422b-a9d7-60d799abe353"}`,
			PassError{HTTPStatus: 400, Action: "none", Status: 400, Code: "invalid_parameter_redirect_url",
				Message: "The redirect URL parameter value is missing or invalid.",
				HelpURL: "https://experienceleague.adobe.com/docs/pass/authentication/auth-features/error-reportn/enhanced-error-codes.html",
				Trace:   "12f6fef9-d2e0-422b-a9d7-60d799abe353"}},
		{"unknown action kept", 403, nil, `{"action":"degradation","status":"403","code":"brand_new_code","message":{"en":"x"}}`,
			PassError{HTTPStatus: 403, Action: "degradation", Status: 403, Code: "brand_new_code", Message: `{"en":"x"}`}},
		{"dcr oauth error", 400, nil, `{"error":"invalid_software_statement"}`,
			PassError{HTTPStatus: 400, Code: "invalid_software_statement"}},
		{"dcr error with description", 400, nil, `{"error":"invalid_client","error_description":"Client unknown"}`,
			PassError{HTTPStatus: 400, Code: "invalid_client", Message: "Client unknown"}},
		{"v1 bare status", 403, nil, `{"status":403,"message":"Forbidden"}`,
			PassError{HTTPStatus: 403, Status: 403, Message: "Forbidden"}},
		{"v1 null details", 412, nil, `{"status":412,"message":"User not authenticated","details":null}`,
			PassError{HTTPStatus: 412, Status: 412, Message: "User not authenticated"}},
		{"throttle html", 429, http.Header{"Content-Type": {"text/html"}},
			"<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>",
			PassError{HTTPStatus: 429}},
		{"retry-after kept", 429, http.Header{"Retry-After": {"7"}}, ``, PassError{HTTPStatus: 429, RetryAfter: 7 * time.Second}},
		{"bom and spaces", 500, nil, "\ufeff  {\"code\":\"internal_server_error\",\"status\":500}", PassError{HTTPStatus: 500, Code: "internal_server_error", Status: 500}},
		{"truncated json", 500, nil, `{"code":"internal_ser`, PassError{HTTPStatus: 500}},
		{"wrong types", 400, nil, `{"code":7,"status":[1],"action":{}}`, PassError{HTTPStatus: 400}},
		{"item-level error object", 403, nil, `{"error":{"action":"retry","status":403,"code":"network_connection_timeout"}}`,
			PassError{HTTPStatus: 403, Action: "retry", Status: 403, Code: "network_connection_timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			err := decodePassError(&response{StatusCode: tt.status, Header: h, Body: []byte(tt.body)})
			var pe *PassError
			if !errors.As(err, &pe) {
				t.Fatalf("not a *PassError: %v", err)
			}
			if *pe != tt.want {
				t.Errorf("got  %+v\nwant %+v", *pe, tt.want)
			}
		})
	}
}

// The legacy v1 decoder reads what the v2 one does, plus XML <error> bodies, and names its service.
// The v2 and DCR decoder reads JSON only (Adobe sends no XML there), so that a program that never calls
// v1 links no XML decoder.
func TestDecodeClientlessError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   PassError
		v2     PassError // what decodePassError makes of the same reply
	}{
		{"v1 xml", 403, `<?xml version="1.0" encoding="UTF-8"?><error><status>403</status><message>User not authorized</message><details> Not entitled </details></error>`,
			PassError{HTTPStatus: 403, Status: 403, Message: "User not authorized", Details: "Not entitled", Service: "clientless"},
			PassError{HTTPStatus: 403}},
		{"v1 xml with every element", 400, `<error><action>configuration</action><status>400</status><code>invalid_requestor</code><message>m</message><helpUrl>https://h</helpUrl><trace>t-1</trace></error>`,
			PassError{HTTPStatus: 400, Action: "configuration", Status: 400, Code: "invalid_requestor", Message: "m", HelpURL: "https://h", Trace: "t-1", Service: "clientless"},
			PassError{HTTPStatus: 400}},
		{"v1 json", 412, `{"status":412,"message":"User not authenticated","details":null}`,
			PassError{HTTPStatus: 412, Status: 412, Message: "User not authenticated", Service: "clientless"},
			PassError{HTTPStatus: 412, Status: 412, Message: "User not authenticated"}},
		{"broken xml", 500, `<error><status>500</sta`, PassError{HTTPStatus: 500, Service: "clientless"}, PassError{HTTPStatus: 500}},
		{"html page", 502, `<html><body>Bad Gateway</body></html>`, PassError{HTTPStatus: 502, Service: "clientless"}, PassError{HTTPStatus: 502}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &response{StatusCode: tt.status, Header: http.Header{}, Body: []byte(tt.body)}
			var pe *PassError
			if err := decodeClientlessError(r); !errors.As(err, &pe) || *pe != tt.want {
				t.Errorf("decodeClientlessError = %+v\nwant                    %+v", err, tt.want)
			}
			if err := decodePassError(r); !errors.As(err, &pe) || *pe != tt.v2 {
				t.Errorf("decodePassError = %+v\nwant            %+v", err, tt.v2)
			}
		})
	}
}

func TestDecodeAGSError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		body   string
		want   AGSError
	}{
		{403, `{"code":20001,"message":"Account suspended"}`, AGSError{HTTPStatus: 403, Code: "20001", Message: "Account suspended"}},
		{400, `{"code":"40001","message":"Bad request"}`, AGSError{HTTPStatus: 400, Code: "40001", Message: "Bad request"}},
		{404, `<html>Not Found</html>`, AGSError{HTTPStatus: 404}},
		{500, ``, AGSError{HTTPStatus: 500}},
	}
	for _, tt := range tests {
		err := decodeAGSError(&response{StatusCode: tt.status, Header: http.Header{}, Body: []byte(tt.body)})
		var ae *AGSError
		if !errors.As(err, &ae) || *ae != tt.want {
			t.Errorf("decodeAGSError(%s) = %+v, want %+v", tt.body, err, tt.want)
		}
	}
}

func TestErrorStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{&PassError{HTTPStatus: 400, Code: "invalid_parameter_mvpd", Status: 400, Message: "bad mvpd", Action: "none"},
			"tvauth: adobe pass: HTTP 400 invalid_parameter_mvpd: bad mvpd"},
		{&PassError{HTTPStatus: 200, Code: "authorization_denied_by_mvpd", Status: 403, Action: "authentication", Details: "d"},
			"tvauth: adobe pass: HTTP 200 authorization_denied_by_mvpd (status 403)"},
		{&PassError{Op: "pass.logout", HTTPStatus: 400, Code: "invalid_request", Status: 400, Message: "bad redirect"},
			"tvauth: adobe pass logout: HTTP 400 invalid_request: bad redirect"},
		{&PassError{Op: "clientless.authorize", Service: "clientless", HTTPStatus: 403, Message: "User not authorized"},
			"tvauth: clientless authorize: HTTP 403: User not authorized"},
		{&WebAPIError{HTTPStatus: 200, StatusCode: 330, StatusDetailCode: 3015, StatusText: "Captcha required", Challenge: &Challenge{Info: "captcha"}},
			"tvauth: nina webapi: HTTP 200 statusCode 330/3015: Captcha required [challenge captcha]"},
		{&WebAPIError{Op: "webapi.logout", HTTPStatus: 429, StatusCode: 200, StatusText: "OK"},
			"tvauth: nina webapi logout: HTTP 429 statusCode 200: OK"},
		{&AGSError{HTTPStatus: 403, Code: "20003", Message: "Device limit reached"}, "tvauth: opentv ags: HTTP 403 code 20003: Device limit reached"},
		{&AGSError{Op: "ags.signOn", HTTPStatus: 403, Code: "20003", Message: "Device limit reached", CorrelationID: "c-1"},
			"tvauth: opentv ags signOn: HTTP 403 code 20003: Device limit reached (correlation id c-1)"},
		{&DecodeError{Op: "pass.token", Service: "adobe pass", HTTPStatus: 200, ContentType: "text/html", Err: errors.New("token reply has no access_token")},
			"tvauth: adobe pass token: cannot decode HTTP 200 reply (text/html): token reply has no access_token"},
		{&RequestError{Op: "clientless.config", Service: "clientless", Method: "GET", URL: "https://api.auth.adobe.com/api/v1/config/REF30", Err: context.Canceled},
			"tvauth: clientless config: GET https://api.auth.adobe.com/api/v1/config/REF30: context canceled"},
		{&ValidationError{Field: "RedirectURL", Reason: "not an absolute URL"}, "tvauth: invalid RedirectURL: not an absolute URL"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestRequestErrorUnwraps(t *testing.T) {
	t.Parallel()
	err := error(&RequestError{Service: "adobe pass", Method: "GET", URL: "https://x/", Err: context.DeadlineExceeded, msg: "deadline"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("RequestError does not unwrap to its cause")
	}
	if !strings.Contains(err.Error(), "GET https://x/") {
		t.Errorf("Error() = %q", err)
	}
}

func FuzzDecodePassError(f *testing.F) {
	for _, s := range []string{
		`{"action":"none","status":400,"code":"invalid_parameter_redirect_url","message":"m"}`,
		`{"error":"invalid_client"}`, `{"status":"412","message":null,"details":{"a":1}}`,
		`<error><status>403</status><message>x</message></error>`, `<html>429</html>`, ``, `{`, `{"error":{"code":1}}`,
	} {
		f.Add(400, s)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		for name, decode := range map[string]func(*response) error{
			"decodePassError": decodePassError, "decodeClientlessError": decodeClientlessError,
		} {
			err := decode(&response{StatusCode: status, Header: http.Header{}, Body: []byte(body)})
			var pe *PassError
			if !errors.As(err, &pe) || pe.HTTPStatus != status {
				t.Fatalf("%s = %v", name, err)
			}
			_ = pe.Error()
		}
	})
}

func FuzzDecodeAGSError(f *testing.F) {
	for _, s := range []string{`{"code":20001,"message":"x"}`, `{"code":"1"}`, `[]`, `<html>`, ``} {
		f.Add(403, s)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		err := decodeAGSError(&response{StatusCode: status, Header: http.Header{}, Body: []byte(body)})
		var ae *AGSError
		if !errors.As(err, &ae) || ae.HTTPStatus != status {
			t.Fatalf("decodeAGSError = %v", err)
		}
		_ = ae.Error()
	})
}

// ---- issue 10: the right error for every reply --------------------------------------------------

// "Not configured" comes before request validation, for every family and every method: a request
// that is wrong in every field still reports the missing option, and nothing is sent.
func TestNotConfiguredBeforeValidation(t *testing.T) {
	t.Parallel()
	type row struct {
		name string
		call func(c *Client) error
	}
	bg := context.Background()
	families := []struct {
		service, option string
		rows            []row
	}{
		{"opentv ags", "WithAGSURL", []row{
			{"ServiceDiscovery", func(c *Client) error { _, err := c.AGS.ServiceDiscovery(bg); return err }},
			{"ServiceDiscoveryWith", func(c *Client) error {
				_, err := c.AGS.ServiceDiscoveryWith(bg, ServiceDiscoveryRequest{Token: "\n", CorrelationID: "\x00"})
				return err
			}},
			{"SignOn", func(c *Client) error { _, err := c.AGS.SignOn(bg, SignOnRequest{AuthService: " "}); return err }},
			{"SubsequentSignOn", func(c *Client) error { _, err := c.AGS.SubsequentSignOn(bg, Account{}, SignOnRequest{}); return err }},
			{"Refresh", func(c *Client) error { _, err := c.AGS.Refresh(bg, "", SignOnRequest{}); return err }},
			{"Register", func(c *Client) error { _, err := c.AGS.Register(bg, "..", SignOnRequest{}); return err }},
			{"Register empty", func(c *Client) error { _, err := c.AGS.Register(bg, "", SignOnRequest{}); return err }},
			{"SubsequentRegister", func(c *Client) error { _, err := c.AGS.SubsequentRegister(bg, Account{}, SignOnRequest{}); return err }},
			{"SignOnWithSessionToken", func(c *Client) error { _, err := c.AGS.SignOnWithSessionToken(bg, "", SignOnRequest{}); return err }},
			{"GetSessionToken", func(c *Client) error {
				_, err := c.AGS.GetSessionToken(bg, SignOnRequest{Parameters: []Parameter{{}}})
				return err
			}},
			{"SignOut", func(c *Client) error { return c.AGS.SignOut(bg, "", SignOnRequest{}) }},
			{"TokenSource.Token", func(c *Client) error {
				_, err := c.AGS.TokenSource(&Tokens{}, SignOnRequest{}, nil).Token()
				return err
			}},
		}},
		{"adobe pass", "WithPassTokenSource", []row{
			{"Logout", func(c *Client) error { _, err := c.Pass.Logout(bg, LogoutRequest{RedirectURL: "/x"}); return err }},
			{"CreateSession", func(c *Client) error { _, err := c.Pass.CreateSession(bg, SessionRequest{}); return err }},
			{"ResumeSession", func(c *Client) error { _, err := c.Pass.ResumeSession(bg, "..", SessionRequest{}); return err }},
			{"SessionInfo", func(c *Client) error { _, err := c.Pass.SessionInfo(bg, "", ""); return err }},
			{"Configuration", func(c *Client) error { _, err := c.Pass.Configuration(bg, "."); return err }},
			{"Authorize", func(c *Client) error { _, err := c.Pass.Authorize(bg, DecisionRequest{}); return err }},
			{"Preauthorize", func(c *Client) error { _, err := c.Pass.Preauthorize(bg, DecisionRequest{}); return err }},
			{"Profiles", func(c *Client) error { _, err := c.Pass.Profiles(bg, ProfileRequest{}); return err }},
			{"ProfileForMVPD", func(c *Client) error { _, err := c.Pass.ProfileForMVPD(bg, ProfileRequest{}); return err }},
			{"ProfileForCode", func(c *Client) error { _, err := c.Pass.ProfileForCode(bg, ProfileRequest{}); return err }},
			{"WaitForProfile", func(c *Client) error { _, err := c.Pass.WaitForProfile(bg, "", ""); return err }},
			{"PartnerSession", func(c *Client) error { _, err := c.Pass.PartnerSession(bg, PartnerSessionRequest{}); return err }},
			{"PartnerProfile", func(c *Client) error { _, err := c.Pass.PartnerProfile(bg, PartnerProfileRequest{}); return err }},
		}},
		{"clientless", "WithPassTokenSource", []row{
			{"CreateRegCode", func(c *Client) error { _, err := c.Clientless.CreateRegCode(bg, RegCodeRequest{TTL: -1}); return err }},
			{"DeleteRegCode", func(c *Client) error { return c.Clientless.DeleteRegCode(bg, "", "..") }},
			{"CheckAuthN", func(c *Client) error { _, err := c.Clientless.CheckAuthN(bg, ClientlessRequest{}); return err }},
			{"WaitForAuthN", func(c *Client) error { return c.Clientless.WaitForAuthN(bg, ClientlessRequest{}, -1) }},
			{"AuthNToken", func(c *Client) error { _, err := c.Clientless.AuthNToken(bg, ClientlessRequest{}); return err }},
			{"Authorize", func(c *Client) error { _, err := c.Clientless.Authorize(bg, ClientlessAuthorizeRequest{}); return err }},
			{"AuthZToken", func(c *Client) error { _, err := c.Clientless.AuthZToken(bg, ClientlessResourceRequest{}); return err }},
			{"MediaToken", func(c *Client) error { _, err := c.Clientless.MediaToken(bg, ClientlessResourceRequest{}); return err }},
			{"Preauthorize", func(c *Client) error {
				_, err := c.Clientless.Preauthorize(bg, ClientlessPreauthorizeRequest{})
				return err
			}},
			{"UserMetadata", func(c *Client) error { _, err := c.Clientless.UserMetadata(bg, ClientlessRequest{}); return err }},
			{"FreePreview", func(c *Client) error { return c.Clientless.FreePreview(bg, FreePreviewRequest{}) }},
			{"Logout", func(c *Client) error { return c.Clientless.Logout(bg, ClientlessRequest{}) }},
		}},
		{"nina webapi", "WithWebAPIDevID", []row{
			{"ClientLogin", func(c *Client) error {
				_, err := c.WebAPI.ClientLogin(bg, ClientLoginRequest{Language: "x"})
				return err
			}},
			{"Logout", func(c *Client) error { _, err := c.WebAPI.Logout(bg, WebAPILogoutRequest{Method: "PUT"}); return err }},
		}},
	}
	for _, f := range families {
		for _, r := range f.rows {
			t.Run(f.service+"/"+r.name, func(t *testing.T) {
				t.Parallel()
				var sent atomic.Int32
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sent.Add(1) }))
				defer srv.Close()
				opts := []Option{WithPassURL(srv.URL), WithClientlessURL(srv.URL), WithWebAPIURL(srv.URL), WithRetry(RetryPolicy{})}
				switch f.option {
				case "WithAGSURL": // everything else is configured
					opts = append(opts, WithWebAPIDevID("d"), WithAGSAuthService("OPF"),
						WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})))
				case "WithPassTokenSource":
					opts = append(opts, WithAGSURL(srv.URL+"/ags"), WithWebAPIDevID("d"))
				case "WithWebAPIDevID":
					opts = append(opts, WithAGSURL(srv.URL+"/ags"),
						WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})))
				}
				c, err := New(opts...)
				if err != nil {
					t.Fatal(err)
				}
				err = r.call(c)
				var re *RequestError
				if !errors.Is(err, ErrNotConfigured) || !errors.As(err, &re) || errors.Is(err, ErrInvalidRequest) {
					t.Fatalf("err = %T %v, want ErrNotConfigured before any validation", err, err)
				}
				if want := "tvauth: " + f.service + ": service not configured (set " + f.option + ")"; err.Error() != want {
					t.Errorf("Error() = %q, want %q", err, want)
				}
				if sent.Load() != 0 {
					t.Errorf("%d requests sent", sent.Load())
				}
			})
		}
	}
}

// Every error type, built in its edge shapes (zero values, blank fields, a cause that is itself a
// tvauth error, no URL, no body), reads as one clean line: one "tvauth:" prefix, no empty URL, no
// trailing or doubled space, no empty parentheses, and Clientless errors say "clientless".
func TestErrorTextsInEdgeShapes(t *testing.T) {
	t.Parallel()
	inner := &ValidationError{Field: "Device.Info.model", Reason: "required key model is missing"}
	tests := []struct {
		name string
		err  error
		want string // "" = only the invariants
	}{
		{"zero ValidationError", &ValidationError{}, "tvauth: invalid request"},
		{"ValidationError without reason", &ValidationError{Field: "MVPD"}, "tvauth: invalid MVPD"},
		{"ValidationError with blank reason", &ValidationError{Field: "MVPD", Reason: " "}, "tvauth: invalid MVPD"},
		{"ValidationError whose reason is a tvauth error", invalid("WithDevice", "%v", inner),
			"tvauth: invalid WithDevice: invalid Device.Info.model: required key model is missing"},
		{"zero PassError", &PassError{}, "tvauth: adobe pass: HTTP 0"},
		{"body-less PassError", &PassError{HTTPStatus: 502}, "tvauth: adobe pass: HTTP 502"},
		{"PassError with blank fields", &PassError{HTTPStatus: 500, Code: " ", Message: " ", Details: "\n", Action: " "}, "tvauth: adobe pass: HTTP 500"},
		{"clientless PassError", &PassError{HTTPStatus: 403, Service: "clientless", Message: "Forbidden"}, "tvauth: clientless: HTTP 403: Forbidden"},
		{"body-less clientless PassError", &PassError{HTTPStatus: 401, Service: "clientless"}, "tvauth: clientless: HTTP 401"},
		{"PassError 302 with Location", &PassError{HTTPStatus: 302, Location: "https://mvpd.example/login"},
			"tvauth: adobe pass: HTTP 302 redirected to https://mvpd.example/login"},
		{"PassError 301 without Location", &PassError{HTTPStatus: 301}, "tvauth: adobe pass: HTTP 301 redirected"},
		{"AGSError 300 without Location", &AGSError{HTTPStatus: 300}, "tvauth: opentv ags: HTTP 300"},
		{"WebAPIError 304", &WebAPIError{HTTPStatus: 304}, "tvauth: nina webapi: HTTP 304"},
		{"WebAPIError 308 without Location", &WebAPIError{HTTPStatus: 308}, "tvauth: nina webapi: HTTP 308 redirected"},
		{"zero WebAPIError", &WebAPIError{}, "tvauth: nina webapi: HTTP 0"},
		{"body-less WebAPIError", &WebAPIError{HTTPStatus: 503}, "tvauth: nina webapi: HTTP 503"},
		{"WebAPIError with blank text", &WebAPIError{HTTPStatus: 200, StatusCode: 460, StatusText: "  "}, "tvauth: nina webapi: HTTP 200 statusCode 460"},
		{"WebAPIError 302", &WebAPIError{HTTPStatus: 302, Location: "https://login.nina.example/"},
			"tvauth: nina webapi: HTTP 302 redirected to https://login.nina.example/"},
		{"WebAPIError with blank challenge", &WebAPIError{StatusCode: 330, Challenge: &Challenge{Info: " "}}, "tvauth: nina webapi: HTTP 0 statusCode 330"},
		{"PassError 302 with a message", &PassError{HTTPStatus: 302, Message: "moved", Location: "https://mvpd.example/login"},
			"tvauth: adobe pass: HTTP 302: moved (redirected to https://mvpd.example/login)"},
		{"PassError with control characters", &PassError{HTTPStatus: 400, Code: "bad\ncode", Message: "line one\r\nline two\x00\x7f\u2028end"},
			"tvauth: adobe pass: HTTP 400 bad code: line one line two end"},
		{"PassError with invalid UTF-8", &PassError{HTTPStatus: 400, Message: "bad \xff\xfe reply"}, "tvauth: adobe pass: HTTP 400: bad \uFFFD reply"},
		{"zero AGSError", &AGSError{}, "tvauth: opentv ags: HTTP 0"},
		{"body-less AGSError", &AGSError{HTTPStatus: 504}, "tvauth: opentv ags: HTTP 504"},
		{"AGSError with blank fields", &AGSError{HTTPStatus: 400, Code: " ", Message: " ", CorrelationID: " "}, "tvauth: opentv ags: HTTP 400"},
		{"AGSError 303", &AGSError{HTTPStatus: 303, Location: "/ags/login", CorrelationID: "c-1"},
			"tvauth: opentv ags: HTTP 303 redirected to /ags/login (correlation id c-1)"},
		{"zero DecodeError", &DecodeError{}, "tvauth: cannot decode HTTP 0 reply"},
		{"DecodeError without content type", &DecodeError{Service: "adobe pass", HTTPStatus: 200, Err: errors.New("unexpected end of JSON input")},
			"tvauth: adobe pass: cannot decode HTTP 200 reply: unexpected end of JSON input"},
		{"DecodeError with a tvauth cause", &DecodeError{Service: "clientless", HTTPStatus: 200, ContentType: "text/html", Err: inner},
			"tvauth: clientless: cannot decode HTTP 200 reply (text/html): invalid Device.Info.model: required key model is missing"},
		{"zero RequestError", &RequestError{}, "tvauth: request failed"},
		{"RequestError without URL", &RequestError{Service: "adobe pass", Method: "POST", Err: errors.New("boom"), msg: "boom"},
			"tvauth: adobe pass: boom"},
		{"RequestError without msg", &RequestError{Service: "clientless", Method: "GET", URL: "https://api.auth.adobe.com/api/v1/config/REF30", Err: context.Canceled},
			"tvauth: clientless: GET https://api.auth.adobe.com/api/v1/config/REF30: context canceled"},
		{"RequestError whose cause is a tvauth error", &RequestError{Service: "adobe pass", Method: "GET", URL: "https://x/", Err: ErrResponseTooLarge, msg: ErrResponseTooLarge.Error()},
			"tvauth: adobe pass: GET https://x/: response body too large"},
		{"RequestError without method", &RequestError{Service: "opentv ags", URL: "https://x/ags", Err: io.EOF, msg: "EOF"}, "tvauth: opentv ags: https://x/ags: EOF"},
		{"not configured", notConfigured(svcAGS, "POST", "WithAGSURL"), "tvauth: opentv ags: service not configured (set WithAGSURL)"},
		{"not configured clientless", notConfigured(svcClientless, "GET", "WithPassTokenSource"), "tvauth: clientless: service not configured (set WithPassTokenSource)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tt.err.Error()
			if tt.want != "" && msg != tt.want {
				t.Errorf("Error() =\n  %q\nwant\n  %q", msg, tt.want)
			}
			checkErrorText(t, msg)
		})
	}
}

// checkErrorText holds the invariants every error text keeps.
func checkErrorText(t *testing.T, msg string) {
	t.Helper()
	switch {
	case !strings.HasPrefix(msg, "tvauth: "):
		t.Errorf("%q does not start with tvauth:", msg)
	case strings.Count(msg, "tvauth:") != 1:
		t.Errorf("%q: more than one tvauth: prefix", msg)
	case msg != strings.TrimSpace(msg):
		t.Errorf("%q: leading or trailing white space", msg)
	case strings.Contains(msg, "  "):
		t.Errorf("%q: doubled space", msg)
	case strings.Contains(msg, "()"), strings.Contains(msg, " :"), strings.Contains(msg, ": :"), strings.HasSuffix(msg, ":"):
		t.Errorf("%q: an empty part", msg)
	case strings.Contains(msg, "<nil>"):
		t.Errorf("%q: prints a nil", msg)
	}
}

// The pipeline's own errors for Clientless calls say "clientless", whatever went wrong: a status, a
// body that does not decode, no reply at all.
func TestClientlessErrorsNameClientless(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/api/v1/config/ERR", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	mux.HandleFunc("/api/v1/config/JSON", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"status":400,"message":"Bad requestor"}`)
	})
	mux.HandleFunc("/api/v1/config/HTML", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html>maintenance</html>")
	})
	mux.HandleFunc("/api/v1/config/MOVED", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://login.example/?requestor=MOVED", http.StatusFound)
	})
	c, err := New(WithClientlessURL(srv.URL), WithRetry(RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	dead, err := New(WithClientlessURL("http://127.0.0.1:1"), WithRetry(RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		client    *Client
		requestor string
		want      string
	}{
		{c, "ERR", "tvauth: clientless config: HTTP 502"},
		{c, "JSON", "tvauth: clientless config: HTTP 400: Bad requestor"},
		{c, "HTML", "tvauth: clientless config: cannot decode HTTP 200 reply (text/html): "},
		{c, "MOVED", "tvauth: clientless config: HTTP 302 redirected to https://login.example/?requestor=MOVED"},
		{dead, "REF30", "tvauth: clientless config: GET http://127.0.0.1:1/api/v1/config/REF30: "},
	}
	for _, tt := range tests {
		_, err := tt.client.Clientless.Config(context.Background(), tt.requestor)
		if err == nil {
			t.Fatalf("%s: no error", tt.requestor)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, tt.want) || strings.Contains(msg, "adobe pass") {
			t.Errorf("%s: Error() = %q, want it to start %q", tt.requestor, msg, tt.want)
		}
		checkErrorText(t, msg)
	}
}

// Unexpected 3xx replies of every family keep the Location (redacted) and say "redirected".
func TestRedirectErrorsKeepLocation(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, WithAGSAuthService("OPF"), WithWebAPIDevID("d"))
	redirect := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://login.example/?access_token=s3cr3t-token&next=%2Fhome")
		w.WriteHeader(http.StatusFound)
	}
	mux.HandleFunc("/api/v2/REF30/configuration", redirect)
	mux.HandleFunc("/api/v1/config/REF30", redirect)
	mux.HandleFunc("/ags/refresh", redirect)
	mux.HandleFunc("/auth/clientLogin", redirect)
	const want = "https://login.example/?access_token=REDACTED&next=%2Fhome"
	tests := []struct {
		name string
		call func() error
		loc  func(error) string
	}{
		{"pass", func() error { _, err := c.Pass.Configuration(context.Background(), "REF30"); return err },
			func(err error) string { var e *PassError; errors.As(err, &e); return e.Location }},
		{"clientless", func() error { _, err := c.Clientless.Config(context.Background(), "REF30"); return err },
			func(err error) string { var e *PassError; errors.As(err, &e); return e.Location }},
		{"ags", func() error {
			_, err := c.AGS.Refresh(context.Background(), "refresh-s3cr3t", SignOnRequest{})
			return err
		},
			func(err error) string { var e *AGSError; errors.As(err, &e); return e.Location }},
		{"webapi", func() error {
			_, err := c.WebAPI.ClientLogin(context.Background(), ClientLoginRequest{LoginID: "u", Password: "pw"})
			return err
		}, func(err error) string { var e *WebAPIError; errors.As(err, &e); return e.Location }},
	}
	for _, tt := range tests {
		err := tt.call()
		if err == nil {
			t.Fatalf("%s: no error", tt.name)
		}
		if got := tt.loc(err); got != want {
			t.Errorf("%s: Location = %q, want %q (%v)", tt.name, got, want, err)
		}
		if !strings.Contains(err.Error(), "HTTP 302 redirected to "+want) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: Error() = %q", tt.name, err)
		}
		checkErrorText(t, err.Error())
	}
}

// An error wrapped by the SDK in another of its errors keeps one prefix and its chain.
func TestWrappedErrorsKeepOnePrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{wrap("saving registered client credentials", fmt.Errorf("tvauth: saving client credentials: %w", io.ErrShortWrite)),
			"tvauth: saving registered client credentials: saving client credentials: short write"},
		{wrap("creds.json holds incomplete credentials", invalid("file.ClientSecret", "empty")),
			"tvauth: creds.json holds incomplete credentials: invalid file.ClientSecret: empty"},
		{wrap("saving", nil), "tvauth: saving"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		checkErrorText(t, tt.err.Error())
	}
	if err := tests[1].err; !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("%v does not unwrap to its ValidationError", err)
	}
	if err := tests[0].err; !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("%v does not unwrap to its cause", err)
	}
}

// A denied resource of a v1 preauthorize carries its own error: it names clientless too.
func TestClientlessItemErrorsNameClientless(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	serve(mux, "/api/v1/preauthorize", http.StatusOK, []byte(`{"resources":[{"id":"A","authorized":true},`+
		`{"id":"B","authorized":false,"error":{"status":403,"code":"authorization_denied_by_mvpd","message":"denied"}},`+
		`{"id":"C","authorized":false,"error":"Not authorized"}]}`))
	p, err := c.Clientless.Preauthorize(context.Background(), ClientlessPreauthorizeRequest{RequestorID: "REF30", Resources: []string{"A", "B", "C"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "tvauth: clientless: HTTP 200 authorization_denied_by_mvpd (status 403): denied", "tvauth: clientless: HTTP 200: Not authorized"}
	if len(p.Resources) != len(want) {
		t.Fatalf("resources = %+v", p.Resources)
	}
	for i, r := range p.Resources {
		got := ""
		if r.Error != nil {
			got = r.Error.Error()
		}
		if got != want[i] {
			t.Errorf("resource %s: error %q, want %q", r.ID, got, want[i])
		}
	}
}

// ---- short, fixed-shape error texts ------------------------------------------------------------

// huge is a field a hostile reply could fill: 64 KiB of text with control characters, invalid UTF-8
// and line separators.
var huge = strings.Repeat("x\n\r\t\x00\x1b\xff\u2028é", 64<<10/16)

// Every error type, with every field at its worst (64 KiB texts, the longest integers, control
// characters, invalid UTF-8), reads in at most 512 bytes, on one line, as valid UTF-8.
func TestErrorTextsBounded(t *testing.T) {
	t.Parallel()
	const big = math.MinInt // the longest int in decimal, on 32-bit builds (arm, mipsle) too
	cause := errors.New(huge)
	errs := []error{
		&ValidationError{Field: huge, Reason: huge},
		&PassError{HTTPStatus: big, Action: huge, Code: huge, Message: huge, Details: huge, HelpURL: huge, Trace: huge,
			Status: big + 1, Location: huge, Service: huge, Op: huge},
		&PassError{HTTPStatus: 302, Code: huge, Status: big, Location: huge, Service: huge, Op: huge},
		&PassError{HTTPStatus: 302, Code: huge, Status: big, Message: huge, Location: huge, Service: huge, Op: huge},
		&WebAPIError{HTTPStatus: big, StatusCode: big, StatusDetailCode: big, StatusText: huge, RequestID: huge,
			Challenge: &Challenge{Info: huge, Context: huge, URL: huge}, Location: huge, Op: huge},
		&WebAPIError{HTTPStatus: 307, StatusCode: big, StatusDetailCode: big, StatusText: huge,
			Challenge: &Challenge{Info: huge}, Location: huge, Op: huge},
		&WebAPIError{HTTPStatus: 307, StatusCode: big, StatusDetailCode: big, Challenge: &Challenge{Info: huge}, Location: huge, Op: huge},
		&AGSError{HTTPStatus: big, Code: huge, Message: huge, CorrelationID: huge, Location: huge, Op: huge},
		&AGSError{HTTPStatus: 303, Code: huge, Message: huge, CorrelationID: huge, Location: huge, Op: huge},
		&AGSError{HTTPStatus: 303, Code: huge, CorrelationID: huge, Location: huge, Op: huge},
		&DecodeError{Service: huge, HTTPStatus: big, ContentType: huge, Err: cause, CorrelationID: huge, Op: huge},
		&RequestError{Service: huge, Method: huge, URL: huge, Err: cause, CorrelationID: huge, Op: huge},
		&RequestError{Service: huge, Method: huge, URL: huge, Err: cause, CorrelationID: huge, Op: huge, msg: huge},
	}
	for _, err := range errs {
		msg := err.Error()
		if len(msg) > maxErrorText || !utf8.ValidString(msg) || strings.ContainsAny(msg, "\n\r\t\x00\x1b\u2028") {
			t.Errorf("%T: Error() of %d bytes (at most %d), one line of valid UTF-8: %q", err, len(msg), maxErrorText, msg)
		}
	}
}

// The reply an error came from stays available, exactly as the server sent it (secrets and all),
// through RawBody and RawHeader only: fmt (every verb, %#v included), both slog handlers and
// encoding/json print none of it.
func TestRawReplyOnlyThroughMethods(t *testing.T) {
	t.Parallel()
	const token = "raw-token-0123456789abcdef"
	body := `{"status":400,"code":"invalid_request","message":"bad token ` + token + `","details":"` + strings.Repeat("d", 1000) + `"}`
	c, mux, _ := setup(t, WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token, TokenType: "Bearer"})))
	mux.HandleFunc("GET /api/v2/REF30/configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", token)
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, body)
	})
	_, err := c.Pass.Configuration(context.Background(), "REF30")
	var pe *PassError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *PassError", err)
	}
	if got := string(pe.RawBody()); got != body {
		t.Errorf("RawBody() = %q, want the body as sent", got)
	}
	if got := pe.RawHeader().Get("X-Echo"); got != token {
		t.Errorf("RawHeader() X-Echo = %q, want the header as sent", got)
	}
	if pe.Message != "bad token REDACTED" || len(pe.Details) != maxTextBytes || pe.Op != "pass.configuration" {
		t.Errorf("Message %q, Details of %d bytes, Op %q", pe.Message, len(pe.Details), pe.Op)
	}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outs = append(outs, fmt.Sprintf(verb, err), fmt.Sprintf(verb, *pe))
	}
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		slog.New(h).Error("failed", "err", err, "pe", *pe)
	}
	js, _ := json.Marshal(pe)
	outs = append(outs, logs.String(), string(js))
	for _, out := range outs {
		if strings.Contains(out, token) || strings.Contains(out, hex.EncodeToString([]byte(token))) || strings.Contains(out, "dddddddddd"+strings.Repeat("d", 200)) {
			t.Errorf("the raw reply shows: %s", out)
		}
	}
	if (&PassError{}).RawBody() != nil || (&PassError{}).RawHeader() != nil {
		t.Error("an error built without a reply has a raw reply")
	}
}

// FuzzErrorText sends any reply (status, Location, Content-Type, body) through each family's error
// decoder and the pipeline's finishing step: the error's text is at most 512 bytes of valid UTF-8 on
// one line, its text fields keep their bounds, and no secret the call sent shows in any of them.
func FuzzErrorText(f *testing.F) {
	for _, s := range []string{
		`{"action":"none","status":400,"code":"invalid_parameter_redirect_url","message":"m"}`,
		`{"error":"invalid_client","error_description":"the client secret s3cr3t-0123456789 is wrong"}`,
		`<error><status>403</status><message>x</message></error>`, `{"code":20001,"message":"x"}`,
		`{"response":{"statusCode":330,"statusText":"s3cr3t-0123456789","data":{"challenge":{"info":"captcha","url":"u"}}}}`,
		`statusCode=441&statusText=s3cr3t-0123456789`, `<html>429</html>`, ``,
	} {
		f.Add(400, "", "application/json", s)
		f.Add(302, "https://login.example/?a=s3cr3t-0123456789&b=1", "text/html", s)
	}
	const secret = "s3cr3t-0123456789"
	decoders := map[string]func(*response) error{
		"pass": decodePassError, "clientless": decodeClientlessError, "webapi": decodeWebAPIError, "ags": decodeAGSError,
	}
	f.Fuzz(func(t *testing.T, status int, location, contentType, body string) {
		header := http.Header{"Location": {location}, "Content-Type": {contentType}, "Retry-After": {"1"}}
		for name, decode := range decoders {
			resp := &response{StatusCode: status, Header: header, Body: []byte(body)}
			cl := &call{op: name + ".fuzz", header: http.Header{"X-Correlation-Id": {location}}}
			red := newRedactor(secret)
			for _, err := range []error{
				red.finishError(decode(resp), cl, resp),
				red.finishError(&DecodeError{Service: name, HTTPStatus: status, ContentType: replyMediaType(resp), Err: errors.New(body)}, cl, resp),
			} {
				msg := err.Error()
				if len(msg) > maxErrorText || !utf8.ValidString(msg) || strings.IndexFunc(msg, isControl) >= 0 {
					t.Fatalf("%s: Error() of %d bytes: %q", name, len(msg), msg)
				}
				if strings.Contains(msg, secret) || strings.Contains(fmt.Sprintf("%#v", err), secret) {
					t.Fatalf("%s: the secret shows: %#v", name, err)
				}
				if pe, ok := err.(*PassError); ok && (len(pe.Message) > maxTextBytes || len(pe.Code) > maxCodeBytes || len(pe.Location) > maxTextBytes) {
					t.Fatalf("%s: fields past their bounds: %#v", name, pe)
				}
			}
		}
	})
}

// urlQuotingTransport fails every request with an error that quotes the URL, as many
// RoundTrippers do (mocks, service-mesh and signing transports, "dial upstream for <url>").
type urlQuotingTransport struct{}

func (urlQuotingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, errors.New("upstream unavailable for " + r.URL.String())
}

// RequestError scrubs its text (msg) but keeps the unscrubbed cause in Err, which Unwrap hands out:
// whatever walks the chain (errors.Unwrap, Sentry's exception chain, a logger printing causes) reads
// the NINA token and signature the transport quoted.
func TestRequestErrorChainScrubbed(t *testing.T) {
	const token = "NinaTokenZZ9-0123456789abcdefghijklmnopqrstuvwxyz"
	c, err := New(WithWebAPIURL("http://127.0.0.1:1"), WithWebAPIDevID("dev-1"), WithRetry(RetryPolicy{MaxRetries: 0}),
		WithHTTPClient(&http.Client{Transport: urlQuotingTransport{}}))
	if err != nil {
		t.Fatal(err)
	}
	sess := &WebAPISession{LoginID: "jo@example.com", Token: token, SessionSecret: "sessionsecret-0123456789",
		SessionKey: SessionKey("pw", "sessionsecret-0123456789"), ExpiresIn: time.Hour}
	_, err = c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: sess})
	if err == nil {
		t.Fatal("Logout succeeded through a failing transport")
	}
	if strings.Contains(err.Error(), token[:20]) {
		t.Fatalf("err.Error() leaks the token: %v", err)
	}
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), token[:20]) {
			t.Errorf("a cause in the chain (%T) leaks the token: %v", e, e)
			break
		}
	}
}

// A cause's stand-in (redactor.cause) is a net.Error only when the cause was one: a *DecodeError whose
// JSON error quoted a secret must not answer errors.As(err, &net.Error) with true, or a caller that
// tells network failures from bad replies that way (the usual retry test) takes a broken reply for a
// network error.
func TestScrubbedCauseIsANetErrorOnlyIfItsCauseWas(t *testing.T) {
	const secret = "s3cr3t-token-value-1234"
	e := &DecodeError{Service: "adobe pass", Err: fmt.Errorf("invalid value %q for access_token", secret)}
	e.scrub(newRedactor(secret))
	if strings.Contains(e.Error(), secret) {
		t.Fatalf("precondition: %q holds the secret", e)
	}
	var ne net.Error
	if errors.As(e, &ne) {
		t.Errorf("a *DecodeError whose cause held a secret is a net.Error (%T %q): a broken reply reads as a network failure", ne, ne)
	}
}

// A cause that was a net.Error stays one once scrubbed, with its Timeout, and %q, %x and %#v print
// only the scrubbed text.
func TestScrubbedNetErrorKeepsTimeout(t *testing.T) {
	const secret = "s3cr3t-token-value-1234"
	cause := &net.OpError{Op: "read", Net: "tcp", Err: timeoutError{"i/o timeout reading " + secret}}
	_, err := newRedactor(secret).cause(cause)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("scrubbed %T: errors.As(net.Error) %v, want a net.Error that timed out", err, errors.As(err, &ne))
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		if out := fmt.Sprintf(verb, err); strings.Contains(out, secret) || strings.Contains(out, hex.EncodeToString([]byte(secret))) {
			t.Errorf("%s prints the secret: %s", verb, out)
		}
	}
	if _, err := newRedactor(secret).cause(fmt.Errorf("%s: %w", secret, context.DeadlineExceeded)); !errors.Is(err, context.DeadlineExceeded) {
		t.Error("a scrubbed cause no longer matches the context error it wrapped")
	}
}

type timeoutError struct{ msg string }

func (e timeoutError) Error() string { return e.msg }

func (e timeoutError) Timeout() bool { return true }

func (e timeoutError) Temporary() bool { return false }
