//go:build !unix

package credentials

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// lockFile takes a lock by creating path exclusively, waiting until ctx is
// done; while another process holds it, it tries again every
// lockPollInterval on clk. On these systems a crash can leave the lock file
// behind; one older than staleLock is taken over.
func lockFile(ctx context.Context, clk iam.Clock, path string) (func(), error) {
	const staleLock = 5 * time.Minute
	release, err := processLock(ctx, path)
	if err != nil {
		return nil, err
	}
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return func() { _ = os.Remove(path); release() }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			release()
			return nil, err
		}
		// The file's time is the file system's (wall) time, so its age is
		// measured on the real clock.
		if st, serr := os.Stat(path); serr == nil && time.Since(st.ModTime()) > staleLock {
			_ = os.Remove(path)
			continue
		}
		t := clk.NewTimer(lockPollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			release()
			return nil, fmt.Errorf("waiting for lock %s: %w", path, ctx.Err())
		case <-t.C():
		}
	}
}
