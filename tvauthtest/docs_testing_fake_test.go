package tvauthtest_test

// docs:begin second-screen
import (
	"context"
	"testing"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func TestSecondScreenLogin(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD("Cablevision", true)
	alice := tvauthtest.Subscriber{Username: "alice", Password: "alice-pw"}
	if err := fake.AddSubscriber("Cablevision", alice); err != nil {
		t.Fatal(err)
	}
	client := fake.Client() // every family ready: DefaultDevice, DCR credentials, a token source
	ctx := context.Background()

	// The TV: a session without an MVPD shows a code; the second screen resumes it with the MVPD.
	sess, err := client.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: "REF30",
		DomainName: "adobe.com", RedirectURL: "https://app.example/done"})
	if err != nil {
		t.Fatal(err)
	}
	sess, err = client.Pass.ResumeSession(ctx, sess.Code, tvauth.SessionRequest{ServiceProvider: "REF30", MVPD: "Cablevision"})
	if err != nil || !sess.NeedsUserAgent() {
		t.Fatalf("resume: %v %+v", err, sess)
	}
	// The browser: the MVPD's login form, filled in as alice; it lands on the redirect URL.
	landed, err := fake.Browse(ctx, fake.UserAgentAs(alice), sess.URL.String(), "https://app.example/done")
	if err != nil || landed != "https://app.example/done" {
		t.Fatalf("login: %q %v", landed, err)
	}
	// The TV again: the profile is there.
	profile, err := client.Pass.WaitForProfile(ctx, "REF30", sess.Code)
	if err != nil || profile.MVPD != "Cablevision" {
		t.Fatalf("profile: %+v %v", profile, err)
	}
}

// docs:end second-screen
