package tvauth_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The echoing server: it quotes the request back, the way real servers do in error pages and parse
// errors (Jackson's "Unrecognized token", a proxy's debug page, a validator that repeats the bad
// value). Whatever it echoes, no secret the test passed may show in err.Error() or in a log line.

// echo is the request as an echoing server quotes it: the raw URL, the raw body, the body URL-encoded
// and JSON-escaped, the decoded query and form, and the header values.
func echo(r *http.Request, body []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "request %s %s\nbody: %s\nurl-encoded: %s\njson: %s\n", r.Method, r.RequestURI, body,
		url.QueryEscape(string(body)), jsonEscaped(string(body)))
	if q, err := url.QueryUnescape(r.URL.RawQuery); err == nil {
		fmt.Fprintf(&b, "query: %s\n", q)
	}
	if f, err := url.QueryUnescape(string(body)); err == nil {
		fmt.Fprintf(&b, "form: %s\n", f)
	}
	for _, name := range sortedKeys(r.Header) {
		fmt.Fprintf(&b, "%s: %s\n", name, strings.Join(r.Header[name], ", "))
	}
	return b.String()
}

// jsonEscaped is s as it appears inside a JSON string.
func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// requestValues are the values a server reads from a request: query and form values, JSON string
// leaves and credential headers, longest first.
func requestValues(r *http.Request, body []byte) []string {
	var out []string
	for _, vs := range r.URL.Query() {
		out = append(out, vs...)
	}
	if form, err := url.ParseQuery(string(body)); err == nil && !strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
		for _, vs := range form {
			out = append(out, vs...)
		}
	}
	var doc any
	if json.Unmarshal(body, &doc) == nil {
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				out = append(out, v)
			case []any:
				for _, e := range v {
					walk(e)
				}
			case map[string]any:
				for _, e := range v {
					walk(e)
				}
			}
		}
		walk(doc)
	}
	for _, h := range []string{"Authorization", "User-Token", "Token", "Adobe-Subject-Token", "AD-Service-Token", "AP-TempPass-Identity"} {
		if v := r.Header.Get(h); v != "" {
			out = append(out, strings.TrimPrefix(v, "Bearer "))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// echoVariant is one way a server echoes the request.
type echoVariant struct {
	name  string
	serve func(m method, r *http.Request, body []byte, w http.ResponseWriter)
}

// timeAndNumberFields are the reply fields whose decoders quote a bad value in their error.
var timeAndNumberFields = []string{"notBefore", "notAfter", "expires", "generated", "created_at", "updated",
	"expires_in", "expiresIn", "client_id_issued_at", "status", "statusCode", "authorized", "refresh_expires_in"}

var echoVariants = []echoVariant{
	{name: "error reply", serve: func(m method, r *http.Request, body []byte, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, familyError(m.family, echo(r, body)))
	}},
	{name: "Jackson parse error", serve: func(m method, r *http.Request, body []byte, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		msg := "JSON parse error: Unrecognized token '" + string(body) + "': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false'); nested exception at [Source: (PushbackInputStream); line: 1, column: " + strconv.Itoa(len(body)) + "]"
		_, _ = io.WriteString(w, familyError(m.family, msg))
	}},
	{name: "HTML 5xx page", serve: func(m method, r *http.Request, body []byte, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1><pre>"+echo(r, body)+"</pre></body></html>")
	}},
	{name: "answer echoing fields", serve: func(m method, r *http.Request, body []byte, w http.ResponseWriter) {
		// Every field the SDK reads holds the echo: what a decoder quotes in its error is the request.
		e := strconv.Quote(echo(r, body))
		var b strings.Builder
		b.WriteString("{")
		for i, n := range strings.Fields(wrongTypesNames) {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%q:%s", n, e)
		}
		b.WriteString("}")
		writeAnswer(w, m, "application/json")
		_, _ = io.WriteString(w, b.String())
	}},
	{name: "answer quoting a value", serve: func(m method, r *http.Request, body []byte, w http.ResponseWriter) {
		// Time and number fields hold the request's longest value: a decoder that quotes the first
		// 40 characters of a bad timestamp shows a secret's prefix.
		v := "none"
		if vals := requestValues(r, body); len(vals) > 0 {
			v = vals[0]
		}
		doc := map[string]any{}
		for _, f := range timeAndNumberFields {
			doc[f] = v
		}
		if m.family == "webapi" {
			doc = map[string]any{"response": map[string]any{"statusCode": v, "statusText": v, "data": map[string]any{"ts": v}}}
		}
		b, _ := json.Marshal(doc)
		writeAnswer(w, m, "application/json")
		_, _ = w.Write(b)
	}},
}

// TestEchoRedaction runs every network method against each echoing variant: no secret in any of its
// encodings, nor a long prefix of one, may show in the error text or the log lines.
func TestEchoRedaction(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	var calls []*labCall[echoVariant]
	for _, m := range networkMethods() {
		for _, v := range echoVariants {
			serve := func(sm method) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					body, _ := io.ReadAll(r.Body)
					v.serve(sm, r, body, w)
				}
			}
			for k := range m.steps() {
				calls = append(calls, newLabCall(t, l, m, k, v, v.name, serve, "", deadlineFor(m, 0)))
			}
		}
	}
	runCalls(l, calls)

	checkCalls(t, "echo redaction (calls per variant)", calls, func(r *labCall[echoVariant]) []string {
		problems := r.endProblems()
		problems = append(problems, r.reachProblems(false)...)
		// The input is valid: whatever a server echoes, the caller's input is not to blame.
		if r.o.ended && classify(r.m.family, r.o.err) == clsValidation {
			problems = append(problems, fmt.Sprintf("a reply made a *ValidationError of valid input: %v", r.o.err))
		}
		return append(problems, r.leakProblems()...)
	})
}
