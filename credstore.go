package tvauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Adobe requires Dynamic Client Registration credentials to persist across restarts: profiles are
// bound to the client, so registering again signs every user out. A CredentialStore keeps them.

// CredentialStore loads and saves client credentials. Implementations must be safe for concurrent
// use. Load returns ErrNoCredentials (possibly wrapped) when nothing is stored.
type CredentialStore interface {
	Load(ctx context.Context) (ClientCredentials, error)
	Save(ctx context.Context, creds ClientCredentials) error
}

// MemoryCredentialStore keeps credentials in memory: for tests, and for processes that get their
// credentials from elsewhere at start-up.
type MemoryCredentialStore struct {
	mu    sync.Mutex
	creds *ClientCredentials
}

// NewMemoryCredentialStore returns an empty in-memory store.
func NewMemoryCredentialStore() *MemoryCredentialStore { return &MemoryCredentialStore{} }

// Load returns the saved credentials, or ErrNoCredentials.
func (m *MemoryCredentialStore) Load(ctx context.Context) (ClientCredentials, error) {
	if err := ctx.Err(); err != nil {
		return ClientCredentials{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.creds == nil {
		return ClientCredentials{}, ErrNoCredentials
	}
	return cloneCredentials(*m.creds), nil
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
	m.mu.Lock()
	m.creds = &c
	m.mu.Unlock()
	return nil
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
	var creds ClientCredentials
	if err := json.Unmarshal(b, &creds); err != nil {
		// The JSON error can quote the file's bytes, which hold the secret: report only where.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return ClientCredentials{}, fmt.Errorf("tvauth: %s is not a credentials file (malformed JSON at byte %d)", f.path, se.Offset)
		}
		return ClientCredentials{}, fmt.Errorf("tvauth: %s is not a credentials file", f.path)
	}
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
	b, err := creds.MarshalUnmaskedJSON() // json.Marshal masks the secret
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

var (
	_ CredentialStore = (*MemoryCredentialStore)(nil)
	_ CredentialStore = (*FileCredentialStore)(nil)
)
