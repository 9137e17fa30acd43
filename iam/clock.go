package iam

import "github.com/iamkit/iamkit/internal/clock"

// Clock is the time source that every time-dependent part of iamkit takes
// as an option (token caches, retries, rotation, the emulators). Leave it
// nil for the system clock; tests pass a fake one, such as
// iamtest.NewFakeClock, and move time by hand instead of sleeping.
type Clock = clock.Clock

// Timer is the timer a [Clock] makes.
type Timer = clock.Timer
