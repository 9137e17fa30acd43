package yandex_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/yandex"
)

// flakyEndpoints serves an endpoint list that fails with 503 the first
// time, naming itself for iam and operation.
func flakyEndpoints(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		host := strings.TrimPrefix(srv.URL, "http://")
		_ = json.NewEncoder(w).Encode(map[string]any{"endpoints": []map[string]string{
			{"id": "iam", "address": host}, {"id": "operation", "address": host}}})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// TestDiscoverEndpointsWaitsOnTheClock: the retry after a 503 waits on
// DiscoveryOptions.Clock, not on real time.
func TestDiscoverEndpointsWaitsOnTheClock(t *testing.T) {
	srv, calls := flakyEndpoints(t)
	clk := iamtest.NewFakeClock(time.Now())
	done := make(chan struct{})
	var eps *yandex.Endpoints
	var err error
	go func() {
		defer close(done)
		eps, err = yandex.DiscoverEndpoints(ctxT(t), srv.URL+"/endpoints", func(o *yandex.DiscoveryOptions) { o.Clock = clk })
	}()
	if !clk.BlockUntilTimers(1, done) {
		t.Fatalf("the retry did not wait on the fake clock (calls %d, err %v)", calls.Load(), err)
	}
	clk.AdvanceToNextTimer()
	<-done
	if err != nil || eps.IAM != srv.URL || calls.Load() != 2 {
		t.Fatalf("eps %+v, err %v, calls %d", eps, err, calls.Load())
	}
}

// TestLoadDefaultConfigWaitsOnTheClock: the endpoint discovery of the
// chain retries on LoadOptions.Clock.
func TestLoadDefaultConfigWaitsOnTheClock(t *testing.T) {
	srv, calls := flakyEndpoints(t)
	clk := iamtest.NewFakeClock(time.Now())
	env := map[string]string{yandexauth.EnvIAMToken: "t1.token", "HOME": t.TempDir()}
	done := make(chan struct{})
	var cfg *yandex.Config
	var err error
	go func() {
		defer close(done)
		cfg, err = yandex.LoadDefaultConfig(context.Background(), func(o *yandex.LoadOptions) {
			o.Getenv = func(k string) string { return env[k] }
			o.Endpoint = strings.TrimPrefix(srv.URL, "http://")
			o.Clock = clk
		})
	}()
	if !clk.BlockUntilTimers(1, done) {
		t.Fatalf("the discovery retry did not wait on LoadOptions.Clock (calls %d, err %v)", calls.Load(), err)
	}
	clk.AdvanceToNextTimer()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	if cfg.Endpoint != srv.URL || calls.Load() != 2 {
		t.Fatalf("%v: endpoint %s, calls %d", cfg, cfg.Endpoint, calls.Load())
	}
}

func TestDiscoveryOptionsValidate(t *testing.T) {
	_, err := yandex.DiscoverEndpoints(ctxT(t), "http://127.0.0.1:1/endpoints", func(o *yandex.DiscoveryOptions) { o.MaxAttempts = -1 })
	if err == nil || !strings.Contains(err.Error(), "MaxAttempts") {
		t.Fatalf("MaxAttempts -1: err = %v, want it named", err)
	}
}
