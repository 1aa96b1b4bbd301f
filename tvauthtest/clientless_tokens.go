package tvauthtest

import (
	"net/http"
	"strconv"
	"strings"
)

// The Clientless calls of a streaming app once a user logged in: checks, tokens, decisions, logout.

func (s *Server) clFreePreview(w http.ResponseWriter, r *http.Request, f clFormat) {
	p := clParams(r)
	key, ok := s.clDevice(w, r, f, p, "requestor_id")
	if !ok || !clRequire(w, f, p, "mso_id", "domain_name") {
		return
	}
	mvpd := p.Get("mso_id")
	if s.pass.mvpd(mvpd) == nil {
		clError(w, f, http.StatusBadRequest, "Unknown mso_id")
		return
	}
	now := s.adobeNow()
	s.clientless.mu.Lock()
	s.clientless.authn[key] = &clAuthn{mvpd: mvpd, userID: "temppass_" + adobeUserID(key.requestor, key.deviceID),
		issued: now, expires: now.Add(FreePreviewTTL)}
	s.clientless.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// clAuthnOf returns the device's authentication token (nil when none) and whether it expired.
func (s *Server) clAuthnOf(key clKey) (*clAuthn, bool) {
	now := s.adobeNow()
	s.clientless.mu.Lock()
	defer s.clientless.mu.Unlock()
	a := s.clientless.authn[key]
	if a == nil {
		return nil, false
	}
	snap := *a
	return &snap, !now.Before(a.expires)
}

func (s *Server) clCheckAuthn(w http.ResponseWriter, r *http.Request, f clFormat) {
	p := clParams(r)
	key, ok := s.clDevice(w, r, f, p, "requestor")
	if !ok {
		return
	}
	switch a, expired := s.clAuthnOf(key); {
	case a == nil:
		clError(w, f, http.StatusForbidden, "Forbidden")
	case expired:
		clError(w, f, http.StatusForbidden, "Authentication token expired")
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// clCheckAuthnByCode is the login web app's check that the login through a regcode went through.
func (s *Server) clCheckAuthnByCode(w http.ResponseWriter, r *http.Request, f clFormat, code string) {
	p := clParams(r)
	if !s.clAuth(w, r, f, false) || !clRequire(w, f, p, "requestor") {
		return
	}
	key, ok := s.clRegCodeDevice(code, p.Get("requestor"))
	if !ok {
		clError(w, f, http.StatusForbidden, "Forbidden")
		return
	}
	if a, expired := s.clAuthnOf(key); a == nil || expired {
		clError(w, f, http.StatusForbidden, "Forbidden")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// clRegCodeDevice is the device of a live regcode of this requestor.
func (s *Server) clRegCodeDevice(code, requestor string) (clKey, bool) {
	now := s.adobeNow()
	s.clientless.mu.Lock()
	defer s.clientless.mu.Unlock()
	rc := s.clientless.regcodes[code]
	if rc == nil || rc.requestor != requestor || !now.Before(rc.expires) {
		return clKey{}, false
	}
	return clKey{requestor, rc.deviceID}, true
}

func (s *Server) clAuthnToken(w http.ResponseWriter, r *http.Request, f clFormat) {
	p := clParams(r)
	key, ok := s.clDevice(w, r, f, p, "requestor")
	if !ok {
		return
	}
	switch a, expired := s.clAuthnOf(key); {
	case a == nil:
		clError(w, f, http.StatusNotFound, "Not Found")
	case expired:
		clError(w, f, http.StatusGone, "Gone")
	default:
		clRender(w, f, http.StatusOK, "authentication", "", clObj{
			{"requestor", key.requestor}, {"mvpd", a.mvpd}, {"userId", a.userID}, {"expires", adobeMillis(a.expires)},
		})
	}
}

// clAuthenticated answers the documented error when the device holds no valid authentication
// token, and returns the token otherwise.
func (s *Server) clAuthenticated(w http.ResponseWriter, f clFormat, key clKey, status int) (*clAuthn, bool) {
	a, expired := s.clAuthnOf(key)
	if a == nil || expired {
		clError(w, f, status, "User not authenticated", clNullDetails())
		return nil, false
	}
	return a, true
}

func (s *Server) clAuthorize(w http.ResponseWriter, r *http.Request, f clFormat) {
	p := clParams(r)
	key, ok := s.clDevice(w, r, f, p, "requestor")
	if !ok || !clRequire(w, f, p, "resource") {
		return
	}
	a, ok := s.clAuthenticated(w, f, key, http.StatusForbidden)
	if !ok {
		return
	}
	res := p.Get("resource")
	if s.pass.isDenied(a.mvpd, res) {
		clError(w, f, http.StatusForbidden, "User not authorized", clField{"details",
			"Your subscription package does not include the " + strconv.Quote(adobeResourceID(res)) + " channel."})
		return
	}
	expires := s.adobeNow().Add(AuthzTokenTTL)
	s.clientless.mu.Lock()
	s.clientless.authz[clAuthzKey{key, adobeResourceID(res)}] = &clAuthz{mvpd: a.mvpd, resource: res, expires: expires}
	s.clientless.mu.Unlock()
	clRender(w, f, http.StatusOK, "authorization", "", clObj{
		{"mvpd", a.mvpd}, {"resource", res}, {"requestor", key.requestor}, {"expires", adobeMillis(expires)},
	})
}

// clAuthzOf returns the device's authorization token for a resource (nil when none) and whether it
// expired.
func (s *Server) clAuthzOf(key clKey, resource string) (*clAuthz, bool) {
	now := s.adobeNow()
	s.clientless.mu.Lock()
	defer s.clientless.mu.Unlock()
	z := s.clientless.authz[clAuthzKey{key, adobeResourceID(resource)}]
	if z == nil {
		return nil, false
	}
	snap := *z
	return &snap, !now.Before(z.expires)
}

func (s *Server) clAuthzToken(w http.ResponseWriter, r *http.Request, f clFormat) {
	p := clParams(r)
	key, ok := s.clDevice(w, r, f, p, "requestor")
	if !ok || !clRequire(w, f, p, "resource") {
		return
	}
	if _, ok := s.clAuthenticated(w, f, key, http.StatusPreconditionFailed); !ok {
		return
	}
	switch z, expired := s.clAuthzOf(key, p.Get("resource")); {
	case z == nil:
		clError(w, f, http.StatusNotFound, "Not Found", clNullDetails())
	case expired:
		clError(w, f, http.StatusGone, "Gone", clNullDetails())
	default:
		clRender(w, f, http.StatusOK, "authorization", "", clObj{
			{"mvpd", z.mvpd}, {"resource", z.resource}, {"requestor", key.requestor}, {"expires", adobeMillis(z.expires)},
		})
	}
}

// clMediaToken is the short media token: it needs a live authorization token for the resource.
func (s *Server) clMediaToken(w http.ResponseWriter, r *http.Request, f clFormat) {
	p := clParams(r)
	key, ok := s.clDevice(w, r, f, p, "requestor")
	if !ok || !clRequire(w, f, p, "resource") {
		return
	}
	a, ok := s.clAuthenticated(w, f, key, http.StatusForbidden)
	if !ok {
		return
	}
	res := p.Get("resource")
	if z, expired := s.clAuthzOf(key, res); z == nil || expired {
		clError(w, f, http.StatusForbidden, "User not authorized")
		return
	}
	now := s.adobeNow()
	clRender(w, f, http.StatusOK, "play", "", clObj{
		{"resource", res}, {"requestor", key.requestor}, {"expires", adobeMillis(now.Add(MediaTokenTTL))},
		{"serializedToken", s.adobeMediaToken(key.requestor, a.mvpd, res, a.userID, now)},
		{"userId", a.userID}, {"mvpdId", a.mvpd},
	})
}

// clPreauthorize answers one decision per resource of the comma-separated list; by regcode (the
// second-screen variant) the device is the regcode's.
func (s *Server) clPreauthorize(w http.ResponseWriter, r *http.Request, f clFormat, code string) {
	p := clParams(r)
	var key clKey
	if code == "" {
		var ok bool
		if key, ok = s.clDevice(w, r, f, p, "requestor"); !ok {
			return
		}
	} else {
		if !s.clAuth(w, r, f, false) || !clRequire(w, f, p, "requestor") {
			return
		}
		var ok bool
		if key, ok = s.clRegCodeDevice(code, p.Get("requestor")); !ok {
			clError(w, f, http.StatusBadRequest, "Unknown registration code")
			return
		}
	}
	if !clRequire(w, f, p, "resource") {
		return
	}
	a, ok := s.clAuthenticated(w, f, key, http.StatusPreconditionFailed)
	if !ok {
		return
	}
	var items []any
	for _, res := range strings.Split(p.Get("resource"), ",") {
		res = strings.TrimSpace(res)
		if res == "" {
			continue
		}
		item := clObj{{"id", res}}
		if s.pass.isDenied(a.mvpd, res) {
			item = append(item, clField{"authorized", false}, clField{"error", clObj{
				{"status", http.StatusForbidden}, {"code", "preauthorization_denied_by_mvpd"},
				{"message", "User not authorized"},
				{"details", "Your subscription package does not include the " + strconv.Quote(res) + " channel."},
				{"helpUrl", adobeHelpURL}, {"trace", adobeUUID()}, {"action", "none"},
			}})
		} else {
			item = append(item, clField{"authorized", true})
		}
		items = append(items, item)
	}
	w.Header().Set("Adobe-Request-Id", adobeUUID())
	w.Header().Set("Adobe-Response-Confidence", "full")
	clRender(w, f, http.StatusOK, "", "", clObj{{"resources", clList{"resource", items}}})
}

// clLogout is DELETE /api/v1/logout: it clears the device's Adobe-side tokens (no MVPD logout).
func (s *Server) clLogout(w http.ResponseWriter, r *http.Request, f clFormat) {
	p := clParams(r)
	key, ok := s.clDevice(w, r, f, p, "requestor")
	if !ok {
		return
	}
	s.clientless.mu.Lock()
	delete(s.clientless.authn, key)
	for k := range s.clientless.authz {
		if k.clKey == key {
			delete(s.clientless.authz, k)
		}
	}
	s.clientless.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) clUserMetadata(w http.ResponseWriter, r *http.Request, f clFormat) {
	p := clParams(r)
	key, ok := s.clDevice(w, r, f, p, "requestor")
	if !ok {
		return
	}
	a, ok := s.clAuthenticated(w, f, key, http.StatusPreconditionFailed)
	if !ok {
		return
	}
	clRender(w, f, http.StatusOK, "metadata", "", clObj{
		{"updated", a.issued.Unix()},
		{"encrypted", clList{"item", []any{}}},
		{"data", clObj{{"userID", a.userID}, {"householdID", "household-" + a.userID}, {"zip", clList{"item", []any{"12345"}}}}},
	})
}
