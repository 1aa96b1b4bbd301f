package tvauth_test

import (
	"context"
	"encoding/json"
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

// agsExampleServer stands in for an operator's AGS, answering with the documented samples: discovery,
// a 300 for dave (two OPF accounts), subsequentSignOn for the account whose token it issued, refresh.
func agsExampleServer() *httptest.Server {
	fixture := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "ags", name))
		if err != nil {
			log.Fatal(err)
		}
		return b
	}
	reply := func(w http.ResponseWriter, status int, body []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ags/servicediscovery", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, fixture("servicediscovery_password_mandatory.json"))
	})
	mux.HandleFunc("POST /ags/signOn", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusMultipleChoices, fixture("signon_300_per_account_token.json"))
	})
	mux.HandleFunc("POST /ags/subsequentSignOn", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Token") != "uat-1663-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d" {
			reply(w, http.StatusUnauthorized, []byte(`{"code":"401","message":"unknown userAccountToken"}`))
			return
		}
		reply(w, http.StatusCreated, fixture("subsequent_signon_201.json"))
	})
	mux.HandleFunc("POST /ags/refresh", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, fixture("refresh_200.json"))
	})
	return httptest.NewServer(mux)
}

// A sign-on that matches several OPF accounts answers 300: let the user choose one, then finish with
// SubsequentSignOn. Keep Tokens.ClientID for the next sign-on: sending DeviceInformation again would
// register a brand-new device.
func ExampleAGSService_SubsequentSignOn() {
	srv := agsExampleServer()
	defer srv.Close()

	client, err := tvauth.New(
		tvauth.WithAGSURL(srv.URL+"/ags"),
		tvauth.WithAGSAuthService("4iGSSO"),
		tvauth.WithAGSTenant("nagra"),
		tvauth.WithAGSHeader("Nagra-Device-Type", "Browser"),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	params := []tvauth.Parameter{{Name: "username", Value: "dave"}, {Name: "password", Value: "s3cret"}}

	res, err := client.AGS.SignOn(ctx, tvauth.SignOnRequest{
		Parameters:        params,
		DeviceInformation: json.RawMessage(`{"deviceType":"OPEN","device":{"hardware":{"type":"Browser"}}}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	tokens := res.Tokens
	if len(res.Accounts) > 0 { // HTTP 300: more than one account
		for i, a := range res.Accounts {
			info, _ := a.Information()
			fmt.Printf("%d: account %v (%v)\n", i, info["cuenta"], info["nombre"])
		}
		chosen := res.Accounts[1] // the user's choice
		tokens, err = client.AGS.SubsequentSignOn(ctx, chosen, tvauth.SignOnRequest{Parameters: params})
		if err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("signed on: client", tokens.ClientID, "account", tokens.AccountID, "for", tokens.ExpiresIn)
	fmt.Println(tokens.AccessToken != "" && tokens.RefreshToken != "")
	// Output:
	// 0: account 1660 (My fair lady.)
	// 1: account 1663 (My fair lady.)
	// signed on: client PUB_989 account 1663 for 1h0m0s
	// true
}

// Service discovery lists the SSO services and the parameters each endpoint takes; CheckSignOn
// catches a missing mandatory parameter before anything is sent.
func ExampleAGSService_ServiceDiscovery() {
	srv := agsExampleServer()
	defer srv.Close()
	client, err := tvauth.New(tvauth.WithAGSURL(srv.URL + "/ags"))
	if err != nil {
		log.Fatal(err)
	}
	d, err := client.AGS.ServiceDiscovery(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range d.AvailableServices {
		fmt.Printf("%s (%s)\n", s.DisplayAttributes.Name, s.AuthServiceName)
		signOn, _ := s.Endpoint(tvauth.EndpointSignOn)
		for _, p := range signOn.ParameterProperties {
			fmt.Printf("  %s mandatory=%v password=%v\n", p.Name, p.Mandatory, p.IsPassword)
		}
		err := s.CheckSignOn([]tvauth.Parameter{{Name: "username", Value: "dave"}})
		fmt.Println(errors.Is(err, tvauth.ErrInvalidRequest), err)
	}
	// Output:
	// One TV SSO (4iGSSO)
	//   username mandatory=true password=false
	//   password mandatory=true password=true
	// true tvauth: invalid Parameters: mandatory parameter "password" of endpoint SIGNON is missing
}

// The token source refreshes through /refresh before the access token expires, one refresh at a time,
// and hands every new set of tokens to the callback to persist.
func ExampleAGSService_TokenSource() {
	srv := agsExampleServer()
	defer srv.Close()
	client, err := tvauth.New(tvauth.WithAGSURL(srv.URL+"/ags"), tvauth.WithAGSAuthService("4iGSSO"))
	if err != nil {
		log.Fatal(err)
	}
	// Tokens persisted long ago: expired by now.
	saved := &tvauth.Tokens{AccessToken: "eyJ.old.sig", RefreshToken: "eyJ.refresh.sig", ClientID: "PUB_989",
		ExpiresIn: time.Hour, ReceivedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	ts := client.AGS.TokenSource(saved, tvauth.SignOnRequest{}, func(t tvauth.Tokens) {
		b, _ := t.MarshalUnmaskedJSON() // what an app would write to its store (json.Marshal masks the tokens)
		fmt.Println("persist", len(b) > 0, "client", t.ClientID, "refresh token rotated:", t.RefreshToken != "eyJ.refresh.sig")
	})
	tok, err := ts.Token()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Type(), tok.Valid(), time.Until(tok.Expiry).Round(time.Hour))
	fmt.Printf("%+v\n", saved) // every field prints; the tokens mask themselves
	// Output:
	// persist true client PUB_989 refresh token rotated: true
	// Bearer true 1h0m0s
	// {AccessToken:REDACTED RefreshToken:REDACTED ClientID:PUB_989 AccountID: TokenType: ExpiresIn:1h0m0s RefreshExpiresIn:0s FixedRefreshExpiresIn:0s ReceivedAt:2025-01-01 00:00:00 +0000 UTC CorrelationID:}
}
