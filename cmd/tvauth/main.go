// Command tvauth serves the tvauth fake to test suites in any language, and runs every TV sign-in
// flow from a terminal.
//
//	tvauth fake [-addr 127.0.0.1:8080] [-seed FILE] [-json]
//	tvauth pass register|token|config|login|session|profiles|profile|decide|preauthorize|partner|logout [flags]
//	tvauth clientless authenticate|authurl|regcode|config|checkauthn|tokens|authorize|mediatoken|preauthorize|metadata|freepreview|logout [flags]
//	tvauth webapi login|logout|sign [flags]
//	tvauth ags discover|signon|register|sessiontoken|refresh|signout [flags]
//	tvauth version [-json]
//	tvauth help [command]
//
// The flows run against a real host (the same flags and environment variables as
// examples/quickstart) or, with -fake, against an in-process fake. Secrets come from the environment
// (TVAUTH_PASS_SOFTWARE_STATEMENT, TVAUTH_PASS_SAML_RESPONSE, TVAUTH_WEBAPI_PASSWORD,
// TVAUTH_AGS_PASSWORD, TVAUTH_AGS_OPERATOR_TOKEN, …) or a prompt,
// never from the command line, and every output is redacted.
//
// Help (-h, --help, help) goes to stdout. Errors go to stderr as one line, or with -json to stdout
// as the result object every -json run ends with.
//
// Exit status: 0 ok, 1 the service refused, 2 bad usage, 3 network (no usable reply), 130
// interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/peterbourgon/ff/v3/ffcli"
	"golang.org/x/term"

	"github.com/tvauth/tvauth"
)

// Exit codes, as documented in docs/cli.md ("Output and exit status").
const (
	exitOK          = 0
	exitRefused     = 1 // the service answered, and refused
	exitUsage       = 2 // bad flags, a missing secret, a request the SDK refused before sending
	exitNetwork     = 3 // no usable reply: connection, TLS, timeout
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &environment{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
		interactive: term.IsTerminal(int(os.Stdout.Fd())),
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		env.prompt = func(label string) (string, error) {
			fmt.Fprintf(os.Stderr, "%s: ", label)
			b, err := term.ReadPassword(int(os.Stdin.Fd()))
			fmt.Fprintln(os.Stderr)
			return string(b), err
		}
	}
	os.Exit(run(ctx, os.Args[1:], env))
}

// environment is everything the command touches outside its arguments, so that tests give their own.
type environment struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// prompt reads a secret without echo; nil when there is no terminal to ask on.
	prompt func(label string) (string, error)
	// interactive: stdout is a terminal, so activation flows draw a QR code and a live countdown.
	interactive bool
	// ready, when set, is told the fake's base URL once it listens (tests).
	ready func(baseURL string)
	// transport carries the flows' requests to real hosts; nil is http.DefaultTransport (tests give
	// one that refuses to dial anything but loopback).
	transport http.RoundTripper
}

// usageError is bad usage: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// exitError is a failure outside a flow that chose its exit code; run reports it.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// errReported is returned by a command that has already reported its failure and chose its exit code.
type errReported struct{ code int }

func (e *errReported) Error() string { return fmt.Sprintf("exit %d", e.code) }

// run is the command: it resolves the command path from args, prints help on stdout when asked,
// runs the command and reports a failure the command did not report itself: one line on stderr, or
// with -json the result object on stdout.
func run(ctx context.Context, args []string, env *environment) int {
	root := rootCommand(env)
	for _, c := range commands(root) {
		// The flag package prints its errors and the usage to the flag set's output; run prints
		// the one message itself, and help to stdout (ffcli calls UsageFunc on both).
		c.FlagSet.SetOutput(io.Discard)
		c.UsageFunc = func(*ffcli.Command) string { return "" }
	}
	cmd, path, rest := resolve(root, "tvauth", args)
	report := func(code int, msg string) int {
		if wantsJSON(args, env) {
			fmt.Fprint(env.stdout, jsonLine(resultLine{Command: path, OK: false, ExitCode: code, Error: msg}))
		} else {
			fmt.Fprintf(env.stderr, "%s: %s\n", path, msg)
		}
		return code
	}
	if len(rest) > 0 && rest[0] == "help" { // tvauth help [command…], tvauth pass help, …
		hc, hpath, extra := resolve(cmd, path, rest[1:])
		if len(extra) > 0 {
			path = hpath
			return report(exitUsage, unknownCommand(hc, hpath, extra[0]))
		}
		printHelp(env.stdout, hc, hpath)
		return exitOK
	}
	err := root.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printHelp(env.stdout, cmd, path)
		return exitOK
	case err != nil:
		return report(exitUsage, fmt.Sprintf("%s (see %s -h)", flagError(err), path))
	}
	err = root.Run(ctx)
	var rep *errReported
	var ue *usageError
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &rep):
		return rep.code
	case errors.As(err, &ue):
		return report(exitUsage, ue.msg)
	case errors.As(err, &ee):
		return report(ee.code, ee.err.Error())
	}
	return report(exitCode(err), err.Error())
}

// commands lists c and every command under it.
func commands(c *ffcli.Command) []*ffcli.Command {
	out := []*ffcli.Command{c}
	for _, s := range c.Subcommands {
		out = append(out, commands(s)...)
	}
	return out
}

// resolve follows the subcommand names at the start of args from c (whose path is path), as ffcli
// selects them: the command they name, its path ("tvauth pass token") and the arguments after it.
func resolve(c *ffcli.Command, path string, args []string) (*ffcli.Command, string, []string) {
	for len(args) > 0 {
		next := subcommand(c, args[0])
		if next == nil {
			break
		}
		c, path, args = next, path+" "+next.Name, args[1:]
	}
	return c, path, args
}

func subcommand(c *ffcli.Command, name string) *ffcli.Command {
	for _, s := range c.Subcommands {
		if strings.EqualFold(name, s.Name) {
			return s
		}
	}
	return nil
}

// unknownCommand is the one line for a word that names no subcommand of c. The word is quoted
// (control characters escaped) and cut short: it is a command's name, not text to repeat.
func unknownCommand(c *ffcli.Command, path, word string) string {
	if len(word) > 32 {
		word = word[:32] + "…"
	}
	what := "subcommand"
	if path == "tvauth" {
		what = "command"
	}
	return fmt.Sprintf("unknown %s %q (want one of %s; see %s -h)", what, word, strings.Join(subcommandNames(c), ", "), path)
}

// subcommandNames are the names of c's subcommands; the root's end with help, which run handles.
func subcommandNames(c *ffcli.Command) []string {
	var names []string
	for _, s := range c.Subcommands {
		names = append(names, s.Name)
	}
	if c.Name == "tvauth" {
		names = append(names, "help")
	}
	return names
}

// flagError is the flag package's own message, without the wrapping ff adds.
func flagError(err error) string {
	for _, prefix := range []string{"error parsing commandline arguments: ", "error parsing environment variables: "} {
		if rest, ok := strings.CutPrefix(err.Error(), prefix); ok {
			return rest
		}
	}
	return err.Error()
}

// wantsJSON reports whether the run asked for -json (on the command line, even when parsing it
// failed, or as TVAUTH_JSON), so that every failure is reported in the form asked for.
func wantsJSON(args []string, env *environment) bool {
	on, _ := strconv.ParseBool(env.getenv("TVAUTH_JSON"))
	for _, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "json" {
			continue
		}
		on = true
		if hasValue {
			on, _ = strconv.ParseBool(value)
		}
	}
	return on
}

// printHelp prints c's help (path is its full name) to w.
func printHelp(w io.Writer, c *ffcli.Command, path string) {
	fmt.Fprint(w, ffcli.DefaultUsageFunc(c))
	if path == "tvauth fake" {
		fmt.Fprint(w, "\n"+fakeHeadersHelp())
	}
}

func rootCommand(env *environment) *ffcli.Command {
	fs := flag.NewFlagSet("tvauth", flag.ContinueOnError)
	root := &ffcli.Command{
		Name:       "tvauth",
		ShortUsage: "tvauth <fake|pass|clientless|webapi|ags|version|help> [subcommand] [flags]",
		LongHelp: strings.TrimSpace(`
tvauth serves the tvauth fake of Adobe Pass (v2 and v1 clientless), NINA WebAPI and OpenTV AGS over
real sockets for test suites in any language (tvauth fake), and runs every sign-in flow from a
terminal against a real host or, with -fake, an in-process fake.

Secrets come from the environment or a prompt, never from flags; with -fake, a secret the
environment holds is sent to the fake (a wrong one is refused there too), otherwise the fake's seed
supplies it. When a URL flag (or TVAUTH_<FLAG>) names a host, every family the command sends
requests to must be named too: no secret goes to a production host the user did not name.

Every subcommand takes -json: its output, failures included, is then JSON Lines on stdout, ending
with {"command","ok","exit_code","error","failed_step"}. Without -json a failure outside a flow is
one line on stderr. -h after any command, or tvauth help COMMAND, prints its help on stdout.
Exit status: 0 ok, 1 the service refused, 2 bad usage, 3 network, 130 interrupted.`),
		FlagSet: fs,
		Subcommands: []*ffcli.Command{
			fakeCommand(env), passCommand(env), clientlessCommand(env), webapiCommand(env), agsCommand(env), versionCommand(env),
		},
	}
	root.Exec = func(_ context.Context, args []string) error {
		if len(args) == 0 {
			return usagef("missing command (want one of %s; see tvauth -h)", strings.Join(subcommandNames(root), ", "))
		}
		return usagef("%s", unknownCommand(root, "tvauth", args[0]))
	}
	return root
}

// group is a family's command: it only holds subcommands.
func group(name, short string, subs ...*ffcli.Command) *ffcli.Command {
	c := &ffcli.Command{
		Name:        name,
		ShortHelp:   short,
		FlagSet:     flag.NewFlagSet("tvauth "+name, flag.ContinueOnError),
		Subcommands: subs,
	}
	c.ShortUsage = fmt.Sprintf("tvauth %s <%s> [flags]", name, strings.Join(subcommandNames(c), "|"))
	c.Exec = func(_ context.Context, args []string) error {
		if len(args) == 0 {
			return usagef("missing subcommand (want one of %s; see tvauth %s -h)", strings.Join(subcommandNames(c), ", "), name)
		}
		return usagef("%s", unknownCommand(c, "tvauth "+name, args[0]))
	}
	return c
}

// versionInfo is what tvauth version prints.
type versionInfo struct {
	Version       string `json:"version"`        // tvauth.Version
	Module        string `json:"module"`         // the module the binary was built from
	ModuleVersion string `json:"module_version"` // its version: a tag with go install …@v0.1.0, "(devel)" or a pseudo-version from a checkout
	Revision      string `json:"vcs_revision,omitempty"`
	Modified      bool   `json:"vcs_modified,omitempty"`
	Go            string `json:"go"`
	Platform      string `json:"platform"`
}

func buildVersion() versionInfo {
	v := versionInfo{Version: tvauth.Version, Module: "github.com/tvauth/tvauth", ModuleVersion: "unknown",
		Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path != "" {
			v.Module, v.ModuleVersion = bi.Main.Path, bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	return v
}

func versionCommand(env *environment) *ffcli.Command {
	fs := flag.NewFlagSet("tvauth version", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the version as one JSON object")
	return &ffcli.Command{
		Name:       "version",
		ShortUsage: "tvauth version [-json]",
		ShortHelp:  "print tvauth's version, the module version the binary was built from, and the Go version",
		FlagSet:    fs,
		Exec: func(_ context.Context, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument 1 (see tvauth version -h)")
			}
			v := buildVersion()
			if *asJSON {
				fmt.Fprint(env.stdout, jsonLine(v))
				return nil
			}
			build := v.ModuleVersion
			if v.Revision != "" {
				build += ", revision " + v.Revision
				if v.Modified {
					build += " (modified)"
				}
			}
			fmt.Fprintf(env.stdout, "tvauth %s (%s %s, %s %s)\n", v.Version, v.Module, build, v.Go, v.Platform)
			return nil
		},
	}
}
