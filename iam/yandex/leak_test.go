package yandex_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

// TestNoGoroutineLeftBehind checks that the client starts no goroutine of
// its own and that Client.Close ends its pool's idle connections: after
// calls of every kind (a list, an operation wait, a cancel) and Close, no
// goroutine is left, while the emulator is still running (its own
// goroutines serve connections the client has closed, and end with them).
func TestNoGoroutineLeftBehind(t *testing.T) {
	srv, err := yandextest.New(func(o *yandextest.Options) { o.OperationPolls = 2 })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// Everything running now belongs to the test binary or the emulator's
	// listener; what the calls below start must be gone after Close.
	ignore := goleak.IgnoreCurrent()
	c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(srv.ServiceAccountID(), 0)}),
		srv.ClientOptions(), func(o *yandex.Options) {
			o.PollInterval, o.MaxPollInterval = time.Millisecond, time.Millisecond
		})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	k, err := c.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{Description: "leak"})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range c.APIKeys().List(ctx, yandex.ListAPIKeysRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.APIKeys().Update(ctx, yandex.UpdateAPIKeyRequest{ID: k.APIKey.ID, Description: ptr("x")}); err != nil {
		t.Fatal(err)
	}
	op, err := c.APIKeys().StartDelete(ctx, k.APIKey.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Operations().Cancel(ctx, op.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Operations().Wait(ctx, op); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// Closing a connection ends its goroutines asynchronously; goleak
	// retries for a bounded time.
	goleak.VerifyNone(t, ignore)
}
