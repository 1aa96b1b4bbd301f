package tvauthtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Seed describes a fake's starting state: who exists, how the clock is set and how the network
// behaves. A fake started from the same Seed always offers the same identities, so a test suite in
// any language can write them down once. ParseSeed reads one from JSON (the `tvauth fake -seed`
// file); ApplySeed applies one to a Server.
type Seed struct {
	// SoftwareStatement is the one software statement DCR register accepts; "" keeps the one the
	// fake generated.
	SoftwareStatement string `json:"software_statement,omitempty"`
	// MVPDs are integrated with every service provider and requestor, with their subscribers.
	MVPDs []SeedMVPD `json:"mvpds,omitempty"`
	// Profiles are Pass v2 logins already done, per device.
	Profiles []SeedProfile `json:"profiles,omitempty"`
	// Denied are resources an MVPD refuses to authorize.
	Denied []SeedDenial `json:"denied,omitempty"`
	// WebAPIUsers are the NINA accounts clientLogin accepts.
	WebAPIUsers []SeedWebAPIUser `json:"webapi_users,omitempty"`
	// AGSUsers are the OpenTV AGS users signOn accepts.
	AGSUsers []SeedAGSUser `json:"ags_users,omitempty"`
	// ClockOffset moves the fake's clock from the wall clock ("-1h", "30m").
	ClockOffset time.Duration `json:"clock_offset,omitempty"`
	// Latency delays every answer ("250ms").
	Latency time.Duration `json:"latency,omitempty"`
	// PathLatency delays the answers to some paths instead of Latency.
	PathLatency []SeedPathLatency `json:"path_latency,omitempty"`
	// Throttle switches Adobe's throttle on (see SetThrottle); nil leaves it off.
	Throttle *SeedThrottle `json:"throttle,omitempty"`
}

// SeedMVPD is an MVPD integrated with every service provider (AddMVPD).
type SeedMVPD struct {
	// ID is the MVPD's id, as mvpd and mso_id parameters name it ("Cablevision").
	ID string `json:"id"`
	// LogoutEndpoint: the MVPD has a logout page, so Pass logout answers logout/interactive with a
	// URL; without one it answers complete/none.
	LogoutEndpoint bool `json:"logout_endpoint,omitempty"`
	// Degraded: Adobe answers for the MVPD (DegradeMVPD): sessions answer authorize with reasonType
	// degraded and leave a "degraded" profile, partner SSO profiles answer 200.
	Degraded bool `json:"degraded,omitempty"`
	// Subscribers can sign in on the MVPD's login page (AddSubscriber), beside DefaultSubscriber,
	// whom every MVPD has.
	Subscribers []SeedSubscriber `json:"subscribers,omitempty"`
}

// SeedSubscriber is a subscriber of an MVPD, who signs in on its login page with Username and
// Password (Subscriber).
type SeedSubscriber struct {
	// Username is what the subscriber types in the login form's Username field.
	Username string `json:"username"`
	// Password is what the subscriber types in its Password field.
	Password string `json:"password"`
}

// SeedProfile is an authenticated Pass profile, as if the user had logged in on that device
// (AddProfile).
type SeedProfile struct {
	ServiceProvider string `json:"service_provider"` // the service provider the profile is for
	MVPD            string `json:"mvpd"`             // the MVPD the user signed in with: one of the seed's or the fake's
	DeviceID        string `json:"device_id"`        // the raw device ID, not base64
	// Type is the profile's type: regular (the default), degraded, temporary, appleSSO, platformSSO
	// or serviceTokenSSO.
	Type string `json:"type,omitempty"`
}

// SeedDenial makes an MVPD deny a resource (DenyResource).
type SeedDenial struct {
	MVPD     string `json:"mvpd"`     // the MVPD that denies
	Resource string `json:"resource"` // the resource ID it denies (an MRSS resource's channel title)
}

// SeedWebAPIUser is a NINA account (AddWebAPIUser).
type SeedWebAPIUser struct {
	LoginID  string `json:"login_id"` // clientLogin's s
	Password string `json:"password"` // clientLogin's pwd
}

// SeedAGSUser is an AGS SSO user (AddAGSUser): with two accounts or more, signOn answers 300.
type SeedAGSUser struct {
	Username string   `json:"username"`           // the username sign-on parameter
	Password string   `json:"password,omitempty"` // "" means DefaultAGSPassword
	Accounts []string `json:"accounts,omitempty"` // nil means one account named after the user
	Error    int      `json:"error,omitempty"`    // an AGS error code every sign-on answers (SetAGSUserError)
}

// SeedPathLatency delays the answers to the paths matching Path (exact, or a prefix ending in "*").
type SeedPathLatency struct {
	Path    string        `json:"path"`    // an exact path, or a prefix ending in "*"
	Latency time.Duration `json:"latency"` // how long the answers wait ("500ms")
}

// SeedThrottle is Throttle as a seed file writes it.
type SeedThrottle struct {
	Rate  float64  `json:"rate,omitempty"`  // requests per second refilled; 0 means Adobe's 1
	Burst int      `json:"burst,omitempty"` // bucket size; 0 means Adobe's 10
	Paths []string `json:"paths,omitempty"` // path patterns; none means the paths Adobe throttles
}

// The identities of DefaultSeed, the quickstart's.
const (
	DefaultServiceProvider = "REF30"
	DefaultMVPD            = "Cablevision" // has a logout page
	DefaultMVPDNoLogout    = "Dish"        // has none
	DefaultWebAPILogin     = "viewer@example.com"
	DefaultWebAPIPassword  = "correct horse battery staple"
	DefaultAGSUser         = "dave" // two accounts: signOn answers 300
)

// DefaultSeed is the state the quickstart seeds: an MVPD with a logout page and one without, one
// WebAPI user, and an AGS user whose one login maps to two accounts.
func DefaultSeed() Seed {
	return Seed{
		MVPDs:       []SeedMVPD{{ID: DefaultMVPD, LogoutEndpoint: true}, {ID: DefaultMVPDNoLogout}},
		WebAPIUsers: []SeedWebAPIUser{{LoginID: DefaultWebAPILogin, Password: DefaultWebAPIPassword}},
		AGSUsers:    []SeedAGSUser{{Username: DefaultAGSUser, Accounts: []string{"1660", "1663"}}},
	}
}

// ApplySeed adds what seed describes to s: identities are added to those s already has, the clock,
// latency and throttle settings are replaced when seed sets them (a Latency drops the path latencies
// set before, as SetLatency does). Apply a seed before the fake serves requests that depend on it.
// An invalid seed changes nothing.
func (s *Server) ApplySeed(seed Seed) error {
	if err := seed.validate(noPosition, s.hasMVPD); err != nil {
		return err
	}
	if seed.SoftwareStatement != "" {
		s.pass.mu.Lock()
		s.pass.statement = seed.SoftwareStatement
		s.pass.mu.Unlock()
	}
	for _, m := range seed.MVPDs {
		s.AddMVPD(m.ID, m.LogoutEndpoint)
		if m.Degraded {
			s.DegradeMVPD(m.ID, true)
		}
		for _, sub := range m.Subscribers {
			_ = s.AddSubscriber(m.ID, Subscriber(sub)) // validated above
		}
	}
	for _, d := range seed.Denied {
		s.DenyResource(d.MVPD, d.Resource)
	}
	for _, p := range seed.Profiles {
		s.AddProfile(Profile{ServiceProvider: p.ServiceProvider, MVPD: p.MVPD, DeviceID: p.DeviceID, Type: p.Type})
	}
	for _, u := range seed.WebAPIUsers {
		s.AddWebAPIUser(u.LoginID, u.Password)
	}
	for _, u := range seed.AGSUsers {
		s.AddAGSUser(u.Username, u.Accounts...)
		if u.Password != "" {
			s.SetAGSPassword(u.Username, u.Password)
		}
		if u.Error != 0 {
			s.SetAGSUserError(u.Username, u.Error)
		}
	}
	if seed.ClockOffset != 0 {
		off := seed.ClockOffset
		s.SetClock(func() time.Time { return time.Now().Add(off) })
	}
	// Validated above: these setters refuse nothing here.
	if seed.Latency != 0 {
		_ = s.SetLatency(seed.Latency)
	}
	for _, p := range seed.PathLatency {
		_ = s.SetPathLatency(p.Path, p.Latency)
	}
	if t := seed.Throttle; t != nil {
		_ = s.SetThrottle(&Throttle{Rate: t.Rate, Burst: t.Burst, Paths: t.Paths})
	}
	return nil
}

// InputError is input the fake refuses: a seed (ParseSeed, ApplySeed, NewStandalone, the admin API's
// seed), a subscriber (AddSubscriber), or a fault, latency, throttle or clock change (FailNextWith,
// SetLatency, SetPathLatency, SetThrottle, the admin API and the dashboard). It says what was refused, where (1-based line and column of the JSON,
// 0 when the input did not come from JSON), which field (a JSON path as the seed file and the admin
// API spell it, such as "ags_users[1].accounts[0]" or "status") and why.
type InputError struct {
	Input        string // what was refused: "seed", "subscriber", "fault", "latency", "throttle" or "clock"
	Line, Column int    // where in the JSON, 1-based; 0 when the input was not JSON
	Field        string // the JSON path of the field at fault; "" when the whole input is
	Reason       string // why, in a sentence without the input's name or position
}

// SeedError is the name InputError had when seeds were the only input the fake checked: code that
// matches a *SeedError with errors.As keeps working, and now matches every refused input.
type SeedError = InputError

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString("tvauthtest: ")
	if e.Input == "" {
		b.WriteString("input")
	} else {
		b.WriteString(e.Input)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d, column %d", e.Line, e.Column)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	b.WriteString(": " + e.Reason)
	return b.String()
}

// Validate reports the first field of seed the fake cannot honour, as an *InputError. A profile's MVPD
// must be among the seed's MVPDs (ApplySeed also accepts one the Server already has). No text may hold
// a control character (U+0000–U+001F, U+007F–U+009F) or be invalid UTF-8: identities end up in
// headers, URLs and XML, where such bytes are refused or mean something else.
func (seed Seed) Validate() error {
	return seed.validate(noPosition, nil)
}

func noPosition(string) (int, int) { return 0, 0 }

// hasMVPD reports whether the Server already has an MVPD, for seeds that add to it.
func (s *Server) hasMVPD(id string) bool { return s.pass.mvpd(id) != nil }

// validate checks seed; at locates a field in the JSON it came from, known (nil for none) tells the
// MVPDs that exist besides the seed's own.
func (seed Seed) validate(at func(field string) (line, col int), known func(mvpd string) bool) error {
	bad := func(field, format string, args ...any) error {
		line, col := at(field)
		return &InputError{Input: "seed", Line: line, Column: col, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if field, reason := badText(reflect.ValueOf(seed), ""); field != "" {
		return bad(field, "%s", reason)
	}
	mvpds := map[string]bool{}
	for i, m := range seed.MVPDs {
		f := fmt.Sprintf("mvpds[%d]", i)
		if m.ID == "" {
			return bad(f+".id", "an MVPD needs an id")
		}
		if mvpds[m.ID] {
			return bad(f+".id", "MVPD %q is seeded twice", m.ID)
		}
		mvpds[m.ID] = true
		names := map[string]bool{}
		for j, sub := range m.Subscribers {
			sf := fmt.Sprintf("%s.subscribers[%d]", f, j)
			switch {
			case sub.Username == "":
				return bad(sf+".username", "a subscriber needs a username")
			case names[sub.Username]:
				return bad(sf+".username", "subscriber %q is seeded twice for MVPD %q", sub.Username, m.ID)
			case sub.Password == "":
				return bad(sf+".password", "a subscriber needs a password")
			}
			names[sub.Username] = true
		}
	}
	for i, p := range seed.Profiles {
		f := fmt.Sprintf("profiles[%d]", i)
		switch {
		case p.ServiceProvider == "":
			return bad(f+".service_provider", "a profile needs a service provider")
		case p.MVPD == "":
			return bad(f+".mvpd", "a profile needs an MVPD")
		case !mvpds[p.MVPD] && (known == nil || !known(p.MVPD)):
			return bad(f+".mvpd", "MVPD %q is not among the seed's mvpds", p.MVPD)
		case p.DeviceID == "":
			return bad(f+".device_id", "a profile needs a device id")
		case p.Type != "" && !slices.Contains(profileTypes, p.Type):
			return bad(f+".type", "unknown profile type %q (known: %s)", p.Type, strings.Join(profileTypes, ", "))
		}
	}
	for i, d := range seed.Denied {
		f := fmt.Sprintf("denied[%d]", i)
		if d.MVPD == "" {
			return bad(f+".mvpd", "a denial needs an MVPD")
		}
		if strings.TrimSpace(d.Resource) == "" { // a blank resource cannot be asked for: decisions refuse it
			return bad(f+".resource", "a denial needs a resource")
		}
	}
	logins := map[string]bool{}
	for i, u := range seed.WebAPIUsers {
		f := fmt.Sprintf("webapi_users[%d]", i)
		switch {
		case u.LoginID == "":
			return bad(f+".login_id", "a WebAPI user needs a login id")
		case logins[u.LoginID]:
			return bad(f+".login_id", "WebAPI user %q is seeded twice", u.LoginID)
		case u.Password == "":
			return bad(f+".password", "a WebAPI user needs a password")
		}
		logins[u.LoginID] = true
	}
	users := map[string]bool{}
	for i, u := range seed.AGSUsers {
		f := fmt.Sprintf("ags_users[%d]", i)
		switch {
		case u.Username == "":
			return bad(f+".username", "an AGS user needs a username")
		case users[u.Username]:
			return bad(f+".username", "AGS user %q is seeded twice", u.Username)
		case u.Error < 0:
			return bad(f+".error", "an AGS error code is positive, got %d", u.Error)
		}
		for j, a := range u.Accounts {
			if a == "" {
				return bad(fmt.Sprintf("%s.accounts[%d]", f, j), "an account id cannot be empty")
			}
		}
		users[u.Username] = true
	}
	if seed.Latency < 0 {
		return bad("latency", "a latency cannot be negative")
	}
	for i, p := range seed.PathLatency {
		f := fmt.Sprintf("path_latency[%d]", i)
		if p.Path == "" {
			return bad(f+".path", "a path latency needs a path (exact, or a prefix ending in *)")
		}
		if p.Latency < 0 {
			return bad(f+".latency", "a latency cannot be negative")
		}
	}
	if t := seed.Throttle; t != nil {
		if field, reason := badThrottle(t.Rate, t.Burst); field != "" {
			return bad("throttle."+field, "%s", reason)
		}
	}
	return nil
}

// badText finds a string in v (a seed, or a part of one) that holds a control character or is not
// UTF-8, and says where (its JSON path below field) and why; "" when there is none.
func badText(v reflect.Value, field string) (string, string) {
	switch v.Kind() {
	case reflect.String:
		if reason := textProblem(v.String()); reason != "" {
			return field, reason
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return badText(v.Elem(), field)
		}
	case reflect.Slice:
		for i := range v.Len() {
			if f, reason := badText(v.Index(i), fmt.Sprintf("%s[%d]", field, i)); f != "" {
				return f, reason
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if field != "" {
				name = field + "." + name
			}
			if f, reason := badText(v.Field(i), name); f != "" {
				return f, reason
			}
		}
	}
	return "", ""
}

// textProblem says what is wrong with s as a name, password or path: a control character or bytes
// that are not UTF-8 ("" when nothing is).
func textProblem(s string) string {
	for i, c := range s {
		if c == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Sprintf("byte %d is not UTF-8", i)
			}
		}
		if unicode.IsControl(c) {
			return fmt.Sprintf("control character %U at byte %d: only printable text is accepted", c, i)
		}
	}
	return ""
}

// badThrottle checks a throttle's rate and burst; it names the field at fault and why.
func badThrottle(rate float64, burst int) (field, reason string) {
	switch {
	case math.IsNaN(rate) || math.IsInf(rate, 0):
		return "rate", "a rate must be a finite number of requests per second"
	case rate < 0:
		return "rate", "a rate cannot be negative"
	case burst < 0:
		return "burst", "a burst cannot be negative"
	}
	return "", ""
}

// ParseSeed reads a seed from JSON and validates it. Unknown fields, wrong types, durations that are
// not Go durations ("250ms", "1h30m") and values the fake cannot honour are refused with a *SeedError
// that names the line, column and field at fault.
func ParseSeed(data []byte) (Seed, error) {
	var seed Seed
	r, err := decodeLocated(data, &seed, "seed")
	if err != nil {
		return Seed{}, err
	}
	if err := seed.validate(r.position, nil); err != nil {
		return Seed{}, err
	}
	return seed, nil
}

// parseSeedFor reads a seed that adds to s: a profile may name an MVPD s already has.
func parseSeedFor(s *Server, data []byte) (Seed, error) {
	var seed Seed
	r, err := decodeLocated(data, &seed, "seed")
	if err != nil {
		return Seed{}, err
	}
	if err := seed.validate(r.position, s.hasMVPD); err != nil {
		return Seed{}, err
	}
	return seed, nil
}

// utf8BOM is the byte order mark some Windows editors write at the start of a UTF-8 file.
var utf8BOM = []byte("\xef\xbb\xbf")

// decodeLocated decodes one JSON value into v (a pointer to a struct of strings, numbers, booleans,
// durations, slices, string-keyed maps and such structs), refusing unknown fields and wrong types
// with an *InputError (of this input: "seed", "fault", …) that says where.
//
// A UTF-8 byte order mark at the start is skipped, as RFC 8259 lets a parser do (Notepad and
// PowerShell write one); lines and columns then count from the text after it, as an editor shows
// it. A UTF-16 text, or bytes that are not UTF-8, are refused with where they are.
func decodeLocated(data []byte, v any, input string) (*seedReader, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	r := &seedReader{input: input, data: data, dec: json.NewDecoder(bytes.NewReader(data)), at: map[string]int{}}
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return nil, r.errAt(0, "", "the JSON is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8")
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			c, size := utf8.DecodeRune(data[off:])
			if c == utf8.RuneError && size == 1 {
				break
			}
			off += size
		}
		return nil, r.errAt(off, "", "byte 0x%02x is not UTF-8: JSON text is UTF-8", data[off])
	}
	r.dec.UseNumber()
	if err := r.value(reflect.ValueOf(v).Elem(), ""); err != nil {
		return nil, err
	}
	if off := r.start(); off < len(r.data) {
		return nil, r.errAt(off, "", "unexpected data after the JSON object")
	}
	return r, nil
}

// seedReader decodes JSON into a Seed token by token, so that every error knows where it is.
type seedReader struct {
	input string // what is decoded, for errors: "seed", "fault", …
	data  []byte
	dec   *json.Decoder
	at    map[string]int // field path → offset of its value
}

var durationType = reflect.TypeFor[time.Duration]()

// start is the offset of the next token: the decoder's offset, past separators.
func (r *seedReader) start() int {
	off := int(r.dec.InputOffset())
	for off < len(r.data) && strings.IndexByte(" \t\r\n,:", r.data[off]) >= 0 {
		off++
	}
	return off
}

func (r *seedReader) lineCol(off int) (int, int) {
	off = min(off, len(r.data))
	before := r.data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	return line, off - bytes.LastIndexByte(before, '\n')
}

// position is where field's value is, or where its closest enclosing value is when the field is
// missing.
func (r *seedReader) position(field string) (int, int) {
	for {
		if off, ok := r.at[field]; ok {
			return r.lineCol(off)
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			return r.lineCol(r.at[""])
		}
		field = field[:i]
	}
}

// located gives err, an *InputError about a field of the JSON r read, the line and column of that
// field's value.
func (r *seedReader) located(err error) error {
	var ie *InputError
	if errors.As(err, &ie) && ie.Line == 0 && ie.Field != "" {
		ie.Line, ie.Column = r.position(ie.Field)
	}
	return err
}

func (r *seedReader) errAt(off int, field, format string, args ...any) error {
	line, col := r.lineCol(off)
	return &InputError{Input: r.input, Line: line, Column: col, Field: field, Reason: fmt.Sprintf(format, args...)}
}

func (r *seedReader) token(field string) (json.Token, int, error) {
	off := r.start()
	tok, err := r.dec.Token()
	if err != nil {
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &syn):
			return nil, off, r.syntaxError(syn, field)
		case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
			return nil, off, r.errAt(len(r.data), field, "the JSON ends too early")
		}
		return nil, off, r.errAt(off, field, "%v", err)
	}
	return tok, off, nil
}

// syntaxError locates a syntax error. encoding/json quotes the offending byte as if it were a
// character ('ï' for the first byte of a byte order mark): a non-ASCII one is named by its code point
// instead, at its own position (the first such byte from the error's offset on: only separators lie
// between them).
func (r *seedReader) syntaxError(syn *json.SyntaxError, field string) error {
	off := int(syn.Offset)
	msg := strings.TrimPrefix(syn.Error(), "invalid character ")
	if b, rest, ok := quotedByte(msg); ok && b >= utf8.RuneSelf {
		from := min(max(off-1, 0), len(r.data))
		if at := bytes.IndexByte(r.data[from:], b); at >= 0 {
			c, _ := utf8.DecodeRune(r.data[from+at:])
			what := fmt.Sprintf("character %U %q", c, c)
			if c == '\ufeff' {
				what = "character U+FEFF (a byte order mark; one is skipped only at the very start)"
			}
			return r.errAt(from+at, field, "malformed JSON: %s%s", what, rest)
		}
	}
	return r.errAt(off, field, "malformed JSON: %s", msg)
}

// quotedByte reads the byte a json.SyntaxError quotes at the start of msg ('ï' is 0xEF) and what
// follows it.
func quotedByte(msg string) (b byte, rest string, ok bool) {
	if !strings.HasPrefix(msg, "'") {
		return 0, "", false
	}
	c, size := utf8.DecodeRuneInString(msg[1:])
	rest, ok = strings.CutPrefix(msg[1+size:], "'")
	return byte(c), rest, ok && c <= 0xff
}

// value decodes the next JSON value into v, whose path is field.
func (r *seedReader) value(v reflect.Value, field string) error {
	tok, off, err := r.token(field)
	if err != nil {
		return err
	}
	r.at[field] = off
	if tok == nil { // null leaves the zero value
		return nil
	}
	t := v.Type()
	want := func(what string) error {
		return r.errAt(off, field, "want %s, got %s", what, describe(tok))
	}
	switch {
	case t == durationType:
		s, ok := tok.(string)
		if !ok {
			return want(`a duration string such as "250ms" or "1h30m"`)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return r.errAt(off, field, "%q is not a duration such as \"250ms\" or \"1h30m\"", s)
		}
		v.SetInt(int64(d))
	case t.Kind() == reflect.String:
		s, ok := tok.(string)
		if !ok {
			return want("a string")
		}
		v.SetString(s)
	case t.Kind() == reflect.Bool:
		b, ok := tok.(bool)
		if !ok {
			return want("true or false")
		}
		v.SetBool(b)
	case t.Kind() == reflect.Int:
		n, ok := tok.(json.Number)
		i, err := n.Int64()
		if !ok || err != nil {
			return want("an integer")
		}
		v.SetInt(i)
	case t.Kind() == reflect.Float64:
		n, ok := tok.(json.Number)
		f, err := n.Float64()
		if !ok || err != nil {
			return want("a number")
		}
		v.SetFloat(f)
	case t.Kind() == reflect.Pointer:
		v.Set(reflect.New(t.Elem()))
		return r.composite(tok, off, v.Elem(), field)
	default:
		return r.composite(tok, off, v, field)
	}
	return nil
}

// composite decodes an object or array whose opening token was tok.
func (r *seedReader) composite(tok json.Token, off int, v reflect.Value, field string) error {
	t := v.Type()
	switch t.Kind() {
	case reflect.Slice:
		if tok != json.Delim('[') {
			return r.errAt(off, field, "want an array, got %s", describe(tok))
		}
		for i := 0; r.dec.More(); i++ {
			elem := reflect.New(t.Elem()).Elem()
			if err := r.value(elem, fmt.Sprintf("%s[%d]", field, i)); err != nil {
				return err
			}
			v.Set(reflect.Append(v, elem))
		}
	case reflect.Map: // string keys only (headers)
		if tok != json.Delim('{') {
			return r.errAt(off, field, "want an object, got %s", describe(tok))
		}
		v.Set(reflect.MakeMap(t))
		for r.dec.More() {
			keyTok, _, err := r.token(field)
			if err != nil {
				return err
			}
			key, _ := keyTok.(string)
			elem := reflect.New(t.Elem()).Elem()
			if err := r.value(elem, field+"."+key); err != nil {
				return err
			}
			v.SetMapIndex(reflect.ValueOf(key), elem)
		}
	case reflect.Struct:
		if tok != json.Delim('{') {
			return r.errAt(off, field, "want an object, got %s", describe(tok))
		}
		seen := map[string]bool{}
		for r.dec.More() {
			keyTok, keyOff, err := r.token(field)
			if err != nil {
				return err
			}
			key, _ := keyTok.(string)
			path := key
			if field != "" {
				path = field + "." + key
			}
			i, known := jsonField(t, key)
			if !known {
				return r.errAt(keyOff, path, "unknown field (known: %s)", strings.Join(jsonNames(t), ", "))
			}
			if seen[key] {
				return r.errAt(keyOff, path, "field given twice")
			}
			seen[key] = true
			if err := r.value(v.Field(i), path); err != nil {
				return err
			}
		}
	default:
		return r.errAt(off, field, "cannot decode into %s", t)
	}
	_, _, err := r.token(field) // the closing ] or }, checked by the decoder
	return err
}

func jsonField(t reflect.Type, key string) (int, bool) {
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name == key {
			return i, true
		}
	}
	return 0, false
}

func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func describe(tok json.Token) string {
	switch t := tok.(type) {
	case string:
		return "string " + strconv.Quote(t)
	case json.Number:
		return "number " + t.String()
	case bool:
		return "boolean " + strconv.FormatBool(t)
	case json.Delim:
		if t == '{' {
			return "an object"
		}
		return "an array"
	}
	return fmt.Sprint(tok)
}

// MarshalJSON writes durations the way ParseSeed reads them ("250ms"), so that a Seed round-trips.
func (seed Seed) MarshalJSON() ([]byte, error) {
	type plain Seed
	type withDurations struct {
		plain
		ClockOffset string            `json:"clock_offset,omitempty"`
		Latency     string            `json:"latency,omitempty"`
		PathLatency []seedPathLatency `json:"path_latency,omitempty"`
	}
	out := withDurations{plain: plain(seed)}
	if seed.ClockOffset != 0 {
		out.ClockOffset = seed.ClockOffset.String()
	}
	if seed.Latency != 0 {
		out.Latency = seed.Latency.String()
	}
	for _, p := range seed.PathLatency {
		out.PathLatency = append(out.PathLatency, seedPathLatency{p.Path, p.Latency.String()})
	}
	return json.Marshal(out)
}

type seedPathLatency struct {
	Path    string `json:"path"`
	Latency string `json:"latency"`
}

// UnmarshalJSON reads what MarshalJSON writes (durations as "250ms"), refusing unknown fields and
// wrong types like ParseSeed, but without validating the values: use ParseSeed or Validate for that.
func (seed *Seed) UnmarshalJSON(data []byte) error {
	var s Seed
	if _, err := decodeLocated(data, &s, "seed"); err != nil {
		return err
	}
	*seed = s
	return nil
}
