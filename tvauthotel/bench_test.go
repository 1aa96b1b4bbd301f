package tvauthotel_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/internal/benchpairs"
	"github.com/tvauth/tvauth/tvauthotel"
	"github.com/tvauth/tvauth/tvauthtest"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// BenchmarkPassLogout is one Pass logout (the bearer token cached) against a loopback server that
// answers at once: without tvauthotel, with it on a recording SDK (every span sampled and ended, the
// metrics aggregated), and with it on the no-op providers. docs/observability.md has the table:
//
//	go test -run '^$' -bench PassLogout -benchmem -cpu 1 -count 10 . > otel.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /otel otel.txt
func BenchmarkPassLogout(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/o/client/token" {
			_, _ = io.WriteString(w, `{"access_token":"tok-0123456789","token_type":"bearer","expires_in":86400}`)
			return
		}
		_, _ = io.WriteString(w, `{"logouts":{"Cablevision":{"mvpd":"Cablevision","actionName":"logout",`+
			`"actionType":"interactive","url":"https://mvpd.example/logout?redirect=https%3A%2F%2Fadobe.com"}}}`)
	}))
	b.Cleanup(srv.Close)
	recording := func() tvauth.Option {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(discard{}))
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		return tvauthotel.New(tvauthotel.WithTracerProvider(tp), tvauthotel.WithMeterProvider(mp))
	}
	noop := func() tvauth.Option {
		return tvauthotel.New(tvauthotel.WithTracerProvider(tracenoop.NewTracerProvider()),
			tvauthotel.WithMeterProvider(metricnoop.NewMeterProvider()))
	}
	for _, side := range []struct {
		name string
		opt  func() tvauth.Option
	}{{"none", func() tvauth.Option { return nil }}, {"recording", recording}, {"noop", noop}} {
		b.Run("otel="+side.name, func(b *testing.B) {
			c, err := tvauth.New(tvauth.WithPassURL(srv.URL), tvauth.WithHTTPClient(srv.Client()),
				tvauth.WithDevice(tvauthtest.DefaultDevice()),
				tvauth.WithPassCredentials(tvauth.ClientCredentials{ClientID: "c1", ClientSecret: "s1"}), side.opt())
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			cpu0, cpuOK := benchpairs.ProcessCPU()
			for b.Loop() {
				if _, err := c.Pass.Logout(ctx, logoutReq); err != nil {
					b.Fatal(err)
				}
			}
			// Process CPU (the server's included, as in the root's pairs): steadier than wall time on
			// a shared machine.
			if cpu1, ok := benchpairs.ProcessCPU(); ok && cpuOK {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// discard is a span processor that drops the ended spans: the spans are recorded, nothing exported.
type discard struct{}

func (discard) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discard) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discard) Shutdown(context.Context) error                  { return nil }
func (discard) ForceFlush(context.Context) error                { return nil }

// BenchmarkObserverPerCall is what tvauthotel adds to one such logout, without the network: the
// events the pipeline tells it (the call's start and end, a token cache hit, one attempt), on the
// recording SDK and on the no-op providers. Divided by the logout's own CPU time, it is the overhead
// with a low variance that a loaded machine cannot blur.
func BenchmarkObserverPerCall(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(discard{}))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	for _, side := range []struct {
		name string
		o    tvauth.Observer
	}{
		{"recording", tvauthotel.NewObserver(tvauthotel.WithTracerProvider(tp), tvauthotel.WithMeterProvider(mp))},
		{"noop", tvauthotel.NewObserver(tvauthotel.WithTracerProvider(tracenoop.NewTracerProvider()),
			tvauthotel.WithMeterProvider(metricnoop.NewMeterProvider()))},
	} {
		b.Run("otel="+side.name, func(b *testing.B) {
			start := tvauth.CallEvent{Family: "pass", Operation: "pass.logout", Method: "GET", Host: "127.0.0.1:8080",
				URL: "http://127.0.0.1:8080/api/v2/REF30/logout/Cablevision", Start: time.Now()}
			b.ReportAllocs()
			cpu0, cpuOK := benchpairs.ProcessCPU()
			for b.Loop() {
				ctx := side.o.CallStart(context.Background(), start)
				side.o.Token(ctx, tvauth.TokenEvent{Family: "pass", Kind: "cache_hit"})
				side.o.Attempt(ctx, tvauth.AttemptEvent{Attempt: 1, Status: 200, Bytes: 250, Duration: 50 * time.Microsecond})
				end := start
				end.Duration, end.Status = 60*time.Microsecond, 200
				side.o.CallEnd(ctx, end)
			}
			if cpu1, ok := benchpairs.ProcessCPU(); ok && cpuOK {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
