package tvauthtest

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The programmer's second-screen pages: /activate takes the code a TV shows (a Pass v2 session code
// or a v1 registration code), /activate/providers lets the user pick an MVPD when the flow has none
// yet, and both send the browser on to the right authenticate URL: Pass v2's
// /api/v2/authenticate/{serviceProvider}/{code}, or v1's /api/v1/authenticate with reg_code first and
// redirect_url last. /activate/done is where a flow without a redirect URL of its own lands.

// ActivatePath is the path of the fake's activation page (the programmer's second-screen page).
const ActivatePath = "/activate"

const (
	activateProvidersPath = ActivatePath + "/providers"
	activateDonePath      = ActivatePath + "/done"
	activateSite          = "activation (the programmer's second-screen page)"
)

func (s *Server) registerPages(mux *http.ServeMux) {
	mux.HandleFunc(ActivatePath, s.activatePage)
	mux.HandleFunc(activateProvidersPath, s.activateProviders)
	mux.HandleFunc(activateDonePath, s.activateDone)
}

// activation is the flow a code the user typed belongs to.
type activation struct {
	pass            bool // a Pass v2 session; else a v1 registration code
	code, requestor string
	mvpd            string // "" until the flow has one
}

// normalizeCode is a code as the user may type it: lower case, with spaces or dashes.
func normalizeCode(code string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(code))
}

// findActivation finds the live flow of code, or says on the page why there is none.
func (s *Server) findActivation(code string) (activation, string) {
	if code == "" {
		return activation{}, "Type the code your TV shows."
	}
	now := s.adobeNow()
	s.pass.mu.Lock()
	ss := s.pass.sessions[code]
	var act activation
	var expires time.Time
	if ss != nil {
		act, expires = activation{pass: true, code: code, requestor: ss.serviceProvider, mvpd: ss.mvpd}, ss.notAfter
	}
	s.pass.mu.Unlock()
	if ss == nil {
		s.clientless.mu.Lock()
		rc := s.clientless.regcodes[code]
		if rc != nil {
			act, expires = activation{code: code, requestor: rc.requestor, mvpd: rc.mvpd}, rc.expires
		}
		s.clientless.mu.Unlock()
		if rc == nil {
			return activation{}, "No sign-in is waiting for code " + code + ". Check the code on your TV."
		}
	}
	if !now.Before(expires) {
		return activation{}, "Code " + code + " has expired. Ask your TV for a new one."
	}
	return act, ""
}

// activatePage is /activate: GET shows the form (a code in the query fills it in, as a QR code's URL
// would), POST resolves the code.
func (s *Server) activatePage(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		code := normalizeCode(r.URL.Query().Get("code"))
		renderPage(w, http.StatusOK, "activate", page{Title: "Activate your TV", Site: activateSite, Body: struct{ Code string }{code}})
	case http.MethodPost:
		if !pageForm(w, r) {
			return
		}
		code := normalizeCode(r.PostForm.Get("code"))
		act, problem := s.findActivation(code)
		switch {
		case problem != "":
			renderPage(w, http.StatusBadRequest, "activate", page{Title: "Activate your TV", Site: activateSite, Alert: problem,
				Body: struct{ Code string }{code}})
		case act.mvpd != "" && s.pass.mvpd(act.mvpd) != nil:
			s.activateWith(w, r, act, act.mvpd)
		default:
			http.Redirect(w, r, activateProvidersPath+"?code="+url.QueryEscape(code), http.StatusSeeOther)
		}
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		messagePage(w, http.StatusMethodNotAllowed, activateSite, "Method not allowed", "Use GET or POST.", "", "")
	}
}

// activateProviders is the MVPD picker: GET lists the MVPDs (those whose id holds filter, ignoring
// case), POST picks one.
func (s *Server) activateProviders(w http.ResponseWriter, r *http.Request) {
	var q url.Values
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q = r.URL.Query()
	case http.MethodPost:
		if !pageForm(w, r) {
			return
		}
		q = r.PostForm
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		messagePage(w, http.StatusMethodNotAllowed, activateSite, "Method not allowed", "Use GET or POST.", "", "")
		return
	}
	code := normalizeCode(q.Get("code"))
	act, problem := s.findActivation(code)
	if problem != "" {
		renderPage(w, http.StatusBadRequest, "activate", page{Title: "Activate your TV", Site: activateSite, Alert: problem,
			Body: struct{ Code string }{code}})
		return
	}
	filter := strings.TrimSpace(q.Get("filter"))
	alert := ""
	if r.Method == http.MethodPost {
		mvpd := q.Get("mvpd")
		if s.pass.mvpd(mvpd) != nil {
			s.activateWith(w, r, act, mvpd)
			return
		}
		alert = "Choose one of the providers below."
	}
	var mvpds []string
	s.pass.mu.Lock()
	for id := range s.pass.mvpds {
		if strings.Contains(strings.ToLower(id), strings.ToLower(filter)) {
			mvpds = append(mvpds, id)
		}
	}
	s.pass.mu.Unlock()
	slices.Sort(mvpds)
	status := http.StatusOK
	if alert != "" {
		status = http.StatusBadRequest
	}
	renderPage(w, status, "providers", page{Title: "Choose your TV provider", Site: activateSite, Alert: alert, Body: struct {
		Code, Requestor, Filter string
		MVPDs                   []string
	}{code, act.requestor, filter, mvpds}})
}

// activateWith sends the browser on to the authenticate URL of act's flow at mvpd. A Pass v2 session
// is resumed with the MVPD and, where it has none, the activation page's domain and its done page
// as the redirect URL, as a second-screen app does; a v1 flow has its redirect_url on the done page.
func (s *Server) activateWith(w http.ResponseWriter, r *http.Request, act activation, mvpd string) {
	done := baseURL(r) + activateDonePath
	domain := requestHost(r)
	if h, _, err := net.SplitHostPort(domain); err == nil {
		domain = h
	}
	if act.pass {
		s.pass.mu.Lock()
		if ss := s.pass.sessions[act.code]; ss != nil {
			ss.mvpd = mvpd
			if ss.domain == "" {
				ss.domain = domain
			}
			if ss.redirectURL == "" {
				ss.redirectURL = done
			}
		}
		s.pass.mu.Unlock()
		http.Redirect(w, r, "/api/v2/authenticate/"+url.PathEscape(act.requestor)+"/"+url.PathEscape(act.code), http.StatusSeeOther)
		return
	}
	// The order Adobe requires: reg_code first, redirect_url last and URL-encoded.
	loc := "/api/v1/authenticate?reg_code=" + url.QueryEscape(act.code) +
		"&requestor_id=" + url.QueryEscape(act.requestor) + "&mso_id=" + url.QueryEscape(mvpd) +
		"&domain_name=" + url.QueryEscape(domain) + "&noflash=true&no_iframe=true&redirect_url=" + url.QueryEscape(done)
	http.Redirect(w, r, loc, http.StatusSeeOther)
}

// activateDone is where a flow without a redirect URL of its own lands.
func (s *Server) activateDone(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		messagePage(w, http.StatusMethodNotAllowed, activateSite, "Method not allowed", "Use GET.", "", "")
		return
	}
	renderPage(w, http.StatusOK, "message", page{Title: "You are signed in", Site: activateSite,
		Notice: "Your TV provider confirmed your subscription.",
		Body:   messageBody{Text: "Your TV picks this up within a few seconds. You can close this page."}})
}

// pageForm reads a page form's POST body into r.PostForm, answering the request itself when the
// POST comes from another site or the form cannot be read.
func pageForm(w http.ResponseWriter, r *http.Request) bool {
	if reason := crossSiteRefusal(r); reason != "" {
		messagePage(w, http.StatusForbidden, activateSite, "Refused", reason, "", "")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	if err := r.ParseForm(); err != nil {
		messagePage(w, http.StatusBadRequest, activateSite, "Bad form", "The form could not be read: "+err.Error(), "", "")
		return false
	}
	return true
}
