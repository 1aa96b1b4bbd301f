package tvauthtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseSeedReadsEveryField(t *testing.T) {
	data := []byte(`{
  "software_statement": "stmt",
  "mvpds": [{"id": "Cablevision", "logout_endpoint": true}, {"id": "Dish"}],
  "profiles": [{"service_provider": "REF30", "mvpd": "Dish", "device_id": "stb-1"}],
  "denied": [{"mvpd": "Dish", "resource": "HBO"}],
  "webapi_users": [{"login_id": "a@example.com", "password": "pw"}],
  "ags_users": [{"username": "dave", "accounts": ["1660", "1663"]}, {"username": "eve", "password": "x", "error": 1004}],
  "clock_offset": "-1h30m",
  "latency": "250ms",
  "path_latency": [{"path": "/ags/*", "latency": "1s"}],
  "throttle": {"rate": 2.5, "burst": 3, "paths": ["/api/v2/*"]}
}`)
	got, err := ParseSeed(data)
	if err != nil {
		t.Fatal(err)
	}
	want := Seed{
		SoftwareStatement: "stmt",
		MVPDs:             []SeedMVPD{{ID: "Cablevision", LogoutEndpoint: true}, {ID: "Dish"}},
		Profiles:          []SeedProfile{{ServiceProvider: "REF30", MVPD: "Dish", DeviceID: "stb-1"}},
		Denied:            []SeedDenial{{MVPD: "Dish", Resource: "HBO"}},
		WebAPIUsers:       []SeedWebAPIUser{{LoginID: "a@example.com", Password: "pw"}},
		AGSUsers:          []SeedAGSUser{{Username: "dave", Accounts: []string{"1660", "1663"}}, {Username: "eve", Password: "x", Error: 1004}},
		ClockOffset:       -90 * time.Minute,
		Latency:           250 * time.Millisecond,
		PathLatency:       []SeedPathLatency{{Path: "/ags/*", Latency: time.Second}},
		Throttle:          &SeedThrottle{Rate: 2.5, Burst: 3, Paths: []string{"/api/v2/*"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseSeed =\n%+v\nwant\n%+v", got, want)
	}
	// MarshalJSON writes what ParseSeed reads.
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseSeed(out)
	if err != nil {
		t.Fatalf("ParseSeed(Marshal(seed)): %v\n%s", err, out)
	}
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("round trip =\n%+v\nwant\n%+v", again, want)
	}
	var unmarshalled Seed
	if err := json.Unmarshal(out, &unmarshalled); err != nil || !reflect.DeepEqual(unmarshalled, want) {
		t.Fatalf("json.Unmarshal(Marshal(seed)) = %+v, %v", unmarshalled, err)
	}
}

func TestParseSeedNamesLineAndField(t *testing.T) {
	for _, tc := range []struct {
		name, json      string
		line, col       int
		field, contains string
	}{
		{"syntax", "{\n  \"mvpds\": [\n    {\"id\": \"A\",}\n  ]\n}", 3, 16, "mvpds[0]", "malformed JSON"},
		{"unknown field", "{\n  \"mvpds\": [{\"id\": \"A\"}],\n  \"mvpd\": []\n}", 3, 3, "mvpd", "unknown field"},
		{"nested unknown field", "{\"ags_users\": [\n {\"username\": \"d\",\n  \"acounts\": [\"1\"]}]}", 3, 3, "ags_users[0].acounts", "unknown field"},
		{"wrong type", "{\"ags_users\": [{\"username\": \"d\", \"accounts\": [\"1\", 2]}]}", 1, 52, "ags_users[0].accounts[1]", "want a string, got number 2"},
		{"bool as string", "{\"mvpds\": [{\"id\": \"A\", \"logout_endpoint\": \"yes\"}]}", 1, 43, "mvpds[0].logout_endpoint", "want true or false"},
		{"bad duration", "{\n\"latency\": \"fast\"}", 2, 12, "latency", `"fast" is not a duration`},
		{"number duration", "{\"clock_offset\": 3600}", 1, 18, "clock_offset", "want a duration string"},
		{"missing id", "{\"mvpds\": [\n  {\"logout_endpoint\": true}]}", 2, 3, "mvpds[0].id", "needs an id"},
		{"duplicate user", "{\"webapi_users\": [{\"login_id\": \"a\", \"password\": \"p\"},\n {\"login_id\": \"a\", \"password\": \"q\"}]}", 2, 15, "webapi_users[1].login_id", "seeded twice"},
		{"profile of unknown mvpd", "{\"mvpds\": [{\"id\": \"A\"}],\n\"profiles\": [{\"service_provider\": \"R\", \"mvpd\": \"B\", \"device_id\": \"d\"}]}", 2, 48, "profiles[0].mvpd", `"B" is not among`},
		{"negative burst", "{\"throttle\": {\"burst\": -1}}", 1, 24, "throttle.burst", "cannot be negative"},
		{"not an object", "[]", 1, 1, "", "want an object"},
		{"empty", "", 1, 1, "", "ends too early"},
		{"trailing data", "{} {}", 1, 4, "", "unexpected data"},
		{"field twice", "{\"latency\": \"1s\", \"latency\": \"2s\"}", 1, 19, "latency", "given twice"},
		{"blank resource", "{\"denied\": [{\"mvpd\": \"A\", \"resource\": \" \"}]}", 1, 39, "denied[0].resource", "a denial needs a resource"},
		// Control characters: refused wherever they are, with where.
		{"NUL in login_id", "{\"webapi_users\": [\n {\"login_id\": \"a\\u0000b\", \"password\": \"p\"}]}", 2, 15, "webapi_users[0].login_id", "control character U+0000 at byte 1"},
		{"DEL in an MVPD id", "{\"mvpds\": [{\"id\": \"A\\u007f\"}]}", 1, 19, "mvpds[0].id", "control character U+007F"},
		{"C1 control in a password", "{\"ags_users\": [{\"username\": \"d\", \"password\": \"\\u0085\"}]}", 1, 46, "ags_users[0].password", "control character U+0085"},
		{"tab in a device id", "{\"mvpds\": [{\"id\": \"A\"}], \"profiles\": [{\"service_provider\": \"R\", \"mvpd\": \"A\", \"device_id\": \"d\\t\"}]}", 1, 91, "profiles[0].device_id", "control character U+0009"},
		{"newline in a throttle path", "{\"throttle\": {\"paths\": [\"/a\\n\"]}}", 1, 25, "throttle.paths[0]", "control character U+000A"},
		// Encodings: a byte order mark is skipped only at the start; UTF-16 and bytes that are not
		// UTF-8 are named.
		{"byte order mark inside", "{\"latency\": \ufeff\"1s\"}", 1, 13, "latency", "character U+FEFF (a byte order mark; one is skipped only at the very start)"},
		{"non-ASCII outside a string", "{\"latency\": é}", 1, 13, "latency", `character U+00E9 'é'`},
		{"UTF-16 little endian", "\xff\xfe{\x00}\x00", 1, 1, "", "the JSON is UTF-16"},
		{"UTF-16 big endian", "\xfe\xff\x00{\x00}", 1, 1, "", "the JSON is UTF-16"},
		{"not UTF-8", "{\"mvpds\": [\n {\"id\": \"\xe9\"}]}", 2, 10, "", "byte 0xe9 is not UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSeed([]byte(tc.json))
			var se *SeedError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SeedError", err)
			}
			if se.Line != tc.line || se.Column != tc.col || se.Field != tc.field {
				t.Errorf("at line %d column %d field %q, want line %d column %d field %q (%v)", se.Line, se.Column, se.Field, tc.line, tc.col, tc.field, err)
			}
			if !strings.Contains(se.Reason, tc.contains) {
				t.Errorf("reason %q does not say %q", se.Reason, tc.contains)
			}
			if se.Input != "seed" || !strings.HasPrefix(err.Error(), "tvauthtest: seed line ") {
				t.Errorf("input %q, text %q", se.Input, err)
			}
		})
	}
}

// TestParseSeedSkipsLeadingBOM: a UTF-8 byte order mark at the start (Notepad, PowerShell) is
// skipped, as RFC 8259 lets a parser do, and lines and columns count from the text after it, as an
// editor shows them.
func TestParseSeedSkipsLeadingBOM(t *testing.T) {
	seed, err := ParseSeed([]byte("\xef\xbb\xbf{\"mvpds\": [{\"id\": \"A\"}]}"))
	if err != nil || len(seed.MVPDs) != 1 || seed.MVPDs[0].ID != "A" {
		t.Fatalf("ParseSeed with a BOM = %+v, %v", seed, err)
	}
	_, err = ParseSeed([]byte("\xef\xbb\xbf{\"mvpd\": []}"))
	var se *InputError
	if !errors.As(err, &se) || se.Line != 1 || se.Column != 2 || se.Field != "mvpd" {
		t.Fatalf("after a BOM: %v, want line 1, column 2, field mvpd", err)
	}
	// Two byte order marks: the second is text that is not JSON.
	if _, err := ParseSeed([]byte("\xef\xbb\xbf\xef\xbb\xbf{}")); err == nil || !strings.Contains(err.Error(), "U+FEFF") {
		t.Fatalf("two BOMs: %v", err)
	}
}

// TestSeedValidateRefusesControlCharacters: a Seed built in Go is held to what ParseSeed holds a
// file to, with the field's JSON path and no position.
func TestSeedValidateRefusesControlCharacters(t *testing.T) {
	for _, tc := range []struct {
		seed  Seed
		field string
	}{
		{Seed{WebAPIUsers: []SeedWebAPIUser{{LoginID: "a\x00", Password: "p"}}}, "webapi_users[0].login_id"},
		{Seed{SoftwareStatement: "eyJ\r\n"}, "software_statement"},
		{Seed{AGSUsers: []SeedAGSUser{{Username: "d", Accounts: []string{"1", "\x1b[31m"}}}}, "ags_users[0].accounts[1]"},
		{Seed{Denied: []SeedDenial{{MVPD: "A", Resource: "\xff"}}}, "denied[0].resource"},
		{Seed{PathLatency: []SeedPathLatency{{Path: "/\x00", Latency: time.Second}}}, "path_latency[0].path"},
	} {
		err := tc.seed.Validate()
		var se *InputError
		if !errors.As(err, &se) || se.Field != tc.field || se.Line != 0 {
			t.Errorf("Validate(%+v) = %v, want field %s", tc.seed, err, tc.field)
		}
	}
}

func TestApplySeedSeedsEveryFamily(t *testing.T) {
	s := NewServer()
	defer s.Close()
	seed := DefaultSeed()
	seed.SoftwareStatement = "my-statement"
	seed.AGSUsers = append(seed.AGSUsers, SeedAGSUser{Username: "eve", Password: "secret-eve"})
	seed.Profiles = []SeedProfile{{ServiceProvider: "REF30", MVPD: DefaultMVPDNoLogout, DeviceID: "stb-9"}}
	if err := s.ApplySeed(seed); err != nil {
		t.Fatal(err)
	}
	if got := s.SoftwareStatement(); got != "my-statement" {
		t.Errorf("SoftwareStatement = %q", got)
	}
	if got := s.AGSPassword("dave"); got != DefaultAGSPassword {
		t.Errorf("dave's password = %q", got)
	}
	if got := s.AGSPassword("eve"); got != "secret-eve" {
		t.Errorf("eve's password = %q", got)
	}
	if got := s.Profiles("REF30", "stb-9"); len(got) != 1 || got[0].MVPD != DefaultMVPDNoLogout {
		t.Errorf("profiles = %+v", got)
	}
	if err := s.ApplySeed(Seed{MVPDs: []SeedMVPD{{}}}); err == nil {
		t.Error("ApplySeed took an MVPD without id")
	}
}

func ExampleParseSeed() {
	_, err := ParseSeed([]byte(`{
  "mvpds": [{"id": "Cablevision", "logout_endpoint": true}],
  "ags_users": [{"username": "dave", "acounts": ["1660"]}]
}`))
	fmt.Println(err)
	// Output: tvauthtest: seed line 3, column 38: ags_users[0].acounts: unknown field (known: accounts, error, password, username)
}

// FuzzParseSeed feeds the seed parser arbitrary bytes, and JSON written from a seed whose identities
// are arbitrary strings (what a file holds is mostly refused before it names anyone), then plays
// every identity a parsed seed holds against a fake it was applied to. The parser never panics and
// refuses with a located *InputError; it accepts what Validate accepts and round-trips it; no handler
// panics on a seeded identity, and every seeded WebAPI and AGS user can sign in.
func FuzzParseSeed(f *testing.F) {
	f.Add([]byte(`{"mvpds": [{"id": "Cablevision", "logout_endpoint": true}, {"id": "Dish", "degraded": true}],
 "profiles": [{"service_provider": "REF30", "mvpd": "Dish", "device_id": "stb-1", "type": "temporary"}],
 "denied": [{"mvpd": "Dish", "resource": "<rss><channel><title>HBO</title></channel></rss>"}],
 "webapi_users": [{"login_id": "a@example.com", "password": "pw"}],
 "ags_users": [{"username": "dave", "accounts": ["1660", "1663"]}, {"username": "eve", "password": "x", "error": 1004}],
 "clock_offset": "-1h30m", "latency": "250ms", "path_latency": [{"path": "/ags/*", "latency": "1s"}],
 "throttle": {"rate": 2.5, "burst": 3, "paths": ["/api/v2/*"]}}`), "Dish", "REF30", "stb-1")
	f.Add([]byte("\xef\xbb\xbf{\"webapi_users\": [{\"login_id\": \"a\\u0000\", \"password\": \"p\"}]}"), "a\x00", "b", "c")
	f.Add([]byte("\xff\xfe{\x00}\x00"), "é/?&=+%", " ", "%zz")
	f.Add([]byte(`null`), "<rss><channel><title>x</title></channel></rss>", "..", "\ufeff")
	f.Fuzz(func(t *testing.T, data []byte, id, name, secret string) {
		seed, err := ParseSeed(data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input != "seed" || ie.Line < 1 || ie.Column < 1 || ie.Line > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("ParseSeed error %#v (%v)", err, err)
			}
		} else {
			checkParsedSeed(t, seed)
		}

		// JSON carries UTF-8 only (encoding/json writes U+FFFD for the rest; Validate refuses it in Go).
		id, name, secret = strings.ToValidUTF8(id, "\uFFFD"), strings.ToValidUTF8(name, "\uFFFD"), strings.ToValidUTF8(secret, "\uFFFD")
		built := Seed{
			MVPDs:       []SeedMVPD{{ID: id, LogoutEndpoint: true}},
			Profiles:    []SeedProfile{{ServiceProvider: name, MVPD: id, DeviceID: secret}},
			Denied:      []SeedDenial{{MVPD: id, Resource: secret}},
			WebAPIUsers: []SeedWebAPIUser{{LoginID: name, Password: secret}},
			AGSUsers:    []SeedAGSUser{{Username: name, Password: secret, Accounts: []string{id}}, {Username: name + "2", Accounts: []string{id, secret}}},
		}
		out, err := json.Marshal(built)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := ParseSeed(out)
		var want, got *InputError
		if errors.As(built.Validate(), &want) != errors.As(err, &got) || want != nil && want.Field != got.Field {
			t.Fatalf("Validate says %v, ParseSeed says %v\n%s", built.Validate(), err, out)
		}
		if err == nil {
			checkParsedSeed(t, parsed)
		}
	})
}

// checkParsedSeed checks what a parsed seed promises: Validate accepts it, MarshalJSON writes what
// ParseSeed reads back, ApplySeed takes it, and every identity in it works (playSeed).
func checkParsedSeed(t *testing.T, seed Seed) {
	t.Helper()
	if err := seed.Validate(); err != nil {
		t.Fatalf("ParseSeed accepted a seed Validate refuses: %v", err)
	}
	out, err := json.Marshal(seed)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseSeed(out)
	if err != nil || !reflect.DeepEqual(again, seed) {
		t.Fatalf("round trip: %+v, %v\n%s", again, err, out)
	}
	s := NewServer()
	defer s.Close()
	if err := s.ApplySeed(seed); err != nil {
		t.Fatalf("ApplySeed of a parsed seed: %v", err)
	}
	// What the seed delays or throttles is not what this target tests: the identities are.
	_ = s.SetLatency(0)
	_ = s.SetThrottle(nil)
	playSeed(t, s, seed)
}

// playSeed signs every seeded WebAPI and AGS user in, opens a Pass session and a Clientless
// authentication for every seeded MVPD, and reads every seeded profile and denial back, through the
// fake's Transport (a few of each).
func playSeed(t *testing.T, s *Server, seed Seed) {
	hc := &http.Client{Transport: s.Transport(), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, target string, h http.Header, body string) (int, []byte) {
		req, err := http.NewRequest(method, "http://fake.example"+target, strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		for k, vs := range h {
			req.Header[k] = vs
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s: %d %s", method, target, resp.StatusCode, b)
		}
		return resp.StatusCode, b
	}
	for _, u := range seed.WebAPIUsers[:min(len(seed.WebAPIUsers), 3)] {
		form := url.Values{"devId": {WebAPIDevID}, "f": {"json"}, "s": {u.LoginID}, "pwd": {u.Password}}
		_, b := send("POST", "/auth/clientLogin", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, form.Encode())
		var reply struct{ Response struct{ StatusCode int } }
		if err := json.Unmarshal(b, &reply); err != nil || reply.Response.StatusCode != 200 {
			t.Fatalf("clientLogin of seeded %q: %v %s", u.LoginID, err, b)
		}
	}
	for _, u := range seed.AGSUsers[:min(len(seed.AGSUsers), 3)] {
		body, _ := json.Marshal(map[string]any{
			"parameters":        []map[string]string{{"name": "username", "value": u.Username}, {"name": "password", "value": s.AGSPassword(u.Username)}},
			"deviceInformation": map[string]string{"deviceType": "OPEN", "playoutDeviceClass": "stb"},
		})
		status, b := send("POST", "/ags/signOn", http.Header{"Content-Type": {"application/json"}, "X-Auth-Service-Id": {AGSAuthService}}, string(body))
		want := http.StatusCreated
		if len(u.Accounts) > 1 {
			want = http.StatusMultipleChoices
		}
		if (u.Error == 0) != (status == want) {
			t.Fatalf("signOn of seeded %q (error %d): %d %s", u.Username, u.Error, status, b)
		}
	}
	tok := s.IssuePassToken()
	for _, m := range seed.MVPDs[:min(len(seed.MVPDs), 3)] {
		h := passHeaders(tok)
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		form := url.Values{"mvpd": {m.ID}, "domainName": {"adobe.com"}, "redirectUrl": {adobeTestRedirect}}
		if status, b := send("POST", "/api/v2/REF30/sessions", h, form.Encode()); status != 200 && status != 201 {
			t.Fatalf("session for seeded MVPD %q: %d %s", m.ID, status, b)
		}
		q := url.Values{"requestor_id": {"REF30"}, "mso_id": {m.ID}, "redirect_url": {adobeTestRedirect}}
		send("GET", "/adobe-services/logout?"+q.Encode(), nil, "")
	}
	for _, p := range seed.Profiles[:min(len(seed.Profiles), 3)] {
		if slices.Contains([]string{".", ".."}, p.ServiceProvider) || slices.Contains([]string{".", ".."}, p.MVPD) {
			continue // a dot segment is resolved away (RFC 3986 §5.2.4): no client can name it in a path
		}
		h := passHeaders(tok)
		h.Set("AP-Device-Identifier", "fingerprint "+base64.StdEncoding.EncodeToString([]byte(p.DeviceID)))
		target := "/api/v2/" + url.PathEscape(p.ServiceProvider) + "/profiles/" + url.PathEscape(p.MVPD)
		if status, b := send("GET", target, h, ""); status != 200 {
			t.Fatalf("profile of seeded %+v: %d %s", p, status, b)
		}
		var resources []string
		for _, d := range seed.Denied[:min(len(seed.Denied), 3)] {
			resources = append(resources, d.Resource)
		}
		body, _ := json.Marshal(map[string]any{"resources": append(resources, "REF30")})
		h.Set("Content-Type", "application/json")
		if status, b := send("POST", "/api/v2/"+url.PathEscape(p.ServiceProvider)+"/decisions/authorize/"+url.PathEscape(p.MVPD), h, string(body)); status != 200 {
			t.Fatalf("decisions for seeded %+v: %d %s", p, status, b)
		}
	}
}
