package tvauth

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
)

// Masking of the NINA WebAPI types that hold secrets (see mask.go for the rule).

// String masks Password and SecurID, so that %v and %+v print neither.
func (r ClientLoginRequest) String() string {
	return fmt.Sprintf("ClientLoginRequest{LoginID:%q Password:%s TokenType:%q Language:%q ClientName:%q ClientVersion:%q RequestID:%q ReplyFormat:%q Context:%q CaptchaWord:%q SecurID:%s UnescapeToken:%t}",
		r.LoginID, maskQuoted(r.Password), r.TokenType, r.Language, r.ClientName, r.ClientVersion, r.RequestID,
		string(r.ReplyFormat), r.Context, r.CaptchaWord, maskQuoted(r.SecurID), r.UnescapeToken)
}

// GoString masks Password and SecurID in %#v too.
func (r ClientLoginRequest) GoString() string { return "tvauth." + r.String() }

// Format prints the masked String whatever the verb.
func (r ClientLoginRequest) Format(f fmt.State, verb rune) { formatMasked(f, verb, r) }

// LogValue masks Password and SecurID in structured logs.
func (r ClientLoginRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("login_id", r.LoginID),
		slog.String("password", maskIfSet(r.Password)),
		slog.String("token_type", r.TokenType),
		slog.String("language", r.Language),
		slog.String("client_name", r.ClientName),
		slog.String("client_version", r.ClientVersion),
		slog.String("request_id", r.RequestID),
		slog.String("reply_format", string(r.ReplyFormat)),
		slog.String("context", r.Context),
		slog.String("captcha_word", r.CaptchaWord),
		slog.String("securid", maskIfSet(r.SecurID)),
		slog.Bool("unescape_token", r.UnescapeToken),
	)
}

// MarshalJSON writes the request with Password and SecurID masked.
func (r ClientLoginRequest) MarshalJSON() ([]byte, error) {
	type plain ClientLoginRequest
	r.Password, r.SecurID = maskIfSet(r.Password), maskIfSet(r.SecurID)
	return json.Marshal(plain(r))
}

// Format prints the masked String whatever the verb.
func (s WebAPISession) Format(f fmt.State, verb rune) { formatMasked(f, verb, s) }

// MarshalJSON writes the session with Token, SessionSecret and SessionKey masked. Store a session with
// MarshalUnmaskedJSON.
func (s WebAPISession) MarshalJSON() ([]byte, error) {
	type plain WebAPISession
	s.Token, s.SessionSecret, s.SessionKey = maskIfSet(s.Token), maskIfSet(s.SessionSecret), maskIfSet(s.SessionKey)
	s.clock = nil
	return json.Marshal(plain(s))
}

// MarshalUnmaskedJSON writes the session in clear, in the form json.Unmarshal reads back: the form to
// store it in (to sign a logout after a restart). The result holds the token and the session key.
func (s WebAPISession) MarshalUnmaskedJSON() ([]byte, error) {
	type plain WebAPISession
	s.clock = nil
	return json.Marshal(plain(s))
}

// maskedData is Data with the values of secret-named keys (a, token_a, sig_sha256, session_key …)
// masked. The SDK's own calls also scrub the call's secrets from every Data value as they decode it.
func (r WebAPIResponse) maskedData() map[string]string {
	if r.Data == nil {
		return nil
	}
	out := make(map[string]string, len(r.Data))
	for k, v := range r.Data {
		if webapiSecretDataKey(k) {
			v = maskIfSet(v)
		}
		out[k] = v
	}
	return out
}

// webapiSecretDataKey: Data keys are nested keys joined by "_", so token.a arrives as token_a; the key
// is secret when it, or its last part, is a secret name.
func webapiSecretDataKey(k string) bool {
	if isSecretName(k) {
		return true
	}
	i := strings.LastIndexByte(k, '_')
	return i >= 0 && isSecretName(k[i+1:])
}

// String prints the reply with secret-named Data values masked.
func (r WebAPIResponse) String() string {
	data := r.maskedData()
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%q:%q", k, data[k])
	}
	return fmt.Sprintf("WebAPIResponse{StatusCode:%d StatusText:%q StatusDetailCode:%d RequestID:%q Data:map[%s]}",
		r.StatusCode, r.StatusText, r.StatusDetailCode, r.RequestID, b.String())
}

// GoString masks secret-named Data values in %#v too.
func (r WebAPIResponse) GoString() string { return "tvauth." + r.String() }

// Format prints the masked String whatever the verb.
func (r WebAPIResponse) Format(f fmt.State, verb rune) { formatMasked(f, verb, r) }

// LogValue masks secret-named Data values in structured logs.
func (r WebAPIResponse) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("status_code", r.StatusCode),
		slog.String("status_text", r.StatusText),
		slog.Int("status_detail_code", r.StatusDetailCode),
		slog.String("request_id", r.RequestID),
		slog.Any("data", r.maskedData()),
	)
}

// MarshalJSON writes the reply with secret-named Data values masked.
func (r WebAPIResponse) MarshalJSON() ([]byte, error) {
	type plain WebAPIResponse
	r.Data = r.maskedData()
	return json.Marshal(plain(r))
}

// scrubData removes the call's secrets from the text of a successful reply: a server that echoes the
// token or the signature, under any key, must not put it into the caller's logs.
func (r *webapiReply) scrubData(red *redactor) {
	r.StatusText, r.RequestID = red.scrub(r.StatusText), red.scrub(r.RequestID)
	for k, v := range r.Data {
		r.Data[k] = red.scrub(v)
	}
}
