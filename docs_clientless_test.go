package tvauth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// docs/clientless.md's Go blocks (see readme_test.go) and the tests that run them against the fake.

// docs:begin clientless-device
// On the TV. show and play are your app's: show the code to type on your activation page, hand the
// media token to the player.
func watchOnTV(ctx context.Context, client *tvauth.Client, show func(code string), play func(mediaToken string)) error {
	me := tvauth.ClientlessRequest{RequestorID: "REF30"} // this device: the client's WithDevice

	rc, err := client.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: "REF30", TTL: 30 * time.Minute})
	if err != nil {
		return err
	}
	show(rc.Code)

	// The user signs in on a second screen. Poll until then, well above Adobe's 1 request/s throttle.
	if err := client.Clientless.WaitForAuthN(ctx, me, 5*time.Second); err != nil {
		return err
	}

	// Play: authorise, then a short media token for the player's media verification.
	if _, err := client.Clientless.Authorize(ctx, tvauth.ClientlessAuthorizeRequest{RequestorID: "REF30", Resource: "REF30"}); err != nil {
		return err
	}
	tok, err := client.Clientless.MediaToken(ctx, tvauth.ClientlessResourceRequest{RequestorID: "REF30", Resource: "REF30"})
	if err != nil {
		return err
	}
	play(string(tok.SerializedToken))

	// Sign out: this clears Adobe's tokens for the device, not the user's session with the TV provider.
	return client.Clientless.Logout(ctx, me)
}

// docs:end clientless-device

func TestDocsClientlessDevice(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD("Cablevision", false)
	ctx := context.Background()
	const deviceID = "docs-stb"
	tv := fake.PassClient(docsDevice(deviceID))
	webApp := fake.Client() // the login web app's backend: AuthenticateURL makes no call

	var shown, played []string
	show := func(code string) {
		shown = append(shown, code)
		// The user's part, done before the TV's first poll: the login web app sends the browser to
		// Adobe, which sends it on to the MVPD's login and back to the redirect URL.
		u, err := webApp.Clientless.AuthenticateURL(tvauth.AuthenticateRequest{RegCode: code, RequestorID: "REF30",
			MSOID: "Cablevision", DomainName: "example.com", RedirectURL: "https://example.com/activate/done"})
		if err != nil {
			t.Fatal(err)
		}
		if landed, err := fake.Browse(ctx, nil, u, "https://example.com/activate/done"); err != nil ||
			!strings.HasPrefix(landed, "https://example.com/activate/done") {
			t.Fatalf("second-screen login from %s: landed on %q, %v", u, landed, err)
		}
	}
	play := func(tok string) { played = append(played, tok) }
	var err error
	checkQuiet(t, runSnippet(t, func() { err = watchOnTV(ctx, tv, show, play) }))
	if err != nil {
		t.Fatal(err)
	}
	if len(shown) != 1 || len(played) != 1 {
		t.Fatalf("showed %q, played %d tokens", shown, len(played))
	}
	if mt, err := fake.VerifyMediaToken(tvauth.Secret(played[0])); err != nil || mt.Resource != "REF30" {
		t.Fatalf("the fake refused the media token: %+v, %v", mt, err)
	}
	if fake.ClientlessAuthenticated("REF30", deviceID) {
		t.Fatal("still authenticated after Logout")
	}
}
