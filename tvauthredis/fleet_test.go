package tvauthredis

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

// The fleet proof: replicas are processes (this test binary re-executed with replicaEnv set), all
// started together against one Redis and one tvauthtest fake on a real loopback listener.

const (
	replicaEnv = "TVAUTHREDIS_REPLICA" // "run" or "hold"
	agsUserKey = "dave"
)

var testDevice = tvauth.Device{
	ID: "ba23d141-d715-561c-94f4-e9e4c966b1eb",
	Info: tvauth.DeviceInfo{PrimaryHardwareType: "SetTopBox", Model: "STB-9", Version: "r2", Manufacturer: "Acme",
		OSName: "Linux", OSVersion: "6.1", ConnectionType: "WiFi"},
}

func itoa(n int) string { return strconv.Itoa(n) }

// replicaResult is what a replica prints on stdout.
type replicaResult struct {
	ClientID  string `json:"client_id"`
	PassToken string `json:"pass_token"`
	AGSToken  string `json:"ags_token"`
	Err       string `json:"err,omitempty"`
}

// replicaMain is a replica. "run": LoadOrRegister, one Pass token and the shared AGS user's token,
// printed as JSON. "hold": take every lease, say "held", and hang until killed.
func replicaMain() int {
	fakeURL := os.Getenv("TVAUTHREDIS_FAKE")
	lease, _ := time.ParseDuration(os.Getenv("TVAUTHREDIS_LEASE"))
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("TVAUTHREDIS_ADDR")})
	defer rdb.Close()
	store, err := New(rdb, WithPrefix(os.Getenv("TVAUTHREDIS_PREFIX")), WithLease(lease))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if os.Getenv(replicaEnv) == "hold" {
		if _, _, err := store.LockCredentials(ctx); err != nil {
			fmt.Println(err)
			return 1
		}
		if _, _, err := store.LockTokens(ctx, agsUserKey); err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Println("held")
		<-ctx.Done()
		return 1
	}
	res := replicaRun(ctx, store, fakeURL)
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

func replicaRun(ctx context.Context, store *Store, fakeURL string) (res replicaResult) {
	fail := func(err error) replicaResult { res.Err = err.Error(); return res }
	opts := []tvauth.Option{tvauth.WithPassURL(fakeURL), tvauth.WithAGSURL(fakeURL + "/ags"),
		tvauth.WithAGSTenant(tvauthtest.AGSTenant), tvauth.WithAGSAuthService(tvauthtest.AGSAuthService),
		tvauth.WithDevice(testDevice)}
	c, err := tvauth.New(opts...)
	if err != nil {
		return fail(err)
	}
	creds, err := c.Pass.LoadOrRegister(ctx, store, tvauth.Secret(os.Getenv("TVAUTHREDIS_STATEMENT")))
	if err != nil {
		return fail(err)
	}
	res.ClientID = creds.ClientID
	c, err = tvauth.New(append(opts, tvauth.WithPassCredentials(creds), tvauth.WithPassTokenStore(store))...)
	if err != nil {
		return fail(err)
	}
	tok, err := c.Pass.TokenSource(creds).Token()
	if err != nil {
		return fail(err)
	}
	res.PassToken = tok.AccessToken
	at, err := c.AGS.SharedTokenSource(store, agsUserKey, tvauth.SignOnRequest{}, nil).TokenContext(ctx)
	if err != nil {
		return fail(err)
	}
	res.AGSToken = at.AccessToken
	return res
}

// replica is a started replica process.
type replica struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader
}

func startReplica(t *testing.T, mode string, env []string) *replica {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), replicaEnv+"="+mode), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return &replica{cmd: cmd, stdout: bufio.NewReader(out)}
}

func TestFleetOfProcesses(t *testing.T) {
	for _, killHolder := range []bool{false, true} {
		name := "together"
		if killHolder {
			name = "holder-killed"
		}
		t.Run(name, func(t *testing.T) { runFleet(t, killHolder) })
	}
}

func runFleet(t *testing.T, killHolder bool) {
	const n = 8
	addr := testRedis(t)
	fake := tvauthtest.NewServer()
	defer fake.Close()
	ctx := context.Background()

	// A shared AGS user, signed on once, whose access token has expired by the replicas' clock.
	fake.AddAGSUser("dave", "1663")
	res, err := fake.Client().AGS.SignOn(ctx, tvauth.SignOnRequest{
		Parameters: []tvauth.Parameter{{Name: tvauthtest.AGSUsernameParam, Value: "dave"},
			{Name: tvauthtest.AGSPasswordParam, Value: fake.AGSPassword("dave")}},
		DeviceInformation: json.RawMessage(`{"deviceType":"OPEN"}`)})
	if err != nil || res.Tokens == nil {
		t.Fatalf("SignOn: %v, %+v", err, res)
	}
	seed := *res.Tokens
	seed.ReceivedAt = time.Now().Add(-2 * seed.ExpiresIn)

	prefix := fmt.Sprintf("fleet%d-%d:", os.Getpid(), prefixes.Add(1))
	lease := 10 * time.Second
	if killHolder {
		lease = 2 * time.Second
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	store, err := New(rdb, WithPrefix(prefix), WithLease(lease))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := store.CompareAndSwapTokens(ctx, agsUserKey, "", seed); !ok || err != nil {
		t.Fatalf("seeding the AGS tokens: %v, %v", ok, err)
	}
	env := []string{"TVAUTHREDIS_ADDR=" + addr, "TVAUTHREDIS_FAKE=" + fake.URL(), "TVAUTHREDIS_PREFIX=" + prefix,
		"TVAUTHREDIS_LEASE=" + lease.String(), string("TVAUTHREDIS_STATEMENT=" + fake.SoftwareStatement())}

	replicas := n
	var holder *replica
	if killHolder {
		holder = startReplica(t, "hold", env)
		line, err := holder.stdout.ReadString('\n')
		if strings.TrimSpace(line) != "held" {
			t.Fatalf("holder: %q, %v", line, err)
		}
		replicas = n - 1
	}
	started := time.Now()
	var rs []*replica
	for range replicas {
		rs = append(rs, startReplica(t, "run", env))
	}
	if holder != nil {
		if err := holder.cmd.Process.Kill(); err != nil { // it dies holding both leases
			t.Fatal(err)
		}
	}
	results := make([]replicaResult, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _ := io.ReadAll(r.stdout)
			_ = r.cmd.Wait()
			if err := json.Unmarshal(b, &results[i]); err != nil {
				results[i].Err = fmt.Sprintf("replica output %q: %v", b, err)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(started)

	for i, r := range results {
		if r.Err != "" {
			t.Fatalf("replica %d: %s", i, r.Err)
		}
		if r.ClientID != results[0].ClientID || r.PassToken != results[0].PassToken || r.AGSToken != results[0].AGSToken {
			t.Errorf("replica %d disagrees: %+v vs %+v", i, r, results[0])
		}
		if !fake.AGSAccessTokenActive(tvauth.Secret(r.AGSToken)) || r.AGSToken == string(seed.AccessToken) {
			t.Errorf("replica %d holds a dead or stale AGS token", i)
		}
	}
	if got := countRequests(fake, "/o/client/register"); got != 1 {
		t.Errorf("DCR registrations = %d, want 1", got)
	}
	if got := countRequests(fake, "/o/client/token"); got != 1 {
		t.Errorf("Pass token fetches = %d, want 1 for the fleet", got)
	}
	if got := countRequests(fake, "/ags/refresh"); got != 1 {
		t.Errorf("AGS refreshes = %d, want 1", got)
	}
	stored, err := store.Load(ctx)
	if err != nil || stored.ClientID != results[0].ClientID {
		t.Errorf("stored credentials %v, %v", stored.ClientID, err)
	}
	// The Pass token works on the fake: an authorised call with it is not refused.
	c, _ := tvauth.New(append(fake.Options(), tvauth.WithDevice(testDevice),
		tvauth.WithPassCredentials(stored), tvauth.WithPassTokenStore(store))...)
	if tok, err := c.Pass.TokenSource(stored).Token(); err != nil || tok.AccessToken != results[0].PassToken {
		t.Errorf("the parent reads another Pass token: %v", err)
	}
	t.Logf("%d replicas done in %v (lease %v, holder killed: %v)", len(rs), elapsed, lease, killHolder)
}
