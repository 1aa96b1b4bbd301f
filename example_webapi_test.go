package tvauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/tvauth/tvauth"
)

// ninaFake is a tiny offline stand-in for api.screenname.nina.bz: user "someuser" with password "test",
// and every signed call checked against the session key, as the real service does.
func ninaFake() *httptest.Server {
	const secret = "Olpq7NboSbO0gxym"
	key := tvauth.SessionKey("test", secret)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/clientLogin", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("pwd") != "test" {
			io.WriteString(w, `{"response":{"statusCode":330,"statusText":"Password/LoginId Required/Invalid","statusDetailCode":3011,"data":{"challenge":{"info":"password","context":"c1"}}}}`)
			return
		}
		fmt.Fprintf(w, `{"response":{"statusCode":200,"statusText":"OK","data":{"token":{"a":"/wEAAAAAhEha+b/c=","expiresIn":86400},"sessionSecret":%q,"hostTime":1311369996,"loginId":%q}}}`,
			secret, r.PostForm.Get("s"))
	})
	signed := func(w http.ResponseWriter, r *http.Request) {
		raw := r.URL.RawQuery
		if r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			raw = string(b)
		}
		params, _ := url.ParseQuery(raw)
		sig := params.Get("sig_sha256")
		want, _ := tvauth.Sign(r.Method, "http://"+r.Host+r.URL.Path, params, key)
		if sig == "" || sig != want {
			io.WriteString(w, `{"response":{"statusCode":401,"statusText":"Authorization Required"}}`)
			return
		}
		fmt.Fprintf(w, `{"response":{"statusCode":200,"statusText":"OK","data":{"loginId":"someuser","path":%q}}}`, r.URL.Path)
	}
	mux.HandleFunc("/auth/logout", signed)
	mux.HandleFunc("/auth/getInfo", signed)
	return httptest.NewServer(mux)
}

func ExampleWebAPIService_ClientLogin() {
	srv := ninaFake()
	defer srv.Close()
	client, err := tvauth.New(tvauth.WithWebAPIURL(srv.URL), tvauth.WithWebAPIDevID("ma15d7JTxbmVG-RP"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	_, err = client.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "someuser", Password: "wrong"})
	var we *tvauth.WebAPIError
	if errors.As(err, &we) {
		fmt.Println("wrong password:", errors.Is(err, tvauth.ErrUnauthorized), we.StatusCode, we.StatusDetailCode)
	}

	sess, err := client.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "someuser", Password: "test"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signed in:", sess.LoginID, sess.ExpiresIn, sess.SessionKey == tvauth.SessionKey("test", sess.SessionSecret))
	fmt.Println(strings.Contains(fmt.Sprint(sess), "REDACTED"))

	res, err := client.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, Method: "POST"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signed out:", res.StatusCode, res.StatusText)
	// Output:
	// wrong password: true 330 3011
	// signed in: someuser 24h0m0s true
	// true
	// signed out: 200 OK
}

// Signing a WebAPI method the SDK does not wrap, with the host-synchronised ts it requires.
func ExampleWebAPISession_Sign() {
	srv := ninaFake()
	defer srv.Close()
	client, _ := tvauth.New(tvauth.WithWebAPIURL(srv.URL), tvauth.WithWebAPIDevID("ma15d7JTxbmVG-RP"))
	sess, err := client.WebAPI.ClientLogin(context.Background(), tvauth.ClientLoginRequest{LoginID: "someuser", Password: "test"})
	if err != nil {
		fmt.Println(err)
		return
	}

	endpoint := srv.URL + "/auth/getInfo"
	query, err := sess.Sign("GET", endpoint, url.Values{"devId": {"ma15d7JTxbmVG-RP"}, "f": {"json"}, "ts": {sess.TS()}})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := http.Get(endpoint + "?" + query)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(strings.HasPrefix(query, "a=%2FwEAAAAAhEha%2Bb%2Fc%3D&devId="), strings.Contains(string(body), `"statusCode":200`))
	// Output: true true
}

func ExampleSessionKey() {
	// The published AOL vector.
	key := tvauth.SessionKey("test", "Olpq7NboSbO0gxym")
	fmt.Println(key)         // a Secret prints masked
	fmt.Println(string(key)) // string reveals it
	// Output:
	// REDACTED
	// pgBumyiK1xwvjLjcDLRCW7/LySPp+DUXQ3PpDU3c84w=
}

func ExampleSign() {
	params := url.Values{"a": {"/wEAAAAAhEha+b/c="}, "devId": {"ma15d7JTxbmVG-RP"}, "f": {"json"}}
	base, _ := tvauth.SignatureBaseString("GET", "https://api.screenname.nina.bz/auth/logout", params)
	sig, _ := tvauth.Sign("GET", "https://api.screenname.nina.bz/auth/logout", params, "pgBumyiK1xwvjLjcDLRCW7/LySPp+DUXQ3PpDU3c84w=")
	fmt.Println(base)
	fmt.Println(sig)
	// Output:
	// GET&https%3A%2F%2Fapi.screenname.nina.bz%2Fauth%2Flogout&a%3D%252FwEAAAAAhEha%252Bb%252Fc%253D%26devId%3Dma15d7JTxbmVG-RP%26f%3Djson
	// uTLNfywAnc0wmMc2lhbCHY2Odt4laA17X8Oh1rjUh80=
}
