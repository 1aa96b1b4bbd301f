package tvauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A host that never completes the TCP handshake holds a call only as long as the dial timeout.
func TestDialTimeoutEndsBlackHoledConnect(t *testing.T) {
	t.Parallel()
	addr := fullBacklogListener(t)
	c, err := New(WithAGSURL("http://"+addr+"/ags"), WithRetry(noRetry),
		WithTransportTimeouts(TransportTimeouts{Dial: 100 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	err = callWithin(t, func() error { _, err := c.AGS.ServiceDiscovery(context.Background()); return err })
	var re *RequestError
	var op *net.OpError
	if !errors.As(err, &re) || !errors.As(err, &op) || op.Op != "dial" || !op.Timeout() {
		t.Errorf("err = %v, want a *RequestError with a dial that timed out", err)
	}
}

// fullBacklogListener returns the address of a listener that is never accepted from, with a backlog
// of 0 already filled: the kernel drops further SYNs, so a connect never completes.
func fullBacklogListener(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the queue until a connect hangs: that one proves the next will too.
	for range 8 {
		conn, err := net.DialTimeout("tcp", addr, 500*time.Millisecond) // long enough for a loaded machine to connect
		if err != nil {
			if strings.Contains(err.Error(), "timeout") {
				return addr
			}
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
	}
	t.Fatal("the listener kept accepting connections into its queue")
	return ""
}
