package credentials

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest"
)

// TestUnclosedProviderTelemetryIsCollected checks that a managed provider
// dropped without Shutdown (never started) leaves nothing behind: the
// managed-key gauges (global meter, no SDK installed) must not hold its
// instrumentation and report it forever.
func TestUnclosedProviderTelemetryIsCollected(t *testing.T) {
	const n = 50
	km := newYandexRig(t, iamtest.NewFakeClock(time.Now())).km
	var collected atomic.Int32
	for range n {
		p, err := NewManagedProvider(km)
		if err != nil {
			t.Fatal(err)
		}
		runtime.AddCleanup(p.tel, func(*atomic.Int32) { collected.Add(1) }, &collected)
	}
	for i := 0; i < 100 && collected.Load() < n; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if got := collected.Load(); got != n {
		t.Fatalf("%d of %d unclosed providers' telemetry collected", got, n)
	}
}
