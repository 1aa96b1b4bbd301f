package tvauth

import (
	"fmt"
	"io"
	"strings"
)

// How secret-holding values print, log and marshal.
//
// Every exported type with a secret in it (a token, password, session secret or key, client secret,
// software statement, signature, SAML response, User-Token) masks it, wherever the value ends up:
//
//   - String and GoString print the secret as REDACTED (an unset one as ""), so %v, %+v, %#v and %s
//     are safe;
//   - Format sends every other verb (%d, %x, %q, …) to String too, so no verb reaches the fields;
//   - LogValue gives slog the masked fields;
//   - MarshalJSON writes the secret as "REDACTED" (an unset one as ""). slog's JSON handler marshals a
//     value nested in a slice, a map or one of your own structs with encoding/json, where LogValue
//     does not apply; masking the JSON form keeps those logs clean too.
//
// Types that only hold such a type (a request with PassHeaders, a DecisionsResult with MediaTokens, a
// WebAPILogoutRequest with its session) are masked through it. UnmarshalJSON is unchanged: replies and
// stored values decode as before.
//
// To store a secret-holding value, serialise it with its MarshalUnmaskedJSON method (ClientCredentials,
// Tokens, WebAPISession) and read it back with json.Unmarshal. That is the one way to get the
// secrets out as JSON, so that it never happens by accident.
//
// fmt cannot reach methods of a value in an unexported field of your own struct: it prints that value
// field by field. Keep secret-holding values in exported fields, or behind a pointer, if the struct
// may be printed.

// maskIfSet is how secret fields print in String, GoString, LogValue and MarshalJSON: REDACTED when
// set, empty when not, so a log still tells a missing secret from a present one.
func maskIfSet(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
}

// maskQuoted is maskIfSet for %s verbs inside Go-syntax-like output, where an empty value prints "".
func maskQuoted(secret string) string {
	if secret == "" {
		return `""`
	}
	return redacted
}

// maskedPrinter is what formatMasked needs of a secret-holding type: its masked texts.
type maskedPrinter interface {
	String() string
	GoString() string
}

// formatMasked is the Format method of every secret-holding type. %#v prints GoString; %v, %s, %q,
// %x and %X print String the way they print a string (width and flags honoured); any other verb,
// which fmt would apply field by field, prints String as is.
func formatMasked(f fmt.State, verb rune, v maskedPrinter) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, v.GoString())
	case verb == 'v' || verb == 's' || verb == 'q' || verb == 'x' || verb == 'X':
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), v.String())
	default:
		_, _ = io.WriteString(f, v.String())
	}
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
