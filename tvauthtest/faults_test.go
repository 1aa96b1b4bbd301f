package tvauthtest

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFailNextWithRefuses: a fault the fake cannot answer as written is refused with an *InputError
// naming the field, and nothing is queued; FailNext, which has no error to return, queues nothing
// either. Before, a status of 99 was queued and every matching request panicked in WriteHeader.
func TestFailNextWithRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fault  Fault
		field  string
		reason string
	}{
		{"status below 100", Fault{Status: 99}, "status", "200–599"},
		{"informational status", Fault{Status: 103}, "status", "a 1xx is informational"},
		{"status 600", Fault{Status: 600}, "status", "got 600"},
		{"negative status", Fault{Status: -1, Drop: true}, "status", "got -1"},
		{"negative times", Fault{Status: 503, Times: -1}, "times", "cannot be negative"},
		{"negative delay", Fault{Status: 503, Delay: -time.Second}, "delay", "cannot be negative: got -1s"},
		{"method with a space", Fault{Method: "GE T", Status: 503}, "method", `"GE T" is not an HTTP method`},
		{"path with NUL", Fault{Path: "/ags/\x00", Status: 503}, "path", "control character U+0000"},
		{"path not UTF-8", Fault{Path: "/ags/\xff", Status: 503}, "path", "not UTF-8"},
		{"header name with a space", Fault{Status: 503, Header: http.Header{"Retry After": {"1"}}}, "header.Retry After", "not an HTTP header name"},
		{"header value with CRLF", Fault{Status: 503, Header: http.Header{"X-Why": {"a\r\nSet-Cookie: x"}}}, "header.X-Why", "control character U+000D"},
		{"content length not a number", Fault{Status: 503, Header: http.Header{"Content-Length": {"ten"}}}, "header.Content-Length", `"ten" is not a byte count`},
		{"negative content length", Fault{Status: 503, Header: http.Header{"Content-Length": {"-1"}}}, "header.Content-Length", "not a byte count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			err := s.FailNextWith(tc.fault)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input != "fault" || ie.Field != tc.field || !strings.Contains(ie.Reason, tc.reason) {
				t.Fatalf("FailNextWith(%+v) = %v, want a fault error on %s saying %q", tc.fault, err, tc.field, tc.reason)
			}
			if !strings.HasPrefix(err.Error(), "tvauthtest: fault: "+tc.field+": ") {
				t.Errorf("error text %q", err)
			}
			if tc.fault.Delay == 0 && tc.fault.Header == nil { // what FailNext can say
				s.FailNext(tc.fault.Method, tc.fault.Path, tc.fault.Status, tc.fault.Times)
			}
			if p := s.PendingFaults(); len(p) != 0 {
				t.Fatalf("a refused fault was queued: %+v", p)
			}
			// The fake serves as if nothing had been asked.
			if st := discovery(t, s.srv.Client(), s.URL()); st != 200 {
				t.Errorf("discovery after a refused fault: %d", st)
			}
		})
	}
}

// TestFailNextWithAccepts: the edges of what a fault may say, answered as written on the wire.
func TestFailNextWithAccepts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		fault      Fault
		wantStatus int
		wantBody   string
	}{
		{"lowest status", Fault{Status: 200, Body: "x"}, 200, "x"},
		{"highest status", Fault{Status: 599, Body: "x"}, 599, "x"},
		{"status 0 means 500", Fault{Body: "x"}, 500, "x"},
		{"204 answers no body", Fault{Status: 204, Body: "ignored"}, 204, ""},
		{"304 answers no body", Fault{Status: 304, Body: "ignored"}, 304, ""},
		{"content length that matches", Fault{Status: 503, Body: "abc", Header: http.Header{"Content-Length": {"3"}}}, 503, "abc"},
		{"any method token", Fault{Method: "get", Status: 418}, 418, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			for name, hc := range map[string]*http.Client{"listener": s.srv.Client(), "transport": {Transport: s.Transport()}} {
				if err := s.FailNextWith(tc.fault); err != nil {
					t.Fatal(err)
				}
				status, _, body := do(t, hc, "GET", s.URL()+"/ags/servicediscovery", nil, "")
				if status != tc.wantStatus || body != tc.wantBody {
					t.Errorf("%s: got %d %q, want %d %q", name, status, body, tc.wantStatus, tc.wantBody)
				}
			}
		})
	}
}

// TestSetThrottleRefuses: the Go API refuses what the admin API and the seed refuse, changing nothing.
func TestSetThrottleRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		throttle Throttle
		field    string
	}{
		{"negative rate", Throttle{Rate: -1}, "rate"},
		{"NaN rate", Throttle{Rate: math.NaN()}, "rate"},
		{"infinite rate", Throttle{Rate: math.Inf(1)}, "rate"},
		{"negative burst", Throttle{Burst: -1}, "burst"},
		{"path with a control character", Throttle{Paths: []string{"/ags/*", "/x\x7f"}}, "paths[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			err := s.SetThrottle(&tc.throttle)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input != "throttle" || ie.Field != tc.field {
				t.Fatalf("SetThrottle(%+v) = %v, want a throttle error on %s", tc.throttle, err, tc.field)
			}
			if s.throttleConfig() != nil {
				t.Error("a refused throttle was switched on")
			}
		})
	}
	s := newTestServer(t)
	if err := s.SetThrottle(&Throttle{Rate: 0, Burst: 0}); err != nil {
		t.Fatalf("Adobe's defaults: %v", err)
	}
	if got := s.throttleConfig(); got == nil || got.Rate != 1 || got.Burst != 10 || got.Paths != nil {
		t.Errorf("throttle = %+v, want Adobe's 1/s, burst 10, Adobe's paths", got)
	}
	if err := s.SetThrottle(nil); err != nil || s.throttleConfig() != nil {
		t.Errorf("SetThrottle(nil) = %v; throttle %+v", err, s.throttleConfig())
	}
}
