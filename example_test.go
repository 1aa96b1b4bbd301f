package tvauth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
	"golang.org/x/oauth2"
)

// One client for all four families; here every service points at the in-process fake.
func ExampleNew() {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddAGSUser("dave", "1660")

	client, err := tvauth.New(append(fake.Options(), tvauth.WithRetry(tvauth.RetryPolicy{MaxRetries: 2}))...)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := client.AGS.SignOn(context.Background(), tvauth.SignOnRequest{
		Parameters:        []tvauth.Parameter{{Name: "username", Value: "dave"}, {Name: "password", Value: fake.AGSPassword("dave")}},
		DeviceInformation: []byte(`{"deviceType":"OPEN"}`),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("account:", res.Tokens.AccountID, "expires in:", res.Tokens.ExpiresIn)
	printed := fmt.Sprintf("%+v", res.Tokens) // tokens print masked, so a stray log line leaks nothing
	fmt.Println("token in printout:", strings.Contains(printed, string(res.Tokens.AccessToken)))
	// Output:
	// account: 1660 expires in: 1h0m0s
	// token in printout: false
}

// Every failure matches a sentinel for the decision a caller makes, and a typed error for detail.
func Example_errors() {
	client, _ := tvauth.New(tvauth.WithPassTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})))

	// Bad input is refused before any network I/O.
	_, err := client.Pass.Logout(context.Background(), tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision", RedirectURL: "/relative"})
	var ve *tvauth.ValidationError
	fmt.Println(errors.Is(err, tvauth.ErrInvalidRequest), errors.As(err, &ve) && ve.Field == "RedirectURL")

	// A service used without its configuration.
	_, err = client.AGS.ServiceDiscovery(context.Background())
	fmt.Println(errors.Is(err, tvauth.ErrNotConfigured))

	// Server answers map the same way: a 401 from any family matches ErrUnauthorized.
	for _, err := range []error{
		&tvauth.PassError{HTTPStatus: 401, Code: "invalid_access_token_client_application"},
		&tvauth.WebAPIError{StatusCode: 441},
		&tvauth.AGSError{HTTPStatus: 401},
	} {
		fmt.Println(errors.Is(err, tvauth.ErrUnauthorized), errors.Is(err, tvauth.ErrRateLimited))
	}
	// Output:
	// true true
	// true
	// true false
	// true true
	// true false
}
