package tvauth

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// Renderings of a secret that no single form lists: the decoded view finds them, whatever the length
// of the secret.
func TestScrubDecodedRenderings(t *testing.T) {
	t.Parallel()
	short, long := "p@ss/w0rd!", "Zq8vR2mX4tLw9KpB7nYc3H/dF6s+J0="
	tests := []struct {
		name, secret, echo string
	}{
		{"short wrapped CRLF", short, "p@ss/\r\nw0rd!"},
		{"short lower-case percent", short, "p%40ss%2fw0rd%21"},
		{"short decimal references", short, "p&#64;ss&#47;w0rd&#33;"},
		{"short hex reference", short, "p@ss&#x2F;w0rd!"},
		{"short named and numeric mix", short, "p&#x40;ss/w0rd&#x21;"},
		{"short JSON upper-case escapes", short, `p\u0040ss\/w0rd\u0021`},
		{"short URL-encoded JSON", short, url.QueryEscape(`p\u0040ss\/w0rd!`)},
		{"short twice percent-encoded", short, "p%2540ss%252Fw0rd%2521"},
		{"long wrapped near the start", long, long[:4] + "\n" + long[4:]},
		{"long wrapped near the end", long, long[:len(long)-5] + "\r\n  " + long[len(long)-5:]},
		{"long wrapped twice", long, long[:9] + "\n" + long[9:18] + "\n" + long[18:]},
		{"long lower-case percent", long, escapesInCase(percentEncode(long), false)},
		{"unicode Jackson upper-case", "pässwörd-über-alles-1234", `p\u00E4ssw\u00F6rd-\u00FCber-alles-1234`},
		{"astral surrogate pair upper-case", "key-\U0001F600-secret", `key-\uD83D\uDE00-secret`},
		{"hex lower", long, hex.EncodeToString([]byte(long))},
		{"hex upper", long, strings.ToUpper(hex.EncodeToString([]byte(long)))},
		{"base64 at offset 1", long, base64.StdEncoding.EncodeToString([]byte("x" + long + "tail"))},
		{"base64 at offset 2", long, base64.URLEncoding.EncodeToString([]byte("xy" + long))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRedactor(tt.secret)
			got := r.scrub("<pre>error: " + tt.echo + "</pre> (code 7)")
			if !strings.Contains(got, redacted) {
				t.Errorf("scrub(%q) = %q: nothing redacted", tt.echo, got)
			}
			for _, piece := range []string{"w0rd", "R2mX4", "J0=", "ber-alles", "secret", "Zq8v"} {
				if strings.Contains(tt.secret, piece) && strings.Contains(got, piece) {
					t.Errorf("scrub(%q) = %q: %q of the secret is readable", tt.echo, got, piece)
				}
			}
			if !strings.HasPrefix(got, "<pre>error: ") || !strings.HasSuffix(got, "</pre> (code 7)") {
				t.Errorf("scrub(%q) = %q: text around the secret was lost", tt.echo, got)
			}
		})
	}
}

// The view changes nothing it should not: text without a secret in any rendering keeps every byte,
// escapes and line breaks included.
func TestScrubDecodedViewKeepsOtherText(t *testing.T) {
	t.Parallel()
	r := newRedactor("Zq8vR2mX4tLw9KpB7nYc3H/dF6s+J0=")
	for _, s := range []string{
		"plain text",
		"line one\r\nline two\n\tindented %41%42 \\u0041 &#65; &amp; &lt;b&gt;",
		`{"error":"invalid_client","error_description":"client \"x\" unknown\nretry"}`,
		"%zz %4 \\u12 \\uZZZZ &#; &#x; &#99999999; &unknown; \\",
	} {
		if got := r.scrub(s); got != s {
			t.Errorf("scrub(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestDecodeView(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, once, twice string }{
		{"a b\r\nc", "abc", "abc"},
		{"%41%4a%4A", "AJJ", "AJJ"},
		{"%2541", "%41", "A"},
		{`\u00e4\u00C4\"\\\/\n`, "äÄ\"\\/\n", "äÄ\"/"},
		{`\\u00e4`, `\u00e4`, "ä"},
		{`\ud83d\ude00 \uD83D\uDE00`, "😀😀", "😀😀"},
		{"&#65;&#x42;&#X43;&amp;&lt;&gt;&quot;&apos;", `ABC&<>"'`, `ABC&<>"'`},
		{"&amp;#65;", "&#65;", "A"},
		{"%", "%", "%"},
		{"&#x110000;", "&#x110000;", "&#x110000;"},
	}
	for _, tt := range tests {
		v := decodeView(tt.in, true)
		if string(v.b) != tt.once {
			t.Errorf("decodeView(%q) = %q, want %q", tt.in, v.b, tt.once)
		}
		if w := v.decode(); string(w.b) != tt.twice {
			t.Errorf("decodeView(%q) twice = %q, want %q", tt.in, w.b, tt.twice)
		}
	}
}

// FuzzDecodeView: every view byte maps to a non-empty span of the source, in order, and decoding
// never grows the text.
func FuzzDecodeView(f *testing.F) {
	for _, s := range []string{"", "a b", "%41", `\u00e4\uD83D\uDE00`, "&#65;&amp;", "%2541 \\\\u0041", "&#x10FFFF;", "\\u", "&#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := decodeView(s, true)
		for round := 0; round < 3; round++ {
			if len(v.b) > len(s) || len(v.start) != len(v.b) || len(v.end) != len(v.b) {
				t.Fatalf("round %d: %d view bytes, %d starts, %d ends from %d source bytes", round, len(v.b), len(v.start), len(v.end), len(s))
			}
			for i := range v.b {
				if v.start[i] < 0 || v.start[i] >= v.end[i] || int(v.end[i]) > len(s) || (i > 0 && v.start[i] < v.start[i-1]) {
					t.Fatalf("round %d: view byte %d maps to [%d,%d) of %d", round, i, v.start[i], v.end[i], len(s))
				}
			}
			v = v.decode()
		}
	})
}

// FuzzScrubRenderedSecret: a secret of at least minSecretPrefix bytes of UTF-8, put in a text in one of the
// renderings above, never survives scrub in that rendering.
func FuzzScrubRenderedSecret(f *testing.F) {
	f.Add("Zq8vR2mX4tLw9KpB7nYc3H/dF6s+J0=", "error: ", " end", uint8(0), uint8(5))
	f.Add("pässwörd-über-alles-1234", `{"m":"`, `"}`, uint8(3), uint8(9))
	f.Fuzz(func(t *testing.T, secret, prefix, suffix string, how, cut uint8) {
		// Tokens are ASCII and passwords are text: a secret that is not UTF-8 has no character
		// references to write it in.
		if len(secret) < minSecretPrefix || strings.ContainsAny(secret, " \t\r\n\f\v") || !utf8.ValidString(secret) {
			return
		}
		var echo string
		switch how % 5 {
		case 0: // wrapped
			i := int(cut) % len(secret)
			echo = secret[:i] + "\r\n" + secret[i:]
		case 1:
			echo = escapesInCase(percentEncode(secret), false)
		case 2:
			var b strings.Builder
			for _, r := range secret {
				b.WriteString("&#" + itoa(int(r)) + ";")
			}
			echo = b.String()
		case 3:
			echo = escapesInCase(asciiJSON(secret, true), true)
		case 4:
			echo = strings.ToUpper(hex.EncodeToString([]byte(secret)))
		}
		got := newRedactor(secret).scrub(prefix + echo + suffix)
		if strings.Contains(got, echo) || strings.Contains(got, secret) {
			t.Fatalf("scrub left the secret in %q", got)
		}
	})
}

// escapesInCase writes the hex digits of the %XX and \uXXXX escapes in s in one case.
func escapesInCase(s string, upper bool) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		n := 0
		switch {
		case b[i] == '%':
			n = 2
		case b[i] == '\\' && i+1 < len(b) && b[i+1] == 'u':
			i, n = i+1, 4
		}
		for j := i + 1; j <= i+n && j < len(b); j++ {
			if upper && 'a' <= b[j] && b[j] <= 'f' {
				b[j] -= 'a' - 'A'
			} else if !upper && 'A' <= b[j] && b[j] <= 'F' {
				b[j] += 'a' - 'A'
			}
		}
		i += n
	}
	return string(b)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
