package tvauth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/tvauth/tvauth"
)

// fakeAdobePass answers like Adobe Pass with its documented samples, so that the examples run offline.
func fakeAdobePass() *httptest.Server {
	mux := http.NewServeMux()
	reply := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("POST /o/client/register", reply(201, `{"client_id":"s6BhdRkqt3","client_secret":"t7AkePiru4",
		"grant_types":["client_credentials"],"scopes":["api:client:v2"],"client_id_issued_at":1723227212}`))
	mux.HandleFunc("POST /o/client/token", reply(201, `{"id":"a932f8f0","access_token":"2YotnFZFEjr1zCsicMWpAA",
		"created_at":1752148106221,"expires_in":21600,"token_type":"bearer"}`))
	// A single logout that deleted a regular, a service-token SSO and an Apple SSO profile.
	mux.HandleFunc("GET /api/v2/REF30/logout/Spectrum", reply(200, `{"logouts":{
		"Spectrum":{"actionName":"logout","actionType":"interactive","mvpd":"Spectrum",
			"url":"/adobe-services/logout?requestor_id=REF30&mso_id=Spectrum"},
		"AdobeShibboleth":{"actionName":"complete","actionType":"none","mvpd":"AdobeShibboleth"},
		"Cablevision":{"actionName":"partner_logout","actionType":"partner_interactive","mvpd":"Cablevision"}}}`))
	mux.HandleFunc("POST /api/v2/REF30/sessions", reply(200, `{"actionName":"authenticate","actionType":"interactive",
		"reasonType":"none","url":"/api/v2/authenticate/REF30/8ER640M","code":"8ER640M","sessionId":"1b614390",
		"mvpd":"Cablevision","serviceProvider":"REF30","notBefore":"1733735289035","notAfter":"1733737089035"}`))
	mux.HandleFunc("GET /api/v2/REF30/profiles/code/8ER640M", reply(200, `{"profiles":{"Cablevision":{
		"notBefore":1752149281000,"notAfter":1783685280000,"issuer":"Cablevision","type":"regular",
		"attributes":{"userID":{"value":"BASE64_value_userId","state":"plain"}}}}}`))
	mux.HandleFunc("POST /api/v2/REF30/decisions/authorize/Cablevision", reply(200, `{"decisions":[
		{"resource":"REF30","serviceProvider":"REF30","mvpd":"Cablevision","source":"mvpd","authorized":true,
		 "token":{"notBefore":1697094207324,"notAfter":1697094802367,"serializedToken":"PHNpZ25hdHVyZUluZm8..."}},
		{"resource":"Live","serviceProvider":"REF30","mvpd":"Cablevision","source":"mvpd","authorized":false,
		 "error":{"action":"none","status":403,"code":"authorization_denied_by_mvpd","message":"Deny"}}]}`))
	return httptest.NewServer(mux)
}

var device = tvauth.Device{
	ID: "ba23d141-d715-561c-94f4-e9e4c966b1eb",
	Info: tvauth.DeviceInfo{PrimaryHardwareType: "SetTopBox", Model: "TV 5th Gen", Version: "5", Manufacturer: "Apple",
		OSName: "tvOS", OSVersion: "11.0", ConnectionType: "WiFi"},
}

// Register once (credentials persist in a CredentialStore), get tokens from a TokenSource, log out and
// handle each next action.
func ExamplePassService_Logout() {
	adobe := fakeAdobePass() // in production: leave WithPassURL out (https://sp.auth.adobe.com)
	defer adobe.Close()
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "tvauth-example")
	defer os.RemoveAll(dir)

	// A client without a token source registers and builds the token source...
	reg, err := tvauth.New(tvauth.WithPassURL(adobe.URL), tvauth.WithDevice(device))
	if err != nil {
		log.Fatal(err)
	}
	store := tvauth.NewFileCredentialStore(filepath.Join(dir, "adobe-pass-client.json"))
	creds, err := reg.Pass.LoadOrRegister(ctx, store, "<software statement from the TVE Dashboard>")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("registered:", creds.ClientID, creds.ClientSecret) // the secret masks itself

	// ...that the client making v2 calls uses for Authorization: Bearer.
	client, err := tvauth.New(tvauth.WithPassURL(adobe.URL), tvauth.WithDevice(device),
		tvauth.WithPassTokenSource(reg.Pass.TokenSource(creds)))
	if err != nil {
		log.Fatal(err)
	}

	res, err := client.Pass.Logout(ctx, tvauth.LogoutRequest{
		ServiceProvider: "REF30", MVPD: "Spectrum", RedirectURL: "https://app.example/logged-out",
	})
	switch {
	case errors.Is(err, tvauth.ErrUnauthorized):
		log.Fatal("credentials revoked: register again") // a *tvauth.PassError with Code invalid_client
	case errors.Is(err, tvauth.ErrRateLimited):
		log.Fatal("throttled even after retries: try again later")
	case err != nil:
		log.Fatal(err)
	}
	for _, a := range res.Actions {
		switch {
		case a.NeedsUserAgent():
			fmt.Printf("%s: open %s in a browser\n", a.MVPD, a.URL.Path)
		case a.NeedsPartnerLogout():
			fmt.Printf("%s: ask the user to sign out of the TV provider in the system settings\n", a.MVPD)
		case a.IsComplete():
			fmt.Printf("%s: signed out (%s)\n", a.MVPD, a.Name)
		default:
			fmt.Printf("%s: unknown next action %s/%s\n", a.MVPD, a.Name, a.Type)
		}
	}
	// Output:
	// registered: s6BhdRkqt3 REDACTED
	// AdobeShibboleth: signed out (complete)
	// Cablevision: ask the user to sign out of the TV provider in the system settings
	// Spectrum: open /adobe-services/logout in a browser
}

// Second-screen login: create a session, show its code, wait for the profile, then authorize.
func ExamplePassService_WaitForProfile() {
	adobe := fakeAdobePass()
	defer adobe.Close()
	ctx := context.Background()
	reg, _ := tvauth.New(tvauth.WithPassURL(adobe.URL), tvauth.WithDevice(device))
	creds, _ := reg.Pass.Register(ctx, "<software statement>")
	client, _ := tvauth.New(tvauth.WithPassURL(adobe.URL), tvauth.WithDevice(device),
		tvauth.WithPassTokenSource(reg.Pass.TokenSource(*creds)))

	session, err := client.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: "REF30", MVPD: "Cablevision",
		DomainName: "adobe.com", RedirectURL: "https://adobe.com"})
	if err != nil {
		log.Fatal(err)
	}
	if session.ActionName == tvauth.ActionAuthenticate {
		fmt.Println("go to the activation page and enter", session.Code)
	}
	profile, err := client.Pass.WaitForProfile(ctx, "REF30", session.Code) // polls every 3–5 s
	if err != nil {
		log.Fatal(err) // tvauth.ErrCodeExpired once the code's notAfter passes
	}
	fmt.Println("signed in with", profile.MVPD, "as", profile.Attributes["userID"].Text())

	decisions, err := client.Pass.Authorize(ctx, tvauth.DecisionRequest{ServiceProvider: "REF30", MVPD: profile.MVPD,
		Resources: []string{"REF30", "Live"}})
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range decisions.Decisions {
		if d.Authorized {
			fmt.Println(d.Resource, "may play until", d.Token.NotAfter.UTC().Format(time.RFC3339), "with media token", d.Token.SerializedToken) // masked
		} else {
			fmt.Println(d.Resource, "denied:", d.Error.Code)
		}
	}
	// Output:
	// go to the activation page and enter 8ER640M
	// signed in with Cablevision as BASE64_value_userId
	// REF30 may play until 2023-10-12T07:13:22Z with media token REDACTED
	// Live denied: authorization_denied_by_mvpd
}
