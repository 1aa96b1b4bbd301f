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
	fake.AddProfile(tvauthtest.Profile{ServiceProvider: "REF30", MVPD: "Cablevision", DeviceID: "tv-1"})

	ctx := context.Background()
	device := tvauth.Device{ID: "tv-1", Info: tvauth.DeviceInfo{Model: "TV", Version: "1",
		OSName: "Linux", OSVersion: "6", ConnectionType: "WiFi"}}
	reg, err := tvauth.New(append(fake.Options(), tvauth.WithDevice(device))...)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := reg.Pass.Register(ctx, fake.SoftwareStatement())
	if err != nil {
		t.Fatal(err)
	}
	client, err := tvauth.New(append(fake.Options(), tvauth.WithDevice(device), tvauth.WithPassCredentials(*creds))...)
	if err != nil {
		t.Fatal(err)
	}

	res, err := client.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision",
		RedirectURL: "https://app.example/done"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Actions) != 1 || !res.Actions[0].NeedsUserAgent() {
		t.Fatalf("actions = %v, want one logout/interactive", res.Actions)
	}
	if left := fake.Profiles("REF30", "tv-1"); len(left) != 0 {
		t.Fatalf("profiles left after logout: %v", left)
	}
}

// README:end testing-fake
