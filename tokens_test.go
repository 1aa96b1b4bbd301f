package tvauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestTokenCacheOneFetchAtATime(t *testing.T) {
	t.Parallel()
	var fetches, inFlight, maxInFlight atomic.Int32
	c := newTokenCache(10*time.Second, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		fetches.Add(1)
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		return &oauth2.Token{AccessToken: "t", Expiry: time.Now().Add(time.Hour)}, nil
	})
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.Token()
			if err != nil || tok.AccessToken != "t" {
				t.Errorf("Token = %v, %v", tok, err)
			}
		}()
	}
	wg.Wait()
	if fetches.Load() != 1 || maxInFlight.Load() != 1 {
		t.Errorf("fetches = %d, max concurrent = %d; want 1, 1", fetches.Load(), maxInFlight.Load())
	}
}

func TestTokenCacheRefetchesEarly(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var fetches atomic.Int32
	c := newTokenCache(time.Minute, func(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error) {
		n := fetches.Add(1)
		return &oauth2.Token{AccessToken: fmt.Sprint(n), Expiry: now.Add(10 * time.Minute)}, nil
	})
	c.now = func() time.Time { return now }
	tok, _ := c.Token()
	now = now.Add(8 * time.Minute) // 2 minutes left: still good
	tok2, _ := c.Token()
	now = now.Add(90 * time.Second) // 30 s left: inside the early window
	tok3, _ := c.Token()
	if tok.AccessToken != "1" || tok2.AccessToken != "1" || tok3.AccessToken != "2" {
		t.Errorf("tokens = %s %s %s, want 1 1 2", tok.AccessToken, tok2.AccessToken, tok3.AccessToken)
	}
	c.invalidate("")
	if tok4, _ := c.Token(); tok4.AccessToken != "3" {
		t.Errorf("after invalidate got %s, want 3", tok4.AccessToken)
	}
}

func TestTokenCacheContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var calls atomic.Int32
	c := newTokenCache(0, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		if calls.Add(1) == 1 {
			select {
			case <-release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return &oauth2.Token{AccessToken: "ok", Expiry: time.Now().Add(time.Hour)}, nil
	})
	// A caller blocked behind a slow fetch gives up with its own context.
	go func() { _, _ = c.Token() }()
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.tokenContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting caller: err = %v, want DeadlineExceeded", err)
	}
	close(release)
	// A cancelled caller's fetch fails, and does not poison later callers.
	c.invalidate("")
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := c.tokenContext(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: err = %v", err)
	}
	if tok, err := c.tokenContext(context.Background()); err != nil || tok.AccessToken != "ok" {
		t.Errorf("later caller: %v, %v", tok, err)
	}
}

func TestTokenCacheInvalidateOnlyTheRejectedToken(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	c := newTokenCache(0, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: fmt.Sprint("tok-", fetches.Add(1)), Expiry: time.Now().Add(time.Hour)}, nil
	})
	first, _ := c.Token()
	c.invalidate(first.AccessToken)
	second, _ := c.Token()
	// A late caller rejected with the old token must not throw away the new one.
	c.invalidate(first.AccessToken)
	third, _ := c.Token()
	if first.AccessToken != "tok-1" || second.AccessToken != "tok-2" || third.AccessToken != "tok-2" || fetches.Load() != 2 {
		t.Errorf("tokens %s %s %s after %d fetches", first.AccessToken, second.AccessToken, third.AccessToken, fetches.Load())
	}
}

// Many calls rejected with the same token at once cause one refetch, not one each.
func TestConcurrent401sRefetchOnce(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	ts := newTokenCache(0, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: fmt.Sprint("tok-", fetches.Add(1)), Expiry: time.Now().Add(time.Hour)}, nil
	})
	c, mux, _ := setup(t, WithPassTokenSource(ts))
	var stale sync.WaitGroup
	stale.Add(20)
	mux.HandleFunc("/p", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer tok-1" {
			stale.Done()
			stale.Wait() // every call is rejected with tok-1 before any refetch happens
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.do(context.Background(), &call{service: svcPass, method: "GET", path: "/p", auth: authPassBearer}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := fetches.Load(); got != 2 {
		t.Errorf("fetches = %d, want 2 (the first token and one refetch)", got)
	}
}

// stallingTokenEndpoint serves POST /o/client/token with tokens "tok-N". While stalled, a request
// waits until release is closed or its client goes away.
type stallingTokenEndpoint struct {
	fetches atomic.Int32
	stall   func(n int) bool // nil = never
	release chan struct{}
	once    sync.Once
}

// open releases every stalled request, now and later.
func (e *stallingTokenEndpoint) open() { e.once.Do(func() { close(e.release) }) }

func newStallingTokenEndpoint(t *testing.T, mux *http.ServeMux, stall func(n int) bool) *stallingTokenEndpoint {
	e := &stallingTokenEndpoint{stall: stall, release: make(chan struct{})}
	// Runs before the server's own Close (cleanups are last in, first out): no handler outlives the test.
	t.Cleanup(e.open)
	mux.HandleFunc("/o/client/token", func(w http.ResponseWriter, r *http.Request) {
		n := int(e.fetches.Add(1))
		if e.stall != nil && e.stall(n) {
			select {
			case <-e.release:
			case <-r.Context().Done():
				return
			}
		}
		reply(w, http.StatusCreated, []byte(fmt.Sprintf(`{"access_token":"tok-%d","token_type":"bearer","expires_in":3600}`, n)))
	})
	return e
}

// passSourceClient is a client whose Pass calls use its own TokenSource against the test server.
func passSourceClient(t *testing.T, opts ...Option) (*Client, oauth2.TokenSource, *http.ServeMux) {
	t.Helper()
	reg, mux, base := setup(t, opts...)
	ts := reg.Pass.TokenSource(ClientCredentials{ClientID: "id", ClientSecret: "secret-value"})
	c := clientWithTokenSource(t, base, ts, append([]Option{WithHTTPClient(reg.cfg.httpClient)}, opts...)...)
	return c, ts, mux
}

// generous bounds a wait that should be short; it only catches a hang, never a slow machine.
const generous = 20 * time.Second

func within[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(generous):
		t.Fatalf("%s did not return within %v", what, generous)
		panic("unreachable")
	}
}

type tokenResult struct {
	tok *oauth2.Token
	err error
}

// Token() has no context: a stalled token endpoint must not hold it beyond the fetch timeout, and the
// next call after the endpoint recovers succeeds.
func TestPassTokenSourceStalledEndpointIsBounded(t *testing.T) {
	t.Parallel()
	var stalled atomic.Bool
	stalled.Store(true)
	_, ts, mux := passSourceClient(t, WithTokenFetchTimeout(300*time.Millisecond))
	e := newStallingTokenEndpoint(t, mux, func(int) bool { return stalled.Load() })
	done := make(chan tokenResult, 1)
	go func() { tok, err := ts.Token(); done <- tokenResult{tok, err} }()
	r := within(t, "Token() on a stalled endpoint", done)
	if !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("Token() = %v, %v; want DeadlineExceeded", r.tok, r.err)
	}
	stalled.Store(false)
	tok, err := ts.Token()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("after recovery: %v, %v", tok, err)
	}
	if got := e.fetches.Load(); got < 2 {
		t.Errorf("fetches = %d, want a fresh fetch after the timed-out one", got)
	}
}

// A caller with a short context leaves when it ends, while another caller's fetch is stalled (the
// stall is released only after the short caller has returned, so no clock decides the outcome).
func TestTokenWaiterLeavesWithItsOwnContext(t *testing.T) {
	t.Parallel()
	c, ts, mux := passSourceClient(t)
	e := newStallingTokenEndpoint(t, mux, func(n int) bool { return n == 1 })
	mux.HandleFunc("/p", func(w http.ResponseWriter, r *http.Request) {})
	first := make(chan tokenResult, 1)
	go func() { tok, err := ts.Token(); first <- tokenResult{tok, err} }()
	for e.fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.do(ctx, &call{service: svcPass, method: "GET", path: "/p", auth: authPassBearer})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("short caller: err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("short caller returned after %v", d) // it cannot have waited for the release below
	}
	e.open()
	if r := within(t, "the stalled caller", first); r.err != nil || r.tok.AccessToken != "tok-1" {
		t.Fatalf("stalled caller: %v, %v", r.tok, r.err)
	}
	if _, err := c.do(context.Background(), &call{service: svcPass, method: "GET", path: "/p", auth: authPassBearer}); err != nil {
		t.Fatal(err)
	}
	if got := e.fetches.Load(); got != 1 {
		t.Errorf("fetches = %d, want 1", got)
	}
}

// After a 401 the invalidation and the refetch wait honour the caller's context: a caller rejected
// while another caller's refetch is stalled leaves when its own context ends.
func TestInvalidateHonoursCallerContext(t *testing.T) {
	t.Parallel()
	c, ts, mux := passSourceClient(t)
	e := newStallingTokenEndpoint(t, mux, func(n int) bool { return n == 2 })
	var rejected sync.WaitGroup
	rejected.Add(2)
	mux.HandleFunc("/p", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer tok-1" {
			rejected.Done()
			rejected.Wait()
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	if tok, err := ts.Token(); err != nil || tok.AccessToken != "tok-1" {
		t.Fatalf("priming: %v, %v", tok, err)
	}
	patient := make(chan error, 1)
	go func() {
		_, err := c.do(context.Background(), &call{service: svcPass, method: "GET", path: "/p", auth: authPassBearer})
		patient <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	_, err := c.do(ctx, &call{service: svcPass, method: "GET", path: "/p", auth: authPassBearer})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("short caller: err = %v, want DeadlineExceeded", err)
	}
	e.open()
	if err := within(t, "the patient caller", patient); err != nil {
		t.Fatalf("patient caller: %v", err)
	}
	if got := e.fetches.Load(); got != 2 {
		t.Errorf("fetches = %d, want 2 (the first token and one refetch)", got)
	}
}

// 64 concurrent callers of a Pass token source cause one fetch on the wire.
func TestPassTokenSource64CallersOneFetch(t *testing.T) {
	t.Parallel()
	_, ts, mux := passSourceClient(t)
	e := newStallingTokenEndpoint(t, mux, nil)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tok, err := ts.(interface {
				tokenContext(context.Context) (*oauth2.Token, error)
			}).tokenContext(context.Background())
			if err != nil || tok.AccessToken != "tok-1" {
				t.Errorf("Token = %v, %v", tok, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if got := e.fetches.Load(); got != 1 {
		t.Errorf("fetches = %d, want 1", got)
	}
}

// A waiter whose context ends does not cancel the fetch for the others, and a fetch that fails lets
// the next caller start a fresh one. (A fetch whose last waiter leaves is cancelled: see
// TestPassTokenSourceCancelledCallerDoesNotPoison.)
func TestTokenCacheFetchOutlivesItsStarter(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var fetches atomic.Int32
	c := newTokenCache(0, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		n := fetches.Add(1)
		if n == 1 {
			select {
			case <-release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return nil, errors.New("endpoint down")
		}
		return &oauth2.Token{AccessToken: fmt.Sprint("tok-", n)}, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	starter := make(chan error, 1)
	go func() { _, err := c.tokenContext(ctx); starter <- err }()
	for fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	other := make(chan tokenResult, 1)
	go func() { tok, err := c.Token(); other <- tokenResult{tok, err} }()
	for waiters := 0; waiters < 2; time.Sleep(time.Millisecond) {
		c.mu.Lock()
		waiters = c.flight.waiters
		c.mu.Unlock()
	}
	cancel()
	if err := within(t, "the cancelled starter", starter); !errors.Is(err, context.Canceled) {
		t.Fatalf("starter: %v", err)
	}
	close(release)
	if r := within(t, "the other waiter", other); r.err == nil || r.err.Error() != "endpoint down" {
		t.Fatalf("other waiter got %v, %v; want the fetch's own error", r.tok, r.err)
	}
	if tok, err := c.Token(); err != nil || tok.AccessToken != "tok-2" {
		t.Fatalf("next caller: %v, %v", tok, err)
	}
}

// flightRunning reports whether a fetch is in progress.
func (c *tokenCache) flightRunning() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flight != nil
}

// fleetStore is an in-memory PassTokenStore and AGSTokenStore: what two replicas would share.
type fleetStore struct {
	mu     sync.Mutex
	pass   map[string]*oauth2.Token
	ags    map[string]Tokens
	leases map[string]chan struct{}
	swaps  atomic.Int32
}

func newFleetStore() *fleetStore {
	return &fleetStore{pass: map[string]*oauth2.Token{}, ags: map[string]Tokens{}, leases: map[string]chan struct{}{}}
}

func (f *fleetStore) lock(ctx context.Context, key string) (context.Context, func(), error) {
	f.mu.Lock()
	ch := f.leases[key]
	if ch == nil {
		ch = make(chan struct{}, 1)
		f.leases[key] = ch
	}
	f.mu.Unlock()
	select {
	case ch <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	held, cancel := context.WithCancel(ctx)
	var once sync.Once
	return held, func() { once.Do(func() { cancel(); <-ch }) }, nil
}

func (f *fleetStore) LoadPassToken(_ context.Context, id string) (*oauth2.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.pass[id]; t != nil {
		return t, nil
	}
	return nil, ErrNoTokens
}

func (f *fleetStore) SavePassToken(_ context.Context, id string, tok *oauth2.Token) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pass[id] = tok
	return nil
}

func (f *fleetStore) LockPassToken(ctx context.Context, id string) (context.Context, func(), error) {
	return f.lock(ctx, "pass:"+id)
}

func (f *fleetStore) LoadTokens(_ context.Context, key string) (Tokens, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.ags[key]
	if !ok {
		return Tokens{}, ErrNoTokens
	}
	return t, nil
}

func (f *fleetStore) CompareAndSwapTokens(_ context.Context, key string, old Secret, next Tokens) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.ags[key]
	if (!ok && old == "") || (ok && cur.RefreshToken == old) {
		f.ags[key] = next
		f.swaps.Add(1)
		return true, nil
	}
	return false, nil
}

func (f *fleetStore) LockTokens(ctx context.Context, key string) (context.Context, func(), error) {
	return f.lock(ctx, "ags:"+key)
}

// Two replicas (clients) sharing a PassTokenStore fetch one token between them; a 401 on one makes
// one refetch that the other then reads.
func TestSharedPassTokenOneFetchPerFleet(t *testing.T) {
	t.Parallel()
	store := newFleetStore()
	reg, mux, base := setup(t)
	e := newStallingTokenEndpoint(t, mux, nil)
	creds := ClientCredentials{ClientID: "id", ClientSecret: "secret-value"}
	var replicas []oauth2.TokenSource
	for range 2 {
		c, err := New(WithPassURL(base), WithDevice(testDevice), WithPassTokenStore(store),
			WithHTTPClient(reg.cfg.httpClient))
		if err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, c.Pass.TokenSource(creds))
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tok, err := replicas[i%2].Token(); err != nil || tok.AccessToken != "tok-1" {
				t.Errorf("replica %d: %v, %v", i%2, tok, err)
			}
		}()
	}
	wg.Wait()
	if n := e.fetches.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1 for both replicas", n)
	}
	// Replica 0 is told tok-1 is dead: it refetches once, and replica 1, told the same, reads tok-2.
	replicas[0].(*passTokenSource).invalidate("tok-1")
	if tok, err := replicas[0].Token(); err != nil || tok.AccessToken != "tok-2" {
		t.Fatalf("after 401: %v, %v", tok, err)
	}
	replicas[1].(*passTokenSource).invalidate("tok-1")
	if tok, err := replicas[1].Token(); err != nil || tok.AccessToken != "tok-2" {
		t.Fatalf("other replica after 401: %v, %v", tok, err)
	}
	if n := e.fetches.Load(); n != 2 {
		t.Errorf("fetches = %d, want 2", n)
	}
	if _, err := New(WithPassTokenStore(nil)); err == nil {
		t.Error("WithPassTokenStore(nil) accepted")
	}
}

// A fetch whose last waiter left is cancelled, but it may take a moment to return (a reply being
// read, a store write in progress). The next caller's fetch waits for it: never two fetches at once
// (two AGS refreshes with one refresh token would kill it), and a token the late fetch got anyway is
// used rather than fetched again.
func TestTokenCacheAbandonedFetchDoesNotOverlapTheNext(t *testing.T) {
	t.Parallel()
	for _, lateToken := range []bool{false, true} {
		t.Run(fmt.Sprint("lateToken=", lateToken), func(t *testing.T) {
			t.Parallel()
			var fetches, inFlight, maxInFlight atomic.Int32
			c := newTokenCache(0, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
				n := fetches.Add(1)
				cur := inFlight.Add(1)
				defer inFlight.Add(-1)
				for m := maxInFlight.Load(); cur > m && !maxInFlight.CompareAndSwap(m, cur); m = maxInFlight.Load() {
				}
				if n == 1 {
					<-ctx.Done()
					time.Sleep(50 * time.Millisecond) // the reply was already on its way
					if lateToken {
						return &oauth2.Token{AccessToken: "late"}, nil
					}
					return nil, ctx.Err()
				}
				return &oauth2.Token{AccessToken: "fresh"}, nil
			})
			ctx, cancel := context.WithCancel(context.Background())
			starter := make(chan error, 1)
			go func() { _, err := c.tokenContext(ctx); starter <- err }()
			for fetches.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
			if err := within(t, "the cancelled starter", starter); !errors.Is(err, context.Canceled) {
				t.Fatalf("starter: %v", err)
			}
			tok, err := c.Token()
			want, wantFetches := "fresh", int32(2)
			if lateToken {
				want, wantFetches = "late", 1
			}
			if err != nil || tok.AccessToken != want {
				t.Fatalf("next caller: %v, %v; want %s", tok, err, want)
			}
			if maxInFlight.Load() != 1 || fetches.Load() != wantFetches {
				t.Errorf("max concurrent fetches = %d, fetches = %d; want 1, %d", maxInFlight.Load(), fetches.Load(), wantFetches)
			}
		})
	}
}

var errStoreDown = errors.New("store down")

// brokenStore is a fleetStore whose operations named in fail return errStoreDown, as a store whose
// Redis is down would.
type brokenStore struct {
	*fleetStore
	fail string // "load", "lock" or "save"
}

func (b *brokenStore) LoadPassToken(ctx context.Context, id string) (*oauth2.Token, error) {
	if b.fail == "load" {
		return nil, errStoreDown
	}
	return b.fleetStore.LoadPassToken(ctx, id)
}

func (b *brokenStore) SavePassToken(ctx context.Context, id string, tok *oauth2.Token) error {
	if b.fail == "save" {
		return errStoreDown
	}
	return b.fleetStore.SavePassToken(ctx, id, tok)
}

func (b *brokenStore) LockPassToken(ctx context.Context, id string) (context.Context, func(), error) {
	if b.fail == "lock" {
		return nil, nil, errStoreDown
	}
	return b.fleetStore.LockPassToken(ctx, id)
}

func (b *brokenStore) LoadTokens(ctx context.Context, key string) (Tokens, error) {
	if b.fail == "load" {
		return Tokens{}, errStoreDown
	}
	return b.fleetStore.LoadTokens(ctx, key)
}

func (b *brokenStore) CompareAndSwapTokens(ctx context.Context, key string, old Secret, next Tokens) (bool, error) {
	if b.fail == "save" {
		return false, errStoreDown
	}
	return b.fleetStore.CompareAndSwapTokens(ctx, key, old, next)
}

func (b *brokenStore) LockTokens(ctx context.Context, key string) (context.Context, func(), error) {
	if b.fail == "lock" {
		return nil, nil, errStoreDown
	}
	return b.fleetStore.LockTokens(ctx, key)
}

// A shared store that cannot be read or locked fails the call with its error and fetches nothing (an
// unreadable store is not an empty one); one that cannot save still hands out the token it fetched,
// once, and keeps it.
func TestSharedTokenSourcesWithTheStoreDown(t *testing.T) {
	t.Parallel()
	for _, fail := range []string{"load", "lock", "save"} {
		t.Run("pass/"+fail, func(t *testing.T) {
			t.Parallel()
			reg, mux, base := setup(t)
			e := newStallingTokenEndpoint(t, mux, nil)
			c, err := New(WithPassURL(base), WithDevice(testDevice), WithHTTPClient(reg.cfg.httpClient),
				WithPassTokenStore(&brokenStore{newFleetStore(), fail}))
			if err != nil {
				t.Fatal(err)
			}
			ts := c.Pass.TokenSource(ClientCredentials{ClientID: "id", ClientSecret: "secret-value"})
			for range 2 {
				tok, err := ts.Token()
				if fail == "save" {
					if err != nil || tok.AccessToken != "tok-1" {
						t.Fatalf("Token = %v, %v; want tok-1", tok, err)
					}
				} else if !errors.Is(err, errStoreDown) {
					t.Fatalf("Token = %v, %v; want the store's error", tok, err)
				}
			}
			want := int32(0)
			if fail == "save" {
				want = 1
			}
			if n := e.fetches.Load(); n != want {
				t.Errorf("token fetches = %d, want %d", n, want)
			}
		})
		t.Run("ags/"+fail, func(t *testing.T) {
			t.Parallel()
			c, mux := agsSetup(t)
			srv := &agsRefreshServer{}
			srv.register(t, mux)
			store := &brokenStore{fleetStore: newFleetStore()}
			seed := Tokens{AccessToken: "at-0", RefreshToken: "rt-0", ExpiresIn: time.Hour,
				ReceivedAt: time.Now().Add(-2 * time.Hour)}
			if ok, err := store.CompareAndSwapTokens(context.Background(), "u", "", seed); !ok || err != nil {
				t.Fatal("seed", err)
			}
			store.fail = fail
			var refreshed atomic.Int32
			ts := c.AGS.SharedTokenSource(store, "u", SignOnRequest{}, func(Tokens) { refreshed.Add(1) })
			for range 2 {
				tok, err := ts.Token()
				if fail == "save" {
					if err != nil || tok.AccessToken != "at-1" {
						t.Fatalf("Token = %v, %v; want at-1", tok, err)
					}
				} else if !errors.Is(err, errStoreDown) {
					t.Fatalf("Token = %v, %v; want the store's error", tok, err)
				}
			}
			want := int32(0)
			if fail == "save" {
				want = 1
				if rt := ts.Tokens().RefreshToken; rt != "rt-1" {
					t.Errorf("refresh token = %q, want rt-1", rt)
				}
			}
			if n := srv.hits.Load(); n != want {
				t.Errorf("refreshes = %d, want %d", n, want)
			}
			if n := refreshed.Load(); n != want {
				t.Errorf("onRefresh calls = %d, want %d", n, want)
			}
		})
	}
}
