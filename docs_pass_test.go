package tvauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// docs/pass.md's Go blocks (see readme_test.go) and the tests that run them against the fake.

// docs:begin pass-credentials
// stored comes from your secret manager, where it was put once with creds.MarshalUnmaskedJSON().
func newPassClient(stored []byte, device tvauth.Device) (*tvauth.Client, error) {
	var creds tvauth.ClientCredentials
	if err := json.Unmarshal(stored, &creds); err != nil {
		return nil, err // tvauth.ErrMaskedSecret: stored with json.Marshal, which masks the secret
	}
	return tvauth.New(tvauth.WithDevice(device), tvauth.WithPassCredentials(creds))
}

// docs:end pass-credentials

func TestDocsPassCredentials(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fakeAsDefaultTransport(t, fake)
	ctx := context.Background()
	registrar, err := tvauth.New(tvauth.WithDevice(docsDevice("docs-tv")))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := registrar.Pass.Register(ctx, fake.SoftwareStatement())
	if err != nil {
		t.Fatal(err)
	}
	clear, err := creds.MarshalUnmaskedJSON()
	if err != nil {
		t.Fatal(err)
	}
	masked, err := json.Marshal(creds)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		stored  []byte
		wantErr error
	}{
		{"clear form", clear, nil},
		{"masked by json.Marshal", masked, tvauth.ErrMaskedSecret},
	} {
		var client *tvauth.Client
		checkQuiet(t, runSnippet(t, func() { client, err = newPassClient(tc.stored, docsDevice("docs-tv")) }))
		if !errors.Is(err, tc.wantErr) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.wantErr)
		}
		if err != nil {
			continue
		}
		// The client fetches a token with the stored credentials: no registration.
		if _, err := client.Pass.Configuration(ctx, "REF30"); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if n := countRequests(fake, "/o/client/register"); n != 1 {
			t.Fatalf("%s: %d registrations, want the one above", tc.name, n)
		}
	}
}

// docs:begin pass-signin
// On the TV. show is your app's: it shows the code to type on your activation page.
func signInOnTV(ctx context.Context, client *tvauth.Client, show func(code string)) (*tvauth.Profile, error) {
	sess, err := client.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: "REF30",
		DomainName: "adobe.com", RedirectURL: "https://app.example/tvauth/done"})
	if err != nil {
		return nil, err
	}
	show(sess.Code)
	// Polls every 3–5 s; tvauth.ErrCodeExpired once the code's notAfter has passed.
	return client.Pass.WaitForProfile(ctx, "REF30", sess.Code)
}

// On the second screen, once the user typed the code and picked a TV provider: the page to open.
func providerLoginPage(ctx context.Context, client *tvauth.Client, code, mvpd string) (string, error) {
	sess, err := client.Pass.ResumeSession(ctx, code, tvauth.SessionRequest{ServiceProvider: "REF30", MVPD: mvpd})
	if err != nil {
		return "", err
	}
	if !sess.NeedsUserAgent() {
		return "", fmt.Errorf("next action %s/%s: no login page to open", sess.ActionName, sess.ActionType)
	}
	return sess.URL.String(), nil // the browser logs in there and lands on the session's RedirectURL
}

// docs:end pass-signin

// docs:begin pass-authorize
// Before playback: the decision for one resource and its media token.
func mediaToken(ctx context.Context, client *tvauth.Client, mvpd, resource string) (string, error) {
	res, err := client.Pass.Authorize(ctx, tvauth.DecisionRequest{ServiceProvider: "REF30", MVPD: mvpd,
		Resources: []string{resource}})
	if err != nil {
		return "", err
	}
	d, ok := res.Decision(resource)
	switch {
	case !ok:
		return "", fmt.Errorf("no decision for %s", resource)
	case !d.Authorized && d.Error != nil:
		return "", d.Error // why, as an Enhanced Error Code: retry only when its Action is "retry"
	case !d.Authorized || d.Token == nil:
		return "", fmt.Errorf("%s is not authorized", resource)
	}
	return string(d.Token.SerializedToken), nil // for the player's media verifier
}

// docs:end pass-authorize

func TestDocsPassSignIn(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD("Cablevision", true)
	fake.DenyResource("Cablevision", "HBO")
	ctx := context.Background()
	tv := fake.Client()                                    // the TV
	secondScreen := fake.PassClient(docsDevice("browser")) // the activation page's backend

	var shown []string
	var profile *tvauth.Profile
	var err error
	show := func(code string) {
		shown = append(shown, code)
		// The user's part, done here before the TV's first poll so that the test never waits 3 s.
		page, err := providerLoginPage(ctx, secondScreen, code, "Cablevision")
		if err != nil {
			t.Fatal(err)
		}
		if landed, err := fake.Browse(ctx, nil, page, "https://app.example/tvauth/done"); err != nil ||
			landed != "https://app.example/tvauth/done" {
			t.Fatalf("login page %s: landed on %q, %v", page, landed, err)
		}
	}
	checkQuiet(t, runSnippet(t, func() { profile, err = signInOnTV(ctx, tv, show) }))
	if err != nil {
		t.Fatal(err)
	}
	if len(shown) != 1 || shown[0] == "" || profile.MVPD != "Cablevision" {
		t.Fatalf("showed %q, profile %+v", shown, profile)
	}

	for _, tc := range []struct {
		resource string
		wantDeny bool
	}{
		{"REF30", false},
		{"HBO", true}, // the fake's MVPD denies it, with an Enhanced Error Code
	} {
		var tok string
		checkQuiet(t, runSnippet(t, func() { tok, err = mediaToken(ctx, tv, profile.MVPD, tc.resource) }))
		if tc.wantDeny {
			var pe *tvauth.PassError
			if !errors.As(err, &pe) || tok != "" {
				t.Fatalf("%s: token %q, err %v; want the deny's *tvauth.PassError", tc.resource, tok, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.resource, err)
		}
		if mt, err := fake.VerifyMediaToken(tvauth.Secret(tok)); err != nil || mt.Resource != tc.resource {
			t.Fatalf("%s: the fake refused the media token: %+v, %v", tc.resource, mt, err)
		}
	}
}
