package main

import (
	"context"
	"testing"
	"time"
)

// The example runs its whole walk on the emulator (pre-1.40 mode, where a
// state change without the expiry would drop it) and fails if a step does.
func TestRunOnEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, "", false, "", false); err != nil {
		t.Fatal(err)
	}
}
