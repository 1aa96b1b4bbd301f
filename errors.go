package tvauth

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sentinels name the decision a caller has to make; every typed error below matches one of them with
// errors.Is where it applies.
var (
	// ErrInvalidRequest: the SDK refused the call before any network I/O.
	ErrInvalidRequest = errors.New("tvauth: invalid request")
	// ErrUnauthorized: 401, a bad or expired token, a bad signature, or credentials that are gone.
	// WebAPI statusCode 401 and 440–444 match it (441 matches ErrRateLimited too), as does 330/3011.
	ErrUnauthorized = errors.New("tvauth: unauthorized")
	// ErrRateLimited: HTTP 429 (any family, whatever the body says), or WebAPI statusCode 429, 430, 441
	// or 607.
	ErrRateLimited = errors.New("tvauth: rate limited")
	// ErrNotConfigured: the service was used without the option it needs (AGS without WithAGSURL,
	// Pass without WithPassTokenSource, …).
	ErrNotConfigured = errors.New("tvauth: service not configured")
	// ErrResponseTooLarge: a reply body passed the 4 MiB cap; the SDK stopped reading it.
	ErrResponseTooLarge = errors.New("tvauth: response body too large")
	// ErrNoCredentials: a CredentialStore holds no client credentials yet (register, then save).
	ErrNoCredentials = errors.New("tvauth: no stored client credentials")
	// ErrCodeExpired: the authentication code's validity window (notAfter) ended before a profile appeared.
	ErrCodeExpired = errors.New("tvauth: authentication code expired")
	// ErrMaskedSecret: a Secret was read back from its masked form ("REDACTED"), which holds no
	// secret: the value was stored with json.Marshal (which masks) instead of its clear form.
	ErrMaskedSecret = errors.New("tvauth: masked secret read back (store the clear form)")
)

// ValidationError reports bad input caught before any network I/O. It matches ErrInvalidRequest.
type ValidationError struct {
	Field  string // the request field or option that is wrong
	Reason string
}

func (e *ValidationError) Error() string {
	s := "tvauth: invalid request"
	if field := strings.TrimSpace(e.Field); field != "" {
		s = "tvauth: invalid " + field
	}
	if reason := strings.TrimSpace(strings.TrimPrefix(e.Reason, "tvauth: ")); reason != "" {
		s += ": " + reason
	}
	return s
}

// Is makes errors.Is(err, ErrInvalidRequest) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidRequest }

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// PassError is an Adobe Pass failure: an Enhanced Error Code object (REST API v2 and v1), a DCR
// {"error":…} body, a legacy v1 {"status":…,"message":…} or XML <error> body, or a bare HTTP status
// (the throttling layer's HTML 429 page, an unexpected redirect, an HTML error page).
type PassError struct {
	HTTPStatus int    // the status of the HTTP reply
	Action     string // EEC action: none, configuration, application-registration, authentication, …
	Code       string // EEC code, or the DCR "error" value (invalid_client, …)
	Message    string
	Details    string
	HelpURL    string
	Trace      string
	Status     int           // the status inside the body, which may differ from HTTPStatus
	RetryAfter time.Duration // from a Retry-After header, when the server sent one
	// Location is the Location header of a 3xx the call did not expect (redacted of the call's
	// secrets): where the server wanted to send the client, often a login page.
	Location string
	// Service is "clientless" for the legacy REST API v1; "" (or "adobe pass") for REST API v2 and DCR.
	Service string
}

func (e *PassError) Error() string {
	var b strings.Builder
	service := e.Service
	if service == "" {
		service = svcPass.String()
	}
	fmt.Fprintf(&b, "tvauth: %s: HTTP %d", service, e.HTTPStatus)
	if code := strings.TrimSpace(e.Code); code != "" {
		b.WriteString(" " + code)
	}
	if e.Status != 0 && e.Status != e.HTTPStatus {
		fmt.Fprintf(&b, " (status %d)", e.Status)
	}
	if msg := strings.TrimSpace(e.Message); msg != "" {
		b.WriteString(": " + msg)
	}
	if details := strings.TrimSpace(e.Details); details != "" {
		b.WriteString(" (" + details + ")")
	}
	if action := strings.TrimSpace(e.Action); action != "" && action != "none" {
		b.WriteString(" [action " + action + "]")
	}
	b.WriteString(redirectSuffix(e.HTTPStatus, e.Location))
	return b.String()
}

// redirectSuffix says where an unexpected 3xx pointed: " redirected to <Location>", or " redirected"
// for a redirect status without one. Other statuses (and a 300 or 304 without Location) add nothing.
func redirectSuffix(status int, location string) string {
	if status < 300 || status > 399 {
		return ""
	}
	if location = strings.TrimSpace(location); location != "" {
		return " redirected to " + location
	}
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return " redirected"
	}
	return ""
}

// redirectLocation is the Location of a 3xx reply, redacted for an error: secret-named query
// parameters blanked and the call's secret values scrubbed. "" for other statuses.
func redirectLocation(r *response) string {
	if r.StatusCode < 300 || r.StatusCode > 399 {
		return ""
	}
	raw := strings.TrimSpace(r.Header.Get("Location"))
	if raw == "" {
		return ""
	}
	if u, err := url.Parse(raw); err == nil {
		return r.red.url(u)
	}
	return r.red.scrub(raw)
}

// Is matches ErrUnauthorized for 401s and for DCR invalid_client (the credentials are gone), and
// ErrRateLimited for 429s.
func (e *PassError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.HTTPStatus == http.StatusUnauthorized || e.Status == http.StatusUnauthorized ||
			e.Code == "invalid_client"
	case ErrRateLimited:
		return e.HTTPStatus == http.StatusTooManyRequests || e.Status == http.StatusTooManyRequests
	}
	return false
}

func (e *PassError) scrub(r *redactor) {
	for _, s := range []*string{&e.Action, &e.Code, &e.Message, &e.Details, &e.HelpURL, &e.Trace, &e.Location} {
		*s = r.scrub(*s)
	}
}

// passErrorBody is every shape of Adobe error body in one: Enhanced Error Codes, DCR OAuth errors and
// the legacy v1 bodies. message and status arrive with loose types, hence the raw fields.
type passErrorBody struct {
	Action  string          `json:"action" xml:"action"`
	Status  json.RawMessage `json:"status"`
	Code    string          `json:"code" xml:"code"`
	Message json.RawMessage `json:"message"`
	Details json.RawMessage `json:"details"`
	HelpURL string          `json:"helpUrl" xml:"helpUrl"`
	Trace   string          `json:"trace" xml:"trace"`
	Error   json.RawMessage `json:"error"`
	// OAuth error_description, sent by some DCR deployments
	ErrorDescription string `json:"error_description"`
}

type passXMLError struct {
	XMLName xml.Name `xml:"error"`
	Action  string   `xml:"action"`
	Status  string   `xml:"status"`
	Code    string   `xml:"code"`
	Message string   `xml:"message"`
	Details string   `xml:"details"`
	HelpURL string   `xml:"helpUrl"`
	Trace   string   `xml:"trace"`
}

// decodePassError turns a non-answer reply from Adobe Pass REST API v2 or DCR into a *PassError. It
// never fails: a body it cannot read leaves only HTTPStatus (and RetryAfter, Location) set. v2 and DCR
// error bodies are JSON; only the v1 decoder (decodeClientlessError) reads XML, so that a program that
// never calls v1 links no XML decoder.
func decodePassError(r *response) error { return decodeAdobeError(r, nil) }

// decodeClientlessError is decodePassError for the legacy REST API v1, which may also answer with an
// XML <error> body: the error names the "clientless" service.
func decodeClientlessError(r *response) error {
	e := decodeAdobeError(r, (*PassError).fillFromXML)
	e.Service = svcClientless.String()
	return e
}

// decodeAdobeError reads a JSON error body, or with fromXML an XML one.
func decodeAdobeError(r *response, fromXML func(*PassError, []byte)) *PassError {
	e := &PassError{HTTPStatus: r.StatusCode, Location: redirectLocation(r)}
	if d, ok := parseRetryAfter(r.Header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = d
	}
	body := trimBOM(r.Body)
	switch {
	case len(body) > 0 && body[0] == '{':
		var b passErrorBody
		if json.Unmarshal(body, &b) == nil {
			e.fillFromJSON(&b)
		}
	case len(body) > 0 && body[0] == '<' && fromXML != nil:
		fromXML(e, body)
	}
	return e
}

// fillFromXML reads a v1 XML <error> body; one it cannot read leaves e as it is.
func (e *PassError) fillFromXML(body []byte) {
	var x passXMLError
	if xml.Unmarshal(body, &x) == nil {
		e.Action, e.Code, e.HelpURL, e.Trace = strings.TrimSpace(x.Action), strings.TrimSpace(x.Code), strings.TrimSpace(x.HelpURL), strings.TrimSpace(x.Trace)
		e.Message, e.Details = strings.TrimSpace(x.Message), strings.TrimSpace(x.Details)
		e.Status, _ = strconv.Atoi(strings.TrimSpace(x.Status))
	}
}

func (e *PassError) fillFromJSON(b *passErrorBody) {
	e.Action, e.Code, e.HelpURL, e.Trace = b.Action, b.Code, b.HelpURL, b.Trace
	e.Status = looseInt(b.Status)
	e.Message = looseString(b.Message)
	e.Details = looseString(b.Details)
	// DCR and OAuth: {"error":"invalid_client"}. An EEC item may also carry "error" as an object.
	if s := looseString(b.Error); s != "" && e.Code == "" && len(b.Error) > 0 && b.Error[0] == '"' {
		e.Code = s
		if e.Message == "" {
			e.Message = b.ErrorDescription
		}
	} else if len(b.Error) > 0 && b.Error[0] == '{' && e.Code == "" {
		var inner passErrorBody
		if json.Unmarshal(b.Error, &inner) == nil {
			e.fillFromJSON(&inner)
		}
	}
}

// Challenge is what NINA asks a client to answer before clientLogin succeeds (statusCode 330):
// a captcha, a SecurID code, or a second factor.
type Challenge struct {
	Info    string // what is asked: captcha, securid, …
	Context string // to send back with the answer
	URL     string // e.g. the captcha image
}

// WebAPIError is a NINA WebAPI reply whose statusCode is not 200, whatever the HTTP status.
type WebAPIError struct {
	HTTPStatus       int
	StatusCode       int
	StatusDetailCode int
	StatusText       string
	RequestID        string
	Challenge        *Challenge // on 330
	// Location is the Location header of a 3xx reply (redacted of the call's secrets): NINA answers a
	// logout it will not do with a redirect to its login page.
	Location string
}

// Error reads "statusCode <code>[/<detail>] <text> (HTTP <status>)" for an envelope, and "HTTP
// <status>" for a reply that had none (an error page, a redirect).
func (e *WebAPIError) Error() string {
	var b strings.Builder
	if e.StatusCode == 0 && e.HTTPStatus != 0 {
		fmt.Fprintf(&b, "tvauth: nina webapi: HTTP %d", e.HTTPStatus)
	} else {
		fmt.Fprintf(&b, "tvauth: nina webapi: statusCode %d", e.StatusCode)
		if e.StatusDetailCode != 0 {
			fmt.Fprintf(&b, "/%d", e.StatusDetailCode)
		}
		if text := strings.TrimSpace(e.StatusText); text != "" {
			b.WriteString(" " + text)
		}
		if e.HTTPStatus != 0 && e.HTTPStatus != e.StatusCode {
			fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
		}
	}
	if e.Challenge != nil && strings.TrimSpace(e.Challenge.Info) != "" {
		b.WriteString(" [challenge " + strings.TrimSpace(e.Challenge.Info) + "]")
	}
	b.WriteString(redirectSuffix(e.HTTPStatus, e.Location))
	return b.String()
}

// Is: statusCode 401, 440–444, 330/3011 (bad password) and 401/3019 match ErrUnauthorized, as does
// HTTP 401 without an envelope; statusCode 429, 430, 441 and 607 and HTTP 429 (whatever the envelope
// says) match ErrRateLimited.
func (e *WebAPIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == 401 || (e.StatusCode >= 440 && e.StatusCode <= 444) ||
			(e.StatusCode == 330 && e.StatusDetailCode == 3011) ||
			(e.StatusCode == 0 && e.HTTPStatus == http.StatusUnauthorized)
	case ErrRateLimited:
		return e.StatusCode == 429 || e.StatusCode == 430 || e.StatusCode == 441 || e.StatusCode == 607 ||
			e.HTTPStatus == http.StatusTooManyRequests
	}
	return false
}

func (e *WebAPIError) scrub(r *redactor) {
	e.StatusText = r.scrub(e.StatusText)
	e.RequestID = r.scrub(e.RequestID)
	e.Location = r.scrub(e.Location)
	if e.Challenge != nil {
		c := *e.Challenge
		c.Info, c.Context, c.URL = r.scrub(c.Info), r.scrub(c.Context), r.scrub(c.URL)
		e.Challenge = &c
	}
}

// AGSError is an OpenTV AGS failure: {"code":…,"message":…} or any other body with a non-answer status.
type AGSError struct {
	HTTPStatus    int
	Code          string
	Message       string
	CorrelationID string // the x-correlation-id the failed call sent, to join with the operator's logs
	// Location is the Location header of a 3xx the call did not expect (redacted of the call's secrets).
	Location string
}

func (e *AGSError) Error() string {
	s := fmt.Sprintf("tvauth: opentv ags: HTTP %d", e.HTTPStatus)
	if code := strings.TrimSpace(e.Code); code != "" {
		s += " code " + code
	}
	if msg := strings.TrimSpace(e.Message); msg != "" {
		s += ": " + msg
	}
	return s + redirectSuffix(e.HTTPStatus, e.Location) + correlationSuffix(e.CorrelationID)
}

// Is matches ErrUnauthorized for 401 and ErrRateLimited for 429.
func (e *AGSError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.HTTPStatus == http.StatusUnauthorized
	case ErrRateLimited:
		return e.HTTPStatus == http.StatusTooManyRequests
	}
	return false
}

func (e *AGSError) scrub(r *redactor) {
	e.Code, e.Message, e.Location = r.scrub(e.Code), r.scrub(e.Message), r.scrub(e.Location)
}

// decodeAGSError never fails: code may be a number or a string, and a body that is not JSON leaves
// Code and Message empty.
func decodeAGSError(r *response) error {
	e := &AGSError{HTTPStatus: r.StatusCode, Location: redirectLocation(r)}
	var b struct {
		Code    json.RawMessage `json:"code"`
		Message json.RawMessage `json:"message"`
	}
	if body := trimBOM(r.Body); len(body) > 0 && body[0] == '{' && json.Unmarshal(body, &b) == nil {
		e.Code = strings.Trim(looseString(b.Code), " ")
		e.Message = looseString(b.Message)
	}
	return e
}

// DecodeError reports a reply with an answer status whose body could not be read as documented
// (an HTML page instead of JSON, a truncated body, a wrong type).
type DecodeError struct {
	Service       string // "adobe pass", "clientless", "nina webapi", "opentv ags"
	HTTPStatus    int
	ContentType   string
	Err           error
	CorrelationID string // the x-correlation-id the call sent (AGS), to join with the server's logs
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("tvauth: ")
	if e.Service != "" {
		b.WriteString(e.Service + ": ")
	}
	fmt.Fprintf(&b, "cannot decode HTTP %d reply", e.HTTPStatus)
	if ct := strings.TrimSpace(e.ContentType); ct != "" {
		b.WriteString(" (" + ct + ")")
	}
	if cause := causeText(e.Err); cause != "" {
		b.WriteString(": " + cause)
	}
	b.WriteString(correlationSuffix(e.CorrelationID))
	return b.String()
}

// causeText is a wrapped error's text without the "tvauth: " its own Error may start with, so that
// the wrapper's prefix is the only one.
func causeText(err error) string {
	if err == nil {
		return ""
	}
	return strings.TrimSpace(strings.TrimPrefix(err.Error(), "tvauth: "))
}

// scrub replaces the cause only when its chain held a secret, so errors.As still reaches a
// *json.SyntaxError and the like otherwise.
func (e *DecodeError) scrub(r *redactor) { e.Err = r.scrubCause(e.Err) }

// scrubbedError stands in for a cause whose chain held a secret in its text: whatever walks the chain
// (errors.Unwrap, an error reporter, a logger printing causes) reads only the scrubbed text. It still
// answers errors.Is as the cause did (context errors, ErrResponseTooLarge, io.ErrUnexpectedEOF);
// errors.As reaches no value of the cause, since any of them could print the secret.
type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string        { return e.msg }
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.cause, target) }

// Format prints only the scrubbed text: %#v and %+v would otherwise print the cause's fields.
func (e *scrubbedError) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q', 'x', 'X':
		fmt.Fprintf(f, fmt.FormatString(f, verb), e.msg)
	default:
		fmt.Fprint(f, e.msg)
	}
}

// scrubbedNetError is a scrubbedError whose cause was a net.Error: it still answers Timeout and
// Temporary as the cause did, so that code asking errors.As(err, &netErr) keeps working.
type scrubbedNetError struct {
	*scrubbedError
	timeout, temporary bool
}

func (e *scrubbedNetError) Timeout() bool   { return e.timeout }
func (e *scrubbedNetError) Temporary() bool { return e.temporary }

// newScrubbedError replaces cause with msg, keeping what errors.Is and a net.Error may ask of it.
func newScrubbedError(msg string, cause error) error {
	se := &scrubbedError{msg: msg, cause: cause}
	var ne interface {
		error
		Timeout() bool
	}
	if !errors.As(cause, &ne) {
		return se
	}
	var temp interface{ Temporary() bool } // deprecated in net.Error, still part of it
	return &scrubbedNetError{scrubbedError: se, timeout: ne.Timeout(), temporary: errors.As(cause, &temp) && temp.Temporary()}
}

func correlationSuffix(id string) string {
	if id = strings.TrimSpace(id); id == "" {
		return ""
	}
	return " (correlation id " + id + ")"
}

func (e *DecodeError) Unwrap() error { return e.Err }

// RequestError is a failure to get any reply: a transport error, an exhausted deadline, a body over the
// cap. Its URL is redacted; Unwrap gives the cause (context.DeadlineExceeded, *net.OpError,
// ErrResponseTooLarge, …) so errors.Is and errors.As work through it.
type RequestError struct {
	Service       string
	Method        string
	URL           string // redacted
	Err           error
	CorrelationID string // the x-correlation-id the call sent (AGS): a timeout is when the server's logs matter
	msg           string // the cause's text, scrubbed of this request's secrets
}

// Error reads "tvauth: <service>: <METHOD> <URL>: <cause>"; the method and URL are left out when the
// call never got as far as a URL (a service that is not configured).
func (e *RequestError) Error() string {
	var b strings.Builder
	b.WriteString("tvauth: ")
	if e.Service != "" {
		b.WriteString(e.Service + ": ")
	}
	if e.URL != "" {
		if e.Method != "" {
			b.WriteString(e.Method + " ")
		}
		b.WriteString(e.URL + ": ")
	}
	msg := strings.TrimSpace(strings.TrimPrefix(e.msg, "tvauth: "))
	if msg == "" {
		msg = causeText(e.Err)
	}
	if msg == "" {
		msg = "request failed"
	}
	b.WriteString(msg)
	b.WriteString(correlationSuffix(e.CorrelationID))
	return b.String()
}

// wrapError is "tvauth: <context>: <cause>" with the cause's own "tvauth: " left out of the text, so
// that a tvauth error wrapped in another reads with one prefix; Unwrap still reaches the cause.
type wrapError struct {
	context string
	err     error
}

func wrap(context string, err error) error { return &wrapError{context: context, err: err} }

func (e *wrapError) Error() string {
	if cause := causeText(e.err); cause != "" {
		return "tvauth: " + e.context + ": " + cause
	}
	return "tvauth: " + e.context
}

func (e *wrapError) Unwrap() error { return e.err }

// notConfigured is the error of a call made without the option its service needs.
func notConfigured(svc serviceID, method, option string) error {
	return &RequestError{Service: svc.String(), Method: method, Err: ErrNotConfigured,
		msg: "service not configured (set " + option + ")"}
}

func (e *RequestError) Unwrap() error { return e.Err }

// scrubber is implemented by every error type that carries text a server sent.
type scrubber interface{ scrub(*redactor) }
