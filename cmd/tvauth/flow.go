package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// flowFlags are the flags of the flow subcommands: examples/quickstart's, plus -fake, -json, -v.
type flowFlags struct {
	fake, json, verbose bool
	timeout             time.Duration

	// families are the families whose URL flags the subcommand takes; contacts, when set, narrows
	// them to the ones this run will send requests to (from the subcommand's own flags).
	families int
	contacts func() int

	passURL, clientlessURL, passSP, passMVPD, passResource, domain, redirectURL, deviceID, creds string
	webapiURL, webapiDevID, webapiLogin                                                          string
	agsURL, agsAuthService, agsTenant, agsUser                                                   string
}

// Which flags a subcommand takes.
const (
	famPass = 1 << iota
	famClientless
	famWebAPI
	famAGS
)

func (f *flowFlags) register(fs *flag.FlagSet, families int) {
	f.families = families
	fs.BoolVar(&f.fake, "fake", false, "run against an in-process fake (tvauthtest) instead of the real host; a secret set in the environment is sent to it")
	fs.BoolVar(&f.json, "json", false, "print JSON Lines (one object per step, then a result) instead of text")
	fs.BoolVar(&f.verbose, "v", false, "print one line per HTTP attempt (redacted) on stderr")
	fs.DurationVar(&f.timeout, "timeout", 15*time.Minute, "give up after this long (activation flows wait for the user)")
	if families&(famPass|famClientless) != 0 {
		fs.StringVar(&f.passURL, "pass-url", "", "Adobe Pass REST API v2 and DCR root (default: Adobe's production host; required when another URL flag names a host; software statement in TVAUTH_PASS_SOFTWARE_STATEMENT)")
		fs.StringVar(&f.passSP, "pass-sp", tvauthtest.DefaultServiceProvider, "Adobe service provider (requestor) id")
		fs.StringVar(&f.passMVPD, "pass-mvpd", tvauthtest.DefaultMVPD, "MVPD to sign in with")
		fs.StringVar(&f.passResource, "pass-resource", tvauthtest.DefaultServiceProvider, "resource(s) to authorise, comma-separated")
		fs.StringVar(&f.domain, "domain", "adobe.com", "registered domain name of the app")
		fs.StringVar(&f.redirectURL, "redirect-url", "https://app.example/tvauth/done", "where the user agent lands after login or logout")
		fs.StringVar(&f.deviceID, "device-id", "tvauth-cli-0001", "the device id the calls are made for")
		fs.StringVar(&f.creds, "creds", "", "file that keeps the DCR client credentials between runs (register once); empty registers on every run")
	}
	if families&famClientless != 0 {
		fs.StringVar(&f.clientlessURL, "clientless-url", "", "Adobe Pass REST API v1 root (default: Adobe's production host; required when another URL flag names a host)")
	}
	if families&famWebAPI != 0 {
		fs.StringVar(&f.webapiURL, "webapi-url", "", "NINA WebAPI root (password in TVAUTH_WEBAPI_PASSWORD)")
		fs.StringVar(&f.webapiDevID, "webapi-devid", "", "NINA developer id (devId)")
		fs.StringVar(&f.webapiLogin, "webapi-login", tvauthtest.DefaultWebAPILogin, "NINA login id")
	}
	if families&famAGS != 0 {
		fs.StringVar(&f.agsURL, "ags-url", "", "OpenTV AGS root, e.g. https://host:port/ags (password in TVAUTH_AGS_PASSWORD)")
		fs.StringVar(&f.agsAuthService, "ags-auth-service", "", "x-auth-service-id (default: the first service discovery lists)")
		fs.StringVar(&f.agsTenant, "ags-tenant", "", "nv-tenant-id")
		fs.StringVar(&f.agsUser, "ags-user", tvauthtest.DefaultAGSUser, "AGS username")
	}
}

// flowCommand builds one flow subcommand: flags, then do with a ready flow, then the report. extra
// adds the subcommand's own flags (and may narrow f.contacts).
func flowCommand(env *environment, family, name, args, short string, families int,
	extra func(fs *flag.FlagSet, f *flowFlags), do func(ctx context.Context, fl *flow, args []string) error) *ffcli.Command {
	full := "tvauth " + family + " " + name
	fs := flag.NewFlagSet(full, flag.ContinueOnError)
	f := &flowFlags{}
	f.register(fs, families)
	if extra != nil {
		extra(fs, f)
	}
	return &ffcli.Command{
		Name:       name,
		ShortUsage: strings.TrimSpace(full + " [flags] " + args),
		ShortHelp:  short,
		FlagSet:    fs,
		// Non-secret flags may come from TVAUTH_<FLAG> too (TVAUTH_PASS_URL, …); secrets never are flags.
		Options: []ff.Option{ff.WithEnvVarPrefix("TVAUTH"), ff.WithEnvVars()},
		Exec: func(ctx context.Context, rest []string) error {
			if args == "" && len(rest) > 0 {
				// Not quoted: a stray argument is often a secret typed in the wrong place.
				return usagef("unexpected argument 1 (flags go before arguments; secrets go in the environment; see %s -h)", full)
			}
			return runFlow(ctx, env, full, f, func(ctx context.Context, fl *flow) error { return do(ctx, fl, rest) })
		},
	}
}

// flow is one run of a flow subcommand.
type flow struct {
	*flowFlags
	env  *environment
	cmd  string
	fake *tvauthtest.Server
	seed tvauthtest.Seed // the fake's, with -fake
	out  *output
}

func runFlow(ctx context.Context, env *environment, cmd string, f *flowFlags, do func(context.Context, *flow) error) error {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	fl := &flow{flowFlags: f, env: env, cmd: cmd, out: newOutput(env.stdout, f.json)}
	err := f.checkHosts()
	if err == nil && f.fake {
		fl.seed = tvauthtest.DefaultSeed()
		fl.fake = tvauthtest.NewServer()
		defer fl.fake.Close()
		if err := fl.fake.ApplySeed(fl.seed); err != nil {
			return err
		}
		fl.out.addSecret(string(fl.fake.SoftwareStatement()))
		fl.note("fake", map[string]any{"url": fl.fake.URL()}, "in-process fake at %s, seeded with the quickstart's identities", fl.fake.URL())
	}
	if err == nil {
		err = do(ctx, fl)
	}
	code := exitOK
	if err != nil {
		code = exitCode(err)
		if code == exitInterrupted {
			err = fmt.Errorf("interrupted: %w", err)
		}
	}
	fl.out.finish(cmd, code, err)
	if code != exitOK {
		return &errReported{code}
	}
	return nil
}

// hostFlags are the flags that point a family at a host.
var hostFlags = []struct {
	family   int
	flag     string
	fallback string // the production host used when the flag is empty ("" when there is none)
}{
	{famPass, "pass-url", tvauth.DefaultPassURL},
	{famClientless, "clientless-url", tvauth.DefaultClientlessURL},
	{famWebAPI, "webapi-url", tvauth.DefaultWebAPIURL},
	{famAGS, "ags-url", ""},
}

// url is the URL flag of family.
func (f *flowFlags) url(family int) string {
	switch family {
	case famPass:
		return f.passURL
	case famClientless:
		return f.clientlessURL
	case famWebAPI:
		return f.webapiURL
	}
	return f.agsURL
}

// checkHosts refuses, before any request, a run that names a host with one URL flag and would send
// requests (secrets among them) to a family's production host because that family's URL flag is
// empty: pointing one family at a test host must never send a secret to a host the user did not name.
func (f *flowFlags) checkHosts() error {
	if f.fake {
		return nil
	}
	contacts := f.families
	if f.contacts != nil {
		contacts = f.contacts()
	}
	var named string
	var missing []string
	var what []string
	for _, h := range hostFlags {
		switch {
		case f.families&h.family == 0:
		case f.url(h.family) != "":
			if named == "" {
				named = "-" + h.flag + " " + f.url(h.family)
			}
		case contacts&h.family != 0 && h.fallback != "":
			missing = append(missing, "-"+h.flag)
			what = append(what, h.fallback)
		}
	}
	if named == "" || len(missing) == 0 {
		return nil
	}
	var envs []string
	for _, m := range missing {
		envs = append(envs, "TVAUTH_"+strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(m, "-"), "-", "_")))
	}
	return fail("hosts", usagef("%s names a host, but %s is not set: this run would send its requests and their secrets to %s too; set %s (or %s)",
		named, strings.Join(missing, " and "), strings.Join(what, " and "), strings.Join(missing, " and "), strings.Join(envs, " and ")))
}

// exitCode sorts an error into the documented exit codes.
func exitCode(err error) int {
	var ue *usageError
	var re *tvauth.RequestError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ue), errors.Is(err, tvauth.ErrInvalidRequest), errors.Is(err, tvauth.ErrNotConfigured):
		return exitUsage
	case errors.As(err, &re), errors.Is(err, context.DeadlineExceeded):
		return exitNetwork
	}
	return exitRefused
}

// stepError names the step that failed.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func fail(step string, err error) error { return &stepError{step, err} }

// ok reports a step that behaved as documented.
func (fl *flow) ok(step string, data map[string]any, format string, args ...any) {
	fl.out.step("ok", step, data, fmt.Sprintf(format, args...))
}

// note reports something the run did that is not a service's answer (seeding the fake, …).
func (fl *flow) note(step string, data map[string]any, format string, args ...any) {
	fl.out.step("note", step, data, fmt.Sprintf(format, args...))
}

// secret reads a secret from the environment, else from a prompt; with -fake, a secret the
// environment does not hold is the one the fake's seed gives (fakeValue), as the user would type it.
// The environment wins with -fake too, so that a wrong value fails there as on the real service.
func (fl *flow) secret(envName, label string, fakeValue func() string) (string, error) {
	v := fl.env.getenv(envName)
	switch {
	case v != "" && fl.fake != nil:
		fl.note("secret", map[string]any{"from": envName}, "%s from %s, not from the fake's seed", label, envName)
	case fl.fake != nil:
		v = fakeValue()
	case v == "" && fl.env.prompt != nil:
		var err error
		if v, err = fl.env.prompt(fmt.Sprintf("%s (or set %s)", label, envName)); err != nil {
			return "", usagef("reading %s: %v", label, err)
		}
	}
	if v == "" {
		return "", usagef("%s: set %s, or run from a terminal to be asked (secrets are never flags)", label, envName)
	}
	fl.out.addSecret(v)
	return v, nil
}

// webapiPassword is the password the fake's seed gives loginID, or the one every seeded user has
// when the seed does not know loginID: the fake then refuses the login, as NINA refuses an unknown
// account.
func (fl *flow) webapiPassword(loginID string) string {
	for _, u := range fl.seed.WebAPIUsers {
		if u.LoginID == loginID {
			return u.Password
		}
	}
	return tvauthtest.DefaultWebAPIPassword
}

// agsPassword is webapiPassword for AGS users.
func (fl *flow) agsPassword(username string) string {
	for _, u := range fl.seed.AGSUsers {
		if u.Username == username && u.Password != "" {
			return u.Password
		}
	}
	return tvauthtest.DefaultAGSPassword
}

var device = tvauth.DeviceInfo{PrimaryHardwareType: "SetTopBox", Model: "tvauth-cli", Version: "1.0", Manufacturer: "tvauth",
	OSName: "Linux", OSVersion: "6.1", ConnectionType: "Ethernet"}

func (fl *flow) device() tvauth.Device { return tvauth.Device{ID: fl.deviceID, Info: device} }

// client builds a tvauth client for the real hosts the flags name, or for the fake.
func (fl *flow) client(extra ...tvauth.Option) (*tvauth.Client, error) {
	var opts []tvauth.Option
	if fl.fake != nil {
		opts = fl.fake.Options()
	} else {
		opts = append(opts, tvauth.WithHTTPClient(&http.Client{Timeout: 30 * time.Second, Transport: fl.env.transport}))
		for _, o := range []struct {
			url string
			opt func(string) tvauth.Option
		}{
			{fl.passURL, tvauth.WithPassURL}, {fl.clientlessURL, tvauth.WithClientlessURL},
			{fl.webapiURL, tvauth.WithWebAPIURL}, {fl.agsURL, tvauth.WithAGSURL},
		} {
			if o.url != "" {
				opts = append(opts, o.opt(o.url))
			}
		}
		if fl.webapiDevID != "" {
			opts = append(opts, tvauth.WithWebAPIDevID(fl.webapiDevID))
		}
		if fl.agsTenant != "" {
			opts = append(opts, tvauth.WithAGSTenant(fl.agsTenant))
		}
		if fl.agsAuthService != "" {
			opts = append(opts, tvauth.WithAGSAuthService(fl.agsAuthService))
		}
	}
	if fl.verbose {
		opts = append(opts, tvauth.WithLogger(slog.New(slog.NewTextHandler(&redactingWriter{w: fl.env.stderr, o: fl.out},
			&slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	c, err := tvauth.New(append(opts, extra...)...)
	if err != nil {
		return nil, fail("client", err)
	}
	return c, nil
}

// output prints steps as text or JSON Lines, with every secret the run learnt replaced by REDACTED
// (the library's marker).
type output struct {
	w    io.Writer
	json bool

	mu      sync.Mutex
	secrets []string
}

func newOutput(w io.Writer, asJSON bool) *output { return &output{w: w, json: asJSON} }

// minSecret: shorter values cannot be told from ordinary text (the library's rule too).
const minSecret = 3

func (o *output) addSecret(s string) {
	if len(s) < minSecret {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.secrets = append(o.secrets, s)
	// Its JSON spellings, when it needs escapes: jsonLine's (& < > as they are) and json.Marshal's.
	for _, b := range []string{strings.TrimSuffix(jsonLine(s), "\n"), htmlEscapedJSON(s)} {
		if len(b) >= 2 {
			if e := b[1 : len(b)-1]; e != s && !slices.Contains(o.secrets, e) {
				o.secrets = append(o.secrets, e)
			}
		}
	}
	slices.SortFunc(o.secrets, func(a, b string) int { return len(b) - len(a) }) // longest first
}

// htmlEscapedJSON is s as json.Marshal spells it (& < > escaped).
func htmlEscapedJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (o *output) redact(s string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, sec := range o.secrets {
		s = strings.ReplaceAll(s, sec, "REDACTED")
	}
	return s
}

func (o *output) write(s string) {
	_, _ = io.WriteString(o.w, o.redact(s))
}

type stepLine struct {
	Status  string         `json:"status"`
	Step    string         `json:"step"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data,omitempty"`
}

func (o *output) step(status, step string, data map[string]any, msg string) {
	if o.json {
		o.write(jsonLine(stepLine{status, step, msg, data}))
		return
	}
	o.write(fmt.Sprintf("  %-5s%-20s %s\n", status, step, msg))
}

// text prints free text (a QR code, a list) in the human form only.
func (o *output) text(s string) {
	if !o.json {
		o.write(s)
	}
}

type resultLine struct {
	Command  string `json:"command"`
	OK       bool   `json:"ok"`
	ExitCode int    `json:"exit_code"`
	Error    string `json:"error,omitempty"`
	Step     string `json:"failed_step,omitempty"`
}

func (o *output) finish(cmd string, code int, err error) {
	var step string
	var se *stepError
	if errors.As(err, &se) {
		step = se.step
		err = se.err
	}
	if o.json {
		r := resultLine{Command: cmd, OK: code == exitOK, ExitCode: code, Step: step}
		if err != nil {
			r.Error = err.Error()
		}
		o.write(jsonLine(r))
		return
	}
	if err != nil {
		if step == "" {
			step = "error"
		}
		o.write(fmt.Sprintf("  %-5s%-20s %v\n", "FAIL", step, err))
		o.write(fmt.Sprintf("exit %d (%s)\n", code, exitMeaning(code)))
	}
}

func exitMeaning(code int) string {
	switch code {
	case exitRefused:
		return "the service refused"
	case exitUsage:
		return "bad usage"
	case exitNetwork:
		return "network: no usable reply"
	case exitInterrupted:
		return "interrupted"
	}
	return "ok"
}

// redactingWriter scrubs the per-attempt log lines too (the library already redacts them; this adds
// the secrets only the command knows).
type redactingWriter struct {
	w io.Writer
	o *output
}

func (r *redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.o.redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// masked shows that a secret exists without showing it.
func masked(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("REDACTED (%d chars)", len(s))
}

func round(d time.Duration) string {
	if d >= time.Minute {
		return d.Round(time.Minute).String()
	}
	return d.Round(time.Second).String()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// jsonLine is v as one line of JSON, with & < > as they are (URLs stay readable).
func jsonLine(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return b.String()
}
