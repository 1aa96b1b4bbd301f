package tvauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var storedCreds = ClientCredentials{ClientID: "s6BhdRkqt3", ClientSecret: "t7AkePiru4", IssuedAt: time.Unix(1723227212, 0).UTC(),
	RedirectURIs: []string{"app://com.programmer.adobe#sdasdsadas"}, GrantTypes: []string{"client_credentials"},
	Scopes: []string{"api:client:v2"}}

func TestCredentialStoreImplementations(t *testing.T) {
	t.Parallel()
	// Every field is set, so that one a store drops (recordOf, credentials) fails the round trip.
	for v, i := reflect.ValueOf(storedCreds), 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Fatalf("storedCreds.%s is not set", v.Type().Field(i).Name)
		}
	}
	stores := map[string]func(t *testing.T) CredentialStore{
		"memory": func(t *testing.T) CredentialStore { return NewMemoryCredentialStore() },
		"file": func(t *testing.T) CredentialStore {
			return NewFileCredentialStore(filepath.Join(t.TempDir(), "creds.json"))
		},
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := newStore(t)
			if _, err := s.Load(ctx); !errors.Is(err, ErrNoCredentials) {
				t.Fatalf("empty store: %v, want ErrNoCredentials", err)
			}
			if err := s.Save(ctx, storedCreds); err != nil {
				t.Fatal(err)
			}
			got, err := s.Load(ctx)
			if err != nil || !reflect.DeepEqual(got, storedCreds) {
				t.Fatalf("Load = %#v, %v\nwant %#v", got, err, storedCreds)
			}
			// Write-once: saving the same credentials again is fine, other ones are refused and the
			// stored ones stay; the caller's slices are not shared with the store.
			same := storedCreds
			same.Scopes = []string{"api:client:v2"}
			if err := s.Save(ctx, same); err != nil {
				t.Errorf("saving the stored credentials again: %v", err)
			}
			same.Scopes[0] = "mutated"
			next := storedCreds
			next.ClientID, next.ClientSecret = "other-client", "rotated-secret"
			if err := s.Save(ctx, next); !errors.Is(err, ErrCredentialsExist) || !strings.Contains(err.Error(), storedCreds.ClientID) ||
				strings.Contains(err.Error(), string(storedCreds.ClientSecret)) {
				t.Errorf("saving other credentials: %v, want ErrCredentialsExist naming the stored client", err)
			}
			got, _ = s.Load(ctx)
			if !reflect.DeepEqual(got, storedCreds) {
				t.Errorf("after the refused save: %#v", got)
			}
			if err := s.Save(ctx, ClientCredentials{ClientID: "only-id"}); !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("incomplete credentials saved: %v", err)
			}
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := s.Load(cancelled); !errors.Is(err, context.Canceled) {
				t.Errorf("Load with a cancelled context: %v", err)
			}
		})
	}
}

func TestCredentialStoreFileModeAndAtomicity(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "creds.json")
	s := NewFileCredentialStore(path)
	if s.Path() != path {
		t.Errorf("Path = %q", s.Path())
	}
	if err := s.Save(context.Background(), storedCreds); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && after.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", after.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries (temporary files left behind?)", len(entries))
	}

	// Concurrent saves of different credentials on an empty path: exactly one is stored, the others
	// get ErrCredentialsExist, and loads meanwhile see no file or a whole one, never a torn one.
	path = filepath.Join(dir, "raced.json")
	s = NewFileCredentialStore(path)
	var wg sync.WaitGroup
	var won atomic.Int32
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			c := storedCreds
			c.ClientID, c.ClientSecret = fmt.Sprintf("client-%d", i), Secret(strings.Repeat("s", 1000+i))
			switch err := s.Save(context.Background(), c); {
			case err == nil:
				won.Add(1)
			case !errors.Is(err, ErrCredentialsExist):
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			c, err := NewFileCredentialStore(path).Load(context.Background())
			if errors.Is(err, ErrNoCredentials) {
				return
			}
			if err != nil || len(c.ClientSecret) < 1000 || strings.Trim(string(c.ClientSecret), "s") != "" {
				t.Errorf("load during saves: %v (secret of %d bytes)", err, len(c.ClientSecret))
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Errorf("%d saves stored their credentials, want exactly 1", won.Load())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("directory holds %d entries, want the 2 credentials files", len(entries))
	}
}

func TestCredentialStoreFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A malformed file is an error but not ErrNoCredentials (that would trigger a re-registration),
	// and its contents (the secret) are not quoted.
	for name, body := range map[string]string{
		"torn.json":       `{"client_id":"s6BhdRkqt3","client_secret":"t7AkePiru4`,
		"wrong-type.json": `{"client_id":"s6BhdRkqt3","client_secret":["t7AkePiru4"]}`,
		"no-secret.json":  `{"client_id":"s6BhdRkqt3"}`,
	} {
		_, err := NewFileCredentialStore(write(name, body)).Load(ctx)
		if err == nil || errors.Is(err, ErrNoCredentials) || strings.Contains(err.Error(), "t7AkePiru4") {
			t.Errorf("%s: error %v", name, err)
		}
	}
	if err := NewFileCredentialStore(filepath.Join(dir, "missing-dir", "creds.json")).Save(ctx, storedCreds); err == nil {
		t.Error("save into a missing directory succeeded")
	}
	_, err := NewFileCredentialStore("").Load(ctx)
	asValidation(t, err, "path")
	if err := NewFileCredentialStore("").Save(ctx, storedCreds); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("empty path: %v", err)
	}
}

// Concurrent LoadOrRegister on an empty store registers once: the memory store across goroutines,
// the file store across independent store values (each its own file descriptor, as separate
// processes would have), with this platform's lock and with the lock of platforms without flock.
func TestLoadOrRegisterExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"memory", "file", "file-excl"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			var registrations atomic.Int32
			body := passFixture(t, "dcr_register_created.json")
			mux.HandleFunc("/o/client/register", func(w http.ResponseWriter, r *http.Request) {
				registrations.Add(1)
				time.Sleep(20 * time.Millisecond) // let the others pile up
				reply(w, http.StatusCreated, body)
			})
			mem := NewMemoryCredentialStore()
			path := filepath.Join(t.TempDir(), "creds.json")
			var wg sync.WaitGroup
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var store CredentialStore = mem
					switch name {
					case "file":
						store = NewFileCredentialStore(path)
					case "file-excl":
						store = &FileCredentialStore{path: path, tryLock: tryLockExcl}
					}
					creds, err := c.Pass.LoadOrRegister(context.Background(), store, testSoftwareStatement)
					if err != nil || creds.ClientID != "s6BhdRkqt3" || creds.ClientSecret != "t7AkePiru4" {
						t.Errorf("LoadOrRegister = %v, %v", creds, err)
					}
				}()
			}
			wg.Wait()
			if n := registrations.Load(); n != 1 {
				t.Errorf("registrations = %d, want 1", n)
			}
		})
	}
}

// Waiting for the registration lease ends with the caller's context; releasing twice is harmless.
func TestCredentialLockerHonoursContext(t *testing.T) {
	t.Parallel()
	for name, store := range map[string]CredentialLocker{
		"memory":    NewMemoryCredentialStore(),
		"file":      NewFileCredentialStore(filepath.Join(t.TempDir(), "creds.json")),
		"file-excl": &FileCredentialStore{path: filepath.Join(t.TempDir(), "creds.json"), tryLock: tryLockExcl},
		"zero":      &MemoryCredentialStore{},
	} {
		held, release, err := store.LockCredentials(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		if _, _, err := store.LockCredentials(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: second holder got %v, want DeadlineExceeded", name, err)
		}
		cancel()
		if held.Err() != nil {
			t.Errorf("%s: the lease ended before its release: %v", name, context.Cause(held))
		}
		release()
		release()
		if held.Err() == nil {
			t.Errorf("%s: the lease's context lives on after the release", name)
		}
		_, again, err := store.LockCredentials(context.Background())
		if err != nil {
			t.Fatalf("%s: after release: %v", name, err)
		}
		again()
	}
}

// The file holds the secret in clear whatever the public type's JSON does: the store writes its own
// record.
func TestFileCredentialStoreWritesItsOwnRecord(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "creds.json")
	store := NewFileCredentialStore(path)
	if err := store.Save(context.Background(), storedCreds); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"client_id": "s6BhdRkqt3"`, `"client_secret": "t7AkePiru4"`, `"issued_at": "2024-08-09T18:13:32Z"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("file lacks %s:\n%s", want, b)
		}
	}
}

// A zero MemoryCredentialStore is usable from many goroutines at once: the first lease is made
// without a data race, and the lease excludes.
func TestZeroMemoryCredentialStoreConcurrentLock(t *testing.T) {
	t.Parallel()
	var store MemoryCredentialStore
	var holders, maxHolders atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, release, err := store.LockCredentials(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			n := holders.Add(1)
			for m := maxHolders.Load(); n > m && !maxHolders.CompareAndSwap(m, n); m = maxHolders.Load() {
			}
			time.Sleep(time.Millisecond)
			holders.Add(-1)
			release()
		}()
	}
	wg.Wait()
	if maxHolders.Load() != 1 {
		t.Errorf("max concurrent lease holders = %d, want 1", maxHolders.Load())
	}
}

// errSaveRefused is what flakySaveStore's failing Save wraps.
var errSaveRefused = errors.New("store refused the write")

// storeWriteError is a typed store error, reachable with errors.As. Its text quotes what it failed to
// write, secret included, as a careless store might.
type storeWriteError struct{ secret string }

func (e *storeWriteError) Error() string {
	return fmt.Sprintf("writing client_secret=%s: %v", e.secret, errSaveRefused)
}

func (e *storeWriteError) Unwrap() error { return errSaveRefused }

// flakySaveStore fails its first failures saves, then saves into the memory store it wraps; it
// records every save it is asked for. With locker false it hides the memory store's lease.
type flakySaveStore struct {
	mem      *MemoryCredentialStore
	failures int

	mu    sync.Mutex
	saves []ClientCredentials
}

func (f *flakySaveStore) Load(ctx context.Context) (ClientCredentials, error) { return f.mem.Load(ctx) }

func (f *flakySaveStore) Save(ctx context.Context, c ClientCredentials) error {
	f.mu.Lock()
	f.saves = append(f.saves, c)
	fail := len(f.saves) <= f.failures
	f.mu.Unlock()
	if fail {
		return &storeWriteError{secret: string(c.ClientSecret)}
	}
	return f.mem.Save(ctx, c)
}

type lockingFlakySaveStore struct{ *flakySaveStore }

func (l lockingFlakySaveStore) LockCredentials(ctx context.Context) (context.Context, func(), error) {
	return l.mem.LockCredentials(ctx)
}

// registrationServer answers every registration with new credentials (client-1/secret-number-1,
// client-2/…) and every token request with a token named after the client, and counts both.
func registrationServer(t *testing.T, mux *http.ServeMux) (registrations, tokens *atomic.Int32) {
	registrations, tokens = new(atomic.Int32), new(atomic.Int32)
	mux.HandleFunc("POST /o/client/register", func(w http.ResponseWriter, r *http.Request) {
		n := registrations.Add(1)
		reply(w, http.StatusCreated, fmt.Appendf(nil, `{"client_id":"client-%d","client_secret":"secret-number-%d",`+
			`"grant_types":["client_credentials"],"scopes":["api:client:v2"],"client_id_issued_at":1723227212}`, n, n))
	})
	mux.HandleFunc("POST /o/client/token", func(w http.ResponseWriter, r *http.Request) {
		tokens.Add(1)
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		reply(w, http.StatusCreated, fmt.Appendf(nil, `{"access_token":"token-of-%s","expires_in":3600,"token_type":"bearer"}`,
			r.PostForm.Get("client_id")))
	})
	return registrations, tokens
}

// A save that fails after a registration: the first call returns the store's error (errors.Is reaches
// it; errors.As does not reach the store's error value, whose text quotes the client secret, and
// neither that secret nor the software statement is in the text); the next call saves the
// credentials registered the first time, with no second registration on the wire.
func TestLoadOrRegisterRetriesFailedSave(t *testing.T) {
	t.Parallel()
	for _, locker := range []bool{true, false} {
		t.Run(fmt.Sprintf("locker=%v", locker), func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			registrations, _ := registrationServer(t, mux)
			flaky := &flakySaveStore{mem: NewMemoryCredentialStore(), failures: 1}
			var store CredentialStore = flaky
			if locker {
				store = lockingFlakySaveStore{flaky}
			}
			ctx := context.Background()

			_, err := c.Pass.LoadOrRegister(ctx, store, testSoftwareStatement)
			var typed *storeWriteError
			if !errors.Is(err, errSaveRefused) {
				t.Fatalf("first call: %v, want the store's error", err)
			}
			if errors.As(err, &typed) {
				t.Errorf("errors.As reaches the store's error, whose text holds the client secret: %q", typed.Error())
			}
			for _, secret := range []string{"secret-number-1", testSoftwareStatement} {
				if strings.Contains(err.Error(), secret) || strings.Contains(fmtAll(err), secret) {
					t.Errorf("error text holds a secret: %q", err)
				}
			}
			if !strings.Contains(err.Error(), "saving registered client credentials") {
				t.Errorf("error text %q does not say what failed", err)
			}

			creds, err := c.Pass.LoadOrRegister(ctx, store, testSoftwareStatement)
			if err != nil || creds.ClientID != "client-1" || creds.ClientSecret != "secret-number-1" {
				t.Fatalf("second call = %v, %v; want client-1", creds, err)
			}
			if n := registrations.Load(); n != 1 {
				t.Errorf("registrations = %d, want 1", n)
			}
			if len(flaky.saves) != 2 || !reflect.DeepEqual(flaky.saves[0], flaky.saves[1]) {
				t.Errorf("saves = %v, want the first registration twice", flaky.saves)
			}
			if stored, err := flaky.mem.Load(ctx); err != nil || stored.ClientID != "client-1" || stored.ClientSecret != "secret-number-1" {
				t.Errorf("stored %v, %v; want client-1", stored, err)
			}

			// A store emptied later (it lost its data) gets them back, write-once, with no new
			// registration.
			flaky.mem.mu.Lock()
			flaky.mem.creds.Store(nil)
			flaky.mem.mu.Unlock()
			if creds, err := c.Pass.LoadOrRegister(ctx, store, testSoftwareStatement); err != nil || creds.ClientID != "client-1" {
				t.Errorf("after the store was emptied: %v, %v; want client-1 written back", creds, err)
			}
			if stored, err := flaky.mem.Load(ctx); err != nil || stored.ClientID != "client-1" || registrations.Load() != 1 {
				t.Errorf("stored %v, %v after %d registrations; want client-1 written back, 1 registration", stored, err, registrations.Load())
			}
		})
	}
}

// What a client keeps is its own and the store's: another client, another store or another software
// statement registers anew; credentials another replica saved meanwhile win over the kept ones.
func TestLoadOrRegisterKeptCredentialsScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, mux, base := setup(t)
	registrations, _ := registrationServer(t, mux)
	failing := &flakySaveStore{mem: NewMemoryCredentialStore(), failures: 1}
	if _, err := c.Pass.LoadOrRegister(ctx, failing, testSoftwareStatement); !errors.Is(err, errSaveRefused) {
		t.Fatalf("first call: %v", err)
	}

	other, err := New(WithPassURL(base), WithDevice(testDevice), WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	if creds, err := other.Pass.LoadOrRegister(ctx, failing, testSoftwareStatement); err != nil || creds.ClientID != "client-2" {
		t.Errorf("another client: %v, %v; want its own registration client-2", creds, err)
	}
	failing.mem.mu.Lock()
	failing.mem.creds.Store(nil)
	failing.mem.mu.Unlock()
	if creds, err := c.Pass.LoadOrRegister(ctx, NewMemoryCredentialStore(), testSoftwareStatement); err != nil || creds.ClientID != "client-3" {
		t.Errorf("another store: %v, %v; want client-3", creds, err)
	}
	if creds, err := c.Pass.LoadOrRegister(ctx, failing, testSoftwareStatement+"x"); err != nil || creds.ClientID != "client-4" {
		t.Errorf("another statement: %v, %v; want client-4", creds, err)
	}
	// The store now holds client-4 (saved by the call above): the kept client-1 is dropped.
	if creds, err := c.Pass.LoadOrRegister(ctx, failing, testSoftwareStatement); err != nil || creds.ClientID != "client-4" {
		t.Errorf("store filled meanwhile: %v, %v; want the stored client-4", creds, err)
	}
	failing.mem.mu.Lock()
	failing.mem.creds.Store(nil)
	failing.mem.mu.Unlock()
	if creds, err := c.Pass.LoadOrRegister(ctx, failing, testSoftwareStatement); err != nil || creds.ClientID != "client-4" {
		t.Errorf("after the store was emptied: %v, %v; want client-4 written back (the last this client loaded)", creds, err)
	}
	if n := registrations.Load(); n != 4 {
		t.Errorf("registrations = %d, want 4", n)
	}
	if s := fmtAll(c); strings.Contains(s, "secret-number") || strings.Contains(s, testSoftwareStatement) {
		t.Errorf("the client prints a kept secret: %s", s)
	}
}

// uncomparableStore is a store type that cannot be a map key (== on it panics).
type uncomparableStore struct {
	*flakySaveStore
	tags []string
}

// A store whose type cannot be compared keeps nothing: no panic, the error says nothing is kept, and
// the next call registers again (the behaviour before credentials were kept).
func TestLoadOrRegisterUncomparableStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, mux, _ := setup(t)
	registrations, _ := registrationServer(t, mux)
	store := uncomparableStore{&flakySaveStore{mem: NewMemoryCredentialStore(), failures: 1}, []string{"x"}}
	_, err := c.Pass.LoadOrRegister(ctx, store, testSoftwareStatement)
	if !errors.Is(err, errSaveRefused) || strings.Contains(err.Error(), "kept") {
		t.Fatalf("first call: %v", err)
	}
	if creds, err := c.Pass.LoadOrRegister(ctx, store, testSoftwareStatement); err != nil || creds.ClientID != "client-2" {
		t.Errorf("second call: %v, %v; want client-2", creds, err)
	}
	if n := registrations.Load(); n != 2 {
		t.Errorf("registrations = %d, want 2", n)
	}
}

// writeOnceStores are the SDK's stores, each made fresh, with its lease visible or not.
func writeOnceStores(t *testing.T) map[string]CredentialStore {
	dir := t.TempDir()
	return map[string]CredentialStore{
		"memory":    NewMemoryCredentialStore(),
		"file":      NewFileCredentialStore(filepath.Join(dir, "a.json")),
		"file-excl": &FileCredentialStore{path: filepath.Join(dir, "b.json"), tryLock: tryLockExcl},
	}
}

// warnLog is a logger that keeps its Warn lines.
func warnLog() (*strings.Builder, Option) {
	var mu sync.Mutex
	b := &strings.Builder{}
	return b, WithLogger(slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return b.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelWarn})))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// A late registrant (its lease lapsed while it registered, and a successor stored its client
// meanwhile) does not replace the stored credentials: it adopts them, and its logger says so, naming
// the client it leaves unused. Every SDK store is write-once.
func TestLoadOrRegisterLateRegistrantAdopts(t *testing.T) {
	t.Parallel()
	for name, store := range writeOnceStores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			logged, logger := warnLog()
			c, mux, _ := setup(t, logger)
			successor := ClientCredentials{ClientID: "client-0", ClientSecret: "secret-number-0"}
			var registrations atomic.Int32
			mux.HandleFunc("POST /o/client/register", func(w http.ResponseWriter, r *http.Request) {
				registrations.Add(1)
				// While this registration runs, the successor stores its own client.
				if err := store.Save(context.Background(), successor); err != nil {
					t.Error(err)
				}
				reply(w, http.StatusCreated, []byte(`{"client_id":"client-1","client_secret":"secret-number-1"}`))
			})
			// The lease is hidden: a holder whose lease lapsed is a holder without one.
			creds, err := c.Pass.LoadOrRegister(context.Background(), struct{ CredentialStore }{store}, testSoftwareStatement)
			if err != nil || creds.ClientID != "client-0" {
				t.Fatalf("LoadOrRegister = %v, %v; want the stored client-0", creds, err)
			}
			if stored, err := store.Load(context.Background()); err != nil || stored.ClientID != "client-0" {
				t.Errorf("stored %v, %v; want client-0 kept", stored, err)
			}
			if log := logged.String(); !strings.Contains(log, "stored_client_id=client-0") ||
				!strings.Contains(log, "unused_client_id=client-1") || strings.Contains(log, "secret-number") {
				t.Errorf("the adoption is not logged as it should be: %q", log)
			}
			if registrations.Load() != 1 {
				t.Errorf("registrations = %d, want 1", registrations.Load())
			}
		})
	}
}

// heldLocker is a CredentialLocker whose one lease the test ends itself, as a lapse would.
type heldLocker struct {
	*MemoryCredentialStore
	lost func(error)
}

func (h *heldLocker) LockCredentials(ctx context.Context) (context.Context, func(), error) {
	held, cancel := context.WithCancelCause(ctx)
	h.lost = cancel
	return held, func() { cancel(context.Canceled) }, nil
}

// A registration whose lease is lost while it runs is cancelled: LoadOrRegister says that the lease
// ran out, or, when someone stored credentials meanwhile, returns those.
func TestLoadOrRegisterLeaseLost(t *testing.T) {
	t.Parallel()
	for _, successor := range []bool{false, true} {
		t.Run(fmt.Sprintf("successor=%v", successor), func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			store := &heldLocker{MemoryCredentialStore: NewMemoryCredentialStore()}
			mux.HandleFunc("POST /o/client/register", func(w http.ResponseWriter, r *http.Request) {
				if successor {
					_ = store.MemoryCredentialStore.Save(context.Background(), ClientCredentials{ClientID: "client-0", ClientSecret: "s0"})
				}
				store.lost(ErrLeaseLost)
				_, _ = io.Copy(io.Discard, r.Body) // from then on the server sees the client go
				<-r.Context().Done()               // the client gives up
			})
			creds, err := c.Pass.LoadOrRegister(context.Background(), store, testSoftwareStatement)
			switch {
			case successor && (err != nil || creds.ClientID != "client-0"):
				t.Errorf("LoadOrRegister = %v, %v; want the successor's client-0", creds, err)
			case !successor && (err == nil || !strings.Contains(err.Error(), "registration lease ran out")):
				t.Errorf("LoadOrRegister = %v, %v; want the lease's end reported", creds, err)
			}
		})
	}
}

// A credentials file its group or others may access is refused, with its mode in the error (never
// taken for an empty store: nothing is registered), unless the caller allows it.
func TestFileCredentialStoreMode(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix modes")
	}
	dir := t.TempDir()
	ctx := context.Background()
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o600, 0o400} {
		path := filepath.Join(dir, fmt.Sprintf("creds-%o.json", mode))
		if err := NewFileCredentialStore(path).Save(ctx, storedCreds); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := NewFileCredentialStore(path).Load(ctx)
		open := mode&0o077 != 0
		if open != errors.Is(err, ErrFileModeTooOpen) || (open && !strings.Contains(err.Error(), fmt.Sprintf("mode %04o", mode))) {
			t.Errorf("mode %04o: Load = %v", mode, err)
		}
		if got, err := NewFileCredentialStore(path, AllowGroupOrOtherAccess()).Load(ctx); err != nil || got.ClientID != storedCreds.ClientID {
			t.Errorf("mode %04o allowed: Load = %v, %v", mode, got, err)
		}
	}
	c, _, _ := setup(t) // any request fails the test
	if _, err := c.Pass.LoadOrRegister(ctx, NewFileCredentialStore(filepath.Join(dir, "creds-644.json")), testSoftwareStatement); !errors.Is(err, ErrFileModeTooOpen) {
		t.Errorf("LoadOrRegister on a 0644 file: %v", err)
	}
}

// Symbolic links: a credentials path that links to a file is read through and never replaced (the
// link stays a link, its target keeps its credentials); one that links to nothing is an error, not an
// empty store; a lock file that is a link is never opened through it.
func TestFileCredentialStoreSymlinks(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	ctx := context.Background()
	target := filepath.Join(dir, "target.json")
	if err := NewFileCredentialStore(target).Save(ctx, storedCreds); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	s := NewFileCredentialStore(link)
	if got, err := s.Load(ctx); err != nil || got.ClientID != storedCreds.ClientID {
		t.Errorf("Load through the link: %v, %v", got, err)
	}
	if err := s.Save(ctx, storedCreds); err != nil {
		t.Errorf("saving the linked credentials again: %v", err)
	}
	other := storedCreds
	other.ClientID, other.ClientSecret = "other", "other-secret"
	if err := s.Save(ctx, other); !errors.Is(err, ErrCredentialsExist) {
		t.Errorf("saving other credentials through the link: %v", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", fi.Mode(), err)
	}
	if got, _ := NewFileCredentialStore(target).Load(ctx); got.ClientID != storedCreds.ClientID {
		t.Errorf("the target now holds %q", got.ClientID)
	}

	dangling := filepath.Join(dir, "dangling.json")
	if err := os.Symlink(filepath.Join(dir, "nowhere.json"), dangling); err != nil {
		t.Fatal(err)
	}
	c, _, _ := setup(t) // any request fails the test
	if _, err := c.Pass.LoadOrRegister(ctx, NewFileCredentialStore(dangling), testSoftwareStatement); err == nil ||
		errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), "symbolic link to a missing file") {
		t.Errorf("LoadOrRegister through a dangling link: %v", err)
	}
	if err := NewFileCredentialStore(dangling).Save(ctx, storedCreds); err == nil {
		t.Error("Save wrote through a dangling link")
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file was created at the dangling link's target: %v", err)
	}

	// The lock file: a link planted at <path>.lock is not followed (where the system has O_NOFOLLOW).
	if oNoFollow == 0 {
		return
	}
	planted := filepath.Join(dir, "planted")
	lockTarget := filepath.Join(dir, "creds.json")
	if err := os.Symlink(planted, lockTarget+".lock"); err != nil {
		t.Fatal(err)
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, release, err := NewFileCredentialStore(lockTarget).LockCredentials(lctx)
	if err == nil {
		release()
	}
	if _, serr := os.Lstat(planted); serr == nil {
		t.Errorf("the lock created a file through the planted link (LockCredentials: %v)", err)
	}
	if runtime.GOOS == "linux" && (err == nil || !errors.Is(err, syscall.ELOOP)) {
		t.Errorf("LockCredentials through a planted link: %v, want ELOOP", err)
	}
}

// Whatever walks the chain of an error (errors.Unwrap, an error reporter, a logger printing causes)
// reads only scrubbed text: LoadOrRegister's unsavedError (credstore.go) hands out a stand-in for a
// store's error that quoted the client secret, not the store's error itself.
func TestUnsavedErrorChainHoldsNoSecret(t *testing.T) {
	c, mux, _ := setup(t)
	registrationServer(t, mux)
	store := &flakySaveStore{mem: NewMemoryCredentialStore(), failures: 1}
	_, err := c.Pass.LoadOrRegister(context.Background(), store, testSoftwareStatement)
	if !errors.Is(err, errSaveRefused) {
		t.Fatalf("LoadOrRegister: %v, want the store's error", err)
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), "secret-number-1") {
			t.Errorf("the chain of the returned error holds the client secret: %T %q", e, e.Error())
		}
	}
}

// KeepLease renews every third of the lease while the work runs, ends held with ErrLeaseLost when the
// renewal says so or when the lease lapses unrenewed, and stop ends it with context.Canceled.
func TestKeepLease(t *testing.T) {
	t.Parallel()
	const lease = 1500 * time.Millisecond // a renewal comes a second before the lapse: room for a loaded machine
	for _, tc := range []struct {
		name  string
		renew func(n int) error // the answer to the n-th renewal (1, 2, …)
		stop  bool              // stop after the second renewal instead of waiting for the end
		cause error
		tries func(n int32) bool // the number of renewals tried is right
	}{
		{"renewed until stopped", func(int) error { return nil }, true, context.Canceled, func(n int32) bool { return n >= 2 }},
		{"lost at the second renewal", func(n int) error { return map[bool]error{true: ErrLeaseLost}[n == 2] }, false, ErrLeaseLost,
			func(n int32) bool { return n == 2 }},
		// a renewal that fails otherwise is tried again, every tenth of the lease, until the lease lapses
		{"never reaches the store", func(int) error { return errors.New("connection refused") }, false, ErrLeaseLost,
			func(n int32) bool { return n >= 3 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			second := make(chan struct{})
			held, stop := KeepLease(context.Background(), time.Now().Add(lease), lease, func(ctx context.Context) (time.Time, error) {
				if n.Add(1) == 2 {
					close(second)
				}
				if err := tc.renew(int(n.Load())); err != nil {
					return time.Time{}, err
				}
				return time.Now().Add(lease), nil
			})
			defer stop()
			if tc.stop {
				<-second
				stop()
			}
			select {
			case <-held.Done():
			case <-time.After(hangGuard):
				t.Fatalf("held still open after %v, %d renewals", hangGuard, n.Load())
			}
			if got := context.Cause(held); !errors.Is(got, tc.cause) {
				t.Errorf("cause = %v, want %v", got, tc.cause)
			}
			if !tc.tries(n.Load()) {
				t.Errorf("%d renewals tried", n.Load())
			}
		})
	}
}

// The credentials file's temporary sibling and the lock files are looked for where the system
// resolves the path: splitPath keeps the directory as written (link/.. is not cleaned away).
func TestSplitPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ path, dir, file string }{
		{"creds.json", ".", "creds.json"},
		{"/etc/tvauth/creds.json", "/etc/tvauth/", "creds.json"},
		{"link/../creds.json", "link/../", "creds.json"},
	} {
		if dir, file := splitPath(tc.path); dir != tc.dir || file != tc.file {
			t.Errorf("splitPath(%q) = %q, %q; want %q, %q", tc.path, dir, file, tc.dir, tc.file)
		}
	}
}
