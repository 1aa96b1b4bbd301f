package tvauth

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// webapiReply is a NINA WebAPI reply envelope in any of its four formats, reduced to one shape: the
// envelope fields, and the data flattened the way the query-string format writes it ("data." dropped,
// nested keys joined with "_", e.g. token_a).
type webapiReply struct {
	StatusCode       int
	StatusText       string
	StatusDetailCode int
	RequestID        string
	Data             map[string]string
}

// webapiMaxDepth bounds nesting in JSON and XML replies: real envelopes are four levels deep, so a
// deeper body is broken or hostile, and refusing it keeps the flatteners' recursion shallow.
const webapiMaxDepth = 32

// errWebAPINoEnvelope: the body is not a WebAPI envelope at all (an HTML page, a proxy's text).
var errWebAPINoEnvelope = errors.New("not a NINA WebAPI reply envelope")

// parseWebAPIReply sniffs the format from the body itself rather than trusting f or Content-Type:
// servers fall back to JSON for formats they lack, and JSONP arrives as application/javascript.
func parseWebAPIReply(body []byte) (*webapiReply, error) {
	b := bytes.TrimRight(trimBOM(body), " \t\r\n")
	if len(b) == 0 {
		return nil, errors.New("empty body")
	}
	var (
		env  map[string]string
		data map[string]string
		err  error
	)
	switch {
	case b[0] == '{':
		env, data, err = webapiFlattenJSONOnce(b)
	case b[0] == '<':
		env, data, err = webapiFlattenXML(b)
	default:
		if inner, ok := webapiStripJSONP(b); ok {
			env, data, err = webapiFlattenJSONOnce(inner)
		} else {
			env, data, err = webapiFlattenQS(b)
		}
	}
	if err != nil {
		return nil, err
	}
	return webapiReplyFrom(env, data)
}

// webapiEnvelopeKeys are the fields of the "response" object; everything else is data.
func webapiEnvelopeKey(k string) bool {
	switch k {
	case "statusCode", "statusText", "statusDetailCode", "requestId":
		return true
	}
	return false
}

func webapiReplyFrom(env, data map[string]string) (*webapiReply, error) {
	raw, ok := env["statusCode"]
	if !ok || strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("%w: no statusCode", errWebAPINoEnvelope)
	}
	code, ok := webapiAtoi(raw)
	if !ok {
		return nil, errors.New("statusCode is not a number")
	}
	r := &webapiReply{StatusCode: code, StatusText: env["statusText"], RequestID: env["requestId"], Data: data}
	if d := strings.TrimSpace(env["statusDetailCode"]); d != "" {
		// A detail code that is not a number is unknown, not broken: the statusCode decides.
		r.StatusDetailCode, _ = webapiAtoi(d)
	}
	if r.Data == nil {
		r.Data = map[string]string{}
	}
	return r, nil
}

// webapiAtoi reads an integer sent as a number or a string ("200", " 200 ", 200, 200.0). Both forms
// are bounded to 32 bits: no status code or lifetime is larger, and a huge expiresIn would otherwise
// overflow time.Duration into a negative lifetime.
func webapiAtoi(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 32); err == nil {
		return int(n), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, false
	}
	return int(f), true
}

// webapiStripJSONP unwraps `cb({...});` (optionally after the `/**/` some servers prepend against
// content sniffing). The callback must be a JavaScript identifier path, as NINA allows.
func webapiStripJSONP(b []byte) ([]byte, bool) {
	b = bytes.TrimPrefix(b, []byte("/**/"))
	b = bytes.TrimLeft(b, " \t\r\n")
	i := 0
	for i < len(b) && (b[i] == '_' || b[i] == '$' || b[i] == '.' || b[i] >= 'A' && b[i] <= 'Z' ||
		b[i] >= 'a' && b[i] <= 'z' || i > 0 && b[i] >= '0' && b[i] <= '9') {
		i++
	}
	if i == 0 {
		return nil, false
	}
	rest := bytes.TrimLeft(b[i:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '(' {
		return nil, false
	}
	rest = bytes.TrimRight(rest[1:], " \t\r\n")
	rest = bytes.TrimSuffix(rest, []byte(";"))
	rest = bytes.TrimRight(rest, " \t\r\n")
	if !bytes.HasSuffix(rest, []byte(")")) {
		return nil, false
	}
	return bytes.TrimSpace(rest[:len(rest)-1]), true
}

// A flattened key repeats the names of every level above it, so a reply with a long name above many
// leaves would take far more memory flattened than as sent. Real keys are a few words; these limits
// turn such a reply into an error: webapiMaxKeyLen for one key, and webapiKeyBudget for all the keys
// of one envelope together.
const webapiMaxKeyLen = 512

var (
	errWebAPIKeyTooLong = fmt.Errorf("reply key longer than %d bytes", webapiMaxKeyLen)
	errWebAPIKeysTooBig = errors.New("reply keys too large once flattened")
)

func webapiKeyBudget(bodyLen int) int { return 8*bodyLen + 64<<10 }

// webapiSpendKey charges the key that joining prefix and k makes to budget, or says why it is refused.
func webapiSpendKey(budget *int, prefix, k string) error {
	n := len(k)
	if prefix != "" {
		n += len(prefix) + 1
	}
	if n > webapiMaxKeyLen {
		return errWebAPIKeyTooLong
	}
	if *budget -= n; *budget < 0 {
		return errWebAPIKeysTooBig
	}
	return nil
}

func webapiJoinKey(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "_" + k
}

// webapiFlattenXML reads <response> in any namespace (AOL used several, NINA's are unknown, some
// servers send none); leaf values are trimmed, as AOL's output carried stray white space.
func webapiFlattenXML(b []byte) (env, data map[string]string, err error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.CharsetReader = webapiCharsetReader
	env, data = map[string]string{}, map[string]string{}
	type frame struct {
		name     string
		text     strings.Builder
		children bool
	}
	var stack []*frame
	rootSeen := false
	budget := webapiKeyBudget(len(b))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				if rootSeen {
					return nil, nil, errors.New("more than one root element")
				}
				if t.Name.Local != "response" {
					return nil, nil, fmt.Errorf("%w: XML root is not <response>", errWebAPINoEnvelope)
				}
				rootSeen = true
			} else {
				stack[len(stack)-1].children = true
			}
			if len(stack) >= webapiMaxDepth {
				return nil, nil, errors.New("reply nested too deeply")
			}
			stack = append(stack, &frame{name: t.Name.Local})
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.EndElement:
			f := stack[len(stack)-1]
			path := make([]string, 0, len(stack))
			for _, fr := range stack[1:] {
				path = append(path, fr.name)
			}
			stack = stack[:len(stack)-1]
			if f.children || len(path) == 0 {
				continue
			}
			value := strings.TrimSpace(f.text.String())
			if len(path) == 1 && webapiEnvelopeKey(path[0]) {
				if _, dup := env[path[0]]; !dup {
					env[path[0]] = value
				}
				continue
			}
			if path[0] == "data" {
				path = path[1:]
				if len(path) == 0 {
					continue
				}
			}
			n := len(path) - 1
			for _, p := range path {
				n += len(p)
			}
			if n > webapiMaxKeyLen {
				return nil, nil, errWebAPIKeyTooLong
			}
			if budget -= n; budget < 0 {
				return nil, nil, errWebAPIKeysTooBig
			}
			key := strings.Join(path, "_")
			if _, dup := data[key]; !dup { // repeated elements: the first one is the documented one
				data[key] = value
			} else {
				budget += n // not kept
			}
		}
	}
	if !rootSeen {
		return nil, nil, fmt.Errorf("%w: no XML element", errWebAPINoEnvelope)
	}
	return env, data, nil
}

// webapiCharsetReader accepts the single-byte encodings old AOL-era servers declared besides UTF-8.
func webapiCharsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii":
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(b))
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("unsupported XML charset %q", charset)
}

// webapiFlattenQS reads the f=qs reply: a form-encoded line whose keys are already flattened. Pairs
// whose escapes are broken keep their raw text instead of failing the whole reply.
func webapiFlattenQS(b []byte) (env, data map[string]string, err error) {
	if !bytes.ContainsRune(b, '=') {
		return nil, nil, fmt.Errorf("%w: neither JSON, XML nor a query string", errWebAPINoEnvelope)
	}
	env, data = map[string]string{}, map[string]string{}
	for _, part := range strings.Split(string(b), "&") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		if k == "" {
			continue
		}
		target := data
		if webapiEnvelopeKey(k) {
			target = env
		}
		if _, dup := target[k]; !dup {
			target[k] = v
		}
	}
	return env, data, nil
}

// err turns a reply whose statusCode is not 200 into the error callers match on.
func (r *webapiReply) err(httpStatus int) *WebAPIError {
	e := &WebAPIError{
		HTTPStatus:       httpStatus,
		StatusCode:       r.StatusCode,
		StatusDetailCode: r.StatusDetailCode,
		StatusText:       r.StatusText,
		RequestID:        r.RequestID,
	}
	if c := r.challenge(); c != nil {
		e.Challenge = c
	}
	return e
}

// challenge is data.challenge{info,context,url} of a 330 reply, nil when absent.
func (r *webapiReply) challenge() *Challenge {
	c := Challenge{Info: r.Data["challenge_info"], Context: r.Data["challenge_context"], URL: r.Data["challenge_url"]}
	if c == (Challenge{}) {
		return nil
	}
	return &c
}

// decodeWebAPIError maps any WebAPI reply that is not an answer. It never fails: a body that is no
// envelope (an HTML error page) leaves only HTTPStatus set.
func decodeWebAPIError(r *response) error {
	rep, err := parseWebAPIReply(r.Body)
	if err != nil {
		return &WebAPIError{HTTPStatus: r.StatusCode, Location: redirectLocation(r)}
	}
	e := rep.err(r.StatusCode)
	e.Location = redirectLocation(r)
	return e
}
