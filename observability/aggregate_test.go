package observability_test

import (
	"context"
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// yandexTokens issues tokens of one lifetime and names its cloud, as the
// yandexauth exchangers do.
type yandexTokens struct {
	clk      iam.Clock
	lifetime time.Duration
}

func (x yandexTokens) Exchange(context.Context) (auth.Token, error) {
	return auth.Token{Value: iam.NewSecret("t1." + x.lifetime.String()), Expiry: x.clk.Now().Add(x.lifetime)}, nil
}

func (yandexTokens) Provider() iam.Provider { return iam.Yandex }

// TestTokenExpiryIsTheMinimum checks that several caches of one cloud
// report the soonest expiry under their shared attribute set, not
// whichever cache's callback ran last: the token about to expire is the
// one operators must see.
func TestTokenExpiryIsTheMinimum(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	r := newRec(t)
	for _, d := range []time.Duration{10 * time.Second, 10 * time.Hour, 3 * time.Hour} {
		c, err := auth.NewCache(yandexTokens{clk, d}, func(o *auth.CacheOptions) {
			o.Clock, o.MinValidity = clk, time.Second
			o.TracerProvider, o.MeterProvider = r.tp, r.mp
		})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Token(); err != nil {
			t.Fatal(err)
		}
	}
	ms := r.collect(t)
	if v, ok := gaugeValue(ms, "iamkit.token.expires_in", "iamkit.provider=yandex"); !ok || math.Abs(v-10) > 0.001 {
		t.Errorf("iamkit.token.expires_in = %v (%v), want 10 (the soonest of 10s, 10h, 3h); points: %s", v, ok, points(ms, "iamkit.token.expires_in"))
	}
}

// TestManagedKeyGaugesAggregate checks the gauges of two managed
// providers of one cloud: the keys held add up, the age is the oldest
// key's, the time to expiry the soonest.
func TestManagedKeyGaugesAggregate(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	r := newRec(t)
	ctx := context.Background()
	for i := range 2 {
		g := newOutscaleKeyRig(t, r, clk)
		p, err := iamcreds.NewManagedProvider(g.km, func(o *iamcreds.ManagedOptions) {
			o.Clock = clk
			o.Policy.Lifetime = time.Hour
			o.TracerProvider, o.MeterProvider = r.tp, r.mp
		})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if _, err := p.Retrieve(ctx); err != nil {
			t.Fatal(err)
		}
		if err := p.Settle(ctx); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			clk.Advance(10 * time.Minute) // the first provider's key is 10 minutes older
		}
	}
	ms := r.collect(t)
	op := "iamkit.provider=outscale"
	if n, _ := upDown(ms, "iamkit.credentials.keys", op); n != 2 {
		t.Errorf("iamkit.credentials.keys = %d, want 2 (one per provider); points: %s", n, points(ms, "iamkit.credentials.keys"))
	}
	if v, ok := gaugeValue(ms, "iamkit.credentials.key.age", op); !ok || math.Abs(v-600) > 0.001 {
		t.Errorf("iamkit.credentials.key.age = %v (%v), want 600 (the oldest key in use)", v, ok)
	}
	if v, ok := gaugeValue(ms, "iamkit.credentials.key.expires_in", op); !ok || math.Abs(v-3000) > 1 {
		t.Errorf("iamkit.credentials.key.expires_in = %v (%v), want about 3000 (the soonest)", v, ok)
	}
}

// TestDroppedCacheLeavesTheGauge checks that a cache dropped without
// Close is collected even with an SDK installed and stops counting in
// the minimum: the gauge then reports the live cache's expiry.
func TestDroppedCacheLeavesTheGauge(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	r := newRec(t)
	newCache := func(d time.Duration) *auth.Cache {
		c, err := auth.NewCache(yandexTokens{clk, d}, func(o *auth.CacheOptions) {
			o.Clock, o.MinValidity = clk, time.Second
			o.TracerProvider, o.MeterProvider = r.tp, r.mp
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Token(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	live := newCache(time.Hour)
	defer live.Close()
	var collected atomic.Bool
	dropped := newCache(10 * time.Second)
	runtime.AddCleanup(dropped, func(*atomic.Bool) { collected.Store(true) }, &collected)
	if v, _ := gaugeValue(r.collect(t), "iamkit.token.expires_in", "iamkit.provider=yandex"); math.Abs(v-10) > 0.001 {
		t.Errorf("iamkit.token.expires_in = %v with both caches, want 10", v)
	}
	runtime.KeepAlive(dropped) // dropped here, without Close
	for i := 0; i < 100 && !collected.Load(); i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if !collected.Load() {
		t.Fatal("the cache dropped without Close was not collected")
	}
	if v, ok := gaugeValue(r.collect(t), "iamkit.token.expires_in", "iamkit.provider=yandex"); !ok || math.Abs(v-3600) > 0.001 {
		t.Errorf("iamkit.token.expires_in = %v (%v) after the dropped cache was collected, want 3600 (the live one)", v, ok)
	}
}
