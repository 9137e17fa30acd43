// Package clock is the time source of every time-dependent part of iamkit:
// the token cache, retries and backoff, key rotation, and the emulators.
//
// Production code uses [Real]; tests use [Fake], whose time moves only
// through Advance and Set, so that no test sleeps to wait for time.
//
// Minimal use:
//
//	type Thing struct{ clock clock.Clock }
//	t := Thing{clock: clock.Or(opts.Clock)} // nil means the system clock
//
//	// in a test:
//	fake := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
//	fake.Advance(time.Hour) // timers due by then fire
//
// # Concurrency
//
// Both clocks are safe for concurrent use.
package clock
