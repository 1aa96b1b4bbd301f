package tvauth

import (
	"net/url"
	"sort"
	"strings"
	"sync"
)

// redacted replaces every secret in log lines and error strings.
const redacted = "REDACTED"

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
func isSecretName(name string) bool { return secretNames[strings.ToLower(name)] }

// minSecretLen: shorter values cannot be told apart from ordinary text, so scrubbing them would
// mangle messages without protecting anything real.
const minSecretLen = 3

// redactor is the one redaction mechanism: it knows the secret names above and the secret values sent
// on one request (and those an attempt adds, such as a freshly fetched bearer token), and scrubs both
// from every log line and error string. Safe for concurrent use.
type redactor struct {
	mu     sync.Mutex
	values []string // sorted longest first, so a secret containing another is replaced whole
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
		if len(s) < minSecretLen {
			continue
		}
		for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s), percentEncode(s)} {
			if !contains(r.values, v) {
				r.values = append(r.values, v)
			}
		}
	}
	sort.Slice(r.values, func(i, j int) bool { return len(r.values[i]) > len(r.values[j]) })
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// scrub replaces every known secret value in s.
func (r *redactor) scrub(s string) string {
	if r == nil || s == "" {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.values {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
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

// scrubError makes a typed error safe to return: the server's text in it is scrubbed in place.
func (r *redactor) scrubError(err error) error {
	if s, ok := err.(scrubber); ok {
		s.scrub(r)
	}
	return err
}

// maskIfSet is how secret fields print in String, GoString and LogValue: REDACTED when set, empty when
// not, so a log still tells a missing secret from a present one.
func maskIfSet(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
}

// maskQuoted is maskIfSet for %s verbs inside Go-syntax-like output, where an empty value prints "".
func maskQuoted(secret string) string {
	if secret == "" {
		return `""`
	}
	return redacted
}
