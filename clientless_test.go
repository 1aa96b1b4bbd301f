package tvauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// clientlessFixture returns a documented sample from testdata/clientless.
func clientlessFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "clientless", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}

func contentTypeOf(name string) string {
	switch filepath.Ext(name) {
	case ".xml":
		return "application/xml; charset=utf-8"
	case ".html":
		return "text/html"
	}
	return "application/json; charset=utf-8"
}

// Query strings below are written out by hand, not built with the SDK's encoder, so that an encoder
// bug cannot hide on both sides.
const (
	v1TestBase    = "reg_code=RO0885W&requestor_id=sampleRequestorId&mso_id=sampleMvpdId&domain_name=loginwebapp.com&noflash=true&no_iframe=true"
	v1TestDevice  = "deviceId=ba23d141-d715-561c-94f4-e9e4c966b1eb"
	v1TestRequest = v1TestDevice + "&requestor=sampleRequestorId"
)

func v1AuthnRequest(redirect string) AuthenticateRequest {
	return AuthenticateRequest{RequestorID: "sampleRequestorId", MSOID: "sampleMvpdId", RegCode: "RO0885W",
		DomainName: "loginwebapp.com", RedirectURL: redirect}
}

func TestClientlessAuthenticateURL(t *testing.T) {
	c, _, base := setup(t)
	tests := []struct {
		name  string
		req   AuthenticateRequest
		query string
	}{
		{
			name:  "plain redirect",
			req:   v1AuthnRequest("http://loginwebapp.com"),
			query: v1TestBase + "&redirect_url=http%3A%2F%2Floginwebapp.com",
		},
		{
			name:  "redirect with its own query, ampersands and equals",
			req:   v1AuthnRequest("https://loginwebapp.com/done?a=1&b=2&reg_code=X"),
			query: v1TestBase + "&redirect_url=https%3A%2F%2Floginwebapp.com%2Fdone%3Fa%3D1%26b%3D2%26reg_code%3DX",
		},
		{
			name:  "fragment",
			req:   v1AuthnRequest("https://loginwebapp.com/app#/done?x=1"),
			query: v1TestBase + "&redirect_url=https%3A%2F%2Floginwebapp.com%2Fapp%23%2Fdone%3Fx%3D1",
		},
		{
			name:  "space, umlaut, plus and tilde",
			req:   v1AuthnRequest("https://loginwebapp.com/fertig seite?name=Müller+Söhne&v=~1"),
			query: v1TestBase + "&redirect_url=https%3A%2F%2Floginwebapp.com%2Ffertig%20seite%3Fname%3DM%C3%BCller%2BS%C3%B6hne%26v%3D~1",
		},
		{
			name:  "already escaped redirect is escaped again, not decoded",
			req:   v1AuthnRequest("https://loginwebapp.com/a%20b?x=%26"),
			query: v1TestBase + "&redirect_url=https%3A%2F%2Floginwebapp.com%2Fa%2520b%3Fx%3D%2526",
		},
		{
			name: "generic_data before extras, extras sorted, &reg-prefixed extra made entity-safe",
			req: func() AuthenticateRequest {
				r := v1AuthnRequest("https://loginwebapp.com/")
				r.GenericData = `("email":"email@domain.com")`
				r.Extra = url.Values{"region": {"us east"}, "ap_vi": {"ECID 1", "ECID 2"}, "Zeta": {"z"}, "REGISTER": {"1"}}
				return r
			}(),
			query: v1TestBase + "&generic_data=%28%22email%22%3A%22email%40domain.com%22%29" +
				"&%52EGISTER=1&Zeta=z&ap_vi=ECID%201&ap_vi=ECID%202&%72egion=us%20east" +
				"&redirect_url=https%3A%2F%2Floginwebapp.com%2F",
		},
		{
			name: "mandatory values are escaped too",
			req: AuthenticateRequest{RequestorID: "req id&x", MSOID: "Comcast_SSO", RegCode: "AB CD",
				DomainName: "adobe.com", RedirectURL: "myapp://done"},
			query: "reg_code=AB%20CD&requestor_id=req%20id%26x&mso_id=Comcast_SSO&domain_name=adobe.com&noflash=true&no_iframe=true&redirect_url=myapp%3A%2F%2Fdone",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Clientless.AuthenticateURL(tt.req)
			if err != nil {
				t.Fatalf("AuthenticateURL: %v", err)
			}
			want := base + "/api/v1/authenticate?" + tt.query
			if got != want {
				t.Errorf("URL\n got %s\nwant %s", got, want)
			}
			_, q, _ := strings.Cut(got, "?")
			if !strings.HasPrefix(q, "reg_code=") {
				t.Errorf("first pair is not reg_code: %s", q)
			}
			if strings.Contains(strings.ToLower(q), "&reg") {
				t.Errorf("query contains &reg: %s", q)
			}
			pairs := strings.Split(q, "&")
			last := pairs[len(pairs)-1]
			if !strings.HasPrefix(last, "redirect_url=") || strings.ContainsAny(strings.TrimPrefix(last, "redirect_url="), "&=?/:# +") {
				t.Errorf("last pair %q is not an escaped redirect_url", last)
			}
			parsed, err := url.ParseQuery(q)
			if err != nil {
				t.Fatalf("ParseQuery: %v", err)
			}
			if parsed.Get("redirect_url") != tt.req.RedirectURL {
				t.Errorf("redirect_url round trip = %q, want %q", parsed.Get("redirect_url"), tt.req.RedirectURL)
			}
			for k, vs := range tt.req.Extra {
				if strings.Join(parsed[k], "|") != strings.Join(vs, "|") {
					t.Errorf("extra %s round trip = %q, want %q", k, parsed[k], vs)
				}
			}
		})
	}
}

func TestClientlessAuthenticateURLValidation(t *testing.T) {
	c, _, _ := setup(t)
	ok := v1AuthnRequest("https://loginwebapp.com/")
	tests := []struct {
		name  string
		edit  func(*AuthenticateRequest)
		field string
	}{
		{"no reg code", func(r *AuthenticateRequest) { r.RegCode = "" }, "RegCode"},
		{"blank requestor", func(r *AuthenticateRequest) { r.RequestorID = "  " }, "RequestorID"},
		{"no mso", func(r *AuthenticateRequest) { r.MSOID = "" }, "MSOID"},
		{"no domain", func(r *AuthenticateRequest) { r.DomainName = "" }, "DomainName"},
		{"no redirect", func(r *AuthenticateRequest) { r.RedirectURL = "" }, "RedirectURL"},
		{"relative redirect", func(r *AuthenticateRequest) { r.RedirectURL = "/done" }, "RedirectURL"},
		{"scheme-relative redirect", func(r *AuthenticateRequest) { r.RedirectURL = "//loginwebapp.com/done" }, "RedirectURL"},
		{"https without host", func(r *AuthenticateRequest) { r.RedirectURL = "https:///done" }, "RedirectURL"},
		{"malformed redirect", func(r *AuthenticateRequest) { r.RedirectURL = "https://x/%zz" }, "RedirectURL"},
		{"javascript redirect", func(r *AuthenticateRequest) { r.RedirectURL = "javascript:alert(document.cookie)" }, "RedirectURL"},
		{"data redirect", func(r *AuthenticateRequest) { r.RedirectURL = "data:text/html,<p>done</p>" }, "RedirectURL"},
		{"opaque app redirect", func(r *AuthenticateRequest) { r.RedirectURL = "myapp:done" }, "RedirectURL"},
		{"extra repeats redirect_url", func(r *AuthenticateRequest) { r.Extra = url.Values{"redirect_url": {"x"}} }, "Extra"},
		{"extra repeats reg_code", func(r *AuthenticateRequest) { r.Extra = url.Values{"reg_code": {"x"}} }, "Extra"},
		{"extra with empty name", func(r *AuthenticateRequest) { r.Extra = url.Values{"": {"x"}} }, "Extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ok
			tt.edit(&req)
			_, err := c.Clientless.AuthenticateURL(req)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("err = %v, want *ValidationError for %s", err, tt.field)
			}
			// Authenticate validates the same way, before any I/O (setup fails on any request).
			if _, err := c.Clientless.Authenticate(context.Background(), req); !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("Authenticate err = %v, want *ValidationError for %s", err, tt.field)
			}
		})
	}
}

func TestClientlessAuthenticate(t *testing.T) {
	var mvpdHits atomic.Int32
	mvpd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mvpdHits.Add(1)
		io.WriteString(w, "<html>MVPD login</html>")
	}))
	t.Cleanup(mvpd.Close)

	tests := []struct {
		name     string
		location string
		want     func(base string) string
	}{
		{"absolute MVPD URL", mvpd.URL + "/saml/login?SAMLRequest=abc%2B%3D&RelayState=x",
			func(string) string { return mvpd.URL + "/saml/login?SAMLRequest=abc%2B%3D&RelayState=x" }},
		{"root-relative", "/sp/saml/login?x=1", func(base string) string { return base + "/sp/saml/login?x=1" }},
		{"path-relative", "saml/login", func(base string) string { return base + "/api/v1/saml/login" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, base := setup(t)
			req := v1AuthnRequest("https://loginwebapp.com/done?a=1&b=2")
			wantURL, _ := c.Clientless.AuthenticateURL(req)
			var ownHits atomic.Int32
			mux.HandleFunc("/sp/", func(w http.ResponseWriter, r *http.Request) { ownHits.Add(1) })
			mux.HandleFunc("/api/v1/saml/", func(w http.ResponseWriter, r *http.Request) { ownHits.Add(1) })
			mux.HandleFunc("/api/v1/authenticate", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodGet)
				if got := "http://" + r.Host + r.URL.Path + "?" + r.URL.RawQuery; got != wantURL {
					t.Errorf("request\n got %s\nwant %s", got, wantURL)
				}
				testHeader(t, r, "Authorization", "Bearer test-token")
				testHeader(t, r, "X-Device-Info", "") // browser-side call: no device headers
				w.Header().Set("Location", tt.location)
				w.WriteHeader(http.StatusFound)
			})
			got, err := c.Clientless.Authenticate(context.Background(), req)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if got.String() != tt.want(base) {
				t.Errorf("Location = %s, want %s", got, tt.want(base))
			}
			if mvpdHits.Load() != 0 || ownHits.Load() != 0 {
				t.Errorf("the redirect was followed: MVPD hits %d, own hits %d", mvpdHits.Load(), ownHits.Load())
			}
		})
	}
}

func TestClientlessAuthenticateNon302(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		header map[string]string
		check  func(t *testing.T, err error)
	}{
		{"200 page instead of redirect", http.StatusOK, "<html>pick your provider</html>", nil, func(t *testing.T, err error) {
			var pe *PassError
			if !errors.As(err, &pe) || pe.HTTPStatus != http.StatusOK {
				t.Fatalf("err = %v, want *PassError HTTP 200", err)
			}
		}},
		{"301 is not the documented answer", http.StatusMovedPermanently, "", map[string]string{"Location": "https://elsewhere/"}, func(t *testing.T, err error) {
			var pe *PassError
			if !errors.As(err, &pe) || pe.HTTPStatus != http.StatusMovedPermanently {
				t.Fatalf("err = %v, want *PassError HTTP 301", err)
			}
		}},
		{"400 enhanced error", http.StatusBadRequest, `{"action":"none","status":400,"code":"invalid_requestor","message":"Unknown requestor"}`, nil, func(t *testing.T, err error) {
			var pe *PassError
			if !errors.As(err, &pe) || pe.Code != "invalid_requestor" || pe.Status != 400 {
				t.Fatalf("err = %v, want invalid_requestor", err)
			}
		}},
		{"302 without Location", http.StatusFound, "", nil, func(t *testing.T, err error) {
			var de *DecodeError
			if !errors.As(err, &de) || de.HTTPStatus != http.StatusFound || de.Service != "clientless" {
				t.Fatalf("err = %v, want *DecodeError", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, _ := setup(t)
			mux.HandleFunc("/api/v1/authenticate", func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, err := c.Clientless.Authenticate(context.Background(), v1AuthnRequest("https://loginwebapp.com/"))
			tt.check(t, err)
		})
	}
}

func TestClientlessAuthenticateWithoutTokenSource(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Authorization"); h != "" {
			t.Errorf("Authorization = %q, want none without a token source", h)
		}
		w.Header().Set("Location", "https://mvpd.example/login")
		w.WriteHeader(http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	c, err := New(WithClientlessURL(srv.URL), WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Clientless.Authenticate(context.Background(), v1AuthnRequest("https://loginwebapp.com/"))
	if err != nil || got.String() != "https://mvpd.example/login" {
		t.Fatalf("Authenticate = %v, %v", got, err)
	}
}

// v1Wire is one endpoint's expected request and canned reply.
type v1Wire struct {
	method, path, query, body string // path as escaped on the wire
	pattern                   string // ServeMux pattern; "" = path
	device                    bool   // the test device's headers expected
	header                    map[string]string
	bearer                    bool // Authorization expected
	status                    int
	fixture                   string
	replyHeader               map[string]string
}

func (w v1Wire) handler(t *testing.T, hits *atomic.Int32) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		testMethod(t, r, w.method)
		if r.URL.EscapedPath() != w.path {
			t.Errorf("path = %s, want %s", r.URL.EscapedPath(), w.path)
		}
		if r.URL.RawQuery != w.query {
			t.Errorf("query\n got %s\nwant %s", r.URL.RawQuery, w.query)
		}
		testBody(t, r, w.body)
		if w.body != "" {
			testHeader(t, r, "Content-Type", "application/x-www-form-urlencoded")
		}
		testHeader(t, r, "Accept", "application/json")
		if w.bearer {
			testHeader(t, r, "Authorization", "Bearer test-token")
		}
		if w.device {
			info, _ := testDevice.Info.Encode()
			testHeader(t, r, "X-Device-Info", info)
			testHeader(t, r, "AP-Device-Identifier", "fingerprint YmEyM2QxNDEtZDcxNS01NjFjLTk0ZjQtZTllNGM5NjZiMWVi")
		} else if w.header == nil {
			testHeader(t, r, "X-Device-Info", "")
			testHeader(t, r, "AP-Device-Identifier", "")
		}
		for k, v := range w.header {
			testHeader(t, r, k, v)
		}
		for k, v := range w.replyHeader {
			rw.Header().Set(k, v)
		}
		if w.fixture != "" {
			rw.Header().Set("Content-Type", contentTypeOf(w.fixture))
		}
		rw.WriteHeader(w.status)
		if w.fixture != "" {
			rw.Write(clientlessFixture(t, w.fixture))
		}
	}
}

func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

func TestClientlessEndpoints(t *testing.T) {
	ctx := context.Background()
	const rid = "sampleRequestorId"
	tests := []struct {
		name  string
		wire  v1Wire
		call  func(c *Client) (any, error)
		check func(t *testing.T, got any)
	}{
		{
			name: "create regcode",
			wire: v1Wire{method: "POST", path: "/reggie/v1/sampleRequestorId/regcode", body: v1TestDevice + "&mvpd=sampleMvpdId&ttl=1800",
				device: true, bearer: true, status: 201, fixture: "regcode_create.json"},
			call: func(c *Client) (any, error) {
				return c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: rid, MVPD: "sampleMvpdId", TTL: 30 * time.Minute})
			},
			check: func(t *testing.T, got any) {
				rc := got.(*RegCode)
				if rc.Code != "IYQD5JQ" || rc.ID != "ef5a79e8-7c8a-41d6-a45a-e378c6c7c8b5" || rc.Requestor != rid || rc.MVPD != "sampleMvpdId" {
					t.Errorf("regcode = %+v", rc)
				}
				if !rc.Generated.Equal(ms(1704963921144)) || !rc.Expires.Equal(ms(1704965721144)) {
					t.Errorf("times = %v, %v", rc.Generated, rc.Expires)
				}
				if rc.Info.DeviceID != "c28tZGV2aWQtMDAz" || rc.Info.AuthorizationType != "OAUTH2" ||
					!strings.HasPrefix(rc.Info.UserAgent, "Mozilla/5.0 (Linux; Android 7.1.2") || !strings.HasPrefix(rc.Info.DeviceInfo, "eyJ0eXBl") {
					t.Errorf("info = %+v", rc.Info)
				}
				if a := rc.Info.Application; a == nil || *a != (SourceApplication{"14138364-application-id", "application name", "1.0.0"}) {
					t.Errorf("application = %+v", a)
				}
			},
		},
		{
			name: "create regcode, defaults omitted",
			wire: v1Wire{method: "POST", path: "/reggie/v1/sampleRequestorId/regcode", body: v1TestDevice,
				device: true, bearer: true, status: 201, fixture: "regcode_create.json"},
			call: func(c *Client) (any, error) {
				return c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: rid})
			},
			check: func(t *testing.T, got any) {
				if got.(*RegCode).Code != "IYQD5JQ" {
					t.Errorf("regcode = %+v", got)
				}
			},
		},
		{
			name: "create regcode, per-request device with forwarded IP",
			wire: v1Wire{method: "POST", path: "/reggie/v1/req%2Fwith%20slash/regcode", pattern: "/reggie/v1/",
				body: "deviceId=other%2Bdevice", bearer: true, status: 201, fixture: "regcode_create.json",
				header: map[string]string{"AP-Device-Identifier": "fingerprint b3RoZXIrZGV2aWNl", "X-Forwarded-For": "203.45.101.20"}},
			call: func(c *Client) (any, error) {
				d := Device{ID: "other+device", Info: testDevice.Info, ForwardedFor: "203.45.101.20"}
				return c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: "req/with slash", Device: &d})
			},
			check: func(t *testing.T, got any) {},
		},
		{
			name: "get regcode (XML sample)",
			wire: v1Wire{method: "GET", path: "/reggie/v1/sampleRequestorId/regcode/TJJCFK", bearer: true, status: 200, fixture: "regcode_get.xml"},
			call: func(c *Client) (any, error) { return c.Clientless.RegCode(ctx, rid, "TJJCFK") },
			check: func(t *testing.T, got any) {
				rc := got.(*RegCode)
				want := RegCodeInfo{DeviceID: "dGhpc0lkQUR1bW15RGV2aWNlSWQ=", DeviceType: "xbox", DeviceUser: "JD", AppID: "2345",
					AppVersion: "2.0", RegistrationURL: "http://loginwebapp.com"}
				if rc.Code != "TJJCFK" || rc.ID != "678f9fea-a1cafec8-1ff0-4a26-8564-f6cd020acf13" || rc.Info != want {
					t.Errorf("regcode = %+v", rc)
				}
				if !rc.Generated.Equal(ms(1348039846647)) || !rc.Expires.Equal(ms(1348043446647)) {
					t.Errorf("times = %v, %v", rc.Generated, rc.Expires)
				}
			},
		},
		{
			name:  "delete regcode",
			wire:  v1Wire{method: "DELETE", path: "/reggie/v1/sampleRequestorId/regcode/TJJCFK", bearer: true, status: 204},
			call:  func(c *Client) (any, error) { return nil, c.Clientless.DeleteRegCode(ctx, rid, "TJJCFK") },
			check: func(t *testing.T, got any) {},
		},
		{
			name: "config",
			wire: v1Wire{method: "GET", path: "/api/v1/config/sampleRequestorId", bearer: true, status: 200, fixture: "config_mvpds.json"},
			call: func(c *Client) (any, error) { return c.Clientless.Config(ctx, rid) },
			check: func(t *testing.T, got any) {
				cfg := got.(*ClientlessConfig)
				if len(cfg.MVPDs) != 2 {
					t.Fatalf("MVPDs = %+v", cfg.MVPDs)
				}
				m0, m1 := cfg.MVPDs[0], cfg.MVPDs[1]
				if m0.ID != "sampleMvpdId" || m0.DisplayName != "Sample MVPD" || m0.IFrameRequired || m0.EnablePlatformServices {
					t.Errorf("mvpd 0 = %+v", m0)
				}
				if m1.ID != "samplePlatformMvpdId" || !m1.IFrameRequired || m1.IFrameWidth != 500 || m1.IFrameHeight != 400 ||
					!m1.EnablePlatformServices || m1.BoardingStatus != "SUPPORTED" || !m1.DisplayInPlatformPicker ||
					m1.PlatformMappingID != "samplePlatformMappingId" || strings.Join(m1.RequiredMetadataFields, ",") != "userID,upstreamUserID" {
					t.Errorf("mvpd 1 = %+v", m1)
				}
				if !json.Valid(cfg.Raw) || !json.Valid(m1.Raw) || !bytes.Contains(m1.Raw, []byte("samplePlatformMappingId")) {
					t.Errorf("raw = %s / %s", cfg.Raw, m1.Raw)
				}
			},
		},
		{
			name:  "checkauthn by device, authenticated",
			wire:  v1Wire{method: "GET", path: "/api/v1/checkauthn", query: v1TestRequest, device: true, bearer: true, status: 200},
			call:  func(c *Client) (any, error) { return c.Clientless.CheckAuthN(ctx, ClientlessRequest{RequestorID: rid}) },
			check: func(t *testing.T, got any) { wantBool(t, got, true) },
		},
		{
			name: "checkauthn by device, expired (XML 403)",
			wire: v1Wire{method: "GET", path: "/api/v1/checkauthn", query: v1TestRequest, device: true, bearer: true,
				status: 403, fixture: "checkauthn_403.xml"},
			call:  func(c *Client) (any, error) { return c.Clientless.CheckAuthN(ctx, ClientlessRequest{RequestorID: rid}) },
			check: func(t *testing.T, got any) { wantBool(t, got, false) },
		},
		{
			name:  "checkauthn by regcode, done",
			wire:  v1Wire{method: "GET", path: "/api/v1/checkauthn/RO0885W", query: "requestor=sampleRequestorId", bearer: true, status: 200},
			call:  func(c *Client) (any, error) { return c.Clientless.CheckAuthNByRegCode(ctx, rid, "RO0885W") },
			check: func(t *testing.T, got any) { wantBool(t, got, true) },
		},
		{
			name: "checkauthn by regcode, not yet (JSON 403)",
			wire: v1Wire{method: "GET", path: "/api/v1/checkauthn/RO0885W", query: "requestor=sampleRequestorId", bearer: true,
				status: 403, fixture: "checkauthn_regcode_403.json"},
			call:  func(c *Client) (any, error) { return c.Clientless.CheckAuthNByRegCode(ctx, rid, "RO0885W") },
			check: func(t *testing.T, got any) { wantBool(t, got, false) },
		},
		{
			name: "authn token (JSON, expires as a string)",
			wire: v1Wire{method: "GET", path: "/api/v1/tokens/authn", query: v1TestRequest, device: true, bearer: true, status: 200, fixture: "authn_token.json"},
			call: func(c *Client) (any, error) { return c.Clientless.AuthNToken(ctx, ClientlessRequest{RequestorID: rid}) },
			check: func(t *testing.T, got any) {
				want := AuthNToken{Requestor: "sampleRequestor", MVPD: "sampleMvpdId", UserID: "sampleUserId", Expires: ms(1601114932000)}
				if tok := got.(*AuthNToken); *tok != want {
					t.Errorf("token = %+v, want %+v", tok, want)
				}
			},
		},
		{
			name: "authn token (XML)",
			wire: v1Wire{method: "GET", path: "/api/v1/tokens/authn", query: v1TestRequest, device: true, bearer: true, status: 200, fixture: "authn_token.xml"},
			call: func(c *Client) (any, error) { return c.Clientless.AuthNToken(ctx, ClientlessRequest{RequestorID: rid}) },
			check: func(t *testing.T, got any) {
				want := AuthNToken{Requestor: "sampleRequestor", MVPD: "sampleMvpdId", UserID: "sampleUserId", Expires: ms(1601114932000)}
				if tok := got.(*AuthNToken); *tok != want {
					t.Errorf("token = %+v, want %+v", tok, want)
				}
			},
		},
		{
			name: "authorize with generic_data",
			wire: v1Wire{method: "GET", path: "/api/v1/authorize",
				query:  v1TestDevice + "&generic_data=%28%22email%22%3A%22email%40domain.com%22%29&requestor=sampleRequestorId&resource=sampleResourceId",
				device: true, bearer: true, status: 200, fixture: "authorize.json"},
			call: func(c *Client) (any, error) {
				return c.Clientless.Authorize(ctx, ClientlessAuthorizeRequest{RequestorID: rid, Resource: "sampleResourceId",
					GenericData: `("email":"email@domain.com")`})
			},
			check: func(t *testing.T, got any) {
				want := AuthZToken{Requestor: rid, MVPD: "sampleMvpdId", Resource: "sampleResourceId", Expires: ms(1348148289000)}
				if tok := got.(*AuthZToken); *tok != want {
					t.Errorf("token = %+v, want %+v", tok, want)
				}
			},
		},
		{
			name: "authorize with an MRSS resource (XML reply)",
			wire: v1Wire{method: "GET", path: "/api/v1/authorize",
				query:  v1TestDevice + "&requestor=sampleRequestorId&resource=%3Crss+version%3D%222.0%22%3E%3Cchannel%3E%3Ctitle%3EMy+Channel%3C%2Ftitle%3E%3C%2Fchannel%3E%3C%2Frss%3E",
				device: true, bearer: true, status: 200, fixture: "authorize.xml"},
			call: func(c *Client) (any, error) {
				return c.Clientless.Authorize(ctx, ClientlessAuthorizeRequest{RequestorID: rid,
					Resource: `<rss version="2.0"><channel><title>My Channel</title></channel></rss>`})
			},
			check: func(t *testing.T, got any) {
				if tok := got.(*AuthZToken); tok.Resource != "sampleResourceId" || !tok.Expires.Equal(ms(1348148289000)) {
					t.Errorf("token = %+v", tok)
				}
			},
		},
		{
			name: "authz token with proxy MVPD",
			wire: v1Wire{method: "GET", path: "/api/v1/tokens/authz", query: v1TestRequest + "&resource=sampleResourceId",
				device: true, bearer: true, status: 200, fixture: "authz_token.json"},
			call: func(c *Client) (any, error) {
				return c.Clientless.AuthZToken(ctx, ClientlessResourceRequest{RequestorID: rid, Resource: "sampleResourceId"})
			},
			check: func(t *testing.T, got any) {
				want := AuthZToken{Requestor: rid, MVPD: "sampleMvpdId", ProxyMVPD: "sampleProxyMvpdId", Resource: "sampleResourceId", Expires: ms(1348148289000)}
				if tok := got.(*AuthZToken); *tok != want {
					t.Errorf("token = %+v, want %+v", tok, want)
				}
			},
		},
		{
			name: "authz token (XML)",
			wire: v1Wire{method: "GET", path: "/api/v1/tokens/authz", query: v1TestRequest + "&resource=sampleResourceId",
				device: true, bearer: true, status: 200, fixture: "authz_token.xml"},
			call: func(c *Client) (any, error) {
				return c.Clientless.AuthZToken(ctx, ClientlessResourceRequest{RequestorID: rid, Resource: "sampleResourceId"})
			},
			check: func(t *testing.T, got any) {
				if tok := got.(*AuthZToken); tok.ProxyMVPD != "sampleProxyMvpdId" {
					t.Errorf("token = %+v", tok)
				}
			},
		},
		{
			name: "media token",
			wire: v1Wire{method: "GET", path: "/api/v1/tokens/media", query: v1TestRequest + "&resource=sampleResourceId",
				device: true, bearer: true, status: 200, fixture: "media_token.json"},
			call: func(c *Client) (any, error) {
				return c.Clientless.MediaToken(ctx, ClientlessResourceRequest{RequestorID: rid, Resource: "sampleResourceId"})
			},
			check: func(t *testing.T, got any) {
				want := ShortMediaToken{Requestor: rid, Resource: "sampleResourceId", MVPD: "sampleMvpdId", UserID: "sampleScrambledUserId",
					SerializedToken: "PHNpZ25hdH[...]", Expires: ms(1348649614000)}
				if tok := got.(*ShortMediaToken); *tok != want {
					t.Errorf("token = %+v, want %+v", *tok, want)
				}
			},
		},
		{
			name: "media token (XML <play>)",
			wire: v1Wire{method: "GET", path: "/api/v1/tokens/media", query: v1TestRequest + "&resource=sampleResourceId",
				device: true, bearer: true, status: 200, fixture: "media_token.xml"},
			call: func(c *Client) (any, error) {
				return c.Clientless.MediaToken(ctx, ClientlessResourceRequest{RequestorID: rid, Resource: "sampleResourceId"})
			},
			check: func(t *testing.T, got any) {
				tok := got.(*ShortMediaToken)
				if tok.MVPD != "sampleMvpdId" || tok.SerializedToken != "PHNpZ25hdH[...]" || !tok.Expires.Equal(ms(1348649569000)) {
					t.Errorf("token = %+v", *tok)
				}
			},
		},
		{
			name: "preauthorize with item-level error",
			wire: v1Wire{method: "GET", path: "/api/v1/preauthorize", query: v1TestRequest + "&resource=TestStream1%2CTestStream3",
				device: true, bearer: true, status: 200, fixture: "preauthorize.json",
				replyHeader: map[string]string{"Adobe-Request-Id": "7af28ec2-a068-45c2-8009-f5443049baf4", "Adobe-Response-Confidence": "full"}},
			call: func(c *Client) (any, error) {
				return c.Clientless.Preauthorize(ctx, ClientlessPreauthorizeRequest{RequestorID: rid, Resources: []string{"TestStream1", "TestStream3"}})
			},
			check: func(t *testing.T, got any) {
				p := got.(*Preauthorization)
				wantPreauth(t, p, "TestStream3", `Your subscription package does not include the "TestStream3" channel.`)
				if p.RequestID != "7af28ec2-a068-45c2-8009-f5443049baf4" || p.ResponseConfidence != "full" {
					t.Errorf("headers = %q, %q", p.RequestID, p.ResponseConfidence)
				}
			},
		},
		{
			name: "preauthorize (XML)",
			wire: v1Wire{method: "GET", path: "/api/v1/preauthorize", query: v1TestRequest + "&resource=TestStream1%2CTestStream2",
				device: true, bearer: true, status: 200, fixture: "preauthorize.xml"},
			call: func(c *Client) (any, error) {
				return c.Clientless.Preauthorize(ctx, ClientlessPreauthorizeRequest{RequestorID: rid, Resources: []string{"TestStream1", "TestStream2"}})
			},
			check: func(t *testing.T, got any) {
				wantPreauth(t, got.(*Preauthorization), "TestStream2", `Your subscription package does not include the "TestStream3" channel.`)
			},
		},
		{
			name: "preauthorize by regcode",
			wire: v1Wire{method: "GET", path: "/api/v1/preauthorize/RO0885W", query: "requestor=sampleRequestorId&resource=TestStream1%2CTestStream3",
				bearer: true, status: 200, fixture: "preauthorize.json"},
			call: func(c *Client) (any, error) {
				return c.Clientless.PreauthorizeByRegCode(ctx, "RO0885W", ClientlessPreauthorizeRequest{RequestorID: rid, Resources: []string{"TestStream1", "TestStream3"}})
			},
			check: func(t *testing.T, got any) {
				wantPreauth(t, got.(*Preauthorization), "TestStream3", `Your subscription package does not include the "TestStream3" channel.`)
			},
		},
		{
			name: "logout",
			wire: v1Wire{method: "DELETE", path: "/api/v1/logout", query: v1TestRequest, device: true, bearer: true, status: 204},
			call: func(c *Client) (any, error) {
				return nil, c.Clientless.Logout(ctx, ClientlessRequest{RequestorID: rid})
			},
			check: func(t *testing.T, got any) {},
		},
		{
			name: "user metadata",
			wire: v1Wire{method: "GET", path: "/api/v1/tokens/usermetadata", query: v1TestRequest, device: true, bearer: true, status: 200, fixture: "usermetadata.json"},
			call: func(c *Client) (any, error) {
				return c.Clientless.UserMetadata(ctx, ClientlessRequest{RequestorID: rid})
			},
			check: func(t *testing.T, got any) {
				m := got.(*UserMetadata)
				if !m.Updated.Equal(time.Unix(1334243471, 0)) {
					t.Errorf("updated = %v", m.Updated)
				}
				if !m.IsEncrypted("encryptedProp") || m.IsEncrypted("zip") {
					t.Errorf("encrypted = %v", m.Encrypted)
				}
				if v, ok := m.StringValue("householdID"); !ok || v != "3456" {
					t.Errorf("householdID = %q, %v", v, ok)
				}
				if _, ok := m.StringValue("zip"); ok {
					t.Error("zip is a list, not a string")
				}
				var zips []string
				if err := json.Unmarshal(m.Data["zip"], &zips); err != nil || strings.Join(zips, ",") != "12345,34567" {
					t.Errorf("zip = %s", m.Data["zip"])
				}
				if !bytes.Contains(m.Data["maxRating"], []byte(`"MPAA": "PG-13"`)) {
					t.Errorf("maxRating = %s", m.Data["maxRating"])
				}
			},
		},
		{
			name: "free preview",
			wire: v1Wire{method: "POST", path: "/api/v1/authenticate/freepreview",
				body:   v1TestDevice + "&domain_name=adobe.com&generic_data=%28%22email%22%3A%22email%40domain.com%22%29&mso_id=TempPass_TEST40&requestor_id=sampleRequestorId",
				device: true, bearer: true, status: 204},
			call: func(c *Client) (any, error) {
				return nil, c.Clientless.FreePreview(ctx, FreePreviewRequest{RequestorID: rid, MSOID: "TempPass_TEST40",
					DomainName: "adobe.com", GenericData: `("email":"email@domain.com")`})
			},
			check: func(t *testing.T, got any) {},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, _ := setup(t)
			var hits atomic.Int32
			pattern := tt.wire.pattern
			if pattern == "" {
				pattern = tt.wire.path
			}
			mux.HandleFunc(pattern, tt.wire.handler(t, &hits))
			got, err := tt.call(c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if hits.Load() != 1 {
				t.Fatalf("server hits = %d, want 1", hits.Load())
			}
			tt.check(t, got)
		})
	}
}

func wantBool(t *testing.T, got any, want bool) {
	t.Helper()
	if got.(bool) != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func wantPreauth(t *testing.T, p *Preauthorization, deniedID, details string) {
	t.Helper()
	if len(p.Resources) != 2 {
		t.Fatalf("resources = %+v", p.Resources)
	}
	ok, denied := p.Resources[0], p.Resources[1]
	if ok.ID != "TestStream1" || !ok.Authorized || ok.Error != nil {
		t.Errorf("resource 0 = %+v", ok)
	}
	if denied.ID != deniedID || denied.Authorized || denied.Error == nil {
		t.Fatalf("resource 1 = %+v", denied)
	}
	e := denied.Error
	if e.HTTPStatus != 200 || e.Status != 403 || e.Code != "authorization_denied_by_mvpd" || e.Action != "none" ||
		e.Message != "User not authorized" || e.Details != details || e.Trace != "0453f8c8-167a-4429-8784-cd32cfeaee58" ||
		!strings.HasSuffix(e.HelpURL, "enhanced-error-codes.html#error-codes") {
		t.Errorf("item error = %+v", e)
	}
	if got := p.Authorized(); len(got) != 1 || got[0] != "TestStream1" {
		t.Errorf("Authorized() = %v", got)
	}
}

func TestClientlessErrorBodies(t *testing.T) {
	ctx := context.Background()
	const rid = "sampleRequestorId"
	authn := func(c *Client) error {
		_, err := c.Clientless.AuthNToken(ctx, ClientlessRequest{RequestorID: rid})
		return err
	}
	authz := func(c *Client) error {
		_, err := c.Clientless.AuthZToken(ctx, ClientlessResourceRequest{RequestorID: rid, Resource: "r"})
		return err
	}
	tests := []struct {
		name    string
		path    string
		status  int
		fixture string
		call    func(c *Client) error
		want    PassError
		is      error
	}{
		{"regcode 400 bare status", "/reggie/v1/sampleRequestorId/regcode", 400, "regcode_error_400.json",
			func(c *Client) error {
				_, err := c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: rid})
				return err
			},
			PassError{HTTPStatus: 400, Status: 400, Message: "Required '<>' is not present"}, nil},
		{"authn token 404 XML", "/api/v1/tokens/authn", 404, "authn_token_404.xml", authn,
			PassError{HTTPStatus: 404, Status: 404, Message: "Not found"}, nil},
		{"authn token 404 JSON", "/api/v1/tokens/authn", 404, "authn_token_404.json", authn,
			PassError{HTTPStatus: 404, Status: 404, Message: "Not Found"}, nil},
		{"authorize denied 403 XML with details", "/api/v1/authorize", 403, "authorize_denied_403.xml",
			func(c *Client) error {
				_, err := c.Clientless.Authorize(ctx, ClientlessAuthorizeRequest{RequestorID: rid, Resource: "r"})
				return err
			},
			PassError{HTTPStatus: 403, Status: 403, Message: "User not authorized",
				Details: "Your subscription package does not include the \"ASFAFD\" channel.\n  Please go to http://www.ca.ble/upgrade in order to upgrade your subscription."}, nil},
		{"authz 412 JSON with null details", "/api/v1/tokens/authz", 412, "authz_token_412.json", authz,
			PassError{HTTPStatus: 412, Status: 412, Message: "User not authenticated"}, nil},
		{"authz 412 XML", "/api/v1/tokens/authz", 412, "authz_token_412.xml", authz,
			PassError{HTTPStatus: 412, Status: 412, Message: "User not authenticated"}, nil},
		{"authz 404 JSON", "/api/v1/tokens/authz", 404, "authz_token_404.json", authz,
			PassError{HTTPStatus: 404, Status: 404, Message: "Not Found"}, nil},
		{"authz 410 JSON", "/api/v1/tokens/authz", 410, "authz_token_410.json", authz,
			PassError{HTTPStatus: 410, Status: 410, Message: "Gone"}, nil},
		{"authz 410 XML", "/api/v1/tokens/authz", 410, "authz_token_410.xml", authz,
			PassError{HTTPStatus: 410, Status: 410, Message: "Gone"}, nil},
		{"enhanced error code", "/api/v1/tokens/media", 412, "eec_authentication_session_expired.json",
			func(c *Client) error {
				_, err := c.Clientless.MediaToken(ctx, ClientlessResourceRequest{RequestorID: rid, Resource: "r"})
				return err
			},
			PassError{HTTPStatus: 412, Status: 412, Action: "authentication", Code: "authentication_session_expired",
				Message: "The authentication session has expired.", Trace: "8bcb17f9-b172-47d2-86d9-3eb146eba85e",
				HelpURL: "https://experienceleague.adobe.com/docs/pass/authentication/auth-features/error-reportn/enhanced-error-codes.html"}, nil},
		{"logout 401 bare status", "/api/v1/logout", 401, "",
			func(c *Client) error { return c.Clientless.Logout(ctx, ClientlessRequest{RequestorID: rid}) },
			PassError{HTTPStatus: 401}, ErrUnauthorized},
		{"checkauthn 400 is an error, not false", "/api/v1/checkauthn", 400, "regcode_error_400.json",
			func(c *Client) error {
				_, err := c.Clientless.CheckAuthN(ctx, ClientlessRequest{RequestorID: rid})
				return err
			},
			PassError{HTTPStatus: 400, Status: 400, Message: "Required '<>' is not present"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, _ := setup(t, WithRetry(RetryPolicy{}))
			mux.HandleFunc(tt.path, func(w http.ResponseWriter, r *http.Request) {
				if tt.fixture != "" {
					w.Header().Set("Content-Type", contentTypeOf(tt.fixture))
				}
				w.WriteHeader(tt.status)
				if tt.fixture != "" {
					w.Write(clientlessFixture(t, tt.fixture))
				}
			})
			err := tt.call(c)
			var pe *PassError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %#v, want *PassError", err)
			}
			want := tt.want
			want.Service = "clientless" // every v1 error names its family
			if got := passFields(pe); got != want {
				t.Errorf("PassError\n got %+v\nwant %+v", got, want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
		})
	}
}

func TestClientlessBadReplies(t *testing.T) {
	ctx := context.Background()
	const rid = "sampleRequestorId"
	tests := []struct {
		name string
		path string
		ct   string
		body string
		call func(c *Client) error
	}{
		{"doc's preauthorize sample with unescaped quotes", "/api/v1/preauthorize", "application/json",
			string(clientlessFixture(t, "preauthorize_doc_verbatim.json")),
			func(c *Client) error {
				_, err := c.Clientless.Preauthorize(ctx, ClientlessPreauthorizeRequest{RequestorID: rid, Resources: []string{"a"}})
				return err
			}},
		{"HTML page on 200", "/api/v1/tokens/authn", "text/html", "<html><body>maintenance</body></html>",
			func(c *Client) error {
				_, err := c.Clientless.AuthNToken(ctx, ClientlessRequest{RequestorID: rid})
				return err
			}},
		{"truncated JSON", "/api/v1/tokens/media", "application/json", `{"serializedToken":"abc`,
			func(c *Client) error {
				_, err := c.Clientless.MediaToken(ctx, ClientlessResourceRequest{RequestorID: rid, Resource: "r"})
				return err
			}},
		{"media token without the token", "/api/v1/tokens/media", "application/json", `{"resource":"r","expires":"1"}`,
			func(c *Client) error {
				_, err := c.Clientless.MediaToken(ctx, ClientlessResourceRequest{RequestorID: rid, Resource: "r"})
				return err
			}},
		{"expires that is not a time", "/api/v1/tokens/authz", "application/json", `{"expires":"tomorrow"}`,
			func(c *Client) error {
				_, err := c.Clientless.AuthZToken(ctx, ClientlessResourceRequest{RequestorID: rid, Resource: "r"})
				return err
			}},
		{"empty 200 body", "/api/v1/tokens/usermetadata", "application/json", "",
			func(c *Client) error {
				_, err := c.Clientless.UserMetadata(ctx, ClientlessRequest{RequestorID: rid})
				return err
			}},
		{"config as XML", "/api/v1/config/sampleRequestorId", "application/xml", "<config><mvpds/></config>",
			func(c *Client) error { _, err := c.Clientless.Config(ctx, rid); return err }},
		{"regcode without a code", "/reggie/v1/sampleRequestorId/regcode/X", "application/json", `{"id":"1"}`,
			func(c *Client) error { _, err := c.Clientless.RegCode(ctx, rid, "X"); return err }},
		{"authorized of a wrong type", "/api/v1/preauthorize", "application/json", `{"resources":[{"id":"a","authorized":"maybe"}]}`,
			func(c *Client) error {
				_, err := c.Clientless.Preauthorize(ctx, ClientlessPreauthorizeRequest{RequestorID: rid, Resources: []string{"a"}})
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, _ := setup(t)
			mux.HandleFunc(tt.path, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ct)
				io.WriteString(w, tt.body)
			})
			err := tt.call(c)
			var de *DecodeError
			if !errors.As(err, &de) || de.Service != "clientless" || de.HTTPStatus != 200 {
				t.Fatalf("err = %v, want *DecodeError", err)
			}
		})
	}
}

func TestClientlessValidation(t *testing.T) {
	ctx := context.Background()
	c, _, _ := setup(t) // any request fails the test
	noInfo := &Device{ID: "x"}
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"regcode requestor", func() error { _, err := c.Clientless.CreateRegCode(ctx, RegCodeRequest{}); return err }, "RequestorID"},
		{"regcode negative ttl", func() error {
			_, err := c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: "r", TTL: -time.Second})
			return err
		}, "TTL"},
		{"regcode ttl over 10h", func() error {
			_, err := c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: "r", TTL: 10*time.Hour + time.Second})
			return err
		}, "TTL"},
		{"regcode fractional ttl", func() error {
			_, err := c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: "r", TTL: 1500 * time.Millisecond})
			return err
		}, "TTL"},
		{"regcode device without id", func() error {
			_, err := c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: "r", Device: &Device{Info: testDevice.Info}})
			return err
		}, "Device.ID"},
		{"regcode device without info", func() error {
			_, err := c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: "r", Device: noInfo})
			return err
		}, "Device.Info.model"},
		{"get regcode code", func() error { _, err := c.Clientless.RegCode(ctx, "r", " "); return err }, "RegCode"},
		{"get regcode dot-dot code", func() error { _, err := c.Clientless.RegCode(ctx, "r", ".."); return err }, "RegCode"},
		{"get regcode dot requestor", func() error { _, err := c.Clientless.RegCode(ctx, ".", "c"); return err }, "RequestorID"},
		{"delete regcode dot-dot code", func() error { return c.Clientless.DeleteRegCode(ctx, "r", "..") }, "RegCode"},
		{"regcode dot-dot requestor", func() error {
			_, err := c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: ".."})
			return err
		}, "RequestorID"},
		{"config dot-dot requestor", func() error { _, err := c.Clientless.Config(ctx, ".."); return err }, "RequestorID"},
		{"checkauthn by dot-dot code", func() error { _, err := c.Clientless.CheckAuthNByRegCode(ctx, "r", ".."); return err }, "RegCode"},
		{"preauthorize by dot code", func() error {
			_, err := c.Clientless.PreauthorizeByRegCode(ctx, ".", ClientlessPreauthorizeRequest{RequestorID: "r", Resources: []string{"a"}})
			return err
		}, "RegCode"},
		{"preauthorize by code, no requestor", func() error {
			_, err := c.Clientless.PreauthorizeByRegCode(ctx, "c", ClientlessPreauthorizeRequest{Resources: []string{"a"}})
			return err
		}, "RequestorID"},
		{"delete regcode requestor", func() error { return c.Clientless.DeleteRegCode(ctx, "", "c") }, "RequestorID"},
		{"config requestor", func() error { _, err := c.Clientless.Config(ctx, ""); return err }, "RequestorID"},
		{"checkauthn requestor", func() error { _, err := c.Clientless.CheckAuthN(ctx, ClientlessRequest{}); return err }, "RequestorID"},
		{"checkauthn by code", func() error { _, err := c.Clientless.CheckAuthNByRegCode(ctx, "r", ""); return err }, "RegCode"},
		{"authn token requestor", func() error { _, err := c.Clientless.AuthNToken(ctx, ClientlessRequest{}); return err }, "RequestorID"},
		{"authorize resource", func() error {
			_, err := c.Clientless.Authorize(ctx, ClientlessAuthorizeRequest{RequestorID: "r"})
			return err
		}, "Resource"},
		{"authz resource", func() error {
			_, err := c.Clientless.AuthZToken(ctx, ClientlessResourceRequest{RequestorID: "r"})
			return err
		}, "Resource"},
		{"media token resource", func() error {
			_, err := c.Clientless.MediaToken(ctx, ClientlessResourceRequest{RequestorID: "r", Resource: " "})
			return err
		}, "Resource"},
		{"preauthorize no resources", func() error {
			_, err := c.Clientless.Preauthorize(ctx, ClientlessPreauthorizeRequest{RequestorID: "r"})
			return err
		}, "Resources"},
		{"preauthorize comma in id", func() error {
			_, err := c.Clientless.Preauthorize(ctx, ClientlessPreauthorizeRequest{RequestorID: "r", Resources: []string{"a,b"}})
			return err
		}, "Resources"},
		{"preauthorize empty id", func() error {
			_, err := c.Clientless.Preauthorize(ctx, ClientlessPreauthorizeRequest{RequestorID: "r", Resources: []string{"a", ""}})
			return err
		}, "Resources"},
		{"preauthorize by code", func() error {
			_, err := c.Clientless.PreauthorizeByRegCode(ctx, "", ClientlessPreauthorizeRequest{RequestorID: "r", Resources: []string{"a"}})
			return err
		}, "RegCode"},
		{"logout requestor", func() error { return c.Clientless.Logout(ctx, ClientlessRequest{}) }, "RequestorID"},
		{"usermetadata device", func() error {
			_, err := c.Clientless.UserMetadata(ctx, ClientlessRequest{RequestorID: "r", Device: noInfo})
			return err
		}, "Device.Info.model"},
		{"free preview mso", func() error {
			return c.Clientless.FreePreview(ctx, FreePreviewRequest{RequestorID: "r", DomainName: "d"})
		}, "MSOID"},
		{"free preview domain", func() error {
			return c.Clientless.FreePreview(ctx, FreePreviewRequest{RequestorID: "r", MSOID: "m"})
		}, "DomainName"},
		{"wait interval", func() error { return c.Clientless.WaitForAuthN(ctx, ClientlessRequest{RequestorID: "r"}, -1) }, "interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("err = %v, want *ValidationError for %s", err, tt.field)
			}
		})
	}
}

func TestClientlessNeedsDeviceAndToken(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "test-token"})

	noDevice, err := New(WithClientlessURL(srv.URL), WithPassTokenSource(ts))
	if err != nil {
		t.Fatal(err)
	}
	var ve *ValidationError
	if _, err := noDevice.Clientless.AuthNToken(ctx, ClientlessRequest{RequestorID: "r"}); !errors.As(err, &ve) || ve.Field != "Device" {
		t.Errorf("without a device: err = %v, want *ValidationError{Device}", err)
	}

	noToken, err := New(WithClientlessURL(srv.URL), WithDevice(testDevice))
	if err != nil {
		t.Fatal(err)
	}
	if err := noToken.Clientless.Logout(ctx, ClientlessRequest{RequestorID: "r"}); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("without a token source: err = %v, want ErrNotConfigured", err)
	}
	if hits.Load() != 0 {
		t.Errorf("server hits = %d, want 0", hits.Load())
	}
}

func TestClientlessThrottleFloor(t *testing.T) {
	// MinWait 1ms alone would retry within a few ms; the 1 s Adobe floor, capped by MaxWait, must hold.
	c, mux, _ := setup(t, WithRetry(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: 300 * time.Millisecond}))
	var mu sync.Mutex
	var times []time.Time
	mux.HandleFunc("/api/v1/tokens/authn", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write(clientlessFixture(t, "throttled_429.html"))
	})
	_, err := c.Clientless.AuthNToken(context.Background(), ClientlessRequest{RequestorID: "r"})
	var pe *PassError
	if !errors.As(err, &pe) || pe.HTTPStatus != 429 || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want *PassError 429 matching ErrRateLimited", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 {
		t.Fatalf("attempts = %d, want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < 250*time.Millisecond {
		t.Errorf("gap between attempts = %v, want the throttle floor (capped at MaxWait 300ms)", gap)
	}
}

func TestClientlessWaitForAuthN(t *testing.T) {
	c, mux, _ := setup(t)
	var hits atomic.Int32
	mux.HandleFunc("/api/v1/checkauthn", func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) < 3 {
			w.WriteHeader(http.StatusForbidden)
			w.Write(clientlessFixture(t, "checkauthn_403.xml"))
		}
	})
	if err := c.Clientless.WaitForAuthN(context.Background(), ClientlessRequest{RequestorID: "r"}, time.Millisecond); err != nil {
		t.Fatalf("WaitForAuthN: %v", err)
	}
	if hits.Load() != 3 {
		t.Errorf("polls = %d, want 3", hits.Load())
	}

	// ctx ends while the user has not signed in yet.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	hits.Store(-1000)
	if err := c.Clientless.WaitForAuthN(ctx, ClientlessRequest{RequestorID: "r"}, 5*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestClientlessSecretsStayOut(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mux, _ := setup(t, WithLogger(logger))
	mux.HandleFunc("/api/v1/tokens/media", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"status":403,"message":"bad token %s","details":"Authorization: %s"}`,
			strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), r.Header.Get("Authorization"))
	})
	_, err := c.Clientless.MediaToken(context.Background(), ClientlessResourceRequest{RequestorID: "r", Resource: "x"})
	if err == nil || strings.Contains(err.Error(), "test-token") {
		t.Errorf("error leaks the bearer token: %v", err)
	}
	if strings.Contains(buf.String(), "test-token") {
		t.Errorf("log leaks the bearer token: %s", buf.String())
	}

	tok := ShortMediaToken{Requestor: "r", Resource: "x", SerializedToken: "PHNpZ25hdHVyZT4uLi4=", Expires: ms(1348649614000)}
	buf.Reset()
	logger.Info("got", "token", tok)
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%v", &tok), fmt.Sprintf("%#v", tok),
		fmt.Sprintf("%#v", &tok), buf.String()} {
		if strings.Contains(s, "PHNpZ25hdHVyZT4") || !strings.Contains(s, redacted) {
			t.Errorf("media token not masked: %s", s)
		}
	}
}

// The login web app's calls run on behalf of a browser and may be made without DCR credentials;
// every call the device makes needs them.
func TestClientlessTokenSourceUse(t *testing.T) {
	ctx := context.Background()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if h := r.Header.Get("Authorization"); h != "" {
			t.Errorf("%s %s: Authorization = %q, want none without a token source", r.Method, r.URL.Path, h)
		}
		testHeader(t, r, "X-Device-Info", "")
		switch {
		case r.URL.Path == "/api/v1/config/r":
			io.WriteString(w, `{"mvpds":[{"id":"m"}]}`)
		case r.URL.Path == "/reggie/v1/r/regcode/C":
			io.WriteString(w, `{"code":"C"}`)
		case r.URL.Path == "/api/v1/preauthorize/C":
			io.WriteString(w, `{"resources":[{"id":"a","authorized":true}]}`)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := New(WithClientlessURL(srv.URL), WithHTTPClient(srv.Client()), WithDevice(testDevice))
	if err != nil {
		t.Fatal(err)
	}
	webApp := []struct {
		name string
		call func() error
	}{
		{"config", func() error { _, err := c.Clientless.Config(ctx, "r"); return err }},
		{"get regcode", func() error { _, err := c.Clientless.RegCode(ctx, "r", "C"); return err }},
		{"checkauthn by regcode", func() error {
			ok, err := c.Clientless.CheckAuthNByRegCode(ctx, "r", "C")
			if err == nil && !ok {
				t.Error("CheckAuthNByRegCode = false on 200")
			}
			return err
		}},
		{"preauthorize by regcode", func() error {
			_, err := c.Clientless.PreauthorizeByRegCode(ctx, "C", ClientlessPreauthorizeRequest{RequestorID: "r", Resources: []string{"a"}})
			return err
		}},
	}
	for _, tt := range webApp {
		t.Run("web app: "+tt.name, func(t *testing.T) {
			before := hits.Load()
			if err := tt.call(); err != nil {
				t.Fatalf("err = %v", err)
			}
			if hits.Load() != before+1 {
				t.Errorf("server hits = %d, want 1", hits.Load()-before)
			}
		})
	}

	device := []struct {
		name string
		call func() error
	}{
		{"create regcode", func() error {
			_, err := c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: "r"})
			return err
		}},
		{"delete regcode", func() error { return c.Clientless.DeleteRegCode(ctx, "r", "C") }},
		{"checkauthn", func() error { _, err := c.Clientless.CheckAuthN(ctx, ClientlessRequest{RequestorID: "r"}); return err }},
		{"authn token", func() error { _, err := c.Clientless.AuthNToken(ctx, ClientlessRequest{RequestorID: "r"}); return err }},
		{"authorize", func() error {
			_, err := c.Clientless.Authorize(ctx, ClientlessAuthorizeRequest{RequestorID: "r", Resource: "a"})
			return err
		}},
		{"authz token", func() error {
			_, err := c.Clientless.AuthZToken(ctx, ClientlessResourceRequest{RequestorID: "r", Resource: "a"})
			return err
		}},
		{"media token", func() error {
			_, err := c.Clientless.MediaToken(ctx, ClientlessResourceRequest{RequestorID: "r", Resource: "a"})
			return err
		}},
		{"preauthorize", func() error {
			_, err := c.Clientless.Preauthorize(ctx, ClientlessPreauthorizeRequest{RequestorID: "r", Resources: []string{"a"}})
			return err
		}},
		{"user metadata", func() error {
			_, err := c.Clientless.UserMetadata(ctx, ClientlessRequest{RequestorID: "r"})
			return err
		}},
		{"free preview", func() error {
			return c.Clientless.FreePreview(ctx, FreePreviewRequest{RequestorID: "r", MSOID: "m", DomainName: "d"})
		}},
	}
	for _, tt := range device {
		t.Run("device: "+tt.name, func(t *testing.T) {
			before := hits.Load()
			if err := tt.call(); !errors.Is(err, ErrNotConfigured) {
				t.Fatalf("err = %v, want ErrNotConfigured", err)
			}
			if hits.Load() != before {
				t.Errorf("server hits = %d, want 0", hits.Load()-before)
			}
		})
	}
}

// Only calls that cannot change server state twice are retried after a 5xx: the POSTs (regcode,
// free preview) only when the server surely did nothing (503).
func TestClientlessRetrySafety(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		path   string
		status int
		call   func(c *Client) error
		tries  int32
	}{
		{"create regcode, 500: not retried", "/reggie/v1/r/regcode", 500, func(c *Client) error {
			_, err := c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: "r"})
			return err
		}, 1},
		{"create regcode, 503: retried", "/reggie/v1/r/regcode", 503, func(c *Client) error {
			_, err := c.Clientless.CreateRegCode(ctx, RegCodeRequest{RequestorID: "r"})
			return err
		}, 4},
		{"free preview, 502: not retried", "/api/v1/authenticate/freepreview", 502, func(c *Client) error {
			return c.Clientless.FreePreview(ctx, FreePreviewRequest{RequestorID: "r", MSOID: "m", DomainName: "d"})
		}, 1},
		{"media token, 500: retried", "/api/v1/tokens/media", 500, func(c *Client) error {
			_, err := c.Clientless.MediaToken(ctx, ClientlessResourceRequest{RequestorID: "r", Resource: "a"})
			return err
		}, 4},
		{"delete regcode, 502: retried", "/reggie/v1/r/regcode/C", 502, func(c *Client) error {
			return c.Clientless.DeleteRegCode(ctx, "r", "C")
		}, 4},
		{"authenticate, 501: not retried", "/api/v1/authenticate", 501, func(c *Client) error {
			_, err := c.Clientless.Authenticate(ctx, v1AuthnRequest("https://loginwebapp.com/"))
			return err
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, _ := setup(t, WithRetry(RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}))
			var hits atomic.Int32
			mux.HandleFunc(tt.path, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.WriteHeader(tt.status)
			})
			err := tt.call(c)
			var pe *PassError
			if !errors.As(err, &pe) || pe.HTTPStatus != tt.status {
				t.Fatalf("err = %v, want *PassError HTTP %d", err, tt.status)
			}
			if hits.Load() != tt.tries {
				t.Errorf("attempts = %d, want %d", hits.Load(), tt.tries)
			}
		})
	}
}

// Bad input is a *ValidationError whatever the context: every other method validates before it looks
// at ctx, but WaitForAuthN selects between a zero timer and ctx.Done() before CheckAuthN validates
// the request, so with a cancelled context an invalid request is context.Canceled about half the
// time.
func TestWaitForAuthNBadInputWithCancelledContext(t *testing.T) {
	c, _, _ := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Clientless.CheckAuthN(ctx, ClientlessRequest{}); !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("CheckAuthN: %v, want a *ValidationError", err)
	}
	canceled := 0
	for i := 0; i < 50; i++ {
		if err := c.Clientless.WaitForAuthN(ctx, ClientlessRequest{}, 0); !errors.Is(err, ErrInvalidRequest) {
			canceled++
		}
	}
	if canceled > 0 {
		t.Errorf("WaitForAuthN with an empty request and a cancelled context: %d of 50 calls did not return "+
			"a *ValidationError", canceled)
	}
}

// v1EntitySafe breaks "&reg" so that no browser shows the ® entity in the authenticate URL (text
// content decodes the legacy entities even without ";" and before letters), but "&reg" is one of the
// ~100 legacy entity names: an extra parameter named param, notify, copy, times, lt, amp or sect
// still reads as ¶m=, ¬ify=, ©=, ×=, <=, &=, §= wherever the URL is shown as HTML text.
func TestAuthenticateURLLegacyEntities(t *testing.T) {
	c, _, _ := setup(t)
	req := AuthenticateRequest{RequestorID: "REF30", MSOID: "Cablevision", RegCode: "ABC1234",
		DomainName: "adobe.com", RedirectURL: "https://app.example/done",
		Extra: map[string][]string{"param": {"1"}, "notify": {"1"}, "copy": {"1"}, "times": {"1"}, "lt": {"1"},
			"amp": {"1"}, "sect": {"1"}, "region": {"1"}}}
	got, err := c.Clientless.AuthenticateURL(req)
	if err != nil {
		t.Fatal(err)
	}
	for _, entity := range []string{"reg", "para", "not", "copy", "times", "lt", "amp", "sect"} {
		if strings.Contains(got, "&"+entity) {
			t.Errorf("URL holds &%s, which HTML text shows as an entity: %s", entity, got)
		}
	}
}

// FuzzClientlessAuthenticateURL checks the ordering rules on any input the builder accepts.
func FuzzClientlessAuthenticateURL(f *testing.F) {
	f.Add("RO0885W", "https://loginwebapp.com/done?a=1&b=2#x", "ap_vi", "v", "")
	f.Add("AB&reg", "https://x/ü +", "region", "&reg_code=1", `("email":"a@b")`)
	f.Add(" ", "myapp://cb", "", "", "")
	f.Fuzz(func(t *testing.T, regCode, redirect, extraKey, extraValue, generic string) {
		req := AuthenticateRequest{RequestorID: "sampleRequestorId", MSOID: "sampleMvpdId", RegCode: regCode,
			DomainName: "loginwebapp.com", RedirectURL: redirect, GenericData: generic}
		if extraKey != "" || extraValue != "" {
			req.Extra = url.Values{extraKey: {extraValue}}
		}
		q, err := v1AuthenticateQuery(req)
		if err != nil {
			return
		}
		if !strings.HasPrefix(q, "reg_code=") {
			t.Fatalf("first pair is not reg_code: %s", q)
		}
		if strings.Contains(strings.ToLower(q), "&reg") {
			t.Fatalf("&reg in %s", q)
		}
		pairs := strings.Split(q, "&")
		if !strings.HasPrefix(pairs[len(pairs)-1], "redirect_url=") {
			t.Fatalf("last pair is not redirect_url: %s", q)
		}
		got, err := url.ParseQuery(q)
		if err != nil {
			t.Fatalf("ParseQuery(%s): %v", q, err)
		}
		if got.Get("reg_code") != regCode || got.Get("redirect_url") != redirect || got.Get("generic_data") != generic {
			t.Fatalf("round trip of %s = %v", q, got)
		}
		if req.Extra != nil && got.Get(extraKey) != extraValue {
			t.Fatalf("extra %q round trip = %q, want %q", extraKey, got.Get(extraKey), extraValue)
		}
	})
}

// Authorized lists the ids of the resources whose decision is a grant, in the server's order,
// leaving out denials whether or not they carry an item error; nil when none is granted.
func TestPreauthorizationAuthorized(t *testing.T) {
	t.Parallel()
	denied := &PassError{HTTPStatus: 200, Status: 403, Code: "authorization_denied_by_mvpd"}
	for _, tc := range []struct {
		name      string
		resources []PreauthorizedResource
		want      []string
	}{
		{"none", nil, nil},
		{"all denied", []PreauthorizedResource{{ID: "a"}, {ID: "b", Error: denied}}, nil},
		{"server order kept", []PreauthorizedResource{{ID: "z", Authorized: true}, {ID: "a", Authorized: true}},
			[]string{"z", "a"}},
		{"mixed", []PreauthorizedResource{{ID: "TestStream1", Authorized: true}, {ID: "TestStream2", Error: denied},
			{ID: "TestStream3"}, {ID: "TestStream4", Authorized: true}}, []string{"TestStream1", "TestStream4"}},
		{"duplicates kept", []PreauthorizedResource{{ID: "a", Authorized: true}, {ID: "a", Authorized: true}},
			[]string{"a", "a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Preauthorization{Resources: tc.resources}
			if got := p.Authorized(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Authorized() = %#v, want %#v", got, tc.want)
			}
		})
	}
}

// IsEncrypted answers from the Encrypted list only; StringValue answers only for a value that is a
// JSON string, decoded (escapes resolved), and never for lists, objects, numbers, null or a missing
// key.
func TestUserMetadataAccessors(t *testing.T) {
	t.Parallel()
	m := &UserMetadata{
		Encrypted: []string{"encryptedProp"},
		Data: map[string]json.RawMessage{
			"householdID":   json.RawMessage(`"3456"`),
			"escaped":       json.RawMessage(`"a\"b\u00e9"`),
			"empty":         json.RawMessage(`""`),
			"encryptedProp": json.RawMessage(`"bXlzZWNyZXQ="`),
			"channelID":     json.RawMessage(`["channel-1","channel-2"]`),
			"address":       json.RawMessage(`{"zip":"10001"}`),
			"maxRating":     json.RawMessage(`17`),
			"broken":        json.RawMessage(`"unterminated`),
			"null":          json.RawMessage(`null`),
		},
	}
	for _, tc := range []struct {
		key       string
		encrypted bool
		value     string
		isString  bool
	}{
		{"householdID", false, "3456", true},
		{"escaped", false, `a"bé`, true},
		{"empty", false, "", true},
		{"encryptedProp", true, "bXlzZWNyZXQ=", true},
		{"channelID", false, "", false},
		{"address", false, "", false},
		{"maxRating", false, "", false},
		{"broken", false, "", false},
		{"null", false, "", false},
		{"missing", false, "", false},
	} {
		t.Run(tc.key, func(t *testing.T) {
			if got := m.IsEncrypted(tc.key); got != tc.encrypted {
				t.Errorf("IsEncrypted(%q) = %v, want %v", tc.key, got, tc.encrypted)
			}
			if v, ok := m.StringValue(tc.key); v != tc.value || ok != tc.isString {
				t.Errorf("StringValue(%q) = %q, %v, want %q, %v", tc.key, v, ok, tc.value, tc.isString)
			}
		})
	}
	var zero UserMetadata
	if zero.IsEncrypted("x") {
		t.Error("a zero UserMetadata says x is encrypted")
	}
	if v, ok := zero.StringValue("x"); ok || v != "" {
		t.Errorf("a zero UserMetadata's StringValue(x) = %q, %v", v, ok)
	}
}
