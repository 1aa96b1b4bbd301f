package tvauth

import (
	"bufio"
	"bytes"
	"encoding/json"
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

// webapiReply is a NINA WebAPI reply in any of its four formats, reduced to what the SDK reads: the
// envelope, and of data the clientLogin session, a 330's challenge and a 1015's ts.
type webapiReply struct {
	StatusCode, StatusDetailCode int
	StatusText, RequestID        string
	Data                         webapiData
}

// webapiEnvelope is the reply as sent, {"response":{…}} in JSON and <response>…</response> in XML.
// Values are text: NINA's template sends strings, AOL and oos numbers.
type webapiEnvelope struct {
	StatusCode       webapiText `json:"statusCode" xml:"statusCode"`
	StatusText       webapiText `json:"statusText" xml:"statusText"`
	StatusDetailCode webapiText `json:"statusDetailCode" xml:"statusDetailCode"`
	RequestID        webapiText `json:"requestId" xml:"requestId"`
	Data             webapiData `json:"data" xml:"data"`
}

// webapiData is the part of data the SDK reads; anything else is skipped unread.
type webapiData struct {
	Token struct {
		A         webapiText `json:"a" xml:"a"`
		ExpiresIn webapiText `json:"expiresIn" xml:"expiresIn"`
	} `json:"token" xml:"token"`
	TokenExpiresIn webapiText `json:"tokenExpiresIn" xml:"tokenExpiresIn"` // oos's spelling
	SessionSecret  webapiText `json:"sessionSecret" xml:"sessionSecret"`
	HostTime       webapiText `json:"hostTime" xml:"hostTime"`
	LoginID        webapiText `json:"loginId" xml:"loginId"`
	Challenge      struct {
		Info    webapiText `json:"info" xml:"info"`
		Context webapiText `json:"context" xml:"context"`
		URL     webapiText `json:"url" xml:"url"`
	} `json:"challenge" xml:"challenge"`
	TS webapiText `json:"ts" xml:"ts"` // the server's clock, in a 400/1015 reply
}

// webapiField is a reply value under its query-string name, which drops "data." and joins levels with "_".
type webapiField struct {
	name string
	v    *webapiText
}

func (e *webapiEnvelope) fields() [14]webapiField {
	d := &e.Data
	return [...]webapiField{
		{"statusCode", &e.StatusCode}, {"statusText", &e.StatusText}, {"statusDetailCode", &e.StatusDetailCode},
		{"requestId", &e.RequestID}, {"token_a", &d.Token.A}, {"token_expiresIn", &d.Token.ExpiresIn},
		{"tokenExpiresIn", &d.TokenExpiresIn}, {"sessionSecret", &d.SessionSecret}, {"hostTime", &d.HostTime},
		{"loginId", &d.LoginID}, {"challenge_info", &d.Challenge.Info}, {"challenge_context", &d.Challenge.Context},
		{"challenge_url", &d.Challenge.URL}, {"ts", &d.TS},
	}
}

// webapiText is a reply value as text: a JSON string decoded, a number or boolean as written. null, an
// object or an array where the SDK reads a value leaves it empty, as absent.
type webapiText string

func (t *webapiText) UnmarshalJSON(b []byte) error {
	switch b[0] {
	case '"':
		s, _ := plainJSONString(b) // encoding/json has checked the literal
		*t = webapiText(s)
	case '{', '[', 'n':
		*t = ""
	default:
		*t = webapiText(b)
	}
	return nil
}

// UnmarshalXML keeps an element's text, trimmed (AOL's output carried stray white space), and skips
// its child elements. Text that arrives in one piece is copied once.
func (t *webapiText) UnmarshalXML(d *xml.Decoder, _ xml.StartElement) error {
	var pieces []string
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.CharData:
			pieces = append(pieces, string(tok))
		case xml.StartElement:
			if err := d.Skip(); err != nil {
				return err
			}
		case xml.EndElement:
			*t = webapiText(strings.TrimSpace(strings.Join(pieces, "")))
			return nil
		}
	}
}

var errWebAPINoEnvelope = errors.New("not a NINA WebAPI reply envelope") // an HTML page, a proxy's text

// parseWebAPIReply sniffs the format from the body itself rather than trusting f or Content-Type:
// servers fall back to JSON for formats they lack, and JSONP arrives as application/javascript.
func parseWebAPIReply(body []byte) (*webapiReply, error) {
	b := bytes.TrimRight(trimBOM(body), " \t\r\n")
	if len(b) == 0 {
		return nil, errors.New("empty body")
	}
	decode := webapiDecodeQS
	switch {
	case b[0] == '{':
		decode = webapiDecodeJSON
	case b[0] == '<':
		decode = webapiDecodeXML
	default:
		if inner, ok := webapiStripJSONP(b); ok {
			decode, b = webapiDecodeJSON, inner
		}
	}
	env, err := decode(b)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(env.StatusCode)) == "" {
		return nil, fmt.Errorf("%w: no statusCode", errWebAPINoEnvelope)
	}
	code, ok := webapiAtoi(string(env.StatusCode))
	if !ok {
		return nil, errors.New("statusCode is not a number")
	}
	r := &webapiReply{StatusCode: code, StatusText: string(env.StatusText), RequestID: string(env.RequestID),
		Data: env.Data}
	if d := strings.TrimSpace(string(env.StatusDetailCode)); d != "" { // absent: no strconv error to build
		// A detail code that is not a number is unknown, not broken: the statusCode decides.
		r.StatusDetailCode, _ = webapiAtoi(d)
	}
	return r, nil
}

// webapiDecodeJSON reads {"response":{…}}, or the envelope at the top level as some servers send it
// (response is it when it has a statusCode). A non-object container (data: "text") is skipped.
func webapiDecodeJSON(b []byte) (*webapiEnvelope, error) {
	w := new(struct {
		Response webapiEnvelope `json:"response"`
		webapiEnvelope
	})
	err := json.Unmarshal(b, w)
	if _, skipped := err.(*json.UnmarshalTypeError); err != nil && !skipped {
		return nil, err
	}
	if w.Response.StatusCode != "" {
		return &w.Response, nil
	}
	return &w.webapiEnvelope, nil
}

// webapiAtoi reads an integer sent as a number or a string ("200", " 200 ", 200, 200.0), bounded to
// 32 bits: no status code or lifetime is larger, and a huge expiresIn would overflow time.Duration.
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
	const space = " \t\r\n"
	b = bytes.TrimLeft(bytes.TrimPrefix(b, []byte("/**/")), space)
	name := webapiIdentLen(b)
	rest, open := bytes.CutPrefix(bytes.TrimLeft(b[name:], space), []byte("("))
	rest = bytes.TrimRight(bytes.TrimSuffix(bytes.TrimRight(rest, space), []byte(";")), space)
	rest, closed := bytes.CutSuffix(rest, []byte(")"))
	if name == 0 || !open || !closed {
		return nil, false
	}
	return bytes.TrimSpace(rest), true
}

// webapiIdentLen is the length of the JavaScript name (letters, digits, _ $ ., no digit first) b opens.
func webapiIdentLen(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == '_' || b[i] == '$' || b[i] == '.' || b[i] >= 'A' && b[i] <= 'Z' ||
		b[i] >= 'a' && b[i] <= 'z' || i > 0 && b[i] >= '0' && b[i] <= '9') {
		i++
	}
	return i
}

// webapiMaxXMLMarks bounds the '<' and '=' of an XML reply: encoding/xml allocates some hundred bytes
// per element and attribute (4 MiB of empty elements: 64 times that). A real envelope has a few dozen.
const webapiMaxXMLMarks = 4096

// webapiDecodeXML reads <response> in any namespace (AOL used several, NINA's are unknown, some none).
func webapiDecodeXML(b []byte) (*webapiEnvelope, error) {
	if bytes.Count(b, []byte("<"))+bytes.Count(b, []byte("=")) > webapiMaxXMLMarks {
		return nil, fmt.Errorf("XML reply has more than %d tags and attributes", webapiMaxXMLMarks)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.CharsetReader = webapiCharsetReader
	var x struct {
		XMLName xml.Name
		webapiEnvelope
	}
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	if x.XMLName.Local != "response" {
		return nil, fmt.Errorf("%w: XML root is not <response>", errWebAPINoEnvelope)
	}
	switch err := dec.Decode(new(struct{})); { // only comments and the like may follow the root
	case err == nil:
		return nil, errors.New("more than one root element")
	case err != io.EOF:
		return nil, err
	}
	return &x.webapiEnvelope, nil
}

// webapiCharsetReader accepts the single-byte encodings old AOL-era servers declared besides UTF-8.
func webapiCharsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii":
		if br, ok := input.(io.ByteReader); ok {
			return &webapiLatin1{r: br}, nil
		}
		return &webapiLatin1{r: bufio.NewReader(input)}, nil
	}
	return nil, fmt.Errorf("unsupported XML charset %q", charset)
}

// webapiLatin1 turns ISO-8859-1 into UTF-8 as the XML decoder reads it, without a copy of the reply.
type webapiLatin1 struct {
	r    io.ByteReader
	next byte // the second byte of a character that p had no room for; never 0
}

func (l *webapiLatin1) Read(p []byte) (n int, err error) {
	for ; n < len(p); n++ {
		if l.next != 0 {
			p[n], l.next = l.next, 0
			continue
		}
		c, err := l.r.ReadByte()
		if err != nil {
			return n, err
		}
		if c >= utf8.RuneSelf { // U+0080–U+00FF: two bytes in UTF-8
			c, l.next = 0xC0|c>>6, 0x80|c&0x3F
		}
		p[n] = c
	}
	return n, nil
}

// webapiDecodeQS reads the f=qs reply: a form-encoded line whose keys are the fields' names. The first
// of repeated keys counts; a pair whose escapes are broken keeps its raw text.
func webapiDecodeQS(b []byte) (*webapiEnvelope, error) {
	if !bytes.ContainsRune(b, '=') {
		return nil, fmt.Errorf("%w: neither JSON, XML nor a query string", errWebAPINoEnvelope)
	}
	var e webapiEnvelope
	fields := e.fields()
	var seen uint32
	for part := range bytes.SplitSeq(b, []byte("&")) {
		k, v, _ := bytes.Cut(bytes.TrimSpace(part), []byte("="))
		key := string(k) // compared without a copy; copied only when it holds escapes
		if bytes.ContainsAny(k, "%+") {
			if uk, err := url.QueryUnescape(string(k)); err == nil {
				key = uk
			}
		}
		for i, f := range fields {
			if f.name == key && seen&(1<<i) == 0 {
				seen |= 1 << i
				text := string(v)
				if uv, err := url.QueryUnescape(text); err == nil {
					text = uv
				}
				*f.v = webapiText(text)
			}
		}
	}
	return &e, nil
}

// err turns a reply that is not an answer into the error callers match on.
func (r *webapiReply) err(resp *response) *WebAPIError {
	ch := &r.Data.Challenge // a 330's data.challenge{info,context,url}; nil when absent
	c := &Challenge{Info: string(ch.Info), Context: string(ch.Context), URL: string(ch.URL)}
	if *c == (Challenge{}) {
		c = nil
	}
	return &WebAPIError{HTTPStatus: resp.StatusCode, StatusCode: r.StatusCode,
		StatusDetailCode: r.StatusDetailCode, StatusText: r.StatusText, RequestID: r.RequestID,
		Challenge: c, Location: redirectLocation(resp)}
}
