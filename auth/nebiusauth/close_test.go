package nebiusauth_test

import (
	"context"
	"io"
	"testing"

	"go.uber.org/goleak"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/nebiusauth"
)

var _ io.Closer = (*nebiusauth.Exchanger)(nil)

// TestServiceAccountCloseLeavesNoConnection: closing the token source
// closes its exchanger's connection pool; no HTTP connection goroutine is
// left (the emulator still runs, so nothing else closes them).
func TestServiceAccountCloseLeavesNoConnection(t *testing.T) {
	e := authtest.NewEnv(t)
	opts := goleak.IgnoreCurrent()
	ts, err := nebiusauth.ServiceAccount(e.NebiusKey, func(o *auth.ServiceAccountOptions) {
		o.Endpoint, o.Clock = e.Nebius.URL, e.Clock
	})
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
