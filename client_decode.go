package tvauth

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The vendors' replies are loose about JSON types (a number as a string, a flag as "true", a message
// as an object): these readers accept it; what they cannot read is an error, never a panic.

// unmarshalTextOrString reads a checked JSON value, bare (1601114932000, true) or a string
// ("1601114932000", "true"), through u's text form; null reads as empty text.
func unmarshalTextOrString(b []byte, u encoding.TextUnmarshaler) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return u.UnmarshalText(nil)
	}
	if s, ok := plainJSONString(b); ok {
		return u.UnmarshalText([]byte(s))
	}
	return u.UnmarshalText(b)
}

// flexBool reads true/false sent as a JSON boolean, a string ("true") or XML text, as converters
// between Adobe's XML and JSON forms produce all three.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error { return unmarshalTextOrString(b, v) }

func (v *flexBool) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	p, err := strconv.ParseBool(s) // "" is false
	if err != nil && s != "" {
		return fmt.Errorf("boolean (%s): %w", valueShape(string(b)), strconv.ErrSyntax)
	}
	*v = flexBool(p)
	return nil
}

// looseString reads a JSON value that should be a string but may be null, a number or an object.
func looseString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if s, ok := plainJSONString(raw); ok {
		return s
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// looseInt reads a JSON integer that may arrive as a string; anything else is 0.
func looseInt(raw json.RawMessage) int {
	t := bytes.TrimSpace(raw)
	if isJSONNumber(t) {
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return int(i)
		}
		return 0
	}
	s, _ := plainJSONString(t)
	i, _ := strconv.Atoi(strings.TrimSpace(s))
	return i
}

// trimBOM drops leading white space and a UTF-8 byte order mark, which some gateways prepend.
func trimBOM(b []byte) []byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	return bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\ufeff")), " \t\r\n")
}

// errNullReply: an answer whose body is the JSON literal null where the API documents an object. Read
// as an empty object it would pass for "no profiles", "no decisions" or "nothing to do".
var errNullReply = errors.New("reply is null, not the documented object")

func isJSONNull(body []byte) bool {
	return string(bytes.TrimRight(trimBOM(body), " \t\r\n")) == "null"
}

// jsonValue is one value of the JSON document being decoded, like json.RawMessage but not copied
// (json hands UnmarshalJSON a slice of its input): a decoder reads it before returning.
type jsonValue []byte

func (v *jsonValue) UnmarshalJSON(b []byte) error {
	*v = b
	return nil
}

// plainJSONString returns the text of a JSON string literal as encoding/json decodes it. A literal
// without escapes, the common case, is copied as is, without a second pass of encoding/json.
func plainJSONString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	in := b[1 : len(b)-1]
	plain, ascii := true, true
	for _, c := range in {
		if c == '"' || c == '\\' || c < 0x20 {
			plain = false
			break
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	if plain && (ascii || utf8.Valid(in)) {
		return string(in), true
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return "", false
	}
	return s, true
}

// isJSONNumber reports whether b, one value that encoding/json has checked, is a number.
func isJSONNumber(b []byte) bool {
	return len(b) > 0 && (b[0] == '-' || '0' <= b[0] && b[0] <= '9')
}

// appendJSONString appends s as a JSON string exactly as encoding/json writes it with
// SetEscapeHTML(false): \" \\ \b \f \n \r \t, other control bytes as \u00xx, invalid UTF-8 as
// \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= 0x20 && r < utf8.RuneSelf && r != '"' && r != '\\' {
			i++
			continue
		}
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r != '\u2028' && r != '\u2029' && (r != utf8.RuneError || size > 1) {
				i += size
				continue
			}
		}
		dst = append(dst, s[start:i]...)
		switch j := strings.IndexRune("\\\"\b\f\n\r\t", r); {
		case j >= 0:
			dst = append(dst, '\\', "\\\"bfnrt"[j])
		case r == utf8.RuneError:
			dst = append(dst, `\ufffd`...)
		default: // the other control bytes, U+2028 and U+2029
			dst = fmt.Appendf(dst, `\u%04x`, r)
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// valueShape describes a reply value a decoder could not read without quoting it: a value in the
// wrong field may be a token, and an error text must not carry it, not even truncated.
func valueShape(s string) string {
	switch {
	case s == "":
		return "an empty string"
	case strings.TrimSpace(s) == "":
		return fmt.Sprintf("%d bytes of white space", len(s))
	}
	return fmt.Sprintf("a %d-byte string", len(s))
}
