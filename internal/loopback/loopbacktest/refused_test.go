//go:build !plan9

package loopbacktest_test

import (
	"errors"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// TestRefusedIsRefused: a dial of the address is refused, not timed out
// and not answered.
func TestRefusedIsRefused(t *testing.T) {
	addr := loopbacktest.Refused(t)
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err == nil {
		c.Close()
		t.Fatalf("dial %s succeeded, want connection refused", addr)
	}
	if runtime.GOOS != "windows" && !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s: %v, want connection refused", addr, err)
	}
}

// TestRefusedPortCannotBeTaken: while the test runs, no listener can be
// given the port, neither by asking for it nor by asking for any port
// (Go's listeners set SO_REUSEADDR, as most servers do).
func TestRefusedPortCannotBeTaken(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("the port is held only where package syscall binds without listening")
	}
	addr := loopbacktest.Refused(t)
	if l, err := net.Listen("tcp", addr); err == nil {
		l.Close()
		t.Fatalf("listening on the held %s succeeded", addr)
	}
	neverGivenToPortZero(t, addr)
}

// TestRefusedReleasedAfterTheTest: the port is held until the test's
// cleanup, and only until then.
func TestRefusedReleasedAfterTheTest(t *testing.T) {
	var addr string
	t.Run("holder", func(t *testing.T) { addr = loopbacktest.Refused(t) })
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("after the holding test ended, listening on %s: %v", addr, err)
	}
	l.Close()
}

// TestFreeIsKeptForItsListener: a listener asking for the port takes it
// (and serves on it), one asking for any port is never given it, and a
// dial there before the listener is refused.
func TestFreeIsKeptForItsListener(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Free holds its port only on Linux")
	}
	addr := loopbacktest.Free(t)
	if c, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
		c.Close()
		t.Fatalf("dial %s before any listener succeeded", addr)
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s before any listener: %v, want connection refused", addr, err)
	}
	neverGivenToPortZero(t, addr)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on the port Free returned: %v", err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Write([]byte("x"))
			c.Close()
		}
	}()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s with its listener: %v", addr, err)
	}
	defer c.Close()
	b := make([]byte, 1)
	if _, err := c.Read(b); err != nil || b[0] != 'x' {
		t.Fatalf("read from %s: %q, %v", addr, b, err)
	}
}

// neverGivenToPortZero fails the test if any of 2000 listeners asking for
// any port of 127.0.0.1 is given addr.
func neverGivenToPortZero(t *testing.T, addr string) {
	t.Helper()
	for range 2000 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		got := l.Addr().String()
		l.Close()
		if got == addr {
			t.Fatalf("a listener on 127.0.0.1:0 was given the held %s", addr)
		}
	}
}
