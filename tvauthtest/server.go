// Package tvauthtest is an in-process fake of the four services tvauth speaks to: Adobe Pass REST API
// v2 (with DCR), Adobe Pass REST API v1 ("clientless"), NINA WebAPI auth and OpenTV AGS. It checks
// requests the way the real services do and answers with the documented shapes, so that test suites
// and examples run with no network.
package tvauthtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/tvauth/tvauth"
)

// Server is a running fake. Safe for concurrent use; every Server has its own state.
type Server struct {
	srv *httptest.Server
	mux *http.ServeMux

	mu       sync.Mutex
	faults   []*fault
	requests []Request

	pass       *passState
	clientless *clientlessState
	webapi     *webapiState
	ags        *agsState
}

// Request is what the fake recorded of one request it received.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

type fault struct {
	method, path string
	status       int
	body         string
	header       http.Header
	times        int
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
	s.srv = httptest.NewServer(s)
	return s
}

// URL is the root URL of the fake.
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the fake down.
func (s *Server) Close() { s.srv.Close() }

// Options point every service of a tvauth client at this server.
func (s *Server) Options() []tvauth.Option {
	return []tvauth.Option{
		tvauth.WithHTTPClient(s.srv.Client()),
		tvauth.WithPassURL(s.URL()),
		tvauth.WithClientlessURL(s.URL()),
		tvauth.WithWebAPIURL(s.URL()),
		tvauth.WithAGSURL(s.URL() + "/ags"),
	}
}

// Client is a tvauth client built from Options. It panics only if tvauth rejects the fake's own
// options, which would be a bug in this package.
func (s *Server) Client() *tvauth.Client {
	c, err := tvauth.New(s.Options()...)
	if err != nil {
		panic("tvauthtest: " + err.Error())
	}
	return c
}

// FailNext makes the next times requests with this method and path answer status (with an empty
// body) instead of being served.
func (s *Server) FailNext(method, path string, status int, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: strings.ToUpper(method), path: path, status: status, times: times})
}

// Requests returns a copy of every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ServeHTTP makes the fake an http.Handler, for suites that serve it themselves.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := readAll(r)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body})
	f := s.takeFault(r.Method, r.URL.Path)
	s.mu.Unlock()
	if f != nil {
		for k, vs := range f.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(f.body))
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) takeFault(method, path string) *fault {
	for i, f := range s.faults {
		if f.method == method && f.path == path && f.times > 0 {
			f.times--
			if f.times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}
