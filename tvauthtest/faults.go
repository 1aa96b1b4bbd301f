package tvauthtest

import (
	"net/http"
	"regexp"
	"slices"
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
	Times  int           // how many matching requests fail; less than 1 counts as 1
	Status int           // the HTTP status answered
	Body   string        // the body answered, e.g. ThrottlePage
	Header http.Header   // headers answered, e.g. Retry-After; Content-Type is sniffed from Body when absent
	Delay  time.Duration // wait before answering (or dropping), on top of any latency
	Drop   bool          // close the connection without answering: the client sees a transport error
}

// FailNext makes the next times requests with this method and path answer status (with an empty
// body) instead of being served. method "" matches every method; path is exact, or a prefix ending
// in "*" ("/api/v2/*"), or "" for every path.
func (s *Server) FailNext(method, path string, status int, times int) {
	s.FailNextWith(Fault{Method: method, Path: path, Status: status, Times: times})
}

// FailNextWith queues f: the next f.Times requests it matches get f's answer instead of being served.
// Faults are matched in the order they were queued.
func (s *Server) FailNextWith(f Fault) {
	if f.Times < 1 {
		f.Times = 1
	}
	f.Header = f.Header.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
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
	for k, vs := range f.Header {
		w.Header()[k] = append([]string(nil), vs...)
	}
	if f.Body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", http.DetectContentType([]byte(f.Body)))
	}
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(f.Body))
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
// starts every end user with a full bucket.
func (s *Server) SetThrottle(t *Throttle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t == nil {
		s.throttle = nil
		return
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
