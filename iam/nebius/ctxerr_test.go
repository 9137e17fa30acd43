package nebius_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
)

// blockingTokens waits for its caller's context: a token exchange that
// does not answer before the caller gives up.
type blockingTokens struct{ started chan struct{} }

func (b blockingTokens) Token() (*oauth2.Token, error) {
	return nil, errors.New("Token without a context")
}

func (b blockingTokens) AccessToken(ctx context.Context) (auth.Token, error) {
	select {
	case b.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return auth.Token{}, ctx.Err()
}

// TestCallerContextEndIsTheContextError: when the caller's context ends
// while the client waits for a token, the call's error is that context's
// error (errors.Is context.Canceled / DeadlineExceeded), not
// iam.ErrUnauthenticated: nothing was wrong with the credentials. A token
// source that fails on its own is still ErrUnauthenticated.
func TestCallerContextEndIsTheContextError(t *testing.T) {
	e := newEnv(t, nil)
	ts := blockingTokens{started: make(chan struct{}, 1)}
	c, err := nebius.New(ts, e.srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = e.sa.ProjectID })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.AccessKeys().ListPage(ctx, nebius.ListRequest{})
		errc <- err
	}()
	<-ts.started
	cancel()
	err = <-errc
	var ie *iam.Error
	if !errors.Is(err, context.Canceled) || errors.Is(err, iam.ErrUnauthenticated) || !errors.As(err, &ie) || ie.Kind != nil {
		t.Fatalf("cancelled: %v (kind %v), want context.Canceled and no kind", err, kindOf(err))
	}

	dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer dcancel()
	_, err = c.AccessKeys().ListPage(dctx, nebius.ListRequest{})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("expired: %v (kind %v), want context.DeadlineExceeded and no kind", err, kindOf(err))
	}

	// A source that fails by itself, under a live context.
	c2, err := nebius.New(failingTokens{}, e.srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = e.sa.ProjectID })
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.AccessKeys().ListPage(ctxT(t), nebius.ListRequest{}); !errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("failing source: %v, want ErrUnauthenticated", err)
	}
}

func kindOf(err error) error {
	var ie *iam.Error
	if errors.As(err, &ie) {
		return ie.Kind
	}
	return nil
}

// failingTokens fails on its own.
type failingTokens struct{}

func (failingTokens) Token() (*oauth2.Token, error) { return nil, errors.New("no such key") }
