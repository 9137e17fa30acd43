package yandexauth_test

import (
	"context"
	"io"
	"testing"

	"go.uber.org/goleak"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/iamtest"
)

var _ io.Closer = (*yandexauth.Exchanger)(nil)

// TestServiceAccountCloseLeavesNoConnection: closing the token source
// closes its exchanger's connection pool; no HTTP connection goroutine is
// left (the emulator still runs, so nothing else closes them).
func TestServiceAccountCloseLeavesNoConnection(t *testing.T) {
	e := authtest.NewEnv(t)
	opts := goleak.IgnoreCurrent()
	ts, err := yandexauth.ServiceAccount(e.YandexKey, func(o *auth.ServiceAccountOptions) {
		o.Endpoint, o.Clock = e.Yandex.URL, e.Clock
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

// TestMetadataCloseLeavesNoConnection: the metadata token source's
// exchanger owns its transport and the cache closes it with itself; with
// the default client (no keep-alive: a fetch a minute needs no idle
// connection) no HTTP connection goroutine outlives a fetch, and none is
// left after Close, the emulator still running.
func TestMetadataCloseLeavesNoConnection(t *testing.T) {
	md, err := iamtest.NewYandexMetadataServer()
	if err != nil {
		t.Fatal(err)
	}
	defer md.Close()
	opts := goleak.IgnoreCurrent()
	ts, err := yandexauth.MetadataTokenSource(func(o *yandexauth.MetadataOptions) { o.Addr = md.Addr })
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := ts.AccessToken(context.Background()); err != nil {
			t.Fatal(err)
		}
		ts.Invalidate()
	}
	if n := md.Calls(yandexauth.MetadataTokenPath); n != 3 {
		t.Fatalf("%d metadata requests, want 3", n)
	}
	goleak.VerifyNone(t, opts) // between fetches: nothing kept alive
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, opts)
}
