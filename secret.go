package tvauth

// secret.go: Secret, the self-masking type of every secret value, and the one scrubber of errors and logs.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Secret is a string that never prints: String, GoString, Format (every verb), LogValue, MarshalJSON
// and MarshalText give REDACTED ("" when empty), so a value that holds one, logged, printed or
// marshalled by mistake (inside a slice, a map, a pointer or a struct of yours, whichever slog handler
// writes it), leaks nothing. string(s) reveals it. UnmarshalJSON and UnmarshalText read the clear form
// and refuse the masked one (ErrMaskedSecret), never reading back a "REDACTED" secret. To store a value
// that holds secrets, write its clear form: the credential and token stores do, as does the
// MarshalUnmaskedJSON method of ClientCredentials, Tokens and WebAPISession.
//
// Where fmt calls no method, a Secret prints as the string it is: in an unexported field of your own
// types (the SDK's types keep secrets only where fmt prints an address); under %p; and inside a
// pointer below the top level (in a struct field, a slice or a map) under a verb fmt rejects for
// pointers (%s, %q, %t, …), whose pointee it prints field by field without methods. That last path is
// closed for ClientCredentials, Tokens, WebAPISession and MediaToken, which format themselves, and
// open for a pointer to another struct that holds a Secret (a *ShortMediaToken, a *PassHeaders, one of
// yours) kept in a struct, slice or map of yours. Keep secrets in exported fields and print values
// that hold them with %v or %+v, which are safe everywhere.
type Secret string

const redacted = "REDACTED"

func (s Secret) masked() string {
	if s == "" {
		return ""
	}
	return redacted
}

// String returns "REDACTED", or "" for an empty Secret.
func (s Secret) String() string { return s.masked() }

// GoString returns "REDACTED" quoted as a Go string literal, or `""` for an empty Secret.
func (s Secret) GoString() string { return `"` + s.masked() + `"` }

// Format prints the masked form for every verb: %v and %s as String (width and flags honoured), %q and
// %#v quoted, any other verb (%x, %d, …) as String too.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, s.GoString())
	case verb == 'v' || verb == 's' || verb == 'q':
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), s.masked())
	default:
		_, _ = io.WriteString(f, s.masked())
	}
}

// LogValue gives slog the masked form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.masked()) }

// MarshalJSON writes the masked form as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.masked() + `"`), nil }

// MarshalText writes the masked form (encoding/xml, slog's text handler and map keys use it).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.masked()), nil }

// UnmarshalJSON reads a JSON string (null leaves s as it is). The masked form "REDACTED" is refused
// with an error matching ErrMaskedSecret: a stored value that went through MarshalJSON lost its secret.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	return s.UnmarshalText([]byte(v))
}

// UnmarshalText reads the clear form; the masked form is refused with an error matching ErrMaskedSecret.
func (s *Secret) UnmarshalText(b []byte) error {
	if string(b) == redacted {
		return ErrMaskedSecret
	}
	*s = Secret(b)
	return nil
}

// The one scrubber: every secret a call sent or the client holds, in each wire form, by one Aho–Corasick
// matcher (one pass, whatever the number of secrets); secret-named query parameters blanked by name.

// secretNames are the query, form and header names (matched case-insensitively) of secret values.
var secretNames = map[string]bool{
	"a": true, "pwd": true, "password": true, "sig_sha256": true, "authorization": true, "user-token": true,
	"client_secret": true, "access_token": true, "refresh_token": true, "id_token": true, "software_statement": true,
	"token": true, "sessionsecret": true, "session_secret": true, "sessionkey": true, "session_key": true,
	"useraccounttoken": true, "samlresponse": true, "adobe-subject-token": true, "ad-service-token": true,
	"x-roku-reserved-roku-connect-token": true, "securid": true, "ap-temppass-identity": true,
	"proxy-authorization": true, "cookie": true, "set-cookie": true,
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

// minSecretLen: shorter values cannot be told apart from ordinary text. A value the client holds, and
// so scrubs from every call's texts, must be longer (minHeldLen): a credential or a token is.
const (
	minSecretLen   = 3
	minHeldLen     = 8
	maxHeldSecrets = 64 // the secrets a client holds for scrubbing, the most recent kept
)

// heldSecrets are the secrets a Client holds beyond one call, which every call's redactor matches too:
// its credentials, the secrets of its token and registration calls, every Pass bearer it sent and the
// AGS tokens its refreshes returned.
type heldSecrets struct {
	mu   sync.Mutex
	vals []string // oldest first
}

func (h *heldSecrets) add(vals ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, v := range vals {
		if len(v) < minHeldLen || slices.Contains(h.vals, v) {
			continue
		}
		if len(h.vals) == maxHeldSecrets {
			h.vals = slices.Delete(h.vals, 0, 1)
		}
		h.vals = append(h.vals, v)
	}
}

func (h *heldSecrets) snapshot() []string {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.vals)
}

// redactor scrubs one call's texts of its secrets (and those an attempt adds, a fresh bearer) and the
// client's held ones. Its matcher is built on the first scrub after an add: a call that succeeds
// without logging never builds one. Scrubbing stops when the call's context ends. Concurrency-safe.
type redactor struct {
	mu       sync.Mutex
	secrets  []string
	shortest int // no call secret is shorter; 0: none
	held     *heldSecrets
	done     <-chan struct{} // the call's context; nil: never ends
	m        *matcher        // nil: not built since the last add
}

func newRedactor(secrets ...string) *redactor {
	r := &redactor{}
	r.add(secrets...)
	return r
}

// add registers secret values. One added alone (an attempt's bearer or signature) is not added again;
// the duplicates of a list are left to buildMatcher.
func (r *redactor) add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) < minSecretLen || len(secrets) == 1 && slices.Contains(r.secrets, s) {
			continue
		}
		r.secrets = append(r.secrets, s)
		r.shortest = min(len(s), cmp.Or(r.shortest, len(s)))
		r.m = nil
	}
}

// holdsNone reports whether s is too short to hold any secret (each form is at least as long as the
// secret): the short values of a successful reply ("OK", a status) never pay for a matcher.
func (r *redactor) holdsNone(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(s) < minHeldLen && (r.shortest == 0 || len(s) < r.shortest)
}

// matcher returns (building it if needed) the matcher of every secret's wire forms; nil if ctx ended.
func (r *redactor) matcher() *matcher {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		var needles []string
		for _, s := range append(r.held.snapshot(), r.secrets...) {
			needles = appendWireForms(needles, s)
		}
		r.m = buildMatcher(needles, r.done)
	}
	return r.m
}

// scrub replaces every secret in s, whole. "" when the context ended before it could finish.
func (r *redactor) scrub(s string) string {
	if r == nil || r.holdsNone(s) {
		return s
	}
	out, _ := r.matcher().replace(s, -1, r.done)
	return out
}

// text is s fit for an error field: scrubbed, trimmed and cut to limit bytes on a character boundary.
// The scrub reads only as far as the cut plus the longest secret, so a secret it crosses goes whole.
func (r *redactor) text(s string, limit int) string {
	if r != nil && !r.holdsNone(s) {
		lead := len(s) - len(strings.TrimLeft(s, " \t\r\n"))
		s, _ = r.matcher().replace(s, lead+limit, r.done)
	}
	return strings.TrimSpace(cutText(strings.TrimSpace(s), limit))
}

// cleanText makes s one line: control characters and runs of white space become one space, invalid
// UTF-8 becomes U+FFFD, and s is trimmed and cut to at most limit bytes on a character boundary.
func cleanText(s string, limit int) string {
	s = cutText(strings.TrimSpace(s), limit)
	if !utf8.ValidString(s) {
		s = cutText(strings.ToValidUTF8(s, "\uFFFD"), limit)
	}
	if strings.IndexFunc(s, isControl) >= 0 || strings.Contains(s, "  ") {
		s = strings.Join(strings.FieldsFunc(s, func(c rune) bool { return c == ' ' || isControl(c) }), " ")
	}
	return strings.TrimSpace(s)
}

// isControl: C0 and C1 controls, DEL, U+2028 and U+2029, none of which belongs in a one-line text.
func isControl(c rune) bool { return c < 0x20 || c >= 0x7f && c < 0xa0 || c == 0x2028 || c == 0x2029 }

// cutText cuts s to at most limit bytes without splitting a UTF-8 sequence.
func cutText(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	for limit > 0 && !utf8.RuneStart(s[limit]) {
		limit--
	}
	return s[:limit]
}

// url renders a URL for a log line or an error: userinfo and fragment dropped, secret-named query
// parameters blanked (in their original order), then secret values scrubbed from what is left.
func (r *redactor) url(u *url.URL) string { return r.scrub(blankedURL(u)) }

// location makes a Location header fit for an error field: a URL rendered as url does, text scrubbed.
func (r *redactor) location(raw string, limit int) string {
	if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && raw != "" {
		raw = blankedURL(u)
	}
	return r.text(raw, limit)
}

func blankedURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = redactQuery(c.RawQuery)
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// redactQuery blanks the values of secret-named pairs in a raw query or form body, keeping its order.
func redactQuery(raw string) string {
	if raw == "" { // no split to allocate
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

// appendWireForms appends the forms the SDK puts s on the wire in, and a server echoes it back in: as
// is, query- or form-encoded (+ for space), RFC 3986-encoded (signed WebAPI parameters), path-escaped,
// JSON-escaped (with and without encoding/json's HTML escaping) and XML-escaped (xmlEscapers).
func appendWireForms(dst []string, s string) []string {
	switch {
	case len(s) < minSecretLen:
		return dst
	case percentEncodedLen(s) == len(s): // every byte unreserved: every other form is s itself
		return append(dst, s)
	}
	html, _ := json.Marshal(s)
	plain := appendJSONString(nil, s)
	dst = append(dst, s, url.QueryEscape(s), percentEncode(s), url.PathEscape(s), string(html[1:len(html)-1]),
		string(plain[1:len(plain)-1])) // buildMatcher drops the duplicates
	for _, x := range xmlEscapers {
		dst = append(dst, x.Replace(s))
	}
	return dst
}

// The XML escapings a secret is echoed in: encoding/xml's (&#34; &#39; &#xA;), the named entities
// (&quot; &apos;), and a text node's minimum (& and < only, > by habit).
var xmlEscapers = []*strings.Replacer{
	strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;", `'`, "&#39;", "\t", "&#x9;", "\n", "&#xA;", "\r", "&#xD;"),
	strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&quot;", `'`, "&apos;"),
	strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;"),
}

// matcher is an Aho–Corasick automaton over a set of needles: replace finds every occurrence of every
// needle in one pass over the text. Node 0 is the root; a node's children are a sibling list in
// increasing byte order (the needles are inserted sorted), and the root's are also indexed by byte.
type matcher struct {
	root   [256]int32
	first  []int32 // first child; 0: none
	sib    []int32 // next sibling; 0: none
	label  []byte
	fail   []int32 // the node of the longest proper suffix that is also a prefix of a needle
	depth  []int32
	out    []int32 // the length of the longest needle that ends at this node (0: none)
	minLen int
}

// checkEvery is how many bytes (of needles or text) the matcher handles between looks at the context.
const checkEvery = 1 << 14

func ended(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// buildMatcher builds the automaton of needles (non-empty) in linear time; nil when done ends first.
func buildMatcher(needles []string, done <-chan struct{}) *matcher {
	slices.Sort(needles)
	needles = slices.Compact(needles)
	total := 1
	for _, n := range needles {
		total += len(n)
	}
	m := &matcher{first: make([]int32, 1, total), sib: make([]int32, 1, total), label: make([]byte, 1, total),
		fail: make([]int32, 1, total), depth: make([]int32, 1, total), out: make([]int32, 1, total)}
	last := make([]int32, 1, total) // last child, while inserting
	path := []int32{0}              // the nodes of the previous needle
	prev, work := "", 0
	for _, n := range needles {
		if work += len(n); work > checkEvery {
			if ended(done) {
				return nil
			}
			work = 0
		}
		m.minLen = min(len(n), cmp.Or(m.minLen, len(n)))
		l := 0
		for l < len(prev) && l < len(n) && prev[l] == n[l] {
			l++
		}
		path = path[:l+1]
		for j := l; j < len(n); j++ {
			parent, child := path[j], int32(len(m.label))
			m.first, m.sib, m.label = append(m.first, 0), append(m.sib, 0), append(m.label, n[j])
			m.fail, m.depth, m.out = append(m.fail, 0), append(m.depth, int32(j+1)), append(m.out, 0)
			last = append(last, 0)
			// Sorted insertion: the new child's byte is above its earlier siblings'.
			if last[parent] == 0 {
				m.first[parent] = child
			} else {
				m.sib[last[parent]] = child
			}
			last[parent] = child
			if parent == 0 {
				m.root[n[j]] = child
			}
			path = append(path, child)
		}
		m.out[path[len(n)]] = int32(len(n))
		prev = n
	}
	// Failure links and outputs, breadth first so that every shorter node is done before it is used.
	queue := make([]int32, 0, len(m.label))
	for c := m.first[0]; c != 0; c = m.sib[c] {
		queue = append(queue, c)
	}
	for i := 0; i < len(queue); i++ {
		n := queue[i]
		if m.out[n] == 0 {
			m.out[n] = m.out[m.fail[n]]
		}
		for c := m.first[n]; c != 0; c = m.sib[c] {
			m.fail[c] = m.step(m.fail[n], m.label[c])
			queue = append(queue, c)
		}
	}
	return m
}

func (m *matcher) step(n int32, c byte) int32 {
	for n != 0 {
		for ch := m.first[n]; ch != 0 && m.label[ch] <= c; ch = m.sib[ch] {
			if m.label[ch] == c {
				return ch
			}
		}
		n = m.fail[n]
	}
	return m.root[c]
}

// replace returns s with every needle occurrence replaced by REDACTED (overlapping or adjacent ones as
// one). With limit >= 0 it stops once at least limit bytes of the result are final (no occurrence
// still to be found can reach back into them). ok is false, and the result "", when done ended first
// or the matcher is nil (its build was stopped).
func (m *matcher) replace(s string, limit int, done <-chan struct{}) (string, bool) {
	if m == nil {
		return "", false
	}
	if len(s) < m.minLen || m.minLen == 0 {
		return s, true
	}
	var out []byte
	var spans [][2]int // occurrences not yet written, merged, in order
	head := 0          // spans[:head] are written
	emitted := 0       // s[:emitted] is written to out or replaced
	state := int32(0)
	for i := 0; i < len(s); i++ {
		if i%checkEvery == checkEvery-1 && ended(done) {
			return "", false
		}
		state = m.step(state, s[i])
		if n := int(m.out[state]); n > 0 {
			a, b := i+1-n, i+1
			for len(spans) > head && a <= spans[len(spans)-1][1] { // overlapping or adjacent: one run
				a = min(a, spans[len(spans)-1][0])
				spans = spans[:len(spans)-1]
			}
			spans = append(spans, [2]int{a, b})
		}
		if limit < 0 && len(spans) == head {
			continue
		}
		// Text before safe cannot be part of an occurrence still to come, nor be next to one.
		safe := i + 1 - int(m.depth[state])
		for ; head < len(spans) && spans[head][1] < safe; head++ {
			out = append(append(out, s[emitted:spans[head][0]]...), redacted...)
			emitted = spans[head][1]
		}
		if limit >= 0 {
			final := safe
			if head < len(spans) {
				final = min(final, spans[head][0])
			}
			if len(out)+final-emitted >= limit {
				if out == nil {
					return s[:final], true
				}
				return string(append(out, s[emitted:final]...)), true
			}
		}
	}
	for ; head < len(spans); head++ {
		out = append(append(out, s[emitted:spans[head][0]]...), redacted...)
		emitted = spans[head][1]
	}
	if out == nil {
		return s, true
	}
	return string(append(out, s[emitted:]...)), true
}
