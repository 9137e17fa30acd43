package nebius_test

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// TestNoGoroutineLeftAfterClose checks that closing the client and the
// emulator ends every goroutine they started, including the ones of a call
// that was still waiting for an operation.
func TestNoGoroutineLeftAfterClose(t *testing.T) {
	before := runtime.NumGoroutine()

	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.AsyncPolls = 2 })
	if err != nil {
		t.Fatal(err)
	}
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(sa.ID, time.Hour)}),
		srv.ClientOptions(), func(o *nebius.Options) {
			o.ProjectID = sa.ProjectID
			o.PollInterval, o.MaxPollInterval = time.Millisecond, time.Millisecond
		})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	k, err := c.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID)})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range c.AccessKeys().List(ctx, nebius.ListRequest{PageSize: 1}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := c.AccessKeys().Delete(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	// gRPC ends its connection goroutines asynchronously after Close;
	// wait for that (an event, not a duration) with a generous bound.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond) // real time: wait for goroutines to exit
	}
}
