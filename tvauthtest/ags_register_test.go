package tvauthtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
)

func TestAGSTenant(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddAGSUser("dave")
	body := `{"parameters":` + credentials("dave", DefaultAGSPassword) + `,"deviceInformation":` + deviceInfo + `}`

	// Off by default: the docs do not mark nv-tenant-id mandatory.
	status, _, reply := agsPost(t, s, "/signOn", agsHeader("Nv-Tenant-Id", ""), body)
	tokensOf(t, status, reply, http.StatusCreated)

	s.RequireAGSTenant("acme")
	for _, path := range []string{"/signOn", "/refresh", "/signOut", "/subsequentSignOn", "/register/tvkey",
		"/subsequentRegister", "/getSessionToken", "/signOnWithSessionToken"} {
		status, h, reply := agsPost(t, s, path, agsHeader(), body) // nagra
		agsErr(t, path+" wrong tenant", status, h, reply, 404, "NOT_FOUND")
		if !strings.Contains(reply, "tenant") {
			t.Errorf("%s: %s", path, reply)
		}
		status, h, reply = agsPost(t, s, path, agsHeader("Nv-Tenant-Id", ""), body)
		agsErr(t, path+" no tenant", status, h, reply, 400, "BAD_REQUEST")
	}
	status, h, reply := do(t, s.srv.Client(), "GET", s.URL()+"/ags/servicediscovery", agsHeader(), "")
	agsErr(t, "discovery wrong tenant", status, h, reply, 404, "NOT_FOUND")
	status, _, reply = agsPost(t, s, "/signOn", agsHeader("Nv-Tenant-Id", "acme"), body)
	tokensOf(t, status, reply, http.StatusCreated)

	s.RequireAGSTenant("")
	status, _, reply = agsPost(t, s, "/signOn", agsHeader(), body)
	tokensOf(t, status, reply, http.StatusCreated)
}

func TestAGSRegister(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.AddAGSUser("dave", "1660", "1663")
	s.AddAGSUser("solo")
	creds := func(u string) string { return `{"parameters":` + credentials(u, DefaultAGSPassword) }

	// One account: 201 with tokens; neither clientId nor deviceInformation is needed.
	status, _, reply := agsPost(t, s, "/register/tvkey", agsHeader(), creds("solo")+`}`)
	tr := tokensOf(t, status, reply, http.StatusCreated)
	if got := s.AGSDevices("solo"); len(got) != 1 || got[0] != tr.ClientID {
		t.Fatalf("devices %v, tokens for %s", got, tr.ClientID)
	}
	// A known device activates again without registering another.
	status, _, reply = agsPost(t, s, "/register/tvkey", agsHeader(), creds("solo")+`,"clientId":"`+tr.ClientID+`"}`)
	if tokensOf(t, status, reply, http.StatusCreated).ClientID != tr.ClientID || len(s.AGSDevices("solo")) != 1 {
		t.Fatalf("n-th register: %s", reply)
	}

	// Several accounts: 300, then subsequentRegister with a User-Token of that 300 only.
	status, _, reply = agsPost(t, s, "/register/tvkey", agsHeader(), creds("dave")+`,"deviceInformation":`+deviceInfo+`}`)
	if status != http.StatusMultipleChoices {
		t.Fatalf("HTTP %d %s", status, reply)
	}
	var multi struct {
		Accounts []struct{ AccountInformation, UserAccountToken string }
	}
	if err := json.Unmarshal([]byte(reply), &multi); err != nil || len(multi.Accounts) != 2 {
		t.Fatalf("300 body %s: %v", reply, err)
	}
	user := `{"parameters":[{"name":"username","value":"dave"}]}`
	status, h, reply := agsPost(t, s, "/subsequentSignOn", agsHeader("User-Token", multi.Accounts[1].UserAccountToken), user)
	agsErr(t, "register token at subsequentSignOn", status, h, reply, 401, "UNAUTHORIZED")
	status, _, reply = agsPost(t, s, "/subsequentRegister", agsHeader("User-Token", multi.Accounts[1].UserAccountToken), user)
	if tr := tokensOf(t, status, reply, http.StatusCreated); tr.AccountID != "1663" {
		t.Fatalf("subsequentRegister: %+v", tr)
	}
	status, h, reply = agsPost(t, s, "/subsequentRegister", agsHeader("User-Token", multi.Accounts[0].UserAccountToken), user)
	agsErr(t, "spent User-Token", status, h, reply, 401, "UNAUTHORIZED")

	// And a signOn's User-Token does not finish a register.
	status, _, reply = agsPost(t, s, "/signOn", agsHeader(), creds("dave")+`,"deviceInformation":`+deviceInfo+`}`)
	if err := json.Unmarshal([]byte(reply), &multi); status != 300 || err != nil {
		t.Fatalf("signOn: %d %s", status, reply)
	}
	status, h, reply = agsPost(t, s, "/subsequentRegister", agsHeader("User-Token", multi.Accounts[0].UserAccountToken), user)
	agsErr(t, "signOn token at subsequentRegister", status, h, reply, 401, "UNAUTHORIZED")

	for _, c := range []struct {
		name, path, body string
		status           int
		code             any
	}{
		{"unknown type", "/register/dvb", creds("solo") + `}`, 404, "NOT_FOUND"},
		{"bad password", "/register/tvkey", `{"parameters":` + credentials("solo", "nope") + `}`, 401, "UNAUTHORIZED"},
		{"both devices", "/register/tvkey", creds("solo") + `,"clientId":"` + tr.ClientID + `","deviceInformation":{}}`, 400, "BAD_REQUEST"},
		{"deleted device", "/register/tvkey", creds("solo") + `,"clientId":"PUB_1"}`, 403, float64(AGSDeviceDeleted)},
	} {
		status, h, reply := agsPost(t, s, c.path, agsHeader(), c.body)
		agsErr(t, c.name, status, h, reply, c.status, c.code)
	}
}

func TestAGSSessionToken(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	clock := newFakeClock()
	s.SetClock(clock.Now)
	s.AddAGSUser("dave", "1660", "1663")
	param := func(name, value string) string {
		b, _ := json.Marshal([]map[string]string{{"name": name, "value": value}})
		return `{"parameters":` + string(b)
	}

	status, _, reply := agsPost(t, s, "/getSessionToken", agsHeader(), param(AGSOperatorTokenParam, s.AGSOperatorAuthToken("1663", 0))+`}`)
	var st struct {
		SessionToken string `json:"sessionToken"`
	}
	decodeStrict(t, reply, &st)
	if status != 200 || st.SessionToken == "" {
		t.Fatalf("getSessionToken: %d %s", status, reply)
	}
	// The phone signs on with it, once, as a new device, into the account the head-end named.
	status, _, reply = agsPost(t, s, "/signOnWithSessionToken", agsHeader(), param(AGSSessionTokenParam, st.SessionToken)+`,"deviceInformation":`+deviceInfo+`}`)
	tr := tokensOf(t, status, reply, http.StatusCreated)
	if tr.AccountID != "1663" || !s.AGSAccessTokenActive(tvauth.Secret(tr.AccessToken)) || len(s.AGSDevices("dave")) != 1 {
		t.Fatalf("signOnWithSessionToken: %+v", tr)
	}
	status, h, reply := agsPost(t, s, "/signOnWithSessionToken", agsHeader(), param(AGSSessionTokenParam, st.SessionToken)+`,"clientId":"`+tr.ClientID+`"}`)
	agsErr(t, "spent session token", status, h, reply, 401, "UNAUTHORIZED")

	other := NewServer()
	defer other.Close()
	expired := s.AGSOperatorAuthToken("1663", time.Minute)
	clock.Advance(2 * time.Minute)
	for _, c := range []struct {
		name, path, body string
		status           int
		code             any
	}{
		{"no operator token", "/getSessionToken", `{"parameters":[]}`, 400, "BAD_REQUEST"},
		{"another fake's operator token", "/getSessionToken", param(AGSOperatorTokenParam, other.AGSOperatorAuthToken("1663", 0)) + `}`, 401, "UNAUTHORIZED"},
		{"expired operator token", "/getSessionToken", param(AGSOperatorTokenParam, expired) + `}`, 401, "UNAUTHORIZED"},
		{"unknown account", "/getSessionToken", param(AGSOperatorTokenParam, s.AGSOperatorAuthToken("9999", 0)) + `}`, 403, float64(AGSAccountCancelled)},
		{"unknown session token", "/signOnWithSessionToken", param(AGSSessionTokenParam, "nope") + `,"clientId":"` + tr.ClientID + `"}`, 401, "UNAUTHORIZED"},
		{"no device", "/signOnWithSessionToken", param(AGSSessionTokenParam, "nope") + `}`, 400, "BAD_REQUEST"},
		{"no session token", "/signOnWithSessionToken", `{"parameters":[],"clientId":"` + tr.ClientID + `"}`, 400, "BAD_REQUEST"},
	} {
		status, h, reply := agsPost(t, s, c.path, agsHeader(), c.body)
		agsErr(t, c.name, status, h, reply, c.status, c.code)
	}

	// A session token expires unused.
	status, _, reply = agsPost(t, s, "/getSessionToken", agsHeader(), param(AGSOperatorTokenParam, s.AGSOperatorAuthToken("1660", 0))+`}`)
	if decodeStrict(t, reply, &st); status != 200 {
		t.Fatalf("getSessionToken: %d %s", status, reply)
	}
	clock.Advance(AGSSessionTokenLifetime)
	status, h, reply = agsPost(t, s, "/signOnWithSessionToken", agsHeader(), param(AGSSessionTokenParam, st.SessionToken)+`,"clientId":"`+tr.ClientID+`"}`)
	agsErr(t, "expired session token", status, h, reply, 401, "UNAUTHORIZED")
}
