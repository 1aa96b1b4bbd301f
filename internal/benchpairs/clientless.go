package benchpairs

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tvauth/tvauth"
)

var authnReq = tvauth.AuthenticateRequest{RequestorID: "REF30", MSOID: "Cablevision", RegCode: "A1B2C3D",
	DomainName: "adobe.com", RedirectURL: "https://login.example.com/done?from=tv&lang=en"}

// rawAuthenticateQuery is the v1 authenticate query by hand: reg_code first, redirect_url last.
func rawAuthenticateQuery() string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString("reg_code=")
	b.WriteString(enc(authnReq.RegCode))
	b.WriteString("&requestor_id=")
	b.WriteString(enc(authnReq.RequestorID))
	b.WriteString("&mso_id=")
	b.WriteString(enc(authnReq.MSOID))
	b.WriteString("&domain_name=")
	b.WriteString(enc(authnReq.DomainName))
	b.WriteString("&noflash=true&no_iframe=true&redirect_url=")
	b.WriteString(enc(authnReq.RedirectURL))
	return b.String()
}

func clientlessAuthenticatePair() Pair {
	const mvpdLogin = "https://login.mvpd.example/sso?SAMLRequest=abc&RelayState=xyz"
	return Pair{ID: "ClientlessAuthenticate", Title: "Clientless authenticate (302)",
		New: func(tb testing.TB, rec *Recorder) (Op, Op, error) {
			base := server(tb, rec, map[string]reply{
				"GET /api/v1/authenticate": {status: http.StatusFound, header: http.Header{"Location": {mvpdLogin}}},
			}).URL
			c, err := tvauth.New(tvauth.WithClientlessURL(base), tvauth.WithHTTPClient(sdkHTTPClient(tb)))
			if err != nil {
				return nil, nil, err
			}
			hc := rawClient(tb)
			raw := func(ctx context.Context) error {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/authenticate?"+rawAuthenticateQuery(), nil)
				if err != nil {
					return err
				}
				req.Header["Accept"] = []string{"application/json"}
				req.Header["User-Agent"] = []string{userAgent}
				resp, err := hc.Do(req)
				if err != nil {
					return err
				}
				if _, err := readAll(resp); err != nil {
					return err
				}
				if resp.StatusCode != http.StatusFound {
					return statusError(resp)
				}
				u, err := url.Parse(strings.TrimSpace(resp.Header.Get("Location")))
				if err != nil {
					return err
				}
				if req.URL.ResolveReference(u).Host != "login.mvpd.example" {
					return errors.New("raw authenticate: wrong location")
				}
				return nil
			}
			sdk := func(ctx context.Context) error {
				u, err := c.Clientless.Authenticate(ctx, authnReq)
				if err == nil && u.Host != "login.mvpd.example" {
					err = errors.New("sdk authenticate: wrong location")
				}
				return err
			}
			return raw, sdk, nil
		}}
}

func authenticateURLPair() Pair {
	return Pair{ID: "AuthenticateURL", Title: "AuthenticateURL vs a hand-built string",
		New: func(tb testing.TB, _ *Recorder) (Op, Op, error) {
			const base = "https://api.auth.adobe.com"
			c, err := tvauth.New(tvauth.WithClientlessURL(base))
			if err != nil {
				return nil, nil, err
			}
			want := base + "/api/v1/authenticate?" + rawAuthenticateQuery()
			var sink string
			raw := func(context.Context) error {
				sink = base + "/api/v1/authenticate?" + rawAuthenticateQuery()
				if len(sink) != len(want) {
					return errors.New("raw url: wrong length")
				}
				return nil
			}
			sdk := func(context.Context) error {
				s, err := c.Clientless.AuthenticateURL(authnReq)
				if err != nil {
					return err
				}
				if len(s) != len(want) {
					return errors.New("sdk url differs: " + s)
				}
				sink = s
				return nil
			}
			if s, err := c.Clientless.AuthenticateURL(authnReq); err != nil || s != want {
				return nil, nil, errors.New("the SDK URL and the hand-built string differ: " + s + " vs " + want)
			}
			return raw, sdk, nil
		}}
}
