package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func fakeCommand(env *environment) *ffcli.Command {
	fs := flag.NewFlagSet("tvauth fake", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address; loopback unless another is asked for (port 0 picks a free port, printed on start)")
	seed := fs.String("seed", "", "JSON seed file: MVPDs, profiles, WebAPI and AGS users, clock offset, latency, throttle (default: the quickstart's identities)")
	asJSON := fs.Bool("json", false, "print the startup information as one JSON object, for a harness to read")
	return &ffcli.Command{
		Name:       "fake",
		ShortUsage: "tvauth fake [-addr 127.0.0.1:8080] [-seed FILE] [-json]",
		ShortHelp:  "serve the fake of all four services on one port, with an admin API under /_tvauth/",
		LongHelp: strings.TrimSpace(`
Serves Adobe Pass v2 and v1 (clientless) and NINA WebAPI at the root and OpenTV AGS under /ags, all
checking requests the way the real services do (signatures, parameter order), plus:

ADMIN API (JSON; 405 with Allow for a wrong method)
  GET  /_tvauth/health      200 {"status":"ok"} once listening
  GET  /_tvauth/info        the URLs and seeded identities printed on start
  POST /_tvauth/seed        add identities (same JSON as -seed)
  POST /_tvauth/reset       back to the starting seed
  POST /_tvauth/faults      {"path":"/ags/*","status":503,"times":2} or {"path":…,"drop":true}
  GET  /_tvauth/faults      the pending faults; DELETE clears them
  PUT  /_tvauth/latency     {"latency":"2s"} sets every path (and drops per-path rules), or
                            {"path":"/api/v2/*","latency":"500ms"} one path; GET shows them, DELETE clears
  PUT  /_tvauth/throttle    {"rate":1,"burst":10}; GET shows it; DELETE switches it off
  POST /_tvauth/clock       {"advance":"31m"}; GET shows it
  GET  /_tvauth/requests    the recorded requests (?path=/auth/*); DELETE clears them

PAGES (plain HTML forms, for a person or a browser test)
  /_tvauth/                 dashboard: requests (secrets masked), sessions, profiles, reg codes,
                            faults (add, clear), clock, reset; it warns when -addr is not loopback
  /activate                 type the code a TV shows (Pass v2 session or v1 reg code), pick the MVPD
  /mvpd/{mvpd}/login        the MVPD's login form, shown to browsers (Accept: text/html); other
                            clients are signed in at once as the default subscriber
  /mvpd/{mvpd}/logout       "signed out", then on to the redirect URL

SEED (-seed FILE, POST /_tvauth/seed)
  software_statement        the one DCR register accepts
  mvpds[]                   id, logout_endpoint, degraded, subscribers[] (username, password);
                            every MVPD also has subscriber / subscriber-password
  profiles[]                service_provider, mvpd, device_id, type
  denied[]                  mvpd, resource
  webapi_users[]            login_id, password
  ags_users[]               username, password, accounts, error
  clock_offset, latency     durations ("-1h", "250ms")
  path_latency[]            path, latency
  throttle                  rate, burst, paths

SIGINT or SIGTERM shuts it down gracefully.`),
		FlagSet: fs,
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument 1 (see tvauth fake -h)")
			}
			return runFake(ctx, env, *addr, *seed, *asJSON)
		},
	}
}

func runFake(ctx context.Context, env *environment, addr, seedPath string, asJSON bool) error {
	seed := tvauthtest.DefaultSeed()
	if seedPath != "" {
		data, err := os.ReadFile(seedPath)
		if err != nil {
			return usagef("%v", err)
		}
		if seed, err = tvauthtest.ParseSeed(data); err != nil {
			var se *tvauthtest.SeedError
			if errors.As(err, &se) {
				return usagef("%s", seedErrorText(seedPath, se))
			}
			return usagef("%s: %v", seedPath, err)
		}
	}
	sa, err := tvauthtest.NewStandalone(seed)
	if err != nil {
		return usagef("%v", err)
	}
	defer sa.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return &exitError{exitNetwork, err}
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		fmt.Fprintf(env.stderr, "tvauth fake: listening on %s, which is not loopback: anyone who reaches it can use the admin API\n", ln.Addr())
	}
	base := "http://" + ln.Addr().String()
	info := sa.Info(base)
	if asJSON {
		b, _ := json.Marshal(info)
		fmt.Fprintf(env.stdout, "%s\n", b)
	} else {
		printInfo(env, info)
	}
	srv := &http.Server{Handler: sa, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if env.ready != nil {
		env.ready(base)
	}
	select {
	case err := <-served:
		return &exitError{exitNetwork, err}
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		_ = srv.Close()
	}
	if !asJSON {
		fmt.Fprintln(env.stderr, "tvauth fake: stopped")
	}
	return nil
}

// seedErrorText is the compiler-style location of a seed error: file:line:column: field: reason.
func seedErrorText(path string, se *tvauthtest.SeedError) string {
	var b strings.Builder
	b.WriteString(path)
	if se.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", se.Line, se.Column)
	}
	if se.Field != "" {
		b.WriteString(": " + se.Field)
	}
	return b.String() + ": " + se.Reason
}

func printInfo(env *environment, info tvauthtest.Info) {
	w := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "tvauth fake listening on %s\n", info.URL)
	fmt.Fprintf(w, "  health\t%s\n", info.Health)
	fmt.Fprintf(w, "  admin API\t%s\n", info.Admin)
	fmt.Fprintf(w, "  Pass v2\t%s\tsoftware statement %s\n", info.Pass, info.SoftwareStatement)
	fmt.Fprintf(w, "  Clientless v1\t%s\tservice provider %s\n", info.Clientless, info.ServiceProvider)
	fmt.Fprintf(w, "  WebAPI\t%s\tdevId %s\n", info.WebAPI, info.WebAPIDevID)
	fmt.Fprintf(w, "  AGS\t%s\ttenant %s, auth service %q\n", info.AGS, info.AGSTenant, info.AGSAuthService)
	w.Flush()
	w = tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "MVPDs")
	for _, m := range info.Seed.MVPDs {
		page := "no logout page (logout answers complete/none)"
		if m.LogoutEndpoint {
			page = "logout page (logout answers logout/interactive)"
		}
		fmt.Fprintf(w, "  %s\t%s\n", m.ID, page)
	}
	for _, p := range info.Seed.Profiles {
		fmt.Fprintf(w, "  profile\t%s at %s for device %s\n", p.MVPD, p.ServiceProvider, p.DeviceID)
	}
	fmt.Fprintln(w, "WebAPI users")
	for _, u := range info.Seed.WebAPIUsers {
		fmt.Fprintf(w, "  %s\tpassword %q\n", u.LoginID, u.Password)
	}
	fmt.Fprintln(w, "AGS users")
	for _, u := range info.Seed.AGSUsers {
		accounts := strings.Join(u.Accounts, ", ")
		if accounts == "" {
			accounts = u.Username
		}
		fmt.Fprintf(w, "  %s\tpassword %q\taccounts %s\n", u.Username, u.Password, accounts)
	}
	w.Flush()
	fmt.Fprintln(env.stdout, "Ctrl-C stops it.")
}

// headerProbe is one call the fake answers, made with the SDK. The headers it requires are found by
// making the call again without each header the first call sent on path: a header is required when
// the fake then refuses the call. So the list is the fake's own rule and cannot drift from it.
type headerProbe struct {
	family, path, shown string // shown is path as the help prints it
	call                func(ctx context.Context, c *tvauth.Client, fake *tvauthtest.Server) error
}

var headerProbes = []headerProbe{
	{"Pass DCR", "/o/client/register", "/o/client/register", func(ctx context.Context, c *tvauth.Client, fake *tvauthtest.Server) error {
		_, err := c.Pass.Register(ctx, fake.SoftwareStatement())
		return err
	}},
	{"Pass DCR", "/o/client/token", "/o/client/token", func(ctx context.Context, c *tvauth.Client, fake *tvauthtest.Server) error {
		_, err := c.Pass.AccessToken(ctx, fake.PassCredentials())
		return err
	}},
	{"Pass v2", "/api/v2/" + tvauthtest.DefaultServiceProvider + "/sessions", "/api/v2/{serviceProvider}/sessions",
		func(ctx context.Context, c *tvauth.Client, _ *tvauthtest.Server) error {
			_, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: tvauthtest.DefaultServiceProvider,
				MVPD: tvauthtest.DefaultMVPD, DomainName: "adobe.com", RedirectURL: "https://app.example/done"})
			return err
		}},
	{"Clientless v1", "/reggie/v1/" + tvauthtest.DefaultServiceProvider + "/regcode", "/reggie/v1/{requestor}/regcode",
		func(ctx context.Context, c *tvauth.Client, _ *tvauthtest.Server) error {
			_, err := c.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: tvauthtest.DefaultServiceProvider})
			return err
		}},
	{"WebAPI", "/auth/clientLogin", "/auth/clientLogin", func(ctx context.Context, c *tvauth.Client, _ *tvauthtest.Server) error {
		_, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: tvauthtest.DefaultWebAPILogin, Password: tvauthtest.DefaultWebAPIPassword})
		return err
	}},
	{"WebAPI", "/auth/logout", "/auth/logout (signed)", func(ctx context.Context, c *tvauth.Client, _ *tvauthtest.Server) error {
		sess, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: tvauthtest.DefaultWebAPILogin, Password: tvauthtest.DefaultWebAPIPassword})
		if err == nil {
			_, err = c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess})
		}
		return err
	}},
	{"AGS", "/ags/signOn", "/ags/signOn", func(ctx context.Context, c *tvauth.Client, _ *tvauthtest.Server) error {
		_, err := agsProbeSignOn(ctx, c)
		return err
	}},
	{"AGS", "/ags/subsequentSignOn", "/ags/subsequentSignOn", func(ctx context.Context, c *tvauth.Client, _ *tvauthtest.Server) error {
		res, err := agsProbeSignOn(ctx, c)
		if err == nil && len(res.Accounts) == 0 {
			err = errors.New("signOn answered no accounts to choose from")
		}
		if err == nil {
			_, err = c.AGS.SubsequentSignOn(ctx, res.Accounts[0], tvauth.SignOnRequest{
				Parameters: []tvauth.Parameter{{Name: tvauthtest.AGSUsernameParam, Value: tvauthtest.DefaultAGSUser}}})
		}
		return err
	}},
}

func agsProbeSignOn(ctx context.Context, c *tvauth.Client) (*tvauth.SignOnResult, error) {
	return c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: []tvauth.Parameter{
		{Name: tvauthtest.AGSUsernameParam, Value: tvauthtest.DefaultAGSUser},
		{Name: tvauthtest.AGSPasswordParam, Value: tvauthtest.DefaultAGSPassword}}, DeviceInformation: agsDevice})
}

// headerShapes are the vendors' spellings of the headers, and what a value looks like where the one
// the SDK sent says little (a token, base64).
var headerShapes = map[string]struct{ name, value string }{
	"authorization":        {"Authorization", "Bearer <access token from POST /o/client/token>"},
	"ap-device-identifier": {"AP-Device-Identifier", "fingerprint <base64 of a stable device id>"},
	"x-device-info":        {"X-Device-Info", "<base64 of the device's JSON description>"},
	"user-token":           {"User-Token", "<userAccountToken of the account chosen from the 300 answer>"},
	"x-auth-service-id":    {"x-auth-service-id", ""},
	"nv-tenant-id":         {"nv-tenant-id", ""},
}

// dropHeader is a transport that removes one header from the requests to one path.
type dropHeader struct {
	base       http.RoundTripper
	path, name string
}

func (d *dropHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	if d.name != "" && r.URL.Path == d.path {
		r = r.Clone(r.Context())
		for k := range r.Header {
			if strings.EqualFold(k, d.name) {
				delete(r.Header, k)
			}
		}
	}
	return d.base.RoundTrip(r)
}

// fakeHeadersHelp asks a fresh in-process fake (no socket) which headers each family's calls
// require, and prints them for tvauth fake's help.
func fakeHeadersHelp() string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fake := tvauthtest.NewServer()
	defer fake.Close()
	if err := fake.ApplySeed(tvauthtest.DefaultSeed()); err != nil {
		return "HEADERS\n  (the fake could not be asked: " + err.Error() + ")\n"
	}
	drop := &dropHeader{base: fake.Transport()}
	c, err := tvauth.New(append(fake.Options(), tvauth.WithHTTPClient(&http.Client{Transport: drop}),
		tvauth.WithRetry(tvauth.RetryPolicy{MaxRetries: 0}))...)
	if err != nil {
		return "HEADERS\n  (the fake could not be asked: " + err.Error() + ")\n"
	}
	var b strings.Builder
	b.WriteString(`HEADERS EACH FAMILY REQUIRES
  Found by asking the fake: each call is made as the SDK makes it, then again without each header it
  sent; a header is listed when the fake refuses the call without it. Parameters go in the query or
  body, as the vendors document them.

`)
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	lastFamily := ""
	for _, p := range headerProbes {
		family := p.family
		if family == lastFamily {
			family = ""
		}
		lastFamily = p.family
		drop.path, drop.name = p.path, ""
		before := len(fake.Requests())
		if err := p.call(ctx, c, fake); err != nil {
			fmt.Fprintf(w, "  %s\t%s\t(the call failed on the fake: %v)\n", family, p.shown, err)
			continue
		}
		var sent *tvauthtest.Request
		for _, r := range fake.Requests()[before:] {
			if r.Path == p.path {
				sent = &r
			}
		}
		if sent == nil {
			fmt.Fprintf(w, "  %s\t%s\t(the call sent nothing to %s)\n", family, p.shown, p.path)
			continue
		}
		names := make([]string, 0, len(sent.Header))
		for k := range sent.Header {
			names = append(names, k)
		}
		slices.Sort(names)
		var required []string
		for _, name := range names {
			drop.name = name
			if p.call(ctx, c, fake) != nil {
				required = append(required, headerLine(name, sent.Header.Get(name)))
			}
		}
		if len(required) == 0 {
			required = []string{"(none)"}
		}
		route := sent.Method + " " + p.shown
		for i, h := range required {
			if i > 0 {
				family, route = "", ""
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\n", family, route, h)
		}
	}
	w.Flush()
	return b.String()
}

// headerLine is "Name: value" with the vendor's spelling and a placeholder for a value that is a
// token or an encoding.
func headerLine(name, sent string) string {
	shape, ok := headerShapes[strings.ToLower(name)]
	switch {
	case !ok:
		shape.name, shape.value = name, sent
	case shape.value == "":
		shape.value = sent
	}
	if len(shape.value) > 60 {
		shape.value = shape.value[:60] + "…"
	}
	return shape.name + ": " + shape.value
}
