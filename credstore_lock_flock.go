//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package tvauth

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// tryLockFile is the lock of FileCredentialStore where flock exists.
func tryLockFile(lockPath string, lease time.Duration) (release func(), until time.Time, err error) {
	return tryLockFlock(lockPath, lease)
}

// tryLockFlock takes an exclusive flock on path without waiting: a nil release and nil error mean
// someone else holds it. The kernel drops the lock when the holder's process exits, so staleness
// needs no clock here.
// tryLockFlock holds the lock until it is released; the lease it reports only bounds the holder's work.
func tryLockFlock(path string, lease time.Duration) (release func(), until time.Time, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, time.Time{}, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return nil, time.Time{}, nil
	}
	if err != nil {
		f.Close()
		return nil, time.Time{}, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, time.Now().Add(lease), nil
}
