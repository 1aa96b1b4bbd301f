package tvauth

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Adobe Pass REST API v2 profiles: a device's authenticated MVPD sessions (by service provider, MVPD
// or code), the wait for a second-screen login, and the partner (Apple) SSO endpoints.

// ProfileType says how a profile was created. Values the server adds later decode as-is.
type ProfileType string

// Documented profile types.
const (
	ProfileRegular         ProfileType = "regular"
	ProfileDegraded        ProfileType = "degraded"
	ProfileTemporary       ProfileType = "temporary"
	ProfileAppleSSO        ProfileType = "appleSSO"
	ProfilePlatformSSO     ProfileType = "platformSSO"
	ProfileServiceTokenSSO ProfileType = "serviceTokenSSO"
)

// Profile is one authenticated MVPD profile.
type Profile struct {
	MVPD       string                      // the key of the profiles map
	NotBefore  time.Time                   // the authentication's validity window: start
	NotAfter   time.Time                   // the authentication's validity window: end (then the user signs in again)
	Issuer     string                      // the MVPD, "Apple" (partner SSO) or "Adobe" (degraded, temporary)
	Type       ProfileType                 // how the profile was created: regular, degraded, temporary, an SSO kind
	SessionID  string                      // the authentication session that created it
	Attributes map[string]ProfileAttribute // user metadata: userID, householdID, zip, …
}

// ProfileAttribute is one user metadata value.
type ProfileAttribute struct {
	Value json.RawMessage // the value as sent: a JSON string, number, list or map
	State string          // "plain", or "enc" when Value is encrypted
}

// Text returns a string value as the string, anything else as its JSON text.
func (a ProfileAttribute) Text() string { return looseString(a.Value) }

// Encrypted reports whether the value is encrypted ("enc").
func (a ProfileAttribute) Encrypted() bool { return a.State == "enc" }

// ProfilesResult is the reply of the profiles endpoints, one Profile per entry of "profiles", sorted by
// MVPD. No profiles means the user is not authenticated: create a session.
type ProfilesResult struct {
	Profiles []Profile // sorted by MVPD; empty when the user is not authenticated
}

// Profile returns the profile for an MVPD.
func (r *ProfilesResult) Profile(mvpd string) (Profile, bool) {
	if i := slices.IndexFunc(r.Profiles, func(p Profile) bool { return p.MVPD == mvpd }); i >= 0 {
		return r.Profiles[i], true
	}
	return Profile{}, false
}

func decodeProfiles(r *response) (*ProfilesResult, error) {
	// Keys are Profile's field names but for case, which encoding/json ignores: the timestamps shadow.
	var w struct {
		Profiles map[string]struct {
			Profile
			NotBefore, NotAfter passTime
		}
	}
	if err := passUnmarshalObject(r.Body, &w); err != nil {
		return nil, err
	}
	out := &ProfilesResult{Profiles: make([]Profile, 0, len(w.Profiles))}
	for mvpd, p := range w.Profiles {
		pr := p.Profile
		pr.MVPD, pr.NotBefore, pr.NotAfter = mvpd, p.NotBefore.Time(), p.NotAfter.Time()
		out.Profiles = append(out.Profiles, pr)
	}
	slices.SortFunc(out.Profiles, func(a, b Profile) int { return strings.Compare(a.MVPD, b.MVPD) })
	return out, nil
}

// ProfileRequest reads profiles.
type ProfileRequest struct {
	ServiceProvider string      // path {serviceProvider}
	MVPD            string      // path {mvpd}: ProfileForMVPD only
	Code            string      // path {code}: ProfileForCode only
	Device          *Device     // nil = the client's default device
	Headers         PassHeaders // optional: VisitorID, SSO tokens, PartnerFrameworkStatus, TempPassIdentity (see each method)
}

// Profiles retrieves every valid profile of the device (GET /api/v2/{serviceProvider}/profiles).
// Headers may carry VisitorID, the SSO tokens and PartnerFrameworkStatus.
func (s *PassService) Profiles(ctx context.Context, req ProfileRequest) (*ProfilesResult, error) {
	path := pathf("/api/v2/{serviceProvider}/profiles", req.ServiceProvider)
	return s.profiles(ctx, "pass.profiles", path, req, deviceRequired, hdrVisitor|hdrSSO|hdrPFS,
		"ServiceProvider", req.ServiceProvider)
}

// ProfileForMVPD retrieves the device's profile for one MVPD (GET
// /api/v2/{serviceProvider}/profiles/{mvpd}). Headers may also carry TempPassIdentity. A TempPass
// whose time or resources ran out answers 403 (*PassError, e.g. temporary_access_duration_limit_exceeded).
func (s *PassService) ProfileForMVPD(ctx context.Context, req ProfileRequest) (*ProfilesResult, error) {
	path := pathf("/api/v2/{serviceProvider}/profiles/{mvpd}", req.ServiceProvider, req.MVPD)
	return s.profiles(ctx, "pass.profileForMvpd", path, req, deviceRequired,
		hdrVisitor|hdrSSO|hdrPFS|hdrTempPass, "ServiceProvider", req.ServiceProvider, "MVPD", req.MVPD)
}

// ProfileForCode retrieves the profile an authentication code produced (GET
// /api/v2/{serviceProvider}/profiles/code/{code}); empty until the user completes the MVPD login.
// Only X-Forwarded-For of the device is sent; Headers may carry VisitorID and TempPassIdentity.
func (s *PassService) ProfileForCode(ctx context.Context, req ProfileRequest) (*ProfilesResult, error) {
	path := pathf("/api/v2/{serviceProvider}/profiles/code/{code}", req.ServiceProvider, req.Code)
	return s.profiles(ctx, "pass.profileForCode", path, req, forwardedOnly, hdrVisitor|hdrTempPass,
		"ServiceProvider", req.ServiceProvider, "Code", req.Code)
}

// profiles reads profiles: segments are the name/value pairs of path's ids, for check.
func (s *PassService) profiles(ctx context.Context, op string, path route, req ProfileRequest,
	mode passDeviceMode, allowed passHeader, segments ...string) (*ProfilesResult, error) {
	if err := s.check(http.MethodGet, authPassBearer, segments...); err != nil {
		return nil, err
	}
	cl := s.v2call(op, http.MethodGet, path)
	if err := s.prepare(cl, req.Device, mode, req.Headers, allowed); err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, decodeProfiles)
}

// Adobe asks pollers to wait 3–5 s between polls of profiles/code.
const profilePollMin, profilePollMax = 3 * time.Second, 5 * time.Second

// WaitForProfile polls the profile of an authentication code (GET …/profiles/code/{code}) every 3–5 s
// until a profile appears, and returns it. It stops with ErrCodeExpired once the code's notAfter
// passes (read once from the session, GET …/sessions/{code}), or with the context's error. Throttling
// (after the pipeline's own retries) and server errors do not end the wait; any other error of the
// profile poll does (an unknown or expired code is a *PassError).
func (s *PassService) WaitForProfile(ctx context.Context, serviceProvider, code string) (*Profile, error) {
	return s.waitForProfile(ctx, serviceProvider, code, profilePollInterval)
}

// profilePollInterval is random in [3 s, 5 s) so that devices that started together drift apart.
func profilePollInterval() time.Duration {
	return profilePollMin + rand.N(profilePollMax-profilePollMin)
}

func (s *PassService) waitForProfile(ctx context.Context, serviceProvider, code string, interval func() time.Duration) (*Profile, error) {
	if err := s.check(http.MethodGet, authPassBearer, "serviceProvider", serviceProvider, "code", code); err != nil {
		return nil, err
	}
	var notAfter time.Time
	knowDeadline := false
	for {
		res, err := s.ProfileForCode(ctx, ProfileRequest{ServiceProvider: serviceProvider, Code: code})
		switch {
		case err == nil && len(res.Profiles) > 0:
			return &res.Profiles[0], nil
		case err != nil && !transientPollError(err):
			return nil, err
		}
		if !knowDeadline {
			// The session may be gone once the login completed (a race with the poll above): then
			// the deadline stays unknown, and the profile poll's own errors and ctx bound the wait.
			info, err := s.SessionInfo(ctx, serviceProvider, code)
			switch {
			case err == nil:
				notAfter, knowDeadline = info.NotAfter, true
			case ctx.Err() != nil:
				return nil, ctx.Err()
			case !transientPollError(err):
				knowDeadline = true
			}
		}
		wait := interval()
		if !notAfter.IsZero() {
			left := time.Until(notAfter)
			if left <= 0 {
				return nil, ErrCodeExpired
			}
			wait = min(wait, left)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait): // unreferenced, it is collected (Go 1.23+)
		}
	}
}

// transientPollError: worth polling again (throttled, server trouble, no reply), unless the context
// ended or the request is wrong (say, incomplete credentials): that fails until the code expires.
func transientPollError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrInvalidRequest) {
		return false
	}
	if errors.Is(err, ErrRateLimited) {
		return true
	}
	var pe *PassError
	if errors.As(err, &pe) {
		return pe.HTTPStatus >= 500
	}
	var re *RequestError
	return errors.As(err, &re) && !errors.Is(err, ErrNotConfigured)
}

// PartnerSessionRequest asks for a partner (Apple) SSO authentication request.
type PartnerSessionRequest struct {
	ServiceProvider string      // path {serviceProvider}
	Partner         string      // path {partner}, e.g. "Apple"
	DomainName      string      // form domainName, required (for a fallback to basic authentication)
	RedirectURL     string      // form redirectUrl, required: absolute (for a fallback to basic authentication)
	Device          *Device     // nil = the client's default device
	Headers         PassHeaders // PartnerFrameworkStatus (missing or invalid ⇒ ReasonPFSFallback) and VisitorID
}

// PartnerSession retrieves a partner authentication request (POST
// /api/v2/{serviceProvider}/sessions/sso/{partner}). ActionPartnerProfile carries the SAML request in
// Session.AuthenticationRequest; the fallbacks (ActionAuthenticate, ActionResume) continue as basic
// authentication, ActionAuthorize means a profile exists.
func (s *PassService) PartnerSession(ctx context.Context, req PartnerSessionRequest) (*Session, error) {
	if err := s.check(http.MethodPost, authPassBearer, "ServiceProvider", req.ServiceProvider, "Partner", req.Partner); err != nil {
		return nil, err
	}
	// Adobe's OpenAPI requires both fields: the server needs them to fall back to basic authentication.
	if err := requireText("DomainName", req.DomainName); err != nil {
		return nil, err
	}
	if err := requireAbsoluteURL("RedirectURL", req.RedirectURL); err != nil {
		return nil, err
	}
	cl := s.v2call("pass.partnerSession", http.MethodPost, pathf("/api/v2/{serviceProvider}/sessions/sso/{partner}", req.ServiceProvider, req.Partner))
	cl.header = formHeader()
	cl.body = pairs{{"domainName", req.DomainName}, {"redirectUrl", req.RedirectURL}}.encodeBytes()
	if err := s.prepare(cl, req.Device, deviceRequired, req.Headers, hdrVisitor|hdrPFS); err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, decodeSession)
}

// PartnerProfileRequest creates a profile from a partner authentication response.
type PartnerProfileRequest struct {
	ServiceProvider string      // path {serviceProvider}
	Partner         string      // path {partner}, e.g. "Apple"
	SAMLResponse    Secret      // form SAMLResponse: the partner's Base64 SAML response (URL-encoded here)
	Device          *Device     // nil = the client's default device
	Headers         PassHeaders // PartnerFrameworkStatus and VisitorID
}

// PartnerProfile creates and returns the profile for a partner authentication response (POST
// /api/v2/{serviceProvider}/profiles/sso/{partner}; 201, or 200 when degradation applies).
func (s *PassService) PartnerProfile(ctx context.Context, req PartnerProfileRequest) (*ProfilesResult, error) {
	if err := s.check(http.MethodPost, authPassBearer, "ServiceProvider", req.ServiceProvider, "Partner", req.Partner); err != nil {
		return nil, err
	}
	if err := requireText("SAMLResponse", string(req.SAMLResponse)); err != nil {
		return nil, err
	}
	cl := s.v2call("pass.partnerProfile", http.MethodPost, pathf("/api/v2/{serviceProvider}/profiles/sso/{partner}", req.ServiceProvider, req.Partner))
	cl.header, cl.body = formHeader(), pairs{{"SAMLResponse", string(req.SAMLResponse)}}.encodeBytes()
	cl.secrets = []string{string(req.SAMLResponse)}
	cl.answers = []int{http.StatusOK, http.StatusCreated}
	if err := s.prepare(cl, req.Device, deviceRequired, req.Headers, hdrVisitor|hdrPFS); err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, decodeProfiles)
}
