package tvauthotel_test

import (
	"context"
	"testing"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthotel"
	"github.com/tvauth/tvauth/tvauthtest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// The setup docs/observability.md shows, run against the fake: the spans and metrics arrive.
func TestDocsSetup(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD("Cablevision", true)
	exporter := tracetest.NewInMemoryExporter()
	reader := sdkmetric.NewManualReader()
	ctx := context.Background()

	// docs:begin otel-setup
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter))
	defer tp.Shutdown(ctx)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)

	client, err := tvauth.New(append(fake.Options(),
		tvauthotel.New(tvauthotel.WithTracerProvider(tp), tvauthotel.WithMeterProvider(mp)))...)
	if err != nil {
		t.Fatal(err)
	}
	// docs:end otel-setup

	// docs:begin otel-call
	ctx, span := tp.Tracer("my-app").Start(ctx, "sign out")
	_, err = client.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision",
		RedirectURL: "https://app.example/done"})
	span.End()
	// The trace: "sign out" > "tvauth pass.logout" > "tvauth pass.token" (the bearer token, fetched
	// on first use), with an event per attempt on the logout span.
	// docs:end otel-call
	if err != nil {
		t.Fatal(err)
	}
	if err := tp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range exporter.GetSpans() {
		names = append(names, s.Name)
	}
	sameLines(t, "spans", names, []string{"tvauth pass.token", "tvauth pass.logout", "sign out"})
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	var metrics []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			metrics = append(metrics, m.Name)
		}
	}
	sameLines(t, "metrics", metrics, []string{"http.client.request.duration", "tvauth.client.call.duration", "tvauth.client.token.fetches"})
}

// With the global providers (New with no options) and none installed, calls run as without it.
func TestGlobalNoop(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD("Cablevision", true)
	client, err := tvauth.New(append(fake.Options(), tvauthotel.New())...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Pass.Logout(context.Background(), logoutReq)
	if err != nil || len(res.Actions) != 1 {
		t.Fatalf("Logout: %v, %+v", err, res)
	}
}
