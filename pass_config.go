package tvauth

import (
	"context"
	"encoding/json"
	"net/http"
)

// Adobe Pass REST API v2 configuration: the service provider's registered domains and the MVPDs it has
// an active integration with, i.e. what a TV provider picker offers.

// Configuration is a service provider's REST API v2 configuration: its domains and the MVPDs it has an
// active integration with.
type Configuration struct {
	Device     string          // the device type Adobe classified the caller as
	ClientType string          // the client type Adobe classified the caller as
	OS         string          // the operating system Adobe classified the caller as
	Requestor  ConfigRequestor // the service provider: its domains and MVPDs
	Raw        json.RawMessage // the whole reply, for fields this type does not model
}

// ConfigRequestor is the service provider in a Configuration.
type ConfigRequestor struct {
	ID      string         // the requestor id
	Name    string         // its display name
	Domains []ConfigDomain // its registered domains
	MVPDs   []ConfigMVPD   // the MVPDs to offer in a TV provider picker
}

// ConfigDomain is a domain registered for the service provider.
type ConfigDomain struct {
	Name          string // the domain name, e.g. adobe.com
	MVPDInitiated bool   // whether MVPD-initiated login is enabled for it
}

// ConfigMVPD is one MVPD the service provider can be used with.
type ConfigMVPD struct {
	ID                         string // the MVPD id to send as {mvpd}
	DisplayName                string // the name to show the user
	LogoURL                    string // the MVPD's logo, for the picker
	IsTempPass                 bool   // a TempPass MVPD (free preview), not a real provider
	IsProxy                    bool   // a proxy MVPD that authenticates for others
	AuthPerAggregator          bool   // authentication is per aggregator
	AuthPerBrowserSession      bool   // authentication lasts one browser session
	PassiveAuthnEnabled        bool   // passive (no-UI) authentication is enabled
	BoardingStatus             string // platform SSO: SUPPORTED, PICKER
	PlatformMappingID          string // platform SSO: the id the platform (Apple) knows the MVPD by
	EnablePlatformServices     bool   // platform SSO is enabled
	DisplayInPlatformPicker    bool   // platform SSO: shown in the platform's own picker
	EnforcePlatformPermissions bool   // platform SSO: the user's platform permission is enforced
}

type configMVPDWire struct {
	ID                         string   `json:"id"`
	DisplayName                string   `json:"displayName"`
	LogoURL                    string   `json:"logoUrl"`
	IsTempPass                 flexBool `json:"isTempPass"`
	IsProxy                    flexBool `json:"isProxy"`
	AuthPerAggregator          flexBool `json:"authPerAggregator"`
	AuthPerBrowserSession      flexBool `json:"authPerBrowserSession"`
	PassiveAuthnEnabled        flexBool `json:"passiveAuthnEnabled"`
	BoardingStatus             string   `json:"boardingStatus"`
	PlatformMappingID          string   `json:"platformMappingId"`
	EnablePlatformServices     flexBool `json:"enablePlatformServices"`
	DisplayInPlatformPicker    flexBool `json:"displayInPlatformPicker"`
	EnforcePlatformPermissions flexBool `json:"enforcePlatformPermissions"`
}

func (m configMVPDWire) public() ConfigMVPD {
	return ConfigMVPD{ID: m.ID, DisplayName: m.DisplayName, LogoURL: m.LogoURL, IsTempPass: bool(m.IsTempPass),
		IsProxy: bool(m.IsProxy), AuthPerAggregator: bool(m.AuthPerAggregator),
		AuthPerBrowserSession: bool(m.AuthPerBrowserSession), PassiveAuthnEnabled: bool(m.PassiveAuthnEnabled),
		BoardingStatus: m.BoardingStatus, PlatformMappingID: m.PlatformMappingID,
		EnablePlatformServices: bool(m.EnablePlatformServices), DisplayInPlatformPicker: bool(m.DisplayInPlatformPicker),
		EnforcePlatformPermissions: bool(m.EnforcePlatformPermissions)}
}

// decodeConfiguration reads a configuration reply. The docs table puts mvpds at the top level while
// the samples nest them in requestor: both are read.
func decodeConfiguration(r *response) (*Configuration, error) {
	var wire struct {
		Device     string `json:"device"`
		ClientType string `json:"clientType"`
		OS         string `json:"os"`
		Requestor  struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Domains []struct {
				Name          string   `json:"name"`
				MVPDInitiated flexBool `json:"mvpdInitiated"`
			} `json:"domains"`
			MVPDs []configMVPDWire `json:"mvpds"`
		} `json:"requestor"`
		MVPDs []configMVPDWire `json:"mvpds"`
	}
	if err := passUnmarshalObject(r.Body, &wire); err != nil {
		return nil, err
	}
	c := &Configuration{Device: wire.Device, ClientType: wire.ClientType, OS: wire.OS,
		Requestor: ConfigRequestor{ID: wire.Requestor.ID, Name: wire.Requestor.Name},
		Raw:       json.RawMessage(append([]byte(nil), trimBOM(r.Body)...))}
	for _, d := range wire.Requestor.Domains {
		c.Requestor.Domains = append(c.Requestor.Domains, ConfigDomain{Name: d.Name, MVPDInitiated: bool(d.MVPDInitiated)})
	}
	for _, m := range append(wire.Requestor.MVPDs, wire.MVPDs...) {
		c.Requestor.MVPDs = append(c.Requestor.MVPDs, m.public())
	}
	return c, nil
}

// Configuration retrieves the service provider's configuration (GET /api/v2/{serviceProvider}/configuration):
// the MVPDs to offer the user. The device headers are sent when a device is known.
func (s *PassService) Configuration(ctx context.Context, serviceProvider string) (*Configuration, error) {
	if err := s.check(http.MethodGet, authPassBearer, "serviceProvider", serviceProvider); err != nil {
		return nil, err
	}
	cl := s.v2call("pass.configuration", http.MethodGet, pathf("/api/v2/%s/configuration", serviceProvider))
	if err := s.setDevice(cl.header, nil, deviceOptional); err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, decodeConfiguration)
}
