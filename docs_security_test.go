package tvauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tvauth/tvauth"
)

// docs/security.md's Go blocks (see readme_test.go): runnable examples, so go test checks their output.

// docs:begin security-secret
// A Secret masks itself wherever fmt and encoding/json reach it, in a struct of yours too.
func ExampleSecret() {
	type session struct {
		User  string
		Token tvauth.Secret
	}
	s := session{User: "dave", Token: "eyJhbGciOi-not-for-logs"}
	fmt.Printf("%v %+v %#v %x\n", s, s, s.Token, s.Token)

	b, _ := json.Marshal(s)
	fmt.Println(string(b))
	var back session
	fmt.Println(errors.Is(json.Unmarshal(b, &back), tvauth.ErrMaskedSecret)) // the masked form is no secret

	fmt.Println(string(s.Token)) // the one way to read it: what the SDK sends
	// Output:
	// {dave REDACTED} {User:dave Token:REDACTED} "REDACTED" REDACTED
	// {"User":"dave","Token":"REDACTED"}
	// true
	// eyJhbGciOi-not-for-logs
}

// docs:end security-secret

// docs:begin security-error
// A Pass host that quotes the client secret it was sent in its error reply: the error's text is
// scrubbed, and RawBody keeps the reply exactly as it came.
func ExamplePassError_RawBody() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":"invalid_client","error_description":"unknown client secret %s"}`, r.FormValue("client_secret"))
	}))
	defer srv.Close()
	client, err := tvauth.New(tvauth.WithPassURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	creds := tvauth.ClientCredentials{ClientID: "gpucU3W3W2i9BWQ8", ClientSecret: "s3cr3t-from-dcr"}
	_, err = client.Pass.AccessToken(context.Background(), creds)
	fmt.Println(err)
	var pe *tvauth.PassError
	if errors.As(err, &pe) {
		fmt.Println(pe.Op, pe.Code, strings.Contains(string(pe.RawBody()), "s3cr3t-from-dcr"))
	}
	// Output:
	// tvauth: adobe pass token: HTTP 400 invalid_client: unknown client secret REDACTED
	// pass.token invalid_client true
}

// docs:end security-error
