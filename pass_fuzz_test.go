package tvauth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for every Adobe Pass v2 / DCR decoder, seeded with the documented samples (Adobe's
// malformed ones included). They run as ordinary tests on the seeds; `go test -fuzz FuzzPassX` explores.

var fuzzBase = &url.URL{Scheme: "https", Host: "sp.auth.adobe.com"}

func fuzzResponse(body []byte) *response {
	return &response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: body, Base: fuzzBase}
}

func seed(f *testing.F, globs ...string) {
	for _, g := range globs {
		for _, b := range passFixtures(f, g) {
			f.Add(b)
		}
	}
	f.Add([]byte(``))
	f.Add([]byte(`null`))
	f.Add([]byte("\ufeff{}"))
	f.Add([]byte(`<html>429</html>`))
}

func FuzzPassDecodeLogout(f *testing.F) {
	seed(f, "logout_*.json")
	f.Add([]byte(`{"logouts":{"":{"url":"//evil.example/x"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := decodeLogout(fuzzResponse(body))
		if err != nil {
			return
		}
		for i, a := range res.Actions {
			if a.URL != nil && !a.URL.IsAbs() {
				t.Errorf("action %d: URL %v not absolute", i, a.URL)
			}
			if a.NeedsUserAgent() && a.URL == nil {
				t.Errorf("action %d needs a user agent but has no URL", i)
			}
		}
		if !slices.IsSortedFunc(res.Actions, func(a, b LogoutAction) int { return strings.Compare(a.MVPD, b.MVPD) }) {
			t.Errorf("actions not sorted by MVPD: %+v", res.Actions)
		}
	})
}

func FuzzPassDecodeSession(f *testing.F) {
	seed(f, "session_create_*.json", "session_resume_*.json", "partner_session_*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := decodeSession(fuzzResponse(body))
		if err == nil && s.URL != nil && !s.URL.IsAbs() {
			t.Errorf("URL %v not absolute", s.URL)
		}
	})
}

func FuzzPassDecodeSessionInfo(f *testing.F) {
	seed(f, "session_info_*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		info, err := decodeSessionInfo(fuzzResponse(body))
		if err == nil && info.Device != nil && !json.Valid(info.Device) {
			t.Errorf("Device %q is not JSON", info.Device)
		}
	})
}

func FuzzPassDecodeProfiles(f *testing.F) {
	seed(f, "profile*.json", "partner_profile_*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := decodeProfiles(fuzzResponse(body))
		if err != nil {
			return
		}
		if !slices.IsSortedFunc(res.Profiles, func(a, b Profile) int { return strings.Compare(a.MVPD, b.MVPD) }) {
			t.Errorf("profiles not sorted")
		}
		for _, p := range res.Profiles {
			for k, a := range p.Attributes {
				_ = a.Text() // must not panic on any value
				if len(a.Value) > 0 && !json.Valid(a.Value) {
					t.Errorf("attribute %s value %q is not JSON", k, a.Value)
				}
			}
		}
	})
}

func FuzzPassDecodeDecisions(f *testing.F) {
	seed(f, "decisions_*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := decodeDecisions(fuzzResponse(body))
		if err != nil {
			return
		}
		for _, d := range res.Decisions {
			if d.Error != nil {
				_ = d.Error.Error()
				if d.Error.HTTPStatus != http.StatusOK {
					t.Errorf("item error HTTPStatus %d, want the reply's 200", d.Error.HTTPStatus)
				}
			}
		}
	})
}

func FuzzPassDecodeDCR(f *testing.F) {
	seed(f, "dcr_*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		if c, err := decodeRegistration(fuzzResponse(body)); err == nil && (c.ClientID == "" || c.ClientSecret == "") {
			t.Errorf("accepted credentials without id or secret: %+v", c)
		}
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if tok, err := decodeAccessToken(fuzzResponse(body), now); err == nil {
			if tok.AccessToken == "" || (!tok.Expiry.IsZero() && !tok.Expiry.After(now)) {
				t.Errorf("token %+v", tok)
			}
		}
	})
}
