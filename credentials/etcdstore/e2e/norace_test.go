//go:build !race

package e2e

import "time"

// slowness stretches the fleet's times: 1 without the race detector.
func slowness() time.Duration { return 1 }
