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
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

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

  GET  /_tvauth/health      200 {"status":"ok"} once listening
  GET  /_tvauth/info        the URLs and seeded identities printed on start
  POST /_tvauth/seed        add identities (same JSON as -seed)
  POST /_tvauth/reset       back to the starting seed
  POST /_tvauth/faults      {"path":"/ags/*","status":503,"times":2} or {"path":…,"drop":true}
  PUT  /_tvauth/latency     {"latency":"2s"} or {"path":"/api/v2/*","latency":"500ms"}
  PUT  /_tvauth/throttle    {"rate":1,"burst":10}; DELETE to switch it off
  POST /_tvauth/clock       {"advance":"31m"}; GET shows it
  GET  /_tvauth/requests    the recorded requests (?path=/auth/*); DELETE clears them

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
