package tvauth

import (
	"encoding/json"
	"fmt"
)

// Masking of the Clientless types that hold secrets (see mask.go for the rule).

// Format prints the masked String whatever the verb.
func (t ShortMediaToken) Format(f fmt.State, verb rune) { formatMasked(f, verb, t) }

// MarshalJSON writes the token with the serialized token masked. Hand SerializedToken itself to the
// player or the media verifier.
func (t ShortMediaToken) MarshalJSON() ([]byte, error) {
	type plain ShortMediaToken
	t.SerializedToken = maskIfSet(t.SerializedToken)
	return json.Marshal(plain(t))
}
