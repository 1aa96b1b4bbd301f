package tvauth_test

// README:begin testing-fake
import (
	"context"
	"testing"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func TestLogoutOpensTheMVPDLogoutPage(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD("Cablevision", true) // has an MVPD logout page: logout/interactive
	fake.AddProfile(tvauthtest.Profile{ServiceProvider: "REF30", MVPD: "Cablevision", DeviceID: tvauthtest.DefaultDeviceID})

	client := fake.Client() // every family ready: a default device, DCR credentials, a token source

	ctx := context.Background()
	res, err := client.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision",
		RedirectURL: "https://app.example/done"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Actions) != 1 || !res.Actions[0].NeedsUserAgent() {
		t.Fatalf("actions = %v, want one logout/interactive", res.Actions)
	}
	if left := fake.Profiles("REF30", tvauthtest.DefaultDeviceID); len(left) != 0 {
		t.Fatalf("profiles left after logout: %v", left)
	}
}

// README:end testing-fake
