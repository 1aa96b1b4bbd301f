package tvauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"
)

// Issue 10, "bad input, caught before I/O, naming the field": every row sends a request that is wrong
// in exactly one field and checks that it is a *ValidationError naming that field, matching
// ErrInvalidRequest, with no request on the wire.

// wireCounter is a server for all four families that counts every request and answers 500 (a request
// that got through shows up as a count, never as a silent success).
type wireCounter struct {
	n   atomic.Int32
	url string
}

func newWireCounter(t *testing.T) *wireCounter {
	t.Helper()
	wc := &wireCounter{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wc.n.Add(1)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	wc.url = srv.URL
	return wc
}

// options configure every service at the counter, so that only the bad field can stop a call.
func (wc *wireCounter) options(extra ...Option) []Option {
	return append([]Option{
		WithPassURL(wc.url), WithClientlessURL(wc.url), WithWebAPIURL(wc.url), WithAGSURL(wc.url + "/ags"),
		WithRetry(RetryPolicy{}), WithDevice(testDevice), WithWebAPIDevID("dev-1"), WithAGSAuthService("OPF"),
		WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "test-token"})),
	}, extra...)
}

// wantInvalid checks err is a *ValidationError for field and that nothing reached the server.
func wantInvalid(t *testing.T, wc *wireCounter, err error, field string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("err = %T %v, want *ValidationError{Field: %q}", err, err, field)
	}
	if ve.Field != field {
		t.Errorf("Field = %q, want %q (%v)", ve.Field, field, err)
	}
	if n := wc.n.Load(); n != 0 {
		t.Errorf("%d requests sent for bad input", n)
	}
}

// newCountedClient is a client with every service at a new wireCounter.
func newCountedClient(t *testing.T) (*Client, *wireCounter) {
	t.Helper()
	wc := newWireCounter(t)
	c, err := New(wc.options()...)
	if err != nil {
		t.Fatal(err)
	}
	return c, wc
}

// controlChars are every kind of control character the rule refuses: NUL, the C0 range (tab, line
// breaks, escape) and DEL.
var controlChars = []string{"\x00", "\x01", "\t", "\n", "\r", "\x0b", "\x1b", "\x1f", "\x7f"}

var valCtx = context.Background()

// refusesControlChars runs call with each control character in its own subtest and client: a
// *ValidationError naming field, with no request sent.
func refusesControlChars(t *testing.T, name, field string, call func(c *Client, bad string) error) {
	t.Helper()
	for _, cc := range controlChars {
		t.Run(name+"/"+cc, func(t *testing.T) {
			t.Parallel()
			c, wc := newCountedClient(t)
			err := call(c, cc)
			wantInvalid(t, wc, err, field)
			wantNoByteOf(t, err, cc)
		})
	}
}

// wantNoByteOf checks that err names the position and kind of a bad character, never the character
// itself in any spelling: the value may be a password or a token.
func wantNoByteOf(t *testing.T, err error, bad string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	q := strconv.Quote(bad)
	for _, spelling := range []string{bad, q[1 : len(q)-1], fmt.Sprintf("%#02x", bad[0])} {
		if strings.Contains(msg, spelling) {
			t.Errorf("error %q shows the bad byte (%s) of the value", msg, spelling)
		}
	}
}

func TestRegisterRegTypeIsAPathSegment(t *testing.T) {
	t.Parallel()
	for _, regType := range []string{"", " ", ".", "..", "tv\rkey", "tv\nkey", "tv\x00key", "tv\tkey", "tv\x7fkey"} {
		t.Run(regType, func(t *testing.T) {
			t.Parallel()
			c, wc := newCountedClient(t)
			_, err := c.AGS.Register(valCtx, regType, SignOnRequest{})
			wantInvalid(t, wc, err, "regType")
		})
	}
	// A valid type is sent as one escaped segment.
	c, mux, _ := setup(t, WithAGSAuthService("OPF"))
	rec := serve(mux, "/ags/register/", http.StatusCreated, nil)
	if _, err := c.AGS.Register(valCtx, "tv key/2", SignOnRequest{}); err != nil {
		t.Fatal(err)
	}
	if got := rec.last(t).RawPath; got != "/ags/register/tv%20key%2F2" {
		t.Errorf("path = %q", got)
	}
}

// Header-bound values refuse every control character with a *ValidationError (options at New),
// instead of a *RequestError from the transport after the retries began.
func TestHeaderValuesRefuseControlCharacters(t *testing.T) {
	t.Parallel()
	dev := func(xff string) *Device { d := testDevice; d.ForwardedFor = xff; return &d }
	calls := []struct {
		name  string
		field string
		call  func(c *Client, bad string) error
	}{
		{"PassHeaders.VisitorID", "Headers.VisitorID", func(c *Client, bad string) error {
			_, err := c.Pass.Profiles(valCtx, ProfileRequest{ServiceProvider: "REF30", Headers: PassHeaders{VisitorID: "ecid" + bad}})
			return err
		}},
		{"PassHeaders.SubjectToken", "Headers.SubjectToken", func(c *Client, bad string) error {
			_, err := c.Pass.Profiles(valCtx, ProfileRequest{ServiceProvider: "REF30", Headers: PassHeaders{SubjectToken: Secret("jws" + bad)}})
			return err
		}},
		{"PassHeaders.RokuConnectToken", "Headers.RokuConnectToken", func(c *Client, bad string) error {
			_, err := c.Pass.Profiles(valCtx, ProfileRequest{ServiceProvider: "REF30", Headers: PassHeaders{RokuConnectToken: Secret(bad + "roku")}})
			return err
		}},
		{"PassHeaders.ServiceToken", "Headers.ServiceToken", func(c *Client, bad string) error {
			_, err := c.Pass.CreateSession(valCtx, SessionRequest{ServiceProvider: "REF30", Headers: PassHeaders{ServiceToken: Secret("s" + bad + "t")}})
			return err
		}},
		{"PassHeaders.PartnerFrameworkStatus", "Headers.PartnerFrameworkStatus", func(c *Client, bad string) error {
			_, err := c.Pass.Profiles(valCtx, ProfileRequest{ServiceProvider: "REF30", Headers: PassHeaders{PartnerFrameworkStatus: "e30=" + bad}})
			return err
		}},
		{"PassHeaders.TempPassIdentity", "Headers.TempPassIdentity", func(c *Client, bad string) error {
			_, err := c.Pass.ProfileForMVPD(valCtx, ProfileRequest{ServiceProvider: "REF30", MVPD: "TempPass",
				Headers: PassHeaders{TempPassIdentity: Secret("e30=" + bad)}})
			return err
		}},
		{"Pass Device.ForwardedFor", "Device.ForwardedFor", func(c *Client, bad string) error {
			_, err := c.Pass.Logout(valCtx, LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision",
				RedirectURL: "https://adobe.com", Device: dev("192.0.2.1" + bad)})
			return err
		}},
		{"DCR Device.ForwardedFor", "Device.ForwardedFor", func(c *Client, bad string) error {
			_, err := c.Pass.RegisterClient(valCtx, RegisterRequest{SoftwareStatement: "jwt", Device: dev(bad + "192.0.2.1")})
			return err
		}},
		{"Clientless Device.ForwardedFor", "Device.ForwardedFor", func(c *Client, bad string) error {
			_, err := c.Clientless.CheckAuthN(valCtx, ClientlessRequest{RequestorID: "REF30", Device: dev("192.0.2.1" + bad)})
			return err
		}},
		{"AGS AuthService", "AuthService", func(c *Client, bad string) error {
			_, err := c.AGS.SignOn(valCtx, SignOnRequest{ClientID: "c", AuthService: "OPF" + bad})
			return err
		}},
		{"AGS CorrelationID", "CorrelationID", func(c *Client, bad string) error {
			_, err := c.AGS.SignOn(valCtx, SignOnRequest{ClientID: "c", CorrelationID: "id" + bad})
			return err
		}},
		{"AGS discovery token", "Token", func(c *Client, bad string) error {
			_, err := c.AGS.ServiceDiscoveryWith(valCtx, ServiceDiscoveryRequest{Token: Secret("tok" + bad + "en")})
			return err
		}},
		{"AGS access token", "accessToken", func(c *Client, bad string) error {
			return c.AGS.SignOut(valCtx, Secret("tok"+bad+"en"), SignOnRequest{})
		}},
		{"AGS refresh token", "refreshToken", func(c *Client, bad string) error {
			_, err := c.AGS.Refresh(valCtx, Secret("tok"+bad+"en"), SignOnRequest{})
			return err
		}},
		{"AGS User-Token", "UserAccountToken", func(c *Client, bad string) error {
			_, err := c.AGS.SubsequentSignOn(valCtx, Account{UserAccountToken: Secret("tok" + bad + "en")}, SignOnRequest{})
			return err
		}},
	}
	for _, tt := range calls {
		refusesControlChars(t, tt.name, tt.field, tt.call)
	}
}

// Whitespace-only values are refused wherever an empty one is.
func TestBlankValuesRefusedLikeEmpty(t *testing.T) {
	t.Parallel()
	session := func(tok string) *WebAPISession { return &WebAPISession{Token: Secret(tok), SessionKey: "k3y"} }
	tests := []struct {
		name  string
		field string
		call  func(c *Client, blank string) error
	}{
		{"software statement", "softwareStatement", func(c *Client, blank string) error {
			_, err := c.Pass.Register(valCtx, Secret(blank))
			return err
		}},
		{"client id", "creds.ClientID", func(c *Client, blank string) error {
			_, err := c.Pass.AccessToken(valCtx, ClientCredentials{ClientID: blank, ClientSecret: "s3cret"})
			return err
		}},
		{"client secret", "creds.ClientSecret", func(c *Client, blank string) error {
			_, err := c.Pass.AccessToken(valCtx, ClientCredentials{ClientID: "id", ClientSecret: Secret(blank)})
			return err
		}},
		{"client secret of a token source", "creds.ClientSecret", func(c *Client, blank string) error {
			_, err := c.Pass.TokenSource(ClientCredentials{ClientID: "id", ClientSecret: Secret(blank)}).Token()
			return err
		}},
		{"SAML response", "SAMLResponse", func(c *Client, blank string) error {
			_, err := c.Pass.PartnerProfile(valCtx, PartnerProfileRequest{ServiceProvider: "REF30", Partner: "Apple", SAMLResponse: Secret(blank)})
			return err
		}},
		{"session token", "sessionToken", func(c *Client, blank string) error {
			_, err := c.AGS.SignOnWithSessionToken(valCtx, Secret(blank), SignOnRequest{ClientID: "c"})
			return err
		}},
		{"Session.Token on logout", "Session.Token", func(c *Client, blank string) error {
			_, err := c.WebAPI.Logout(valCtx, WebAPILogoutRequest{Session: session(blank)})
			return err
		}},
		{"Session.Token on Sign", "session.Token", func(c *Client, blank string) error {
			_, err := session(blank).Sign("GET", "https://api.screenname.nina.bz/auth/getInfo", nil)
			return err
		}},
		{"password", "Password", func(c *Client, blank string) error {
			_, err := c.WebAPI.ClientLogin(valCtx, ClientLoginRequest{LoginID: "u", Password: Secret(blank)})
			return err
		}},
		{"password with a challenge context", "Password", func(c *Client, blank string) error {
			_, err := c.WebAPI.ClientLogin(valCtx, ClientLoginRequest{LoginID: "u", Password: Secret(blank), Context: "valCtx", CaptchaWord: "w"})
			return err
		}},
		{"AuthService", "AuthService", func(c *Client, blank string) error {
			_, err := c.AGS.SignOn(valCtx, SignOnRequest{ClientID: "c", AuthService: blank})
			return err
		}},
		{"PartnerSession DomainName", "DomainName", func(c *Client, blank string) error {
			_, err := c.Pass.PartnerSession(valCtx, PartnerSessionRequest{ServiceProvider: "REF30", Partner: "Apple",
				DomainName: blank, RedirectURL: "https://adobe.com"})
			return err
		}},
	}
	for _, tt := range tests {
		for _, blank := range []string{" ", "   ", " \t ", "\n", "\r\n"} {
			t.Run(tt.name+"/"+blank, func(t *testing.T) {
				t.Parallel()
				c, wc := newCountedClient(t)
				err := tt.call(c, blank)
				wantInvalid(t, wc, err, tt.field)
				var ve *ValidationError
				if errors.As(err, &ve) && !strings.Contains(ve.Reason, "empty") {
					t.Errorf("Reason = %q, want it to say empty", ve.Reason)
				}
			})
		}
	}
	// And at New.
	for _, o := range []struct {
		option Option
		field  string
	}{
		{WithAGSAuthService("  "), "WithAGSAuthService"},
		{WithPassCredentials(ClientCredentials{ClientID: " ", ClientSecret: "s"}), "WithPassCredentials.ClientID"},
		{WithPassCredentials(ClientCredentials{ClientID: "id", ClientSecret: "\t"}), "WithPassCredentials.ClientSecret"},
	} {
		_, err := New(o.option)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != o.field {
			t.Errorf("New: err = %v, want *ValidationError{Field: %q}", err, o.field)
		}
	}
}

// The one rule holds in query, form and JSON values too: a control character is refused, naming the
// field, however safely the encoding would carry it.
func TestQueryFormJSONValuesRefuseControlCharacters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, where, field string
		call               func(c *Client, bad string) error
	}{
		{"Pass logout redirectUrl", "query", "RedirectURL", func(c *Client, bad string) error {
			_, err := c.Pass.Logout(valCtx, LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision", RedirectURL: "https://adobe.com/" + bad})
			return err
		}},
		{"Pass path segment", "path", "serviceProvider", func(c *Client, bad string) error {
			_, err := c.Pass.Configuration(valCtx, "REF"+bad+"30")
			return err
		}},
		{"Clientless requestor", "query", "RequestorID", func(c *Client, bad string) error {
			_, err := c.Clientless.CheckAuthNByRegCode(valCtx, "REF"+bad, "ABC123")
			return err
		}},
		{"Clientless device requestor", "query", "RequestorID", func(c *Client, bad string) error {
			_, err := c.Clientless.AuthNToken(valCtx, ClientlessRequest{RequestorID: "REF" + bad})
			return err
		}},
		{"Clientless authenticate domain", "query", "DomainName", func(c *Client, bad string) error {
			_, err := c.Clientless.Authenticate(valCtx, AuthenticateRequest{RequestorID: "REF30", MSOID: "Cablevision", RegCode: "ABC123",
				DomainName: "adobe.com" + bad, RedirectURL: "https://adobe.com"})
			return err
		}},
		{"Clientless authenticate extra", "query", "Extra[region]", func(c *Client, bad string) error {
			_, err := c.Clientless.AuthenticateURL(AuthenticateRequest{RequestorID: "REF30", MSOID: "Cablevision", RegCode: "ABC123",
				DomainName: "adobe.com", RedirectURL: "https://adobe.com", Extra: map[string][]string{"region": {"eu" + bad}}})
			return err
		}},
		{"Clientless generic data", "query", "GenericData", func(c *Client, bad string) error {
			_, err := c.Clientless.Authorize(valCtx, ClientlessAuthorizeRequest{RequestorID: "REF30", Resource: "REF30", GenericData: "e30" + bad})
			return err
		}},
		{"Clientless regcode mvpd", "form", "MVPD", func(c *Client, bad string) error {
			_, err := c.Clientless.CreateRegCode(valCtx, RegCodeRequest{RequestorID: "REF30", MVPD: "Cable" + bad})
			return err
		}},
		{"Clientless free preview mso", "form", "MSOID", func(c *Client, bad string) error {
			return c.Clientless.FreePreview(valCtx, FreePreviewRequest{RequestorID: "REF30", MSOID: "TempPass" + bad, DomainName: "adobe.com"})
		}},
		{"Pass session domain", "form", "DomainName", func(c *Client, bad string) error {
			_, err := c.Pass.CreateSession(valCtx, SessionRequest{ServiceProvider: "REF30", DomainName: "adobe" + bad + ".com"})
			return err
		}},
		{"WebAPI login id", "form", "LoginID", func(c *Client, bad string) error {
			_, err := c.WebAPI.ClientLogin(valCtx, ClientLoginRequest{LoginID: "user" + bad, Password: "pw"})
			return err
		}},
		{"WebAPI password", "form", "Password", func(c *Client, bad string) error {
			_, err := c.WebAPI.ClientLogin(valCtx, ClientLoginRequest{LoginID: "user", Password: Secret("p" + bad + "w")})
			return err
		}},
		{"WebAPI client name", "form", "ClientName", func(c *Client, bad string) error {
			_, err := c.WebAPI.ClientLogin(valCtx, ClientLoginRequest{LoginID: "user", Password: "pw", ClientName: "app" + bad})
			return err
		}},
		{"WebAPI logout login id", "query", "LoginID", func(c *Client, bad string) error {
			_, err := c.WebAPI.Logout(valCtx, WebAPILogoutRequest{Session: &WebAPISession{Token: "t0k", SessionKey: "k3y"}, LoginID: "u" + bad})
			return err
		}},
		{"WebAPI logout request id", "query", "RequestID", func(c *Client, bad string) error {
			_, err := c.WebAPI.Logout(valCtx, WebAPILogoutRequest{Session: &WebAPISession{Token: "t0k", SessionKey: "k3y"}, RequestID: "r" + bad})
			return err
		}},
		{"WebAPI session token", "query", "Session.Token", func(c *Client, bad string) error {
			_, err := c.WebAPI.Logout(valCtx, WebAPILogoutRequest{Session: &WebAPISession{Token: Secret("t0" + bad + "k"), SessionKey: "k3y"}})
			return err
		}},
		{"AGS parameter value", "JSON", "Parameters[1].Value", func(c *Client, bad string) error {
			_, err := c.AGS.SignOn(valCtx, SignOnRequest{ClientID: "c", Parameters: []Parameter{{"username", "dave"}, {"password", "p" + bad}}})
			return err
		}},
		{"AGS parameter name", "JSON", "Parameters[0].Name", func(c *Client, bad string) error {
			_, err := c.AGS.SignOn(valCtx, SignOnRequest{ClientID: "c", Parameters: []Parameter{{"user" + bad, "dave"}}})
			return err
		}},
		{"AGS client id", "JSON", "ClientID", func(c *Client, bad string) error {
			_, err := c.AGS.SignOn(valCtx, SignOnRequest{ClientID: "PUB" + bad + "989"})
			return err
		}},
	}
	for _, tt := range tests {
		refusesControlChars(t, tt.name, tt.field, tt.call)
	}
}

// Resources may be whole MRSS documents: XML's white space (tab, LF, CR) goes through, NUL and the
// other control characters do not.
func TestResourcesAllowXMLWhiteSpaceOnly(t *testing.T) {
	t.Parallel()
	mrss := "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\">\n\t<channel>\r\n\t\t<title>REF30</title>\n\t</channel>\n</rss>"
	c, mux, _ := setup(t)
	rec := serve(mux, "POST /api/v2/REF30/decisions/authorize/Cablevision", http.StatusOK, []byte(`{"decisions":[]}`))
	if _, err := c.Pass.Authorize(valCtx, DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", Resources: []string{mrss}}); err != nil {
		t.Fatal(err)
	}
	var body struct{ Resources []string }
	if err := json.Unmarshal([]byte(rec.last(t).Body), &body); err != nil || len(body.Resources) != 1 || body.Resources[0] != mrss {
		t.Errorf("body = %q (%v)", rec.last(t).Body, err)
	}
	for _, cc := range []string{"\x00", "\x01", "\x0b", "\x0c", "\x1b", "\x7f"} {
		c, wc := newCountedClient(t)
		_, err := c.Pass.Authorize(valCtx, DecisionRequest{ServiceProvider: "REF30", MVPD: "Cablevision", Resources: []string{"REF30", mrss + cc}})
		wantInvalid(t, wc, err, "Resources[1]")
		_, err = c.Clientless.MediaToken(valCtx, ClientlessResourceRequest{RequestorID: "REF30", Resource: mrss + cc})
		wantInvalid(t, wc, err, "Resource")
		_, err = c.Clientless.Preauthorize(valCtx, ClientlessPreauthorizeRequest{RequestorID: "REF30", Resources: []string{"a", "b" + cc}})
		wantInvalid(t, wc, err, "Resources[1]")
	}
}

// Adobe's OpenAPI (retrieveVerificationTokenUsingPOST_request) marks the partner session body and both
// of its fields required: an empty form body is refused before I/O.
func TestPartnerSessionRequiresDomainAndRedirect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, domain, redirect, field string
	}{
		{"neither", "", "", "DomainName"},
		{"no domain", "", "https://adobe.com", "DomainName"},
		{"blank domain", "  ", "https://adobe.com", "DomainName"},
		{"no redirect", "adobe.com", "", "RedirectURL"},
		{"blank redirect", "adobe.com", " ", "RedirectURL"},
		{"relative redirect", "adobe.com", "/done", "RedirectURL"},
		{"domain with a line break", "adobe.com\r\n", "https://adobe.com", "DomainName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, wc := newCountedClient(t)
			_, err := c.Pass.PartnerSession(valCtx, PartnerSessionRequest{ServiceProvider: "REF30", Partner: "Apple",
				DomainName: tt.domain, RedirectURL: tt.redirect})
			wantInvalid(t, wc, err, tt.field)
		})
	}
	// Both given: the documented form body, in the documented order.
	c, mux, _ := setup(t)
	rec := serve(mux, "POST /api/v2/REF30/sessions/sso/Apple", http.StatusOK, []byte(`{"actionName":"authenticate","actionType":"interactive"}`))
	if _, err := c.Pass.PartnerSession(valCtx, PartnerSessionRequest{ServiceProvider: "REF30", Partner: "Apple",
		DomainName: "adobe.com", RedirectURL: "https://adobe.com/done?x=1"}); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.last(t).Body, "domainName=adobe.com&redirectUrl=https%3A%2F%2Fadobe.com%2Fdone%3Fx%3D1"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
}

// The partner session schema in Adobe's OpenAPI is what the check above follows: if the document
// stops requiring a field, this test says so.
func TestPartnerSessionSchemaRequiresBothFields(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("tvauthtest", "testdata", "openapi", "adobe-pass-rest-v2.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Required []string `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Components.Schemas["retrieveVerificationTokenUsingPOST_request"].Required
	if !slices.Contains(got, "domainName") || !slices.Contains(got, "redirectUrl") {
		t.Errorf("required = %v, want domainName and redirectUrl", got)
	}
}
