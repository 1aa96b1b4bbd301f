package tvauthtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
)

// standalone serves a Standalone seeded with DefaultSeed over a real listener.
func standalone(t *testing.T) (*Standalone, string) {
	t.Helper()
	a, err := NewStandalone(DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(a)
	t.Cleanup(func() { hs.Close(); a.Close() })
	return a, hs.URL
}

// admin calls the admin API and decodes its JSON answer into out (nil skips decoding).
func admin(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q", method, url, ct)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, raw)
		}
	}
	return resp.StatusCode
}

// pageCall asks for a page (as a browser does: Accept: text/html), posting form when method is POST,
// and follows redirects; it returns the last answer's status and body.
func pageCall(t *testing.T, method, url, form string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("%s %s: Content-Type %q", method, url, ct)
	}
	return resp.StatusCode, string(raw)
}

func clientFor(t *testing.T, base string) *tvauth.Client {
	t.Helper()
	c, err := tvauth.New(tvauth.WithPassURL(base), tvauth.WithClientlessURL(base), tvauth.WithWebAPIURL(base),
		tvauth.WithAGSURL(base+"/ags"), tvauth.WithWebAPIDevID(WebAPIDevID), tvauth.WithAGSTenant(AGSTenant),
		tvauth.WithAGSAuthService(AGSAuthService), tvauth.WithRetry(tvauth.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// adminStep is one request to the admin API and what it must answer: want is the whole JSON answer
// when set; check looks at answers that hold the time or the URL.
type adminStep struct {
	method, route, body string // route below AdminPrefix
	want                string
	check               func(t *testing.T, answer any)
}

// TestAdminEveryRoute calls every route of the admin API with valid input, in an order that shows
// each one's effect, and fails when a route has no step (the table is the registry).
func TestAdminEveryRoute(t *testing.T) {
	a, base := standalone(t)
	steps := []adminStep{
		{"GET", "health", "", `{"status":"ok"}`, nil},
		{"GET", "info", "", "", func(t *testing.T, answer any) {
			raw, _ := json.Marshal(answer)
			var info Info
			if err := json.Unmarshal(raw, &info); err != nil {
				t.Fatal(err)
			}
			if info.URL != base || info.Admin != base+AdminPrefix || info.AGS != base+"/ags" || info.Health != base+"/_tvauth/health" ||
				info.SoftwareStatement != string(a.Server().SoftwareStatement()) {
				t.Errorf("info = %+v", info)
			}
			if len(info.Seed.AGSUsers) != 1 || info.Seed.AGSUsers[0].Password != DefaultAGSPassword {
				t.Errorf("info does not give dave's password: %+v", info.Seed.AGSUsers)
			}
		}},
		{"POST", "seed", `{"webapi_users": [{"login_id": "new@example.com", "password": "pw"}]}`, `{"status":"seeded"}`, nil},
		{"POST", "faults", `{"path": "/ags/*", "status": 503, "times": 2, "delay": "1ms", "header": {"retry-after": "1"}, "body": "busy"}`, `{"pending":1}`, nil},
		{"GET", "faults", "", `[{"method":"","path":"/ags/*","times":2,"status":503,"body":"busy","header":{"Retry-After":"1"},"delay":"1ms","drop":false}]`, nil},
		{"DELETE", "faults", "", `{"pending":0}`, nil},
		{"GET", "faults", "", `[]`, nil},
		{"PUT", "latency", `{"path": "/ags/*", "latency": "1s"}`, `{"path":"/ags/*","latency":"1s"}`, nil},
		{"POST", "latency", `{"path": "/auth/*", "latency": "250ms"}`, `{"path":"/auth/*","latency":"250ms"}`, nil},
		{"GET", "latency", "", `{"latency":"0s","paths":[{"path":"/ags/*","latency":"1s"},{"path":"/auth/*","latency":"250ms"}]}`, nil},
		// No path: every path's latency, so the path rules go.
		{"PUT", "latency", `{"latency": "0s"}`, `{"path":"","latency":"0s"}`, nil},
		{"GET", "latency", "", `{"latency":"0s","paths":[]}`, nil},
		{"PUT", "latency", `{"path": "/ags/*", "latency": "1s"}`, `{"path":"/ags/*","latency":"1s"}`, nil},
		{"PUT", "latency", `{"latency": "2s"}`, `{"path":"","latency":"2s"}`, nil},
		{"GET", "latency", "", `{"latency":"2s","paths":[]}`, nil},
		{"PUT", "latency", `{"path": "/ags/*", "latency": "1s"}`, `{"path":"/ags/*","latency":"1s"}`, nil},
		{"DELETE", "latency", "", `{"latency":"0s","paths":[]}`, nil},
		{"GET", "throttle", "", `{"throttle":"off"}`, nil},
		{"PUT", "throttle", `{"rate": 2, "burst": 3, "paths": ["/ags/*"]}`, `{"throttle":"on"}`, nil},
		{"GET", "throttle", "", `{"throttle":"on","rate":2,"burst":3,"paths":["/ags/*"]}`, nil},
		{"POST", "throttle", `{}`, `{"throttle":"on"}`, nil},
		{"GET", "throttle", "", `{"throttle":"on","rate":1,"burst":10}`, nil}, // Adobe's, on Adobe's paths
		{"DELETE", "throttle", "", `{"throttle":"off"}`, nil},
		{"GET", "throttle", "", `{"throttle":"off"}`, nil},
		{"GET", "clock", "", "", clockAt("0s")},
		{"POST", "clock", `{"advance": "90m"}`, "", clockAt("1h30m0s")},
		{"POST", "clock", `{"advance": "-30m"}`, "", clockAt("1h0m0s")},
		{"GET", "clock", "", "", clockAt("1h0m0s")},
		{"GET", "requests", "", `[]`, nil},
		{"DELETE", "requests", "", `{"requests":0}`, nil},
		{"POST", "reset", "", `{"status":"reset"}`, nil},
		{"GET", "clock", "", "", clockAt("0s")},
	}
	covered := map[string]bool{}
	// The dashboard's routes: a page, and the forms it posts (each answers 303 back to the page).
	for i, st := range []struct{ method, route, form, want string }{
		{"GET", "{$}", "", "<h1>Dashboard</h1>"},
		{"POST", "dashboard/faults", "path=%2Fags%2F%2A&status=503&times=2", "Fault added"},
		{"POST", "dashboard/faults/clear", "", "Every fault is cleared"},
		{"POST", "dashboard/clock", "advance=90m", "offset 1h30m0s"},
		{"POST", "dashboard/requests/clear", "", "The recorded requests are cleared"},
		{"POST", "dashboard/reset", "", "offset 0s"},
	} {
		code, page := pageCall(t, st.method, base+AdminPrefix+strings.TrimSuffix(st.route, "{$}"), st.form)
		if code != http.StatusOK || !strings.Contains(page, st.want) {
			t.Errorf("page step %d, %s %s: %d, want 200 with %q in\n%s", i, st.method, st.route, code, st.want, page)
		}
		covered[st.method+" "+st.route] = true
	}
	if n := len(a.Server().PendingFaults()); n != 0 {
		t.Errorf("%d faults pending after the dashboard cleared them and reset", n)
	}
	for i, st := range steps {
		var answer any
		if code := admin(t, st.method, base+AdminPrefix+st.route, st.body, &answer); code != http.StatusOK {
			t.Fatalf("step %d, %s %s: %d %v", i, st.method, st.route, code, answer)
		}
		if st.want != "" {
			var want any
			if err := json.Unmarshal([]byte(st.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(answer, want) {
				t.Errorf("step %d, %s %s = %v, want %v", i, st.method, st.route, answer, want)
			}
		}
		if st.check != nil {
			st.check(t, answer)
		}
		covered[st.method+" "+st.route] = true
	}
	for _, rt := range a.adminRoutes() {
		if !covered[rt.method+" "+rt.path] {
			t.Errorf("admin route %s %s has no step in this table", rt.method, rt.path)
		}
	}
}

func clockAt(offset string) func(t *testing.T, answer any) {
	return func(t *testing.T, answer any) {
		clock := answer.(map[string]any)
		off, err := time.ParseDuration(offset)
		if err != nil {
			t.Fatal(err)
		}
		now, err := time.Parse(time.RFC3339Nano, clock["now"].(string))
		if clock["offset"] != offset || err != nil || now.Sub(time.Now().Add(off)).Abs() > time.Hour {
			t.Errorf("clock = %v, want offset %s", clock, offset)
		}
	}
}

// TestAdminWrongMethod: a known admin path asked with a method it does not take answers 405 with
// Allow (HEAD comes with GET), in JSON like every admin answer; an unknown path answers 404.
func TestAdminWrongMethod(t *testing.T) {
	_, base := standalone(t)
	var a Standalone
	methods := map[string][]string{}
	for _, rt := range a.adminRoutes() {
		methods[rt.path] = append(methods[rt.path], rt.method)
	}
	for path, allowed := range methods {
		if slices.Contains(allowed, "GET") {
			allowed = append(allowed, "HEAD")
		}
		slices.Sort(allowed)
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
			if slices.Contains(allowed, m) {
				continue
			}
			path := strings.TrimSuffix(path, "{$}") // the dashboard, at AdminPrefix itself
			req, _ := http.NewRequest(m, base+AdminPrefix+path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var answer map[string]any
			decodeErr := json.NewDecoder(resp.Body).Decode(&answer)
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != strings.Join(allowed, ", ") ||
				resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %s: %d, Allow %q, Content-Type %q; want 405, Allow %q", m, path, resp.StatusCode,
					resp.Header.Get("Allow"), resp.Header.Get("Content-Type"), strings.Join(allowed, ", "))
			}
			if want := "tvauthtest: admin route " + AdminPrefix + path + " takes " + strings.Join(allowed, ", ") + ", not " + m; m != "HEAD" &&
				(decodeErr != nil || answer["error"] != want) {
				t.Errorf("%s %s: %v %v, want error %q", m, path, answer, decodeErr, want)
			}
		}
	}
	for _, path := range []string{"nothing", "faults/1", "health/", "dashboard", "dashboard/faults/1"} {
		var e map[string]any
		if code := admin(t, "GET", base+AdminPrefix+path, "", &e); code != 404 ||
			e["error"] != "tvauthtest: no admin route GET "+AdminPrefix+path+"; see docs/testing.md's admin API section" {
			t.Errorf("GET %s: %d %v", path, code, e)
		}
	}
	// HEAD is served wherever GET is.
	if resp, err := http.Head(base + AdminPrefix + "health"); err != nil || resp.StatusCode != 200 {
		t.Errorf("HEAD health: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

// TestAdminRefuses: input the fake cannot honour answers 400 naming the input, the line, column and
// field and why, and changes nothing; the fake then serves as before. Before, a fault with status 99
// was accepted and every matching request panicked in WriteHeader.
func TestAdminRefuses(t *testing.T) {
	a, base := standalone(t)
	for _, tc := range []struct {
		name, method, route, body string
		status                    int
		error                     string // the whole error text
		field                     string
	}{
		{"fault status 99", "POST", "faults", `{"path": "/ags/*", "status": 99}`, 400,
			"tvauthtest: fault line 1, column 30: status: a fault answers a final HTTP status, 200–599 (a 1xx is informational, never the answer): got 99", "status"},
		{"fault status 600", "POST", "faults", `{"status": 600}`, 400,
			"tvauthtest: fault line 1, column 12: status: a fault answers a final HTTP status, 200–599 (a 1xx is informational, never the answer): got 600", "status"},
		{"fault status 100", "POST", "faults", `{"status": 100}`, 400,
			"tvauthtest: fault line 1, column 12: status: a fault answers a final HTTP status, 200–599 (a 1xx is informational, never the answer): got 100", "status"},
		{"dropping fault with a bad status", "POST", "faults", `{"drop": true, "status": -5}`, 400,
			"tvauthtest: fault line 1, column 26: status: a fault answers a final HTTP status, 200–599 (a 1xx is informational, never the answer): got -5", "status"},
		{"fault times -1", "POST", "faults", "{\"status\": 503,\n \"times\": -1}", 400,
			"tvauthtest: fault line 2, column 11: times: times cannot be negative (0 means once): got -1", "times"},
		{"fault delay -1s", "POST", "faults", `{"status": 503, "delay": "-1s"}`, 400,
			"tvauthtest: fault line 1, column 26: delay: a delay cannot be negative: got -1s", "delay"},
		{"fault method", "POST", "faults", `{"status": 503, "method": "GE T"}`, 400,
			`tvauthtest: fault line 1, column 27: method: "GE T" is not an HTTP method`, "method"},
		{"fault path with NUL", "POST", "faults", `{"status": 503, "path": "/ags/\u0000"}`, 400,
			"tvauthtest: fault line 1, column 25: path: control character U+0000 at byte 5: only printable text is accepted", "path"},
		{"fault header name", "POST", "faults", `{"status": 503, "header": {"Retry After": "1"}}`, 400,
			`tvauthtest: fault line 1, column 43: header.Retry After: "Retry After" is not an HTTP header name`, "header.Retry After"},
		{"fault header value", "POST", "faults", `{"status": 503, "header": {"X-Why": "a\r\nSet-Cookie: x"}}`, 400,
			"tvauthtest: fault line 1, column 37: header.X-Why: control character U+000D at byte 1: only printable text is accepted", "header.X-Why"},
		{"fault content length", "POST", "faults", `{"status": 503, "header": {"Content-Length": "ten"}}`, 400,
			`tvauthtest: fault line 1, column 46: header.Content-Length: "ten" is not a byte count`, "header.Content-Length"},
		{"fault without status", "POST", "faults", `{"path": "/ags/*"}`, 400,
			"tvauthtest: fault line 1, column 1: status: a fault needs a status (200–599), or drop: true", "status"},
		{"fault status as a string", "POST", "faults", `{"status": "503"}`, 400,
			`tvauthtest: fault line 1, column 12: status: want an integer, got string "503"`, "status"},
		{"fault unknown field", "POST", "faults", `{"stauts": 503}`, 400,
			"tvauthtest: fault line 1, column 2: stauts: unknown field (known: body, delay, drop, header, method, path, status, times)", "stauts"},
		{"fault empty body", "POST", "faults", ``, 400, "tvauthtest: fault line 1, column 1: the JSON ends too early", ""},
		{"fault in UTF-16", "POST", "faults", "\xff\xfe{\x00}\x00", 400,
			"tvauthtest: fault line 1, column 1: the JSON is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8", ""},
		{"latency -1s", "PUT", "latency", `{"latency": "-1s"}`, 400,
			"tvauthtest: latency line 1, column 13: latency: a latency cannot be negative: got -1s", "latency"},
		{"path latency -1s", "POST", "latency", `{"path": "/ags/*", "latency": "-1s"}`, 400,
			"tvauthtest: latency line 1, column 31: latency: a latency cannot be negative: got -1s", "latency"},
		{"latency path with a control character", "PUT", "latency", `{"path": "/a\u0001", "latency": "1s"}`, 400,
			"tvauthtest: latency line 1, column 10: path: control character U+0001 at byte 2: only printable text is accepted", "path"},
		{"latency not a duration", "PUT", "latency", `{"latency": 5}`, 400,
			`tvauthtest: latency line 1, column 13: latency: want a duration string such as "250ms" or "1h30m", got number 5`, "latency"},
		{"throttle rate -1", "PUT", "throttle", `{"rate": -1}`, 400,
			"tvauthtest: throttle line 1, column 10: rate: a rate cannot be negative", "rate"},
		{"throttle burst -1", "POST", "throttle", `{"burst": -1}`, 400,
			"tvauthtest: throttle line 1, column 11: burst: a burst cannot be negative", "burst"},
		{"throttle path with NUL", "PUT", "throttle", `{"paths": ["/ags/*", "/\u0000"]}`, 400,
			"tvauthtest: throttle line 1, column 22: paths[1]: control character U+0000 at byte 1: only printable text is accepted", "paths[1]"},
		{"clock not a duration", "POST", "clock", `{"advance": "soon"}`, 400,
			`tvauthtest: clock line 1, column 13: advance: "soon" is not a duration such as "250ms" or "1h30m"`, "advance"},
		{"clock unknown field", "POST", "clock", `{"offset": "1h"}`, 400,
			"tvauthtest: clock line 1, column 2: offset: unknown field (known: advance)", "offset"},
		{"seed with NUL in login_id", "POST", "seed", `{"webapi_users": [{"login_id": "a\u0000", "password": "p"}]}`, 400,
			"tvauthtest: seed line 1, column 32: webapi_users[0].login_id: control character U+0000 at byte 1: only printable text is accepted", "webapi_users[0].login_id"},
		{"seed with a BOM inside", "POST", "seed", "{\"mvpds\": \ufeff[]}", 400,
			"tvauthtest: seed line 1, column 11: mvpds: malformed JSON: character U+FEFF (a byte order mark; one is skipped only at the very start) looking for beginning of value", "mvpds"},
		{"body too large", "POST", "seed", `{"software_statement": "` + strings.Repeat("x", maxRequestBody) + `"}`, 413,
			"tvauthtest: an admin body is at most 8388608 bytes", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e map[string]any
			code := admin(t, tc.method, base+AdminPrefix+tc.route, tc.body, &e)
			if code != tc.status || e["error"] != tc.error {
				t.Fatalf("%d %v\nwant %d %q", code, e["error"], tc.status, tc.error)
			}
			if got, _ := e["field"].(string); got != tc.field {
				t.Errorf("field %q, want %q", got, tc.field)
			}
			if _, located := e["line"]; located != (tc.status == 400) {
				t.Errorf("line %v, column %v", e["line"], e["column"])
			}
		})
	}
	// Nothing changed: no fault, latency or throttle, the clock where it was, the fake serving.
	for route, want := range map[string]string{
		"faults":   `[]`,
		"latency":  `{"latency":"0s","paths":[]}`,
		"throttle": `{"throttle":"off"}`,
	} {
		var got, w any
		admin(t, "GET", base+AdminPrefix+route, "", &got)
		_ = json.Unmarshal([]byte(want), &w)
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s after the refusals: %v, want %v", route, got, want)
		}
	}
	var clock map[string]any
	admin(t, "GET", base+AdminPrefix+"clock", "", &clock)
	clockAt("0s")(t, clock)
	if _, err := clientFor(t, base).AGS.ServiceDiscovery(context.Background()); err != nil {
		t.Errorf("the fake after the refusals: %v", err)
	}
	if got := a.Server().Requests(); len(got) != 1 || got[0].Path != "/ags/servicediscovery" {
		t.Errorf("requests = %+v", got)
	}
}

// TestAdminClockBounds: the clock moves up to the range of a time.Duration (about 292 years either
// way); a move beyond it is refused and leaves the clock where it was.
func TestAdminClockBounds(t *testing.T) {
	_, base := standalone(t)
	var clock map[string]any
	if code := admin(t, "POST", base+AdminPrefix+"clock", `{"advance": "2562047h"}`, &clock); code != 200 || clock["offset"] != "2562047h0m0s" {
		t.Fatalf("the longest advance: %d %v", code, clock)
	}
	if code := admin(t, "POST", base+AdminPrefix+"clock", `{"advance": "1h"}`, &clock); code != 400 || clock["field"] != "advance" ||
		clock["error"] != "tvauthtest: clock line 1, column 13: advance: the clock would move more than about 292 years from the wall clock" {
		t.Fatalf("an advance past the range: %d %v", code, clock)
	}
	admin(t, "GET", base+AdminPrefix+"clock", "", &clock)
	if clock["offset"] != "2562047h0m0s" {
		t.Errorf("a refused advance moved the clock: %v", clock)
	}
	if code := admin(t, "POST", base+AdminPrefix+"clock", `{"advance": "-2562047h"}`, &clock); code != 200 || clock["offset"] != "0s" {
		t.Errorf("back: %d %v", code, clock)
	}
}

func TestStandaloneSeedAndReset(t *testing.T) {
	a, base := standalone(t)
	ctx := context.Background()
	statement := a.Server().SoftwareStatement()
	c := clientFor(t, base)

	var e map[string]any
	code := admin(t, "POST", base+"/_tvauth/seed", "{\"webapi_users\": [\n {\"login_id\": \"new@example.com\", \"pasword\": \"pw\"}]}", &e)
	if code != 400 || e["line"] != 2.0 || e["field"] != "webapi_users[0].pasword" {
		t.Fatalf("bad seed: %d %v", code, e)
	}
	if code := admin(t, "POST", base+"/_tvauth/seed", `{"webapi_users": [{"login_id": "new@example.com", "password": "pw"}]}`, nil); code != 200 {
		t.Fatalf("seed: %d", code)
	}
	if _, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "new@example.com", Password: "pw"}); err != nil {
		t.Fatalf("clientLogin of a seeded user: %v", err)
	}
	// A profile may name an MVPD the fake already has (the starting seed's).
	if code := admin(t, "POST", base+"/_tvauth/seed", `{"profiles": [{"service_provider": "REF30", "mvpd": "Dish", "device_id": "stb-7"}]}`, &e); code != 200 {
		t.Fatalf("seeding a profile of a known MVPD: %d %v", code, e)
	}
	if got := a.Server().Profiles("REF30", "stb-7"); len(got) != 1 {
		t.Errorf("profiles after seeding: %+v", got)
	}
	if code := admin(t, "POST", base+"/_tvauth/seed", `{"profiles": [{"service_provider": "REF30", "mvpd": "Nope", "device_id": "stb-7"}]}`, &e); code != 400 || e["field"] != "profiles[0].mvpd" {
		t.Errorf("a profile of an unknown MVPD: %d %v", code, e)
	}
	var reqs []adminRequest
	admin(t, "GET", base+"/_tvauth/requests?path=/auth/*", "", &reqs)
	if len(reqs) != 1 || reqs[0].Path != "/auth/clientLogin" || reqs[0].Method != "POST" {
		t.Fatalf("requests = %+v", reqs)
	}

	if code := admin(t, "POST", base+"/_tvauth/reset", "", nil); code != 200 {
		t.Fatalf("reset: %d", code)
	}
	if _, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "new@example.com", Password: "pw"}); err == nil {
		t.Error("a user seeded after start survived Reset")
	}
	if _, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: DefaultWebAPILogin, Password: DefaultWebAPIPassword}); err != nil {
		t.Errorf("the starting seed's user is gone after Reset: %v", err)
	}
	if got := a.Server().SoftwareStatement(); got != statement {
		t.Error("Reset changed the software statement")
	}
	admin(t, "DELETE", base+"/_tvauth/requests", "", nil)
	admin(t, "GET", base+"/_tvauth/requests", "", &reqs)
	if len(reqs) != 0 {
		t.Errorf("requests after DELETE: %+v", reqs)
	}
}

func TestStandaloneFaults(t *testing.T) {
	_, base := standalone(t)
	ctx := context.Background()
	c := clientFor(t, base)
	var e map[string]any
	if code := admin(t, "POST", base+"/_tvauth/faults", `{"path": "/ags/servicediscovery", "status": "503"}`, &e); code != 400 || e["field"] != "status" {
		t.Fatalf("fault with a string status: %d %v", code, e)
	}
	if code := admin(t, "POST", base+"/_tvauth/faults", `{"path": "/ags/servicediscovery"}`, &e); code != 400 {
		t.Fatalf("fault without status: %d %v", code, e)
	}
	admin(t, "POST", base+"/_tvauth/faults", `{"method": "GET", "path": "/ags/servicediscovery", "status": 418, "header": {"X-Why": "test"}}`, nil)
	var pending []faultJSON
	admin(t, "GET", base+"/_tvauth/faults", "", &pending)
	if len(pending) != 1 || pending[0].Status != 418 || pending[0].Header["X-Why"] != "test" {
		t.Fatalf("pending = %+v", pending)
	}
	_, err := c.AGS.ServiceDiscovery(ctx)
	if ae := (*tvauth.AGSError)(nil); !errors.As(err, &ae) || ae.HTTPStatus != 418 {
		t.Fatalf("discovery with a fault: %v", err)
	}
	if _, err := c.AGS.ServiceDiscovery(ctx); err != nil {
		t.Fatalf("the fault outlived its one use: %v", err)
	}
	admin(t, "POST", base+"/_tvauth/faults", `{"path": "/ags/*", "drop": true}`, nil)
	// A fresh connection: net/http resends a GET whose reused connection closes unanswered.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Get(base + "/ags/servicediscovery"); err == nil {
		resp.Body.Close()
		t.Fatalf("a dropped connection answered %s", resp.Status)
	}
	admin(t, "POST", base+"/_tvauth/faults", `{"path": "/ags/*", "status": 500, "times": 5}`, nil)
	admin(t, "DELETE", base+"/_tvauth/faults", "", nil)
	if _, err := c.AGS.ServiceDiscovery(ctx); err != nil {
		t.Fatalf("faults survived DELETE: %v", err)
	}
}

func TestStandaloneLatencyThrottleAndClock(t *testing.T) {
	a, base := standalone(t)
	c := clientFor(t, base)
	if code := admin(t, "PUT", base+"/_tvauth/latency", `{"path": "/ags/*", "latency": "10s"}`, nil); code != 200 {
		t.Fatal(code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err := c.AGS.ServiceDiscovery(ctx)
	cancel()
	if err == nil {
		t.Fatal("10s of latency answered within 100ms")
	}
	admin(t, "PUT", base+"/_tvauth/latency", `{"path": "/ags/*", "latency": "0s"}`, nil)
	if _, err := c.AGS.ServiceDiscovery(context.Background()); err != nil {
		t.Fatalf("latency removed: %v", err)
	}

	admin(t, "PUT", base+"/_tvauth/throttle", `{"burst": 1, "rate": 0.001, "paths": ["/ags/*"]}`, nil)
	_, _ = c.AGS.ServiceDiscovery(context.Background())
	_, err = c.AGS.ServiceDiscovery(context.Background())
	if ae := (*tvauth.AGSError)(nil); !errors.As(err, &ae) || ae.HTTPStatus != 429 {
		t.Fatalf("throttled discovery: %v", err)
	}
	admin(t, "DELETE", base+"/_tvauth/throttle", "", nil)

	ctx = context.Background()
	sess, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: DefaultWebAPILogin, Password: DefaultWebAPIPassword})
	if err != nil {
		t.Fatal(err)
	}
	var clock map[string]string
	admin(t, "POST", base+"/_tvauth/clock", `{"advance": "25h"}`, &clock)
	if clock["offset"] != "25h0m0s" {
		t.Errorf("clock = %v", clock)
	}
	if a.Server().WebAPISessionActive(sess.Token) {
		t.Error("a shortterm WebAPI session outlived 25 hours of clock")
	}
	admin(t, "GET", base+"/_tvauth/clock", "", &clock)
	if now, err := time.Parse(time.RFC3339Nano, clock["now"]); err != nil || now.Before(time.Now().Add(24*time.Hour)) {
		t.Errorf("clock now = %v (%v)", clock["now"], err)
	}
}

// FuzzAdminAPI sends an arbitrary request to the admin API, then an arbitrary request to the fake
// behind it, through the handler as a listener would. Neither may panic (a fault of status 99 used
// to, in WriteHeader); every admin answer is JSON, a refusal names its input, and every fault the
// admin API queued is one the fake can answer.
func FuzzAdminAPI(f *testing.F) {
	f.Add("POST", "faults", `{"status": 99}`, "GET", "/ags/servicediscovery")
	f.Add("POST", "faults", `{"path": "/ags/*", "status": 204, "body": "x", "header": {"Content-Length": "1", "X-A": "b"}, "times": 2, "delay": "1h"}`, "GET", "/ags/servicediscovery")
	f.Add("POST", "faults", `{"method": "POST", "path": "/auth/*", "drop": true}`, "POST", "/auth/clientLogin")
	f.Add("PUT", "latency", `{"path": "/ags/*", "latency": "1h"}`, "GET", "/ags/servicediscovery")
	f.Add("PUT", "throttle", `{"burst": 1, "rate": 0.001, "paths": ["/o/*"]}`, "POST", "/o/client/register")
	f.Add("POST", "clock", `{"advance": "2562047h"}`, "POST", "/o/client/token")
	f.Add("POST", "seed", `{"mvpds": [{"id": "X", "degraded": true}], "clock_offset": "-2562047h"}`, "GET", "/api/v1/config/REF30")
	f.Add("POST", "seed", "\xef\xbb\xbf{\"webapi_users\": [{\"login_id\": \"a\\u0000\", \"password\": \"p\"}]}", "POST", "/auth/clientLogin")
	f.Add("GET", "requests?path=/ags/*", "", "GET", "/")
	f.Add("DELETE", "latency", "", "PATCH", "/api/v2/REF30/sessions")
	f.Add("OPTIONS", "health/../reset", "", "HEAD", "/_tvauth/health")
	f.Add("POST", "dashboard/faults", "status=99&times=-1&delay=x&drop=on", "POST", "/activate")
	f.Add("POST", "dashboard/clock", "advance=2562047h", "GET", "/activate/providers?code=ABC&filter=%00")
	f.Add("GET", "?family=WebAPI&path=%2Fauth%2F%2A", "", "POST", "/mvpd/Cablevision/login")
	f.Add("POST", "dashboard/reset", "", "GET", "/mvpd/Cablevision/logout?relayState=x")
	f.Fuzz(func(t *testing.T, method, route, body, probeMethod, probePath string) {
		req, err := http.NewRequest(method, "http://fake.example"+AdminPrefix+route, strings.NewReader(body))
		if err != nil {
			return
		}
		a, err := NewStandalone(DefaultSeed())
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			// net/http cleaning a path such as /_tvauth/a/../b
		default:
			if rec.Header().Get("Content-Type") != "application/json" {
				checkDashboardAnswer(t, req, rec)
			} else {
				checkAdminAnswer(t, req, rec)
			}
		}

		srv := a.Server()
		for _, f := range srv.PendingFaults() {
			if err := f.check(); err != nil {
				t.Fatalf("the admin API queued a fault the fake cannot answer: %+v: %v", f, err)
			}
		}
		// Delays are waits on a timer, tested elsewhere: zeroed here so that the probe is answered
		// at once with whatever fault, throttle, clock or seed the admin request set.
		srv.mu.Lock()
		srv.latency, srv.pathLatency = 0, nil
		for _, f := range srv.faults {
			f.Delay = 0
		}
		srv.mu.Unlock()
		probe, err := http.NewRequest(probeMethod, "http://fake.example"+probePath, strings.NewReader(body))
		if err != nil {
			return
		}
		rec = httptest.NewRecorder()
		a.ServeHTTP(rec, probe)
		if rec.Code < 100 || rec.Code > 599 {
			t.Fatalf("probe %s %s: status %d", probeMethod, probePath, rec.Code)
		}
	})
}

// checkDashboardAnswer checks what the dashboard promises of every answer: a page (or, after a form,
// a redirect back to it), only at the dashboard's own paths, with the reason of a refusal.
func checkDashboardAnswer(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	path := strings.TrimPrefix(req.URL.Path, AdminPrefix)
	if path != "" && !strings.HasPrefix(path, "dashboard/") {
		t.Fatalf("%s %s: an HTML answer (%d) outside the dashboard", req.Method, req.URL, rec.Code)
	}
	switch rec.Code {
	case http.StatusOK, http.StatusSeeOther:
	case http.StatusBadRequest:
		if !strings.Contains(rec.Body.String(), `<p role="alert">`) {
			t.Fatalf("%s %s: 400 without the reason on the page:\n%s", req.Method, req.URL, rec.Body)
		}
	default:
		t.Fatalf("%s %s: status %d", req.Method, req.URL, rec.Code)
	}
}

// checkAdminAnswer checks what the admin API promises of every answer.
func checkAdminAnswer(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code == http.StatusMovedPermanently { // net/http cleaning a path such as /_tvauth/a/../b
		return
	}
	switch rec.Code {
	case 200, 400, 404, 405, 413:
	default:
		t.Fatalf("%s %s: status %d", req.Method, req.URL, rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: %d with Content-Type %q", req.Method, req.URL, rec.Code, ct)
	}
	var answer any
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %v\n%s", req.Method, req.URL, rec.Code, err, rec.Body)
	}
	if rec.Code == 200 {
		return
	}
	e, _ := answer.(map[string]any)
	msg, _ := e["error"].(string)
	if !strings.HasPrefix(msg, "tvauthtest: ") {
		t.Fatalf("%s %s: %d without an error text: %s", req.Method, req.URL, rec.Code, rec.Body)
	}
	if rec.Code == 405 && rec.Header().Get("Allow") == "" {
		t.Fatalf("%s %s: 405 without Allow", req.Method, req.URL)
	}
	if rec.Code == 400 && strings.HasPrefix(msg, "tvauthtest: seed") != (req.URL.Path == AdminPrefix+"seed") {
		t.Fatalf("%s %s: %s", req.Method, req.URL, msg)
	}
}
