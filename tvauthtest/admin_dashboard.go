package tvauthtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The dashboard: GET /_tvauth/ shows, as one HTML page, what the JSON admin API reads (the recorded
// requests, newest first, filtered by family and path, with secrets masked; the live Pass sessions,
// profiles, v1 registration codes and authentications; the MVPDs and sign-ins; the faults, latency,
// throttle and clock) and has forms for what a person changes by hand: add and clear faults, move
// the clock, reset. Its forms post to /_tvauth/dashboard/…, then go back to the page.

// dashboardShown is how many recorded requests the dashboard lists (the newest).
const dashboardShown = 200

// requestFamilies are the dashboard's request filters, in its order.
var requestFamilies = []string{"Pass v2", "Clientless v1", "WebAPI", "AGS", "Pages"}

// requestFamily names the family a path belongs to: the vendor API it is part of, or "Pages" for
// the pages of the browser flows (the activation page, the MVPD pages, the Adobe logout hop).
func requestFamily(path string) string {
	switch {
	case strings.HasPrefix(path, "/api/v2/"), strings.HasPrefix(path, "/o/client/"):
		return "Pass v2"
	case strings.HasPrefix(path, "/api/v1/"), strings.HasPrefix(path, "/reggie/v1/"):
		return "Clientless v1"
	case strings.HasPrefix(path, "/auth/"):
		return "WebAPI"
	case path == "/ags" || strings.HasPrefix(path, "/ags/"):
		return "AGS"
	case path == ActivatePath || strings.HasPrefix(path, ActivatePath+"/"), strings.HasPrefix(path, "/mvpd/"),
		strings.HasPrefix(path, "/adobe-services/"):
		return "Pages"
	}
	return "Other"
}

// dashboardNotices are the messages a form's redirect back to the page may ask for (?done=…): fixed
// texts, so that nothing a link carries is shown.
var dashboardNotices = map[string]string{
	"fault":    "Fault added: the next matching request gets it.",
	"cleared":  "Every fault is cleared.",
	"clock":    "The clock moved.",
	"reset":    "The fake is back at its starting seed.",
	"requests": "The recorded requests are cleared.",
}

// dashboardRow is a recorded request as the dashboard lists it, secrets masked.
type dashboardRow struct {
	N              int
	Method, Path   string
	Family, Query  string
	Header         [][2]string
	Body, BodyNote string
}

type dashboardData struct {
	Listen        string // the local address the page was asked on
	Loopback      bool
	Now, Offset   string
	Faults        []faultJSON
	Latency       string
	PathLatency   []latencyJSON
	Throttle      string
	FaultForm     map[string]string // what the fault form shows (after an error, what was typed)
	Family, Path  string            // the request filter
	Families      []string
	Methods       []string // the fault form's choices besides "any"
	Requests      []dashboardRow
	Total, Hidden int
	Sessions      []PassSession
	Profiles      []Profile
	RegCodes      []RegCode
	Authns        []clientlessAuthn
	MVPDs         []dashboardMVPD
	Attempts      []LoginAttempt
	Base          string
}

type dashboardMVPD struct {
	ID                       string
	LogoutEndpoint, Degraded bool
	Subscribers              []string // usernames only
}

// clientlessAuthn is a v1 authentication as the dashboard lists it.
type clientlessAuthn struct {
	Requestor, DeviceID, MVPD string
	Expires                   time.Time
}

// dashboard is GET /_tvauth/.
func (a *Standalone) dashboard(w http.ResponseWriter, r *http.Request) {
	a.renderDashboard(w, r, http.StatusOK, "", nil)
}

func (a *Standalone) renderDashboard(w http.ResponseWriter, r *http.Request, status int, alert string, faultForm map[string]string) {
	srv := a.Server()
	q := r.URL.Query()
	d := dashboardData{Family: q.Get("family"), Path: strings.TrimSpace(q.Get("path")), Families: requestFamilies,
		FaultForm: faultForm, Methods: []string{"GET", "POST", "PUT", "DELETE"}, Base: strings.TrimSuffix(AdminPrefix, "/")}
	if d.FaultForm == nil {
		d.FaultForm = map[string]string{"times": "1"}
	}
	d.Listen, d.Loopback = localAddr(r)
	a.mu.RLock()
	off := a.offset
	a.mu.RUnlock()
	d.Now, d.Offset = srv.now().UTC().Format("2006-01-02 15:04:05 MST"), off.String()
	for _, f := range srv.PendingFaults() {
		h := map[string]string{}
		for k := range f.Header {
			h[k] = f.Header.Get(k)
		}
		d.Faults = append(d.Faults, faultJSON{f.Method, f.Path, f.Times, f.Status, f.Body, h, f.Delay.String(), f.Drop})
	}
	every, rules := srv.latencies()
	d.Latency = every.String()
	for _, p := range rules {
		d.PathLatency = append(d.PathLatency, latencyJSON{p.pattern, p.d.String()})
	}
	d.Throttle = "off"
	if t := srv.throttleConfig(); t != nil {
		d.Throttle = fmt.Sprintf("on: %g requests per second, bursts of %d", t.Rate, t.Burst)
	}
	mask := srv.secretMask()
	reqs := srv.Requests()
	d.Total = len(reqs)
	for i := len(reqs) - 1; i >= 0; i-- {
		q := reqs[i]
		fam := requestFamily(q.Path)
		if (d.Family != "" && fam != d.Family) || (d.Path != "" && !pathFilter(d.Path, q.Path)) {
			continue
		}
		if len(d.Requests) == dashboardShown {
			d.Hidden++
			continue
		}
		d.Requests = append(d.Requests, maskRequest(i+1, q, fam, mask))
	}
	d.Sessions, d.Profiles, d.MVPDs, d.Attempts = srv.dashboardPass()
	d.RegCodes = srv.RegCodes()
	slices.Reverse(d.RegCodes)
	d.Authns = srv.clientlessAuthns()
	notice := dashboardNotices[q.Get("done")]
	if alert != "" {
		notice = ""
	}
	renderPage(w, status, "dashboard", page{Title: "Dashboard", Site: "dashboard: " + d.Listen, Alert: alert, Notice: notice,
		Wide: true, Body: d})
}

// localAddr is the address the request arrived on and whether it is loopback; a request served
// without a listener (a test's ServeHTTP) counts as loopback.
func localAddr(r *http.Request) (string, bool) {
	addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return requestHost(r), true
	}
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return addr.String(), tcp.IP.IsLoopback()
	}
	return addr.String(), false
}

// pathFilter is the dashboard's path filter: a pattern ending in "*" is a prefix (as the admin API's
// ?path= reads it), anything else is a part of the path.
func pathFilter(filter, path string) bool {
	if strings.HasSuffix(filter, "*") {
		return pathMatches(filter, path)
	}
	return strings.Contains(path, filter)
}

// dashboardPass snapshots the Pass state the dashboard lists: live sessions (newest first), every
// profile, the MVPDs with their subscribers' usernames, and the sign-ins (newest first).
func (s *Server) dashboardPass() ([]PassSession, []Profile, []dashboardMVPD, []LoginAttempt) {
	now := s.adobeNow()
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	var sessions []PassSession
	for _, ss := range s.pass.sessions {
		if now.Before(ss.notAfter) {
			sessions = append(sessions, PassSession{Code: ss.code, ID: ss.id, ServiceProvider: ss.serviceProvider, MVPD: ss.mvpd,
				Domain: ss.domain, RedirectURL: ss.redirectURL, DeviceID: ss.deviceID, NotBefore: ss.notBefore,
				NotAfter: ss.notAfter, Authenticated: ss.profile != nil})
		}
	}
	sort.Slice(sessions, func(i, j int) bool {
		if !sessions[i].NotBefore.Equal(sessions[j].NotBefore) {
			return sessions[i].NotBefore.After(sessions[j].NotBefore)
		}
		return sessions[i].Code < sessions[j].Code
	})
	profiles := make([]Profile, 0, len(s.pass.profiles))
	for _, p := range s.pass.profiles {
		profiles = append(profiles, *p)
	}
	sort.Slice(profiles, func(i, j int) bool {
		a, b := profiles[i], profiles[j]
		return a.ServiceProvider+"\x00"+a.DeviceID+"\x00"+a.MVPD < b.ServiceProvider+"\x00"+b.DeviceID+"\x00"+b.MVPD
	})
	var mvpds []dashboardMVPD
	for id, m := range s.pass.mvpds {
		dm := dashboardMVPD{ID: id, LogoutEndpoint: m.logoutEndpoint, Degraded: m.degraded}
		for _, sub := range s.pass.subscribersOf(id) {
			dm.Subscribers = append(dm.Subscribers, sub.Username)
		}
		mvpds = append(mvpds, dm)
	}
	sort.Slice(mvpds, func(i, j int) bool { return mvpds[i].ID < mvpds[j].ID })
	attempts := slices.Clone(s.pass.attempts)
	slices.Reverse(attempts)
	return sessions, profiles, mvpds, attempts
}

// clientlessAuthns snapshots the unexpired v1 authentications.
func (s *Server) clientlessAuthns() []clientlessAuthn {
	now := s.adobeNow()
	s.clientless.mu.Lock()
	defer s.clientless.mu.Unlock()
	var out []clientlessAuthn
	for k, a := range s.clientless.authn {
		if now.Before(a.expires) {
			out = append(out, clientlessAuthn{k.requestor, k.deviceID, a.mvpd, a.expires})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Requestor+"\x00"+out[i].DeviceID < out[j].Requestor+"\x00"+out[j].DeviceID
	})
	return out
}

// masked is what the dashboard shows in place of a secret.
const masked = "•••••• (masked)"

// secretWords are the parts of a header, parameter or JSON field name that say its value is a
// secret: passwords, client secrets, tokens of every kind, software statements, signatures, SAML
// assertions, cookies, keys.
var secretWords = []string{"password", "pwd", "secret", "token", "statement", "sig", "assertion", "saml",
	"authorization", "cookie", "credential", "relaystate", "key"}

// secretName reports whether a header, parameter or field called name holds a secret. "a" is the
// WebAPI's token parameter.
func secretName(name string) bool {
	n := strings.ToLower(name)
	if n == "a" {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// secretMask replaces, in any text, every password, client secret, token and software statement the
// fake holds now: the backstop behind masking by name, for a secret in a place no name announces.
func (s *Server) secretMask() *strings.Replacer {
	var secrets []string
	add := func(v string) {
		if len(v) >= 6 { // shorter ones would mask ordinary words; no secret the fake issues is that short
			secrets = append(secrets, v)
		}
	}
	s.pass.mu.Lock()
	add(s.pass.statement)
	for _, c := range s.pass.clients {
		add(c.secret)
	}
	for t := range s.pass.tokens {
		add(t)
	}
	for _, subs := range s.pass.subscribers {
		for _, sub := range subs {
			add(sub.Password)
		}
	}
	s.pass.mu.Unlock()
	add(DefaultSubscriberPassword)
	s.webapi.mu.Lock()
	for _, pwd := range s.webapi.users {
		add(pwd)
	}
	for tok, sess := range s.webapi.sessions {
		add(tok)
		add(sess.secret)
	}
	s.webapi.mu.Unlock()
	s.ags.mu.Lock()
	for _, u := range s.ags.users {
		add(u.password)
	}
	for t := range s.ags.access {
		add(t)
	}
	for t := range s.ags.refresh {
		add(t)
	}
	s.ags.mu.Unlock()
	// Longest first, so that a secret that contains another is masked whole.
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	pairs := make([]string, 0, 2*len(secrets))
	for _, v := range secrets {
		pairs = append(pairs, v, masked)
	}
	return strings.NewReplacer(pairs...)
}

// maskRequest is a recorded request as the dashboard lists it: the values of secret headers, query
// parameters and form or JSON fields masked, a body in another format reduced to its size, and every
// secret the fake holds masked wherever it is.
func maskRequest(n int, q Request, family string, mask *strings.Replacer) dashboardRow {
	row := dashboardRow{N: n, Method: q.Method, Path: mask.Replace(q.Path), Family: family}
	if q.RawQuery != "" {
		row.Query = mask.Replace(maskQuery(q.RawQuery))
	}
	names := make([]string, 0, len(q.Header))
	for k := range q.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range q.Header[k] {
			if secretName(k) {
				v = maskHeader(v)
			}
			row.Header = append(row.Header, [2]string{k, mask.Replace(v)})
		}
	}
	if len(q.Body) > 0 {
		body, ok := maskBody(q.Header.Get("Content-Type"), q.Body)
		if ok {
			row.Body = mask.Replace(body)
		} else {
			row.BodyNote = fmt.Sprintf("%d bytes of %s, not shown", len(q.Body), orUnknown(q.Header.Get("Content-Type")))
		}
	}
	return row
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown type"
	}
	return s
}

// maskHeader keeps an authorization scheme ("Bearer") and masks the rest.
func maskHeader(v string) string {
	if scheme, _, ok := strings.Cut(v, " "); ok && !strings.ContainsAny(scheme, "=,;") {
		return scheme + " " + masked
	}
	return masked
}

// maskQuery is a query (or form body) with the values of secret parameters masked, in its order.
func maskQuery(raw string) string {
	pairs := strings.Split(raw, "&")
	for i, p := range pairs {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && secretName(name) {
			pairs[i] = k + "=" + masked
		}
	}
	return strings.Join(pairs, "&")
}

// maskBody is a form or JSON body with its secret fields masked; ok is false for any other body.
func maskBody(contentType string, body []byte) (string, bool) {
	trimmed := bytes.TrimSpace(body)
	switch {
	case strings.HasPrefix(strings.ToLower(contentType), "application/x-www-form-urlencoded"):
		return maskQuery(string(body)), true
	case len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '['):
		var v any
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if dec.Decode(&v) != nil {
			return "", false
		}
		out, err := json.MarshalIndent(maskJSON(v), "", "  ")
		return string(out), err == nil
	}
	return "", false
}

// maskJSON masks the values of secret fields, and the value of a {"name": …, "value": …} pair whose
// name is a secret's (AGS's sign-on parameters).
func maskJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		name, _ := t["name"].(string)
		for k, val := range t {
			if secretName(k) || (k == "value" && secretName(name)) {
				t[k] = masked
			} else {
				t[k] = maskJSON(val)
			}
		}
	case []any:
		for i := range t {
			t[i] = maskJSON(t[i])
		}
	}
	return v
}

// dashboardAddFault is POST /_tvauth/dashboard/faults, from the dashboard's fault form.
func (a *Standalone) dashboardAddFault(w http.ResponseWriter, r *http.Request) {
	if !a.dashboardForm(w, r) {
		return
	}
	in := map[string]string{}
	for _, k := range []string{"method", "path", "status", "times", "delay", "body"} {
		in[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	if r.PostForm.Get("drop") != "" {
		in["drop"] = "on"
	}
	f := Fault{Method: in["method"], Path: in["path"], Body: r.PostForm.Get("body"), Drop: in["drop"] != ""}
	var problem string
	if in["status"] != "" {
		n, err := strconv.Atoi(in["status"])
		f.Status = n
		if err != nil {
			problem = "status: " + strconv.Quote(in["status"]) + " is not a number"
		}
	}
	if in["times"] != "" && problem == "" {
		n, err := strconv.Atoi(in["times"])
		f.Times = n
		if err != nil {
			problem = "times: " + strconv.Quote(in["times"]) + " is not a number"
		}
	}
	if in["delay"] != "" && problem == "" {
		d, err := time.ParseDuration(in["delay"])
		f.Delay = d
		if err != nil {
			problem = "delay: " + strconv.Quote(in["delay"]) + ` is not a duration such as "250ms" or "2s"`
		}
	}
	if problem == "" && f.Status == 0 && !f.Drop {
		problem = "status: a fault needs a status (200–599), or drop"
	}
	if problem == "" {
		if err := a.Server().FailNextWith(f); err != nil {
			problem = err.Error()
		}
	}
	if problem != "" {
		a.renderDashboard(w, r, http.StatusBadRequest, "The fault was not added: "+problem, in)
		return
	}
	dashboardDone(w, r, "fault")
}

// dashboardClearFaults is POST /_tvauth/dashboard/faults/clear.
func (a *Standalone) dashboardClearFaults(w http.ResponseWriter, r *http.Request) {
	if !a.dashboardForm(w, r) {
		return
	}
	a.Server().ClearFaults()
	dashboardDone(w, r, "cleared")
}

// dashboardClearRequests is POST /_tvauth/dashboard/requests/clear.
func (a *Standalone) dashboardClearRequests(w http.ResponseWriter, r *http.Request) {
	if !a.dashboardForm(w, r) {
		return
	}
	a.Server().ClearRequests()
	dashboardDone(w, r, "requests")
}

// dashboardClock is POST /_tvauth/dashboard/clock: advance by a duration ("31m", "-1h").
func (a *Standalone) dashboardClock(w http.ResponseWriter, r *http.Request) {
	if !a.dashboardForm(w, r) {
		return
	}
	raw := strings.TrimSpace(r.PostForm.Get("advance"))
	d, err := time.ParseDuration(raw)
	if err != nil {
		a.renderDashboard(w, r, http.StatusBadRequest, "The clock did not move: "+strconv.Quote(raw)+
			` is not a duration such as "31m" or "-1h"`, nil)
		return
	}
	a.mu.Lock()
	off, fits := addDuration(a.offset, d)
	if fits {
		a.offset = off
		a.setClock()
	}
	a.mu.Unlock()
	if !fits {
		a.renderDashboard(w, r, http.StatusBadRequest, "The clock did not move: it would be more than about 292 years from the wall clock", nil)
		return
	}
	dashboardDone(w, r, "clock")
}

// dashboardReset is POST /_tvauth/dashboard/reset.
func (a *Standalone) dashboardReset(w http.ResponseWriter, r *http.Request) {
	if !a.dashboardForm(w, r) {
		return
	}
	if err := a.Reset(); err != nil {
		a.renderDashboard(w, r, http.StatusInternalServerError, "The reset failed: "+err.Error(), nil)
		return
	}
	dashboardDone(w, r, "reset")
}

// dashboardForm reads a dashboard form's POST body into r.PostForm, answering the request itself when
// it cannot. (Standalone.ServeHTTP has refused cross-site POSTs already.)
func (a *Standalone) dashboardForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	if err := r.ParseForm(); err != nil {
		a.renderDashboard(w, r, http.StatusBadRequest, "The form could not be read: "+err.Error(), nil)
		return false
	}
	return true
}

// dashboardDone sends the browser back to the dashboard (POST, then redirect, then GET), which says
// what was done.
func dashboardDone(w http.ResponseWriter, r *http.Request, done string) {
	http.Redirect(w, r, AdminPrefix+"?done="+url.QueryEscape(done), http.StatusSeeOther)
}
