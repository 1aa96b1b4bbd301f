package tvauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// docs/webapi.md's Go blocks (see readme_test.go) and the tests that run them against the fake.

// docs:begin webapi-challenge
// askCaptcha is your app's: it shows the captcha image at url and returns what the user typed.
func signInToNINA(ctx context.Context, client *tvauth.Client, loginID string, pw tvauth.Secret,
	askCaptcha func(url string) string) (*tvauth.WebAPISession, error) {
	req := tvauth.ClientLoginRequest{LoginID: loginID, Password: pw}
	sess, err := client.WebAPI.ClientLogin(ctx, req)
	var we *tvauth.WebAPIError
	if errors.As(err, &we) && we.Challenge != nil && we.StatusDetailCode == 3015 { // 330/3015: a captcha
		req.Context, req.CaptchaWord = we.Challenge.Context, askCaptcha(we.Challenge.URL)
		sess, err = client.WebAPI.ClientLogin(ctx, req)
	}
	return sess, err
}

// docs:end webapi-challenge

func TestDocsWebAPIChallenge(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddWebAPIUser("someuser", "pw-1234")
	fake.SetWebAPIChallenge("someuser", tvauthtest.WebAPIChallenge{Code: tvauthtest.WebAPIChallengeCaptcha, Answer: "h7xq"})
	client := fake.Client()
	ctx := context.Background()
	for _, tc := range []struct {
		answer   string
		wantSess bool
	}{
		{"wrong", false}, // the fake asks again: the second clientLogin's 330 is the error
		{"h7xq", true},
	} {
		var asked []string
		var sess *tvauth.WebAPISession
		var err error
		checkQuiet(t, runSnippet(t, func() {
			sess, err = signInToNINA(ctx, client, "someuser", "pw-1234", func(u string) string { asked = append(asked, u); return tc.answer })
		}))
		var we *tvauth.WebAPIError
		switch {
		case len(asked) != 1 || asked[0] == "":
			t.Fatalf("answer %q: asked %q, want one captcha URL", tc.answer, asked)
		case tc.wantSess && (err != nil || !fake.WebAPISessionActive(sess.Token)):
			t.Fatalf("answer %q: %v", tc.answer, err)
		case !tc.wantSess && (!errors.As(err, &we) || we.StatusDetailCode != 3015):
			t.Fatalf("answer %q: %v, want the captcha asked again", tc.answer, err)
		}
	}
}

// docs:begin webapi-sign
func getInfo(sess *tvauth.WebAPISession, devID string) (*http.Response, error) {
	q, err := sess.Sign("GET", "https://api.screenname.nina.bz/auth/getInfo",
		url.Values{"devId": {devID}, "f": {"json"}, "ts": {sess.TS()}}) // adds a=<token>, appends &sig_sha256=…
	if err != nil {
		return nil, err
	}
	return http.Get("https://api.screenname.nina.bz/auth/getInfo?" + q) // for POST, send q as a form body
}

// docs:end webapi-sign

func TestDocsWebAPISign(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fakeAsDefaultTransport(t, fake)
	fake.AddWebAPIUser("someuser", "pw-123")
	client, err := tvauth.New(tvauth.WithWebAPIDevID(tvauthtest.WebAPIDevID))
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.WebAPI.ClientLogin(context.Background(), tvauth.ClientLoginRequest{LoginID: "someuser", Password: "pw-123"})
	if err != nil {
		t.Fatal(err)
	}
	var resp *http.Response
	checkQuiet(t, runSnippet(t, func() { resp, err = getInfo(sess, tvauthtest.WebAPIDevID) }))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := fake.Requests()
	last := reqs[len(reqs)-1]
	if last.Path != "/auth/getInfo" || !strings.HasPrefix(last.RawQuery, "a=") || !strings.Contains(last.RawQuery, "&sig_sha256=") {
		t.Fatalf("sent %s?%s", last.Path, last.RawQuery)
	}
	q, _ := url.ParseQuery(last.RawQuery)
	params := url.Values{"devId": {tvauthtest.WebAPIDevID}, "f": {"json"}, "ts": q["ts"], "a": q["a"]}
	want, err := tvauth.Sign("GET", "https://api.screenname.nina.bz/auth/getInfo", params, sess.SessionKey)
	if err != nil || q.Get("sig_sha256") != want {
		t.Fatalf("sig_sha256 = %q, want %q (%v)", q.Get("sig_sha256"), want, err)
	}
}
