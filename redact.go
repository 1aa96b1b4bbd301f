package tvauth

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// secretNames are the query, form and header names whose values are secrets in one of the four
// protocols. Matching is case-insensitive.
var secretNames = map[string]bool{
	"a":                                  true, // NINA token
	"pwd":                                true,
	"password":                           true,
	"sig_sha256":                         true,
	"authorization":                      true,
	"user-token":                         true,
	"client_secret":                      true,
	"access_token":                       true,
	"refresh_token":                      true,
	"id_token":                           true,
	"software_statement":                 true,
	"token":                              true, // AGS discovery header
	"sessionsecret":                      true,
	"session_secret":                     true,
	"sessionkey":                         true,
	"session_key":                        true,
	"useraccounttoken":                   true,
	"samlresponse":                       true,
	"adobe-subject-token":                true,
	"ad-service-token":                   true,
	"x-roku-reserved-roku-connect-token": true,
	"securid":                            true,
	"ap-temppass-identity":               true, // the user's e-mail
	"proxy-authorization":                true,
	"cookie":                             true,
	"set-cookie":                         true,
}

// isSecretName reports whether a parameter or header of this name carries a secret.
func isSecretName(name string) bool {
	// Lower-cased in a stack buffer: the lookup runs for every header of every call, and the
	// string(buf) conversion in a map index does not allocate.
	var buf [48]byte
	if len(name) > len(buf) {
		return secretNames[strings.ToLower(name)]
	}
	n := copy(buf[:], name)
	for i := 0; i < n; i++ {
		if c := buf[i]; 'A' <= c && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return secretNames[string(buf[:n])]
}

// minSecretLen: shorter values cannot be told apart from ordinary text, so scrubbing them would
// mangle messages without protecting anything real.
const minSecretLen = 3

// minSecretPrefix is the shortest run of a secret's encoded form that is scrubbed on its own. A
// server or a decoder that truncates what it quotes (a 40-character %q, a body cut at some length)
// shows only part of a long token, and a server that re-encodes what it got (a JSON body URL-encoded,
// or form-decoded so that + turns into a space) breaks a token into pieces around the changed bytes:
// any run of text in which every window of this many characters occurs in one of a secret's forms is
// replaced whole. Twelve characters are far more than an ordinary word shares with a token by chance;
// the cost is that two JWTs with the same header both lose that header.
const minSecretPrefix = 12

// secretWindow is a minSecretPrefix-byte piece of a secret's form, as a map key.
type secretWindow [minSecretPrefix]byte

// redactor is the one redaction mechanism: it knows the secret names above and the secret values sent
// on one request (and those an attempt adds, such as a freshly fetched bearer token), and scrubs both
// from every log line and error string. Safe for concurrent use.
//
// A secret is scrubbed in every form the SDK puts it on the wire and a server may echo it back in
// (see secretForms), whole or in runs of at least minSecretPrefix characters. The forms are
// built once per secret, by the first scrub after it was added: most calls succeed without logging
// and never scrub, so they never pay for the forms.
type redactor struct {
	mu       sync.Mutex
	secrets  []string // the values added
	shortest int      // no form of any secret is shorter
	built    int      // secrets[:built] have their forms in forms
	forms    []string // every form of every secret, longest first, so a secret containing another is replaced whole
	// windows holds every minSecretPrefix-byte piece of every form: a run of text made of such pieces
	// is part of a secret, whatever was cut off or re-encoded around it.
	windows map[secretWindow]struct{}
	needles []string // what the secrets read as in the decoded views (viewNeedles)
}

func newRedactor(secrets ...string) *redactor {
	r := &redactor{}
	r.add(secrets...)
	return r
}

// add registers secret values, along with the encoded forms a server or a URL may show them in.
func (r *redactor) add(secrets ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) >= minSecretLen && !contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
			// A padded base64 secret has unpadded forms two bytes shorter.
			if n := max(len(s)-2, minSecretLen); r.shortest == 0 || n < r.shortest {
				r.shortest = n
			}
		}
	}
}

// buildForms adds the forms of the secrets added since the last call. r.mu must be held.
func (r *redactor) buildForms() {
	if r.built == len(r.secrets) {
		return
	}
	for _, s := range r.secrets[r.built:] {
		for _, f := range secretForms(s) {
			// Each form also as the view without decoding reads it, escapes upper-cased.
			for _, f := range []string{f, canonEscapes(f)} {
				if len(f) >= minSecretLen && !contains(r.forms, f) {
					r.forms = append(r.forms, f)
					r.addWindows(f)
				}
			}
		}
		for _, n := range viewNeedles(s) {
			if len(n) >= minSecretLen && !contains(r.needles, n) {
				r.needles = append(r.needles, n)
			}
		}
	}
	r.built = len(r.secrets)
	slices.SortStableFunc(r.forms, func(a, b string) int { return len(b) - len(a) })
}

func (r *redactor) addWindows(form string) {
	if len(form) < minSecretPrefix {
		return
	}
	if r.windows == nil {
		r.windows = make(map[secretWindow]struct{}, 4*len(form))
	}
	var w secretWindow
	for i := 0; i+minSecretPrefix <= len(form); i++ {
		copy(w[:], form[i:])
		r.windows[w] = struct{}{}
	}
}

// secretForms lists the ways a secret can appear in a server's reply or an error text: as sent (raw
// in a header or a JSON body, form- or query-encoded, RFC 3986 percent-encoded in a signed query),
// as a server echoes what it received (JSON-escaped the way Go, Jackson or PHP write it, XML-escaped,
// Go-quoted, URL-encoded once more inside a redirect), and base64 in both alphabets with and without
// padding. A secret that is itself base64 (session keys, signatures, SAML responses, media tokens)
// is listed in the other alphabet and padding too. Hex in both cases covers debug dumps. What a
// mix of encodings or a wrapped line does to a secret is undone by the decoded view (redact_view.go).
func secretForms(s string) []string {
	forms := []string{s}
	if !allUnreserved(s) { // otherwise every text form is s itself
		forms = append(forms,
			url.QueryEscape(s),
			url.PathEscape(s),
			percentEncode(s),
			url.QueryEscape(url.QueryEscape(s)),
			percentEncode(percentEncode(s)),
			jsonEscaped(s, true),
			jsonEscaped(s, false),
			asciiJSON(s, false),           // Python's json.dumps, Jackson's ESCAPE_NON_ASCII
			asciiJSON(s, true),            // PHP's json_encode
			minimalJSONEscaper.Replace(s), // the escaping many servers do by hand
			goQuoted(s),
			url.QueryEscape(jsonEscaped(s, false)), // a JSON body echoed URL-encoded
			percentEncode(jsonEscaped(s, false)),
			jsonEscaped(jsonEscaped(s, false), false), // a JSON body echoed inside a JSON string
			xmlEscaped(s),
			namedEntityEscaper.Replace(s),
			pythonHTMLEscaper.Replace(s),
		)
	}
	forms = append(forms, hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s))))
	for _, enc := range base64Encodings {
		forms = append(forms, enc.EncodeToString([]byte(s)))
	}
	// Base64 of a longer text with the secret at any offset (a whole request body encoded): the
	// characters that hold only the secret's bits. At an offset that is not a multiple of 3 the first
	// ones also hold the bytes before it, and unless the secret ends a 3-byte group the last one holds
	// the bytes after it.
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for shift := 0; shift <= 2; shift++ {
			b := make([]byte, shift+len(s))
			copy(b[shift:], s)
			f := enc.EncodeToString(b)
			if shift > 0 {
				f = f[shift+1:]
			}
			if len(b)%3 != 0 && f != "" {
				f = f[:len(f)-1]
			}
			forms = append(forms, f)
		}
	}
	for _, dec := range base64Encodings {
		if b, err := dec.DecodeString(s); err == nil && len(b) > 0 {
			for _, enc := range base64Encodings {
				forms = append(forms, enc.EncodeToString(b))
			}
			break
		}
	}
	return forms
}

var (
	minimalJSONEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	namedEntityEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")
	pythonHTMLEscaper  = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;")
)

func allUnreserved(s string) bool {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return false
		}
	}
	return true
}

var base64Encodings = []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding}

// jsonEscaped is s inside a JSON string as encoding/json writes it, with or without its HTML escaping
// of < > & (as \u003c …).
func jsonEscaped(s string, html bool) string {
	b, err := json.Marshal(s)
	if err != nil {
		return s
	}
	out := string(b[1 : len(b)-1])
	if !html {
		out = htmlUnescaper.Replace(out)
	}
	return out
}

// asciiJSON is s inside a JSON string written in ASCII only: every other character as \uXXXX (a
// surrogate pair above U+FFFF), and with slash, / as \/ too.
func asciiJSON(s string, slash bool) string {
	var b strings.Builder
	for _, r := range jsonEscaped(s, false) {
		switch {
		case r == '/' && slash:
			b.WriteString(`\/`)
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// htmlUnescaper undoes encoding/json's HTML escaping, as json.Encoder.SetEscapeHTML(false) writes.
var htmlUnescaper = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

// goQuoted is s inside a %q, as Go error texts quote values.
func goQuoted(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// xmlEscaped is s as encoding/xml's EscapeText writes character data (&#34; &#39; &#xA; …, and
// U+FFFD for what XML cannot hold). It is written out here rather than calling xml.EscapeText because
// every program scrubs errors: calling it would link encoding/xml into programs that never read XML.
// TestXMLEscapedMatchesEncodingXML and FuzzXMLEscaped hold it to xml.EscapeText.
func xmlEscaped(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		r, width := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !xmlChar(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			b.WriteString(s[last:i])
			b.WriteString(esc)
			last = i + width
		}
		i += width
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// xmlChar reports whether r may appear in XML 1.0 character data (the Char production).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// scrub replaces every known secret form in s, and every run of text of at least minSecretPrefix
// characters taken from one. Matches are found on the text as given and merged before anything is
// replaced, so that overlapping pieces cannot leave a tail behind.
func (r *redactor) scrub(s string) string {
	if r == nil || s == "" {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// Text shorter than any secret and than a scrubbed run holds nothing to scrub: a successful
	// reply's short values ("OK", a status) never pay for building the forms.
	if len(r.secrets) == 0 || (len(s) < r.shortest && len(s) < minSecretPrefix) {
		return s
	}
	r.buildForms()
	var spans [][2]int
	for _, form := range r.forms {
		if len(form) < minSecretPrefix { // longer forms are covered by their windows
			spans = appendMatches(spans, s, form)
		}
	}
	spans = r.appendRuns(spans, s)
	spans = r.appendViewMatches(spans, s)
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	done := 0 // s[:done] is written or replaced
	for i := 0; i < len(spans); {
		start, end := spans[i][0], spans[i][1]
		for i++; i < len(spans) && spans[i][0] <= end; i++ {
			end = max(end, spans[i][1])
		}
		b.WriteString(s[done:start])
		b.WriteString(redacted)
		done = end
	}
	b.WriteString(s[done:])
	return b.String()
}

// appendMatches adds the spans of s that hold form.
func appendMatches(spans [][2]int, s, form string) [][2]int {
	for off := 0; off < len(s); {
		j := strings.Index(s[off:], form)
		if j < 0 {
			break
		}
		spans = append(spans, [2]int{off + j, off + j + len(form)})
		off += j + len(form)
	}
	return spans
}

// appendRuns adds the spans of s in which every minSecretPrefix-byte window is a piece of a secret's
// form. r.mu must be held.
func (r *redactor) appendRuns(spans [][2]int, s string) [][2]int {
	if len(r.windows) == 0 {
		return spans
	}
	var w secretWindow
	piece := func(i int) bool {
		copy(w[:], s[i:])
		_, ok := r.windows[w]
		return ok
	}
	for i := 0; i+minSecretPrefix <= len(s); {
		if !piece(i) {
			i++
			continue
		}
		end := i + minSecretPrefix
		for end < len(s) && piece(end+1-minSecretPrefix) {
			end++
		}
		spans = append(spans, [2]int{i, end})
		i = end
	}
	return spans
}

// url renders a URL for a log line or error: userinfo dropped, secret-named query parameters blanked
// (in their original order), then secret values scrubbed from what is left.
func (r *redactor) url(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.RawQuery = redactQuery(c.RawQuery)
	c.Fragment, c.RawFragment = "", ""
	return r.scrub(c.String())
}

// redactQuery blanks the values of secret-named pairs in a raw query or form body, keeping its order.
func redactQuery(raw string) string {
	if raw == "" {
		return raw
	}
	pairs := strings.Split(raw, "&")
	for i, p := range pairs {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && isSecretName(name) {
			pairs[i] = k + "=" + redacted
		}
	}
	return strings.Join(pairs, "&")
}

// scrubCause returns err, or a *scrubbedError in its place when the text of err or of any error in
// its chain changes under scrub.
func (r *redactor) scrubCause(err error) error {
	if err == nil || !r.chainHoldsSecret(err) {
		return err
	}
	return newScrubbedError(r.scrub(err.Error()), err)
}

func (r *redactor) chainHoldsSecret(err error) bool {
	for depth := 0; err != nil && depth < 32; depth++ {
		if text := err.Error(); r.scrub(text) != text {
			return true
		}
		if multi, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range multi.Unwrap() {
				if e != nil && r.chainHoldsSecret(e) {
					return true
				}
			}
			return false
		}
		err = errors.Unwrap(err)
	}
	return err != nil // a chain deeper than that is not walked to its end: treat it as holding one
}

// scrubError makes a typed error safe to return: the server's text in it is scrubbed in place.
func (r *redactor) scrubError(err error) error {
	if s, ok := err.(scrubber); ok {
		s.scrub(r)
	}
	return err
}
