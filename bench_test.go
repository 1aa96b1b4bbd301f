package tvauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The pipeline's cost: one GET with a JSON reply through do (retry hooks, per-attempt transport,
// bounded read, redactor, decode) next to the same request written by hand with net/http, against the
// same httptest server in the same run. Run: go test -run '^$' -bench Pipeline -benchmem
const benchBody = `{"logouts":{"Cablevision":{"actionName":"logout","actionType":"interactive","mvpd":"Cablevision","url":"https://sp.auth.adobe.com/adobe-services/logout?noflash=true&mso_id=Cablevision&requestor_id=REF30&redirect_url=http%3A%2F%2Fadobe.com"}}}`

type benchReply struct {
	Logouts map[string]struct {
		ActionName string `json:"actionName"`
		ActionType string `json:"actionType"`
		MVPD       string `json:"mvpd"`
		URL        string `json:"url"`
	} `json:"logouts"`
}

func benchServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = io.WriteString(w, benchBody)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func BenchmarkPipelineGETJSON(b *testing.B) {
	srv := benchServer(b)
	c, err := New(WithPassURL(srv.URL), WithHTTPClient(&http.Client{Transport: srv.Client().Transport}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var v benchReply
		cl := &call{service: svcPass, method: http.MethodGet, path: pathf("/api/v2/%s/logout/%s", "REF30", "Cablevision"),
			query: pairs{{"redirectUrl", "https://adobe.com"}}.encode(), decode: decodeJSON(&v)}
		if _, err := c.do(ctx, cl); err != nil || len(v.Logouts) != 1 {
			b.Fatal(err)
		}
	}
}

func BenchmarkPipelineBaselineNetHTTP(b *testing.B) {
	srv := benchServer(b)
	hc := &http.Client{Transport: srv.Client().Transport}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet,
			fmt.Sprintf("%s/api/v2/%s/logout/%s?redirectUrl=%s", srv.URL, "REF30", "Cablevision", "https%3A%2F%2Fadobe.com"), nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("User-Agent", "tvauth-go/"+Version)
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		var v benchReply
		if err := json.Unmarshal(body, &v); err != nil || len(v.Logouts) != 1 {
			b.Fatal(err)
		}
	}
}
