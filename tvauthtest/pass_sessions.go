package tvauthtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// REST API v2 authentication sessions: create, resume, status. The browser side of a session (the
// authenticate URL and the MVPD login) is in pass_mvpd.go.

// passSessionParams applies the session form parameters (all optional here; what is missing is
// reported back) after validating those present.
func (s *Server) passSessionParams(w http.ResponseWriter, form url.Values, ss *passSession) bool {
	if v := form.Get("redirectUrl"); v != "" || form.Has("redirectUrl") {
		if !adobeAbsoluteURL(v) {
			adobeEEC(w, http.StatusBadRequest, "none", "invalid_parameter_redirect_url",
				"The redirect URL parameter value is missing or invalid.")
			return false
		}
		ss.redirectURL = v
	}
	if v := form.Get("mvpd"); v != "" {
		if !s.passIntegration(w, v) {
			return false
		}
		ss.mvpd = v
	}
	if v := form.Get("domainName"); v != "" {
		ss.domain = v
	}
	return true
}

// passSessionReply answers a create or resume: authorize when the device already has a profile for
// the MVPD, resume while parameters are missing, authenticate otherwise.
func (s *Server) passSessionReply(w http.ResponseWriter, ss *passSession, now time.Time) {
	s.passSessionReplyReason(w, ss, now, "none")
}

// passSessionReplyReason is passSessionReply with the reasonType of a resume or authenticate answer
// (a partner session's fallback says why it fell back).
func (s *Server) passSessionReplyReason(w http.ResponseWriter, ss *passSession, now time.Time, reason string) {
	reply := map[string]any{"sessionId": ss.id, "serviceProvider": ss.serviceProvider}
	if ss.mvpd != "" {
		reply["mvpd"] = ss.mvpd
		s.pass.mu.Lock()
		p := s.pass.profiles[passProfileKey{ss.serviceProvider, ss.deviceID, ss.mvpd}]
		valid := p != nil && now.Before(p.NotAfter)
		if !valid {
			p = s.pass.degradedProfile(ss.serviceProvider, ss.deviceID, ss.mvpd, now)
			valid = p != nil
		}
		s.pass.mu.Unlock()
		if valid {
			reply["actionName"], reply["actionType"], reply["reasonType"] = "authorize", "direct", passAuthorizedReason(p.Type)
			reply["url"] = "/api/v2/" + url.PathEscape(ss.serviceProvider) + "/decisions/authorize/" + url.PathEscape(ss.mvpd)
			adobeJSON(w, http.StatusOK, reply)
			return
		}
	}
	reply["code"] = ss.code
	reply["notBefore"] = strconv.FormatInt(ss.notBefore.UnixMilli(), 10)
	reply["notAfter"] = strconv.FormatInt(ss.notAfter.UnixMilli(), 10)
	reply["reasonType"] = reason
	if missing := ss.missing(); len(missing) > 0 {
		reply["actionName"], reply["actionType"] = "resume", "direct"
		reply["missingParameters"] = missing
		reply["url"] = "/api/v2/" + url.PathEscape(ss.serviceProvider) + "/sessions/" + url.PathEscape(ss.code)
	} else {
		reply["actionName"], reply["actionType"] = "authenticate", "interactive"
		reply["url"] = "/api/v2/authenticate/" + url.PathEscape(ss.serviceProvider) + "/" + url.PathEscape(ss.code)
	}
	adobeJSON(w, http.StatusOK, reply)
}

// missing lists the absent parameters with the names Adobe's samples use ("domain", not
// "domainName").
func (ss *passSession) missing() []string {
	var m []string
	if ss.mvpd == "" {
		m = append(m, "mvpd")
	}
	if ss.domain == "" {
		m = append(m, "domain")
	}
	if ss.redirectURL == "" {
		m = append(m, "redirectUrl")
	}
	return m
}

// newPassSession is a session as a POST that opens one starts it, before its parameters are read:
// a new code, valid for SessionCodeTTL from now.
func newPassSession(sp string, dev passDevice, now time.Time) *passSession {
	return &passSession{id: adobeUUID(), serviceProvider: sp, deviceID: dev.id, deviceInfo: dev.info,
		notBefore: now, notAfter: now.Add(SessionCodeTTL)}
}

func (s *Server) passCreateSession(w http.ResponseWriter, r *http.Request, sp string) {
	dev, form, ok := passDeviceForm(w, r)
	if !ok {
		return
	}
	now := s.adobeNow()
	ss := newPassSession(sp, dev, now)
	if !s.passSessionParams(w, form, ss) {
		return
	}
	s.pass.mu.Lock()
	s.pass.addSession(ss)
	s.pass.mu.Unlock()
	s.passSessionReply(w, ss, now)
}

// addSession gives ss a fresh code and stores it. Call with p.mu held.
func (p *passState) addSession(ss *passSession) {
	for {
		ss.code = adobeCode()
		if _, taken := p.sessions[ss.code]; !taken {
			break
		}
	}
	p.sessions[ss.code] = ss
}

// passLookupSession finds a live session of this service provider; the error reply is written.
func (s *Server) passLookupSession(w http.ResponseWriter, sp, code string, now time.Time) (*passSession, bool) {
	s.pass.mu.Lock()
	ss, ok := s.pass.sessions[code]
	s.pass.mu.Unlock()
	if !ok || ss.serviceProvider != sp {
		adobeEEC(w, http.StatusBadRequest, "none", "invalid_parameter_code",
			"The code parameter value is missing or invalid.")
		return nil, false
	}
	if !now.Before(ss.notAfter) {
		adobeEEC(w, http.StatusBadRequest, "none", "invalid_authentication_session",
			"The authentication session associated with the code has expired.")
		return nil, false
	}
	return ss, true
}

func (s *Server) passResumeSession(w http.ResponseWriter, r *http.Request, sp, code string) {
	if _, ok := passDeviceHeaders(w, r, false); !ok {
		return
	}
	form, ok := passForm(w, r)
	if !ok {
		return
	}
	now := s.adobeNow()
	ss, ok := s.passLookupSession(w, sp, code, now)
	if !ok {
		return
	}
	// Validate into a copy so a rejected resume leaves the session as it was.
	s.pass.mu.Lock()
	next := *ss
	s.pass.mu.Unlock()
	if !s.passSessionParams(w, form, &next) {
		return
	}
	s.pass.mu.Lock()
	ss.mvpd, ss.domain, ss.redirectURL = next.mvpd, next.domain, next.redirectURL
	snapshot := *ss
	s.pass.mu.Unlock()
	s.passSessionReply(w, &snapshot, now)
}

func (s *Server) passSessionStatus(w http.ResponseWriter, r *http.Request, sp, code string) {
	if _, ok := passDeviceHeaders(w, r, false); !ok {
		return
	}
	now := s.adobeNow()
	ss, ok := s.passLookupSession(w, sp, code, now)
	if !ok {
		return
	}
	s.pass.mu.Lock()
	snap := *ss
	s.pass.mu.Unlock()
	existing := map[string]string{"serviceProvider": snap.serviceProvider}
	if snap.mvpd != "" {
		existing["mvpd"] = snap.mvpd
	}
	if snap.domain != "" {
		existing["domain"] = snap.domain
	}
	if snap.redirectURL != "" {
		existing["redirectUrl"] = snap.redirectURL
	}
	reply := map[string]any{
		"existingParameters": existing,
		"device":             passDeviceObject(snap.deviceInfo),
		"notBefore":          strconv.FormatInt(snap.notBefore.UnixMilli(), 10),
		"notAfter":           strconv.FormatInt(snap.notAfter.UnixMilli(), 10),
	}
	if m := snap.missing(); len(m) > 0 {
		reply["missingParameters"] = m
	}
	adobeJSON(w, http.StatusOK, reply)
}

// passDeviceObject turns the flat X-Device-Info of the device that created a session into Adobe's
// normalized Device object.
func passDeviceObject(info map[string]any) map[string]any {
	str := func(k string) string { v, _ := info[k].(string); return v }
	typ := str("primaryHardwareType")
	switch typ {
	case "Camera", "DataCollectionTerminal", "Desktop", "EmbeddedNetworkModule", "eReader", "GamesConsole",
		"GeolocationTracker", "Glasses", "MediaPlayer", "MobilePhone", "PaymentTerminal", "PluginModem",
		"SetTopBox", "TV", "Tablet", "WirelessHotspot", "Wristwatch", "VehicleMultimediaSystem", "Projector":
	default:
		typ = "Unknown"
	}
	d := map[string]any{
		"type":    typ,
		"model":   str("model"),
		"version": passVersion(str("version")),
		"hardware": map[string]any{
			"name": str("model"), "vendor": str("vendor"), "manufacturer": str("manufacturer"),
			"version": passVersion(str("version")),
		},
		"operatingSystem": map[string]any{
			"name": str("osName"), "family": str("osFamily"), "vendor": str("osVendor"),
			"version": passVersion(str("osVersion")),
		},
		"browser": map[string]any{
			"name": str("browserName"), "vendor": str("browserVendor"),
			"version": passVersion(str("browserVersion")), "userAgent": str("userAgent"),
		},
		"connection": map[string]any{"type": str("connectionType")},
	}
	if v, ok := info["connectionSecure"].(bool); ok {
		d["connection"].(map[string]any)["secure"] = v
	}
	if v, ok := info["connectionPort"].(json.Number); ok {
		d["connection"].(map[string]any)["port"] = v.String()
	}
	if v := str("applicationId"); v != "" {
		d["applicationId"] = v
	}
	return d
}

// passVersion parses "14.1.2-beta" into Adobe's Version object.
func passVersion(v string) map[string]any {
	out := map[string]any{"major": 0, "minor": 0, "patch": 0, "profile": ""}
	nums, profile, _ := strings.Cut(v, "-")
	out["profile"] = profile
	for i, part := range strings.SplitN(nums, ".", 3) {
		n, err := strconv.Atoi(part)
		if err != nil {
			out["profile"] = v
			break
		}
		out[[]string{"major", "minor", "patch"}[i]] = n
	}
	return out
}
