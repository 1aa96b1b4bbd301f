// Command ags-accounts signs in to OpenTV AGS when one login maps to several accounts: signOn answers
// HTTP 300 with the accounts, the user chooses, and subsequentSignOn finishes with that account's
// userAccountToken. The tokens then live in a token source that refreshes them and reports every
// rotation so they can be saved: the program then plays its own next start, with tokens loaded from
// storage an hour old, so that the token source refreshes and the save callback fires. It runs
// against the built-in fake unless -ags-url is set; -v prints the SDK's per-attempt log lines.
//
//	go run ./examples/ags-accounts -choose 2 -v
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func main() {
	agsURL := flag.String("ags-url", "", "AGS root, e.g. https://host:port/ags (password in TVAUTH_AGS_PASSWORD)")
	authService := flag.String("auth-service", tvauthtest.AGSAuthService, "x-auth-service-id")
	user := flag.String("user", "dave", "username")
	choose := flag.Int("choose", 1, "which account to sign in to when there are several (1-based)")
	verbose := flag.Bool("v", false, "log every HTTP attempt of the SDK to stderr (debug level, secrets redacted)")
	flag.Parse()
	if err := run(os.Stdout, *agsURL, *authService, *user, *choose, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "ags-accounts:", err)
		os.Exit(1)
	}
}

func run(out io.Writer, agsURL, authService, user string, choose int, verbose bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	password := os.Getenv("TVAUTH_AGS_PASSWORD")
	opts := []tvauth.Option{tvauth.WithAGSAuthService(authService)}
	if agsURL == "" {
		fake := tvauthtest.NewServer()
		defer fake.Close()
		fake.AddAGSUser(user, "1660", "1663")
		password = fake.AGSPassword(user)
		opts = append(fake.Options(), opts...)
	} else {
		opts = append(opts, tvauth.WithAGSURL(agsURL))
	}
	if verbose {
		opts = append(opts, tvauth.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	client, err := tvauth.New(opts...)
	if err != nil {
		return err
	}

	params := []tvauth.Parameter{{Name: "username", Value: user}, {Name: "password", Value: password}}
	// First sign-on of this device: its deviceInformation registers it (only once: keep the client_id).
	device := &tvauth.AGSDeviceInformation{DeviceType: "OPEN", PlayoutDeviceClass: "desktop",
		Hardware: &tvauth.AGSHardware{Type: "Browser"}, OS: &tvauth.AGSOS{Type: "Linux", Version: "6.1"}}
	res, err := client.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params, Device: device})
	if err != nil {
		return err // *tvauth.AGSError: 401 bad credentials, 403 with a documented code (suspended, device limit, …)
	}
	tokens := res.Tokens
	if len(res.Accounts) > 0 { // HTTP 300: an answer, not an error
		fmt.Fprintf(out, "%d accounts for %s:\n", len(res.Accounts), user)
		for i, a := range res.Accounts {
			info, _ := a.Information()
			fmt.Fprintf(out, "  %d. %v\n", i+1, info)
		}
		if choose < 1 || choose > len(res.Accounts) {
			return fmt.Errorf("-choose %d: pick 1 to %d", choose, len(res.Accounts))
		}
		tokens, err = client.AGS.SubsequentSignOn(ctx, res.Accounts[choose-1], tvauth.SignOnRequest{Parameters: params[:1]})
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "signed in to account %s on device %s (correlation id %s)\n", tokens.AccountID, tokens.ClientID, tokens.CorrelationID)

	// Keep the device's client_id: sending deviceInformation again would register a new device. The
	// callback is where an app saves the rotated tokens (a keychain, an encrypted file).
	save := func(t tvauth.Tokens) {
		fmt.Fprintf(out, "tokens rotated; saving them: %+v\n", t) // secrets print masked
	}
	ts := client.AGS.TokenSource(tokens, tvauth.SignOnRequest{}, save)
	tok, err := ts.Token()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "bearer token for OpenTV APIs, valid until %s (fresh: no refresh yet)\n", tok.Expiry.UTC().Format(time.TimeOnly))

	// The next start: the saved tokens were received an hour ago, so the access token has expired. The
	// token source refreshes before handing one out: AGS rotates both tokens and save runs.
	saved := ts.Tokens()
	saved.ReceivedAt = saved.ReceivedAt.Add(-time.Hour)
	fmt.Fprintf(out, "next start: tokens loaded from storage, received %s ago\n", time.Since(saved.ReceivedAt).Round(time.Minute))
	ts = client.AGS.TokenSource(&saved, tvauth.SignOnRequest{}, save)
	tok, err = ts.Token()
	if err != nil {
		return err
	}
	rotated := ts.Tokens()
	fmt.Fprintf(out, "bearer token valid until %s; refresh token rotated: %t\n", tok.Expiry.UTC().Format(time.TimeOnly),
		rotated.RefreshToken != saved.RefreshToken)
	if err := client.AGS.SignOut(ctx, rotated.AccessToken, tvauth.SignOnRequest{}); err != nil {
		return err
	}
	fmt.Fprintln(out, "signed out")
	return nil
}
