package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// result is one run of the command.
type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs tvauth with args and an environment of its own (no terminal unless prompt is set),
// whose requests can reach loopback hosts only.
func runCmd(t *testing.T, vars map[string]string, prompt func(string) (string, error), args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &environment{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return vars[k] }, prompt: prompt, transport: loopbackOnly(t)}
	code := run(context.Background(), args, env)
	return result{code, stdout.String(), stderr.String()}
}

// loopbackOnly is the flows' transport in tests: it dials loopback addresses only, and fails the
// test loudly when a request would reach any other host (Adobe's or NINA's production host when a
// URL flag was left empty).
func loopbackOnly(t *testing.T) http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			t.Errorf("a request dialled %s: tests reach loopback hosts only (a default production host was about to get a request)", addr)
			return nil, fmt.Errorf("test transport: %s is not a loopback address", addr)
		}
		return d.DialContext(ctx, network, addr)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// volatile are the parts of an output that change from run to run: ports, random ids and codes,
// clock readings.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}Z?`), "DATETIME"},
	{regexp.MustCompile(`\b\d{2}:\d{2}:\d{2}\b`), "TIME"},
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "UUID"},
	{regexp.MustCompile(`(client_id"?:? ?"?)[A-Za-z0-9_-]{16}`), "${1}CLIENT_ID"},
	{regexp.MustCompile(`((?:code|reg_code)"?[:= ] ?"?|/REF30/|/sessions/)[A-Z0-9]{7}\b`), "${1}CODE"},
	{regexp.MustCompile(`(registration code|code) [A-Z0-9]{7}\b`), "$1 CODE"},
	{regexp.MustCompile(`"[A-Z0-9]{7}"`), `"CODE"`},
}

func normalise(s string) string {
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/tvauth -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// TestFlowsAgainstTheFake runs every flow with -fake, in the human and the JSON form, and compares
// the outputs with the golden files (go test ./cmd/tvauth -update rewrites them).
func TestFlowsAgainstTheFake(t *testing.T) {
	for _, args := range [][]string{
		{"pass", "register"}, {"pass", "token"}, {"pass", "login"}, {"pass", "profiles"}, {"pass", "decide"}, {"pass", "logout"},
		{"pass", "config"}, {"pass", "session"}, {"pass", "profile"}, {"pass", "preauthorize"}, {"pass", "partner"},
		{"clientless", "authenticate"}, {"clientless", "authurl"}, {"clientless", "checkauthn"}, {"clientless", "authorize"}, {"clientless", "logout"},
		{"clientless", "config"}, {"clientless", "regcode"}, {"clientless", "tokens"}, {"clientless", "mediatoken"},
		{"clientless", "preauthorize"}, {"clientless", "metadata"}, {"clientless", "freepreview"},
		{"webapi", "login"}, {"webapi", "logout"},
		{"ags", "discover"}, {"ags", "signon"}, {"ags", "refresh"}, {"ags", "signout"}, {"ags", "register"}, {"ags", "sessiontoken"},
	} {
		name := strings.Join(args, "-")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			human := runCmd(t, nil, nil, append(args, "-fake")...)
			if human.code != exitOK {
				t.Fatalf("exit %d\n%s%s", human.code, human.stdout, human.stderr)
			}
			golden(t, name, normalise(human.stdout))

			js := runCmd(t, nil, nil, append(args, "-fake", "-json")...)
			if js.code != exitOK {
				t.Fatalf("-json: exit %d\n%s%s", js.code, js.stdout, js.stderr)
			}
			lines := strings.Split(strings.TrimSuffix(js.stdout, "\n"), "\n")
			for _, l := range lines {
				if !json.Valid([]byte(l)) {
					t.Fatalf("-json printed a line that is not JSON: %s", l)
				}
			}
			var last resultLine
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || !last.OK || last.Command != "tvauth "+strings.Join(args, " ") {
				t.Errorf("last line %s is not the ok result (%v)", lines[len(lines)-1], err)
			}
			golden(t, name+".json", normalise(js.stdout))
		})
	}
}

// TestOfflineOutputs are outputs that need no network at all, so their goldens are byte-exact.
func TestOfflineOutputs(t *testing.T) {
	vars := map[string]string{"TVAUTH_WEBAPI_SESSION_KEY": "c2Vzc2lvbi1rZXktZm9yLWEtdGVzdA==", "TVAUTH_WEBAPI_TOKEN": "/wEAAAAAtest+token="}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"webapi-sign", []string{"webapi", "sign", "-url", "https://api.screenname.nina.bz/auth/logout", "devId=dev1", "f=json"}},
		{"clientless-authurl-regcode", []string{"clientless", "authurl", "-reg-code", "ABC1234", "-redirect-url", "https://app.example/done?x=1&y=2"}},
	} {
		for _, form := range []string{"", "-json"} {
			args := tc.args
			name := tc.name
			if form != "" {
				args = append([]string{args[0], args[1], form}, args[2:]...)
				name += ".json"
			}
			res := runCmd(t, vars, nil, args...)
			if res.code != exitOK {
				t.Fatalf("%v: exit %d\n%s%s", args, res.code, res.stdout, res.stderr)
			}
			golden(t, name, res.stdout)
			if strings.Contains(res.stdout, "/wEAAAAAtest") || strings.Contains(res.stdout, "c2Vzc2lvbi1rZXkt") {
				t.Errorf("%v printed a secret:\n%s", args, res.stdout)
			}
		}
	}
}

// The signature webapi sign prints is the library's, over the base string it prints.
func TestWebAPISignMatchesTheLibrary(t *testing.T) {
	key, tok := "c2Vzc2lvbi1rZXktZm9yLWEtdGVzdA==", "/wEAAAAAtest+token="
	res := runCmd(t, map[string]string{"TVAUTH_WEBAPI_SESSION_KEY": key, "TVAUTH_WEBAPI_TOKEN": tok}, nil,
		"webapi", "sign", "-json", "-method", "POST", "-url", "https://Example.COM:443/auth/logout?x=1", "devId=d", "f=qs")
	if res.code != exitOK {
		t.Fatalf("exit %d %s", res.code, res.stderr)
	}
	params := map[string][]string{"devId": {"d"}, "f": {"qs"}, "a": {tok}}
	want, err := tvauth.Sign("POST", "https://Example.COM:443/auth/logout?x=1", params, tvauth.Secret(key))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.stdout, `"sig_sha256":"`+want+`"`) {
		t.Errorf("signature %s not in\n%s", want, res.stdout)
	}
	base, _ := tvauth.SignatureBaseString("POST", "https://Example.COM:443/auth/logout?x=1", params)
	if !strings.Contains(res.stdout, strings.ReplaceAll(base, "%252FwEAAAAAtest%252Btoken%253D", "REDACTED")) {
		t.Errorf("base string %s (token redacted) not in\n%s", base, res.stdout)
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		args []string
		code int
		says string
	}{
		{"unknown flag", nil, []string{"pass", "token", "-nope"}, exitUsage, "flag provided but not defined"},
		{"unknown subcommand", nil, []string{"pass", "dance"}, exitUsage, "unknown subcommand"},
		{"a secret as an argument", nil, []string{"webapi", "sign", "a=token"}, exitUsage, "never on the command line"},
		{"no secret and no terminal", nil, []string{"webapi", "login", "-webapi-url", "https://127.0.0.1:1", "-webapi-devid", "d"}, exitUsage, "set TVAUTH_WEBAPI_PASSWORD"},
		{"a bad format", nil, []string{"webapi", "logout", "-fake", "-format", "yaml"}, exitUsage, "want json, xml or qs"},
		{"ags without a host", map[string]string{"TVAUTH_AGS_PASSWORD": "pw"}, []string{"ags", "signon"}, exitUsage, "set -ags-url"},
		{"refused: a wrong WebAPI user", nil, []string{"webapi", "login", "-fake", "-webapi-login", "nobody@example.com"}, exitRefused, "FAIL clientLogin"},
		{"refused: an AGS account that is not listed", nil, []string{"ags", "signon", "-fake", "-account", "3"}, exitUsage, "lists 2 accounts"},
		{"network: nothing listens", map[string]string{"TVAUTH_AGS_PASSWORD": "pw"}, []string{"ags", "discover", "-ags-url", "http://127.0.0.1:1/ags"}, exitNetwork, "exit 3 (network"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runCmd(t, tc.vars, nil, tc.args...)
			if res.code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", res.code, tc.code, res.stdout, res.stderr)
			}
			if out := res.stdout + res.stderr; !strings.Contains(strings.Join(strings.Fields(out), " "), tc.says) {
				t.Errorf("output does not say %q:\n%s", tc.says, out)
			}
		})
	}
}

// realHost is the Standalone fake with the default seed over a listener, as a real host is reached.
func realHost(t *testing.T) (*tvauthtest.Standalone, *httptest.Server) {
	t.Helper()
	sa, err := tvauthtest.NewStandalone(tvauthtest.DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(sa)
	t.Cleanup(hs.Close)
	t.Cleanup(sa.Close)
	return sa, hs
}

// A real host (the Standalone over a listener), secrets from the environment or a prompt: nothing
// secret reaches stdout or stderr, -v included, and a refusal exits 1.
func TestRealHostSecretsAndRedaction(t *testing.T) {
	sa, hs := realHost(t)
	statement := sa.Server().SoftwareStatement()
	vars := map[string]string{"TVAUTH_PASS_SOFTWARE_STATEMENT": string(statement), "TVAUTH_AGS_PASSWORD": tvauthtest.DefaultAGSPassword}
	secrets := []string{string(statement), tvauthtest.DefaultWebAPIPassword, tvauthtest.DefaultAGSPassword}

	var asked []string
	prompt := func(label string) (string, error) {
		asked = append(asked, label)
		return tvauthtest.DefaultWebAPIPassword, nil
	}
	creds := filepath.Join(t.TempDir(), "creds.json")
	for _, args := range [][]string{
		{"pass", "token", "-v", "-creds", creds, "-pass-url", hs.URL},
		{"pass", "decide", "-v", "-json", "-creds", creds, "-pass-url", hs.URL},
		{"webapi", "logout", "-v", "-webapi-url", hs.URL, "-webapi-devid", tvauthtest.WebAPIDevID},
		{"ags", "refresh", "-v", "-ags-url", hs.URL + "/ags", "-ags-tenant", tvauthtest.AGSTenant},
	} {
		res := runCmd(t, vars, prompt, args...)
		want := exitOK
		if args[1] == "decide" {
			want = exitRefused // no profile on the real host: Adobe denies
		}
		if res.code != want {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, res.code, want, res.stdout, res.stderr)
		}
		if !strings.Contains(res.stderr, "HTTP") && !strings.Contains(res.stderr, "status") {
			t.Errorf("%v -v printed no per-attempt line:\n%s", args, res.stderr)
		}
		for _, s := range secrets {
			if strings.Contains(res.stdout+res.stderr, s) {
				t.Errorf("%v printed the secret %.12q…:\n%s\n%s", args, s, res.stdout, res.stderr)
			}
		}
		// Tokens issued during the run: the recorded requests carry them; the output must not.
		for _, r := range sa.Server().Requests() {
			for _, h := range []string{"Authorization", "User-Token"} {
				v := strings.TrimPrefix(r.Header.Get(h), "Bearer ")
				if len(v) > 8 && strings.Contains(res.stdout+res.stderr, v) {
					t.Errorf("%v printed the %s value sent on %s", args, h, r.Path)
				}
			}
		}
	}
	if len(asked) != 1 || !strings.Contains(asked[0], "TVAUTH_WEBAPI_PASSWORD") {
		t.Errorf("prompts = %q, want one for the WebAPI password", asked)
	}
	// The second Pass run loaded the credentials the first saved: one registration in all.
	registers := 0
	for _, r := range sa.Server().Requests() {
		if r.Path == "/o/client/register" {
			registers++
		}
	}
	if registers != 1 {
		t.Errorf("%d registrations, want 1 (-creds keeps them)", registers)
	}

	bad := runCmd(t, map[string]string{"TVAUTH_PASS_SOFTWARE_STATEMENT": "not-the-statement"}, nil, "pass", "register", "-pass-url", hs.URL)
	if bad.code != exitRefused || !strings.Contains(bad.stdout, "FAIL register") {
		t.Errorf("a wrong software statement: exit %d\n%s%s", bad.code, bad.stdout, bad.stderr)
	}
}

// On a terminal, activation flows draw a QR code of the URL and a live countdown (on stderr).
func TestActivationOnATerminal(t *testing.T) {
	var stdout, stderr bytes.Buffer
	env := &environment{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(string) string { return "" }, interactive: true}
	if code := run(context.Background(), []string{"clientless", "authenticate", "-fake"}, env); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "▀") && !strings.Contains(stdout.String(), "▄") {
		t.Errorf("no QR code (half blocks) in:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "code expires in") {
		t.Errorf("no countdown on stderr: %q", stderr.String())
	}
}

// Ctrl-C (a cancelled context) stops an activation flow cleanly with exit 130.
func TestActivationInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	env := &environment{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	if code := run(ctx, []string{"pass", "login", "-fake"}, env); code != exitInterrupted {
		t.Errorf("exit %d, want 130\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "interrupted") {
		t.Errorf("output does not say interrupted:\n%s", stdout.String())
	}
}

// -v prints one line per HTTP attempt: a retried call shows both.
func TestVerboseShowsEveryAttempt(t *testing.T) {
	sa, hs := realHost(t)
	sa.Server().FailNext("GET", "/ags/servicediscovery", 503, 1)
	res := runCmd(t, nil, nil, "ags", "discover", "-v", "-ags-url", hs.URL+"/ags", "-ags-tenant", tvauthtest.AGSTenant)
	if res.code != exitOK {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "attempt=1") || !strings.Contains(lines[0], "status=503") ||
		!strings.Contains(lines[1], "attempt=2") || !strings.Contains(lines[1], "status=200") {
		t.Errorf("per-attempt lines:\n%s", res.stderr)
	}
}

// Help, at every level and in every spelling, goes to stdout with exit 0; stderr stays empty.
func TestHelpGoesToStdout(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string // a line of the help asked for
	}{
		{[]string{"-h"}, "tvauth <fake|pass|clientless|webapi|ags|version|help>"},
		{[]string{"--help"}, "tvauth <fake|pass|clientless|webapi|ags|version|help>"},
		{[]string{"-help"}, "tvauth <fake|pass|clientless|webapi|ags|version|help>"},
		{[]string{"help"}, "tvauth <fake|pass|clientless|webapi|ags|version|help>"},
		{[]string{"pass", "-h"}, "tvauth pass <register|token|"},
		{[]string{"pass", "--help"}, "tvauth pass <register|token|"},
		{[]string{"pass", "help"}, "tvauth pass <register|token|"},
		{[]string{"help", "pass"}, "tvauth pass <register|token|"},
		{[]string{"pass", "token", "-h"}, "-pass-url string"},
		{[]string{"pass", "token", "--help"}, "-pass-url string"},
		{[]string{"pass", "token", "help"}, "-pass-url string"},
		{[]string{"help", "pass", "token"}, "-pass-url string"},
		{[]string{"pass", "token", "-fake", "-h"}, "-pass-url string"},
		{[]string{"clientless", "authurl", "-h"}, "-clientless-url string"},
		{[]string{"webapi", "sign", "--help"}, "tvauth webapi sign [flags] [name=value ...]"},
		{[]string{"ags", "help"}, "tvauth ags <discover|signon|"},
		{[]string{"fake", "-h"}, "HEADERS EACH FAMILY REQUIRES"},
		{[]string{"help", "fake"}, "HEADERS EACH FAMILY REQUIRES"},
		{[]string{"version", "-h"}, "tvauth version [-json]"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			res := runCmd(t, nil, nil, tc.args...)
			if res.code != exitOK || res.stderr != "" || !strings.Contains(res.stdout, tc.says) {
				t.Errorf("exit %d, want 0, help on stdout saying %q and nothing on stderr\n--- stdout\n%s--- stderr\n%s", res.code, tc.says, res.stdout, res.stderr)
			}
		})
	}
}

// Bad usage outside a flow is one line on stderr (the command path, the reason, where help is),
// exit 2, nothing on stdout; with -json (given anywhere, even after the bad flag, or as TVAUTH_JSON)
// it is the result object on stdout instead, nothing on stderr.
func TestBadUsageIsOneLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		line string // the whole line on stderr
	}{
		{nil, `tvauth: missing command (want one of fake, pass, clientless, webapi, ags, version, help; see tvauth -h)`},
		{[]string{"bogus"}, `tvauth: unknown command "bogus" (want one of fake, pass, clientless, webapi, ags, version, help; see tvauth -h)`},
		{[]string{"help", "bogus"}, `tvauth: unknown command "bogus" (want one of fake, pass, clientless, webapi, ags, version, help; see tvauth -h)`},
		{[]string{"pass", "help", "dance"}, `tvauth pass: unknown subcommand "dance" (want one of register, token, login, profiles, decide, logout, config, session, profile, preauthorize, partner; see tvauth pass -h)`},
		{[]string{"-nope"}, `tvauth: flag provided but not defined: -nope (see tvauth -h)`},
		{[]string{"pass"}, `tvauth pass: missing subcommand (want one of register, token, login, profiles, decide, logout, config, session, profile, preauthorize, partner; see tvauth pass -h)`},
		{[]string{"webapi", "bogus"}, `tvauth webapi: unknown subcommand "bogus" (want one of login, logout, sign; see tvauth webapi -h)`},
		{[]string{"pass", "token", "-timeout=xyz"}, `tvauth pass token: invalid value "xyz" for flag -timeout: parse error (see tvauth pass token -h)`},
		{[]string{"pass", "token", "-nope"}, `tvauth pass token: flag provided but not defined: -nope (see tvauth pass token -h)`},
		{[]string{"ags", "signon", "-account"}, `tvauth ags signon: flag needs an argument: -account (see tvauth ags signon -h)`},
		{[]string{"ags", "signon", "-fake", "stray"}, `tvauth ags signon: unexpected argument 1 (flags go before arguments; secrets go in the environment; see tvauth ags signon -h)`},
		{[]string{"fake", "-addr"}, `tvauth fake: flag needs an argument: -addr (see tvauth fake -h)`},
		{[]string{"fake", "stray"}, `tvauth fake: unexpected argument 1 (see tvauth fake -h)`},
		{[]string{"version", "stray"}, `tvauth version: unexpected argument 1 (see tvauth version -h)`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			res := runCmd(t, nil, nil, tc.args...)
			if res.code != exitUsage || res.stdout != "" || res.stderr != tc.line+"\n" {
				t.Errorf("exit %d, want 2 and one line on stderr\n--- stdout\n%s--- stderr\n%s--- want\n%s", res.code, res.stdout, res.stderr, tc.line)
			}
			command, reason, _ := strings.Cut(tc.line, ": ")
			variants := []struct {
				args []string
				vars map[string]string
			}{{tc.args, map[string]string{"TVAUTH_JSON": "true"}}}
			if len(tc.args) > len(strings.Fields(command))-1 { // not "missing command": -json would be the bad flag there
				// -json right after the command path, before the bad flag; the root and the
				// families' groups have no -json flag, so there it goes last.
				at := len(strings.Fields(command)) - 1
				if cmd, _, _ := resolve(rootCommand(&environment{}), "tvauth", tc.args); cmd.FlagSet.Lookup("json") == nil {
					at = len(tc.args)
				}
				args := append(slices.Clone(tc.args[:at]), append([]string{"-json"}, tc.args[at:]...)...)
				variants = append(variants, struct {
					args []string
					vars map[string]string
				}{args, nil})
			}
			for _, js := range variants {
				res := runCmd(t, js.vars, nil, js.args...)
				var got resultLine
				err := json.Unmarshal([]byte(res.stdout), &got)
				if strings.Count(res.stdout, "\n") != 1 || err != nil || res.stderr != "" || res.code != exitUsage ||
					got != (resultLine{Command: command, OK: false, ExitCode: exitUsage, Error: reason}) {
					t.Errorf("%q with %v: exit %d, want 2 and one result object on stdout (%v)\n--- stdout\n%s--- stderr\n%s", js.args, js.vars, res.code, err, res.stdout, res.stderr)
				}
			}
		})
	}
	// -json=false asks for text.
	if res := runCmd(t, nil, nil, "pass", "token", "-json=false", "-nope"); res.stdout != "" || !strings.HasPrefix(res.stderr, "tvauth pass token: ") {
		t.Errorf("-json=false: %q %q", res.stdout, res.stderr)
	}
}

// tvauth version prints tvauth.Version, the module the binary comes from and the Go version.
func TestVersion(t *testing.T) {
	res := runCmd(t, nil, nil, "version")
	want := fmt.Sprintf("tvauth %s (", tvauth.Version)
	if res.code != exitOK || res.stderr != "" || !strings.HasPrefix(res.stdout, want) || !strings.Contains(res.stdout, runtime.Version()) ||
		strings.Count(res.stdout, "\n") != 1 {
		t.Errorf("exit %d, want one line starting %q with %s\n%s%s", res.code, want, runtime.Version(), res.stdout, res.stderr)
	}
	res = runCmd(t, nil, nil, "version", "-json")
	var v versionInfo
	if err := json.Unmarshal([]byte(res.stdout), &v); err != nil || res.code != exitOK || v.Version != tvauth.Version ||
		v.Go != runtime.Version() || v.Module != "github.com/tvauth/tvauth" || v.ModuleVersion == "" || v.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("-json: exit %d, %+v (%v)\n%s", res.code, v, err, res.stdout)
	}
}

// A bad value in a flag's environment variable (TVAUTH_TIMEOUT) is one line too, naming the variable.
func TestBadFlagFromTheEnvironment(t *testing.T) {
	t.Setenv("TVAUTH_TIMEOUT", "soon")
	res := runCmd(t, nil, nil, "pass", "token", "-fake")
	want := `tvauth pass token: error setting flag "timeout" from environment variable "TVAUTH_TIMEOUT": parse error (see tvauth pass token -h)` + "\n"
	if res.code != exitUsage || res.stdout != "" || res.stderr != want {
		t.Errorf("exit %d\n--- stdout\n%s--- stderr\n%s--- want\n%s", res.code, res.stdout, res.stderr, want)
	}
}
