package tvauth

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Authorized lists the ids of the resources whose decision is a grant, in the server's order,
// leaving out denials whether or not they carry an item error; nil when none is granted.
func TestPreauthorizationAuthorized(t *testing.T) {
	t.Parallel()
	denied := &PassError{HTTPStatus: 200, Status: 403, Code: "authorization_denied_by_mvpd"}
	for _, tc := range []struct {
		name      string
		resources []PreauthorizedResource
		want      []string
	}{
		{"none", nil, nil},
		{"all denied", []PreauthorizedResource{{ID: "a"}, {ID: "b", Error: denied}}, nil},
		{"server order kept", []PreauthorizedResource{{ID: "z", Authorized: true}, {ID: "a", Authorized: true}},
			[]string{"z", "a"}},
		{"mixed", []PreauthorizedResource{{ID: "TestStream1", Authorized: true}, {ID: "TestStream2", Error: denied},
			{ID: "TestStream3"}, {ID: "TestStream4", Authorized: true}}, []string{"TestStream1", "TestStream4"}},
		{"duplicates kept", []PreauthorizedResource{{ID: "a", Authorized: true}, {ID: "a", Authorized: true}},
			[]string{"a", "a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Preauthorization{Resources: tc.resources}
			if got := p.Authorized(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Authorized() = %#v, want %#v", got, tc.want)
			}
		})
	}
}

// IsEncrypted answers from the Encrypted list only; StringValue answers only for a value that is a
// JSON string, decoded (escapes resolved), and never for lists, objects, numbers, null or a missing
// key.
func TestUserMetadataAccessors(t *testing.T) {
	t.Parallel()
	m := &UserMetadata{
		Encrypted: []string{"encryptedProp"},
		Data: map[string]json.RawMessage{
			"householdID":   json.RawMessage(`"3456"`),
			"escaped":       json.RawMessage(`"a\"b\u00e9"`),
			"empty":         json.RawMessage(`""`),
			"encryptedProp": json.RawMessage(`"bXlzZWNyZXQ="`),
			"channelID":     json.RawMessage(`["channel-1","channel-2"]`),
			"address":       json.RawMessage(`{"zip":"10001"}`),
			"maxRating":     json.RawMessage(`17`),
			"broken":        json.RawMessage(`"unterminated`),
		},
	}
	for _, tc := range []struct {
		key       string
		encrypted bool
		value     string
		isString  bool
	}{
		{"householdID", false, "3456", true},
		{"escaped", false, `a"bé`, true},
		{"empty", false, "", true},
		{"encryptedProp", true, "bXlzZWNyZXQ=", true},
		{"channelID", false, "", false},
		{"address", false, "", false},
		{"maxRating", false, "", false},
		{"broken", false, "", false},
		{"missing", false, "", false},
	} {
		t.Run(tc.key, func(t *testing.T) {
			if got := m.IsEncrypted(tc.key); got != tc.encrypted {
				t.Errorf("IsEncrypted(%q) = %v, want %v", tc.key, got, tc.encrypted)
			}
			if v, ok := m.StringValue(tc.key); v != tc.value || ok != tc.isString {
				t.Errorf("StringValue(%q) = %q, %v, want %q, %v", tc.key, v, ok, tc.value, tc.isString)
			}
		})
	}
	var zero UserMetadata
	if zero.IsEncrypted("x") {
		t.Error("a zero UserMetadata says x is encrypted")
	}
	if v, ok := zero.StringValue("x"); ok || v != "" {
		t.Errorf("a zero UserMetadata's StringValue(x) = %q, %v", v, ok)
	}
}
