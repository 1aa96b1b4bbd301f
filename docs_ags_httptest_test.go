package tvauth_test

// docs/ags.md shows this test whole: an AGS client against a plain httptest server of your own.

// docs:begin ags-httptest
import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tvauth/tvauth"
)

func TestSignOnWithHTTPTest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct{ ClientID string }
		if r.Method != "POST" || r.URL.Path != "/ags/signOn" || r.Header.Get("x-auth-service-id") != "SSO" ||
			json.Unmarshal(body, &req) != nil || req.ClientID != "device-7" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"access_token":"at-1","refresh_token":"rt-1","client_id":"device-7","expires_in":3600}`)
	}))
	defer srv.Close()

	client, err := tvauth.New(tvauth.WithAGSURL(srv.URL+"/ags"), tvauth.WithAGSAuthService("SSO"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.AGS.SignOn(context.Background(), tvauth.SignOnRequest{
		Parameters: []tvauth.Parameter{{Name: "username", Value: "dave"}, {Name: "password", Value: "pw"}},
		ClientID:   "device-7",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tokens == nil || res.Tokens.AccessToken != "at-1" || res.Tokens.ClientID != "device-7" {
		t.Fatalf("tokens = %v", res.Tokens)
	}
}

// docs:end ags-httptest
