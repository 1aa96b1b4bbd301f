package tvauthtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The AGS endpoints beside sign-on: TVkey activation (register/{type}, subsequentRegister), the
// operator head-end's session token (getSessionToken) and the sign-on with it (signOnWithSessionToken),
// and the tenant check every endpoint makes once RequireAGSTenant is set.

// AGSRegisterType is the registration type the fake's discovery lists (endpoint "REGISTER", path
// "/register/tvkey"): POST /ags/register/{type} with another type answers 404.
const AGSRegisterType = "tvkey"

// AGSSessionTokenParam and AGSOperatorTokenParam are the parameter names of the session-token pair:
// getSessionToken takes {"name":"OperatorAuthToken","value":<JWT>}, signOnWithSessionToken
// {"name":"sessionToken","value":<the token getSessionToken answered>}.
const (
	AGSSessionTokenParam  = "sessionToken"
	AGSOperatorTokenParam = "OperatorAuthToken"
)

// AGSSessionTokenLifetime bounds how long a session token stays usable; it is usable once.
const AGSSessionTokenLifetime = 10 * time.Minute

// agsSessionToken is a session token getSessionToken issued, waiting for signOnWithSessionToken.
type agsSessionToken struct {
	user, account string
	expires       time.Time
}

// RequireAGSTenant makes every AGS endpoint check nv-tenant-id against tenant, as a multi-tenant
// deployment does: a request without the header answers 400, one naming another tenant 404
// ("specified tenant does not exist", AGS's answer for an entity it does not know). "" turns the check
// off, the default: the docs do not mark the header mandatory. Options sends AGSTenant.
func (s *Server) RequireAGSTenant(tenant string) {
	st := s.ags
	st.mu.Lock()
	defer st.mu.Unlock()
	st.tenant = tenant
}

// agsTenantChecked wraps an AGS handler with the RequireAGSTenant check.
func (s *Server) agsTenantChecked(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st := s.ags
		st.mu.Lock()
		want := st.tenant
		st.mu.Unlock()
		if want != "" {
			switch got := r.Header.Get("nv-tenant-id"); {
			case got == "":
				agsError(w, http.StatusBadRequest, "BAD_REQUEST", "nv-tenant-id header is mandatory")
				return
			case got != want:
				agsError(w, http.StatusNotFound, "NOT_FOUND", "specified tenant does not exist")
				return
			}
		}
		h(w, r)
	}
}

// agsCredentials checks the username and password parameters: the user, or the error reply written.
// Call with st.mu held.
func (st *agsState) agsCredentials(w http.ResponseWriter, b *agsBody) *agsUser {
	username, okU := b.param(AGSUsernameParam)
	password, okP := b.param(AGSPasswordParam)
	if !okU || !okP {
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "mandatory parameters are username and password")
		return nil
	}
	u := st.users[username]
	if u == nil || subtle.ConstantTimeCompare([]byte(password), []byte(u.password)) != 1 {
		agsError(w, http.StatusUnauthorized, "UNAUTHORIZED", "incorrect username or password")
		return nil
	}
	if u.errCode != 0 {
		agsError(w, http.StatusForbidden, u.errCode, agsCodeMessage(u.errCode))
		return nil
	}
	return u
}

// agsDeviceBody checks the form of clientId and deviceInformation: exactly one when exactly, at most
// one otherwise. It answers 400 itself and returns false when the body is malformed.
func agsDeviceBody(w http.ResponseWriter, b *agsBody, exactly bool) bool {
	if b.hasDevice() && b.ClientID != nil || exactly && !b.hasDevice() && b.ClientID == nil {
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "send exactly one of clientId (n-th sign-on) and deviceInformation (first sign-on)")
		return false
	}
	if b.hasDevice() && b.DeviceInformation[0] != '{' {
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "deviceInformation must be an object")
		return false
	}
	if b.ClientID != nil && *b.ClientID == "" {
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "clientId is empty")
		return false
	}
	return true
}

// knownDevice returns the body's clientId ("" for a new device), or answers 403 code 20003 and
// returns false when no such device is registered. Call with st.mu held, after authenticating the
// caller: a stranger learns nothing of which devices exist.
func (st *agsState) knownDevice(w http.ResponseWriter, b *agsBody) (string, bool) {
	if b.ClientID == nil {
		return "", true
	}
	if st.devices[*b.ClientID] == nil {
		agsError(w, http.StatusForbidden, AGSDeviceDeleted, agsCodeMessage(AGSDeviceDeleted))
		return "", false
	}
	return *b.ClientID, true
}

// agsRegister is POST /ags/register/{type}: a TVkey activation with the user's credentials. It
// answers like signOn: 201 with tokens for a user with one account, 300 with a userAccountToken per
// account (for subsequentRegister) for a user with several. clientId and deviceInformation are
// optional (at most one); without either the activated device is registered with no information.
func (s *Server) agsRegister(w http.ResponseWriter, r *http.Request) {
	b := s.agsCommon(w, r)
	if b == nil {
		return
	}
	if typ := strings.TrimPrefix(r.URL.Path, "/ags/register/"); typ != AGSRegisterType {
		agsError(w, http.StatusNotFound, "NOT_FOUND", "specified registration type does not exist")
		return
	}
	if !agsDeviceBody(w, b, false) {
		return
	}
	s.agsCredentialGrant(w, b, true)
}

// agsChoices records the selectable accounts of a 300 and returns its body. register marks them for
// subsequentRegister (and not subsequentSignOn). Call with st.mu held.
func (st *agsState) agsChoices(u *agsUser, clientID string, info json.RawMessage, register bool, now time.Time) map[string]any {
	type account struct {
		AccountInformation string `json:"accountInformation"`
		UserAccountToken   string `json:"userAccountToken"`
	}
	var accounts []account
	batch := randURLToken(12)
	for _, id := range u.accounts {
		tok := randURLToken(24)
		st.choices[tok] = &agsChoice{user: u.name, account: id, batch: batch, clientID: clientID, register: register,
			info: append(json.RawMessage(nil), info...), expires: now.Add(agsUserTokenLifetime)}
		ai, _ := json.Marshal(map[string]string{"accountId": id, "name": u.name, "status": "ACTIVE"})
		accounts = append(accounts, account{AccountInformation: string(ai), UserAccountToken: tok})
	}
	return map[string]any{"accounts": accounts}
}

// agsSubsequentRegister is POST /ags/subsequentRegister: the User-Token must be a userAccountToken of
// a register 300, unexpired and unused. 201 with tokens.
func (s *Server) agsSubsequentRegister(w http.ResponseWriter, r *http.Request) {
	s.agsSubsequent(w, r, true)
}

// agsSessionTokenKey signs and verifies the OperatorAuthToken JWTs (HS256, the shared secret a
// head-end and AGS hold).
func (st *agsState) operatorSignature(signing string) string {
	m := hmac.New(sha256.New, st.operatorKey)
	m.Write([]byte(signing))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// AGSOperatorAuthToken returns the OperatorAuthToken an operator head-end would sign for an OPF
// account (one of a seeded user's accounts) to ask getSessionToken for a session token: an HS256 JWT
// {"typ":"GetSessionTokenAuthN","OpfAccountId":…,"OpfTenantId":AGSTenant,"aud":"ags","exp":…} signed
// with a secret of this Server, valid for validity (0: ten minutes).
func (s *Server) AGSOperatorAuthToken(account string, validity time.Duration) string {
	if validity == 0 {
		validity = 10 * time.Minute
	}
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT", "kid": "tvauthtest-operator"})
	payload, _ := json.Marshal(map[string]any{"typ": "GetSessionTokenAuthN", "OpfAccountId": account,
		"OpfTenantId": AGSTenant, "aud": "ags", "exp": s.now().Add(validity).Unix()})
	enc := base64.RawURLEncoding.EncodeToString
	signing := enc(header) + "." + enc(payload)
	return signing + "." + s.ags.operatorSignature(signing)
}

// readOperatorToken verifies an OperatorAuthToken and returns its OPF account. Call with st.mu held.
func (st *agsState) readOperatorToken(tok string, now time.Time) (string, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || !hmac.Equal([]byte(st.operatorSignature(parts[0]+"."+parts[1])), []byte(parts[2])) {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", false
	}
	var c struct {
		Typ     string `json:"typ"`
		Account string `json:"OpfAccountId"`
		Aud     string `json:"aud"`
		Exp     int64  `json:"exp"`
	}
	if json.Unmarshal(raw, &c) != nil || c.Typ != "GetSessionTokenAuthN" || c.Aud != "ags" || c.Account == "" ||
		!now.Before(time.Unix(c.Exp, 0)) {
		return "", false
	}
	return c.Account, true
}

// accountOwner is the seeded user an OPF account belongs to. Call with st.mu held.
func (st *agsState) accountOwner(account string) *agsUser {
	for _, u := range st.users {
		if slices.Contains(u.accounts, account) {
			return u
		}
	}
	return nil
}

// agsMandatoryParam is the value of a parameter the endpoint cannot do without: missing or empty, it
// answers 400.
func agsMandatoryParam(w http.ResponseWriter, b *agsBody, name string) (string, bool) {
	v, ok := b.param(name)
	if !ok || v == "" {
		agsError(w, http.StatusBadRequest, "BAD_REQUEST", "mandatory parameter is "+name)
		return "", false
	}
	return v, true
}

// agsGetSessionToken is POST /ags/getSessionToken: the OperatorAuthToken parameter must be a JWT
// AGSOperatorAuthToken made. 200 {"sessionToken":…}.
func (s *Server) agsGetSessionToken(w http.ResponseWriter, r *http.Request) {
	b := s.agsCommon(w, r)
	if b == nil {
		return
	}
	tok, ok := agsMandatoryParam(w, b, AGSOperatorTokenParam)
	if !ok {
		return
	}
	st := s.ags
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	account, ok := st.readOperatorToken(tok, now)
	if !ok {
		agsError(w, http.StatusUnauthorized, "UNAUTHORIZED", AGSOperatorTokenParam+" is invalid or expired")
		return
	}
	u := st.accountOwner(account)
	if u == nil {
		agsError(w, http.StatusForbidden, AGSAccountCancelled, "specified OPF account does not exist")
		return
	}
	if u.errCode != 0 {
		agsError(w, http.StatusForbidden, u.errCode, agsCodeMessage(u.errCode))
		return
	}
	session := randURLToken(16)
	st.sessionTokens[session] = &agsSessionToken{user: u.name, account: account, expires: now.Add(AGSSessionTokenLifetime)}
	writeAGSJSON(w, http.StatusOK, map[string]string{"sessionToken": session})
}

// agsSignOnWithSessionToken is POST /ags/signOnWithSessionToken: the sessionToken parameter must be
// one getSessionToken issued, unexpired and unused; exactly one of clientId and deviceInformation, as
// for signOn. 201 with tokens for the account the head-end named.
func (s *Server) agsSignOnWithSessionToken(w http.ResponseWriter, r *http.Request) {
	b := s.agsCommon(w, r)
	if b == nil {
		return
	}
	tok, ok := agsMandatoryParam(w, b, AGSSessionTokenParam)
	if !ok {
		return
	}
	if !agsDeviceBody(w, b, true) {
		return
	}
	st := s.ags
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	t := st.sessionTokens[tok]
	if t == nil || !now.Before(t.expires) {
		agsError(w, http.StatusUnauthorized, "UNAUTHORIZED", "session token is invalid, expired or already used")
		return
	}
	u := st.users[t.user]
	if u == nil {
		agsError(w, http.StatusNotFound, "NOT_FOUND", "specified user does not exist")
		return
	}
	if u.errCode != 0 {
		agsError(w, http.StatusForbidden, u.errCode, agsCodeMessage(u.errCode))
		return
	}
	clientID, ok := st.knownDevice(w, b)
	if !ok {
		return
	}
	delete(st.sessionTokens, tok)
	if clientID == "" {
		clientID = st.addDevice(u.name, b.DeviceInformation)
	}
	writeAGSJSON(w, http.StatusCreated, st.grant(u.name, t.account, clientID, now, nil))
}
