package tvauth

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// WithPassCredentialStore on a store that cannot be read fails each call with the store's error and
// sends nothing: no registration (the server's catch-all handler fails the test on any request), no
// token fetch, no Pass call. The next call asks the store again.
func TestPassCredentialStoreDownNoRegistration(t *testing.T) {
	t.Parallel()
	_, _, base := setup(t)
	store := &downCredentialStore{}
	c, err := New(WithPassURL(base), WithDevice(testDevice), WithRetry(fastRetry),
		WithPassCredentialStore(store, "software-statement"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.Pass.Configuration(context.Background(), "sp"); !errors.Is(err, errStoreDown) {
			t.Fatalf("Configuration with the store down: %v, want the store's error", err)
		}
	}
	if n := store.loads.Load(); n != 2 {
		t.Errorf("store loads = %d, want 2 (one per call)", n)
	}
}

// Through WithPassCredentialStore: the first call fails with the store's error, the next one saves
// the credentials registered the first time and fetches its token with them; one registration.
func TestPassCredentialStoreRetriesFailedSave(t *testing.T) {
	t.Parallel()
	_, mux, base := setup(t)
	registrations, tokens := registrationServer(t, mux)
	var (
		mu     sync.Mutex
		bearer []string
	)
	mux.HandleFunc("GET /api/v2/{sp}/configuration", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		bearer = append(bearer, r.Header.Get("Authorization"))
		mu.Unlock()
		reply(w, http.StatusOK, passFixture(t, "configuration.json"))
	})
	flaky := &flakySaveStore{mem: NewMemoryCredentialStore(), failures: 1}
	c, err := New(WithPassURL(base), WithDevice(testDevice), WithRetry(fastRetry),
		WithPassCredentialStore(lockingFlakySaveStore{flaky}, testSoftwareStatement))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Pass.Configuration(ctx, "REF30"); !errors.Is(err, errSaveRefused) || strings.Contains(err.Error(), "secret-number-1") {
		t.Fatalf("first call: %v, want the store's error without the secret", err)
	}
	if _, err := c.Pass.Configuration(ctx, "REF30"); err != nil {
		t.Fatalf("second call: %v", err)
	}
	if registrations.Load() != 1 || tokens.Load() != 1 {
		t.Errorf("registrations %d, token fetches %d; want 1 and 1", registrations.Load(), tokens.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bearer) != 1 || bearer[0] != "Bearer token-of-client-1" {
		t.Errorf("Authorization = %q, want the token of client-1", bearer)
	}
	if stored, err := flaky.mem.Load(ctx); err != nil || stored.ClientID != "client-1" {
		t.Errorf("stored %v, %v; want client-1", stored, err)
	}
}

// Waiting for a lease has its own budget: a holder that never lets go fails the call after
// WithLeaseWaitTimeout, saying so, with nothing sent; and a crashed holder's lease, longer than the
// token fetch timeout, costs the waiter that lease, not its call (the fetch's budget starts with the
// lease).
func TestLeaseWaitBudget(t *testing.T) {
	t.Parallel()
	t.Run("held", func(t *testing.T) {
		t.Parallel()
		c, _, _ := setup(t, WithLeaseWaitTimeout(100*time.Millisecond))
		store := NewMemoryCredentialStore()
		_, release, err := store.LockCredentials(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		_, err = c.Pass.LoadOrRegister(context.Background(), store, testSoftwareStatement)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no registration lease after 100ms") {
			t.Errorf("LoadOrRegister = %v, want the lease wait's end", err)
		}
	})
	t.Run("crashed holder", func(t *testing.T) {
		t.Parallel()
		const fetch, lease = time.Second, 3 * time.Second
		_, mux, base := setup(t)
		registrations, tokens := registrationServer(t, mux)
		mux.HandleFunc("GET /api/v2/{sp}/configuration", func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusOK, passFixture(t, "configuration.json"))
		})
		path := filepath.Join(t.TempDir(), "creds.json")
		if crashed, err := acquireExcl(path+".lock", lease); err != nil || crashed == nil { // never renewed nor released
			t.Fatal(crashed, err)
		}
		store := &FileCredentialStore{path: path, tryLock: tryLockExcl, lease: lease}
		c, err := New(WithPassURL(base), WithDevice(testDevice), WithRetry(fastRetry), WithTokenFetchTimeout(fetch),
			WithPassCredentialStore(store, testSoftwareStatement))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := c.Pass.Configuration(context.Background(), "REF30"); err != nil {
			t.Fatalf("the call failed behind a crashed holder: %v", err)
		}
		if waited := time.Since(start); waited < lease-time.Second {
			t.Errorf("the call went on after %v, before the crashed holder's lease (%v) ran out", waited, lease)
		}
		if registrations.Load() != 1 || tokens.Load() != 1 {
			t.Errorf("registrations %d, token fetches %d; want 1 and 1", registrations.Load(), tokens.Load())
		}
	})
}

// WithPassCredentialStore keeps the store and the client in step: a store that lost its data gets
// the client's credentials back at the next token fetch (or a call's store check) with no new
// registration; a store that holds another client (a split healed elsewhere) is followed, and the
// logger says so.
func TestPassCredentialStoreHealsAndFollows(t *testing.T) {
	t.Parallel()
	logged, logger := warnLog()
	_, mux, base := setup(t)
	registrations, tokens := registrationServer(t, mux)
	var (
		mu       sync.Mutex
		bearer   []string
		reject   bool // the next call gets a 401: the client fetches a new token
		rejected int
	)
	mux.HandleFunc("GET /api/v2/{sp}/configuration", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if reject {
			reject = false
			rejected++
			reply(w, http.StatusUnauthorized, []byte(`{"error":"invalid_token"}`))
			return
		}
		bearer = append(bearer, r.Header.Get("Authorization"))
		reply(w, http.StatusOK, passFixture(t, "configuration.json"))
	})
	store := NewMemoryCredentialStore()
	c, err := New(WithPassURL(base), WithDevice(testDevice), WithRetry(fastRetry), logger,
		WithPassCredentialStore(store, testSoftwareStatement))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	call := func(step string, rejectFirst bool, wantBearer string) {
		t.Helper()
		mu.Lock()
		reject = rejectFirst
		mu.Unlock()
		if _, err := c.Pass.Configuration(ctx, "REF30"); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		mu.Lock()
		defer mu.Unlock()
		if got := bearer[len(bearer)-1]; got != wantBearer {
			t.Errorf("%s: Authorization %q, want %q", step, got, wantBearer)
		}
	}
	empty := func() {
		store.mu.Lock()
		store.creds.Store(nil)
		store.mu.Unlock()
	}
	call("first call", false, "Bearer token-of-client-1")
	empty()
	call("after the store lost its data", true, "Bearer token-of-client-1")
	if stored, err := store.Load(ctx); err != nil || stored.ClientID != "client-1" {
		t.Errorf("stored %v, %v; want client-1 written back", stored, err)
	}
	empty()
	if err := store.Save(ctx, ClientCredentials{ClientID: "client-9", ClientSecret: "secret-number-9"}); err != nil {
		t.Fatal(err)
	}
	call("after another client was stored", true, "Bearer token-of-client-9")
	if registrations.Load() != 1 || tokens.Load() != 3 {
		t.Errorf("registrations %d, token fetches %d; want 1 and 3", registrations.Load(), tokens.Load())
	}
	if log := logged.String(); !strings.Contains(log, "stored_client_id=client-9") || !strings.Contains(log, "unused_client_id=client-1") {
		t.Errorf("following the store is not logged: %q", log)
	}

	// Between token fetches a call reads the store at most every checkEvery: here at every call.
	s, err := New(WithPassURL(base), WithDevice(testDevice), WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	other := NewMemoryCredentialStore()
	ts := s.Pass.storeTokenSource(&passStoreConfig{store: other, statement: testSoftwareStatement}).(*passStoreTokenSource)
	if _, err := ts.tokenContext(ctx); err != nil {
		t.Fatal(err)
	}
	other.mu.Lock()
	other.creds.Store(nil)
	other.mu.Unlock()
	fetched := tokens.Load()
	if _, err := ts.tokenContext(ctx); err != nil {
		t.Fatal(err)
	}
	if stored, err := other.Load(ctx); err != nil || stored.ClientID != "client-2" || tokens.Load() != fetched {
		t.Errorf("after a call: stored %v, %v, %d more token fetches; want client-2 written back by the call alone",
			stored, err, tokens.Load()-fetched)
	}
}

// downCredentialStore cannot be read: a store whose backend is down.
type downCredentialStore struct{ loads atomic.Int32 }

func (d *downCredentialStore) Load(context.Context) (ClientCredentials, error) {
	d.loads.Add(1)
	return ClientCredentials{}, errStoreDown
}

func (d *downCredentialStore) Save(context.Context, ClientCredentials) error { return errStoreDown }
