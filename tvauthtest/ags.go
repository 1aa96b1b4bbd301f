package tvauthtest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/tvauth/tvauth"
)

// The AGS service the fake offers, as its discovery answer names it. Options configures a client
// with these.
const (
	AGSAuthService = "Customer Auth Service" // authServiceName; the x-auth-service-id value
	AGSTenant      = "nagra"                 // nv-tenant-id
)

// The sign-on parameters the fake's discovery lists (both mandatory): a user signs on with
// {"name":"username","value":<username>} and {"name":"password","value":AGSPassword(username)}.
const (
	AGSUsernameParam = "username"
	AGSPasswordParam = "password"
)

// DefaultAGSPassword is every seeded AGS user's password until SetAGSPassword changes it.
const DefaultAGSPassword = "opentv-secret"

// Token lifetimes, the documented examples: access one hour, refresh 48 hours, refresh cap 90 days.
const (
	AGSAccessLifetime       = time.Hour
	AGSRefreshLifetime      = 48 * time.Hour
	AGSFixedRefreshLifetime = 90 * 24 * time.Hour
)

// agsUserTokenLifetime bounds how long the userAccountTokens of a 300 stay usable.
const agsUserTokenLifetime = 10 * time.Minute

// The documented sign-in error codes (HTTP 403) most tests need; SetAGSUserError takes any code.
const (
	AGSAccountCancelled = 20001
	AGSAccountSuspended = 20002
	AGSDeviceDeleted    = 20003
	AGSDeviceDisabled   = 20004
	AGSMaxDevices       = 20007
	AGSTokenInvalid     = 20020
)

type agsState struct {
	mu         sync.Mutex
	users      map[string]*agsUser
	devices    map[string]*agsDevice // client_id → device
	choices    map[string]*agsChoice // userAccountToken of a 300 → the account it selects
	access     map[string]*agsGrant  // access token → grant
	refresh    map[string]*agsGrant  // refresh token → grant
	nextDevice int
	jwtKey     []byte

	tenant        string                      // RequireAGSTenant: the nv-tenant-id every request must carry
	sessionTokens map[string]*agsSessionToken // getSessionToken → signOnWithSessionToken
	operatorKey   []byte                      // signs OperatorAuthToken JWTs (AGSOperatorAuthToken)
}

type agsUser struct {
	name, password string
	accounts       []string
	errCode        int
}

type agsDevice struct {
	owner string
	info  json.RawMessage
}

// agsChoice is one selectable account of a 300, waiting for subsequentSignOn.
type agsChoice struct {
	user, account string
	batch         string          // the 300 it came in: choosing one account spends them all
	clientID      string          // the n-th sign-on's device, or ""
	info          json.RawMessage // the first sign-on's device, registered once an account is chosen
	expires       time.Time
	register      bool // from register/{type}: for subsequentRegister, not subsequentSignOn
}

// agsGrant is one signed-on device session: its current refresh token and every access token issued.
type agsGrant struct {
	user, account, clientID string
	accessTokens            map[string]time.Time // token → expiry
	refreshToken            string
	refreshExp, fixedExp    time.Time
}

func newAGSState() *agsState {
	return &agsState{
		users: map[string]*agsUser{}, devices: map[string]*agsDevice{}, choices: map[string]*agsChoice{},
		access: map[string]*agsGrant{}, refresh: map[string]*agsGrant{}, nextDevice: 989, jwtKey: randBytes(32),
		sessionTokens: map[string]*agsSessionToken{}, operatorKey: randBytes(32),
	}
}

func (s *Server) registerAGS(mux *http.ServeMux) {
	for path, h := range map[string]http.HandlerFunc{
		"/ags/servicediscovery":       s.agsDiscovery,
		"/ags/signOn":                 s.agsSignOn,
		"/ags/subsequentSignOn":       s.agsSubsequentSignOn,
		"/ags/refresh":                s.agsRefresh,
		"/ags/signOut":                s.agsSignOut,
		"/ags/register/":              s.agsRegister,
		"/ags/subsequentRegister":     s.agsSubsequentRegister,
		"/ags/getSessionToken":        s.agsGetSessionToken,
		"/ags/signOnWithSessionToken": s.agsSignOnWithSessionToken,
	} {
		mux.HandleFunc(path, s.agsTenantChecked(h))
	}
	mux.HandleFunc("/ags/", func(w http.ResponseWriter, r *http.Request) {
		agsError(w, http.StatusNotFound, "NOT_FOUND", "specified endpoint does not exist")
	})
}

// AddAGSUser seeds an SSO user whose password is DefaultAGSPassword. accounts are the ids of the OPF
// accounts the user is synced to: with more than one, signOn answers 300 and the app must choose;
// with none, the user has one account whose id is the username. Adding a user again replaces it.
func (s *Server) AddAGSUser(username string, accounts ...string) {
	if len(accounts) == 0 {
		accounts = []string{username}
	}
	st := s.ags
	st.mu.Lock()
	defer st.mu.Unlock()
	st.users[username] = &agsUser{name: username, password: DefaultAGSPassword, accounts: append([]string(nil), accounts...)}
}

// AGSPassword returns the password the fake expects from username, "" for an unknown user.
func (s *Server) AGSPassword(username string) string {
	st := s.ags
	st.mu.Lock()
	defer st.mu.Unlock()
	if u := st.users[username]; u != nil {
		return u.password
	}
	return ""
}

// SetAGSPassword changes the password of a seeded user.
func (s *Server) SetAGSPassword(username, password string) {
	st := s.ags
	st.mu.Lock()
	defer st.mu.Unlock()
	if u := st.users[username]; u != nil {
		u.password = password
	}
}

// SetAGSUserError makes every sign-on of username (signOn and subsequentSignOn) answer 403 with
// {"code":code,…}, e.g. AGSAccountSuspended; 0 clears it.
func (s *Server) SetAGSUserError(username string, code int) {
	st := s.ags
	st.mu.Lock()
	defer st.mu.Unlock()
	if u := st.users[username]; u != nil {
		u.errCode = code
	}
}

// AGSDevices returns the client_ids registered for username by first-time sign-ons, sorted.
func (s *Server) AGSDevices(username string) []string {
	st := s.ags
	st.mu.Lock()
	defer st.mu.Unlock()
	var ids []string
	for id, d := range st.devices {
		if d.owner == username {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// AGSDeviceInformation returns the deviceInformation a device registered with (the JSON as it
// arrived), and whether the device exists.
func (s *Server) AGSDeviceInformation(clientID string) (json.RawMessage, bool) {
	st := s.ags
	st.mu.Lock()
	defer st.mu.Unlock()
	d := st.devices[clientID]
	if d == nil {
		return nil, false
	}
	return append(json.RawMessage(nil), d.info...), true
}

// DeleteAGSDevice removes a registered device, as an operator would: the next sign-on with its
// clientId answers 403 code 20003, and its tokens stop working.
func (s *Server) DeleteAGSDevice(clientID string) {
	st := s.ags
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.devices, clientID)
	for tok, g := range st.refresh {
		if g.clientID == clientID {
			st.endGrant(g)
			delete(st.refresh, tok)
		}
	}
}

// AGSAccessTokenActive reports whether an access token the fake issued is live: not expired, not
// signed out.
func (s *Server) AGSAccessTokenActive(token tvauth.Secret) bool {
	st := s.ags
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.access[string(token)]
	return g != nil && now.Before(g.accessTokens[string(token)])
}

// AGSRefreshTokenActive reports whether a refresh token is the live one of its session.
func (s *Server) AGSRefreshTokenActive(token tvauth.Secret) bool {
	st := s.ags
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.refresh[string(token)]
	return g != nil && now.Before(g.refreshExp)
}

func agsError(w http.ResponseWriter, status int, code any, message string) {
	writeAGSJSON(w, status, map[string]any{"code": code, "message": message})
}

func writeAGSJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v) // the fake only marshals maps and structs of plain values
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// agsDiscovery is GET /ags/servicediscovery, in the documented shape.
func (s *Server) agsDiscovery(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		agsError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use GET")
		return
	}
	type prop struct {
		Name       string `json:"name"`
		Mandatory  bool   `json:"mandatory"`
		IsPassword bool   `json:"isPassword"`
	}
	type endpoint struct {
		Name                string `json:"name"`
		Path                string `json:"path"`
		ParameterProperties []prop `json:"parameterProperties"`
	}
	type service struct {
		AuthServiceName   string            `json:"authServiceName"`
		DisplayAttributes map[string]string `json:"displayAttributes"`
		Endpoints         []endpoint        `json:"endpoints"`
	}
	writeAGSJSON(w, http.StatusOK, map[string][]service{"availableServices": {{
		AuthServiceName:   AGSAuthService,
		DisplayAttributes: map[string]string{"logo": "http://customer.com/auth.jpg", "name": "Customer Authentication"},
		Endpoints: []endpoint{
			{Name: "SIGNON", Path: "/signOn", ParameterProperties: []prop{
				{Name: AGSUsernameParam, Mandatory: true},
				{Name: AGSPasswordParam, Mandatory: true, IsPassword: true},
			}},
			{Name: "REGISTER", Path: "/register/" + AGSRegisterType, ParameterProperties: []prop{
				{Name: AGSUsernameParam, Mandatory: true},
				{Name: AGSPasswordParam, Mandatory: true, IsPassword: true},
			}},
		},
	}}})
}

// agsBody is the JSON body every AGS POST takes.
type agsBody struct {
	Parameters        []agsParam      `json:"parameters"`
	ClientID          *string         `json:"clientId"`
	DeviceInformation json.RawMessage `json:"deviceInformation"`
}

type agsParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func (b *agsBody) param(name string) (string, bool) {
	for _, p := range b.Parameters {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

func (b *agsBody) hasDevice() bool {
	return len(b.DeviceInformation) > 0 && string(b.DeviceInformation) != "null"
}

// agsCommon checks what every AGS POST needs — method, JSON body and the auth service — and decodes
// the body. It answers the request itself and returns nil when a check fails.
func (s *Server) agsCommon(w http.ResponseWriter, r *http.Request) *agsBody {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		agsError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use POST")
		return nil
	}
	switch svc := r.Header.Get("x-auth-service-id"); svc {
	case "":
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "x-auth-service-id header is mandatory")
		return nil
	case AGSAuthService:
	default:
		agsError(w, http.StatusNotFound, "NOT_FOUND", "specified auth service does not exist")
		return nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "Content-Type must be application/json")
		return nil
	}
	var b agsBody
	dec := json.NewDecoder(bytes.NewReader(readAll(r)))
	if err := dec.Decode(&b); err != nil {
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "body is not the expected JSON object")
		return nil
	}
	if dec.More() {
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "trailing data after the JSON body")
		return nil
	}
	if b.Parameters == nil {
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "parameters is mandatory")
		return nil
	}
	for _, p := range b.Parameters {
		if p.Name == "" {
			agsError(w, http.StatusBadRequest, "BAD_REQUEST", "every parameter needs a name")
			return nil
		}
	}
	return &b
}

// agsSignOn is POST /ags/signOn: 201 with tokens for a user with one account, 300 with a
// userAccountToken per account for a user with several.
func (s *Server) agsSignOn(w http.ResponseWriter, r *http.Request) {
	b := s.agsCommon(w, r)
	if b == nil {
		return
	}
	if !agsDeviceBody(w, b, true) {
		return
	}
	s.agsCredentialGrant(w, b, false)
}

// agsCredentialGrant answers a signOn (or, register, a register) whose body has passed its checks:
// the user's credentials, then 201 with tokens for a user with one account or 300 with the
// choices for a user with several.
func (s *Server) agsCredentialGrant(w http.ResponseWriter, b *agsBody, register bool) {
	st := s.ags
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	u := st.agsCredentials(w, b)
	if u == nil {
		return
	}
	clientID, ok := st.knownDevice(w, b)
	if !ok {
		return
	}
	if len(u.accounts) > 1 {
		writeAGSJSON(w, http.StatusMultipleChoices, st.agsChoices(u, clientID, b.DeviceInformation, register, now))
		return
	}
	if clientID == "" {
		clientID = st.addDevice(u.name, b.DeviceInformation)
	}
	writeAGSJSON(w, http.StatusCreated, st.grant(u.name, u.accounts[0], clientID, now, nil))
}

// agsSubsequentSignOn is POST /ags/subsequentSignOn: the User-Token must be a userAccountToken the
// fake sent in a 300, unexpired and unused.
func (s *Server) agsSubsequentSignOn(w http.ResponseWriter, r *http.Request) {
	s.agsSubsequent(w, r, false)
}

// agsSubsequent serves subsequentSignOn and (register) subsequentRegister: the same check of a
// User-Token from the matching 300.
func (s *Server) agsSubsequent(w http.ResponseWriter, r *http.Request, register bool) {
	b := s.agsCommon(w, r)
	if b == nil {
		return
	}
	tok := r.Header.Get("User-Token")
	if tok == "" {
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "User-Token header is mandatory")
		return
	}
	st := s.ags
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.choices[tok]
	if c == nil || !now.Before(c.expires) || c.register != register {
		agsError(w, http.StatusUnauthorized, "UNAUTHORIZED", "User-Token is not a userAccountToken of a pending sign-on")
		return
	}
	if name, ok := b.param(AGSUsernameParam); ok && name != c.user {
		agsError(w, http.StatusUnauthorized, "UNAUTHORIZED", "username does not match the User-Token")
		return
	}
	u := st.users[c.user]
	if u == nil {
		agsError(w, http.StatusUnauthorized, "UNAUTHORIZED", "user no longer exists")
		return
	}
	if u.errCode != 0 {
		agsError(w, http.StatusForbidden, u.errCode, agsCodeMessage(u.errCode))
		return
	}
	clientID := c.clientID
	if b.ClientID != nil && *b.ClientID != "" {
		clientID = *b.ClientID
	}
	if clientID != "" && st.devices[clientID] == nil {
		agsError(w, http.StatusForbidden, AGSDeviceDeleted, agsCodeMessage(AGSDeviceDeleted))
		return
	}
	// Every token of that 300 is spent: the user has chosen.
	for t, other := range st.choices {
		if other.batch == c.batch {
			delete(st.choices, t)
		}
	}
	if clientID == "" {
		info := c.info
		if b.hasDevice() {
			info = b.DeviceInformation
		}
		clientID = st.addDevice(c.user, info)
	}
	writeAGSJSON(w, http.StatusCreated, st.grant(c.user, c.account, clientID, now, nil))
}

// agsRefresh is POST /ags/refresh with the refresh token in Authorization: 200 with new tokens; the
// old refresh token dies, the refresh cap (fixed_exp) does not move.
func (s *Server) agsRefresh(w http.ResponseWriter, r *http.Request) {
	if s.agsCommon(w, r) == nil {
		return
	}
	tok := agsBearer(r)
	if tok == "" {
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "Authorization header (the refresh token) is mandatory")
		return
	}
	st := s.ags
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.refresh[tok]
	if g == nil || !now.Before(g.refreshExp) {
		agsError(w, http.StatusUnauthorized, "UNAUTHORIZED", "refresh token is invalid, expired or already used")
		return
	}
	if st.devices[g.clientID] == nil {
		agsError(w, http.StatusForbidden, AGSDeviceDeleted, agsCodeMessage(AGSDeviceDeleted))
		return
	}
	delete(st.refresh, tok)
	writeAGSJSON(w, http.StatusOK, st.grant(g.user, g.account, g.clientID, now, g))
}

// agsSignOut is POST /ags/signOut with the access token in Authorization: it ends the device session,
// every access token and the refresh token of it. A token that is not live answers 403 code 20020
// (the documented "token validity check failed"): signOut lists no 401.
func (s *Server) agsSignOut(w http.ResponseWriter, r *http.Request) {
	if s.agsCommon(w, r) == nil {
		return
	}
	tok := agsBearer(r)
	if tok == "" {
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "Authorization header (the access token) is mandatory")
		return
	}
	st := s.ags
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.access[tok]
	if g == nil || !now.Before(g.accessTokens[tok]) {
		agsError(w, http.StatusForbidden, AGSTokenInvalid, agsCodeMessage(AGSTokenInvalid))
		return
	}
	st.endGrant(g)
	w.WriteHeader(http.StatusOK)
}

// agsBearer is the token of the Authorization header, with or without the "Bearer " prefix (NAGRA's
// pages leave the AGS form open; its other APIs and real clients use Bearer).
func agsBearer(r *http.Request) string {
	v := r.Header.Get("Authorization")
	if hasPrefixFold(v, "Bearer ") {
		v = v[len("Bearer "):]
	}
	return v
}

func agsCodeMessage(code int) string {
	switch code {
	case AGSAccountCancelled:
		return "account cancelled by the operator"
	case AGSAccountSuspended:
		return "account suspended by the operator"
	case AGSDeviceDeleted:
		return "device deleted or does not exist"
	case AGSDeviceDisabled:
		return "device disabled"
	case AGSMaxDevices:
		return "maximum number of devices reached for the account"
	case AGSTokenInvalid:
		return "token validity check failed"
	}
	return "sign-in refused (" + strconv.Itoa(code) + ")"
}
