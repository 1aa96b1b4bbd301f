package tvauthtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/jarcoal/httpmock"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// A suite built on httpmock keeps its own responders and lets the fake answer everything else, with
// no listener: the client keeps NINA's real base URL, and only the AGS discovery is mocked.
func ExampleServer_Responder() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddWebAPIUser("alice", "s3cret")

	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", "https://ags.example.com/ags/servicediscovery",
		httpmock.NewStringResponder(404, `{"code":"NONE","message":"no services"}`))
	mt.RegisterNoResponder(fake.Responder())

	client, err := tvauth.New(
		tvauth.WithHTTPClient(&http.Client{Transport: mt}),
		tvauth.WithWebAPIDevID(tvauthtest.WebAPIDevID),
		tvauth.WithAGSURL("https://ags.example.com/ags"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	sess, err := client.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "alice", Password: "s3cret"})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := client.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, Format: tvauth.FormatXML})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signed logout (fake):", resp.StatusCode, "session active:", fake.WebAPISessionActive(sess.Token))

	_, err = client.AGS.ServiceDiscovery(ctx)
	var agsErr *tvauth.AGSError
	if errors.As(err, &agsErr) {
		fmt.Println("discovery (httpmock):", agsErr.HTTPStatus, agsErr.Code)
	}
	// Output:
	// signed logout (fake): 200 session active: false
	// discovery (httpmock): 404 NONE
}

// The fake's Client is a tvauth client with every service pointed at the fake: here the AGS flow of
// a user with two accounts, from sign-on to sign-out.
func ExampleServer_Client() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddAGSUser("dave", "1660", "1663")
	client := fake.Client()
	ctx := context.Background()

	creds := []tvauth.Parameter{
		{Name: tvauthtest.AGSUsernameParam, Value: "dave"},
		{Name: tvauthtest.AGSPasswordParam, Value: fake.AGSPassword("dave")},
	}
	res, err := client.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: creds, DeviceInformation: json.RawMessage(`{"deviceType":"OPEN"}`)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signOn: choose one of", len(res.Accounts), "accounts")

	user := tvauth.SignOnRequest{Parameters: creds[:1]}
	tokens, err := client.AGS.SubsequentSignOn(ctx, res.Accounts[1], user)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signed on to account", tokens.AccountID, "on device", tokens.ClientID)

	if tokens, err = client.AGS.Refresh(ctx, tokens.RefreshToken, user); err != nil {
		fmt.Println(err)
		return
	}
	if err := client.AGS.SignOut(ctx, tokens.AccessToken, user); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signed out:", !fake.AGSAccessTokenActive(tokens.AccessToken))
	// Output:
	// signOn: choose one of 2 accounts
	// signed on to account 1663 on device PUB_990
	// signed out: true
}

// Reliability tests queue failures: here Adobe's HTML throttle page once, then a dropped connection.
func ExampleServer_FailNextWith() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.FailNextWith(tvauthtest.Fault{Method: "GET", Path: "/ags/servicediscovery", Status: 429, Body: tvauthtest.ThrottlePage})
	fake.FailNextWith(tvauthtest.Fault{Path: "/ags/*", Drop: true})

	hc := &http.Client{Transport: fake.Transport()}
	for range 3 {
		resp, err := hc.Get(fake.URL() + "/ags/servicediscovery")
		if err != nil {
			fmt.Println("transport error")
			continue
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Output:
	// 429 text/html; charset=utf-8
	// transport error
	// 200 application/json
}

// A fault the fake cannot answer as written is refused, and nothing is queued: the fake serves the
// request as usual.
func ExampleServer_FailNextWith_refused() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	err := fake.FailNextWith(tvauthtest.Fault{Path: "/ags/servicediscovery", Status: 99})
	fmt.Println(err)
	fmt.Println("pending faults:", len(fake.PendingFaults()))
	// Output:
	// tvauthtest: fault: status: a fault answers a final HTTP status, 200–599 (a 1xx is informational, never the answer): got 99
	// pending faults: 0
}

// Adobe throttles each end user to a burst of 10 requests, then one per second.
func ExampleServer_SetThrottle() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.SetThrottle(&tvauthtest.Throttle{}) // Adobe's defaults: 1/s, burst 10, Adobe's paths

	hc := &http.Client{Transport: fake.Transport()}
	statuses := map[int]int{}
	for range 12 {
		resp, err := hc.Get(fake.URL() + "/api/v2/REF/configuration")
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			statuses[429]++
		} else {
			statuses[0]++
		}
	}
	fmt.Println("served:", statuses[0], "throttled:", statuses[429])
	// Output:
	// served: 10 throttled: 2
}

// An app that opens a logout or login URL in a WebView closes it once a navigation reaches its
// redirectUrl; the service's own query parameters do not matter.
func ExampleReachedRedirect() {
	redirect := "https://app.example.com/logout/done"
	for _, nav := range []string{
		"https://mvpd.example.net/logout?return=x",
		"https://app.example.com/logout/done?status=ok",
		"https://APP.example.com:443/logout/done",
	} {
		fmt.Println(tvauthtest.ReachedRedirect(nav, redirect))
	}
	// Output:
	// false
	// true
	// true
}

// A user with two OPF accounts: signOn answers 300 with a userAccountToken per account, and the app
// signs on to the chosen one with that token in User-Token.
func ExampleServer_AddAGSUser() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddAGSUser("dave", "1660", "1663")

	post := func(path, userToken, body string) (int, map[string]any) {
		req, _ := http.NewRequestWithContext(context.Background(), "POST", fake.URL()+"/ags"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-auth-service-id", tvauthtest.AGSAuthService)
		if userToken != "" {
			req.Header.Set("User-Token", userToken)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		var v map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}

	status, choice := post("/signOn", "", fmt.Sprintf(
		`{"parameters":[{"name":%q,"value":"dave"},{"name":%q,"value":%q}],"deviceInformation":{"deviceType":"OPEN"}}`,
		tvauthtest.AGSUsernameParam, tvauthtest.AGSPasswordParam, fake.AGSPassword("dave")))
	accounts := choice["accounts"].([]any)
	fmt.Println("signOn:", status, "accounts:", len(accounts))

	second := accounts[1].(map[string]any)
	status, tokens := post("/subsequentSignOn", second["userAccountToken"].(string), `{"parameters":[{"name":"username","value":"dave"}]}`)
	fmt.Println("subsequentSignOn:", status, "accountId:", tokens["accountId"], "devices:", len(fake.AGSDevices("dave")))
	// Output:
	// signOn: 300 accounts: 2
	// subsequentSignOn: 201 accountId: 1663 devices: 1
}

// The fake is an http.Handler: mount it in a suite's own server, next to the suite's own handlers.
// Here it serves AGS under /ags while the suite serves its CRM itself.
func ExampleServer_ServeHTTP() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/crm/accounts", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `[]`) })
	mux.Handle("/", fake)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	client, err := tvauth.New(
		tvauth.WithHTTPClient(srv.Client()),
		tvauth.WithAGSURL(srv.URL+"/ags"),
		tvauth.WithAGSTenant(tvauthtest.AGSTenant),
		tvauth.WithAGSAuthService(tvauthtest.AGSAuthService),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := client.AGS.ServiceDiscovery(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("auth service:", d.AvailableServices[0].AuthServiceName)
	fmt.Println("the fake saw:", fake.Requests()[0].Method, fake.Requests()[0].Path)
	// Output:
	// auth service: Customer Auth Service
	// the fake saw: GET /ags/servicediscovery
}

// The fake is an http.RoundTripper: a client keeps the vendors' real base URLs and never opens a
// socket. The fake answers for every host, and signatures verify against the URL the SDK signed.
func ExampleServer_Transport() {
	fake := tvauthtest.NewServer()
	fake.Close() // the transport needs no listener
	fake.AddWebAPIUser("alice", "s3cret")

	client, err := tvauth.New(
		tvauth.WithHTTPClient(&http.Client{Transport: fake.Transport()}),
		tvauth.WithWebAPIDevID(tvauthtest.WebAPIDevID),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	sess, err := client.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "alice", Password: "s3cret"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := client.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, Format: tvauth.FormatQS}); err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range fake.Requests() {
		fmt.Println(r.Method, r.Host+r.Path)
	}
	fmt.Println("session active:", fake.WebAPISessionActive(sess.Token))
	// Output:
	// POST api.screenname.nina.bz/auth/clientLogin
	// GET api.screenname.nina.bz/auth/logout
	// session active: false
}

// A Pass logout at an MVPD with a logout endpoint asks the app to open a URL in a WebView. Browse
// follows that chain as a WebView with cookies would and stops where the app would close it.
func ExampleServer_Browse() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD("Cablevision", true)
	ctx := context.Background()
	device := tvauth.Device{ID: "living-room-tv", Info: tvauth.DeviceInfo{Model: "STB-9", Version: "2", OSName: "Linux",
		OSVersion: "6.1", ConnectionType: "WiFi"}}
	fake.AddProfile(tvauthtest.Profile{ServiceProvider: "REF30", MVPD: "Cablevision", DeviceID: device.ID})

	reg, err := tvauth.New(append(fake.Options(), tvauth.WithDevice(device))...)
	if err != nil {
		fmt.Println(err)
		return
	}
	creds, err := reg.Pass.Register(ctx, fake.SoftwareStatement())
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := tvauth.New(append(fake.Options(), tvauth.WithDevice(device), tvauth.WithPassTokenSource(reg.Pass.TokenSource(*creds)))...)
	if err != nil {
		fmt.Println(err)
		return
	}
	const done = "https://app.example/signed-out"
	res, err := client.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision", RedirectURL: done})
	if err != nil {
		fmt.Println(err)
		return
	}
	action := res.Actions[0]
	fmt.Println("next:", action.Name, action.Type, "in a user agent:", action.NeedsUserAgent())

	landed, err := fake.Browse(ctx, fake.UserAgent(), action.URL.String(), done)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("WebView closes at", landed, tvauthtest.ReachedRedirect(landed, done))
	fmt.Println("MVPD logouts completed:", fake.CompletedLogouts("Cablevision"))
	// Output:
	// next: logout interactive in a user agent: true
	// WebView closes at https://app.example/signed-out true
	// MVPD logouts completed: 1
}
