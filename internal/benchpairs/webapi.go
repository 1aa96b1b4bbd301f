package benchpairs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
)

const (
	webapiDevID    = "ao1mAPUvUqkNA7Ca"
	webapiLoginID  = "alice"
	webapiPassword = "correct horse battery staple"
	webapiToken    = "bWFkZS11cC10b2tlbi1mb3ItdGVzdHMtb25seQ"
	webapiSecret   = "q0vGZ5yJ3H0bNn6m2E4x1rT8sWcKpLd9aUfVjXiYoRk"
)

const clientLoginBody = `{"response":{"statusCode":200,"statusText":"OK","data":{"hostTime":1311369996,"loginId":"alice","screenName":"alice","sessionSecret":"q0vGZ5yJ3H0bNn6m2E4x1rT8sWcKpLd9aUfVjXiYoRk","token":{"a":"bWFkZS11cC10b2tlbi1mb3ItdGVzdHMtb25seQ","expiresIn":"86400"},"tokenExpiresIn":86400}}}`

const webapiLogoutBody = `{"response":{"statusCode":200,"statusText":"OK","data":{}}}`

func webapiServer(tb testing.TB, rec *Recorder) string {
	return server(tb, rec, map[string]reply{
		"POST /auth/clientLogin": jsonReply(http.StatusOK, clientLoginBody),
		"GET /auth/logout":       jsonReply(http.StatusOK, webapiLogoutBody),
	}).URL
}

func webapiClient(tb testing.TB, base string) (*tvauth.Client, error) {
	return tvauth.New(tvauth.WithWebAPIURL(base), tvauth.WithWebAPIDevID(webapiDevID), tvauth.WithHTTPClient(sdkHTTPClient(tb)))
}

// rawEnvelope is the WebAPI JSON envelope.
type rawEnvelope[T any] struct {
	Response struct {
		StatusCode       int    `json:"statusCode"`
		StatusText       string `json:"statusText"`
		StatusDetailCode int    `json:"statusDetailCode"`
		RequestID        string `json:"requestId"`
		Data             T      `json:"data"`
	} `json:"response"`
}

type rawSession struct {
	LoginID, Token, SessionSecret, SessionKey string
	ExpiresIn                                 time.Duration
	HostTime, ReceivedAt                      time.Time
}

func webapiClientLoginPair() Pair {
	return Pair{ID: "WebAPIClientLogin", Title: "WebAPI clientLogin",
		New: func(tb testing.TB, rec *Recorder) (Op, Op, error) {
			base := webapiServer(tb, rec)
			c, err := webapiClient(tb, base)
			if err != nil {
				return nil, nil, err
			}
			hc := rawClient(tb)
			raw := func(ctx context.Context) error {
				form := "devId=" + enc(webapiDevID) + "&f=json&s=" + enc(webapiLoginID) + "&pwd=" + enc(webapiPassword)
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/auth/clientLogin", strings.NewReader(form))
				if err != nil {
					return err
				}
				req.Header["Content-Type"] = []string{"application/x-www-form-urlencoded"}
				req.Header["User-Agent"] = []string{userAgent}
				req.Header["Accept"] = []string{"application/json"}
				resp, err := hc.Do(req)
				if err != nil {
					return err
				}
				body, err := readAll(resp)
				if err != nil {
					return err
				}
				var env rawEnvelope[struct {
					HostTime      int64  `json:"hostTime"`
					LoginID       string `json:"loginId"`
					SessionSecret string `json:"sessionSecret"`
					Token         struct {
						A         string `json:"a"`
						ExpiresIn string `json:"expiresIn"`
					} `json:"token"`
				}]
				if err := json.Unmarshal(body, &env); err != nil {
					return err
				}
				if env.Response.StatusCode != http.StatusOK {
					return errors.New("raw clientLogin: statusCode " + strconv.Itoa(env.Response.StatusCode))
				}
				d := env.Response.Data
				exp, err := strconv.Atoi(d.Token.ExpiresIn)
				if err != nil {
					return err
				}
				m := hmac.New(sha256.New, []byte(webapiPassword))
				m.Write([]byte(d.SessionSecret))
				sess := &rawSession{LoginID: d.LoginID, Token: d.Token.A, SessionSecret: d.SessionSecret,
					SessionKey: base64.StdEncoding.EncodeToString(m.Sum(nil)), ExpiresIn: time.Duration(exp) * time.Second,
					HostTime: time.Unix(d.HostTime, 0), ReceivedAt: time.Now()}
				if sess.Token != webapiToken {
					return errors.New("raw clientLogin: wrong token")
				}
				return nil
			}
			req := tvauth.ClientLoginRequest{LoginID: webapiLoginID, Password: webapiPassword}
			sdk := func(ctx context.Context) error {
				sess, err := c.WebAPI.ClientLogin(ctx, req)
				if err == nil && (sess.Token != webapiToken || sess.SessionKey == "") {
					err = errors.New("sdk clientLogin: wrong session")
				}
				return err
			}
			return raw, sdk, nil
		}}
}

func webapiLogoutPair() Pair {
	return Pair{ID: "WebAPILogout", Title: "WebAPI signed logout",
		New: func(tb testing.TB, rec *Recorder) (Op, Op, error) {
			base := webapiServer(tb, rec)
			c, err := webapiClient(tb, base)
			if err != nil {
				return nil, nil, err
			}
			key := tvauth.SessionKey(webapiPassword, webapiSecret)
			sess := &tvauth.WebAPISession{LoginID: webapiLoginID, Token: webapiToken, SessionSecret: webapiSecret, SessionKey: key}
			hc := rawClient(tb)
			raw := func(ctx context.Context) error {
				params, sig := rawSign(http.MethodGet, base+"/auth/logout", []string{"a", "devId", "f"},
					[]string{webapiToken, webapiDevID, "json"}, string(key))
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/auth/logout?"+params+"&sig_sha256="+enc(sig), nil)
				if err != nil {
					return err
				}
				req.Header["User-Agent"] = []string{userAgent}
				req.Header["Accept"] = []string{"application/json"}
				resp, err := hc.Do(req)
				if err != nil {
					return err
				}
				body, err := readAll(resp)
				if err != nil {
					return err
				}
				var env rawEnvelope[map[string]string]
				if err := json.Unmarshal(body, &env); err != nil {
					return err
				}
				if env.Response.StatusCode != http.StatusOK {
					return errors.New("raw logout: statusCode " + strconv.Itoa(env.Response.StatusCode))
				}
				return nil
			}
			req := tvauth.WebAPILogoutRequest{Session: sess}
			sdk := func(ctx context.Context) error {
				rep, err := c.WebAPI.Logout(ctx, req)
				if err == nil && rep.StatusCode != http.StatusOK {
					err = errors.New("sdk logout: wrong status")
				}
				return err
			}
			return raw, sdk, nil
		}}
}

func sessionKeyPair() Pair {
	return Pair{ID: "SessionKey", Title: "SessionKey vs crypto/hmac + base64",
		New: func(testing.TB, *Recorder) (Op, Op, error) {
			want := tvauth.SessionKey(webapiPassword, webapiSecret)
			raw := func(context.Context) error {
				m := hmac.New(sha256.New, []byte(webapiPassword))
				m.Write([]byte(webapiSecret))
				if base64.StdEncoding.EncodeToString(m.Sum(nil)) != string(want) {
					return errors.New("raw session key differs")
				}
				return nil
			}
			sdk := func(context.Context) error {
				if tvauth.SessionKey(webapiPassword, webapiSecret) != want {
					return errors.New("sdk session key differs")
				}
				return nil
			}
			return raw, sdk, nil
		}}
}

// signPair is Sign over n parameters (the first five are a NINA call's) against the same signature
// computed by hand.
func signPair(id, title string, n int, family bool) Pair {
	items := 0
	if family {
		items = n
	}
	return Pair{ID: id, Title: title, Items: items,
		New: func(testing.TB, *Recorder) (Op, Op, error) {
			const rawURL = "https://api.screenname.nina.bz/auth/getInfo"
			keys := []string{"a", "devId", "f", "ts", "referer"}
			values := []string{webapiToken, webapiDevID, "json", "1311369996", "https://www.example.com/tv?x=1&y=two words"}
			for i := len(keys); i < n; i++ {
				keys = append(keys, "p"+strconv.Itoa(i))
				values = append(values, "value "+strconv.Itoa(i)+"/ü")
			}
			keys, values = keys[:n], values[:n]
			params := url.Values{}
			for i := range keys {
				params.Add(keys[i], values[i])
			}
			key := tvauth.SessionKey(webapiPassword, webapiSecret)
			_, want := rawSign(http.MethodGet, rawURL, keys, values, string(key))
			if got, err := tvauth.Sign(http.MethodGet, rawURL, params, key); err != nil || got != want {
				return nil, nil, errors.New("the SDK and the hand-built signature differ")
			}
			raw := func(context.Context) error {
				if _, sig := rawSign(http.MethodGet, rawURL, keys, values, string(key)); len(sig) != len(want) {
					return errors.New("raw signature differs")
				}
				return nil
			}
			sdk := func(context.Context) error {
				sig, err := tvauth.Sign(http.MethodGet, rawURL, params, key)
				if err == nil && len(sig) != len(want) {
					err = errors.New("sdk signature differs")
				}
				return err
			}
			return raw, sdk, nil
		}}
}
