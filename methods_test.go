package tvauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
	"golang.org/x/oauth2"
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
	// noContext: the call takes no context (a token source's Token), so it has no nil-context case.
	noContext bool

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

	// A derived row that reaches the network through client options (WithPassCredentials, say) names
	// them in via. Its client gets its Pass bearer from passAuth instead of the lab's static
	// WithPassTokenSource (and, without WithPassTokenSource, from neither), plus options.
	via      []string
	passAuth func() tvauth.Option
	options  func() []tvauth.Option
	// before are the requests the path makes before the row's own (httpMethod, answer...): a
	// registration, a token fetch. The tables answer the steps before a fault as a working server
	// would, so that a fault hits each step in turn.
	before []step

	// call invokes the method with valid input carrying the secrets in sec.
	call func(ctx context.Context, c *tvauth.Client) error
	// bad are invalid inputs: each must fail with a *ValidationError naming field, before any I/O.
	bad []badInput
}

// step is one request of a path that precedes the row's own: its wire facts as a method row states
// them, the path that tells it apart, and the reply of a working server.
type step struct {
	name       string // "register", "token"
	path       string // the request path ends with it
	httpMethod string
	idempotent bool
	answer     int
	decodes    bool
	ok         func() string // a working server's reply body
}

// steps is how many requests the row's path makes when all goes well: its before steps and its own.
func (m method) steps() int { return len(m.before) + 1 }

// stepName names step k of m's path: a before step's name, or "call".
func (m method) stepName(k int) string {
	if k < len(m.before) {
		return m.before[k].name
	}
	return "call"
}

// at is m as step k of its path: for a before step, its wire facts (a Pass DCR request: family pass),
// for the last step, m itself. Fault rows and retry counts read a row through it.
func (m method) at(k int) method {
	if k >= len(m.before) {
		return m
	}
	s := m.before[k]
	return method{name: m.name + "@" + s.name, family: "pass", httpMethod: s.httpMethod, idempotent: s.idempotent,
		answer: s.answer, decodes: s.decodes, derived: true, calls: 1}
}

// stepOf is the step of m's path that r is: a before step whose method and path it has, else the
// row's own request.
func (m method) stepOf(r *http.Request) int {
	for i, s := range m.before {
		if r.Method == s.httpMethod && strings.HasSuffix(r.URL.Path, s.path) {
			return i
		}
	}
	return len(m.before)
}

// The steps of the Pass DCR token paths, answered with the registry's secrets: the client secret the
// registration hands out and the access token the token fetch hands out are secrets the SDK learns
// from a server, and must not leak either.
var (
	registerStep = step{name: "register", path: "/o/client/register", httpMethod: "POST", answer: 201, decodes: true,
		ok: func() string {
			b, _ := json.Marshal(map[string]any{"client_id": "client-1", "client_secret": string(sec.ClientSecret),
				"client_id_issued_at": 1700000000})
			return string(b)
		}}
	tokenStep = step{name: "token", path: "/o/client/token", httpMethod: "POST", answer: 200, decodes: true,
		ok: func() string {
			b, _ := json.Marshal(map[string]any{"access_token": string(sec.Bearer), "token_type": "bearer", "expires_in": 86400})
			return string(b)
		}}
)

// dcrCreds are the client credentials of the WithPassCredentials rows.
var dcrCreds = tvauth.ClientCredentials{ClientID: "client-1", ClientSecret: tvauth.Secret(sec.ClientSecret)}

// passTokenStore is an in-memory PassTokenStore, for the WithPassTokenStore rows: empty, so the first
// call fetches under its lease and saves.
type passTokenStore struct {
	mu     sync.Mutex
	tokens map[string]*oauth2.Token
	lease  chan struct{}
}

func newPassTokenStore() *passTokenStore {
	return &passTokenStore{tokens: map[string]*oauth2.Token{}, lease: make(chan struct{}, 1)}
}

func (m *passTokenStore) LoadPassToken(_ context.Context, clientID string) (*oauth2.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[clientID]
	if !ok {
		return nil, tvauth.ErrNoTokens
	}
	return t, nil
}

func (m *passTokenStore) SavePassToken(_ context.Context, clientID string, tok *oauth2.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[clientID] = tok
	return nil
}

func (m *passTokenStore) LockPassToken(ctx context.Context, _ string) (context.Context, func(), error) {
	return takeChanLease(ctx, m.lease)
}

// The rows of the calls that the Pass token path rows make (viaOptions).
var (
	passConfiguration = method{name: "Pass.Configuration", family: "pass", httpMethod: "GET", idempotent: true, answer: 200, decodes: true, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Pass.Configuration(ctx, sp)) },
		bad: []badInput{{"serviceProvider", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.Configuration(ctx, ".."))
		}}}}
	clientlessCheckAuthN = method{name: "Clientless.CheckAuthN", family: "clientless", httpMethod: "GET", idempotent: true, answer: 200, needs: "WithPassTokenSource",
		call: func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Clientless.CheckAuthN(ctx, clReq)) },
		bad: []badInput{{"RequestorID", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Clientless.CheckAuthN(ctx, tvauth.ClientlessRequest{}))
		}}}}
)

// viaOptions is m's call on a client whose Pass bearer comes from passAuth (and options), named
// "<m> via <name>": a derived row whose path is before and then the call, with the call's facts and
// bad input plus bad options.
func viaOptions(m method, name string, via []string, before []step, passAuth func() tvauth.Option, options func() []tvauth.Option, badOptions ...badInput) method {
	m.name += " via " + name
	m.derived, m.via, m.before, m.passAuth, m.options = true, via, before, passAuth, options
	m.bad = append(append([]badInput(nil), m.bad...), badOptions...)
	return m
}

// badOption is a bad input of an option: New refuses it with a *ValidationError naming the option.
func badOption(field string, opts ...tvauth.Option) badInput {
	return badInput{field, func(context.Context, *tvauth.Client) error { return ignore(tvauth.New(opts...)) }}
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
	passSSO  = tvauth.PassHeaders{SubjectToken: tvauth.Secret(sec.SubjectToken), ServiceToken: tvauth.Secret(sec.ServiceToken)}
	agsFirst = tvauth.SignOnRequest{
		Parameters:        []tvauth.Parameter{{Name: "username", Value: "jo@example.com"}, {Name: "password", Value: string(sec.AGSPassword)}},
		DeviceInformation: json.RawMessage(`{"deviceType":"STB","model":"STB-9"}`),
	}
	agsKnown  = tvauth.SignOnRequest{ClientID: "client-9"}
	agsChosen = tvauth.Account{UserAccountToken: tvauth.Secret(sec.UserToken), AccountInformation: `{"id":"1"}`}
	clReq     = tvauth.ClientlessRequest{RequestorID: sp}
)

func webSession() *tvauth.WebAPISession {
	return &tvauth.WebAPISession{LoginID: "jo@example.com", Token: tvauth.Secret(sec.WebToken),
		SessionSecret: tvauth.Secret(sec.SessionSecret), SessionKey: tvauth.Secret(sec.SessionKey), ExpiresIn: time.Hour}
}

// expiredAGSTokens make an AGS token source refresh on its first use.
func expiredAGSTokens(refresh string) *tvauth.Tokens {
	return &tvauth.Tokens{AccessToken: tvauth.Secret(sec.AGSToken), RefreshToken: tvauth.Secret(refresh), ClientID: "client-9",
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

func (m *sharedAGSStore) CompareAndSwapTokens(_ context.Context, key string, old tvauth.Secret, next tvauth.Tokens) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.tokens[key]; (ok && cur.RefreshToken != old) || (!ok && old != "") {
		return false, nil
	}
	m.tokens[key] = next
	return true, nil
}

func (m *sharedAGSStore) LockTokens(ctx context.Context, _ string) (context.Context, func(), error) {
	return takeChanLease(ctx, m.lease)
}

// takeChanLease is the test stores' lease: a one-slot channel, which never expires.
func takeChanLease(ctx context.Context, lease chan struct{}) (context.Context, func(), error) {
	select {
	case lease <- struct{}{}:
		held, cancel := context.WithCancel(ctx)
		var once sync.Once
		return held, func() { once.Do(func() { cancel(); <-lease }) }, nil
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// registry is every public method of *PassService, *ClientlessService, *WebAPIService and *AGSService.
var registry = []method{
	// Adobe Pass REST API v2 and DCR.
	{name: "Pass.Register", family: "pass", httpMethod: "POST", answer: 201, decodes: true,
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.Register(ctx, tvauth.Secret(sec.Statement)))
		},
		bad: []badInput{{"softwareStatement", func(ctx context.Context, c *tvauth.Client) error { return ignore(c.Pass.Register(ctx, "")) }}}},
	{name: "Pass.RegisterClient", family: "pass", httpMethod: "POST", answer: 201, decodes: true,
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.RegisterClient(ctx, tvauth.RegisterRequest{SoftwareStatement: tvauth.Secret(sec.Statement), RedirectURI: redirect}))
		},
		bad: []badInput{{"RedirectURI", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.RegisterClient(ctx, tvauth.RegisterRequest{SoftwareStatement: tvauth.Secret(sec.Statement), RedirectURI: "http://a b/%zz"}))
		}}}},
	{name: "Pass.AccessToken", family: "pass", httpMethod: "POST", answer: 200, decodes: true,
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.AccessToken(ctx, tvauth.ClientCredentials{ClientID: "client-1", ClientSecret: tvauth.Secret(sec.ClientSecret)}))
		},
		bad: []badInput{{"creds.ClientSecret", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.AccessToken(ctx, tvauth.ClientCredentials{ClientID: "client-1"}))
		}}}},
	{name: "Pass.TokenSource", family: "pass",
		noNetwork: "builds an oauth2.TokenSource; its fetches are the Pass.TokenSource.Token row"},
	{name: "Pass.TokenSource.Token", family: "pass", derived: true, noContext: true, httpMethod: "POST", answer: 200, decodes: true,
		// oauth2.TokenSource.Token takes no context: the fetch must end on its own.
		call: func(_ context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.TokenSource(tvauth.ClientCredentials{ClientID: "client-1", ClientSecret: tvauth.Secret(sec.ClientSecret)}).Token())
		},
		bad: []badInput{{"creds.ClientID", func(_ context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.TokenSource(tvauth.ClientCredentials{ClientSecret: tvauth.Secret(sec.ClientSecret)}).Token())
		}}}},
	{name: "Pass.LoadOrRegister", family: "pass", httpMethod: "POST", answer: 201, decodes: true,
		call: func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.LoadOrRegister(ctx, tvauth.NewMemoryCredentialStore(), tvauth.Secret(sec.Statement)))
		},
		bad: []badInput{{"store", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.LoadOrRegister(ctx, nil, tvauth.Secret(sec.Statement)))
		}}, {"softwareStatement", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.Pass.LoadOrRegister(ctx, tvauth.NewMemoryCredentialStore(), ""))
		}}}},
	passConfiguration,
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
			h.TempPassIdentity = tvauth.Secret(sec.TempPass)
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
			return ignore(c.Pass.PartnerProfile(ctx, tvauth.PartnerProfileRequest{ServiceProvider: sp, Partner: "Apple", SAMLResponse: tvauth.Secret(sec.SAML)}))
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
	clientlessCheckAuthN,
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
			return ignore(c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "jo@example.com", Password: tvauth.Secret(sec.Password),
				SecurID: tvauth.Secret(sec.SecurID), TokenType: "longterm"}))
		},
		bad: []badInput{{"Password", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "jo@example.com"}))
		}}, {"TokenType", func(ctx context.Context, c *tvauth.Client) error {
			return ignore(c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "jo@example.com", Password: tvauth.Secret(sec.Password), TokenType: "forever"}))
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
			return ignore(c.AGS.ServiceDiscoveryWith(ctx, tvauth.ServiceDiscoveryRequest{Token: tvauth.Secret(sec.DiscoveryToken)}))
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
			return ignore(c.AGS.Refresh(ctx, tvauth.Secret(sec.Refresh), tvauth.SignOnRequest{}))
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
	// Token() is the oauth2.TokenSource face that oauth2.NewClient calls with no context: the refresh
	// must end on its own, by the client's token fetch timeout.
	{name: "AGS.TokenSource.Token", family: "ags", derived: true, noContext: true, httpMethod: "POST", answer: 200, decodes: true, needs: "WithAGSURL",
		call: func(_ context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.TokenSource(expiredAGSTokens(string(sec.Refresh)), tvauth.SignOnRequest{}, nil).Token())
		},
		bad: []badInput{{"RefreshToken", func(_ context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.TokenSource(expiredAGSTokens(""), tvauth.SignOnRequest{}, nil).Token())
		}}}},
	{name: "AGS.SharedTokenSource.Token", family: "ags", derived: true, noContext: true, httpMethod: "POST", answer: 200, decodes: true, needs: "WithAGSURL",
		call: func(_ context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.SharedTokenSource(newSharedAGSStore(string(sec.Refresh)), "user-1", tvauth.SignOnRequest{}, nil).Token())
		},
		bad: []badInput{{"RefreshToken", func(_ context.Context, c *tvauth.Client) error {
			return ignore(c.AGS.SharedTokenSource(newSharedAGSStore(""), "user-1", tvauth.SignOnRequest{}, nil).Token())
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
			return ignore(c.AGS.SignOnWithSessionToken(ctx, tvauth.Secret(sec.SessionToken), agsKnown))
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
			return c.AGS.SignOut(ctx, tvauth.Secret(sec.Access), tvauth.SignOnRequest{})
		},
		bad: []badInput{{"accessToken", func(ctx context.Context, c *tvauth.Client) error {
			return c.AGS.SignOut(ctx, "", tvauth.SignOnRequest{})
		}}}},

	// The client's own Pass token paths: options that make every Pass and Clientless call fetch its
	// bearer first (and register first). Each is one Pass call through the path; the call itself is
	// its own row above.
	viaOptions(passConfiguration, "WithPassCredentials", []string{"WithPassCredentials"}, []step{tokenStep},
		func() tvauth.Option { return tvauth.WithPassCredentials(dcrCreds) }, nil,
		badOption("WithPassCredentials.ClientSecret", tvauth.WithPassCredentials(tvauth.ClientCredentials{ClientID: "client-1"}))),
	viaOptions(passConfiguration, "WithPassCredentialStore", []string{"WithPassCredentialStore"}, []step{registerStep, tokenStep},
		func() tvauth.Option {
			return tvauth.WithPassCredentialStore(tvauth.NewMemoryCredentialStore(), tvauth.Secret(sec.Statement))
		}, nil,
		badOption("WithPassCredentialStore", tvauth.WithPassCredentialStore(nil, tvauth.Secret(sec.Statement))),
		badOption("WithPassCredentialStore", tvauth.WithPassCredentialStore(tvauth.NewMemoryCredentialStore(), " "))),
	viaOptions(passConfiguration, "WithPassTokenStore", []string{"WithPassCredentials", "WithPassTokenStore"}, []step{tokenStep},
		func() tvauth.Option { return tvauth.WithPassCredentials(dcrCreds) },
		func() []tvauth.Option { return []tvauth.Option{tvauth.WithPassTokenStore(newPassTokenStore())} },
		badOption("WithPassTokenStore", tvauth.WithPassTokenStore(nil))),
	viaOptions(passConfiguration, "WithPassCredentialStore+WithPassTokenStore", []string{"WithPassCredentialStore", "WithPassTokenStore"}, []step{registerStep, tokenStep},
		func() tvauth.Option {
			return tvauth.WithPassCredentialStore(tvauth.NewMemoryCredentialStore(), tvauth.Secret(sec.Statement))
		},
		func() []tvauth.Option { return []tvauth.Option{tvauth.WithPassTokenStore(newPassTokenStore())} }),
	// A Clientless call takes the same path; its errors name its own family, not the DCR one's.
	viaOptions(clientlessCheckAuthN, "WithPassCredentialStore", []string{"WithPassCredentialStore"}, []step{registerStep, tokenStep},
		func() tvauth.Option {
			return tvauth.WithPassCredentialStore(tvauth.NewMemoryCredentialStore(), tvauth.Secret(sec.Statement))
		}, nil),

	// The Client's own methods.
	{name: "Client.CloseIdleConnections", family: "client", noNetwork: "closes idle connections of the SDK's own transport"},
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
		"Client":     reflect.TypeOf(&tvauth.Client{}),
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
	for _, m := range registry {
		switch {
		case len(m.via) > 0 && (!m.derived || m.passAuth == nil && m.options == nil):
			t.Errorf("%s goes through %v but is not a derived row with its options", m.name, m.via)
		case len(m.before) > 0 && len(m.via) == 0:
			t.Errorf("%s makes requests before its own but names no option that makes them", m.name)
		}
		for _, s := range m.before {
			if s.ok == nil || s.path == "" || s.answer == 0 || s.idempotent != (s.httpMethod == "GET" || s.httpMethod == "DELETE") {
				t.Errorf("%s: incomplete step %q", m.name, s.name)
			}
		}
	}
	if nMethods < 50 {
		t.Errorf("reflection found %d methods; the four service types have at least 50", nMethods)
	}
	t.Logf("registry: %d methods of the four service types and Client (%d with network I/O), %d derived rows", nMethods, len(networkMethods())-countDerived(), countDerived())
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

// The rest of the public API, and why it needs no row. TestRegistryCoversExportedAPI reads the
// package's exported declarations from its source (go/doc, as go doc does) and fails on any exported
// function, option, type with methods, or token source method that is in none of these lists nor in
// the registry: a new way to reach the network cannot go unnoticed, it must be classified here first.

// offlineOptions are the options that make no request of their own: they shape the requests the rows
// make. An option that does (a token fetch, a registration before a call) is instead named in the via
// of a derived row, and is then tested by every table through that row.
var offlineOptions = map[string]string{
	"WithPassTokenSource":   "the caller's own token source: the lab's default, behind every Pass and Clientless row",
	"WithHTTPClient":        "the transport of every row (the lab's counting one)",
	"WithTransportTimeouts": "timeouts of the transport the SDK builds",
	"WithPassURL":           "a base URL of every row (the lab's)",
	"WithClientlessURL":     "a base URL of every row (the lab's)",
	"WithWebAPIURL":         "a base URL of every row (the lab's)",
	"WithAGSURL":            "a base URL of every row (the lab's); the needs of the AGS rows",
	"WithRetry":             "the retry policy every row runs under (the lab's fastRetry)",
	"WithLogger":            "the log every row writes (the lab's, checked for leaks)",
	"WithObserver":          "the observer every row tells (the lab's recorder, checked for leaks and attempts)",
	"WithUserAgent":         "a header of every request",
	"WithDevice":            "device headers of every Pass request (the lab's device)",
	"WithTokenFetchTimeout": "bounds the token sources' fetches (the lab's 2 s)",
	"WithLeaseWaitTimeout":  "bounds the wait for a shared store's lease",
	"WithWebAPIDevID":       "devId of every WebAPI row; their needs",
	"WithAGSTenant":         "a header of every AGS request",
	"WithAGSAuthService":    "a header of every AGS request (the lab's)",
	"WithAGSHeader":         "a header of every AGS request",
}

// offlineFuncs are the exported functions that are not options and make no request.
var offlineFuncs = map[string]string{
	"New":                      "builds a Client; requests start with a call",
	"NewCorrelationID":         "a random id",
	"SessionKey":               "HMAC arithmetic",
	"Sign":                     "the WebAPI signature, computed locally",
	"SignatureBaseString":      "the WebAPI signature base string, computed locally",
	"AGSGeoBlocked":            "inspects an error",
	"AGSSessionEnded":          "inspects an error",
	"IsAGSCode":                "inspects an error",
	"NewFileCredentialStore":   "a file store; LoadOrRegister is the registry's row that uses a store",
	"NewMemoryCredentialStore": "an in-memory store",
	"AllowGroupOrOtherAccess":  "an option of the file store",
	"KeepLease":                "renews a lease through the caller's renew func (TestKeepLease)",
}

// offlineTypes are the exported types whose methods make no request: values, errors and stores that
// hold no Client. The types that do are the service types and Client (reflected over in
// TestRegistryComplete) and the token sources the producers return (tokenSourceProducers).
var offlineTypes = map[string]string{
	"AGSDeviceInformation": "JSON value", "AGSError": "error", "Account": "value", "AuthService": "discovery value",
	"ClientCredentials": "value", "DecisionsResult": "value",
	"DecodeError": "error", "Device": "value", "DeviceInfo": "value", "Endpoint": "discovery value",
	"FileCredentialStore": "a file on disk", "FrameworkStatus": "value", "LogoutAction": "value",
	"LogoutResult": "value", "MediaToken": "value", "MemoryCredentialStore": "memory", "Parameter": "value",
	"ParameterProperty": "JSON value", "PassError": "error",
	"Preauthorization": "value", "ProfileAttribute": "value", "ProfilesResult": "value",
	"RequestError": "error", "ServiceDiscovery": "value",
	"Secret": "a masked string", "Session": "value",
	"Tokens": "value", "UserMetadata": "value", "ValidationError": "error",
	"WebAPIError":   "error",
	"WebAPISession": "a session value; Sign and Resync compute locally (WebAPI.Logout is the row that sends one)",
}

// tokenSourceProducers build the token sources a caller can hold: every exported method of what they
// return is a derived row "<producer>.<Method>" of the registry or one of offlineTokenSourceMethods.
var tokenSourceProducers = map[string]func(c *tvauth.Client) any{
	"Pass.TokenSource": func(c *tvauth.Client) any { return c.Pass.TokenSource(dcrCreds) },
	"AGS.TokenSource": func(c *tvauth.Client) any {
		return c.AGS.TokenSource(expiredAGSTokens(string(sec.Refresh)), tvauth.SignOnRequest{}, nil)
	},
	"AGS.SharedTokenSource": func(c *tvauth.Client) any {
		return c.AGS.SharedTokenSource(newSharedAGSStore(string(sec.Refresh)), "user-1", tvauth.SignOnRequest{}, nil)
	},
}

var offlineTokenSourceMethods = map[string]string{
	"Invalidate": "drops the cached token; never waits for a fetch", "Tokens": "a copy of the current tokens",
	"UnmarshalJSON": "refuses every input (a token source has no JSON form)", "String": "names the source, nothing it holds",
}

// TestRegistryCoversExportedAPI fails when an exported function, option, method or token source
// method of the package is neither in the registry nor classified as making no request (above), or
// when a list names something that no longer exists.
func TestRegistryCoversExportedAPI(t *testing.T) {
	t.Parallel()
	pkg := exportedAPI(t)
	rows := map[string]method{}
	viaRows := map[string][]string{}
	for _, m := range registry {
		rows[m.name] = m
		for _, o := range m.via {
			viaRows[o] = append(viaRows[o], m.name)
		}
	}
	seen := map[string]bool{}
	for _, f := range pkg.funcs {
		seen[f.name] = true
		switch {
		case f.result == "Option":
			_, offline := offlineOptions[f.name]
			switch {
			case offline && len(viaRows[f.name]) > 0:
				t.Errorf("%s is listed as making no request but rows %v go through it", f.name, viaRows[f.name])
			case !offline && len(viaRows[f.name]) == 0:
				t.Errorf("option %s is unclassified: add a derived row whose via names it (if it makes requests of its own) or list it in offlineOptions", f.name)
			}
		case offlineFuncs[f.name] == "":
			t.Errorf("exported func %s is unclassified: add a registry row if it reaches the network, else list it in offlineFuncs", f.name)
		}
	}
	for _, list := range []map[string]string{offlineOptions, offlineFuncs} {
		for name := range list {
			if !seen[name] {
				t.Errorf("%s is listed but is no exported func of the package", name)
			}
		}
	}
	for o, names := range viaRows {
		if !seen[o] {
			t.Errorf("rows %v go through %s, which is no exported func of the package", names, o)
		}
	}

	// Types with methods: the service types and Client are TestRegistryComplete's; the token sources
	// are the producers'; the rest must be known to hold no client.
	client, err := tvauth.New(tvauth.WithAGSURL("http://127.0.0.1:1/ags"))
	if err != nil {
		t.Fatal(err)
	}
	produced := map[string]bool{}
	for producer, build := range tokenSourceProducers {
		if m, ok := rows[producer]; !ok || m.noNetwork == "" {
			t.Errorf("producer %s has no noNetwork row", producer)
		}
		v := build(client)
		typ := reflect.TypeOf(v)
		produced[strings.TrimPrefix(typ.String(), "*tvauth.")] = true
		for i := 0; i < typ.NumMethod(); i++ {
			name := producer + "." + typ.Method(i).Name
			m, ok := rows[name]
			switch {
			case ok && !m.derived:
				t.Errorf("%s is a token source's method but not a derived row", name)
			case !ok && offlineTokenSourceMethods[typ.Method(i).Name] == "":
				t.Errorf("%s (method of %v) is in neither the registry nor offlineTokenSourceMethods", name, typ)
			}
		}
	}
	services := map[string]bool{"PassService": true, "ClientlessService": true, "WebAPIService": true, "AGSService": true, "Client": true}
	seenTypes := map[string]bool{}
	for _, typ := range pkg.typesWithMethods {
		seenTypes[typ] = true
		if !services[typ] && !produced[typ] && offlineTypes[typ] == "" {
			t.Errorf("type %s has exported methods but is unclassified: rows for those that reach the network, or list it in offlineTypes", typ)
		}
	}
	for typ := range offlineTypes {
		if !seenTypes[typ] {
			t.Errorf("offlineTypes lists %s, which has no exported methods", typ)
		}
	}
	t.Logf("exported API: %d funcs (%d options through derived rows, %d offline; %d other funcs), %d types with methods",
		len(pkg.funcs), len(viaRows), len(offlineOptions), len(offlineFuncs), len(pkg.typesWithMethods))
}

// exportedFunc is an exported package-level func and the name of its single result type, if any.
type exportedFunc struct{ name, result string }

type apiSummary struct {
	funcs            []exportedFunc
	typesWithMethods []string
}

// exportedAPI reads the package's exported funcs and types with exported methods from its non-test
// source files, as go doc lists them.
func exportedAPI(t *testing.T) apiSummary {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, "github.com/tvauth/tvauth")
	if err != nil {
		t.Fatal(err)
	}
	var out apiSummary
	add := func(fs []*doc.Func) {
		for _, f := range fs {
			ef := exportedFunc{name: f.Name}
			if r := f.Decl.Type.Results; r != nil && len(r.List) == 1 {
				if id, ok := r.List[0].Type.(*ast.Ident); ok {
					ef.result = id.Name
				}
			}
			out.funcs = append(out.funcs, ef)
		}
	}
	add(p.Funcs)
	for _, typ := range p.Types {
		add(typ.Funcs)
		if len(typ.Methods) > 0 {
			out.typesWithMethods = append(out.typesWithMethods, typ.Name)
		}
	}
	if len(out.funcs) < 20 || len(out.typesWithMethods) < 20 {
		t.Fatalf("read %d funcs and %d types with methods: the source was not found", len(out.funcs), len(out.typesWithMethods))
	}
	return out
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
