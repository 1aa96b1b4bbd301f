//go:build unix

package tvauth

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// On unix systems the lock files are opened with O_NOFOLLOW: a symbolic link as the last element of
// the path fails the open (ELOOP on Linux and macOS; the BSDs use other numbers) and creates nothing
// at its target, while a regular file, and a link among the directories above it, open as usual.
func TestNoFollowOpen(t *testing.T) {
	t.Parallel()
	if oNoFollow != syscall.O_NOFOLLOW || oNoFollow == 0 {
		t.Fatalf("oNoFollow = %#x, want O_NOFOLLOW (%#x)", oNoFollow, syscall.O_NOFOLLOW)
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	linkedDir := filepath.Join(dir, "linked")
	if err := os.Symlink(real, linkedDir); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(real, "existing.lock")
	if err := os.WriteFile(existing, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(existing, filepath.Join(dir, "to-existing.lock")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "planted"), filepath.Join(dir, "dangling.lock")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		path  string
		opens bool
	}{
		{"new file", filepath.Join(dir, "new.lock"), true},
		{"existing file", existing, true},
		{"file under a linked directory", filepath.Join(linkedDir, "under.lock"), true},
		{"link to an existing file", filepath.Join(dir, "to-existing.lock"), false},
		{"dangling link", filepath.Join(dir, "dangling.lock"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.OpenFile(tc.path, os.O_RDWR|os.O_CREATE|oNoFollow, 0o600)
			if err == nil {
				f.Close()
			}
			if (err == nil) != tc.opens {
				t.Fatalf("open: %v, want it to open: %v", err, tc.opens)
			}
			if !tc.opens && (runtime.GOOS == "linux" || runtime.GOOS == "darwin") && !errors.Is(err, syscall.ELOOP) {
				t.Errorf("open through a link: %v, want ELOOP", err)
			}
		})
	}
	if _, err := os.Lstat(filepath.Join(dir, "planted")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("opening the dangling link created its target: %v", err)
	}
}
