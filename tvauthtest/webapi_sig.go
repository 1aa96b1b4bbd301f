package tvauthtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"sort"
	"strings"
)

// The fake's own sig_sha256 verifier. It deliberately shares nothing with the SDK's signing code but
// the HMAC primitive: it re-derives the OAuth 1.0 base string from the bytes that arrived, so a
// mistake in the SDK's canonicaliser shows up as a rejected request instead of hiding on both sides.

// waParam is one name=value pair as it arrived, already percent-decoded.
type waParam struct{ name, value string }

// waEncode is RFC 3986 percent-encoding: A-Z a-z 0-9 - . _ ~ stay, every other byte becomes %XX with
// upper-case hex.
func waEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0x0f])
		}
	}
	return b.String()
}

var errBadEscape = errors.New("malformed percent-escape")

// waDecode undoes percent-encoding strictly: a "%" must start two hex digits, and "+" stays "+" (the
// caller rejects it before: on a signed request it is ambiguous).
func waDecode(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", errBadEscape
		}
		hi, ok1 := waUnhex(s[i+1])
		lo, ok2 := waUnhex(s[i+2])
		if !ok1 || !ok2 {
			return "", errBadEscape
		}
		b = append(b, hi<<4|lo)
		i += 2
	}
	return string(b), nil
}

func waUnhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// waParseWire splits a raw query or form body into decoded pairs, in wire order. Empty segments
// ("a=1&&b=2") are skipped; a segment without "=" is a name with an empty value. A malformed escape
// makes the whole string an error, but the pairs that did decode are still returned, so that even a
// broken request can be answered in the format it asked for.
func waParseWire(raw string) ([]waParam, error) {
	var ps []waParam
	var firstErr error
	for seg := range strings.SplitSeq(raw, "&") {
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		name, err1 := waDecode(k)
		value, err2 := waDecode(v)
		if err := errors.Join(err1, err2); err != nil {
			if firstErr == nil {
				firstErr = errBadEscape
			}
			continue
		}
		ps = append(ps, waParam{name, value})
	}
	return ps, firstErr
}

// waNormalize is the OAuth 1.0 §9.1.1 parameter string: every pair but sig_sha256 as
// enc(name)=enc(value), sorted by encoded name, then encoded value, joined by "&".
func waNormalize(params []waParam) string {
	enc := make([][2]string, 0, len(params))
	for _, p := range params {
		if p.name == "sig_sha256" {
			continue
		}
		enc = append(enc, [2]string{waEncode(p.name), waEncode(p.value)})
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i][0] != enc[j][0] {
			return enc[i][0] < enc[j][0]
		}
		return enc[i][1] < enc[j][1]
	})
	parts := make([]string, len(enc))
	for i, e := range enc {
		parts[i] = e[0] + "=" + e[1]
	}
	return strings.Join(parts, "&")
}

// waBaseURL is the OAuth 1.0 §9.1.2 request URL: scheme and host lower-cased, the default port
// dropped, the path as sent, no query.
func waBaseURL(scheme, hostport, escapedPath string) string {
	scheme = strings.ToLower(scheme)
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, ""
	}
	host = strings.ToLower(host)
	if strings.Contains(host, ":") {
		host = "[" + strings.Trim(host, "[]") + "]"
	}
	if port != "" && !(scheme == "http" && port == "80") && !(scheme == "https" && port == "443") {
		host += ":" + port
	}
	if escapedPath == "" {
		escapedPath = "/"
	}
	return scheme + "://" + host + escapedPath
}

// waBaseString is METHOD & enc(base URL) & enc(normalized parameters) (OAuth 1.0 §9.1.3).
func waBaseString(method, baseURL string, params []waParam) string {
	return strings.ToUpper(method) + "&" + waEncode(baseURL) + "&" + waEncode(waNormalize(params))
}

func waHMAC(key, data string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// waSessionKey is base64(HMAC-SHA256(key=password, data=sessionSecret)); NINA then signs with that
// base64 text, not the raw 32 bytes.
func waSessionKey(password, sessionSecret string) string { return waHMAC(password, sessionSecret) }

// waSignature is the sig_sha256 the fake expects for base under sessionKey.
func waSignature(sessionKey, base string) string { return waHMAC(sessionKey, base) }
