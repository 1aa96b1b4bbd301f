package tvauth

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Format is the reply format a WebAPI call asks for with f.
type Format string

// The formats NINA answers in. A JSON call with a callback (c) is answered as JSONP.
const (
	FormatJSON Format = "json"
	FormatXML  Format = "xml"
	FormatQS   Format = "qs"
)

func (f Format) orDefault() Format { return cmp.Or(f, FormatJSON) }

func (f Format) check(field string) error {
	if slices.Contains([]Format{FormatJSON, FormatXML, FormatQS}, f.orDefault()) {
		return nil
	}
	return invalid(field, "unknown format %q (want json, xml or qs)", string(f))
}

// ClientLoginRequest is POST /auth/clientLogin. To answer a challenge (a *WebAPIError with Challenge
// set, statusCode 330), send the request again with Context set to the challenge's Context and the
// answer in CaptchaWord (3015) or SecurID (3012, 3013). An answer sent without Password (a SecurID
// next code) returns a session without SessionKey: set it to SessionKey(password, SessionSecret).
type ClientLoginRequest struct {
	LoginID                   string // s
	Password                  Secret // pwd
	TokenType                 string // optional: "shortterm", "longterm" or seconds
	Language                  string // optional "<lang>-<locale>"
	ClientName, ClientVersion string // optional
	RequestID                 string // optional r, echoed back

	Format      Format // f, the reply format; default FormatJSON
	Callback    string // optional c: the reply comes as JSONP (with FormatJSON), which the SDK unwraps
	Context     string // context: the Challenge.Context being answered
	CaptchaWord string // word: the captcha answer (3015)
	SecurID     Secret // securid: the SecurID code (3012, 3013)
	// UnescapeToken URL-decodes token.a once before keeping it. AOL sent the token %-encoded inside
	// JSON and XML; by default the SDK keeps the token exactly as received and signs what it sends.
	UnescapeToken bool
}

// WebAPISession is a signed-in NINA session: the token to send as a, and the session key that signs
// every later call. Store it with MarshalUnmaskedJSON (to sign a logout after a restart).
type WebAPISession struct {
	LoginID       string        // loginId, or the request's LoginID
	Token         Secret        // token.a, opaque
	ExpiresIn     time.Duration // token.expiresIn; 0 when the reply gave none
	SessionSecret Secret        // sessionSecret, from which SessionKey is derived
	SessionKey    Secret        // SessionKey(password, SessionSecret)
	HostTime      time.Time     // server clock at login
	ReceivedAt    time.Time     // local clock when the reply arrived (for ts)

	// clock is shared by copies of the session so that a resynchronisation after a 400/1015 reply
	// reaches every copy; nil for sessions built by hand until their first Resync.
	clock *webapiClock
}

type webAPISession = WebAPISession // named inside Format, whose local copy of the type drops the methods

// Format prints every field under any verb, the secrets masked by Secret. The session is handed out
// by pointer (ClientLogin, WebAPILogoutRequest), and fmt prints a pointer it meets inside a struct
// under %s or %q field by field without calling their methods, unless the pointee has this method.
func (s WebAPISession) Format(f fmt.State, verb rune) {
	type WebAPISession webAPISession // no methods: each field prints, and masks, itself
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), WebAPISession(s))
}

// MarshalUnmaskedJSON writes the session in clear (token, session secret and key included) in the form
// json.Unmarshal reads back, to store it. json.Marshal masks them; json.Unmarshal refuses that form
// with ErrMaskedSecret.
func (s WebAPISession) MarshalUnmaskedJSON() ([]byte, error) {
	return json.Marshal(struct {
		LoginID, Token            string
		ExpiresIn                 time.Duration
		SessionSecret, SessionKey string
		HostTime, ReceivedAt      time.Time
	}{s.LoginID, string(s.Token), s.ExpiresIn, string(s.SessionSecret), string(s.SessionKey), s.HostTime, s.ReceivedAt})
}

type webapiClock struct {
	mu          sync.Mutex
	host, local time.Time // the server's time, read at this local instant (with its monotonic reading)
}

// HostNow is the server's clock now, as the session last learnt it: HostTime + (now − ReceivedAt),
// or the time of the last Resync. Without a HostTime it is the local clock.
func (s *WebAPISession) HostNow() time.Time {
	if s != nil && s.clock != nil {
		s.clock.mu.Lock()
		host, local := s.clock.host, s.clock.local
		s.clock.mu.Unlock()
		if !host.IsZero() {
			return host.Add(time.Since(local))
		}
	}
	switch {
	case s == nil || s.HostTime.IsZero():
		return time.Now()
	case s.ReceivedAt.IsZero():
		return s.HostTime
	}
	return s.HostTime.Add(time.Since(s.ReceivedAt))
}

// TS is the ts parameter for a signed call: HostNow in Unix seconds.
func (s *WebAPISession) TS() string { return strconv.FormatInt(s.HostNow().Unix(), 10) }

// Resync sets the session's view of the server clock, e.g. from data.ts of a 400/1015 ("invalid ts")
// reply to a call you signed yourself (the SDK's own calls do this). A session from ClientLogin may be
// resynchronised while others use it; a hand-built one's first Resync must not race with other uses.
func (s *WebAPISession) Resync(hostTime time.Time) {
	if s == nil {
		return
	}
	if s.clock == nil {
		s.clock = &webapiClock{}
	}
	s.clock.mu.Lock()
	s.clock.host, s.clock.local = hostTime, time.Now()
	s.clock.mu.Unlock()
}

// Sign signs a call of another WebAPI method with this session and returns the parameters to send:
// params plus a (the session token, unless params has one) in canonical order and encoding, then
// &sig_sha256=<signature>: append it to rawURL after "?" (GET) or send it as a form body (POST).
// rawURL must have no query: every parameter goes in params, so that the request carries exactly the
// signed pairs in the signed order (a query in the URL would come first on the wire and break servers
// that verify the raw string). Methods that need ts take it from TS:
//
//	q, err := sess.Sign("GET", base+"/auth/getInfo", url.Values{"devId": {devID}, "f": {"json"}, "ts": {sess.TS()}})
func (s *WebAPISession) Sign(method, rawURL string, params url.Values) (string, error) {
	if err := s.checkSigning("session"); err != nil {
		return "", err
	}
	if u, err := url.Parse(rawURL); err == nil && (u.RawQuery != "" || u.ForceQuery) {
		return "", invalid("rawURL", "has a query: pass every parameter in params")
	}
	all := url.Values{"a": {string(s.Token)}} // unless params has one
	maps.Copy(all, params)
	u, all, err := signingInput(method, rawURL, all)
	if err != nil {
		return "", err
	}
	canonical := canonicalPairs(all)
	sig := signBytes(appendSignatureBase(nil, method, u, canonical), string(s.SessionKey))
	return webapiWire(canonical, sig), nil
}

func (s *WebAPISession) checkSigning(field string) error {
	switch {
	case s == nil:
		return invalid(field, "nil session: sign in with ClientLogin first")
	case isBlank(string(s.Token)):
		return invalid(field+".Token", "empty")
	case isBlank(string(s.SessionKey)):
		return invalid(field+".SessionKey", "empty: derive it with SessionKey(password, SessionSecret)")
	}
	return checkText(field+".Token", string(s.Token))
}

// webapiWire is what goes on the wire: the signed pairs in the signed order and encoding, then the
// signature, itself percent-encoded (its + / = would otherwise be read as space and separators).
func webapiWire(canonical canonical, sig string) string {
	return append(canonical, pair{"sig_sha256", percentEncode(sig)}).encode()
}

// ClientLogin signs a user in (POST /auth/clientLogin, every parameter in the form body, unsigned)
// and derives the session key. A challenge (statusCode 330) comes back as a *WebAPIError with
// Challenge set; a wrong password (330/3011) and a refused account (401/3019) match ErrUnauthorized.
func (s *WebAPIService) ClientLogin(ctx context.Context, req ClientLoginRequest) (*WebAPISession, error) {
	if err := s.client.requireConfigured(svcWebAPI, http.MethodPost, authNone); err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	body := pairs{{"devId", s.client.cfg.webapiDevID}, {"f", string(req.Format.orDefault())}, {"s", req.LoginID}}
	for _, p := range []pair{
		{"pwd", string(req.Password)}, {"tokenType", req.TokenType}, {"language", req.Language},
		{"clientName", req.ClientName}, {"clientVersion", req.ClientVersion}, {"c", req.Callback}, {"r", req.RequestID},
		{"context", req.Context}, {"word", req.CaptchaWord}, {"securid", string(req.SecurID)},
	} {
		if p.value != "" {
			body = append(body, p)
		}
	}
	cl := &call{
		service: svcWebAPI,
		op:      "webapi.clientLogin",
		method:  http.MethodPost,
		path:    "/auth/clientLogin",
		header:  webapiHeader(formHeader(), req.Format.orDefault(), req.Callback != ""),
		body:    body.encodeBytes(),
		secrets: []string{string(req.Password), string(req.SecurID)},
	}
	return send(ctx, s.client, cl, webapiDecode(cl, nil, func(_ *response, rep *webapiReply) (*WebAPISession, error) {
		return webapiSessionFrom(rep, req)
	}))
}

func (req *ClientLoginRequest) validate() error {
	switch {
	case strings.TrimSpace(req.LoginID) == "":
		return invalid("LoginID", "empty")
	case req.Password == "" && req.Context == "":
		return invalid("Password", "empty (only a challenge answer with Context may omit it)")
	case req.Password != "" && isBlank(string(req.Password)):
		return invalid("Password", "empty: only white space")
	}
	if err := checkTexts("LoginID", req.LoginID, "Password", string(req.Password), "TokenType", req.TokenType,
		"ClientName", req.ClientName, "ClientVersion", req.ClientVersion, "RequestID", req.RequestID,
		"Context", req.Context, "CaptchaWord", req.CaptchaWord, "SecurID", string(req.SecurID)); err != nil {
		return err
	}
	switch req.TokenType {
	case "", "shortterm", "longterm":
	default:
		if n, err := strconv.ParseUint(req.TokenType, 10, 63); err != nil || n > 1<<40 {
			return invalid("TokenType", "%q is neither shortterm, longterm nor a number of seconds", req.TokenType)
		}
	}
	if err := webapiCheckLanguage(req.Language); err != nil {
		return err
	}
	if err := req.Format.check("Format"); err != nil {
		return err
	}
	return webapiCheckJSONP(req.Format, req.Callback)
}

// webapiCheckJSONP checks an optional JSONP callback (c): a JavaScript name, with FormatJSON.
func webapiCheckJSONP(f Format, callback string) error {
	switch {
	case callback == "":
		return nil
	case f.orDefault() != FormatJSON:
		return invalid("Callback", "JSONP needs FormatJSON, not %q", string(f))
	case len(callback) > 100:
		return invalid("Callback", "longer than 100 characters")
	case '0' <= callback[0] && callback[0] <= '9':
		return invalid("Callback", "%q starts with a digit", callback)
	case webapiIdentLen([]byte(callback)) != len(callback):
		return invalid("Callback", "%q: only letters, digits, _ $ and . are allowed", callback)
	}
	return nil
}

// webapiCheckLanguage accepts what NINA documents, "<lang>-<locale>": 2–3 letters, a hyphen, and 2
// letters or 3 digits (en-us, pt-BR, es-419). Sent as is, a typo would only surface as a server's 462.
func webapiCheckLanguage(lang string) error {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	tag, locale, ok := strings.Cut(lang, "-")
	region := len(locale) == 2 && strings.Trim(locale, letters) == "" ||
		len(locale) == 3 && strings.Trim(locale, "0123456789") == ""
	if lang == "" || ok && region && (len(tag) == 2 || len(tag) == 3) && strings.Trim(tag, letters) == "" {
		return nil
	}
	return invalid("Language", "%q is not a <lang>-<locale> tag such as en-us", lang)
}

// webapiSessionFrom reads a 200 clientLogin reply: token.a, the lifetime, sessionSecret, hostTime, loginId.
func webapiSessionFrom(rep *webapiReply, req ClientLoginRequest) (*WebAPISession, error) {
	received, d := time.Now(), &rep.Data
	tok := string(d.Token.A)
	if tok == "" {
		return nil, errors.New("clientLogin reply has no token.a")
	}
	if req.UnescapeToken && strings.Contains(tok, "%") {
		u, err := url.PathUnescape(tok) // a literal + in a token is a +, not a space
		if err != nil {
			return nil, errors.New("token.a is not validly %-encoded")
		}
		tok = u
	}
	secret := Secret(d.SessionSecret)
	if secret == "" {
		return nil, errors.New("clientLogin reply has no sessionSecret")
	}
	sess := &WebAPISession{LoginID: cmp.Or(string(d.LoginID), req.LoginID), Token: Secret(tok), SessionSecret: secret,
		ReceivedAt: received, clock: &webapiClock{}}
	// A challenge answered without the password (SecurID next code) leaves the key to the caller, who
	// knows the password: a key derived from "" would sign every call wrongly.
	if req.Password != "" {
		sess.SessionKey = SessionKey(req.Password, secret)
	}
	// The lifetime is token.expiresIn, or oos's tokenExpiresIn when that is absent, zero or negative
	// (no lifetime is no answer); else 0.
	for _, raw := range []webapiText{d.Token.ExpiresIn, d.TokenExpiresIn} {
		n, ok := webapiAtoi(string(raw))
		if !ok && strings.TrimSpace(string(raw)) != "" {
			return nil, errors.New("token.expiresIn is not a number of seconds")
		}
		if n > 0 {
			sess.ExpiresIn = time.Duration(n) * time.Second
			break
		}
	}
	if ht := strings.TrimSpace(string(d.HostTime)); ht != "" {
		var ok bool
		if sess.HostTime, ok = webapiUnixTime(ht); !ok {
			return nil, errors.New("hostTime is not a Unix time")
		}
	}
	return sess, nil
}

// webapiUnixTime reads Unix seconds, integral or not (AOL's own SDK once sent a fractional ts).
func webapiUnixTime(s string) (time.Time, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f >= 1<<40 {
		return time.Time{}, false
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true
}

// webapiDecode sets cl's error decoder (and resend) and returns its answer decoder, which runs ok. The
// body's statusCode decides: 200 with an answer status runs ok; any other is a *WebAPIError whatever
// the HTTP status, and so is 200 with a status that is no answer (a 429 or 5xx whose envelope says 200:
// a 429 matches ErrRateLimited). A 2xx body that is no envelope is a *DecodeError; an error page with
// another status, a *WebAPIError with only HTTPStatus. resend sees each parsed reply first.
func webapiDecode[T any](cl *call, resend func(*webapiReply) bool, ok func(*response, *webapiReply) (T, error)) func(*response) (T, error) {
	d := new(webapiDecoder)
	if resend != nil {
		cl.resend = func(r *response) bool {
			rep, err := d.parse(r)
			return err == nil && resend(rep)
		}
	}
	cl.decodeError = func(r *response) error { _, err := d.handle(r, false); return err }
	return func(r *response) (T, error) {
		rep, err := d.handle(r, true)
		if err != nil {
			var zero T
			return zero, err
		}
		return ok(r, rep)
	}
}

// webapiDecoder parses each reply once, whichever of the call's hooks reads it first.
type webapiDecoder struct {
	parsedFrom *response // the reply parsed last, and its parse
	parsed     *webapiReply
	parseErr   error
}

func (d *webapiDecoder) parse(r *response) (*webapiReply, error) {
	if r != d.parsedFrom {
		d.parsedFrom = r
		d.parsed, d.parseErr = parseWebAPIReply(r.Body)
	}
	return d.parsed, d.parseErr
}

// handle returns the envelope of an answer with statusCode 200, or the reply's error.
func (d *webapiDecoder) handle(r *response, answer bool) (*webapiReply, error) {
	rep, err := d.parse(r)
	switch {
	case err != nil && answer:
		return nil, err
	case err != nil:
		return nil, &WebAPIError{HTTPStatus: r.StatusCode, Location: redirectLocation(r)}
	case answer && rep.StatusCode == http.StatusOK:
		return rep, nil
	}
	return nil, rep.err(r)
}

// WebAPILogoutRequest is /auth/logout, signed with the session.
type WebAPILogoutRequest struct {
	Session   *WebAPISession // the session to sign with and sign out
	Format    Format         // default FormatJSON
	Method    string         // "GET" (default) or "POST" (form body)
	LoginID   string         // optional s
	Language  string         // optional
	Callback  string         // optional c (JSONP, with FormatJSON)
	RequestID string         // optional r

	// SendTS adds a signed, host-synchronised ts. NINA's logout does not list it, so it is off by
	// default; a server that answers 400/1015 gets one on the SDK's single resend anyway.
	SendTS bool
}

// WebAPIResponse is the envelope of a WebAPI reply with statusCode 200 (NINA documents no data for it).
type WebAPIResponse struct {
	StatusCode       int    // statusCode: 200
	StatusText       string // statusText, scrubbed of the call's secrets
	StatusDetailCode int    // statusDetailCode; 0 when absent
	RequestID        string // requestId: the request's r, echoed back
}

// webapiHeader sets the Accept that matches the format f asks for (the parser sniffs the body anyway,
// but a proxy or server that negotiates on Accept must not be told "JSON" for f=xml). NINA documents
// no media type for f=qs, a form-encoded line.
func webapiHeader(h http.Header, f Format, jsonp bool) http.Header {
	switch {
	case f == FormatXML:
		h.Set("Accept", "application/xml, text/xml;q=0.9")
	case f == FormatQS:
		h.Set("Accept", "application/x-www-form-urlencoded, text/plain;q=0.9")
	case jsonp:
		h.Set("Accept", "application/javascript, application/json;q=0.9")
	default:
		h.Set("Accept", "application/json")
	}
	return h
}

// signed sends one signed WebAPI call: params (with ts when withTS) in canonical order in the query
// (GET) or form body (POST), then sig_sha256; every retry is signed afresh, with a current ts. A
// 400/1015 ("invalid ts") reply with data.ts resyncs the clock and the call is sent once more, with ts.
func (s *WebAPIService) signed(ctx context.Context, method, path string, params url.Values, sess *WebAPISession, withTS bool) (*webapiReply, error) {
	endpoint, err := url.Parse(s.client.baseURLs[svcWebAPI] + path)
	if err != nil {
		return nil, invalid("path", "cannot build URL: %v", err)
	}
	sg := &webapiSigner{method: method, endpoint: endpoint, params: params, sess: sess, withTS: withTS}
	wire, sig := sg.sign()
	cl := &call{
		service: svcWebAPI,
		op:      "webapi." + path[strings.LastIndexByte(path, '/')+1:], // /auth/logout: webapi.logout
		method:  method,
		path:    path,
		secrets: []string{string(sess.Token), string(sess.SessionKey), string(sess.SessionSecret), sig},
		sign:    sg.sign,
	}
	cl.header = webapiHeader(http.Header{}, Format(params.Get("f")).orDefault(), params.Get("c") != "")
	if method == http.MethodGet {
		cl.query = wire
	} else {
		cl.header.Set("Content-Type", "application/x-www-form-urlencoded")
		cl.body = []byte(wire)
	}
	return send(ctx, s.client, cl, webapiDecode(cl, sg.resync, func(r *response, rep *webapiReply) (*webapiReply, error) {
		// The envelope's text is all of a successful reply the caller gets: a server that echoes the
		// token or the signature must not put it into logs.
		rep.StatusText, rep.RequestID = r.red.scrub(rep.StatusText), r.red.scrub(rep.RequestID)
		return rep, nil
	}))
}

// webapiSigner signs one call, again for each retry.
type webapiSigner struct {
	method   string
	endpoint *url.URL
	params   url.Values
	sess     *WebAPISession
	withTS   bool
}

func (sg *webapiSigner) sign() (wire, sig string) {
	p := sg.params
	if sg.withTS {
		p = make(url.Values, len(sg.params)+1)
		maps.Copy(p, sg.params)
		p.Set("ts", sg.sess.TS())
	}
	canonical := canonicalPairs(p)
	sig = signBytes(appendSignatureBase(nil, sg.method, sg.endpoint, canonical), string(sg.sess.SessionKey))
	return webapiWire(canonical, sig), sig
}

// resync is the call's resend: a 400/1015 reply with data.ts sets the clock; the next attempt sends ts.
func (sg *webapiSigner) resync(rep *webapiReply) bool {
	if rep.StatusCode != http.StatusBadRequest || rep.StatusDetailCode != 1015 {
		return false
	}
	ts, ok := webapiUnixTime(strings.TrimSpace(string(rep.Data.TS)))
	if !ok {
		return false
	}
	if sg.sess.clock == nil { // a hand-built session is not ours to mutate under the caller's feet
		own := *sg.sess
		sg.sess = &own
	}
	sg.sess.Resync(ts)
	sg.withTS = true
	return true
}
