package tvauth

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// What the Adobe Pass REST API v2 calls share: next actions, optional headers, device header modes,
// timestamps and a decoder that tolerates the trailing commas of Adobe's published samples.

const passThrottleFloor = time.Second // Adobe's throttling layer: after a 429, wait at least 1 s

// ActionName is the next step Adobe Pass asks for ("actionName"); values added later decode as-is.
type ActionName string

// Documented action names. Logout answers with logout, partner_logout, complete or invalid; sessions
// with authenticate, resume, authorize or retry; partner SSO sessions also with partner_profile.
const (
	ActionLogout         ActionName = "logout"
	ActionPartnerLogout  ActionName = "partner_logout"
	ActionComplete       ActionName = "complete"
	ActionInvalid        ActionName = "invalid"
	ActionAuthenticate   ActionName = "authenticate" // sessions
	ActionResume         ActionName = "resume"
	ActionAuthorize      ActionName = "authorize"
	ActionRetry          ActionName = "retry"
	ActionPartnerProfile ActionName = "partner_profile" // partner SSO sessions
)

// ActionType says how to perform an ActionName ("actionType"); values added later decode as-is.
type ActionType string

// Documented action types.
const (
	ActionTypeInteractive        ActionType = "interactive"         // open the URL in a user agent
	ActionTypePartnerInteractive ActionType = "partner_interactive" // ask the user to act at partner level
	ActionTypeDirect             ActionType = "direct"              // call the URL with an HTTP client
	ActionTypeNone               ActionType = "none"                // nothing left to do
)

// ReasonType explains a session's ActionName ("reasonType"). Values the server adds later decode as-is.
type ReasonType string

// Documented reason types.
const (
	ReasonNone                      ReasonType = "none"
	ReasonAuthenticated             ReasonType = "authenticated"
	ReasonTemporary                 ReasonType = "temporary"
	ReasonDegraded                  ReasonType = "degraded"
	ReasonAuthenticatedSSO          ReasonType = "authenticatedSSO"
	ReasonPFSFallback               ReasonType = "pfs_fallback"
	ReasonConfigurationFallback     ReasonType = "configuration_fallback"
	ReasonMissingParametersFallback ReasonType = "missing_parameters_fallback"
)

// PassHeaders are the optional Adobe Pass REST API v2 request headers. Empty fields are not sent. Each
// endpoint takes only the headers its documentation lists; setting another one is a *ValidationError
// rather than a header silently dropped.
type PassHeaders struct {
	VisitorID              string // AP-Visitor-Identifier: the Experience Cloud ID (ECID)
	SubjectToken           Secret // Adobe-Subject-Token: platform identity SSO payload (JWS/JWE)
	RokuConnectToken       Secret // X-Roku-Reserved-Roku-Connect-Token: Roku's SSO payload
	ServiceToken           Secret // AD-Service-Token: service token SSO payload (JWS)
	PartnerFrameworkStatus string // AP-Partner-Framework-Status: Base64 JSON (see FrameworkStatus)
	TempPassIdentity       Secret // AP-TempPass-Identity: Base64 JSON user identity, an e-mail address (Promotional TempPass)
}

type passHeader uint8 // one optional header; a bit set says which ones an endpoint takes

const (
	hdrVisitor passHeader = 1 << iota
	hdrSSO                // Adobe-Subject-Token / X-Roku-Reserved-Roku-Connect-Token and AD-Service-Token
	hdrPFS
	hdrTempPass
)

// apply validates the headers against what the endpoint takes and writes the non-empty ones; secret
// values go to the call's redactor (the TempPass identity's header name is not a secret name).
func (h PassHeaders) apply(cl *call, allowed passHeader) error {
	fields := []struct {
		field, name, value string
		kind               passHeader
	}{
		{"VisitorID", "AP-Visitor-Identifier", h.VisitorID, hdrVisitor},
		{"SubjectToken", "Adobe-Subject-Token", string(h.SubjectToken), hdrSSO},
		{"RokuConnectToken", "X-Roku-Reserved-Roku-Connect-Token", string(h.RokuConnectToken), hdrSSO},
		{"ServiceToken", "AD-Service-Token", string(h.ServiceToken), hdrSSO},
		{"PartnerFrameworkStatus", "AP-Partner-Framework-Status", h.PartnerFrameworkStatus, hdrPFS},
		{"TempPassIdentity", "AP-TempPass-Identity", string(h.TempPassIdentity), hdrTempPass},
	}
	if h.SubjectToken != "" && h.RokuConnectToken != "" {
		return invalid("Headers.RokuConnectToken", "send either Adobe-Subject-Token or X-Roku-Reserved-Roku-Connect-Token, not both")
	}
	for _, f := range fields {
		if f.value == "" {
			continue
		}
		if allowed&f.kind == 0 {
			return invalid("Headers."+f.field, "this endpoint does not take the %s header", f.name)
		}
		if err := checkHeaderValue("Headers."+f.field, f.value); err != nil {
			return err
		}
		cl.header.Set(f.name, f.value)
		if f.kind == hdrSSO || f.kind == hdrTempPass {
			cl.secrets = append(cl.secrets, f.value)
		}
	}
	return nil
}

// FrameworkStatus is the AP-Partner-Framework-Status payload that partner (Apple) SSO needs: the
// user's permission to the TV provider account and the provider the platform reports.
type FrameworkStatus struct {
	AccessStatus   string    // frameworkPermissionInfo.accessStatus: granted, denied, restricted, notDetermined
	ProviderID     string    // frameworkProviderInfo.id: the platform mapping id of the MVPD
	ExpirationDate time.Time // frameworkProviderInfo.expirationDate (sent as a millisecond string)
}

// Encode returns the header value: standard Base64 of the compact JSON.
func (f FrameworkStatus) Encode() (string, error) {
	if f.AccessStatus == "" {
		return "", invalid("FrameworkStatus.AccessStatus", "empty")
	}
	var body struct {
		Permission struct {
			AccessStatus string `json:"accessStatus"`
		} `json:"frameworkPermissionInfo"`
		Provider struct {
			ID             string `json:"id,omitempty"`
			ExpirationDate string `json:"expirationDate,omitempty"`
		} `json:"frameworkProviderInfo"`
	}
	body.Permission.AccessStatus, body.Provider.ID = f.AccessStatus, f.ProviderID
	if !f.ExpirationDate.IsZero() {
		body.Provider.ExpirationDate = strconv.FormatInt(f.ExpirationDate.UnixMilli(), 10)
	}
	b, _ := json.Marshal(body) // strings only: it cannot fail
	return base64.StdEncoding.EncodeToString(b), nil
}

type passDeviceMode int // which device headers an endpoint takes

const (
	deviceRequired passDeviceMode = iota // AP-Device-Identifier, X-Device-Info; X-Forwarded-For if known
	deviceOptional                       // the same three headers, when a device is known
	// deviceInfoOnly: X-Device-Info (and X-Forwarded-For) when a device is known: the DCR token
	// endpoint, whose token source serves every device of a backend, with no request to take one from.
	deviceInfoOnly
	deviceInfoRequired // X-Device-Info must be sent (DCR registration: Adobe requires it)
	forwardedOnly      // only X-Forwarded-For, when the device has one (reads by code, resume)
)

// setDevice writes the device headers an endpoint takes from d, or the client's default device.
func (s *PassService) setDevice(h http.Header, d *Device, mode passDeviceMode) error {
	if mode == deviceRequired || mode == deviceOptional {
		return s.client.deviceHeaders(h, d, mode == deviceRequired) // which checks ForwardedFor too
	}
	d = cmp.Or(d, s.client.cfg.device)
	if d == nil {
		if mode == deviceInfoRequired {
			return invalid("Device", "no device: X-Device-Info is required; set the request's Device or WithDevice")
		}
		return nil
	}
	// A line break would smuggle in headers. Go's transport would refuse it too, but only inside the
	// pipeline, as a transport error rather than as bad input.
	if err := checkHeaderValue("Device.ForwardedFor", d.ForwardedFor); err != nil {
		return err
	}
	if mode != forwardedOnly {
		_, info, err := s.client.encodeDevice(d, false)
		if err != nil {
			return err
		}
		h["X-Device-Info"] = []string{info}
	}
	if d.ForwardedFor != "" {
		h.Set("X-Forwarded-For", d.ForwardedFor)
	}
	return nil
}

// v2call starts an Adobe Pass REST API v2 call: bearer-authorised, Adobe's 1 s floor after a 429.
func (s *PassService) v2call(op, method string, path route) *call {
	return &call{service: svcPass, op: op, method: method, path: path.path, template: path.template, header: make(http.Header, 8), // room for the device, SSO and pipeline headers
		auth: authPassBearer, throttleFloor: passThrottleFloor, decodeError: decodePassError}
}

// check is how every Pass call starts: the client is configured for it, and path segments are valid.
func (s *PassService) check(method string, auth authMode, segments ...string) error {
	if err := s.client.requireConfigured(svcPass, method, auth); err != nil {
		return err
	}
	return requireSegments(segments...)
}

// prepare writes the device headers (mode) and the optional headers (allowed) an endpoint takes.
func (s *PassService) prepare(cl *call, d *Device, mode passDeviceMode, h PassHeaders, allowed passHeader) error {
	if err := s.setDevice(cl.header, d, mode); err != nil {
		return err
	}
	return h.apply(cl, allowed)
}

// requireSegments is requireSegment (no empty or dot segment) over name/value pairs.
func requireSegments(nameValues ...string) error {
	for i := 0; i+1 < len(nameValues); i += 2 {
		if err := requireSegment(nameValues[i], nameValues[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// passTime is a millisecond epoch timestamp, a JSON number in some replies (profiles, decisions,
// tokens) and a JSON string in others (sessions); null, "" and absent are the zero time.
type passTime time.Time

func (t *passTime) UnmarshalJSON(b []byte) error { return unmarshalTextOrString(b, t) }

func (t *passTime) UnmarshalText(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		*t = passTime{}
		return nil
	}
	ms, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || f != f || f > 1<<62 || f < -(1<<62) {
			return fmt.Errorf("timestamp (%s) is not milliseconds since the epoch", valueShape(string(b)))
		}
		ms = int64(f)
	}
	*t = passTime(time.UnixMilli(ms))
	return nil
}

// Time returns the timestamp; the zero time when none was given.
func (t passTime) Time() time.Time { return time.Time(t) }

// passUnmarshal decodes a JSON reply; after a syntax error it tries once more without the trailing
// commas of Adobe's own samples ({"a":1,}). Other defects (an HTML page, say) stay errors.
func passUnmarshal(body []byte, v any) error {
	body = trimBOM(body)
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err
	}
	if fixed, changed := dropTrailingCommas(body); changed && json.Unmarshal(fixed, v) == nil {
		return nil
	}
	return err
}

// passUnmarshalObject is passUnmarshal for a reply documented as an object: a bare null is an error,
// not an empty result ("no profiles", "no decisions").
func passUnmarshalObject(body []byte, v any) error {
	if isJSONNull(body) {
		return errNullReply
	}
	return passUnmarshal(body, v)
}

// dropTrailingCommas removes each comma that, outside a string, ends a value and is followed only by
// white space and a closing bracket or brace ({"a":1,} but not {,}).
func dropTrailingCommas(b []byte) ([]byte, bool) {
	out := make([]byte, 0, len(b))
	inString, escaped, afterValue, changed := false, false, false, false
	for i, c := range b {
		switch {
		case inString:
			inString = escaped || c != '"'
			escaped = !escaped && c == '\\'
		case c == '"':
			inString = true
		case c == ',' && afterValue:
			if r := bytes.TrimLeft(b[i+1:], " \t\r\n"); len(r) > 0 && (r[0] == '}' || r[0] == ']') {
				changed = true
				continue
			}
		}
		out = append(out, c)
		if strings.IndexByte(" \t\r\n", c) < 0 {
			afterValue = strings.IndexByte("{[,:", c) < 0 // the JSON written so far ends with a value
		}
	}
	return out, changed
}
