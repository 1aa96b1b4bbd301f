package tvauth

import (
	"encoding/json"
	"fmt"
)

// Masking of the Adobe Pass types that hold secrets (see mask.go for the rule). String, GoString and
// LogValue live next to each type.

// Format prints the masked String whatever the verb.
func (c ClientCredentials) Format(f fmt.State, verb rune) { formatMasked(f, verb, c) }

// MarshalJSON writes the credentials with the client secret masked, so that a log handler that
// marshals them prints no secret. Store credentials with MarshalUnmaskedJSON (or a CredentialStore).
func (c ClientCredentials) MarshalJSON() ([]byte, error) {
	type plain ClientCredentials
	c.ClientSecret = maskIfSet(c.ClientSecret)
	return json.Marshal(plain(c))
}

// MarshalUnmaskedJSON writes the credentials in clear, in the form json.Unmarshal reads back: the
// form to store them in. The result holds the client secret.
func (c ClientCredentials) MarshalUnmaskedJSON() ([]byte, error) {
	type plain ClientCredentials
	return json.Marshal(plain(c))
}

// Format prints the masked String whatever the verb.
func (r RegisterRequest) Format(f fmt.State, verb rune) { formatMasked(f, verb, r) }

// MarshalJSON writes the request with the software statement masked.
func (r RegisterRequest) MarshalJSON() ([]byte, error) {
	type plain RegisterRequest
	r.SoftwareStatement = maskIfSet(r.SoftwareStatement)
	return json.Marshal(plain(r))
}

// Format prints the masked String whatever the verb.
func (h PassHeaders) Format(f fmt.State, verb rune) { formatMasked(f, verb, h) }

// Format prints the masked String whatever the verb.
func (r PartnerProfileRequest) Format(f fmt.State, verb rune) { formatMasked(f, verb, r) }

// MarshalJSON writes the request with the SAML response and the SSO headers masked.
func (r PartnerProfileRequest) MarshalJSON() ([]byte, error) {
	type plain PartnerProfileRequest
	r.SAMLResponse = maskIfSet(r.SAMLResponse)
	return json.Marshal(plain(r))
}

// Format prints the masked String whatever the verb.
func (t MediaToken) Format(f fmt.State, verb rune) { formatMasked(f, verb, t) }

// MarshalJSON writes the media token with the serialized token masked. Hand SerializedToken itself to
// the player or the media verifier.
func (t MediaToken) MarshalJSON() ([]byte, error) {
	type plain MediaToken
	t.SerializedToken = maskIfSet(t.SerializedToken)
	return json.Marshal(plain(t))
}

// String names the store and nothing it holds.
func (m *MemoryCredentialStore) String() string { return "&tvauth.MemoryCredentialStore{…}" }

// GoString names the store and nothing it holds.
func (m *MemoryCredentialStore) GoString() string { return m.String() }

// Format prints String whatever the verb: fmt would otherwise print the held credentials field by
// field for a verb that does not suit a pointer (%s, %q).
func (m *MemoryCredentialStore) Format(f fmt.State, verb rune) { formatMasked(f, verb, m) }
