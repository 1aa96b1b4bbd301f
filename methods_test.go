package tvauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
)

// The registry of every public method of the four service types. The fault matrix, the echoing-server
// redaction test, the bad-input rows and the retry counts (matrix_test.go, echo_test.go) range over it,
// and TestRegistryComplete fails when a service type has a method the registry lacks: a method added
// later cannot skip a promise.

// method is one registry row.
type method struct {
	name   string // "Pass.Register": the Client field and the method, as reflection names them
	family string // pass, clientless, webapi, ags

	// noNetwork, when set, says why the method makes no request; such a method has no call.
	noNetwork string
	// derived rows are not methods of a service type but a public way to reach the network through one
	// (a token source's Token): they are tested like methods, and skipped by the reflection check.
	derived bool

	httpMethod string // on the wire
	idempotent bool   // retried on 5xx and transport errors, not only on 429, 503 and refused connections
	// answer is the status of a successful reply, with answerHeader; the fault rows that spoil a body
	// send it, so that the method's decoder is what reads the spoiled body.
	answer       int
	answerHeader http.Header
	// decodes says whether an answer's body is read as data; when not, a spoiled body is still a success.
	decodes bool
	// nullOK, when set, says why an answer whose body is the JSON literal null is a success.
	nullOK string
	// poller: the method polls until a result or its context ends; server trouble (5xx, throttling, no
	// reply) does not end the wait, so those faults end with the context's deadline. calls is how many
	// pipeline calls a poll cycle makes before its first wait (WaitForProfile: the profile, then the
	// session once).
	poller bool
	calls  int

	// needs is the option without which the method fails with ErrNotConfigured before any request
	// (and before validating its input); "" when it works without one.
	needs string

	// call invokes the method with valid input carrying the secrets in sec.
	call func(ctx context.Context, c *tvauth.Client) error
	// bad are invalid inputs: each must fail with a *ValidationError naming field, before any I/O.
	bad []badInput
}

type badInput struct {
	field string
	call  func(ctx context.Context, c *tvauth.Client) error
}

// secret is a test secret: 80+ characters with " \ + / = in it, and three 20-character hex runs that no
// encoding changes (raw, URL- or JSON-escaped, quoted), so a leak of any form or of a long prefix shows.
type secret string

func newSecret(tag string) secret {
	sum := sha256.Sum256([]byte("tvauth registry secret " + tag))
	h := hex.EncodeToString(sum[:])
	b64 := base64.StdEncoding.EncodeToString(sum[:12])
	return secret(tag + `"` + h[0:20] + `\` + h[20:40] + `+/=` + h[40:60] + "/" + b64 + "==")
}

// runs are the hex runs a leak detector looks for.
func (s secret) runs() []string {
	var out []string
	hexRun := func(r rune) bool { return ('0' <= r && r <= '9') || ('a' <= r && r <= 'f') }
	for _, part := range strings.FieldsFunc(string(s), func(r rune) bool { return !hexRun(r) }) {
		if len(part) >= 20 {
			out = append(out, part)
		}
	}
	return out
}

// sec are the secrets the registry's calls carry.
var sec = struct {
	Bearer, Statement, ClientSecret, SubjectToken, ServiceToken, TempPass, SAML         secret
	Password, SecurID, WebToken, SessionSecret, SessionKey                              secret
	DiscoveryToken, AGSPassword, UserToken, Refresh, Activation, SessionToken, Operator secret
	Access, AGSToken                                                                    secret
}{
	Bearer: newSecret("bearer"), Statement: newSecret("statement"), ClientSecret: newSecret("clientsecret"),
	SubjectToken: newSecret("subject"), ServiceToken: newSecret("service"), TempPass: newSecret("temppass"),
	SAML: newSecret("saml"), Password: newSecret("password"), SecurID: newSecret("securid"),
	WebToken: newSecret("webtoken"), SessionSecret: newSecret("sessionsecret"), SessionKey: newSecret("sessionkey"),
	DiscoveryToken: newSecret("discovery"), AGSPassword: newSecret("agspassword"), UserToken: newSecret("usertoken"),
	Refresh: newSecret("refresh"), Activation: newSecret("activation"), SessionToken: newSecret("sessiontoken"),
	Operator: newSecret("operator"), Access: newSecret("access"), AGSToken: newSecret("agsaccess"),
}

// allSecrets lists every value of sec, by field name.
func allSecrets() map[string]secret {
	out := map[string]secret{}
	v := reflect.ValueOf(sec)
	for i := 0; i < v.NumField(); i++ {
		out[v.Type().Field(i).Name] = v.Field(i).Interface().(secret)
	}
	return out
}

// leaks names the secrets of which text shows any 16 characters of a hex run: the secret in any
// encoding, or a prefix long enough to matter. Each name says which form showed: raw, json-escaped,
// url-encoded, double-url-encoded (a URL-encoded copy of a form body), or part (a prefix, say).
func leaks(text string) []string {
	var out []string
	for name, s := range allSecrets() {
		found := false
		for _, run := range s.runs() {
			found = found || leaked(text, run)
		}
		if !found {
			continue
		}
		form := "part"
		for _, f := range []struct{ name, value string }{
			{"raw", string(s)}, {"json-escaped", jsonEscaped(string(s))}, {"url-encoded", url.QueryEscape(string(s))},
			{"url-encoded", url.PathEscape(string(s))}, {"double-url-encoded", url.QueryEscape(url.QueryEscape(string(s)))},
		} {
			if strings.Contains(text, f.value) {
				form = f.name
				break
			}
		}
		out = append(out, name+"("+form+")")
	}
	sort.Strings(out)
	return out
}

// leaked reports whether text holds 16 consecutive characters of run.
func leaked(text, run string) bool {
	const window = 16
	for i := 0; i+window <= len(run); i++ {
		if strings.Contains(text, run[i:i+window]) {
			return true
		}
	}
	return false
}

const (
	sp       = "REF30"
	mvpd     = "Cablevision"
	code     = "ABC1234"
	redirect = "https://app.example/signed-in"
)

var (
	passSSO  = tvauth.PassHeaders{SubjectToken: string(sec.SubjectToken), ServiceToken: string(sec.ServiceToken)}
	agsFirst = tvauth.SignOnRequest{
		Parameters:        []tvauth.Parameter{{Name: "username", Value: "jo@example.com"}, {Name: "password", Value: string(sec.AGSPassword)}},
		DeviceInformation: json.RawMessage(`{"deviceType":"STB","model":"STB-9"}`),
	}
	agsKnown  = tvauth.SignOnRequest{ClientID: "client-9"}
	agsChosen = tvauth.Account{UserAccountToken: string(sec.UserToken), AccountInformation: `{"id":"1"}`}
	clReq     = tvauth.ClientlessRequest{RequestorID: sp}
)

func webSession() *tvauth.WebAPISession {
	return &tvauth.WebAPISession{LoginID: "jo@example.com", Token: string(sec.WebToken),
		SessionSecret: string(sec.SessionSecret), SessionKey: string(sec.SessionKey), ExpiresIn: time.Hour}
}

// expiredAGSTokens make an AGS token source refresh on its first use.
func expiredAGSTokens(refresh string) *tvauth.Tokens {
	return &tvauth.Tokens{AccessToken: string(sec.AGSToken), RefreshToken: refresh, ClientID: "client-9",
		TokenType: "Bearer", ExpiresIn: 10 * time.Minute, ReceivedAt: time.Now().Add(-time.Hour)}
}

func ignore[T any](_ T, err error) error { return err }

// sharedAGSStore is an AGSTokenStore holding one user's expired tokens, for the SharedTokenSource row.
type sharedAGSStore struct {
	mu     sync.Mutex
	tokens map[string]tvauth.Tokens
	lease  chan struct{}
}

func newSharedAGSStore(refresh string) *sharedAGSStore {
	return &sharedAGSStore{tokens: map[string]tvauth.Tokens{"user-1": *expiredAGSTokens(refresh)}, lease: make(chan struct{}, 1)}
}

func (m *sharedAGSStore) LoadTokens(_ context.Context, key string) (tvauth.Tokens, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[key]
	if !ok {
		return tvauth.Tokens{}, tvauth.ErrNoTokens
	}
	return t, nil
}

func (m *sharedAGSStore) CompareAndSwapTokens(_ context.Context, key, old string, next tvauth.Tokens) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.tokens[key]; (ok && cur.RefreshToken != old) || (!ok && old != "") {
		return false, nil
	}
	m.tokens[key] = next
	return true, nil
}

func (m *sharedAGSStore) LockTokens(ctx context.Context, _ string) (func(), time.Duration, error) {
	select {
	case m.lease <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-m.lease }) }, time.Minute, nil
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
}

// registry is every public method of *PassService, *ClientlessService, *WebAPIService and *AGSService.
var registry = []method{
	// Adobe Pass REST API v2 and DCR.
	{name: "Pass.Register", family: "pass", httpMethod: "POST", answer: 201, decodes: true,
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.Register(ctx, string(sec.Statement)))
		},
		bad: []badInput{{"softwareStatement", func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Pass.Register(ctx, "")) }}}},
	{name: "Pass.RegisterClient", family: "pass", httpMethod: "POST", answer: 201, decodes: true,
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.RegisterClient(ctx, tvauth.RegisterRequest{SoftwareStatement: string(sec.Statement), RedirectURI: redirect}))
		},
		bad: []badInput{{"RedirectURI", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.RegisterClient(ctx, tvauth.RegisterRequest{SoftwareStatement: string(sec.Statement), RedirectURI: "http://a b/%zz"}))
		}}}},
	{name: "Pass.AccessToken", family: "pass", httpMethod: "POST", answer: 200, decodes: true,
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.AccessToken(ctx, tvauth.ClientCredentials{ClientID: "client-1", ClientSecret: string(sec.ClientSecret)}))
		},
		bad: []badInput{{"creds.ClientSecret", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.AccessToken(ctx, tvauth.ClientCredentials{ClientID: "client-1"}))
		}}}},
	{name: "Pass.TokenSource", family: "pass",
		noNetwork: "builds an oauth2.TokenSource; its fetches are the Pass.TokenSource.Token row"},
	{name: "Pass.TokenSource.Token", family: "pass", derived: true, httpMethod: "POST", answer: 200, decodes: true,
		// oauth2.TokenSource.Token takes no context: the fetch must end on its own.
		call: func(_ context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.TokenSource(tvauth.ClientCredentials{ClientID: "client-1", ClientSecret: string(sec.ClientSecret)}).Token())
		},
		bad: []badInput{{"creds.ClientID", func(_ context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.TokenSource(tvauth.ClientCredentials{ClientSecret: string(sec.ClientSecret)}).Token())
		}}}},
	{name: "Pass.LoadOrRegister", family: "pass", httpMethod: "POST", answer: 201, decodes: true,
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.LoadOrRegister(ctx, tvauth.NewMemoryCredentialStore(), string(sec.Statement)))
		},
		bad: []badInput{{"store", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.LoadOrRegister(ctx, nil, string(sec.Statement)))
		}}, {"softwareStatement", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.LoadOrRegister(ctx, tvauth.NewMemoryCredentialStore(), ""))
		}}}},
	{name: "Pass.Configuration", family: "pass", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Pass.Configuration(ctx, sp)) },
		bad: []badInput{{"serviceProvider", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.Configuration(ctx, ".."))
		}}}},
	{name: "Pass.CreateSession", family: "pass", httpMethod: "POST", answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: sp, MVPD: mvpd, DomainName: "adobe.com",
				RedirectURL: redirect, Headers: passSSO}))
		},
		bad: []badInput{{"RedirectURL", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: sp, MVPD: mvpd, DomainName: "adobe.com", RedirectURL: "/relative"}))
		}}, {"Headers.SubjectToken", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: sp, Headers: tvauth.PassHeaders{SubjectToken: "a\r\nX-Evil: 1"}}))
		}}}},
	{name: "Pass.ResumeSession", family: "pass", httpMethod: "POST", answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.ResumeSession(ctx, code, tvauth.SessionRequest{ServiceProvider: sp, MVPD: mvpd, DomainName: "adobe.com", RedirectURL: redirect}))
		},
		bad: []badInput{{"code", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.ResumeSession(ctx, "..", tvauth.SessionRequest{ServiceProvider: sp}))
		}}}},
	{name: "Pass.SessionInfo", family: "pass", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Pass.SessionInfo(ctx, sp, code)) },
		bad:  []badInput{{"code", func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Pass.SessionInfo(ctx, sp, "")) }}}},
	{name: "Pass.AuthenticateURL", family: "pass", noNetwork: "builds the URL a browser opens"},
	{name: "Pass.Profiles", family: "pass", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.Profiles(ctx, tvauth.ProfileRequest{ServiceProvider: sp, Headers: passSSO}))
		},
		bad: []badInput{{"ServiceProvider", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.Profiles(ctx, tvauth.ProfileRequest{ServiceProvider: "a\x00b"}))
		}}}},
	{name: "Pass.ProfileForMVPD", family: "pass", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.ProfileForMVPD(ctx, tvauth.ProfileRequest{ServiceProvider: sp, MVPD: mvpd, Headers: passSSO}))
		},
		bad: []badInput{{"MVPD", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.ProfileForMVPD(ctx, tvauth.ProfileRequest{ServiceProvider: sp}))
		}}}},
	{name: "Pass.ProfileForCode", family: "pass", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.ProfileForCode(ctx, tvauth.ProfileRequest{ServiceProvider: sp, Code: code}))
		},
		bad: []badInput{{"Code", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.ProfileForCode(ctx, tvauth.ProfileRequest{ServiceProvider: sp}))
		}}}},
	{name: "Pass.WaitForProfile", family: "pass", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, poller: true, calls: 2, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Pass.WaitForProfile(ctx, sp, code)) },
		bad:  []badInput{{"code", func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Pass.WaitForProfile(ctx, sp, ".")) }}}},
	{name: "Pass.Authorize", family: "pass", httpMethod: "POST", answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			h := passSSO
			h.TempPassIdentity = string(sec.TempPass)
			return ignore(c.Pass.Authorize(ctx, tvauth.DecisionRequest{ServiceProvider: sp, MVPD: mvpd, Resources: []string{"REF30"}, Headers: h}))
		},
		bad: []badInput{{"Resources", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.Authorize(ctx, tvauth.DecisionRequest{ServiceProvider: sp, MVPD: mvpd}))
		}}}},
	{name: "Pass.Preauthorize", family: "pass", httpMethod: "POST", answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.Preauthorize(ctx, tvauth.DecisionRequest{ServiceProvider: sp, MVPD: mvpd, Resources: []string{"REF30", "Live"}, Headers: passSSO}))
		},
		bad: []badInput{{"Resources", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.Preauthorize(ctx, tvauth.DecisionRequest{ServiceProvider: sp, MVPD: mvpd, Resources: []string{"REF30", ""}}))
		}}}},
	{name: "Pass.PartnerSession", family: "pass", httpMethod: "POST", answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.PartnerSession(ctx, tvauth.PartnerSessionRequest{ServiceProvider: sp, Partner: "Apple", DomainName: "adobe.com", RedirectURL: redirect}))
		},
		bad: []badInput{{"Partner", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.PartnerSession(ctx, tvauth.PartnerSessionRequest{ServiceProvider: sp, DomainName: "adobe.com", RedirectURL: redirect}))
		}}}},
	{name: "Pass.PartnerProfile", family: "pass", httpMethod: "POST", answer: 201, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.PartnerProfile(ctx, tvauth.PartnerProfileRequest{ServiceProvider: sp, Partner: "Apple", SAMLResponse: string(sec.SAML)}))
		},
		bad: []badInput{{"SAMLResponse", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.PartnerProfile(ctx, tvauth.PartnerProfileRequest{ServiceProvider: sp, Partner: "Apple"}))
		}}}},
	{name: "Pass.Logout", family: "pass", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sp, MVPD: mvpd, RedirectURL: redirect, Headers: passSSO}))
		},
		bad: []badInput{{"RedirectURL", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sp, MVPD: mvpd, RedirectURL: "javascript:alert(1)"}))
		}}}},

	// Adobe Pass REST API v1 (clientless).
	{name: "Clientless.AuthenticateURL", family: "clientless", noNetwork: "builds the URL a browser opens"},
	{name: "Clientless.Authenticate", family: "clientless", httpMethod: "GET", idempotent: true, answer: 302,
		answerHeader: http.Header{"Location": {"https://mvpd.example/login"}},
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.Authenticate(ctx, tvauth.AuthenticateRequest{RequestorID: sp, MSOID: mvpd, RegCode: "REG123",
				DomainName: "adobe.com", RedirectURL: redirect}))
		},
		bad: []badInput{{"RedirectURL", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.Authenticate(ctx, tvauth.AuthenticateRequest{RequestorID: sp, MSOID: mvpd, RegCode: "REG123",
				DomainName: "adobe.com", RedirectURL: "javascript:alert(1)"}))
		}}}},
	{name: "Clientless.CreateRegCode", family: "clientless", httpMethod: "POST", answer: 201, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: sp, TTL: 10 * time.Minute}))
		},
		bad: []badInput{{"TTL", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: sp, TTL: -time.Second}))
		}}}},
	{name: "Clientless.RegCode", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200, decodes: true,
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.RegCode(ctx, sp, "REG123"))
		},
		bad: []badInput{{"RegCode", func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Clientless.RegCode(ctx, sp, "")) }}}},
	{name: "Clientless.DeleteRegCode", family: "clientless", httpMethod: "DELETE", idempotent: true, answer: 200, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return c.Clientless.DeleteRegCode(ctx, sp, "REG123")
		},
		bad: []badInput{{"RequestorID", func(ctx context.Context, c *tvauth.Client) error {
			return c.Clientless.DeleteRegCode(ctx, "", "REG123")
		}}}},
	{name: "Clientless.Config", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200, decodes: true,
		call: func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Clientless.Config(ctx, sp)) },
		bad:  []badInput{{"RequestorID", func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Clientless.Config(ctx, "..")) }}}},
	{name: "Clientless.CheckAuthN", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Clientless.CheckAuthN(ctx, clReq)) },
		bad: []badInput{{"RequestorID", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.CheckAuthN(ctx, tvauth.ClientlessRequest{}))
		}}}},
	{name: "Clientless.CheckAuthNByRegCode", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200,
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.CheckAuthNByRegCode(ctx, sp, "REG123"))
		},
		bad: []badInput{{"RegCode", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.CheckAuthNByRegCode(ctx, sp, ""))
		}}}},
	{name: "Clientless.WaitForAuthN", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return c.Clientless.WaitForAuthN(ctx, clReq, time.Hour)
		},
		bad: []badInput{{"interval", func(ctx context.Context, c *tvauth.Client) error {
			return c.Clientless.WaitForAuthN(ctx, clReq, -time.Second)
		}}}},
	{name: "Clientless.AuthNToken", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Clientless.AuthNToken(ctx, clReq)) },
		bad: []badInput{{"RequestorID", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.AuthNToken(ctx, tvauth.ClientlessRequest{RequestorID: " "}))
		}}}},
	{name: "Clientless.Authorize", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.Authorize(ctx, tvauth.ClientlessAuthorizeRequest{RequestorID: sp, Resource: "REF30"}))
		},
		bad: []badInput{{"Resource", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.Authorize(ctx, tvauth.ClientlessAuthorizeRequest{RequestorID: sp}))
		}}}},
	{name: "Clientless.AuthZToken", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.AuthZToken(ctx, tvauth.ClientlessResourceRequest{RequestorID: sp, Resource: "REF30"}))
		},
		bad: []badInput{{"Resource", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.AuthZToken(ctx, tvauth.ClientlessResourceRequest{RequestorID: sp, Resource: " "}))
		}}}},
	{name: "Clientless.MediaToken", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.MediaToken(ctx, tvauth.ClientlessResourceRequest{RequestorID: sp, Resource: "REF30"}))
		},
		bad: []badInput{{"Resource", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.MediaToken(ctx, tvauth.ClientlessResourceRequest{RequestorID: sp}))
		}}}},
	{name: "Clientless.Preauthorize", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.Preauthorize(ctx, tvauth.ClientlessPreauthorizeRequest{RequestorID: sp, Resources: []string{"REF30", "Live"}}))
		},
		bad: []badInput{{"Resources", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.Preauthorize(ctx, tvauth.ClientlessPreauthorizeRequest{RequestorID: sp, Resources: []string{"a,b"}}))
		}}}},
	{name: "Clientless.PreauthorizeByRegCode", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200, decodes: true,
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.PreauthorizeByRegCode(ctx, "REG123", tvauth.ClientlessPreauthorizeRequest{RequestorID: sp, Resources: []string{"REF30"}}))
		},
		bad: []badInput{{"Resources", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.PreauthorizeByRegCode(ctx, "REG123", tvauth.ClientlessPreauthorizeRequest{RequestorID: sp}))
		}}}},
	{name: "Clientless.UserMetadata", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.UserMetadata(ctx, clReq))
		},
		bad: []badInput{{"RequestorID", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.UserMetadata(ctx, tvauth.ClientlessRequest{}))
		}}}},
	{name: "Clientless.FreePreview", family: "clientless", httpMethod: "POST", answer: 200, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return c.Clientless.FreePreview(ctx, tvauth.FreePreviewRequest{RequestorID: sp, MSOID: "TempPass", DomainName: "adobe.com"})
		},
		bad: []badInput{{"MSOID", func(ctx context.Context, c *tvauth.Client) error {
			return c.Clientless.FreePreview(ctx, tvauth.FreePreviewRequest{RequestorID: sp, DomainName: "adobe.com"})
		}}}},
	{name: "Clientless.Logout", family: "clientless", httpMethod: "DELETE", idempotent: true, answer: 200, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error { return c.Clientless.Logout(ctx, clReq) },
		bad: []badInput{{"RequestorID", func(ctx context.Context, c *tvauth.Client) error {
			return c.Clientless.Logout(ctx, tvauth.ClientlessRequest{})
		}}}},

	// NINA WebAPI.
	{name: "WebAPI.ClientLogin", family: "webapi", httpMethod: "POST", answer: 200, decodes: true, needs: "WithWebAPIDevID",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "jo@example.com", Password: string(sec.Password),
				SecurID: string(sec.SecurID), TokenType: "longterm"}))
		},
		bad: []badInput{{"Password", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "jo@example.com"}))
		}}, {"TokenType", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "jo@example.com", Password: string(sec.Password), TokenType: "forever"}))
		}}}},
	{name: "WebAPI.Logout", family: "webapi", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithWebAPIDevID",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: webSession(), LoginID: "jo@example.com"}))
		},
		bad: []badInput{{"Session", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{}))
		}}, {"Method", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: webSession(), Method: "PUT"}))
		}}}},

	// OpenTV AGS.
	{name: "AGS.ServiceDiscovery", family: "ags", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithAGSURL",
		call: func(ctx context.Context, c *tvauth.Client) error { return ignore(c.AGS.ServiceDiscovery(ctx)) },
		// ServiceDiscovery has no input but its context.
		bad: []badInput{{"ctx", func(_ context.Context, c *tvauth.Client) error { return ignore(c.AGS.ServiceDiscovery(nilContext)) }}}},
	{name: "AGS.ServiceDiscoveryWith", family: "ags", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithAGSURL",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.ServiceDiscoveryWith(ctx, tvauth.ServiceDiscoveryRequest{Token: string(sec.DiscoveryToken)}))
		},
		bad: []badInput{{"CorrelationID", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.ServiceDiscoveryWith(ctx, tvauth.ServiceDiscoveryRequest{CorrelationID: "a\nb"}))
		}}}},
	{name: "AGS.SignOn", family: "ags", httpMethod: "POST", answer: 201, decodes: true, needs: "WithAGSURL",
		call: func(ctx context.Context, c *tvauth.Client) error { return ignore(c.AGS.SignOn(ctx, agsFirst)) },
		bad: []badInput{{"ClientID", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: agsFirst.Parameters}))
		}}, {"DeviceInformation", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: agsFirst.Parameters, DeviceInformation: json.RawMessage(`[1]`)}))
		}}}},
	{name: "AGS.SubsequentSignOn", family: "ags", httpMethod: "POST", answer: 201, decodes: true, needs: "WithAGSURL",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.SubsequentSignOn(ctx, agsChosen, agsKnown))
		},
		bad: []badInput{{"UserAccountToken", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.SubsequentSignOn(ctx, tvauth.Account{}, agsKnown))
		}}}},
	{name: "AGS.Refresh", family: "ags", httpMethod: "POST", answer: 200, decodes: true, needs: "WithAGSURL",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.Refresh(ctx, string(sec.Refresh), tvauth.SignOnRequest{}))
		},
		bad: []badInput{{"refreshToken", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.Refresh(ctx, "Bearer ", tvauth.SignOnRequest{}))
		}}}},
	{name: "AGS.TokenSource", family: "ags",
		noNetwork: "builds an AGSTokenSource; its refreshes are the AGS.TokenSource.TokenContext row"},
	{name: "AGS.TokenSource.TokenContext", family: "ags", derived: true, httpMethod: "POST", answer: 200, decodes: true, needs: "WithAGSURL",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.TokenSource(expiredAGSTokens(string(sec.Refresh)), tvauth.SignOnRequest{}, nil).TokenContext(ctx))
		},
		bad: []badInput{{"RefreshToken", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.TokenSource(expiredAGSTokens(""), tvauth.SignOnRequest{}, nil).TokenContext(ctx))
		}}}},
	{name: "AGS.SharedTokenSource", family: "ags",
		noNetwork: "builds an AGSTokenSource on a shared store; its refreshes are the AGS.SharedTokenSource.TokenContext row"},
	{name: "AGS.SharedTokenSource.TokenContext", family: "ags", derived: true, httpMethod: "POST", answer: 200, decodes: true, needs: "WithAGSURL",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.SharedTokenSource(newSharedAGSStore(string(sec.Refresh)), "user-1", tvauth.SignOnRequest{}, nil).TokenContext(ctx))
		},
		bad: []badInput{{"RefreshToken", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.SharedTokenSource(newSharedAGSStore(""), "user-1", tvauth.SignOnRequest{}, nil).TokenContext(ctx))
		}}}},
	{name: "AGS.Register", family: "ags", httpMethod: "POST", answer: 201, decodes: true, needs: "WithAGSURL",
		nullOK: "a 201 without tokens is documented (Tokens nil); null says the same",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.Register(ctx, "tvkey", tvauth.SignOnRequest{Parameters: []tvauth.Parameter{{Name: "activationCode", Value: string(sec.Activation)}}}))
		},
		bad: []badInput{{"regType", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.Register(ctx, " ", tvauth.SignOnRequest{}))
		}}}},
	{name: "AGS.SubsequentRegister", family: "ags", httpMethod: "POST", answer: 201, decodes: true, needs: "WithAGSURL",
		nullOK: "a 201 without tokens is documented (Tokens nil); null says the same",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.SubsequentRegister(ctx, agsChosen, agsKnown))
		},
		bad: []badInput{{"UserAccountToken", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.SubsequentRegister(ctx, tvauth.Account{UserAccountToken: "a\x7fb"}, agsKnown))
		}}}},
	{name: "AGS.SignOnWithSessionToken", family: "ags", httpMethod: "POST", answer: 201, decodes: true, needs: "WithAGSURL",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.SignOnWithSessionToken(ctx, string(sec.SessionToken), agsKnown))
		},
		bad: []badInput{{"sessionToken", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.SignOnWithSessionToken(ctx, "", agsKnown))
		}}}},
	{name: "AGS.GetSessionToken", family: "ags", httpMethod: "POST", answer: 200, decodes: true, needs: "WithAGSURL",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.GetSessionToken(ctx, tvauth.SignOnRequest{Parameters: []tvauth.Parameter{{Name: "OperatorAuthToken", Value: string(sec.Operator)}}}))
		},
		bad: []badInput{{"Parameters", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.GetSessionToken(ctx, tvauth.SignOnRequest{Parameters: []tvauth.Parameter{{Value: "x"}}}))
		}}}},
	{name: "AGS.SignOut", family: "ags", httpMethod: "POST", answer: 200, needs: "WithAGSURL",
		call: func(ctx context.Context, c *tvauth.Client) error {
			return c.AGS.SignOut(ctx, string(sec.Access), tvauth.SignOnRequest{})
		},
		bad: []badInput{{"accessToken", func(ctx context.Context, c *tvauth.Client) error {
			return c.AGS.SignOut(ctx, "", tvauth.SignOnRequest{})
		}}}},
}

// nilContext is a nil context.Context, which the SDK refuses as bad input.
var nilContext context.Context

// networkMethods are the registry rows that make requests.
func networkMethods() []method {
	var out []method
	for _, m := range registry {
		if m.noNetwork == "" {
			out = append(out, m)
		}
	}
	return out
}

// TestRegistryComplete fails when a service type has a public method that the registry lacks, or when
// the registry names a method that no longer exists, or when a row is incomplete.
func TestRegistryComplete(t *testing.T) {
	t.Parallel()
	services := map[string]reflect.Type{
		"Pass":       reflect.TypeOf(&tvauth.PassService{}),
		"Clientless": reflect.TypeOf(&tvauth.ClientlessService{}),
		"WebAPI":     reflect.TypeOf(&tvauth.WebAPIService{}),
		"AGS":        reflect.TypeOf(&tvauth.AGSService{}),
	}
	have := map[string]method{}
	for _, m := range registry {
		if _, dup := have[m.name]; dup {
			t.Errorf("%s is in the registry twice", m.name)
		}
		have[m.name] = m
	}
	nMethods := 0
	for field, typ := range services {
		for i := 0; i < typ.NumMethod(); i++ {
			name := field + "." + typ.Method(i).Name
			nMethods++
			m, ok := have[name]
			switch {
			case !ok:
				t.Errorf("%s is missing from the registry: add a row (methods_test.go) so that every promise covers it", name)
			case m.derived:
				t.Errorf("%s is a method but marked derived", name)
			}
		}
	}
	for _, m := range registry {
		field, meth, _ := strings.Cut(m.name, ".")
		typ, ok := services[field]
		if !ok {
			t.Errorf("%s: no service %q", m.name, field)
			continue
		}
		if !m.derived {
			if _, ok := typ.MethodByName(meth); !ok {
				t.Errorf("%s is in the registry but not a method of %v", m.name, typ)
			}
		}
		switch {
		case m.noNetwork != "":
			if m.call != nil || m.bad != nil {
				t.Errorf("%s makes no request but has a call", m.name)
			}
		case m.call == nil || m.httpMethod == "" || m.answer == 0 || len(m.bad) == 0:
			t.Errorf("%s: incomplete row (call, HTTP method, answer status and a bad input are required)", m.name)
		case m.idempotent != (m.httpMethod == "GET" || m.httpMethod == "DELETE"):
			t.Errorf("%s: %s marked idempotent=%v", m.name, m.httpMethod, m.idempotent)
		}
	}
	if nMethods < 50 {
		t.Errorf("reflection found %d methods; the four service types have at least 50", nMethods)
	}
	t.Logf("registry: %d methods of the four service types (%d with network I/O), %d derived rows", nMethods, len(networkMethods())-countDerived(), countDerived())
}

func countDerived() int {
	n := 0
	for _, m := range registry {
		if m.derived {
			n++
		}
	}
	return n
}

// TestSecretsAreHostile checks the test secrets themselves: long, with every character an encoder
// treats specially, and each one detectable.
func TestSecretsAreHostile(t *testing.T) {
	t.Parallel()
	for name, s := range allSecrets() {
		if len(s) < 80 || !strings.ContainsAny(string(s), `"`) || !strings.Contains(string(s), `\`) ||
			!strings.ContainsAny(string(s), "+") || !strings.ContainsAny(string(s), "/") || !strings.ContainsAny(string(s), "=") {
			t.Errorf("secret %s = %q is not hostile enough", name, s)
		}
		if got := leaks(string(s)[:len(s)/2]); len(got) != 1 || got[0] != name+"(part)" {
			t.Errorf("half of secret %s is detected as %v", name, got)
		}
	}
}
