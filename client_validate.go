package tvauth

import (
	"fmt"
	"strings"
)

// One rule for the characters of what the SDK sends, wherever a value goes (a header, a path segment,
// a query, a form or a JSON body): no C0 control character (\x00–\x1f, tab included) and no DEL
// (\x7f). Such a byte is never part of an identifier, a token, a URL or a name a user typed; in a
// header it would split or end the header (Go's transport refuses it only inside the retries, as a
// *RequestError quoting the header), and in a value it reaches a server that may truncate at NUL or
// log a forged line. Refusing it everywhere gives one answer: a *ValidationError naming the field,
// before any I/O. Header names must also be RFC 9110 tokens. Raw JSON the caller hands over
// (SignOnRequest.DeviceInformation) is only checked to be valid JSON. The one exception: a resource
// (an id or a whole MRSS document) may contain XML's white space between elements: tab, LF and CR.

// controlAt returns the index of the first control character of v (\x00–\x1f or \x7f), or -1.
func controlAt(v string) int {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f {
			return i
		}
	}
	return -1
}

func checkText(field, v string) error {
	if i := controlAt(v); i >= 0 {
		return invalid(field, "contains a control character at byte %d", i)
	}
	return nil
}

// checkResource is the rule for a resource (an MRSS document, maybe): XML white space is allowed.
func checkResource(field, v string) error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return invalid(field, "contains a control character at byte %d", i)
		}
	}
	return nil
}

// listItem names the list item a check of its failed on (Parameters[2].Name, Resources[0]): the items
// are checked on every call, so their names are formatted only for the error.
func listItem(err error, list string, i int) error {
	if ve, ok := err.(*ValidationError); ok {
		ve.Field = strings.TrimSuffix(fmt.Sprintf("%s[%d].%s", list, i, ve.Field), ".")
	}
	return err
}

// checkTexts applies the rule to name/value pairs and names the first bad one.
func checkTexts(fieldValues ...string) error {
	for i := 0; i+1 < len(fieldValues); i += 2 {
		if err := checkText(fieldValues[i], fieldValues[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// requireText checks a required value: not blank (as missing as empty), free of control characters.
func requireText(field, v string) error {
	if isBlank(v) {
		return invalid(field, "empty")
	}
	return checkText(field, v)
}

func isBlank(v string) bool { return strings.TrimLeft(v, " \t\n\r\v\f") == "" }

// checkHeaderValue is the rule for a value sent in a header.
func checkHeaderValue(field, v string) error { return checkText(field, v) }

// checkHeaderName refuses a header name that is not an RFC 9110 token (what golang.org/x/net's
// httpguts.ValidHeaderFieldName checks; x/net is not a dependency of the root package).
func checkHeaderName(field, name string) error {
	if name == "" {
		return invalid(field, "empty header name")
	}
	for i := 0; i < len(name); i++ {
		// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|"
		// / "~" / DIGIT / ALPHA (RFC 9110 §5.6.2)
		if c := name[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return invalid(field, "header name %q: %#02x is not allowed in a header name", name, c)
		}
	}
	return nil
}

// requireConfigured is the "not configured" check, the only one. Every public method makes it first,
// before it validates its request, so that a missing option is reported as ErrNotConfigured whatever
// else is wrong; the pipeline relies on it (TestNotConfigured runs every method without each option).
func (c *Client) requireConfigured(svc serviceID, method string, auth authMode) error {
	switch {
	case c.bases[svc] == nil:
		return notConfigured(svc, method, svc.option())
	case auth == authPassBearer && c.cfg.passTS == nil:
		return notConfigured(svc, method, "WithPassTokenSource")
	case svc == svcWebAPI && c.cfg.webapiDevID == "":
		return notConfigured(svc, method, "WithWebAPIDevID")
	}
	return nil
}
