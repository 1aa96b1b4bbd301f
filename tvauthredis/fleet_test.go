package tvauthredis

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// The fleet proof: replicas are processes (this test binary re-executed with replicaEnv set) against
// one Redis and one tvauthtest fake on a real loopback listener, with the faults a fleet meets as
// cases: a holder stopped past its lease, a holder whose SET NX reply comes late, a holder killed,
// and Redis restarted empty between two waves. After each: exactly one client id is stored and every
// replica uses it, and no call outlived its deadline.

const (
	replicaEnv = "TVAUTHREDIS_REPLICA" // "run" or "hold"
	agsUserKey = "dave"
	// roundDeadline bounds one round of a replica's calls: far above what any case needs, so that a
	// call that hangs shows as one that outlived it rather than as a stuck test.
	roundDeadline = 90 * time.Second
)

var testDevice = tvauth.Device{
	ID: "ba23d141-d715-561c-94f4-e9e4c966b1eb",
	Info: tvauth.DeviceInfo{PrimaryHardwareType: "SetTopBox", Model: "STB-9", Version: "r2", Manufacturer: "Acme",
		OSName: "Linux", OSVersion: "6.1", ConnectionType: "WiFi"},
}

func itoa(n int) string { return strconv.Itoa(n) }

// replicaResult is what a replica prints on stdout after each round.
type replicaResult struct {
	ClientID  string        `json:"client_id"`  // what LoadOrRegister returns
	PassToken string        `json:"pass_token"` // the bearer token its Pass call carried
	AGSToken  string        `json:"ags_token,omitempty"`
	Adopted   int           `json:"adopted"` // Warn lines so far that it uses the stored client, not its own
	Elapsed   time.Duration `json:"elapsed"`
	Err       string        `json:"err,omitempty"`
}

// bearerRecorder remembers the Authorization header of the last Pass API call.
type bearerRecorder struct {
	mu   sync.Mutex
	last string
}

func (b *bearerRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/api/v2/") {
		b.mu.Lock()
		b.last = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		b.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// replicaMain is a replica. "run": for every line "go" on stdin, a round (a Pass call through a
// client built with WithPassCredentialStore, LoadOrRegister, and the shared AGS user's token),
// printed as one JSON line. "hold": take the registration and AGS leases, say "held", and hang
// until killed.
func replicaMain() int {
	var lease time.Duration
	if v := os.Getenv("TVAUTHREDIS_LEASE"); v != "" {
		lease, _ = time.ParseDuration(v)
	}
	// A reply delayed on the network must not turn into a read timeout here: the proxy case delays
	// one by a few seconds, and go-redis's default ReadTimeout is 3 s.
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("TVAUTHREDIS_ADDR"), ReadTimeout: 20 * time.Second})
	defer rdb.Close()
	opts := []Option{WithPrefix(os.Getenv("TVAUTHREDIS_PREFIX"))}
	if lease > 0 {
		opts = append(opts, WithLease(lease))
	}
	store, err := New(rdb, opts...)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	if os.Getenv(replicaEnv) == "hold" {
		if err := holdLeases(store); err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Println("held")
		select {}
	}
	fakeURL, statement := os.Getenv("TVAUTHREDIS_FAKE"), tvauth.Secret(os.Getenv("TVAUTHREDIS_STATEMENT"))
	rec := &bearerRecorder{}
	var adopted atomic.Int32
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		if bytes.Contains(p, []byte("stored_client_id=")) { // it uses a client it did not register or hold
			adopted.Add(1)
		}
		return len(p), nil
	}), &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := tvauth.New(tvauth.WithLogger(logger), tvauth.WithPassURL(fakeURL), tvauth.WithAGSURL(fakeURL+"/ags"),
		tvauth.WithAGSTenant(tvauthtest.AGSTenant), tvauth.WithAGSAuthService(tvauthtest.AGSAuthService),
		tvauth.WithDevice(testDevice), tvauth.WithHTTPClient(&http.Client{Transport: rec}),
		tvauth.WithPassCredentialStore(store, statement), tvauth.WithPassTokenStore(store))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		ctx, cancel := context.WithTimeout(context.Background(), roundDeadline)
		start := time.Now()
		res := replicaRound(ctx, c, store, statement, rec, os.Getenv("TVAUTHREDIS_AGS") != "")
		res.Elapsed = time.Since(start)
		res.Adopted = int(adopted.Load())
		cancel()
		_ = json.NewEncoder(os.Stdout).Encode(res)
	}
	return 0
}

func replicaRound(ctx context.Context, c *tvauth.Client, store *Store, statement tvauth.Secret, rec *bearerRecorder, ags bool) (res replicaResult) {
	fail := func(step string, err error) replicaResult { res.Err = step + ": " + err.Error(); return res }
	// What a replica does: call. The first call registers or loads the credentials, fetches a token
	// or reads the fleet's.
	if _, err := c.Pass.Configuration(ctx, "REF30"); err != nil {
		return fail("Pass call", err)
	}
	rec.mu.Lock()
	res.PassToken = rec.last
	rec.mu.Unlock()
	creds, err := c.Pass.LoadOrRegister(ctx, store, statement)
	if err != nil {
		return fail("LoadOrRegister", err)
	}
	res.ClientID = creds.ClientID
	if ags {
		at, err := c.AGS.SharedTokenSource(store, agsUserKey, tvauth.SignOnRequest{}, nil).TokenContext(ctx)
		if err != nil {
			return fail("AGS token", err)
		}
		res.AGSToken = at.AccessToken
	}
	return res
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// replica is a started replica process.
type replica struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
}

func startReplica(t *testing.T, mode string, env []string) *replica {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), replicaEnv+"="+mode), env...)
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
		_ = cmd.Process.Signal(syscall.SIGCONT) // a stopped process cannot die
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return &replica{cmd: cmd, stdin: in, stdout: bufio.NewReader(out)}
}

// start asks for a round; result reads its outcome.
func (r *replica) start(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(r.stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
}

func (r *replica) result() replicaResult {
	line, err := r.stdout.ReadBytes('\n')
	var res replicaResult
	if err != nil {
		return replicaResult{Err: fmt.Sprintf("replica output %q: %v", line, err)}
	}
	if err := json.Unmarshal(line, &res); err != nil {
		return replicaResult{Err: fmt.Sprintf("replica output %q: %v", line, err)}
	}
	return res
}

// results reads one round's outcome from each replica, all at once.
func results(rs []*replica) []replicaResult {
	out := make([]replicaResult, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = r.result() }()
	}
	wg.Wait()
	return out
}

// round runs one round on every replica at once.
func round(t *testing.T, rs []*replica) []replicaResult {
	t.Helper()
	for _, r := range rs {
		r.start(t)
	}
	return results(rs)
}

// fleet is one case's world: a fake, a key prefix on a Redis, and the replicas' environment.
type fleet struct {
	fake  *tvauthtest.Server
	addr  string
	store *Store // the parent's view, on the same prefix
	env   []string
	seed  tvauth.Tokens // the AGS user's tokens, expired, as stored at the start
}

// newFleet prepares a case. lease 0 is the default lease. With ags, the AGS user's expired tokens
// are stored and every round reads the shared AGS token too.
func newFleet(t *testing.T, addr string, lease time.Duration, ags bool) *fleet {
	t.Helper()
	f := &fleet{fake: tvauthtest.NewServer(), addr: addr}
	t.Cleanup(f.fake.Close)
	prefix := fmt.Sprintf("fleet%d-%d:", os.Getpid(), prefixes.Add(1))
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	var err error
	if f.store, err = New(rdb, WithPrefix(prefix)); err != nil {
		t.Fatal(err)
	}
	f.env = []string{"TVAUTHREDIS_ADDR=" + addr, "TVAUTHREDIS_FAKE=" + f.fake.URL(), "TVAUTHREDIS_PREFIX=" + prefix,
		"TVAUTHREDIS_STATEMENT=" + string(f.fake.SoftwareStatement())}
	if lease > 0 {
		f.env = append(f.env, "TVAUTHREDIS_LEASE="+lease.String())
	}
	if ags {
		f.env = append(f.env, "TVAUTHREDIS_AGS=1")
		f.seedAGS(t)
	}
	return f
}

// seedAGS signs the shared AGS user on and stores the tokens, expired by the replicas' clock.
func (f *fleet) seedAGS(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	f.fake.AddAGSUser(agsUserKey, "1663")
	res, err := f.fake.Client().AGS.SignOn(ctx, tvauth.SignOnRequest{
		Parameters: []tvauth.Parameter{{Name: tvauthtest.AGSUsernameParam, Value: agsUserKey},
			{Name: tvauthtest.AGSPasswordParam, Value: f.fake.AGSPassword(agsUserKey)}},
		DeviceInformation: json.RawMessage(`{"deviceType":"OPEN"}`)})
	if err != nil || res.Tokens == nil {
		t.Fatalf("SignOn: %v, %+v", err, res)
	}
	f.seed = *res.Tokens
	f.seed.ReceivedAt = time.Now().Add(-2 * f.seed.ExpiresIn)
	if ok, err := f.store.CompareAndSwapTokens(ctx, agsUserKey, "", f.seed); !ok || err != nil {
		t.Fatalf("seeding the AGS tokens: %v, %v", ok, err)
	}
}

func (f *fleet) start(t *testing.T, mode string, n int, extraEnv ...string) []*replica {
	t.Helper()
	var rs []*replica
	for range n {
		rs = append(rs, startReplica(t, mode, append(append([]string(nil), f.env...), extraEnv...)))
	}
	return rs
}

// waitForRequest waits until the fake has received a request for path.
func (f *fleet) waitForRequest(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for countRequests(f.fake, path) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no request for %s in a minute", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// check is the promise after every case: no replica failed or outlived its deadline, exactly one
// client id is stored, every replica's LoadOrRegister returns it and every replica's Pass call
// carries one token fetched with it; the AGS user's token is one live token. It logs the counts.
func (f *fleet) check(t *testing.T, name string, res []replicaResult) {
	t.Helper()
	ctx := context.Background()
	stored, err := f.store.Load(ctx)
	if err != nil {
		t.Fatalf("%s: the stored credentials: %v", name, err)
	}
	var slowest time.Duration
	adopted := 0
	for i, r := range res {
		slowest = max(slowest, r.Elapsed)
		adopted += r.Adopted
		if r.Elapsed > roundDeadline {
			t.Errorf("%s: replica %d: its round took %v, past its deadline %v", name, i, r.Elapsed, roundDeadline)
		}
		if r.Err != "" {
			t.Errorf("%s: replica %d: %s", name, i, r.Err)
			continue
		}
		if r.ClientID != stored.ClientID {
			t.Errorf("%s: replica %d uses client %s, the store holds %s", name, i, r.ClientID, stored.ClientID)
		}
		if r.PassToken != res[0].PassToken {
			t.Errorf("%s: replica %d calls Pass with another token than replica 0", name, i)
		}
		if r.AGSToken != res[0].AGSToken || (r.AGSToken != "" && !f.fake.AGSAccessTokenActive(tvauth.Secret(r.AGSToken))) {
			t.Errorf("%s: replica %d holds another or a dead AGS token", name, i)
		}
	}
	for _, r := range f.fake.Requests() {
		if r.Path == "/o/client/token" && !bytes.Contains(r.Body, []byte("client_id="+stored.ClientID)) {
			t.Errorf("%s: a Pass token was fetched with another client than the stored %s", name, stored.ClientID)
		}
	}
	t.Logf("%s: %d replicas, stored client %s; registrations %d, Pass token fetches %d, AGS refreshes %d, adoptions logged %d; slowest round %v",
		name, len(res), stored.ClientID, countRequests(f.fake, "/o/client/register"), countRequests(f.fake, "/o/client/token"),
		countRequests(f.fake, "/ags/refresh"), adopted, slowest.Round(time.Millisecond))
}

// Under normal contention: 8 replicas at one instant register once, fetch one Pass token and
// refresh the AGS user once.
func TestFleetTogether(t *testing.T) {
	t.Parallel()
	f := newFleet(t, testRedis(t), 5*time.Second, true)
	res := round(t, f.start(t, "run", 8))
	f.check(t, "together", res)
	for path, want := range map[string]int{"/o/client/register": 1, "/o/client/token": 1, "/ags/refresh": 1} {
		if got := countRequests(f.fake, path); got != want {
			t.Errorf("%s: %d requests, want %d", path, got, want)
		}
	}
	if res[0].AGSToken == string(f.seed.AccessToken) {
		t.Error("the replicas use the expired AGS token")
	}
}

// The holder is stopped (SIGSTOP) while its registration is in flight, for longer than its lease;
// the others take over and store a client; then the holder resumes. Its late registration must not
// replace the stored client: it adopts it, and so does every replica.
func TestFleetHolderStopped(t *testing.T) {
	t.Parallel()
	const lease = 2 * time.Second
	f := newFleet(t, testRedis(t), lease, false)
	f.fake.SetPathLatency("/o/client/register", 500*time.Millisecond)
	holder := f.start(t, "run", 1)[0]
	holder.start(t)
	f.waitForRequest(t, "/o/client/register")
	if err := holder.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	others := f.start(t, "run", 7)
	for _, r := range others {
		r.start(t)
	}
	res := results(others)
	time.Sleep(lease) // stopped for well past its lease
	if err := holder.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	res = append(res, holder.result())
	f.check(t, "holder stopped, first round", res)
	// A second round: every replica, the resumed holder included, goes on with the stored client.
	f.fake.ExpirePassTokens()
	f.check(t, "holder stopped, second round", round(t, append(others, holder)))
}

// The holder's SET NX reply is delayed past its lease by a proxy between it and Redis: by the time it
// reads "OK" the lease it won has lapsed and another replica holds the next one. It must not act as
// the holder.
func TestFleetSetNXReplyDelayed(t *testing.T) {
	t.Parallel()
	const lease = 2 * time.Second
	f := newFleet(t, testRedis(t), lease, false)
	// The others' registration is still running when the late reply arrives.
	f.fake.SetPathLatency("/o/client/register", 1500*time.Millisecond)
	proxy := newDelayProxy(t, f.addr, lease+time.Second)
	holder := startReplica(t, "run", append(append([]string(nil), f.env...), "TVAUTHREDIS_ADDR="+proxy.addr()))
	holder.start(t)
	<-proxy.delaying
	others := f.start(t, "run", 7)
	for _, r := range others {
		r.start(t)
	}
	res := append(results(others), holder.result())
	f.check(t, "SET NX reply delayed, first round", res)
	f.fake.ExpirePassTokens()
	f.check(t, "SET NX reply delayed, second round", round(t, append(others, holder)))
}

// The holder of the registration and AGS leases is killed (kill -9) as the others start, with the
// default lease: they wait about one lease and then succeed. This logs the latency a fleet of 8 pays.
func TestFleetHolderKilled(t *testing.T) {
	t.Parallel()
	f := newFleet(t, testRedis(t), 0, true)
	holder := f.start(t, "hold", 1)[0]
	if line, err := holder.stdout.ReadString('\n'); strings.TrimSpace(line) != "held" {
		t.Fatalf("holder: %q, %v", line, err)
	}
	others := f.start(t, "run", 7)
	for _, r := range others {
		r.start(t)
	}
	killed := time.Now()
	if err := holder.cmd.Process.Kill(); err != nil { // SIGKILL: it dies holding both leases
		t.Fatal(err)
	}
	res := results(others)
	f.check(t, "holder killed", res)
	var slowest time.Duration
	for _, r := range res {
		slowest = max(slowest, r.Elapsed)
	}
	t.Logf("crashed holder, fleet of 8, defaults (lease %v, lease wait %v, token fetch %v): the 7 others done %v after the kill, slowest round %v",
		tvauth.DefaultLeaseTime, defaultLeaseWait, tvauth.DefaultTokenFetchTimeout, time.Since(killed).Round(time.Millisecond),
		slowest.Round(time.Millisecond))
}

// Redis restarts empty between two waves of replicas. The first wave still runs and holds the
// credentials: on its next call after the restart it writes them back (write-once), so the second
// wave loads them and nobody registers a second client.
func TestFleetRedisRestartedEmpty(t *testing.T) {
	t.Parallel()
	srv := startOwnRedis(t)
	f := newFleet(t, srv.addr(), 2*time.Second, false)
	wave1 := f.start(t, "run", 4)
	f.check(t, "restart, wave 1", round(t, wave1))
	srv.restartEmpty(t)
	if _, err := f.store.Load(context.Background()); !errors.Is(err, tvauth.ErrNoCredentials) {
		t.Fatalf("after the restart: %v, want ErrNoCredentials", err)
	}
	// The first wave's next call: their Pass tokens have expired (the fake forgot them), so each
	// fetches a new one and finds the store empty.
	f.fake.ExpirePassTokens()
	res := round(t, wave1)
	wave2 := f.start(t, "run", 4)
	res = append(res, round(t, wave2)...)
	f.check(t, "restart, waves 1 and 2", res)
	if n := countRequests(f.fake, "/o/client/register"); n != 1 {
		t.Errorf("%d registrations across the restart, want 1", n)
	}
}

// delayProxy forwards TCP to Redis and delays the reply to the first command carrying NX (the lease's
// SET NX) by a fixed time.
type delayProxy struct {
	ln       net.Listener
	target   string
	delay    time.Duration
	once     sync.Once
	delaying chan struct{} // closed when the SET NX has gone through
}

func newDelayProxy(t *testing.T, target string, delay time.Duration) *delayProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &delayProxy{ln: ln, target: target, delay: delay, delaying: make(chan struct{})}
	var conns sync.WaitGroup
	t.Cleanup(func() { ln.Close(); conns.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { defer conns.Done(); p.serve(c) }()
		}
	}()
	return p
}

func (p *delayProxy) addr() string { return p.ln.Addr().String() }

func (p *delayProxy) serve(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	armed := make(chan struct{}, 1) // the next reply on this connection is the SET NX's
	go func() {
		defer server.Close()
		buf := make([]byte, 64<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				if bytes.Contains(buf[:n], []byte("\r\nNX\r\n")) || bytes.Contains(buf[:n], []byte("\r\nnx\r\n")) {
					p.once.Do(func() { armed <- struct{}{}; close(p.delaying) })
				}
				if _, err := server.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 {
			select {
			case <-armed:
				time.Sleep(p.delay)
			default:
			}
			if _, err := client.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
