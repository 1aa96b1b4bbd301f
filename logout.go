package tvauth

// logout.go: the sign-out of every family: Pass v2 logout and its next actions, Clientless v1 logout,
// the signed WebAPI logout and the AGS signOut. Their request types and helpers stay with their family.

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// LogoutRequest is a Pass v2 logout.
type LogoutRequest struct {
	ServiceProvider string      // path {serviceProvider}
	MVPD            string      // path {mvpd}
	RedirectURL     string      // query redirectUrl, URL-encoded: absolute; where the user agent lands last
	Device          *Device     // nil = the client's default device
	Headers         PassHeaders // optional: VisitorID and the SSO tokens (single logout)
}

// LogoutResult is one LogoutAction per entry of "logouts", sorted by MVPD: the server deleted the
// device's profiles for the MVPD (regular and single sign-on ones), and each action says what is left.
type LogoutResult struct {
	Actions []LogoutAction // one per profile the server deleted; empty when there was none
}

// LogoutAction is what the application does to finish the logout of one profile.
type LogoutAction struct {
	MVPD string     // the entry's "mvpd" field; the map key when that is empty
	Name ActionName // actionName: logout, partner_logout, complete, invalid, or a newer value as-is
	Type ActionType // actionType: interactive, partner_interactive, none, or a newer value as-is
	URL  *url.URL   // absolute: a relative url is resolved against the Pass base URL (RFC 3986); nil when absent
	// RawURL is the entry's url as sent when it is not a URL (URL is nil then): see HasInvalidURL.
	RawURL string
}

// HasInvalidURL reports whether the server sent a url that is not a URL (kept in RawURL). The profile
// is gone on Adobe's side, so the action is kept; only the MVPD-side step cannot be done as given.
func (a LogoutAction) HasInvalidURL() bool { return a.URL == nil && a.RawURL != "" }

// NeedsUserAgent reports whether URL must be opened in a user agent (a browser) to log out at the MVPD.
func (a LogoutAction) NeedsUserAgent() bool { return a.Type == ActionTypeInteractive && a.URL != nil }

// NeedsPartnerLogout reports whether the user must also sign out at partner (system) level, e.g. the
// TV provider account in Apple's settings.
func (a LogoutAction) NeedsPartnerLogout() bool { return a.Type == ActionTypePartnerInteractive }

// IsComplete reports whether nothing is left to do for this profile (complete or invalid).
func (a LogoutAction) IsComplete() bool { return a.Type == ActionTypeNone }

// IsComplete reports whether every action is complete: no user agent or partner step remains.
func (r *LogoutResult) IsComplete() bool {
	return !slices.ContainsFunc(r.Actions, func(a LogoutAction) bool { return !a.IsComplete() })
}

// Logout logs the device out of an MVPD (GET /api/v2/{serviceProvider}/logout/{mvpd}?redirectUrl=…)
// and returns the next actions. It fails with ErrNotConfigured without WithPassTokenSource, and with a
// *ValidationError{Field: "Device"} when neither req.Device nor WithDevice gives a device.
//
// Adobe's degradation sample has a trailing comma ({"mvpd": "…",}); such a reply is accepted. Other
// malformed replies are a *DecodeError.
func (s *PassService) Logout(ctx context.Context, req LogoutRequest) (*LogoutResult, error) {
	if err := s.check(http.MethodGet, authPassBearer, "ServiceProvider", req.ServiceProvider, "MVPD", req.MVPD); err != nil {
		return nil, err
	}
	if err := requireAbsoluteURL("RedirectURL", req.RedirectURL); err != nil {
		return nil, err
	}
	cl := s.v2call("pass.logout", http.MethodGet, pathf("/api/v2/{serviceProvider}/logout/{mvpd}", req.ServiceProvider, req.MVPD))
	cl.query = pairs{{"redirectUrl", req.RedirectURL}}.encode()
	if err := s.prepare(cl, req.Device, deviceRequired, req.Headers, hdrVisitor|hdrSSO); err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, decodeLogout)
}

// decodeLogout reads a LogoutResponse. A body without "logouts" (null, {}, another object) is an
// error: read as "no actions" it would tell the caller that nothing is left to do.
func decodeLogout(r *response) (*LogoutResult, error) {
	var w struct {
		Logouts map[string]struct {
			ActionName ActionName `json:"actionName"`
			ActionType ActionType `json:"actionType"`
			MVPD       string     `json:"mvpd"`
			URL        string     `json:"url"`
		} `json:"logouts"`
	}
	if err := passUnmarshal(r.Body, &w); err != nil {
		return nil, err
	}
	if w.Logouts == nil {
		return nil, errors.New(`logout reply has no "logouts" object`)
	}
	// Entries in key order, then stably by MVPD (a reply in MVPD order, the common one, is left as is).
	keys := make([]string, 0, len(w.Logouts))
	for key := range w.Logouts {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	out := &LogoutResult{Actions: make([]LogoutAction, 0, len(keys))}
	for _, key := range keys {
		l := w.Logouts[key]
		a := LogoutAction{MVPD: cmp.Or(l.MVPD, key), Name: l.ActionName, Type: l.ActionType}
		if u, err := r.resolve(l.URL); err == nil {
			a.URL = u
		} else {
			a.RawURL = l.URL
		}
		out.Actions = append(out.Actions, a)
	}
	byMVPD := func(a, b LogoutAction) int { return strings.Compare(a.MVPD, b.MVPD) }
	if !slices.IsSortedFunc(out.Actions, byMVPD) {
		slices.SortStableFunc(out.Actions, byMVPD)
	}
	return out, nil
}

// Logout deletes the device's authentication and authorisation tokens on Adobe's side
// (DELETE /api/v1/logout, 204). It does not sign the user out of the MVPD.
func (s *ClientlessService) Logout(ctx context.Context, req ClientlessRequest) error {
	cl, err := s.deviceQuery("clientless.logout", http.MethodDelete, pathf("/api/v1/logout"), req, v1ResourceQuery{})
	if err != nil {
		return err
	}
	_, err = s.client.do(ctx, cl)
	return err
}

// Logout ends the session's sign-in (/auth/logout, signed). Any statusCode other than 200 is a
// *WebAPIError: 401 and 440–444 match ErrUnauthorized; 430, 441 and 607 match ErrRateLimited.
func (s *WebAPIService) Logout(ctx context.Context, req WebAPILogoutRequest) (*WebAPIResponse, error) {
	method := cmp.Or(strings.ToUpper(req.Method), http.MethodGet)
	if err := s.client.requireConfigured(svcWebAPI, method, authNone); err != nil {
		return nil, err
	}
	if method != http.MethodGet && method != http.MethodPost {
		return nil, invalid("Method", "%q: logout is GET or POST", req.Method)
	}
	if err := req.Session.checkSigning("Session"); err != nil {
		return nil, err
	}
	if err := req.Format.check("Format"); err != nil {
		return nil, err
	}
	if err := webapiCheckLanguage(req.Language); err != nil {
		return nil, err
	}
	if err := checkTexts("LoginID", req.LoginID, "RequestID", req.RequestID); err != nil {
		return nil, err
	}
	if err := webapiCheckJSONP(req.Format, req.Callback); err != nil {
		return nil, err
	}
	params := url.Values{"a": {string(req.Session.Token)}, "devId": {s.client.cfg.webapiDevID}, "f": {string(req.Format.orDefault())}}
	for _, kv := range [...]pair{{"s", req.LoginID}, {"language", req.Language}, {"c", req.Callback}, {"r", req.RequestID}} {
		if kv.value != "" {
			params.Set(kv.key, kv.value)
		}
	}
	rep, err := s.signed(ctx, method, "/auth/logout", params, req.Session, req.SendTS)
	if err != nil {
		return nil, err
	}
	return &WebAPIResponse{StatusCode: rep.StatusCode, StatusText: rep.StatusText,
		StatusDetailCode: rep.StatusDetailCode, RequestID: rep.RequestID}, nil
}

// SignOut ends the session of an access token (POST /signOut, Authorization: Bearer <accessToken>).
// The body is req.Parameters.
func (s *AGSService) SignOut(ctx context.Context, accessToken Secret, req SignOnRequest) error {
	if err := s.client.requireConfigured(svcAGS, http.MethodPost, authNone); err != nil {
		return err
	}
	cl, _, err := s.newCall("ags.signOut", http.MethodPost, pathf("/signOut"), &req, agsParametersOnly)
	if err != nil {
		return err
	}
	if err := agsSecretHeader(cl, "Authorization", "accessToken", "Bearer ", string(accessToken)); err != nil {
		return err
	}
	_, err = s.client.do(ctx, cl)
	return err
}
