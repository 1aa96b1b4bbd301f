// Package tvauthtest is an in-process fake of the four services tvauth speaks to: Adobe Pass REST API
// v2 (with DCR), Adobe Pass REST API v1 ("clientless"), NINA WebAPI auth and OpenTV AGS. It checks
// requests the way the real services do and answers with the documented shapes, so that test suites
// and examples run with no network.
//
// One line makes a client ready for every family: fake.Client() carries a default device
// (DefaultDevice) and DCR credentials the fake registered when it started (PassCredentials), so Pass
// v2 and Clientless calls work at once, beside WebAPI and AGS; fake.PassClient(device) plays another
// device. Seed what a test needs (AddMVPD, AddProfile, AddWebAPIUser, AddAGSUser, …) and, where a
// test needs them, partner single sign-on (PartnerSAMLResponse), WebAPI challenges
// (SetWebAPIChallenge), AGS session tokens (AGSOperatorAuthToken) and the tenant check
// (RequireAGSTenant).
//
// A Server can be reached four ways: over its loopback listener (URL, Options, Client), as an
// http.Handler (ServeHTTP), as an http.RoundTripper that serves in-process with no connection at all
// (Transport), and as an httpmock responder (Responder). Every Server has its own state, so parallel
// tests each start their own.
//
// For reliability tests it injects faults (FailNext, FailNextWith), latency (SetLatency,
// SetPathLatency) and Adobe's throttle (SetThrottle).
package tvauthtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/tvauth/tvauth"
)

// Server is a running fake. Safe for concurrent use; every Server has its own state.
type Server struct {
	srv *httptest.Server
	mux *http.ServeMux

	mu          sync.Mutex
	faults      []*Fault
	requests    []Request
	latency     time.Duration
	pathLatency []pathDelay
	throttle    *throttle

	clockMu sync.RWMutex
	clock   func() time.Time

	pass       *passState
	clientless *clientlessState
	webapi     *webapiState
	ags        *agsState
}

// Request is what the fake recorded of one request it received.
type Request struct {
	Method   string      // the HTTP method
	Host     string      // the host the client addressed (the Host header)
	Path     string      // the URL's path, unescaped
	RawQuery string      // the URL's query, as sent (no "?")
	Header   http.Header // every header as received, secrets included
	Body     []byte      // the body as received (at most 8 MiB are read)
}

// NewServer starts an in-process server for all four families: Pass, Clientless and WebAPI paths at
// the root, AGS under /ags.
func NewServer() *Server {
	s := &Server{mux: http.NewServeMux()}
	s.pass = newPassState()
	s.clientless = newClientlessState()
	s.webapi = newWebAPIState()
	s.ags = newAGSState()
	s.registerPass(s.mux)
	s.registerClientless(s.mux)
	s.registerWebAPI(s.mux)
	s.registerAGS(s.mux)
	s.registerPages(s.mux)
	s.srv = httptest.NewServer(s)
	return s
}

// URL is the root URL of the fake.
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the listener down. Transport and Responder keep working: they need no listener.
func (s *Server) Close() { s.srv.Close() }

// Options point every service of a tvauth client at this server and make it ready for every family
// at once: the WebAPI devId and the AGS tenant and auth service the fake expects, DefaultDevice for
// the Adobe Pass device headers, and PassCredentials (a DCR client the fake registered when it
// started) as the source of the Pass and Clientless bearer tokens.
//
// Options appended after these override them: tvauth.WithDevice for another device,
// tvauth.WithPassTokenSource for tokens from a registration of your own,
// tvauth.WithHTTPClient(&http.Client{Transport: s.Transport()}) to skip the listener.
func (s *Server) Options() []tvauth.Option {
	return []tvauth.Option{
		tvauth.WithHTTPClient(s.srv.Client()),
		tvauth.WithPassURL(s.URL()),
		tvauth.WithClientlessURL(s.URL()),
		tvauth.WithWebAPIURL(s.URL()),
		tvauth.WithAGSURL(s.URL() + "/ags"),
		tvauth.WithWebAPIDevID(WebAPIDevID),
		tvauth.WithAGSTenant(AGSTenant),
		tvauth.WithAGSAuthService(AGSAuthService),
		tvauth.WithDevice(DefaultDevice()),
		tvauth.WithPassCredentials(s.PassCredentials()),
	}
}

// Client is a tvauth client built from Options: every Pass v2, Clientless, WebAPI and AGS method can
// be called on it at once, as DefaultDevice, with no set-up. It panics only if tvauth rejects the
// fake's own options, which would be a bug in this package.
func (s *Server) Client() *tvauth.Client {
	return s.newClient(s.Options())
}

// PassClient is Client for another device: Pass and Clientless calls carry d's device headers (and
// Clientless's deviceId is d.ID), so that one test can play several devices against one fake.
func (s *Server) PassClient(d tvauth.Device) *tvauth.Client {
	return s.newClient(append(s.Options(), tvauth.WithDevice(d)))
}

func (s *Server) newClient(opts []tvauth.Option) *tvauth.Client {
	c, err := tvauth.New(opts...)
	if err != nil {
		panic("tvauthtest: " + err.Error())
	}
	return c
}

// SetClock replaces the clock of every family (Pass tokens, codes, profiles and media tokens,
// Clientless regcodes and tokens, WebAPI lifetimes, hostTime and ts checks, AGS tokens) and of the
// throttle; nil restores the wall clock. Move it forward to expire what the fake issued without
// waiting.
func (s *Server) SetClock(now func() time.Time) {
	s.clockMu.Lock()
	defer s.clockMu.Unlock()
	s.clock = now
}

// now is the fake's clock: every family reads time through it, so SetClock moves them all.
func (s *Server) now() time.Time {
	s.clockMu.RLock()
	c := s.clock
	s.clockMu.RUnlock()
	if c == nil {
		return time.Now()
	}
	return c()
}

// Requests returns a copy of every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ServeHTTP makes the fake an http.Handler, for suites that serve it themselves.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.serve(w, r) {
		return
	}
	// A dropped connection is the client-side symptom of a crashed or overloaded peer.
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	http.Error(w, "tvauthtest: fault injection asked to drop the connection, but this ResponseWriter cannot be hijacked",
		http.StatusBadGateway)
}

// serve answers r, after the injected latency, throttle and faults. It reports whether the
// connection must be dropped instead of answered.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) (drop bool) {
	body := readAll(r)
	now := s.now()
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Host: requestHost(r), Path: r.URL.Path,
		RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	delay := s.latencyFor(r.URL.Path)
	throttled := s.throttled(r, now)
	var f *Fault
	if !throttled {
		f = s.takeFault(r.Method, r.URL.Path)
	}
	s.mu.Unlock()

	if f != nil {
		delay += f.Delay
	}
	if !waitOrDone(r.Context(), delay) {
		return false // the client gave up; nobody reads an answer
	}
	switch {
	case throttled:
		writeThrottled(w)
	case f != nil && f.Drop:
		return true
	case f != nil:
		f.write(w)
	default:
		s.mux.ServeHTTP(w, r)
	}
	return false
}

// errDropped is what a client sees through Transport when a Fault drops the connection.
var errDropped = fmt.Errorf("tvauthtest: connection closed without a response (injected fault): %w", io.ErrUnexpectedEOF)

// Transport returns the fake as an http.RoundTripper that serves every request in-process, whatever
// its host: no listener, no sockets. Give it to tvauth.WithHTTPClient, or to any http.Client.
func (s *Server) Transport() http.RoundTripper { return roundTripper{s} }

// Responder returns the fake as an httpmock responder: register it with
// (*httpmock.MockTransport).RegisterNoResponder so that every request without a responder of its own
// is served by the fake. Its type is httpmock.Responder's underlying type, so this package does not
// import httpmock.
func (s *Server) Responder() func(*http.Request) (*http.Response, error) { return s.roundTrip }

type roundTripper struct{ s *Server }

func (t roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return t.s.roundTrip(req) }

// roundTrip serves req as if it had arrived over a connection: a server-side copy of the request, an
// answer recorded in memory. The caller's request is never modified (RoundTripper contract).
func (s *Server) roundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxRequestBody))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	if req.URL == nil {
		return nil, errors.New("tvauthtest: request without URL")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in := req.Clone(ctx)
	in.Body = io.NopCloser(bytes.NewReader(body))
	in.ContentLength = int64(len(body))
	if in.Host == "" {
		in.Host = in.URL.Host
	}
	in.RequestURI = in.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	if in.Proto == "" {
		in.Proto, in.ProtoMajor, in.ProtoMinor = "HTTP/1.1", 1, 1
	}

	rec := httptest.NewRecorder()
	if s.serve(rec, in) {
		return nil, errDropped
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp := rec.Result()
	resp.Request = req
	if resp.ContentLength < 0 {
		resp.ContentLength = int64(rec.Body.Len())
	}
	return resp, nil
}

// pathDelay is latency added to requests whose path matches pattern.
type pathDelay struct {
	pattern string
	d       time.Duration
}

// SetLatency delays the answers to every path by d, for timeout and cancellation tests: it replaces
// the default delay and drops every SetPathLatency rule, so SetLatency(0) removes all latency. The
// wait ends early when the client gives up. A negative d is refused with an *InputError (Input
// "latency"), changing nothing.
func (s *Server) SetLatency(d time.Duration) error {
	if d < 0 {
		return &InputError{Input: "latency", Field: "latency", Reason: "a latency cannot be negative: got " + d.String()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
	s.pathLatency = nil
	return nil
}

// SetPathLatency delays answers to paths matching pattern (an exact path, or a prefix ending in "*")
// by d instead of the SetLatency delay; 0 removes the rule. Rules are tried in the order they were
// first set. An empty pattern (SetLatency is for every path), one with a control character, or a
// negative d is refused with an *InputError (Input "latency"), changing nothing.
func (s *Server) SetPathLatency(pattern string, d time.Duration) error {
	switch reason := textProblem(pattern); {
	case pattern == "":
		return &InputError{Input: "latency", Field: "path", Reason: "a path latency needs a path (exact, or a prefix ending in *); SetLatency sets every path's"}
	case reason != "":
		return &InputError{Input: "latency", Field: "path", Reason: reason}
	case d < 0:
		return &InputError{Input: "latency", Field: "latency", Reason: "a latency cannot be negative: got " + d.String()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.pathLatency {
		if p.pattern == pattern {
			if d == 0 {
				s.pathLatency = slices.Delete(s.pathLatency, i, i+1)
			} else {
				s.pathLatency[i].d = d
			}
			return nil
		}
	}
	if d > 0 {
		s.pathLatency = append(s.pathLatency, pathDelay{pattern, d})
	}
	return nil
}

// latencies returns the default delay and a copy of the path rules, in the order they are tried.
func (s *Server) latencies() (time.Duration, []pathDelay) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency, slices.Clone(s.pathLatency)
}

func (s *Server) latencyFor(path string) time.Duration {
	for _, p := range s.pathLatency {
		if pathMatches(p.pattern, path) {
			return p.d
		}
	}
	return s.latency
}

// ensure the fake stays usable wherever a handler or transport is expected.
var (
	_ http.Handler      = (*Server)(nil)
	_ http.RoundTripper = roundTripper{}
)
