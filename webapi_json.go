package tvauth

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// webapiFlattenJSONOnce is webapiFlattenJSON in one pass over the body: it checks the JSON syntax
// and flattens the envelope as it goes, where decoding into map[string]any first cost dozens of
// allocations a reply. It keeps webapiFlattenJSON's rules: {"response":{...}} or a bare envelope,
// scalar envelope fields, data keys joined with "_", arrays with "_<index>", null absent, at most
// webapiMaxDepth levels, nothing after the value. (One difference, for replies that repeat a key: a
// broken value is an error even when a later duplicate would have replaced it.)
func webapiFlattenJSONOnce(b []byte) (env, data map[string]string, err error) {
	p := &webapiJSONParser{b: b}
	p.space()
	if p.i >= len(b) || b[p.i] != '{' {
		if err := p.skip(0); err != nil {
			return nil, nil, err
		}
		if err := p.end(); err != nil {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("%w: JSON reply is not an object", errWebAPINoEnvelope)
	}
	// The top-level members fill top; a "response" object fills its own target. Which one is the
	// reply is known only at the end: the last "response" key decides, as a map would.
	top := &webapiFlatTarget{}
	var resp *webapiFlatTarget
	p.i++
	if err := p.members(func(key string) error {
		if key == "response" && p.peek() == '{' {
			resp = &webapiFlatTarget{}
			p.i++
			return p.members(func(k string) error { return p.envelopeMember(resp, k) })
		}
		if key == "response" {
			resp = nil
		}
		return p.envelopeMember(top, key)
	}); err != nil {
		return nil, nil, err
	}
	if err := p.end(); err != nil {
		return nil, nil, err
	}
	t := top
	if resp != nil {
		t = resp
	}
	if t.err != nil {
		return nil, nil, t.err
	}
	if t.env == nil {
		t.env = map[string]string{}
	}
	if t.data == nil {
		t.data = map[string]string{}
	}
	return t.env, t.data, nil
}

// webapiFlatTarget collects one envelope; err is the first reason it is not a valid one (the parser
// goes on checking the syntax, which decides first).
type webapiFlatTarget struct {
	env, data map[string]string
	err       error
}

func (t *webapiFlatTarget) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

type webapiJSONParser struct {
	b []byte
	i int
}

// webapiJSONMaxNesting bounds recursion as encoding/json's decoder does.
const webapiJSONMaxNesting = 10000

func (p *webapiJSONParser) syntax(what string) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", p.i, what)
}

func (p *webapiJSONParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *webapiJSONParser) peek() byte {
	p.space()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *webapiJSONParser) end() error {
	p.space()
	if p.i != len(p.b) {
		return errors.New("data after the JSON reply")
	}
	return nil
}

// members reads the members of an object whose '{' was consumed, calling member with each key when
// the parser stands before the value; member must consume the value.
func (p *webapiJSONParser) members(member func(key string) error) error {
	if p.peek() == '}' {
		p.i++
		return nil
	}
	for {
		if p.peek() != '"' {
			return p.syntax("want an object key")
		}
		key, err := p.str(true)
		if err != nil {
			return err
		}
		if p.peek() != ':' {
			return p.syntax("want ':'")
		}
		p.i++
		p.space()
		if err := member(key); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return p.syntax("want ',' or '}'")
		}
	}
}

// envelopeMember files one member of an envelope object: the four envelope fields, "data", or any
// other key as data.
func (p *webapiJSONParser) envelopeMember(t *webapiFlatTarget, key string) error {
	if webapiEnvelopeKey(key) {
		switch p.peek() {
		case '{', '[':
			t.fail(fmt.Errorf("%s is not a scalar", key))
			return p.skip(0)
		}
		text, isNull, err := p.scalar(t.err == nil)
		if err != nil || isNull || t.err != nil {
			return err
		}
		if t.env == nil {
			t.env = map[string]string{}
		}
		t.env[key] = text
		return nil
	}
	if key == "data" {
		key = ""
	}
	return p.flatten(t, key, 1)
}

// flatten writes the value under key as webapiFlattenJSONValue does.
func (p *webapiJSONParser) flatten(t *webapiFlatTarget, key string, depth int) error {
	if depth > webapiJSONMaxNesting {
		return p.syntax("nested too deeply")
	}
	if depth > webapiMaxDepth {
		t.fail(errors.New("reply nested too deeply"))
	}
	switch p.peek() {
	case '{':
		p.i++
		return p.members(func(k string) error {
			return p.flatten(t, webapiJoinKey(key, k), depth+1)
		})
	case '[':
		p.i++
		if p.peek() == ']' {
			p.i++
			return nil
		}
		for n := 0; ; n++ {
			child := ""
			if t.err == nil {
				child = webapiJoinKey(key, strconv.Itoa(n))
			}
			if err := p.flatten(t, child, depth+1); err != nil {
				return err
			}
			switch p.peek() {
			case ',':
				p.i++
			case ']':
				p.i++
				return nil
			default:
				return p.syntax("want ',' or ']'")
			}
		}
	}
	store := t.err == nil && key != "" // "data": "text" has no name to file it under
	text, isNull, err := p.scalar(store)
	if err != nil || isNull || !store {
		return err
	}
	if t.data == nil {
		t.data = map[string]string{}
	}
	t.data[key] = text
	return nil
}

// skip checks one value without keeping it.
func (p *webapiJSONParser) skip(depth int) error {
	if depth > webapiJSONMaxNesting {
		return p.syntax("nested too deeply")
	}
	switch p.peek() {
	case '{':
		p.i++
		return p.members(func(string) error { return p.skip(depth + 1) })
	case '[':
		p.i++
		if p.peek() == ']' {
			p.i++
			return nil
		}
		for {
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			switch p.peek() {
			case ',':
				p.i++
			case ']':
				p.i++
				return nil
			default:
				return p.syntax("want ',' or ']'")
			}
		}
	}
	_, _, err := p.scalar(false)
	return err
}

// scalar reads a string, number, true, false or null; with want, it returns the text the flattened
// form keeps (a number as written, a boolean as true/false).
func (p *webapiJSONParser) scalar(want bool) (text string, isNull bool, err error) {
	switch c := p.peek(); {
	case c == '"':
		s, err := p.str(want)
		return s, false, err
	case c == '-' || '0' <= c && c <= '9':
		start := p.i
		p.number()
		if !isJSONNumber(p.b[start:p.i]) {
			return "", false, p.syntax("malformed number")
		}
		if want {
			text = string(p.b[start:p.i])
		}
		return text, false, nil
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
			p.i += len(lit)
			return lit, lit == "null", nil
		}
	}
	return "", false, p.syntax("want a value")
}

// number advances over the characters a number may hold; isJSONNumber then checks their order.
func (p *webapiJSONParser) number() {
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case '0' <= c && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			p.i++
		default:
			return
		}
	}
}

// str reads a string literal; with want it returns the text decoded as encoding/json decodes it
// (invalid UTF-8 and lone surrogates become U+FFFD).
func (p *webapiJSONParser) str(want bool) (string, error) {
	p.i++ // '"'
	start := p.i
	plain := true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			raw := p.b[start:p.i]
			p.i++
			if !want {
				return "", nil
			}
			if plain {
				return string(raw), nil
			}
			return webapiUnquote(raw), nil
		case c == '\\':
			plain = false
			p.i++
			if p.i >= len(p.b) {
				return "", p.syntax("unterminated string")
			}
			switch p.b[p.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i++
			case 'u':
				if len(p.b)-p.i < 5 {
					return "", p.syntax("short \\u escape")
				}
				for _, h := range p.b[p.i+1 : p.i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return "", p.syntax("bad \\u escape")
					}
				}
				p.i += 5
			default:
				return "", p.syntax("bad escape")
			}
		case c < 0x20:
			return "", p.syntax("control character in string")
		default:
			if c >= utf8.RuneSelf {
				plain = false
			}
			p.i++
		}
	}
	return "", p.syntax("unterminated string")
}

// webapiUnquote decodes the body of a string literal that str checked.
func webapiUnquote(s []byte) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			e := s[i+1]
			i += 2
			switch e {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := webapiHex4(s[i:])
				i += 4
				if utf16.IsSurrogate(r) {
					if len(s)-i >= 6 && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, webapiHex4(s[i+2:])); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
			default: // " \ /
				out = append(out, e)
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, s[i:i+size]...)
			}
			i += size
		}
	}
	return string(out)
}

func webapiHex4(s []byte) rune {
	var r rune
	for _, h := range s[:4] {
		switch {
		case '0' <= h && h <= '9':
			h -= '0'
		case 'a' <= h && h <= 'f':
			h = h - 'a' + 10
		default:
			h = h - 'A' + 10
		}
		r = r<<4 | rune(h)
	}
	return r
}
