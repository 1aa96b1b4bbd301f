package tvauth

import (
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScanner reads JSON bytes in one pass, checking the syntax as it goes: the WebAPI flattener
// builds on it, and the AGS decoders use it to pick fields out of values encoding/json has already
// checked, without a second json.Unmarshal.
type jsonScanner struct {
	b     []byte
	i     int
	depth int // objects and arrays open around the scanner
}

// jsonMaxNesting bounds recursion as encoding/json's decoder does: the 10001st object or array open
// at once is an error.
const jsonMaxNesting = 10000

// open enters an object or array whose '{' or '[' was consumed; the caller calls close when it ends.
func (p *jsonScanner) open() error {
	if p.depth++; p.depth > jsonMaxNesting {
		return p.syntax("nested too deeply")
	}
	return nil
}

func (p *jsonScanner) close() { p.depth-- }

func (p *jsonScanner) syntax(what string) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", p.i, what)
}

func (p *jsonScanner) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonScanner) peek() byte {
	p.space()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *jsonScanner) end() error {
	p.space()
	if p.i != len(p.b) {
		return errors.New("data after the JSON reply")
	}
	return nil
}

// members reads the members of an object whose '{' was consumed, calling member with each key when
// the parser stands before the value; member must consume the value.
func (p *jsonScanner) members(member func(key string) error) error {
	return p.membersRaw(func(raw []byte, plain bool) error {
		if plain {
			return member(string(raw))
		}
		return member(jsonUnquote(raw))
	})
}

// membersRaw is members with each key as written between its quotes; plain says it needs no
// decoding (no escape, ASCII only).
func (p *jsonScanner) membersRaw(member func(raw []byte, plain bool) error) error {
	if err := p.open(); err != nil {
		return err
	}
	defer p.close()
	if p.peek() == '}' {
		p.i++
		return nil
	}
	for {
		if p.peek() != '"' {
			return p.syntax("want an object key")
		}
		start := p.i + 1
		plain, err := p.skipString()
		if err != nil {
			return err
		}
		raw := p.b[start : p.i-1]
		if p.peek() != ':' {
			return p.syntax("want ':'")
		}
		p.i++
		p.space()
		if err := member(raw, plain); err != nil {
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

// elements reads the elements of an array whose '[' has been consumed, calling element with each
// one's index while the scanner stands at its value.
func (p *jsonScanner) elements(element func(n int) error) error {
	if err := p.open(); err != nil {
		return err
	}
	defer p.close()
	if p.peek() == ']' {
		p.i++
		return nil
	}
	for n := 0; ; n++ {
		if err := element(n); err != nil {
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

// skip checks one value without keeping it.
func (p *jsonScanner) skip() error {
	switch p.peek() {
	case '{':
		p.i++
		return p.members(func(string) error { return p.skip() })
	case '[':
		p.i++
		return p.elements(func(int) error { return p.skip() })
	}
	_, _, err := p.scalar(false)
	return err
}

// scalar reads a string, number, true, false or null; with want, it returns the text the flattened
// form keeps (a number as written, a boolean as true/false).
func (p *jsonScanner) scalar(want bool) (text string, isNull bool, err error) {
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
func (p *jsonScanner) number() {
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
func (p *jsonScanner) str(want bool) (string, error) {
	start := p.i + 1
	plain, err := p.skipString()
	if err != nil || !want {
		return "", err
	}
	raw := p.b[start : p.i-1]
	if plain {
		return string(raw), nil
	}
	return jsonUnquote(raw), nil
}

// skipString checks the string literal at p.i and moves past it; plain reports that its text is the
// bytes between the quotes (no escape, ASCII only).
func (p *jsonScanner) skipString() (plain bool, err error) {
	p.i++ // '"'
	plain = true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return plain, nil
		case c == '\\':
			plain = false
			p.i++
			if p.i >= len(p.b) {
				return false, p.syntax("unterminated string")
			}
			switch p.b[p.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i++
			case 'u':
				if len(p.b)-p.i < 5 {
					return false, p.syntax("short \\u escape")
				}
				for _, h := range p.b[p.i+1 : p.i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false, p.syntax("bad \\u escape")
					}
				}
				p.i += 5
			default:
				return false, p.syntax("bad escape")
			}
		case c < 0x20:
			return false, p.syntax("control character in string")
		default:
			if c >= utf8.RuneSelf {
				plain = false
			}
			p.i++
		}
	}
	return false, p.syntax("unterminated string")
}

// jsonStringText returns the text of b when b is exactly one JSON string literal, decoded as
// encoding/json decodes it, in one pass.
func jsonStringText(b []byte) (string, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", false
	}
	p := jsonScanner{b: b}
	s, err := p.str(true)
	if err != nil || p.i != len(b) {
		return "", false
	}
	return s, true
}

// jsonUnquote decodes the body of a string literal that str checked.
func jsonUnquote(s []byte) string {
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
				r := jsonHex4(s[i:])
				i += 4
				if utf16.IsSurrogate(r) {
					if len(s)-i >= 6 && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, jsonHex4(s[i+2:])); dec != utf8.RuneError {
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

func jsonHex4(s []byte) rune {
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
