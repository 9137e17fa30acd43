package credentials

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"
)

// lockPollInterval is how often a lock held by another process is tried
// again, on the provider's clock.
const lockPollInterval = 20 * time.Millisecond

// processLocks serialises the providers of one process that share a state
// file: they wait on a channel, without polling; only another process's
// hold is polled for (lockFile). Keyed by the lock file's absolute path.
var processLocks sync.Map // string → chan struct{} (one slot)

// processLock takes the in-process lock of path, waiting until ctx is done.
func processLock(ctx context.Context, path string) (func(), error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	v, _ := processLocks.LoadOrStore(abs, make(chan struct{}, 1))
	ch := v.(chan struct{})
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for lock %s: %w", path, ctx.Err())
	}
}
