package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The quickstart is the README's promise: every flow against the fake, every step named, exit 0.
func TestQuickstartRunsEveryFlow(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	steps := []string{
		// Pass v2
		"register", "token", "configuration", "session", "browser login", "profile", "authorize",
		"logout Cablevision     next action logout/interactive", "follow MVPD logout",
		"logout Dish            next action complete/none", "logout Cablevision     next action invalid/none",
		// Clientless v1
		"regcode", "authenticate URL       first reg_code=", "… last redirect_url=", "authenticate           302",
		"second-screen login", "checkauthn", "media token", "logout                 204",
		// WebAPI
		"clientLogin", "session key", "logout json", "logout xml", "logout qs",
		// AGS
		"discovery", "signOn                 HTTP 300: 2 accounts", "choose", "subsequentSignOn", "refresh", "signOut",
	}
	for _, s := range steps {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q", s)
		}
	}
	if strings.Contains(out.String(), "FAIL") {
		t.Errorf("a step failed:\n%s", out.String())
	}
}

// TestQuickstartVerbose: -v logs one line per HTTP attempt to stderr, secrets redacted.
func TestQuickstartVerbose(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"-v", "-only", "webapi"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	logs := errOut.String()
	for _, want := range []string{"level=DEBUG", "method=POST", "/auth/clientLogin", "status=200", "attempt=1", "duration="} {
		if !strings.Contains(logs, want) {
			t.Errorf("-v output lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "correct horse battery staple") || strings.Contains(logs, "sig_sha256=") && !strings.Contains(logs, "sig_sha256=REDACTED") {
		t.Errorf("-v output leaks a secret:\n%s", logs)
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"-only", "webapi"}, &out, &errOut); code != 0 || errOut.Len() != 0 {
		t.Errorf("without -v: exit %d, stderr %q", code, errOut.String())
	}
}

func TestQuickstartOneFamilyAndBadFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"-only", "webapi"}, &out, &errOut); code != 0 || strings.Contains(out.String(), "OpenTV") {
		t.Fatalf("-only webapi: exit %d\n%s", code, out.String())
	}
	if code := run(context.Background(), []string{"-only", "nope"}, &out, &errOut); code != 2 {
		t.Errorf("unknown family: exit %d, want 2", code)
	}
	// A real host without its secret fails that flow, before any request.
	out.Reset()
	if code := run(context.Background(), []string{"-only", "ags", "-ags-url", "https://ags.invalid/ags"}, &out, &errOut); code != 1 ||
		!strings.Contains(out.String(), "TVAUTH_AGS_PASSWORD") {
		t.Errorf("missing secret: exit %d\n%s", code, out.String())
	}
}
