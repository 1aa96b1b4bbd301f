package tvauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jarcoal/httpmock"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// A suite that mocks the wire with httpmock hands the SDK an http.Client whose Transport is a
// MockTransport: nothing else to set up, no listener, no socket. The SDK reads the client's Transport
// at every attempt, so httpmock.ActivateNonDefault(hc) works too, before or after New.
func Example_httpmockMockTransport() {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", "https://ags.example.com/ags/servicediscovery",
		httpmock.NewStringResponder(200, `{"availableServices":[{"authServiceName":"4iGSSO","displayAttributes":{"name":"One TV SSO"}}]}`))

	client, err := tvauth.New(
		tvauth.WithHTTPClient(&http.Client{Transport: mt}),
		tvauth.WithAGSURL("https://ags.example.com/ags"),
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
	fmt.Println("service:", d.AvailableServices[0].DisplayAttributes.Name)
	fmt.Println("mocked calls:", mt.GetCallCountInfo()["GET https://ags.example.com/ags/servicediscovery"])
	// Output:
	// service: One TV SSO
	// mocked calls: 1
}

// httpmock.Activate replaces http.DefaultTransport. A client built without WithHTTPClient uses the
// current http.DefaultTransport at every attempt once it has been replaced, so Activate may come
// before or after New. In a test, httpmock.Activate(t) undoes it at the test's end; such a test must
// not run in parallel with others, as it changes a global.
func Example_httpmockActivate() {
	httpmock.Activate()
	defer httpmock.DeactivateAndReset()
	httpmock.RegisterResponder("GET", "https://ags.example.com/ags/servicediscovery",
		httpmock.NewStringResponder(404, `{"code":"NONE","message":"no services"}`))

	client, err := tvauth.New(tvauth.WithAGSURL("https://ags.example.com/ags"))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.AGS.ServiceDiscovery(context.Background())
	var agsErr *tvauth.AGSError
	if errors.As(err, &agsErr) {
		fmt.Println("AGS answered", agsErr.HTTPStatus, agsErr.Code)
	}
	fmt.Println("mocked calls:", httpmock.GetTotalCallCount())
	// Output:
	// AGS answered 404 NONE
	// mocked calls: 1
}

// tvauthtest's fake plugs into httpmock as the no-responder: the suite mocks the calls it cares about
// and the fake answers every other one like the vendors would, signatures checked, keeping the
// vendors' real base URLs.
func Example_httpmockResponder() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddWebAPIUser("alice", "s3cret")

	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", "https://ags.example.com/ags/servicediscovery",
		httpmock.NewStringResponder(200, `{"availableServices":[]}`))
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
	if _, err := client.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess}); err != nil {
		fmt.Println(err)
		return
	}
	d, err := client.AGS.ServiceDiscovery(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("session active after logout:", fake.WebAPISessionActive(sess.Token))
	fmt.Println("services (mocked):", len(d.AvailableServices))
	calls := mt.GetCallCountInfo()
	fmt.Println("served by the fake:", calls["NO_RESPONDER"], "by the suite:", calls["GET https://ags.example.com/ags/servicediscovery"])
	// Output:
	// session active after logout: false
	// services (mocked): 0
	// served by the fake: 2 by the suite: 1
}
