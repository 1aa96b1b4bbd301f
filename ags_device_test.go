package tvauth

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"
)

// agsDocumentedDevice is NAGRA's documented deviceInformation sample (testdata/ags/
// signon_request_first.json) in typed form.
func agsDocumentedDevice() *AGSDeviceInformation {
	return &AGSDeviceInformation{
		SecurePlayer:       &AGSSecurePlayer{Streamings: []string{"H264"}, DRMs: []string{"SSP"}, Codecs: []string{"H264"}},
		PlayoutDeviceClass: "mobileDevice",
		Screen:             &AGSScreen{Height: 1080, Width: 1920, Density: 0},
		Hardware:           &AGSHardware{Model: "...", Manufacturer: "...", Type: "Mobile"},
		OS:                 &AGSOS{Type: "Android", Version: "X.Y.Z"},
		DeviceType:         "OPEN",
		MsgPlatform:        "fcm",
	}
}

// TestAGSDeviceWire: the typed Device goes on the wire exactly as NAGRA's documented first sign-on
// body, for every endpoint that takes a device.
func TestAGSDeviceWire(t *testing.T) {
	t.Parallel()
	want := agsCompact(t, agsFixture(t, "signon_request_first.json"))
	c, mux := agsSetup(t)
	var bodies []string
	mux.HandleFunc("/ags/", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		agsTestCommonHeaders(t, r, "corr-dev")
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		bodies = append(bodies, r.URL.Path+" "+string(b))
		agsReply(w, http.StatusCreated, agsFixture(t, "signon_201.json"))
	})
	req := SignOnRequest{Parameters: []Parameter{{"username", "dave"}}, Device: agsDocumentedDevice(), CorrelationID: "corr-dev"}
	ctx := context.Background()
	if _, err := c.AGS.SignOn(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AGS.Register(ctx, "tvkey", req); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AGS.SignOnWithSessionToken(ctx, "st-1", SignOnRequest{Device: agsDocumentedDevice(), CorrelationID: "corr-dev"}); err != nil {
		t.Fatal(err)
	}
	wantSession := `{"parameters":[{"name":"sessionToken","value":"st-1"}],"deviceInformation":` +
		agsCompact(t, mustField(t, agsFixture(t, "signon_request_first.json"), "deviceInformation")) + `}`
	wants := []string{"/ags/signOn " + want, "/ags/register/tvkey " + want, "/ags/signOnWithSessionToken " + wantSession}
	if !reflect.DeepEqual(bodies, wants) {
		t.Errorf("requests:\n got %q\nwant %q", bodies, wants)
	}
}

func mustField(t *testing.T, doc []byte, key string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m[key]
}

func TestAGSDeviceEncoding(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		dev  AGSDeviceInformation
		want string
	}{
		{"only the OS", AGSDeviceInformation{OS: &AGSOS{Type: "Linux", Version: "6.1"}},
			`{"device":{"OS":{"type":"Linux","version":"6.1"}}}`},
		{"zeros of a set screen are sent", AGSDeviceInformation{Screen: &AGSScreen{}},
			`{"device":{"screen":{"height":0,"width":0,"density":0}}}`},
		{"CPU and GPU, as real clients send", AGSDeviceInformation{DeviceType: "MANAGED", CPU: &AGSCPU{Cores: 4, Neon: true}, GPU: &AGSGPU{Cores: 2, Frequency: 750}},
			`{"device":{"CPU":{"cores":4,"neon":true},"GPU":{"cores":2,"frequency":750}},"deviceType":"MANAGED"}`},
		{"values pass through unescaped", AGSDeviceInformation{Hardware: &AGSHardware{Type: "Apple TV", Model: "<A&B>"}},
			`{"device":{"hardware":{"model":"<A&B>","type":"Apple TV"}}}`},
	} {
		dev := c.dev
		b, err := (&SignOnRequest{Device: &dev}).deviceInformation() // what the body carries
		if err != nil || string(b) != c.want {
			t.Errorf("%s:\n got %s, %v\nwant %s", c.name, b, err, c.want)
		}
		var back AGSDeviceInformation
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, c.dev) {
			t.Errorf("%s: round trip %+v, %v", c.name, back, err)
		}
	}
	// The documented sample decodes into the typed form and encodes back to the same bytes.
	doc := mustField(t, agsFixture(t, "signon_request_first.json"), "deviceInformation")
	var d AGSDeviceInformation
	if err := json.Unmarshal(doc, &d); err != nil || !reflect.DeepEqual(&d, agsDocumentedDevice()) {
		t.Fatalf("documented sample decodes to %+v, %v", d, err)
	}
}

// TestAGSDeviceValidation: Device with DeviceInformation, or an empty Device, is refused before any
// I/O, naming the field.
func TestAGSDeviceValidation(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	mux.HandleFunc("/ags/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("request reached the server: %s", r.URL.Path) })
	ctx := context.Background()
	for name, req := range map[string]SignOnRequest{
		"both":           {Device: agsDocumentedDevice(), DeviceInformation: json.RawMessage(`{"deviceType":"OPEN"}`)},
		"empty":          {Device: &AGSDeviceInformation{}},
		"with client id": {Device: agsDocumentedDevice(), ClientID: "PUB_1"},
	} {
		_, err := c.AGS.SignOn(ctx, req)
		var ve *ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if want := map[string]string{"both": "Device", "empty": "Device", "with client id": "ClientID"}[name]; ve.Field != want {
			t.Errorf("%s: field %q, want %q", name, ve.Field, want)
		}
	}
}
