package tvauth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The lock of FileCredentialStore where flock is missing (Windows, Solaris, AIX, …), built on the one
// atomic test-and-set every file system offers: creating a file that must not exist (O_EXCL). It is
// compiled everywhere so that its tests run everywhere; pass_credstore_lock_noflock.go makes it the
// default where flock is missing.
//
// One lock file removed when stale cannot hold a lease: two processes that see it stale race to
// remove it, the slower removes the lock the faster has just made afresh, and a third creates its
// own: two holders. Only flock can remove a file only if it is still the one seen.
//
// So the lock is a sequence of epoch files, <lock>.1, <lock>.2, …, each created with O_EXCL and
// written only by its process: "<token> <expiry in Unix ns>". The highest epoch present is the lock.
// A process reads the highest epoch N, judges it free (expired, released, or unwritten for longer
// than a lease: its creator crashed before writing), creates N+1 exclusively and checks that N+1 is
// still the highest; then it removes the epochs below its own. Exactly one process holds the lease:
//   - O_EXCL lets one process create N+1, after N was read as free (released or run out).
//   - Only files below a higher one are removed, so the highest epoch never goes away; a process
//     that creates an epoch already cleaned up (a stale listing) finds a higher one and backs off.
//   - Release rewrites the holder's own epoch as expired, never another process's file.
//
// Staleness is judged by the clock, as every lease is: a holder stopped for longer than its lease
// loses it. The holder counts its lease from before it created its file, and gives the epoch up if
// taking it took more than half a lease, so that a creator stopped between creating and writing its
// file cannot take a lease that others have meanwhile judged abandoned.

// exclLock is a lease held through an epoch file.
type exclLock struct {
	lockPath string
	epoch    uint64
	name     string // the epoch file
	token    string
	expires  time.Time // the expiry written in it: the lease is counted from before the file was taken
}

// tryLockExcl takes the lease on lockPath's epoch files without waiting (nil lock and nil error:
// someone else holds it). Its until is the epoch file's expiry, by which others judge the lease.
func tryLockExcl(lockPath string, lease time.Duration) (fileLock, error) {
	l, err := acquireExcl(lockPath, lease)
	if l == nil || err != nil {
		return nil, err
	}
	return l, nil
}

func (l *exclLock) until() time.Time { return l.expires }

// renew moves the expiry in the holder's epoch file to lease from now if the lease is still its own:
// its file holds its token and an expiry not passed yet, and no higher epoch exists once it has
// written (one judged free a moment before would have one). Otherwise it fails with ErrLeaseLost.
func (l *exclLock) renew(lease time.Duration) (time.Time, error) {
	start := time.Now()
	b, err := readNoFollow(l.name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, err
	}
	// A file gone (cleaned up by a later holder) holds no record: the lease is lost.
	if token, expires, ok := parseLockRecord(b); !ok || token != l.token || !start.Before(expires) {
		return time.Time{}, ErrLeaseLost
	}
	next := start.Add(lease)
	if err := l.write(os.O_TRUNC, next); err != nil {
		return time.Time{}, err
	}
	if top, err := topEpoch(l.lockPath); err != nil || top != l.epoch {
		return time.Time{}, ErrLeaseLost
	}
	l.expires = next
	return next, nil
}

// write writes the holder's own epoch file (flag: O_TRUNC, or O_CREATE|O_EXCL to take it).
func (l *exclLock) write(flag int, expires time.Time) error {
	f, err := os.OpenFile(l.name, os.O_WRONLY|flag|oNoFollow, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(lockRecord(l.token, expires))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readNoFollow reads a small file without following a symbolic link (where the system can).
func readNoFollow(name string) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|oNoFollow, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 4096))
}

func acquireExcl(lockPath string, lease time.Duration) (*exclLock, error) {
	start := time.Now()
	top, err := topEpoch(lockPath)
	if err != nil || top > 0 && !epochFree(epochName(lockPath, top), lease, start) {
		return nil, err
	}
	return takeEpoch(lockPath, top+1, lease, start)
}

// takeEpoch creates epoch mine, above the top seen free at start, and keeps it if still the top.
func takeEpoch(lockPath string, mine uint64, lease time.Duration, start time.Time) (*exclLock, error) {
	l := &exclLock{lockPath: lockPath, epoch: mine, name: epochName(lockPath, mine), token: newLockToken(), expires: start.Add(lease)}
	err := l.write(os.O_CREATE|os.O_EXCL, l.expires)
	if errors.Is(err, fs.ErrExist) {
		return nil, nil // another process took epoch mine
	}
	if err != nil {
		// A file created stays: removing the highest epoch would let a late creator jump above a
		// holder. Unwritten or torn, it counts as stale after a lease.
		return nil, err
	}
	if time.Since(start) > lease/2 {
		l.release()
		return nil, nil
	}
	epochs, err := listEpochs(lockPath)
	if err != nil {
		l.release()
		return nil, err
	}
	if len(epochs) == 0 || epochs[len(epochs)-1] != mine {
		// A higher epoch exists: our listing was stale and epoch mine had been cleaned up. Ours is
		// below the highest, so removing it cannot lower the highest.
		if len(epochs) > 0 && epochs[len(epochs)-1] > mine {
			_ = os.Remove(l.name)
		} else {
			l.release()
		}
		return nil, nil
	}
	for _, e := range epochs[:len(epochs)-1] {
		_ = os.Remove(epochName(lockPath, e)) // best effort: a file another process has open may stay
	}
	return l, nil
}

// release rewrites the holder's own epoch as expired, unless a later holder has removed it.
func (l *exclLock) release() { _ = l.write(os.O_TRUNC, time.Time{}) }

// epochFree reports whether the epoch file name is free: released, expired, or unwritten for over a
// lease (its creator crashed). One unreadable now (gone, being written, locked on Windows) is not.
func epochFree(name string, lease time.Duration, now time.Time) bool {
	b, err := readNoFollow(name)
	if err != nil {
		return false
	}
	if _, expires, ok := parseLockRecord(b); ok {
		return !now.Before(expires)
	}
	fi, err := os.Stat(name)
	return err == nil && now.Sub(fi.ModTime()) > lease
}

func epochName(lockPath string, epoch uint64) string {
	return lockPath + "." + strconv.FormatUint(epoch, 10)
}

// topEpoch returns the highest epoch of lockPath, 0 when there is none.
func topEpoch(lockPath string) (uint64, error) {
	epochs, err := listEpochs(lockPath)
	if err != nil || len(epochs) == 0 {
		return 0, err
	}
	return epochs[len(epochs)-1], nil
}

// listEpochs returns the epochs of lockPath present in its directory, in ascending order.
func listEpochs(lockPath string) ([]uint64, error) {
	dir, base := splitPath(lockPath)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	prefix := base + "."
	var epochs []uint64
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if n, err := strconv.ParseUint(rest, 10, 64); ok && err == nil && rest[0] != '0' { // no leading 0
			epochs = append(epochs, n)
		}
	}
	slices.Sort(epochs) // ReadDir sorts by name, not by number
	return epochs, nil
}

func newLockToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (Go 1.24 crashes the program rather than return an error)
	return hex.EncodeToString(b[:])
}

// lockRecord is an epoch file's content; a zero expiry marks a released lease.
func lockRecord(token string, expires time.Time) string {
	var ns int64
	if !expires.IsZero() {
		ns = expires.UnixNano()
	}
	return fmt.Sprintf("%s %d\n", token, ns)
}

// parseLockRecord reads an epoch file's content; ok is false for a file not (yet) fully written.
func parseLockRecord(b []byte) (token string, expires time.Time, ok bool) {
	s, complete := strings.CutSuffix(string(b), "\n")
	fields := strings.Fields(s)
	if !complete || len(fields) != 2 || len(fields[0]) != 32 {
		return "", time.Time{}, false
	}
	ns, err := strconv.ParseInt(fields[1], 10, 64)
	return fields[0], time.Unix(0, ns), err == nil
}
