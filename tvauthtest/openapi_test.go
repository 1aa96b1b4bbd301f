package tvauthtest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The fake's Pass replies are checked against Adobe's own OpenAPI documents (copied unchanged into
// testdata/openapi): every required member present, every member one the schema names, every value
// of the schema's type. The walker below understands what those two documents use: $ref,
// properties, required, additionalProperties, items, type and enum.

// oasKnownDefects are places where Adobe's OpenAPI document contradicts Adobe's prose documentation
// and samples, which the fake follows. Each is a schema member (or an operation's status) with why.
func oasKnownDefects() map[string]string {
	return map[string]string{
		"ErrorInformation.message": "typed as $ref Message, an empty object schema; every documented error sample " +
			"carries a string (spec §2.1: treat as string)",
		"UserMetadataResponse.value": "typed as an object with no properties; the profile samples carry strings, " +
			"numbers and lists (spec §4.1: value may be string, number, list or map)",
		"POST /{serviceProvider}/decisions/authorize/{mvpd} 403": "the Enhanced Error Codes catalog gives " +
			"authenticated_profile_missing/expired status 403; the OpenAPI lists no 403 for the operation",
		"GET /{serviceProvider}/profiles/code/{code} 403": "the docs' samples answer 403 (TempPass limits); " +
			"the OpenAPI lists no 403",
		"SessionResponse.authenticationRequest": "the partner single sign-on docs add it to the session reply " +
			"(spec §4.1 \"Partner variant adds authenticationRequest\"); the OpenAPI's SessionResponse omits it",
		"POST /{serviceProvider}/profiles/sso/{partner} 201": "the partner single sign-on docs answer 201 " +
			"(spec §4 row 13); the OpenAPI lists 200 only",
		"POST /{serviceProvider}/sessions 415": "the fake answers a body of the wrong Content-Type with 415 " +
			"and an Enhanced Error Code object; the OpenAPI lists no 415 for any operation",
		"POST /{serviceProvider}/decisions/authorize/{mvpd} 415": "as for sessions: 415, with an Enhanced " +
			"Error Code object",
	}
}

type oasDoc map[string]any

func loadOAS(t *testing.T, name string) oasDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "openapi", name))
	if err != nil {
		t.Fatal(err)
	}
	var d oasDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

func oasMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

// responseSchema is the JSON schema of an operation's reply with this status, and the key of the
// operation for defect lookups. A status the operation does not list falls back, for errors, to its
// 400 schema when a known defect says why.
func (d oasDoc) responseSchema(method, path string, status int) (map[string]any, string, error) {
	op := oasMap(oasMap(oasMap(d["paths"])[path])[strings.ToLower(method)])
	if op == nil {
		return nil, "", fmt.Errorf("the OpenAPI has no operation %s %s", method, path)
	}
	key := method + " " + path
	resp := oasMap(oasMap(op["responses"])[strconv.Itoa(status)])
	if resp == nil {
		why := oasKnownDefects()[key+" "+strconv.Itoa(status)]
		if why == "" {
			return nil, key, fmt.Errorf("%s does not list status %d", key, status)
		}
		like := "400" // an undocumented error status has the documented errors' schema
		if status < 400 {
			like = "200"
		}
		resp = oasMap(oasMap(op["responses"])[like])
	}
	schema := oasMap(oasMap(oasMap(resp["content"])["application/json"])["schema"])
	if schema == nil {
		return nil, key, fmt.Errorf("%s %d has no application/json schema", key, status)
	}
	return schema, key, nil
}

// check walks value against schema; owner is the name of the component schema being walked (for
// defect lookups) and at the JSON path for messages.
func (d oasDoc) check(schema map[string]any, owner, at string, value any, errs *[]string) {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target := oasMap(oasMap(oasMap(d["components"])["schemas"])[name])
		if target == nil {
			*errs = append(*errs, at+": unresolvable $ref "+ref)
			return
		}
		d.check(target, name, at, value, errs)
		return
	}
	if value == nil {
		*errs = append(*errs, at+": null")
		return
	}
	typ, _ := schema["type"].(string)
	if typ == "" && (schema["properties"] != nil || schema["additionalProperties"] != nil) {
		typ = "object"
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, value) {
		*errs = append(*errs, fmt.Sprintf("%s: %v is not one of the enum", at, value))
	}
	switch typ {
	case "object":
		obj, ok := value.(map[string]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %T, want an object", at, value))
			return
		}
		props := oasMap(schema["properties"])
		if req, ok := schema["required"].([]any); ok {
			for _, r := range req {
				if _, present := obj[r.(string)]; !present {
					*errs = append(*errs, fmt.Sprintf("%s: required member %q missing", at, r))
				}
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			member := owner + "." + k
			switch sub := props[k]; {
			case oasKnownDefects()[member] != "":
				// Adobe's schema for this member is wrong or missing; see oasKnownDefects.
			case sub != nil:
				d.check(oasMap(sub), owner, at+"."+k, obj[k], errs)
			case oasMap(schema["additionalProperties"]) != nil:
				d.check(oasMap(schema["additionalProperties"]), owner, at+"."+k, obj[k], errs)
			default:
				*errs = append(*errs, fmt.Sprintf("%s: member %q is not in the schema (%s)", at, k, owner))
			}
		}
	case "array":
		arr, ok := value.([]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %T, want an array", at, value))
			return
		}
		for i, item := range arr {
			d.check(oasMap(schema["items"]), owner, fmt.Sprintf("%s[%d]", at, i), item, errs)
		}
	case "string":
		if _, ok := value.(string); !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %T (%v), want a string", at, value, value))
		}
	case "integer":
		if f, ok := value.(float64); !ok || f != math.Trunc(f) {
			*errs = append(*errs, fmt.Sprintf("%s: %v, want an integer", at, value))
		}
	case "number":
		if _, ok := value.(float64); !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %T, want a number", at, value))
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %T, want a boolean", at, value))
		}
	default:
		*errs = append(*errs, fmt.Sprintf("%s: the walker does not know schema type %q", at, typ))
	}
}

// oasCase is one reply of the fake and the OpenAPI operation it answers.
type oasCase struct {
	name, method, path string // path as the OpenAPI writes it (below /api/v2 or /o)
	reply              adobeReply
}

func TestOpenAPIPassReplies(t *testing.T) {
	t.Parallel()
	v2 := loadOAS(t, "adobe-pass-rest-v2.json")
	s := adobeTestServer(t)
	tok := s.IssuePassToken()
	h := passHeaders(tok)
	form := passWith(h, "Content-Type", "application/x-www-form-urlencoded")
	js := passWith(h, "Content-Type", "application/json;charset=utf-8")
	s.DenyResource("Cablevision", "Live")
	var cases []oasCase
	add := func(name, method, oasPath string, r adobeReply) {
		cases = append(cases, oasCase{name, method, oasPath, r})
	}
	redirect := url.QueryEscape(adobeTestRedirect)

	add("configuration", "GET", "/{serviceProvider}/configuration", adobeSend(t, s, "GET", "/api/v2/REF30/configuration", h, ""))
	incomplete := adobeSend(t, s, "POST", "/api/v2/REF30/sessions", form, "")
	add("session with missing parameters", "POST", "/{serviceProvider}/sessions", incomplete)
	code := incomplete.json(t)["code"].(string)
	add("session status", "GET", "/{serviceProvider}/sessions/{code}", adobeSend(t, s, "GET", "/api/v2/REF30/sessions/"+code, h, ""))
	resumed := adobeSend(t, s, "POST", "/api/v2/REF30/sessions/"+code, form, "mvpd=Cablevision&domainName=adobe.com&redirectUrl="+redirect)
	add("resumed session", "POST", "/{serviceProvider}/sessions/{code}", resumed)
	add("profiles by code, waiting", "GET", "/{serviceProvider}/profiles/code/{code}", adobeSend(t, s, "GET", "/api/v2/REF30/profiles/code/"+code, h, ""))
	passLogin(t, s, resumed.json(t)["url"].(string))
	add("profiles by code", "GET", "/{serviceProvider}/profiles/code/{code}", adobeSend(t, s, "GET", "/api/v2/REF30/profiles/code/"+code, h, ""))
	add("profiles", "GET", "/{serviceProvider}/profiles", adobeSend(t, s, "GET", "/api/v2/REF30/profiles", h, ""))
	add("profiles by MVPD", "GET", "/{serviceProvider}/profiles/{mvpd}", adobeSend(t, s, "GET", "/api/v2/REF30/profiles/Cablevision", h, ""))
	add("session with a profile", "POST", "/{serviceProvider}/sessions",
		adobeSend(t, s, "POST", "/api/v2/REF30/sessions", form, "mvpd=Cablevision&domainName=adobe.com&redirectUrl="+redirect))
	add("authorize permit and deny", "POST", "/{serviceProvider}/decisions/authorize/{mvpd}",
		adobeSend(t, s, "POST", "/api/v2/REF30/decisions/authorize/Cablevision", js, `{"resources":["REF30","Live"]}`))
	add("preauthorize", "POST", "/{serviceProvider}/decisions/preauthorize/{mvpd}",
		adobeSend(t, s, "POST", "/api/v2/REF30/decisions/preauthorize/Cablevision", js, `{"resources":["REF30","Live"]}`))
	add("logout interactive", "GET", "/{serviceProvider}/logout/{mvpd}", adobeSend(t, s, "GET", "/api/v2/REF30/logout/Cablevision?redirectUrl="+redirect, h, ""))
	add("logout invalid", "GET", "/{serviceProvider}/logout/{mvpd}", adobeSend(t, s, "GET", "/api/v2/REF30/logout/Cablevision?redirectUrl="+redirect, h, ""))
	s.AddProfile(Profile{ServiceProvider: "REF30", MVPD: "Dish", DeviceID: adobeTestDeviceID})
	add("logout complete", "GET", "/{serviceProvider}/logout/{mvpd}", adobeSend(t, s, "GET", "/api/v2/REF30/logout/Dish?redirectUrl="+redirect, h, ""))

	// Error replies: an Enhanced Error Code object each.
	add("401", "GET", "/{serviceProvider}/profiles", adobeSend(t, s, "GET", "/api/v2/REF30/profiles", passWith(h, "Authorization", ""), ""))
	add("400 device identifier", "GET", "/{serviceProvider}/profiles", adobeSend(t, s, "GET", "/api/v2/REF30/profiles", passWith(h, "AP-Device-Identifier", ""), ""))
	add("400 redirect URL", "GET", "/{serviceProvider}/logout/{mvpd}", adobeSend(t, s, "GET", "/api/v2/REF30/logout/Cablevision", h, ""))
	add("400 code", "GET", "/{serviceProvider}/sessions/{code}", adobeSend(t, s, "GET", "/api/v2/REF30/sessions/NOSUCH1", h, ""))
	add("403 profile missing", "POST", "/{serviceProvider}/decisions/authorize/{mvpd}",
		adobeSend(t, s, "POST", "/api/v2/REF30/decisions/authorize/Cablevision", js, `{"resources":["REF30"]}`))
	add("405", "DELETE", "/{serviceProvider}/configuration", adobeSend(t, s, "DELETE", "/api/v2/REF30/configuration", h, ""))
	add("405 sessions", "GET", "/{serviceProvider}/sessions", adobeSend(t, s, "GET", "/api/v2/REF30/sessions", h, ""))
	add("415 sessions", "POST", "/{serviceProvider}/sessions",
		adobeSend(t, s, "POST", "/api/v2/REF30/sessions", passWith(h, "Content-Type", "application/json"), `{}`))
	add("415 decisions", "POST", "/{serviceProvider}/decisions/authorize/{mvpd}",
		adobeSend(t, s, "POST", "/api/v2/REF30/decisions/authorize/Cablevision", form, "resources=REF30"))

	// Partner single sign-on.
	pfs := passPFS(t, "granted", "Cablevision")
	add("partner session, partner_profile", "POST", "/{serviceProvider}/sessions/sso/{partner}",
		adobeSend(t, s, "POST", "/api/v2/REF30/sessions/sso/Apple", passWith(form, "AP-Partner-Framework-Status", pfs),
			"domainName=adobe.com&redirectUrl="+redirect))
	add("partner session, pfs_fallback", "POST", "/{serviceProvider}/sessions/sso/{partner}",
		adobeSend(t, s, "POST", "/api/v2/REF30/sessions/sso/Apple", form, "domainName=adobe.com&redirectUrl="+redirect))
	add("partner session, 400 partner", "POST", "/{serviceProvider}/sessions/sso/{partner}",
		adobeSend(t, s, "POST", "/api/v2/REF30/sessions/sso/Nobody", form, ""))
	add("partner profile", "POST", "/{serviceProvider}/profiles/sso/{partner}",
		adobeSend(t, s, "POST", "/api/v2/REF30/profiles/sso/Apple", passWith(form, "AP-Partner-Framework-Status", pfs),
			url.Values{"SAMLResponse": {string(s.PartnerSAMLResponse("Cablevision", ""))}}.Encode()))
	add("partner profile, 400 SAML", "POST", "/{serviceProvider}/profiles/sso/{partner}",
		adobeSend(t, s, "POST", "/api/v2/REF30/profiles/sso/Apple", form, "SAMLResponse=bm90IFNBTUw%3D"))
	add("partner session, authorize", "POST", "/{serviceProvider}/sessions/sso/{partner}",
		adobeSend(t, s, "POST", "/api/v2/REF30/sessions/sso/Apple", passWith(form, "AP-Partner-Framework-Status", pfs), ""))
	add("logout partner_logout", "GET", "/{serviceProvider}/logout/{mvpd}", adobeSend(t, s, "GET", "/api/v2/REF30/logout/Cablevision?redirectUrl="+redirect, h, ""))

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := c.method
			if c.reply.StatusCode == http.StatusMethodNotAllowed {
				method = c.reply.Header.Get("Allow") // a 405 is listed under the operation the path does have
			}
			schema, _, err := v2.responseSchema(method, c.path, c.reply.StatusCode)
			if err != nil {
				t.Fatal(err)
			}
			var body any
			if err := json.Unmarshal(c.reply.body, &body); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, c.reply.body)
			}
			var errs []string
			v2.check(schema, "", "$", body, &errs)
			if len(errs) > 0 {
				t.Fatalf("reply does not validate:\n  %s\n%s", strings.Join(errs, "\n  "), c.reply.body)
			}
		})
	}
}

func TestOpenAPIDCRReplies(t *testing.T) {
	t.Parallel()
	dcr := loadOAS(t, "adobe-pass-dcr.json")
	s := adobeTestServer(t)
	reg := adobeSend(t, s, "POST", "/o/client/register", http.Header{
		"Content-Type": {"application/json;charset=utf-8"}, "X-Device-Info": {adobeTestInfo()},
	}, `{"software_statement":"`+string(s.SoftwareStatement())+`","redirect_uri":"adobepass://com.programmer"}`)
	creds := reg.json(t)
	tok := adobeSend(t, s, "POST", "/o/client/token", http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "X-Device-Info": {adobeTestInfo()},
	}, url.Values{"client_id": {creds["client_id"].(string)}, "client_secret": {creds["client_secret"].(string)},
		"grant_type": {"client_credentials"}}.Encode())
	for _, c := range []oasCase{
		{"register", "POST", "/client/register", reg},
		{"token", "POST", "/client/token", tok},
	} {
		t.Run(c.name, func(t *testing.T) {
			schema, _, err := dcr.responseSchema(c.method, c.path, c.reply.StatusCode)
			if err != nil {
				t.Fatal(err)
			}
			var body any
			if err := json.Unmarshal(c.reply.body, &body); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, c.reply.body)
			}
			var errs []string
			dcr.check(schema, "", "$", body, &errs)
			if len(errs) > 0 {
				t.Fatalf("reply does not validate:\n  %s\n%s", strings.Join(errs, "\n  "), c.reply.body)
			}
		})
	}
}

// TestOpenAPIDCRErrors checks the DCR endpoints' 400s: the OpenAPI lists the status with no schema,
// the DCR docs give the body {"error": one of the codes they list} (spec §3.1, §3.2), and RFC 6749
// §5.2 the error_description beside it, which the fake fills in with why.
func TestOpenAPIDCRErrors(t *testing.T) {
	t.Parallel()
	dcr := loadOAS(t, "adobe-pass-dcr.json")
	s := adobeTestServer(t)
	documented := map[string][]string{
		"/client/register": {"invalid_request", "invalid_redirect_uri", "invalid_software_statement", "unapproved_software_statement"},
		"/client/token":    {"invalid_request", "invalid_client", "unauthorized_client", "unsupported_grant_type"},
	}
	info := http.Header{"X-Device-Info": {adobeTestInfo()}}
	for _, c := range []oasCase{
		{"register without X-Device-Info", "POST", "/client/register", adobeSend(t, s, "POST", "/o/client/register",
			http.Header{"Content-Type": {"application/json"}}, `{"software_statement":"x"}`)},
		{"register with another statement", "POST", "/client/register", adobeSend(t, s, "POST", "/o/client/register",
			passWith(info, "Content-Type", "application/json"), `{"software_statement":"x"}`)},
		{"token of an unknown client", "POST", "/client/token", adobeSend(t, s, "POST", "/o/client/token",
			passWith(info, "Content-Type", "application/x-www-form-urlencoded"), "client_id=a&client_secret=b&grant_type=client_credentials")},
		{"token without credentials", "POST", "/client/token", adobeSend(t, s, "POST", "/o/client/token", info, "")},
	} {
		t.Run(c.name, func(t *testing.T) {
			op := oasMap(oasMap(oasMap(dcr["paths"])[c.path])[strings.ToLower(c.method)])
			if c.reply.StatusCode != http.StatusBadRequest || oasMap(op["responses"])["400"] == nil {
				t.Fatalf("status %d; the OpenAPI lists %v", c.reply.StatusCode, oasMap(op["responses"]))
			}
			body := c.reply.json(t)
			code, _ := body["error"].(string)
			description, _ := body["error_description"].(string)
			if len(body) != 2 || !slices.Contains(documented[c.path], code) || description == "" {
				t.Fatalf("body = %s, want error (one of %v) and error_description", c.reply.body, documented[c.path])
			}
		})
	}
}

// TestOpenAPIWalkerCatches proves the walker is not a rubber stamp: each broken reply is reported.
func TestOpenAPIWalkerCatches(t *testing.T) {
	t.Parallel()
	v2 := loadOAS(t, "adobe-pass-rest-v2.json")
	schema, _, err := v2.responseSchema("GET", "/{serviceProvider}/logout/{mvpd}", 200)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"missing actionType": `{"logouts":{"Dish":{"actionName":"complete","mvpd":"Dish"}}}`,
		"misspelled member":  `{"logouts":{"Dish":{"actionName":"complete","actionType":"none","mvpd":"Dish","URL":"/x"}}}`,
		"number for string":  `{"logouts":{"Dish":{"actionName":"complete","actionType":"none","mvpd":7}}}`,
		"array for map":      `{"logouts":[{"actionName":"complete","actionType":"none","mvpd":"Dish"}]}`,
		"unknown top level":  `{"logouts":{},"logout":{}}`,
	} {
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		var errs []string
		v2.check(schema, "", "$", v, &errs)
		if len(errs) == 0 {
			t.Errorf("%s: walker accepted %s", name, body)
		}
	}
	// And a status the operation does not list is an error unless a known defect explains it.
	if _, _, err := v2.responseSchema("GET", "/{serviceProvider}/logout/{mvpd}", 403); err == nil {
		t.Error("403 on logout accepted")
	}
}
