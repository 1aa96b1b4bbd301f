// Command clientless-authenticate builds the Adobe Pass v1 /api/v1/authenticate URL that a
// second-screen login web app sends the browser to — reg_code first, redirect_url last and
// URL-encoded, never "&reg" — and, against the built-in fake, shows the 302 to the MVPD login page.
//
// -v prints the SDK's per-attempt log lines (secrets redacted).
//
//	go run ./examples/clientless-authenticate -v -redirect-url 'https://example.com/done?from=tv&x=ü'
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func main() {
	req := tvauth.AuthenticateRequest{}
	flag.StringVar(&req.RequestorID, "requestor", "REF30", "requestor_id")
	flag.StringVar(&req.MSOID, "mso", "Cablevision", "mso_id (the MVPD)")
	flag.StringVar(&req.RegCode, "reg-code", "", "reg_code shown on the TV (default: one from the fake)")
	flag.StringVar(&req.DomainName, "domain", "adobe.com", "domain_name")
	flag.StringVar(&req.RedirectURL, "redirect-url", "https://example.com/activate/done?from=tv&step=2", "redirect_url")
	verbose := flag.Bool("v", false, "log every HTTP attempt of the SDK to stderr (debug level, secrets redacted)")
	flag.Parse()
	if err := run(req, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "clientless-authenticate:", err)
		os.Exit(1)
	}
}

func run(req tvauth.AuthenticateRequest, verbose bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD(req.MSOID, true)
	// fake.Options() brings DCR credentials the fake registered (see examples/pass-logout for a real
	// registration kept in a file); the device is the TV showing the code.
	opts := append(fake.Options(), tvauth.WithDevice(tvauth.Device{ID: "tv-1", Info: tvauth.DeviceInfo{Model: "M", Version: "1",
		OSName: "Linux", OSVersion: "6", ConnectionType: "WiFi"}}))
	if verbose {
		opts = append(opts, tvauth.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	tv, err := tvauth.New(opts...)
	if err != nil {
		return err
	}
	if req.RegCode == "" {
		rc, err := tv.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: req.RequestorID})
		if err != nil {
			return err
		}
		req.RegCode = rc.Code
	}

	u, err := tv.Clientless.AuthenticateURL(req)
	if err != nil {
		return err // *tvauth.ValidationError naming the missing field
	}
	fmt.Println("send the browser to:")
	fmt.Println(" ", u)

	// The login web app's server may also make the request itself and hand the browser the MVPD page:
	// the SDK never follows the redirect.
	mvpdPage, err := tv.Clientless.Authenticate(ctx, req)
	if err != nil {
		return err
	}
	fmt.Println("Adobe answers 302 to the MVPD login page:")
	fmt.Println(" ", mvpdPage)
	return nil
}
