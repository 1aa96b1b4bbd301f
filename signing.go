package tvauth

// signing.go: NINA WebAPI request signing (SessionKey, SignatureBaseString, Sign, sig_sha256).

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// SessionKey = base64(HMAC-SHA256(key=password, data=sessionSecret)), standard padding. NINA signs
// with the base64 text of this key, as AOL's own SDK and every working client do, not its bytes.
func SessionKey(password, sessionSecret Secret) Secret {
	return Secret(signBytes([]byte(sessionSecret), string(password)))
}

// SignatureBaseString = METHOD & enc(url without query, scheme and host lower-cased, default port
// dropped) & enc(params as enc(k)=enc(v), sorted by name then value, joined by &), where enc keeps the
// RFC 3986 unreserved characters and writes every other byte as upper-case %XX. sig_sha256 itself is
// excluded. Query parameters written in rawURL join the signed set (OAuth 1.0 §9.1.1).
func SignatureBaseString(method, rawURL string, params url.Values) (string, error) {
	base, err := signatureBase(method, rawURL, params)
	return string(base), err
}

// signingInput checks Sign's arguments and merges the parameters of rawURL's query into params (a
// copy is made only when there is a query).
func signingInput(method, rawURL string, params url.Values) (*url.URL, url.Values, error) {
	if err := checkSigningMethod(method); err != nil {
		return nil, nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, &ValidationError{Field: "rawURL", Reason: "malformed URL"}
	}
	if u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return nil, nil, &ValidationError{Field: "rawURL", Reason: "not an absolute URL"}
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return nil, nil, &ValidationError{Field: "rawURL", Reason: "malformed query"}
		}
		for k, vs := range params {
			q[k] = append(q[k], vs...)
		}
		params = q
	}
	return u, params, nil
}

// signatureBase is the base string of Sign's arguments.
func signatureBase(method, rawURL string, params url.Values) ([]byte, error) {
	u, all, err := signingInput(method, rawURL, params)
	if err != nil {
		return nil, err
	}
	return appendSignatureBase(nil, method, u, canonicalPairs(all)), nil
}

// appendSignatureBase writes the base string in one buffer, encoding the encoded pairs once more as it
// requires: the SDK's signed calls sign and send one list.
func appendSignatureBase(dst []byte, method string, u *url.URL, c canonical) []byte {
	base := baseStringURL(u)
	dst = slices.Grow(dst, len(method)+2+3*len(base)+3*c.encodedLen())
	dst = append(dst, strings.ToUpper(method)...) // allocates only for a method not in upper case
	dst = append(dst, '&')
	dst = appendPercentEncoded(dst, base)
	dst = append(dst, '&')
	for i, p := range c {
		if i > 0 {
			dst = append(dst, "%26"...)
		}
		dst = appendPercentEncoded(dst, p.key)
		dst = append(dst, "%3D"...)
		dst = appendPercentEncoded(dst, p.value)
	}
	return dst
}

// checkSigningMethod refuses methods that would make the base string ambiguous ("GET&x" or "").
func checkSigningMethod(method string) error {
	if method == "" {
		return &ValidationError{Field: "method", Reason: "empty"}
	}
	if strings.Trim(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return &ValidationError{Field: "method", Reason: "not an HTTP method token"}
	}
	return nil
}

// baseStringURL is scheme://host[:port]/path with scheme and host lower-cased and the default port
// dropped (OAuth 1.0 §9.1.2). The path stays as the server receives it (escaped).
func baseStringURL(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" && !(scheme == "http" && p == "80") && !(scheme == "https" && p == "443") {
		host += ":" + p
	}
	return scheme + "://" + host + cmp.Or(u.EscapedPath(), "/")
}

// canonical is a signed parameter list in signing order, each name and value already
// percent-encoded: what the base string and the wire both use.
type canonical []pair

func (c canonical) encodedLen() int {
	n := 0
	for _, p := range c {
		n += len(p.key) + len(p.value) + 2
	}
	return n
}

// encode joins the pairs as k=v&k=v (they are encoded already).
func (c canonical) encode() string {
	var b strings.Builder
	b.Grow(c.encodedLen())
	for i, p := range c {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// canonicalPairs sorts the parameters by encoded name, then encoded value (byte order, as OAuth 1.0
// §9.1.1 and the NINA servers compare them), without sig_sha256: the base string's and wire's order.
func canonicalPairs(params url.Values) canonical {
	n := 0
	for k, vs := range params {
		if k != "sig_sha256" {
			n += len(vs)
		}
	}
	all := make(canonical, 0, n)
	for k, vs := range params {
		if k == "sig_sha256" {
			continue
		}
		ek := percentEncode(k)
		for _, v := range vs {
			all = append(all, pair{ek, percentEncode(v)})
		}
	}
	slices.SortFunc(all, func(a, b pair) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.value, b.value))
	})
	return all
}

// Sign returns base64(HMAC-SHA256(key=sessionKey text, data=SignatureBaseString(method, rawURL, params))).
func Sign(method, rawURL string, params url.Values, sessionKey Secret) (string, error) {
	if sessionKey == "" {
		return "", &ValidationError{Field: "sessionKey", Reason: "empty"}
	}
	base, err := signatureBase(method, rawURL, params)
	if err != nil {
		return "", err
	}
	return signBytes(base, string(sessionKey)), nil
}

// signBytes is base64(HMAC-SHA256(key, data)); signing keys it with the text of SessionKey.
func signBytes(data []byte, key string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(data)
	var sum [sha256.Size]byte
	return base64.StdEncoding.EncodeToString(m.Sum(sum[:0]))
}

// percentEncode is RFC 3986 encoding: unreserved characters kept, every other byte upper-case %XX
// (space is %20, never +).
func percentEncode(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	return string(appendPercentEncoded(make([]byte, 0, len(s)+2*n), s))
}

func appendPercentEncoded(dst []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	return dst
}

// unreserved reports whether c is an RFC 3986 unreserved character: A-Z a-z 0-9 - . _ ~.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
