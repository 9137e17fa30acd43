package iamtest

import (
	"sync"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

// FakeClock is an [iam.Clock] for tests whose time moves only when the
// test says so: give it to the emulators and to every iamkit option named
// Clock, then move time with Advance (or Set, AdvanceToNextTimer) instead
// of sleeping.
//
// Like the system clock it keeps a wall time and a monotonic time. Advance
// and Set move both; JumpWall moves only the wall time, as a system
// suspend (or a clock step) does, to test that a token past its wall-clock
// expiry is not served after the machine wakes. Timers run on the
// monotonic time and fire when it passes their deadline.
//
// Make one with [NewFakeClock], or use the zero FakeClock (var c
// iamtest.FakeClock, or &iamtest.FakeClock{}), which starts at
// 2000-01-01 00:00:00 UTC. A FakeClock must not be copied after first
// use. It is safe for concurrent use.
type FakeClock struct {
	once sync.Once
	f    *clock.Fake
}

// fakeClockStart is the wall time at which the zero FakeClock starts: a
// fixed time, so that tests are repeatable (the zero time.Time would make
// JWTs with negative timestamps).
var fakeClockStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// fake returns the clock's state, making it at fakeClockStart for the
// zero FakeClock.
func (c *FakeClock) fake() *clock.Fake {
	c.once.Do(func() {
		if c.f == nil {
			c.f = clock.NewFake(fakeClockStart)
		}
	})
	return c.f
}

var _ iam.Clock = (*FakeClock)(nil)

// NewFakeClock returns a fake clock whose wall time is start.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{f: clock.NewFake(start)}
}

// Now returns the fake wall time.
func (c *FakeClock) Now() time.Time { return c.fake().Now() }

// Since returns the fake time elapsed since t on the monotonic clock, as
// the system clock does for a t from its Now: the wall time elapsed, less
// the JumpWall moves made after t.
func (c *FakeClock) Since(t time.Time) time.Duration { return c.fake().Since(t) }

// NewTimer returns a timer that fires when the fake monotonic time has
// advanced by d (at once for a d of zero or less).
func (c *FakeClock) NewTimer(d time.Duration) iam.Timer { return c.fake().NewTimer(d) }

// NowMonotonic returns the fake wall time and the fake monotonic time
// (counted from NewFakeClock), read together. The token cache reads both
// through it, as it reads both from one time.Now of the system clock, so
// that a JumpWall is seen as a suspend.
func (c *FakeClock) NowMonotonic() (wall time.Time, mono time.Duration) {
	return c.fake().NowMonotonic()
}

// Advance moves the fake time (wall and monotonic) forward by d and fires
// every timer that is due.
func (c *FakeClock) Advance(d time.Duration) { c.fake().Advance(d) }

// Set moves the fake time to t, forward or back; the monotonic time moves
// by the same amount as the wall time. It fires every timer that is due.
func (c *FakeClock) Set(t time.Time) { c.fake().Set(t) }

// JumpWall moves the wall time by d while the monotonic time stands still,
// as a system suspend of d (d > 0) or a clock step does. No timer fires.
func (c *FakeClock) JumpWall(d time.Duration) { c.fake().JumpWall(d) }

// AdvanceToNextTimer moves the fake time to the earliest waiting timer's
// deadline, if any, and fires it (and any other timer then due). It
// reports whether a timer was waiting.
func (c *FakeClock) AdvanceToNextTimer() bool { return c.fake().AdvanceToNextTimer() }

// Timers returns how many timers are waiting to fire.
func (c *FakeClock) Timers() int { return c.fake().Timers() }

// BlockUntilTimers waits, in real time, until at least n timers wait on
// the clock, or until done is closed; it reports which happened (true: n
// timers wait). It lets a test advance time only after the code under
// test has started waiting.
func (c *FakeClock) BlockUntilTimers(n int, done <-chan struct{}) bool {
	return c.fake().BlockUntilTimers(n, done)
}
