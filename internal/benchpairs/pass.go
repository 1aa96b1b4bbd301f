package benchpairs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
)

const userAgent = "tvauth-go/" + tvauth.Version

var (
	passCreds = tvauth.ClientCredentials{ClientID: "s6BhdRkqt3", ClientSecret: "t7AkePiru4"}
	passDev   = tvauth.Device{ID: "device-7f3a2c", Info: tvauth.DeviceInfo{PrimaryHardwareType: "SetTopBox",
		Model: "Tv-1", Version: "1.0", OSName: "Linux", OSVersion: "6.1", ConnectionType: "WiFi"}}
)

// The device headers as a hand-written client computes them once.
var (
	rawDeviceID   = "fingerprint " + base64.StdEncoding.EncodeToString([]byte(passDev.ID))
	rawDeviceInfo = func() string {
		b, _ := json.Marshal(struct {
			PrimaryHardwareType string `json:"primaryHardwareType"`
			Model               string `json:"model"`
			Version             string `json:"version"`
			OSName              string `json:"osName"`
			OSVersion           string `json:"osVersion"`
			ConnectionType      string `json:"connectionType"`
		}{"SetTopBox", "Tv-1", "1.0", "Linux", "6.1", "WiFi"})
		return base64.StdEncoding.EncodeToString(b)
	}()
)

const passTokenBody = `{
  "id": "a932f8f0-210a-41a4-b2a8-377751f6b76f",
  "access_token": "2YotnFZFEjr1zCsicMWpAA",
  "created_at": 1752148106221,
  "expires_in": 21600,
  "token_type": "bearer"
}`

const passRegisterBody = `{
    "client_id": "s6BhdRkqt3",
    "client_secret": "t7AkePiru4",
    "redirect_uris": ["app://com.programmer.adobe#sdasdsadas"],
    "grant_types": ["client_credentials"],
    "scopes": ["api:client:v2"],
    "client_id_issued_at": 1723227212
}`

// logoutBody is Adobe's interactive-logout sample for n = 0, else n generated entries.
func logoutBody(n int) string {
	entry := func(mvpd string) string {
		return `"` + mvpd + `": {"actionName": "logout", "actionType": "interactive", "mvpd": "` + mvpd +
			`", "url": "https://sp.auth.adobe.com/adobe-services/logout?noflash=true&mso_id=` + mvpd +
			`&requestor_id=REF30&redirect_url=http%3A%2F%2Fadobe.com"}`
	}
	if n == 0 {
		return "{\n    \"logouts\": {\n        " + entry("Cablevision") + "\n    }\n}"
	}
	parts := make([]string, n)
	for i := range parts {
		parts[i] = entry("MVPD" + strconv.Itoa(10000 + i)[1:])
	}
	return `{"logouts": {` + strings.Join(parts, ",\n") + `}}`
}

// passServer answers the DCR token and registration endpoints and the logout of REF30/Cablevision.
func passServer(tb testing.TB, rec *Recorder, logoutEntries int) string {
	return server(tb, rec, map[string]reply{
		"POST /o/client/token":                    jsonReply(http.StatusOK, passTokenBody),
		"POST /o/client/register":                 jsonReply(http.StatusCreated, passRegisterBody),
		"GET /api/v2/REF30/logout/Cablevision":    jsonReply(http.StatusOK, logoutBody(logoutEntries)),
		"DELETE /api/v2/REF30/logout/Cablevision": jsonReply(http.StatusOK, logoutBody(logoutEntries)),
	}).URL
}

// rawTokenCache is a hand-written client's cached bearer token.
type rawTokenCache struct {
	mu     sync.Mutex
	token  string
	expiry time.Time
}

func (c *rawTokenCache) get(ctx context.Context, hc *http.Client, base string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && time.Now().Before(c.expiry) {
		return c.token, nil
	}
	tok, err := rawFetchToken(ctx, hc, base)
	if err != nil {
		return "", err
	}
	c.token, c.expiry = tok.AccessToken, tok.Expiry
	return c.token, nil
}

type rawToken struct {
	AccessToken, TokenType, ID string
	Expiry, CreatedAt          time.Time
}

func rawFetchToken(ctx context.Context, hc *http.Client, base string) (*rawToken, error) {
	form := "client_id=" + enc(passCreds.ClientID) + "&client_secret=" + enc(string(passCreds.ClientSecret)) +
		"&grant_type=client_credentials"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/o/client/token", strings.NewReader(form))
	if err != nil {
		return nil, err
	}
	req.Header["Content-Type"] = []string{"application/x-www-form-urlencoded"}
	req.Header["User-Agent"] = []string{userAgent}
	req.Header["Accept"] = []string{"application/json"}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := readAll(resp)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return nil, statusError(resp)
	}
	var w struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		CreatedAt   int64  `json:"created_at"`
		ID          string `json:"id"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	if w.AccessToken == "" {
		return nil, errors.New("no access_token")
	}
	lifetime := time.Duration(w.ExpiresIn) * time.Second
	return &rawToken{AccessToken: w.AccessToken, TokenType: w.TokenType, ID: w.ID,
		Expiry: time.Now().Add(lifetime - min(lifetime/10, 5*time.Minute)), CreatedAt: time.UnixMilli(w.CreatedAt)}, nil
}

type rawLogoutAction struct {
	MVPD, Name, Type string
	URL              *url.URL
}

// rawLogout is Pass v2 logout by hand: the same request, the reply decoded into the same actions
// (URLs parsed and resolved, sorted by MVPD).
func rawLogout(ctx context.Context, hc *http.Client, base string, tokens *rawTokenCache, want int) error {
	tok, err := tokens.get(ctx, hc, base)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		base+"/api/v2/REF30/logout/Cablevision?redirectUrl="+enc("https://adobe.com"), nil)
	if err != nil {
		return err
	}
	req.Header["User-Agent"] = []string{userAgent}
	req.Header["Accept"] = []string{"application/json"}
	req.Header["Authorization"] = []string{"Bearer " + tok}
	req.Header["Ap-Device-Identifier"] = []string{rawDeviceID}
	req.Header["X-Device-Info"] = []string{rawDeviceInfo}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	body, err := readAll(resp)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return statusError(resp)
	}
	var w struct {
		Logouts map[string]struct {
			ActionName string `json:"actionName"`
			ActionType string `json:"actionType"`
			MVPD       string `json:"mvpd"`
			URL        string `json:"url"`
		} `json:"logouts"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return err
	}
	root := req.URL
	actions := make([]rawLogoutAction, 0, len(w.Logouts))
	for key, l := range w.Logouts {
		a := rawLogoutAction{MVPD: l.MVPD, Name: l.ActionName, Type: l.ActionType}
		if a.MVPD == "" {
			a.MVPD = key
		}
		if l.URL != "" {
			u, err := url.Parse(l.URL)
			if err != nil {
				return err
			}
			if !u.IsAbs() {
				u = root.ResolveReference(u)
			}
			a.URL = u
		}
		actions = append(actions, a)
	}
	slices.SortFunc(actions, func(a, b rawLogoutAction) int { return strings.Compare(a.MVPD, b.MVPD) })
	if len(actions) != want || actions[0].URL == nil {
		return errors.New("raw logout: wrong actions")
	}
	return nil
}

func passLogoutSides(tb testing.TB, rec *Recorder, entries int) (raw, sdk Op, err error) {
	base := passServer(tb, rec, entries)
	c, err := tvauth.New(tvauth.WithPassURL(base), tvauth.WithHTTPClient(sdkHTTPClient(tb)),
		tvauth.WithDevice(passDev), tvauth.WithPassCredentials(passCreds))
	if err != nil {
		return nil, nil, err
	}
	want := max(entries, 1)
	hc := rawClient(tb)
	tokens := &rawTokenCache{}
	raw = func(ctx context.Context) error { return rawLogout(ctx, hc, base, tokens, want) }
	req := tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision", RedirectURL: "https://adobe.com"}
	sdk = func(ctx context.Context) error {
		res, err := c.Pass.Logout(ctx, req)
		if err != nil {
			return err
		}
		if len(res.Actions) != want || res.Actions[0].URL == nil {
			return errors.New("sdk logout: wrong actions")
		}
		return nil
	}
	return raw, sdk, nil
}

func passLogoutPair(id, title string, entries int) Pair {
	return Pair{ID: id, Title: title, Items: entries,
		New: func(tb testing.TB, rec *Recorder) (Op, Op, error) { return passLogoutSides(tb, rec, entries) }}
}

func passLogoutParallelPair(goroutines int) Pair {
	return Pair{ID: "PassLogoutParallel", Title: "Pass logout, " + itoa(goroutines) + " goroutines sharing one client",
		Parallel: goroutines,
		New:      func(tb testing.TB, rec *Recorder) (Op, Op, error) { return passLogoutSides(tb, rec, 0) }}
}

func passTokenPair() Pair {
	return Pair{ID: "PassToken", Title: "Pass token fetch (DCR /o/client/token)",
		New: func(tb testing.TB, rec *Recorder) (Op, Op, error) {
			base := passServer(tb, rec, 0)
			c, err := tvauth.New(tvauth.WithPassURL(base), tvauth.WithHTTPClient(sdkHTTPClient(tb)))
			if err != nil {
				return nil, nil, err
			}
			hc := rawClient(tb)
			raw := func(ctx context.Context) error {
				tok, err := rawFetchToken(ctx, hc, base)
				if err == nil && tok.AccessToken != "2YotnFZFEjr1zCsicMWpAA" {
					err = errors.New("raw token: wrong token")
				}
				return err
			}
			sdk := func(ctx context.Context) error {
				tok, err := c.Pass.AccessToken(ctx, passCreds)
				if err == nil && tok.AccessToken != "2YotnFZFEjr1zCsicMWpAA" {
					err = errors.New("sdk token: wrong token")
				}
				return err
			}
			return raw, sdk, nil
		}}
}

type rawCredentials struct {
	ClientID, ClientSecret           string
	IssuedAt                         time.Time
	RedirectURIs, GrantTypes, Scopes []string
}

func passRegisterPair() Pair {
	const statement = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzb2Z0d2FyZS1zdGF0ZW1lbnQifQ.c2lnbmF0dXJl"
	return Pair{ID: "PassRegister", Title: "Pass register (DCR /o/client/register)",
		New: func(tb testing.TB, rec *Recorder) (Op, Op, error) {
			base := passServer(tb, rec, 0)
			c, err := tvauth.New(tvauth.WithPassURL(base), tvauth.WithHTTPClient(sdkHTTPClient(tb)), tvauth.WithDevice(passDev))
			if err != nil {
				return nil, nil, err
			}
			hc := rawClient(tb)
			raw := func(ctx context.Context) error {
				body, err := json.Marshal(struct {
					SoftwareStatement string `json:"software_statement"`
				}{statement})
				if err != nil {
					return err
				}
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/o/client/register", strings.NewReader(string(body)))
				if err != nil {
					return err
				}
				req.Header["Content-Type"] = []string{"application/json;charset=utf-8"}
				req.Header["X-Device-Info"] = []string{rawDeviceInfo}
				req.Header["User-Agent"] = []string{userAgent}
				req.Header["Accept"] = []string{"application/json"}
				resp, err := hc.Do(req)
				if err != nil {
					return err
				}
				b, err := readAll(resp)
				if err != nil {
					return err
				}
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
					return statusError(resp)
				}
				var w struct {
					ClientID     string   `json:"client_id"`
					ClientSecret string   `json:"client_secret"`
					IssuedAt     int64    `json:"client_id_issued_at"`
					RedirectURIs []string `json:"redirect_uris"`
					GrantTypes   []string `json:"grant_types"`
					Scopes       []string `json:"scopes"`
				}
				if err := json.Unmarshal(b, &w); err != nil {
					return err
				}
				creds := &rawCredentials{ClientID: w.ClientID, ClientSecret: w.ClientSecret, IssuedAt: time.Unix(w.IssuedAt, 0),
					RedirectURIs: w.RedirectURIs, GrantTypes: w.GrantTypes, Scopes: w.Scopes}
				if creds.ClientSecret != string(passCreds.ClientSecret) {
					return errors.New("raw register: wrong credentials")
				}
				return nil
			}
			sdk := func(ctx context.Context) error {
				creds, err := c.Pass.Register(ctx, statement)
				if err == nil && creds.ClientSecret != passCreds.ClientSecret {
					err = errors.New("sdk register: wrong credentials")
				}
				return err
			}
			return raw, sdk, nil
		}}
}
