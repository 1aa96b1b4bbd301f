package tvauth

import (
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
)

func TestDeviceIdentifier(t *testing.T) {
	t.Parallel()
	// The sample of Adobe's AP-Device-Identifier page.
	d := Device{ID: "ba23d141-d715-561c-94f4-e9e4c966b1eb"}
	if got, want := d.Identifier(), "fingerprint YmEyM2QxNDEtZDcxNS01NjFjLTk0ZjQtZTllNGM5NjZiMWVi"; got != want {
		t.Errorf("Identifier() = %q, want %q", got, want)
	}
}

func TestDeviceInfoEncode(t *testing.T) {
	t.Parallel()
	yes := true
	tests := []struct {
		name    string
		info    DeviceInfo
		json    string
		missing string
	}{
		{"documented sample plus required keys",
			DeviceInfo{PrimaryHardwareType: "MobilePhone", Model: "SM-S901U", Vendor: "samsung", Version: "r0q",
				Manufacturer: "samsung", OSName: "Android", OSVersion: "14", ConnectionType: "WiFi"},
			`{"primaryHardwareType":"MobilePhone","model":"SM-S901U","version":"r0q","manufacturer":"samsung","vendor":"samsung","osName":"Android","osVersion":"14","connectionType":"WiFi"}`, ""},
		{"every key spelled as documented",
			DeviceInfo{PrimaryHardwareType: "SetTopBox", Model: "m", Version: "v", Manufacturer: "mf", Vendor: "vd",
				OSName: "Linux", OSFamily: "Linux", OSVendor: "Sony", OSVersion: "6", BrowserName: "b", BrowserVendor: "bv",
				BrowserVersion: "1", UserAgent: "ua", DisplayWidth: 1920, DisplayHeight: 1080, DisplayPPI: 401,
				DiagonalScreenSize: "55", ConnectionIP: "203.0.113.7", ConnectionPort: 443, ConnectionType: "LAN",
				ConnectionSecure: &yes, ApplicationID: "app"},
			`{"primaryHardwareType":"SetTopBox","model":"m","version":"v","manufacturer":"mf","vendor":"vd","osName":"Linux","osFamily":"Linux","osVendor":"Sony","osVersion":"6","browserName":"b","browserVendor":"bv","browserVersion":"1","userAgent":"ua","displayWidth":1920,"displayHeight":1080,"displayPpi":401,"diagonalScreenSize":"55","connectionIp":"203.0.113.7","connectionPort":443,"connectionType":"LAN","connectionSecure":true,"applicationId":"app"}`, ""},
		{"missing model", DeviceInfo{Version: "v", OSName: "o", OSVersion: "1", ConnectionType: "c"}, "", "model"},
		{"missing version", DeviceInfo{Model: "m", OSName: "o", OSVersion: "1", ConnectionType: "c"}, "", "version"},
		{"missing osName", DeviceInfo{Model: "m", Version: "v", OSVersion: "1", ConnectionType: "c"}, "", "osName"},
		{"missing osVersion", DeviceInfo{Model: "m", Version: "v", OSName: "o", ConnectionType: "c"}, "", "osVersion"},
		{"missing connectionType", DeviceInfo{Model: "m", Version: "v", OSName: "o", OSVersion: "1"}, "", "connectionType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.info.Encode()
			if tt.missing != "" {
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.Field != "DeviceInfo."+tt.missing {
					t.Fatalf("err = %v, want a ValidationError naming %s", err, tt.missing)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			raw, err := base64.StdEncoding.DecodeString(got)
			if err != nil || string(raw) != tt.json {
				t.Errorf("decoded = %s (%v)\nwant      %s", raw, err, tt.json)
			}
		})
	}
}

func TestDeviceHeaders(t *testing.T) {
	t.Parallel()
	c := newTestClient(t)
	h := http.Header{}
	if err := c.deviceHeaders(h, nil, true); err != nil {
		t.Fatal(err)
	}
	if h.Get("AP-Device-Identifier") != testDevice.Identifier() || h.Get("X-Device-Info") == "" || h.Get("X-Forwarded-For") != "" {
		t.Errorf("default device headers = %v", h)
	}
	// A per-request device overrides the client default, and ForwardedFor becomes X-Forwarded-For.
	var ve *ValidationError
	other := testDevice
	other.ID = "other"
	other.ForwardedFor = "198.51.100.4"
	h = http.Header{}
	if err := c.deviceHeaders(h, &other, true); err != nil {
		t.Fatal(err)
	}
	if h.Get("AP-Device-Identifier") != "fingerprint b3RoZXI=" || h.Get("X-Forwarded-For") != "198.51.100.4" {
		t.Errorf("override headers = %v", h)
	}
	evil := testDevice
	evil.ForwardedFor = "1.2.3.4\r\nX-Injected: 1"
	if err := c.deviceHeaders(http.Header{}, &evil, true); !errors.As(err, &ve) || ve.Field != "Device.ForwardedFor" {
		t.Errorf("header injection: err = %v", err)
	}
	bare, _ := New()
	err := bare.deviceHeaders(http.Header{}, nil, true)
	if !errors.As(err, &ve) || ve.Field != "Device" {
		t.Errorf("no device: err = %v", err)
	}
	if err := bare.deviceHeaders(http.Header{}, nil, false); err != nil {
		t.Errorf("optional device: %v", err)
	}
}

// Every device value the SDK sends, in a header (X-Forwarded-For, AP-Device-Identifier) or inside
// X-Device-Info's JSON, refuses every control character with a *ValidationError naming it.
func TestDeviceValuesRefuseControlCharacters(t *testing.T) {
	t.Parallel()
	c := newTestClient(t)
	fields := []struct {
		field string
		set   func(d *Device, v string)
	}{
		{"Device.ForwardedFor", func(d *Device, v string) { d.ForwardedFor = "192.0.2.1" + v }},
		{"Device.ID", func(d *Device, v string) { d.ID = "dev" + v + "ice" }},
		{"Device.Info.model", func(d *Device, v string) { d.Info.Model = "STB" + v }},
		{"Device.Info.userAgent", func(d *Device, v string) { d.Info.UserAgent = v + "Mozilla/5.0" }},
		{"Device.Info.connectionIp", func(d *Device, v string) { d.Info.ConnectionIP = "203.0.113.7" + v }},
	}
	for _, f := range fields {
		for _, cc := range []string{"\x00", "\x01", "\t", "\n", "\r", "\x1b", "\x1f", "\x7f"} {
			d := testDevice
			f.set(&d, cc)
			h := http.Header{}
			err := c.deviceHeaders(h, &d, true)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != f.field || !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("%s with %q: err = %v, want *ValidationError{Field: %q}", f.field, cc, err, f.field)
			}
			if len(h) != 0 {
				t.Errorf("%s with %q: headers set anyway: %v", f.field, cc, h)
			}
		}
	}
	// Printable values, non-ASCII included, pass.
	d := testDevice
	d.ForwardedFor, d.Info.Model = "2001:db8::1, 192.0.2.1", "Télé 4K"
	if err := c.deviceHeaders(http.Header{}, &d, true); err != nil {
		t.Errorf("valid device refused: %v", err)
	}
}
