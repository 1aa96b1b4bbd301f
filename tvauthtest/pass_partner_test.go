package tvauthtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// passPFS is an AP-Partner-Framework-Status value: standard Base64 of the documented JSON.
func passPFS(t testing.TB, access, provider string, expires ...time.Time) string {
	t.Helper()
	info := map[string]any{"id": provider}
	if len(expires) > 0 {
		info["expirationDate"] = strconv.FormatInt(expires[0].UnixMilli(), 10)
	}
	b, err := json.Marshal(map[string]any{
		"frameworkPermissionInfo": map[string]any{"accessStatus": access},
		"frameworkProviderInfo":   info,
	})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestPassPartnerSession(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	form := passWith(passHeaders(s.IssuePassToken()), "Content-Type", "application/x-www-form-urlencoded")
	full := "domainName=adobe.com&redirectUrl=" + url.QueryEscape(adobeTestRedirect)
	send := func(partner, pfs, body string) adobeReply {
		return adobeSend(t, s, "POST", "/api/v2/REF30/sessions/sso/"+partner, passWith(form, "AP-Partner-Framework-Status", pfs), body)
	}

	// Granted access to an MVPD the fake knows: the SAML request for the partner framework.
	r := send("Apple", passPFS(t, "granted", "Cablevision"), full)
	if r.StatusCode != 200 {
		t.Fatalf("%d %s", r.StatusCode, r.body)
	}
	m := r.json(t)
	if m["actionName"] != "partner_profile" || m["actionType"] != "direct" || m["reasonType"] != "none" ||
		m["mvpd"] != "Cablevision" || m["url"] != "/api/v2/REF30/profiles/sso/Apple" || m["sessionId"] == "" {
		t.Fatalf("partner session: %v", m)
	}
	ar, _ := m["authenticationRequest"].(map[string]any)
	saml, err := base64.StdEncoding.DecodeString(ar["request"].(string))
	if ar["type"] != "saml" || err != nil || !strings.Contains(string(saml), "<samlp:AuthnRequest") ||
		!strings.Contains(string(saml), `Destination="Cablevision"`) || len(ar["attributesNames"].([]any)) == 0 {
		t.Fatalf("authenticationRequest %v (%s)", ar, saml)
	}

	// Every way the framework status cannot serve falls back to basic authentication, saying why.
	for _, c := range []struct {
		name, pfs, body    string
		reason, action     string
		mvpd               string
		missingParamsCount int
	}{
		{"no status", "", full, "pfs_fallback", "resume", "", 1},
		{"not Base64", "%%%", full, "pfs_fallback", "resume", "", 1},
		{"denied", passPFS(t, "denied", "Cablevision"), full, "pfs_fallback", "authenticate", "Cablevision", 0},
		{"expired", passPFS(t, "granted", "Cablevision", time.Now().Add(-time.Hour)), full, "pfs_fallback", "authenticate", "Cablevision", 0},
		{"unknown provider", passPFS(t, "granted", "NoSuchMVPD"), full, "configuration_fallback", "resume", "", 1},
		{"nothing else", passPFS(t, "denied", "Cablevision"), "", "pfs_fallback", "resume", "Cablevision", 2},
	} {
		r := send("Apple", c.pfs, c.body)
		if r.StatusCode != 200 {
			t.Fatalf("%s: %d %s", c.name, r.StatusCode, r.body)
		}
		m := r.json(t)
		missing, _ := m["missingParameters"].([]any)
		if m["reasonType"] != c.reason || m["actionName"] != c.action || len(missing) != c.missingParamsCount ||
			m["code"] == nil || m["authenticationRequest"] != nil || (c.mvpd != "" && m["mvpd"] != c.mvpd) {
			t.Errorf("%s: %v", c.name, m)
		}
		// A fallback session is an ordinary one: its code resumes and authenticates.
		if _, ok := s.PassSession(m["code"].(string)); !ok {
			t.Errorf("%s: the fake does not hold the session", c.name)
		}
	}

	wantEEC(t, send("Google", passPFS(t, "granted", "Cablevision"), full), 400, "none", "invalid_parameter_partner")
	wantEEC(t, send("Apple", "", "domainName=adobe.com&redirectUrl=not-absolute"), 400, "none", "invalid_parameter_redirect_url")
	wantEEC(t, adobeSend(t, s, "POST", "/api/v2/REF30/sessions/sso/Apple", passWith(form, "AP-Device-Identifier", ""), full),
		400, "none", "invalid_header_device_identifier")
	wantEEC(t, adobeSend(t, s, "POST", "/api/v2/REF30/sessions/sso/Apple", passWith(form, "Content-Type", "application/json"), "{}"),
		415, "none", "internal_error")
	wantEEC(t, adobeSend(t, s, "GET", "/api/v2/REF30/sessions/sso/Apple", form, ""), 405, "none", "internal_error")
	wantEEC(t, adobeSend(t, s, "POST", "/api/v2/REF30/sessions/sso/Apple", passWith(form, "Authorization", ""), full),
		401, "application-registration", "invalid_access_token_client_application")
}

func TestPassPartnerProfile(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	form := passWith(passHeaders(s.IssuePassToken()), "Content-Type", "application/x-www-form-urlencoded")
	send := func(pfs, saml string) adobeReply {
		return adobeSend(t, s, "POST", "/api/v2/REF30/profiles/sso/Apple", passWith(form, "AP-Partner-Framework-Status", pfs),
			url.Values{"SAMLResponse": {saml}}.Encode())
	}
	good := passPFS(t, "granted", "Cablevision")

	other := NewServer()
	defer other.Close()
	for name, c := range map[string]struct{ pfs, saml, code string }{
		"empty SAML":          {good, "", "invalid_parameter_saml_response"},
		"not Base64":          {good, "%%%", "invalid_parameter_saml_response"},
		"another fake's SAML": {good, string(other.PartnerSAMLResponse("Cablevision", "u1")), "invalid_parameter_saml_response"},
		"tampered SAML": {good, base64.StdEncoding.EncodeToString([]byte(strings.Replace(
			string(mustB64(t, string(s.PartnerSAMLResponse("Cablevision", "u1")))), ">u1<", ">u2<", 1))), "invalid_parameter_saml_response"},
		"not granted":    {passPFS(t, "denied", "Cablevision"), string(s.PartnerSAMLResponse("Cablevision", "u1")), "invalid_header_pfs_permission_access_not_granted"},
		"not determined": {passPFS(t, "notDetermined", "Cablevision"), string(s.PartnerSAMLResponse("Cablevision", "u1")), "invalid_header_pfs_permission_access_not_determined"},
		"no provider":    {passPFS(t, "granted", ""), string(s.PartnerSAMLResponse("Cablevision", "u1")), "invalid_header_pfs_provider_id_not_determined"},
		"expired":        {passPFS(t, "granted", "Cablevision", time.Now().Add(-time.Minute)), string(s.PartnerSAMLResponse("Cablevision", "u1")), "invalid_header_pfs_provider_info_expired"},
		"mismatch":       {passPFS(t, "granted", "Dish"), string(s.PartnerSAMLResponse("Cablevision", "u1")), "invalid_header_pfs_provider_id_mismatch"},
		"not integrated": {"", string(s.PartnerSAMLResponse("NoSuchMVPD", "u1")), "invalid_integration"},
	} {
		t.Run(name, func(t *testing.T) { wantEEC(t, send(c.pfs, c.saml), 400, "none", c.code) })
	}
	if got := s.Profiles("REF30", adobeTestDeviceID); len(got) != 0 {
		t.Fatalf("refused requests created profiles: %+v", got)
	}

	r := send(good, string(s.PartnerSAMLResponse("Cablevision", "user-42")))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("%d %s", r.StatusCode, r.body)
	}
	p, _ := r.json(t)["profiles"].(map[string]any)["Cablevision"].(map[string]any)
	if p["type"] != PartnerProfileType || p["issuer"] != PartnerApple ||
		p["attributes"].(map[string]any)["userID"].(map[string]any)["value"] != "user-42" {
		t.Fatalf("profile %v", p)
	}
	held := s.Profiles("REF30", adobeTestDeviceID)
	if len(held) != 1 || held[0].Type != PartnerProfileType || held[0].UserID != "user-42" {
		t.Fatalf("the fake holds %+v", held)
	}
	// Now the partner session authorizes, and a logout asks for the partner's own sign-out.
	r = adobeSend(t, s, "POST", "/api/v2/REF30/sessions/sso/Apple", passWith(form, "AP-Partner-Framework-Status", good), "")
	if m := r.json(t); m["actionName"] != "authorize" || m["reasonType"] != "authenticatedSSO" {
		t.Fatalf("partner session with a profile: %v", m)
	}
	r = adobeSend(t, s, "GET", "/api/v2/REF30/logout/Cablevision?redirectUrl="+url.QueryEscape(adobeTestRedirect), passHeaders(s.IssuePassToken()), "")
	a := r.json(t)["logouts"].(map[string]any)["Cablevision"].(map[string]any)
	if a["actionName"] != "partner_logout" || a["actionType"] != "partner_interactive" || a["url"] != nil {
		t.Fatalf("logout of a partner profile: %v", a)
	}
}

func mustB64(t testing.TB, v string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPassErrorShapes: every 405 and 415 of the v2 API and DCR is an Enhanced Error Code object.
func TestPassErrorShapes(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	h := passHeaders(s.IssuePassToken())
	for _, c := range []struct {
		method, path, ctype string
		status              int
	}{
		{"DELETE", "/api/v2/REF30/configuration", "", 405},
		{"GET", "/api/v2/REF30/sessions", "", 405},
		{"PUT", "/api/v2/REF30/sessions/ABC1234", "", 405},
		{"DELETE", "/api/v2/REF30/profiles", "", 405},
		{"GET", "/api/v2/REF30/decisions/authorize/Cablevision", "", 405},
		{"POST", "/api/v2/REF30/logout/Cablevision", "", 405},
		{"GET", "/api/v2/REF30/profiles/sso/Apple", "", 405},
		{"GET", "/o/client/register", "", 405},
		{"GET", "/o/client/token", "", 405},
		{"POST", "/api/v2/REF30/sessions", "text/plain", 415},
		{"POST", "/api/v2/REF30/sessions/sso/Apple", "application/json", 415},
		{"POST", "/api/v2/REF30/profiles/sso/Apple", "application/json", 415},
		{"POST", "/api/v2/REF30/decisions/preauthorize/Cablevision", "application/x-www-form-urlencoded", 415},
	} {
		hh := h
		if c.ctype != "" {
			hh = passWith(h, "Content-Type", c.ctype)
		}
		r := adobeSend(t, s, c.method, c.path, hh, "x=1")
		wantEEC(t, r, c.status, "none", "internal_error")
		if c.status == 405 && r.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", c.method, c.path)
		}
	}
}

// TestClientlessMethodNotAllowedEEC: the v1 405s carry the Enhanced Error Code Adobe's v1 catalog lists
// (internal_error, 405), in JSON or XML as asked.
func TestClientlessMethodNotAllowedEEC(t *testing.T) {
	t.Parallel()
	s := adobeTestServer(t)
	h := http.Header{"Authorization": {"Bearer " + s.IssuePassToken()}}
	for _, target := range []string{"/reggie/v1/REF30/regcode.json", "/api/v1/logout.json?" + url.Values{"requestor": {"REF30"}, "deviceId": {"d"}}.Encode()} {
		r := adobeSend(t, s, "PUT", target, h, "")
		wantEEC(t, r, 405, "none", "internal_error")
		if r.Header.Get("Allow") == "" {
			t.Errorf("%s: no Allow", target)
		}
	}
	r := adobeSend(t, s, "PUT", "/reggie/v1/REF30/regcode", h, "")
	if r.StatusCode != 405 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/xml") ||
		!strings.Contains(string(r.body), "<code>internal_error</code>") || !strings.Contains(string(r.body), "<status>405</status>") {
		t.Fatalf("XML 405: %d %s", r.StatusCode, r.body)
	}
}
