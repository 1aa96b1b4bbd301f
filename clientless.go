package tvauth

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The legacy Adobe Pass REST API v1 ("clientless"). A device without a browser asks the registration
// service (reggie) for a code, shows it, and polls CheckAuthN while the user signs in with the MVPD on
// a second screen: that login web app lists MVPDs (Config) and sends the browser to AuthenticateURL.
//
// The device's calls need WithPassTokenSource (ErrNotConfigured otherwise) and a device (the
// request's, or WithDevice) for X-Device-Info, AP-Device-Identifier and deviceId. The login web app's
// calls (Config, AuthenticateURL, Authenticate, RegCode, CheckAuthNByRegCode, PreauthorizeByRegCode)
// send the bearer token only when a token source is configured, and no device headers (a browser's).

const (
	v1Throttle      = time.Second    // least wait after a 429 without Retry-After: the bucket refills 1/s
	v1MaxRegCodeTTL = 10 * time.Hour // reggie's documented ceiling; a larger ttl is a 400
)

// AuthenticateRequest is the login web app's /api/v1/authenticate call.
type AuthenticateRequest struct {
	RequestorID string     // requestor_id: the programmer's requestor id
	MSOID       string     // mso_id: the MVPD the user picked
	RegCode     string     // reg_code: the code the device showed
	DomainName  string     // domain_name: the login web app's registered domain
	RedirectURL string     // redirect_url: always the last parameter, always URL-encoded
	GenericData string     // generic_data (optional, Promotional TempPass)
	Extra       url.Values // optional further parameters
}

// v1AuthenticateFixed are the parameters AuthenticateURL writes itself; Extra may not repeat them.
var v1AuthenticateFixed = []string{"reg_code", "requestor_id", "mso_id", "domain_name", "noflash",
	"no_iframe", "generic_data", "redirect_url"}

// v1AuthenticateQuery is prefix[0] + prefix[1] + … + the query, built in one buffer and by hand:
// url.Values.Encode sorts keys, which would put "&reg_code" mid-query (old browsers read "&reg" as ®,
// losing the code) and redirect_url mid-query (Adobe requires it last).
func v1AuthenticateQuery(req AuthenticateRequest, prefix ...string) (string, error) {
	if err := v1Require("RegCode", req.RegCode, "RequestorID", req.RequestorID, "MSOID", req.MSOID,
		"DomainName", req.DomainName, "RedirectURL", req.RedirectURL); err != nil {
		return "", err
	}
	if err := checkText("GenericData", req.GenericData); err != nil {
		return "", err
	}
	// Adobe sends the browser there after the MVPD login: it needs a scheme and a host, which also
	// keeps out javascript:, data: and other URLs that are not a page of the login web app.
	if err := requireAbsoluteURL("RedirectURL", req.RedirectURL); err != nil {
		return "", err
	}
	ps := append(make(pairs, 0, 8+len(req.Extra)), pair{"reg_code", req.RegCode},
		pair{"requestor_id", req.RequestorID}, pair{"mso_id", req.MSOID}, pair{"domain_name", req.DomainName},
		pair{"noflash", "true"}, pair{"no_iframe", "true"})
	if req.GenericData != "" {
		ps = append(ps, pair{"generic_data", req.GenericData})
	}
	keys := make([]string, 0, len(req.Extra)) // not slices.Sorted(maps.Keys): its iterators allocate
	for k := range req.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	entityName := false // an Extra name starts with a legacy entity name (the fixed ones do not)
	for _, k := range keys {
		switch {
		case k == "":
			return "", invalid("Extra", "empty parameter name")
		case slices.Contains(v1AuthenticateFixed, k):
			return "", invalid("Extra", "parameter %q is set by its own field", k)
		case controlAt(k) >= 0:
			return "", invalid("Extra", "a parameter name contains a control character")
		}
		for _, v := range req.Extra[k] {
			if err := checkText("Extra["+k+"]", v); err != nil {
				return "", err
			}
			ps = append(ps, pair{k, v})
		}
		entityName = entityName || v1EntityAfterAmp("&"+k) == 0
	}
	ps = append(ps, pair{"redirect_url", req.RedirectURL})
	s := ps.encodeAfter(prefix...)
	if entityName {
		n := len(strings.Join(prefix, ""))
		s = s[:n] + v1EntitySafe(s[n:])
	}
	return s, nil
}

// htmlLegacyEntities are the character references HTML reads without a ';' (in text, "&para=1" shows
// as "¶=1", "&region" as "®ion"), lower-cased. HTML matches them case-sensitively; comparing without
// case covers its upper-case ones (&REG, &AMP …) too.
var htmlLegacyEntities = []string{
	"aacute", "acirc", "acute", "aelig", "agrave", "amp", "aring", "atilde", "auml", "brvbar", "ccedil",
	"cedil", "cent", "copy", "curren", "deg", "divide", "eacute", "ecirc", "egrave", "eth", "euml", "frac12",
	"frac14", "frac34", "gt", "iacute", "icirc", "iexcl", "igrave", "iquest", "iuml", "laquo", "lt", "macr",
	"micro", "middot", "nbsp", "not", "ntilde", "oacute", "ocirc", "ograve", "ordf", "ordm", "oslash", "otilde",
	"ouml", "para", "plusmn", "pound", "quot", "raquo", "reg", "sect", "shy", "sup1", "sup2", "sup3", "szlig",
	"thorn", "times", "uacute", "ucirc", "ugrave", "uml", "uuml", "yacute", "yen", "yuml",
}

// v1EntityAfterAmp is the index of the first '&' in q that a legacy entity name follows, or -1.
func v1EntityAfterAmp(q string) int {
	for i := range len(q) {
		if q[i] != '&' {
			continue
		}
		for _, name := range htmlLegacyEntities {
			if rest := q[i+1:]; len(rest) >= len(name) && strings.EqualFold(rest[:len(name)], name) {
				return i
			}
		}
	}
	return -1
}

// v1EntitySafe percent-encodes the first letter of every parameter name that starts with a legacy
// entity name (say "&region=" or "&param="), so that no browser can show the URL with an entity read
// into it; the server decodes %72 back to "r".
func v1EntitySafe(q string) string {
	var b strings.Builder
	for i := v1EntityAfterAmp(q); i >= 0; i = v1EntityAfterAmp(q) {
		fmt.Fprintf(&b, "%s%%%02X", q[:i+1], q[i+1])
		q = q[i+2:]
	}
	b.WriteString(q)
	return b.String()
}

// AuthenticateURL builds <Clientless base>/api/v1/authenticate?reg_code=…&requestor_id=…&mso_id=…
// &domain_name=…&noflash=true&no_iframe=true[&generic_data=…][&extra…]&redirect_url=… for the login
// web app to open in the user's browser: reg_code first (never "&reg_code"), Extra sorted by name,
// redirect_url last, every name and value RFC 3986-encoded. A missing field, a RedirectURL without a
// scheme and a host, or an Extra that repeats a fixed parameter is a *ValidationError.
func (s *ClientlessService) AuthenticateURL(req AuthenticateRequest) (string, error) {
	if err := s.check(http.MethodGet, authNone); err != nil {
		return "", err
	}
	return v1AuthenticateQuery(req, s.client.baseURLs[svcClientless], "/api/v1/authenticate?")
}

// Authenticate sends the AuthenticateURL request without following redirects and returns the
// Location of the 302: the MVPD login page, resolved against the request URL when relative. The MVPD
// page is never fetched. Any other status is a *PassError.
func (s *ClientlessService) Authenticate(ctx context.Context, req AuthenticateRequest) (*url.URL, error) {
	if err := s.check(http.MethodGet, authNone); err != nil {
		return nil, err
	}
	q, err := v1AuthenticateQuery(req)
	if err != nil {
		return nil, err
	}
	cl := s.v1call("clientless.authenticate", http.MethodGet, pathf("/api/v1/authenticate"), s.optionalBearer())
	cl.query, cl.answers = q, []int{http.StatusFound}
	return send(ctx, s.client, cl, v1DecodeLocation)
}

// v1DecodeLocation reads the Location of a 302, resolved against the request URL.
func v1DecodeLocation(r *response) (*url.URL, error) {
	raw := strings.TrimSpace(r.Header.Get("Location"))
	if raw == "" {
		return nil, errors.New("302 without Location")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("302 Location is not a URL")
	}
	return r.Request.ResolveReference(u), nil
}

// check is how every v1 call starts: the client is configured for it, and the path segments are valid.
func (s *ClientlessService) check(method string, auth authMode, segments ...string) error {
	if err := s.client.requireConfigured(svcClientless, method, auth); err != nil {
		return err
	}
	return requireSegments(segments...)
}

// v1call starts the description of a REST API v1 call: JSON wanted (Adobe answers XML otherwise),
// Adobe's v1 error bodies, and its one-second floor after a 429.
func (s *ClientlessService) v1call(op, method string, path route, auth authMode) *call {
	return &call{service: svcClientless, op: op, method: method, path: path.path, template: path.template, header: http.Header{"Accept": {"application/json"}},
		auth: auth, throttleFloor: v1Throttle, decodeError: decodeClientlessError}
}

// optionalBearer authorises the login web app's calls when the client has a token source.
func (s *ClientlessService) optionalBearer() authMode {
	if s.client.cfg.passTS != nil {
		return authPassBearer
	}
	return authNone
}

// deviceCall checks and starts a device-side call: bearer-authorised, device headers set, the device's
// ID returned for the deviceId parameter. segments are the name/value pairs of path's ids.
func (s *ClientlessService) deviceCall(op, method string, path route, req ClientlessRequest,
	segments ...string) (*call, string, error) {
	if err := s.check(method, authPassBearer, segments...); err != nil {
		return nil, "", err
	}
	if err := v1Require("RequestorID", req.RequestorID); err != nil {
		return nil, "", err
	}
	cl := s.v1call(op, method, path, authPassBearer)
	d := cmp.Or(req.Device, s.client.cfg.device)
	if err := s.client.deviceHeaders(cl.header, d, true); err != nil {
		return nil, "", err
	}
	return cl, d.ID, nil
}

// deviceQuery is deviceCall with the query: requestor and deviceId, plus the resource fields of rq.
func (s *ClientlessService) deviceQuery(op, method string, path route, req ClientlessRequest, rq v1ResourceQuery) (*call, error) {
	cl, deviceID, err := s.deviceCall(op, method, path, req)
	if err != nil {
		return nil, err
	}
	rq.Requestor, rq.DeviceID = req.RequestorID, deviceID
	cl.query, _ = queryOf(rq)
	return cl, nil
}

// v1ResourceQuery is the device-side query. It and the forms below, strings and ints, always encode.
type v1ResourceQuery struct {
	Requestor   string `url:"requestor"`
	DeviceID    string `url:"deviceId"`
	Resource    string `url:"resource,omitempty"`
	GenericData string `url:"generic_data,omitempty"`
}

// v1RegCodeForm is the body of POST /reggie/v1/{requestor}/regcode.
type v1RegCodeForm struct {
	DeviceID string `url:"deviceId"`
	MVPD     string `url:"mvpd,omitempty"`
	TTL      int64  `url:"ttl,omitempty"`
}

// v1FreePreviewForm is the body of POST /api/v1/authenticate/freepreview.
type v1FreePreviewForm struct {
	RequestorID string `url:"requestor_id"`
	DeviceID    string `url:"deviceId"`
	MSOID       string `url:"mso_id"`
	DomainName  string `url:"domain_name"`
	GenericData string `url:"generic_data,omitempty"`
}

// CreateRegCode asks reggie for a registration code (POST /reggie/v1/{requestor}/regcode, 201). The
// parameters go in a form body, as yt-dlp and the Kodi add-on send them; Adobe's table calls them
// query parameters, which a servlet reads through the same getParameter.
func (s *ClientlessService) CreateRegCode(ctx context.Context, req RegCodeRequest) (*RegCode, error) {
	path := pathf("/reggie/v1/{requestor}/regcode", req.RequestorID)
	cl, deviceID, err := s.deviceCall("clientless.createRegCode", http.MethodPost, path,
		ClientlessRequest{req.RequestorID, req.Device}, "RequestorID", req.RequestorID)
	if err != nil {
		return nil, err
	}
	switch {
	case req.TTL < 0:
		return nil, invalid("TTL", "negative")
	case req.TTL > v1MaxRegCodeTTL:
		return nil, invalid("TTL", "%v is over the 10 h maximum", req.TTL)
	case req.TTL%time.Second != 0:
		return nil, invalid("TTL", "%v is not a whole number of seconds", req.TTL)
	}
	if err := checkText("MVPD", req.MVPD); err != nil {
		return nil, err
	}
	body, _ := queryOf(v1RegCodeForm{DeviceID: deviceID, MVPD: req.MVPD, TTL: int64(req.TTL / time.Second)})
	cl.header.Set("Content-Type", "application/x-www-form-urlencoded")
	cl.body, cl.answers = []byte(body), []int{http.StatusCreated, http.StatusOK}
	return send(ctx, s.client, cl, v1DecodeRegCode)
}

// RegCode returns the record of a registration code (GET /reggie/v1/{requestor}/regcode/{code}).
func (s *ClientlessService) RegCode(ctx context.Context, requestorID, code string) (*RegCode, error) {
	if err := s.check(http.MethodGet, authNone, "RequestorID", requestorID, "RegCode", code); err != nil {
		return nil, err
	}
	cl := s.v1call("clientless.regCode", http.MethodGet, pathf("/reggie/v1/{requestor}/regcode/{code}", requestorID, code), s.optionalBearer())
	return send(ctx, s.client, cl, v1DecodeRegCode)
}

// DeleteRegCode deletes a registration code record and frees the code (DELETE …/regcode/{code}, 204).
func (s *ClientlessService) DeleteRegCode(ctx context.Context, requestorID, code string) error {
	if err := s.check(http.MethodDelete, authPassBearer, "RequestorID", requestorID, "RegCode", code); err != nil {
		return err
	}
	_, err := s.client.do(ctx, s.v1call("clientless.deleteRegCode", http.MethodDelete,
		pathf("/reggie/v1/{requestor}/regcode/{code}", requestorID, code), authPassBearer))
	return err
}

// Config returns the requestor's MVPD list (GET /api/v1/config/{requestor}).
func (s *ClientlessService) Config(ctx context.Context, requestorID string) (*ClientlessConfig, error) {
	if err := s.check(http.MethodGet, authNone, "RequestorID", requestorID); err != nil {
		return nil, err
	}
	cl := s.v1call("clientless.config", http.MethodGet, pathf("/api/v1/config/{requestor}", requestorID), s.optionalBearer())
	return send(ctx, s.client, cl, v1DecodeConfig)
}

// CheckAuthN reports whether the device holds an unexpired authentication token
// (GET /api/v1/checkauthn): true on 200, false on 403. Other statuses are a *PassError.
func (s *ClientlessService) CheckAuthN(ctx context.Context, req ClientlessRequest) (bool, error) {
	cl, err := s.deviceQuery("clientless.checkauthn", http.MethodGet, pathf("/api/v1/checkauthn"), req, v1ResourceQuery{})
	if err != nil {
		return false, err
	}
	cl.answers = []int{http.StatusOK, http.StatusNoContent, http.StatusForbidden}
	return send(ctx, s.client, cl, v1Authenticated)
}

// CheckAuthNByRegCode lets the login web app confirm that the sign-in with the MVPD completed
// (GET /api/v1/checkauthn/{code}): true on 200, false on 403.
func (s *ClientlessService) CheckAuthNByRegCode(ctx context.Context, requestorID, code string) (bool, error) {
	if err := s.check(http.MethodGet, authNone, "RegCode", code); err != nil {
		return false, err
	}
	if err := v1Require("RequestorID", requestorID); err != nil {
		return false, err
	}
	cl := s.v1call("clientless.checkauthn", http.MethodGet, pathf("/api/v1/checkauthn/{code}", code), s.optionalBearer())
	cl.query = url.Values{"requestor": {requestorID}}.Encode()
	cl.answers = []int{http.StatusOK, http.StatusNoContent, http.StatusForbidden}
	return send(ctx, s.client, cl, v1Authenticated)
}

// v1Authenticated reads a checkauthn answer: 403 is "not (yet)", 200 and 204 are "yes".
func v1Authenticated(r *response) (bool, error) { return r.StatusCode != http.StatusForbidden, nil }

// WaitForAuthN polls CheckAuthN every interval (0 = 5 s) until the device is authenticated, an error
// other than "not yet" occurs, or ctx ends. Adobe recommends a "Continue" button over polling; when
// polling, keep the interval well above the 1 request/s throttle.
func (s *ClientlessService) WaitForAuthN(ctx context.Context, req ClientlessRequest, interval time.Duration) error {
	// Bad input is a *ValidationError whatever the context: the loop below would see a cancelled
	// context before CheckAuthN sees the request.
	if _, _, err := s.deviceCall("clientless.checkauthn", http.MethodGet, pathf("/api/v1/checkauthn"), req); err != nil {
		return err
	}
	switch {
	case ctx == nil: // the wait selects on ctx.Done() before any request checks it
		return invalid("ctx", "nil context")
	case interval < 0:
		return invalid("interval", "negative")
	}
	interval = cmp.Or(interval, 5*time.Second)
	for wait := time.Duration(0); ; wait = interval {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if ok, err := s.CheckAuthN(ctx, req); err != nil || ok {
			return err
		}
	}
}

// AuthNToken returns the device's authentication token (GET /api/v1/tokens/authn). 404 (none) and 410
// (expired) are a *PassError: start the registration flow again.
func (s *ClientlessService) AuthNToken(ctx context.Context, req ClientlessRequest) (*AuthNToken, error) {
	cl, err := s.deviceQuery("clientless.authnToken", http.MethodGet, pathf("/api/v1/tokens/authn"), req, v1ResourceQuery{})
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, v1DecodeAuthNToken)
}

// Authorize asks the MVPD whether the user may watch req.Resource (GET /api/v1/authorize). A denial is
// a *PassError (403, often with the MVPD's Details).
func (s *ClientlessService) Authorize(ctx context.Context, req ClientlessAuthorizeRequest) (*AuthZToken, error) {
	cl, err := s.resourceCall("clientless.authorize", pathf("/api/v1/authorize"), ClientlessRequest{req.RequestorID, req.Device},
		req.Resource, req.GenericData)
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, v1DecodeAuthZToken)
}

// AuthZToken returns the stored authorisation for a resource (GET /api/v1/tokens/authz): 412 means no
// authentication, 404 no authorisation, 410 an expired one, each a *PassError.
func (s *ClientlessService) AuthZToken(ctx context.Context, req ClientlessResourceRequest) (*AuthZToken, error) {
	cl, err := s.resourceCall("clientless.authzToken", pathf("/api/v1/tokens/authz"), ClientlessRequest{req.RequestorID, req.Device},
		req.Resource, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, v1DecodeAuthZToken)
}

// MediaToken obtains a short media token for a resource the user is authorised for
// (GET /api/v1/tokens/media, the same as /api/v1/mediatoken).
func (s *ClientlessService) MediaToken(ctx context.Context, req ClientlessResourceRequest) (*ShortMediaToken, error) {
	cl, err := s.resourceCall("clientless.mediaToken", pathf("/api/v1/tokens/media"), ClientlessRequest{req.RequestorID, req.Device},
		req.Resource, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, v1DecodeShortMediaToken)
}

// resourceCall checks and starts a call about one resource, which may be an MRSS document.
func (s *ClientlessService) resourceCall(op string, path route, req ClientlessRequest, resource, genericData string) (*call, error) {
	if err := s.check(http.MethodGet, authPassBearer); err != nil {
		return nil, err
	}
	if strings.TrimSpace(resource) == "" {
		return nil, invalid("Resource", "required")
	}
	if err := checkResource("Resource", resource); err != nil {
		return nil, err
	}
	if err := checkText("GenericData", genericData); err != nil {
		return nil, err
	}
	return s.deviceQuery(op, http.MethodGet, path, req, v1ResourceQuery{Resource: resource, GenericData: genericData})
}

// Preauthorize returns a decision per resource (GET /api/v1/preauthorize). A denied resource carries
// its own Enhanced Error Code in PreauthorizedResource.Error; the call itself still succeeds.
func (s *ClientlessService) Preauthorize(ctx context.Context, req ClientlessPreauthorizeRequest) (*Preauthorization, error) {
	if err := s.check(http.MethodGet, authPassBearer); err != nil {
		return nil, err
	}
	list, err := v1ResourceList(req.Resources)
	if err != nil {
		return nil, err
	}
	cl, err := s.deviceQuery("clientless.preauthorize", http.MethodGet, pathf("/api/v1/preauthorize"),
		ClientlessRequest{req.RequestorID, req.Device}, v1ResourceQuery{Resource: list})
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, v1DecodePreauthorization)
}

// PreauthorizeByRegCode is Preauthorize for the login web app (GET /api/v1/preauthorize/{code}).
func (s *ClientlessService) PreauthorizeByRegCode(ctx context.Context, code string, req ClientlessPreauthorizeRequest) (*Preauthorization, error) {
	if err := s.check(http.MethodGet, authNone, "RegCode", code); err != nil {
		return nil, err
	}
	if err := v1Require("RequestorID", req.RequestorID); err != nil {
		return nil, err
	}
	list, err := v1ResourceList(req.Resources)
	if err != nil {
		return nil, err
	}
	cl := s.v1call("clientless.preauthorize", http.MethodGet, pathf("/api/v1/preauthorize/{code}", code), s.optionalBearer())
	cl.query = url.Values{"requestor": {req.RequestorID}, "resource": {list}}.Encode()
	return send(ctx, s.client, cl, v1DecodePreauthorization)
}

func v1ResourceList(ids []string) (string, error) {
	if len(ids) == 0 {
		return "", invalid("Resources", "required")
	}
	for i, id := range ids {
		switch {
		case strings.TrimSpace(id) == "":
			return "", invalid("Resources", "resource %d is empty", i)
		case strings.Contains(id, ","):
			return "", invalid("Resources", "resource %d contains a comma, the list separator", i)
		}
		if err := checkResource("", id); err != nil {
			return "", listItem(err, "Resources", i)
		}
	}
	return strings.Join(ids, ","), nil
}

// UserMetadata returns what the MVPD shared about the user (GET /api/v1/tokens/usermetadata): 404
// means none, 412 an invalid authentication, each a *PassError.
func (s *ClientlessService) UserMetadata(ctx context.Context, req ClientlessRequest) (*UserMetadata, error) {
	cl, err := s.deviceQuery("clientless.userMetadata", http.MethodGet, pathf("/api/v1/tokens/usermetadata"), req, v1ResourceQuery{})
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, v1DecodeUserMetadata)
}

// FreePreview creates a TempPass authentication for the device without a second screen
// (POST /api/v1/authenticate/freepreview, 204).
func (s *ClientlessService) FreePreview(ctx context.Context, req FreePreviewRequest) error {
	cl, deviceID, err := s.deviceCall("clientless.freePreview", http.MethodPost, pathf("/api/v1/authenticate/freepreview"),
		ClientlessRequest{req.RequestorID, req.Device})
	if err != nil {
		return err
	}
	if err := v1Require("MSOID", req.MSOID, "DomainName", req.DomainName); err != nil {
		return err
	}
	if err := checkText("GenericData", req.GenericData); err != nil {
		return err
	}
	body, _ := queryOf(v1FreePreviewForm{RequestorID: req.RequestorID, DeviceID: deviceID, MSOID: req.MSOID,
		DomainName: req.DomainName, GenericData: req.GenericData})
	cl.header.Set("Content-Type", "application/x-www-form-urlencoded")
	cl.body = []byte(body)
	_, err = s.client.do(ctx, cl)
	return err
}

// v1Require checks name/value pairs and names the first empty one.
func v1Require(nameValues ...string) error {
	for i := 0; i+1 < len(nameValues); i += 2 {
		if strings.TrimSpace(nameValues[i+1]) == "" {
			return invalid(nameValues[i], "required")
		}
		if err := checkText(nameValues[i], nameValues[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// ClientlessRequest names the requestor and the device of a device-side v1 call.
type ClientlessRequest struct {
	RequestorID string  // requestor
	Device      *Device // nil = the client's default device; its ID is sent as deviceId
}

// RegCodeRequest asks reggie for a registration code.
type RegCodeRequest struct {
	RequestorID string        // path {requestor}
	MVPD        string        // optional mvpd
	TTL         time.Duration // optional ttl, whole seconds up to 10 h; 0 = Adobe's default (30 min)
	Device      *Device       // nil = the client's default device
}

// RegCode is a registration code record.
type RegCode struct {
	ID        string      // UUID of the record
	Code      string      // what the user types into the login web app
	Requestor string      // the requestor id the code is for
	MVPD      string      // the MVPD the code was created for; empty when none was given
	Generated time.Time   // when reggie created the code
	Expires   time.Time   // when the code stops working (30 min by default, at most 10 h)
	Info      RegCodeInfo // the device information stored with the code
}

// RegCodeInfo is the device information reggie stored with a code. Which fields are set depends on
// how the code was created (DCR-authorised creations report UserAgent and Application).
type RegCodeInfo struct {
	DeviceID          string             // base64, as Adobe stores it
	DeviceInfo        string             // base64 of Adobe's normalised device information
	DeviceType        string             // deprecated
	DeviceUser        string             // deprecated
	AppID             string             // deprecated
	AppVersion        string             // the application's version, as the device reported it
	RegistrationURL   string             // the login web app URL reggie stored, when any
	UserAgent         string             // the User-Agent of the call that created the code
	OriginalUserAgent string             // the device's own User-Agent when a proxy created the code
	AuthorizationType string             // "OAUTH2" for DCR-authorised calls
	Application       *SourceApplication // the DCR application that created the code; nil otherwise
}

// SourceApplication is the DCR application that created a code.
type SourceApplication struct {
	ID, Name, Version string // the application's id, name and version at Adobe
}

// ClientlessConfig is the requestor's MVPD list from /api/v1/config.
type ClientlessConfig struct {
	MVPDs []ClientlessMVPD // the MVPDs to offer the user, in the server's order
	Raw   json.RawMessage  // the whole reply, for properties this type does not model
}

// ClientlessMVPD is one MVPD of the list. The Platform SSO properties are set only for MVPDs
// integrated through Apple or Amazon single sign-on.
type ClientlessMVPD struct {
	ID                      string          // the MVPD id to send as mso_id
	DisplayName             string          // the name to show the user
	LogoURL                 string          // the MVPD's logo, for the picker
	IFrameRequired          bool            // its login page must open in an iframe
	IFrameWidth             int             // the iframe's width in pixels; 0 when not given
	IFrameHeight            int             // the iframe's height in pixels; 0 when not given
	EnablePlatformServices  bool            // platform SSO is enabled
	BoardingStatus          string          // SUPPORTED or PICKER
	DisplayInPlatformPicker bool            // platform SSO: shown in the platform's own picker
	PlatformMappingID       string          // platform SSO: the id the platform knows the MVPD by
	RequiredMetadataFields  []string        // user metadata the MVPD must release, e.g. zip
	Raw                     json.RawMessage // this MVPD's object as sent
}

// AuthNToken is the metadata of the device's authentication token.
type AuthNToken struct {
	Requestor string    // the requestor id
	MVPD      string    // the MVPD the user signed in with
	UserID    string    // the MVPD's id of the user
	Expires   time.Time // when the user must sign in again
}

// ClientlessAuthorizeRequest asks whether the device's user may watch a resource.
type ClientlessAuthorizeRequest struct {
	RequestorID string  // requestor
	Resource    string  // resource: a resource id or an MRSS fragment
	GenericData string  // optional generic_data (Promotional TempPass)
	Device      *Device // nil = the client's default device
}

// ClientlessResourceRequest names a resource for the token lookups.
type ClientlessResourceRequest struct {
	RequestorID string  // requestor
	Resource    string  // resource: a resource id or an MRSS fragment
	Device      *Device // nil = the client's default device
}

// AuthZToken is an authorisation: from Authorize, or the stored one from AuthZToken.
type AuthZToken struct {
	Requestor string    // the requestor id
	MVPD      string    // the MVPD that authorised
	ProxyMVPD string    // set when a proxy MVPD answered
	Resource  string    // the resource authorised
	Expires   time.Time // when the authorisation must be asked for again
}

// ShortMediaToken is the short media token a player hands to the Media Verification Library.
type ShortMediaToken struct {
	Requestor       string    // the requestor id
	Resource        string    // the resource the token plays
	MVPD            string    // mvpdId
	UserID          string    // the MVPD's id of the user
	SerializedToken Secret    // base64: hand string(SerializedToken) to the player or the Media Verification Library
	Expires         time.Time // when the token dies (minutes after it was issued)
}

// ClientlessPreauthorizeRequest asks which of several resources the user may watch.
type ClientlessPreauthorizeRequest struct {
	RequestorID string   // requestor
	Resources   []string // resource, sent comma-delimited: ids must not contain commas
	Device      *Device  // nil = the client's default device; unused by PreauthorizeByRegCode
}

// Preauthorization is a preauthorize reply: one decision per resource, in the server's order.
type Preauthorization struct {
	Resources          []PreauthorizedResource // one per resource, in the server's order
	RequestID          string                  // Adobe-Request-Id
	ResponseConfidence string                  // Adobe-Response-Confidence, e.g. "full"
}

// PreauthorizedResource is one decision. Error is the item-level Enhanced Error Code, when Adobe sent
// one: its Status is the item's status, HTTPStatus that of the whole reply. Retry only items whose
// Error.Action is "retry".
type PreauthorizedResource struct {
	ID         string     // the resource id
	Authorized bool       // whether the user may watch it
	Error      *PassError // why not, when Adobe said; nil otherwise
}

// Authorized lists the ids of the resources the user may watch.
func (p *Preauthorization) Authorized() []string {
	var ids []string
	for _, r := range p.Resources {
		if r.Authorized {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// UserMetadata is what the MVPD shared about the authenticated user.
type UserMetadata struct {
	Updated   time.Time                  // when the MVPD last updated the metadata
	Encrypted []string                   // keys of Data whose values are RSA-encrypted, base64
	Data      map[string]json.RawMessage // values are strings, lists or objects, as the MVPD sent them
}

// IsEncrypted reports whether the value of key is encrypted with the programmer's certificate.
func (m *UserMetadata) IsEncrypted(key string) bool { return slices.Contains(m.Encrypted, key) }

// StringValue returns the value of key when it is a JSON string (null is not one).
func (m *UserMetadata) StringValue(key string) (string, bool) {
	return plainJSONString(bytes.TrimSpace(m.Data[key]))
}

// FreePreviewRequest creates a TempPass (or Promotional TempPass) authentication, no second screen.
type FreePreviewRequest struct {
	RequestorID string  // requestor_id
	MSOID       string  // mso_id: the TempPass MVPD
	DomainName  string  // domain_name
	GenericData string  // optional generic_data, scopes a Promotional TempPass
	Device      *Device // nil = the client's default device
}
