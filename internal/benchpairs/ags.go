package benchpairs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
)

const (
	agsAuthService   = "Customer Auth Service"
	agsTenant        = "nagra"
	agsCorrelationID = "6f1d2c3b-4a5e-4f70-8192-a3b4c5d6e7f8"
	agsClientID      = "abc3fj6sdehd529ng33dg"
	agsRefreshToken  = "eyJ0eXAiOiJSZWZyZXNoQXV0aE4ifQ.cmVmcmVzaA.c2ln"
)

var agsParams = []tvauth.Parameter{{Name: "Username", Value: "alice"}, {Name: "Password", Value: "s3cret!"}}

const agsDiscoveryBody = `{
  "availableServices": [
    {
      "authServiceName": "Customer Auth Service",
      "displayAttributes": {
        "logo": "http://customer.com/auth.jpg",
        "name": "Customer Authentication"
      },
      "endpoints": [
        {
          "name": "SIGNON",
          "path": "/signOn",
          "parameterProperties": [
            { "name": "Username", "mandatory": true, "isPassword": false },
            { "name": "Password", "mandatory": true, "isPassword": true }
          ]
        }
      ]
    }
  ]
}`

func agsTokensBody(clientID string) string {
	return `{
  "access_token": "eyJraWQiOiIyNTk2MjkiLCJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2NvdW50UHJvZmlsZUlkIjoiREVGQVVMVCIsInRlbmFudElkIjoibmFncmEiLCJmaWx0ZXJpbmdJbmZvcm1hdGlvbiI6e30sImJsb2NraW5nSW5mb3JtYXRpb24iOnt9LCJhY2NvdW50SWQiOiIxNjYzIiwidXNlcklkIjoiMTY2MyIsInZlciI6IjEuMCIsImdlb0Jsb2NrRXhlbXB0IjpmYWxzZSwicGFyZW50YWxDb250cm9sIjpudWxsLCJ0eXAiOiJEZXZBdXRoTiIsImp0aSI6IjQ3ODkwMjM0MjM3MTQwODk0NzkiLCJwbGF5b3V0RGV2aWNlQ2xhc3MiOm51bGwsImRldmljZUlkIjoiYWJjM2ZqNnNkZWhkNTI5bmczM2RnIiwiZXhwIjoxNjUwMDAzNjAwfQ.Hk2fV8qP1sW6xZ3cB9nM4lJ7tR0yE5uI2oA8dG6hKj0",
  "refresh_token": "eyJraWQiOiIyNTk2MjkiLCJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXAiOiJSZWZyZXNoQXV0aE4iLCJ2ZXIiOiIxLjAiLCJleHAiOjE2NTAxNzI4MDAsImZpeGVkX2V4cCI6MTY1Nzc3NjAwMCwidGVuYW50SWQiOiJuYWdyYSIsImFjY291bnRJZCI6IjE2NjMiLCJ1c2VySWQiOiIxNjYzIiwiZGV2aWNlSWQiOiJhYmMzZmo2c2RlaGQ1MjluZzMzZGcifQ.Pq9wE2rT5yU8iO1pA4sD7fG0hJ3kL6zX9cV2bN5mQw8",
  "client_id": "` + clientID + `",
  "accountId": "1663",
  "token_type": "bearer",
  "expires_in": 3600,
  "refresh_expires_in": 172800,
  "fixed_refresh_expires_in": 7776000
}`
}

// agsAccountsBody is the documented 300 sample (two accounts) for n = 0, else n generated accounts.
func agsAccountsBody(n int) string {
	account := func(id string) string {
		return `{
      "accountInformation": "{\"apellido\":\"London bride is falling down\",\"cuenta\":\"` + id + `\",\"direccion\":null,\"estado\":null,\"nombre\":\"My fair lady.\",\"numeroIdentificacion\":null,\"telAdicional\":null}",
      "userAccountToken": "uat-` + id + `-6f1d2c3b4a5e6f708192a3b4c5d6e7f8"
    }`
	}
	ids := []string{"1660", "1663"}
	if n > 0 {
		ids = make([]string, n)
		for i := range ids {
			ids[i] = strconv.Itoa(1000 + i)
		}
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = account(id)
	}
	return "{\n  \"accounts\": [\n    " + strings.Join(parts, ",\n    ") + "\n  ]\n}"
}

func agsServer(tb testing.TB, rec *Recorder, signOn reply) string {
	return server(tb, rec, map[string]reply{
		"GET /ags/servicediscovery":  jsonReply(http.StatusOK, agsDiscoveryBody),
		"POST /ags/signOn":           signOn,
		"POST /ags/subsequentSignOn": jsonReply(http.StatusCreated, agsTokensBody("PUB_989")),
		"POST /ags/refresh":          jsonReply(http.StatusOK, agsTokensBody("PUB_989")),
		"POST /ags/signOut":          {status: http.StatusNoContent},
		"POST /ags/register/TVKEY":   jsonReply(http.StatusCreated, agsTokensBody(agsClientID)),
	}).URL + "/ags"
}

func agsClient(tb testing.TB, base string) (*tvauth.Client, error) {
	return tvauth.New(tvauth.WithAGSURL(base), tvauth.WithAGSAuthService(agsAuthService), tvauth.WithAGSTenant(agsTenant),
		tvauth.WithHTTPClient(sdkHTTPClient(tb)))
}

// rawAGS sends one AGS request by hand with the headers every AGS call carries.
func rawAGS(ctx context.Context, hc *http.Client, method, url string, body []byte, extra ...string) (*http.Response, []byte, error) {
	var rd *bytes.Reader
	var req *http.Request
	var err error
	if body != nil {
		rd = bytes.NewReader(body)
		req, err = http.NewRequestWithContext(ctx, method, url, rd)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, url, nil)
	}
	if err != nil {
		return nil, nil, err
	}
	req.Header["Accept"] = []string{"application/json"}
	req.Header["X-Auth-Service-Id"] = []string{agsAuthService}
	req.Header["Nv-Tenant-Id"] = []string{agsTenant}
	req.Header["X-Correlation-Id"] = []string{agsCorrelationID}
	req.Header["User-Agent"] = []string{userAgent}
	if body != nil {
		req.Header["Content-Type"] = []string{"application/json"}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header[extra[i]] = []string{extra[i+1]}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	b, err := readAll(resp)
	return resp, b, err
}

type rawParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type rawAGSBody struct {
	Parameters []rawParameter `json:"parameters"`
	ClientID   string         `json:"clientId,omitempty"`
}

func rawAGSParams() []rawParameter {
	ps := make([]rawParameter, len(agsParams))
	for i, p := range agsParams {
		ps[i] = rawParameter(p)
	}
	return ps
}

type rawTokens struct {
	AccessToken, RefreshToken, ClientID, AccountID, TokenType string
	ExpiresIn, RefreshExpiresIn, FixedRefreshExpiresIn        time.Duration
	ReceivedAt                                                time.Time
}

func rawDecodeTokens(b []byte) (*rawTokens, error) {
	var w struct {
		AccessToken           string  `json:"access_token"`
		RefreshToken          string  `json:"refresh_token"`
		ClientID              string  `json:"client_id"`
		AccountID             string  `json:"accountId"`
		TokenType             string  `json:"token_type"`
		ExpiresIn             float64 `json:"expires_in"`
		RefreshExpiresIn      float64 `json:"refresh_expires_in"`
		FixedRefreshExpiresIn float64 `json:"fixed_refresh_expires_in"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	if w.AccessToken == "" {
		return nil, errors.New("no access_token")
	}
	return &rawTokens{AccessToken: w.AccessToken, RefreshToken: w.RefreshToken, ClientID: w.ClientID, AccountID: w.AccountID,
		TokenType: w.TokenType, ExpiresIn: time.Duration(w.ExpiresIn * float64(time.Second)),
		RefreshExpiresIn:      time.Duration(w.RefreshExpiresIn * float64(time.Second)),
		FixedRefreshExpiresIn: time.Duration(w.FixedRefreshExpiresIn * float64(time.Second)), ReceivedAt: time.Now()}, nil
}

type rawAccount struct {
	UserAccountToken, AccountInformation string
	Raw                                  json.RawMessage
}

func rawDecodeAccounts(b []byte) ([]rawAccount, error) {
	var w struct {
		Accounts []json.RawMessage `json:"accounts"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	out := make([]rawAccount, len(w.Accounts))
	for i, raw := range w.Accounts {
		var a struct {
			AccountInformation string `json:"accountInformation"`
			UserAccountToken   string `json:"userAccountToken"`
		}
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, err
		}
		out[i] = rawAccount{UserAccountToken: a.UserAccountToken, AccountInformation: a.AccountInformation, Raw: raw}
	}
	return out, nil
}

func agsDiscoveryPair() Pair {
	return Pair{ID: "AGSDiscovery", Title: "AGS service discovery",
		New: func(tb testing.TB, rec *Recorder) (Op, Op, error) {
			base := agsServer(tb, rec, jsonReply(http.StatusCreated, agsTokensBody(agsClientID)))
			c, err := agsClient(tb, base)
			if err != nil {
				return nil, nil, err
			}
			hc := rawClient(tb)
			raw := func(ctx context.Context) error {
				resp, b, err := rawAGS(ctx, hc, http.MethodGet, base+"/servicediscovery", nil)
				if err != nil {
					return err
				}
				if resp.StatusCode != http.StatusOK {
					return statusError(resp)
				}
				var d struct {
					AvailableServices []struct {
						AuthServiceName   string `json:"authServiceName"`
						DisplayAttributes struct {
							Logo string `json:"logo"`
							Name string `json:"name"`
						} `json:"displayAttributes"`
						Endpoints []struct {
							Name                string `json:"name"`
							Path                string `json:"path"`
							ParameterProperties []struct {
								Name       string `json:"name"`
								Mandatory  bool   `json:"mandatory"`
								IsPassword bool   `json:"isPassword"`
							} `json:"parameterProperties"`
						} `json:"endpoints"`
					} `json:"availableServices"`
				}
				if err := json.Unmarshal(b, &d); err != nil {
					return err
				}
				if len(d.AvailableServices) != 1 || len(d.AvailableServices[0].Endpoints[0].ParameterProperties) != 2 {
					return errors.New("raw discovery: wrong services")
				}
				return nil
			}
			req := tvauth.ServiceDiscoveryRequest{CorrelationID: agsCorrelationID}
			sdk := func(ctx context.Context) error {
				d, err := c.AGS.ServiceDiscoveryWith(ctx, req)
				if err == nil && (len(d.AvailableServices) != 1 || len(d.AvailableServices[0].Endpoints[0].ParameterProperties) != 2) {
					err = errors.New("sdk discovery: wrong services")
				}
				return err
			}
			return raw, sdk, nil
		}}
}

func agsSignOnPair() Pair {
	return Pair{ID: "AGSSignOn201", Title: "AGS signOn 201",
		New: func(tb testing.TB, rec *Recorder) (Op, Op, error) {
			base := agsServer(tb, rec, jsonReply(http.StatusCreated, agsTokensBody(agsClientID)))
			c, err := agsClient(tb, base)
			if err != nil {
				return nil, nil, err
			}
			hc := rawClient(tb)
			raw := func(ctx context.Context) error {
				body, err := json.Marshal(rawAGSBody{Parameters: rawAGSParams(), ClientID: agsClientID})
				if err != nil {
					return err
				}
				resp, b, err := rawAGS(ctx, hc, http.MethodPost, base+"/signOn", body)
				if err != nil {
					return err
				}
				if resp.StatusCode != http.StatusCreated {
					return statusError(resp)
				}
				t, err := rawDecodeTokens(b)
				if err == nil && t.ClientID != agsClientID {
					err = errors.New("raw signOn: wrong tokens")
				}
				return err
			}
			req := tvauth.SignOnRequest{Parameters: agsParams, ClientID: agsClientID, CorrelationID: agsCorrelationID}
			sdk := func(ctx context.Context) error {
				res, err := c.AGS.SignOn(ctx, req)
				if err == nil && (res.Tokens == nil || res.Tokens.ClientID != agsClientID) {
					err = errors.New("sdk signOn: wrong tokens")
				}
				return err
			}
			return raw, sdk, nil
		}}
}

func agsRefreshPair() Pair {
	return Pair{ID: "AGSRefresh", Title: "AGS refresh",
		New: func(tb testing.TB, rec *Recorder) (Op, Op, error) {
			base := agsServer(tb, rec, jsonReply(http.StatusCreated, agsTokensBody(agsClientID)))
			c, err := agsClient(tb, base)
			if err != nil {
				return nil, nil, err
			}
			hc := rawClient(tb)
			raw := func(ctx context.Context) error {
				body, err := json.Marshal(rawAGSBody{Parameters: []rawParameter{}})
				if err != nil {
					return err
				}
				resp, b, err := rawAGS(ctx, hc, http.MethodPost, base+"/refresh", body, "Authorization", "Bearer "+agsRefreshToken)
				if err != nil {
					return err
				}
				if resp.StatusCode != http.StatusOK {
					return statusError(resp)
				}
				t, err := rawDecodeTokens(b)
				if err == nil && t.ClientID != "PUB_989" {
					err = errors.New("raw refresh: wrong tokens")
				}
				return err
			}
			req := tvauth.SignOnRequest{CorrelationID: agsCorrelationID}
			sdk := func(ctx context.Context) error {
				t, err := c.AGS.Refresh(ctx, agsRefreshToken, req)
				if err == nil && t.ClientID != "PUB_989" {
					err = errors.New("sdk refresh: wrong tokens")
				}
				return err
			}
			return raw, sdk, nil
		}}
}

// agsSignOn300Sides is signOn answered 300 with n accounts (0: the documented two), then, when
// subsequent is set, subsequentSignOn with the first account.
func agsSignOn300Sides(tb testing.TB, rec *Recorder, n int, subsequent bool) (Op, Op, error) {
	base := agsServer(tb, rec, jsonReply(http.StatusMultipleChoices, agsAccountsBody(n)))
	c, err := agsClient(tb, base)
	if err != nil {
		return nil, nil, err
	}
	want := n
	if n == 0 {
		want = 2
	}
	hc := rawClient(tb)
	raw := func(ctx context.Context) error {
		body, err := json.Marshal(rawAGSBody{Parameters: rawAGSParams(), ClientID: agsClientID})
		if err != nil {
			return err
		}
		resp, b, err := rawAGS(ctx, hc, http.MethodPost, base+"/signOn", body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusMultipleChoices {
			return statusError(resp)
		}
		accounts, err := rawDecodeAccounts(b)
		if err != nil {
			return err
		}
		if len(accounts) != want {
			return errors.New("raw signOn: wrong accounts")
		}
		if !subsequent {
			return nil
		}
		body, err = json.Marshal(rawAGSBody{Parameters: rawAGSParams(), ClientID: agsClientID})
		if err != nil {
			return err
		}
		resp, b, err = rawAGS(ctx, hc, http.MethodPost, base+"/subsequentSignOn", body, "User-Token", accounts[0].UserAccountToken)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusCreated {
			return statusError(resp)
		}
		t, err := rawDecodeTokens(b)
		if err == nil && t.ClientID != "PUB_989" {
			err = errors.New("raw subsequentSignOn: wrong tokens")
		}
		return err
	}
	req := tvauth.SignOnRequest{Parameters: agsParams, ClientID: agsClientID, CorrelationID: agsCorrelationID}
	sdk := func(ctx context.Context) error {
		res, err := c.AGS.SignOn(ctx, req)
		if err != nil {
			return err
		}
		if len(res.Accounts) != want {
			return errors.New("sdk signOn: wrong accounts")
		}
		if !subsequent {
			return nil
		}
		t, err := c.AGS.SubsequentSignOn(ctx, res.Accounts[0], req)
		if err == nil && t.ClientID != "PUB_989" {
			err = errors.New("sdk subsequentSignOn: wrong tokens")
		}
		return err
	}
	return raw, sdk, nil
}

func agsSignOn300Pair() Pair {
	return Pair{ID: "AGSSignOn300", Title: "AGS signOn 300 -> subsequentSignOn",
		New: func(tb testing.TB, rec *Recorder) (Op, Op, error) { return agsSignOn300Sides(tb, rec, 0, true) }}
}

func agsAccountsPair(n int) Pair {
	return Pair{ID: "AGSSignOn300Accounts/items=" + itoa(n), Title: "AGS signOn 300, " + itoa(n) + " accounts", Items: n,
		New: func(tb testing.TB, rec *Recorder) (Op, Op, error) { return agsSignOn300Sides(tb, rec, n, false) }}
}
