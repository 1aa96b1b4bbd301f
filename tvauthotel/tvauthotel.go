// Package tvauthotel traces and measures every call of a tvauth client with OpenTelemetry. It is a
// module of its own (like go-redis's extra/redisotel), so that programs that do not use OpenTelemetry
// link none of it:
//
//	client, err := tvauth.New(tvauth.WithPassCredentials(creds), tvauthotel.New())
//
// Traces: a client span per call, named "tvauth <operation>" ("tvauth pass.logout"), a child of the
// span in the call's context, with OpenTelemetry's HTTP client attributes (http.request.method,
// server.address, server.port, url.full and url.template (the path with its ids as {names}: no id and
// no query reaches a span), http.response.status_code, error.type) and tvauth.family and
// tvauth.operation. Each HTTP attempt is an event "tvauth.attempt" on it
// (tvauth.attempt, tvauth.retry.reason, http.response.status_code, tvauth.attempt.duration,
// tvauth.response.bytes), and so is each token event ("tvauth.token.fetch_started", …; a cache hit
// records nothing). A token fetch's own call (pass.token, ags.refresh) is a child span of the call
// that needed the token.
//
// Metrics: http.client.request.duration per attempt (OpenTelemetry's, in seconds), and per call
// tvauth.client.call.duration (seconds), tvauth.client.retries (by tvauth.retry.reason),
// tvauth.client.token.fetches, tvauth.client.throttled (429 answers) and tvauth.client.errors (by
// error.type). error.type is one of canceled, timeout, validation, rate_limited, unauthorized,
// too_large, decode, network, vendor, or _OTHER.
//
// No trace context is sent to the vendors: their APIs are third parties'. To send it anyway, wrap the
// transport of tvauth.WithHTTPClient in one that injects it (otelhttp.NewTransport): the request of
// every attempt carries the call's context, so its spans are children of the call's span.
package tvauthotel

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"

	"github.com/tvauth/tvauth"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.39.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/tvauth/tvauth/tvauthotel"

// The attributes of tvauth's own.
const (
	FamilyKey      = attribute.Key("tvauth.family")         // pass, clientless, webapi, ags
	OperationKey   = attribute.Key("tvauth.operation")      // pass.logout, ags.signOn, …
	AttemptKey     = attribute.Key("tvauth.attempt")        // 1 for the first attempt
	RetryReasonKey = attribute.Key("tvauth.retry.reason")   // network, throttled, server, unauthorized, resend
	TokenEventKey  = attribute.Key("tvauth.token.event")    // fetch_started, shared_wait, fetch_ended, invalidated
	DurationKey    = attribute.Key("tvauth.duration")       // an attempt's or a token wait's, in seconds
	BytesKey       = attribute.Key("tvauth.response.bytes") // the reply body read
)

// Option configures New.
type Option func(*config)

type config struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
}

// WithTracerProvider sets where the spans go (default: otel.GetTracerProvider() at New).
func WithTracerProvider(tp trace.TracerProvider) Option { return func(c *config) { c.tp = tp } }

// WithMeterProvider sets where the metrics go (default: otel.GetMeterProvider() at New).
func WithMeterProvider(mp metric.MeterProvider) Option { return func(c *config) { c.mp = mp } }

// New returns the tvauth option that traces and measures every call of the client (see the package
// documentation). An instrument the meter refuses is reported to otel.Handle and left out.
func New(opts ...Option) tvauth.Option { return tvauth.WithObserver(NewObserver(opts...)) }

// NewObserver is New's tvauth.Observer, for a program that combines it with an observer of its own.
func NewObserver(opts ...Option) tvauth.Observer {
	c := config{}
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	o := &observer{tracer: c.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(tvauth.Version))}
	m := c.mp.Meter(ScopeName, metric.WithInstrumentationVersion(tvauth.Version))
	// OpenTelemetry's buckets for http.client.request.duration.
	buckets := metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
	var errs []error
	histogram := func(name, desc string) metric.Float64Histogram {
		h, err := m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc), buckets)
		if errs = append(errs, err); h == nil {
			return noop.Float64Histogram{}
		}
		return h
	}
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		if errs = append(errs, err); c == nil {
			return noop.Int64Counter{}
		}
		return c
	}
	o.attemptDuration = histogram("http.client.request.duration", "Duration of HTTP client requests.")
	o.callDuration = histogram("tvauth.client.call.duration", "Duration of tvauth calls, retries and token fetches included.")
	o.retries = counter("tvauth.client.retries", "{retry}", "Attempts of tvauth calls after the first.")
	o.tokenFetches = counter("tvauth.client.token.fetches", "{fetch}", "Token fetches started by tvauth's token sources.")
	o.throttled = counter("tvauth.client.throttled", "{response}", "HTTP 429 answers to tvauth calls.")
	o.errors = counter("tvauth.client.errors", "{error}", "tvauth calls that failed, by error.type.")
	if err := errors.Join(errs...); err != nil {
		otel.Handle(err)
	}
	return o
}

type observer struct {
	tracer                                   trace.Tracer
	attemptDuration, callDuration            metric.Float64Histogram
	retries, tokenFetches, throttled, errors metric.Int64Counter
}

// call is what the attempts and the end of a call need of its start, kept in the call's context.
type call struct {
	family, operation attribute.KeyValue
	http              []attribute.KeyValue // method, server.address, server.port
	set               attribute.Set        // family and operation, for the metrics
}

type callKey struct{}

func (o *observer) CallStart(ctx context.Context, e tvauth.CallEvent) context.Context {
	ctx, span := o.tracer.Start(ctx, "tvauth "+e.Operation, trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(e.Start))
	recording := span.IsRecording()
	metrics := o.callDuration.Enabled(ctx) || o.attemptDuration.Enabled(ctx) || o.retries.Enabled(ctx) ||
		o.throttled.Enabled(ctx) || o.errors.Enabled(ctx)
	if !recording && !metrics {
		return ctx // nothing records: the attempts and the end find no call and do nothing but end the span
	}
	host, portText, err := net.SplitHostPort(e.Host)
	port, _ := strconv.Atoi(portText)
	if err != nil {
		host, port = e.Host, 80
		if strings.HasPrefix(e.URL, "https:") {
			port = 443
		}
	}
	attrs := []attribute.KeyValue{semconv.HTTPRequestMethodKey.String(e.Method), semconv.ServerAddress(host),
		semconv.ServerPort(port), FamilyKey.String(e.Family), OperationKey.String(e.Operation), semconv.URLFull(e.URL),
		semconv.URLTemplate(e.Template)}
	c := &call{family: attrs[3], operation: attrs[4], http: attrs[:3:3]}
	if metrics {
		c.set = attribute.NewSet(c.family, c.operation)
	}
	if recording {
		span.SetAttributes(attrs...)
	}
	return context.WithValue(ctx, callKey{}, c)
}

func (o *observer) CallEnd(ctx context.Context, e tvauth.CallEvent) {
	errType := ErrorType(e.Err)
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		if e.Status != 0 {
			span.SetAttributes(semconv.HTTPResponseStatusCode(e.Status))
		}
		if e.Err != nil {
			span.SetAttributes(semconv.ErrorTypeKey.String(errType))
			span.RecordError(e.Err)
			span.SetStatus(codes.Error, errType)
		}
	}
	span.End(trace.WithTimestamp(e.Start.Add(e.Duration)))
	c, _ := ctx.Value(callKey{}).(*call)
	if c == nil {
		return
	}
	if o.callDuration.Enabled(ctx) {
		set := metric.WithAttributeSet(c.set)
		if e.Err != nil {
			set = metric.WithAttributes(c.family, c.operation, semconv.ErrorTypeKey.String(errType))
		}
		o.callDuration.Record(ctx, e.Duration.Seconds(), set)
	}
	if e.Err != nil && o.errors.Enabled(ctx) {
		o.errors.Add(ctx, 1, metric.WithAttributes(c.family, c.operation, semconv.ErrorTypeKey.String(errType)))
	}
}

func (o *observer) Attempt(ctx context.Context, e tvauth.AttemptEvent) {
	c, _ := ctx.Value(callKey{}).(*call)
	if c == nil {
		return
	}
	var errType string
	switch {
	case e.Failed:
		errType = "network"
	case e.Status >= 400:
		errType = strconv.Itoa(e.Status)
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		attrs := []attribute.KeyValue{AttemptKey.Int(e.Attempt), DurationKey.Float64(e.Duration.Seconds()), BytesKey.Int(e.Bytes)}
		if e.Reason != "" {
			attrs = append(attrs, RetryReasonKey.String(e.Reason))
		}
		if e.Status != 0 {
			attrs = append(attrs, semconv.HTTPResponseStatusCode(e.Status))
		}
		if errType != "" {
			attrs = append(attrs, semconv.ErrorTypeKey.String(errType))
		}
		span.AddEvent("tvauth.attempt", trace.WithAttributes(attrs...))
	}
	if o.attemptDuration.Enabled(ctx) {
		attrs := append(c.http[:len(c.http):len(c.http)], c.operation)
		if e.Status != 0 {
			attrs = append(attrs, semconv.HTTPResponseStatusCode(e.Status))
		}
		if errType != "" {
			attrs = append(attrs, semconv.ErrorTypeKey.String(errType))
		}
		o.attemptDuration.Record(ctx, e.Duration.Seconds(), metric.WithAttributes(attrs...))
	}
	if e.Reason != "" && o.retries.Enabled(ctx) {
		o.retries.Add(ctx, 1, metric.WithAttributes(c.family, c.operation, RetryReasonKey.String(e.Reason)))
	}
	if e.Status == 429 && o.throttled.Enabled(ctx) {
		o.throttled.Add(ctx, 1, metric.WithAttributeSet(c.set))
	}
}

func (o *observer) Token(ctx context.Context, e tvauth.TokenEvent) {
	if e.Kind == "cache_hit" {
		return
	}
	if e.Kind == "fetch_started" && o.tokenFetches.Enabled(ctx) {
		o.tokenFetches.Add(ctx, 1, metric.WithAttributes(FamilyKey.String(e.Family)))
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		attrs := []attribute.KeyValue{FamilyKey.String(e.Family), TokenEventKey.String(e.Kind)}
		if e.Kind == "fetch_ended" {
			attrs = append(attrs, DurationKey.Float64(e.Duration.Seconds()))
			if e.Failed {
				attrs = append(attrs, semconv.ErrorTypeKey.String("_OTHER"))
			}
		}
		span.AddEvent("tvauth.token."+e.Kind, trace.WithAttributes(attrs...))
	}
}

// ErrorType is the error.type of a call's error: "" for nil, else canceled, timeout, validation,
// rate_limited, unauthorized, too_large, decode, network (a *tvauth.RequestError), vendor (another
// error of the vendor's API) or _OTHER.
func ErrorType(err error) string {
	if err == nil {
		return ""
	}
	var de *tvauth.DecodeError
	var re *tvauth.RequestError
	var pe *tvauth.PassError
	var we *tvauth.WebAPIError
	var ae *tvauth.AGSError
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, tvauth.ErrInvalidRequest):
		return "validation"
	case errors.Is(err, tvauth.ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, tvauth.ErrUnauthorized):
		return "unauthorized"
	case errors.Is(err, tvauth.ErrResponseTooLarge):
		return "too_large"
	case errors.As(err, &de):
		return "decode"
	case errors.As(err, &re):
		return "network"
	case errors.As(err, &pe), errors.As(err, &we), errors.As(err, &ae):
		return "vendor"
	}
	return "_OTHER"
}
