package outscale_test

import (
	"sync"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

var t0 = time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC)

// stepClock is a fake clock that moves forward by step on every Now, so
// that consecutive signatures carry different X-Amz-Date values.
type stepClock struct {
	*iamtest.FakeClock
	mu   sync.Mutex
	step time.Duration
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Advance(c.step)
	return c.FakeClock.Now()
}

// waitsPass is the clock a test client runs on: clk, except that a retry
// wait moves clk on by its duration at once, as time passes while the
// client waits, instead of waiting for the test to move it. (The
// emulator keeps clk itself, so its own timers still wait for the test.)
type waitsPass struct{ iam.Clock }

func (c waitsPass) NewTimer(d time.Duration) iam.Timer {
	if a, ok := c.Clock.(interface{ Advance(time.Duration) }); ok && d > 0 {
		a.Advance(d)
	}
	return c.Clock.NewTimer(0)
}

func newEmulator(t *testing.T, optFns ...func(*outscaletest.Options)) (*outscaletest.Server, *iamtest.FakeClock) {
	t.Helper()
	clk := iamtest.NewFakeClock(t0)
	srv, err := outscaletest.New(append([]func(*outscaletest.Options){func(o *outscaletest.Options) { o.Clock = clk }}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv, clk
}

// rootClient returns a client signing with the emulator's root key.
func rootClient(t *testing.T, srv *outscaletest.Server, clk iam.Clock, optFns ...func(*outscale.Options)) *outscale.Client {
	t.Helper()
	return newClient(t, srv, clk, srv.Root.AccessKey, srv.Root.SecretKey, optFns...)
}

func newClient(t *testing.T, srv *outscaletest.Server, clk iam.Clock, ak string, sk iam.Secret, optFns ...func(*outscale.Options)) *outscale.Client {
	t.Helper()
	c, err := outscale.New(append([]func(*outscale.Options){func(o *outscale.Options) {
		o.Endpoint = srv.URL
		o.Region = "eu-west-2"
		o.AccessKey, o.SecretKey = ak, sk
		o.Clock = waitsPass{clk}
		o.BaseDelay, o.MaxDelay = time.Millisecond, 2*time.Millisecond
	}}, optFns...)...)
	if err != nil {
		t.Fatalf("outscale.New: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// keyManager returns a key manager on c, failing t if it cannot.
func keyManager(t *testing.T, c *outscale.Client, optFns ...func(*outscale.KeyManagerOptions)) *outscale.KeyManager {
	t.Helper()
	km, err := outscale.NewKeyManager(c, optFns...)
	if err != nil {
		t.Fatalf("outscale.NewKeyManager: %v", err)
	}
	return km
}
