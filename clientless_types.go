package tvauth

import (
	"encoding/json"
	"slices"
	"time"
)

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

// StringValue returns the value of key when it is a JSON string.
func (m *UserMetadata) StringValue(key string) (string, bool) {
	var s string
	if raw, ok := m.Data[key]; ok && json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	return "", false
}

// FreePreviewRequest creates a TempPass (or Promotional TempPass) authentication without a second
// screen.
type FreePreviewRequest struct {
	RequestorID string  // requestor_id
	MSOID       string  // mso_id: the TempPass MVPD
	DomainName  string  // domain_name
	GenericData string  // optional generic_data, scopes a Promotional TempPass
	Device      *Device // nil = the client's default device
}
