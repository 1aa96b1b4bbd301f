package tvauthtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	seed Seed // the starting state; its software statement is pinned so that it survives Reset

	mu     sync.RWMutex
	srv    *Server
	offset time.Duration // the clock's distance from the wall clock
}

// NewStandalone starts a fake seeded with seed.
func NewStandalone(seed Seed) (*Standalone, error) {
	if err := seed.Validate(); err != nil {
		return nil, err
	}
	a := &Standalone{seed: seed}
	srv, err := a.fresh()
	if err != nil {
		return nil, err
	}
	a.seed.SoftwareStatement = srv.SoftwareStatement()
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
// as if d had passed.
func (a *Standalone) Advance(d time.Duration) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.offset += d
	a.setClock()
	return a.offset
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
	URL               string `json:"url"`
	Health            string `json:"health"`
	Admin             string `json:"admin"`
	Pass              string `json:"pass"`
	Clientless        string `json:"clientless"`
	WebAPI            string `json:"webapi"`
	AGS               string `json:"ags"`
	SoftwareStatement string `json:"software_statement"`
	ServiceProvider   string `json:"service_provider"` // any id works; the quickstart's
	WebAPIDevID       string `json:"webapi_dev_id"`
	AGSTenant         string `json:"ags_tenant"`
	AGSAuthService    string `json:"ags_auth_service"`
	Seed              Seed   `json:"seed"` // with every AGS password filled in
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
	return Info{
		URL: baseURL, Health: baseURL + AdminPrefix + "health", Admin: baseURL + AdminPrefix,
		Pass: baseURL, Clientless: baseURL, WebAPI: baseURL, AGS: baseURL + "/ags",
		SoftwareStatement: seed.SoftwareStatement, ServiceProvider: DefaultServiceProvider,
		WebAPIDevID: WebAPIDevID, AGSTenant: AGSTenant, AGSAuthService: AGSAuthService,
		Seed: seed,
	}
}

// ServeHTTP serves the admin API under AdminPrefix and the fake everywhere else.
func (a *Standalone) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, AdminPrefix); ok {
		a.admin(w, r, rest)
		return
	}
	a.Server().ServeHTTP(w, r)
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

type adminLatency struct {
	Path    string        `json:"path"` // "" sets the latency of every path
	Latency time.Duration `json:"latency"`
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

func (a *Standalone) admin(w http.ResponseWriter, r *http.Request, route string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	srv := a.Server()
	ok := func(v any) { adminJSON(w, http.StatusOK, v) }
	switch r.Method + " " + route {
	case "GET health":
		ok(map[string]string{"status": "ok"})
	case "GET info":
		ok(a.Info(requestScheme(r) + "://" + requestHost(r)))
	case "POST reset":
		if err := a.Reset(); err != nil {
			adminError(w, http.StatusInternalServerError, err)
			return
		}
		ok(map[string]string{"status": "reset"})
	case "POST seed":
		seed, err := parseSeedFor(srv, body)
		if err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if err := srv.ApplySeed(seed); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if seed.ClockOffset != 0 {
			a.mu.Lock()
			a.offset = seed.ClockOffset
			a.setClock()
			a.mu.Unlock()
		}
		ok(map[string]string{"status": "seeded"})
	case "POST faults":
		var f adminFault
		if _, err := decodeLocated(body, &f); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if f.Status == 0 && !f.Drop {
			adminError(w, http.StatusBadRequest, &SeedError{Field: "status", Reason: "a fault needs a status, or drop: true"})
			return
		}
		fault := Fault{Method: f.Method, Path: f.Path, Times: f.Times, Status: f.Status, Body: f.Body, Delay: f.Delay, Drop: f.Drop}
		if len(f.Header) > 0 {
			fault.Header = http.Header{}
			for k, v := range f.Header {
				fault.Header.Set(k, v)
			}
		}
		srv.FailNextWith(fault)
		ok(map[string]int{"pending": len(srv.PendingFaults())})
	case "GET faults":
		out := []adminFault{}
		for _, f := range srv.PendingFaults() {
			h := map[string]string{}
			for k := range f.Header {
				h[k] = f.Header.Get(k)
			}
			out = append(out, adminFault{f.Method, f.Path, f.Times, f.Status, f.Body, h, f.Delay, f.Drop})
		}
		ok(out)
	case "DELETE faults":
		srv.ClearFaults()
		ok(map[string]int{"pending": 0})
	case "PUT latency", "POST latency":
		var l adminLatency
		if _, err := decodeLocated(body, &l); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if l.Latency < 0 {
			adminError(w, http.StatusBadRequest, &SeedError{Field: "latency", Reason: "a latency cannot be negative"})
			return
		}
		if l.Path == "" {
			srv.SetLatency(l.Latency)
		} else {
			srv.SetPathLatency(l.Path, l.Latency)
		}
		ok(map[string]string{"path": l.Path, "latency": l.Latency.String()})
	case "PUT throttle", "POST throttle":
		var t SeedThrottle
		if _, err := decodeLocated(body, &t); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if err := (Seed{Throttle: &t}).Validate(); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		srv.SetThrottle(&Throttle{Rate: t.Rate, Burst: t.Burst, Paths: t.Paths})
		ok(map[string]string{"throttle": "on"})
	case "DELETE throttle":
		srv.SetThrottle(nil)
		ok(map[string]string{"throttle": "off"})
	case "GET clock":
		a.mu.RLock()
		off := a.offset
		a.mu.RUnlock()
		ok(clockJSON(off))
	case "POST clock":
		var c adminClock
		if _, err := decodeLocated(body, &c); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		ok(clockJSON(a.Advance(c.Advance)))
	case "GET requests":
		out := []adminRequest{}
		prefix := r.URL.Query().Get("path")
		for _, q := range srv.Requests() {
			if pathMatches(prefix, q.Path) {
				out = append(out, adminRequest{q.Method, q.Host, q.Path, q.RawQuery, q.Header, string(q.Body)})
			}
		}
		ok(out)
	case "DELETE requests":
		srv.ClearRequests()
		ok(map[string]int{"requests": 0})
	default:
		adminError(w, http.StatusNotFound, fmt.Errorf("no admin route %s %s%s; see the README's admin API section", r.Method, AdminPrefix, route))
	}
}

func clockJSON(off time.Duration) map[string]string {
	return map[string]string{"now": time.Now().Add(off).UTC().Format(time.RFC3339Nano), "offset": off.String()}
}

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
	var se *SeedError
	if errors.As(err, &se) {
		if se.Line > 0 {
			out["line"], out["column"] = se.Line, se.Column
		}
		if se.Field != "" {
			out["field"] = se.Field
		}
	}
	adminJSON(w, status, out)
}
