package auth

import (
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

func realClock() iam.Clock { return clock.Real() }
