package tvauth

// device.go: Device and DeviceInfo, and the Adobe Pass device headers they become.

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
)

// Device is the streaming device on whose behalf Adobe Pass calls are made.
type Device struct {
	ID           string     // stable device id; sent as "AP-Device-Identifier: fingerprint <base64(ID)>"
	Info         DeviceInfo // sent as "X-Device-Info: <base64(compact JSON)>"
	ForwardedFor string     // end-user IP for server-to-server callers: X-Forwarded-For
}

// Identifier is the AP-Device-Identifier value: "fingerprint " + base64.StdEncoding(ID).
func (d Device) Identifier() string {
	return "fingerprint " + base64.StdEncoding.EncodeToString([]byte(d.ID))
}

// DeviceInfo is the X-Device-Info payload; its JSON keys are spelled as the Adobe Pass docs spell
// them, and empty fields are omitted.
type DeviceInfo struct {
	PrimaryHardwareType string `json:"primaryHardwareType,omitempty"` // SetTopBox, TV, MobilePhone, Tablet, …
	Model               string `json:"model,omitempty"`               // required
	Version             string `json:"version,omitempty"`             // required
	Manufacturer        string `json:"manufacturer,omitempty"`        // the hardware's maker
	Vendor              string `json:"vendor,omitempty"`              // the hardware's vendor
	OSName              string `json:"osName,omitempty"`              // required
	OSFamily            string `json:"osFamily,omitempty"`            // Android, Linux, Roku OS, tvOS, …
	OSVendor            string `json:"osVendor,omitempty"`            // Amazon, Apple, Google, Roku, …
	OSVersion           string `json:"osVersion,omitempty"`           // required
	BrowserName         string `json:"browserName,omitempty"`         // for browser-based apps
	BrowserVendor       string `json:"browserVendor,omitempty"`       // for browser-based apps
	BrowserVersion      string `json:"browserVersion,omitempty"`      // for browser-based apps
	UserAgent           string `json:"userAgent,omitempty"`           // the app's or browser's User-Agent
	DisplayWidth        int    `json:"displayWidth,omitempty"`        // pixels
	DisplayHeight       int    `json:"displayHeight,omitempty"`       // pixels
	DisplayPPI          int    `json:"displayPpi,omitempty"`          // pixels per inch
	DiagonalScreenSize  string `json:"diagonalScreenSize,omitempty"`  // the screen diagonal, as Adobe documents it
	ConnectionIP        string `json:"connectionIp,omitempty"`        // the end device's IP (home-based authentication)
	ConnectionPort      int    `json:"connectionPort,omitempty"`      // the end device's port
	ConnectionType      string `json:"connectionType,omitempty"`      // required
	ConnectionSecure    *bool  `json:"connectionSecure,omitempty"`    // nil: not sent
	ApplicationID       string `json:"applicationId,omitempty"`       // the app's id
}

// Encode returns the X-Device-Info value: standard base64 of the compact JSON. The keys Adobe marks
// required (model, version, osName, osVersion, connectionType) must be set; the error names the first
// one missing.
func (i DeviceInfo) Encode() (string, error) {
	for _, req := range []struct{ key, value string }{
		{"model", i.Model}, {"version", i.Version}, {"osName", i.OSName},
		{"osVersion", i.OSVersion}, {"connectionType", i.ConnectionType},
	} {
		if strings.TrimSpace(req.value) == "" {
			return "", &ValidationError{Field: "DeviceInfo." + req.key, Reason: "required key " + req.key + " is missing"}
		}
	}
	if err := checkTexts("DeviceInfo.primaryHardwareType", i.PrimaryHardwareType, "DeviceInfo.model", i.Model,
		"DeviceInfo.version", i.Version, "DeviceInfo.manufacturer", i.Manufacturer, "DeviceInfo.vendor", i.Vendor,
		"DeviceInfo.osName", i.OSName, "DeviceInfo.osFamily", i.OSFamily, "DeviceInfo.osVendor", i.OSVendor,
		"DeviceInfo.osVersion", i.OSVersion, "DeviceInfo.browserName", i.BrowserName, "DeviceInfo.browserVendor", i.BrowserVendor,
		"DeviceInfo.browserVersion", i.BrowserVersion, "DeviceInfo.userAgent", i.UserAgent,
		"DeviceInfo.diagonalScreenSize", i.DiagonalScreenSize, "DeviceInfo.connectionIp", i.ConnectionIP,
		"DeviceInfo.connectionType", i.ConnectionType, "DeviceInfo.applicationId", i.ApplicationID); err != nil {
		return "", err
	}
	b, _ := json.Marshal(i) // strings, ints and a *bool: it cannot fail
	return base64.StdEncoding.EncodeToString(b), nil
}

// deviceHeaders sets AP-Device-Identifier, X-Device-Info and X-Forwarded-For from d, or from the
// client's default device when d is nil. With required set, having no device at all is an error.
func (c *Client) deviceHeaders(h http.Header, d *Device, required bool) error {
	if d = cmp.Or(d, c.cfg.device); d == nil {
		if required {
			return &ValidationError{Field: "Device", Reason: "no device: set the request's Device or WithDevice"}
		}
		return nil
	}
	if strings.TrimSpace(d.ID) == "" {
		return &ValidationError{Field: "Device.ID", Reason: "empty"}
	}
	if err := checkTexts("Device.ID", d.ID, "Device.ForwardedFor", d.ForwardedFor); err != nil {
		return err
	}
	id, info, err := c.encodeDevice(d, true)
	if err != nil {
		return err
	}
	h["Ap-Device-Identifier"] = []string{id}
	h["X-Device-Info"] = []string{info}
	if d.ForwardedFor != "" {
		h.Set("X-Forwarded-For", d.ForwardedFor)
	}
	return nil
}

// deviceHeaderCache keeps the client's default device's headers, encoded once: it never changes.
type deviceHeaderCache struct {
	once     sync.Once
	id, info string
	err      error
}

// encodeDevice returns d's AP-Device-Identifier (when withID) and X-Device-Info, cached for the
// client's default device. An invalid DeviceInfo is a *ValidationError naming Device.Info.<key>.
func (c *Client) encodeDevice(d *Device, withID bool) (id, info string, err error) {
	if d == c.cfg.device {
		dc := &c.defaultDevice
		dc.once.Do(func() {
			dc.info, dc.err = encodeDeviceInfo(d)
			dc.id = d.Identifier()
		})
		return dc.id, dc.info, dc.err
	}
	if withID {
		id = d.Identifier()
	}
	info, err = encodeDeviceInfo(d)
	return id, info, err
}

func encodeDeviceInfo(d *Device) (string, error) {
	info, err := d.Info.Encode()
	var ve *ValidationError
	if errors.As(err, &ve) {
		ve.Field = "Device.Info." + strings.TrimPrefix(ve.Field, "DeviceInfo.")
	}
	return info, err
}
