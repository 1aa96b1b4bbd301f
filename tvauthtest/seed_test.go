package tvauthtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
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
		})
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
