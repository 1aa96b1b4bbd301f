package tvauth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

// passFixture reads a documented Adobe Pass sample from testdata/pass.
func passFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pass", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}

// passFixtures lists the fixtures whose names match the glob, for fuzz seeds.
func passFixtures(t testing.TB, glob string) [][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "pass", glob))
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures for %s: %v", glob, err)
	}
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// reply writes a status and body with Adobe's JSON content type.
func reply(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write(body)
}

// recorded is what a handler saw of one request.
type recorded struct {
	Method, Path, RawPath, RawQuery string
	Header                          http.Header
	Body                            string
}

// recorder keeps the requests a test server received.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (rec *recorder) add(r *http.Request) recorded {
	b, _ := io.ReadAll(r.Body)
	x := recorded{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: string(b)}
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, x)
	rec.mu.Unlock()
	return x
}

func (rec *recorder) all() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.reqs...)
}

func (rec *recorder) last(t *testing.T) recorded {
	t.Helper()
	all := rec.all()
	if len(all) == 0 {
		t.Fatal("no request reached the server")
	}
	return all[len(all)-1]
}

// serve records every request to pattern and answers with status and body.
func serve(mux *http.ServeMux, pattern string, status int, body []byte) *recorder {
	rec := &recorder{}
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		reply(w, status, body)
	})
	return rec
}

// wantHeaders fails the test for every header whose value differs ("" = must be absent).
func wantHeaders(t *testing.T, got http.Header, want map[string]string) {
	t.Helper()
	for name, v := range want {
		if g := got.Get(name); g != v {
			t.Errorf("header %s = %q, want %q", name, g, v)
		}
	}
}

// testDeviceHeaders are the headers testDevice produces.
func testDeviceHeaders(t *testing.T) (id, info string) {
	t.Helper()
	info, err := testDevice.Info.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return testDevice.Identifier(), info
}

// clientWithTokenSource builds a client for base that authorises Pass calls with ts (a token source
// that setup's client cannot have: it is made from a client).
func clientWithTokenSource(t *testing.T, base string, ts oauth2.TokenSource, opts ...Option) *Client {
	t.Helper()
	c, err := New(append([]Option{WithPassURL(base), WithRetry(fastRetry), WithDevice(testDevice),
		WithPassTokenSource(ts)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// asPassError fails the test unless err is a *PassError.
func asPassError(t *testing.T, err error) *PassError {
	t.Helper()
	var pe *PassError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %T %v, want *PassError", err, err)
	}
	return pe
}

// asValidation fails the test unless err is a *ValidationError for field.
func asValidation(t *testing.T, err error, field string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("error = %T %v, want *ValidationError", err, err)
	}
	if ve.Field != field {
		t.Errorf("ValidationError.Field = %q, want %q (%v)", ve.Field, field, err)
	}
}

// fmtAll prints v every way fmt can: %v, %+v, %#v and %s.
func fmtAll(v any) string { return fmt.Sprintf("%v|%+v|%#v|%s", v, v, v, v) }

// mustB64 decodes standard Base64 or fails the test.
func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("base64 %q: %v", s, err)
	}
	return b
}

var fuzzBase = &url.URL{Scheme: "https", Host: "sp.auth.adobe.com"}

func fuzzResponse(body []byte) *response {
	return &response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: body, Base: fuzzBase}
}

// seed gives a Pass decoder's fuzz target (each in the _test.go of its decoder's file) the documented
// samples matching globs, Adobe's malformed ones included, and a few shapes no sample has. The
// targets run as ordinary tests on the seeds; `go test -fuzz FuzzPassX` explores.
func seed(f *testing.F, globs ...string) {
	for _, g := range globs {
		for _, b := range passFixtures(f, g) {
			f.Add(b)
		}
	}
	f.Add([]byte(``))
	f.Add([]byte(`null`))
	f.Add([]byte("\ufeff{}"))
	f.Add([]byte(`<html>429</html>`))
}
