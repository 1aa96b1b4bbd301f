package tvauth

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// What a program links is part of the SDK's promise to firmware builds: a program that uses only Adobe
// Pass v2 and AGS links no XML decoder (only NINA WebAPI and the v1 API answer in XML), and one that
// never calls WithLogger links no slog logging code from tvauth. TestLinkedOnlyWhenUsed builds two
// tiny programs and reads their symbol tables; the positive control proves the check can fail.
//
// To measure binary size by hand (the README's figure), build a program in a directory of this module
// with CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -ldflags='-s -w' and compare it with a net/http
// hello world built the same way; `go tool nm -size -sort size` on a build without -s -w shows what
// each package adds.
func TestLinkedOnlyWhenUsed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs (about 2 s with a warm build cache)")
	}
	t.Parallel()
	programs := map[string]string{
		// Pass v2 and AGS only, no logger: neither XML nor slog logging may be linked.
		"passags": `
	c, err := tvauth.New(tvauth.WithPassURL(os.Args[1]), tvauth.WithAGSURL(os.Args[1]))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.Pass.Logout(context.Background(), tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "x"})
	fmt.Println(res, err)
	sr, err := c.AGS.SignOn(context.Background(), tvauth.SignOnRequest{DeviceInformation: []byte("{}")})
	fmt.Println(sr, err)`,
		// The positive control: WebAPI (XML replies) with a logger links both.
		"webapilog": `
	c, err := tvauth.New(tvauth.WithWebAPIURL(os.Args[1]), tvauth.WithWebAPIDevID("d"),
		tvauth.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))))
	if err != nil {
		fmt.Println(err)
		return
	}
	sess, err := c.WebAPI.ClientLogin(context.Background(), tvauth.ClientLoginRequest{LoginID: "u", Password: "p"})
	fmt.Println(sess, err)`,
	}
	sources := map[string]string{}
	for name, body := range programs {
		imports := `"context"; "fmt"; "os"; "github.com/tvauth/tvauth"`
		if strings.Contains(body, "slog.") {
			imports += `; "log/slog"`
		}
		sources[name] = "import (" + imports + ")\n\nfunc main() {" + body + "\n}"
	}
	bin := buildPrograms(t, sources, nil)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	symbols := func(name string) []string {
		exe := filepath.Join(bin, name)
		if _, err := os.Stat(exe + ".exe"); err == nil {
			exe += ".exe"
		}
		out, err := exec.Command(goTool, "tool", "nm", exe).Output()
		if err != nil {
			t.Fatalf("go tool nm %s: %v", name, err)
		}
		var text []string // code symbols: "addr T name"
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) >= 3 && f[1] == "T" {
				text = append(text, strings.Join(f[2:], " "))
			}
		}
		return text
	}
	// xmlCode is encoding/xml code beyond its package initialisation, which any importer runs.
	xmlCode := func(sym string) bool {
		rest, ok := strings.CutPrefix(sym, "encoding/xml.")
		return ok && rest != "init" && !strings.HasPrefix(rest, "map.init")
	}
	// slogLogging is a method of *slog.Logger: only WithLogger's line calls one. A *slog.Logger kept in
	// a struct the SDK reaches links them all, because go-retryablehttp's LeveledLogger interface has
	// Debug, Info, Warn and Error with the same signatures (about 64 KiB on linux/arm64).
	slogLogging := func(sym string) bool { return strings.HasPrefix(sym, "log/slog.(*Logger).") }
	count := func(syms []string, match func(string) bool) (n int, first string) {
		for _, s := range syms {
			if match(s) {
				if n == 0 {
					first = s
				}
				n++
			}
		}
		return n, first
	}

	pa := symbols("passags")
	if n, first := count(pa, xmlCode); n > 0 {
		t.Errorf("a Pass v2 + AGS program links %d encoding/xml functions (first %s): something every call reaches uses XML", n, first)
	}
	if n, first := count(pa, slogLogging); n > 0 {
		t.Errorf("a program without WithLogger links %d methods of *slog.Logger (first %s): a logger is reachable without WithLogger", n, first)
	}
	wl := symbols("webapilog")
	if n, _ := count(wl, xmlCode); n == 0 {
		t.Error("control: a WebAPI program links no encoding/xml code; the check above proves nothing")
	}
	if n, _ := count(wl, slogLogging); n == 0 {
		t.Error("control: a program with WithLogger links no slog LogAttrs; the check above proves nothing")
	}
}
