package iam

import "time"

// Clock is the time source that every time-dependent part of iamkit takes
// as an option (token caches, retry waits, operation polling, rotation,
// the emulators). Leave it nil for the system clock; tests pass a fake
// one, such as iamtest.NewFakeClock, and move time by hand instead of
// sleeping.
//
// To inject a clock of your own, implement its three methods with the
// semantics of package time. A Clock must be safe for concurrent use.
type Clock interface {
	// Now returns the current time, as time.Now does. The system clock's
	// Now carries both the wall time and a monotonic reading (see package
	// time); iamkit compares the wall time where a wall-clock deadline
	// matters (whether a token has expired, also after a system suspend)
	// and measures durations on the monotonic reading.
	Now() time.Time
	// Since returns the time elapsed since t, as time.Since does: for a t
	// from Now, the system clock measures it on the monotonic clock, which
	// does not advance while the system is suspended.
	Since(t time.Time) time.Duration
	// NewTimer returns a timer that fires once, d after the call, as
	// time.NewTimer does; a d of zero or less fires at once.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer a [Clock] makes: the part of *time.Timer
// that iamkit uses. Every wait of iamkit is a select on C and on the
// caller's context, followed by Stop.
type Timer interface {
	// C returns the channel on which the timer delivers the time once
	// it fires. The channel has a buffer of one, as time.Timer's has.
	C() <-chan time.Time
	// Stop prevents the timer from firing. It reports whether it stopped
	// it: false when the timer had already fired or been stopped.
	Stop() bool
}
