package tvauth_test

// docs/calls.md shows this test: a client built without WithHTTPClient sends through whatever
// http.DefaultTransport is at each request, so httpmock.Activate works before or after tvauth.New.

// docs:begin calls-httpmock
import (
	"context"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/tvauth/tvauth"
)

func TestServiceDiscoveryWithHTTPMock(t *testing.T) {
	httpmock.Activate() // before or after tvauth.New: a client without WithHTTPClient uses it either way
	defer httpmock.DeactivateAndReset()
	httpmock.RegisterResponder("GET", "https://ags.example.com/ags/servicediscovery",
		httpmock.NewStringResponder(200, `{"availableServices":[{"authServiceName":"SSO","endpoints":[]}]}`))

	client, err := tvauth.New(tvauth.WithAGSURL("https://ags.example.com/ags"))
	if err != nil {
		t.Fatal(err)
	}
	disc, err := client.AGS.ServiceDiscovery(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(disc.AvailableServices) != 1 || disc.AvailableServices[0].AuthServiceName != "SSO" {
		t.Fatalf("services = %+v", disc.AvailableServices)
	}
	if n := httpmock.GetTotalCallCount(); n != 1 {
		t.Fatalf("%d calls reached httpmock, want 1", n)
	}
}

// docs:end calls-httpmock
