package tvauth

// signon.go: the OpenTV AGS endpoint methods (discovery, signOn and its 300 accounts, refresh, register).

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Parameter is one provider-defined parameter of an AGS request body, named as service discovery spells
// it (case-sensitive). A parameter whose name looks secret (password, pin, token, secret, otp, key, …,
// and translations: see agsSecretParameter) prints, logs and marshals its value as REDACTED, and
// json.Unmarshal refuses that masked form (ErrMaskedSecret). The SDK sends them in clear on the wire.
type Parameter struct {
	Name  string `json:"name"`  // case-sensitive, as service discovery spells it
	Value string `json:"value"` // masked in prints when Name looks secret
}

type parameter = Parameter // named inside Format, whose local copy of the type drops the methods

// masked is p with the value of a secret-looking name masked.
func (p Parameter) masked() Parameter {
	if p.Value != "" && agsSecretParameter(p.Name) {
		p.Value = redacted
	}
	return p
}

// Format prints the parameter, its value masked when its name looks secret, under any verb.
func (p Parameter) Format(f fmt.State, verb rune) {
	type Parameter parameter // no methods: the fields print as they are
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), Parameter(p.masked()))
}

// MarshalJSON writes {"name":…,"value":…}, the value masked when the name looks secret.
func (p Parameter) MarshalJSON() ([]byte, error) { return json.Marshal(agsWireParameter(p.masked())) }

// UnmarshalJSON reads {"name":…,"value":…} (null leaves p as it is); it refuses the masked value of a
// secret-looking name (ErrMaskedSecret) rather than read back a "REDACTED" password.
func (p *Parameter) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var w agsWireParameter
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Value == redacted && agsSecretParameter(w.Name) {
		return fmt.Errorf("parameter %q: %w", w.Name, ErrMaskedSecret)
	}
	*p = Parameter(w)
	return nil
}

// agsWireParameter is a Parameter as it goes on the wire: in clear (the type has none of its methods).
type agsWireParameter Parameter

// agsWireParameters is params for a request body: never nil, as the key is mandatory ([], not null).
func agsWireParameters(params []Parameter) []agsWireParameter {
	out := make([]agsWireParameter, len(params))
	for i, p := range params {
		out[i] = agsWireParameter(p)
	}
	return out
}

// SignOnRequest is what an AGS call sends besides its tokens. Endpoints use the fields their
// documentation lists: Refresh, SignOut and the subsequent calls ignore DeviceInformation. Parameter
// values whose names look secret (password, pin, token, …) are masked in prints and scrubbed from errors.
type SignOnRequest struct {
	Parameters        []Parameter     // the provider-defined parameters (service discovery lists them)
	ClientID          string          // n-th sign-on (from a previous Tokens.ClientID)
	DeviceInformation json.RawMessage // first sign-on only; exactly one of ClientID / DeviceInformation
	AuthService       string          // x-auth-service-id; "" = the client's default
	CorrelationID     string          // x-correlation-id; "" = a fresh random id

	// Device is DeviceInformation in typed form, encoded by the SDK (see AGSDeviceInformation): set
	// one of Device and DeviceInformation, not both. DeviceInformation stays for keys Device lacks.
	Device *AGSDeviceInformation
}

// SignOnResult is a signOn (or register) answer: Tokens on 201, Accounts on 300.
type SignOnResult struct {
	Tokens        *Tokens   // set on 201
	Accounts      []Account // set on 300: choose one and call SubsequentSignOn
	CorrelationID string    // the x-correlation-id the call was sent with (the request's, or a fresh one)
}

// ServiceDiscoveryRequest holds the optional headers of GET /servicediscovery.
type ServiceDiscoveryRequest struct {
	Token         Secret // the "token" header (request authentication token), sent when set
	AuthService   string // x-auth-service-id, sent when set (or the client's default)
	CorrelationID string // x-correlation-id; "" = a fresh random id
}

// NewCorrelationID returns a fresh random x-correlation-id (a version 4 UUID). Set it as a request's
// CorrelationID before the call when you need it to match a failure against the server's logs.
func NewCorrelationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ServiceDiscovery lists the operator's SSO services (GET /servicediscovery). 404 means none.
func (s *AGSService) ServiceDiscovery(ctx context.Context) (*ServiceDiscovery, error) {
	return s.ServiceDiscoveryWith(ctx, ServiceDiscoveryRequest{})
}

// ServiceDiscoveryWith is ServiceDiscovery with the optional token, x-auth-service-id and x-correlation-id.
func (s *AGSService) ServiceDiscoveryWith(ctx context.Context, req ServiceDiscoveryRequest) (*ServiceDiscovery, error) {
	cl, _, err := s.newCall("ags.serviceDiscovery", http.MethodGet, pathf("/servicediscovery"),
		&SignOnRequest{AuthService: req.AuthService, CorrelationID: req.CorrelationID}, agsNoBody)
	if err != nil {
		return nil, err
	}
	if req.Token != "" {
		if err := agsSecretHeader(cl, "Token", "Token", "", string(req.Token)); err != nil {
			return nil, err
		}
	}
	cl.answers = agsAnswerOK
	return send(ctx, s.client, cl, decodeServiceDiscovery)
}

// SignOn signs a subscriber in (POST /signOn). Set exactly one of req.ClientID (a device that signed
// on before: keep Tokens.ClientID) and req.DeviceInformation (first sign-on: registers a new device,
// every time it is sent). 201 gives Tokens; 300 gives Accounts, one per OPF account the login matches:
// let the user choose and call SubsequentSignOn. A 300 is an answer, never an error.
//
// SignOn is not idempotent: it is retried only on 429, 503 and refused connections.
func (s *AGSService) SignOn(ctx context.Context, req SignOnRequest) (*SignOnResult, error) {
	cl, cid, err := s.newCall("ags.signOn", http.MethodPost, pathf("/signOn"), &req, agsExactlyOneDevice)
	if err != nil {
		return nil, err
	}
	cl.answers = agsAnswerSignOn
	return send(ctx, s.client, cl, agsDecodeSignOn(cid, true))
}

// SubsequentSignOn finishes a sign-on that answered 300 with the account the user chose (POST
// /subsequentSignOn, User-Token: account.UserAccountToken, body req.Parameters and ClientID if set).
func (s *AGSService) SubsequentSignOn(ctx context.Context, account Account, req SignOnRequest) (*Tokens, error) {
	cl, cid, err := s.subsequentCall("ags.subsequentSignOn", pathf("/subsequentSignOn"), account, &req)
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, agsTokenDecoder(cid))
}

// Refresh trades a refresh token for new tokens (POST /refresh, Authorization: Bearer <refreshToken>,
// body req.Parameters). AGS rotates it: store the returned one (a reply without one keeps the one sent).
func (s *AGSService) Refresh(ctx context.Context, refreshToken Secret, req SignOnRequest) (*Tokens, error) {
	cl, cid, err := s.newCall("ags.refresh", http.MethodPost, pathf("/refresh"), &req, agsParametersOnly)
	if err != nil {
		return nil, err
	}
	if err := agsSecretHeader(cl, "Authorization", "refreshToken", "Bearer ", string(refreshToken)); err != nil {
		return nil, err
	}
	cl.hold, cl.answers = true, agsAnswerOKCreated
	return send(ctx, s.client, cl, func(r *response) (*Tokens, error) {
		t, err := agsDecodeTokens(r.Body, time.Now(), cid)
		if err != nil {
			return nil, err
		}
		s.client.cfg.held.add(string(t.AccessToken), string(t.RefreshToken))
		t.RefreshToken = cmp.Or(t.RefreshToken, Secret(agsStripBearer(string(refreshToken))))
		return t, nil
	})
}

// Register activates a TVkey device (POST /register/{regType}; service discovery lists the types). It
// answers like SignOn: Tokens on 201 (nil when the 201 has no body, as some releases send), Accounts on
// 300, then SubsequentRegister. ClientID and DeviceInformation are optional; at most one may be set.
func (s *AGSService) Register(ctx context.Context, regType string, req SignOnRequest) (*SignOnResult, error) {
	if err := s.client.requireConfigured(svcAGS, http.MethodPost, authNone); err != nil {
		return nil, err
	}
	if err := requireSegment("regType", regType); err != nil {
		return nil, err
	}
	cl, cid, err := s.newCall("ags.register", http.MethodPost, pathf("/register/{type}", regType), &req, agsAtMostOneDevice)
	if err != nil {
		return nil, err
	}
	cl.answers = agsAnswerSignOn
	return send(ctx, s.client, cl, agsDecodeSignOn(cid, false))
}

// SubsequentRegister finishes a Register that answered 300 with the chosen account (POST
// /subsequentRegister, User-Token: account.UserAccountToken). Tokens is nil when the 201 has no body.
func (s *AGSService) SubsequentRegister(ctx context.Context, account Account, req SignOnRequest) (*SignOnResult, error) {
	cl, cid, err := s.subsequentCall("ags.subsequentRegister", pathf("/subsequentRegister"), account, &req)
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, agsDecodeSignOn(cid, false))
}

// SignOnWithSessionToken signs in with a session token that an operator head-end obtained for this
// user (POST /signOnWithSessionToken): it is sent as the first parameter, "sessionToken", followed by
// req.Parameters. Exactly one of req.ClientID and req.DeviceInformation must be set, as for SignOn.
func (s *AGSService) SignOnWithSessionToken(ctx context.Context, sessionToken Secret, req SignOnRequest) (*Tokens, error) {
	if err := s.client.requireConfigured(svcAGS, http.MethodPost, authNone); err != nil {
		return nil, err
	}
	if err := requireText("sessionToken", string(sessionToken)); err != nil {
		return nil, err
	}
	req.Parameters = append([]Parameter{{Name: "sessionToken", Value: string(sessionToken)}}, req.Parameters...)
	cl, cid, err := s.newCall("ags.signOnWithSessionToken", http.MethodPost, pathf("/signOnWithSessionToken"), &req, agsExactlyOneDevice)
	if err != nil {
		return nil, err
	}
	cl.answers = agsAnswerOKCreated // the sessionToken parameter is among cl.secrets: its name looks secret
	return send(ctx, s.client, cl, agsTokenDecoder(cid))
}

// GetSessionToken asks AGS for a session token (POST /getSessionToken, answer 200 {"sessionToken":…}),
// for operator head-ends, which authenticate with parameters such as a signed OperatorAuthToken.
func (s *AGSService) GetSessionToken(ctx context.Context, req SignOnRequest) (Secret, error) {
	cl, _, err := s.newCall("ags.getSessionToken", http.MethodPost, pathf("/getSessionToken"), &req, agsParametersOnly)
	if err != nil {
		return "", err
	}
	cl.answers = agsAnswerOKCreated
	return send(ctx, s.client, cl, decodeSessionToken)
}

func decodeServiceDiscovery(r *response) (*ServiceDiscovery, error) {
	if isJSONNull(r.Body) {
		return nil, errNullReply
	}
	d := new(ServiceDiscovery)
	return d, d.decode(r.Body)
}

func decodeSessionToken(r *response) (Secret, error) {
	var w struct {
		SessionToken json.RawMessage `json:"sessionToken"`
	}
	if err := json.Unmarshal(trimBOM(r.Body), &w); err != nil {
		return "", err
	}
	t, err := agsString(w.SessionToken)
	if err == nil && t == "" {
		err = errors.New("reply has no sessionToken")
	}
	return Secret(t), err
}

// subsequentCall starts a call that answers a 300 with the chosen account (User-Token).
func (s *AGSService) subsequentCall(op string, path route, account Account, req *SignOnRequest) (*call, string, error) {
	cl, cid, err := s.newCall(op, http.MethodPost, path, req, agsClientIDOnly)
	if err == nil {
		cl.answers = agsAnswerOKCreated
		err = agsSecretHeader(cl, "User-Token", "UserAccountToken", "", string(account.UserAccountToken))
	}
	return cl, cid, err
}

// agsDecodeSignOn reads a 300 (accounts) or a 2xx (tokens). Without tokensRequired a 2xx whose body
// has no access token (register's documented empty 201) leaves Tokens nil.
func agsDecodeSignOn(correlationID string, tokensRequired bool) func(*response) (*SignOnResult, error) {
	return func(r *response) (*SignOnResult, error) {
		res := &SignOnResult{CorrelationID: correlationID}
		var err error
		switch {
		case r.StatusCode == http.StatusMultipleChoices:
			res.Accounts, err = agsDecodeAccounts(r.Body)
		case tokensRequired || len(trimBOM(r.Body)) > 0:
			res.Tokens, err = agsDecodeTokens(r.Body, time.Now(), correlationID)
			if err == errAGSNoAccessToken && !tokensRequired {
				err = nil
			}
		}
		if err != nil {
			return nil, err
		}
		return res, nil
	}
}

// agsTokenDecoder reads an answer (200 or 201) that is a token body.
func agsTokenDecoder(correlationID string) func(*response) (*Tokens, error) {
	return func(r *response) (*Tokens, error) { return agsDecodeTokens(r.Body, time.Now(), correlationID) }
}

// The statuses AGS calls answer with (read-only).
var (
	agsAnswerOK        = []int{http.StatusOK}
	agsAnswerOKCreated = []int{http.StatusOK, http.StatusCreated}
	agsAnswerSignOn    = []int{http.StatusOK, http.StatusCreated, http.StatusMultipleChoices}
)

// agsBodyRule says which of clientId / deviceInformation a body takes: each rule, the one before's and more.
type agsBodyRule int

const (
	agsNoBody           agsBodyRule = iota // GET
	agsParametersOnly                      // refresh, signOut, getSessionToken
	agsClientIDOnly                        // subsequent calls: clientId when set
	agsAtMostOneDevice                     // register: either, or neither
	agsExactlyOneDevice                    // signOn, signOnWithSessionToken
)

// agsRequestBody is every AGS POST body; the field order is the documented one.
type agsRequestBody struct {
	Parameters        []agsWireParameter `json:"parameters"`
	ClientID          string             `json:"clientId,omitempty"`
	DeviceInformation json.RawMessage    `json:"deviceInformation,omitempty"`
}

// newCall checks that AGS is configured, validates req and starts an AGS call with its x-correlation-id.
func (s *AGSService) newCall(op, method string, path route, req *SignOnRequest, rule agsBodyRule) (*call, string, error) {
	if err := s.client.requireConfigured(svcAGS, method, authNone); err != nil {
		return nil, "", err
	}
	cfg := s.client.cfg
	authService := cmp.Or(req.AuthService, cfg.agsAuthService)
	if authService != "" && isBlank(authService) {
		return nil, "", invalid("AuthService", "blank: leave it empty for the client's default or set an authServiceName")
	}
	if authService == "" && method != http.MethodGet {
		return nil, "", invalid("AuthService", "no x-auth-service-id: set SignOnRequest.AuthService or WithAGSAuthService (the authServiceName from service discovery)")
	}
	if err := checkHeaderValue("AuthService", authService); err != nil {
		return nil, "", err
	}
	cid := req.CorrelationID
	if cid == "" {
		cid = NewCorrelationID()
	} else if err := checkHeaderValue("CorrelationID", cid); err != nil {
		return nil, "", err
	}

	h := make(http.Header, len(cfg.agsHeaders)+6)
	for name, vs := range cfg.agsHeaders {
		for _, v := range vs {
			h.Add(name, v)
		}
	}
	// The values share one backing array (one allocation); each slice is capped so that an Add
	// cannot write into its neighbour.
	vals := make([]string, 0, 5)
	set := func(name, v string) {
		vals = append(vals, v)
		h[name] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	if h.Get("Accept") == "" {
		set("Accept", "application/json")
	}
	if authService != "" {
		set("X-Auth-Service-Id", authService)
	}
	if cfg.agsTenant != "" {
		set("Nv-Tenant-Id", cfg.agsTenant)
	}
	set("X-Correlation-Id", cid)
	cl := &call{service: svcAGS, op: op, method: method, path: path.path, template: path.template, header: h,
		decodeError: func(r *response) error {
			err := decodeAGSError(r)
			if ae, ok := err.(*AGSError); ok {
				ae.CorrelationID = cid
			}
			return err
		}}
	if rule == agsNoBody {
		return cl, cid, nil
	}

	body := agsRequestBody{Parameters: agsWireParameters(req.Parameters)}
	for i, p := range req.Parameters {
		if p.Name == "" {
			return nil, "", invalid("Parameters", "parameter %d has no name", i)
		}
		if err := checkTexts("Name", p.Name, "Value", p.Value); err != nil {
			return nil, "", listItem(err, "Parameters", i)
		}
		if agsSecretParameter(p.Name) {
			cl.secrets = append(cl.secrets, p.Value)
		}
	}
	device, err := req.deviceInformation()
	if err != nil {
		return nil, "", err
	}
	if req.ClientID != "" && strings.TrimSpace(req.ClientID) == "" {
		return nil, "", invalid("ClientID", "blank: leave it empty or set the client_id of a previous sign-on")
	}
	if err := checkText("ClientID", req.ClientID); err != nil {
		return nil, "", err
	}
	if rule != agsParametersOnly {
		body.ClientID = req.ClientID
	}
	if rule >= agsAtMostOneDevice {
		if req.ClientID != "" && len(device) > 0 {
			return nil, "", invalid("ClientID", "set exactly one of ClientID (a known device) and DeviceInformation (first sign-on), not both")
		}
		if rule == agsExactlyOneDevice && req.ClientID == "" && len(device) == 0 {
			return nil, "", invalid("ClientID", "set exactly one of ClientID (a known device) and DeviceInformation (first sign-on)")
		}
		if len(device) > 0 {
			// Compacting validates it too, and is what encoding/json would do to a RawMessage.
			var compact bytes.Buffer
			if device[0] != '{' || json.Compact(&compact, device) != nil {
				return nil, "", invalid("DeviceInformation", "not a JSON object")
			}
			body.DeviceInformation = compact.Bytes()
		}
	}
	cl.body = body.appendJSON(nil)
	set("Content-Type", "application/json")
	return cl, cid, nil
}

// appendJSON writes the body (DeviceInformation already compact) as encoding/json would with
// SetEscapeHTML(false), so that passwords with < > & go out as typed, without reflection.
func (b *agsRequestBody) appendJSON(dst []byte) []byte {
	n := 32 + len(b.ClientID) + len(b.DeviceInformation)
	for _, p := range b.Parameters {
		n += 24 + len(p.Name) + len(p.Value)
	}
	if dst == nil {
		dst = make([]byte, 0, n)
	}
	dst = append(dst, `{"parameters":[`...)
	for i, p := range b.Parameters {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = appendJSONString(dst, p.Name)
		dst = append(dst, `,"value":`...)
		dst = appendJSONString(dst, p.Value)
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	if b.ClientID != "" {
		dst = append(dst, `,"clientId":`...)
		dst = appendJSONString(dst, b.ClientID)
	}
	if len(b.DeviceInformation) > 0 {
		dst = append(dst, `,"deviceInformation":`...)
		dst = append(dst, b.DeviceInformation...)
	}
	return append(dst, '}')
}

// agsSecretHeader sets a header carrying a secret (prefix + value), validating the value first.
func agsSecretHeader(cl *call, name, field, prefix, value string) error {
	value = agsStripBearer(value)
	if err := requireText(field, value); err != nil {
		return err
	}
	cl.header.Set(name, prefix+value)
	cl.secrets = append(cl.secrets, value)
	return nil
}

// agsStripBearer accepts a token given as a whole "Bearer <token>" header value.
func agsStripBearer(v string) string {
	v = strings.TrimSpace(v)
	scheme, rest, _ := strings.Cut(v, " ")
	if strings.EqualFold(scheme, "bearer") {
		return strings.TrimSpace(rest)
	}
	return v
}

// agsSecretParameter guesses from a provider-defined parameter name whether its value is a secret.
// Operators name parameters in their own language, hence translations of "password" (es, pt, de, nl,
// it, hu, pl, fi, hr/sr, cs). Guessing wide only costs a scrubbed word in an error message.
func agsSecretParameter(name string) bool {
	n := strings.ToLower(name)
	words := []string{"pass", "pwd", "pin", "secret", "token", "otp", "key", "challenge", "credential",
		"code", "clave", "contrase", "senha", "kennwort", "wachtwoord", "parola", "jelsz", "haslo", "hasło",
		"salasana", "lozink", "heslo"}
	contains := func(w string) bool { return strings.Contains(n, w) }
	return isSecretName(n) || slices.ContainsFunc(words, contains)
}
