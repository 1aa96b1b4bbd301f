package tvauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// Adobe requires Dynamic Client Registration credentials to persist across restarts: profiles are
// bound to the client, so registering again signs every user out. A CredentialStore keeps them.

// CredentialStore loads and saves client credentials. Implementations must be safe for concurrent
// use. Load returns ErrNoCredentials (possibly wrapped) when nothing is stored.
type CredentialStore interface {
	Load(ctx context.Context) (ClientCredentials, error)
	Save(ctx context.Context, creds ClientCredentials) error
}

// DefaultLeaseTime is how long a lease of the SDK's own stores lasts (the registration lease of
// FileCredentialStore and tvauthredis, the refresh and token-fetch leases of tvauthredis): long enough
// for a registration or a token fetch with its retries, short enough that when a holder crashes the
// other replicas go on after at most this long. LoadOrRegister bounds the registration it makes
// under a lease by the lease time.
const DefaultLeaseTime = 30 * time.Second

// CredentialLocker is implemented by a CredentialStore that can make LoadOrRegister exactly-once
// across everything sharing the store: the goroutines of one process (MemoryCredentialStore), the
// processes of one host (FileCredentialStore), a fleet (tvauthredis.Store). LoadOrRegister detects it
// with a type assertion; a store without it still works, exactly-once only within what its own
// Load/Save order.
type CredentialLocker interface {
	// LockCredentials takes the store's registration lease, waiting while someone else holds it, and
	// returns ctx.Err() (possibly wrapped) as soon as ctx ends. lease is how long the lease lasts at
	// most: a holder that crashes or hangs loses it after that long, so that the others go on; 0
	// means it dies only with its holder's process. release ends the lease early; it may be called
	// more than once and never releases a lease someone else has taken since.
	LockCredentials(ctx context.Context) (release func(), lease time.Duration, err error)
}

// credentialsRecord is ClientCredentials in clear: how the SDK's stores persist them, and what
// MarshalUnmaskedJSON writes.
type credentialsRecord struct {
	ClientID     string    `json:"client_id"`
	ClientSecret string    `json:"client_secret"`
	IssuedAt     time.Time `json:"issued_at,omitzero"`
	RedirectURIs []string  `json:"redirect_uris,omitempty"`
	GrantTypes   []string  `json:"grant_types,omitempty"`
	Scopes       []string  `json:"scopes,omitempty"`
}

// recordOf and credentials copy every field (TestCredentialStoreImplementations fails on one they
// drop).
func recordOf(c ClientCredentials) credentialsRecord {
	return credentialsRecord{ClientID: c.ClientID, ClientSecret: string(c.ClientSecret), IssuedAt: c.IssuedAt,
		RedirectURIs: c.RedirectURIs, GrantTypes: c.GrantTypes, Scopes: c.Scopes}
}

func (r credentialsRecord) credentials() ClientCredentials {
	return ClientCredentials{ClientID: r.ClientID, ClientSecret: Secret(r.ClientSecret), IssuedAt: r.IssuedAt,
		RedirectURIs: r.RedirectURIs, GrantTypes: r.GrantTypes, Scopes: r.Scopes}
}

// MemoryCredentialStore keeps credentials in memory: for tests, and for processes that get their
// credentials from elsewhere at start-up.
type MemoryCredentialStore struct {
	// creds is behind an atomic pointer, which fmt prints as an address under every verb: fmt prints
	// unexported fields without their methods, so a Secret held in one would print in clear.
	creds atomic.Pointer[ClientCredentials]
	mu    sync.Mutex
	lease chan struct{} // capacity 1: the registration lease (CredentialLocker)
}

// NewMemoryCredentialStore returns an empty in-memory store.
func NewMemoryCredentialStore() *MemoryCredentialStore {
	return &MemoryCredentialStore{lease: make(chan struct{}, 1)}
}

// LockCredentials implements CredentialLocker for the goroutines of this process. The lease has no
// expiry (0): it dies with the process.
func (m *MemoryCredentialStore) LockCredentials(ctx context.Context) (func(), time.Duration, error) {
	m.mu.Lock()
	if m.lease == nil { // a zero MemoryCredentialStore
		m.lease = make(chan struct{}, 1)
	}
	lease := m.lease
	m.mu.Unlock()
	select {
	case lease <- struct{}{}:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	var once sync.Once
	return func() { once.Do(func() { <-lease }) }, 0, nil
}

// Load returns the saved credentials, or ErrNoCredentials.
func (m *MemoryCredentialStore) Load(ctx context.Context) (ClientCredentials, error) {
	if err := ctx.Err(); err != nil {
		return ClientCredentials{}, err
	}
	c := m.creds.Load()
	if c == nil {
		return ClientCredentials{}, ErrNoCredentials
	}
	return cloneCredentials(*c), nil
}

// Save replaces the stored credentials.
func (m *MemoryCredentialStore) Save(ctx context.Context, creds ClientCredentials) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := creds.validate("creds"); err != nil {
		return err
	}
	c := cloneCredentials(creds)
	m.creds.Store(&c)
	return nil
}

// UnmarshalJSON refuses every input with an error matching ErrMaskedSecret: json.Marshal writes a
// store as {} (its credentials are not fields), and reading that back as an empty store would make
// LoadOrRegister register again. Store the credentials themselves (MarshalUnmaskedJSON, a
// FileCredentialStore).
func (m *MemoryCredentialStore) UnmarshalJSON([]byte) error {
	return fmt.Errorf("tvauth: a MemoryCredentialStore has no JSON form: %w", ErrMaskedSecret)
}

// cloneCredentials copies the slices so that a caller's later edits do not reach the store.
func cloneCredentials(c ClientCredentials) ClientCredentials {
	c.RedirectURIs = append([]string(nil), c.RedirectURIs...)
	c.GrantTypes = append([]string(nil), c.GrantTypes...)
	c.Scopes = append([]string(nil), c.Scopes...)
	return c
}

// FileCredentialStore keeps credentials in a JSON file readable by its owner only (0600). Save writes
// a temporary file in the same directory, syncs it and renames it over the old one, so a crash leaves
// either the old or the new credentials, never a torn file.
type FileCredentialStore struct {
	path string
	mu   sync.Mutex // orders this process's saves; the rename keeps other processes' reads whole
	// tryLock takes the lock file without waiting; nil is the platform's own, tryLockFile. Tests set
	// tryLockExcl to run the lock of platforms without flock on this one.
	tryLock func(lockPath string, lease time.Duration) (release func(), until time.Time, err error)
}

// NewFileCredentialStore returns a store for the file at path. The file need not exist yet; its
// directory must.
func NewFileCredentialStore(path string) *FileCredentialStore {
	return &FileCredentialStore{path: path}
}

// Path returns the file's path.
func (f *FileCredentialStore) Path() string { return f.path }

// Load reads the file. A missing file is ErrNoCredentials; an unreadable or malformed one is another
// error (never ErrNoCredentials: registering again would sign users out).
func (f *FileCredentialStore) Load(ctx context.Context) (ClientCredentials, error) {
	if err := ctx.Err(); err != nil {
		return ClientCredentials{}, err
	}
	if f.path == "" {
		return ClientCredentials{}, invalid("path", "empty")
	}
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return ClientCredentials{}, fmt.Errorf("%w (%s does not exist)", ErrNoCredentials, f.path)
	}
	if err != nil {
		return ClientCredentials{}, fmt.Errorf("tvauth: reading client credentials: %w", err)
	}
	var rec credentialsRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		// The JSON error can quote the file's bytes, which hold the secret: report only where.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return ClientCredentials{}, fmt.Errorf("tvauth: %s is not a credentials file (malformed JSON at byte %d)", f.path, se.Offset)
		}
		return ClientCredentials{}, fmt.Errorf("tvauth: %s is not a credentials file", f.path)
	}
	creds := rec.credentials()
	if err := creds.validate("file"); err != nil {
		return ClientCredentials{}, wrap(f.path+" holds incomplete credentials", err)
	}
	return creds, nil
}

// Save writes the credentials atomically with mode 0600.
func (f *FileCredentialStore) Save(ctx context.Context, creds ClientCredentials) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.path == "" {
		return invalid("path", "empty")
	}
	if err := creds.validate("creds"); err != nil {
		return err
	}
	b, err := json.MarshalIndent(recordOf(creds), "", "  ")
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	dir, base := filepath.Split(f.path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp") // CreateTemp opens with 0600
	if err != nil {
		return fmt.Errorf("tvauth: saving client credentials: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // no-op once renamed
	if err := tmp.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		tmp.Close()
		return fmt.Errorf("tvauth: saving client credentials: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("tvauth: saving client credentials: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("tvauth: saving client credentials: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("tvauth: saving client credentials: %w", err)
	}
	if err := os.Rename(tmpName, f.path); err != nil {
		return fmt.Errorf("tvauth: saving client credentials: %w", err)
	}
	// Persist the rename itself; not every platform can sync a directory, hence best effort.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// LockCredentials implements CredentialLocker across the processes of one host: it takes an
// exclusive lock on the file <path>.lock next to the credentials (created 0600 if missing, never
// removed), polling until it gets it or ctx ends. The operating system drops the lock when its holder
// exits, crashed or not, so the lease lasts as long as the holder's process; the lease returned,
// DefaultLeaseTime, bounds what LoadOrRegister does under it.
//
// On platforms without flock (Windows, Solaris, AIX, …) the lock is a sequence of small files
// <path>.lock.1, <path>.lock.2, … created exclusively, each holding its holder's random token and
// expiry: the highest one is the lock, and one whose expiry has passed was left by a holder that
// crashed (or released it). Taking over such a stale lock is atomic: of the processes that see it
// stale, exactly one gets the lease, and none removes a lock another has just taken.
func (f *FileCredentialStore) LockCredentials(ctx context.Context) (func(), time.Duration, error) {
	if f.path == "" {
		return nil, 0, invalid("path", "empty")
	}
	lockPath := f.path + ".lock"
	tryLock := f.tryLock
	if tryLock == nil {
		tryLock = tryLockFile
	}
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		release, until, err := tryLock(lockPath, DefaultLeaseTime)
		if err != nil {
			return nil, 0, fmt.Errorf("tvauth: locking %s: %w", lockPath, err)
		}
		if release != nil {
			var once sync.Once
			// What is left of the lease, not a whole one: an epoch file's lease started before the
			// file was taken, and others judge it by the expiry written there.
			return func() { once.Do(release) }, time.Until(until), nil
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, 0, ctx.Err()
		}
	}
}

var (
	_ CredentialStore  = (*MemoryCredentialStore)(nil)
	_ CredentialStore  = (*FileCredentialStore)(nil)
	_ CredentialLocker = (*MemoryCredentialStore)(nil)
	_ CredentialLocker = (*FileCredentialStore)(nil)
)

// unsavedCredentials are the credentials a Client registered but could not save, by store and
// software statement: the next LoadOrRegister on that store saves them instead of registering again,
// which would leave one more unused client at Adobe. The Client holds them (not the store, which may
// be anyone's type, and not a global); they die with it.
type unsavedCredentials struct {
	mu    sync.Mutex
	creds map[unsavedKey]ClientCredentials
}

type unsavedKey struct {
	store     CredentialStore
	statement Secret
}

// unsavedCredentials returns the client's unsaved credentials, made on first use.
func (c *Client) unsavedCredentials() *unsavedCredentials {
	if u := c.unsaved.Load(); u != nil {
		return u
	}
	c.unsaved.CompareAndSwap(nil, &unsavedCredentials{})
	return c.unsaved.Load()
}

// key returns the map key of store, or false for a store whose type cannot be compared (a struct
// value holding a slice, say): its credentials cannot be told apart from another store's, so none
// are kept for it.
func (u *unsavedCredentials) key(store CredentialStore, statement Secret) (unsavedKey, bool) {
	if !reflect.ValueOf(store).Comparable() {
		return unsavedKey{}, false
	}
	return unsavedKey{store, statement}, true
}

// get returns the credentials registered with statement for store and not saved yet.
func (u *unsavedCredentials) get(store CredentialStore, statement Secret) (ClientCredentials, bool) {
	k, ok := u.key(store, statement)
	if !ok {
		return ClientCredentials{}, false
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	c, ok := u.creds[k]
	if !ok {
		return ClientCredentials{}, false
	}
	return cloneCredentials(c), true
}

// keep remembers creds as registered for store and not saved, unless some are already (registered by
// a concurrent call on a store without a lease): those stay, the next save is theirs. It reports
// whether creds or earlier ones are kept.
func (u *unsavedCredentials) keep(store CredentialStore, statement Secret, creds ClientCredentials) bool {
	k, ok := u.key(store, statement)
	if !ok {
		return false
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.creds[k]; !ok {
		if u.creds == nil {
			u.creds = make(map[unsavedKey]ClientCredentials)
		}
		u.creds[k] = cloneCredentials(creds)
	}
	return true
}

// forget drops what is kept for store: saved now, or superseded by credentials the store holds.
func (u *unsavedCredentials) forget(store CredentialStore, statement Secret) {
	k, ok := u.key(store, statement)
	if !ok {
		return
	}
	u.mu.Lock()
	delete(u.creds, k)
	u.mu.Unlock()
}

// unsavedError is a store's failure to save credentials just registered. Its text is scrubbed of the
// client secret and the software statement, in case the store quotes what it failed to write, and so
// is its chain: errors.Is reaches the store's error, errors.As only when its text is fit to show (see
// redactor.cause).
type unsavedError struct {
	text string
	err  error
}

func (e *unsavedError) Error() string { return e.text }

func (e *unsavedError) Unwrap() error { return e.err }

func newUnsavedError(err error, creds ClientCredentials, statement Secret, kept bool) error {
	context := "saving registered client credentials"
	if kept {
		context += " (kept in memory: the next LoadOrRegister saves them rather than register again)"
	}
	red := newRedactor(string(creds.ClientSecret), string(statement))
	_, cause := red.cause(err)
	return &unsavedError{text: cleanText(red.text(wrap(context, err).Error(), maxErrorText), maxErrorText), err: cause}
}
