package auth_test

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/internal/clock"
)

// closingUpstream is an upstream that is also an io.Closer.
type closingUpstream struct {
	*upstream
	closed atomic.Int64
}

func (u *closingUpstream) Close() error { u.closed.Add(1); return nil }

var _ io.Closer = (*closingUpstream)(nil)

// TestCacheCloseClosesItsExchanger: the cache owns its exchanger; Close
// closes it when it is an io.Closer (its connection pool), once.
func TestCacheCloseClosesItsExchanger(t *testing.T) {
	clk := clock.NewFake(t0)
	u := &closingUpstream{upstream: newUpstream(clk, time.Hour)}
	c, err := auth.NewCache(u, func(o *auth.CacheOptions) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if u.closed.Load() != 0 {
		t.Fatal("the exchanger was closed before the cache")
	}
	c.Close()
	c.Close()
	if n := u.closed.Load(); n != 1 {
		t.Fatalf("the exchanger was closed %d times, want once", n)
	}
}

// TestCacheOptionsErrorsNameTheField: NewCache refuses an unusable option
// with an error that names it.
func TestCacheOptionsErrorsNameTheField(t *testing.T) {
	u := newUpstream(clock.NewFake(t0), time.Hour)
	for field, set := range map[string]func(*auth.CacheOptions){
		"MinValidity":     func(o *auth.CacheOptions) { o.MinValidity = -time.Second },
		"MaxRefreshAge":   func(o *auth.CacheOptions) { o.MaxRefreshAge = -time.Second },
		"RefreshTimeout":  func(o *auth.CacheOptions) { o.RefreshTimeout = -time.Second },
		"BaseDelay":       func(o *auth.CacheOptions) { o.BaseDelay = -time.Second },
		"MaxDelay":        func(o *auth.CacheOptions) { o.MaxDelay = -time.Second },
		"RefreshFraction": func(o *auth.CacheOptions) { o.RefreshFraction = 2 },
		"Jitter":          func(o *auth.CacheOptions) { o.Jitter = 0.9 },
		"StoreKey": func(o *auth.CacheOptions) {
			s, err := auth.NewDiskStore(filepath.Join(t.TempDir(), "tokens.json"))
			if err != nil {
				t.Fatal(err)
			}
			o.Store = s
		},
	} {
		if _, err := auth.NewCache(u, set); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: err = %v, want it to name the field", field, err)
		}
	}
}
