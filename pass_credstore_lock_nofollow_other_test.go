//go:build !unix

package tvauth

import (
	"os"
	"path/filepath"
	"testing"
)

// Where the system has no O_NOFOLLOW, oNoFollow adds nothing to an open's flags: lock files open as
// any file does.
func TestNoFollowIsNothingOffUnix(t *testing.T) {
	t.Parallel()
	if oNoFollow != 0 {
		t.Fatalf("oNoFollow = %#x off unix, want 0", oNoFollow)
	}
	path := filepath.Join(t.TempDir(), "creds.json.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|oNoFollow, 0o600)
	if err != nil {
		t.Fatalf("open with oNoFollow: %v", err)
	}
	f.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the lock file was not created: %v", err)
	}
}
