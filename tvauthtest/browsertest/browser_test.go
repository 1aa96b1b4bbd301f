package browsertest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tvauth/tvauth"
)

// update writes a screenshot of each page to ../../docs/img (the testing guide shows them). Normal
// runs take none, so they never rewrite the committed files.
var update = flag.Bool("update", false, "write a screenshot of each page to ../../docs/img")

// screenshotDir is where -update writes the screenshots, from this package's directory.
const screenshotDir = "../../docs/img"

// Generous limits for a loaded 2-core machine: a whole scenario, and one step of it.
const (
	scenarioTimeout = 3 * time.Minute
	stepTimeout     = 45 * time.Second
)

// chromium finds the browser: $TVAUTH_CHROMIUM, else Debian's chromium or another Chrome on PATH.
// Without one the test is skipped, or fails where CI is set (CI installs it) or
// TVAUTH_BROWSER_TESTS=require; TVAUTH_BROWSER_TESTS=skip skips it everywhere.
func chromium(t *testing.T) string {
	t.Helper()
	mode := os.Getenv("TVAUTH_BROWSER_TESTS")
	if mode == "skip" {
		t.Skip("browser tests skipped: TVAUTH_BROWSER_TESTS=skip")
	}
	if p := os.Getenv("TVAUTH_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("TVAUTH_CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (install Debian's: apt-get install -y chromium; or set TVAUTH_CHROMIUM to a Chrome binary)"
	if mode == "require" || os.Getenv("CI") != "" {
		t.Fatal(msg + "; the browser tests are required here (CI or TVAUTH_BROWSER_TESTS=require is set)")
	}
	t.Skip(msg + "; the browser tests are skipped (set CI or TVAUTH_BROWSER_TESTS=require to make this a failure)")
	return ""
}

// browser starts a headless Chromium of its own for one test and returns a tab's context, which
// ends with the test or after scenarioTimeout. The flags are those this machine's closed network
// needs: no background networking, no component updates, no sync, no QUIC, a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // the tests may run as root, as CI does
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(profileDir(t)),
		chromedp.WindowSize(1000, 800),
	)
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		_ = chromedp.Cancel(tab) // closes the browser and waits for it
		cancelTab()
	})
	if err := chromedp.Run(tab); err != nil { // starts the browser
		t.Fatalf("starting Chromium: %v", err)
	}
	return tab
}

// profileDir is a fresh Chromium profile for one test, removed after it. Chromium's helper
// processes may still be writing in it for a moment after the browser closed, so the removal is
// retried for a while (t.TempDir would fail the test instead).
func profileDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tvauth-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove Chromium's profile %s", dir)
	})
	return dir
}

// run runs actions in the tab, each step bounded by stepTimeout.
func run(t *testing.T, tab context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var loc string
		_ = chromedp.Run(tab, chromedp.Location(&loc))
		t.Fatalf("%s: %v (the browser is at %s)", what, err, loc)
	}
}

// waitURL waits until the tab's location starts with prefix and returns it.
func waitURL(t *testing.T, tab context.Context, prefix string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	var loc string
	for {
		if err := chromedp.Run(ctx, chromedp.Location(&loc)); err == nil && strings.HasPrefix(loc, prefix) {
			return loc
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the browser did not reach %s: it is at %s", prefix, loc)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// text is the visible text of the first element matching sel.
func text(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	var s string
	run(t, tab, "reading "+sel, chromedp.WaitVisible(sel, chromedp.ByQuery), chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

// pageSource is the whole document, with what closed <details> hide.
func pageSource(t *testing.T, tab context.Context) string {
	t.Helper()
	var html string
	run(t, tab, "reading the page", chromedp.OuterHTML("html", &html, chromedp.ByQuery))
	return html
}

// screenshot writes the page to docs/img/fake-NAME.png with -update; without, it does nothing.
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	if !*update {
		return
	}
	var png []byte
	run(t, tab, "screenshot "+name, chromedp.FullScreenshot(&png, 100)) // 100: PNG
	path := filepath.Join(screenshotDir, "fake-"+name+".png")
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// typeInto clears a field and types s into it, key by key, as a person does.
func typeInto(sel, s string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).value = ""`, sel), nil),
		chromedp.SendKeys(sel, s, chromedp.ByQuery),
	}
}

// submitWithEnter types s into a field and presses Enter: the keyboard submits the form.
func submitWithEnter(sel, s string) chromedp.Action {
	return chromedp.Tasks{typeInto(sel, s), chromedp.SendKeys(sel, kb.Enter, chromedp.ByQuery)}
}

// app is the streaming app's own web page: where the fake's chains land (redirect URLs).
func app(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!DOCTYPE html><title>The app</title><h1 id=landed>The app: %s</h1>", r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// passStatus is the HTTP status of a Pass error, 0 when err is none.
func passStatus(err error) int {
	var pe *tvauth.PassError
	if errors.As(err, &pe) {
		return pe.HTTPStatus
	}
	return 0
}
