package auth_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/iamkit/iamkit/auth"
)

// TestUnclosedCacheIsCollected checks that a cache dropped without Close
// is garbage-collected, as it was before the telemetry: the expiry gauge
// (registered with the global meter, no SDK installed) must not hold it.
func TestUnclosedCacheIsCollected(t *testing.T) {
	const n = 50
	var collected atomic.Int32
	for range n {
		c, err := auth.NewCache(auth.ExchangerFunc(func(context.Context) (auth.Token, error) {
			return auth.Token{}, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		runtime.AddCleanup(c, func(*atomic.Int32) { collected.Add(1) }, &collected)
	}
	// Cleanups run on their own goroutine after a GC cycle; a bounded
	// number of cycles is enough once nothing holds the caches.
	for i := 0; i < 100 && collected.Load() < n; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if got := collected.Load(); got != n {
		t.Fatalf("%d of %d unclosed caches collected", got, n)
	}
}
