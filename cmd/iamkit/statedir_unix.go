//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// dirLocks: directories are locked (flock), so a run may remove the
// library's lock file under it.
const dirLocks = true

// lockPoll is how often a directory held by another run is tried again.
const lockPoll = 10 * time.Millisecond

// lockDir takes an exclusive flock on the directory itself (no lock file
// of its own, so nothing is left behind). A run that removes the directory
// does so while holding it; a run that was waiting then holds a directory
// that is gone, sees that the path no longer names the inode it locked,
// and reports again = true so that the caller creates it anew.
func lockDir(ctx context.Context, dir string) (unlock func(), again bool, err error) {
	f, err := os.Open(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, true, nil
		}
		return nil, false, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, false, fmt.Errorf("locking %s: %w", dir, err)
		}
		t := time.NewTimer(lockPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, false, fmt.Errorf("waiting for another run to release %s: %w", dir, ctx.Err())
		case <-t.C:
		}
	}
	held, err1 := f.Stat()
	now, err2 := os.Stat(dir)
	if err1 != nil || err2 != nil || !os.SameFile(held, now) {
		f.Close() // removed (or replaced) while we waited
		return nil, true, nil
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, false, nil
}
