package tvauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestAGSServiceDiscoveryWire(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	var tokens agsSeen
	mux.HandleFunc("/ags/servicediscovery", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		agsTestCommonHeaders(t, r, "")
		if r.URL.RawQuery != "" {
			t.Errorf("query %q", r.URL.RawQuery)
		}
		tokens.Add(r.Header.Get("Token"))
		agsReply(w, http.StatusOK, agsFixture(t, "servicediscovery.json"))
	})
	want := &ServiceDiscovery{AvailableServices: []AuthService{{
		AuthServiceName: "Customer Auth Service",
		DisplayAttributes: struct{ Logo, Name string }{
			Logo: "http://customer.com/auth.jpg", Name: "Customer Authentication",
		},
		Endpoints: []Endpoint{{Name: "SIGNON", Path: "/signOn",
			ParameterProperties: []ParameterProperty{{Name: "Username"}}}},
	}}}
	d, err := c.AGS.ServiceDiscovery(context.Background())
	if err != nil || !reflect.DeepEqual(d, want) {
		t.Fatalf("ServiceDiscovery = %+v, %v", d, err)
	}
	if d, err = c.AGS.ServiceDiscoveryWith(context.Background(), ServiceDiscoveryRequest{Token: "req-auth-token"}); err != nil || !reflect.DeepEqual(d, want) {
		t.Fatalf("ServiceDiscoveryWith = %+v, %v", d, err)
	}
	// The token header goes out only when set, and as given.
	if got := tokens.list(); !reflect.DeepEqual(got, []string{"", "req-auth-token"}) {
		t.Errorf("token headers sent: %q", got)
	}
	svc, ok := d.Service("Customer Auth Service")
	if !ok || svc.CheckSignOn(nil) != nil {
		t.Errorf("Service/CheckSignOn: %v %v", ok, svc.CheckSignOn(nil))
	}
	if _, ok := d.Service("customer auth service"); ok {
		t.Errorf("service names are case-sensitive")
	}

	c404, mux404 := agsSetup(t)
	mux404.HandleFunc("/ags/servicediscovery", func(w http.ResponseWriter, r *http.Request) {
		agsReply(w, http.StatusNotFound, agsFixture(t, "servicediscovery_404.html"))
	})
	var ae *AGSError
	if _, err := c404.AGS.ServiceDiscovery(context.Background()); !errors.As(err, &ae) || ae.HTTPStatus != 404 {
		t.Errorf("404: err = %v", err)
	}
}

// Discovery needs no auth service: without a default the header is simply left out.
func TestAGSServiceDiscoveryWithoutAuthService(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/ags/servicediscovery", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Header["X-Auth-Service-Id"]; ok {
			t.Errorf("x-auth-service-id sent: %q", r.Header.Get("X-Auth-Service-Id"))
		}
		if _, ok := r.Header["Nv-Tenant-Id"]; ok {
			t.Errorf("nv-tenant-id sent without WithAGSTenant")
		}
		agsReply(w, http.StatusOK, []byte(`{"availableServices":[]}`))
	})
	if d, err := c.AGS.ServiceDiscovery(context.Background()); err != nil || len(d.AvailableServices) != 0 {
		t.Fatalf("ServiceDiscovery = %+v, %v", d, err)
	}
}

func TestAGSCheckParameters(t *testing.T) {
	t.Parallel()
	var d ServiceDiscovery
	if err := json.Unmarshal(agsFixture(t, "servicediscovery_password_mandatory.json"), &d); err != nil {
		t.Fatal(err)
	}
	svc, ok := d.Service("4iGSSO")
	if !ok {
		t.Fatal("service missing")
	}
	signOn, _ := svc.Endpoint("signon")
	if !signOn.IsPassword("password") || signOn.IsPassword("username") || !signOn.ParameterProperties[1].Mandatory {
		t.Errorf("properties = %+v", signOn.ParameterProperties)
	}
	tests := []struct {
		params  []Parameter
		missing string
	}{
		{[]Parameter{{"username", "dave"}, {"password", "pw"}}, ""},
		{[]Parameter{{"username", "dave"}}, "password"},
		{[]Parameter{{"username", "dave"}, {"password", ""}}, "password"},
		{[]Parameter{{"Username", "dave"}, {"password", "pw"}}, "username"},
		{nil, "username"},
	}
	for _, tt := range tests {
		err := svc.CheckSignOn(tt.params)
		var ve *ValidationError
		switch {
		case tt.missing == "" && err != nil:
			t.Errorf("CheckSignOn(%v) = %v", tt.params, err)
		case tt.missing != "" && (!errors.As(err, &ve) || ve.Field != "Parameters" || !strings.Contains(ve.Reason, `"`+tt.missing+`"`)):
			t.Errorf("CheckSignOn(%v) = %v, want missing %q", tt.params, err, tt.missing)
		}
	}
	tvkey, ok := svc.Endpoint("TVKEY")
	if !ok || tvkey.Path != "/register/TVKEY" || tvkey.CheckParameters([]Parameter{{"tvKeyChallenge", "c"}}) != nil {
		t.Errorf("TVKEY endpoint = %+v", tvkey)
	}
	var bad ServiceDiscovery
	if err := json.Unmarshal([]byte(`{"availableServices":[{"endpoints":[{"parameterProperties":[{"mandatory":"maybe"}]}]}]}`), &bad); err == nil {
		t.Errorf("a non-boolean mandatory decoded")
	}
}

// FuzzParameterJSON: a Parameter read from JSON is never a masked secret, and json.Marshal → Unmarshal
// gives the parameter back or refuses the masked value (ErrMaskedSecret).
func FuzzParameterJSON(f *testing.F) {
	for _, s := range []string{`{"name":"password","value":"REDACTED"}`, `{"name":"username","value":"REDACTED"}`,
		`{"name":"PIN","value":"1234"}`, `{"name":"x"}`, `null`, `[]`, `{"name":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Parameter
		if err := json.Unmarshal(b, &p); err != nil {
			return
		}
		if p.Value == redacted && agsSecretParameter(p.Name) {
			t.Fatalf("read %s as a masked secret parameter", b)
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back Parameter
		err = json.Unmarshal(out, &back)
		switch {
		case errors.Is(err, ErrMaskedSecret):
			if !agsSecretParameter(p.Name) || p.Value == "" {
				t.Fatalf("%+v refused after a round trip through %s", p, out)
			}
		case err != nil || back != p:
			t.Fatalf("%q round-trips through %s as %q, %v", p, out, back, err)
		}
	})
}

func FuzzAGSServiceDiscovery(f *testing.F) {
	agsSeedFixtures(f, "servicediscovery*.json")
	f.Add([]byte(`{"availableServices":[{"endpoints":[{"parameterProperties":[{"name":7,"mandatory":"1"}]}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var d ServiceDiscovery
		if err := json.Unmarshal(body, &d); err != nil {
			return
		}
		for _, s := range d.AvailableServices {
			for _, e := range s.Endpoints {
				_ = e.CheckParameters(nil)
			}
			_ = s.CheckSignOn([]Parameter{{"username", "x"}})
		}
	})
}
