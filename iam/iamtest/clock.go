package iamtest

import (
	"time"

	"github.com/iamkit/iamkit/internal/clock"
)

// FakeClock is a clock for tests whose time moves only when the test says
// so. It satisfies iam.Clock and can be given to the emulators and to every
// iamkit option named Clock. Advance moves its wall and monotonic time
// together; JumpWall moves only the wall time, as a system suspend (or a
// clock step) does, to test that a token past its wall-clock expiry is not
// served after the machine wakes.
type FakeClock = clock.Fake

// NewFakeClock returns a fake clock set to start.
func NewFakeClock(start time.Time) *FakeClock { return clock.NewFake(start) }
