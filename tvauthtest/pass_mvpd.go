package tvauthtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tvauth/tvauth"
)

// The user-agent side of the fake: the pages a browser or WebView goes through between an
// authentication (or logout) URL and the app's redirect URL. They speak HTML, set cookies and
// redirect, like the real chain (Adobe, then the MVPD, then back).

// mvpdLogin is a login the fake MVPD page will complete: Pass v2 (a session code) or Clientless v1
// (a regcode). complete runs with no lock held, for the subscriber who signed in, and returns where
// the user agent lands.
type mvpdLogin struct {
	mvpd, requestor string
	expires         time.Time
	complete        func(now time.Time, username string) (redirect string, err error)
}

// subscriberUserID is the user ID a login gives: the one the fake always derived for
// DefaultSubscriber, one of the subscriber's own for the others.
func subscriberUserID(username string, parts ...string) string {
	if username != DefaultSubscriber {
		parts = append(parts, username)
	}
	return adobeUserID(parts...)
}

// mvpdLogout is a logout chain started at /adobe-services/logout.
type mvpdLogout struct {
	mvpd, redirect string
	expires        time.Time
}

// mvpdLogoutCookie is what the Adobe hop of a logout sets and the MVPD hop requires: as with real
// MVPDs, only a user agent that keeps cookies (a browser, a WebView, a client with a cookie jar)
// completes the chain.
const mvpdLogoutCookie = "tvauthtest_logout"

// passBrowserAuthenticate is GET /api/v2/authenticate/{serviceProvider}/{code}, opened in a user
// agent: 302 to the MVPD's login page, errors as text/html.
func (s *Server) passBrowserAuthenticate(w http.ResponseWriter, r *http.Request, sp, code string) {
	now := s.adobeNow()
	s.pass.mu.Lock()
	ss, ok := s.pass.sessions[code]
	var snap passSession
	if ok {
		snap = *ss
	}
	s.pass.mu.Unlock()
	switch {
	case !ok || snap.serviceProvider != sp:
		adobeHTML(w, http.StatusBadRequest, "The authentication code is invalid for this service provider.")
		return
	case !now.Before(snap.notAfter):
		adobeHTML(w, http.StatusBadRequest, "The authentication code has expired.")
		return
	case len(snap.missing()) > 0:
		adobeHTML(w, http.StatusBadRequest, "The authentication session misses parameters: "+
			strings.Join(snap.missing(), ", ")+". Resume it first.")
		return
	}
	relay := s.mvpdStartLogin(snap.mvpd, sp, snap.notAfter, func(now time.Time, username string) (string, error) {
		s.pass.mu.Lock()
		defer s.pass.mu.Unlock()
		ss := s.pass.sessions[code]
		if !now.Before(ss.notAfter) {
			return "", fmt.Errorf("the authentication code expired during login")
		}
		p := s.pass.putProfile(Profile{ServiceProvider: sp, MVPD: ss.mvpd, DeviceID: ss.deviceID,
			UserID: subscriberUserID(username, sp, ss.deviceID, ss.mvpd), SessionID: ss.id, NotBefore: now}, now)
		key := passProfileKey{p.ServiceProvider, p.DeviceID, p.MVPD}
		ss.profile = &key
		return ss.redirectURL, nil
	})
	adobeRedirect(w, "/mvpd/"+url.PathEscape(snap.mvpd)+"/login?relayState="+url.QueryEscape(relay))
}

// mvpdStartLogin records a login for the MVPD page and returns its relay state.
func (s *Server) mvpdStartLogin(mvpd, requestor string, expires time.Time, complete func(time.Time, string) (string, error)) string {
	relay := adobeSecret(16)
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	s.pass.logins[relay] = &mvpdLogin{mvpd: mvpd, requestor: requestor, expires: expires, complete: complete}
	return relay
}

// mvpdPage serves the fake MVPD: /mvpd/{mvpd}/login and /mvpd/{mvpd}/logout.
func (s *Server) mvpdPage(w http.ResponseWriter, r *http.Request) {
	seg, err := adobeSegments(r.URL.EscapedPath(), "/mvpd/")
	if err != nil || len(seg) != 2 || (seg[1] != "login" && seg[1] != "logout") {
		adobeHTML(w, http.StatusNotFound, "No such MVPD page.")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		adobeHTML(w, http.StatusMethodNotAllowed, "Use GET or POST.")
		return
	}
	if seg[1] == "login" {
		s.mvpdLoginPage(w, r, seg[0])
		return
	}
	s.mvpdLogoutPage(w, r, seg[0])
}

// mvpdLoginPage is the MVPD's login page. A browser (it asks for HTML) gets a form for a subscriber's
// username and password; a wrong one shows the form again with an error and is recorded
// (LoginAttempts); the right one completes the login and sends the browser on to the app's redirect
// URL. A user agent that does not ask for HTML and posts no username (Go's http.Client, curl,
// python) is signed in at once as DefaultSubscriber, as the fake always did, so the HTTP clients
// written before the page existed keep working.
func (s *Server) mvpdLoginPage(w http.ResponseWriter, r *http.Request, mvpd string) {
	form := r.URL.Query()
	if r.Method == http.MethodPost {
		if reason := crossSiteRefusal(r); reason != "" {
			messagePage(w, http.StatusForbidden, mvpd, "Refused", reason, "", "")
			return
		}
		if adobeMediaType(r.Header, "application/x-www-form-urlencoded") {
			body, err := url.ParseQuery(string(readAll(r)))
			if err != nil {
				adobeHTML(w, http.StatusBadRequest, "The form is malformed.")
				return
			}
			for k, vs := range body {
				form[k] = vs // the body's fields win over the query's
			}
		}
	}
	relay := form.Get("relayState")
	now := s.adobeNow()
	s.pass.mu.Lock()
	l := s.pass.logins[relay]
	s.pass.mu.Unlock()
	if l == nil || l.mvpd != mvpd || !now.Before(l.expires) {
		adobeHTML(w, http.StatusBadRequest, "This login request is unknown, used or expired.")
		return
	}
	username, typed := form.Get("username"), form.Has("username")
	if !typed && wantsHTML(r) {
		renderPage(w, http.StatusOK, "login", s.loginPage(l, relay, "", ""))
		return
	}
	password := form.Get("password")
	if !typed {
		sub := s.Subscribers(mvpd)[0] // DefaultSubscriber: every MVPD has one
		username, password = sub.Username, sub.Password
	}
	if !s.pass.checkSubscriber(mvpd, username, password, now) {
		renderPage(w, http.StatusForbidden, "login", s.loginPage(l, relay, username,
			"The username or password is not right. Try again."))
		return
	}
	s.pass.mu.Lock()
	used := s.pass.logins[relay] != l
	delete(s.pass.logins, relay) // one login per relay state, as a SAML request is single-use
	s.pass.mu.Unlock()
	if used {
		adobeHTML(w, http.StatusBadRequest, "This login request is unknown, used or expired.")
		return
	}
	redirect, err := l.complete(now, username)
	if err != nil {
		adobeHTML(w, http.StatusBadRequest, err.Error())
		return
	}
	if typed {
		w.Header().Set("Location", redirect)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusSeeOther) // the browser GETs the app's page after a form
		return
	}
	adobeRedirect(w, redirect)
}

func (s *Server) loginPage(l *mvpdLogin, relay, username, alert string) page {
	return page{Title: "Sign in to " + l.mvpd, Site: l.mvpd + " (MVPD)", Alert: alert, Body: struct {
		MVPD, Requestor, Action, Relay, Username string
	}{l.mvpd, l.requestor, "/mvpd/" + url.PathEscape(l.mvpd) + "/login", relay, username}}
}

// signedOutSeconds is how long the MVPD's signed-out page shows before it moves on by itself.
const signedOutSeconds = 5

// mvpdLogoutPage ends the MVPD session of a logout chain started at /adobe-services/logout. A browser
// (it asks for HTML) sees "signed out" and moves on to the app's redirect URL after a few seconds or
// when the user follows Continue; other user agents are sent there at once, as before.
func (s *Server) mvpdLogoutPage(w http.ResponseWriter, r *http.Request, mvpd string) {
	relay := r.URL.Query().Get("relayState")
	now := s.adobeNow()
	c, err := r.Cookie(mvpdLogoutCookie)
	if err != nil || c.Value != relay {
		adobeHTML(w, http.StatusBadRequest, "The logout session cookie is missing: follow this chain with a user agent that keeps cookies.")
		return
	}
	s.pass.mu.Lock()
	lo := s.pass.logouts[relay]
	if lo != nil && lo.mvpd == mvpd {
		delete(s.pass.logouts, relay)
		s.pass.logoutsDone[mvpd]++
	}
	s.pass.mu.Unlock()
	if lo == nil || lo.mvpd != mvpd || !now.Before(lo.expires) {
		adobeHTML(w, http.StatusBadRequest, "This logout request is unknown, used or expired.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: mvpdLogoutCookie, Value: "", Path: "/", MaxAge: -1})
	if !wantsHTML(r) {
		adobeRedirect(w, lo.redirect)
		return
	}
	p := page{Title: "Signed out of " + mvpd, Site: mvpd + " (MVPD)", Body: struct {
		MVPD    string
		Next    template.URL
		Seconds int
	}{mvpd, appURL(lo.redirect), signedOutSeconds}}
	if webURL(lo.redirect) {
		p.Refresh = strconv.Itoa(signedOutSeconds) + ";url=" + lo.redirect
	}
	renderPage(w, http.StatusOK, "signedout", p)
}

// adobeServicesLogout is the URL of a logout/interactive action:
// /adobe-services/logout?noflash=true&mso_id=…&requestor_id=…&redirect_url=… — it sets the logout
// cookie and sends the user agent on to the MVPD's logout page.
func (s *Server) adobeServicesLogout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		adobeHTML(w, http.StatusMethodNotAllowed, "Use GET.")
		return
	}
	q := r.URL.Query()
	mvpd, redirect := q.Get("mso_id"), q.Get("redirect_url")
	switch {
	case q.Get("requestor_id") == "":
		adobeHTML(w, http.StatusBadRequest, "requestor_id is missing.")
		return
	case s.pass.mvpd(mvpd) == nil:
		adobeHTML(w, http.StatusBadRequest, "mso_id is missing or names no integrated MVPD.")
		return
	case !adobeAbsoluteURL(redirect):
		adobeHTML(w, http.StatusBadRequest, "redirect_url is missing or invalid.")
		return
	}
	relay := adobeSecret(16)
	s.pass.mu.Lock()
	s.pass.logouts[relay] = &mvpdLogout{mvpd: mvpd, redirect: redirect, expires: s.adobeNow().Add(SessionCodeTTL)}
	s.pass.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: mvpdLogoutCookie, Value: relay, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode})
	adobeRedirect(w, "/mvpd/"+url.PathEscape(mvpd)+"/logout?relayState="+url.QueryEscape(relay))
}

// adobeMediaTokenBody is the authToken part of a short media token, in the element names Adobe's
// Media Verifier reads.
type adobeMediaTokenBody struct {
	XMLName     xml.Name `xml:"authToken"`
	SessionGUID string   `xml:"sessionGUID"`
	RequestorID string   `xml:"requestorID"`
	ResourceID  string   `xml:"resourceID"`
	TTL         int64    `xml:"ttl"`
	IssueTime   int64    `xml:"issueTime"`
	MVPDID      string   `xml:"mvpdId"`
	UserID      string   `xml:"userId"`
}

// adobeMediaToken issues a serialized short media token: Base64 of <signatureInfo> (an HMAC over
// the authToken with this server's key) followed by the <authToken> itself.
func (s *Server) adobeMediaToken(requestor, mvpd, resource, userID string, now time.Time) string {
	body, _ := xml.Marshal(adobeMediaTokenBody{
		SessionGUID: adobeUUID(), RequestorID: requestor, ResourceID: adobeResourceID(resource),
		TTL: MediaTokenTTL.Milliseconds(), IssueTime: now.UnixMilli(), MVPDID: mvpd, UserID: userID,
	})
	sig := base64.StdEncoding.EncodeToString(s.adobeMediaMAC(body))
	return base64.StdEncoding.EncodeToString([]byte("<signatureInfo>" + sig + "</signatureInfo>" + string(body)))
}

func (s *Server) adobeMediaMAC(body []byte) []byte {
	m := hmac.New(sha256.New, s.pass.mediaKey)
	m.Write(body)
	return m.Sum(nil)
}

// MediaToken is what a valid serialized media token says.
type MediaToken struct {
	Requestor string    // the requestor it was issued to (requestorID)
	Resource  string    // the resource ID it authorizes (an MRSS resource's channel title)
	MVPD      string    // the MVPD that authorized it (mvpdId)
	UserID    string    // the user it was issued for (userId)
	Issued    time.Time // issueTime
	Expires   time.Time // issueTime plus its ttl (MediaTokenTTL)
}

// VerifyMediaToken checks a serializedToken (v2 decisions or v1 tokens/media) the way a programmer's
// Media Verifier would: issued by this fake, untampered and unexpired.
func (s *Server) VerifyMediaToken(serializedToken tvauth.Secret) (MediaToken, error) {
	raw, err := base64.StdEncoding.DecodeString(string(serializedToken))
	if err != nil {
		return MediaToken{}, fmt.Errorf("tvauthtest: media token is not Base64")
	}
	rest, ok := strings.CutPrefix(string(raw), "<signatureInfo>")
	sig, body, found := strings.Cut(rest, "</signatureInfo>")
	if !ok || !found {
		return MediaToken{}, fmt.Errorf("tvauthtest: media token has no signatureInfo")
	}
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(want, s.adobeMediaMAC([]byte(body))) {
		return MediaToken{}, fmt.Errorf("tvauthtest: media token signature does not verify")
	}
	var t adobeMediaTokenBody
	if err := xml.Unmarshal([]byte(body), &t); err != nil {
		return MediaToken{}, fmt.Errorf("tvauthtest: media token body: %v", err)
	}
	mt := MediaToken{Requestor: t.RequestorID, Resource: t.ResourceID, MVPD: t.MVPDID, UserID: t.UserID,
		Issued: time.UnixMilli(t.IssueTime), Expires: time.UnixMilli(t.IssueTime + t.TTL)}
	if !s.adobeNow().Before(mt.Expires) {
		return mt, fmt.Errorf("tvauthtest: media token expired at %s", mt.Expires.UTC().Format(time.RFC3339))
	}
	return mt, nil
}

// adobeMillis formats a time as Adobe's string timestamps (ms since the epoch).
func adobeMillis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
