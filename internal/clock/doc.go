// Package clock is the time source of every time-dependent part of iamkit:
// the token cache, retries and backoff, key rotation, and the emulators.
//
// Production code uses [Real]; tests use [Fake], whose time moves only
// through Advance and Set, so that no test sleeps to wait for time.
//
// # Concurrency
//
// Both clocks are safe for concurrent use.
package clock
