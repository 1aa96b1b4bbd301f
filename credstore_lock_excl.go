//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package tvauth

import (
	"errors"
	"io/fs"
	"os"
	"time"
)

// tryLockFile creates path exclusively without waiting: a nil release and nil error mean someone
// else holds it. A lock file older than lease was left by a holder that crashed: it is removed and
// the next attempt may take it.
func tryLockFile(path string, lease time.Duration) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		if fi, serr := os.Stat(path); serr == nil && time.Since(fi.ModTime()) > lease {
			_ = os.Remove(path)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f.Close()
	return func() { _ = os.Remove(path) }, nil
}
