package tvauth

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	now := time.Now()
	resp := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	tests := []struct {
		name     string
		resp     *http.Response
		attempt  int
		min, max time.Duration
		lo, hi   time.Duration
	}{
		{"first wait", nil, 0, 200 * time.Millisecond, 5 * time.Second, 200 * time.Millisecond, 300 * time.Millisecond},
		{"exponential", resp(500, ""), 3, 200 * time.Millisecond, 5 * time.Second, 1600 * time.Millisecond, 2400 * time.Millisecond},
		{"capped", resp(500, ""), 10, 200 * time.Millisecond, 5 * time.Second, 5 * time.Second, 5 * time.Second},
		{"huge attempt", resp(500, ""), 200, time.Millisecond, time.Second, time.Second, time.Second},
		{"retry-after seconds", resp(429, "3"), 0, 200 * time.Millisecond, 5 * time.Second, 3 * time.Second, 3 * time.Second},
		{"retry-after capped", resp(429, "3600"), 0, 200 * time.Millisecond, 5 * time.Second, 5 * time.Second, 5 * time.Second},
		{"retry-after on 503", resp(503, "2"), 0, 200 * time.Millisecond, 5 * time.Second, 2 * time.Second, 2 * time.Second},
		{"retry-after zero", resp(429, "0"), 2, 200 * time.Millisecond, 5 * time.Second, 0, 0},
		{"retry-after date", resp(429, now.Add(4*time.Second).UTC().Format(http.TimeFormat)), 0, 200 * time.Millisecond, 10 * time.Second, 2 * time.Second, 4 * time.Second},
		{"retry-after past date", resp(429, now.Add(-time.Hour).UTC().Format(http.TimeFormat)), 0, 200 * time.Millisecond, 10 * time.Second, 0, 0},
		{"retry-after garbage", resp(429, "soon"), 0, 200 * time.Millisecond, 5 * time.Second, 200 * time.Millisecond, 300 * time.Millisecond},
		{"retry-after ignored on 500", resp(500, "3"), 0, 200 * time.Millisecond, 5 * time.Second, 200 * time.Millisecond, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 50 {
				d := backoff(tt.min, tt.max, tt.attempt, tt.resp, 0)
				if d < tt.lo || d > tt.hi {
					t.Fatalf("backoff = %v, want in [%v, %v]", d, tt.lo, tt.hi)
				}
			}
		})
	}
}

func TestThrottleFloorOn429(t *testing.T) {
	t.Parallel()
	resp := &http.Response{StatusCode: 429, Header: http.Header{}}
	if d := backoff(time.Millisecond, 5*time.Second, 0, resp, time.Second); d != time.Second {
		t.Errorf("429 without Retry-After waited %v, want the 1s floor", d)
	}
	if d := backoff(time.Millisecond, 300*time.Millisecond, 0, resp, time.Second); d != 300*time.Millisecond {
		t.Errorf("floor not capped by MaxWait: %v", d)
	}
	resp.Header.Set("Retry-After", "0")
	if d := backoff(time.Millisecond, 5*time.Second, 0, resp, time.Second); d != 0 {
		t.Errorf("Retry-After: 0 gave %v, want 0: the server's word beats the floor", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 12 ", 12 * time.Second, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"99999999999", 24 * time.Hour, true},
		{"9223372036854775807", 24 * time.Hour, true}, // MaxInt64 seconds
		{"9223372036854775808", 24 * time.Hour, true}, // one past: overflows, still the cap
		{"99999999999999999999999999999999999999", 24 * time.Hour, true}, // more digits than fit
		{" 99999999999999999999999 ", 24 * time.Hour, true},
		{"-99999999999999999999999", 0, false}, // negative stays invalid however long
		{"+30", 30 * time.Second, true},
		{"86400", 24 * time.Hour, true},
		{"86401", 24 * time.Hour, true},
		{"Sun, 22 Nov 2026 06:00:30 GMT", 30 * time.Second, true},
		{"Sun, 22 Nov 2026 05:00:00 GMT", 0, true},
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// An overflowing Retry-After is the longest wait the policy allows, not a header to ignore (which
// would retry at once, against the server's explicit ask).
func TestBackoffOverflowingRetryAfter(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		for _, v := range []string{"99999999999999999999999999", "9223372036854775808", "86401"} {
			resp := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {v}}}
			if d := backoff(time.Millisecond, 3*time.Second, 0, resp, 0); d != 3*time.Second {
				t.Errorf("HTTP %d Retry-After %s: backoff = %v, want MaxWait 3s", status, v, d)
			}
		}
	}
}
