package tvauthtest

import (
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tvauth/tvauth"
)

// WebAPIDevID is the NINA developer id Options configures. The fake accepts any non-empty devId.
const WebAPIDevID = "tvauthtest-dev-id"

// Token lifetimes of clientLogin's tokenType: "shortterm" (the default) and "longterm".
const (
	WebAPIShortTerm = 24 * time.Hour
	WebAPILongTerm  = 365 * 24 * time.Hour
)

// webapiTSSkew is how far a signed request's ts may be from the fake's clock ("a few minutes").
const webapiTSSkew = 5 * time.Minute

type webapiState struct {
	mu       sync.Mutex
	users    map[string]string // loginId → password
	sessions map[string]*webapiSession
	// percentTokens hands out token.a percent-encoded, as AOL did.
	percentTokens bool
	// rawSignatureCheck also requires the wire to carry the parameters in canonical form.
	rawSignatureCheck bool
	challenges        map[string]*webapiChallenge // loginId → seeded challenge (SetWebAPIChallenge)
}

type webapiSession struct {
	loginID, password, secret string
	expires                   time.Time
}

func newWebAPIState() *webapiState {
	return &webapiState{users: map[string]string{}, sessions: map[string]*webapiSession{},
		challenges: map[string]*webapiChallenge{}}
}

func (s *Server) registerWebAPI(mux *http.ServeMux) {
	mux.HandleFunc("/auth/clientLogin", s.webapiClientLogin)
	mux.HandleFunc("/auth/logout", s.webapiLogout)
	mux.HandleFunc("/auth/captcha", s.webapiCaptcha)
}

// AddWebAPIUser seeds a NINA account: clientLogin with this loginId and password succeeds; any other
// password gets the 330/3011 challenge. Adding a user again changes the password.
func (s *Server) AddWebAPIUser(loginID, password string) {
	st := s.webapi
	st.mu.Lock()
	defer st.mu.Unlock()
	st.users[loginID] = password
}

// WebAPISessionActive reports whether token (token.a as issued) is a live clientLogin session: not
// logged out and not expired.
func (s *Server) WebAPISessionActive(token tvauth.Secret) bool {
	st := s.webapi
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.lookup(string(token), now) != nil
}

// SetWebAPIPercentEncodedTokens makes clientLogin hand out token.a percent-encoded inside the reply, as
// AOL did ("%2FwEAAAA…%3D"). Logout then accepts the token either as received or decoded once.
func (s *Server) SetWebAPIPercentEncodedTokens(on bool) {
	st := s.webapi
	st.mu.Lock()
	defer st.mu.Unlock()
	st.percentTokens = on
}

// SetWebAPIRawSignatureCheck makes logout verify like a server that signs the raw wire string: on top
// of a valid sig_sha256, the parameters must arrive exactly in canonical form (sorted, RFC 3986
// encoded) with sig_sha256 last. Off (the default), the fake re-normalises what arrived.
func (s *Server) SetWebAPIRawSignatureCheck(on bool) {
	st := s.webapi
	st.mu.Lock()
	defer st.mu.Unlock()
	st.rawSignatureCheck = on
}

// lookup finds a live session by the token the client sent, as issued or decoded once (clients of
// AOL's percent-encoded tokens differed, and AOL accepted both). Call with st.mu held.
func (st *webapiState) lookup(token string, now time.Time) *webapiSession {
	sess := st.sessions[token]
	if sess == nil && strings.Contains(token, "%") {
		if dec, err := url.PathUnescape(token); err == nil {
			sess = st.sessions[dec]
		}
	}
	if sess == nil || !now.Before(sess.expires) {
		return nil
	}
	return sess
}

// revoke ends the session of token in both of its accepted spellings. Call with st.mu held.
func (st *webapiState) revoke(token string) {
	delete(st.sessions, token)
	if dec, err := url.PathUnescape(token); err == nil {
		delete(st.sessions, dec)
	}
}

// waStatusName is the generic text of a NINA statusCode (qutim's names for them).
func waStatusName(code int) string {
	switch code {
	case 200:
		return "OK"
	case 330:
		return "More Authentication Required"
	case 400:
		return "Invalid Request"
	case 401:
		return "Authorization Required"
	case 405:
		return "Method Not Allowed"
	case 460:
		return "Missing Required Parameter"
	case 462:
		return "Parameter Error"
	}
	return "Error"
}

func waError(code, detail int, text, requestID string, data ...waField) waReply {
	if text == "" {
		text = waStatusName(code)
	}
	return waReply{statusCode: code, detailCode: detail, statusText: text, requestID: requestID, data: data}
}

// webapiClientLogin is POST /auth/clientLogin: all parameters in a form body, none in the query.
func (s *Server) webapiClientLogin(w http.ResponseWriter, r *http.Request) {
	body := readAll(r)
	params, perr := url.ParseQuery(string(body))
	if perr != nil {
		params = url.Values{}
	}
	fm, bad := waFormatOf(params.Get("f"), params.Get("c"))
	rid := params.Get("r")
	switch {
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		fm.write(w, waError(405, 0, "", rid))
		return
	case r.URL.RawQuery != "":
		fm.write(w, waError(400, 0, "Invalid Request: clientLogin takes its parameters in the POST body, none in the query string", rid))
		return
	case !waIsForm(r):
		fm.write(w, waError(400, 0, "Invalid Request: Content-Type must be application/x-www-form-urlencoded", rid))
		return
	case perr != nil:
		fm.write(w, waError(400, 0, "Invalid Request: malformed form body", rid))
		return
	case params.Get("f") == "":
		fm.write(w, waError(460, 0, "Missing Required Parameter: f", rid))
		return
	case bad != "":
		fm.write(w, waError(462, 0, "Parameter Error: "+bad, rid))
		return
	case params.Get("devId") == "" && params.Get("k") == "":
		fm.write(w, waError(460, 0, "Missing Required Parameter: devId", rid))
		return
	}
	lifetime, ok := waTokenLifetime(params.Get("tokenType"))
	if !ok {
		fm.write(w, waError(462, 0, "Parameter Error: tokenType must be shortterm, longterm or a number of seconds", rid))
		return
	}

	loginID, pwd := params.Get("s"), params.Get("pwd")
	st := s.webapi
	now := s.now()
	st.mu.Lock()
	want, known := st.users[loginID]
	percent := st.percentTokens
	replied, skipPassword := st.challenged(w, r, fm, params, rid)
	st.mu.Unlock()
	if replied {
		return
	}
	if skipPassword && known {
		pwd = want // a SecurID next code answered without pwd: the session is the user's all the same
	}
	if loginID == "" || pwd == "" || !known || subtle.ConstantTimeCompare([]byte(pwd), []byte(want)) != 1 {
		fm.write(w, waError(330, 3011, "Password/LoginId Required/Invalid", rid,
			waObj("challenge", waStr("info", "password"), waStr("context", randURLToken(18)))))
		return
	}

	// A token in AOL's alphabet: '/', '+' and '=' make any encoding mistake on the client visible.
	token := "/wEAAAAA" + base64.StdEncoding.EncodeToString(randBytes(32))
	sess := &webapiSession{loginID: loginID, password: pwd, secret: randAlnum(16), expires: now.Add(lifetime)}
	st.mu.Lock()
	st.sessions[token] = sess
	st.mu.Unlock()
	shown := token
	if percent {
		shown = waEncode(token)
	}
	fm.write(w, waReply{statusCode: 200, statusText: "OK", requestID: rid, data: []waField{
		waObj("token", waNum("expiresIn", int64(lifetime/time.Second)), waStr("a", shown)),
		waStr("sessionSecret", sess.secret),
		waNum("hostTime", now.Unix()),
		waStr("loginId", loginID),
	}})
}

func waIsForm(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

func waTokenLifetime(tokenType string) (time.Duration, bool) {
	switch tokenType {
	case "", "shortterm":
		return WebAPIShortTerm, true
	case "longterm":
		return WebAPILongTerm, true
	}
	n, err := strconv.ParseInt(tokenType, 10, 64)
	if err != nil || n < 0 || n > int64(10*WebAPILongTerm/time.Second) {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// webapiLogout is GET or POST /auth/logout, signed with sig_sha256. The fake verifies the signature
// from the raw bytes that arrived, with its own canonicaliser.
func (s *Server) webapiLogout(w http.ResponseWriter, r *http.Request) {
	body := readAll(r)
	rawQuery, rawBody := r.URL.RawQuery, ""
	if r.Method == http.MethodPost {
		rawBody = string(body)
	}
	// The reply format comes from f and c, found leniently: even a malformed request is answered in
	// the format its client reads.
	params, perr := waParseWire(rawQuery + "&" + rawBody)
	first := func(name string) string {
		for _, p := range params {
			if p.name == name {
				return p.value
			}
		}
		return ""
	}
	fm, bad := waFormatOf(first("f"), first("c"))
	rid := first("r")

	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodPost:
		w.Header().Set("Allow", "GET, POST")
		fm.write(w, waError(405, 0, "", rid))
		return
	case r.Method == http.MethodPost && !waIsForm(r):
		fm.write(w, waError(400, 0, "Invalid Request: Content-Type must be application/x-www-form-urlencoded", rid))
		return
	case strings.Contains(rawQuery, "+") || strings.Contains(rawBody, "+"):
		// In a signed request "+" is ambiguous (a space to form decoders, a plus to RFC 3986): the
		// signer must send %20 and %2B.
		fm.write(w, waError(400, 0, "Invalid Request: '+' on the wire; encode a space as %20 and a plus as %2B", rid))
		return
	case perr != nil:
		fm.write(w, waError(400, 0, "Invalid Request: malformed percent-encoding", rid))
		return
	}
	for _, name := range []string{"a", "f", "sig_sha256"} {
		if first(name) == "" {
			fm.write(w, waError(460, 0, "Missing Required Parameter: "+name, rid))
			return
		}
	}
	if first("devId") == "" && first("k") == "" {
		fm.write(w, waError(460, 0, "Missing Required Parameter: devId", rid))
		return
	}
	if bad != "" {
		fm.write(w, waError(462, 0, "Parameter Error: "+bad, rid))
		return
	}
	sigs := 0
	for _, p := range params {
		if p.name == "sig_sha256" {
			sigs++
		}
	}
	if sigs != 1 {
		fm.write(w, waError(462, 0, "Parameter Error: sig_sha256 must appear once", rid))
		return
	}
	now := s.now()
	if ts := first("ts"); ts != "" {
		n, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			fm.write(w, waError(462, 0, "Parameter Error: ts must be Unix seconds", rid))
			return
		}
		if skew := now.Sub(time.Unix(n, 0)); skew > webapiTSSkew || skew < -webapiTSSkew {
			fm.write(w, waError(400, 1015, "Invalid Request: ts is too far from host time", rid, waNum("ts", now.Unix())))
			return
		}
	}

	st := s.webapi
	st.mu.Lock()
	defer st.mu.Unlock()
	sess := st.lookup(first("a"), now)
	if sess == nil {
		fm.write(w, waError(401, 0, "Authorization Required: unknown, expired or logged-out token", rid))
		return
	}
	// The signed set is every parameter that arrived: the query, plus a POST's form body.
	base := waBaseString(r.Method, waBaseURL(requestScheme(r), requestHost(r), r.URL.EscapedPath()), params)
	want := waSignature(waSessionKey(sess.password, sess.secret), base)
	if subtle.ConstantTimeCompare([]byte(first("sig_sha256")), []byte(want)) != 1 {
		fm.write(w, waError(401, 0, "Authorization Required: sig_sha256 does not match the request", rid))
		return
	}
	if st.rawSignatureCheck && !waCanonicalWire(r.Method, rawQuery, rawBody, params, want) {
		fm.write(w, waError(401, 0, "Authorization Required: parameters not sent in the signed canonical order", rid))
		return
	}
	st.revoke(first("a"))
	fm.write(w, waReply{statusCode: 200, statusText: "OK", requestID: rid})
}

// waCanonicalWire reports whether the signed part of the request (query of a GET, body of a POST)
// is byte for byte the normalized parameter string followed by &sig_sha256=enc(signature).
func waCanonicalWire(method, rawQuery, rawBody string, params []waParam, sig string) bool {
	want := waNormalize(params) + "&sig_sha256=" + waEncode(sig)
	if method == http.MethodPost {
		return rawQuery == "" && rawBody == want
	}
	return rawQuery == want
}
