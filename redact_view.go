package tvauth

import (
	"bytes"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The forms in secretForms are the encodings a server is known to echo a secret in. What they cannot
// list is every mix of them a server or an error page produces: an HTML page that wraps a password
// across lines, lower-case percent-encoding (.NET's HttpUtility.UrlEncode), Jackson's upper-case
// \u00E4, numeric character references (OWASP encoders), or a short secret, which has no
// minSecretPrefix windows to fall back on. So scrub also reads a decoded view of the text, in which
// those differences are gone, looks for the secrets there, and scrubs the source text each match came
// from.

// viewRounds is how many times the view is decoded: twice undoes an encoding nested in another (a
// JSON body URL-encoded, %2540, \\u00e4), which is as deep as the forms go.
const viewRounds = 2

// textView is a decoded copy of a text, with where each of its bytes came from: b[i] was decoded from
// source[start[i]:end[i]].
type textView struct {
	b          []byte
	start, end []int32 // texts are at most the 4 MiB a body may hold
	altered    bool    // b differs from the text it was read from
}

// decodeView reads s with its ASCII whitespace dropped and, with decode, %XX (either case), JSON
// escapes (\uXXXX in either case, surrogate pairs, \" \\ \/ \b \f \n \r \t) and HTML character
// references (&#NN; &#xHH; and the five named ones of XML) turned into the bytes they stand for.
// Without decode, the hex digits of %XX and \uXXXX are upper-cased instead, as canonEscapes writes
// a secret's forms: a '%' in the text just before an escaped secret cannot shift what is read.
func decodeView(s string, decode bool) textView {
	v := textView{b: make([]byte, 0, len(s)), start: make([]int32, 0, len(s)), end: make([]int32, 0, len(s))}
	emit := func(from, to int, bs ...byte) {
		for _, c := range bs {
			v.b = append(v.b, c)
			v.start = append(v.start, int32(from))
			v.end = append(v.end, int32(to))
		}
	}
	var rb [utf8.UTFMax]byte
	emitRune := func(from, to int, r rune) { emit(from, to, rb[:utf8.EncodeRune(rb[:], r)]...) }
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			v.altered = true
			i++
			continue
		case '%':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				if decode {
					v.altered = true
					emit(i, i+3, unhex(s[i+1])<<4|unhex(s[i+2]))
					i += 3
					continue
				}
				i += v.upperHex(s, i, 1, 2)
				continue
			}
		case '\\':
			if !decode && i+5 < len(s) && s[i+1] == 'u' && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]) {
				i += v.upperHex(s, i, 2, 4)
				continue
			}
			if r, n := jsonEscape(s[i:]); decode && n > 0 {
				v.altered = true
				emitRune(i, i+n, r)
				i += n
				continue
			}
		case '&':
			if r, n := charRef(s[i:]); decode && n > 0 {
				v.altered = true
				emitRune(i, i+n, r)
				i += n
				continue
			}
		}
		v.b = append(v.b, s[i])
		v.start = append(v.start, int32(i))
		v.end = append(v.end, int32(i+1))
		i++
	}
	return v
}

// upperHex copies the escape at s[i:], whose hex digits start at s[i+skip], with them upper-cased,
// each byte mapped to itself; it returns the escape's length.
func (v *textView) upperHex(s string, i, skip, digits int) int {
	for j := i; j < i+skip+digits; j++ {
		c := s[j]
		if j >= i+skip && 'a' <= c && c <= 'f' {
			c -= 'a' - 'A'
			v.altered = true
		}
		v.b = append(v.b, c)
		v.start = append(v.start, int32(j))
		v.end = append(v.end, int32(j+1))
	}
	return skip + digits
}

// canonEscapes is s with the hex digits of its %XX and \uXXXX escapes upper-cased, as the view
// without decoding reads a text.
func canonEscapes(s string) string {
	if v := decodeView(s, false); v.altered && len(v.b) == len(s) {
		return string(v.b)
	}
	return s
}

// decode decodes the view once more, mapping each new byte back to the source text.
func (v textView) decode() textView {
	w := decodeView(string(v.b), true)
	for i := range w.b {
		w.start[i], w.end[i] = v.start[w.start[i]], v.end[w.end[i]-1]
	}
	return w
}

// sourceSpan is the part of the source text that view[a:b] was decoded from.
func (v textView) sourceSpan(a, b int) [2]int { return [2]int{int(v.start[a]), int(v.end[b-1])} }

// jsonEscape reads a JSON escape at the start of s: the rune and how many bytes it took, or 0.
func jsonEscape(s string) (rune, int) {
	if len(s) < 2 {
		return 0, 0
	}
	switch s[1] {
	case '"', '\\', '/':
		return rune(s[1]), 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r, ok := hex4(s[2:])
		if !ok {
			return 0, 0
		}
		if utf16.IsSurrogate(r) && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if r2, ok := hex4(s[8:]); ok {
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					return dec, 12
				}
			}
		}
		return r, 6
	}
	return 0, 0
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for i := 0; i < 4; i++ {
		if !isHex(s[i]) {
			return 0, false
		}
		r = r<<4 | rune(unhex(s[i]))
	}
	return r, true
}

// charRef reads an HTML or XML character reference at the start of s: the rune and its length, or 0.
func charRef(s string) (rune, int) {
	semi := strings.IndexByte(s[:min(len(s), 12)], ';') // &#x10FFFF; is the longest
	if semi < 2 || semi > 10 {
		return 0, 0
	}
	body := s[1:semi]
	switch body {
	case "amp":
		return '&', semi + 1
	case "lt":
		return '<', semi + 1
	case "gt":
		return '>', semi + 1
	case "quot":
		return '"', semi + 1
	case "apos":
		return '\'', semi + 1
	}
	if body[0] != '#' || len(body) < 2 {
		return 0, 0
	}
	digits, base := body[1:], rune(10)
	if digits[0] == 'x' || digits[0] == 'X' {
		digits, base = digits[1:], 16
	}
	if digits == "" {
		return 0, 0
	}
	var r rune
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		switch {
		case base == 10 && '0' <= c && c <= '9', base == 16 && isHex(c):
			r = r*base + rune(unhex(c))
		default:
			return 0, 0
		}
		if r > utf8.MaxRune {
			return 0, 0
		}
	}
	return r, semi + 1
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// viewNeedles are what a secret reads as in the views: without its whitespace, and, when it holds
// escapes of its own (a password "Summer%2024!"), decoded as the text around it is.
func viewNeedles(secret string) []string {
	plain := string(decodeView(secret, false).b)
	needles := []string{plain}
	if dec := string(decodeView(secret, true).b); dec != plain {
		needles = append(needles, dec)
	}
	return needles
}

// appendViewMatches adds the spans of s whose views hold a secret whole or a run of its windows. The
// views are s without its whitespace, then also decoded, once and twice: each reads a byte its own
// way, so that a literal '%' before a secret of hex digits, which decoding eats into, is still found
// in the first. r.mu must be held, and buildForms done.
func (r *redactor) appendViewMatches(spans [][2]int, s string) [][2]int {
	search := func(v textView, forms bool) {
		text := string(v.b)
		var found [][2]int
		for _, needle := range r.needles {
			found = appendMatches(found, text, needle)
		}
		for _, form := range r.forms {
			if forms && len(form) < minSecretPrefix { // longer ones are found by their windows
				found = appendMatches(found, text, form)
			}
		}
		found = r.appendRuns(found, text)
		for _, f := range found {
			spans = append(spans, v.sourceSpan(f[0], f[1]))
		}
	}
	ws := decodeView(s, false)
	if ws.altered {
		search(ws, true)
	}
	// Decoding always shortens a text: a decoded view as long as ws decoded nothing, and would only
	// repeat ws's search.
	v := decodeView(s, true)
	if len(v.b) == len(ws.b) {
		return spans
	}
	search(v, false)
	for round := 1; round < viewRounds && bytes.ContainsAny(v.b, `%\&`); round++ {
		w := v.decode()
		if !w.altered {
			break
		}
		v = w
		search(v, false)
	}
	return spans
}
