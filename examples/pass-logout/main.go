// Command pass-logout signs a device out of its TV provider with Adobe Pass REST API v2 and handles
// every next action Adobe can answer with:
//
//	logout/interactive                 open the URL in a browser or WebView until it reaches the redirect URL
//	partner_logout/partner_interactive the user signed in through the platform (Apple): ask them to sign out there too
//	complete/none                      nothing more to do
//	invalid/none                       there was no valid profile to sign out of
//
// With no flags it runs against the in-process fake, seeded so that each MVPD answers one of those
// kinds. With -pass-url (and TVAUTH_PASS_SOFTWARE_STATEMENT) it signs out of -mvpd on a real host.
//
// The client registers once per install: its DCR client credentials are kept in a file (printed at
// start; -credentials moves it), because Adobe binds profiles to them and registering again would sign
// every user out. -v prints the SDK's per-attempt log lines (secrets redacted).
//
//	go run ./examples/pass-logout -v
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func main() {
	passURL := flag.String("pass-url", "", "Adobe Pass root (default: the built-in fake)")
	sp := flag.String("sp", "REF30", "service provider id")
	mvpds := flag.String("mvpd", "", "MVPDs to sign out of, comma-separated (default with the fake: one of each next-action kind)")
	redirect := flag.String("redirect-url", "https://app.example/logged-out", "where the user agent lands last")
	store := flag.String("credentials", defaultCredentialsPath(), "client credentials file (the fake uses a temporary one)")
	verbose := flag.Bool("v", false, "log every HTTP attempt of the SDK to stderr (debug level, secrets redacted)")
	flag.Parse()
	if err := run(os.Stdout, *passURL, *sp, *mvpds, *redirect, *store, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "pass-logout:", err)
		os.Exit(1)
	}
}

// defaultCredentialsPath is where an installed app would keep its credentials: the user's config
// directory (~/.config on Linux, ~/Library/Application Support on macOS, %AppData% on Windows).
func defaultCredentialsPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "tvauth", "pass-credentials.json")
}

// The fake's MVPDs, one per next-action kind.
const (
	mvpdWithLogoutPage = "Cablevision" // regular profile, MVPD logout page: logout/interactive
	mvpdWithoutPage    = "Dish"        // regular profile, no logout page: complete/none
	mvpdPartnerSSO     = "Spectrum"    // signed in through Apple's single sign-on: partner_logout/partner_interactive
	mvpdNotSignedIn    = "Verizon"     // no profile on this device: invalid/none
)

func run(out io.Writer, passURL, sp, mvpdList, redirect, storePath string, verbose bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	device := tvauth.Device{ID: "living-room-tv", Info: tvauth.DeviceInfo{Model: "TV-55", Version: "3",
		OSName: "Linux", OSVersion: "6.1", ConnectionType: "WiFi"}}

	var opts []tvauth.Option
	statement := os.Getenv("TVAUTH_PASS_SOFTWARE_STATEMENT")
	var fake *tvauthtest.Server
	if passURL == "" {
		fake = tvauthtest.NewServer()
		defer fake.Close()
		for _, m := range []struct {
			id         string
			logoutPage bool
			profile    string
		}{{mvpdWithLogoutPage, true, "regular"}, {mvpdWithoutPage, false, "regular"},
			{mvpdPartnerSSO, true, tvauthtest.PartnerProfileType}, {mvpdNotSignedIn, true, ""}} {
			fake.AddMVPD(m.id, m.logoutPage)
			if m.profile != "" { // the device signed in to this MVPD earlier
				fake.AddProfile(tvauthtest.Profile{ServiceProvider: sp, MVPD: m.id, DeviceID: device.ID, Type: m.profile})
			}
		}
		if mvpdList == "" {
			mvpdList = strings.Join([]string{mvpdWithLogoutPage, mvpdPartnerSSO, mvpdWithoutPage, mvpdNotSignedIn}, ",")
		}
		statement = string(fake.SoftwareStatement())
		opts = fake.Options()
		if storePath == defaultCredentialsPath() { // the fake's credentials are worthless anywhere else
			storePath = filepath.Join(os.TempDir(), fmt.Sprintf("tvauth-pass-logout-%d.json", os.Getpid()))
			defer os.Remove(storePath)
		}
	} else {
		if statement == "" {
			return errors.New("set TVAUTH_PASS_SOFTWARE_STATEMENT to the software statement from the TVE Dashboard")
		}
		if mvpdList == "" {
			return errors.New("-mvpd: which MVPD to sign out of")
		}
		opts = []tvauth.Option{tvauth.WithPassURL(passURL)}
	}
	if verbose {
		opts = append(opts, tvauth.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}

	if _, err := os.Stat(storePath); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(out, "credentials: none yet at %s; the first call registers this install and saves them there\n", storePath)
	} else {
		fmt.Fprintf(out, "credentials: %s (delete it only to register anew: that signs every user out)\n", storePath)
	}
	// One client: it loads the credentials, or registers and saves them, on its first call.
	client, err := tvauth.New(append(opts, tvauth.WithDevice(device),
		tvauth.WithPassCredentialStore(tvauth.NewFileCredentialStore(storePath), tvauth.Secret(statement)))...)
	if err != nil {
		return err
	}

	for _, mvpd := range strings.Split(mvpdList, ",") {
		res, err := client.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: sp, MVPD: strings.TrimSpace(mvpd), RedirectURL: redirect})
		if err != nil {
			return fmt.Errorf("logout of %s: %w", mvpd, err) // *tvauth.PassError; errors.Is(err, tvauth.ErrRateLimited) after retries
		}
		for _, a := range res.Actions {
			if err := handle(ctx, out, fake, a, redirect); err != nil {
				return err
			}
		}
	}
	if _, err := os.Stat(storePath); err == nil {
		fmt.Fprintf(out, "credentials saved in %s for the next start\n", storePath)
	}
	return nil
}

// handle does what one next action asks.
func handle(ctx context.Context, out io.Writer, fake *tvauthtest.Server, a tvauth.LogoutAction, redirect string) error {
	kind := fmt.Sprintf("%-12s %s/%s", a.MVPD+":", a.Name, a.Type)
	switch {
	case a.NeedsUserAgent():
		fmt.Fprintf(out, "%s — open %s in a browser or WebView; it is done when it reaches %s\n", kind, a.URL, redirect)
		if fake != nil {
			landed, err := fake.Browse(ctx, nil, a.URL.String(), redirect)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%-12s (fake) the user agent reached %s\n", "", landed)
		}
	case a.NeedsPartnerLogout():
		fmt.Fprintf(out, "%s — ask the user to sign out of the TV provider in the system settings too\n", kind)
	case a.Name == tvauth.ActionInvalid:
		fmt.Fprintf(out, "%s — this device had no valid profile for the MVPD: nothing to sign out of\n", kind)
	case a.IsComplete():
		fmt.Fprintf(out, "%s — signed out; nothing more to do\n", kind)
	default:
		fmt.Fprintf(out, "%s — a next action newer than this program\n", kind)
	}
	return nil
}
