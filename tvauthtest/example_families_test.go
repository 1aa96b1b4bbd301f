package tvauthtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// One line of set-up: fake.Client() already carries a device (tvauthtest.DefaultDevice) and DCR
// credentials the fake registered, so Pass v2 and Clientless calls work at once, on one client.
func ExampleServer_Client_pass() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD("Cablevision", true)
	fake.AddProfile(tvauthtest.Profile{ServiceProvider: "REF30", MVPD: "Cablevision", DeviceID: tvauthtest.DefaultDeviceID})
	c := fake.Client()
	ctx := context.Background()

	profiles, err := c.Pass.Profiles(ctx, tvauth.ProfileRequest{ServiceProvider: "REF30"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("v2 profiles:", len(profiles.Profiles))
	rc, err := c.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: "REF30"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("v1 regcode:", len(rc.Code), "characters")
	out, err := c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision", RedirectURL: "https://app.example/bye"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("logout:", out.Actions[0].Name, out.Actions[0].Type)
	// Output:
	// v2 profiles: 1
	// v1 regcode: 7 characters
	// logout: logout interactive
}

// Partner (Apple) single sign-on: the framework status names the MVPD, the session hands over a SAML
// request, and PartnerSAMLResponse plays the partner framework's answer.
func ExampleServer_PartnerSAMLResponse() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD("Cablevision", true)
	c := fake.Client()
	ctx := context.Background()
	pfs, _ := tvauth.FrameworkStatus{AccessStatus: "granted", ProviderID: "Cablevision"}.Encode()
	headers := tvauth.PassHeaders{PartnerFrameworkStatus: pfs}

	s, err := c.Pass.PartnerSession(ctx, tvauth.PartnerSessionRequest{ServiceProvider: "REF30", Partner: tvauthtest.PartnerApple,
		DomainName: "adobe.com", RedirectURL: "https://app.example/done", Headers: headers})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("session:", s.ActionName, s.AuthenticationRequest.Type)
	p, err := c.Pass.PartnerProfile(ctx, tvauth.PartnerProfileRequest{ServiceProvider: "REF30", Partner: tvauthtest.PartnerApple,
		SAMLResponse: fake.PartnerSAMLResponse("Cablevision", "subscriber-1"), Headers: headers})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("profile:", p.Profiles[0].MVPD, p.Profiles[0].Type, p.Profiles[0].Issuer)
	// Output:
	// session: partner_profile saml
	// profile: Cablevision appleSSO Apple
}

// A seeded captcha challenge, and the SDK's answer to it.
func ExampleServer_SetWebAPIChallenge() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddWebAPIUser("alice", "s3cret")
	fake.SetWebAPIChallenge("alice", tvauthtest.WebAPIChallenge{Code: tvauthtest.WebAPIChallengeCaptcha, Answer: "x7gk2"})
	c := fake.Client()
	ctx := context.Background()

	req := tvauth.ClientLoginRequest{LoginID: "alice", Password: "s3cret"}
	_, err := c.WebAPI.ClientLogin(ctx, req)
	var we *tvauth.WebAPIError
	if !errors.As(err, &we) || we.Challenge == nil {
		fmt.Println("no challenge:", err)
		return
	}
	fmt.Println("challenge:", we.StatusCode, we.StatusDetailCode, we.Challenge.Info)
	req.Context, req.CaptchaWord = we.Challenge.Context, "x7gk2"
	sess, err := c.WebAPI.ClientLogin(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signed in:", fake.WebAPISessionActive(sess.Token))
	// Output:
	// challenge: 330 3015 captcha
	// signed in: true
}

// The head-end asks for a session token (it signs an OperatorAuthToken; the fake makes one), and a
// phone signs on with it as a new device, described in typed form.
func ExampleServer_AGSOperatorAuthToken() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddAGSUser("dave", "1663")
	c := fake.Client()
	ctx := context.Background()

	st, err := c.AGS.GetSessionToken(ctx, tvauth.SignOnRequest{Parameters: []tvauth.Parameter{
		{Name: tvauthtest.AGSOperatorTokenParam, Value: fake.AGSOperatorAuthToken("1663", 0)}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	tokens, err := c.AGS.SignOnWithSessionToken(ctx, st, tvauth.SignOnRequest{Device: &tvauth.AGSDeviceInformation{
		DeviceType: "OPEN", Hardware: &tvauth.AGSHardware{Type: "Mobile"}, OS: &tvauth.AGSOS{Type: "Android", Version: "14"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	info, _ := fake.AGSDeviceInformation(tokens.ClientID)
	fmt.Println("account", tokens.AccountID, "device", tokens.ClientID)
	fmt.Println(string(info))
	// Output:
	// account 1663 device PUB_990
	// {"device":{"hardware":{"type":"Mobile"},"OS":{"type":"Android","version":"14"}},"deviceType":"OPEN"}
}

// RequireAGSTenant makes the fake check nv-tenant-id like a multi-tenant deployment.
func ExampleServer_RequireAGSTenant() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.RequireAGSTenant("acme")
	_, err := fake.Client().AGS.ServiceDiscovery(context.Background()) // Options sends "nagra"
	var ae *tvauth.AGSError
	if errors.As(err, &ae) {
		fmt.Println(ae.HTTPStatus, ae.Code, ae.Message)
	}
	c, err := tvauth.New(append(fake.Options(), tvauth.WithAGSTenant("acme"))...)
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := c.AGS.ServiceDiscovery(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("services:", len(d.AvailableServices))
	// Output:
	// 404 NOT_FOUND specified tenant does not exist
	// services: 1
}
