package tvauthtest

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
)

// passRegister is POST /o/client/register: a JSON body carrying the software statement, X-Device-Info
// required; 201 with client credentials, or 400 {"error":…,"error_description":…} with the error the
// DCR docs list and why.
func (s *Server) passRegister(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		adobeMethodNotAllowed(w, http.MethodPost)
		return
	}
	if !adobeMediaType(r.Header, "application/json") {
		passOAuthError(w, "invalid_request", "Content-Type must be application/json")
		return
	}
	if !passDCRDeviceInfo(w, r) {
		return
	}
	var req struct {
		SoftwareStatement *string `json:"software_statement"`
		RedirectURI       *string `json:"redirect_uri"`
	}
	dec := json.NewDecoder(bytes.NewReader(readAll(r)))
	switch err := dec.Decode(&req); {
	case err != nil || dec.More():
		passOAuthError(w, "invalid_request", "the body is not one JSON object")
		return
	case req.SoftwareStatement == nil || *req.SoftwareStatement == "":
		passOAuthError(w, "invalid_request", "software_statement is missing")
		return
	case req.RedirectURI != nil && !adobeAbsoluteURL(*req.RedirectURI):
		passOAuthError(w, "invalid_redirect_uri", "redirect_uri is not an absolute URL")
		return
	case *req.SoftwareStatement != s.pass.statement:
		passOAuthError(w, "invalid_software_statement", "the software statement is not one this server issued")
		return
	}
	now := s.adobeNow()
	c := &passClient{id: adobeSecret(12), secret: adobeSecret(24), issuedAt: now}
	s.pass.mu.Lock()
	s.pass.clients[c.id] = c
	s.pass.mu.Unlock()
	redirects := []string{}
	if req.RedirectURI != nil {
		redirects = append(redirects, *req.RedirectURI)
	}
	adobeJSON(w, http.StatusCreated, map[string]any{
		"client_id": c.id, "client_secret": c.secret, "client_id_issued_at": now.Unix(),
		"redirect_uris": redirects, "grant_types": []string{"client_credentials"},
		"scopes": []string{"api:client:v2"},
	})
}

// passToken is POST /o/client/token: form client_id, client_secret, grant_type=client_credentials
// (the OpenAPI document models them as query parameters, so those are accepted too, but not both
// at once); 201 with a bearer token, or 400 {"error":…}.
func (s *Server) passToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		adobeMethodNotAllowed(w, http.MethodPost)
		return
	}
	if !passDCRDeviceInfo(w, r) {
		return
	}
	body := readAll(r)
	var params url.Values
	switch {
	case len(body) > 0 && r.URL.RawQuery != "":
		passOAuthError(w, "invalid_request", "the credentials are in both the body and the query: send them once, in the body")
		return
	case len(body) > 0:
		if !adobeMediaType(r.Header, "application/x-www-form-urlencoded") {
			passOAuthError(w, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
			return
		}
		var err error
		if params, err = url.ParseQuery(string(body)); err != nil {
			passOAuthError(w, "invalid_request", "the body is not a valid form")
			return
		}
	default:
		params = r.URL.Query()
	}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if len(params[name]) > 1 { // "the request repeats a parameter"
			switch name {
			case "client_id", "client_secret", "grant_type", "refresh_token":
				passOAuthError(w, "invalid_request", "the request repeats "+name)
			default: // the client's own name is not echoed
				passOAuthError(w, "invalid_request", "the request repeats a parameter")
			}
			return
		}
	}
	id, secret, grant := params.Get("client_id"), params.Get("client_secret"), params.Get("grant_type")
	for _, p := range [][2]string{{"client_id", id}, {"client_secret", secret}, {"grant_type", grant}} {
		if p[1] == "" {
			passOAuthError(w, "invalid_request", p[0]+" is missing")
			return
		}
	}
	if grant != "client_credentials" {
		passOAuthError(w, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	now := s.adobeNow()
	tok := adobeSecret(32)
	s.pass.mu.Lock()
	c, ok := s.pass.clients[id]
	if ok && c.secret == secret {
		s.pass.tokens[tok] = &passToken{clientID: id, expires: now.Add(PassTokenTTL)}
	}
	s.pass.mu.Unlock()
	if !ok || c.secret != secret {
		passOAuthError(w, "invalid_client", "no client is registered with this client_id and client_secret")
		return
	}
	adobeJSON(w, http.StatusCreated, map[string]any{
		"id": adobeUUID(), "access_token": tok, "created_at": now.UnixMilli(),
		"expires_in": int64(PassTokenTTL.Seconds()), "token_type": "bearer",
	})
}

// passOAuthError is the DCR endpoints' error body: the OAuth error code the DCR docs list, and why
// (RFC 6749 §5.2's error_description), which never quotes a credential the request carried.
func passOAuthError(w http.ResponseWriter, code, description string) {
	adobeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": description})
}

// passDCRDeviceInfo checks the X-Device-Info header both DCR endpoints require, answering 400 itself
// when it is missing or malformed.
func passDCRDeviceInfo(w http.ResponseWriter, r *http.Request) bool {
	v := r.Header.Get("X-Device-Info")
	if v == "" {
		passOAuthError(w, "invalid_request", "the X-Device-Info header is missing")
		return false
	}
	if _, err := adobeParseDeviceInfo(v); err != nil {
		passOAuthError(w, "invalid_request", "the X-Device-Info header is invalid: "+err.Error())
		return false
	}
	return true
}

// IssuePassToken registers a client and issues it an access token directly, for tests that need a
// valid Authorization header without going through DCR.
func (s *Server) IssuePassToken() string {
	now := s.adobeNow()
	c := &passClient{id: adobeSecret(12), secret: adobeSecret(24), issuedAt: now}
	tok := adobeSecret(32)
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	s.pass.clients[c.id] = c
	s.pass.tokens[tok] = &passToken{clientID: c.id, expires: now.Add(PassTokenTTL)}
	return tok
}
