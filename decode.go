package tvauth

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The vendors' replies are loose about JSON types: a number arrives as a string, a flag as "true", a
// message as an object. These readers accept what they send; a value they cannot read is an error
// (a *DecodeError at the pipeline), never a panic.

// unmarshalTextOrString reads a JSON value that arrives bare (1601114932000, true) or as a string
// ("1601114932000", "true") through u's text form; null reads as empty text.
func unmarshalTextOrString(b []byte, u encoding.TextUnmarshaler) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return u.UnmarshalText(nil)
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return u.UnmarshalText([]byte(s))
	}
	return u.UnmarshalText(b)
}

// flexBool reads true/false sent as a JSON boolean, a string ("true") or XML text, as converters
// between Adobe's XML and JSON forms produce all three.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error { return unmarshalTextOrString(b, v) }

func (v *flexBool) UnmarshalText(b []byte) error {
	if len(bytes.TrimSpace(b)) == 0 {
		*v = false
		return nil
	}
	p, err := strconv.ParseBool(strings.TrimSpace(string(b)))
	if err != nil {
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
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// looseInt reads a JSON number that may arrive as a string.
func looseInt(raw json.RawMessage) int {
	if len(raw) == 0 {
		return 0
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if i, err := n.Int64(); err == nil {
			return int(i)
		}
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		i, _ := strconv.Atoi(strings.TrimSpace(s))
		return i
	}
	return 0
}

// trimBOM drops leading white space and a UTF-8 byte order mark, which some gateways prepend.
func trimBOM(b []byte) []byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	return bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\ufeff")), " \t\r\n")
}

// errNullReply: an answer whose body is the JSON literal null where the API documents an object. Read
// as an empty object it would pass for "no profiles", "no decisions" or "nothing to do".
var errNullReply = errors.New("reply is null, not the documented object")

// isJSONNull reports whether a reply body is the JSON literal null.
func isJSONNull(body []byte) bool {
	return string(bytes.TrimRight(trimBOM(body), " \t\r\n")) == "null"
}
