package tvauth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The lock FileCredentialStore uses where flock is missing (tryLockExcl) runs here on every platform.

// exclHolder reads the lease the epoch files of lockPath hold now: the highest epoch's token and
// expiry. A holder renewing its lease rewrites its file in place (truncate, then write), so a read
// may see it empty for a moment: that read is tried again, as epochFree does by judging it not free.
func exclHolder(t *testing.T, lockPath string) (token string, expires time.Time) {
	t.Helper()
	top, err := topEpoch(lockPath)
	if err != nil || top == 0 {
		t.Fatalf("no epoch file: %d, %v", top, err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		b, err := os.ReadFile(epochName(lockPath, top))
		if err != nil {
			t.Fatal(err)
		}
		token, expires, ok := parseLockRecord(b)
		if ok {
			return token, expires
		}
		if time.Now().After(deadline) {
			t.Fatalf("epoch %d has held %q for 10 s", top, b)
		}
	}
}

// abandon makes the current lease look like one whose holder crashed long ago: its expiry is past.
func abandon(t *testing.T, lockPath string) {
	t.Helper()
	top, err := topEpoch(lockPath)
	if err != nil || top == 0 {
		t.Fatalf("no epoch file: %d, %v", top, err)
	}
	token, _ := exclHolder(t, lockPath)
	if err := os.WriteFile(epochName(lockPath, top), []byte(lockRecord(token, time.Now().Add(-time.Hour))), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestExclLockRecord(t *testing.T) {
	t.Parallel()
	token := newLockToken()
	if len(token) != 32 || token == newLockToken() {
		t.Fatalf("token %q", token)
	}
	at := time.Unix(1723227212, 123456789)
	got, expires, ok := parseLockRecord([]byte(lockRecord(token, at)))
	if !ok || got != token || !expires.Equal(at) {
		t.Errorf("round trip: %q %v %v", got, expires, ok)
	}
	if _, expires, ok := parseLockRecord([]byte(lockRecord(token, time.Time{}))); !ok || expires.After(time.Unix(0, 0)) {
		t.Errorf("released record: %v %v", expires, ok)
	}
	full := lockRecord(token, at)
	for _, torn := range []string{"", full[:10], full[:len(full)-1], token + "\n", "x " + full} {
		if _, _, ok := parseLockRecord([]byte(torn)); ok {
			t.Errorf("%q parsed as a whole record", torn)
		}
	}
}

// One holder at a time; release frees it; a released or expired lease is taken over and the older
// epochs are cleaned up; a holder whose lease ran out and was taken over releases nothing but its own.
func TestExclLockLifecycle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lockPath := filepath.Join(dir, "creds.json.lock")
	const lease = time.Minute

	a, err := acquireExcl(lockPath, lease)
	if err != nil || a == nil {
		t.Fatalf("first acquire: %v, %v", a, err)
	}
	if token, expires := exclHolder(t, lockPath); token != a.token || time.Until(expires) < lease-time.Second {
		t.Errorf("holder %s until %v, want %s for a lease", token, expires, a.token)
	}
	if b, err := acquireExcl(lockPath, lease); b != nil || err != nil {
		t.Fatalf("second acquire while held: %v, %v", b, err)
	}
	a.release()
	b, err := acquireExcl(lockPath, lease)
	if err != nil || b == nil {
		t.Fatalf("acquire after release: %v, %v", b, err)
	}
	if epochs, _ := listEpochs(lockPath); len(epochs) != 1 || epochs[0] != 2 {
		t.Errorf("epochs after the second lease: %v, want [2] (the released one cleaned up)", epochs)
	}

	// b's holder crashes: its lease expires and c takes over. b then wakes and releases: c keeps it.
	abandon(t, lockPath)
	c, err := acquireExcl(lockPath, lease)
	if err != nil || c == nil {
		t.Fatalf("takeover of an expired lease: %v, %v", c, err)
	}
	b.release()
	if d, err := acquireExcl(lockPath, lease); d != nil || err != nil {
		t.Fatalf("acquire after the stale holder released: %v, %v (the new lease was lost)", d, err)
	}
	if token, _ := exclHolder(t, lockPath); token != c.token {
		t.Errorf("holder %s, want %s", token, c.token)
	}
	c.release()
	c.release() // twice is harmless

	// Other files next to the lock are never taken for epochs.
	for _, name := range []string{"creds.json.lock", "creds.json.lock.07", "creds.json.lock.x", "creds.json.lock.9.tmp"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if epochs, _ := listEpochs(lockPath); len(epochs) != 1 || epochs[0] != 3 {
		t.Errorf("epochs = %v, want [3]", epochs)
	}
	e, err := acquireExcl(lockPath, lease)
	if err != nil || e == nil {
		t.Fatalf("acquire next to junk: %v, %v", e, err)
	}
	e.release()
}

// A creator that crashed between creating its epoch and writing it leaves an empty file: it holds
// the lease for one lease time from its modification time, then counts as stale.
func TestExclLockUnwrittenEpoch(t *testing.T) {
	t.Parallel()
	lockPath := filepath.Join(t.TempDir(), "creds.json.lock")
	const lease = time.Minute
	name := epochName(lockPath, 4)
	if err := os.WriteFile(name, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if l, err := acquireExcl(lockPath, lease); l != nil || err != nil {
		t.Fatalf("acquire over a fresh unwritten epoch: %v, %v", l, err)
	}
	old := time.Now().Add(-2 * lease)
	if err := os.Chtimes(name, old, old); err != nil {
		t.Fatal(err)
	}
	l, err := acquireExcl(lockPath, lease)
	if err != nil || l == nil {
		t.Fatalf("acquire over an abandoned unwritten epoch: %v, %v", l, err)
	}
	if epochs, _ := listEpochs(lockPath); len(epochs) != 1 || epochs[0] != 5 {
		t.Errorf("epochs = %v, want [5]", epochs)
	}
	l.release()
}

// A creator whose listing was stale creates an epoch that was cleaned up below a newer holder's: it
// finds the higher epoch, backs off and removes only its own file. A creator that took more than half
// a lease to create its epoch gives it up (released, still the highest: the highest never goes).
func TestExclLockLateCreatorBacksOff(t *testing.T) {
	t.Parallel()
	lockPath := filepath.Join(t.TempDir(), "creds.json.lock")
	const lease = time.Minute
	for range 5 {
		l, err := acquireExcl(lockPath, lease)
		if err != nil || l == nil {
			t.Fatal(l, err)
		}
		l.release()
	}
	holder, err := acquireExcl(lockPath, lease)
	if err != nil || holder == nil {
		t.Fatal(holder, err)
	}
	if epochs, _ := listEpochs(lockPath); len(epochs) != 1 || epochs[0] != 6 {
		t.Fatalf("epochs = %v, want [6]", epochs)
	}
	// Saw epoch 3 as the highest, free, long ago; creates 4.
	if l, err := takeEpoch(lockPath, 4, lease, time.Now()); l != nil || err != nil {
		t.Fatalf("late creator: %v, %v; want it to back off", l, err)
	}
	if epochs, _ := listEpochs(lockPath); len(epochs) != 1 || epochs[0] != 6 {
		t.Errorf("epochs = %v, want [6] (the late epoch removed, the holder's kept)", epochs)
	}
	if token, expires := exclHolder(t, lockPath); token != holder.token || !time.Now().Before(expires) {
		t.Errorf("holder %s until %v, want %s", token, expires, holder.token)
	}

	holder.release()
	if l, err := takeEpoch(lockPath, 7, lease, time.Now().Add(-lease)); l != nil || err != nil {
		t.Fatalf("slow creator: %v, %v; want it to give the epoch up", l, err)
	}
	if epochs, _ := listEpochs(lockPath); len(epochs) != 2 || epochs[1] != 7 || !epochFree(epochName(lockPath, 7), lease, time.Now()) {
		t.Errorf("epochs = %v, want [6 7] with 7 released", epochs)
	}
	l, err := acquireExcl(lockPath, lease)
	if err != nil || l == nil {
		t.Fatalf("acquire after the slow creator: %v, %v", l, err)
	}
	l.release()
}

// The lock's errors are returned, not taken for a busy lock.
func TestExclLockMissingDirectory(t *testing.T) {
	t.Parallel()
	lockPath := filepath.Join(t.TempDir(), "missing", "creds.json.lock")
	if l, err := acquireExcl(lockPath, time.Minute); l != nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("acquire in a missing directory: %v, %v", l, err)
	}
}

// exclRound is one race for a stale (or released) lease: every contender tries once, all at once.
// Exactly one must win, and the lease on disk must be the winner's.
func checkExclRound(t *testing.T, round int, lockPath string, winners []string) {
	t.Helper()
	if len(winners) != 1 {
		t.Fatalf("round %d: %d winners %v, want exactly 1", round, len(winners), winners)
	}
	token, expires := exclHolder(t, lockPath)
	if token != winners[0] || !time.Now().Before(expires) {
		t.Fatalf("round %d: the lock holds %s until %v, want the winner %s (lease lost)", round, token, expires, winners[0])
	}
}

// Many goroutines, each with its own descriptors, race for a lease left by a crashed holder (or
// released by the last winner): exactly one wins each round and keeps its lease.
func TestExclLockStaleTakeoverGoroutines(t *testing.T) {
	t.Parallel()
	lockPath := filepath.Join(t.TempDir(), "creds.json.lock")
	const contenders, rounds = 12, 60
	first, err := acquireExcl(lockPath, time.Minute)
	if err != nil || first == nil {
		t.Fatal(first, err)
	}
	last := first
	for round := range rounds {
		if round%3 == 2 {
			last.release()
		} else {
			abandon(t, lockPath)
		}
		start := make(chan struct{})
		results := make(chan *exclLock, contenders)
		var wg sync.WaitGroup
		for range contenders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				l, err := acquireExcl(lockPath, time.Minute)
				if err != nil {
					t.Error(err)
				}
				results <- l
			}()
		}
		close(start)
		wg.Wait()
		close(results)
		var winners []string
		for l := range results {
			if l != nil {
				winners = append(winners, l.token)
				last = l
			}
		}
		checkExclRound(t, round, lockPath, winners)
	}
	if epochs, _ := listEpochs(lockPath); len(epochs) != 1 {
		t.Errorf("epochs left: %v, want only the holder's", epochs)
	}
}

// Under continuous contention (take, hold, release, again) the lease excludes and nobody is starved.
func TestExclLockMutualExclusion(t *testing.T) {
	t.Parallel()
	lockPath := filepath.Join(t.TempDir(), "creds.json.lock")
	const workers, each = 6, 15
	var holders, maxHolders, taken atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				deadline := time.Now().Add(30 * time.Second)
				var l *exclLock
				for l == nil && time.Now().Before(deadline) {
					var err error
					if l, err = acquireExcl(lockPath, time.Minute); err != nil {
						t.Error(err)
						return
					}
					if l == nil {
						time.Sleep(100 * time.Microsecond)
					}
				}
				if l == nil {
					t.Error("no lease in 30 s")
					return
				}
				n := holders.Add(1)
				for m := maxHolders.Load(); n > m && !maxHolders.CompareAndSwap(m, n); m = maxHolders.Load() {
				}
				runtime.Gosched()
				holders.Add(-1)
				taken.Add(1)
				l.release()
			}
		}()
	}
	wg.Wait()
	if maxHolders.Load() != 1 || taken.Load() != workers*each {
		t.Errorf("max concurrent holders %d (want 1), leases taken %d (want %d)", maxHolders.Load(), taken.Load(), workers*each)
	}
}

// exclHelperEnv names the lock path a re-executed test binary contends for.
const exclHelperEnv = "TVAUTH_EXCL_LOCK_HELPER"

// TestExclLockHelperProcess is not a test: it is the contender process that
// TestExclLockStaleTakeoverProcesses starts (this test binary, re-executed with exclHelperEnv set).
// Without that variable it returns at once. It reads "try <unix ns>" lines, tries once for the lease
// at that instant and answers "won <token>" or "lost".
func TestExclLockHelperProcess(t *testing.T) {
	lockPath := os.Getenv(exclHelperEnv)
	if lockPath == "" {
		return
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		at, ok := strings.CutPrefix(in.Text(), "try ")
		ns, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil {
			fmt.Printf("err bad command %q\n", in.Text())
			continue
		}
		time.Sleep(time.Until(time.Unix(0, ns)))
		l, err := acquireExcl(lockPath, time.Minute)
		switch {
		case err != nil:
			fmt.Printf("err %v\n", err)
		case l != nil:
			fmt.Printf("won %s\n", l.token)
		default:
			fmt.Println("lost")
		}
	}
}

// Several OS processes race for a lease left by a crashed holder: exactly one wins each round and
// keeps its lease.
func TestExclLockStaleTakeoverProcesses(t *testing.T) {
	t.Parallel()
	lockPath := filepath.Join(t.TempDir(), "creds.json.lock")
	const processes, rounds = 4, 25
	type contender struct {
		in  io.WriteCloser
		out *bufio.Reader
	}
	var cs []contender
	for range processes {
		cmd := exec.Command(os.Args[0], "-test.run=^TestExclLockHelperProcess$")
		cmd.Env = append(os.Environ(), exclHelperEnv+"="+lockPath)
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
		t.Cleanup(func() {
			in.Close()
			if err := cmd.Wait(); err != nil {
				t.Errorf("contender process: %v", err)
			}
		})
		cs = append(cs, contender{in, bufio.NewReader(out)})
	}
	first, err := acquireExcl(lockPath, time.Minute)
	if err != nil || first == nil {
		t.Fatal(first, err)
	}
	for round := range rounds {
		abandon(t, lockPath)
		at := time.Now().Add(50 * time.Millisecond).UnixNano()
		for _, c := range cs {
			if _, err := fmt.Fprintf(c.in, "try %d\n", at); err != nil {
				t.Fatal(err)
			}
		}
		var winners []string
		for i, c := range cs {
			line, err := c.out.ReadString('\n')
			if err != nil {
				t.Fatalf("round %d: contender %d: %v", round, i, err)
			}
			switch answer := strings.TrimSpace(line); {
			case strings.HasPrefix(answer, "won "):
				winners = append(winners, strings.TrimPrefix(answer, "won "))
			case answer != "lost":
				t.Fatalf("round %d: contender %d: %s", round, i, answer)
			}
		}
		checkExclRound(t, round, lockPath, winners)
	}
}

// The epoch lock (pass_credstore_lock_excl.go) writes the expiry start+lease, start being taken before the
// listing and the O_EXCL create, and accepts an acquisition that took up to lease/2. Its holder
// renews that expiry while it holds the lease, and the lease's context ends once it cannot: a holder
// whose epoch others judged free (its expiry passed) stops working rather than register a second time.
func TestExclLeaseRenewedAndLost(t *testing.T) {
	t.Parallel()
	const lease = time.Hour
	lockPath := filepath.Join(t.TempDir(), "creds.json.lock")
	start := time.Now().Add(-lease * 4 / 10) // listing, create and write took 0.4 lease: accepted (< lease/2)
	l, err := takeEpoch(lockPath, 1, lease, start)
	if err != nil || l == nil {
		t.Fatalf("takeEpoch = %v, %v", l, err)
	}
	if !l.until().Equal(start.Add(lease)) {
		t.Errorf("the lease runs until %v, the epoch file says %v", l.until(), start.Add(lease))
	}
	if epochFree(l.name, lease, l.until().Add(-time.Second)) {
		t.Error("the epoch is judged free before the end of the lease its holder was given")
	}

	// The lease is renewed every third of it: 3 s leaves the renewals a second and more of slack on
	// a loaded machine before the lease lapses.
	path := filepath.Join(t.TempDir(), "creds.json")
	const short = 3 * time.Second
	store := &FileCredentialStore{path: path, tryLock: tryLockExcl, lease: short}
	held, release, err := store.LockCredentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	time.Sleep(short + short/3) // past the first expiry, renewed meanwhile: still held, and nobody else gets it
	if held.Err() != nil {
		t.Fatalf("the lease ended while its holder lived: %v", context.Cause(held))
	}
	if other, err := acquireExcl(path+".lock", short); other != nil || err != nil {
		t.Fatalf("another took a renewed lease: %v, %v", other, err)
	}
	// As if its holder had stalled past the expiry. A renewal that read the file just before abandon
	// wrote it writes its new expiry over abandon's: then the lease was not abandoned, and abandon
	// tries again.
	var other *exclLock
	for deadline := time.Now().Add(30 * time.Second); other == nil; {
		abandon(t, path+".lock")
		if other, err = acquireExcl(path+".lock", short); err != nil || (other == nil && time.Now().After(deadline)) {
			t.Fatalf("takeover: %v, %v", other, err)
		}
	}
	defer other.release()
	select {
	case <-held.Done():
		if !errors.Is(context.Cause(held), ErrLeaseLost) {
			t.Errorf("the lease's context ended with %v, want ErrLeaseLost", context.Cause(held))
		}
	case <-time.After(time.Minute):
		t.Fatal("the lease's context outlived a takeover by a minute")
	}
}

// renew moves the expiry of a lease that is still its holder's, and says ErrLeaseLost for each way a
// lease is lost: its expiry passed (others may have judged it free), its file rewritten by another
// token, its file cleaned up by a later holder, or a higher epoch created since.
func TestExclLockRenew(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		lose func(t *testing.T, l *exclLock) // nil: the lease is still held
	}{
		{"held", nil},
		{"expired", func(t *testing.T, l *exclLock) { abandon(t, l.lockPath) }},
		{"another token", func(t *testing.T, l *exclLock) {
			if err := os.WriteFile(l.name, []byte(lockRecord(newLockToken(), time.Now().Add(time.Hour))), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"cleaned up", func(t *testing.T, l *exclLock) {
			if err := os.Remove(l.name); err != nil {
				t.Fatal(err)
			}
		}},
		{"higher epoch", func(t *testing.T, l *exclLock) {
			if err := os.WriteFile(epochName(l.lockPath, l.epoch+1), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lockPath := filepath.Join(t.TempDir(), "creds.json.lock")
			l, err := acquireExcl(lockPath, time.Minute)
			if err != nil || l == nil {
				t.Fatalf("acquireExcl = %v, %v", l, err)
			}
			before, first := time.Now(), l.until()
			if tc.lose != nil {
				tc.lose(t, l)
			}
			next, err := l.renew(time.Hour)
			if tc.lose != nil {
				if !errors.Is(err, ErrLeaseLost) || !next.IsZero() || !l.until().Equal(first) {
					t.Fatalf("renew = %v, %v (until %v), want ErrLeaseLost and the lease left as it was", next, err, l.until())
				}
				return
			}
			if err != nil || next.Before(before.Add(time.Hour)) || !l.until().Equal(next) {
				t.Fatalf("renew = %v, %v (until %v), want an hour from now", next, err, l.until())
			}
			if token, expires := exclHolder(t, lockPath); token != l.token || !expires.Equal(next) {
				t.Errorf("the epoch file holds %s %v, want %s %v", token, expires, l.token, next)
			}
		})
	}
}

// A lock path through a symbolic link and ".." is read as written, where the system resolves it:
// beside the link's target, not in the directory the path's text would clean to.
func TestExclLockPathThroughSymlink(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	target, links := filepath.Join(root, "target", "sub"), filepath.Join(root, "links")
	for _, d := range []string{target, links} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(target, filepath.Join(links, "link")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if err := os.WriteFile(filepath.Join(root, "target", "creds.json.lock.3"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	lockPath := filepath.Join(links, "link") + "/../creds.json.lock" // filepath.Join would clean it
	if epochs, err := listEpochs(lockPath); err != nil || len(epochs) != 1 || epochs[0] != 3 {
		t.Errorf("epochs = %v, %v; want [3], the epoch beside the link's target", epochs, err)
	}
}
