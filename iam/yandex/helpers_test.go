package yandex_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

// start is a fixed point in time for fake clocks.
var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// env is an emulator, a fake clock that moves whenever someone waits on
// it, and a client whose token the emulator issued.
type env struct {
	srv    *yandextest.Server
	clock  *iamtest.FakeClock
	client *yandex.Client
}

type envOpt struct {
	srv    []func(*yandextest.Options)
	client []func(*yandex.Options)
	manual bool // do not advance the clock automatically
}

func newEnv(t *testing.T, o envOpt) *env {
	t.Helper()
	fc := iamtest.NewFakeClock(start)
	srvOpts := append([]func(*yandextest.Options){func(so *yandextest.Options) { so.Clock = fc }}, o.srv...)
	srv, err := yandextest.New(srvOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	tok := srv.IssueToken(srv.ServiceAccountID(), 0)
	clientOpts := append([]func(*yandex.Options){srv.ClientOptions()}, o.client...)
	c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}), clientOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if !o.manual {
		autoAdvance(t, fc)
	}
	return &env{srv: srv, clock: fc, client: c}
}

// autoAdvance fires every timer set on fc as soon as it is set, so that
// operation polling runs without real waiting; it stops at test cleanup.
func autoAdvance(t *testing.T, fc *iamtest.FakeClock) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for fc.BlockUntilTimers(1, done) {
			fc.AdvanceToNextTimer()
		}
	}()
	t.Cleanup(func() {
		close(done)
		<-stopped
	})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func ptr[T any](v T) *T { return &v }

// newServer starts an emulator for a test and closes it at cleanup.
func newServer(t *testing.T, optFns ...func(*yandextest.Options)) *yandextest.Server {
	t.Helper()
	srv, err := yandextest.New(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// keyManager returns a KeyManager of c for serviceAccountID.
func keyManager(t *testing.T, c *yandex.Client, serviceAccountID string) *yandex.KeyManager {
	t.Helper()
	km, err := yandex.NewKeyManager(c, serviceAccountID)
	if err != nil {
		t.Fatal(err)
	}
	return km
}
