package tvauthtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// AdminPrefix is the path prefix of a Standalone's admin API. No vendor path starts with it.
const AdminPrefix = "/_tvauth/"

// Standalone is the fake as a long-running server for test suites in any language (what `tvauth
// fake` serves): the four families at the root, AGS under /ags, and under AdminPrefix an admin API
// over HTTP and JSON to seed identities, inject faults and latency, move the clock, read the recorded
// requests and reset to the starting seed between tests.
//
// Reset swaps in a new Server, so what a test holds from Server() before a Reset is stale after it.
type Standalone struct {
	seed Seed           // the starting state; its software statement is pinned so that it survives Reset
	mux  *http.ServeMux // what is served under AdminPrefix (adminRoutes)

	mu     sync.RWMutex
	srv    *Server
	offset time.Duration // the clock's distance from the wall clock
}

// NewStandalone starts a fake seeded with seed.
func NewStandalone(seed Seed) (*Standalone, error) {
	if err := seed.Validate(); err != nil {
		return nil, err
	}
	a := &Standalone{seed: seed, mux: http.NewServeMux()}
	for _, rt := range a.adminRoutes() {
		a.mux.HandleFunc(rt.method+" "+AdminPrefix+rt.path, rt.handle)
	}
	srv, err := a.fresh()
	if err != nil {
		return nil, err
	}
	a.seed.SoftwareStatement = string(srv.SoftwareStatement())
	a.srv, a.offset = srv, seed.ClockOffset
	return a, nil
}

func (a *Standalone) fresh() (*Server, error) {
	srv := NewServer()
	if err := srv.ApplySeed(a.seed); err != nil {
		srv.Close()
		return nil, err
	}
	return srv, nil
}

// Server is the fake currently served, for Go code that shares a process with the Standalone.
func (a *Standalone) Server() *Server {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.srv
}

// Reset drops every identity, token, session, fault, latency, throttle and recorded request and
// starts again from the starting seed, with the same software statement.
func (a *Standalone) Reset() error {
	srv, err := a.fresh()
	if err != nil {
		return err
	}
	a.mu.Lock()
	old := a.srv
	a.srv, a.offset = srv, a.seed.ClockOffset
	a.mu.Unlock()
	old.Close()
	return nil
}

// Advance moves the fake's clock forward by d (backward when d is negative): what it issued expires
// as if d had passed. It returns the clock's distance from the wall clock, which stops at about ±292
// years (the range of a time.Duration).
func (a *Standalone) Advance(d time.Duration) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.offset, _ = addDuration(a.offset, d)
	a.setClock()
	return a.offset
}

// addDuration is a+b, saturated at the range of a time.Duration; ok is false when it saturated.
func addDuration(a, b time.Duration) (sum time.Duration, ok bool) {
	sum = a + b
	switch {
	case b > 0 && sum < a:
		return math.MaxInt64, false
	case b < 0 && sum > a:
		return math.MinInt64, false
	}
	return sum, true
}

// setClock gives the served fake the wall clock moved by offset. Call with a.mu held.
func (a *Standalone) setClock() {
	if off := a.offset; off != 0 {
		a.srv.SetClock(func() time.Time { return time.Now().Add(off) })
	} else {
		a.srv.SetClock(nil)
	}
}

// Close stops the Server behind the Standalone.
func (a *Standalone) Close() { a.Server().Close() }

// Info is what a Standalone offers, for a harness to read: the root URL of each family and every
// seeded identity with its password. baseURL is where the Standalone is served.
type Info struct {
	URL               string `json:"url"`                // where the Standalone is served
	Health            string `json:"health"`             // GET: 200 {"status":"ok"} once it listens
	Admin             string `json:"admin"`              // the admin API's root, and its dashboard (HTML)
	Dashboard         string `json:"dashboard"`          // the dashboard: the Admin URL, for a person
	Activate          string `json:"activate"`           // the activation page (the second-screen page)
	Pass              string `json:"pass"`               // the Pass v2 and DCR base URL
	Clientless        string `json:"clientless"`         // the Clientless v1 base URL
	WebAPI            string `json:"webapi"`             // the NINA WebAPI base URL
	AGS               string `json:"ags"`                // the OpenTV AGS base URL
	SoftwareStatement string `json:"software_statement"` // the one DCR register accepts
	ServiceProvider   string `json:"service_provider"`   // any id works; the quickstart's
	WebAPIDevID       string `json:"webapi_dev_id"`      // the devId WebAPI calls must send
	AGSTenant         string `json:"ags_tenant"`         // the tenant AGS calls send
	AGSAuthService    string `json:"ags_auth_service"`   // the auth service AGS sign-ons name
	Seed              Seed   `json:"seed"`               // with every AGS password and MVPD subscriber filled in
}

// Info describes the Standalone served at baseURL (no trailing slash).
func (a *Standalone) Info(baseURL string) Info {
	baseURL = strings.TrimSuffix(baseURL, "/")
	seed := a.seed
	seed.AGSUsers = append([]SeedAGSUser(nil), seed.AGSUsers...)
	for i := range seed.AGSUsers {
		if seed.AGSUsers[i].Password == "" {
			seed.AGSUsers[i].Password = DefaultAGSPassword
		}
	}
	// Every MVPD's subscribers as its login page knows them: DefaultSubscriber first.
	seed.MVPDs = append([]SeedMVPD(nil), seed.MVPDs...)
	for i, m := range seed.MVPDs {
		subs := []SeedSubscriber{{Username: DefaultSubscriber, Password: DefaultSubscriberPassword}}
		for _, sub := range m.Subscribers {
			if sub.Username == DefaultSubscriber {
				subs[0] = sub
			} else {
				subs = append(subs, sub)
			}
		}
		seed.MVPDs[i].Subscribers = subs
	}
	return Info{
		URL: baseURL, Health: baseURL + AdminPrefix + "health", Admin: baseURL + AdminPrefix,
		Dashboard: baseURL + AdminPrefix, Activate: baseURL + ActivatePath,
		Pass: baseURL, Clientless: baseURL, WebAPI: baseURL, AGS: baseURL + "/ags",
		SoftwareStatement: seed.SoftwareStatement, ServiceProvider: DefaultServiceProvider,
		WebAPIDevID: WebAPIDevID, AGSTenant: AGSTenant, AGSAuthService: AGSAuthService,
		Seed: seed,
	}
}

// ServeHTTP serves the admin API and the dashboard under AdminPrefix and the fake everywhere else.
// A request that changes state there is refused (403) when a browser says another site sent it
// (Sec-Fetch-Site, Origin): a page the tester visits cannot reset the fake or queue faults.
func (a *Standalone) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == strings.TrimSuffix(AdminPrefix, "/") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		http.Redirect(w, r, AdminPrefix, http.StatusMovedPermanently)
		return
	}
	if !strings.HasPrefix(r.URL.Path, AdminPrefix) {
		a.Server().ServeHTTP(w, r)
		return
	}
	if reason := crossSiteRefusal(r); reason != "" {
		if strings.HasPrefix(r.URL.Path, AdminPrefix+"dashboard/") {
			messagePage(w, http.StatusForbidden, "dashboard", "Refused", reason, "", "")
		} else {
			adminError(w, http.StatusForbidden, fmt.Errorf("tvauthtest: %s", reason))
		}
		return
	}
	if _, pattern := a.mux.Handler(r); pattern == "" {
		a.noRoute(w, r)
		return
	}
	a.mux.ServeHTTP(w, r)
}

// adminRoute is one method and path of the admin API, below AdminPrefix.
type adminRoute struct {
	method, path string
	handle       http.HandlerFunc
}

// adminRoutes is the admin API. Each route is a Go 1.22 ServeMux pattern of its own, so that a known
// path asked with another method answers 405 with Allow; whatever else is served under AdminPrefix
// (pages beside the JSON API) is added here too.
func (a *Standalone) adminRoutes() []adminRoute {
	return []adminRoute{
		{"GET", "health", a.health},
		{"GET", "info", a.info},
		{"POST", "reset", a.reset},
		{"POST", "seed", a.addSeed},
		{"GET", "faults", a.faults},
		{"POST", "faults", a.addFault},
		{"DELETE", "faults", a.clearFaults},
		{"GET", "latency", a.latency},
		{"PUT", "latency", a.setLatency},
		{"POST", "latency", a.setLatency},
		{"DELETE", "latency", a.clearLatency},
		{"GET", "throttle", a.throttle},
		{"PUT", "throttle", a.setThrottle},
		{"POST", "throttle", a.setThrottle},
		{"DELETE", "throttle", a.clearThrottle},
		{"GET", "clock", a.clock},
		{"POST", "clock", a.advanceClock},
		{"GET", "requests", a.requests},
		{"DELETE", "requests", a.clearRequests},
		// The dashboard (admin_dashboard.go): a page, and the forms it posts.
		{"GET", "{$}", a.dashboard},
		{"POST", "dashboard/faults", a.dashboardAddFault},
		{"POST", "dashboard/faults/clear", a.dashboardClearFaults},
		{"POST", "dashboard/requests/clear", a.dashboardClearRequests},
		{"POST", "dashboard/clock", a.dashboardClock},
		{"POST", "dashboard/reset", a.dashboardReset},
	}
}

// noRoute answers what no admin route serves, in JSON like every admin answer: the mux's own 405
// (with its Allow) for a known path, 404 for the rest.
func (a *Standalone) noRoute(w http.ResponseWriter, r *http.Request) {
	h, _ := a.mux.Handler(r)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if allow := rec.Header().Get("Allow"); rec.Code == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", allow)
		adminError(w, http.StatusMethodNotAllowed, fmt.Errorf("tvauthtest: admin route %s takes %s, not %s", r.URL.Path, allow, r.Method))
		return
	}
	adminError(w, http.StatusNotFound, fmt.Errorf("tvauthtest: no admin route %s %s; see docs/testing.md's admin API section", r.Method, r.URL.Path))
}

// adminFault is Fault as the admin API reads it.
type adminFault struct {
	Method string            `json:"method"`
	Path   string            `json:"path"`
	Times  int               `json:"times"`
	Status int               `json:"status"`
	Body   string            `json:"body"`
	Header map[string]string `json:"header"`
	Delay  time.Duration     `json:"delay"`
	Drop   bool              `json:"drop"`
}

// faultJSON is a pending Fault as the admin API lists it: adminFault, with its delay written the way
// it is read ("250ms").
type faultJSON struct {
	Method string            `json:"method"`
	Path   string            `json:"path"`
	Times  int               `json:"times"` // uses left
	Status int               `json:"status"`
	Body   string            `json:"body"`
	Header map[string]string `json:"header"`
	Delay  string            `json:"delay"`
	Drop   bool              `json:"drop"`
}

type adminLatency struct {
	Path    string        `json:"path"` // "" sets the latency of every path
	Latency time.Duration `json:"latency"`
}

type latencyJSON struct {
	Path    string `json:"path,omitempty"`
	Latency string `json:"latency"`
}

type adminClock struct {
	Advance time.Duration `json:"advance"`
}

type adminRequest struct {
	Method string      `json:"method"`
	Host   string      `json:"host"`
	Path   string      `json:"path"`
	Query  string      `json:"query"`
	Header http.Header `json:"header"`
	Body   string      `json:"body"`
}

func (a *Standalone) health(w http.ResponseWriter, _ *http.Request) {
	adminOK(w, map[string]string{"status": "ok"})
}

func (a *Standalone) info(w http.ResponseWriter, r *http.Request) {
	adminOK(w, a.Info(requestScheme(r)+"://"+requestHost(r)))
}

func (a *Standalone) reset(w http.ResponseWriter, _ *http.Request) {
	if err := a.Reset(); err != nil {
		adminError(w, http.StatusInternalServerError, err)
		return
	}
	adminOK(w, map[string]string{"status": "reset"})
}

func (a *Standalone) addSeed(w http.ResponseWriter, r *http.Request) {
	body, ok := adminBody(w, r)
	if !ok {
		return
	}
	srv := a.Server()
	seed, err := parseSeedFor(srv, body)
	if err == nil {
		err = srv.ApplySeed(seed)
	}
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	if seed.ClockOffset != 0 {
		a.mu.Lock()
		a.offset = seed.ClockOffset
		a.setClock()
		a.mu.Unlock()
	}
	adminOK(w, map[string]string{"status": "seeded"})
}

func (a *Standalone) faults(w http.ResponseWriter, _ *http.Request) {
	out := []faultJSON{}
	for _, f := range a.Server().PendingFaults() {
		h := map[string]string{}
		for k := range f.Header {
			h[k] = f.Header.Get(k)
		}
		out = append(out, faultJSON{f.Method, f.Path, f.Times, f.Status, f.Body, h, f.Delay.String(), f.Drop})
	}
	adminOK(w, out)
}

func (a *Standalone) addFault(w http.ResponseWriter, r *http.Request) {
	var f adminFault
	in, ok := adminDecode(w, r, "fault", &f)
	if !ok {
		return
	}
	if f.Status == 0 && !f.Drop {
		adminError(w, http.StatusBadRequest, in.located(&InputError{Input: "fault", Field: "status",
			Reason: "a fault needs a status (200–599), or drop: true"}))
		return
	}
	fault := Fault{Method: f.Method, Path: f.Path, Times: f.Times, Status: f.Status, Body: f.Body, Delay: f.Delay, Drop: f.Drop}
	if len(f.Header) > 0 {
		fault.Header = http.Header{}
		for k, v := range f.Header {
			fault.Header.Set(k, v)
		}
	}
	srv := a.Server()
	if err := srv.FailNextWith(fault); err != nil {
		adminError(w, http.StatusBadRequest, in.located(err))
		return
	}
	adminOK(w, map[string]int{"pending": len(srv.PendingFaults())})
}

func (a *Standalone) clearFaults(w http.ResponseWriter, _ *http.Request) {
	a.Server().ClearFaults()
	adminOK(w, map[string]int{"pending": 0})
}

// latency answers what delays the answers: the latency of every path without a rule of its own, and
// the path rules in the order they are tried.
func (a *Standalone) latency(w http.ResponseWriter, _ *http.Request) {
	every, rules := a.Server().latencies()
	out := struct {
		Latency string        `json:"latency"`
		Paths   []latencyJSON `json:"paths"`
	}{Latency: every.String(), Paths: []latencyJSON{}}
	for _, p := range rules {
		out.Paths = append(out.Paths, latencyJSON{p.pattern, p.d.String()})
	}
	adminOK(w, out)
}

// setLatency sets the latency of every path (no path: the path rules are dropped) or of the paths
// matching path.
func (a *Standalone) setLatency(w http.ResponseWriter, r *http.Request) {
	var l adminLatency
	in, ok := adminDecode(w, r, "latency", &l)
	if !ok {
		return
	}
	srv := a.Server()
	var err error
	if l.Path == "" {
		err = srv.SetLatency(l.Latency)
	} else {
		err = srv.SetPathLatency(l.Path, l.Latency)
	}
	if err != nil {
		adminError(w, http.StatusBadRequest, in.located(err))
		return
	}
	adminOK(w, map[string]string{"path": l.Path, "latency": l.Latency.String()})
}

func (a *Standalone) clearLatency(w http.ResponseWriter, r *http.Request) {
	_ = a.Server().SetLatency(0)
	a.latency(w, r)
}

func (a *Standalone) throttle(w http.ResponseWriter, _ *http.Request) {
	t := a.Server().throttleConfig()
	if t == nil {
		adminOK(w, map[string]string{"throttle": "off"})
		return
	}
	adminOK(w, struct {
		Throttle string `json:"throttle"`
		SeedThrottle
	}{"on", SeedThrottle{Rate: t.Rate, Burst: t.Burst, Paths: t.Paths}})
}

func (a *Standalone) setThrottle(w http.ResponseWriter, r *http.Request) {
	var t SeedThrottle
	in, ok := adminDecode(w, r, "throttle", &t)
	if !ok {
		return
	}
	if err := a.Server().SetThrottle(&Throttle{Rate: t.Rate, Burst: t.Burst, Paths: t.Paths}); err != nil {
		adminError(w, http.StatusBadRequest, in.located(err))
		return
	}
	adminOK(w, map[string]string{"throttle": "on"})
}

func (a *Standalone) clearThrottle(w http.ResponseWriter, _ *http.Request) {
	_ = a.Server().SetThrottle(nil)
	adminOK(w, map[string]string{"throttle": "off"})
}

func (a *Standalone) clock(w http.ResponseWriter, _ *http.Request) {
	a.mu.RLock()
	off := a.offset
	a.mu.RUnlock()
	adminOK(w, clockJSON(off))
}

func (a *Standalone) advanceClock(w http.ResponseWriter, r *http.Request) {
	var c adminClock
	in, ok := adminDecode(w, r, "clock", &c)
	if !ok {
		return
	}
	a.mu.Lock()
	off, fits := addDuration(a.offset, c.Advance)
	if fits {
		a.offset = off
		a.setClock()
	}
	a.mu.Unlock()
	if !fits {
		adminError(w, http.StatusBadRequest, in.located(&InputError{Input: "clock", Field: "advance",
			Reason: "the clock would move more than about 292 years from the wall clock"}))
		return
	}
	adminOK(w, clockJSON(off))
}

func (a *Standalone) requests(w http.ResponseWriter, r *http.Request) {
	out := []adminRequest{}
	prefix := r.URL.Query().Get("path")
	for _, q := range a.Server().Requests() {
		if pathMatches(prefix, q.Path) {
			out = append(out, adminRequest{q.Method, q.Host, q.Path, q.RawQuery, q.Header, string(q.Body)})
		}
	}
	adminOK(w, out)
}

func (a *Standalone) clearRequests(w http.ResponseWriter, _ *http.Request) {
	a.Server().ClearRequests()
	adminOK(w, map[string]int{"requests": 0})
}

func clockJSON(off time.Duration) map[string]string {
	return map[string]string{"now": time.Now().Add(off).UTC().Format(time.RFC3339Nano), "offset": off.String()}
}

// adminBody reads an admin request's body, answering 413 itself when it is larger than the fake
// reads, 400 when it cannot be read.
func adminBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Body == nil {
		return nil, true
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		adminError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("tvauthtest: an admin body is at most %d bytes", tooLarge.Limit))
		return nil, false
	case err != nil:
		adminError(w, http.StatusBadRequest, fmt.Errorf("tvauthtest: reading the admin body: %w", err))
		return nil, false
	}
	return body, true
}

// adminDecode reads an admin request's JSON body into v, answering the request itself when it cannot;
// input names what the body is ("fault", "latency", …) in errors.
func adminDecode(w http.ResponseWriter, r *http.Request, input string, v any) (*seedReader, bool) {
	body, ok := adminBody(w, r)
	if !ok {
		return nil, false
	}
	in, err := decodeLocated(body, v, input)
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return nil, false
	}
	return in, true
}

func adminOK(w http.ResponseWriter, v any) { adminJSON(w, http.StatusOK, v) }

func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// adminError answers {"error": …}, with the line, column and field of a refused seed or body.
func adminError(w http.ResponseWriter, status int, err error) {
	out := map[string]any{"error": err.Error()}
	var ie *InputError
	if errors.As(err, &ie) {
		if ie.Line > 0 {
			out["line"], out["column"] = ie.Line, ie.Column
		}
		if ie.Field != "" {
			out["field"] = ie.Field
		}
	}
	adminJSON(w, status, out)
}
