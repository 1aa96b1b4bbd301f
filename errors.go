package tvauth

// errors.go: the sentinels and typed errors, their bounded Error texts, and the families' error decoders.

import (
	"cmp"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sentinels name the decision a caller has to make; the typed errors below match them with errors.Is.
var (
	// ErrInvalidRequest: the SDK refused the call before any network I/O.
	ErrInvalidRequest = errors.New("tvauth: invalid request")
	// ErrUnauthorized: 401, a bad or expired token, a bad signature, or credentials that are gone.
	// WebAPI statusCode 401 and 440–444 match it (441 matches ErrRateLimited too), as does 330/3011.
	ErrUnauthorized = errors.New("tvauth: unauthorized")
	// ErrRateLimited: HTTP 429 (any family, whatever the body), or WebAPI statusCode 429, 430, 441, 607.
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

// Error texts are short and fixed in shape: "tvauth: <service> <operation>: HTTP <status> <code>:
// <message>", the vendor's message and the typed errors' text fields scrubbed of every secret the
// client holds or the call sent and cut to their bounds; Error cuts each part again, so any value
// reads in at most maxErrorText bytes. RawBody and RawHeader keep what the server sent, unscrubbed.
const (
	maxErrorText = 512  // any Error() text
	maxTextBytes = 200  // a free-text field: Message, Details, HelpURL, Trace, StatusText, Location, URL, a cause's text
	maxCodeBytes = 64   // a code or an id: Code, Action, RequestID, CorrelationID, ContentType, Challenge.Info
	maxDataBytes = 2048 // Challenge.Context and Challenge.URL, which a caller sends back or opens

	maxServiceText   = 12 // the other parts of an Error() text
	maxOperationText = 32
	maxMethodText    = 8
	maxURLText       = 128 // RequestError's URL
	maxLocationText  = 48  // a Location after a message
	maxChallengeText = 32
)

// ValidationError reports bad input caught before any network I/O. It matches ErrInvalidRequest.
type ValidationError struct {
	Field  string // the request field or option that is wrong
	Reason string // what is wrong with it
}

func (e *ValidationError) Error() string {
	s := "tvauth: invalid " + cmp.Or(cleanText(e.Field, maxCodeBytes), "request")
	if reason := cleanText(strings.TrimPrefix(strings.TrimSpace(e.Reason), "tvauth: "), maxTextBytes); reason != "" {
		s += ": " + reason
	}
	return s
}

// Is makes errors.Is(err, ErrInvalidRequest) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidRequest }

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// serverReply is the reply an error came from, reached only through RawBody and RawHeader. Its bytes
// sit behind a pointer to a pointer, which fmt prints as an address whatever the verb (a struct
// pointer it prints in full under %s or %q); slog and encoding/json skip unexported fields.
type serverReply struct{ raw **rawReply }

type rawReply struct {
	header http.Header
	body   []byte
}

// RawBody returns the body of the reply the error came from as the server sent it, NOT scrubbed (it
// holds whatever the server echoed, secrets included), at most 4 MiB; nil for an error without one.
func (r serverReply) RawBody() []byte { return r.reply().body }

// RawHeader returns the header of the reply the error came from, exactly as the server sent it (NOT
// scrubbed). nil for an error that came from no reply.
func (r serverReply) RawHeader() http.Header { return r.reply().header }

func (r serverReply) reply() (rr rawReply) {
	if r.raw != nil {
		rr = **r.raw
	}
	return rr
}

// errText writes an Error() text part by part, each cut to its bound.
type errText struct{ b []byte }

// newErrText starts "tvauth: <service> <operation>: "; op is "family.operation".
func newErrText(service, op string) *errText {
	if _, name, ok := strings.Cut(op, "."); ok {
		op = name
	}
	t := &errText{b: append(make([]byte, 0, 128), "tvauth: "...)}
	name := strings.TrimSpace(cleanText(service, maxServiceText) + " " + cleanText(op, maxOperationText))
	if name != "" {
		t.b = append(append(t.b, name...), ": "...)
	}
	return t
}

// add writes prefix, s cut to limit and suffix, when s is not blank.
func (t *errText) add(prefix, s string, limit int, suffix ...byte) *errText {
	if s = cleanText(s, limit); s != "" {
		t.b = append(append(append(t.b, prefix...), s...), suffix...)
	}
	return t
}

func (t *errText) int(prefix string, n int) *errText {
	t.b = strconv.AppendInt(append(t.b, prefix...), int64(n), 10)
	return t
}

// message writes ": <message>" and, for an unexpected redirect, where it pointed: " redirected to
// <Location>" when there is no message, " (redirected to <Location cut to maxLocationText>)" after one.
func (t *errText) message(msg string, status int, location string) *errText {
	msg, location = cleanText(msg, maxTextBytes), cleanText(location, maxTextBytes)
	redirects := []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect}
	redirect := status >= 300 && status <= 399 && (location != "" || slices.Contains(redirects, status))
	switch t.add(": ", msg, maxTextBytes); {
	case !redirect:
	case msg == "" && location != "":
		t.add(" redirected to ", location, maxTextBytes)
	case msg == "":
		t.b = append(t.b, " redirected"...)
	case location != "":
		t.add(" (redirected to ", location, maxLocationText, ')')
	default:
		t.b = append(t.b, " (redirected)"...)
	}
	return t
}

func (t *errText) correlation(id string) string {
	return t.add(" (correlation id ", id, maxCodeBytes, ')').String()
}

func (t *errText) String() string { return string(t.b) }

// PassError is an Adobe Pass failure: an Enhanced Error Code object (REST API v2 and v1), a DCR
// {"error":…} body, a legacy v1 {"status":…,"message":…} or XML <error> body, or a bare HTTP status
// (the throttling layer's HTML 429 page, an unexpected redirect, an HTML error page). Its text fields
// are the server's, scrubbed of every secret the client holds or the call sent and bounded (Code and
// Action at most 64 bytes, the others 200); RawBody and RawHeader give the reply as it was sent.
type PassError struct {
	HTTPStatus int           // the status of the HTTP reply
	Action     string        // EEC action: none, configuration, application-registration, authentication, …
	Code       string        // EEC code, or the DCR "error" value (invalid_client, …)
	Message    string        // the server's message (EEC message, DCR error_description)
	Details    string        // EEC details
	HelpURL    string        // EEC helpUrl
	Trace      string        // EEC trace id, for Adobe support
	Status     int           // the status inside the body, which may differ from HTTPStatus
	RetryAfter time.Duration // from a Retry-After header, when the server sent one
	// Location is the Location header of a 3xx the call did not expect (secret-named query
	// parameters blanked, scrubbed): where the server wanted to send the client, often a login page.
	Location string
	// Service is "clientless" for the legacy REST API v1; "" (or "adobe pass") for REST API v2 and DCR.
	Service string
	// Op is the operation that failed, as "family.operation" in the vendor's spelling ("pass.logout",
	// "clientless.authorize"); "" for an item error inside an answer.
	Op string

	serverReply
}

// Error reads "tvauth: <service> <operation>: HTTP <status> <code> (status <body status>): <message>".
func (e *PassError) Error() string {
	t := newErrText(cmp.Or(e.Service, svcPass.String()), e.Op).int("HTTP ", e.HTTPStatus)
	t.add(" ", e.Code, maxCodeBytes)
	if e.Status != 0 && e.Status != e.HTTPStatus {
		t.add(" (status ", strconv.Itoa(e.Status), maxCodeBytes, ')')
	}
	return t.message(e.Message, e.HTTPStatus, e.Location).String()
}

// redirectLocation is the Location header of a 3xx reply, as sent (finishError scrubs it).
func redirectLocation(r *response) string {
	if r.StatusCode < 300 || r.StatusCode > 399 {
		return ""
	}
	return r.Header.Get("Location")
}

// Is matches ErrUnauthorized for 401s and DCR invalid_client (the credentials are gone), ErrRateLimited
// for 429s.
func (e *PassError) Is(target error) bool {
	unauthorized := e.HTTPStatus == http.StatusUnauthorized || e.Status == http.StatusUnauthorized ||
		e.Code == "invalid_client"
	limited := e.HTTPStatus == http.StatusTooManyRequests || e.Status == http.StatusTooManyRequests
	return target == ErrUnauthorized && unauthorized || target == ErrRateLimited && limited
}

func (e *PassError) scrub(r *redactor) {
	e.Action, e.Code = r.text(e.Action, maxCodeBytes), r.text(e.Code, maxCodeBytes)
	e.Message, e.Details = r.text(e.Message, maxTextBytes), r.text(e.Details, maxTextBytes)
	e.HelpURL, e.Trace = r.text(e.HelpURL, maxTextBytes), r.text(e.Trace, maxTextBytes)
	e.Location = r.location(e.Location, maxTextBytes)
}

// passErrorBody is every shape of Adobe error body in one: Enhanced Error Codes, DCR OAuth errors and
// the legacy v1 bodies; status and error arrive with loose types, hence the raw fields.
type passErrorBody struct {
	Action           string          `json:"action" xml:"action"`
	Status           json.RawMessage `json:"status"`
	Code             string          `json:"code" xml:"code"`
	Message          string          `json:"message"`
	Details          string          `json:"details"`
	HelpURL          string          `json:"helpUrl" xml:"helpUrl"`
	Trace            string          `json:"trace" xml:"trace"`
	Error            json.RawMessage `json:"error"`
	ErrorDescription string          `json:"error_description"` // OAuth's, sent by some DCR deployments
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
// never fails: a body it cannot read leaves only HTTPStatus (and RetryAfter, Location) set. Only the
// v1 decoder reads XML, so that a program that never calls v1 links no XML decoder.
func decodePassError(r *response) error { return decodeAdobeError(r, "", nil) }

// decodeClientlessError is decodePassError for the legacy REST API v1, which may also answer with XML.
func decodeClientlessError(r *response) error {
	return decodeAdobeError(r, svcClientless.String(), (*PassError).fillFromXML)
}

// decodeAdobeError reads a JSON error body, or with fromXML an XML one.
func decodeAdobeError(r *response, service string, fromXML func(*PassError, []byte)) *PassError {
	e := &PassError{HTTPStatus: r.StatusCode, Location: redirectLocation(r), Service: service}
	e.RetryAfter, _ = parseRetryAfter(r.Header.Get("Retry-After"), time.Now())
	body := trimBOM(r.Body)
	switch {
	case len(body) > 0 && body[0] == '{':
		var b passErrorBody
		if unmarshalPassError(body, &b) == nil {
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

// unmarshalPassError reads an Adobe error object. Its message and details are strings in every
// documented sample, which encoding/json reads in its one pass over the body (an error body may be
// megabytes); one of another type (an object, a number) is read again, as its JSON text.
func unmarshalPassError(data []byte, b *passErrorBody) error {
	err := json.Unmarshal(data, b)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || (te.Field != "message" && te.Field != "details") {
		return err
	}
	var loose struct{ Message, Details json.RawMessage }
	if err := json.Unmarshal(data, &loose); err != nil {
		return err
	}
	b.Message, b.Details = looseString(loose.Message), looseString(loose.Details)
	return nil
}

func (e *PassError) fillFromJSON(b *passErrorBody) {
	e.Action, e.Code, e.HelpURL, e.Trace = b.Action, b.Code, b.HelpURL, b.Trace
	e.Message, e.Details, e.Status = b.Message, b.Details, looseInt(b.Status)
	// DCR and OAuth: {"error":"invalid_client"}. An EEC item may also carry "error" as an object.
	switch s := looseString(b.Error); {
	case e.Code != "" || len(b.Error) == 0:
	case b.Error[0] == '"' && s != "":
		e.Code, e.Message = s, cmp.Or(e.Message, b.ErrorDescription)
	case b.Error[0] == '{':
		var inner passErrorBody
		if unmarshalPassError(b.Error, &inner) == nil {
			e.fillFromJSON(&inner)
		}
	}
}

// Challenge is what NINA asks before clientLogin succeeds (statusCode 330): a captcha, SecurID, 2FA.
type Challenge struct {
	Info    string // what is asked: captcha, securid, … (at most 64 bytes)
	Context string // to send back with the answer (at most 2 KiB)
	URL     string // e.g. the captcha image (at most 2 KiB)
}

// WebAPIError is a NINA WebAPI reply whose statusCode is not 200, or a reply whose HTTP status is not
// an answer whatever its statusCode. StatusText and Location are scrubbed and at most 200 bytes,
// RequestID at most 64; RawBody and RawHeader give the reply as it was sent.
type WebAPIError struct {
	HTTPStatus       int        // the status of the HTTP reply
	StatusCode       int        // the envelope's statusCode; 0 without an envelope
	StatusDetailCode int        // statusDetailCode, such as 3011 or 1015
	StatusText       string     // statusText
	RequestID        string     // requestId: the request's r, echoed back
	Challenge        *Challenge // on 330
	// Location is the Location header of a 3xx reply (scrubbed): NINA answers a logout it will not do
	// with a redirect to its login page.
	Location string
	// Op is the operation that failed: "webapi.clientLogin", "webapi.logout".
	Op string

	serverReply
}

// Error reads "tvauth: nina webapi <operation>: HTTP <status> statusCode <code>/<detail>: <text>
// [challenge <info>]"; the statusCode part is left out for a reply without an envelope.
func (e *WebAPIError) Error() string {
	t := newErrText(svcWebAPI.String(), e.Op).int("HTTP ", e.HTTPStatus)
	if e.StatusCode != 0 {
		t.int(" statusCode ", e.StatusCode)
		if e.StatusDetailCode != 0 {
			t.int("/", e.StatusDetailCode)
		}
	}
	t.message(e.StatusText, e.HTTPStatus, e.Location)
	if e.Challenge != nil {
		t.add(" [challenge ", e.Challenge.Info, maxChallengeText, ']')
	}
	return t.String()
}

// Is: statusCode 401, 440–444, 330/3011 (bad password) and 401/3019 match ErrUnauthorized, as does
// HTTP 401 without an envelope (or with one that says 200); statusCode 429, 430, 441 and 607 and HTTP
// 429 (whatever the envelope says) match ErrRateLimited.
func (e *WebAPIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == 401 || (e.StatusCode >= 440 && e.StatusCode <= 444) ||
			(e.StatusCode == 330 && e.StatusDetailCode == 3011) ||
			((e.StatusCode == 0 || e.StatusCode == http.StatusOK) && e.HTTPStatus == http.StatusUnauthorized)
	case ErrRateLimited:
		return e.StatusCode == 429 || e.StatusCode == 430 || e.StatusCode == 441 || e.StatusCode == 607 ||
			e.HTTPStatus == http.StatusTooManyRequests
	}
	return false
}

func (e *WebAPIError) scrub(r *redactor) {
	e.StatusText, e.RequestID = r.text(e.StatusText, maxTextBytes), r.text(e.RequestID, maxCodeBytes)
	e.Location = r.location(e.Location, maxTextBytes)
	if e.Challenge != nil {
		c := *e.Challenge
		c.Info, c.Context, c.URL = r.text(c.Info, maxCodeBytes), r.text(c.Context, maxDataBytes), r.text(c.URL, maxDataBytes)
		e.Challenge = &c
	}
}

// AGSError is an OpenTV AGS failure: {"code":…,"message":…} or any other body with a non-answer status.
// Code is scrubbed and at most 64 bytes, Message and Location at most 200; RawBody and RawHeader give
// the reply as it was sent.
type AGSError struct {
	HTTPStatus    int    // the status of the HTTP reply
	Code          string // the body's code (a number is kept as its text): AGSCode…
	Message       string // the body's message
	CorrelationID string // the x-correlation-id the failed call sent, to join with the operator's logs
	// Location is the Location header of a 3xx the call did not expect (scrubbed).
	Location string
	// Op is the operation that failed: "ags.signOn", "ags.refresh", …
	Op string

	serverReply
}

// Error reads "tvauth: opentv ags <op>: HTTP <status> code <code>: <message> (correlation id <id>)".
func (e *AGSError) Error() string {
	return newErrText(svcAGS.String(), e.Op).int("HTTP ", e.HTTPStatus).add(" code ", e.Code, maxCodeBytes).
		message(e.Message, e.HTTPStatus, e.Location).correlation(e.CorrelationID)
}

// Is matches ErrUnauthorized for 401 and ErrRateLimited for 429.
func (e *AGSError) Is(target error) bool {
	return target == ErrUnauthorized && e.HTTPStatus == http.StatusUnauthorized ||
		target == ErrRateLimited && e.HTTPStatus == http.StatusTooManyRequests
}

func (e *AGSError) scrub(r *redactor) {
	e.Code, e.Message = r.text(e.Code, maxCodeBytes), r.text(e.Message, maxTextBytes)
	e.CorrelationID, e.Location = r.text(e.CorrelationID, maxCodeBytes), r.location(e.Location, maxTextBytes)
}

// decodeAGSError never fails: code may be a number or a string; a non-JSON body leaves Code, Message empty.
func decodeAGSError(r *response) error {
	e := &AGSError{HTTPStatus: r.StatusCode, Location: redirectLocation(r)}
	body := trimBOM(r.Body)
	if len(body) == 0 || body[0] != '{' {
		return e
	}
	// message is read as for Adobe (unmarshalPassError): as a string, or again as JSON text.
	var b struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
	}
	err := json.Unmarshal(body, &b)
	if te := (*json.UnmarshalTypeError)(nil); errors.As(err, &te) && te.Field == "message" {
		var loose struct{ Message json.RawMessage }
		err = json.Unmarshal(body, &loose)
		b.Message = looseString(loose.Message)
	}
	if err == nil {
		e.Code, e.Message = looseString(b.Code), b.Message
	}
	return e
}

// DecodeError reports a reply with an answer status whose body could not be read as documented (an
// HTML page instead of JSON, a truncated body, a wrong type); RawBody and RawHeader give it as sent.
type DecodeError struct {
	Service       string // "adobe pass", "clientless", "nina webapi", "opentv ags"
	HTTPStatus    int    // the status of the HTTP reply
	ContentType   string // the reply's media type
	Err           error  // the cause, or a stand-in with its scrubbed text (see RequestError.Err)
	CorrelationID string // the x-correlation-id the call sent (AGS), to join with the server's logs
	Op            string // the operation that failed

	serverReply
}

// Error reads "tvauth: <service> <operation>: cannot decode HTTP <status> reply (<content type>):
// <cause> (correlation id <id>)".
func (e *DecodeError) Error() string {
	t := newErrText(e.Service, e.Op).int("cannot decode HTTP ", e.HTTPStatus)
	t.b = append(t.b, " reply"...)
	return t.add(" (", e.ContentType, maxCodeBytes, ')').add(": ", causeText(e.Err), maxTextBytes).
		correlation(e.CorrelationID)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// replyMediaType is the media type of a reply's Content-Type, its case kept: the scrubber finds a
// secret a server echoed there only in the form it was sent in.
func replyMediaType(r *response) string {
	mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.TrimSpace(mt)
}

func (e *DecodeError) scrub(r *redactor) {
	e.ContentType, e.CorrelationID = r.text(e.ContentType, maxCodeBytes), r.text(e.CorrelationID, maxCodeBytes)
	_, e.Err = r.cause(e.Err)
}

// causeText is a wrapped error's text without its own "tvauth: ": the wrapper's prefix is the only one.
func causeText(err error) string {
	if err == nil {
		return ""
	}
	return strings.TrimSpace(strings.TrimPrefix(err.Error(), "tvauth: "))
}

// cause returns the text an error shows for its cause err, and the err its chain holds: err itself when
// its text is short and holds no secret, else a stand-in with the scrubbed, bounded text that answers
// errors.Is as err did (context errors, ErrResponseTooLarge, io.ErrUnexpectedEOF) and is a net.Error
// with err's Timeout when err was one. errors.As reaches no value of err: it could print the secret.
func (r *redactor) cause(err error) (string, error) {
	if err == nil {
		return "", nil
	}
	full := err.Error()
	text := r.text(full, maxTextBytes)
	if text == full {
		return text, err
	}
	ce := causeError{text: text, is: func(target error) bool { return errors.Is(err, target) }}
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) {
		return text, &ce
	}
	var temp interface{ Temporary() bool } // deprecated in net.Error, still part of it
	return text, &netCauseError{causeError: ce, timeout: ne.Timeout(), temporary: errors.As(err, &temp) && temp.Temporary()}
}

// causeError stands in for a cause whose text was not fit to show. It keeps no value of the cause
// (only a func that asks it errors.Is), so nothing, not even %#v, prints what was scrubbed.
type causeError struct {
	text string
	is   func(error) bool
}

func (e *causeError) Error() string        { return e.text }
func (e *causeError) Is(target error) bool { return e.is(target) }

// netCauseError is a causeError whose cause was a net.Error.
type netCauseError struct {
	causeError
	timeout, temporary bool
}

func (e *netCauseError) Timeout() bool   { return e.timeout }
func (e *netCauseError) Temporary() bool { return e.temporary }

// RequestError is a failure to get any reply: a transport error, an exhausted deadline, a body over the
// cap. Unwrap gives the cause (context.DeadlineExceeded, *net.OpError, ErrResponseTooLarge, …) so that
// errors.Is and errors.As work through it. A cause whose text holds a secret or more than 200 bytes is
// replaced by a stand-in with its scrubbed, bounded text, which still answers errors.Is (and a
// net.Error's Timeout) as the cause did; a cause whose text is clean is kept with its whole chain.
type RequestError struct {
	Service       string // "adobe pass", "clientless", "nina webapi", "opentv ags"
	Method        string // the HTTP method
	URL           string // secret-named query parameters blanked, scrubbed, at most 200 bytes
	Err           error  // the cause (see above)
	CorrelationID string // the x-correlation-id the call sent (AGS): a timeout is when the server's logs matter
	Op            string // the operation that failed
	msg           string // the cause's text, scrubbed
}

// Error reads "tvauth: <service> <operation>: <METHOD> <URL>: <cause>"; the method and URL are left out
// when the call never got as far as a URL (a service that is not configured).
func (e *RequestError) Error() string {
	t := newErrText(e.Service, e.Op)
	if url := cleanText(e.URL, maxURLText); url != "" {
		if method := cleanText(e.Method, maxMethodText); method != "" {
			t.b = append(append(t.b, method...), ' ')
		}
		t.b = append(append(t.b, url...), ": "...)
	}
	msg := cmp.Or(strings.TrimSpace(strings.TrimPrefix(e.msg, "tvauth: ")), causeText(e.Err))
	t.b = append(t.b, cmp.Or(cleanText(msg, maxTextBytes), "request failed")...)
	return t.correlation(e.CorrelationID)
}

func (e *RequestError) Unwrap() error { return e.Err }

// wrapError is "tvauth: <context>: <cause>", the cause's own "tvauth: " left out: one prefix.
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

func notConfigured(svc serviceID, method, option string) error {
	return &RequestError{Service: svc.String(), Method: method, Err: ErrNotConfigured,
		msg: "service not configured (set " + option + ")"}
}

type scrubber interface{ scrub(*redactor) } // every error type that carries text a server sent

// finishError makes an error from a reply fit to return: the reply's text in it scrubbed and bounded,
// the operation named, and the reply kept for RawBody and RawHeader.
func (r *redactor) finishError(err error, cl *call, resp *response) error {
	reply := &rawReply{header: resp.Header, body: resp.Body}
	raw := serverReply{raw: &reply}
	switch e := err.(type) {
	case *PassError:
		e.Op, e.serverReply = cl.op, raw
	case *WebAPIError:
		e.Op, e.serverReply = cl.op, raw
	case *AGSError:
		e.Op, e.serverReply = cl.op, raw
	case *DecodeError:
		e.Op, e.serverReply = cl.op, raw
		e.CorrelationID = cl.header.Get("X-Correlation-Id")
	}
	if s, ok := err.(scrubber); ok {
		s.scrub(r)
	}
	return err
}
