//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package tvauth

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// flockLock is an flock held on an open lock file. The kernel drops it when the holder's process
// exits, so it needs neither an expiry nor renewals.
type flockLock struct{ f *os.File }

func (l flockLock) release() {
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}

func (flockLock) until() time.Time { return time.Time{} }

func (flockLock) renew(time.Duration) (time.Time, error) { return time.Time{}, nil }

// tryLockFile is the lock of FileCredentialStore where flock exists: an exclusive flock on path,
// taken without waiting (nil lock and nil error: someone else holds it); the lease is unused.
func tryLockFile(path string, _ time.Duration) (fileLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|oNoFollow, 0o600)
	if err != nil {
		return nil, err
	}
	for err = syscall.EINTR; errors.Is(err, syscall.EINTR); {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil
		}
		return nil, err
	}
	return flockLock{f}, nil
}
