package nebius_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// TestNoGoroutineLeftAfterClose checks that closing the client and the
// emulator ends every goroutine they started, including the ones of a call
// that was still waiting for an operation.
func TestNoGoroutineLeftAfterClose(t *testing.T) {
	others := goleak.IgnoreCurrent()

	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.AsyncPolls = 2 })
	if err != nil {
		t.Fatal(err)
	}
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	// Tokens exchanged over gRPC: a cache and a second connection.
	key, err := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "credentials.json")
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := nebius.ServiceAccountTokens(key, srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, err := nebius.New(tokens, srv.ClientOptions(), func(o *nebius.Options) {
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
	if err := tokens.Close(); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	// gRPC ends its connection goroutines asynchronously after Close;
	// goleak retries until they are gone (or fails after its bound).
	goleak.VerifyNone(t, others)
}
