package tvauthredis

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// The package's tests share one Redis, started by TestMain: a real redis-server on a free loopback
// port when the binary is on PATH (CI installs it), else an in-process miniredis. Either is reachable
// over TCP, so the child processes of the fleet test use it too.
var (
	sharedAddr string
	sharedKind string
)

func TestMain(m *testing.M) {
	if os.Getenv(replicaEnv) != "" {
		os.Exit(replicaMain())
	}
	stop, err := startRedis()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// testRedis returns the shared Redis's address and logs which kind it is.
func testRedis(t *testing.T) string {
	t.Helper()
	t.Log(sharedKind)
	return sharedAddr
}

func startRedis() (stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		m, err := miniredis.Run()
		if err != nil {
			return nil, err
		}
		sharedAddr, sharedKind = m.Addr(), "redis-server is not on PATH: using the in-process miniredis instead"
		// miniredis lets keys expire only when told that time passed: tell it as time passes, so
		// that leases expire as they do on a real server.
		done := make(chan struct{})
		go func() {
			const tick = 10 * time.Millisecond
			t := time.NewTicker(tick)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					m.FastForward(tick)
				case <-done:
					return
				}
			}
		}()
		return func() { close(done); m.Close() }, nil
	}
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
			"--appendonly", "no")
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("starting redis-server: %w", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() {
			_ = cmd.Process.Kill()
			<-exited
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if waitForRedis(addr, exited) {
			sharedAddr, sharedKind = addr, "using a real redis-server at "+addr
			return stop, nil
		}
		stop() // the port was taken meanwhile: try another
	}
	return nil, fmt.Errorf("redis-server did not start")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitForRedis pings addr until it answers, the server exits, or 20 s pass.
func waitForRedis(addr string, exited <-chan struct{}) bool {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

var prefixes atomic.Int64

// newStore is a Store on a fresh prefix of the shared test Redis.
func newStore(t *testing.T, opts ...Option) (*Store, *redis.Client) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: testRedis(t)})
	t.Cleanup(func() { rdb.Close() })
	prefix := fmt.Sprintf("test%d-%d:", os.Getpid(), prefixes.Add(1))
	s, err := New(rdb, append([]Option{WithPrefix(prefix)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s, rdb
}
