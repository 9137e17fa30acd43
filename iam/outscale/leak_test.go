package outscale_test

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

// TestCloseLeavesNoGoroutine checks that Client.Close ends the idle
// connections of the pool the client owns, with and without TLS options
// (the TLS options make a transport of the client's own; without them the
// pool is httpx's): after New, a call and Close, no goroutine started by
// the client is left, persistConn readers and writers included, while the
// emulator still runs.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	for name, tls := range map[string]bool{"plain": false, "TLS": true} {
		t.Run(name, func(t *testing.T) {
			srv, err := outscaletest.New(func(o *outscaletest.Options) { o.TLS = tls })
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			ignore := goleak.IgnoreCurrent()
			c, err := outscale.New(srv.ClientOptions(srv.Root))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{}); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			goleak.VerifyNone(t, ignore)
		})
	}
}
