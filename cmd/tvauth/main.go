// Command tvauth serves the tvauth fake to test suites in any language, and runs every TV sign-in
// flow from a terminal.
//
//	tvauth fake [-addr 127.0.0.1:8080] [-seed FILE] [-json]
//	tvauth pass register|token|config|login|session|profiles|profile|decide|preauthorize|partner|logout [flags]
//	tvauth clientless authenticate|authurl|regcode|config|checkauthn|tokens|authorize|mediatoken|preauthorize|metadata|freepreview|logout [flags]
//	tvauth webapi login|logout|sign [flags]
//	tvauth ags discover|signon|register|sessiontoken|refresh|signout [flags]
//
// The flows run against a real host (the same flags and environment variables as
// examples/quickstart) or, with -fake, against an in-process fake. Secrets come from the environment
// (TVAUTH_PASS_SOFTWARE_STATEMENT, TVAUTH_PASS_SAML_RESPONSE, TVAUTH_WEBAPI_PASSWORD,
// TVAUTH_AGS_PASSWORD, TVAUTH_AGS_OPERATOR_TOKEN, …) or a prompt,
// never from the command line, and every output is redacted.
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
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/peterbourgon/ff/v3/ffcli"
	"golang.org/x/term"
)

// Exit codes, as documented in the README.
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
}

// usageError is bad usage: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errReported is returned by a command that has already reported its failure and chose its exit code.
type errReported struct{ code int }

func (e *errReported) Error() string { return fmt.Sprintf("exit %d", e.code) }

func run(ctx context.Context, args []string, env *environment) int {
	root := rootCommand(env)
	err := root.ParseAndRun(ctx, args)
	var rep *errReported
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &rep):
		return rep.code
	case errors.As(err, &ue):
		fmt.Fprintf(env.stderr, "tvauth: %s\n", ue.msg)
		return exitUsage
	case errors.Is(err, ffcli.ErrUnparsed), isFlagError(err):
		fmt.Fprintf(env.stderr, "tvauth: %v\n", err)
		return exitUsage
	}
	code := exitCode(err)
	fmt.Fprintf(env.stderr, "tvauth: %v\n", err)
	return code
}

// isFlagError recognises the flag package's parse errors, which carry no type of their own.
func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"flag provided but not defined", "invalid value", "invalid boolean", "flag needs an argument", "error parsing"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func rootCommand(env *environment) *ffcli.Command {
	fs := flag.NewFlagSet("tvauth", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	return &ffcli.Command{
		Name:       "tvauth",
		ShortUsage: "tvauth <fake|pass|clientless|webapi|ags> [subcommand] [flags]",
		LongHelp: strings.TrimSpace(`
tvauth serves the tvauth fake of Adobe Pass (v2 and v1 clientless), NINA WebAPI and OpenTV AGS over
real sockets for test suites in any language (tvauth fake), and runs every sign-in flow from a
terminal against a real host or, with -fake, an in-process fake.

Secrets come from the environment or a prompt, never from flags. Every subcommand takes -json.
Exit status: 0 ok, 1 the service refused, 2 bad usage, 3 network, 130 interrupted.`),
		FlagSet: fs,
		Subcommands: []*ffcli.Command{
			fakeCommand(env), passCommand(env), clientlessCommand(env), webapiCommand(env), agsCommand(env),
		},
		Exec: func(context.Context, []string) error { return flag.ErrHelp },
	}
}

// group is a family's command: it only holds subcommands.
func group(env *environment, name, short string, subs ...*ffcli.Command) *ffcli.Command {
	fs := flag.NewFlagSet("tvauth "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var names []string
	for _, s := range subs {
		names = append(names, s.Name)
	}
	return &ffcli.Command{
		Name:        name,
		ShortUsage:  fmt.Sprintf("tvauth %s <%s> [flags]", name, strings.Join(names, "|")),
		ShortHelp:   short,
		FlagSet:     fs,
		Subcommands: subs,
		Exec: func(_ context.Context, args []string) error {
			if len(args) > 0 {
				return usagef("%s: unknown subcommand %q (want one of %s)", name, args[0], strings.Join(names, ", "))
			}
			fmt.Fprintln(env.stderr, ffcli.DefaultUsageFunc(&ffcli.Command{Name: name, ShortUsage: fmt.Sprintf("tvauth %s <%s> [flags]", name, strings.Join(names, "|")), Subcommands: subs, FlagSet: fs}))
			return &errReported{exitUsage}
		},
	}
}
