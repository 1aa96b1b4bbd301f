package tvauthtest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
)

// deviceInfo is the documented first-time deviceInformation object.
const deviceInfo = `{"securePlayer":{"streamings":["H264"],"DRMs":["SSP"],"codecs":["H264"]},` +
	`"playoutDeviceClass":"mobileDevice","device":{"screen":{"height":1080,"width":1920,"density":0},` +
	`"hardware":{"model":"Pixel","manufacturer":"Google","type":"Mobile"},"OS":{"type":"Android","version":"14"}},` +
	`"deviceType":"OPEN","msgPlatform":"fcm"}`

// agsHeader is what every AGS POST of the tests sends, plus extra headers.
func agsHeader(extra ...string) http.Header {
	h := http.Header{
		"Content-Type":      {"application/json"},
		"X-Auth-Service-Id": {AGSAuthService},
		"Nv-Tenant-Id":      {AGSTenant},
		"X-Correlation-Id":  {"corr-1"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			h.Del(extra[i])
			continue
		}
		h.Set(extra[i], extra[i+1])
	}
	return h
}

// credentials is the parameters array for username and password.
func credentials(username, password string) string {
	b, _ := json.Marshal([]map[string]string{{"name": "username", "value": username}, {"name": "password", "value": password}})
	return string(b)
}

func agsPost(t *testing.T, s *Server, path string, h http.Header, body string) (int, http.Header, string) {
	t.Helper()
	return do(t, s.srv.Client(), "POST", s.URL()+"/ags"+path, h, body)
}

// tokenReply is the documented token response, decoded strictly.
type tokenReply struct {
	AccessToken           string `json:"access_token"`
	RefreshToken          string `json:"refresh_token"`
	ClientID              string `json:"client_id"`
	AccountID             string `json:"accountId"`
	TokenType             string `json:"token_type"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshExpiresIn      int64  `json:"refresh_expires_in"`
	FixedRefreshExpiresIn int64  `json:"fixed_refresh_expires_in"`
}

func decodeStrict(t *testing.T, body string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
}

func tokensOf(t *testing.T, status int, body string, want int) tokenReply {
	t.Helper()
	if status != want {
		t.Fatalf("HTTP %d, want %d: %s", status, want, body)
	}
	var tr tokenReply
	decodeStrict(t, body, &tr)
	if tr.AccessToken == "" || tr.RefreshToken == "" || tr.ClientID == "" || tr.AccountID == "" || tr.TokenType != "bearer" ||
		tr.ExpiresIn != 3600 || tr.RefreshExpiresIn <= 0 || tr.FixedRefreshExpiresIn < tr.RefreshExpiresIn {
		t.Errorf("token reply %+v", tr)
	}
	return tr
}

// agsSignOnDevice is a first-time sign-on of a one-account user.
func agsSignOnDevice(t *testing.T, s *Server, username, password string) tokenReply {
	t.Helper()
	status, _, body := agsPost(t, s, "/signOn", agsHeader(), `{"parameters":`+credentials(username, password)+`,"deviceInformation":`+deviceInfo+`}`)
	return tokensOf(t, status, body, http.StatusCreated)
}

// agsErr decodes an error reply and checks status and code.
func agsErr(t *testing.T, what string, status int, h http.Header, body string, wantStatus int, wantCode any) {
	t.Helper()
	var e struct {
		Code    any    `json:"code"`
		Message string `json:"message"`
	}
	if status != wantStatus || h.Get("Content-Type") != "application/json" {
		t.Errorf("%s: HTTP %d %s, want %d: %s", what, status, h.Get("Content-Type"), wantStatus, body)
		return
	}
	decodeStrict(t, body, &e)
	if n, ok := wantCode.(int); ok {
		wantCode = float64(n)
	}
	if wantCode != nil && e.Code != wantCode || e.Message == "" {
		t.Errorf("%s: code %v (%T) message %q, want code %v", what, e.Code, e.Code, e.Message, wantCode)
	}
}

func TestAGSDiscovery(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	status, h, body := do(t, s.srv.Client(), "GET", s.URL()+"/ags/servicediscovery", http.Header{"Nv-Tenant-Id": {"nagra"}}, "")
	if status != 200 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("HTTP %d %s", status, h.Get("Content-Type"))
	}
	const want = `{"availableServices":[{"authServiceName":"Customer Auth Service",` +
		`"displayAttributes":{"logo":"http://customer.com/auth.jpg","name":"Customer Authentication"},` +
		`"endpoints":[{"name":"SIGNON","path":"/signOn","parameterProperties":[` +
		`{"name":"username","mandatory":true,"isPassword":false},{"name":"password","mandatory":true,"isPassword":true}]},` +
		`{"name":"REGISTER","path":"/register/tvkey","parameterProperties":[` +
		`{"name":"username","mandatory":true,"isPassword":false},{"name":"password","mandatory":true,"isPassword":true}]}]}]}`
	if body != want {
		t.Errorf("body\n got %s\nwant %s", body, want)
	}
	status, h, body = do(t, s.srv.Client(), "POST", s.URL()+"/ags/servicediscovery", nil, "")
	agsErr(t, "POST discovery", status, h, body, 405, nil)
}

func TestAGSSignOnFirstAndNthTime(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	clock := newFakeClock()
	s.SetClock(clock.Now)
	s.AddAGSUser("dave", "1663")
	first := agsSignOnDevice(t, s, "dave", DefaultAGSPassword)
	if first.AccountID != "1663" || first.RefreshExpiresIn != 172800 || first.FixedRefreshExpiresIn != 7776000 {
		t.Errorf("first sign-on %+v", first)
	}
	if devs := s.AGSDevices("dave"); len(devs) != 1 || devs[0] != first.ClientID {
		t.Errorf("devices %v, want [%s]", devs, first.ClientID)
	}
	// The access token is a JWT whose claims name the account, device and expiry.
	parts := strings.Split(first.AccessToken, ".")
	if len(parts) != 3 {
		t.Fatalf("access token %q is not a JWT", first.AccessToken)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	_ = json.Unmarshal(payload, &claims)
	if claims["typ"] != "DevAuthN" || claims["accountId"] != "1663" || claims["deviceId"] != first.ClientID ||
		claims["exp"] != float64(clock.Now().Add(time.Hour).Unix()) {
		t.Errorf("claims %v", claims)
	}

	// n-th time: the same device by clientId, no new device.
	status, _, body := agsPost(t, s, "/signOn", agsHeader(), `{"parameters":`+credentials("dave", DefaultAGSPassword)+`,"clientId":"`+first.ClientID+`"}`)
	nth := tokensOf(t, status, body, 201)
	if nth.ClientID != first.ClientID || nth.AccessToken == first.AccessToken {
		t.Errorf("n-th sign-on %+v", nth)
	}
	if devs := s.AGSDevices("dave"); len(devs) != 1 {
		t.Errorf("n-th sign-on registered a device: %v", devs)
	}
	// Sending deviceInformation again registers another device, as the docs warn.
	agsSignOnDevice(t, s, "dave", DefaultAGSPassword)
	if devs := s.AGSDevices("dave"); len(devs) != 2 {
		t.Errorf("devices %v, want 2", devs)
	}
	// A user without accounts has one, named after the user.
	s.AddAGSUser("erin")
	if tr := agsSignOnDevice(t, s, "erin", s.AGSPassword("erin")); tr.AccountID != "erin" {
		t.Errorf("account %q, want erin", tr.AccountID)
	}
}

func TestAGSSignOnRejects(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddAGSUser("dave")
	s.AddAGSUser("sue")
	s.SetAGSUserError("sue", AGSAccountSuspended)
	s.SetAGSPassword("dave", "n3w")
	creds := credentials("dave", "n3w")
	for _, tc := range []struct {
		name   string
		header http.Header
		body   string
		status int
		code   any
	}{
		{"no x-auth-service-id", agsHeader("X-Auth-Service-Id", ""), `{"parameters":` + creds + `,"clientId":"x"}`, 400, nil},
		{"unknown auth service", agsHeader("X-Auth-Service-Id", "Other"), `{"parameters":` + creds + `,"clientId":"x"}`, 404, nil},
		{"not JSON", agsHeader("Content-Type", "application/x-www-form-urlencoded"), `parameters=1`, 400, nil},
		{"broken JSON", agsHeader(), `{"parameters":[`, 400, nil},
		{"trailing data", agsHeader(), `{"parameters":[],"clientId":"x"} {}`, 400, nil},
		{"parameters not an array", agsHeader(), `{"parameters":{"name":"username"},"clientId":"x"}`, 400, nil},
		{"no parameters", agsHeader(), `{"deviceInformation":{}}`, 400, nil},
		{"nameless parameter", agsHeader(), `{"parameters":[{"value":"x"}],"deviceInformation":{}}`, 400, nil},
		{"neither clientId nor deviceInformation", agsHeader(), `{"parameters":` + creds + `}`, 400, nil},
		{"both clientId and deviceInformation", agsHeader(), `{"parameters":` + creds + `,"clientId":"x","deviceInformation":{}}`, 400, nil},
		{"deviceInformation not an object", agsHeader(), `{"parameters":` + creds + `,"deviceInformation":"x"}`, 400, nil},
		{"empty clientId", agsHeader(), `{"parameters":` + creds + `,"clientId":""}`, 400, nil},
		{"no password", agsHeader(), `{"parameters":[{"name":"username","value":"dave"}],"deviceInformation":{}}`, 400, nil},
		{"Username (wrong case)", agsHeader(), `{"parameters":[{"name":"Username","value":"dave"},{"name":"password","value":"n3w"}],"deviceInformation":{}}`, 400, nil},
		{"wrong password", agsHeader(), `{"parameters":` + credentials("dave", DefaultAGSPassword) + `,"deviceInformation":{}}`, 401, nil},
		{"unknown user", agsHeader(), `{"parameters":` + credentials("nobody", "n3w") + `,"deviceInformation":{}}`, 401, nil},
		{"unknown device", agsHeader(), `{"parameters":` + creds + `,"clientId":"PUB_1"}`, 403, AGSDeviceDeleted},
		{"suspended account", agsHeader(), `{"parameters":` + credentials("sue", DefaultAGSPassword) + `,"deviceInformation":{}}`, 403, AGSAccountSuspended},
	} {
		status, h, body := agsPost(t, s, "/signOn", tc.header, tc.body)
		agsErr(t, tc.name, status, h, body, tc.status, tc.code)
	}
	status, h, body := do(t, s.srv.Client(), "GET", s.URL()+"/ags/signOn", nil, "")
	agsErr(t, "GET signOn", status, h, body, 405, nil)
	status, h, body = agsPost(t, s, "/signOff", agsHeader(), `{}`)
	agsErr(t, "unknown endpoint", status, h, body, 404, nil)
	if devs := s.AGSDevices("dave"); len(devs) != 0 {
		t.Errorf("rejected sign-ons registered devices: %v", devs)
	}
}

func TestAGSMultipleAccounts(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddAGSUser("dave", "1660", "1663")
	status, h, body := agsPost(t, s, "/signOn", agsHeader(), `{"parameters":`+credentials("dave", DefaultAGSPassword)+`,"deviceInformation":`+deviceInfo+`}`)
	if status != http.StatusMultipleChoices || h.Get("Location") != "" || h.Get("Content-Type") != "application/json" {
		t.Fatalf("HTTP %d Location %q: %s", status, h.Get("Location"), body)
	}
	var choice struct {
		Accounts []struct {
			AccountInformation string `json:"accountInformation"`
			UserAccountToken   string `json:"userAccountToken"`
		} `json:"accounts"`
	}
	decodeStrict(t, body, &choice)
	if len(choice.Accounts) != 2 {
		t.Fatalf("accounts %+v", choice.Accounts)
	}
	for i, id := range []string{"1660", "1663"} {
		var info map[string]string
		if err := json.Unmarshal([]byte(choice.Accounts[i].AccountInformation), &info); err != nil || info["accountId"] != id {
			t.Errorf("account %d: accountInformation %q (%v)", i, choice.Accounts[i].AccountInformation, err)
		}
	}
	if len(s.AGSDevices("dave")) != 0 {
		t.Error("a device was registered before an account was chosen")
	}

	params := `{"parameters":[{"name":"username","value":"dave"}]}`
	for _, tc := range []struct {
		name   string
		header http.Header
		status int
	}{
		{"no User-Token", agsHeader(), 400},
		{"forged User-Token", agsHeader("User-Token", "forged"), 401},
		{"no x-auth-service-id", agsHeader("User-Token", choice.Accounts[1].UserAccountToken, "X-Auth-Service-Id", ""), 400},
	} {
		status, h, body := agsPost(t, s, "/subsequentSignOn", tc.header, params)
		agsErr(t, tc.name, status, h, body, tc.status, nil)
	}
	status, h, body = agsPost(t, s, "/subsequentSignOn", agsHeader("User-Token", choice.Accounts[1].UserAccountToken),
		`{"parameters":[{"name":"username","value":"mallory"}]}`)
	agsErr(t, "another user's name", status, h, body, 401, nil)

	status, _, body = agsPost(t, s, "/subsequentSignOn", agsHeader("User-Token", choice.Accounts[1].UserAccountToken), params)
	tr := tokensOf(t, status, body, 201)
	if tr.AccountID != "1663" {
		t.Errorf("chose account %q, want 1663", tr.AccountID)
	}
	if devs := s.AGSDevices("dave"); len(devs) != 1 || devs[0] != tr.ClientID {
		t.Errorf("devices %v, want [%s]", devs, tr.ClientID)
	}
	// Every token of that 300 is spent once an account is chosen.
	for i, a := range choice.Accounts {
		status, h, body := agsPost(t, s, "/subsequentSignOn", agsHeader("User-Token", a.UserAccountToken), params)
		agsErr(t, "reused User-Token "+string(rune('0'+i)), status, h, body, 401, nil)
	}

	// An n-th sign-on carries its clientId through the 300 to the chosen account.
	status, _, body = agsPost(t, s, "/signOn", agsHeader(), `{"parameters":`+credentials("dave", DefaultAGSPassword)+`,"clientId":"`+tr.ClientID+`"}`)
	decodeStrict(t, body, &choice)
	if status != 300 {
		t.Fatalf("n-th sign-on: HTTP %d", status)
	}
	status, _, body = agsPost(t, s, "/subsequentSignOn", agsHeader("User-Token", choice.Accounts[0].UserAccountToken), params)
	if again := tokensOf(t, status, body, 201); again.ClientID != tr.ClientID || again.AccountID != "1660" {
		t.Errorf("n-th subsequent sign-on %+v", again)
	}
	if devs := s.AGSDevices("dave"); len(devs) != 1 {
		t.Errorf("devices %v after an n-th sign-on", devs)
	}
}

func TestAGSUserTokenExpires(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	clock := newFakeClock()
	s.SetClock(clock.Now)
	s.AddAGSUser("dave", "1", "2")
	_, _, body := agsPost(t, s, "/signOn", agsHeader(), `{"parameters":`+credentials("dave", DefaultAGSPassword)+`,"deviceInformation":{}}`)
	var choice struct {
		Accounts []struct{ UserAccountToken string } `json:"accounts"`
	}
	_ = json.Unmarshal([]byte(body), &choice)
	clock.Advance(agsUserTokenLifetime)
	status, h, body := agsPost(t, s, "/subsequentSignOn", agsHeader("User-Token", choice.Accounts[0].UserAccountToken), `{"parameters":[]}`)
	agsErr(t, "expired User-Token", status, h, body, 401, nil)
}

func TestAGSRefresh(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	clock := newFakeClock()
	s.SetClock(clock.Now)
	s.AddAGSUser("dave")
	first := agsSignOnDevice(t, s, "dave", DefaultAGSPassword)
	params := `{"parameters":[{"name":"username","value":"dave"}]}`

	clock.Advance(time.Hour)
	status, _, body := agsPost(t, s, "/refresh", agsHeader("Authorization", "Bearer "+first.RefreshToken), params)
	second := tokensOf(t, status, body, 200)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken || second.ClientID != first.ClientID {
		t.Errorf("refresh did not rotate: %+v", second)
	}
	// The fixed cap does not move: an hour of it is gone.
	if second.FixedRefreshExpiresIn != first.FixedRefreshExpiresIn-3600 {
		t.Errorf("fixed_refresh_expires_in %d, want %d", second.FixedRefreshExpiresIn, first.FixedRefreshExpiresIn-3600)
	}
	if s.AGSRefreshTokenActive(tvauth.Secret(first.RefreshToken)) || !s.AGSRefreshTokenActive(tvauth.Secret(second.RefreshToken)) {
		t.Error("the old refresh token is still live, or the new one is not")
	}
	for _, tc := range []struct {
		name   string
		header http.Header
		status int
	}{
		{"old refresh token", agsHeader("Authorization", "Bearer "+first.RefreshToken), 401},
		{"access token as refresh token", agsHeader("Authorization", "Bearer "+second.AccessToken), 401},
		{"no Authorization", agsHeader(), 400},
		{"no x-auth-service-id", agsHeader("Authorization", "Bearer "+second.RefreshToken, "X-Auth-Service-Id", ""), 400},
	} {
		status, h, body := agsPost(t, s, "/refresh", tc.header, params)
		agsErr(t, tc.name, status, h, body, tc.status, nil)
	}
	// The raw token (no "Bearer ") is accepted too.
	status, _, body = agsPost(t, s, "/refresh", agsHeader("Authorization", second.RefreshToken), params)
	third := tokensOf(t, status, body, 200)

	// An expired refresh token is refused.
	clock.Advance(AGSRefreshLifetime)
	status, h, body := agsPost(t, s, "/refresh", agsHeader("Authorization", "Bearer "+third.RefreshToken), params)
	agsErr(t, "expired refresh token", status, h, body, 401, nil)
}

func TestAGSRefreshCappedByFixedExpiry(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	clock := newFakeClock()
	s.SetClock(clock.Now)
	s.AddAGSUser("dave")
	tr := agsSignOnDevice(t, s, "dave", DefaultAGSPassword)
	// Refresh every 47 hours until the 90-day cap is close: the refresh lifetime then shrinks to it.
	for clock.Now().Add(AGSRefreshLifetime).Before(time.Unix(1700000000, 0).Add(AGSFixedRefreshLifetime)) {
		clock.Advance(47 * time.Hour)
		status, _, body := agsPost(t, s, "/refresh", agsHeader("Authorization", "Bearer "+tr.RefreshToken), `{"parameters":[]}`)
		tr = tokensOf(t, status, body, 200)
	}
	if tr.RefreshExpiresIn != tr.FixedRefreshExpiresIn || tr.RefreshExpiresIn >= int64(AGSRefreshLifetime/time.Second) {
		t.Errorf("near the cap: refresh_expires_in %d, fixed %d", tr.RefreshExpiresIn, tr.FixedRefreshExpiresIn)
	}
	clock.Advance(time.Duration(tr.FixedRefreshExpiresIn) * time.Second)
	status, h, body := agsPost(t, s, "/refresh", agsHeader("Authorization", "Bearer "+tr.RefreshToken), `{"parameters":[]}`)
	agsErr(t, "past the fixed cap", status, h, body, 401, nil)
}

func TestAGSSignOut(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddAGSUser("dave")
	tr := agsSignOnDevice(t, s, "dave", DefaultAGSPassword)
	other := agsSignOnDevice(t, s, "dave", DefaultAGSPassword) // another device's session
	params := `{"parameters":[{"name":"username","value":"dave"}]}`

	status, h, body := agsPost(t, s, "/signOut", agsHeader("Authorization", "Bearer "+tr.RefreshToken), params)
	agsErr(t, "refresh token as access token", status, h, body, 403, AGSTokenInvalid)
	status, h, body = agsPost(t, s, "/signOut", agsHeader(), params)
	agsErr(t, "no Authorization", status, h, body, 400, nil)

	status, _, body = agsPost(t, s, "/signOut", agsHeader("Authorization", "Bearer "+tr.AccessToken), params)
	if status != 200 || body != "" {
		t.Fatalf("signOut: HTTP %d %q", status, body)
	}
	if s.AGSAccessTokenActive(tvauth.Secret(tr.AccessToken)) || s.AGSRefreshTokenActive(tvauth.Secret(tr.RefreshToken)) {
		t.Error("signOut left tokens of the session live")
	}
	if !s.AGSAccessTokenActive(tvauth.Secret(other.AccessToken)) {
		t.Error("signOut ended another device's session")
	}
	status, h, body = agsPost(t, s, "/signOut", agsHeader("Authorization", "Bearer "+tr.AccessToken), params)
	agsErr(t, "second signOut", status, h, body, 403, AGSTokenInvalid)
	status, h, body = agsPost(t, s, "/refresh", agsHeader("Authorization", "Bearer "+tr.RefreshToken), params)
	agsErr(t, "refresh after signOut", status, h, body, 401, nil)
}

func TestAGSDeleteDevice(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddAGSUser("dave")
	tr := agsSignOnDevice(t, s, "dave", DefaultAGSPassword)
	s.DeleteAGSDevice(tr.ClientID)
	if s.AGSAccessTokenActive(tvauth.Secret(tr.AccessToken)) {
		t.Error("tokens of a deleted device still live")
	}
	status, h, body := agsPost(t, s, "/signOn", agsHeader(), `{"parameters":`+credentials("dave", DefaultAGSPassword)+`,"clientId":"`+tr.ClientID+`"}`)
	agsErr(t, "sign-on on a deleted device", status, h, body, 403, AGSDeviceDeleted)
}

// FuzzAGSSignOn: whatever body arrives, signOn answers one of its documented statuses with JSON,
// never panics, and registers a device only on 201.
func FuzzAGSSignOn(f *testing.F) {
	f.Add(`{"parameters":` + credentials("dave", DefaultAGSPassword) + `,"deviceInformation":` + deviceInfo + `}`)
	f.Add(`{"parameters":` + credentials("multi", DefaultAGSPassword) + `,"clientId":"PUB_990"}`)
	f.Add(`{"parameters":null,"clientId":null,"deviceInformation":null}`)
	f.Add(`{"parameters":[{"name":1}]}`)
	f.Add(`[]`)
	s := NewServer()
	defer s.Close()
	s.AddAGSUser("dave")
	s.AddAGSUser("multi", "a", "b")
	f.Fuzz(func(t *testing.T, body string) {
		before := len(s.AGSDevices("dave"))
		req, _ := http.NewRequest("POST", "https://ags.example/ags/signOn", strings.NewReader(body))
		req.Header = agsHeader()
		resp, err := s.Transport().RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		switch resp.StatusCode {
		case 201, 300, 400, 401, 403:
		default:
			t.Fatalf("status %d", resp.StatusCode)
		}
		var v map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			t.Fatalf("status %d with a body that is not a JSON object: %v", resp.StatusCode, err)
		}
		if after := len(s.AGSDevices("dave")); after != before && resp.StatusCode != 201 {
			t.Fatalf("status %d registered a device", resp.StatusCode)
		}
	})
}

// The SDK and the fake agree on the whole AGS flow: discovery, 300, subsequentSignOn, refresh
// (rotation), signOut (revocation), and the fake's errors as the SDK's sentinels.
func TestAGSSDKInterop(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddAGSUser("dave", "1660", "1663")
	c := s.Client()
	ctx := t.Context()

	d, err := c.AGS.ServiceDiscovery(ctx)
	if err != nil || len(d.AvailableServices) != 1 || d.AvailableServices[0].AuthServiceName != AGSAuthService {
		t.Fatalf("discovery: %+v, %v", d, err)
	}
	props := d.AvailableServices[0].Endpoints[0].ParameterProperties
	if len(props) != 2 || props[1].Name != AGSPasswordParam || !props[1].IsPassword || !props[0].Mandatory {
		t.Errorf("parameter properties %+v", props)
	}

	creds := []tvauth.Parameter{{Name: AGSUsernameParam, Value: "dave"}, {Name: AGSPasswordParam, Value: s.AGSPassword("dave")}}
	res, err := c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: creds, DeviceInformation: json.RawMessage(deviceInfo)})
	if err != nil || res.Tokens != nil || len(res.Accounts) != 2 {
		t.Fatalf("signOn: %+v, %v", res, err)
	}
	user := []tvauth.Parameter{{Name: AGSUsernameParam, Value: "dave"}}
	tok, err := c.AGS.SubsequentSignOn(ctx, res.Accounts[1], tvauth.SignOnRequest{Parameters: user})
	if err != nil || tok.AccountID != "1663" || tok.ExpiresIn != AGSAccessLifetime || tok.RefreshExpiresIn != AGSRefreshLifetime {
		t.Fatalf("subsequentSignOn: %+v, %v", tok, err)
	}
	// A second use of a spent User-Token is the fake's 401: ErrUnauthorized.
	if _, err := c.AGS.SubsequentSignOn(ctx, res.Accounts[0], tvauth.SignOnRequest{Parameters: user}); !errors.Is(err, tvauth.ErrUnauthorized) {
		t.Errorf("spent User-Token: %v", err)
	}

	next, err := c.AGS.Refresh(ctx, tok.RefreshToken, tvauth.SignOnRequest{Parameters: user})
	if err != nil || next.RefreshToken == tok.RefreshToken || next.ClientID != tok.ClientID {
		t.Fatalf("refresh: %+v, %v", next, err)
	}
	if _, err := c.AGS.Refresh(ctx, tok.RefreshToken, tvauth.SignOnRequest{Parameters: user}); !errors.Is(err, tvauth.ErrUnauthorized) {
		t.Errorf("old refresh token: %v", err)
	}

	if err := c.AGS.SignOut(ctx, next.AccessToken, tvauth.SignOnRequest{Parameters: user}); err != nil {
		t.Fatalf("signOut: %v", err)
	}
	if s.AGSAccessTokenActive(tvauth.Secret(string(next.AccessToken))) || s.AGSRefreshTokenActive(tvauth.Secret(string(next.RefreshToken))) {
		t.Error("signOut left the session's tokens live")
	}
	err = c.AGS.SignOut(ctx, next.AccessToken, tvauth.SignOnRequest{Parameters: user})
	var ae *tvauth.AGSError
	if !errors.As(err, &ae) || ae.HTTPStatus != 403 || ae.Code != "20020" {
		t.Errorf("second signOut: %v", err)
	}

	// The n-th sign-on with the kept client id, and a suspended account's 403 code.
	s.AddAGSUser("solo")
	one, err := c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: []tvauth.Parameter{{Name: "username", Value: "solo"},
		{Name: "password", Value: DefaultAGSPassword}}, ClientID: tok.ClientID})
	if err != nil || one.Tokens == nil || one.Tokens.ClientID != tok.ClientID {
		t.Fatalf("n-th signOn: %+v, %v", one, err)
	}
	s.SetAGSUserError("solo", AGSAccountSuspended)
	_, err = c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: []tvauth.Parameter{{Name: "username", Value: "solo"},
		{Name: "password", Value: DefaultAGSPassword}}, ClientID: tok.ClientID})
	if !errors.As(err, &ae) || ae.HTTPStatus != 403 || ae.Code != "20002" {
		t.Errorf("suspended: %v", err)
	}
}
