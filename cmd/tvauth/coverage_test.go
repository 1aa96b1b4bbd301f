package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/tvauth/tvauth"
)

// subcommandOf maps every public network method of the SDK ("Family.Method", as the registry in
// methods_test.go names them) to the subcommand that runs it from a terminal.
var subcommandOf = map[string]string{
	"Pass.LoadOrRegister":  "pass register",
	"Pass.AccessToken":     "pass token",
	"Pass.Configuration":   "pass config",
	"Pass.CreateSession":   "pass login",
	"Pass.AuthenticateURL": "pass login",
	"Pass.WaitForProfile":  "pass login",
	"Pass.SessionInfo":     "pass session",
	"Pass.ResumeSession":   "pass session",
	"Pass.Profiles":        "pass profiles",
	"Pass.ProfileForMVPD":  "pass profile",
	"Pass.ProfileForCode":  "pass profile",
	"Pass.Authorize":       "pass decide",
	"Pass.Preauthorize":    "pass preauthorize",
	"Pass.PartnerSession":  "pass partner",
	"Pass.PartnerProfile":  "pass partner",
	"Pass.Logout":          "pass logout",

	"Clientless.CreateRegCode":         "clientless authenticate",
	"Clientless.WaitForAuthN":          "clientless authenticate",
	"Clientless.AuthenticateURL":       "clientless authurl",
	"Clientless.Authenticate":          "clientless authurl", // -follow
	"Clientless.RegCode":               "clientless regcode",
	"Clientless.CheckAuthNByRegCode":   "clientless regcode",
	"Clientless.DeleteRegCode":         "clientless regcode", // -delete
	"Clientless.Config":                "clientless config",
	"Clientless.CheckAuthN":            "clientless checkauthn",
	"Clientless.AuthNToken":            "clientless tokens",
	"Clientless.AuthZToken":            "clientless tokens",
	"Clientless.Authorize":             "clientless authorize",
	"Clientless.MediaToken":            "clientless mediatoken",
	"Clientless.Preauthorize":          "clientless preauthorize",
	"Clientless.PreauthorizeByRegCode": "clientless preauthorize", // -reg-code
	"Clientless.UserMetadata":          "clientless metadata",
	"Clientless.FreePreview":           "clientless freepreview",
	"Clientless.Logout":                "clientless logout",

	"WebAPI.ClientLogin": "webapi login",
	"WebAPI.Logout":      "webapi logout",

	"AGS.ServiceDiscovery":       "ags discover",
	"AGS.SignOn":                 "ags signon",
	"AGS.SubsequentSignOn":       "ags signon", // -account on a 300 answer
	"AGS.Refresh":                "ags refresh",
	"AGS.SignOut":                "ags signout",
	"AGS.Register":               "ags register",
	"AGS.SubsequentRegister":     "ags register", // -account on a 300 answer
	"AGS.GetSessionToken":        "ags sessiontoken",
	"AGS.SignOnWithSessionToken": "ags sessiontoken",
}

// leftOut are the methods deliberately without a subcommand of their own, and why.
var leftOut = map[string]string{
	// Reached through another method: pass register's LoadOrRegister registers with it when the
	// credential store (-creds, or memory) holds nothing.
	"Pass.Register": "through Pass.LoadOrRegister",
	// Register with a redirect_uri: a TV app registering from a terminal has no redirect URI to give.
	"Pass.RegisterClient": "low-level variant of Pass.Register",
	// No request of their own: oauth2 / refresh plumbing for long-running apps. The commands build
	// their clients with WithPassCredentials, which uses Pass.TokenSource; ags refresh shows the very
	// refresh an AGSTokenSource performs.
	"Pass.TokenSource":      "no request: builds an oauth2.TokenSource",
	"AGS.TokenSource":       "no request: builds an AGSTokenSource",
	"AGS.SharedTokenSource": "no request: builds an AGSTokenSource on a shared store",
	// ServiceDiscovery with per-call headers (request token, correlation id); the commands set the
	// auth service on the client (-ags-auth-service) instead.
	"AGS.ServiceDiscoveryWith": "low-level variant of AGS.ServiceDiscovery",
}

// noServiceMethod are the subcommands that run no service method: the fake itself, the version, and the signature
// (package functions SignatureBaseString and Sign).
var noServiceMethod = []string{"fake", "webapi sign", "version"}

// sdkMethods lists "Family.Method" for every method of the service types that *tvauth.Client's
// fields hold, as TestRegistryComplete (methods_test.go) finds them.
func sdkMethods(t *testing.T) []string {
	t.Helper()
	var out []string
	client := reflect.TypeOf(tvauth.Client{})
	for i := 0; i < client.NumField(); i++ {
		f := client.Field(i)
		if !f.IsExported() || f.Type.Kind() != reflect.Pointer || !strings.HasSuffix(f.Type.Elem().Name(), "Service") {
			continue
		}
		for j := 0; j < f.Type.NumMethod(); j++ {
			out = append(out, f.Name+"."+f.Type.Method(j).Name)
		}
	}
	if len(out) < 40 {
		t.Fatalf("found only %d methods on the service fields of tvauth.Client: %v", len(out), out)
	}
	slices.Sort(out)
	return out
}

// subcommands lists the command tree's leaves as "family name" ("fake" for the fake).
func subcommands() []string {
	var out []string
	var walk func(prefix string, c *ffcli.Command)
	walk = func(prefix string, c *ffcli.Command) {
		for _, s := range c.Subcommands {
			name := strings.TrimSpace(prefix + " " + s.Name)
			if len(s.Subcommands) == 0 {
				out = append(out, name)
			}
			walk(name, s)
		}
	}
	walk("", rootCommand(&environment{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
	return out
}

// calledMethods lists the "Family.Method" calls (x.Family.Method(…)) in the command's source.
func calledMethods(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	called := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if m, ok := call.Fun.(*ast.SelectorExpr); ok {
					if fam, ok := m.X.(*ast.SelectorExpr); ok {
						called[fam.Sel.Name+"."+m.Sel.Name] = true
					}
				}
			}
			return true
		})
	}
	return called
}

// Every public network method of the SDK has a subcommand that calls it, or is on leftOut with a
// reason; every subcommand named exists, and every subcommand is accounted for.
func TestEverySDKMethodHasASubcommand(t *testing.T) {
	tree := subcommands()
	called := calledMethods(t)
	methods := sdkMethods(t)
	for _, m := range methods {
		sub, mapped := subcommandOf[m]
		why, skipped := leftOut[m]
		switch {
		case mapped && skipped:
			t.Errorf("%s is both mapped to %q and left out (%s)", m, sub, why)
		case !mapped && !skipped:
			t.Errorf("%s has no tvauth subcommand: add one (and map it in subcommandOf), or put it on leftOut with the reason", m)
		case mapped && !slices.Contains(tree, sub):
			t.Errorf("%s is mapped to %q, which is not a subcommand (have %v)", m, sub, tree)
		case mapped && !called[m]:
			t.Errorf("%s is mapped to %q, but no code of the command calls it", m, sub)
		case skipped && strings.HasPrefix(why, "through "):
			if via := strings.TrimPrefix(why, "through "); subcommandOf[via] == "" {
				t.Errorf("%s is reached through %s, which has no subcommand", m, via)
			}
		}
	}
	for m := range subcommandOf {
		if !slices.Contains(methods, m) {
			t.Errorf("subcommandOf maps %s, which is not a method of the SDK", m)
		}
	}
	for m := range leftOut {
		if !slices.Contains(methods, m) {
			t.Errorf("leftOut lists %s, which is not a method of the SDK", m)
		}
	}
	for _, sub := range tree {
		found := slices.Contains(noServiceMethod, sub)
		for _, s := range subcommandOf {
			found = found || s == sub
		}
		if !found {
			t.Errorf("subcommand %q runs no SDK method that subcommandOf records", sub)
		}
	}
	t.Logf("%d SDK methods: %d with a subcommand, %d left out; %d subcommands", len(methods), len(subcommandOf), len(leftOut), len(tree))
}
