// Package backoff is iamkit's one retry schedule: exponential from a base
// delay, doubling per failure, capped at a maximum, with random jitter so
// that many clients that failed together do not retry together.
//
// [Ceiling] is the schedule: the n-th retry (n = 1, 2, …) waits at most
// min(base·2^(n-1), max). Two spreads draw a wait under it:
//
//   - [Full], "full jitter", uniform in [0, ceiling]: for the bounded
//     retries of one call (httpx, the Nebius gRPC client), where spreading
//     the load matters most and a short wait costs one request;
//   - [Upper], full jitter over the upper half, uniform in
//     [ceiling/2, ceiling]: for the loops that retry forever (the token
//     cache's refreshes, the managed provider's rotations), where a floor
//     keeps a failing upstream from being called back to back.
//
// Minimal use:
//
//	d := backoff.Full(o.BaseDelay, o.MaxDelay, attempt) // attempt ≥ 1
//	if err := clock.Sleep(ctx, clk, d); err != nil { … }
//
// # Concurrency
//
// The functions are safe for concurrent use (they draw from math/rand/v2's
// goroutine-safe source).
package backoff
