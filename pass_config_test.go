package tvauth

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"golang.org/x/oauth2"
)

func TestPassConfiguration(t *testing.T) {
	t.Parallel()
	devID, devInfo := testDeviceHeaders(t)
	c, mux, _ := setup(t)
	rec := serve(mux, "/api/v2/", http.StatusOK, passFixture(t, "configuration.json"))
	cfg, err := c.Pass.Configuration(context.Background(), "REF30")
	if err != nil {
		t.Fatal(err)
	}
	got := rec.last(t)
	if got.Method != http.MethodGet || got.RawPath != "/api/v2/REF30/configuration" || got.RawQuery != "" {
		t.Errorf("sent %s %s?%s", got.Method, got.RawPath, got.RawQuery)
	}
	wantHeaders(t, got.Header, map[string]string{"Authorization": "Bearer test-token", "AP-Device-Identifier": devID, "X-Device-Info": devInfo})
	if cfg.Device != "unknown" || cfg.ClientType != "html5" || cfg.OS != "Unknown" || cfg.Requestor.ID != "REF30" ||
		cfg.Requestor.Name != "Reference site only in 30" || len(cfg.Requestor.Domains) != 6 || len(cfg.Requestor.MVPDs) != 8 {
		t.Fatalf("configuration = %+v", cfg)
	}
	tp := cfg.Requestor.MVPDs[1]
	if tp.ID != "TempPass_TEST40" || !tp.IsTempPass || !tp.AuthPerAggregator || tp.DisplayName != "Adobe Temp Pass Test 3 min" {
		t.Errorf("MVPD[1] = %+v", tp)
	}
	if last := cfg.Requestor.MVPDs[7]; last.ID != "Comcast_SSO_Perf" || !last.AuthPerBrowserSession {
		t.Errorf("MVPD[7] = %+v", last)
	}
	if !json.Valid(cfg.Raw) {
		t.Errorf("Raw is not the reply")
	}

	// Without any device the headers are left out rather than refused.
	_, mux2, srvURL := setup(t)
	rec2 := serve(mux2, "/api/v2/", http.StatusOK, []byte(`{"mvpds":[{"id":"Top","isTempPass":"true"}],"requestor":{"id":"REF30"}}`))
	c2, _ := New(WithPassURL(srvURL), WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})))
	cfg2, err := c2.Pass.Configuration(context.Background(), "REF30")
	if err != nil || len(cfg2.Requestor.MVPDs) != 1 || !cfg2.Requestor.MVPDs[0].IsTempPass {
		t.Errorf("top-level mvpds: %+v, %v", cfg2, err)
	}
	wantHeaders(t, rec2.last(t).Header, map[string]string{"AP-Device-Identifier": "", "X-Device-Info": ""})

	_, err = c.Pass.Configuration(context.Background(), "")
	asValidation(t, err, "serviceProvider")
}

func FuzzPassDecodeConfiguration(f *testing.F) {
	seed(f, "configuration.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		if c, err := decodeConfiguration(fuzzResponse(body)); err == nil && !json.Valid(c.Raw) {
			// The raw reply is kept as sent; it was accepted, so it is JSON (possibly with trailing commas).
			if fixed, _ := dropTrailingCommas(c.Raw); !json.Valid(fixed) {
				t.Errorf("Raw %q is not JSON", c.Raw)
			}
		}
	})
}
