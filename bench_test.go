package tvauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/internal/benchpairs"
)

// BenchmarkPairs runs every pair of internal/benchpairs: each operation through the SDK (side=sdk) and
// written by hand with net/http (side=raw), against the same loopback server in the same run. Compare
// the sides with benchstat:
//
//	go test -run '^$' -bench Pairs -benchmem -cpu 1 -count 5 . > pairs.txt
//	go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -col /side pairs.txt
//
// or print the table with go run ./examples/bench.
func BenchmarkPairs(b *testing.B) {
	for _, p := range benchpairs.All() {
		b.Run("op="+p.ID+"/side=raw", benchpairs.Bench(p, false))
		b.Run("op="+p.ID+"/side=sdk", benchpairs.Bench(p, true))
	}
}

// BenchmarkErrorManySecrets is one AGS sign-on with 5,000 secret parameters whose server answers 400
// with a 4 MiB JSON body echoing the request: the error's cost (reading and decoding the body, building
// the matcher of 5,000 secrets, scrubbing the bounded fields), reported as process CPU seconds per op.
func BenchmarkErrorManySecrets(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		esc, _ := json.Marshal(string(body))
		var msg strings.Builder
		for n := len(esc); n+len(esc) < 4<<20-64; n += len(esc) - 2 {
			msg.Write(body)
		}
		reply, _ := json.Marshal(map[string]string{"code": "400", "message": msg.String()})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(reply)
	}))
	b.Cleanup(srv.Close)
	c, err := tvauth.New(tvauth.WithAGSURL(srv.URL+"/ags"), tvauth.WithAGSAuthService("svc"), tvauth.WithRetry(tvauth.RetryPolicy{}))
	if err != nil {
		b.Fatal(err)
	}
	req := tvauth.SignOnRequest{ClientID: "c1"}
	for i := range 5000 {
		req.Parameters = append(req.Parameters, tvauth.Parameter{Name: "password", Value: fmt.Sprintf("pw-%05d-Zq8vR2mX4tLw9KpB7nYc", i)})
	}
	cpu0, cpuOK := benchpairs.ProcessCPU()
	for b.Loop() {
		_, err := c.AGS.SignOn(context.Background(), req)
		var ae *tvauth.AGSError
		if !errors.As(err, &ae) || strings.Contains(err.Error(), "pw-0") || len(ae.RawBody()) < 3<<20 {
			b.Fatalf("err = %v", err)
		}
	}
	if cpu1, ok := benchpairs.ProcessCPU(); ok && cpuOK {
		b.ReportMetric((cpu1-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	}
}
