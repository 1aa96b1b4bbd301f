// Command pass-logout signs a device out of its TV provider with Adobe Pass REST API v2 and handles
// every next action Adobe can answer with. With no flags it runs against the in-process fake, which
// first signs the device in; with -pass-url (and TVAUTH_PASS_SOFTWARE_STATEMENT) it uses a real host.
//
// Client credentials are kept in a file: Adobe binds profiles to them, so registering again on every
// start would sign users out.
//
//	go run ./examples/pass-logout
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func main() {
	passURL := flag.String("pass-url", "", "Adobe Pass root (default: the built-in fake)")
	sp := flag.String("sp", "REF30", "service provider id")
	mvpd := flag.String("mvpd", "Cablevision", "MVPD to sign out of")
	redirect := flag.String("redirect-url", "https://app.example/logged-out", "where the user agent lands last")
	store := flag.String("credentials", filepath.Join(os.TempDir(), "tvauth-pass-credentials.json"), "client credentials file")
	flag.Parse()
	if err := run(*passURL, *sp, *mvpd, *redirect, *store); err != nil {
		fmt.Fprintln(os.Stderr, "pass-logout:", err)
		os.Exit(1)
	}
}

func run(passURL, sp, mvpd, redirect, storePath string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	device := tvauth.Device{ID: "living-room-tv", Info: tvauth.DeviceInfo{Model: "TV-55", Version: "3",
		OSName: "Linux", OSVersion: "6.1", ConnectionType: "WiFi"}}

	opts := []tvauth.Option{tvauth.WithDevice(device)}
	statement := os.Getenv("TVAUTH_PASS_SOFTWARE_STATEMENT")
	var fake *tvauthtest.Server
	if passURL == "" {
		fake = tvauthtest.NewServer()
		defer fake.Close()
		fake.AddMVPD(mvpd, true)
		fake.AddProfile(tvauthtest.Profile{ServiceProvider: sp, MVPD: mvpd, DeviceID: device.ID}) // signed in
		statement = fake.SoftwareStatement()
		opts = append(opts, fake.Options()...)
		storePath += ".fake" // the fake's credentials are worthless elsewhere
		defer os.Remove(storePath)
	} else {
		opts = append(opts, tvauth.WithPassURL(passURL))
	}

	reg, err := tvauth.New(opts...)
	if err != nil {
		return err
	}
	creds, err := reg.Pass.LoadOrRegister(ctx, tvauth.NewFileCredentialStore(storePath), statement)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	client, err := tvauth.New(append(opts, tvauth.WithPassCredentials(creds))...)
	if err != nil {
		return err
	}

	res, err := client.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sp, MVPD: mvpd, RedirectURL: redirect})
	if err != nil {
		return fmt.Errorf("logout: %w", err) // *tvauth.PassError; errors.Is(err, tvauth.ErrRateLimited) after retries
	}
	for _, a := range res.Actions {
		switch {
		case a.NeedsUserAgent():
			fmt.Printf("%s: %s/%s — open %s in a browser or WebView; it is done when it reaches %s\n", a.MVPD, a.Name, a.Type, a.URL, redirect)
			if fake != nil {
				landed, err := fake.Browse(ctx, nil, a.URL.String(), redirect)
				if err != nil {
					return err
				}
				fmt.Printf("%s: (fake) the user agent reached %s\n", a.MVPD, landed)
			}
		case a.NeedsPartnerLogout():
			fmt.Printf("%s: %s/%s — ask the user to sign out of the TV provider in the system settings too\n", a.MVPD, a.Name, a.Type)
		case a.IsComplete():
			fmt.Printf("%s: %s/%s — nothing more to do\n", a.MVPD, a.Name, a.Type)
		default:
			fmt.Printf("%s: %s/%s — a next action newer than this program\n", a.MVPD, a.Name, a.Type)
		}
	}
	return nil
}
