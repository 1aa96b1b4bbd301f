package tvauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ServiceDiscovery is the reply of GET /servicediscovery: an operator's SSO services and their endpoints.
type ServiceDiscovery struct {
	AvailableServices []AuthService `json:"availableServices"` // the operator's SSO services
}

// AuthService is one SSO service. DisplayAttributes is what to show the user (a name and a logo URL).
type AuthService struct {
	AuthServiceName string `json:"authServiceName"` // the value for x-auth-service-id
	// DisplayAttributes has no tags (its type is part of the API); JSON keys match it regardless of case.
	DisplayAttributes struct {
		Logo string // the URL of the service's logo
		Name string // the service's name, to show the user
	} `json:"displayAttributes"`
	Endpoints []Endpoint `json:"endpoints"` // the endpoints the service offers
}

// Endpoint is one AGS endpoint of a service with the parameters it takes.
type Endpoint struct {
	Name                string              `json:"name"`                // "SIGNON", …
	Path                string              `json:"path"`                // "/signOn"
	ParameterProperties []ParameterProperty `json:"parameterProperties"` // the provider-defined parameters it takes
}

// ParameterProperty describes one provider-defined parameter, sent exactly as discovery spells it.
type ParameterProperty struct {
	Name       string `json:"name"`       // the parameter name, sent exactly as spelt here
	Mandatory  bool   `json:"mandatory"`  // the endpoint refuses a request without it
	IsPassword bool   `json:"isPassword"` // the value is a password (mask it in a UI)
}

// EndpointSignOn is the Endpoint.Name of POST /signOn in discovery replies.
const EndpointSignOn = "SIGNON"

// Service finds the service whose AuthServiceName is name.
func (d *ServiceDiscovery) Service(name string) (AuthService, bool) {
	if d != nil {
		for _, s := range d.AvailableServices {
			if s.AuthServiceName == name {
				return s, true
			}
		}
	}
	return AuthService{}, false
}

// Endpoint finds the endpoint called name ("SIGNON", …); endpoint names are compared case-insensitively.
func (a AuthService) Endpoint(name string) (Endpoint, bool) {
	for _, e := range a.Endpoints {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return Endpoint{}, false
}

// CheckSignOn checks params against the service's SIGNON endpoint (see Endpoint.CheckParameters). A
// service that lists no SIGNON endpoint has nothing to check against, so any params pass.
func (a AuthService) CheckSignOn(params []Parameter) error {
	e, _ := a.Endpoint(EndpointSignOn) // the zero Endpoint has no mandatory parameter
	return e.CheckParameters(params)
}

// CheckParameters returns a *ValidationError naming the first mandatory parameter that params lacks or
// leaves empty. Names must match exactly: discovery's spelling is the one the provider accepts.
func (e Endpoint) CheckParameters(params []Parameter) error {
	for _, p := range e.ParameterProperties {
		if p.Mandatory && !slices.ContainsFunc(params, func(q Parameter) bool { return q.Name == p.Name && q.Value != "" }) {
			return invalid("Parameters", "mandatory parameter %q of endpoint %s is missing", p.Name, e.Name)
		}
	}
	return nil
}

// IsPassword reports whether discovery marks the parameter called name as a password.
func (e Endpoint) IsPassword(name string) bool {
	i := slices.IndexFunc(e.ParameterProperties, func(p ParameterProperty) bool { return p.Name == name })
	return i >= 0 && e.ParameterProperties[i].IsPassword
}

// UnmarshalJSON reads the documented keys; booleans may also be strings (hand-configured gateways).
func (p *ParameterProperty) UnmarshalJSON(b []byte) error {
	var w agsParameterPropWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	return p.fromWire(w)
}

// decode reads a discovery reply in one pass of encoding/json: parameter properties are read from
// their raw values, without the two further scans each of json.Unmarshal into ServiceDiscovery.
func (d *ServiceDiscovery) decode(body []byte) error {
	var w struct {
		AvailableServices []struct {
			AuthServiceName   string `json:"authServiceName"`
			DisplayAttributes struct {
				Logo string // the URL of the service's logo
				Name string // the service's name, to show the user
			} `json:"displayAttributes"`
			Endpoints []struct {
				Name                string                 `json:"name"`
				Path                string                 `json:"path"`
				ParameterProperties []agsParameterPropWire `json:"parameterProperties"`
			} `json:"endpoints"`
		} `json:"availableServices"`
	}
	if err := json.Unmarshal(trimBOM(body), &w); err != nil {
		return err
	}
	out := ServiceDiscovery{}
	if w.AvailableServices != nil {
		out.AvailableServices = make([]AuthService, len(w.AvailableServices))
	}
	for i, ws := range w.AvailableServices {
		s := &out.AvailableServices[i]
		s.AuthServiceName, s.DisplayAttributes = ws.AuthServiceName, ws.DisplayAttributes
		if ws.Endpoints != nil {
			s.Endpoints = make([]Endpoint, len(ws.Endpoints))
		}
		for j, we := range ws.Endpoints {
			e := &s.Endpoints[j]
			e.Name, e.Path = we.Name, we.Path
			if we.ParameterProperties != nil {
				e.ParameterProperties = make([]ParameterProperty, len(we.ParameterProperties))
			}
			for k, wp := range we.ParameterProperties {
				if err := e.ParameterProperties[k].fromWire(wp); err != nil {
					return err
				}
			}
		}
	}
	*d = out
	return nil
}

// agsParameterPropWire is a parameter property as sent, with loose types that fromWire reads.
type agsParameterPropWire struct {
	Name       jsonValue `json:"name"`
	Mandatory  jsonValue `json:"mandatory"`
	IsPassword jsonValue `json:"isPassword"`
}

func (p *ParameterProperty) fromWire(w agsParameterPropWire) error {
	var out ParameterProperty
	var err error
	if out.Name, err = agsString(w.Name); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	if out.Mandatory, err = agsBool(w.Mandatory); err != nil {
		return fmt.Errorf("mandatory: %w", err)
	}
	if out.IsPassword, err = agsBool(w.IsPassword); err != nil {
		return fmt.Errorf("isPassword: %w", err)
	}
	*p = out
	return nil
}

func agsBool(raw []byte) (bool, error) {
	switch raw = bytes.TrimSpace(raw); string(raw) { // the documented forms, read without allocating
	case "", "null", "false":
		return false, nil
	case "true":
		return true, nil
	}
	s := string(raw)
	if raw[0] == '"' {
		s, _ = plainJSONString(raw) // encoding/json has checked the literal
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return false, fmt.Errorf("want a boolean, got %s", valueShape(s))
	}
	return b, nil
}
