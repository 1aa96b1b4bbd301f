package tvauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"unicode/utf8"
)

// decodeWebAPIError maps any WebAPI reply that is not an answer, as the pipeline's error decoder does.
func decodeWebAPIError(r *response) error {
	_, err := new(webapiDecoder).handle(r, false)
	return err
}

// wantReply is a parsed reply: the envelope, and the data fields the SDK reads, by their query-string
// names (token_a, challenge_url …); a field not listed is empty.
type wantReply struct {
	code, detail int
	text, id     string
	data         map[string]string
}

func (w wantReply) check(t *testing.T, name string, got *webapiReply) {
	t.Helper()
	env := webapiEnvelope{Data: got.Data}
	data := map[string]string{}
	for _, f := range env.fields() {
		if *f.v != "" {
			data[f.name] = string(*f.v)
		}
	}
	if got.StatusCode != w.code || got.StatusDetailCode != w.detail || got.StatusText != w.text || got.RequestID != w.id ||
		!equalStringMaps(data, w.data) {
		t.Errorf("%s:\n got %d/%d %q %q %v\nwant %d/%d %q %q %v", name, got.StatusCode, got.StatusDetailCode, got.StatusText,
			got.RequestID, data, w.code, w.detail, w.text, w.id, w.data)
	}
}

func TestWebAPIReplyParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       wantReply
	}{
		{"JSON numbers", `{"response":{"statusCode":200,"statusText":"OK","requestId":"r","data":{"token":{"a":"x","expiresIn":86400},"hostTime":1311369996}}}`,
			wantReply{code: 200, text: "OK", id: "r", data: map[string]string{"token_a": "x", "token_expiresIn": "86400", "hostTime": "1311369996"}}},
		{"JSON strings (NINA template)", `{"response":{"statusCode":"330","statusText":"","statusDetailCode":"3015","data":{"challenge":{"url":"u"}}}}`,
			wantReply{code: 330, detail: 3015, data: map[string]string{"challenge_url": "u"}}},
		{"JSON bare envelope, BOM, float code", "\ufeff {\"statusCode\":200.0,\"data\":null}", wantReply{code: 200}},
		{"JSON unknown detail code kept as unknown", `{"response":{"statusCode":400,"statusDetailCode":"x1"}}`, wantReply{code: 400}},
		{"JSON escapes", `{"response":{"statusCode":200,"statusText":"caf\u00e9 \ud83d\ude00","data":{"loginId":"a\"b\\c\/d"}}}`,
			wantReply{code: 200, text: "café 😀", data: map[string]string{"loginId": `a"b\c/d`}}},
		// What the SDK does not read is skipped unread, whatever its shape; a value where an object is
		// expected, or an object where a value is, holds nothing and is skipped too.
		{"JSON unknown and odd shapes skipped", `{"response":{"statusCode":200,"statusText":{"en":"OK"},"data":{"list":[1,{"b":true}],"n":null,"hostTime":true,"token":"x","challenge":[1],"loginId":{"a":1}}}}`,
			wantReply{code: 200, data: map[string]string{"hostTime": "true"}}},
		{"JSON data not an object", `{"response":{"statusCode":441,"statusText":"Key Usage Limit","data":"text"}}`,
			wantReply{code: 441, text: "Key Usage Limit"}},
		// encoding/json matches names exactly, or else regardless of case; a repeated name: the last counts.
		{"JSON names in another case", `{"Response":{"STATUSCODE":200,"Data":{"Token":{"A":"x"},"sessionsecret":"s"}}}`,
			wantReply{code: 200, data: map[string]string{"token_a": "x", "sessionSecret": "s"}}},
		{"JSON repeated name", `{"response":{"statusCode":400,"statusCode":200,"data":{"ts":1,"ts":null}}}`, wantReply{code: 200}},
		{"JSON response without statusCode: the top level is the envelope", `{"response":{"statusText":"x"},"statusCode":200}`, wantReply{code: 200}},
		{"JSON response not an object", `{"response":"x","statusCode":200}`, wantReply{code: 200}},
		{"JSONP with /**/ and spaces", "/**/ cb.x$_1 ( {\"response\":{\"statusCode\":200}} ) ;\n", wantReply{code: 200}},
		{"JSONP without ;", `cb({"response":{"statusCode":441,"statusText":"Key Usage Limit"}})`, wantReply{code: 441, text: "Key Usage Limit"}},
		{"XML no namespace", `<response><statusCode>200</statusCode><data><ts>5</ts><other><a>1</a></other></data></response>`,
			wantReply{code: 200, data: map[string]string{"ts": "5"}}},
		{"XML WIM namespace, prefix, trimmed", "<?xml version=\"1.0\"?>\n<aim:response xmlns:aim=\"http://developer.aim.com/xsd/aim.xsd\">\n <aim:statusCode>\n 607 </aim:statusCode><aim:statusText> Rate Limit </aim:statusText><aim:data><aim:token><aim:a>\n x </aim:a></aim:token></aim:data></aim:response>\n<!-- served by x -->\n",
			wantReply{code: 607, text: "Rate Limit", data: map[string]string{"token_a": "x"}}},
		{"XML latin-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><response><statusCode>200</statusCode><data><loginId>Jos\xe9</loginId></data></response>",
			wantReply{code: 200, data: map[string]string{"loginId": "José"}}},
		{"qs with + and escapes", "statusCode=200&statusText=All+good&token_a=%2Fw%2B&challenge_url=%zz&weird=1&&=novalue\r\n",
			wantReply{code: 200, text: "All good", data: map[string]string{"token_a": "/w+", "challenge_url": "%zz"}}},
		{"qs escaped key, first of repeated keys", "statusCode=200&token%5Fa=1&token_a=2&hostTime=3",
			wantReply{code: 200, data: map[string]string{"token_a": "1", "hostTime": "3"}}},
	}
	for _, tt := range tests {
		got, err := parseWebAPIReply([]byte(tt.body))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		tt.want.check(t, tt.name, got)
	}
}

func equalStringMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestWebAPIReplyBroken(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"empty":                  "  \n",
		"HTML":                   "<!DOCTYPE html><html><head><title>502</title></head></html>",
		"XML other root":         "<error><code>1</code></error>",
		"XML unclosed":           "<response><statusCode>200</statusCode>",
		"XML two roots":          "<response><statusCode>200</statusCode></response><response/>",
		"XML no element":         `<?xml version="1.0"?>`,
		"XML too many tags":      "<response><statusCode>200</statusCode>" + strings.Repeat("<a/>", webapiMaxXMLMarks) + "</response>",
		"XML too many attrs":     "<response><statusCode>200</statusCode><a " + strings.Repeat(`b="" `, webapiMaxXMLMarks) + "/></response>",
		"XML bad charset":        `<?xml version="1.0" encoding="EBCDIC"?><response/>`,
		"JSON trailing garbage":  `{"response":{"statusCode":200}} x`,
		"JSON string":            `"ok"`,
		"JSON array":             `[{"response":{"statusCode":200}}]`,
		"JSON no statusCode":     `{"response":{"statusText":"OK"}}`,
		"JSON statusCode object": `{"response":{"statusCode":{"value":200}}}`,
		"JSON response empty":    `{"response":{}}`,
		// encoding/json's own limit: the 10001st open object or array is an error.
		"JSON too deep":         `{"response":{"statusCode":200,"data":` + strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat(`}`, 10000) + `}}`,
		"JSON syntax":           `{"response":{"statusCode":200,}}`,
		"JSONP unclosed":        `cb({"response":{"statusCode":200}}`,
		"text":                  "Bad Gateway",
		"qs without statusCode": "statusText=OK",
		"qs statusCode text":    "statusCode=OK",
		"statusCode past int32": `{"response":{"statusCode":9223372036854775807}}`,
	} {
		if got, err := parseWebAPIReply([]byte(body)); err == nil {
			t.Errorf("%s: parsed as %+v", name, got)
		}
	}
	// 10000 levels are within encoding/json's limit, and skipped unread.
	deep := `{"response":{"statusCode":200,"data":` + strings.Repeat(`[`, 9998) + strings.Repeat(`]`, 9998) + `}}`
	if got, err := parseWebAPIReply([]byte(deep)); err != nil || got.StatusCode != 200 {
		t.Errorf("10000 levels: %v, %v", got, err)
	}
	// The service's error decoder never fails and keeps the HTTP status.
	for _, body := range []string{"", "<html/>", `{"response":{"statusCode":"x"}}`} {
		err := decodeWebAPIError(&response{StatusCode: 502, Body: []byte(body)})
		var we *WebAPIError
		if !errors.As(err, &we) || we.HTTPStatus != 502 || we.StatusCode != 0 {
			t.Errorf("decodeWebAPIError(%q) = %v", body, err)
		}
	}
	err := decodeWebAPIError(&response{StatusCode: 401, Body: webapiFixture(t, "clientlogin_password_invalid.json")})
	var we *WebAPIError
	if !errors.As(err, &we) || we.StatusCode != 330 || we.Challenge == nil || we.Challenge.Context != "Xq1w2e3r4t5y6u7i" ||
		!errors.Is(err, ErrUnauthorized) {
		t.Errorf("decodeWebAPIError = %+v", err)
	}
}

// webapiSeeds adds every fixture in testdata/webapi to a fuzz corpus.
func webapiSeeds(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "webapi", "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`cb({"response":{"statusCode":"200"}});`))
	f.Add([]byte("statusCode=200&token_a=%2F&sessionSecret=s&hostTime=1.5"))
	f.Add([]byte(`{"Response":{"statusCode":200,"data":{"token":{"a":"x\u00e9\ud800"},"challenge":"x","ts":[1]}}}`))
}

// FuzzWebAPIReply drives the whole decoder (format sniffing, all four formats, the clientLogin
// reader and the error mapping): it never panics, and what it accepts has a consistent shape.
func FuzzWebAPIReply(f *testing.F) {
	webapiSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rep, err := parseWebAPIReply(body)
		var we *WebAPIError
		if e := decodeWebAPIError(&response{StatusCode: 500, Body: body}); !errors.As(e, &we) || we.HTTPStatus != 500 {
			t.Fatalf("decodeWebAPIError = %v", e)
		}
		if err != nil {
			if rep != nil {
				t.Fatal("reply and error")
			}
			return
		}
		if we.StatusCode != rep.StatusCode || we.StatusDetailCode != rep.StatusDetailCode {
			t.Fatalf("error %+v disagrees with reply %+v", we, rep)
		}
		if sess, err := webapiSessionFrom(rep, ClientLoginRequest{Password: "pw", UnescapeToken: len(body)%2 == 0}); err == nil {
			if sess.Token == "" || sess.SessionSecret == "" || sess.ExpiresIn < 0 || sess.SessionKey != SessionKey("pw", sess.SessionSecret) {
				t.Fatalf("inconsistent session %+v", sess)
			}
		}
	})
}

// FuzzWebAPIReplyJSON: the JSON reader refuses exactly what encoding/json finds invalid (shapes it
// does not expect are skipped, never an error), and agrees with a map-based reading of statusCode.
func FuzzWebAPIReplyJSON(f *testing.F) {
	webapiSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := webapiDecodeJSON(body)
		if (err == nil) != json.Valid(body) {
			t.Fatalf("%q: err %v, json.Valid %v", body, err, json.Valid(body))
		}
		if inner, ok := webapiStripJSONP(body); ok && len(inner) > len(body) {
			t.Fatal("JSONP unwrapping grew the body")
		}
		if err != nil {
			return
		}
		var m map[string]any
		if json.Unmarshal(body, &m) != nil || webapiFoldedKeys(m) {
			return
		}
		if r, ok := m["response"].(map[string]any); ok {
			m = r
		}
		if s, ok := m["statusCode"].(string); ok && string(env.StatusCode) != s {
			t.Fatalf("%q: statusCode %q, want %q", body, env.StatusCode, s)
		}
	})
}

// webapiFoldedKeys reports whether two keys of the top level or of "response" are equal regardless of
// case (where encoding/json's case-insensitive matching makes a map a poor reference).
func webapiFoldedKeys(m map[string]any) bool {
	seen := map[string]bool{}
	levels := []map[string]any{m}
	if r, ok := m["response"].(map[string]any); ok {
		levels = append(levels, r)
	}
	for _, level := range levels {
		for k := range level {
			if seen[strings.ToLower(k)] {
				return true
			}
			seen[strings.ToLower(k)] = true
		}
		clear(seen)
	}
	return false
}

func FuzzWebAPIReplyXML(f *testing.F) {
	webapiSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := webapiDecodeXML(body)
		if err != nil {
			return
		}
		for _, fl := range env.fields() {
			if s := string(*fl.v); s != strings.TrimSpace(s) {
				t.Fatalf("%s = %q: not trimmed", fl.name, s)
			}
		}
	})
}

// FuzzWebAPIReplyQS holds the query-string reader to a reading through a map: each field is the
// first value sent under its name, unescaped when its escapes are valid.
func FuzzWebAPIReplyQS(f *testing.F) {
	webapiSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := webapiDecodeQS(body)
		if err != nil {
			return
		}
		first := map[string]string{}
		for _, part := range strings.Split(string(body), "&") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			if uk, err := url.QueryUnescape(k); err == nil {
				k = uk
			}
			if uv, err := url.QueryUnescape(v); err == nil {
				v = uv
			}
			if _, dup := first[k]; !dup {
				first[k] = v
			}
		}
		for _, fl := range env.fields() {
			if string(*fl.v) != first[fl.name] {
				t.Fatalf("%q: %s = %q, want %q", body, fl.name, *fl.v, first[fl.name])
			}
		}
	})
}

// webapiBigReplies are replies of about 4 MiB, the body cap, in the shapes that cost a reader the most:
// many small values, long names over many values, deep nesting, long text kept (a session token)
// or skipped, escapes. login marks the replies to clientLogin, whose session keeps token.a.
func webapiBigReplies() []struct {
	name  string
	login bool
	body  []byte
} {
	const size = maxBodyBytes
	fill := func(head, tail string, item func(i int) string) []byte {
		b := bytes.NewBufferString(head)
		for i := 0; ; i++ {
			s := item(i)
			if b.Len()+len(s)+len(tail) > size {
				break
			}
			b.WriteString(s)
		}
		b.WriteString(tail)
		return b.Bytes()
	}
	comma := func(i int) string {
		if i == 0 {
			return ""
		}
		return ","
	}
	const env, end = `{"response":{"statusCode":200,"statusText":"OK","data":{`, `}}}`
	long := strings.Repeat("k", 400)
	token := func(head, tail string, unit string) []byte {
		return []byte(head + strings.Repeat(unit, (size-len(head)-len(tail))/len(unit)) + tail)
	}
	return []struct {
		name  string
		login bool
		body  []byte
	}{
		{"json small values", false, fill(env, end, func(i int) string { return fmt.Sprintf(`%s"%x":1`, comma(i), i) })},
		{"json objects", false, fill(env, end, func(i int) string { return fmt.Sprintf(`%s"%x":{"a":"b","c":[1,{}]}`, comma(i), i) })},
		{"json array", false, fill(env+`"l":[`, "]"+end, func(i int) string { return comma(i) + "1" })},
		{"json long name over many values", false, fill(env+`"`+strings.Repeat("p", 32<<10)+`":{`, "}"+end, func(i int) string { return fmt.Sprintf(`%s"%x":1`, comma(i), i) })},
		{"json deep, long names", false, []byte(`{"response":{"statusCode":200,"data":` + strings.Repeat(`{"`+long+`":`, 9990) + "1" + strings.Repeat("}", 9990) + "}}")},
		{"json long text skipped", false, token(env+`"x":"`, `"`+end, "x")},
		{"json escapes skipped", false, token(env+`"x":"`, `"`+end, `\u00e9`)},
		{"jsonp small values", false, fill("cb("+env, end+");", func(i int) string { return fmt.Sprintf(`%s"%x":1`, comma(i), i) })},
		{"json session token", true, token(env+`"sessionSecret":"s","token":{"a":"`, `"}`+end, "t")},
		{"json session token with escapes", true, token(env+`"sessionSecret":"s","token":{"a":"`, `"}`+end, `\u00e9`)},
		{"xml small values", false, fill("<response><statusCode>200</statusCode><data>", "</data></response>", func(i int) string { return fmt.Sprintf("<a%x>1</a%x>", i, i) })},
		{"xml attributes", false, fill(`<response><statusCode>200</statusCode><data><a `, "/></data></response>", func(i int) string { return fmt.Sprintf(`b%x="" `, i) })},
		{"xml long names", false, fill("<response><statusCode>200</statusCode><data>", "</data></response>", func(i int) string {
			if i >= webapiMaxXMLMarks/2-8 {
				return "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			}
			n := strings.Repeat("n", 2000)
			return "<" + n + ">" + "</" + n + ">"
		})},
		{"xml long text skipped", false, token("<response><statusCode>200</statusCode><data><x>", "</x></data></response>", "x")},
		{"xml session token", true, token("<response><statusCode>200</statusCode><data><sessionSecret>s</sessionSecret><token><a>", "</a></token></data></response>", "t")},
		{"xml latin-1 session token", true, token("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><response><statusCode>200</statusCode><data><sessionSecret>s</sessionSecret><token><a>", "</a></token></data></response>", "\xe9")},
		{"xml entities", true, token("<response><statusCode>200</statusCode><data><sessionSecret>s</sessionSecret><token><a>", "</a></token></data></response>", "&amp;")},
		{"qs small values", false, fill("statusCode=200", "", func(i int) string { return fmt.Sprintf("&%x=1", i) })},
		{"qs escaped names", false, fill("statusCode=200", "", func(i int) string { return "&%41%42%43=1" })},
		{"qs session token", true, token("statusCode=200&sessionSecret=s&token_a=", "", "%2F")},
	}
}

// webapiReplyTransport answers every request with body after checking it on the wire: a clientLogin
// form, or a logout signed with the spec's session key.
type webapiReplyTransport struct {
	t    *testing.T
	body []byte
}

func (rt webapiReplyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	switch r.URL.Path {
	case "/auth/clientLogin":
		b, _ := io.ReadAll(r.Body)
		if string(b) != "devId="+vecDevID+"&f=json&s=alice&pwd=pw" {
			rt.t.Errorf("clientLogin body %q", b)
		}
	case "/auth/logout":
		if _, err := ninaVerify(r.Method, "https://"+r.URL.Host+r.URL.Path, r.URL.RawQuery, vecSessionKey); err != nil {
			rt.t.Errorf("logout: %v", err)
		}
	default:
		rt.t.Errorf("unexpected request %s %s", r.Method, r.URL)
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, ContentLength: int64(len(rt.body)),
		Body: io.NopCloser(bytes.NewReader(rt.body)), Request: r}, nil
}

// TestWebAPIReplyAllocations: reading a reply of 4 MiB, the largest the SDK reads, allocates at most 4
// times its size, whatever its shape and format (the flattening readers this replaced allocated up
// to 89 times); the whole call, which reads the body first, at most 5 times. The size of an XML reply
// declared ISO-8859-1 is that of its UTF-8 form, which encoding/xml reads (up to twice as many bytes).
func TestWebAPIReplyAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 200 MiB")
	}
	// The race detector's instrumentation doubles what a growing bytes.Buffer allocates, as encoding/xml's
	// text buffer does: under it, each bound has twice the reply's size more.
	var slack uint64
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "-race" && s.Value == "true" {
				slack = 2
			}
		}
	}
	allocated := func(f func() error) (uint64, error) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		err := f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, err
	}
	login := ClientLoginRequest{LoginID: "alice", Password: "pw"}
	for _, tc := range webapiBigReplies() {
		wantErr := strings.HasPrefix(tc.name, "xml attributes") || strings.HasPrefix(tc.name, "xml small")
		size := uint64(len(tc.body))
		if strings.Contains(tc.name, "latin-1") {
			for _, c := range tc.body {
				if c >= utf8.RuneSelf {
					size++
				}
			}
		}
		read, err := allocated(func() error {
			rep, err := parseWebAPIReply(tc.body)
			if err == nil && tc.login {
				_, err = webapiSessionFrom(rep, login)
			}
			return err
		})
		if (err != nil) != wantErr {
			t.Errorf("%s: read: %v", tc.name, err)
		}
		c, err := New(WithWebAPIDevID(vecDevID), WithHTTPClient(&http.Client{Transport: webapiReplyTransport{t, tc.body}}))
		if err != nil {
			t.Fatal(err)
		}
		call, err := allocated(func() error {
			if tc.login {
				sess, err := c.WebAPI.ClientLogin(context.Background(), login)
				if err == nil && len(sess.Token) < 512<<10 {
					err = fmt.Errorf("token of %d bytes", len(sess.Token))
				}
				return err
			}
			_, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession()})
			return err
		})
		if (err != nil) != wantErr {
			t.Errorf("%s: call: %v", tc.name, err)
		}
		if read > (4+slack)*size || call > (5+slack)*size {
			t.Errorf("%s: a %d B reply: reading it allocated %d B (%.2f×, at most %d×), the call %d B (%.2f×, at most %d×)",
				tc.name, size, read, float64(read)/float64(size), 4+slack, call, float64(call)/float64(size), 5+slack)
		}
		t.Logf("%-32s %8d B: read %9d B %.2f×, call %9d B %.2f×", tc.name, size, read, float64(read)/float64(size),
			call, float64(call)/float64(size))
	}
}
