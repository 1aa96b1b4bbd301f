package tvauth_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/tvauth/tvauth"
)

// exampleClientlessServer stands in for api.auth.adobe.com: it hands out a regcode, reports the device
// unauthenticated on the first check and authenticated after, and answers the documented samples.
func exampleClientlessServer() *httptest.Server {
	var checks atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /reggie/v1/sampleRequestorId/regcode", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"ef5a79e8-7c8a-41d6-a45a-e378c6c7c8b5","code":"IYQD5JQ","requestor":"sampleRequestorId",`+
			`"generated":1704963921144,"expires":1704965721144,"info":{"deviceId":"aGFzaGVkLWRldmljZS1pZA=="}}`)
	})
	mux.HandleFunc("GET /api/v1/authenticate", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://login.mvpd.example/saml?SAMLRequest=abc", http.StatusFound)
	})
	mux.HandleFunc("GET /api/v1/checkauthn", func(w http.ResponseWriter, r *http.Request) {
		if checks.Add(1) == 1 {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<error><status>403</status><message>Authentication token expired</message></error>`)
		}
	})
	mux.HandleFunc("GET /api/v1/preauthorize", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"resources":[{"id":"TestStream1","authorized":true},{"id":"TestStream3","authorized":false,`+
			`"error":{"status":403,"code":"authorization_denied_by_mvpd","message":"User not authorized","action":"none"}}]}`)
	})
	mux.HandleFunc("GET /api/v1/tokens/media", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"resource":"sampleResourceId","requestor":"sampleRequestorId","expires":"1348649614000",`+
			`"serializedToken":"PHNpZ25hdH[...]","userId":"sampleScrambledUserId","mvpdId":"sampleMvpdId"}`)
	})
	mux.HandleFunc("DELETE /api/v1/logout", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	return httptest.NewServer(mux)
}

func exampleClientlessClient(srvURL string, hc *http.Client) *tvauth.Client {
	client, err := tvauth.New(
		tvauth.WithClientlessURL(srvURL),
		tvauth.WithHTTPClient(hc),
		// In production: client.Pass.TokenSource(creds) from Dynamic Client Registration.
		tvauth.WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "dcr-access-token"})),
		tvauth.WithDevice(tvauth.Device{
			ID: "hashed-device-id",
			Info: tvauth.DeviceInfo{PrimaryHardwareType: "SetTopBox", Model: "STB-9", Version: "r2",
				OSName: "Linux", OSVersion: "6.1", ConnectionType: "WiFi"},
		}),
	)
	if err != nil {
		log.Fatal(err)
	}
	return client
}

// The whole clientless flow: the device gets a registration code, the user signs in on a second
// screen, the device waits for the authentication, gets a media token and finally signs out.
func ExampleClientlessService() {
	srv := exampleClientlessServer()
	defer srv.Close()
	client := exampleClientlessClient(srv.URL, srv.Client())
	ctx := context.Background()
	const requestor = "sampleRequestorId"

	rc, err := client.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: requestor, TTL: 30 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("show the user:", rc.Code, "valid until", rc.Expires.Format(time.RFC3339))

	// The second-screen login web app, with the code the user typed, sends the browser here.
	loginURL, err := client.Clientless.AuthenticateURL(tvauth.AuthenticateRequest{
		RegCode: rc.Code, RequestorID: requestor, MSOID: "sampleMvpdId", DomainName: "loginwebapp.com",
		RedirectURL: "https://loginwebapp.com/done?code=" + rc.Code,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("browser opens:", strings.TrimPrefix(loginURL, srv.URL))

	// Meanwhile the device waits (use seconds, not milliseconds, against Adobe).
	me := tvauth.ClientlessRequest{RequestorID: requestor}
	if err := client.Clientless.WaitForAuthN(ctx, me, 10*time.Millisecond); err != nil {
		log.Fatal(err)
	}
	fmt.Println("authenticated")

	tok, err := client.Clientless.MediaToken(ctx, tvauth.ClientlessResourceRequest{RequestorID: requestor, Resource: "sampleResourceId"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("media token for", tok.Resource, "from", tok.MVPD, "expires", tok.Expires.Format(time.RFC3339))
	fmt.Println("token:", tok.SerializedToken) // masked: hand string(tok.SerializedToken) to the player

	if err := client.Clientless.Logout(ctx, me); err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed out")
	// Output:
	// show the user: IYQD5JQ valid until 2024-01-11T09:35:21Z
	// browser opens: /api/v1/authenticate?reg_code=IYQD5JQ&requestor_id=sampleRequestorId&mso_id=sampleMvpdId&domain_name=loginwebapp.com&noflash=true&no_iframe=true&redirect_url=https%3A%2F%2Floginwebapp.com%2Fdone%3Fcode%3DIYQD5JQ
	// authenticated
	// media token for sampleResourceId from sampleMvpdId expires 2012-09-26T08:53:34Z
	// token: REDACTED
	// signed out
}

func ExampleClientlessService_AuthenticateURL() {
	client, err := tvauth.New() // the default Clientless base URL, https://api.auth.adobe.com
	if err != nil {
		log.Fatal(err)
	}
	u, err := client.Clientless.AuthenticateURL(tvauth.AuthenticateRequest{
		RegCode: "RO0885W", RequestorID: "sampleRequestorId", MSOID: "sampleMvpdId", DomainName: "loginwebapp.com",
		RedirectURL: "https://loginwebapp.com/done?lang=de&next=/home#top",
		Extra:       url.Values{"ap_vi": {"ECID-1"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u)
	// Output:
	// https://api.auth.adobe.com/api/v1/authenticate?reg_code=RO0885W&requestor_id=sampleRequestorId&mso_id=sampleMvpdId&domain_name=loginwebapp.com&noflash=true&no_iframe=true&ap_vi=ECID-1&redirect_url=https%3A%2F%2Floginwebapp.com%2Fdone%3Flang%3Dde%26next%3D%2Fhome%23top
}

// A server-side login web app can let the SDK call /api/v1/authenticate and send the browser straight
// to the MVPD login page; the SDK never follows the redirect itself.
func ExampleClientlessService_Authenticate() {
	srv := exampleClientlessServer()
	defer srv.Close()
	client := exampleClientlessClient(srv.URL, srv.Client())

	mvpdLogin, err := client.Clientless.Authenticate(context.Background(), tvauth.AuthenticateRequest{
		RegCode: "IYQD5JQ", RequestorID: "sampleRequestorId", MSOID: "sampleMvpdId", DomainName: "loginwebapp.com",
		RedirectURL: "https://loginwebapp.com/done",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("302 to", mvpdLogin)
	// Output:
	// 302 to https://login.mvpd.example/saml?SAMLRequest=abc
}

// Preauthorize answers per resource; a denied one carries its own Enhanced Error Code.
func ExampleClientlessService_Preauthorize() {
	srv := exampleClientlessServer()
	defer srv.Close()
	client := exampleClientlessClient(srv.URL, srv.Client())

	p, err := client.Clientless.Preauthorize(context.Background(), tvauth.ClientlessPreauthorizeRequest{
		RequestorID: "sampleRequestorId", Resources: []string{"TestStream1", "TestStream3"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range p.Resources {
		if r.Error != nil {
			fmt.Printf("%s: %v (%s, action %s)\n", r.ID, r.Authorized, r.Error.Code, r.Error.Action)
			continue
		}
		fmt.Printf("%s: %v\n", r.ID, r.Authorized)
	}
	// Output:
	// TestStream1: true
	// TestStream3: false (authorization_denied_by_mvpd, action none)
}
