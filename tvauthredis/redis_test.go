package tvauthredis

import (
	"context"
	"errors"
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
	srv, err := newRedisServer()
	if err != nil {
		return nil, err
	}
	sharedAddr, sharedKind = srv.addr(), srv.kind
	return srv.stop, nil
}

// redisServer is a Redis the tests start: a real redis-server without persistence when the binary is
// on PATH, else an in-process miniredis.
type redisServer struct {
	kind string
	port int
	mini *miniredis.Miniredis
	proc *exec.Cmd
	dir  string        // redis-server's working directory
	done chan struct{} // closed when proc has exited, or to stop miniredis's clock
}

func (s *redisServer) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

func newRedisServer() (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if os.Getenv("TVAUTHREDIS_MINIREDIS") != "" { // to run the tests as where no redis-server is installed
		err = errors.New("TVAUTHREDIS_MINIREDIS is set")
	}
	if err != nil {
		m, err := miniredis.Run()
		if err != nil {
			return nil, err
		}
		s := &redisServer{kind: "using the in-process miniredis (redis-server is not on PATH, or TVAUTHREDIS_MINIREDIS is set)", mini: m,
			port: m.Server().Addr().Port, done: make(chan struct{})}
		// miniredis lets keys expire only when told that time passed: tell it as time passes, so
		// that leases expire as they do on a real server.
		go func() {
			const tick = 10 * time.Millisecond
			t := time.NewTicker(tick)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					m.FastForward(tick)
				case <-s.done:
					return
				}
			}
		}()
		return s, nil
	}
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &redisServer{kind: "using a real redis-server", port: port}
		if err := s.startProcess(bin); err != nil {
			return nil, err
		}
		if waitForRedis(s.addr(), s.done) {
			s.kind += " at " + s.addr()
			return s, nil
		}
		s.stop() // the port was taken meanwhile: try another
	}
	return nil, fmt.Errorf("redis-server did not start")
}

func (s *redisServer) startProcess(bin string) error {
	if s.dir == "" { // where it writes, should a test turn persistence on: never the package directory
		dir, err := os.MkdirTemp("", "tvauthredis-")
		if err != nil {
			return err
		}
		s.dir = dir
	}
	s.proc = exec.Command(bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.dir)
	if err := s.proc.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(s.proc, s.done)
	return nil
}

func (s *redisServer) stop() {
	if s.mini != nil {
		close(s.done)
		s.mini.Close()
		return
	}
	_ = s.proc.Process.Kill()
	<-s.done
	_ = os.RemoveAll(s.dir)
}

// restartEmpty kills the server and starts it again on the same port with no data, as a Redis
// without persistence comes back after a crash.
func (s *redisServer) restartEmpty(t *testing.T) {
	t.Helper()
	if s.mini != nil {
		s.mini.Close()
		s.mini.FlushAll()
		if err := s.mini.Restart(); err != nil {
			t.Fatal(err)
		}
		return
	}
	_ = s.proc.Process.Kill()
	<-s.done
	bin := s.proc.Path
	deadline := time.Now().Add(time.Minute)
	for {
		if err := s.startProcess(bin); err != nil {
			t.Fatal(err)
		}
		if waitForRedis(s.addr(), s.done) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not restart on its port")
		}
		time.Sleep(100 * time.Millisecond) // the port may linger a moment
	}
}

// startOwnRedis starts a Redis for one test, which it may restart.
func startOwnRedis(t *testing.T) *redisServer {
	t.Helper()
	s, err := newRedisServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	t.Log(s.kind)
	return s
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
