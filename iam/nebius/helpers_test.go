package nebius_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// env is an emulator with a service account and a client authenticated as
// it.
type env struct {
	srv    *nebiustest.Server
	sa     *nebiustest.ServiceAccount
	client *nebius.Client
	token  string
}

func newEnv(t *testing.T, emuOpts func(*nebiustest.Options), clientOpts ...func(*nebius.Options)) *env {
	return newEnvTB(t, emuOpts, clientOpts...)
}

func newEnvB(b *testing.B) *env { return newEnvTB(b, nil) }

func newEnvTB(t testing.TB, emuOpts func(*nebiustest.Options), clientOpts ...func(*nebius.Options)) *env {
	t.Helper()
	var fns []func(*nebiustest.Options)
	if emuOpts != nil {
		fns = append(fns, emuOpts)
	}
	srv, err := nebiustest.New(fns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	tok := srv.IssueToken(sa.ID, 24*time.Hour)
	opts := append([]func(*nebius.Options){srv.ClientOptions(), func(o *nebius.Options) {
		o.ProjectID = sa.ProjectID
		o.BaseDelay = time.Millisecond
		o.MaxDelay = 2 * time.Millisecond
		o.PollInterval = time.Millisecond
		o.MaxPollInterval = 2 * time.Millisecond
	}}, clientOpts...)
	c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &env{srv: srv, sa: sa, client: c, token: tok}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
