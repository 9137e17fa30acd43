package iamtest

import (
	"time"

	"github.com/iamkit/iamkit/internal/clock"
)

// FakeClock is a clock for tests whose time moves only when the test says
// so. It satisfies iam.Clock and can be given to the emulators and to every
// iamkit option named Clock.
type FakeClock = clock.Fake

// NewFakeClock returns a fake clock set to start.
func NewFakeClock(start time.Time) *FakeClock { return clock.NewFake(start) }
