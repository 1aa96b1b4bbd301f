//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package tvauth

import (
	"path/filepath"
	"testing"
	"time"
)

// Where flock is missing, FileCredentialStore's lock is the epoch-file lease (tryLockExcl, tested on
// every platform in pass_credstore_lock_excl_test.go): an *exclLock on <path>.lock.1 whose expiry is
// the lease, held by one caller at a time, free again once released.
func TestNoFlockLockIsTheEpochLease(t *testing.T) {
	t.Parallel()
	lockPath := filepath.Join(t.TempDir(), "creds.json.lock")
	before := time.Now()
	l, err := tryLockFile(lockPath, time.Minute)
	if err != nil || l == nil {
		t.Fatalf("tryLockFile on a free lock: %v, %v", l, err)
	}
	el, ok := l.(*exclLock)
	if !ok {
		t.Fatalf("tryLockFile returned a %T, want the *exclLock of platforms without flock", l)
	}
	if el.name != epochName(lockPath, 1) {
		t.Errorf("the lease is held through %q, want the first epoch %q", el.name, epochName(lockPath, 1))
	}
	if u := l.until(); u.Before(before.Add(time.Minute)) || u.After(time.Now().Add(time.Minute)) {
		t.Errorf("until() = %v, want a minute from the call", u)
	}
	if other, err := tryLockFile(lockPath, time.Minute); other != nil || err != nil {
		t.Fatalf("tryLockFile while held: %v, %v, want nil, nil", other, err)
	}
	l.release()
	again, err := tryLockFile(lockPath, time.Minute)
	if err != nil || again == nil {
		t.Fatalf("tryLockFile after release: %v, %v", again, err)
	}
	again.release()
}
