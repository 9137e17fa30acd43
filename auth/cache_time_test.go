package auth_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

// fixedExpiry is an Exchanger whose tokens all expire at one instant.
type fixedExpiry struct {
	expiry time.Time
	calls  atomic.Int64
}

func (x *fixedExpiry) Exchange(context.Context) (auth.Token, error) {
	n := x.calls.Add(1)
	return auth.Token{Value: iam.NewSecret(fmt.Sprintf("token-%d", n)), Type: "Bearer", Expiry: x.expiry}, nil
}

// Issue 11, item 9: a far-future expiry made Expiry.Sub saturate and the
// refresh and expiry points wrap negative, so that every call exchanged.
func TestCacheFarFutureExpiryIsCached(t *testing.T) {
	for _, tc := range []struct {
		name   string
		expiry time.Time
		optFn  func(*auth.CacheOptions)
	}{
		{"year 9999", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), nil},
		{"year 9999, RefreshFraction 1", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), func(o *auth.CacheOptions) { o.RefreshFraction = 1 }},
		{"year 9999, MaxRefreshAge", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), func(o *auth.CacheOptions) { o.MaxRefreshAge = time.Hour }},
		{"300 years (just past time.Duration)", t0.AddDate(300, 0, 0), nil},
		{"290 years (just inside time.Duration)", t0.AddDate(290, 0, 0), func(o *auth.CacheOptions) { o.RefreshFraction = 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			x := &fixedExpiry{expiry: tc.expiry}
			opts := []func(*auth.CacheOptions){func(o *auth.CacheOptions) { o.Clock = clk }}
			if tc.optFn != nil {
				opts = append(opts, tc.optFn)
			}
			c, err := auth.NewCache(x, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// The first exchange comes a while after the cache was made, as
			// in a long-lived process: the since-base offset is then larger
			// than MinValidity.
			clk.Advance(5 * time.Minute)
			for i := 0; i < 100; i++ {
				tok, err := c.AccessToken(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if tok.Value.Reveal() != "token-1" {
					t.Fatalf("call %d got %s", i, tok.Value.Reveal())
				}
				if s := c.String(); s != "auth.Cache(fresh)" {
					t.Fatalf("call %d: state = %s, want fresh", i, s)
				}
				clk.Advance(time.Second)
			}
			waitFor(t, func() bool { return !refreshRunning(c) })
			if n := x.calls.Load(); n != 1 {
				t.Fatalf("100 calls made %d exchanges, want 1", n)
			}
		})
	}
}

// Issue 11, item 10: the cache decided freshness on the monotonic clock
// alone, which stands still while the machine sleeps, so a process resumed
// after its token's wall-clock expiry served the expired token.
func TestCacheNeverServesAWallClockExpiredToken(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	c := newCache(t, u)
	if got := mustToken(t, c).Value.Reveal(); got != "token-1" {
		t.Fatal(got)
	}
	clk.Advance(10 * time.Minute)
	clk.JumpWall(2 * time.Hour) // suspended for two hours: monotonic time stood still

	tok := mustToken(t, c)
	if tok.Value.Reveal() == "token-1" || !tok.Expiry.After(clk.Now()) {
		t.Fatalf("after a 2h suspend the cache served %s expiring %v, at wall time %v: the token had expired",
			tok.Value.Reveal(), tok.Expiry, clk.Now())
	}
	if n := u.calls.Load(); n != 2 {
		t.Fatalf("exchanges = %d, want 2", n)
	}
	if got := mustToken(t, c).Value.Reveal(); got != "token-2" {
		t.Fatalf("the new token is not served: %s", got)
	}
}

// A suspend that ends inside the refresh window: the token is still served
// at once, and one background refresh starts.
func TestCacheWallClockJumpIntoStaleWindowRefreshes(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	c := newCache(t, u, func(o *auth.CacheOptions) { o.Jitter = 0.01 })
	mustToken(t, c)
	clk.JumpWall(45 * time.Minute) // past half the lifetime, 15m left

	if got := mustToken(t, c).Value.Reveal(); got != "token-1" {
		t.Fatalf("stale token not served at once: %s", got)
	}
	waitFor(t, func() bool { return mustToken(t, c).Value.Reveal() == "token-2" })
	waitFor(t, func() bool { return !refreshRunning(c) })
	if n := u.calls.Load(); n != 2 {
		t.Fatalf("exchanges = %d, want 2 (one background refresh)", n)
	}
}

// A token loaded from a store is checked against the wall clock too.
func TestCacheStoreTokenPastWallExpiryIsNotServed(t *testing.T) {
	clk := clock.NewFake(t0)
	store := &memStore{tok: auth.Token{Value: iam.NewSecret("stored"), Type: "Bearer", Expiry: t0.Add(time.Hour)}}
	u := newUpstream(clk, time.Hour)
	c := newCache(t, u, func(o *auth.CacheOptions) { o.Store = store; o.StoreKey = "k" })
	if got := mustToken(t, c).Value.Reveal(); got != "stored" {
		t.Fatalf("stored token not served: %s", got)
	}
	clk.JumpWall(2 * time.Hour)
	if got := mustToken(t, c).Value.Reveal(); got == "stored" {
		t.Fatal("a stored token past its wall-clock expiry was served")
	}
}

type memStore struct{ tok auth.Token }

func (m *memStore) Load(string) (auth.Token, bool)    { return m.tok, !m.tok.Value.IsZero() }
func (m *memStore) Save(_ string, t auth.Token) error { m.tok = t; return nil }
