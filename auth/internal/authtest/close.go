package authtest

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/iamkit/iamkit/auth"
)

// RequireCloseLeavesNoConnection opens a token source, gets one token,
// checks that a connection goroutine runs while it is open (or the check
// would prove nothing), closes it and fails the test if a goroutine
// started since outlives Close. The server stays up, so nothing but Close
// ends the connections.
func RequireCloseLeavesNoConnection(t *testing.T, open func() (*auth.Cache, error)) {
	t.Helper()
	opts := goleak.IgnoreCurrent()
	ts, err := open()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if goleak.Find(opts) == nil {
		t.Fatal("no connection goroutine while the source is open: the check below would prove nothing")
	}
	ts.Close()
	goleak.VerifyNone(t, opts)
}

// RequireMetadataKeepsNoConnection opens a metadata token source and gets
// three tokens, invalidating each; calls must then count 3 requests at the
// server. No goroutine started since may run between the fetches (a fetch
// a minute keeps no connection alive) nor after Close.
func RequireMetadataKeepsNoConnection(t *testing.T, open func() (*auth.Cache, error), calls func() int) {
	t.Helper()
	opts := goleak.IgnoreCurrent()
	ts, err := open()
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := ts.AccessToken(context.Background()); err != nil {
			t.Fatal(err)
		}
		ts.Invalidate()
	}
	if n := calls(); n != 3 {
		t.Fatalf("%d metadata requests, want 3", n)
	}
	goleak.VerifyNone(t, opts) // between fetches: nothing kept alive
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, opts)
}
