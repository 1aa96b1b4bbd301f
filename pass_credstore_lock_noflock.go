//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package tvauth

import "time"

// tryLockFile is the lock where flock is missing: epoch files (pass_credstore_lock_excl.go).
func tryLockFile(lockPath string, lease time.Duration) (fileLock, error) {
	return tryLockExcl(lockPath, lease)
}
