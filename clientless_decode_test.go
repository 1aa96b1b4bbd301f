package tvauth

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// seedClientless adds every documented sample as a seed.
func seedClientless(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "clientless", "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "{}", "[]", "null", "<", "<x/>", `{"resources":[{"error":"x"}]}`,
		`{"mvpds":{"mvpd":{"mvpds":{"mvpd":{"id":1}}}}}`, "\ufeff  {\"code\":\"X\"}", `{"expires":1e999}`} {
		f.Add([]byte(s))
	}
}

// FuzzClientlessDecoders runs every v1 reply decoder over the same bytes: none may panic, and what
// they accept must keep their documented guarantees.
func FuzzClientlessDecoders(f *testing.F) {
	seedClientless(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		if rc, err := v1DecodeRegCode(fuzzResponse(body)); err == nil && strings.TrimSpace(rc.Code) == "" {
			t.Errorf("regcode accepted without a code")
		}
		v1DecodeAuthNToken(fuzzResponse(body))
		v1DecodeAuthZToken(fuzzResponse(body))
		if tok, err := v1DecodeShortMediaToken(fuzzResponse(body)); err == nil {
			if strings.TrimSpace(string(tok.SerializedToken)) == "" {
				t.Errorf("media token accepted without a token")
			}
			if !strings.Contains(fmt.Sprintf("%+v", tok), "SerializedToken:"+redacted+" ") {
				t.Errorf("%%+v does not mask the media token: %+v", tok)
			}
		}
		if p, err := v1DecodePreauthorization(fuzzResponse(body)); err == nil {
			for _, r := range p.Resources {
				if r.Error != nil && r.Error.HTTPStatus != 200 {
					t.Errorf("item error lost the reply status: %+v", r.Error)
				}
			}
		}
		if m, err := v1DecodeUserMetadata(fuzzResponse(body)); err == nil {
			for k, v := range m.Data {
				if v != nil && !json.Valid(v) {
					t.Errorf("data %q is not JSON: %s", k, v)
				}
			}
		}
		if cfg, err := v1DecodeConfig(fuzzResponse(body)); err == nil {
			for _, m := range cfg.MVPDs {
				if !json.Valid(m.Raw) {
					t.Errorf("mvpd raw is not JSON: %s", m.Raw)
				}
			}
		}
	})
}

func FuzzClientlessMsTime(f *testing.F) {
	for _, s := range []string{`"1601114932000"`, `1704963921144`, `1334243471`, `1.5e12`, `"2024-01-11T09:05:21Z"`,
		`null`, `""`, `-1`, `"-99999999999999999999"`, `9223372036854775807`, `1e15`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v msTime
		_ = json.Unmarshal([]byte(s), &v)
		_ = v.UnmarshalText([]byte(s))
	})
}

func TestClientlessMsTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{`"1601114932000"`, ms(1601114932000), false},
		{`1704963921144`, ms(1704963921144), false},
		{`1334243471`, time.Unix(1334243471, 0).UTC(), false},
		{`"1334243471"`, time.Unix(1334243471, 0).UTC(), false},
		{`1.704963921144e12`, ms(1704963921144), false},
		{`" 1601114932000 "`, ms(1601114932000), false},
		{`"2024-01-11T09:05:21Z"`, time.Date(2024, 1, 11, 9, 5, 21, 0, time.UTC), false},
		{`null`, time.Time{}, false},
		{`""`, time.Time{}, false},
		{`0`, time.Time{}, false},
		{`"tomorrow"`, time.Time{}, true},
		{`true`, time.Time{}, true},
		{`{}`, time.Time{}, true},
		{`1e300`, time.Time{}, true},
	}
	for _, tt := range tests {
		var v msTime
		err := json.Unmarshal([]byte(tt.in), &v)
		if (err != nil) != tt.err {
			t.Errorf("%s: err = %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if !tt.err && !v.time().Equal(tt.want) {
			t.Errorf("%s = %v, want %v", tt.in, v.time(), tt.want)
		}
	}
}

func TestClientlessConfigShapes(t *testing.T) {
	tests := []struct {
		name string
		body string
		ids  string
	}{
		{"mvpds array", `{"mvpds":[{"id":"a"},{"id":"b"}]}`, "a,b"},
		{"mvpds.mvpd array", `{"mvpds":{"mvpd":[{"id":"a"},{"id":"b"}]}}`, "a,b"},
		{"single mvpd flattened", `{"requestor":{"id":"req","mvpds":{"mvpd":{"id":"only"}}}}`, "only"},
		{"under config.requestor", `{"config":{"requestor":{"id":"req","mvpds":[{"id":"a"}]}}}`, "a"},
		{"bare array", `[{"id":"a"}]`, "a"},
		{"no list", `{"requestor":{"id":"req"}}`, ""},
		{"empty list", `{"mvpds":[]}`, ""},
		{"string booleans", `{"mvpds":[{"id":"a","iFrameRequired":"true","requiredMetadataFields":"zip"}]}`, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := v1DecodeConfig(fuzzResponse([]byte(tt.body)))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			var ids []string
			for _, m := range cfg.MVPDs {
				ids = append(ids, m.ID)
			}
			if strings.Join(ids, ",") != tt.ids {
				t.Errorf("ids = %v, want %s", ids, tt.ids)
			}
		})
	}
	cfg, _ := v1DecodeConfig(fuzzResponse([]byte(`{"mvpds":[{"id":"a","iFrameRequired":"true","requiredMetadataFields":"zip"}]}`)))
	if m := cfg.MVPDs[0]; !m.IFrameRequired || len(m.RequiredMetadataFields) != 1 || m.RequiredMetadataFields[0] != "zip" {
		t.Errorf("loose values = %+v", m)
	}
	for _, bad := range []string{`"x"`, `{"mvpds":"x"}`, `{"mvpds":[{"id":1}]}`, `{"mvpds":[{"id":"a","iFrameRequired":"sometimes"}]}`} {
		if _, err := v1DecodeConfig(fuzzResponse([]byte(bad))); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
