//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package tvauth

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Where flock exists, FileCredentialStore's lock is an flock on <path>.lock: held by one open file
// at a time, with no expiry to write or renew (the lease argument is ignored), released by release
// or by the kernel when the holder's process ends, and an error (not "held by someone else") when
// the file cannot be opened.
func TestFlockLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lockPath := filepath.Join(dir, "creds.json.lock")

	l, err := tryLockFile(lockPath, time.Nanosecond) // a lease this short would expire at once: flock has none
	if err != nil || l == nil {
		t.Fatalf("tryLockFile on a free lock: %v, %v", l, err)
	}
	if _, ok := l.(flockLock); !ok {
		t.Fatalf("tryLockFile returned a %T, want the flockLock of this platform", l)
	}
	if !l.until().IsZero() {
		t.Errorf("until() = %v, want the zero time: an flock does not expire", l.until())
	}
	if until, err := l.renew(time.Hour); !until.IsZero() || err != nil {
		t.Errorf("renew = %v, %v, want the zero time and nil", until, err)
	}
	fi, err := os.Stat(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("the lock file is %v, want no access for others", perm)
	}
	time.Sleep(10 * time.Millisecond) // past the nanosecond "lease": still held
	for i := range 2 {
		if other, err := tryLockFile(lockPath, time.Minute); other != nil || err != nil {
			t.Fatalf("try %d while held: %v, %v, want nil, nil", i, other, err)
		}
	}
	l.release()
	again, err := tryLockFile(lockPath, time.Minute)
	if err != nil || again == nil {
		t.Fatalf("tryLockFile after release: %v, %v", again, err)
	}
	again.release()
	if _, err := os.Stat(lockPath); err != nil {
		t.Errorf("release removed the lock file (%v): a removed flock file lets two holders in", err)
	}

	if l, err := tryLockFile(filepath.Join(dir, "missing", "creds.json.lock"), time.Minute); l != nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("tryLockFile in a missing directory: %v, %v, want ErrNotExist", l, err)
	}
}

const flockHelperEnv = "TVAUTH_FLOCK_HELPER_LOCK"

// TestFlockHelperProcess is the other process of TestFlockReleasedWhenHolderExits: it takes the
// flock, says "held", and exits when its stdin closes, without releasing.
func TestFlockHelperProcess(t *testing.T) {
	lockPath := os.Getenv(flockHelperEnv)
	if lockPath == "" {
		return
	}
	l, err := tryLockFile(lockPath, time.Minute)
	switch {
	case err != nil:
		fmt.Printf("err %v\n", err)
	case l == nil:
		fmt.Println("busy")
	default:
		fmt.Println("held")
	}
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	os.Exit(0) // no release: the kernel drops the lock
}

// A holder that dies holding the lock (crash, kill -9) leaves no stale lease: the lock is free as
// soon as its process has ended, and not before.
func TestFlockReleasedWhenHolderExits(t *testing.T) {
	t.Parallel()
	lockPath := filepath.Join(t.TempDir(), "creds.json.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestFlockHelperProcess$")
	cmd.Env = append(os.Environ(), flockHelperEnv+"="+lockPath)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "held" {
		in.Close()
		_ = cmd.Wait()
		t.Fatalf("the helper process said %q (%v), want held", line, err)
	}
	if l, err := tryLockFile(lockPath, time.Minute); l != nil || err != nil {
		t.Errorf("tryLockFile while another process holds the lock: %v, %v, want nil, nil", l, err)
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper process: %v", err)
	}
	l, err := tryLockFile(lockPath, time.Minute)
	if err != nil || l == nil {
		t.Fatalf("tryLockFile after the holder's process ended: %v, %v", l, err)
	}
	l.release()
}
