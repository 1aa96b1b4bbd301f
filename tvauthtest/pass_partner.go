package tvauthtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tvauth/tvauth"
)

// REST API v2 partner single sign-on (Apple's video subscriber account framework): POST
// /api/v2/{serviceProvider}/sessions/sso/{partner} hands the app a SAML authentication request for the
// partner framework, POST /api/v2/{serviceProvider}/profiles/sso/{partner} turns the framework's SAML
// response into a profile. The partner framework itself runs on the device; PartnerSAMLResponse plays
// it.

// PartnerApple is the single sign-on partner the fake integrates, as Adobe does today. Another
// partner name answers 400 invalid_parameter_partner.
const PartnerApple = "Apple"

// PartnerProfileType is the type of the profiles partner single sign-on creates ("appleSSO"): a v2
// logout of one answers partner_logout/partner_interactive.
const PartnerProfileType = "appleSSO"

// passPartnerAttributes are the user metadata the fake's authentication request asks the partner to
// release.
var passPartnerAttributes = []string{"upstreamUserID", "userID"}

// passFrameworkStatus is a decoded AP-Partner-Framework-Status header.
type passFrameworkStatus struct {
	Permission struct {
		AccessStatus string `json:"accessStatus"`
	} `json:"frameworkPermissionInfo"`
	Provider struct {
		ID             string `json:"id"`
		ExpirationDate string `json:"expirationDate"`
	} `json:"frameworkProviderInfo"`
}

// passParseFrameworkStatus decodes the header: standard Base64 of a JSON object. ok is false when it
// is missing or cannot be read.
func passParseFrameworkStatus(v string) (passFrameworkStatus, bool) {
	var f passFrameworkStatus
	if v == "" {
		return f, false
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return f, false
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return f, false
	}
	return f, true
}

// problem names the Enhanced Error Code of a framework status that does not let the profile be
// created, "" when it does. Adobe's codes distinguish every case.
func (f passFrameworkStatus) problem(now time.Time) (code, message string) {
	switch f.Permission.AccessStatus {
	case "granted":
	case "":
		return "invalid_header_pfs_permission_access_not_present", "The partner framework status carries no permission access status."
	case "notDetermined":
		return "invalid_header_pfs_permission_access_not_determined", "The user has not decided whether to grant access to the TV provider account."
	default:
		return "invalid_header_pfs_permission_access_not_granted", "The user did not grant access to the TV provider account."
	}
	if f.Provider.ID == "" {
		return "invalid_header_pfs_provider_id_not_determined", "The partner framework status names no TV provider."
	}
	if f.Provider.ExpirationDate != "" {
		ms, err := strconv.ParseInt(f.Provider.ExpirationDate, 10, 64)
		if err != nil || !now.Before(time.UnixMilli(ms)) {
			return "invalid_header_pfs_provider_info_expired", "The TV provider information of the partner framework has expired."
		}
	}
	return "", ""
}

// passPartner checks the path's partner; the error reply is written.
func (s *Server) passPartner(w http.ResponseWriter, partner string) bool {
	s.pass.mu.Lock()
	ok := s.pass.partners[partner]
	s.pass.mu.Unlock()
	if !ok {
		adobeEEC(w, http.StatusBadRequest, "none", "invalid_parameter_partner",
			"The partner parameter value is missing or invalid: the fake integrates "+strconv.Quote(PartnerApple)+".")
	}
	return ok
}

// passPartnerForm reads the device headers and the form of a POST to a partner's endpoint, then
// checks the partner.
func (s *Server) passPartnerForm(w http.ResponseWriter, r *http.Request, partner string) (passDevice, url.Values, bool) {
	dev, form, ok := passDeviceForm(w, r)
	if !ok || !s.passPartner(w, partner) {
		return dev, nil, false
	}
	return dev, form, true
}

// passPartnerSession is POST sessions/sso/{partner}. A framework status that lets the partner sign
// the user in gives partner_profile with the SAML request (or authorize when the device already has a
// profile for that MVPD); otherwise the session falls back to basic authentication, with the reason:
// pfs_fallback (status missing, unreadable, not granted, no provider, expired) or
// configuration_fallback (the provider is no MVPD the fake knows).
func (s *Server) passPartnerSession(w http.ResponseWriter, r *http.Request, sp, partner string) {
	dev, form, ok := s.passPartnerForm(w, r, partner)
	if !ok {
		return
	}
	now := s.adobeNow()
	ss := newPassSession(sp, dev, now)
	form.Del("mvpd") // not a parameter of this endpoint: the MVPD comes from the framework status
	if !s.passSessionParams(w, form, ss) {
		return
	}

	fs, readable := passParseFrameworkStatus(r.Header.Get("AP-Partner-Framework-Status"))
	reason := ""
	switch {
	case !readable:
		reason = "pfs_fallback"
	case s.pass.mvpd(fs.Provider.ID) == nil:
		if code, _ := fs.problem(now); code != "" {
			reason = "pfs_fallback"
		} else {
			reason = "configuration_fallback"
		}
	default:
		ss.mvpd = fs.Provider.ID // an integrated MVPD: basic authentication can use it
		if code, _ := fs.problem(now); code != "" {
			reason = "pfs_fallback"
		}
	}
	if reason != "" {
		s.pass.mu.Lock()
		s.pass.addSession(ss)
		s.pass.mu.Unlock()
		s.passSessionReplyReason(w, ss, now, reason)
		return
	}

	reply := map[string]any{"sessionId": ss.id, "serviceProvider": sp, "mvpd": ss.mvpd}
	s.pass.mu.Lock()
	p := s.pass.profiles[passProfileKey{sp, dev.id, ss.mvpd}]
	valid := p != nil && now.Before(p.NotAfter)
	if !valid {
		p = s.pass.degradedProfile(sp, dev.id, ss.mvpd, now)
		valid = p != nil
	}
	s.pass.mu.Unlock()
	if valid {
		reply["actionName"], reply["actionType"], reply["reasonType"] = "authorize", "direct", passAuthorizedReason(p.Type)
		reply["url"] = "/api/v2/" + url.PathEscape(sp) + "/decisions/authorize/" + url.PathEscape(ss.mvpd)
		adobeJSON(w, http.StatusOK, reply)
		return
	}
	reply["actionName"], reply["actionType"], reply["reasonType"] = "partner_profile", "direct", "none"
	reply["url"] = "/api/v2/" + url.PathEscape(sp) + "/profiles/sso/" + url.PathEscape(partner)
	reply["authenticationRequest"] = map[string]any{
		"type": "saml", "request": passSAMLRequest(sp, ss.mvpd, ss.id, now), "attributesNames": passPartnerAttributes,
	}
	adobeJSON(w, http.StatusOK, reply)
}

// passAuthorizedReason is the reasonType of a session answered with authorize.
func passAuthorizedReason(profileType string) string {
	switch profileType {
	case "temporary", "degraded":
		return profileType
	case PartnerProfileType, "platformSSO", "serviceTokenSSO":
		return "authenticatedSSO"
	}
	return "authenticated"
}

// passPartnerProfile is POST profiles/sso/{partner}: the SAMLResponse form parameter must be one
// PartnerSAMLResponse issued; a framework status, when sent, must grant access and name the same MVPD.
// 201 with the new profile.
func (s *Server) passPartnerProfile(w http.ResponseWriter, r *http.Request, sp, partner string) {
	dev, form, ok := s.passPartnerForm(w, r, partner)
	if !ok {
		return
	}
	resp, ok := s.pass.readSAMLResponse(form.Get("SAMLResponse"))
	if !ok || len(form["SAMLResponse"]) != 1 {
		adobeEEC(w, http.StatusBadRequest, "none", "invalid_parameter_saml_response",
			"The SAML response parameter value is missing or invalid.")
		return
	}
	now := s.adobeNow()
	if v := r.Header.Get("AP-Partner-Framework-Status"); v != "" {
		fs, readable := passParseFrameworkStatus(v)
		code, message := fs.problem(now)
		switch {
		case !readable:
			code, message = "invalid_header_pfs_permission_access_not_present", "The partner framework status header cannot be read."
		case code == "" && fs.Provider.ID != resp.mvpd:
			code, message = "invalid_header_pfs_provider_id_mismatch",
				"The TV provider of the partner framework status does not match the SAML response."
		}
		if code != "" {
			adobeEEC(w, http.StatusBadRequest, "none", code, message)
			return
		}
	}
	if !s.passIntegration(w, resp.mvpd) {
		return
	}
	s.pass.mu.Lock()
	// A degraded MVPD: Adobe issues its own profile instead of the partner's, and answers 200.
	status, p := http.StatusOK, s.pass.degradedProfile(sp, dev.id, resp.mvpd, now)
	if p == nil {
		status, p = http.StatusCreated, s.pass.putProfile(Profile{ServiceProvider: sp, MVPD: resp.mvpd, DeviceID: dev.id,
			UserID: resp.userID, Type: PartnerProfileType}, now)
	}
	obj := passProfileObject(p)
	s.pass.mu.Unlock()
	adobeJSON(w, status, map[string]any{"profiles": map[string]any{resp.mvpd: obj}})
}

// passSAMLRequest is the Base64 SAML AuthnRequest handed to the partner framework.
func passSAMLRequest(sp, mvpd, id string, now time.Time) string {
	doc := `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
		` ID="_` + html.EscapeString(id) + `" Version="2.0" IssueInstant="` + now.UTC().Format(time.RFC3339) + `"` +
		` Destination="` + html.EscapeString(mvpd) + `"><saml:Issuer>` + html.EscapeString(sp) + `</saml:Issuer></samlp:AuthnRequest>`
	return base64.StdEncoding.EncodeToString([]byte(doc))
}

// samlResponse is what the fake reads back from a SAML response it issued.
type samlResponse struct {
	mvpd, userID string
}

type samlResponseXML struct {
	XMLName   xml.Name `xml:"Response"`
	ID        string   `xml:"ID,attr"`
	Issuer    string   `xml:"Issuer"`
	NameID    string   `xml:"Assertion>Subject>NameID"`
	Signature string   `xml:"Signature>SignatureValue"`
}

// PartnerSAMLResponse plays the partner framework after the user signed in to mvpd with it: it returns
// the Base64 SAML response the app passes as tvauth.PartnerProfileRequest.SAMLResponse. The fake
// accepts only responses it issued (they are signed with a key of this Server). userID "" derives
// one.
func (s *Server) PartnerSAMLResponse(mvpd, userID string) tvauth.Secret {
	if userID == "" {
		userID = adobeUserID("partner", mvpd)
	}
	id := adobeUUID()
	doc := `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
		` xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="` + id + `" Version="2.0">` +
		`<saml:Issuer>` + html.EscapeString(mvpd) + `</saml:Issuer>` +
		`<saml:Assertion><saml:Subject><saml:NameID>` + html.EscapeString(userID) + `</saml:NameID></saml:Subject></saml:Assertion>` +
		`<ds:Signature><ds:SignatureValue>` + s.pass.samlSignature(id, mvpd, userID) + `</ds:SignatureValue></ds:Signature>` +
		`</samlp:Response>`
	return tvauth.Secret(base64.StdEncoding.EncodeToString([]byte(doc)))
}

func (p *passState) samlSignature(id, mvpd, userID string) string {
	m := hmac.New(sha256.New, p.partnerKey)
	m.Write([]byte(id + "\x00" + mvpd + "\x00" + userID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// readSAMLResponse decodes and verifies a SAML response PartnerSAMLResponse issued.
func (p *passState) readSAMLResponse(v string) (samlResponse, bool) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil || len(raw) == 0 {
		return samlResponse{}, false
	}
	var doc samlResponseXML
	if err := xml.NewDecoder(bytes.NewReader(raw)).Decode(&doc); err != nil || doc.Issuer == "" || doc.NameID == "" {
		return samlResponse{}, false
	}
	want := p.samlSignature(doc.ID, doc.Issuer, doc.NameID)
	if !hmac.Equal([]byte(want), []byte(strings.TrimSpace(doc.Signature))) {
		return samlResponse{}, false
	}
	return samlResponse{mvpd: doc.Issuer, userID: doc.NameID}, true
}
