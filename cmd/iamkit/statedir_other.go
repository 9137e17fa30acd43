//go:build !unix

package main

import "context"

// dirLocks: no directory locks here; see lockDir.
const dirLocks = false

// lockDir holds nothing where directories cannot be flocked: concurrent
// runs are still kept from creating keys at once by the managed
// provider's own lock, which on these systems is a file it removes when it
// is done. A run that failed at once may leave a state file without keys
// (removing it without a lock could race with a run storing one).
func lockDir(ctx context.Context, dir string) (unlock func(), again bool, err error) {
	return func() {}, false, ctx.Err()
}
