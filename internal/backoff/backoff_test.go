package backoff

import (
	"math"
	"testing"
	"time"
)

func TestCeiling(t *testing.T) {
	const ms = time.Millisecond
	for _, tt := range []struct {
		base, max time.Duration
		n         int
		want      time.Duration
	}{
		{100 * ms, 5 * time.Second, 1, 100 * ms},
		{100 * ms, 5 * time.Second, 2, 200 * ms},
		{100 * ms, 5 * time.Second, 3, 400 * ms},
		{100 * ms, 5 * time.Second, 6, 3200 * ms},
		{100 * ms, 5 * time.Second, 7, 5 * time.Second},
		{100 * ms, 5 * time.Second, 1000, 5 * time.Second},
		{100 * ms, 5 * time.Second, math.MaxInt, 5 * time.Second},
		{100 * ms, 5 * time.Second, 0, 100 * ms},
		{100 * ms, 5 * time.Second, -3, 100 * ms},
		{time.Second, 100 * ms, 1, 100 * ms}, // max below base caps
		{math.MaxInt64 / 3, math.MaxInt64, 5, math.MaxInt64},
		{1, math.MaxInt64, 62, 1 << 61},
		{1, math.MaxInt64, 64, math.MaxInt64},
		{0, time.Second, 3, 0},
		{time.Second, 0, 3, 0},
		{-time.Second, time.Second, 3, 0},
	} {
		if got := Ceiling(tt.base, tt.max, tt.n); got != tt.want {
			t.Errorf("Ceiling(%v, %v, %d) = %v, want %v", tt.base, tt.max, tt.n, got, tt.want)
		}
	}
}

// spread draws many waits and checks they stay in [lo, hi] and reach both
// ends' neighbourhoods (a uniform draw, not a constant).
func spread(t *testing.T, name string, draw func() time.Duration, lo, hi time.Duration) {
	t.Helper()
	minSeen, maxSeen := time.Duration(math.MaxInt64), time.Duration(0)
	for range 4000 {
		d := draw()
		if d < lo || d > hi {
			t.Fatalf("%s: %v outside [%v, %v]", name, d, lo, hi)
		}
		minSeen, maxSeen = min(minSeen, d), max(maxSeen, d)
	}
	if width := hi - lo; minSeen > lo+width/10 || maxSeen < hi-width/10 {
		t.Errorf("%s: 4000 draws spanned [%v, %v], want close to [%v, %v]", name, minSeen, maxSeen, lo, hi)
	}
}

func TestFull(t *testing.T) {
	base, maxd := 10*time.Millisecond, 300*time.Millisecond
	for _, n := range []int{1, 2, 3, 5, 6, 10, 63, 64, 1000} {
		c := Ceiling(base, maxd, n)
		spread(t, "Full", func() time.Duration { return Full(base, maxd, n) }, 0, c)
	}
	if d := Full(0, time.Second, 3); d != 0 {
		t.Errorf("Full with a zero base = %v", d)
	}
}

func TestUpper(t *testing.T) {
	base, maxd := 10*time.Second, 80*time.Second
	for _, n := range []int{1, 2, 3, 4, 5, 100} {
		c := Ceiling(base, maxd, n)
		spread(t, "Upper", func() time.Duration { return Upper(base, maxd, n) }, c/2, c)
	}
	// An odd nanosecond count still reaches the ceiling.
	for range 100 {
		if d := Upper(3, 3, 1); d < 1 || d > 3 {
			t.Fatalf("Upper(3ns) = %v, want in [1ns, 3ns]", d)
		}
	}
}
