// Package benchpairs holds the SDK's benchmark pairs: each operation as a tvauth call and as the same
// call written by hand with net/http, putting the same bytes on the wire against the same loopback
// server and decoding the same reply into equivalent Go values. The root package's benchmarks
// (go test -bench Pairs) and the table printer (go run ./examples/bench) both run these pairs, and a
// test checks that both sides of every pair send identical requests.
package benchpairs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Op is one operation: one SDK call, or its hand-written equivalent.
type Op func(ctx context.Context) error

// Pair is one row of the table.
type Pair struct {
	ID    string // benchmark name: op=<ID>/side=raw|sdk
	Title string // row label
	// Items is the work per operation for a scaling family (MVPD entries, accounts, parameters); 0 for a
	// plain row. Benchmarks of a family also report ns/item.
	Items int
	// Parallel is the number of goroutines that share one client (and one raw http.Client); 0 runs
	// the operation in a loop on one goroutine.
	Parallel int
	// New builds both sides against fresh servers, which tb's cleanup closes. A Recorder, when not nil,
	// sees every request the servers receive.
	New func(tb testing.TB, rec *Recorder) (raw, sdk Op, err error)
}

// All returns every pair: the table, then the scaling families, then the concurrency pair.
func All() []Pair {
	ps := []Pair{
		passLogoutPair("PassLogout", "Pass logout (token cached)", 0),
		passTokenPair(),
		passRegisterPair(),
		clientlessAuthenticatePair(),
		webapiClientLoginPair(),
		webapiLogoutPair(),
		agsDiscoveryPair(),
		agsSignOnPair(),
		agsRefreshPair(),
		agsSignOn300Pair(),
		signPair("Sign", "Sign (5 params) vs hand-built base string + crypto/hmac", 5, false),
		authenticateURLPair(),
		sessionKeyPair(),
	}
	for _, n := range []int{1, 10, 100, 1000} {
		ps = append(ps, passLogoutPair("PassLogoutMVPDs/items="+itoa(n), "Pass logout, "+itoa(n)+" MVPD entries", n))
	}
	for _, n := range []int{1, 10, 100} {
		ps = append(ps, agsAccountsPair(n))
	}
	for _, n := range []int{5, 50, 500} {
		ps = append(ps, signPair("SignParams/items="+itoa(n), "Sign, "+itoa(n)+" params", n, true))
	}
	ps = append(ps, passLogoutParallelPair(64))
	for _, b := range []struct {
		size  int
		label string
	}{{1 << 10, "1KiB"}, {64 << 10, "64KiB"}, {1 << 20, "1MiB"}} {
		ps = append(ps, passErrorPair(b.size, b.label))
	}
	return ps
}

// ProcessCPU is the CPU time (user + system) this process has used so far; false where the platform
// does not say.
func ProcessCPU() (time.Duration, bool) { return processCPU() }

// CPUMetric names the extra benchmark metric Bench reports where the platform gives process CPU
// time: user + system nanoseconds per operation (client and loopback server together).
const CPUMetric = "cpu-ns/op"

// Bench returns the benchmark of one side of p. It builds the pair, runs the operation once to warm
// up (connections open, tokens cached), then times b.N operations.
func Bench(p Pair, sdk bool) func(b *testing.B) {
	return func(b *testing.B) {
		raw, s, err := p.New(b, nil)
		if err != nil {
			b.Fatal(err)
		}
		op := raw
		if sdk {
			op = s
		}
		ctx := context.Background()
		if err := op(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		cpu0, cpuOK := processCPU()
		b.ResetTimer()
		if p.Parallel > 0 {
			b.SetParallelism(max(1, p.Parallel/runtime.GOMAXPROCS(0)))
			var once sync.Once
			var failure error
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := op(ctx); err != nil {
						once.Do(func() { failure = err })
						return
					}
				}
			})
			if failure != nil {
				b.Fatal(failure)
			}
		} else {
			for i := 0; i < b.N; i++ {
				if err := op(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		if cpu1, ok := processCPU(); ok && cpuOK {
			// Process CPU time per operation, client and server together.
			b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N), CPUMetric)
		}
		if p.Items > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(p.Items), "ns/item")
		}
	}
}

// Request is one request as a server received it.
type Request struct {
	Method     string
	RequestURI string
	Header     http.Header
	Body       string
}

// Recorder collects the requests the servers of a pair receive while it is on.
type Recorder struct {
	mu   sync.Mutex
	on   bool
	reqs []Request
}

// Start clears the recorder and starts recording.
func (r *Recorder) Start() {
	r.mu.Lock()
	r.on, r.reqs = true, nil
	r.mu.Unlock()
}

// Stop stops recording and returns what was recorded.
func (r *Recorder) Stop() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.reqs
}

func (r *Recorder) record(req *http.Request, body []byte) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if r.on {
		r.reqs = append(r.reqs, Request{Method: req.Method, RequestURI: req.RequestURI, Header: req.Header.Clone(), Body: string(body)})
	}
	r.mu.Unlock()
}

// reply is a canned answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func jsonReply(status int, body string) reply {
	return reply{status: status, header: http.Header{"Content-Type": {"application/json;charset=UTF-8"}}, body: []byte(body)}
}

// server answers each "METHOD /path" with its canned reply; anything else is a 404 that fails the
// operation. The handler is the same for both sides of a pair.
func server(tb testing.TB, rec *Recorder, routes map[string]reply) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.record(r, body)
		rp, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			http.Error(w, "no route", http.StatusNotFound)
			return
		}
		h := w.Header()
		for k, v := range rp.header {
			h[k] = v
		}
		w.WriteHeader(rp.status)
		_, _ = w.Write(rp.body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// transport is one side's connection pool: both sides get their own, configured alike, with enough
// idle connections for the concurrency pair.
func transport(tb testing.TB) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	tb.Cleanup(t.CloseIdleConnections)
	return t
}

// rawClient is the hand-written side's client: it never follows redirects, as the SDK's does not.
func rawClient(tb testing.TB) *http.Client {
	return &http.Client{Transport: transport(tb),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// sdkHTTPClient is what the SDK is given with WithHTTPClient.
func sdkHTTPClient(tb testing.TB) *http.Client { return &http.Client{Transport: transport(tb)} }

// maxBody is the SDK's reply cap; the raw side reads through the same limit.
const maxBody = 4 << 20

// readAll reads a reply body as the SDK does: bounded, then closed.
func readAll(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBody {
		return nil, errors.New("body too large")
	}
	return b, nil
}

func statusError(resp *http.Response) error {
	return errors.New("unexpected HTTP status " + resp.Status)
}

// enc is RFC 3986 percent-encoding, as a hand-written client of these protocols writes it.
func enc(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// rawSign is the NINA signature written by hand: parameters sorted by encoded name then value, the
// base string METHOD&enc(url)&enc(params), HMAC-SHA256 keyed with the session key text, base64. It
// returns the encoded parameter string (in signed order) with the signature.
func rawSign(method, baseURL string, keys, values []string, sessionKey string) (params, sig string) {
	type kv struct{ k, v string }
	ps := make([]kv, len(keys))
	for i := range keys {
		ps[i] = kv{enc(keys[i]), enc(values[i])}
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].k != ps[j].k {
			return ps[i].k < ps[j].k
		}
		return ps[i].v < ps[j].v
	})
	var q strings.Builder
	for i, p := range ps {
		if i > 0 {
			q.WriteByte('&')
		}
		q.WriteString(p.k)
		q.WriteByte('=')
		q.WriteString(p.v)
	}
	params = q.String()
	base := method + "&" + enc(baseURL) + "&" + enc(params)
	m := hmac.New(sha256.New, []byte(sessionKey))
	m.Write([]byte(base))
	return params, base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
