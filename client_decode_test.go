package tvauth

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// FuzzJSONFastPaths checks the decoders' shortcuts against encoding/json: plainJSONString decodes a
// literal as encoding/json does (and reads every valid one), and isJSONNumber tells the numbers among
// the values encoding/json accepts.
func FuzzJSONFastPaths(f *testing.F) {
	for _, s := range []string{`"abc"`, `"a\"b"`, `"é"`, "\"\xff\"", `"a` + "\t" + `"`, `""`, `"`, `"\ud800"`, `12`, `-0.5e+3`, `01`, `1.`, `-`, `1e`, `0x1`, `+1`, ` 1`, `1_0`, `null`, `[1]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want string
		wantErr := json.Unmarshal(b, &want)
		s, ok := plainJSONString(b)
		if ok && (wantErr != nil || want != s) {
			t.Fatalf("plainJSONString(%q) = %q; encoding/json: %q, %v", b, s, want, wantErr)
		}
		if !ok && wantErr == nil && len(b) > 0 && b[0] == '"' && b[len(b)-1] == '"' {
			t.Fatalf("plainJSONString(%q) refused a valid literal", b)
		}
		if !json.Valid(b) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		if _, num := v.(json.Number); isJSONNumber(bytes.TrimSpace(b)) != num {
			t.Fatalf("isJSONNumber(%q) = %v, want %v", b, !num, num)
		}
	})
}

// FuzzAppendJSONString checks the hand-written string encoder (AGS request bodies) against
// encoding/json without HTML escaping.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "alice", "p<a>&ss\"\\", "\b\f\n\r\t\x00\x1f\x7f", "é\u2028\u2029", "\xff\xfe", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(buf.String(), "\n")
		if got := string(appendJSONString(nil, s)); got != want {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}

// TestAGSRequestBodyMatchesEncodingJSON: the hand-written AGS body is what encoding/json wrote.
func TestAGSRequestBodyMatchesEncodingJSON(t *testing.T) {
	for _, b := range []agsRequestBody{
		{Parameters: agsWireParameters([]Parameter{})},
		{Parameters: agsWireParameters([]Parameter{{Name: "Username", Value: "alice"}, {Name: "Password", Value: "p<&>\"\\\n\u2028"}}), ClientID: "abc"},
		{Parameters: agsWireParameters([]Parameter{{Name: "x", Value: ""}}), DeviceInformation: json.RawMessage(`{"a":[1,2,{"b":"<"}]}`)},
	} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(b); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(buf.String(), "\n")
		if got := string(b.appendJSON(nil)); got != want {
			t.Errorf("appendJSON = %s\nwant        %s", got, want)
		}
	}
}

// FuzzPlainAbsoluteURL: the shortcut accepts only what url.Parse accepts as absolute with a host.
func FuzzPlainAbsoluteURL(f *testing.F) {
	for _, s := range []string{"https://adobe.com", "https://login.example.com/done?from=tv&lang=en", "http://h:80/a#f",
		"http://h:/", "http://h:x", "a+b://h", "1http://h", "http://", "http:///x", "http://h?x", "https://h/%41", "x://h.-/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !plainAbsoluteURL(s) {
			return
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" || u.Host == "" {
			t.Fatalf("plainAbsoluteURL(%q) = true; url.Parse: %v, %v", s, u, err)
		}
	})
}

func TestUnreservedTable(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		want := 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-' || b == '.' || b == '_' || b == '~'
		if unreserved(b) != want {
			t.Errorf("unreserved(%q) = %v", b, !want)
		}
	}
}
