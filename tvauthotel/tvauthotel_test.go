package tvauthotel_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthotel"
	"github.com/tvauth/tvauth/tvauthtest"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// lab is a tvauth client on the fake, traced into an in-memory span recorder and measured by a
// manual reader.
type lab struct {
	fake   *tvauthtest.Server
	client *tvauth.Client
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
}

func newLab(t *testing.T) *lab {
	t.Helper()
	l := &lab{fake: tvauthtest.NewServer(), spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	t.Cleanup(l.fake.Close)
	l.fake.AddMVPD("Cablevision", true)
	l.fake.AddAGSUser("dave", "1660", "1663")
	l.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(l.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(l.reader))
	c, err := tvauth.New(append(l.fake.Options(),
		tvauthotel.New(tvauthotel.WithTracerProvider(l.tp), tvauthotel.WithMeterProvider(mp)))...)
	if err != nil {
		t.Fatal(err)
	}
	l.client = c
	return l
}

// traced runs f under a root span of its own and returns the spans of its trace, as "name <- parent
// name" lines in the order they ended, and the spans themselves.
func (l *lab) traced(t *testing.T, f func(ctx context.Context) error) ([]string, []sdktrace.ReadOnlySpan) {
	t.Helper()
	ctx, root := l.tp.Tracer("test").Start(context.Background(), "test")
	if err := f(ctx); err != nil {
		t.Fatal(err)
	}
	root.End()
	names := map[trace.SpanID]string{}
	var spans []sdktrace.ReadOnlySpan
	for _, s := range l.spans.Ended() {
		if s.SpanContext().TraceID() == root.SpanContext().TraceID() {
			names[s.SpanContext().SpanID()] = s.Name()
			spans = append(spans, s)
		}
	}
	var lines []string
	for _, s := range spans {
		lines = append(lines, s.Name()+" <- "+names[s.Parent().SpanID()])
	}
	return lines, spans
}

func span(t *testing.T, spans []sdktrace.ReadOnlySpan, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	for _, s := range spans {
		if s.Name() == name {
			return s
		}
	}
	t.Fatalf("no span %q", name)
	return nil
}

// events renders a span's events: the name, then its attributes but the durations, sorted (a byte
// count as 0 or >0).
func events(s sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, e := range s.Events() {
		var attrs []string
		for _, a := range e.Attributes {
			switch {
			case a.Key == tvauthotel.DurationKey:
			case a.Key == tvauthotel.BytesKey && a.Value.AsInt64() > 0:
				attrs = append(attrs, string(a.Key)+">0")
			default:
				attrs = append(attrs, string(a.Key)+"="+a.Value.Emit())
			}
		}
		slices.Sort(attrs)
		out = append(out, e.Name+" "+strings.Join(attrs, " "))
	}
	return out
}

func attrs(kvs []attribute.KeyValue) map[string]string {
	out := map[string]string{}
	for _, a := range kvs {
		out[string(a.Key)] = a.Value.Emit()
	}
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}

// points renders the data points of the metric name: its attributes (sorted) and count or sum.
func (l *lab) points(t *testing.T, name string) []string {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := l.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out = append(out, fmt.Sprintf("%s = %d", p.Attributes.Encoded(attribute.DefaultEncoder()), p.Value))
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out = append(out, fmt.Sprintf("%s count %d", p.Attributes.Encoded(attribute.DefaultEncoder()), p.Count))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

var logoutReq = tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision", RedirectURL: "https://app.example/done"}

// A Pass logout whose first attempt meets a 401: one call span, the token refetch as its child, two
// attempts with their reasons and statuses.
func TestPassLogoutRefetch(t *testing.T) {
	l := newLab(t)
	if _, err := l.client.Pass.Configuration(context.Background(), "REF30"); err != nil { // a token, cached
		t.Fatal(err)
	}
	l.fake.ExpirePassTokens()
	tree, spans := l.traced(t, func(ctx context.Context) error {
		_, err := l.client.Pass.Logout(ctx, logoutReq)
		return err
	})
	sameLines(t, "spans", tree, []string{"tvauth pass.token <- tvauth pass.logout", "tvauth pass.logout <- test", "test <- "})
	logout := span(t, spans, "tvauth pass.logout")
	sameLines(t, "events of the logout span", events(logout), []string{
		"tvauth.attempt error.type=401 http.response.status_code=401 tvauth.attempt=1 tvauth.response.bytes=0",
		"tvauth.token.invalidated tvauth.family=pass tvauth.token.event=invalidated",
		"tvauth.token.fetch_started tvauth.family=pass tvauth.token.event=fetch_started",
		"tvauth.token.fetch_ended tvauth.family=pass tvauth.token.event=fetch_ended",
		"tvauth.attempt http.response.status_code=200 tvauth.attempt=2 tvauth.response.bytes>0 tvauth.retry.reason=unauthorized",
	})
	host, port, _ := strings.Cut(strings.TrimPrefix(l.fake.URL(), "http://"), ":")
	want := map[string]string{"http.request.method": "GET", "server.address": host, "server.port": port,
		"url.full": l.fake.URL() + "/api/v2/{serviceProvider}/logout/{mvpd}", "url.template": "/api/v2/{serviceProvider}/logout/{mvpd}",
		"tvauth.family": "pass", "tvauth.operation": "pass.logout", "http.response.status_code": "200"}
	if got := attrs(logout.Attributes()); !mapsEqual(got, want) {
		t.Errorf("attributes of the logout span:\n got  %v\n want %v", got, want)
	}
	if logout.SpanKind() != trace.SpanKindClient || logout.Status().Code != codes.Unset {
		t.Errorf("logout span: kind %v, status %v", logout.SpanKind(), logout.Status())
	}
	sameLines(t, "retries", l.points(t, "tvauth.client.retries"),
		[]string{"tvauth.family=pass,tvauth.operation=pass.logout,tvauth.retry.reason=unauthorized = 1"})
	sameLines(t, "token fetches", l.points(t, "tvauth.client.token.fetches"), []string{"tvauth.family=pass = 2"})
	attempt := "http.request.method=%s,http.response.status_code=%d,server.address=" + host + ",server.port=" + port + ",tvauth.operation=%s count %d"
	sameLines(t, "http.client.request.duration", l.points(t, "http.client.request.duration"), []string{
		"error.type=401," + fmt.Sprintf(attempt, "GET", 401, "pass.logout", 1),
		fmt.Sprintf(attempt, "GET", 200, "pass.configuration", 1),
		fmt.Sprintf(attempt, "GET", 200, "pass.logout", 1),
		fmt.Sprintf(attempt, "POST", 201, "pass.token", 2),
	})
	sameLines(t, "call durations", l.points(t, "tvauth.client.call.duration"), []string{
		"tvauth.family=pass,tvauth.operation=pass.configuration count 1",
		"tvauth.family=pass,tvauth.operation=pass.logout count 1",
		"tvauth.family=pass,tvauth.operation=pass.token count 2",
	})
	noSecrets(t, l)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// An AGS signOn answered 300, then subsequentSignOn: two call spans.
func TestAGSSubsequentSignOn(t *testing.T) {
	l := newLab(t)
	params := []tvauth.Parameter{{Name: "username", Value: "dave"}, {Name: "password", Value: l.fake.AGSPassword("dave")}}
	tree, spans := l.traced(t, func(ctx context.Context) error {
		res, err := l.client.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params, DeviceInformation: []byte(`{"deviceType":"OPEN"}`)})
		if err != nil {
			return err
		}
		if len(res.Accounts) != 2 {
			return fmt.Errorf("%d accounts, want 2", len(res.Accounts))
		}
		_, err = l.client.AGS.SubsequentSignOn(ctx, res.Accounts[0], tvauth.SignOnRequest{Parameters: params[:1]})
		return err
	})
	sameLines(t, "spans", tree, []string{"tvauth ags.signOn <- test", "tvauth ags.subsequentSignOn <- test", "test <- "})
	for name, status := range map[string]string{"tvauth ags.signOn": "300", "tvauth ags.subsequentSignOn": "201"} {
		if got := attrs(span(t, spans, name).Attributes())["http.response.status_code"]; got != status {
			t.Errorf("%s: status %s, want %s", name, got, status)
		}
	}
	noSecrets(t, l)
}

// A throttled logout counts its 429s, retries and, out of retries, its error.
func TestThrottled(t *testing.T) {
	l := newLab(t)
	throttle := func(times int) {
		err := l.fake.FailNextWith(tvauthtest.Fault{Path: "/api/v2/REF30/logout/Cablevision", Status: http.StatusTooManyRequests,
			Times: times, Body: tvauthtest.ThrottlePage, Header: http.Header{"Retry-After": {"0"}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	throttle(2)
	_, spans := l.traced(t, func(ctx context.Context) error {
		_, err := l.client.Pass.Logout(ctx, logoutReq)
		return err
	})
	if n := len(span(t, spans, "tvauth pass.logout").Events()); n != 2+3 { // the token fetch (2 events), 3 attempts
		t.Errorf("%d events on the logout span, want 5: %q", n, events(span(t, spans, "tvauth pass.logout")))
	}
	sameLines(t, "throttled", l.points(t, "tvauth.client.throttled"), []string{"tvauth.family=pass,tvauth.operation=pass.logout = 2"})
	throttle(4) // the default policy's 3 retries run out
	if _, err := l.client.Pass.Logout(context.Background(), logoutReq); !errors.Is(err, tvauth.ErrRateLimited) {
		t.Fatalf("err %v, want ErrRateLimited", err)
	}
	sameLines(t, "throttled", l.points(t, "tvauth.client.throttled"), []string{"tvauth.family=pass,tvauth.operation=pass.logout = 6"})
	sameLines(t, "retries", l.points(t, "tvauth.client.retries"), []string{"tvauth.family=pass,tvauth.operation=pass.logout,tvauth.retry.reason=throttled = 5"})
	sameLines(t, "errors", l.points(t, "tvauth.client.errors"), []string{"error.type=rate_limited,tvauth.family=pass,tvauth.operation=pass.logout = 1"})
	var failed sdktrace.ReadOnlySpan
	for _, s := range l.spans.Ended() {
		if s.Name() == "tvauth pass.logout" && s.Status().Code == codes.Error {
			failed = s
		}
	}
	if failed == nil || failed.Status().Description != "rate_limited" || attrs(failed.Attributes())["error.type"] != "rate_limited" {
		t.Errorf("no failed logout span with error.type rate_limited")
	}
	noSecrets(t, l)
}

// noSecrets fails when a secret the fake issued or the client sent shows in any span's name,
// attributes, events or status, or in any metric's attributes.
func noSecrets(t *testing.T, l *lab) {
	t.Helper()
	secrets := []string{string(l.fake.SoftwareStatement()), string(l.fake.PassCredentials().ClientSecret), l.fake.AGSPassword("dave")}
	for _, r := range l.fake.Requests() {
		for name, vs := range r.Header {
			if n := strings.ToLower(name); strings.Contains(n, "auth") || strings.Contains(n, "token") {
				for _, v := range vs {
					_, tok, _ := strings.Cut(v, " ")
					secrets = append(secrets, v, tok)
				}
			}
		}
	}
	var text strings.Builder
	for _, s := range l.spans.Ended() {
		fmt.Fprintf(&text, "%s %v %v\n", s.Name(), s.Status(), s.Attributes())
		for _, e := range s.Events() {
			fmt.Fprintf(&text, "%s %v\n", e.Name, e.Attributes)
		}
	}
	var rm metricdata.ResourceMetrics
	if err := l.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&text, "%+v", rm)
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(text.String(), s) {
			t.Errorf("a span or metric holds the secret %.6q…", s)
		}
	}
	if len(secrets) < 5 {
		t.Errorf("only %d secrets to look for", len(secrets))
	}
}

// No trace context reaches the vendors, even with a propagator installed globally.
func TestNoTraceContextSent(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	defer otel.SetTextMapPropagator(prev)
	l := newLab(t)
	_, _ = l.traced(t, func(ctx context.Context) error {
		_, err := l.client.Pass.Logout(ctx, logoutReq)
		return err
	})
	reqs := l.fake.Requests()
	if len(reqs) < 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	for _, r := range reqs {
		for _, h := range []string{"Traceparent", "Tracestate", "Baggage"} {
			if v := r.Header.Get(h); v != "" {
				t.Errorf("%s %s carried %s: %s", r.Method, r.Path, h, v)
			}
		}
	}
}
