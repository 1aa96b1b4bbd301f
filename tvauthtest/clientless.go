package tvauthtest

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Lifetimes of the Clientless fake, after the v1 docs: regcodes default to 30 min and may ask for
// up to 10 h; authorization tokens live a day, TempPass (free preview) an hour.
const (
	RegCodeTTL       = 30 * time.Minute
	MaxRegCodeTTL    = 10 * time.Hour
	AuthzTokenTTL    = 24 * time.Hour
	FreePreviewTTL   = time.Hour
	clAuthnTokenTTL  = ProfileTTL
	clRegCodeNSAttrs = ` xmlns:ns2="model.mvc.reggie.pass.adobe.com"`
)

// clientlessState is what the Clientless fake keeps; MVPDs, tokens and the MVPD pages are shared
// with the Pass fake (passState).
type clientlessState struct {
	mu       sync.Mutex
	regcodes map[string]*clRegCode // by code
	authn    map[clKey]*clAuthn
	authz    map[clAuthzKey]*clAuthz
}

type clKey struct{ requestor, deviceID string }

type clAuthzKey struct {
	clKey
	resource string // resource ID (an MRSS resource's channel title)
}

type clRegCode struct {
	id, code, requestor, mvpd string
	deviceID, deviceInfo      string
	userAgent, clientID       string
	generated, expires        time.Time
	authenticated             bool
}

type clAuthn struct {
	mvpd, userID    string
	issued, expires time.Time
}

type clAuthz struct {
	mvpd, resource string
	expires        time.Time
}

func newClientlessState() *clientlessState {
	return &clientlessState{
		regcodes: map[string]*clRegCode{},
		authn:    map[clKey]*clAuthn{},
		authz:    map[clAuthzKey]*clAuthz{},
	}
}

func (s *Server) registerClientless(mux *http.ServeMux) {
	// Own routing, as for /api/v2/: the format suffixes (/regcode.json) and the overlapping
	// documented paths do not fit net/http patterns.
	mux.HandleFunc("/api/v1/", s.clAPI)
	mux.HandleFunc("/reggie/v1/", s.clReggie)
}

// RegCode is a read-only view of a Clientless registration code.
type RegCode struct {
	ID            string    // the record's id
	Code          string    // the registration code the TV shows
	Requestor     string    // the requestor it was created for
	MVPD          string    // the MVPD the device asked for; "" when it named none
	DeviceID      string    // the v1 deviceId of the device that created it
	Generated     time.Time // when it was created
	Expires       time.Time // when it expires (its ttl, RegCodeTTL by default)
	Authenticated bool      // a user logged in through /api/v1/authenticate with it
}

// RegCode returns the registration code record of a code.
func (s *Server) RegCode(code string) (RegCode, bool) {
	s.clientless.mu.Lock()
	defer s.clientless.mu.Unlock()
	rc, ok := s.clientless.regcodes[code]
	if !ok {
		return RegCode{}, false
	}
	return rc.view(), true
}

// RegCodes returns every registration code record, oldest first.
func (s *Server) RegCodes() []RegCode {
	s.clientless.mu.Lock()
	defer s.clientless.mu.Unlock()
	out := make([]RegCode, 0, len(s.clientless.regcodes))
	for _, rc := range s.clientless.regcodes {
		out = append(out, rc.view())
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Generated.Equal(out[j].Generated) {
			return out[i].Generated.Before(out[j].Generated)
		}
		return out[i].Code < out[j].Code
	})
	return out
}

func (rc *clRegCode) view() RegCode {
	return RegCode{ID: rc.id, Code: rc.code, Requestor: rc.requestor, MVPD: rc.mvpd, DeviceID: rc.deviceID,
		Generated: rc.generated, Expires: rc.expires, Authenticated: rc.authenticated}
}

// AddClientlessAuthn seeds an authentication token for a device (its v1 deviceId), as if the user
// had logged in with a regcode of it.
func (s *Server) AddClientlessAuthn(requestor, deviceID, mvpd string) {
	now := s.adobeNow()
	s.clientless.mu.Lock()
	defer s.clientless.mu.Unlock()
	s.clientless.authn[clKey{requestor, deviceID}] = &clAuthn{mvpd: mvpd,
		userID: adobeUserID(requestor, deviceID, mvpd), issued: now, expires: now.Add(clAuthnTokenTTL)}
}

// ClientlessAuthenticated reports whether a device holds an unexpired authentication token.
func (s *Server) ClientlessAuthenticated(requestor, deviceID string) bool {
	now := s.adobeNow()
	s.clientless.mu.Lock()
	defer s.clientless.mu.Unlock()
	a := s.clientless.authn[clKey{requestor, deviceID}]
	return a != nil && now.Before(a.expires)
}

// clParams are the request's parameters: the query, plus a form body on POST.
func clParams(r *http.Request) url.Values {
	q := r.URL.Query()
	if r.Method == http.MethodPost && adobeMediaType(r.Header, "application/x-www-form-urlencoded") {
		if form, err := url.ParseQuery(string(readAll(r))); err == nil {
			for k, vs := range form {
				q[k] = append(q[k], vs...)
			}
		}
	}
	return q
}

// clAuth checks the DCR bearer token: required on the calls a streaming app or programmer service
// makes; on the login web app's calls only checked when sent.
func (s *Server) clAuth(w http.ResponseWriter, r *http.Request, f clFormat, required bool) bool {
	if !required && r.Header.Get("Authorization") == "" {
		return true
	}
	if _, ok := s.validToken(r); !ok {
		clError(w, f, http.StatusUnauthorized, "Unauthorized")
		return false
	}
	return true
}

// clRequire answers 400 in the documented "Required '<>' is not present" form when a parameter is
// missing.
func clRequire(w http.ResponseWriter, f clFormat, p url.Values, names ...string) bool {
	for _, n := range names {
		if strings.TrimSpace(p.Get(n)) == "" {
			clError(w, f, http.StatusBadRequest, "Required '"+n+"' is not present")
			return false
		}
	}
	return true
}

// clDevice checks what every device call needs: the bearer token, the requestor (under
// requestorParam), deviceId, and device information (X-Device-Info, or the device_info parameter),
// well-formed.
func (s *Server) clDevice(w http.ResponseWriter, r *http.Request, f clFormat, p url.Values, requestorParam string) (clKey, bool) {
	if !s.clAuth(w, r, f, true) || !clRequire(w, f, p, requestorParam, "deviceId") {
		return clKey{}, false
	}
	info := r.Header.Get("X-Device-Info")
	if info == "" {
		info = p.Get("device_info")
	}
	if info == "" {
		clError(w, f, http.StatusBadRequest, "Required 'device_info' is not present")
		return clKey{}, false
	}
	if _, err := adobeParseDeviceInfo(info); err != nil {
		clError(w, f, http.StatusBadRequest, "Invalid device info: "+err.Error())
		return clKey{}, false
	}
	return clKey{p.Get(requestorParam), p.Get("deviceId")}, true
}

// clReggie routes /reggie/v1/{requestor}/regcode[/{code}].
func (s *Server) clReggie(w http.ResponseWriter, r *http.Request) {
	seg, err := adobeSegments(r.URL.EscapedPath(), "/reggie/v1/")
	f, seg := clFormatOf(r, seg)
	if err != nil || len(seg) < 2 || len(seg) > 3 || seg[0] == "" || seg[1] != "regcode" {
		clError(w, f, http.StatusNotFound, "Not Found")
		return
	}
	requestor := seg[0]
	if len(seg) == 2 {
		if r.Method != http.MethodPost {
			clMethodNotAllowed(w, f, "POST")
			return
		}
		s.clCreateRegCode(w, r, f, requestor)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodDelete {
		clMethodNotAllowed(w, f, "GET, DELETE")
		return
	}
	// Reading a record is also done by Adobe's own login web app, which has no DCR token;
	// deleting one is the device's call.
	if !s.clAuth(w, r, f, r.Method == http.MethodDelete) {
		return
	}
	now := s.adobeNow()
	s.clientless.mu.Lock()
	rc := s.clientless.regcodes[seg[2]]
	live := rc != nil && rc.requestor == requestor && now.Before(rc.expires)
	var snap clRegCode
	if live {
		snap = *rc
		if r.Method == http.MethodDelete {
			delete(s.clientless.regcodes, seg[2])
		}
	}
	s.clientless.mu.Unlock()
	switch {
	case !live:
		clError(w, f, http.StatusNotFound, "Not Found")
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	default:
		clRender(w, f, http.StatusOK, "ns2:regcode", clRegCodeNSAttrs, snap.reply())
	}
}

func (rc *clRegCode) reply() clObj {
	return clObj{
		{"id", rc.id}, {"code", rc.code}, {"requestor", rc.requestor}, {"mvpd", rc.mvpd},
		{"generated", rc.generated.UnixMilli()}, {"expires", rc.expires.UnixMilli()},
		{"info", clObj{
			{"deviceId", rc.deviceID}, {"deviceInfo", rc.deviceInfo},
			{"userAgent", rc.userAgent}, {"originalUserAgent", rc.userAgent},
			{"authorizationType", "OAUTH2"},
			{"sourceApplicationInformation", clObj{{"id", rc.clientID}, {"name", "tvauthtest"}, {"version", "1.0.0"}}},
		}},
	}
}

// clCreateRegCode is POST /reggie/v1/{requestor}/regcode: deviceId and device information required,
// mvpd and ttl (seconds, at most 36000) optional; 201 with the record.
func (s *Server) clCreateRegCode(w http.ResponseWriter, r *http.Request, f clFormat, requestor string) {
	p := clParams(r)
	p.Set("requestor", requestor) // the path names it
	if _, ok := s.clDevice(w, r, f, p, "requestor"); !ok {
		return
	}
	ttl := RegCodeTTL
	if v := p.Get("ttl"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || time.Duration(n)*time.Second > MaxRegCodeTTL {
			clError(w, f, http.StatusBadRequest, "Invalid 'ttl': a number of seconds up to 36000")
			return
		}
		ttl = time.Duration(n) * time.Second
	}
	info := r.Header.Get("X-Device-Info")
	if info == "" {
		info = p.Get("device_info")
	}
	clientID, _ := s.validToken(r)
	now := s.adobeNow()
	rc := &clRegCode{id: adobeUUID(), requestor: requestor, mvpd: p.Get("mvpd"), deviceID: p.Get("deviceId"),
		deviceInfo: info, userAgent: r.UserAgent(), clientID: clientID, generated: now, expires: now.Add(ttl)}
	s.clientless.mu.Lock()
	for {
		rc.code = adobeCode()
		if _, taken := s.clientless.regcodes[rc.code]; !taken {
			break
		}
	}
	s.clientless.regcodes[rc.code] = rc
	snap := *rc
	s.clientless.mu.Unlock()
	clRender(w, f, http.StatusCreated, "ns2:regcode", clRegCodeNSAttrs, snap.reply())
}

// clAPI routes /api/v1/….
func (s *Server) clAPI(w http.ResponseWriter, r *http.Request) {
	seg, err := adobeSegments(r.URL.EscapedPath(), "/api/v1/")
	f, seg := clFormatOf(r, seg)
	if err != nil || len(seg) == 0 {
		clError(w, f, http.StatusNotFound, "Not Found")
		return
	}
	path := strings.Join(seg, "/")
	var method string
	var handle func()
	switch {
	case path == "authenticate":
		// The browser endpoint: its query is checked byte for byte, so no format handling.
		method, handle = http.MethodGet, func() { s.clAuthenticate(w, r) }
	case path == "authenticate/freepreview":
		method, handle = http.MethodPost, func() { s.clFreePreview(w, r, f) }
	case len(seg) == 2 && seg[0] == "config":
		method, handle = http.MethodGet, func() { s.clConfig(w, r, f, seg[1]) }
	case path == "checkauthn":
		method, handle = http.MethodGet, func() { s.clCheckAuthn(w, r, f) }
	case len(seg) == 2 && seg[0] == "checkauthn":
		method, handle = http.MethodGet, func() { s.clCheckAuthnByCode(w, r, f, seg[1]) }
	case path == "tokens/authn":
		method, handle = http.MethodGet, func() { s.clAuthnToken(w, r, f) }
	case path == "authorize":
		method, handle = http.MethodGet, func() { s.clAuthorize(w, r, f) }
	case path == "tokens/authz":
		method, handle = http.MethodGet, func() { s.clAuthzToken(w, r, f) }
	case path == "tokens/media" || path == "mediatoken":
		method, handle = http.MethodGet, func() { s.clMediaToken(w, r, f) }
	case path == "preauthorize":
		method, handle = http.MethodGet, func() { s.clPreauthorize(w, r, f, "") }
	case len(seg) == 2 && seg[0] == "preauthorize":
		method, handle = http.MethodGet, func() { s.clPreauthorize(w, r, f, seg[1]) }
	case path == "logout":
		method, handle = http.MethodDelete, func() { s.clLogout(w, r, f) }
	case path == "tokens/usermetadata":
		method, handle = http.MethodGet, func() { s.clUserMetadata(w, r, f) }
	default:
		clError(w, f, http.StatusNotFound, "Not Found")
		return
	}
	if r.Method != method {
		clMethodNotAllowed(w, f, method)
		return
	}
	handle()
}

func (s *Server) clConfig(w http.ResponseWriter, r *http.Request, f clFormat, requestor string) {
	if !s.clAuth(w, r, f, false) {
		return
	}
	s.pass.mu.Lock()
	ids := make([]string, 0, len(s.pass.mvpds))
	for id := range s.pass.mvpds {
		ids = append(ids, id)
	}
	s.pass.mu.Unlock()
	sort.Strings(ids)
	items := make([]any, 0, len(ids))
	for _, id := range ids {
		items = append(items, clObj{{"id", id}, {"displayName", id},
			{"logoUrl", "https://entitlement.auth.adobe.com/entitlement/noLogo.png"}})
	}
	clRender(w, f, http.StatusOK, "config", "", clObj{{"requestor", requestor}, {"mvpds", clList{"mvpd", items}}})
}

// clAuthenticate is GET /api/v1/authenticate, opened in a browser by the login web app. Like Adobe
// (see the technical note on reg_code), it reads the raw query: reg_code must be the first pair and
// redirect_url the last, URL-encoded; then 302 to the MVPD's login page.
func (s *Server) clAuthenticate(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.RawQuery
	if msg := clCheckAuthenticateQuery(raw); msg != "" {
		adobeHTML(w, http.StatusBadRequest, msg)
		return
	}
	q, _ := url.ParseQuery(raw) // clCheckAuthenticateQuery parsed it already
	for _, k := range []string{"reg_code", "requestor_id", "mso_id", "domain_name", "noflash", "no_iframe", "redirect_url"} {
		if len(q[k]) != 1 || q.Get(k) == "" {
			adobeHTML(w, http.StatusBadRequest, "Parameter "+k+" is required, once.")
			return
		}
	}
	if q.Get("noflash") != "true" || q.Get("no_iframe") != "true" {
		adobeHTML(w, http.StatusBadRequest, "noflash and no_iframe must be true.")
		return
	}
	redirect, mvpd, requestor, code := q.Get("redirect_url"), q.Get("mso_id"), q.Get("requestor_id"), q.Get("reg_code")
	if !adobeAbsoluteURL(redirect) {
		adobeHTML(w, http.StatusBadRequest, "redirect_url is not an absolute URL.")
		return
	}
	if s.pass.mvpd(mvpd) == nil {
		adobeHTML(w, http.StatusBadRequest, "mso_id names no MVPD integrated with "+requestor+".")
		return
	}
	now := s.adobeNow()
	s.clientless.mu.Lock()
	rc := s.clientless.regcodes[code]
	live := rc != nil && rc.requestor == requestor && now.Before(rc.expires)
	var expires time.Time
	if live {
		expires = rc.expires
	}
	s.clientless.mu.Unlock()
	if !live {
		adobeHTML(w, http.StatusBadRequest, "The registration code is unknown or expired for this requestor.")
		return
	}
	relay := s.mvpdStartLogin(mvpd, requestor, expires, func(now time.Time, username string) (string, error) {
		s.clientless.mu.Lock()
		defer s.clientless.mu.Unlock()
		rc := s.clientless.regcodes[code]
		if rc == nil || !now.Before(rc.expires) {
			return "", errors.New("the registration code expired during login")
		}
		rc.authenticated = true
		s.clientless.authn[clKey{requestor, rc.deviceID}] = &clAuthn{mvpd: mvpd,
			userID: subscriberUserID(username, requestor, rc.deviceID, mvpd), issued: now, expires: now.Add(clAuthnTokenTTL)}
		return redirect, nil
	})
	adobeRedirect(w, "/mvpd/"+url.PathEscape(mvpd)+"/login?relayState="+url.QueryEscape(relay))
}

// clCheckAuthenticateQuery checks the ordering rules on the raw query bytes; "" when they hold.
func clCheckAuthenticateQuery(raw string) string {
	if raw == "" {
		return "The query is empty: reg_code, requestor_id, mso_id, domain_name, noflash, no_iframe and redirect_url are required."
	}
	pairs := strings.Split(raw, "&")
	first, _, _ := strings.Cut(pairs[0], "=")
	if first != "reg_code" {
		return "reg_code must be the first query parameter (a '&reg' inside the query becomes '®' in some browsers)."
	}
	last, value, _ := strings.Cut(pairs[len(pairs)-1], "=")
	if last != "redirect_url" {
		return "redirect_url must be the last query parameter."
	}
	if strings.ContainsAny(value, ":/?#") {
		return "redirect_url must be URL-encoded."
	}
	if _, err := url.ParseQuery(raw); err != nil {
		return "The query is malformed."
	}
	return ""
}
