package tvauth

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The published AOL session-key vector and the spec's worked examples (§2.3, §3.4).
const (
	vecPassword   = "test"
	vecSecret     = "Olpq7NboSbO0gxym"
	vecSessionKey = "pgBumyiK1xwvjLjcDLRCW7/LySPp+DUXQ3PpDU3c84w="
	vecLogoutURL  = "https://api.screenname.nina.bz/auth/logout"
	vecToken      = "/wEAAAAAhEha+b/c="
	vecDevID      = "ma15d7JTxbmVG-RP"
)

func TestSigningSessionKeyVector(t *testing.T) {
	t.Parallel()
	if got := SessionKey(vecPassword, vecSecret); got != vecSessionKey {
		t.Errorf("SessionKey(%q, %q) = %q, want %q", vecPassword, vecSecret, string(got), vecSessionKey)
	}
	// Padded standard base64 of 32 bytes is always 44 characters ending in one '='.
	if got := string(SessionKey("pässwörd", "7dk4E65PvLSalhge")); len(got) != 44 || !strings.HasSuffix(got, "=") || strings.HasSuffix(got, "==") {
		t.Errorf("SessionKey = %q, want 44 padded base64 characters", got)
	}
}

func TestSigningSpecExamples(t *testing.T) {
	t.Parallel()
	ex1 := url.Values{"devId": {vecDevID}, "f": {"json"}, "a": {vecToken}}
	ex2 := url.Values{"devId": {vecDevID}, "f": {"json"}, "a": {vecToken},
		"s": {"Some User"}, "r": {"req 1"}, "language": {"en-us"}, "c": {"cb_1"}, "ts": {"1311369996"}}
	tests := []struct {
		name       string
		method     string
		params     url.Values
		normalized string
		base       string // "" = not given by the spec
		sig        string
		wire       string // "" = not given by the spec
	}{
		{
			name: "Ex1 GET logout, minimal", method: "GET", params: ex1,
			normalized: "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json",
			base:       "GET&https%3A%2F%2Fapi.screenname.nina.bz%2Fauth%2Flogout&a%3D%252FwEAAAAAhEha%252Bb%252Fc%253D%26devId%3Dma15d7JTxbmVG-RP%26f%3Djson",
			sig:        "uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80=",
			wire:       "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json&sig_sha256=uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80%3D",
		},
		{
			name: "Ex2 GET logout, optional params", method: "GET", params: ex2,
			normalized: "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&c=cb_1&devId=ma15d7JTxbmVG-RP&f=json&language=en-us&r=req%201&s=Some%20User&ts=1311369996",
			base:       "GET&https%3A%2F%2Fapi.screenname.nina.bz%2Fauth%2Flogout&a%3D%252FwEAAAAAhEha%252Bb%252Fc%253D%26c%3Dcb_1%26devId%3Dma15d7JTxbmVG-RP%26f%3Djson%26language%3Den-us%26r%3Dreq%25201%26s%3DSome%2520User%26ts%3D1311369996",
			sig:        "TI4hvkrvEFbNNvUj0+ltQNL92ZhWrboYPgNN5/hzYec=",
		},
		{
			name: "Ex3 POST variant of Ex1", method: "post", params: ex1,
			normalized: "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId=ma15d7JTxbmVG-RP&f=json",
			sig:        "Likcin9Wlrc924roNA8FyV8SXAoZfaiEJUDRgWqIFcs=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := canonicalPairs(tt.params).encode(); got != tt.normalized {
				t.Errorf("normalized = %q\nwant         %q", got, tt.normalized)
			}
			base, err := SignatureBaseString(tt.method, vecLogoutURL, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if tt.base != "" && base != tt.base {
				t.Errorf("base = %q\nwant   %q", base, tt.base)
			}
			if !strings.HasPrefix(base, strings.ToUpper(tt.method)+"&https%3A%2F%2F") {
				t.Errorf("base %q does not start with the upper-cased method", base)
			}
			sig, err := Sign(tt.method, vecLogoutURL, tt.params, vecSessionKey)
			if err != nil {
				t.Fatal(err)
			}
			if sig != tt.sig {
				t.Errorf("Sign = %q, want %q", sig, tt.sig)
			}
			if tt.wire != "" {
				sess := &WebAPISession{Token: vecToken, SessionKey: vecSessionKey}
				p := url.Values{"devId": {vecDevID}, "f": {"json"}} // a comes from the session
				wire, err := sess.Sign(tt.method, vecLogoutURL, p)
				if err != nil {
					t.Fatal(err)
				}
				if got := vecLogoutURL + "?" + wire; got != "https://api.screenname.nina.bz/auth/logout?"+tt.wire {
					t.Errorf("URL = %q\nwant  %q", got, "https://api.screenname.nina.bz/auth/logout?"+tt.wire)
				}
			}
		})
	}
}

func TestSigningBaseStringURL(t *testing.T) {
	t.Parallel()
	p := url.Values{"f": {"json"}}
	tests := []struct {
		rawURL, wantURL string
	}{
		{"https://api.screenname.nina.bz/auth/logout", "https://api.screenname.nina.bz/auth/logout"},
		{"HTTPS://API.ScreenName.NINA.bz/auth/Logout", "https://api.screenname.nina.bz/auth/Logout"}, // path case kept
		{"https://api.screenname.nina.bz:443/auth/logout", "https://api.screenname.nina.bz/auth/logout"},
		{"http://api.screenname.nina.bz:80/auth/logout", "http://api.screenname.nina.bz/auth/logout"},
		{"http://127.0.0.1:8443/auth/logout", "http://127.0.0.1:8443/auth/logout"},
		{"https://api.screenname.nina.bz:80/auth/logout", "https://api.screenname.nina.bz:80/auth/logout"},
		{"https://api.screenname.nina.bz/auth/logout#frag", "https://api.screenname.nina.bz/auth/logout"},
		{"https://user:pw@api.screenname.nina.bz/auth/logout", "https://api.screenname.nina.bz/auth/logout"},
		{"https://api.screenname.nina.bz", "https://api.screenname.nina.bz/"},
		{"https://[::1]:8080/auth/logout", "https://[::1]:8080/auth/logout"},
		{"https://[::1]:443/auth/logout", "https://[::1]/auth/logout"},
		{"https://api.screenname.nina.bz/a%20b/logout", "https://api.screenname.nina.bz/a%20b/logout"},
	}
	for _, tt := range tests {
		base, err := SignatureBaseString("GET", tt.rawURL, p)
		if err != nil {
			t.Errorf("%s: %v", tt.rawURL, err)
			continue
		}
		want := "GET&" + percentEncode(tt.wantURL) + "&f%3Djson"
		if base != want {
			t.Errorf("%s:\n got %q\nwant %q", tt.rawURL, base, want)
		}
	}
}

func TestSigningQueryInURLJoinsParams(t *testing.T) {
	t.Parallel()
	withQuery, err := SignatureBaseString("GET", vecLogoutURL+"?f=json&devId="+vecDevID, url.Values{"a": {vecToken}})
	if err != nil {
		t.Fatal(err)
	}
	allParams, err := SignatureBaseString("GET", vecLogoutURL, url.Values{"a": {vecToken}, "f": {"json"}, "devId": {vecDevID}})
	if err != nil {
		t.Fatal(err)
	}
	if withQuery != allParams {
		t.Errorf("query in URL not signed like params:\n%q\n%q", withQuery, allParams)
	}
}

func TestSigningOrderAndExclusion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		params url.Values
		want   string
	}{
		{"values of one name sorted", url.Values{"k": {"b", "a", "B"}}, "k=B&k=a&k=b"},
		{"sig_sha256 excluded", url.Values{"sig_sha256": {"old"}, "f": {"json"}}, "f=json"},
		{"encoded-name byte order", url.Values{"a-": {"1"}, "a": {"2"}, "A": {"3"}, "a b": {"4"}}, "A=3&a=2&a%20b=4&a-=1"},
		// encoded order differs from raw order: ~ (0x7E) sorts after % (0x25) once é is %C3%A9
		{"encoded vs raw order", url.Values{"x": {"~", "é"}}, "x=%C3%A9&x=~"},
		{"empty value kept", url.Values{"s": {""}, "f": {"qs"}}, "f=qs&s="},
		{"reserved characters", url.Values{"q": {"a b+c&d=e/f%g?h#i;j"}}, "q=a%20b%2Bc%26d%3De%2Ff%25g%3Fh%23i%3Bj"},
	}
	for _, tt := range tests {
		if got := canonicalPairs(tt.params).encode(); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSigningPercentEncode(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":                "",
		"AZaz09-._~":      "AZaz09-._~",
		" ":               "%20",
		"+":               "%2B",
		"*'()!":           "%2A%27%28%29%21",
		"é":               "%C3%A9",
		"日本":              "%E6%97%A5%E6%9C%AC",
		"\x00\xff":        "%00%FF",
		"/wEAAA+b/c=":     "%2FwEAAA%2Bb%2Fc%3D",
		"%2F already enc": "%252F%20already%20enc",
	}
	for in, want := range tests {
		if got := percentEncode(in); got != want {
			t.Errorf("percentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSigningErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, rawURL, key, field string
	}{
		{"empty method", "", vecLogoutURL, vecSessionKey, "method"},
		{"method with &", "GET&x", vecLogoutURL, vecSessionKey, "method"},
		{"relative URL", "GET", "/auth/logout", vecSessionKey, "rawURL"},
		{"opaque URL", "GET", "https:api.screenname.nina.bz", vecSessionKey, "rawURL"},
		{"malformed URL", "GET", "https://api.screenname.nina.bz/%zz", vecSessionKey, "rawURL"},
		{"malformed query", "GET", vecLogoutURL + "?a=%zz", vecSessionKey, "rawURL"},
		{"empty key", "GET", vecLogoutURL, "", "sessionKey"},
	}
	for _, tt := range tests {
		_, err := Sign(tt.method, tt.rawURL, url.Values{"f": {"json"}}, Secret(tt.key))
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: err = %v, want *ValidationError{Field: %q}", tt.name, err, tt.field)
		}
	}
}

// FuzzSigningCanonicalRoundTrip: any parameter set, encoded for the wire, decodes to the same set, and
// re-canonicalising the decoded set gives the same bytes and the same signature.
func FuzzSigningCanonicalRoundTrip(f *testing.F) {
	f.Add("a", vecToken, "s", "Some User", "r", "req 1")
	f.Add("devId", vecDevID, "f", "json", "ts", "1311369996")
	f.Add("k", "a+b c&d=e/f%", "k", "é日~", "", "")
	f.Add("sig_sha256", "x", "a b", "\x00\xff", "%2F", "+")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		in := url.Values{}
		for _, kv := range [][2]string{{k1, v1}, {k2, v2}, {k3, v3}} {
			in.Add(kv[0], kv[1])
		}
		canonical := canonicalPairs(in)
		wire := canonical.encode()
		if strings.Contains(wire, "+") || strings.Contains(wire, " ") {
			t.Fatalf("wire %q has + or space", wire)
		}
		decoded := url.Values{}
		if wire != "" {
			for _, part := range strings.Split(wire, "&") {
				k, v, ok := strings.Cut(part, "=")
				if !ok {
					t.Fatalf("pair %q without =", part)
				}
				dk, err1 := url.PathUnescape(k)
				dv, err2 := url.PathUnescape(v)
				if err1 != nil || err2 != nil {
					t.Fatalf("undecodable pair %q", part)
				}
				decoded.Add(dk, dv)
			}
		}
		want := url.Values{}
		for k, vs := range in {
			if k != "sig_sha256" {
				want[k] = vs
			}
		}
		if len(decoded) != len(want) {
			t.Fatalf("decoded %d names, want %d", len(decoded), len(want))
		}
		for k, vs := range want {
			got, exp := slices.Clone(decoded[k]), slices.Clone(vs)
			slices.Sort(got)
			slices.Sort(exp)
			if !slices.Equal(got, exp) {
				t.Fatalf("%q: decoded %q, want %q", k, got, exp)
			}
		}
		if again := canonicalPairs(decoded).encode(); again != wire {
			t.Fatalf("re-canonicalised %q, want %q", again, wire)
		}
		s1, err1 := Sign("GET", vecLogoutURL, in, vecSessionKey)
		s2, err2 := Sign("GET", vecLogoutURL, decoded, vecSessionKey)
		if err1 != nil || err2 != nil || s1 != s2 {
			t.Fatalf("signatures differ: %q (%v) vs %q (%v)", s1, err1, s2, err2)
		}
	})
}
