package tvauth

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		if rc, err := v1DecodeRegCode(body); err == nil && strings.TrimSpace(rc.Code) == "" {
			t.Errorf("regcode accepted without a code")
		}
		v1DecodeAuthNToken(body)
		v1DecodeAuthZToken(body)
		if tok, err := v1DecodeShortMediaToken(body); err == nil {
			if strings.TrimSpace(string(tok.SerializedToken)) == "" {
				t.Errorf("media token accepted without a token")
			}
			if !strings.Contains(fmt.Sprintf("%+v", tok), "SerializedToken:"+redacted+" ") {
				t.Errorf("%%+v does not mask the media token: %+v", tok)
			}
		}
		if p, err := v1DecodePreauthorization(body, 200); err == nil {
			for _, r := range p.Resources {
				if r.Error != nil && r.Error.HTTPStatus != 200 {
					t.Errorf("item error lost the reply status: %+v", r.Error)
				}
			}
		}
		if m, err := v1DecodeUserMetadata(body); err == nil {
			for k, v := range m.Data {
				if v != nil && !json.Valid(v) {
					t.Errorf("data %q is not JSON: %s", k, v)
				}
			}
		}
		if cfg, err := v1DecodeConfig(body); err == nil {
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

// FuzzClientlessAuthenticateURL checks the ordering rules on any input the builder accepts.
func FuzzClientlessAuthenticateURL(f *testing.F) {
	f.Add("RO0885W", "https://loginwebapp.com/done?a=1&b=2#x", "ap_vi", "v", "")
	f.Add("AB&reg", "https://x/ü +", "region", "&reg_code=1", `("email":"a@b")`)
	f.Add(" ", "myapp://cb", "", "", "")
	f.Fuzz(func(t *testing.T, regCode, redirect, extraKey, extraValue, generic string) {
		req := AuthenticateRequest{RequestorID: "sampleRequestorId", MSOID: "sampleMvpdId", RegCode: regCode,
			DomainName: "loginwebapp.com", RedirectURL: redirect, GenericData: generic}
		if extraKey != "" || extraValue != "" {
			req.Extra = url.Values{extraKey: {extraValue}}
		}
		q, err := v1AuthenticateQuery(req)
		if err != nil {
			return
		}
		if !strings.HasPrefix(q, "reg_code=") {
			t.Fatalf("first pair is not reg_code: %s", q)
		}
		if strings.Contains(strings.ToLower(q), "&reg") {
			t.Fatalf("&reg in %s", q)
		}
		pairs := strings.Split(q, "&")
		if !strings.HasPrefix(pairs[len(pairs)-1], "redirect_url=") {
			t.Fatalf("last pair is not redirect_url: %s", q)
		}
		got, err := url.ParseQuery(q)
		if err != nil {
			t.Fatalf("ParseQuery(%s): %v", q, err)
		}
		if got.Get("reg_code") != regCode || got.Get("redirect_url") != redirect || got.Get("generic_data") != generic {
			t.Fatalf("round trip of %s = %v", q, got)
		}
		if req.Extra != nil && got.Get(extraKey) != extraValue {
			t.Fatalf("extra %q round trip = %q, want %q", extraKey, got.Get(extraKey), extraValue)
		}
	})
}
