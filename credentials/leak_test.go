package credentials

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/outscale"
	"go.uber.org/goleak"
)

// noProviderGoroutines waits until no goroutine runs provider code and
// reports the stacks of those left. The goroutine that closes done is
// still returning when Close returns, so this waits (bounded, in real
// time) for goroutines to exit, not for time to pass.
func noProviderGoroutines() []string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		g := providerGoroutines()
		if len(g) == 0 || time.Now().After(deadline) {
			return g
		}
		runtime.Gosched()
	}
}

// providerGoroutines returns the stacks of goroutines running provider
// code (the rotation loop and its watcher).
func providerGoroutines() []string {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	var out []string
	for g := range strings.SplitSeq(string(buf[:n]), "\n\n") {
		if strings.Contains(g, "credentials.(*ManagedProvider).loop") {
			out = append(out, g)
		}
	}
	return out
}

// Close leaves no goroutine behind: not after a normal life, not when a
// KeyManager call hangs at Close time (Close cancels it), and not when the
// provider is closed before it ever started.
func TestManagedCloseLeavesNoGoroutine(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newOutscaleRig(t, clk)

	t.Run("after rotation", func(t *testing.T) {
		h := newHarness(t, r, clk)
		h.start()
		h.advance(testPolicy.Lifetime - testPolicy.RotateBefore)
		if len(providerGoroutines()) == 0 {
			t.Fatal("the rotation goroutine is not running: the check below would prove nothing")
		}
		if err := h.p.Close(); err != nil {
			t.Fatal(err)
		}
		if g := noProviderGoroutines(); len(g) != 0 {
			t.Fatalf("%d goroutine(s) left after Close:\n%s", len(g), strings.Join(g, "\n\n"))
		}
	})

	t.Run("call hanging at Close", func(t *testing.T) {
		h := newHarness(t, r, clk)
		h.start()
		r.faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: r.createOp})
		// The rotation is due: the loop sends CreateAccessKey, which hangs.
		before := r.osc.Calls("CreateAccessKey")
		h.clk.Advance(testPolicy.Lifetime - testPolicy.RotateBefore)
		// Wait (bounded, in real time) for the request to reach the
		// emulator: this waits for the loop, not for time to pass.
		for deadline := time.Now().Add(10 * time.Second); r.osc.Calls("CreateAccessKey") == before; {
			if time.Now().After(deadline) {
				t.Fatal("the rotation did not send CreateAccessKey")
			}
			runtime.Gosched()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.p.Shutdown(ctx); err != nil {
			t.Fatalf("Close with a hanging call: %v", err)
		}
		if g := noProviderGoroutines(); len(g) != 0 {
			t.Fatalf("%d goroutine(s) left after Close:\n%s", len(g), strings.Join(g, "\n\n"))
		}
	})

	t.Run("never started", func(t *testing.T) {
		h := newHarness(t, r, clk)
		if err := h.p.Close(); err != nil {
			t.Fatal(err)
		}
		if g := noProviderGoroutines(); len(g) != 0 {
			t.Fatalf("%d goroutine(s) left after Close:\n%s", len(g), strings.Join(g, "\n\n"))
		}
		if _, err := h.p.Retrieve(context.Background()); err == nil {
			t.Fatal("Retrieve after Close succeeded")
		}
	})
}

// TestManagedCloseAndShutdownLeaveNoGoroutine checks both ways of closing
// with goleak: after Close() or Shutdown(ctx) returns, no goroutine started
// during the provider's life is left once the KeyManager's client (the
// caller's) is closed, except the emulator's server side of the
// connections.
func TestManagedCloseAndShutdownLeaveNoGoroutine(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newOutscaleRig(t, clk)
	transport := []goleak.Option{
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
	}
	for name, closeIt := range map[string]func(*ManagedProvider) error{
		"Close": func(p *ManagedProvider) error { return p.Close() },
		"Shutdown": func(p *ManagedProvider) error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return p.Shutdown(ctx)
		},
	} {
		t.Run(name, func(t *testing.T) {
			opts := append([]goleak.Option{goleak.IgnoreCurrent()}, transport...)
			// A KeyManager on a client of this subtest's own, which it
			// closes (the caller owns the client): its pool's connections
			// are no goroutine of the provider's, and none is left.
			c, err := outscale.New(r.osc.ClientOptions(r.osc.Root), func(o *outscale.Options) { o.MaxAttempts = 1 })
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			km, err := outscale.NewKeyManager(c)
			if err != nil {
				t.Fatal(err)
			}
			own := *r
			own.km = km
			h := newHarness(t, &own, clk)
			h.start()
			h.advance(testPolicy.Lifetime - testPolicy.RotateBefore)
			if len(providerGoroutines()) == 0 {
				t.Fatal("the rotation goroutine is not running: the check below would prove nothing")
			}
			if err := goleak.Find(opts...); err == nil {
				t.Fatal("goleak finds nothing while the provider runs: the check below would prove nothing")
			}
			if err := closeIt(h.p); err != nil {
				t.Fatal(err)
			}
			c.Close()
			goleak.VerifyNone(t, opts...)
			if _, err := h.p.Retrieve(context.Background()); !errors.Is(err, ErrClosed) {
				t.Fatalf("Retrieve after %s: %v, want ErrClosed", name, err)
			}
			if err := closeIt(h.p); err != nil {
				t.Fatalf("second %s: %v", name, err)
			}
		})
	}
}

// TestManagedShutdownRetriesAfterItsContextEnds: a Shutdown whose context
// ends while the rotation goroutine is still exiting reports that, and a
// later Close finishes the work.
func TestManagedShutdownRetriesAfterItsContextEnds(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newOutscaleRig(t, clk)
	h := newHarness(t, r, clk)
	h.start()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.p.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown with an ended context: %v", err)
	}
	if err := h.p.Close(); err != nil {
		t.Fatal(err)
	}
	if g := noProviderGoroutines(); len(g) != 0 {
		t.Fatalf("%d goroutine(s) left after Close:\n%s", len(g), strings.Join(g, "\n\n"))
	}
	if _, err := h.p.Retrieve(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Retrieve after Close: %v, want ErrClosed", err)
	}
}
