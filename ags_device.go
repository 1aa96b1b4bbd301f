package tvauth

import (
	"bytes"
	"encoding/json"
)

// AGSDeviceInformation is the deviceInformation object of a first AGS sign-on (SignOnRequest.Device),
// with the keys NAGRA documents. The SDK encodes it as
//
//	{
//	  "securePlayer": {"streamings": ["H264"], "DRMs": ["SSP"], "codecs": ["H264"]},
//	  "playoutDeviceClass": "mobileDevice",
//	  "device": {
//	    "screen":   {"height": 1080, "width": 1920, "density": 0},
//	    "hardware": {"model": "Pixel 8", "manufacturer": "Google", "type": "Mobile"},
//	    "OS":       {"type": "Android", "version": "14"},
//	    "CPU":      {"cores": 8, "neon": true},
//	    "GPU":      {"cores": 4, "frequency": 900}
//	  },
//	  "deviceType": "OPEN",
//	  "msgPlatform": "fcm"
//	}
//
// leaving out every key whose field is empty (a nil pointer, "" or a nil slice); a set Screen, CPU or
// GPU sends all its members, zeros included ("density": 0 is a documented value). For keys this type
// does not have, build the JSON yourself and set SignOnRequest.DeviceInformation instead.
//
// Values are operator-defined and passed through as they are: hardware types such as STB, Browser,
// Mobile, Tablet, fireTV, "Apple TV", Tizen, WebOS, XBox, Roku; deviceType MANAGED (a set-top box
// managed by the operator) or OPEN; msgPlatform fcm or iot.
type AGSDeviceInformation struct {
	SecurePlayer       *AGSSecurePlayer // securePlayer: what the player can decode and decrypt
	PlayoutDeviceClass string           // playoutDeviceClass: the operator's device class
	Screen             *AGSScreen       // device.screen
	Hardware           *AGSHardware     // device.hardware
	OS                 *AGSOS           // device.OS
	CPU                *AGSCPU          // device.CPU (sent by real clients, not in NAGRA's table)
	GPU                *AGSGPU          // device.GPU (likewise)
	DeviceType         string           // deviceType: MANAGED or OPEN
	MsgPlatform        string           // msgPlatform: fcm or iot
}

// AGSSecurePlayer is deviceInformation.securePlayer.
type AGSSecurePlayer struct {
	Streamings []string `json:"streamings,omitempty"` // e.g. H264
	DRMs       []string `json:"DRMs,omitempty"`       // e.g. SSP
	Codecs     []string `json:"codecs,omitempty"`     // e.g. H264
}

// AGSScreen is deviceInformation.device.screen, in pixels.
type AGSScreen struct {
	Height  int `json:"height"`  // pixels
	Width   int `json:"width"`   // pixels
	Density int `json:"density"` // 0 is a documented value
}

// AGSHardware is deviceInformation.device.hardware.
type AGSHardware struct {
	Model        string `json:"model,omitempty"`        // e.g. Pixel 8
	Manufacturer string `json:"manufacturer,omitempty"` // e.g. Google
	Type         string `json:"type,omitempty"`         // STB, Browser, Mobile, Tablet, fireTV, Apple TV, …
}

// AGSOS is deviceInformation.device.OS.
type AGSOS struct {
	Type    string `json:"type,omitempty"`    // Android, iOS, Linux, …
	Version string `json:"version,omitempty"` // e.g. 14
}

// AGSCPU is deviceInformation.device.CPU.
type AGSCPU struct {
	Cores int  `json:"cores"` // number of cores
	Neon  bool `json:"neon"`  // whether it has ARM NEON
}

// AGSGPU is deviceInformation.device.GPU.
type AGSGPU struct {
	Cores     int `json:"cores"`     // number of cores
	Frequency int `json:"frequency"` // MHz
}

// agsDeviceWire is the documented key order of deviceInformation.
type agsDeviceWire struct {
	SecurePlayer       *AGSSecurePlayer `json:"securePlayer,omitempty"`
	PlayoutDeviceClass string           `json:"playoutDeviceClass,omitempty"`
	Device             agsDeviceDetail  `json:"device,omitzero"`
	DeviceType         string           `json:"deviceType,omitempty"`
	MsgPlatform        string           `json:"msgPlatform,omitempty"`
}

type agsDeviceDetail struct {
	Screen   *AGSScreen   `json:"screen,omitempty"`
	Hardware *AGSHardware `json:"hardware,omitempty"`
	OS       *AGSOS       `json:"OS,omitempty"`
	CPU      *AGSCPU      `json:"CPU,omitempty"`
	GPU      *AGSGPU      `json:"GPU,omitempty"`
}

// MarshalJSON encodes the documented deviceInformation object (see AGSDeviceInformation).
func (d AGSDeviceInformation) MarshalJSON() ([]byte, error) {
	detail := agsDeviceDetail{d.Screen, d.Hardware, d.OS, d.CPU, d.GPU}
	w := agsDeviceWire{d.SecurePlayer, d.PlayoutDeviceClass, detail, d.DeviceType, d.MsgPlatform}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads the documented object back (keys it does not have are ignored).
func (d *AGSDeviceInformation) UnmarshalJSON(b []byte) error {
	var w agsDeviceWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	dev := w.Device
	*d = AGSDeviceInformation{w.SecurePlayer, w.PlayoutDeviceClass, dev.Screen, dev.Hardware, dev.OS, dev.CPU,
		dev.GPU, w.DeviceType, w.MsgPlatform}
	return nil
}

// deviceInformation is the JSON a request sends: Device encoded, the raw DeviceInformation, or nil.
func (r *SignOnRequest) deviceInformation() (json.RawMessage, error) {
	raw := bytes.TrimSpace(r.DeviceInformation)
	if string(raw) == "null" {
		raw = nil
	}
	if r.Device == nil {
		return raw, nil
	}
	if len(raw) > 0 {
		return nil, invalid("Device", "set Device (typed) or DeviceInformation (raw JSON), not both")
	}
	b, _ := r.Device.MarshalJSON() // cannot fail: strings, numbers, booleans and slices of strings
	if string(b) == "{}" {
		return nil, invalid("Device", "empty: set at least one field (a device AGS registers with no information cannot be told apart)")
	}
	return b, nil
}
