package tvauth_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/tvauth/tvauth/internal/benchpairs"
)

// TestBenchPairsSameWire keeps the benchmark pairs honest: for every pair, the SDK call and its
// hand-written baseline send the same requests (method, path and query, headers, body), so that the
// table compares the same work.
func TestBenchPairsSameWire(t *testing.T) {
	ids := map[string]bool{}
	for _, p := range benchpairs.All() {
		if ids[p.ID] {
			t.Fatalf("pair id %s used twice", p.ID)
		}
		ids[p.ID] = true
		t.Run(p.ID, func(t *testing.T) {
			rec := &benchpairs.Recorder{}
			raw, sdk, err := p.New(t, rec)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			// Warm up both sides (token fetches), then record one operation of each.
			for _, op := range []benchpairs.Op{raw, sdk} {
				if err := op(ctx); err != nil {
					t.Fatal(err)
				}
			}
			rec.Start()
			if err := raw(ctx); err != nil {
				t.Fatal(err)
			}
			rawReqs := rec.Stop()
			rec.Start()
			if err := sdk(ctx); err != nil {
				t.Fatal(err)
			}
			sdkReqs := rec.Stop()
			if len(rawReqs) != len(sdkReqs) {
				t.Fatalf("raw sent %d requests, sdk %d", len(rawReqs), len(sdkReqs))
			}
			for i := range rawReqs {
				r, s := rawReqs[i], sdkReqs[i]
				if r.Method != s.Method || r.RequestURI != s.RequestURI || r.Body != s.Body {
					t.Errorf("request %d differs:\nraw %s %s %q\nsdk %s %s %q", i, r.Method, r.RequestURI, r.Body, s.Method, s.RequestURI, s.Body)
				}
				if !reflect.DeepEqual(r.Header, s.Header) {
					t.Errorf("request %d headers differ:\nraw %v\nsdk %v", i, r.Header, s.Header)
				}
			}
			if p.Items == 0 && p.Parallel == 0 && len(rawReqs) == 0 && !offline[p.ID] {
				t.Errorf("pair %s sent no request", p.ID)
			}
		})
	}
}

// offline pairs make no HTTP call.
var offline = map[string]bool{"Sign": true, "AuthenticateURL": true, "SessionKey": true}
