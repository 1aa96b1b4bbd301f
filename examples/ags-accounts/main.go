// Command ags-accounts signs in to OpenTV AGS when one login maps to several accounts: signOn answers
// HTTP 300 with the accounts, the user chooses, and subsequentSignOn finishes with that account's
// userAccountToken. The tokens then live in a token source that refreshes them and reports every
// rotation so they can be saved. It runs against the built-in fake unless -ags-url is set.
//
//	go run ./examples/ags-accounts -choose 2
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
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
	flag.Parse()
	if err := run(*agsURL, *authService, *user, *choose); err != nil {
		fmt.Fprintln(os.Stderr, "ags-accounts:", err)
		os.Exit(1)
	}
}

func run(agsURL, authService, user string, choose int) error {
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
	client, err := tvauth.New(opts...)
	if err != nil {
		return err
	}

	params := []tvauth.Parameter{{Name: "username", Value: user}, {Name: "password", Value: password}}
	res, err := client.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params,
		DeviceInformation: json.RawMessage(`{"deviceType":"OPEN","device":{"OS":{"type":"Linux","version":"6.1"}}}`)})
	if err != nil {
		return err // *tvauth.AGSError: 401 bad credentials, 403 with a documented code (suspended, device limit, …)
	}
	tokens := res.Tokens
	if len(res.Accounts) > 0 { // HTTP 300: an answer, not an error
		fmt.Printf("%d accounts for %s:\n", len(res.Accounts), user)
		for i, a := range res.Accounts {
			info, _ := a.Information()
			fmt.Printf("  %d. %v\n", i+1, info)
		}
		if choose < 1 || choose > len(res.Accounts) {
			return fmt.Errorf("-choose %d: pick 1 to %d", choose, len(res.Accounts))
		}
		tokens, err = client.AGS.SubsequentSignOn(ctx, res.Accounts[choose-1], tvauth.SignOnRequest{Parameters: params[:1]})
		if err != nil {
			return err
		}
	}
	fmt.Printf("signed in to account %s on device %s (correlation id %s)\n", tokens.AccountID, tokens.ClientID, tokens.CorrelationID)

	// Keep the device's client_id: sending deviceInformation again would register a new device.
	ts := client.AGS.TokenSource(tokens, tvauth.SignOnRequest{}, func(t tvauth.Tokens) {
		fmt.Println("tokens rotated; save them:", t) // secrets print masked
	})
	tok, err := ts.Token()
	if err != nil {
		return err
	}
	fmt.Printf("bearer token for OpenTV APIs, valid until %s\n", tok.Expiry.UTC().Format(time.TimeOnly))
	if err := client.AGS.SignOut(ctx, ts.Tokens().AccessToken, tvauth.SignOnRequest{}); err != nil {
		return err
	}
	fmt.Println("signed out")
	return nil
}
