package tvauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

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
		{"v1 xml", 403, nil, `<?xml version="1.0" encoding="UTF-8"?><error><status>403</status><message>User not authorized</message><details> Not entitled </details></error>`,
			PassError{HTTPStatus: 403, Status: 403, Message: "User not authorized", Details: "Not entitled"}},
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
			"tvauth: adobe pass: HTTP 200 authorization_denied_by_mvpd (status 403) (d) [action authentication]"},
		{&WebAPIError{HTTPStatus: 200, StatusCode: 330, StatusDetailCode: 3015, StatusText: "Captcha required", Challenge: &Challenge{Info: "captcha"}},
			"tvauth: nina webapi: statusCode 330/3015 Captcha required (HTTP 200) [challenge captcha]"},
		{&AGSError{HTTPStatus: 403, Code: "20003", Message: "Device limit reached"}, "tvauth: opentv ags: HTTP 403 code 20003: Device limit reached"},
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
		err := decodePassError(&response{StatusCode: status, Header: http.Header{}, Body: []byte(body)})
		var pe *PassError
		if !errors.As(err, &pe) || pe.HTTPStatus != status {
			t.Fatalf("decodePassError = %v", err)
		}
		_ = pe.Error()
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
