package yandexauth_test

import (
	"io"
	"testing"

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
	authtest.RequireCloseLeavesNoConnection(t, func() (*auth.Cache, error) {
		return yandexauth.ServiceAccount(e.YandexKey, func(o *auth.ServiceAccountOptions) {
			o.Endpoint, o.Clock = e.Yandex.URL, e.Clock
		})
	})
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
	authtest.RequireMetadataKeepsNoConnection(t, func() (*auth.Cache, error) {
		return yandexauth.MetadataTokenSource(func(o *yandexauth.MetadataOptions) { o.Addr = md.Addr })
	}, func() int { return md.Calls(yandexauth.MetadataTokenPath) })
}
