package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tvauth/tvauth/tvauthtest"
)

// syncBuffer is a bytes.Buffer the fake's goroutine and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startFake runs `tvauth fake args…` until the test ends; it returns the base URL and the outputs.
func startFake(t *testing.T, args ...string) (string, *syncBuffer, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	ready := make(chan string, 1)
	env := &environment{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: func(string) string { return "" },
		ready: func(base string) { ready <- base }}
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"fake", "-addr", "127.0.0.1:0"}, args...), env) }()
	t.Cleanup(func() {
		cancel() // as SIGINT/SIGTERM do: main turns them into this cancellation
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("tvauth fake exited %d after a graceful stop\n%s", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("tvauth fake did not stop within 10s")
		}
	})
	select {
	case base := <-ready:
		return base, stdout, stderr
	case code := <-done:
		t.Fatalf("tvauth fake exited %d\n%s", code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("tvauth fake did not start")
	}
	return "", nil, nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestFakeServesOnLoopbackWithHealthAndInfo(t *testing.T) {
	base, stdout, _ := startFake(t)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("base %s is not loopback", base)
	}
	if code, body := get(t, base+"/_tvauth/health"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("health: %d %s", code, body)
	}
	// The human startup text: every family's URL and every seeded identity with its password.
	out := regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(stdout.String(), "127.0.0.1:PORT")
	out = regexp.MustCompile(`software statement \S+`).ReplaceAllString(out, "software statement STATEMENT")
	golden(t, "fake-startup", out)
	// A family answers on the same port: AGS discovery.
	if code, body := get(t, base+"/ags/servicediscovery"); code != 200 || !strings.Contains(body, tvauthtest.AGSAuthService) {
		t.Errorf("AGS discovery through tvauth fake: %d %s", code, body)
	}
}

func TestFakeJSONStartupAndSeedFile(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seed, []byte(`{
  "software_statement": "e2e-statement",
  "mvpds": [{"id": "Spectrum", "logout_endpoint": true}],
  "webapi_users": [{"login_id": "qa@example.com", "password": "qa-pass"}],
  "ags_users": [{"username": "erin", "password": "erin-pass", "accounts": ["7", "8", "9"]}],
  "clock_offset": "2h"
}`), 0o644); err != nil {
		t.Fatal(err)
	}
	base, stdout, _ := startFake(t, "-json", "-seed", seed)
	var info tvauthtest.Info
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout.String())), &info); err != nil {
		t.Fatalf("-json printed %q: %v", stdout.String(), err)
	}
	if info.URL != base || info.AGS != base+"/ags" || info.SoftwareStatement != "e2e-statement" || info.Health != base+"/_tvauth/health" {
		t.Errorf("info = %+v", info)
	}
	if len(info.Seed.AGSUsers) != 1 || info.Seed.AGSUsers[0].Password != "erin-pass" || len(info.Seed.AGSUsers[0].Accounts) != 3 {
		t.Errorf("AGS users = %+v", info.Seed.AGSUsers)
	}
	_, clock := get(t, base+"/_tvauth/clock")
	if !strings.Contains(clock, `"offset": "2h0m0s"`) {
		t.Errorf("clock offset from the seed: %s", clock)
	}
}

func TestFakeRefusesABadSeedBeforeListening(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, json, says string
	}{
		{"unknown field", "{\n  \"mvpds\": [\n    {\"id\": \"A\", \"logout\": true}\n  ]\n}", "seed.json:3:17: mvpds[0].logout: unknown field (known: degraded, id, logout_endpoint, subscribers)"},
		{"wrong type", "{\"ags_users\": [{\"username\": \"d\", \"accounts\": [1660]}]}", "seed.json:1:47: ags_users[0].accounts[0]: want a string, got number 1660"},
		{"syntax", "{\"mvpds\": [}", "seed.json:1:12: mvpds: malformed JSON"},
		{"bad duration", "{\"latency\": \"soon\"}", `seed.json:1:13: latency: "soon" is not a duration`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "seed.json")
			if err := os.WriteFile(path, []byte(tc.json), 0o644); err != nil {
				t.Fatal(err)
			}
			res := runCmd(t, nil, nil, "fake", "-addr", "127.0.0.1:0", "-seed", path)
			if res.code != exitUsage {
				t.Errorf("exit %d, want 2", res.code)
			}
			if !strings.Contains(res.stderr, tc.says) {
				t.Errorf("stderr %q does not say %q", res.stderr, tc.says)
			}
			if res.stdout != "" {
				t.Errorf("printed startup information before refusing: %s", res.stdout)
			}
		})
	}
	if res := runCmd(t, nil, nil, "fake", "-seed", filepath.Join(dir, "missing.json")); res.code != exitUsage {
		t.Errorf("a missing seed file: exit %d", res.code)
	}
}

// tvauth fake's failures follow -json too: a bad seed (exit 2) and an address it cannot listen on
// (exit 3) are the result object on stdout with -json, one line on stderr without.
func TestFakeFailuresInEitherForm(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	seed := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seed, []byte(`{"mvpds": [{"id": "A", "logout": true}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"-seed", seed}, exitUsage, "seed.json:1:24: mvpds[0].logout: unknown field"},
		{[]string{"-addr", busy.Addr().String()}, exitNetwork, "address already in use"},
	} {
		text := runCmd(t, nil, nil, append([]string{"fake", "-addr", "127.0.0.1:0"}, tc.args...)...)
		if text.code != tc.code || text.stdout != "" || strings.Count(text.stderr, "\n") != 1 ||
			!strings.HasPrefix(text.stderr, "tvauth fake: ") || !strings.Contains(text.stderr, tc.says) {
			t.Errorf("%v: exit %d, want %d and one line on stderr saying %q\n--- stdout\n%s--- stderr\n%s", tc.args, text.code, tc.code, tc.says, text.stdout, text.stderr)
		}
		js := runCmd(t, nil, nil, append([]string{"fake", "-addr", "127.0.0.1:0", "-json"}, tc.args...)...)
		var got resultLine
		if err := json.Unmarshal([]byte(js.stdout), &got); err != nil || js.code != tc.code || js.stderr != "" ||
			got.Command != "tvauth fake" || got.OK || got.ExitCode != tc.code || !strings.Contains(got.Error, tc.says) {
			t.Errorf("%v -json: exit %d, want %d and the result object (%v)\n--- stdout\n%s--- stderr\n%s", tc.args, js.code, tc.code, err, js.stdout, js.stderr)
		}
	}
}

// tvauth fake --help lists the headers each family requires, as the fake itself decides: every
// header named is one whose absence the fake refuses, and the ones each vendor documents are there.
func TestFakeHelpListsRequiredHeaders(t *testing.T) {
	res := runCmd(t, nil, nil, "fake", "--help")
	if res.code != exitOK || res.stderr != "" {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	_, headers, ok := strings.Cut(res.stdout, "HEADERS EACH FAMILY REQUIRES\n")
	if !ok {
		t.Fatalf("no header section in\n%s", res.stdout)
	}
	if strings.Contains(headers, "failed on the fake") || strings.Contains(headers, "sent nothing") || strings.Contains(headers, "could not be asked") {
		t.Fatalf("a probe failed:\n%s", headers)
	}
	// rows: the family (when it changes), the request (when it changes), one header per line.
	required := map[string][]string{}
	var family, route string
	for _, line := range strings.Split(headers, "\n") {
		fields := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
		if !strings.HasPrefix(line, "  ") || len(fields) == 0 || !strings.Contains(line, "  /") && !strings.Contains(line, ": ") && !strings.Contains(line, "(none)") {
			continue
		}
		switch len(fields) {
		case 3:
			family, route = fields[0], fields[1]
		case 2:
			route = fields[0]
		}
		h := fields[len(fields)-1]
		name, _, _ := strings.Cut(h, ":")
		required[family+" "+route] = append(required[family+" "+route], name)
	}
	for route, want := range map[string][]string{
		"Pass DCR POST /o/client/register":                  {"Content-Type", "X-Device-Info"},
		"Pass v2 POST /api/v2/{serviceProvider}/sessions":   {"AP-Device-Identifier", "Authorization", "Content-Type", "X-Device-Info"},
		"Clientless v1 POST /reggie/v1/{requestor}/regcode": {"Authorization", "Content-Type", "X-Device-Info"},
		"WebAPI POST /auth/clientLogin":                     {"Content-Type"},
		"WebAPI GET /auth/logout (signed)":                  {"(none)"},
		"AGS POST /ags/signOn":                              {"Content-Type", "x-auth-service-id"},
		"AGS POST /ags/subsequentSignOn":                    {"Content-Type", "User-Token", "x-auth-service-id"},
	} {
		if !slices.Equal(required[route], want) {
			t.Errorf("%s requires %q, want %q\n%s", route, required[route], want, headers)
		}
	}
	for _, shape := range []string{"Authorization: Bearer <access token from POST /o/client/token>", "AP-Device-Identifier: fingerprint <base64",
		"x-auth-service-id: " + tvauthtest.AGSAuthService} {
		if !strings.Contains(headers, shape) {
			t.Errorf("no %q in\n%s", shape, headers)
		}
	}
}

// The probe itself: a header the fake does not need (Accept, on Pass v2) is not listed, so a row is
// what the fake refuses without, not what the SDK happens to send.
func TestHeaderProbeListsOnlyWhatTheFakeRefuses(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	if err := fake.ApplySeed(tvauthtest.DefaultSeed()); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(headerProbes, func(p headerProbe) bool { return p.family == "Pass v2" })
	if err := headerProbes[i].call(context.Background(), fake.Client(), fake); err != nil {
		t.Fatal(err)
	}
	var sent http.Header
	for _, r := range fake.Requests() {
		if r.Path == headerProbes[i].path {
			sent = r.Header
		}
	}
	if sent.Get("Accept") == "" {
		t.Fatalf("the SDK sent no Accept header to %s: pick another header the fake ignores (%v)", headerProbes[i].path, sent)
	}
	if strings.Contains(fakeHeadersHelp(), "Accept:") {
		t.Errorf("Accept is listed, but the fake answers without it:\n%s", fakeHeadersHelp())
	}
}
