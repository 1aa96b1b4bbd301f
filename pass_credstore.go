package tvauth

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// CredentialStore loads and saves client credentials, which must persist across restarts: Adobe
// binds profiles to the client, so registering again signs every user out. Implementations must be
// safe for concurrent use. Load returns ErrNoCredentials (possibly wrapped) when nothing is stored,
// and another error when it cannot tell (a store that is down is never empty).
//
// The SDK's stores are write-once: Save stores creds only when nothing is stored, returns nil when
// these very credentials are, and an error matching ErrCredentialsExist when other ones are, so a
// replica whose lease lapsed while it registered cannot replace what its successor stored:
// LoadOrRegister adopts that. A store of the caller's may replace; LoadOrRegister works with it,
// without that guarantee. To replace credentials on purpose (Adobe revoked them), remove them first.
type CredentialStore interface {
	Load(ctx context.Context) (ClientCredentials, error)
	Save(ctx context.Context, creds ClientCredentials) error
}

// DefaultLeaseTime is how long a lease of the SDK's stores outlives its holder's last renewal
// (FileCredentialStore's without flock; tvauthredis's registration, fetch and refresh leases).
// Renewed every third of it while the work runs, it bounds how long a crashed or stalled holder
// holds the others up, not how long the work may take (WithTokenFetchTimeout does).
const DefaultLeaseTime = 10 * time.Second

// DefaultLeaseWaitTimeout is how long a call waits for a lease that another replica holds
// (WithLeaseWaitTimeout): a holder's whole token fetch (DefaultTokenFetchTimeout) plus one lease
// (DefaultLeaseTime) and a margin, so that a waiter outlasts a holder that works its full budget and
// then crashes: a crashed holder costs the others about one lease, not their call.
const DefaultLeaseWaitTimeout = DefaultTokenFetchTimeout + DefaultLeaseTime + 5*time.Second

// ErrCredentialsExist is what a write-once CredentialStore's Save returns (possibly wrapped) when it
// holds other client credentials already. LoadOrRegister then adopts the stored ones.
var ErrCredentialsExist = errors.New("tvauth: other client credentials are stored already")

// ErrLeaseLost is the cause (context.Cause) of a lease's context that ended because the lease
// could not be renewed before it ran out: its holder stalled past it, or the store was unreachable.
var ErrLeaseLost = errors.New("tvauth: the lease ran out before the work under it ended")

// CredentialLocker is implemented by a CredentialStore that can make LoadOrRegister exactly-once
// across everything sharing the store: the goroutines of one process (MemoryCredentialStore), the
// processes of one host (FileCredentialStore), a fleet (tvauthredis.Store). Without it, exactly-once
// holds only within what the store's own Load/Save order.
type CredentialLocker interface {
	// LockCredentials takes the store's registration lease, waiting while someone else holds it, and
	// returns ctx.Err() (possibly wrapped) as soon as ctx ends. held is derived from ctx and ends
	// before the lease can lapse: it is renewed while held lives, and held ends (cause ErrLeaseLost)
	// once it cannot be, so that work under held never outlives the lease. release ends the lease and
	// held; it may be called more than once and never releases a lease someone else has taken since.
	LockCredentials(ctx context.Context) (held context.Context, release func(), err error)
}

// credentialsRecord is ClientCredentials in clear: what stores and MarshalUnmaskedJSON write.
type credentialsRecord struct {
	ClientID     string    `json:"client_id"`
	ClientSecret string    `json:"client_secret"`
	IssuedAt     time.Time `json:"issued_at,omitzero"`
	RedirectURIs []string  `json:"redirect_uris,omitempty"`
	GrantTypes   []string  `json:"grant_types,omitempty"`
	Scopes       []string  `json:"scopes,omitempty"`
}

// recordOf and credentials copy every field (TestCredentialStoreImplementations checks).
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
	mu    sync.Mutex    // orders saves (write-once) and makes the lease of a zero store
	lease chan struct{} // capacity 1: the registration lease (CredentialLocker)
}

// NewMemoryCredentialStore returns an empty in-memory store.
func NewMemoryCredentialStore() *MemoryCredentialStore {
	return &MemoryCredentialStore{lease: make(chan struct{}, 1)}
}

// LockCredentials implements CredentialLocker for the goroutines of this process. The lease never
// expires: it dies with the process, so held ends only with ctx or release.
func (m *MemoryCredentialStore) LockCredentials(ctx context.Context) (context.Context, func(), error) {
	m.mu.Lock()
	if m.lease == nil { // a zero MemoryCredentialStore
		m.lease = make(chan struct{}, 1)
	}
	lease := m.lease
	m.mu.Unlock()
	select {
	case lease <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	held, cancel := context.WithCancel(ctx)
	return held, sync.OnceFunc(func() { cancel(); <-lease }), nil
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

// Save stores the credentials when the store is empty (write-once: see CredentialStore).
func (m *MemoryCredentialStore) Save(ctx context.Context, creds ClientCredentials) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := creds.validate("creds"); err != nil {
		return err
	}
	c := cloneCredentials(creds)
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.creds.CompareAndSwap(nil, &c) {
		return storedAlready(*m.creds.Load(), creds, "the memory store")
	}
	return nil
}

// UnmarshalJSON refuses every input with an error matching ErrMaskedSecret: json.Marshal writes a
// store as {}, and reading that back as an empty store would make LoadOrRegister register again.
// Store the credentials themselves (MarshalUnmaskedJSON, a FileCredentialStore).
func (m *MemoryCredentialStore) UnmarshalJSON([]byte) error {
	return fmt.Errorf("tvauth: a MemoryCredentialStore has no JSON form: %w", ErrMaskedSecret)
}

// storedAlready is a write-once store's answer to a Save over stored credentials: nil for the same
// ones, ErrCredentialsExist naming the stored client id (not secret) for others.
func storedAlready(stored, creds ClientCredentials, where string) error {
	if stored.ClientID == creds.ClientID && stored.ClientSecret == creds.ClientSecret {
		return nil
	}
	return fmt.Errorf("%w (%s holds client %s)", ErrCredentialsExist, where, stored.ClientID)
}

// cloneCredentials copies the slices so that a caller's later edits do not reach the store.
func cloneCredentials(c ClientCredentials) ClientCredentials {
	c.RedirectURIs = append([]string(nil), c.RedirectURIs...)
	c.GrantTypes = append([]string(nil), c.GrantTypes...)
	c.Scopes = append([]string(nil), c.Scopes...)
	return c
}

// ErrFileModeTooOpen is what FileCredentialStore.Load returns (wrapped, with the path and the mode)
// for a credentials file that its group or others may read or write, as ssh refuses such a key.
var ErrFileModeTooOpen = errors.New("tvauth: the credentials file is open to group or others")

// FileCredentialStore keeps credentials in a JSON file readable by its owner only (0600), write-once
// (see CredentialStore): Save writes a temporary file in the same directory, syncs it and links it
// to the path only if nothing is there, so a crash leaves either no file or a whole one.
//
// The path may be a symbolic link (a Kubernetes secret volume mounts each key as one): Load reads its
// target, and Save, which never replaces, leaves it as it is. A link to a missing file is an error,
// neither an empty store nor a place to write. The lock file <path>.lock is opened without following
// symbolic links where the system can (O_NOFOLLOW), so that someone who can write the directory
// cannot make the process create or open a file elsewhere.
type FileCredentialStore struct {
	path      string
	openModes bool          // AllowGroupOrOtherAccess
	lease     time.Duration // the lease of the epoch-file lock; 0 = DefaultLeaseTime (tests shorten it)
	// tryLock takes the lock file without waiting; nil: tryLockFile (tests set tryLockExcl).
	tryLock func(lockPath string, lease time.Duration) (fileLock, error)
}

// fileLock is a lock held on <path>.lock. until is when it lapses unless renewed (zero: it lasts as
// long as its process, as flock does); renew moves it, or fails with ErrLeaseLost.
type fileLock interface {
	release()
	until() time.Time
	renew(lease time.Duration) (time.Time, error)
}

// FileStoreOption configures a FileCredentialStore.
type FileStoreOption func(*FileCredentialStore)

// AllowGroupOrOtherAccess lets a FileCredentialStore load a credentials file whose mode gives its
// group or others any access (0640, 0644, …), which Load otherwise refuses with ErrFileModeTooOpen.
// For a file whose directory is what protects it; files this store writes are 0600 either way.
func AllowGroupOrOtherAccess() FileStoreOption {
	return func(f *FileCredentialStore) { f.openModes = true }
}

// NewFileCredentialStore returns a store for path: the file need not exist, its directory must.
func NewFileCredentialStore(path string, opts ...FileStoreOption) *FileCredentialStore {
	f := &FileCredentialStore{path: path}
	for _, o := range opts {
		if o != nil {
			o(f)
		}
	}
	return f
}

// Path returns the file's path.
func (f *FileCredentialStore) Path() string { return f.path }

// Load reads the file. A missing file is ErrNoCredentials; an unreadable or malformed one is another
// error (never ErrNoCredentials: registering again would sign users out), and so is a file whose
// group or others have any access (ErrFileModeTooOpen), unless AllowGroupOrOtherAccess.
func (f *FileCredentialStore) Load(ctx context.Context) (ClientCredentials, error) {
	return f.load(ctx, true)
}

// load is Load; again says whether a file that appeared after the open is opened once more.
func (f *FileCredentialStore) load(ctx context.Context, again bool) (ClientCredentials, error) {
	if err := ctx.Err(); err != nil {
		return ClientCredentials{}, err
	}
	if f.path == "" {
		return ClientCredentials{}, invalid("path", "empty")
	}
	file, err := os.Open(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		// Something at the path now is either a save that completed since the open (open it again) or
		// a link to nothing: a mount gone, not an empty store.
		if fi, lerr := os.Lstat(f.path); lerr == nil {
			_, serr := os.Stat(f.path)
			switch {
			case fi.Mode()&fs.ModeSymlink != 0 && errors.Is(serr, fs.ErrNotExist):
				return ClientCredentials{}, fmt.Errorf("tvauth: %s is a symbolic link to a missing file", f.path)
			case !again:
				return ClientCredentials{}, fmt.Errorf("tvauth: %s changed while it was read", f.path)
			}
			return f.load(ctx, false)
		}
		return ClientCredentials{}, fmt.Errorf("%w (%s does not exist)", ErrNoCredentials, f.path)
	}
	if err != nil {
		return ClientCredentials{}, fmt.Errorf("tvauth: reading client credentials: %w", err)
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return ClientCredentials{}, fmt.Errorf("tvauth: reading client credentials: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return ClientCredentials{}, fmt.Errorf("tvauth: %s is not a regular file (%v)", f.path, fi.Mode().Type())
	}
	// Windows reports made-up modes (0666 for any writable file): its ACLs are not checked here.
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && !f.openModes && runtime.GOOS != "windows" {
		return ClientCredentials{}, fmt.Errorf("%w: %s has mode %04o; chmod 600 it (or pass tvauth.AllowGroupOrOtherAccess)",
			ErrFileModeTooOpen, f.path, perm)
	}
	b, err := io.ReadAll(io.LimitReader(file, 1<<20)) // a credentials file is a few hundred bytes
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

// Save writes the credentials with mode 0600 when no file is at the path (write-once, see
// CredentialStore): nil when the file holds these already, ErrCredentialsExist for others.
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
	b = append(b, '\n')
	dir, base := splitPath(f.path)
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp") // O_EXCL, mode 0600
	if err != nil {
		return fmt.Errorf("tvauth: saving client credentials: %w", err)
	}
	defer os.Remove(tmp.Name()) // once linked, the path keeps the file
	if err = tmp.Chmod(0o600); err == nil || errors.Is(err, errors.ErrUnsupported) {
		err = writeSynced(tmp, b)
	} else {
		tmp.Close()
	}
	if err != nil {
		return fmt.Errorf("tvauth: saving client credentials: %w", err)
	}
	// A hard link appears whole, and only where nothing is (a symbolic link included).
	err = os.Link(tmp.Name(), f.path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// No hard links: O_EXCL, as safe, but a reader may see the file while it is written.
		var file *os.File
		if file, err = os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			err = writeSynced(file, b)
		}
	}
	if errors.Is(err, fs.ErrExist) {
		stored, lerr := f.Load(ctx)
		if lerr != nil {
			return fmt.Errorf("tvauth: not replacing %s: %w", f.path, lerr)
		}
		return storedAlready(stored, creds, f.path)
	}
	if err != nil {
		return fmt.Errorf("tvauth: saving client credentials: %w", err)
	}
	// Persist the new name itself; not every platform can sync a directory, hence best effort.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// splitPath is filepath.Split with "." for no directory. Unlike filepath.Dir it leaves the path as
// written: link/../creds.json is not in ".", but beside link's target, when link is a symbolic link.
func splitPath(path string) (dir, file string) {
	dir, file = filepath.Split(path)
	return cmp.Or(dir, "."), file
}

func writeSynced(file *os.File, b []byte) error {
	_, err := file.Write(b)
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return err
}

// LockCredentials implements CredentialLocker across the processes of one host: it takes an
// exclusive flock on the file <path>.lock next to the credentials (created 0600 if missing, never
// removed), polling until it gets it or ctx ends. The system drops the lock when its holder exits,
// crashed or not.
//
// Without flock (Windows, Solaris, AIX, …) the lock is the highest of the files <path>.lock.1,
// <path>.lock.2, …, each created exclusively with its holder's random token and expiry. Of the
// processes that find it expired or released, exactly one takes the lease over; its holder renews
// the expiry every third of DefaultLeaseTime, and held ends when it cannot.
func (f *FileCredentialStore) LockCredentials(ctx context.Context) (context.Context, func(), error) {
	if f.path == "" {
		return nil, nil, invalid("path", "empty")
	}
	lockPath := f.path + ".lock"
	tryLock, lease := f.tryLock, cmp.Or(f.lease, DefaultLeaseTime)
	if tryLock == nil {
		tryLock = tryLockFile
	}
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		l, err := tryLock(lockPath, lease)
		if err != nil {
			return nil, nil, fmt.Errorf("tvauth: locking %s: %w", lockPath, err)
		}
		if l != nil {
			var held context.Context
			var stop func()
			if l.until().IsZero() { // flock's: it lasts as long as this process
				held, stop = context.WithCancel(ctx)
			} else {
				held, stop = KeepLease(ctx, l.until(), lease, func(context.Context) (time.Time, error) { return l.renew(lease) })
			}
			return held, sync.OnceFunc(func() { stop(); l.release() }), nil
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
}

// KeepLease keeps a lease alive for the work done under it, as redsync's Extend does: the lease
// lapses at until unless renew moves it; renew runs every third of lease, and held (derived from
// ctx) ends with cause ErrLeaseLost when renew says the lease is lost or until passes without a
// renewal (a renew that failed otherwise is retried until then). stop ends held and the renewals,
// and returns once they have stopped. A CredentialLocker of your own can return held.
func KeepLease(ctx context.Context, until time.Time, lease time.Duration, renew func(context.Context) (time.Time, error)) (held context.Context, stop func()) {
	held, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel(ErrLeaseLost) // a no-op unless the lease was lost: held has ended otherwise
		t := time.NewTimer(time.Until(until.Add(-lease * 2 / 3)))
		defer t.Stop()
		for {
			select {
			case <-held.Done():
				return
			case <-t.C:
			}
			if !time.Now().Before(until) {
				return
			}
			rctx, rcancel := context.WithDeadline(held, until)
			next, err := renew(rctx)
			rcancel()
			switch {
			case err == nil:
				until = next
				t.Reset(time.Until(until.Add(-lease * 2 / 3)))
			case errors.Is(err, ErrLeaseLost):
				return
			default: // not reached the store: again soon, and no later than the lease's end
				t.Reset(min(lease/10, max(time.Until(until), 0)))
			}
		}
	}()
	return held, sync.OnceFunc(func() {
		cancel(context.Canceled)
		<-done
	})
}

var (
	_ CredentialStore  = (*MemoryCredentialStore)(nil)
	_ CredentialStore  = (*FileCredentialStore)(nil)
	_ CredentialLocker = (*MemoryCredentialStore)(nil)
	_ CredentialLocker = (*FileCredentialStore)(nil)
)

// LoadOrRegister returns the credentials in store, or registers with softwareStatement and saves the
// new credentials when the store has none (ErrNoCredentials). Other store errors are returned as they
// are: registering over credentials that could not be read (a store that is down, an unreadable
// file) would sign users out.
//
// When store is a CredentialLocker (MemoryCredentialStore, FileCredentialStore, tvauthredis.Store),
// the registration is exactly-once across everything sharing the store: on an empty store it takes
// the registration lease, loads again and only then registers and saves. Waiting for the lease ends
// with ctx or after the lease wait timeout (WithLeaseWaitTimeout, DefaultLeaseWaitTimeout); the
// registration, with ctx or when the lease is lost (through WithPassCredentialStore, also after the
// lease wait plus the token fetch timeout). A holder that crashed loses the lease when it expires.
//
// With the SDK's write-once stores, a registration that comes too late (its lease lapsed while it
// ran, and another replica stored its own) replaces nothing: the stored credentials are returned, and
// the client's logger (WithLogger) says so at level Warn, naming the client left unused at Adobe.
//
// The Client remembers the credentials it loaded, saved or registered for store, and writes them back
// (write-once) rather than register again when it later finds the store empty, so the replicas that
// still run heal a store that lost its data (a Redis restarted without persistence). When the
// registration succeeds and the save fails, LoadOrRegister returns the store's error, and the next
// call saves the remembered credentials.
func (s *PassService) LoadOrRegister(ctx context.Context, store CredentialStore, softwareStatement Secret) (ClientCredentials, error) {
	if err := s.check(http.MethodPost, authNone); err != nil {
		return ClientCredentials{}, err
	}
	if ctx == nil { // checked before the store sees it: a store would dereference it
		return ClientCredentials{}, invalid("ctx", "nil context")
	}
	if store == nil {
		return ClientCredentials{}, invalid("store", "nil CredentialStore")
	}
	known := s.client.knownCredentials()
	creds, err := store.Load(ctx)
	if err == nil {
		known.remember(store, softwareStatement, creds)
		return creds, nil
	}
	if !errors.Is(err, ErrNoCredentials) {
		return ClientCredentials{}, err
	}
	if c, ok := known.get(store, softwareStatement); ok {
		return s.saveOrAdopt(ctx, store, softwareStatement, c, "writing back the client credentials this client holds")
	}
	workCtx := ctx
	if locker, ok := store.(CredentialLocker); ok {
		leaseCtx, release, err := s.client.takeLease(ctx, "registration", 0, locker.LockCredentials)
		if err != nil {
			return ClientCredentials{}, err
		}
		defer release()
		creds, err := store.Load(leaseCtx)
		if err == nil {
			known.remember(store, softwareStatement, creds)
			return creds, nil
		}
		if !errors.Is(err, ErrNoCredentials) {
			return ClientCredentials{}, err
		}
		workCtx = leaseCtx
	}
	registered, err := s.Register(workCtx, softwareStatement)
	if err != nil {
		// The lease may have run out while registering: someone may have stored credentials since.
		if stored, lerr := store.Load(ctx); lerr == nil {
			known.remember(store, softwareStatement, stored)
			s.client.warn(ctx, "tvauth: the registration failed or was cut off (its lease ran out): using the client another replica stored",
				slog.String("stored_client_id", stored.ClientID))
			return stored, nil
		}
		return ClientCredentials{}, leaseError(workCtx, "registration", err)
	}
	return s.saveOrAdopt(ctx, store, softwareStatement, *registered, "saving registered client credentials")
}

// saveOrAdopt saves c, which the Client holds, into store (write-once); other credentials stored by
// then win (remembered, returned, logged). A failed save leaves c remembered for the next call.
func (s *PassService) saveOrAdopt(ctx context.Context, store CredentialStore, statement Secret, c ClientCredentials, what string) (ClientCredentials, error) {
	known := s.client.knownCredentials()
	err := store.Save(ctx, c)
	if errors.Is(err, ErrCredentialsExist) {
		stored, lerr := store.Load(ctx)
		if lerr == nil {
			known.remember(store, statement, stored)
			s.client.warn(ctx, "tvauth: the credential store holds another client: using it",
				slog.String("stored_client_id", stored.ClientID), slog.String("unused_client_id", c.ClientID))
			return stored, nil
		}
		err = lerr
	}
	kept := known.remember(store, statement, c)
	if err != nil {
		return ClientCredentials{}, newUnsavedError(err, what, c, statement, kept)
	}
	return c, nil
}

// takeLease takes a lease with lock, waiting at most the lease wait timeout. work ends when the lease
// is lost or after limit (0: no limit of its own); done ends the lease.
func (c *Client) takeLease(ctx context.Context, what string, limit time.Duration, lock func(context.Context) (context.Context, func(), error)) (work context.Context, done func(), err error) {
	wait := c.cfg.leaseWait()
	waitCtx, stopWaiting := context.WithCancelCause(ctx)
	timer := time.AfterFunc(wait, func() {
		stopWaiting(fmt.Errorf("%w: no %s lease after %v (WithLeaseWaitTimeout)", context.DeadlineExceeded, what, wait))
	})
	held, release, err := lock(waitCtx)
	if err == nil && !timer.Stop() { // taken just as the wait ran out
		release()
		err = context.Cause(waitCtx)
	}
	if err != nil {
		if cause := context.Cause(waitCtx); cause != nil && ctx.Err() == nil {
			err = cause
		}
		stopWaiting(nil)
		return nil, nil, fmt.Errorf("tvauth: taking the %s lease: %w", what, err)
	}
	work, cancel := held, context.CancelFunc(func() {})
	if limit > 0 {
		work, cancel = context.WithTimeout(held, limit)
	}
	return work, func() { cancel(); release(); stopWaiting(nil) }, nil
}

// leaseError says so when err came from the lease running out under the work.
func leaseError(work context.Context, what string, err error) error {
	if errors.Is(context.Cause(work), ErrLeaseLost) {
		return fmt.Errorf("tvauth: the %s lease ran out (its holder stalled past it, or the store was unreachable): %w", what, err)
	}
	return err
}

// knownCredentials are the credentials a Client loaded, saved or registered, by store and software
// statement: when it finds the store empty later, it writes them back rather than register again
// (one more unused client at Adobe, a split fleet). The Client holds them, not the store (anyone's
// type) nor a global. None are kept for a store whose type cannot be compared (a struct value
// holding a slice, say): it cannot be told apart from another.
type knownCredentials struct{ creds sync.Map } // knownKey → ClientCredentials

type knownKey struct {
	store     CredentialStore
	statement Secret
}

// knownCredentials returns the client's known credentials, made on first use.
func (c *Client) knownCredentials() *knownCredentials {
	if k := c.known.Load(); k != nil {
		return k
	}
	c.known.CompareAndSwap(nil, &knownCredentials{})
	return c.known.Load()
}

func (k *knownCredentials) get(store CredentialStore, statement Secret) (ClientCredentials, bool) {
	if reflect.ValueOf(store).Comparable() {
		if c, ok := k.creds.Load(knownKey{store, statement}); ok {
			return cloneCredentials(c.(ClientCredentials)), true
		}
	}
	return ClientCredentials{}, false
}

// remember makes creds the credentials known for store and statement, and reports whether it could.
func (k *knownCredentials) remember(store CredentialStore, statement Secret, creds ClientCredentials) bool {
	ok := reflect.ValueOf(store).Comparable()
	if ok {
		k.creds.Store(knownKey{store, statement}, cloneCredentials(creds))
	}
	return ok
}

// unsavedError is a store's failure to save credentials the client holds. Its text and chain are
// scrubbed of the client secret and the software statement (the store may quote what it failed to
// write): errors.Is reaches the store's error, errors.As only when its text is fit to show.
type unsavedError struct {
	text string
	err  error
}

func (e *unsavedError) Error() string { return e.text }

func (e *unsavedError) Unwrap() error { return e.err }

func newUnsavedError(err error, what string, creds ClientCredentials, statement Secret, kept bool) error {
	if kept {
		what += " (kept in memory: the next LoadOrRegister saves them rather than register again)"
	}
	red := newRedactor(string(creds.ClientSecret), string(statement))
	_, cause := red.cause(err)
	return &unsavedError{text: cleanText(red.text(wrap(what, err).Error(), maxErrorText), maxErrorText), err: cause}
}
