package tvauthtest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// adobeHelpURL is the helpUrl Adobe puts in every Enhanced Error Code object.
const adobeHelpURL = "https://experienceleague.adobe.com/docs/pass/authentication/auth-features/error-reportn/enhanced-error-codes.html"

// adobeRandomBytes reads n bytes from crypto/rand. Go's crypto/rand.Read never fails.
func adobeRandomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// adobeUUID is a random (version 4) UUID, the form of Adobe's ids and traces.
func adobeUUID() string {
	b := adobeRandomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// adobeSecret is an opaque random token (access tokens, client secrets).
func adobeSecret(n int) string {
	return base64.RawURLEncoding.EncodeToString(adobeRandomBytes(n))
}

// adobeCodeAlphabet leaves out 0/O and 1/I, which users mistype when copying a code from a TV.
const adobeCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// adobeCode is a 7-character code like Adobe's ("8ER640M", "IYQD5JQ").
func adobeCode() string {
	b := adobeRandomBytes(7)
	for i := range b {
		b[i] = adobeCodeAlphabet[int(b[i])%len(adobeCodeAlphabet)]
	}
	return string(b)
}

// adobeUserID derives a stable, scrambled user ID for a login, like the MVPDs' opaque IDs.
func adobeUserID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "user-" + hex.EncodeToString(sum[:10])
}

// adobeResourceID is the resource ID of a resource parameter: the string itself, or the channel
// title of an MRSS resource.
func adobeResourceID(resource string) string {
	trimmed := strings.TrimSpace(resource)
	if !strings.HasPrefix(trimmed, "<") {
		return resource
	}
	var rss struct {
		Channel struct {
			Title string `xml:"title"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal([]byte(trimmed), &rss); err != nil || rss.Channel.Title == "" {
		return resource
	}
	return rss.Channel.Title
}

// adobeJSON writes a JSON reply the way Adobe's servers label it.
func adobeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own values are marshalled: a failure is a bug in this package
		http.Error(w, "tvauthtest: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// adobeEEC writes a top-level Enhanced Error Code object (REST API v2 errors).
func adobeEEC(w http.ResponseWriter, status int, action, code, message string) {
	adobeJSON(w, status, adobeEECBody(status, action, code, message, ""))
}

func adobeEECBody(status int, action, code, message, details string) map[string]any {
	e := map[string]any{
		"action": action, "status": status, "code": code, "message": message,
		"helpUrl": adobeHelpURL, "trace": adobeUUID(),
	}
	if details != "" {
		e["details"] = details
	}
	return e
}

// adobeHTML writes the text/html error page Adobe's browser endpoints answer with.
func adobeHTML(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>%d %s</title></head><body><h1>%s</h1><p>%s</p></body></html>",
		status, http.StatusText(status), http.StatusText(status), html.EscapeString(message))
}

// adobeRedirect answers 302 to loc. The fake's own hops are relative, so they work whatever host
// the fake is reached at (listener, handler or round tripper).
func adobeRedirect(w http.ResponseWriter, loc string) {
	w.Header().Set("Location", loc)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// adobeGenericCode is the code of the fake's 405 and 415 Enhanced Error Codes. Adobe's catalog
// lists no v2 code for either status; "internal_error" is the one code it documents with status
// 405 (in the v1 list), and the OpenAPI document gives 405 the ErrorInformation schema.
const adobeGenericCode = "internal_error"

// adobeMethodNotAllowed answers 405 with Allow and an Enhanced Error Code object, as the OpenAPI
// document lists for every endpoint.
func adobeMethodNotAllowed(w http.ResponseWriter, allow ...string) {
	w.Header().Set("Allow", strings.Join(allow, ", "))
	adobeEEC(w, http.StatusMethodNotAllowed, "none", adobeGenericCode,
		"The request method is not supported: use "+strings.Join(allow, " or ")+".")
}

// adobeUnsupportedMediaType answers 415 for a body of the wrong Content-Type, with an Enhanced Error
// Code object like every other v2 error.
func adobeUnsupportedMediaType(w http.ResponseWriter, want string) {
	adobeEEC(w, http.StatusUnsupportedMediaType, "none", adobeGenericCode,
		"The request body is not supported: Content-Type must be "+want+".")
}

// adobeMediaType reports whether the Content-Type header names want (e.g. "application/json"),
// with a charset, if any, of UTF-8.
func adobeMediaType(h http.Header, want string) bool {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || !strings.EqualFold(mt, want) {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// adobeAbsoluteURL reports whether a redirect URL is usable as the final landing page: absolute,
// with a scheme and a host, and nothing the user agent could not navigate to.
func adobeAbsoluteURL(raw string) bool {
	if raw == "" || strings.ContainsAny(raw, " \t\r\n") {
		return false
	}
	u, err := url.Parse(raw)
	return err == nil && u.Scheme != "" && u.Host != "" && u.User == nil
}

// adobeSegments splits an escaped path below prefix into unescaped segments, dropping one trailing
// slash (Adobe's own samples write "/configuration/"). A segment may so contain an escaped "/".
func adobeSegments(escapedPath, prefix string) ([]string, error) {
	rest, ok := strings.CutPrefix(escapedPath, prefix)
	if !ok {
		return nil, errors.New("outside prefix")
	}
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" {
		return nil, nil
	}
	raw := strings.Split(rest, "/")
	out := make([]string, len(raw))
	for i, seg := range raw {
		v, err := url.PathUnescape(seg)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// adobeDeviceInfoKind is the JSON kind Adobe documents for an X-Device-Info key ("" for keys it does
// not document: those are ignored, as Adobe does; a documented key of the wrong kind is malformed).
func adobeDeviceInfoKind(key string) string {
	switch key {
	case "displayWidth", "displayHeight", "displayPpi", "connectionPort":
		return "number"
	case "connectionSecure":
		return "bool"
	case "primaryHardwareType", "model", "version", "manufacturer", "vendor", "osName", "osFamily",
		"osVendor", "osVersion", "browserName", "browserVendor", "browserVersion", "userAgent",
		"diagonalScreenSize", "connectionIp", "connectionType", "applicationId":
		return "string"
	}
	return ""
}

// adobeParseDeviceInfo decodes an X-Device-Info value: standard Base64 of a JSON object whose documented
// keys have their documented kinds.
func adobeParseDeviceInfo(v string) (map[string]any, error) {
	if v == "" {
		return nil, errors.New("missing")
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, errors.New("not standard Base64")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var info map[string]any
	if err := dec.Decode(&info); err != nil || info == nil {
		return nil, errors.New("not a JSON object")
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	for k, val := range info {
		var kind string
		switch val.(type) {
		case string:
			kind = "string"
		case json.Number:
			kind = "number"
		case bool:
			kind = "bool"
		case nil:
			continue
		default:
			kind = "structure"
		}
		if want := adobeDeviceInfoKind(k); want != "" && kind != want {
			return nil, fmt.Errorf("%s is a %s, want a %s", k, kind, want)
		}
	}
	return info, nil
}

// adobeParseDeviceIdentifier decodes "fingerprint <standard Base64 of the device ID>" into the ID.
func adobeParseDeviceIdentifier(v string) (string, error) {
	typ, id, ok := strings.Cut(v, " ")
	if !ok || typ != "fingerprint" {
		return "", errors.New(`want "fingerprint <base64>"`)
	}
	raw, err := base64.StdEncoding.DecodeString(id)
	// Canonical only: the decoder skips line breaks, but the identifier keys the device's profiles.
	if err != nil || len(raw) == 0 || base64.StdEncoding.EncodeToString(raw) != id {
		return "", errors.New("identifier is not standard Base64")
	}
	return string(raw), nil
}
