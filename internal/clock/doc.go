// Package clock is the time source of every time-dependent part of iamkit:
// the token cache, retries and backoff, key rotation, and the emulators.
//
// Production code uses [Real]; tests use [Fake], whose time moves only
// through Advance, Set and JumpWall, so that no test sleeps to wait for
// time.
//
// Minimal use:
//
//	type Thing struct{ clock clock.Clock }
//	t := Thing{clock: clock.Or(opts.Clock)} // nil means the system clock
//
//	// in a test:
//	fake := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
//	fake.Advance(time.Hour) // timers due by then fire
//	fake.JumpWall(time.Hour) // a suspend: wall time moves, no timer fires
//
// # Wall time and monotonic time
//
// Like the system clock, a clock has a wall time (what Now reports) and a
// monotonic time (what Since measures for a t from Now, and what timers run
// on). The monotonic time does not advance while the system is suspended,
// so code that must respect a wall-clock deadline, such as the token
// cache's "never serve a token past its expiry", checks the wall time too.
// A [Reader] reads both from one reading of the clock (one time.Now for the
// real clock); [Fake.JumpWall] moves the wall time while the monotonic time
// stands still, as a suspend does.
//
// # Concurrency
//
// Both clocks, and a Reader, are safe for concurrent use.
package clock
