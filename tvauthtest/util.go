package tvauthtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// maxRequestBody bounds what the fake reads of a request: it is a test double, not a sink for
// arbitrary uploads.
const maxRequestBody = 8 << 20

// readAll reads the request body and puts it back, so handlers can read it again.
func readAll(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// randAlnum returns n random letters and digits, the alphabet of NINA session secrets.
func randAlnum(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// randBytes returns n random bytes. crypto/rand never fails on supported platforms.
func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// randURLToken is an opaque token safe in any URL position without encoding.
func randURLToken(n int) string {
	return base64.RawURLEncoding.EncodeToString(randBytes(n))
}

// pathMatches reports whether path matches pattern: "" matches every path, a pattern ending in "*"
// is a prefix, anything else must be equal.
func pathMatches(pattern, path string) bool {
	if pattern == "" {
		return true
	}
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(path, prefix)
	}
	return pattern == path
}

// methodMatches reports whether method matches want ("" matches every method).
func methodMatches(want, method string) bool {
	return want == "" || strings.EqualFold(want, method)
}

// waitOrDone sleeps for d unless ctx ends first; it reports whether the whole wait elapsed.
func waitOrDone(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// peerKey identifies the end user of a request the way Adobe's throttle does: the first
// X-Forwarded-For address when a server forwards for its users, else the connecting IP.
func peerKey(r *http.Request) string {
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		first, _, _ := strings.Cut(xff, ",")
		if first = strings.TrimSpace(first); first != "" {
			return first
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// requestScheme is the scheme the client used: known from the URL when the fake serves as a
// RoundTripper, from the connection when it serves as a handler behind a listener.
func requestScheme(r *http.Request) string {
	if r.URL.Scheme != "" {
		return strings.ToLower(r.URL.Scheme)
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// requestHost is the host (with port, if any) the client addressed.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case, for header values such as "Bearer".
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
