package tvauthtest

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ThrottlePage is the HTML body of Adobe's throttle answer (HTTP 429, Content-Type text/html, no
// Retry-After), served by the openresty edge in front of Adobe Pass. Use it in a Fault to reproduce
// one throttled answer exactly.
const ThrottlePage = `<html>
<head><title>429 Too Many Requests</title></head>
<body>
<center><h1>429 Too Many Requests</h1></center>
<hr><center>openresty</center>
</body>
</html>
`

// Fault is an answer the fake gives instead of serving a request, for users' reliability tests.
type Fault struct {
	Method string        // "" matches every method
	Path   string        // an exact path, a prefix ending in "*", or "" for every path
	Times  int           // how many matching requests fail; 0 counts as 1
	Status int           // the HTTP status answered, 200–599; 0 means 500
	Body   string        // the body answered, e.g. ThrottlePage (none with 204 and 304)
	Header http.Header   // headers answered, e.g. Retry-After; Content-Type is sniffed from Body when absent
	Delay  time.Duration // wait before answering (or dropping), on top of any latency
	Drop   bool          // close the connection without answering: the client sees a transport error
}

// FailNext makes the next times requests with this method and path answer status (with an empty
// body) instead of being served. method "" matches every method; path is exact, or a prefix ending
// in "*" ("/api/v2/*"), or "" for every path.
//
// A fault FailNextWith refuses (a status outside 200–599, negative times, …) is not queued: FailNext
// has no error to say so, so use FailNextWith when the values are not constants.
func (s *Server) FailNext(method, path string, status int, times int) {
	_ = s.FailNextWith(Fault{Method: method, Path: path, Status: status, Times: times})
}

// FailNextWith queues f: the next f.Times requests it matches get f's answer instead of being served.
// Faults are matched in the order they were queued.
//
// A fault the fake cannot answer as written is refused with an *InputError (Input "fault", Field the
// admin API's name of the field) and nothing is queued: a Status outside 200–599 (a 1xx is
// informational, never an answer), a negative Times or Delay, a Method that is not an HTTP token, a
// Path or a Header value with a control character, a Header name that is not an HTTP token, or a
// Content-Length that is not a byte count.
func (s *Server) FailNextWith(f Fault) error {
	if err := f.check(); err != nil {
		return err
	}
	if f.Times == 0 {
		f.Times = 1
	}
	f.Header = f.Header.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
	return nil
}

// check reports the first field of f the fake cannot answer as written.
func (f *Fault) check() error {
	bad := func(field, format string, args ...any) error {
		return &InputError{Input: "fault", Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return bad("status", "a fault answers a final HTTP status, 200–599 (a 1xx is informational, never the answer): got %d", f.Status)
	case f.Times < 0:
		return bad("times", "times cannot be negative (0 means once): got %d", f.Times)
	case f.Delay < 0:
		return bad("delay", "a delay cannot be negative: got %s", f.Delay)
	case f.Method != "" && !httpToken(f.Method):
		return bad("method", "%q is not an HTTP method", f.Method)
	}
	if reason := textProblem(f.Path); reason != "" {
		return bad("path", "%s", reason)
	}
	for _, k := range slices.Sorted(maps.Keys(f.Header)) {
		if !httpToken(k) {
			return bad("header."+k, "%q is not an HTTP header name", k)
		}
		for _, v := range f.Header[k] {
			if reason := textProblem(v); reason != "" {
				return bad("header."+k, "%s", reason)
			}
			// net/http would drop such a Content-Length and log it on the server's standard error.
			if _, err := strconv.ParseUint(v, 10, 63); err != nil && http.CanonicalHeaderKey(k) == "Content-Length" {
				return bad("header."+k, "%q is not a byte count", v)
			}
		}
	}
	return nil
}

// httpToken reports whether s is an HTTP token (RFC 9110 §5.6.2), the syntax of methods and header
// names.
func httpToken(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if c >= 0x80 || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// takeFault consumes one use of the first fault matching the request. Call with s.mu held.
func (s *Server) takeFault(method, path string) *Fault {
	for i, f := range s.faults {
		if methodMatches(f.Method, method) && pathMatches(f.Path, path) {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

func (f *Fault) write(w http.ResponseWriter) {
	status := cmp.Or(f.Status, http.StatusInternalServerError)
	body := f.Body
	if status == http.StatusNoContent || status == http.StatusNotModified {
		body = "" // none, whichever way the fake is reached: a listener refuses one, a recorder would not
	}
	for k, vs := range f.Header {
		w.Header()[k] = append([]string(nil), vs...)
	}
	if body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", http.DetectContentType([]byte(body)))
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// Throttle configures Adobe's token-bucket throttle: each end user (the first X-Forwarded-For address,
// else the connecting IP) gets Burst requests at once, then Rate per second; beyond that the fake
// answers 429 with ThrottlePage.
type Throttle struct {
	Rate  float64  // requests per second refilled; 0 means Adobe's 1
	Burst int      // bucket size; 0 means Adobe's 10
	Paths []string // path patterns (exact, or a prefix ending in "*"); nil means the paths Adobe throttles
}

type throttle struct {
	cfg     Throttle
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// adobeThrottled are the paths Adobe documents as throttled, written as the nginx location prefixes
// they are.
var adobeThrottled = regexp.MustCompile(`^(/o/client/(register|token|scopes|validate)` +
	`|/api/v2/` +
	`|/api/v1/tokens/(usermetadata|authn|authz|media)` +
	`|/api/v1/(config/|checkauthn|logout|authorize|preauthorize|mediatoken|authenticate/|identities)` +
	`|/api/v1/[^/]+/profile-requests/.` +
	`|/adobe-services/config/` +
	`|/reggie/v1/[^/]+/regcode)`)

// SetThrottle switches Adobe-like throttling on with t's settings, or off with nil. Switching it on
// starts every end user with a full bucket. A negative or non-finite Rate, a negative Burst or a path
// with a control character is refused with an *InputError (Input "throttle"), changing nothing.
func (s *Server) SetThrottle(t *Throttle) error {
	if t != nil {
		if field, reason := badThrottle(t.Rate, t.Burst); field != "" {
			return &InputError{Input: "throttle", Field: field, Reason: reason}
		}
		for i, p := range t.Paths {
			if reason := textProblem(p); reason != "" {
				return &InputError{Input: "throttle", Field: fmt.Sprintf("paths[%d]", i), Reason: reason}
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t == nil {
		s.throttle = nil
		return nil
	}
	cfg := *t
	if cfg.Rate <= 0 {
		cfg.Rate = 1
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 10
	}
	cfg.Paths = slices.Clone(t.Paths) // nil stays nil (Adobe's paths); empty stays empty (none)
	s.throttle = &throttle{cfg: cfg, buckets: map[string]*bucket{}}
	return nil
}

// throttleConfig is the throttle switched on, with Adobe's defaults filled in; nil when it is off.
func (s *Server) throttleConfig() *Throttle {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.throttle == nil {
		return nil
	}
	cfg := s.throttle.cfg
	cfg.Paths = slices.Clone(cfg.Paths)
	return &cfg
}

// throttled takes a token from the request's bucket and reports whether there was none. Call with
// s.mu held.
func (s *Server) throttled(r *http.Request, now time.Time) bool {
	t := s.throttle
	if t == nil || !t.applies(r.URL.Path) {
		return false
	}
	key := peerKey(r)
	b := t.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(t.cfg.Burst), last: now}
		t.buckets[key] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(float64(t.cfg.Burst), b.tokens+elapsed*t.cfg.Rate)
		b.last = now
	}
	if b.tokens < 1 {
		return true
	}
	b.tokens--
	return false
}

func (t *throttle) applies(path string) bool {
	if t.cfg.Paths == nil {
		return adobeThrottled.MatchString(path)
	}
	for _, p := range t.cfg.Paths {
		if pathMatches(p, path) {
			return true
		}
	}
	return false
}

func writeThrottled(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte(ThrottlePage))
}
