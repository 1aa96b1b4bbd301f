package tvauthtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
)

// passRegister is POST /o/client/register: a JSON body carrying the software statement, X-Device-Info
// required; 201 with client credentials, or 400 {"error":…} as the DCR docs list.
func (s *Server) passRegister(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		adobeMethodNotAllowed(w, http.MethodPost)
		return
	}
	if !adobeMediaType(r.Header, "application/json") {
		passOAuthError(w, "invalid_request")
		return
	}
	if _, err := adobeParseDeviceInfo(r.Header.Get("X-Device-Info")); err != nil {
		passOAuthError(w, "invalid_request")
		return
	}
	var req struct {
		SoftwareStatement *string `json:"software_statement"`
		RedirectURI       *string `json:"redirect_uri"`
	}
	dec := json.NewDecoder(bytes.NewReader(readAll(r)))
	if err := dec.Decode(&req); err != nil || dec.More() || req.SoftwareStatement == nil || *req.SoftwareStatement == "" {
		passOAuthError(w, "invalid_request")
		return
	}
	if req.RedirectURI != nil && !adobeAbsoluteURL(*req.RedirectURI) {
		passOAuthError(w, "invalid_redirect_uri")
		return
	}
	if *req.SoftwareStatement != s.pass.statement {
		passOAuthError(w, "invalid_software_statement")
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
	if _, err := adobeParseDeviceInfo(r.Header.Get("X-Device-Info")); err != nil {
		passOAuthError(w, "invalid_request")
		return
	}
	body := readAll(r)
	var params url.Values
	switch {
	case len(body) > 0 && r.URL.RawQuery != "":
		passOAuthError(w, "invalid_request") // more than one mechanism for the credentials
		return
	case len(body) > 0:
		if !adobeMediaType(r.Header, "application/x-www-form-urlencoded") {
			passOAuthError(w, "invalid_request")
			return
		}
		var err error
		if params, err = url.ParseQuery(string(body)); err != nil {
			passOAuthError(w, "invalid_request")
			return
		}
	default:
		params = r.URL.Query()
	}
	for _, vs := range params {
		if len(vs) > 1 { // "the request repeats a parameter"
			passOAuthError(w, "invalid_request")
			return
		}
	}
	id, secret, grant := params.Get("client_id"), params.Get("client_secret"), params.Get("grant_type")
	if id == "" || secret == "" || grant == "" {
		passOAuthError(w, "invalid_request")
		return
	}
	if grant != "client_credentials" {
		passOAuthError(w, "unsupported_grant_type")
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
		passOAuthError(w, "invalid_client")
		return
	}
	adobeJSON(w, http.StatusCreated, map[string]any{
		"id": adobeUUID(), "access_token": tok, "created_at": now.UnixMilli(),
		"expires_in": int64(PassTokenTTL.Seconds()), "token_type": "bearer",
	})
}

// passOAuthError is the DCR endpoints' error body.
func passOAuthError(w http.ResponseWriter, code string) {
	adobeJSON(w, http.StatusBadRequest, map[string]string{"error": code})
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
