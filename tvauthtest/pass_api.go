package tvauthtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// passDevice is the device a v2 call identified itself as.
type passDevice struct {
	id   string         // decoded AP-Device-Identifier
	info map[string]any // decoded X-Device-Info
}

// passAPI routes /api/v2/…. The order of checks is Adobe's: the path, the method, the access token,
// then headers and parameters.
func (s *Server) passAPI(w http.ResponseWriter, r *http.Request) {
	seg, err := adobeSegments(r.URL.EscapedPath(), "/api/v2/")
	if err != nil || len(seg) < 2 || seg[0] == "" {
		passNotFound(w)
		return
	}
	// The browser endpoint carries no access token: it is opened in a user agent.
	if seg[0] == "authenticate" && len(seg) == 3 {
		if r.Method != http.MethodGet {
			// A page for user agents: its errors are text/html, like Adobe's (spec §2.5).
			w.Header().Set("Allow", http.MethodGet)
			adobeHTML(w, http.StatusMethodNotAllowed, "Use GET.")
			return
		}
		s.passBrowserAuthenticate(w, r, seg[1], seg[2])
		return
	}
	sp := seg[0]
	type route struct {
		method string
		handle func()
	}
	var rt route
	var allow []string // what a 405 lists when the path takes more methods than rt's
	switch {
	case len(seg) == 2 && seg[1] == "configuration":
		rt = route{http.MethodGet, func() { s.passConfiguration(w, r, sp) }}
	case len(seg) == 2 && seg[1] == "sessions":
		rt = route{http.MethodPost, func() { s.passCreateSession(w, r, sp) }}
	case len(seg) == 3 && seg[1] == "sessions":
		allow = []string{http.MethodGet, http.MethodPost}
		if r.Method == http.MethodGet {
			rt = route{http.MethodGet, func() { s.passSessionStatus(w, r, sp, seg[2]) }}
		} else {
			rt = route{http.MethodPost, func() { s.passResumeSession(w, r, sp, seg[2]) }}
		}
	case len(seg) == 4 && seg[1] == "sessions" && seg[2] == "sso":
		rt = route{http.MethodPost, func() { s.passPartnerSession(w, r, sp, seg[3]) }}
	case len(seg) == 4 && seg[1] == "profiles" && seg[2] == "sso":
		rt = route{http.MethodPost, func() { s.passPartnerProfile(w, r, sp, seg[3]) }}
	case len(seg) == 2 && seg[1] == "profiles":
		rt = route{http.MethodGet, func() { s.passProfiles(w, r, sp, "") }}
	case len(seg) == 3 && seg[1] == "profiles":
		rt = route{http.MethodGet, func() { s.passProfiles(w, r, sp, seg[2]) }}
	case len(seg) == 4 && seg[1] == "profiles" && seg[2] == "code":
		rt = route{http.MethodGet, func() { s.passProfilesByCode(w, r, sp, seg[3]) }}
	case len(seg) == 4 && seg[1] == "decisions" && (seg[2] == "authorize" || seg[2] == "preauthorize"):
		rt = route{http.MethodPost, func() { s.passDecisions(w, r, sp, seg[3], seg[2] == "authorize") }}
	case len(seg) == 3 && seg[1] == "logout":
		rt = route{http.MethodGet, func() { s.passLogout(w, r, sp, seg[2]) }}
	default:
		passNotFound(w)
		return
	}
	if r.Method != rt.method {
		if allow == nil {
			allow = []string{rt.method}
		}
		adobeMethodNotAllowed(w, allow...)
		return
	}
	if _, ok := s.validToken(r); !ok {
		adobeEEC(w, http.StatusUnauthorized, "application-registration", "invalid_access_token_client_application",
			"The access token is invalid or expired: obtain a new one through Dynamic Client Registration.")
		return
	}
	rt.handle()
}

func passNotFound(w http.ResponseWriter) {
	adobeJSON(w, http.StatusNotFound, map[string]any{"status": http.StatusNotFound, "message": "Not Found"})
}

// passDeviceHeaders checks AP-Device-Identifier and X-Device-Info. Where the docs require them a
// missing header is an error; where they are optional only a malformed one is.
func passDeviceHeaders(w http.ResponseWriter, r *http.Request, required bool) (passDevice, bool) {
	var d passDevice
	if v := r.Header.Get("AP-Device-Identifier"); v != "" || required {
		id, err := adobeParseDeviceIdentifier(v)
		if err != nil {
			adobeEEC(w, http.StatusBadRequest, "none", "invalid_header_device_identifier",
				"The device identifier header value is missing or invalid: "+err.Error()+".")
			return d, false
		}
		d.id = id
	}
	if v := r.Header.Get("X-Device-Info"); v != "" || required {
		info, err := adobeParseDeviceInfo(v)
		if err != nil {
			adobeEEC(w, http.StatusBadRequest, "none", "invalid_header_device_info",
				"The device information header value is missing or invalid: "+err.Error()+".")
			return d, false
		}
		d.info = info
	}
	return d, true
}

// passDeviceForm reads what a POST that opens a session starts with: the required device headers,
// then the form.
func passDeviceForm(w http.ResponseWriter, r *http.Request) (passDevice, url.Values, bool) {
	dev, ok := passDeviceHeaders(w, r, true)
	if !ok {
		return dev, nil, false
	}
	form, ok := passForm(w, r)
	return dev, form, ok
}

// passForm reads an application/x-www-form-urlencoded body (an empty body needs no Content-Type).
func passForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	body := readAll(r)
	if len(body) == 0 && r.Header.Get("Content-Type") == "" {
		return url.Values{}, true
	}
	if !adobeMediaType(r.Header, "application/x-www-form-urlencoded") {
		adobeUnsupportedMediaType(w, "application/x-www-form-urlencoded")
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		adobeJSON(w, http.StatusBadRequest, map[string]any{
			"status": http.StatusBadRequest, "message": "The request body is not a valid form.",
		})
		return nil, false
	}
	return form, true
}

// passIntegration checks that the MVPD is seeded, i.e. integrated with every service provider.
func (s *Server) passIntegration(w http.ResponseWriter, mvpd string) bool {
	if s.pass.mvpd(mvpd) == nil {
		adobeEEC(w, http.StatusBadRequest, "none", "invalid_integration",
			"The integration between the service provider and the MVPD "+strconv.Quote(mvpd)+" is not active.")
		return false
	}
	return true
}

func (s *Server) passConfiguration(w http.ResponseWriter, r *http.Request, sp string) {
	dev, ok := passDeviceHeaders(w, r, false)
	if !ok {
		return
	}
	s.pass.mu.Lock()
	ids := make([]string, 0, len(s.pass.mvpds))
	for id := range s.pass.mvpds {
		ids = append(ids, id)
	}
	s.pass.mu.Unlock()
	sort.Strings(ids)
	mvpds := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		mvpds = append(mvpds, map[string]any{
			"id": id, "displayName": id, "logoUrl": "https://entitlement.auth.adobe.com/entitlement/noLogo.png",
			"isTempPass": strings.HasPrefix(id, "TempPass"), "isProxy": false, "authPerAggregator": false,
		})
	}
	osName := "Unknown"
	if v, _ := dev.info["osName"].(string); v != "" {
		osName = v
	}
	adobeJSON(w, http.StatusOK, map[string]any{
		"platformCategory": "Unknown", "os": osName, "sdkType": "REST_API_V2", "platform": "Unknown",
		"requestor": map[string]any{
			"id": sp, "name": sp,
			"domains": []map[string]any{{"name": "adobe.com", "mvpdInitiated": false}},
			"mvpds":   mvpds,
		},
	})
}

// passProfileObject is an MvpdProfileResponse (timestamps as JSON numbers of ms).
func passProfileObject(p *Profile) map[string]any {
	issuer := p.MVPD
	switch p.Type {
	case "temporary", "degraded":
		issuer = "Adobe"
	case PartnerProfileType:
		issuer = PartnerApple
	}
	return map[string]any{
		"notBefore": p.NotBefore.UnixMilli(), "notAfter": p.NotAfter.UnixMilli(),
		"issuer": issuer, "type": p.Type, "sessionId": p.SessionID,
		"attributes": map[string]any{
			"userID":      map[string]any{"value": p.UserID, "state": "plain"},
			"householdID": map[string]any{"value": "household-" + p.UserID, "state": "plain"},
		},
	}
}

func (s *Server) passProfiles(w http.ResponseWriter, r *http.Request, sp, mvpd string) {
	dev, ok := passDeviceHeaders(w, r, true)
	if !ok {
		return
	}
	if mvpd != "" && !s.passIntegration(w, mvpd) {
		return
	}
	now := s.adobeNow()
	profiles := map[string]any{}
	s.pass.mu.Lock()
	for k, p := range s.pass.profiles {
		if k.serviceProvider == sp && k.deviceID == dev.id && (mvpd == "" || k.mvpd == mvpd) && now.Before(p.NotAfter) {
			profiles[k.mvpd] = passProfileObject(p)
		}
	}
	s.pass.mu.Unlock()
	adobeJSON(w, http.StatusOK, map[string]any{"profiles": profiles})
}

func (s *Server) passProfilesByCode(w http.ResponseWriter, r *http.Request, sp, code string) {
	if _, ok := passDeviceHeaders(w, r, false); !ok {
		return
	}
	now := s.adobeNow()
	s.pass.mu.Lock()
	ss, ok := s.pass.sessions[code]
	var key *passProfileKey
	if ok {
		key = ss.profile
	}
	s.pass.mu.Unlock()
	if !ok || ss.serviceProvider != sp {
		adobeEEC(w, http.StatusBadRequest, "none", "invalid_parameter_code", "The code parameter value is missing or invalid.")
		return
	}
	profiles := map[string]any{}
	if key == nil {
		// Still waiting for the user: an empty map while the code lives, an error once it expired.
		if !now.Before(ss.notAfter) {
			adobeEEC(w, http.StatusBadRequest, "none", "invalid_authentication_session",
				"The authentication session associated with the code has expired.")
			return
		}
	} else {
		s.pass.mu.Lock()
		if p := s.pass.profiles[*key]; p != nil && now.Before(p.NotAfter) {
			profiles[key.mvpd] = passProfileObject(p)
		}
		s.pass.mu.Unlock()
	}
	adobeJSON(w, http.StatusOK, map[string]any{"profiles": profiles})
}

func (s *Server) passDecisions(w http.ResponseWriter, r *http.Request, sp, mvpd string, authorize bool) {
	dev, ok := passDeviceHeaders(w, r, true)
	if !ok {
		return
	}
	if !adobeMediaType(r.Header, "application/json") {
		adobeUnsupportedMediaType(w, "application/json")
		return
	}
	var req struct {
		Resources []string `json:"resources"`
	}
	dec := json.NewDecoder(bytes.NewReader(readAll(r)))
	if err := dec.Decode(&req); err != nil || dec.More() || len(req.Resources) == 0 || passHasEmpty(req.Resources) {
		adobeEEC(w, http.StatusBadRequest, "none", "invalid_parameter_resources",
			"The resources parameter value is missing or invalid.")
		return
	}
	if !s.passIntegration(w, mvpd) {
		return
	}
	now := s.adobeNow()
	s.pass.mu.Lock()
	p := s.pass.profiles[passProfileKey{sp, dev.id, mvpd}]
	var prof Profile
	if p != nil {
		prof = *p
	}
	s.pass.mu.Unlock()
	switch {
	case p == nil:
		adobeEEC(w, http.StatusForbidden, "authentication", "authenticated_profile_missing",
			"The authenticated profile is missing.")
		return
	case !now.Before(prof.NotAfter):
		adobeEEC(w, http.StatusForbidden, "authentication", "authenticated_profile_expired",
			"The authenticated profile has expired.")
		return
	}
	source := "mvpd"
	switch {
	case prof.Type == "temporary":
		source = "temppass"
	case prof.Type == DegradedProfileType, s.MVPDDegraded(mvpd):
		source = "degradation" // AuthZ-All: the MVPD is not asked, so its denials do not apply
	}
	decisions := make([]map[string]any, 0, len(req.Resources))
	for _, res := range req.Resources {
		d := map[string]any{"resource": res, "serviceProvider": sp, "mvpd": mvpd, "source": source}
		if source != "degradation" && s.pass.isDenied(mvpd, res) {
			d["authorized"] = false
			code := "authorization_denied_by_mvpd"
			if !authorize {
				code = "preauthorization_denied_by_mvpd"
			}
			d["error"] = adobeEECBody(http.StatusForbidden, "none", code,
				`The MVPD has returned a "Deny" decision for the specified resource.`,
				"Your subscription package does not include "+strconv.Quote(adobeResourceID(res))+".")
		} else {
			d["authorized"] = true
			if authorize {
				d["token"] = map[string]any{
					"notBefore": now.UnixMilli(), "notAfter": now.Add(MediaTokenTTL).UnixMilli(),
					"serializedToken": s.adobeMediaToken(sp, mvpd, res, prof.UserID, now),
				}
			}
		}
		if authorize {
			d["notBefore"], d["notAfter"] = now.UnixMilli(), now.Add(DecisionTTL).UnixMilli()
		}
		decisions = append(decisions, d)
	}
	adobeJSON(w, http.StatusOK, map[string]any{"decisions": decisions})
}

func passHasEmpty(list []string) bool {
	for _, v := range list {
		if strings.TrimSpace(v) == "" {
			return true
		}
	}
	return false
}

func (s *Server) passLogout(w http.ResponseWriter, r *http.Request, sp, mvpd string) {
	dev, ok := passDeviceHeaders(w, r, true)
	if !ok {
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	redirect := q.Get("redirectUrl")
	if err != nil || len(q["redirectUrl"]) != 1 || !adobeAbsoluteURL(redirect) {
		adobeEEC(w, http.StatusBadRequest, "none", "invalid_parameter_redirect_url",
			"The redirect URL parameter value is missing or invalid.")
		return
	}
	if !s.passIntegration(w, mvpd) {
		return
	}
	now := s.adobeNow()
	key := passProfileKey{sp, dev.id, mvpd}
	s.pass.mu.Lock()
	p := s.pass.profiles[key]
	delete(s.pass.profiles, key)
	m := s.pass.mvpds[mvpd]
	s.pass.mu.Unlock()
	action := map[string]any{"mvpd": mvpd}
	switch {
	case p == nil || !now.Before(p.NotAfter):
		action["actionName"], action["actionType"] = "invalid", "none"
	case p.Type == PartnerProfileType:
		// The user signed in through the partner framework: Adobe cannot sign them out of it.
		action["actionName"], action["actionType"] = "partner_logout", "partner_interactive"
	case m.logoutEndpoint && p.Type == "regular":
		action["actionName"], action["actionType"] = "logout", "interactive"
		// Relative, like Adobe's SSO samples: the client resolves it against the Pass base URL.
		action["url"] = "/adobe-services/logout?noflash=true&mso_id=" + url.QueryEscape(mvpd) +
			"&requestor_id=" + url.QueryEscape(sp) + "&redirect_url=" + url.QueryEscape(redirect)
	default:
		action["actionName"], action["actionType"] = "complete", "none"
	}
	adobeJSON(w, http.StatusOK, map[string]any{"logouts": map[string]any{mvpd: action}})
}
