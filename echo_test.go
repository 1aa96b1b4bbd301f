package tvauth_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The echoing server: it quotes the request back, the way real servers do in error pages, parse
// errors and validators that repeat the bad value. It echoes every value of the request in each form
// the SDK itself puts a secret on the wire in (raw, query/form-encoded, RFC 3986, path-escaped,
// JSON-escaped with and without HTML escaping, XML-escaped), in every place an error copies server
// text: its message and code and every other text field, the Location of a redirect, the
// Content-Type of an answer. Whatever it echoes, no secret the test passed may show in err.Error(),
// any fmt or slog rendering of the error, its typed fields or the log lines (errorRenderings), and
// Error() stays within 512 bytes.

// wireForms are the forms the SDK puts a value on the wire in, by name.
var wireForms = []struct {
	name   string
	encode func(string) string
}{
	{"raw", func(s string) string { return s }},
	{"query", url.QueryEscape},
	{"RFC 3986", func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }},
	{"path", url.PathEscape},
	{"JSON", jsonEscaped},
	{"JSON without HTML escaping", func(s string) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		out := strings.TrimSpace(b.String())
		return out[1 : len(out)-1]
	}},
	{"XML", func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}},
}

// jsonEscaped is s as it appears inside a JSON string.
func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// requestValues are the values a server reads from a request: query and form values, JSON string
// leaves and credential headers, the registry's secrets first, then longest first.
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
	secret := map[string]bool{}
	for _, s := range allSecrets() {
		secret[string(s)] = true
	}
	sort.SliceStable(out, func(i, j int) bool {
		if secret[out[i]] != secret[out[j]] {
			return secret[out[i]]
		}
		return len(out[i]) > len(out[j])
	})
	return out
}

// echoes are the texts an echoing server puts in n fields: field i starts with value i (modulo the
// number of values) in the given form and goes on with all the others, so that each value starts a
// field and the others reach across the 200-byte cut.
func echoes(values []string, encode func(string) string, n int) []string {
	if len(values) == 0 {
		values = []string{"none"}
	}
	out := make([]string, n)
	for i := range out {
		var parts []string
		for j := range values {
			parts = append(parts, encode(values[(i+j)%len(values)]))
		}
		out[i] = "rejected " + strings.Join(parts, " ")
	}
	return out
}

// echoError is an error body of the family's own shape whose every text field echoes the request.
func echoError(family string, values []string, encode func(string) string) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	switch family {
	case "webapi":
		e := echoes(values, encode, 5)
		return `{"response":{"statusCode":330,"statusDetailCode":3015,"statusText":` + q(e[0]) + `,"requestId":` + q(e[1]) +
			`,"data":{"challenge":{"info":` + q(e[2]) + `,"context":` + q(e[3]) + `,"url":` + q(e[4]) + `}}}}`
	case "ags":
		e := echoes(values, encode, 2)
		return `{"code":` + q(e[0]) + `,"message":` + q(e[1]) + `}`
	}
	e := echoes(values, encode, 6)
	return `{"status":400,"code":` + q(e[0]) + `,"message":` + q(e[1]) + `,"details":` + q(e[2]) + `,"helpUrl":` + q(e[3]) +
		`,"trace":` + q(e[4]) + `,"action":` + q(e[5]) + `}`
}

// echoVariant is one way a server echoes the request.
type echoVariant struct {
	name  string
	form  string // the wire form it echoes in ("" for the variants that echo as they please)
	serve func(m method, r *http.Request, body []byte, w http.ResponseWriter)
}

// timeAndNumberFields are the reply fields whose decoders describe a bad value in their error.
var timeAndNumberFields = []string{"notBefore", "notAfter", "expires", "generated", "created_at", "updated",
	"expires_in", "expiresIn", "client_id_issued_at", "status", "statusCode", "authorized", "refresh_expires_in"}

var echoVariants = func() []echoVariant {
	var vs []echoVariant
	for _, f := range wireForms {
		vs = append(vs,
			echoVariant{name: "error reply, " + f.name, form: f.name, serve: func(m method, r *http.Request, body []byte, w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, echoError(m.family, requestValues(r, body), f.encode))
			}},
			echoVariant{name: "redirect, " + f.name, form: f.name, serve: func(m method, r *http.Request, body []byte, w http.ResponseWriter) {
				e := echoes(requestValues(r, body), f.encode, 1)[0]
				w.Header().Set("Location", "https://login.example/portal?from="+strings.ReplaceAll(e, " ", "+"))
				w.WriteHeader(http.StatusPermanentRedirect)
			}},
			echoVariant{name: "answer, " + f.name + " in Content-Type", form: f.name, serve: func(m method, r *http.Request, body []byte, w http.ResponseWriter) {
				v := "none"
				if vals := requestValues(r, body); len(vals) > 0 {
					v = vals[0]
				}
				writeAnswer(w, m, "text/x-"+f.encode(v)) // a valid media type where the form is a token
				_, _ = io.WriteString(w, "<html>not JSON</html>")
			}},
		)
	}
	return append(vs,
		echoVariant{name: "Jackson parse error", serve: func(m method, r *http.Request, body []byte, w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			msg := "JSON parse error: Unrecognized token '" + string(body) + "': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false'); nested exception at [Source: (PushbackInputStream); line: 1, column: " + strconv.Itoa(len(body)) + "]"
			_, _ = io.WriteString(w, familyError(m.family, msg))
		}},
		echoVariant{name: "request line and headers in the message", serve: func(m method, r *http.Request, body []byte, w http.ResponseWriter) {
			var b strings.Builder
			fmt.Fprintf(&b, "%s %s\n", r.Method, r.RequestURI)
			for _, name := range sortedKeys(r.Header) {
				fmt.Fprintf(&b, "%s: %s\n", name, strings.Join(r.Header[name], ", "))
			}
			fmt.Fprintf(&b, "\n%s", body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, familyError(m.family, b.String()))
		}},
		echoVariant{name: "answer echoing fields", serve: func(m method, r *http.Request, body []byte, w http.ResponseWriter) {
			// Every field the SDK reads holds the echo: what a decoder says in its error is the request.
			e := strconv.Quote(echoes(requestValues(r, body), func(s string) string { return s }, 1)[0])
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
		echoVariant{name: "answer quoting a value", serve: func(m method, r *http.Request, body []byte, w http.ResponseWriter) {
			// Time and number fields hold the request's first value: a decoder that quoted a bad
			// timestamp would show a secret.
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
	)
}()

// TestEchoRedaction runs every network method against each echoing variant: no secret in any of its
// wire forms may show in the error (its text, renderings and fields) or the log lines. Under -race,
// where the table's 1,600 calls would starve the suite's other parallel tables, the forms other than
// raw run only for the first method of each family and HTTP method (see heavyRowMethod): the scrubber
// is the one every call goes through, and the plain run still covers every method with every form.
func TestEchoRedaction(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	var calls []*labCall[echoVariant]
	for _, m := range networkMethods() {
		for _, v := range echoVariants {
			if v.form != "" && v.form != "raw" && !heavyRowMethod(m) {
				continue
			}
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
