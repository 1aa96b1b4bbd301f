package tvauthtest_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tvauth/tvauth/tvauthtest"
)

// The fake's DCR endpoints accept exactly its own software statement; the token they issue opens the
// REST API v2 and the Clientless API of the same fake.
func ExampleServer_SoftwareStatement() {
	s := tvauthtest.NewServer()
	defer s.Close()
	deviceInfo := base64.StdEncoding.EncodeToString([]byte(`{"model":"STB-9","version":"2","osName":"Linux","osVersion":"6.1","connectionType":"WiFi"}`))

	req, _ := http.NewRequest("POST", s.URL()+"/o/client/register",
		strings.NewReader(`{"software_statement":"`+string(s.SoftwareStatement())+`"}`))
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	req.Header.Set("X-Device-Info", deviceInfo)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	var creds struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&creds)
	resp.Body.Close()
	fmt.Println("register:", resp.StatusCode)

	form := url.Values{"client_id": {creds.ClientID}, "client_secret": {creds.ClientSecret}, "grant_type": {"client_credentials"}}
	req, _ = http.NewRequest("POST", s.URL()+"/o/client/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Device-Info", deviceInfo)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	var tok struct {
		TokenType string `json:"token_type"`
		ExpiresIn int    `json:"expires_in"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	fmt.Println("token:", resp.StatusCode, tok.TokenType, tok.ExpiresIn)
	// Output:
	// register: 201
	// token: 201 bearer 21600
}

// How an MVPD is seeded decides what a v2 logout asks the app to do next.
func ExampleServer_AddMVPD() {
	s := tvauthtest.NewServer()
	defer s.Close()
	s.AddMVPD("Cablevision", true) // has a logout endpoint: the user agent must visit it
	s.AddMVPD("Dish", false)       // has none: logout completes at Adobe
	const deviceID = "living-room-tv"
	for _, mvpd := range []string{"Cablevision", "Dish"} {
		s.AddProfile(tvauthtest.Profile{ServiceProvider: "REF30", MVPD: mvpd, DeviceID: deviceID})
	}
	token := s.IssuePassToken() // skips DCR; see ExampleServer_SoftwareStatement for the real thing

	for _, mvpd := range []string{"Cablevision", "Dish", "Dish"} {
		req, _ := http.NewRequest("GET", s.URL()+"/api/v2/REF30/logout/"+mvpd+"?redirectUrl="+
			url.QueryEscape("https://app.example/signed-out"), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("AP-Device-Identifier", "fingerprint "+base64.StdEncoding.EncodeToString([]byte(deviceID)))
		req.Header.Set("X-Device-Info", base64.StdEncoding.EncodeToString([]byte(`{"model":"TV","osName":"Linux"}`)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		var body struct {
			Logouts map[string]struct{ ActionName, ActionType, URL string }
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		a := body.Logouts[mvpd]
		fmt.Printf("%s: %s/%s", mvpd, a.ActionName, a.ActionType)
		if a.URL != "" {
			fmt.Print(" then open ", strings.SplitN(a.URL, "?", 2)[0], "?…")
		}
		fmt.Println()
	}
	// Output:
	// Cablevision: logout/interactive then open /adobe-services/logout?…
	// Dish: complete/none
	// Dish: invalid/none
}
