package tvauth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// docs/ags.md's Go blocks (see readme_test.go) and the tests that run them.

// docs:begin ags-flow
// choose and save are your app's: the user picks an account of a 300 answer; save persists tokens
// (the refresh token rotates on every refresh, and the ClientID names this device from now on).
func signOnAndOff(ctx context.Context, username, pw string, choose func([]tvauth.Account) int, save func(tvauth.Tokens)) error {
	client, err := tvauth.New(
		tvauth.WithAGSURL("https://api.example.opentv.com/ags"),
		tvauth.WithAGSTenant("nagra"), // nv-tenant-id
		tvauth.WithAGSHeader("Nagra-Device-Type", "Browser"),
	)
	if err != nil {
		return err
	}
	// The auth service to sign on with (x-auth-service-id) is named by service discovery.
	disc, err := client.AGS.ServiceDiscovery(ctx)
	if err != nil {
		return err
	}
	if len(disc.AvailableServices) == 0 {
		return errors.New("the operator offers no auth service")
	}
	service := disc.AvailableServices[0].AuthServiceName

	params := []tvauth.Parameter{{Name: "username", Value: username}, {Name: "password", Value: pw}}
	device := &tvauth.AGSDeviceInformation{DeviceType: "OPEN",
		Hardware: &tvauth.AGSHardware{Type: "STB"}, OS: &tvauth.AGSOS{Type: "Linux", Version: "6.1"}}

	// The first sign-on on a device sends its Device information (or raw DeviceInformation JSON);
	// later ones send the ClientID it got.
	res, err := client.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params, Device: device, AuthService: service})
	if err != nil {
		return err // *tvauth.AGSError; tvauth.IsAGSCode(err, tvauth.AGSCodeDeviceLimitReached), …
	}
	tokens := res.Tokens
	if len(res.Accounts) > 0 { // HTTP 300: one login, several accounts. An answer, not an error.
		// subsequentSignOn authenticates with the chosen account's User-Token, and takes only the
		// username, not the password again: params[:1].
		tokens, err = client.AGS.SubsequentSignOn(ctx, res.Accounts[choose(res.Accounts)],
			tvauth.SignOnRequest{Parameters: params[:1], AuthService: service})
		if err != nil {
			return err
		}
	}
	save(*tokens)

	// The token source refreshes through /refresh before expiry, one refresh at a time, and reports
	// every rotation to save.
	ts := client.AGS.TokenSource(tokens, tvauth.SignOnRequest{AuthService: service}, save)
	if _, err := ts.Token(); err != nil { // an *oauth2.Token for your OpenTV API calls
		return err
	}
	return client.AGS.SignOut(ctx, ts.Tokens().AccessToken, tvauth.SignOnRequest{AuthService: service})
}

// docs:end ags-flow

func TestDocsAGSFlow(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fakeAsDefaultTransport(t, fake)
	fake.AddAGSUser("dave", "1660", "1663")
	var saved []tvauth.Tokens
	var offered int
	var err error
	checkQuiet(t, runSnippet(t, func() {
		err = signOnAndOff(context.Background(), "dave", fake.AGSPassword("dave"),
			func(accounts []tvauth.Account) int { offered = len(accounts); return 1 },
			func(t tvauth.Tokens) { saved = append(saved, t) })
	}))
	if err != nil {
		t.Fatal(err)
	}
	if offered != 2 || len(saved) != 1 || saved[0].AccountID != "1663" || saved[0].ClientID == "" {
		t.Fatalf("offered %d accounts, saved %+v", offered, saved)
	}
	if fake.AGSAccessTokenActive(saved[0].AccessToken) {
		t.Fatal("the access token is still active after SignOut")
	}
}
