package backoff

import (
	"math/rand/v2"
	"time"
)

// Ceiling returns the longest wait before the n-th retry: min(base·2^(n-1),
// max), computed without overflow. An n below 1 counts as 1; a base or max
// of 0 or less gives 0.
func Ceiling(base, max time.Duration, n int) time.Duration {
	if base <= 0 || max <= 0 {
		return 0
	}
	d := min(base, max)
	for i := 1; i < n && d < max; i++ {
		if d > max/2 {
			return max
		}
		d *= 2
	}
	return min(d, max)
}

// Full returns a uniformly random wait in [0, Ceiling(base, max, n)].
func Full(base, max time.Duration, n int) time.Duration {
	c := Ceiling(base, max, n)
	if c <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(c) + 1))
}

// Upper returns a uniformly random wait in [c/2, c], with c =
// Ceiling(base, max, n).
func Upper(base, max time.Duration, n int) time.Duration {
	c := Ceiling(base, max, n)
	if c <= 0 {
		return 0
	}
	half := c / 2
	return half + time.Duration(rand.Int64N(int64(c-half)+1))
}
