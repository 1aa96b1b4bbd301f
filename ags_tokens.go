package tvauth

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Tokens is what AGS answers a successful signOn, subsequentSignOn, refresh or signOnWithSessionToken
// with. Lifetimes arrive in seconds and are kept as durations counted from ReceivedAt. Its JSON form is
// the AGS wire form (access_token, expires_in in seconds, …) plus "received_at": MarshalUnmaskedJSON
// writes it in clear, to persist, and json.Unmarshal reads it back. json.Marshal writes it with the
// tokens masked, which json.Unmarshal refuses (ErrMaskedSecret).
type Tokens struct {
	AccessToken           Secret        // access_token
	RefreshToken          Secret        // refresh_token; AGS rotates it on every refresh
	ClientID              string        // client_id: send it as SignOnRequest.ClientID from now on
	AccountID             string        // accountId
	TokenType             string        // token_type, "bearer" in the docs
	ExpiresIn             time.Duration // expires_in: the access token's lifetime
	RefreshExpiresIn      time.Duration // refresh_expires_in: the refresh token's lifetime
	FixedRefreshExpiresIn time.Duration // a cap that refreshing does not extend
	ReceivedAt            time.Time     // local clock when the reply arrived; the lifetimes count from it
	CorrelationID         string        // x-correlation-id of the call that returned them (not persisted)
}

type tokens = Tokens // named inside Format, whose local copy of the type drops the methods

// Format prints every field under any verb, the tokens masked by Secret. Tokens are handed out by
// pointer (SignOnResult.Tokens, Refresh), and fmt prints a pointer inside a struct under %s or %q field
// by field without calling their methods, unless the pointee has this method.
func (t Tokens) Format(f fmt.State, verb rune) {
	type Tokens tokens // no methods: each field prints, and masks, itself
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), Tokens(t))
}

// Expiry is when the access token expires, or the zero time when AGS gave no lifetime.
func (t *Tokens) Expiry() time.Time { return t.after(t.ExpiresIn) }

// RefreshExpiry is when the refresh token expires: the earlier of refresh_expires_in and
// fixed_refresh_expires_in, or the zero time when AGS gave neither.
func (t *Tokens) RefreshExpiry() time.Time {
	a, b := t.after(t.RefreshExpiresIn), t.after(t.FixedRefreshExpiresIn)
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}

func (t *Tokens) after(d time.Duration) time.Time {
	if t == nil || d <= 0 || t.ReceivedAt.IsZero() {
		return time.Time{}
	}
	return t.ReceivedAt.Add(d)
}

// OAuth2 returns the access token as an *oauth2.Token whose Expiry is ReceivedAt + ExpiresIn (zero when
// unknown). client_id and accountId are available through Extra.
func (t *Tokens) OAuth2() *oauth2.Token {
	if t == nil {
		return nil
	}
	tok := &oauth2.Token{
		AccessToken:  string(t.AccessToken),
		TokenType:    t.TokenType,
		RefreshToken: string(t.RefreshToken),
		Expiry:       t.Expiry(),
		ExpiresIn:    int64(t.ExpiresIn / time.Second),
	}
	return tok.WithExtra(map[string]any{"client_id": t.ClientID, "accountId": t.AccountID})
}

// agsTokensWire is the AGS token reply, loosely typed: gateways send numbers and strings interchangeably.
type agsTokensWire struct {
	AccessToken           jsonValue  `json:"access_token"`
	RefreshToken          jsonValue  `json:"refresh_token"`
	ClientID              jsonValue  `json:"client_id"`
	AccountID             jsonValue  `json:"accountId"`
	TokenType             jsonValue  `json:"token_type"`
	ExpiresIn             jsonValue  `json:"expires_in"`
	RefreshExpiresIn      jsonValue  `json:"refresh_expires_in"`
	FixedRefreshExpiresIn jsonValue  `json:"fixed_refresh_expires_in"`
	ReceivedAt            *time.Time `json:"received_at"` // only in the SDK's persisted form
}

// UnmarshalJSON reads the AGS wire form (and the SDK's persisted form, which adds received_at).
func (t *Tokens) UnmarshalJSON(b []byte) error {
	var w agsTokensWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var out Tokens
	fields := [...]struct {
		name string
		raw  jsonValue
		str  *string        // a text field, or
		dur  *time.Duration // a lifetime
	}{ // the tokens first
		{"access_token", w.AccessToken, (*string)(&out.AccessToken), nil},
		{"refresh_token", w.RefreshToken, (*string)(&out.RefreshToken), nil},
		{"client_id", w.ClientID, &out.ClientID, nil},
		{"accountId", w.AccountID, &out.AccountID, nil},
		{"token_type", w.TokenType, &out.TokenType, nil},
		{"expires_in", w.ExpiresIn, nil, &out.ExpiresIn},
		{"refresh_expires_in", w.RefreshExpiresIn, nil, &out.RefreshExpiresIn},
		{"fixed_refresh_expires_in", w.FixedRefreshExpiresIn, nil, &out.FixedRefreshExpiresIn},
	}
	for i, f := range fields {
		var err error
		if f.dur != nil {
			*f.dur, err = agsSeconds(f.raw)
		} else if *f.str, err = agsString(f.raw); err == nil && i < 2 && *f.str == redacted {
			err = ErrMaskedSecret // a masked token (json.Marshal's form), refused as Secret refuses it
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if w.ReceivedAt != nil {
		out.ReceivedAt = *w.ReceivedAt
	}
	*t = out
	return nil
}

// MarshalUnmaskedJSON writes the AGS wire form plus received_at with the tokens in clear: the form to
// persist them in, which json.Unmarshal reads back.
func (t Tokens) MarshalUnmaskedJSON() ([]byte, error) { return json.Marshal(tokensStored[string](t)) }

// MarshalJSON writes the form MarshalUnmaskedJSON writes with the tokens masked, for log handlers that
// marshal tokens; json.Unmarshal refuses it (ErrMaskedSecret). Persist with MarshalUnmaskedJSON.
func (t Tokens) MarshalJSON() ([]byte, error) { return json.Marshal(tokensStored[Secret](t)) }

// tokensStored is the stored form of Tokens: the tokens in clear (S string) or masked (S Secret).
func tokensStored[S ~string](t Tokens) any {
	type stored struct {
		AccessToken           S          `json:"access_token,omitempty"`
		RefreshToken          S          `json:"refresh_token,omitempty"`
		ClientID              string     `json:"client_id,omitempty"`
		AccountID             string     `json:"accountId,omitempty"`
		TokenType             string     `json:"token_type,omitempty"`
		ExpiresIn             int64      `json:"expires_in,omitempty"`
		RefreshExpiresIn      int64      `json:"refresh_expires_in,omitempty"`
		FixedRefreshExpiresIn int64      `json:"fixed_refresh_expires_in,omitempty"`
		ReceivedAt            *time.Time `json:"received_at,omitempty"`
	}
	p := stored{S(t.AccessToken), S(t.RefreshToken), t.ClientID, t.AccountID, t.TokenType,
		int64(t.ExpiresIn / time.Second), int64(t.RefreshExpiresIn / time.Second),
		int64(t.FixedRefreshExpiresIn / time.Second), &t.ReceivedAt}
	if t.ReceivedAt.IsZero() {
		p.ReceivedAt = nil
	}
	return p
}

// agsString reads a JSON string, or a number as its text; null is "". Objects, arrays and booleans
// are errors: a token that arrives as one is a broken reply, not a value to guess at.
func agsString(raw []byte) (string, error) {
	switch raw = bytes.TrimSpace(raw); {
	case len(raw) == 0 || string(raw) == "null":
		return "", nil
	case raw[0] == '"':
		s, _ := plainJSONString(raw) // encoding/json has checked the literal
		return s, nil
	case isJSONNumber(raw):
		return string(raw), nil // a number, as written
	}
	return "", errors.New("want a string, got " + agsJSONKind(raw))
}

// agsMaxLifetime bounds lifetimes so that seconds × 1e9 cannot overflow a time.Duration.
const agsMaxLifetime = 100 * 365 * 24 * time.Hour

// agsSeconds reads a lifetime in seconds: a number (fractions allowed) or a numeric string; null is 0.
func agsSeconds(raw []byte) (time.Duration, error) {
	if t := bytes.TrimSpace(raw); isJSONNumber(t) { // the documented form, read without a copy
		if f, err := strconv.ParseFloat(string(t), 64); err == nil {
			return agsLifetime(f)
		}
	}
	s, err := agsString(raw)
	if err != nil || s == "" {
		return 0, err
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("want seconds, got %s", valueShape(s))
	}
	return agsLifetime(f)
}

// agsLifetime turns seconds into a lifetime: negative is an error, huge is capped.
func agsLifetime(f float64) (time.Duration, error) {
	if f < 0 {
		return 0, fmt.Errorf("negative lifetime %v", f)
	}
	return time.Duration(min(f*float64(time.Second), float64(agsMaxLifetime))), nil
}

func agsJSONKind(raw []byte) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '"':
		return "a string"
	}
	return "a number"
}

var errAGSNoAccessToken = errors.New("reply has no access_token")

// agsDecodeTokens reads a token answer; a reply without an access token is not one. It calls
// UnmarshalJSON directly: json.Unmarshal(body, t) would scan the body twice more first.
func agsDecodeTokens(body []byte, receivedAt time.Time, correlationID string) (*Tokens, error) {
	t := &Tokens{}
	if err := t.UnmarshalJSON(trimBOM(body)); err != nil {
		return nil, err
	}
	if t.AccessToken == "" {
		return nil, errAGSNoAccessToken
	}
	t.ReceivedAt, t.CorrelationID = receivedAt, correlationID
	return t, nil
}

// Account is one selectable OPF account of a 300 reply: show the user AccountInformation, then pass the
// chosen one to SubsequentSignOn (or SubsequentRegister). The reply's field names match as in
// encoding/json: exactly, or else regardless of case; of a name sent twice, the last counts.
type Account struct {
	UserAccountToken   Secret          // for the User-Token header of SubsequentSignOn
	AccountInformation string          // the raw provider JSON string
	Raw                json.RawMessage // the whole account element, its user account token masked (REDACTED)
}

// Information decodes AccountInformation, a JSON object encoded as a string whose keys are the
// operator's CRM's own (the documented sample has apellido, cuenta, nombre, …). Numbers decode as
// json.Number so that account numbers keep every digit. An empty AccountInformation gives a nil map.
func (a Account) Information() (map[string]any, error) {
	if strings.TrimSpace(a.AccountInformation) == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(a.AccountInformation))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, &DecodeError{Service: svcAGS.String(), HTTPStatus: 300, ContentType: "application/json",
			Err: fmt.Errorf("accountInformation: %w", err)}
	}
	return m, nil
}

// agsDecodeAccounts reads a 300 body: {"accounts":[{…},…]} with an optional top-level userAccountToken
// for every account without its own. Each account is decoded from its own element: given "accounts"
// twice, encoding/json would decode the second list into the first one's structs without zeroing them.
func agsDecodeAccounts(body []byte) ([]Account, error) {
	var raw struct {
		Accounts         []jsonValue `json:"accounts"`
		UserAccountToken jsonValue   `json:"userAccountToken"`
	}
	if err := json.Unmarshal(trimBOM(body), &raw); err != nil {
		return nil, err
	}
	if len(raw.Accounts) == 0 {
		return nil, errors.New("300 reply lists no accounts")
	}
	shared, err := agsString(raw.UserAccountToken)
	if err != nil {
		return nil, fmt.Errorf("userAccountToken: %w", err)
	}
	accounts := make([]Account, len(raw.Accounts))
	var aw agsAccountWire // one for all accounts (it escapes to the heap), zeroed for each
	for i, el := range raw.Accounts {
		if el[0] != '{' {
			return nil, fmt.Errorf("accounts[%d]: want an object, got %s", i, agsJSONKind(el))
		}
		aw = agsAccountWire{}
		if err := json.Unmarshal(el, &aw); err != nil {
			// The only field that can have the wrong type is an accountInformation that is not a string.
			var notString *json.UnmarshalTypeError
			if !errors.As(err, &notString) {
				return nil, fmt.Errorf("accounts[%d]: %v", i, err)
			}
			if aw.AccountInformation == "" {
				var f struct {
					AccountInformation jsonValue `json:"accountInformation"`
				}
				_ = json.Unmarshal(el, &f)
				aw.AccountInformation = agsAccountInformation(f.AccountInformation)
			}
		}
		uat := aw.UserAccountToken
		token, err := agsString(uat.last)
		if err != nil {
			return nil, fmt.Errorf("accounts[%d].userAccountToken: %w", i, err)
		}
		tokens := [...][]byte{uat.last, raw.UserAccountToken}
		accounts[i] = Account{
			UserAccountToken:   Secret(cmp.Or(token, shared)),
			AccountInformation: aw.AccountInformation,
			Raw:                agsAccountRaw(el, append(tokens[:], uat.earlier...)...),
		}
	}
	return accounts, nil
}

// agsAccountWire is one element of a 300 reply's accounts.
type agsAccountWire struct {
	AccountInformation string          `json:"accountInformation"` // as documented: JSON in a string
	UserAccountToken   agsTokenMembers `json:"userAccountToken"`
}

// agsTokenMembers is the raw value of every userAccountToken member of an account (a repeated name, or
// the name in another case), all of which Raw masks; encoding/json hands each in turn, the last counts.
type agsTokenMembers struct {
	last    jsonValue
	earlier [][]byte
}

func (m *agsTokenMembers) UnmarshalJSON(b []byte) error {
	if m.last != nil {
		m.earlier = append(m.earlier, m.last)
	}
	m.last = b
	return nil
}

// agsAccountRaw is an account element with every occurrence of tokens (raw JSON values of its user
// account token) masked, so that Raw, which fmt, slog and encoding/json print as is, holds no secret.
// An element the masking would leave invalid (a number token inside another value, say) gives nil.
func agsAccountRaw(element []byte, tokens ...[]byte) json.RawMessage {
	var out json.RawMessage
	for _, t := range tokens {
		if len(t) == 0 || string(t) == "null" || string(t) == `""` {
			continue
		}
		src := element
		if out != nil {
			src = out
		}
		i := bytes.Index(src, t)
		if i < 0 {
			continue
		}
		out = make(json.RawMessage, 0, len(src)+len(redacted)) // one pass (ReplaceAll takes three)
		for ; i >= 0; i = bytes.Index(src, t) {
			out = append(append(out, src[:i]...), `"`+redacted+`"`...)
			src = src[i+len(t):]
		}
		out = append(out, src...)
		// A string without escapes, replaced by another, leaves valid JSON valid (its quotes stay
		// where they were, neither escaped nor escaping); anything else is checked.
		if plain := t[0] == '"' && !bytes.ContainsAny(t[1:len(t)-1], `"\`); !plain && !json.Valid(out) {
			return nil
		}
	}
	if out == nil {
		return append(json.RawMessage(nil), element...)
	}
	return out
}

// agsAccountInformation is the text of an accountInformation that is not the documented string: a
// gateway that sends the object itself gets its JSON text kept as is, so Information works on both.
func agsAccountInformation(raw []byte) string {
	if s, ok := plainJSONString(raw); ok || string(raw) == "null" {
		return s
	}
	return string(raw)
}
