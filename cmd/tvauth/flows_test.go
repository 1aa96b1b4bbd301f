package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// One wrong input for each subcommand that runs a method subcommandOf maps: exit 2, and the output
// names the field (the SDK's request field, or the command's flag) that was wrong, in both forms.
func TestWrongInputNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		field string // what the FAIL line names
	}{
		{[]string{"pass", "config", "-pass-sp="}, "invalid serviceProvider: empty"},
		{[]string{"pass", "session", "-code=.."}, "invalid code:"},
		{[]string{"pass", "profile", "-code=.."}, "invalid Code:"},
		{[]string{"pass", "preauthorize", "-pass-resource="}, "invalid Resources: empty"},
		{[]string{"pass", "partner", "-partner="}, "invalid Partner: empty"},
		{[]string{"clientless", "config", "-pass-sp="}, "invalid RequestorID: empty"},
		{[]string{"clientless", "regcode", "-reg-code=.."}, "invalid RegCode:"},
		{[]string{"clientless", "tokens", "-pass-resource="}, "-pass-resource: name at least one resource"},
		{[]string{"clientless", "mediatoken", "-pass-resource= ,"}, "-pass-resource: name at least one resource"},
		{[]string{"clientless", "preauthorize", "-reg-code=.."}, "invalid RegCode:"},
		{[]string{"clientless", "metadata", "-pass-sp="}, "invalid RequestorID: required"},
		{[]string{"clientless", "freepreview", "-temppass="}, "invalid MSOID: required"},
		{[]string{"ags", "register", "-register-type=.."}, "invalid regType:"},
		{[]string{"ags", "sessiontoken", "-ags-auth-service", "nope"}, `no service "nope"`},
	} {
		t.Run(strings.Join(tc.args[:2], "-"), func(t *testing.T) {
			t.Parallel()
			args := append([]string{tc.args[0], tc.args[1], "-fake"}, tc.args[2:]...)
			res := runCmd(t, nil, nil, args...)
			if res.code != exitUsage {
				t.Errorf("exit %d, want %d\n%s%s", res.code, exitUsage, res.stdout, res.stderr)
			}
			if !strings.Contains(res.stdout, "FAIL") || !strings.Contains(res.stdout, tc.field) || !strings.Contains(res.stdout, "exit 2 (bad usage)") {
				t.Errorf("output does not name %q in a FAIL line:\n%s", tc.field, res.stdout)
			}

			js := runCmd(t, nil, nil, append(args, "-json")...)
			lines := strings.Split(strings.TrimSpace(js.stdout), "\n")
			var last resultLine
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last.OK || last.ExitCode != exitUsage ||
				!strings.Contains(last.Error, tc.field) || js.code != exitUsage {
				t.Errorf("-json: exit %d, last line %s (%v)", js.code, lines[len(lines)-1], err)
			}
		})
	}
}

// clientless authurl -follow asks Adobe for the authenticate URL as a browser would and prints where
// it sends the browser: the MVPD's login page.
func TestAuthURLFollow(t *testing.T) {
	res := runCmd(t, nil, nil, "clientless", "authurl", "-fake", "-json", "-follow")
	if res.code != exitOK {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var step stepLine
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-2]), &step); err != nil {
		t.Fatal(err)
	}
	loc, _ := step.Data["location"].(string)
	if step.Step != "authenticate" || !strings.Contains(loc, "/mvpd/"+tvauthtest.DefaultMVPD+"/login?") {
		t.Errorf("the step before the result is %+v, want the redirect to %s's login page", step, tvauthtest.DefaultMVPD)
	}
}

// clientless regcode -delete deletes the code: looking it up again is refused.
func TestRegCodeDelete(t *testing.T) {
	sa, hs := realHost(t)
	vars := map[string]string{"TVAUTH_PASS_SOFTWARE_STATEMENT": string(sa.Server().SoftwareStatement())}
	res := runCmd(t, vars, nil, "clientless", "regcode", "-delete", "-pass-url", hs.URL, "-clientless-url", hs.URL)
	if res.code != exitOK || !strings.Contains(res.stdout, "deleted: it no longer signs anyone in") {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	codes := sa.Server().RegCodes()
	if len(codes) != 0 {
		t.Fatalf("the fake still holds %+v", codes)
	}
}

// Against a real host (the Standalone over a listener), the new subcommands that carry secrets take
// them from the environment and print none of them; the pieces the services issue during the run
// (session token, media token, SAML request) show as REDACTED.
func TestNewFlowsRealHostRedaction(t *testing.T) {
	sa, hs := realHost(t)
	fake := sa.Server()
	operator := fake.AGSOperatorAuthToken("1663", 0)
	saml := fake.PartnerSAMLResponse(tvauthtest.DefaultMVPD, "")
	vars := map[string]string{
		"TVAUTH_PASS_SOFTWARE_STATEMENT": string(fake.SoftwareStatement()), "TVAUTH_AGS_PASSWORD": tvauthtest.DefaultAGSPassword,
		"TVAUTH_AGS_OPERATOR_TOKEN": operator, "TVAUTH_PASS_SAML_RESPONSE": string(saml),
	}
	secrets := []string{string(fake.SoftwareStatement()), tvauthtest.DefaultAGSPassword, operator, string(saml)}
	fake.AddClientlessAuthn(tvauthtest.DefaultServiceProvider, "tvauth-cli-0001", tvauthtest.DefaultMVPD)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"ags", "sessiontoken", "-v", "-ags-url", hs.URL + "/ags", "-ags-tenant", tvauthtest.AGSTenant}, "signed on as account 1663"},
		{[]string{"ags", "register", "-v", "-account", "2", "-ags-url", hs.URL + "/ags", "-ags-tenant", tvauthtest.AGSTenant}, "registered (tvkey) for account 1663"},
		{[]string{"pass", "partner", "-v", "-pass-url", hs.URL}, "Cablevision (appleSSO, issued by Apple)"},
		{[]string{"clientless", "mediatoken", "-v", "-pass-url", hs.URL, "-clientless-url", hs.URL}, "short media token REDACTED ("},
	} {
		res := runCmd(t, vars, nil, tc.args...)
		if res.code != exitOK || !strings.Contains(res.stdout, tc.says) {
			t.Errorf("%v: exit %d, want 0 and %q\n%s%s", tc.args, res.code, tc.says, res.stdout, res.stderr)
		}
		for _, s := range secrets {
			if strings.Contains(res.stdout+res.stderr, s) {
				t.Errorf("%v printed the secret %.12q…", tc.args, s)
			}
		}
		for _, r := range fake.Requests() {
			for _, h := range []string{"Authorization", "User-Token"} {
				if v := strings.TrimPrefix(r.Header.Get(h), "Bearer "); len(v) > 8 && strings.Contains(res.stdout+res.stderr, v) {
					t.Errorf("%v printed the %s value sent on %s", tc.args, h, r.Path)
				}
			}
			// The session token goes out in signOnWithSessionToken's body.
			if strings.HasSuffix(r.Path, "/signOnWithSessionToken") {
				var body struct{ Parameters []struct{ Value string } }
				if json.Unmarshal(r.Body, &body) == nil && len(body.Parameters) > 0 && strings.Contains(res.stdout+res.stderr, body.Parameters[0].Value) {
					t.Errorf("%v printed the session token", tc.args)
				}
			}
		}
	}
	// Without the environment and without a terminal, a secret is asked for by name, exit 2.
	res := runCmd(t, map[string]string{}, nil, "ags", "sessiontoken", "-ags-url", hs.URL+"/ags", "-ags-tenant", tvauthtest.AGSTenant)
	if res.code != exitUsage || !strings.Contains(res.stdout, "set TVAUTH_AGS_OPERATOR_TOKEN") {
		t.Errorf("no operator token: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// A degraded MVPD needs no login: pass login says so and shows Adobe's degraded profile; decisions
// come from degradation.
func TestDegradedMVPD(t *testing.T) {
	sa, hs := realHost(t)
	if !sa.Server().DegradeMVPD(tvauthtest.DefaultMVPD, true) {
		t.Fatal("no MVPD to degrade")
	}
	vars := map[string]string{"TVAUTH_PASS_SOFTWARE_STATEMENT": string(sa.Server().SoftwareStatement())}
	res := runCmd(t, vars, nil, "pass", "login", "-pass-url", hs.URL)
	if res.code != exitOK || !strings.Contains(res.stdout, "next action authorize/direct") ||
		!strings.Contains(res.stdout, "no login needed (degraded): Cablevision profile (degraded, issued by Adobe)") {
		t.Errorf("pass login: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = runCmd(t, vars, nil, "pass", "decide", "-pass-url", hs.URL)
	if res.code != exitOK || !strings.Contains(res.stdout, "REF30 permitted (source degradation)") {
		t.Errorf("pass decide: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// stepData returns the data of the first JSON step named step in a -json output.
func stepData(t *testing.T, out, step string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var s stepLine
		if json.Unmarshal([]byte(l), &s) == nil && s.Step == step {
			return s.Data
		}
	}
	t.Fatalf("no step %q in\n%s", step, out)
	return nil
}

// The -code and -reg-code forms act on a code an earlier run printed: pass session resumes it, pass
// profile looks up its login (not done: exit 1), clientless preauthorize answers for its device.
func TestExistingCodes(t *testing.T) {
	sa, hs := realHost(t)
	vars := map[string]string{"TVAUTH_PASS_SOFTWARE_STATEMENT": string(sa.Server().SoftwareStatement())}
	creds := t.TempDir() + "/creds.json"
	pass := []string{"-creds", creds, "-pass-url", hs.URL}
	v1 := append(pass, "-clientless-url", hs.URL)

	first := runCmd(t, vars, nil, append([]string{"pass", "session", "-json"}, pass...)...)
	if first.code != exitOK {
		t.Fatalf("pass session: exit %d\n%s%s", first.code, first.stdout, first.stderr)
	}
	code, _ := stepData(t, first.stdout, "session")["code"].(string)
	again := runCmd(t, vars, nil, append([]string{"pass", "session", "-code", code}, pass...)...)
	if again.code != exitOK || strings.Contains(again.stdout, "next action resume/direct") ||
		!strings.Contains(again.stdout, "code "+code+" holds domain=adobe.com, mvpd=Cablevision, redirectUrl=https://app.example/tvauth/done, serviceProvider=REF30; missing nothing") ||
		!strings.Contains(again.stdout, "next action authenticate/interactive: open "+hs.URL+"/api/v2/authenticate/REF30/"+code) {
		t.Errorf("pass session -code %s: exit %d\n%s%s", code, again.code, again.stdout, again.stderr)
	}
	prof := runCmd(t, vars, nil, append([]string{"pass", "profile", "-code", code}, pass...)...)
	if prof.code != exitRefused || !strings.Contains(prof.stdout, "no profile for code "+code+" (yet): the login is not done") {
		t.Errorf("pass profile -code %s: exit %d\n%s%s", code, prof.code, prof.stdout, prof.stderr)
	}

	rc := runCmd(t, vars, nil, append([]string{"clientless", "regcode", "-json"}, v1...)...)
	if rc.code != exitOK {
		t.Fatalf("clientless regcode: exit %d\n%s%s", rc.code, rc.stdout, rc.stderr)
	}
	regCode, _ := stepData(t, rc.stdout, "regcode")["code"].(string)
	sa.Server().AddClientlessAuthn(tvauthtest.DefaultServiceProvider, "tvauth-cli-0001", tvauthtest.DefaultMVPD)
	sa.Server().DenyResource(tvauthtest.DefaultMVPD, "HBO")
	pre := runCmd(t, vars, nil, append([]string{"clientless", "preauthorize", "-reg-code", regCode, "-pass-resource", "REF30,HBO"}, v1...)...)
	if pre.code != exitOK || !strings.Contains(pre.stdout, "REF30 playable") || !strings.Contains(pre.stdout, "HBO not playable") {
		t.Errorf("clientless preauthorize -reg-code: exit %d\n%s%s", pre.code, pre.stdout, pre.stderr)
	}
	var byCode bool
	for _, r := range sa.Server().Requests() {
		byCode = byCode || strings.HasSuffix(r.Path, "/preauthorize/"+regCode)
	}
	if !byCode {
		t.Error("no request to /api/v1/preauthorize/{code}")
	}
}

// recordingHost is realHost whose listener counts the connections it accepts.
func recordingHost(t *testing.T) (*tvauthtest.Standalone, *httptest.Server, *atomic.Int64) {
	t.Helper()
	sa, err := tvauthtest.NewStandalone(tvauthtest.DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int64
	hs := httptest.NewUnstartedServer(sa)
	hs.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	hs.Start()
	t.Cleanup(hs.Close)
	t.Cleanup(sa.Close)
	return sa, hs, &conns
}

// hostFlagsOf lists the URL flags (hostFlags) a subcommand takes.
func hostFlagsOf(c *ffcli.Command) []string {
	var out []string
	for _, h := range hostFlags {
		if c.FlagSet.Lookup(h.flag) != nil {
			out = append(out, h.flag)
		}
	}
	return out
}

// No secret goes to a default production host when a URL flag names another host. Every
// subcommand that takes more than one URL flag runs with only one of them, against a host that
// counts its connections, with every secret in the environment: the run is refused with exit 2
// before any connection, naming the flag it lacks, unless it contacts only the named family. Nothing
// dials a host that is not loopback (runCmd's transport fails the test).
func TestNoSecretToADefaultHost(t *testing.T) {
	sa, hs, conns := recordingHost(t)
	fake := sa.Server()
	vars := map[string]string{
		"TVAUTH_PASS_SOFTWARE_STATEMENT": string(fake.SoftwareStatement()), "TVAUTH_PASS_SAML_RESPONSE": string(fake.PartnerSAMLResponse(tvauthtest.DefaultMVPD, "")),
		"TVAUTH_WEBAPI_PASSWORD": tvauthtest.DefaultWebAPIPassword, "TVAUTH_AGS_PASSWORD": tvauthtest.DefaultAGSPassword,
		"TVAUTH_AGS_OPERATOR_TOKEN": fake.AGSOperatorAuthToken("1663", 0),
	}
	// The subcommands that, given only this flag, contact only the family it names.
	onlyNamed := map[string]string{"tvauth clientless config": "clientless-url"}
	tested := 0
	var walk func(path string, c *ffcli.Command)
	walk = func(path string, c *ffcli.Command) {
		for _, s := range c.Subcommands {
			walk(path+" "+s.Name, s)
		}
		flags := hostFlagsOf(c)
		if len(c.Subcommands) > 0 || len(flags) < 2 {
			return
		}
		for _, only := range flags {
			tested++
			args := append(strings.Fields(path)[1:], "-"+only, hs.URL, "-timeout", "1m")
			before, seen := conns.Load(), len(fake.Requests())
			res := runCmd(t, vars, nil, args...)
			if onlyNamed[path] == only {
				if res.code != exitOK || conns.Load() == before {
					t.Errorf("%v: exit %d, want 0 from the named host\n%s%s", args, res.code, res.stdout, res.stderr)
				}
				continue
			}
			var missing []string
			for _, f := range flags {
				if f != only {
					missing = append(missing, "-"+f)
				}
			}
			want := fmt.Sprintf("-%s %s names a host, but %s is not set", only, hs.URL, strings.Join(missing, " and "))
			if res.code != exitUsage || !strings.Contains(res.stdout, "FAIL hosts") || !strings.Contains(res.stdout, want) {
				t.Errorf("%v: exit %d, want 2 and %q\n%s%s", args, res.code, want, res.stdout, res.stderr)
			}
			if n := conns.Load() - before; n != 0 || len(fake.Requests()) != seen {
				t.Errorf("%v: refused, but %d connections and %d requests reached the named host first", args, n, len(fake.Requests())-seen)
			}
		}
	}
	walk("tvauth", rootCommand(&environment{}))
	if tested < 20 {
		t.Errorf("only %d runs: the clientless subcommands take -pass-url and -clientless-url", tested)
	}

	// Only the families a run contacts need a URL: authurl with a code builds the URL offline, and
	// -follow asks the v1 host only.
	before := conns.Load()
	res := runCmd(t, vars, nil, "clientless", "authurl", "-reg-code", "ABC1234", "-clientless-url", hs.URL)
	if res.code != exitOK || conns.Load() != before || !strings.Contains(res.stdout, hs.URL+"/api/v1/authenticate?reg_code=ABC1234&") {
		t.Errorf("authurl -reg-code: exit %d, %d connections\n%s%s", res.code, conns.Load()-before, res.stdout, res.stderr)
	}
	res = runCmd(t, vars, nil, "clientless", "authurl", "-reg-code", "ABC1234", "-follow", "-clientless-url", hs.URL)
	if res.code == exitUsage || conns.Load() == before {
		t.Errorf("authurl -reg-code -follow: exit %d, %d connections\n%s%s", res.code, conns.Load()-before, res.stdout, res.stderr)
	}
	// Both named: the run goes to the named host.
	res = runCmd(t, vars, nil, "clientless", "regcode", "-pass-url", hs.URL, "-clientless-url", hs.URL)
	if res.code != exitOK {
		t.Errorf("both URLs named: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// -json: the refusal is the result object, its failed step "hosts".
	res = runCmd(t, vars, nil, "clientless", "authenticate", "-json", "-clientless-url", hs.URL)
	var last resultLine
	if err := json.Unmarshal([]byte(res.stdout), &last); err != nil || last.ExitCode != exitUsage || last.Step != "hosts" ||
		!strings.Contains(last.Error, "-pass-url is not set") || !strings.Contains(last.Error, tvauth.DefaultPassURL) {
		t.Errorf("-json: %s (%v)", res.stdout, err)
	}
}

// A URL given in the environment (TVAUTH_CLIENTLESS_URL) names a host as the flag does.
func TestNoSecretToADefaultHostFromTheEnvironment(t *testing.T) {
	_, hs, conns := recordingHost(t)
	t.Setenv("TVAUTH_CLIENTLESS_URL", hs.URL)
	res := runCmd(t, map[string]string{"TVAUTH_PASS_SOFTWARE_STATEMENT": "a-statement"}, nil, "clientless", "checkauthn")
	if res.code != exitUsage || !strings.Contains(res.stdout, "-clientless-url "+hs.URL+" names a host, but -pass-url is not set") ||
		!strings.Contains(res.stdout, "TVAUTH_PASS_URL") || conns.Load() != 0 {
		t.Errorf("exit %d, %d connections\n%s%s", res.code, conns.Load(), res.stdout, res.stderr)
	}
}

// With -fake, a secret in the environment is the one sent (a wrong one is refused by the fake, as
// by the real service), and a user the fake's seed does not know is refused by the fake (exit 1).
// Without the environment the fake's seed gives the secret, as the goldens show.
func TestFakeHonoursTheEnvironmentsSecrets(t *testing.T) {
	for _, tc := range []struct {
		env, value string
		args       []string
		code       int
		says       string
	}{
		{"TVAUTH_WEBAPI_PASSWORD", "not-the-password-7", []string{"webapi", "login"}, exitRefused, "FAIL clientLogin"},
		{"TVAUTH_WEBAPI_PASSWORD", tvauthtest.DefaultWebAPIPassword, []string{"webapi", "logout"}, exitOK, "statusCode 200"},
		{"TVAUTH_AGS_PASSWORD", "not-the-password-7", []string{"ags", "signon"}, exitRefused, "FAIL signOn"},
		{"TVAUTH_AGS_PASSWORD", "not-the-password-7", []string{"ags", "register"}, exitRefused, "FAIL register"},
		{"TVAUTH_AGS_PASSWORD", tvauthtest.DefaultAGSPassword, []string{"ags", "refresh"}, exitOK, "ok   refresh"},
		{"TVAUTH_PASS_SOFTWARE_STATEMENT", "not-the-statement-7", []string{"pass", "register"}, exitRefused, "FAIL register"},
		{"TVAUTH_PASS_SOFTWARE_STATEMENT", "not-the-statement-7", []string{"clientless", "checkauthn"}, exitRefused, "FAIL register"},
		{"TVAUTH_PASS_SAML_RESPONSE", "bm90LWEtc2FtbC1yZXNwb25zZQ==", []string{"pass", "partner"}, exitRefused, "FAIL partner profile"},
		{"TVAUTH_AGS_OPERATOR_TOKEN", "not-the-operator-token-7", []string{"ags", "sessiontoken"}, exitRefused, "FAIL getSessionToken"},
		{"", "", []string{"ags", "signon", "-ags-user", "nobody"}, exitRefused, "FAIL signOn"},
		{"", "", []string{"ags", "register", "-ags-user", "nobody"}, exitRefused, "FAIL register"},
		{"", "", []string{"webapi", "login", "-webapi-login", "nobody@example.com"}, exitRefused, "FAIL clientLogin"},
	} {
		t.Run(tc.env+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{tc.env: tc.value}
			res := runCmd(t, vars, nil, append(tc.args, "-fake")...)
			if res.code != tc.code || !strings.Contains(res.stdout, tc.says) {
				t.Errorf("exit %d, want %d and %q\n%s%s", res.code, tc.code, tc.says, res.stdout, res.stderr)
			}
			if tc.env == "" {
				return
			}
			if !strings.Contains(res.stdout, "from "+tc.env+", not from the fake's seed") {
				t.Errorf("no note that %s was used:\n%s", tc.env, res.stdout)
			}
			if strings.Contains(res.stdout+res.stderr, tc.value) {
				t.Errorf("the value of %s is printed:\n%s%s", tc.env, res.stdout, res.stderr)
			}
		})
	}
}
