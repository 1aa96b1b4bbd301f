// Command otel runs the quickstart's Adobe Pass flow against the in-process fake (tvauthtest) with
// tvauthotel, and prints every span with OpenTelemetry's stdout exporter as it ends, one JSON object
// a line, then the tree of the spans. It needs no network:
//
//	cd examples/otel && go run .
//
// It is a module of its own (it imports OpenTelemetry, which the root module does not require).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthotel"
	"github.com/tvauth/tvauth/tvauthtest"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

const (
	serviceProvider = "REF30"
	mvpd            = "Cablevision"
	resource        = "REF30"
	redirectURL     = "https://app.example/tvauth/done"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "otel:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD(mvpd, true)

	exporter, err := stdouttrace.New(stdouttrace.WithWriter(out))
	if err != nil {
		return err
	}
	tree := tracetest.NewSpanRecorder() // for the tree printed at the end
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter), sdktrace.WithSpanProcessor(tree))
	defer func() { _ = tp.Shutdown(ctx) }()

	client, err := tvauth.New(append(fake.Options(),
		tvauth.WithPassCredentialStore(tvauth.NewMemoryCredentialStore(), fake.SoftwareStatement()),
		tvauthotel.New(tvauthotel.WithTracerProvider(tp)))...)
	if err != nil {
		return err
	}

	ctx, flow := tp.Tracer("examples/otel").Start(ctx, "quickstart pass flow")
	err = passFlow(ctx, client)
	flow.End()
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\nspans (name, parent, events):")
	names := map[string]string{}
	for _, s := range tree.Ended() {
		names[s.SpanContext().SpanID().String()] = s.Name()
	}
	for _, s := range tree.Ended() {
		var events []string
		for _, e := range s.Events() {
			events = append(events, strings.TrimPrefix(e.Name, "tvauth."))
		}
		fmt.Fprintf(out, "  %-28s <- %-28s %s\n", s.Name(), names[s.Parent().SpanID().String()], strings.Join(events, ", "))
	}
	return nil
}

// passFlow is the quickstart's Pass flow: the first call registers and fetches a token, a session, the
// MVPD login (a cookie-jar user agent on the fake's pages), the profile, a decision, the logout.
func passFlow(ctx context.Context, c *tvauth.Client) error {
	if _, err := c.Pass.Configuration(ctx, serviceProvider); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	sess, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: serviceProvider, MVPD: mvpd,
		DomainName: "adobe.com", RedirectURL: redirectURL})
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	if err := browse(ctx, sess.URL.String()); err != nil {
		return fmt.Errorf("browser login: %w", err)
	}
	if _, err := c.Pass.WaitForProfile(ctx, serviceProvider, sess.Code); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if _, err := c.Pass.Authorize(ctx, tvauth.DecisionRequest{ServiceProvider: serviceProvider, MVPD: mvpd,
		Resources: []string{resource}}); err != nil {
		return fmt.Errorf("authorize: %w", err)
	}
	if _, err := c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: serviceProvider, MVPD: mvpd, RedirectURL: redirectURL}); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// browse follows the MVPD login pages of the fake as a browser would, until the app's redirect URL.
func browse(ctx context.Context, url string) error {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	landed := false
	ua := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if tvauthtest.ReachedRedirect(req.URL.String(), redirectURL) {
				landed = true
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return errors.New("more than 10 redirects")
			}
			return nil
		}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := ua.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if !landed {
		return fmt.Errorf("stopped at %s (HTTP %d)", resp.Request.URL, resp.StatusCode)
	}
	return nil
}
