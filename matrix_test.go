package tvauth_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
	"golang.org/x/oauth2"
)

// The promises of README's "What every call gets", as tables over the registry (methods_test.go):
// every wait ends by the context's deadline, a bad reply is a typed error of the right class, bad
// input is a *ValidationError naming the field before any request, and retries happen exactly where
// they are safe.

// lab is one httptest server that serves many cells: each client it makes talks to its own path prefix,
// so a cell counts its own requests and answers with its own fault.
type lab struct {
	srv   *httptest.Server
	stop  chan struct{} // closed at cleanup: handlers that hang return
	mu    sync.Mutex
	cells map[string]*cell
	calls sync.WaitGroup // calls still running, including those that outlived their watchdog
}

type cell struct {
	handler  http.HandlerFunc
	requests atomic.Int64
	logs     *syncBuffer
	rt       *countingTransport
	obs      *recorder // the client's Observer (observe_test.go)
}

func newLab(t *testing.T) *lab {
	t.Helper()
	l := &lab{stop: make(chan struct{}), cells: map[string]*cell{}}
	l.srv = httptest.NewServer(http.HandlerFunc(l.serve))
	t.Cleanup(func() {
		close(l.stop)
		done := make(chan struct{})
		go func() { l.calls.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("calls still running 30 s after their deadline, though every server handler returned")
		}
		l.srv.Close()
	})
	return l
}

func (l *lab) serve(w http.ResponseWriter, r *http.Request) {
	id, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	l.mu.Lock()
	c := l.cells[id]
	l.mu.Unlock()
	if c == nil {
		http.Error(w, "no such cell", http.StatusNotFound)
		return
	}
	c.requests.Add(1)
	c.handler(w, r)
}

// fastRetry keeps every retry the policy allows, with waits of a millisecond or two.
var fastRetry = tvauth.RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}

var labDevice = tvauth.Device{ID: "ba23d141-d715-561c-94f4-e9e4c966b1eb", Info: tvauth.DeviceInfo{
	PrimaryHardwareType: "SetTopBox", Model: "STB-9", Version: "r2", Manufacturer: "Acme", OSName: "Linux",
	OSVersion: "6.1", ConnectionType: "WiFi"}}

// clientFor makes a cell served by h and a client for m's calls whose four services all point at it:
// a static Pass token (a secret) or m's own way to get one (passAuth), m's options, the lab device, a
// WebAPI devId, an AGS auth service, a debug logger into the cell's buffer, and a private counting
// transport. base overrides the server URL (a refused port). without drops the option it names
// (WithAGSURL, WithPassTokenSource or WithWebAPIDevID); without WithPassTokenSource, m's passAuth is
// dropped too: it is the row's way to set the same. deadline is the deadline of the call the client is
// for: see fetchTimeoutFor.
func (l *lab) clientFor(t *testing.T, m method, h http.HandlerFunc, base, without string, deadline time.Duration) (*tvauth.Client, *cell) {
	t.Helper()
	c := &cell{handler: h, logs: &syncBuffer{}, rt: &countingTransport{base: http.DefaultTransport.(*http.Transport).Clone()}, obs: &recorder{}}
	l.mu.Lock()
	id := "c" + strconv.Itoa(len(l.cells))
	l.cells[id] = c
	l.mu.Unlock()
	if base == "" {
		base = l.srv.URL
	}
	root := base + "/" + id
	logger := slog.New(slog.NewTextHandler(c.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	all := []tvauth.Option{
		tvauth.WithPassURL(root), tvauth.WithClientlessURL(root), tvauth.WithWebAPIURL(root),
		tvauth.WithRetry(fastRetry), tvauth.WithDevice(labDevice),
		tvauth.WithAGSAuthService("OPF"), tvauth.WithLogger(logger),
		tvauth.WithHTTPClient(&http.Client{Transport: c.rt}),
		tvauth.WithTokenFetchTimeout(fetchTimeoutFor(deadline)), tvauth.WithObserver(c.obs),
	}
	passAuth := tvauth.WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: string(sec.Bearer), TokenType: "Bearer"}))
	if m.passAuth != nil {
		passAuth = m.passAuth()
	}
	for name, opt := range map[string]tvauth.Option{
		"WithAGSURL":          tvauth.WithAGSURL(root + "/ags"),
		"WithPassTokenSource": passAuth,
		"WithWebAPIDevID":     tvauth.WithWebAPIDevID("dev-1"),
	} {
		if name != without {
			all = append(all, opt)
		}
	}
	if m.options != nil {
		all = append(all, m.options()...)
	}
	client, err := tvauth.New(all...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.rt.base.CloseIdleConnections)
	return client, c
}

// fetchTimeoutFor is the token fetch timeout of a client whose call has the given deadline. Token()
// has no context, so on a hung server the fetch timeout is what ends it, and it must end within the
// deadline plus watchdogGrace; any shorter, and a fetch that a loaded 2-core machine under -race makes
// slow (a registration then a token, a second or two each) would end as a deadline no row expects.
func fetchTimeoutFor(deadline time.Duration) time.Duration { return deadline + watchdogGrace/2 }

// outcome is how one call ended.
type outcome struct {
	err      error
	panicked any
	ended    bool // within the deadline and the watchdog's grace
	elapsed  time.Duration
}

// watchdogGrace is how long after its deadline a call may still return: scheduling on a loaded
// 2-core machine under -race, never a missed deadline.
const watchdogGrace = 5 * time.Second

// run calls call with a context that ends after deadline, recovering a panic; a call still running
// deadline+watchdogGrace later is reported as not ended (the lab waits for it at cleanup).
func (l *lab) run(deadline time.Duration, c *tvauth.Client, call func(context.Context, *tvauth.Client) error) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	done := make(chan outcome, 1)
	start := time.Now()
	l.calls.Add(1)
	go func() {
		defer l.calls.Done()
		defer cancel()
		var o outcome
		defer func() {
			o.panicked = recover()
			o.ended, o.elapsed = true, time.Since(start)
			done <- o
		}()
		o.err = call(ctx, c)
	}()
	select {
	case o := <-done:
		return o
	case <-time.After(deadline + watchdogGrace):
		return outcome{elapsed: time.Since(start)}
	}
}

// countingTransport counts the attempts the SDK makes (refused connections included), and when.
type countingTransport struct {
	base     *http.Transport
	attempts atomic.Int64
	mu       sync.Mutex
	times    []time.Time
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.attempts.Add(1)
	c.mu.Lock()
	c.times = append(c.times, time.Now())
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

// firstCycle counts the attempts before the first pause of pollGap or more: a poller's first cycle.
func (c *countingTransport) firstCycle() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := 1; i < len(c.times); i++ {
		if c.times[i].Sub(c.times[i-1]) >= pollGap {
			return int64(i)
		}
	}
	return int64(len(c.times))
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Error classes, in the order classify tries them.
const (
	clsOK         = "ok"
	clsDeadline   = "deadline"   // errors.Is(err, context.DeadlineExceeded)
	clsTooLarge   = "too-large"  // errors.Is(err, tvauth.ErrResponseTooLarge)
	clsValidation = "validation" // *tvauth.ValidationError
	clsDecode     = "decode"     // *tvauth.DecodeError
	clsService    = "service"    // the family's *PassError, *WebAPIError or *AGSError
	clsRequest    = "request"    // *tvauth.RequestError
)

func classify(family string, err error) string {
	var (
		ve *tvauth.ValidationError
		de *tvauth.DecodeError
		re *tvauth.RequestError
		pe *tvauth.PassError
		we *tvauth.WebAPIError
		ae *tvauth.AGSError
	)
	switch {
	case err == nil:
		return clsOK
	case errors.Is(err, context.DeadlineExceeded):
		return clsDeadline
	case errors.Is(err, tvauth.ErrResponseTooLarge):
		return clsTooLarge
	case errors.As(err, &ve):
		return clsValidation
	case errors.As(err, &de):
		return clsDecode
	case (family == "pass" || family == "clientless") && errors.As(err, &pe),
		family == "webapi" && errors.As(err, &we), family == "ags" && errors.As(err, &ae):
		return clsService
	case errors.As(err, &re):
		return clsRequest
	}
	return fmt.Sprintf("untyped %T", err)
}

// fault is one row of the matrix: what the server does, and the class of error each method must give.
type fault struct {
	name     string
	heavy    bool          // moves megabytes: see heavyRowMethod
	deadline time.Duration // 0: deadlineFor's
	serve    func(l *lab, m method) http.HandlerFunc
	expect   func(m method) string
}

// heavyRowMethod says whether m runs the rows that move megabytes (64 MiB body, gzip bomb). Every method
// does, but under -race, where moving 4 MiB costs a tenth of a CPU second, only the first method of
// each family and HTTP method does: the cap is applied by the one pipeline every call goes through,
// and the plain run (go test ./...) still covers every method.
func heavyRowMethod(m method) bool {
	if !raceDetector {
		return true
	}
	for _, r := range networkMethods() {
		if r.family == m.family && r.httpMethod == m.httpMethod {
			return r.name == m.name
		}
	}
	return false
}

// transport is the class of a fault that gives no usable reply: a poller waits on through it until its
// context ends.
func transport(m method, class string) string {
	if m.poller {
		return clsDeadline
	}
	return class
}

// spoiled is the class of an answer whose body cannot be read: a *DecodeError where the body is data.
func spoiled(m method) string {
	if m.decodes {
		return clsDecode
	}
	return clsOK
}

// writeAnswer writes the method's success status and headers.
func writeAnswer(w http.ResponseWriter, m method, contentType string) {
	for k, vs := range m.answerHeader {
		w.Header()[k] = vs
	}
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(m.answer)
}

// cutConnection answers with the method's status line, a Content-Length of 4 KiB and 40 bytes of body,
// then drops the connection: with a TCP reset when reset, else with a plain close.
func cutConnection(m method, reset bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n", m.answer, http.StatusText(m.answer))
		for k, vs := range m.answerHeader {
			fmt.Fprintf(buf, "%s: %s\r\n", k, vs[0])
		}
		buf.WriteString("\r\n" + `{"access_token":"abcdefghijklmnopqrstu`)
		_ = buf.Flush()
		if tc, ok := conn.(*net.TCPConn); ok && reset {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
	}
}

// wrongTypesNames are the JSON names the SDK's decoders read.
const wrongTypesNames = `access_token accountId accountInformation accounts action actionName actionType attributes
	authServiceName authenticationRequest authorized availableServices clientId client_id client_id_issued_at
	client_secret code created_at data decisions details device deviceId displayAttributes domains endpoints error
	existingParameters expires expires_in fixed_refresh_expires_in generated id info issuer logouts message
	missingParameters mvpd mvpdId mvpds name notAfter notBefore parameterProperties parameters profiles reasonType
	refresh_expires_in refresh_token requestor resource resources serializedToken serviceProvider sessionId
	sessionToken source status token token_type type updated url userAccountToken userId response statusCode
	statusText expiresIn accessToken refreshToken`

// wrongTypes sets every JSON name the SDK's decoders read to an array of booleans.
var wrongTypes = func() string {
	var b strings.Builder
	b.WriteString("{")
	for i, n := range strings.Fields(wrongTypesNames) {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q:[true,false]", n)
	}
	b.WriteString("}")
	return b.String()
}()

// gzipBomb is 64 MiB of JSON white space in 64 KiB of gzip: 64 gzip members of 1 MiB each, which a
// gzip reader reads as one stream. Compressing 1 MiB once keeps it cheap under -race.
var gzipBomb = sync.OnceValue(func() []byte {
	var member bytes.Buffer
	zw := gzip.NewWriter(&member)
	_, _ = zw.Write(bytes.Repeat([]byte(" "), 1<<20))
	_ = zw.Close()
	return bytes.Repeat(member.Bytes(), 64)
})

// hugeErrors are error bodies of each family whose every text is 64 KiB of text with control
// characters, invalid UTF-8, line and paragraph separators, and a JSON-escaped quote.
var hugeErrors = sync.OnceValue(func() map[string][]byte {
	text := strings.Repeat("stack\tframe\r\n\x00\x1b[31m \xff\xfe\u2028 \\\" ", 64<<10/32)
	out := map[string][]byte{}
	for _, family := range []string{"pass", "clientless", "webapi", "ags"} {
		out[family] = []byte(familyError(family, text))
	}
	return out
})

// familyError is an error body of the family's own shape whose texts are msg.
func familyError(family, msg string) string {
	q := jsonQuoteRaw(msg)
	switch family {
	case "webapi":
		return `{"response":{"statusCode":400,"statusDetailCode":1000,"statusText":` + q + `,"requestId":` + q + `,"data":{"info":` + q + `}}}`
	case "ags":
		return `{"code":` + q + `,"message":` + q + `}`
	}
	return `{"status":400,"code":"invalid_request","message":` + q + `,"details":` + q + `,"helpUrl":` + q + `,"trace":` + q + `,"action":"none"}`
}

// jsonQuoteRaw is s as a JSON string with only what JSON requires escaped (", \ and control
// characters): invalid UTF-8 goes out as raw bytes, which JSON decoders read as U+FFFD.
func jsonQuoteRaw(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, "\\u%04x", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var faults = []fault{
	{name: "hang", deadline: time.Second,
		serve: func(l *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-l.stop:
				}
			}
		},
		expect: func(method) string { return clsDeadline }},
	{name: "reset mid-body",
		serve:  func(_ *lab, m method) http.HandlerFunc { return cutConnection(m, true) },
		expect: func(m method) string { return transport(m, clsRequest) }},
	{name: "truncated body",
		serve:  func(_ *lab, m method) http.HandlerFunc { return cutConnection(m, false) },
		expect: func(m method) string { return transport(m, clsRequest) }},
	{name: "64 MiB body", heavy: true,
		serve: func(l *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				// 64 MiB announced; the first 4 MiB and 64 KiB are sent, more than a client may read
				// (4 MiB). A client that read on would fail with an unexpected EOF, a *RequestError,
				// not ErrResponseTooLarge.
				w.Header().Set("Content-Length", strconv.Itoa(64<<20))
				writeAnswer(w, m, "application/json")
				chunk := bytes.Repeat([]byte(" "), 64<<10)
				for sent := 0; sent < 4<<20+64<<10; sent += len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						return
					}
					select {
					case <-l.stop:
						return
					default:
					}
				}
			}
		},
		expect: func(m method) string { return transport(m, clsTooLarge) }},
	{name: "HTML 5xx",
		serve: func(_ *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte("<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>upstream timed out</p></body></html>"))
			}
		},
		expect: func(m method) string { return transport(m, clsService) }},
	{name: "wrong JSON types",
		serve: func(_ *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeAnswer(w, m, "application/json")
				_, _ = w.Write([]byte(wrongTypes))
			}
		},
		expect: spoiled},
	{name: "null",
		serve: func(_ *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeAnswer(w, m, "application/json")
				_, _ = w.Write([]byte("null"))
			}
		},
		expect: func(m method) string {
			if m.nullOK != "" {
				return clsOK
			}
			return spoiled(m)
		}},
	{name: "truncated JSON",
		serve: func(_ *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeAnswer(w, m, "application/json")
				_, _ = w.Write([]byte(`{"response":{"statusCode":200,"data":{"token":{"a":"abc`))
			}
		},
		expect: spoiled},
	{name: "unexpected 3xx",
		serve: func(_ *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", "https://login.example/portal?return=app")
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusFound)
				_, _ = w.Write([]byte(`<a href="https://login.example/portal?return=app">Found</a>`))
			}
		},
		expect: func(m method) string {
			if m.answer == http.StatusFound {
				return clsOK
			}
			return clsService
		}},
	{name: "gzip bomb", heavy: true,
		serve: func(_ *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				writeAnswer(w, m, "application/json")
				_, _ = w.Write(gzipBomb())
			}
		},
		expect: func(m method) string { return transport(m, clsTooLarge) }},
	{name: "gzip corrupt",
		serve: func(_ *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				writeAnswer(w, m, "application/json")
				_, _ = w.Write([]byte(`{"this":"is not gzip"}`))
			}
		},
		expect: func(m method) string { return transport(m, clsRequest) }},
	{name: "invalid UTF-8",
		serve: func(_ *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeAnswer(w, m, "application/json")
				_, _ = w.Write([]byte("\xff\xfe{\x00\"\x00a\x00\"\x00:\xc3\x28\xed\xa0\x80}"))
			}
		},
		expect: spoiled},
	{name: "huge error reply", heavy: true,
		serve: func(_ *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write(hugeErrors()[m.family])
			}
		},
		expect: func(m method) string { return clsService }},
	{name: "huge Location", heavy: true,
		serve: func(_ *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", "https://login.example/"+strings.Repeat("p\u2028%0A", 8<<10)+"?q="+strings.Repeat("x", 64<<10))
				w.WriteHeader(http.StatusTemporaryRedirect)
			}
		},
		expect: func(m method) string { return clsService }},
	{name: "huge Content-Type",
		serve: func(_ *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeAnswer(w, m, "text/"+strings.Repeat("x-huge", 16<<10)+"; charset="+strings.Repeat("y", 16<<10))
				_, _ = w.Write([]byte("<html>not JSON</html>"))
			}
		},
		expect: spoiled},
	{name: "invalid UTF-8 error",
		serve: func(_ *lab, m method) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(familyError(m.family, "bad \xff\xfe \xc3\x28 \xed\xa0\x80 reply")))
			}
		},
		expect: func(m method) string { return clsService }},
}

// textProblems checks an error's text: one "tvauth:" prefix, no empty URL, no trailing space, and the
// family named as it is ("clientless", not "adobe pass").
func textProblems(m method, err error) []string {
	var out []string
	text := err.Error()
	if strings.Count(text, "tvauth:") > 1 {
		out = append(out, fmt.Sprintf("error text repeats its prefix: %q", text))
	}
	if strings.Contains(text, " : ") {
		out = append(out, fmt.Sprintf("error text has an empty field: %q", text))
	}
	if strings.TrimRight(text, " ") != text {
		out = append(out, fmt.Sprintf("error text ends with a space: %q", text))
	}
	if m.family == "clientless" && strings.Contains(text, "adobe pass") {
		out = append(out, fmt.Sprintf("a clientless error says adobe pass: %q", text))
	}
	// The error names the operation that failed, in its Op field and in its text.
	var (
		pe *tvauth.PassError
		we *tvauth.WebAPIError
		ae *tvauth.AGSError
		de *tvauth.DecodeError
		re *tvauth.RequestError
	)
	op := "-"
	switch {
	case errors.As(err, &pe):
		op = pe.Op
	case errors.As(err, &we):
		op = we.Op
	case errors.As(err, &ae):
		op = ae.Op
	case errors.As(err, &de):
		op = de.Op
	case errors.As(err, &re):
		op = re.Op
	}
	family, name, _ := strings.Cut(op, ".")
	switch {
	case op == "-":
	case family == "" || name == "":
		out = append(out, fmt.Sprintf("the error names no operation (Op %q): %q", op, text))
	case !strings.Contains(text, " "+name+": "):
		out = append(out, fmt.Sprintf("the text does not name the operation %q: %q", op, text))
	}
	return out
}

// tally counts a table's cases per row.
type tally struct {
	mu   sync.Mutex
	rows map[string]*[2]int // tried, passed
	keys []string
}

func (ty *tally) add(row string, passed bool) {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	if ty.rows == nil {
		ty.rows = map[string]*[2]int{}
	}
	c, ok := ty.rows[row]
	if !ok {
		c = &[2]int{}
		ty.rows[row] = c
		ty.keys = append(ty.keys, row)
	}
	c[0]++
	if passed {
		c[1]++
	}
}

func (ty *tally) log(t *testing.T, table string) {
	t.Helper()
	ty.mu.Lock()
	defer ty.mu.Unlock()
	var b strings.Builder
	var sum [2]int
	for _, k := range ty.keys {
		c := ty.rows[k]
		fmt.Fprintf(&b, "\n  %-28s tried %3d  passed %3d", k, c[0], c[1])
		for i := range sum {
			sum[i] += c[i]
		}
	}
	fmt.Fprintf(&b, "\n  %-28s tried %3d  passed %3d", "TOTAL", sum[0], sum[1])
	t.Logf("%s:%s", table, b.String())
}

// check asserts one cell and counts it in its row.
func check(t *testing.T, ty *tally, row, key string, problems []string) {
	t.Helper()
	if len(problems) > 0 {
		t.Error(key + ": " + strings.Join(problems, "; "))
	}
	ty.add(row, len(problems) == 0)
}

// parallelCalls bounds the calls a table runs at once (calls that only wait for a hanging server are
// not counted): the suite shares 2 cores with everything else.
const parallelCalls = 12

// callDeadline is the deadline of a call that must end by itself, long before: it is only the safety
// net, generous for a loaded machine under -race.
const callDeadline = 20 * time.Second

// pollerDeadline is the deadline of a poller, which waits on through server trouble until its context
// ends (WaitForProfile waits 3 to 5 s between polls): long enough for a first poll cycle on a loaded
// machine.
const pollerDeadline = 5 * time.Second

// pollGap separates a poller's cycles: its retries wait milliseconds, its polls at least 3 s.
const pollGap = 2500 * time.Millisecond

// deadlineFor is the deadline of m's call under a row whose own deadline is d (0: none of its own).
func deadlineFor(m method, d time.Duration) time.Duration {
	switch {
	case d != 0:
		return d
	case m.poller:
		return pollerDeadline
	}
	return callDeadline
}

// labCall is one cell of a table: a network method under one row of type R from step step of its
// path on, and how its call ended.
type labCall[R any] struct {
	m        method
	step     int // the row hits the requests of m's path from this step on; those before it are answered
	row      R
	rowName  string
	client   *tvauth.Client
	c        *cell
	deadline time.Duration
	// unbounded calls are not counted against parallelCalls: they only wait on a hanging server.
	unbounded bool
	o         outcome
	requests  int64          // the requests the cell's server saw by the time the call ended
	hits      []atomic.Int64 // the requests of each step of m's path the server saw
}

// newLabCall makes the cell where m's call meets row (named rowName) from step k of its path on: a
// client of the lab whose requests serve answers (given the step a request is), those of the steps
// before k as a working server would; at base when it is not "".
func newLabCall[R any](t *testing.T, l *lab, m method, k int, row R, rowName string, serve func(method) http.HandlerFunc, base string, deadline time.Duration) *labCall[R] {
	hits := make([]atomic.Int64, m.steps())
	client, c := l.clientFor(t, m, stepped(m, k, hits, serve), base, "", deadline)
	return &labCall[R]{m: m, step: k, row: row, rowName: rowName, client: client, c: c, deadline: deadline, hits: hits}
}

// stepped is the handler of a cell where a row hits m's path from step k on: a request of a step
// before k gets that step's working reply, the others what serve makes for their step. hits counts
// the requests of each step.
func stepped(m method, k int, hits []atomic.Int64, serve func(method) http.HandlerFunc) http.HandlerFunc {
	hs := make([]http.HandlerFunc, m.steps())
	for j := k; j < m.steps(); j++ {
		hs[j] = serve(m.at(j))
	}
	return func(w http.ResponseWriter, r *http.Request) {
		j := m.stepOf(r)
		hits[j].Add(1)
		if j < k {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(m.before[j].answer)
			_, _ = w.Write([]byte(m.before[j].ok()))
			return
		}
		hs[j](w, r)
	}
}

// reachProblems says so when the row never met the step it is for: the steps before it did not get
// through, or the registry's input is not valid. (A hanging call may end before a loaded server
// accepted it; the other rows check.)
func (lc *labCall[R]) reachProblems(hang bool) []string {
	if hang || lc.hits[lc.step].Load() > 0 {
		return nil
	}
	if lc.step == 0 {
		return []string{"no request reached the server: the registry's input is not valid"}
	}
	return []string{fmt.Sprintf("the %s request never reached the server (requests per step: %v)", lc.m.stepName(lc.step), lc.hitCounts())}
}

func (lc *labCall[R]) hitCounts() []int64 {
	out := make([]int64, len(lc.hits))
	for i := range lc.hits {
		out[i] = lc.hits[i].Load()
	}
	return out
}

// key names the cell's subtest.
func (lc *labCall[R]) key() string {
	if lc.m.steps() > 1 {
		return lc.m.name + "/" + lc.m.stepName(lc.step) + "/" + lc.rowName
	}
	return lc.m.name + "/" + lc.rowName
}

// at is the step the row hits first.
func (lc *labCall[R]) at() method { return lc.m.at(lc.step) }

// expectFrom is the class of a call whose path meets a row from step k on: the first step whose
// request fails under it decides, and a path that gets through them all succeeds.
func expectFrom(m method, k int, expect func(method) string) string {
	for j := k; j < m.steps(); j++ {
		if e := expect(m.at(j)); e != clsOK {
			return e
		}
	}
	return clsOK
}

// endProblems is what is wrong with a call that panicked or did not end by its deadline; only a call
// without them has a result to check.
func (lc *labCall[R]) endProblems() []string {
	switch {
	case lc.o.panicked != nil:
		return []string{fmt.Sprintf("panicked: %v", lc.o.panicked)}
	case !lc.o.ended:
		return []string{fmt.Sprintf("did not end by its %v deadline (waited %v)", lc.deadline, lc.o.elapsed)}
	}
	return nil
}

// leakProblems is any secret that shows in the call's error (its text, its fmt and slog renderings,
// the text fields of every error in its chain) or in its cell's log lines, and an error text longer
// than 512 bytes.
func (lc *labCall[R]) leakProblems() []string {
	var problems []string
	if lc.o.err != nil {
		for _, r := range errorRenderings(lc.o.err) {
			if l := leaks(r.text); len(l) > 0 {
				problems = append(problems, fmt.Sprintf("%s leaks %v: %.300q", r.name, l, r.text))
			}
		}
		if n := len(lc.o.err.Error()); n > 512 {
			problems = append(problems, fmt.Sprintf("error text of %d bytes (at most 512): %.300q", n, lc.o.err))
		}
	}
	if l := leaks(lc.c.logs.String()); len(l) > 0 {
		problems = append(problems, fmt.Sprintf("log lines leak %v", l))
	}
	if l := leaks(lc.c.obs.text()); len(l) > 0 {
		problems = append(problems, fmt.Sprintf("the observer was told %v", l))
	}
	return problems
}

// rendering is one way an error reaches a reader.
type rendering struct{ name, text string }

// errorRenderings are the ways an error reaches a log or a reader: Error(), the fmt verbs, both slog
// handlers, encoding/json, and every text field (exported or not) of every error in its chain, found
// by reflection. The raw reply (RawBody, RawHeader) is what the server sent by design, and is left out.
func errorRenderings(err error) []rendering {
	out := []rendering{{"Error()", err.Error()}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out = append(out, rendering{verb, fmt.Sprintf(verb, err)})
	}
	for name, h := range map[string]func(io.Writer) slog.Handler{
		"slog text": func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) },
		"slog JSON": func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
	} {
		var b bytes.Buffer
		slog.New(h(&b)).Error("call failed", "err", err)
		out = append(out, rendering{name, b.String()})
	}
	if b, jerr := json.Marshal(err); jerr == nil {
		out = append(out, rendering{"json.Marshal", string(b)})
	}
	for depth, e := 0, err; e != nil && depth < 16; depth, e = depth+1, errors.Unwrap(e) {
		var walk func(path string, v reflect.Value, depth int)
		walk = func(path string, v reflect.Value, depth int) {
			switch v.Kind() {
			case reflect.String:
				out = append(out, rendering{path, v.String()})
			case reflect.Pointer, reflect.Interface:
				if !v.IsNil() && depth < 6 {
					walk(path, v.Elem(), depth+1)
				}
			case reflect.Struct:
				for i := 0; i < v.NumField(); i++ {
					if f := v.Type().Field(i); f.Name != "serverReply" {
						walk(path+"."+f.Name, v.Field(i), depth)
					}
				}
			}
		}
		walk(fmt.Sprintf("field %T", e), reflect.ValueOf(e), 0)
	}
	return out
}

// checkCalls asserts each cell in its own subtest, failing it with the problems cellProblems finds,
// and logs the table's count of cases per row.
func checkCalls[R any](t *testing.T, table string, calls []*labCall[R], cellProblems func(*labCall[R]) []string) {
	t.Helper()
	var ty tally
	for _, r := range calls {
		t.Run(r.key(), func(t *testing.T) { check(t, &ty, r.rowName, r.key(), cellProblems(r)) })
	}
	ty.log(t, table)
}

// runCalls runs every cell's call at once, at most parallelCalls of the bounded ones at a time, and
// returns when all have ended.
func runCalls[R any](l *lab, calls []*labCall[R]) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallelCalls)
	for _, lc := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !lc.unbounded {
				sem <- struct{}{}
				defer func() { <-sem }()
			}
			lc.o = l.run(lc.deadline, lc.client, lc.m.call)
			lc.requests = lc.c.requests.Load()
		}()
	}
	wg.Wait()
}

// TestFaultMatrix sends every network method each fault row under a context deadline: every call
// ends by its deadline, never panics, and fails with the error class the row expects (or succeeds
// where the body is not data), with no secret in its error text or log lines.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	gzipBomb()
	hugeErrors()
	var calls []*labCall[fault]
	for _, m := range networkMethods() {
		for _, f := range faults {
			if f.heavy && !heavyRowMethod(m) {
				continue
			}
			for k := range m.steps() {
				lc := newLabCall(t, l, m, k, f, f.name, func(sm method) http.HandlerFunc { return f.serve(l, sm) }, "", deadlineFor(m, f.deadline))
				lc.unbounded = f.name == "hang"
				calls = append(calls, lc)
			}
		}
	}
	runCalls(l, calls)

	checkCalls(t, "fault matrix (cases per row)", calls, func(r *labCall[fault]) []string {
		problems := r.endProblems()
		if len(problems) == 0 {
			if got, want := classify(r.m.family, r.o.err), expectFrom(r.m, r.step, r.row.expect); got != want {
				problems = append(problems, fmt.Sprintf("class %s, want %s: %v", got, want, r.o.err))
			}
			// A WebAPI redirect (NINA answers a logout with 302 to a login page) says so.
			if r.row.name == "unexpected 3xx" && r.m.family == "webapi" && r.o.err != nil &&
				!strings.Contains(strings.ToLower(r.o.err.Error()), "redirect") {
				problems = append(problems, fmt.Sprintf("a 302 is not reported as a redirect: %v", r.o.err))
			}
		}
		problems = append(problems, r.reachProblems(r.row.name == "hang")...)
		problems = append(problems, r.leakProblems()...)
		return problems
	})
	var texts tally
	for _, r := range calls {
		if r.o.err != nil {
			key := r.key() + ": error text"
			t.Run(key, func(t *testing.T) { check(t, &texts, r.row.name, key, textProblems(r.at(), r.o.err)) })
		}
	}
	texts.log(t, "fault matrix error texts (errors per row)")
}

// TestBadInput sends every network method its invalid inputs, and a nil context: each is a
// *ValidationError naming the field, matching ErrInvalidRequest, with no request made.
func TestBadInput(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	var ty tally
	for _, m := range networkMethods() {
		type bad struct {
			row, field string
			call       func(context.Context, *tvauth.Client) error
		}
		cases := []bad{}
		for _, b := range m.bad {
			cases = append(cases, bad{"invalid input", b.field, b.call})
		}
		if !m.noContext {
			call := m.call
			cases = append(cases, bad{"nil context", "ctx", func(_ context.Context, c *tvauth.Client) error { return call(nilContext, c) }})
		}
		for _, b := range cases {
			key := m.name + "/" + b.row + " " + b.field
			t.Run(key, func(t *testing.T) {
				client, c := l.clientFor(t, m, func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "bad input reached the server", http.StatusTeapot)
				}, "", "", time.Second)
				o := l.run(time.Second, client, b.call)
				var problems []string
				var ve *tvauth.ValidationError
				switch {
				case o.panicked != nil:
					problems = append(problems, fmt.Sprintf("panicked: %v", o.panicked))
				case !o.ended:
					problems = append(problems, "did not end")
				case !errors.As(o.err, &ve):
					problems = append(problems, fmt.Sprintf("got %v (%T), want a *ValidationError", o.err, o.err))
				case ve.Field != b.field:
					problems = append(problems, fmt.Sprintf("field %q, want %q: %v", ve.Field, b.field, o.err))
				case !errors.Is(o.err, tvauth.ErrInvalidRequest):
					problems = append(problems, "does not match ErrInvalidRequest")
				}
				if n := c.requests.Load() + c.rt.attempts.Load(); n != 0 {
					problems = append(problems, fmt.Sprintf("%d requests were made", c.requests.Load()))
				}
				check(t, &ty, b.row, key, problems)
			})
		}
	}
	ty.log(t, "bad input (cases per row)")
}

// retryRow is a failure the retry policy decides on.
type retryRow struct {
	name   string
	status int  // 0: a transport failure
	reset  bool // the connection is reset before any reply
	refuse bool // the port refuses connections
}

var retryRows = []retryRow{
	{name: "500", status: 500}, {name: "502", status: 502}, {name: "503", status: 503}, {name: "429", status: 429},
	{name: "501", status: 501}, {name: "connection reset", reset: true}, {name: "connection refused", refuse: true},
	{name: "401", status: 401},
}

// wantAttempts is the retry policy: idempotent methods retry on 5xx (not 501), 429 and transport errors;
// the others only on 429, 503 and refused connections, when the server surely did nothing.
//
// A 401 is not retried, but a Pass bearer the server rejects is fetched anew once when the client
// fetches its own (the rows with passAuth, all of whose calls carry one): the call, a token, the call.
func wantAttempts(m method, row retryRow) int {
	if row.status == http.StatusUnauthorized {
		if m.passAuth != nil {
			return 3
		}
		return 1
	}
	retried := m.idempotent || row.status == 429 || row.status == 503 || row.refuse
	if row.status == 501 {
		retried = false
	}
	n := 1
	if retried {
		n += fastRetry.MaxRetries
	}
	if m.poller { // the attempts of its first poll cycle
		n *= m.calls
	}
	return n
}

// TestRetryCounts counts the attempts of every network method under each retryable failure.
func TestRetryCounts(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()

	var calls []*labCall[retryRow]
	for _, m := range networkMethods() {
		for _, row := range retryRows {
			h := func(w http.ResponseWriter, r *http.Request) {
				if row.reset {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						if tc, ok := conn.(*net.TCPConn); ok {
							_ = tc.SetLinger(0)
						}
						_ = conn.Close()
					}
					return
				}
				// What a throttling layer or a load balancer sends: no API body.
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(row.status)
				_, _ = w.Write([]byte(http.StatusText(row.status)))
			}
			base := ""
			steps := m.steps()
			if row.refuse { // every request of the path is refused: the first step meets it
				base, steps = refused, 1
			}
			for k := range steps {
				calls = append(calls, newLabCall(t, l, m, k, row, row.name, func(method) http.HandlerFunc { return h }, base, deadlineFor(m, 0)))
			}
		}
	}
	runCalls(l, calls)

	checkCalls(t, "retry counts (cases per row)", calls, func(r *labCall[retryRow]) []string {
		problems := r.endProblems()
		sm := r.at()
		switch {
		case len(problems) > 0:
		case r.o.err == nil:
			problems = append(problems, "succeeded")
		case sm.poller:
			// A poller waits on through all of these until its context ends.
		case r.row.status == http.StatusTooManyRequests && !errors.Is(r.o.err, tvauth.ErrRateLimited):
			problems = append(problems, fmt.Sprintf("a 429 does not match ErrRateLimited: %v", r.o.err))
		case r.row.status == http.StatusUnauthorized && !errors.Is(r.o.err, tvauth.ErrUnauthorized):
			problems = append(problems, fmt.Sprintf("a 401 does not match ErrUnauthorized: %v", r.o.err))
		case r.row.status != 0 && classify(r.m.family, r.o.err) != clsService:
			problems = append(problems, fmt.Sprintf("class %s, want service: %v", classify(r.m.family, r.o.err), r.o.err))
		case r.row.status == 0 && classify(r.m.family, r.o.err) != clsRequest:
			problems = append(problems, fmt.Sprintf("class %s, want request: %v", classify(r.m.family, r.o.err), r.o.err))
		}
		// One attempt for each step the server answered, then the policy's for the step that failed.
		want := r.step + wantAttempts(sm, r.row)
		got := r.c.rt.attempts.Load()
		if sm.poller {
			got = r.c.rt.firstCycle()
		}
		if got != int64(want) {
			problems = append(problems, fmt.Sprintf("%s %s: %d attempts, want %d (server saw %d): %v",
				sm.httpMethod, r.row.name, got, want, r.c.requests.Load(), r.o.err))
		}
		if !sm.poller {
			problems = append(problems, observedAttemptProblems(r.c, r.row)...)
		}
		return problems
	})
}

// sortedKeys is for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestNotConfigured calls every method that needs an option on a client without it: each fails with
// ErrNotConfigured before any request, with valid input and with each of its bad inputs alike ("not
// configured" is checked before the request is validated).
func TestNotConfigured(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	var ty tally
	for _, m := range networkMethods() {
		if m.needs == "" {
			continue
		}
		type input struct {
			row  string
			call func(context.Context, *tvauth.Client) error
		}
		inputs := []input{{"valid input", m.call}}
		for _, b := range m.bad {
			// (A bad option fails at New, before there is a client to be unconfigured.)
			if b.field != "ctx" && !strings.HasPrefix(b.field, "With") {
				inputs = append(inputs, input{"bad input " + b.field, b.call})
			}
		}
		for _, in := range inputs {
			key := m.name + "/" + in.row
			t.Run(key, func(t *testing.T) {
				client, c := l.clientFor(t, m, func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "an unconfigured call reached the server", http.StatusTeapot)
				}, "", m.needs, time.Second)
				o := l.run(time.Second, client, in.call)
				var problems []string
				switch {
				case o.panicked != nil:
					problems = append(problems, fmt.Sprintf("panicked: %v", o.panicked))
				case !o.ended:
					problems = append(problems, "did not end")
				case !errors.Is(o.err, tvauth.ErrNotConfigured):
					problems = append(problems, fmt.Sprintf("without %s: got %v, want ErrNotConfigured", m.needs, o.err))
				case !strings.Contains(o.err.Error(), m.needs):
					problems = append(problems, fmt.Sprintf("the error does not name %s: %v", m.needs, o.err))
				}
				if n := c.rt.attempts.Load(); n != 0 {
					problems = append(problems, fmt.Sprintf("%d requests were made", n))
				}
				row := "valid input"
				if in.row != row {
					row = "bad input"
				}
				check(t, &ty, row, key, problems)
			})
		}
	}
	ty.log(t, "not configured (cases per row)")
}
