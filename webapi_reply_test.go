package tvauth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWebAPIReplyParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       webapiReply
	}{
		{"JSON numbers", `{"response":{"statusCode":200,"statusText":"OK","requestId":"r","data":{"token":{"a":"x","expiresIn":86400},"hostTime":1311369996}}}`,
			webapiReply{StatusCode: 200, StatusText: "OK", RequestID: "r", Data: map[string]string{"token_a": "x", "token_expiresIn": "86400", "hostTime": "1311369996"}}},
		{"JSON strings (NINA template)", `{"response":{"statusCode":"330","statusText":"","statusDetailCode":"3015","data":{"challenge":{"url":"u"}}}}`,
			webapiReply{StatusCode: 330, StatusDetailCode: 3015, Data: map[string]string{"challenge_url": "u"}}},
		{"JSON bare envelope, BOM, float code", "\ufeff {\"statusCode\":200.0,\"data\":null}",
			webapiReply{StatusCode: 200, Data: map[string]string{}}},
		{"JSON unknown detail code kept as unknown", `{"response":{"statusCode":400,"statusDetailCode":"x1"}}`,
			webapiReply{StatusCode: 400, Data: map[string]string{}}},
		{"JSON arrays and bools", `{"response":{"statusCode":200,"data":{"list":[1,{"b":true}],"n":null}}}`,
			webapiReply{StatusCode: 200, Data: map[string]string{"list_0": "1", "list_1_b": "true"}}},
		{"JSONP with /**/ and spaces", "/**/ cb.x$_1 ( {\"response\":{\"statusCode\":200}} ) ;\n",
			webapiReply{StatusCode: 200, Data: map[string]string{}}},
		{"JSONP without ;", `cb({"response":{"statusCode":441,"statusText":"Key Usage Limit"}})`,
			webapiReply{StatusCode: 441, StatusText: "Key Usage Limit", Data: map[string]string{}}},
		{"XML no namespace", `<response><statusCode>200</statusCode><data><ts>5</ts></data></response>`,
			webapiReply{StatusCode: 200, Data: map[string]string{"ts": "5"}}},
		{"XML WIM namespace, prefix, trimmed", "<?xml version=\"1.0\"?>\n<aim:response xmlns:aim=\"http://developer.aim.com/xsd/aim.xsd\">\n <aim:statusCode>\n 607 </aim:statusCode><aim:statusText> Rate Limit </aim:statusText><aim:data><aim:x>1</aim:x><aim:x>2</aim:x></aim:data></aim:response>",
			webapiReply{StatusCode: 607, StatusText: "Rate Limit", Data: map[string]string{"x": "1"}}},
		{"XML latin-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><response><statusCode>200</statusCode><data><loginId>Jos\xe9</loginId></data></response>",
			webapiReply{StatusCode: 200, Data: map[string]string{"loginId": "José"}}},
		{"qs with + and escapes", "statusCode=200&statusText=All+good&token_a=%2Fw%2B&weird=%zz&&=novalue\r\n",
			webapiReply{StatusCode: 200, StatusText: "All good", Data: map[string]string{"token_a": "/w+", "weird": "%zz"}}},
	}
	for _, tt := range tests {
		got, err := parseWebAPIReply([]byte(tt.body))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got.StatusCode != tt.want.StatusCode || got.StatusText != tt.want.StatusText || got.StatusDetailCode != tt.want.StatusDetailCode ||
			got.RequestID != tt.want.RequestID || !equalStringMaps(got.Data, tt.want.Data) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, *got, tt.want)
		}
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
		"empty":                 "  \n",
		"HTML":                  "<!DOCTYPE html><html><head><title>502</title></head></html>",
		"XML other root":        "<error><code>1</code></error>",
		"XML unclosed":          "<response><statusCode>200</statusCode>",
		"XML two roots":         "<response><statusCode>200</statusCode></response><response/>",
		"JSON trailing garbage": `{"response":{"statusCode":200}} x`,
		"JSON string":           `"ok"`,
		"JSON no statusCode":    `{"response":{"statusText":"OK"}}`,
		"JSON too deep":         `{"response":{"statusCode":200,"data":` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40) + `}}`,
		"XML too deep":          "<response><statusCode>200</statusCode>" + strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40) + "</response>",
		"JSONP unclosed":        `cb({"response":{"statusCode":200}}`,
		"text":                  "Bad Gateway",
		"qs without statusCode": "statusText=OK",
		"qs statusCode text":    "statusCode=OK",
		"statusCode past int32": `{"response":{"statusCode":9223372036854775807}}`,
		"XML bad charset":       `<?xml version="1.0" encoding="EBCDIC"?><response/>`,
	} {
		if got, err := parseWebAPIReply([]byte(body)); err == nil {
			t.Errorf("%s: parsed as %+v", name, got)
		}
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
	if !errors.As(err, &we) || we.StatusCode != 330 || we.Challenge == nil || !errors.Is(err, ErrUnauthorized) {
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
		if rep.Data == nil {
			t.Fatal("nil Data")
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

func FuzzWebAPIReplyJSON(f *testing.F) {
	webapiSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, data, err := webapiFlattenJSON(body)
		if err == nil && (env == nil || data == nil) {
			t.Fatal("nil maps without error")
		}
		if inner, ok := webapiStripJSONP(body); ok && len(inner) > len(body) {
			t.Fatal("JSONP unwrapping grew the body")
		}
	})
}

func FuzzWebAPIReplyXML(f *testing.F) {
	webapiSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, data, err := webapiFlattenXML(body)
		if err != nil {
			return
		}
		for k, v := range env {
			if !webapiEnvelopeKey(k) || v != strings.TrimSpace(v) {
				t.Fatalf("envelope %q=%q", k, v)
			}
		}
		for k, v := range data {
			if k == "" || v != strings.TrimSpace(v) {
				t.Fatalf("data %q=%q", k, v)
			}
		}
	})
}

func FuzzWebAPIReplyQS(f *testing.F) {
	webapiSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, data, err := webapiFlattenQS(body)
		if err != nil {
			return
		}
		for k := range env {
			if !webapiEnvelopeKey(k) {
				t.Fatalf("envelope key %q", k)
			}
		}
		for k := range data {
			if k == "" || webapiEnvelopeKey(k) {
				t.Fatalf("data key %q", k)
			}
		}
	})
}
