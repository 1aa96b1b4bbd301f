package tvauth

// secret.go holds Secret: the type of every secret value of the API, which masks itself wherever fmt,
// slog, encoding/json or encoding/xml reach it, so that no struct holding one needs methods of its own.

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// Secret is a string that never prints: String, GoString, Format (every verb), LogValue, MarshalJSON
// and MarshalText give REDACTED (an empty Secret gives ""), so a value that holds one can be logged,
// printed or marshalled by mistake and leak nothing, even inside a slice, a map, a pointer or a struct
// of yours, whichever slog handler writes it.
//
// string(s) reveals it. UnmarshalJSON and UnmarshalText read the clear form; reading the masked form
// back is an error matching ErrMaskedSecret, never a silent "REDACTED" secret. To store a value that
// holds secrets, write its clear form explicitly: the credential and token stores do, as does the
// MarshalUnmaskedJSON method of ClientCredentials, Tokens and WebAPISession.
//
// Where fmt calls no method, a Secret prints as the string it is: in an unexported field (of your
// own types: in the SDK's exported types, secrets sit only where fmt prints an address); under %p,
// which fmt handles before any method; and inside a pointer that fmt meets below the top level (in a
// struct field, a slice or a map) under a verb it rejects for pointers (%s, %q, %t, …), whose pointee
// it then prints field by field without methods. That last path is closed for the types the API
// hands out or points to by pointer, ClientCredentials, Tokens, WebAPISession and MediaToken, which
// format themselves; it stays open for a pointer to another struct that holds a Secret (a
// *ShortMediaToken, a *PassHeaders, one of yours) kept in a struct, slice or map of yours. Keep
// secrets in exported fields and print values that hold them with %v or %+v, which are safe everywhere.
type Secret string

// redacted is what a set Secret prints as.
const redacted = "REDACTED"

func (s Secret) masked() string {
	if s == "" {
		return ""
	}
	return redacted
}

// String returns "REDACTED", or "" for an empty Secret.
func (s Secret) String() string { return s.masked() }

// GoString returns "REDACTED" quoted as a Go string literal, or `""` for an empty Secret.
func (s Secret) GoString() string { return `"` + s.masked() + `"` }

// Format prints the masked form for every verb: %v and %s as String (width and flags honoured), %q and
// %#v quoted, any other verb (%x, %d, …) as String too.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, s.GoString())
	case verb == 'v' || verb == 's' || verb == 'q':
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), s.masked())
	default:
		_, _ = io.WriteString(f, s.masked())
	}
}

// LogValue gives slog the masked form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.masked()) }

// MarshalJSON writes the masked form as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.masked() + `"`), nil }

// MarshalText writes the masked form (encoding/xml, slog's text handler and map keys use it).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.masked()), nil }

// UnmarshalJSON reads a JSON string (null leaves s as it is). The masked form "REDACTED" is refused
// with an error matching ErrMaskedSecret: a stored value that went through MarshalJSON lost its secret.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	return s.UnmarshalText([]byte(v))
}

// UnmarshalText reads the clear form; the masked form is refused with an error matching ErrMaskedSecret.
func (s *Secret) UnmarshalText(b []byte) error {
	if string(b) == redacted {
		return ErrMaskedSecret
	}
	*s = Secret(b)
	return nil
}
