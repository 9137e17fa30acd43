//go:build unix

package credentials

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/iamkit/iamkit/iam"
)

// lockFile takes an exclusive advisory lock (flock) on path, creating the
// file (mode 0600) if needed, waiting until ctx is done; while another
// process holds it, it tries again every lockPollInterval on clk. The
// returned function releases it. The kernel releases the lock if the
// process dies, so a crash never leaves it held.
func lockFile(ctx context.Context, clk iam.Clock, path string) (func(), error) {
	release, err := processLock(ctx, path)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		release()
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
				release()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			release()
			return nil, fmt.Errorf("flock %s: %w", path, err)
		}
		t := clk.NewTimer(lockPollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			release()
			return nil, fmt.Errorf("waiting for lock %s: %w", path, ctx.Err())
		case <-t.C():
		}
	}
}
