//go:build race

package e2e

import "time"

// Under the race detector everything runs several times slower: the
// fleet's leases, fences and rotations are stretched to match.
func slowness() time.Duration { return 3 }
