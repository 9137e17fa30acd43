package yandex_test

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

// TestNoGoroutineLeftBehind checks that the client starts no goroutine of
// its own: once the emulator is closed (which ends the pooled connections),
// the goroutine count is back where it started, also after operation waits.
func TestNoGoroutineLeftBehind(t *testing.T) {
	before := runtime.NumGoroutine()

	srv := yandextest.New(func(o *yandextest.Options) { o.OperationPolls = 2 })
	c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(srv.ServiceAccountID())}),
		func(o *yandex.Options) {
			o.Endpoint, o.OperationEndpoint = srv.URL, srv.URL
			o.PollInterval, o.MaxPollInterval = time.Millisecond, time.Millisecond
		})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	k, err := c.APIKeys.Create(ctx, yandex.CreateAPIKeyRequest{Description: "leak"})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range c.APIKeys.List(ctx, yandex.ListAPIKeysRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.APIKeys.Update(ctx, k.APIKey.ID, yandex.UpdateAPIKeyRequest{Description: ptr("x")}); err != nil {
		t.Fatal(err)
	}
	if err := c.APIKeys.Delete(ctx, k.APIKey.ID); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	// net/http ends its connection goroutines asynchronously once the
	// server has closed the connections; wait for that event, bounded.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond) // real time: wait for goroutines to exit
	}
}
