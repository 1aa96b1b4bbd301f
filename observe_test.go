package tvauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// recorder is an Observer that keeps everything it is told: a tree of calls (a call started under
// another's context is its child) with their events in order, and every event in full (%+v) for the
// leak checks.
type recorder struct {
	mu    sync.Mutex
	calls []*recordedCall
	loose []string // token events outside any call (a token source used directly)
	all   strings.Builder
}

type recordedCall struct {
	op     string
	parent int // 1-based index of the call whose context this one started under; 0: none
	start  tvauth.CallEvent
	end    *tvauth.CallEvent
	events []string
}

type recorderKey struct{}

func (r *recorder) CallStart(ctx context.Context, e tvauth.CallEvent) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(&r.all, "start %+v\n", e)
	parent, _ := ctx.Value(recorderKey{}).(int)
	r.calls = append(r.calls, &recordedCall{op: e.Operation, parent: parent, start: e})
	return context.WithValue(ctx, recorderKey{}, len(r.calls))
}

func (r *recorder) CallEnd(ctx context.Context, e tvauth.CallEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(&r.all, "end %+v\n", e)
	if e.Err != nil {
		for _, rd := range errorRenderings(e.Err) {
			r.all.WriteString(rd.text + "\n")
		}
	}
	outcome := "ok"
	if e.Err != nil {
		outcome = "error"
	}
	r.add(ctx, fmt.Sprintf("end %d %s", e.Status, outcome), func(c *recordedCall) { c.end = &e })
}

func (r *recorder) Attempt(ctx context.Context, e tvauth.AttemptEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(&r.all, "attempt %+v\n", e)
	r.add(ctx, fmt.Sprintf("attempt %d %q %d failed=%t", e.Attempt, e.Reason, e.Status, e.Failed), nil)
}

func (r *recorder) Token(ctx context.Context, e tvauth.TokenEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(&r.all, "token %+v\n", e)
	r.add(ctx, fmt.Sprintf("token %s %s failed=%t", e.Family, e.Kind, e.Failed), nil)
}

// add records an event of the call whose context ctx is. Call with r.mu held.
func (r *recorder) add(ctx context.Context, event string, f func(*recordedCall)) {
	id, _ := ctx.Value(recorderKey{}).(int)
	if id == 0 {
		r.loose = append(r.loose, event)
		return
	}
	c := r.calls[id-1]
	c.events = append(c.events, event)
	if f != nil {
		f(c)
	}
}

// tree renders the calls, one line each ("op <- parent op: events"), in the order they started.
func (r *recorder) tree() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.calls {
		line := c.op
		if c.parent > 0 {
			line += " <- " + r.calls[c.parent-1].op
		}
		out = append(out, line+": "+strings.Join(c.events, ", "))
	}
	return out
}

func (r *recorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.all.String()
}

// attempts lists every attempt event it was told of, rendered as in the tree.
func (r *recorder) attempts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.calls {
		for _, e := range c.events {
			if strings.HasPrefix(e, "attempt ") {
				out = append(out, e)
			}
		}
	}
	return out
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls, r.loose = nil, nil
	r.all.Reset()
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}

// fakeSecrets are the fake's secrets a client learns or sends, for the leak check of the flows here.
func fakeSecrets(fake *tvauthtest.Server) []string {
	creds := fake.PassCredentials()
	return []string{string(creds.ClientSecret), string(fake.SoftwareStatement()), fake.AGSPassword("dave")}
}

func observedFake(t *testing.T, opts ...tvauth.Option) (*tvauthtest.Server, *tvauth.Client, *recorder) {
	t.Helper()
	fake := tvauthtest.NewServer()
	t.Cleanup(fake.Close)
	fake.AddMVPD("Cablevision", true)
	fake.AddAGSUser("dave", "1660", "1663")
	rec := &recorder{}
	c, err := tvauth.New(append(append(fake.Options(), tvauth.WithObserver(rec)), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return fake, c, rec
}

var logoutReq = tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision", RedirectURL: "https://app.example/done"}

// A Pass logout whose first attempt meets a 401 (the fake expired the token): one call, the cached
// token dropped and fetched again (its own call, under the logout's context), a second attempt.
func TestObserverPassLogoutRefetch(t *testing.T) {
	fake, c, rec := observedFake(t)
	ctx := context.Background()
	if _, err := c.Pass.Logout(ctx, logoutReq); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "first logout", rec.tree(), []string{
		`pass.logout: token pass fetch_started failed=false, token pass fetch_ended failed=false, attempt 1 "" 200 failed=false, end 200 ok`,
		`pass.token <- pass.logout: attempt 1 "" 201 failed=false, end 201 ok`,
	})
	rec.reset()
	fake.ExpirePassTokens()
	if _, err := c.Pass.Logout(ctx, logoutReq); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "logout after the token expired", rec.tree(), []string{
		`pass.logout: token pass cache_hit failed=false, attempt 1 "" 401 failed=false, token pass invalidated failed=false, ` +
			`token pass fetch_started failed=false, token pass fetch_ended failed=false, attempt 2 "unauthorized" 200 failed=false, end 200 ok`,
		`pass.token <- pass.logout: attempt 1 "" 201 failed=false, end 201 ok`,
	})
	rec.mu.Lock()
	start, end := rec.calls[0].start, rec.calls[0].end
	rec.mu.Unlock()
	host := strings.TrimPrefix(fake.URL(), "http://")
	if start.Family != "pass" || start.Method != "GET" || start.Host != host ||
		start.URL != fake.URL()+"/api/v2/{serviceProvider}/logout/{mvpd}" || start.Template != "/api/v2/{serviceProvider}/logout/{mvpd}" {
		t.Errorf("CallStart: %+v", start)
	}
	if end.Start != start.Start || end.Duration <= 0 || end.Err != nil {
		t.Errorf("CallEnd: %+v", end)
	}
	if token := rec.calls[1].start; token.Operation != "pass.token" || token.Template != "/o/client/token" {
		t.Errorf("the token call's template (a path without ids is its own): %+v", token)
	}
	noSecrets(t, rec, fakeSecrets(fake)...)
}

// An AGS signOn answered 300 (two accounts), then subsequentSignOn: two calls.
func TestObserverAGSSubsequentSignOn(t *testing.T) {
	fake, c, rec := observedFake(t)
	ctx := context.Background()
	params := []tvauth.Parameter{{Name: "username", Value: "dave"}, {Name: "password", Value: fake.AGSPassword("dave")}}
	res, err := c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params,
		DeviceInformation: []byte(`{"deviceType":"OPEN","playoutDeviceClass":"stb"}`)})
	if err != nil || len(res.Accounts) != 2 {
		t.Fatalf("SignOn: %v, %+v", err, res)
	}
	if _, err := c.AGS.SubsequentSignOn(ctx, res.Accounts[0], tvauth.SignOnRequest{Parameters: params[:1]}); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "calls", rec.tree(), []string{
		`ags.signOn: attempt 1 "" 300 failed=false, end 300 ok`,
		`ags.subsequentSignOn: attempt 1 "" 201 failed=false, end 201 ok`,
	})
	noSecrets(t, rec, fakeSecrets(fake)...)
}

// A throttled logout: two 429s (Adobe's page, Retry-After 0), then the answer.
func TestObserverThrottled(t *testing.T) {
	fake, c, rec := observedFake(t)
	ctx := context.Background()
	if _, err := c.Pass.Configuration(ctx, "REF30"); err != nil { // the token, fetched beforehand
		t.Fatal(err)
	}
	rec.reset()
	err := fake.FailNextWith(tvauthtest.Fault{Path: "/api/v2/REF30/logout/Cablevision", Status: http.StatusTooManyRequests,
		Times: 2, Body: tvauthtest.ThrottlePage, Header: http.Header{"Retry-After": {"0"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pass.Logout(ctx, logoutReq); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "calls", rec.tree(), []string{
		`pass.logout: token pass cache_hit failed=false, attempt 1 "" 429 failed=false, token pass cache_hit failed=false, ` +
			`attempt 2 "throttled" 429 failed=false, token pass cache_hit failed=false, attempt 3 "throttled" 200 failed=false, end 200 ok`,
	})
	// Out of retries: the call ends with the last 429.
	rec.reset()
	_ = fake.FailNextWith(tvauthtest.Fault{Path: "/api/v2/REF30/logout/Cablevision", Status: http.StatusTooManyRequests,
		Times: 4, Header: http.Header{"Retry-After": {"0"}}})
	if _, err := c.Pass.Logout(ctx, logoutReq); !errors.Is(err, tvauth.ErrRateLimited) {
		t.Fatalf("err %v, want ErrRateLimited", err)
	}
	sameLines(t, "attempts out of retries", rec.attempts(), []string{`attempt 1 "" 429 failed=false`,
		`attempt 2 "throttled" 429 failed=false`, `attempt 3 "throttled" 429 failed=false`, `attempt 4 "throttled" 429 failed=false`})
	if tr := rec.tree(); len(tr) != 1 || !strings.HasSuffix(tr[0], "end 429 error") {
		t.Errorf("calls: %q", tr)
	}
}

// A network error is retried with reason "network", and a reply cut short fails its attempt.
func TestObserverNetworkRetry(t *testing.T) {
	fake, c, rec := observedFake(t, tvauth.WithRetry(tvauth.RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
	if err := fake.FailNextWith(tvauthtest.Fault{Path: "/ags/signOut", Drop: true}); err != nil {
		t.Fatal(err)
	}
	// signOut is a POST: a dropped connection is not retried (the server may have acted).
	err := c.AGS.SignOut(context.Background(), "token", tvauth.SignOnRequest{ClientID: "c1"})
	var re *tvauth.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("err %v, want a *RequestError", err)
	}
	sameLines(t, "calls", rec.tree(), []string{`ags.signOut: attempt 1 "" 0 failed=true, end 0 error`})
	rec.reset()
	if err := fake.FailNextWith(tvauthtest.Fault{Path: "/ags/servicediscovery", Drop: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AGS.ServiceDiscovery(context.Background()); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "calls", rec.tree(), []string{`ags.serviceDiscovery: attempt 1 "" 0 failed=true, attempt 2 "network" 200 failed=false, end 200 ok`})
}

// AGS token source events: a refresh started by one caller, a cache hit, an invalidation.
func TestObserverAGSTokens(t *testing.T) {
	fake, c, rec := observedFake(t)
	ctx := context.Background()
	params := []tvauth.Parameter{{Name: "username", Value: "dave"}, {Name: "password", Value: fake.AGSPassword("dave")}}
	res, err := c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params, DeviceInformation: []byte(`{"deviceType":"OPEN"}`)})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := c.AGS.SubsequentSignOn(ctx, res.Accounts[0], tvauth.SignOnRequest{Parameters: params[:1]})
	if err != nil {
		t.Fatal(err)
	}
	tokens.ReceivedAt = time.Now().Add(-tokens.ExpiresIn) // expired: the first use refreshes
	ts := c.AGS.TokenSource(tokens, tvauth.SignOnRequest{ClientID: tokens.ClientID}, nil)
	rec.reset()
	ctx = context.WithValue(ctx, recorderKey{}, 0) // no call: events are loose
	for range 2 {
		if _, err := ts.TokenContext(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ts.Invalidate()
	rec.mu.Lock()
	loose := rec.loose
	rec.mu.Unlock()
	sameLines(t, "token events", loose, []string{"token ags fetch_started failed=false", "token ags fetch_ended failed=false",
		"token ags cache_hit failed=false", "token ags invalidated failed=false"})
	sameLines(t, "calls", rec.tree(), []string{`ags.refresh: attempt 1 "" 200 failed=false, end 200 ok`})
	noSecrets(t, rec, append(fakeSecrets(fake), string(tokens.RefreshToken), string(tokens.AccessToken))...)
}

// panicker panics in every method.
type panicker struct{}

func (panicker) CallStart(context.Context, tvauth.CallEvent) context.Context { panic("CallStart") }
func (panicker) CallEnd(context.Context, tvauth.CallEvent)                   { panic("CallEnd") }
func (panicker) Attempt(context.Context, tvauth.AttemptEvent)                { panic("Attempt") }
func (panicker) Token(context.Context, tvauth.TokenEvent)                    { panic("Token") }

// noContextObserver returns no context: the call keeps its own.
type noContextObserver struct{ recorder }

func (*noContextObserver) CallStart(context.Context, tvauth.CallEvent) context.Context { return nil }

// detachingObserver returns a context cut off from the caller's: only its values reach the call.
type detachingObserver struct{ recorder }

type detachedKey struct{}

func (*detachingObserver) CallStart(context.Context, tvauth.CallEvent) context.Context {
	return context.WithValue(context.Background(), detachedKey{}, true)
}

// The caller's cancellation ends the call whatever context CallStart returned.
func TestObserverCannotDetachTheCall(t *testing.T) {
	t.Parallel()
	o := &detachingObserver{}
	_, c, _ := observedFake(t, tvauth.WithObserver(o))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Pass.Logout(ctx, logoutReq); !errors.Is(err, context.Canceled) {
		t.Fatalf("Logout with a canceled context and a detaching observer: %v, want context.Canceled", err)
	}
}

func TestObserverFaultsDoNotBreakCalls(t *testing.T) {
	for name, o := range map[string]tvauth.Observer{"panics": panicker{}, "nil context": &noContextObserver{}, "nil observer": nil} {
		t.Run(name, func(t *testing.T) {
			fake, c, _ := observedFake(t, tvauth.WithObserver(o))
			fake.ExpirePassTokens()
			for range 2 { // a token fetch, then a 401 and a refetch
				res, err := c.Pass.Logout(context.Background(), logoutReq)
				if err != nil || len(res.Actions) != 1 {
					t.Fatalf("Logout: %v, %+v", err, res)
				}
				fake.ExpirePassTokens()
			}
		})
	}
}

// noSecrets fails when the recorder's text holds any of secrets.
func noSecrets(t *testing.T, rec *recorder, secrets ...string) {
	t.Helper()
	text := rec.text()
	if text == "" {
		t.Fatal("the observer was told nothing")
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("the observer was told the secret %.8q…", s)
		}
	}
}

// observedAttemptProblems checks what the observer of a TestRetryCounts cell was told: every attempt
// the transport saw, each retry with the row's reason, and a call end for every call start.
func observedAttemptProblems(c *cell, row retryRow) []string {
	reason := map[int]string{429: "throttled", 500: "server", 502: "server", 503: "server", 401: "unauthorized"}[row.status]
	if row.status == 0 {
		reason = "network"
	}
	var problems []string
	attempts := c.obs.attempts()
	if int64(len(attempts)) != c.rt.attempts.Load() {
		problems = append(problems, fmt.Sprintf("the observer saw %d attempts, the transport %d", len(attempts), c.rt.attempts.Load()))
	}
	for _, a := range attempts {
		if !strings.HasPrefix(a, "attempt 1 ") && !strings.Contains(a, fmt.Sprintf(" %q ", reason)) {
			problems = append(problems, fmt.Sprintf("%s, want reason %q", a, reason))
		}
	}
	for _, line := range c.obs.tree() {
		if !strings.Contains(line, " end ") {
			problems = append(problems, "a call without its end: "+line)
		}
	}
	return problems
}

// docs:begin observer-custom
// slowCalls reports every call that took longer than limit, retries and token fetches included.
type slowCalls struct {
	limit  time.Duration
	report func(operation string, d time.Duration, err error)
}

func (s slowCalls) CallStart(ctx context.Context, _ tvauth.CallEvent) context.Context { return ctx }
func (s slowCalls) CallEnd(_ context.Context, e tvauth.CallEvent) {
	if e.Duration > s.limit {
		s.report(e.Operation, e.Duration, e.Err)
	}
}
func (slowCalls) Attempt(context.Context, tvauth.AttemptEvent) {}
func (slowCalls) Token(context.Context, tvauth.TokenEvent)     {}

// docs:end observer-custom

func TestDocsObserverCustom(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddMVPD("Cablevision", true)
	var slow []string
	c, err := tvauth.New(append(fake.Options(), tvauth.WithObserver(slowCalls{limit: 0, report: func(op string, d time.Duration, err error) {
		slow = append(slow, fmt.Sprintf("%s %t %v", op, d > 0, err))
	}}))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pass.Logout(context.Background(), logoutReq); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "slow calls", slow, []string{"pass.token true <nil>", "pass.logout true <nil>"})
}
