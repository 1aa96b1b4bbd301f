package tvauth

import (
	"encoding/json"
	"fmt"
)

// Masking of the OpenTV AGS types that hold secrets (see mask.go for the rule). String, GoString and
// LogValue live next to each type.

// Format prints the masked String whatever the verb.
func (t Tokens) Format(f fmt.State, verb rune) { formatMasked(f, verb, t) }

// MarshalJSON writes the stored form (see MarshalUnmaskedJSON) with the access and refresh tokens
// masked, so that a log handler that marshals tokens prints neither. Persist tokens with
// MarshalUnmaskedJSON.
func (t Tokens) MarshalJSON() ([]byte, error) {
	t.AccessToken, t.RefreshToken = maskIfSet(t.AccessToken), maskIfSet(t.RefreshToken)
	return t.MarshalUnmaskedJSON()
}

// Format prints the masked String whatever the verb.
func (a Account) Format(f fmt.State, verb rune) { formatMasked(f, verb, a) }

// MarshalJSON writes the account with the user account token masked, in Raw too (Raw is left out
// when masking it would not leave valid JSON).
func (a Account) MarshalJSON() ([]byte, error) {
	type plain Account
	if len(a.Raw) > 0 {
		raw := []byte(newRedactor(a.UserAccountToken).scrub(string(a.Raw)))
		if !json.Valid(raw) {
			raw = nil
		}
		a.Raw = raw
	}
	a.UserAccountToken = maskIfSet(a.UserAccountToken)
	return json.Marshal(plain(a))
}

// Format prints the masked String whatever the verb.
func (p Parameter) Format(f fmt.State, verb rune) { formatMasked(f, verb, p) }

// MarshalJSON writes {"name":…,"value":…} with the value masked when the name looks secret. The SDK
// sends parameters in clear through its own wire type.
func (p Parameter) MarshalJSON() ([]byte, error) {
	if agsSecretParameter(p.Name) {
		p.Value = maskIfSet(p.Value)
	}
	return json.Marshal(agsWireParameter(p))
}

// agsWireParameter is a Parameter as it goes on the wire: in clear.
type agsWireParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// agsWireParameters is params for a request body; never nil, as the key is mandatory ([] rather than
// null).
func agsWireParameters(params []Parameter) []agsWireParameter {
	out := make([]agsWireParameter, len(params))
	for i, p := range params {
		out[i] = agsWireParameter(p)
	}
	return out
}

// Format prints the masked String whatever the verb.
func (r SignOnRequest) Format(f fmt.State, verb rune) { formatMasked(f, verb, r) }

// Format prints the masked String whatever the verb.
func (r SignOnResult) Format(f fmt.State, verb rune) { formatMasked(f, verb, r) }

// Format prints the masked String whatever the verb.
func (r ServiceDiscoveryRequest) Format(f fmt.State, verb rune) { formatMasked(f, verb, r) }

// MarshalJSON writes the request with the token masked.
func (r ServiceDiscoveryRequest) MarshalJSON() ([]byte, error) {
	type plain ServiceDiscoveryRequest
	r.Token = maskIfSet(r.Token)
	return json.Marshal(plain(r))
}

// Format prints the masked String whatever the verb.
func (ts *AGSTokenSource) Format(f fmt.State, verb rune) { formatMasked(f, verb, ts) }
