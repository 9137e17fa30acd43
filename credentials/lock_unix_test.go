//go:build unix

package credentials

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest"
)

// The state-file lock, held by another process, is polled on the
// provider's clock, not the real one.
func TestManagedStateFileLockWaitsOnInjectedClock(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newYandexRig(t, clk)
	path := filepath.Join(t.TempDir(), "keys.json")
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, r, clk, func(o *ManagedOptions) { o.StateFile = path })
	n0 := clk.Timers()
	h.p.Start()
	h.p.signal()
	done := make(chan struct{})
	stop := time.AfterFunc(5*time.Second, func() { close(done) })
	defer stop.Stop()
	if !clk.BlockUntilTimers(n0+1, done) {
		t.Fatal("waiting for the state-file lock armed no timer on the provider's clock (it polls on the real clock)")
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if c := h.start(); c.AccessKeyID == "" {
		t.Fatal("no key after the lock was released")
	}
}
