package tvauth

// authn.go: Adobe Pass sign-in: DCR credentials, tokens, sessions, the MVPD login URL, configuration.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// ClientCredentials are what Dynamic Client Registration issues for one application instance. Adobe
// requires them to persist across restarts (losing them forces users to sign in again): keep them in a
// CredentialStore. They never expire, but Adobe may revoke them (a token fetch then fails with
// invalid_client, which matches ErrUnauthorized): register again.
type ClientCredentials struct {
	ClientID     string    `json:"client_id"`               // client_id: names the application instance at Adobe
	ClientSecret Secret    `json:"client_secret"`           // client_secret: proves it; masked when printed or marshalled
	IssuedAt     time.Time `json:"issued_at,omitzero"`      // client_id_issued_at; zero when Adobe did not send it
	RedirectURIs []string  `json:"redirect_uris,omitempty"` // redirect_uris Adobe registered; often empty
	GrantTypes   []string  `json:"grant_types,omitempty"`   // grant_types, e.g. client_credentials
	Scopes       []string  `json:"scopes,omitempty"`        // e.g. api:client:v2
}

// clientCredentials names ClientCredentials inside Format, whose local copy of the type drops methods.
type clientCredentials = ClientCredentials

// Format prints every field under any verb, the client secret masked by Secret: fmt prints a pointer
// inside a struct (Register returns one) field by field under %s or %q unless the pointee has it.
func (c ClientCredentials) Format(f fmt.State, verb rune) {
	type ClientCredentials clientCredentials // no methods: each field prints, and masks, itself
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), ClientCredentials(c))
}

// MarshalUnmaskedJSON writes the credentials in clear, every field, in the form json.Unmarshal reads
// back: the form to store them in. The result holds the client secret. (json.Marshal writes the
// secret masked, and json.Unmarshal refuses that form with ErrMaskedSecret.)
func (c ClientCredentials) MarshalUnmaskedJSON() ([]byte, error) { return json.Marshal(recordOf(c)) }

// validate names the first required field that is missing.
func (c ClientCredentials) validate(field string) error {
	if err := requireText(field+".ClientID", c.ClientID); err != nil {
		return err
	}
	return requireText(field+".ClientSecret", string(c.ClientSecret))
}

// RegisterRequest is a Dynamic Client Registration request.
type RegisterRequest struct {
	SoftwareStatement Secret  // software_statement: the JWT from the TVE Dashboard
	RedirectURI       string  // redirect_uri, optional
	Device            *Device // for X-Device-Info; nil = the client's default device
}

// Register obtains client credentials for a software statement (POST /o/client/register), sending
// X-Device-Info of the client's device (WithDevice). Store them: see CredentialStore and LoadOrRegister.
func (s *PassService) Register(ctx context.Context, softwareStatement Secret) (*ClientCredentials, error) {
	return s.RegisterClient(ctx, RegisterRequest{SoftwareStatement: softwareStatement})
}

// RegisterClient is Register with the optional redirect_uri and a per-request device. Adobe requires
// X-Device-Info on registration: without req.Device or WithDevice it fails with a
// *ValidationError{Field: "Device"} before any I/O.
func (s *PassService) RegisterClient(ctx context.Context, req RegisterRequest) (*ClientCredentials, error) {
	if err := s.check(http.MethodPost, authNone); err != nil {
		return nil, err
	}
	if err := requireText("softwareStatement", string(req.SoftwareStatement)); err != nil {
		return nil, err
	}
	// The body is JSON, the redirect URI written as is (no HTML escaping of < > &).
	body := make([]byte, 0, 64+len(req.SoftwareStatement)+len(req.RedirectURI))
	body = appendJSONString(append(body, `{"software_statement":`...), string(req.SoftwareStatement))
	if req.RedirectURI != "" {
		if _, err := url.Parse(req.RedirectURI); err != nil {
			return nil, invalid("RedirectURI", "malformed URL")
		}
		body = appendJSONString(append(body, `,"redirect_uri":`...), req.RedirectURI)
	}
	cl := &call{service: svcPass, op: "pass.register", method: http.MethodPost, path: "/o/client/register",
		header: jsonHeader(), body: append(body, '}'), secrets: []string{string(req.SoftwareStatement)},
		hold: true, throttleFloor: passThrottleFloor, answers: []int{http.StatusOK, http.StatusCreated},
		decodeError: decodePassError}
	if err := s.setDevice(cl.header, req.Device, deviceInfoRequired); err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, decodeRegistration)
}

// decodeRegistration reads a DCR registration reply: credentials need an id and a secret.
func decodeRegistration(r *response) (*ClientCredentials, error) {
	var wire struct {
		ClientID     string          `json:"client_id"`
		ClientSecret string          `json:"client_secret"`
		IssuedAt     json.RawMessage `json:"client_id_issued_at"`
		RedirectURIs []string        `json:"redirect_uris"`
		GrantTypes   []string        `json:"grant_types"`
		Scopes       []string        `json:"scopes"`
	}
	if err := passUnmarshalObject(r.Body, &wire); err != nil {
		return nil, err
	}
	if wire.ClientID == "" || wire.ClientSecret == "" {
		return nil, errors.New("registration reply has no client_id or client_secret")
	}
	// Credentials no request or store could carry are a broken reply (a *DecodeError), not bad input.
	if controlAt(wire.ClientID) >= 0 || controlAt(wire.ClientSecret) >= 0 {
		return nil, errors.New("registration reply has a control character in client_id or client_secret")
	}
	creds := &ClientCredentials{ClientID: wire.ClientID, ClientSecret: Secret(wire.ClientSecret),
		RedirectURIs: wire.RedirectURIs, GrantTypes: wire.GrantTypes, Scopes: wire.Scopes}
	// client_id_issued_at is seconds (RFC 7591), not Adobe's usual milliseconds.
	if secs := looseInt(wire.IssuedAt); secs > 0 {
		creds.IssuedAt = time.Unix(int64(secs), 0)
	}
	return creds, nil
}

// AccessToken fetches a new access token for the credentials (POST /o/client/token), bypassing any
// cache. Most callers want TokenSource instead.
func (s *PassService) AccessToken(ctx context.Context, creds ClientCredentials) (*oauth2.Token, error) {
	if err := s.check(http.MethodPost, authNone); err != nil {
		return nil, err
	}
	if err := creds.validate("creds"); err != nil {
		return nil, err
	}
	return s.fetchToken(ctx, creds)
}

func (s *PassService) fetchToken(ctx context.Context, creds ClientCredentials) (*oauth2.Token, error) {
	form := pairs{{"client_id", creds.ClientID}, {"client_secret", string(creds.ClientSecret)},
		{"grant_type", "client_credentials"}}.encodeBytes()
	cl := &call{service: svcPass, op: "pass.token", method: http.MethodPost, path: "/o/client/token", header: formHeader(),
		body: form, secrets: []string{string(creds.ClientSecret)}, hold: true, throttleFloor: passThrottleFloor,
		answers: []int{http.StatusOK, http.StatusCreated}, decodeError: decodePassError}
	if err := s.setDevice(cl.header, nil, deviceInfoOnly); err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, func(r *response) (*oauth2.Token, error) { return decodeAccessToken(r, time.Now()) })
}

// decodeAccessToken reads a DCR token reply received at now. Expiry counts from now, the local clock
// at receipt, not from created_at: the server's clock may be skewed from ours.
func decodeAccessToken(r *response, now time.Time) (*oauth2.Token, error) {
	var wire struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
		CreatedAt   passTime        `json:"created_at"`
		ID          string          `json:"id"`
	}
	if err := passUnmarshalObject(r.Body, &wire); err != nil {
		return nil, err
	}
	if wire.AccessToken == "" {
		return nil, errors.New("token reply has no access_token")
	}
	tok := &oauth2.Token{AccessToken: wire.AccessToken, TokenType: "Bearer"}
	// An absurd expires_in is capped rather than left to overflow time.Duration.
	if secs := min(looseInt(wire.ExpiresIn), maxTokenLifetimeSecs); secs > 0 {
		lifetime := time.Duration(secs) * time.Second
		tok.Expiry = now.Add(lifetime - refetchMargin(lifetime))
	}
	return tok.WithExtra(map[string]any{"id": wire.ID, "created_at": wire.CreatedAt.Time(),
		"token_type": wire.TokenType}), nil
}

const maxTokenLifetimeSecs = 365 * 24 * 3600 // caps expires_in at a year

// refetchMargin is how long before expires_in runs out a token counts as expired: a tenth of its
// lifetime, at most five minutes, so that a call never carries a token about to die in flight.
func refetchMargin(lifetime time.Duration) time.Duration {
	return min(lifetime/10, 5*time.Minute)
}

// TokenSource returns an oauth2.TokenSource for Authorization: Bearer on Pass calls: pass it to
// WithPassTokenSource. It caches the token, refetches it before expires_in runs out (Expiry is set a
// tenth of the lifetime early, at most five minutes), and runs one fetch at a time however many
// goroutines ask. Fetches go through this client's pipeline (retries, redaction, body cap). A fetch
// runs detached from its callers, bounded by the client's token fetch timeout (WithTokenFetchTimeout,
// DefaultTokenFetchTimeout): a Pass call of a client waits for it with its own context and leaves
// when that ends, Token() (no context) waits at most that timeout, and after a failed or timed-out
// fetch the next caller starts a fresh one. A 401 on a Pass call drops the cached token and retries
// once with a new one. Credentials Adobe revoked fail with a *PassError whose Code is invalid_client
// (ErrUnauthorized): register again.
//
// With WithPassTokenStore the token is shared by every replica using the store: see PassTokenStore.
func (s *PassService) TokenSource(creds ClientCredentials) oauth2.TokenSource {
	fetch := func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		return s.AccessToken(ctx, creds)
	}
	if store := s.client.cfg.passTokenStore; store != nil {
		fetch = sharedPassFetch(s.client, store, creds.ClientID, fetch)
	}
	ts := &passTokenSource{clientID: creds.ClientID, tokenCache: newTokenCache(0, fetch)}
	ts.timeout = s.client.cfg.fetchBudget(s.client.cfg.passTokenStore != nil)
	ts.observer, ts.family = s.client.cfg.observer, "pass"
	return ts
}

// passTokenSource is the cache (Token, tokenContext, invalidate) that prints as its client id only.
type passTokenSource struct {
	clientID string
	*tokenCache
}

func (t *passTokenSource) String() string {
	return fmt.Sprintf("tvauth.PassTokenSource{ClientID: %q}", t.clientID)
}

var (
	_ oauth2.TokenSource = (*passTokenSource)(nil)
	_ tokenContexter     = (*passTokenSource)(nil)
	_ tokenInvalidator   = (*passTokenSource)(nil)
)

// SessionRequest creates or resumes an authentication session. MVPD, DomainName and RedirectURL are
// all documented as required, but a device that cannot supply them may leave them out: the reply then
// asks (ActionResume, MissingParameters) for another device to resume the session with the code.
type SessionRequest struct {
	ServiceProvider string      // path {serviceProvider}: the requestor id Adobe registered
	MVPD            string      // form mvpd
	DomainName      string      // form domainName: one of the service provider's registered domains
	RedirectURL     string      // form redirectUrl: absolute; where the user agent lands after login
	Device          *Device     // nil = the client's default device
	Headers         PassHeaders // optional: VisitorID and the SSO tokens (create only)
}

// Session is the reply of the sessions endpoints: what the application does next.
type Session struct {
	ActionName        ActionName // what to do next: authenticate, resume, authorize, retry, partner_profile
	ActionType        ActionType // how: interactive (a browser), direct, none
	ReasonType        ReasonType // why Adobe chose the action, e.g. authenticated, temporary, degraded
	MissingParameters []string   // as Adobe spells them ("domain", not "domainName", in its samples)
	URL               *url.URL   // absolute (resolved against the Pass base URL); nil when absent
	Code              string     // the authentication code to show for second-screen login
	SessionID         string     // Adobe's id of the session, for its support
	MVPD              string     // the MVPD the session is for; empty until one is chosen
	ServiceProvider   string     // the requestor id
	NotBefore         time.Time  // the code's validity window: start
	NotAfter          time.Time  // the code's validity window: end (then the code is dead)
	// AuthenticationRequest is the SAML request for the partner framework (ActionPartnerProfile).
	AuthenticationRequest *AuthenticationRequest
}

// NeedsUserAgent reports whether URL must be opened in a browser (authenticate/interactive).
func (s *Session) NeedsUserAgent() bool { return s.ActionType == ActionTypeInteractive && s.URL != nil }

// AuthenticationRequest is a partner SSO authentication request.
type AuthenticationRequest struct {
	Type            string   // the request's format: "saml"
	Request         string   // Base64 SAML request
	AttributesNames []string // attributes the partner should release
}

// decodeSession reads a SessionResponse; url is resolved against the Pass base URL. Keys are Session's
// field names but for case, which encoding/json ignores: url and the timestamps shadow Session's.
func decodeSession(r *response) (*Session, error) {
	var w struct {
		Session
		URL                 string
		NotBefore, NotAfter passTime
	}
	if err := passUnmarshalObject(r.Body, &w); err != nil {
		return nil, err
	}
	u, err := r.resolve(w.URL)
	if err != nil {
		return nil, fmt.Errorf("session url: %w", err)
	}
	s := w.Session
	s.URL, s.NotBefore, s.NotAfter = u, w.NotBefore.Time(), w.NotAfter.Time()
	return &s, nil
}

// CreateSession starts an authentication session (POST /api/v2/{serviceProvider}/sessions). The reply
// says what to do next: ActionAuthenticate (open Session.URL in a browser, or show Session.Code for a
// second screen), ActionResume (parameters missing), or ActionAuthorize (a profile exists already).
func (s *PassService) CreateSession(ctx context.Context, req SessionRequest) (*Session, error) {
	path := pathf("/api/v2/{serviceProvider}/sessions", req.ServiceProvider)
	cl, err := s.sessionCall("pass.createSession", req, path, deviceRequired, hdrVisitor|hdrSSO,
		"ServiceProvider", req.ServiceProvider)
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, decodeSession)
}

// ResumeSession supplies the parameters a session was missing (POST
// /api/v2/{serviceProvider}/sessions/{code}), typically from a second screen.
func (s *PassService) ResumeSession(ctx context.Context, code string, req SessionRequest) (*Session, error) {
	path := pathf("/api/v2/{serviceProvider}/sessions/{code}", req.ServiceProvider, code)
	cl, err := s.sessionCall("pass.resumeSession", req, path, forwardedOnly, hdrVisitor,
		"ServiceProvider", req.ServiceProvider, "code", code)
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, decodeSession)
}

// sessionCall checks a session request (segments: path's ids) and prepares its call, whose body is
// the documented form: mvpd, domainName, redirectUrl, in that order, each sent only when given.
func (s *PassService) sessionCall(op string, req SessionRequest, path route, mode passDeviceMode,
	allowed passHeader, segments ...string) (*call, error) {
	if err := s.check(http.MethodPost, authPassBearer, segments...); err != nil {
		return nil, err
	}
	var p pairs
	if req.MVPD != "" {
		if err := requireSegment("MVPD", req.MVPD); err != nil {
			return nil, err
		}
		p = append(p, pair{"mvpd", req.MVPD})
	}
	if req.DomainName != "" {
		if err := checkText("DomainName", req.DomainName); err != nil {
			return nil, err
		}
		p = append(p, pair{"domainName", req.DomainName})
	}
	if req.RedirectURL != "" {
		if err := requireAbsoluteURL("RedirectURL", req.RedirectURL); err != nil {
			return nil, err
		}
		p = append(p, pair{"redirectUrl", req.RedirectURL})
	}
	cl := s.v2call(op, http.MethodPost, path)
	cl.header, cl.body = formHeader(), p.encodeBytes()
	return cl, s.prepare(cl, req.Device, mode, req.Headers, allowed)
}

// SessionInfo is what an authentication session already has and still misses, and the device that
// created it (for a second screen to show and validate).
type SessionInfo struct {
	ExistingParameters map[string]string // keys as Adobe sends them: mvpd, domain or domainName, redirectUrl, serviceProvider
	MissingParameters  []string          // what ResumeSession must still supply, as Adobe spells them
	Device             json.RawMessage   // Adobe's Device object; its member types vary between replies
	NotBefore          time.Time         // the code's validity window: start
	NotAfter           time.Time         // the code's validity window: end
}

func decodeSessionInfo(r *response) (*SessionInfo, error) {
	var w struct { // keys are the field names but for case
		ExistingParameters  map[string]json.RawMessage
		MissingParameters   []string
		Device              json.RawMessage
		NotBefore, NotAfter passTime
	}
	if err := passUnmarshalObject(r.Body, &w); err != nil {
		return nil, err
	}
	info := &SessionInfo{MissingParameters: w.MissingParameters, NotBefore: w.NotBefore.Time(),
		NotAfter: w.NotAfter.Time()}
	if string(w.Device) != "null" {
		info.Device = w.Device // json.RawMessage holds its own copy
	}
	if w.ExistingParameters != nil {
		info.ExistingParameters = make(map[string]string, len(w.ExistingParameters))
		for k, v := range w.ExistingParameters {
			info.ExistingParameters[k] = looseString(v)
		}
	}
	return info, nil
}

// SessionInfo retrieves an authentication session by its code (GET
// /api/v2/{serviceProvider}/sessions/{code}). Only X-Forwarded-For of the client's device is sent.
func (s *PassService) SessionInfo(ctx context.Context, serviceProvider, code string) (*SessionInfo, error) {
	if err := s.check(http.MethodGet, authPassBearer, "serviceProvider", serviceProvider, "code", code); err != nil {
		return nil, err
	}
	cl := s.v2call("pass.sessionStatus", http.MethodGet, pathf("/api/v2/{serviceProvider}/sessions/{code}", serviceProvider, code))
	if err := s.setDevice(cl.header, nil, forwardedOnly); err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, decodeSessionInfo)
}

// AuthenticateURL returns <Pass base>/api/v2/authenticate/{serviceProvider}/{code}, the page a browser
// opens to log in with the MVPD for a code (it redirects to the MVPD login page): no request is made.
func (s *PassService) AuthenticateURL(serviceProvider, code string) (string, error) {
	if err := s.check(http.MethodGet, authNone, "serviceProvider", serviceProvider, "code", code); err != nil {
		return "", err
	}
	return s.client.bases[svcPass].String() + pathf("/api/v2/authenticate/{serviceProvider}/{code}", serviceProvider, code).path, nil
}

// Configuration is a service provider's REST API v2 configuration: its domains and the MVPDs it has an
// active integration with, i.e. what a TV provider picker offers.
type Configuration struct {
	Device     string          // the device type Adobe classified the caller as
	ClientType string          // the client type Adobe classified the caller as
	OS         string          // the operating system Adobe classified the caller as
	Requestor  ConfigRequestor // the service provider: its domains and MVPDs
	Raw        json.RawMessage // the whole reply, for fields this type does not model
}

// ConfigRequestor is the service provider in a Configuration.
type ConfigRequestor struct {
	ID      string         // the requestor id
	Name    string         // its display name
	Domains []ConfigDomain // its registered domains
	MVPDs   []ConfigMVPD   // the MVPDs to offer in a TV provider picker
}

// ConfigDomain is a domain registered for the service provider.
type ConfigDomain struct {
	Name          string // the domain name, e.g. adobe.com
	MVPDInitiated bool   // whether MVPD-initiated login is enabled for it
}

// ConfigMVPD is one MVPD the service provider can be used with.
type ConfigMVPD struct {
	ID                         string // the MVPD id to send as {mvpd}
	DisplayName                string // the name to show the user
	LogoURL                    string // the MVPD's logo, for the picker
	IsTempPass                 bool   // a TempPass MVPD (free preview), not a real provider
	IsProxy                    bool   // a proxy MVPD that authenticates for others
	AuthPerAggregator          bool   // authentication is per aggregator
	AuthPerBrowserSession      bool   // authentication lasts one browser session
	PassiveAuthnEnabled        bool   // passive (no-UI) authentication is enabled
	BoardingStatus             string // platform SSO: SUPPORTED, PICKER
	PlatformMappingID          string // platform SSO: the id the platform (Apple) knows the MVPD by
	EnablePlatformServices     bool   // platform SSO is enabled
	DisplayInPlatformPicker    bool   // platform SSO: shown in the platform's own picker
	EnforcePlatformPermissions bool   // platform SSO: the user's platform permission is enforced
}

// configMVPDWire is one MVPD as sent. Its keys are ConfigMVPD's field names but for case, which
// encoding/json ignores: only the flags, sent as booleans or strings, shadow ConfigMVPD's.
type configMVPDWire struct {
	ConfigMVPD
	IsTempPass, IsProxy, AuthPerAggregator, AuthPerBrowserSession, PassiveAuthnEnabled flexBool
	EnablePlatformServices, DisplayInPlatformPicker, EnforcePlatformPermissions        flexBool
}

// decodeConfiguration reads a configuration reply. The docs table puts mvpds at the top level while
// the samples nest them in requestor: both are read. Keys are the field names but for case.
func decodeConfiguration(r *response) (*Configuration, error) {
	var wire struct {
		Device, ClientType, OS string
		Requestor              struct {
			ID, Name string
			Domains  []struct {
				Name          string
				MVPDInitiated flexBool
			}
			MVPDs []configMVPDWire
		}
		MVPDs []configMVPDWire
	}
	if err := passUnmarshalObject(r.Body, &wire); err != nil {
		return nil, err
	}
	c := &Configuration{Device: wire.Device, ClientType: wire.ClientType, OS: wire.OS,
		Requestor: ConfigRequestor{ID: wire.Requestor.ID, Name: wire.Requestor.Name},
		Raw:       json.RawMessage(bytes.Clone(trimBOM(r.Body)))}
	for _, d := range wire.Requestor.Domains {
		c.Requestor.Domains = append(c.Requestor.Domains, ConfigDomain{Name: d.Name, MVPDInitiated: bool(d.MVPDInitiated)})
	}
	for _, w := range append(wire.Requestor.MVPDs, wire.MVPDs...) {
		m := w.ConfigMVPD
		m.IsTempPass, m.IsProxy = bool(w.IsTempPass), bool(w.IsProxy)
		m.AuthPerAggregator = bool(w.AuthPerAggregator)
		m.AuthPerBrowserSession = bool(w.AuthPerBrowserSession)
		m.PassiveAuthnEnabled = bool(w.PassiveAuthnEnabled)
		m.EnablePlatformServices = bool(w.EnablePlatformServices)
		m.DisplayInPlatformPicker = bool(w.DisplayInPlatformPicker)
		m.EnforcePlatformPermissions = bool(w.EnforcePlatformPermissions)
		c.Requestor.MVPDs = append(c.Requestor.MVPDs, m)
	}
	return c, nil
}

// Configuration retrieves the service provider's configuration (GET /api/v2/{serviceProvider}/configuration):
// the MVPDs to offer the user. The device headers are sent when a device is known.
func (s *PassService) Configuration(ctx context.Context, serviceProvider string) (*Configuration, error) {
	if err := s.check(http.MethodGet, authPassBearer, "serviceProvider", serviceProvider); err != nil {
		return nil, err
	}
	cl := s.v2call("pass.configuration", http.MethodGet, pathf("/api/v2/{serviceProvider}/configuration", serviceProvider))
	if err := s.setDevice(cl.header, nil, deviceOptional); err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, decodeConfiguration)
}
