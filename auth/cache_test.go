package auth_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// upstream is a controllable Exchanger: it counts calls, can block until
// released and can fail.
type upstream struct {
	clk      *clock.Fake
	lifetime time.Duration
	calls    atomic.Int64
	block    chan struct{} // when non-nil, calls wait for it to close (or ctx)
	entered  chan struct{} // receives once per call, if non-nil
	fail     atomic.Pointer[error]
}

func newUpstream(clk *clock.Fake, lifetime time.Duration) *upstream {
	return &upstream{clk: clk, lifetime: lifetime}
}

func (u *upstream) Exchange(ctx context.Context) (auth.Token, error) {
	n := u.calls.Add(1)
	start := u.clk.Now()
	if u.entered != nil {
		u.entered <- struct{}{}
	}
	if u.block != nil {
		select {
		case <-u.block:
		case <-ctx.Done():
			return auth.Token{}, ctx.Err()
		}
	}
	if p := u.fail.Load(); p != nil {
		return auth.Token{}, *p
	}
	return auth.Token{
		Value:  iam.NewSecret(fmt.Sprintf("token-%d", n)),
		Type:   "Bearer",
		Expiry: start.Add(u.lifetime),
	}, nil
}

func (u *upstream) failWith(err error) { u.fail.Store(&err) }
func (u *upstream) heal()              { u.fail.Store(nil) }

func newCache(t *testing.T, u *upstream, optFns ...func(*auth.CacheOptions)) *auth.Cache {
	t.Helper()
	opts := append([]func(*auth.CacheOptions){func(o *auth.CacheOptions) { o.Clock = u.clk }}, optFns...)
	c, err := auth.NewCache(u, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// checkNoCacheGoroutines fails the test if a cache goroutine outlives it.
// Close has waited for them; a goroutine past its last statement may still
// be on its way out, so this yields the processor (no sleep) for up to 5 s
// of real time for it to finish exiting.
func checkNoCacheGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		if !strings.Contains(string(buf), "auth.(*Cache).run") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("cache goroutine still running after Close:\n%s", buf)
		}
		runtime.Gosched()
	}
}

func mustToken(t *testing.T, c *auth.Cache) auth.Token {
	t.Helper()
	tok, err := c.AccessToken(context.Background())
	if err != nil {
		t.Fatalf("AccessToken: %v", err)
	}
	return tok
}

func TestCacheServesFreshTokenWithoutExchange(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	c := newCache(t, u)
	first := mustToken(t, c)
	for i := 0; i < 100; i++ {
		if got := mustToken(t, c); !got.Value.Equal(first.Value) {
			t.Fatalf("call %d got a different token", i)
		}
	}
	if n := u.calls.Load(); n != 1 {
		t.Fatalf("exchanges = %d, want 1", n)
	}
	if !first.Expiry.Equal(t0.Add(time.Hour)) {
		t.Fatalf("expiry = %v, want %v", first.Expiry, t0.Add(time.Hour))
	}
}

func TestCacheHerdAtExpiryMakesOneExchange(t *testing.T) {
	for _, failing := range []bool{false, true} {
		t.Run(fmt.Sprintf("failing=%v", failing), func(t *testing.T) {
			clk := clock.NewFake(t0)
			u := newUpstream(clk, time.Hour)
			c := newCache(t, u)
			mustToken(t, c)
			clk.Advance(2 * time.Hour) // expired
			u.calls.Store(0)
			u.block = make(chan struct{})
			u.entered = make(chan struct{}, 10)
			if failing {
				u.failWith(errors.New("upstream is down"))
			}

			const n = 1000
			var started, done sync.WaitGroup
			errs := make(chan error, n)
			started.Add(n)
			done.Add(n)
			for i := 0; i < n; i++ {
				go func() {
					defer done.Done()
					started.Done()
					_, err := c.AccessToken(context.Background())
					errs <- err
				}()
			}
			started.Wait()
			<-u.entered // the one exchange has started
			close(u.block)
			done.Wait()
			close(errs)
			var failed int
			for err := range errs {
				if err != nil {
					failed++
					if !strings.Contains(err.Error(), "upstream is down") {
						t.Fatalf("unexpected error: %v", err)
					}
				}
			}
			calls := u.calls.Load()
			if !failing && calls != 1 {
				t.Fatalf("healthy upstream: exchanges = %d, want exactly 1", calls)
			}
			if failing && calls > 2 {
				t.Fatalf("failing upstream: exchanges = %d, want ≤ 2", calls)
			}
			if failing && failed != n {
				t.Fatalf("failing upstream: %d callers failed, want all %d", failed, n)
			}
			if !failing && failed != 0 {
				t.Fatalf("healthy upstream: %d callers failed", failed)
			}
		})
	}
}

func TestCacheWaiterHonoursOwnDeadline(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	u.block = make(chan struct{})
	u.entered = make(chan struct{}, 1)
	c := newCache(t, u)

	// A first caller starts the (hanging) refresh.
	go c.AccessToken(context.Background())
	<-u.entered

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := c.AccessToken(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if n := u.calls.Load(); n != 1 {
		t.Fatalf("exchanges = %d, want 1 (the waiter must not start its own)", n)
	}
	// The refresh goes on for others and lands.
	close(u.block)
	tok := mustToken(t, c)
	if tok.Value.Reveal() != "token-1" {
		t.Fatalf("got %q", tok.Value.Reveal())
	}
}

func TestCacheStaleWindowRefreshesInBackgroundOnce(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	c := newCache(t, u, func(o *auth.CacheOptions) { o.RefreshFraction = 0.5; o.Jitter = 0.01 })
	old := mustToken(t, c)

	clk.Advance(40 * time.Minute) // past 50 % of the lifetime: stale, still valid
	u.block = make(chan struct{})
	u.entered = make(chan struct{}, 10)

	const n = 200
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.AccessToken(context.Background())
			if err != nil || !tok.Value.Equal(old.Value) {
				t.Errorf("stale call: tok=%v err=%v, want the old token at once", tok.Value, err)
			}
		}()
	}
	// Every caller returns while the refresh is still blocked: none waited.
	wg.Wait()
	<-u.entered
	if got := u.calls.Load(); got != 2 {
		t.Fatalf("exchanges = %d, want 2 (initial + one background refresh)", got)
	}
	close(u.block)
	// Once the refresh lands, the new token is served.
	waitFor(t, func() bool { return mustToken(t, c).Value.Reveal() == "token-2" })
	if got := u.calls.Load(); got != 2 {
		t.Fatalf("exchanges = %d, want 2", got)
	}
}

func TestCacheServesValidTokenWhileRefreshesFail(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	c := newCache(t, u, func(o *auth.CacheOptions) {
		o.RefreshFraction = 0.5
		o.Jitter = 0.01
		o.BaseDelay = 10 * time.Second
		o.MaxDelay = 10 * time.Second
	})
	old := mustToken(t, c)
	u.failWith(errors.New("exchange failed"))

	clk.Advance(31 * time.Minute)
	for step := 0; step < 20; step++ {
		tok, err := c.AccessToken(context.Background())
		if err != nil || !tok.Value.Equal(old.Value) {
			t.Fatalf("step %d: tok=%v err=%v, want the old valid token", step, tok.Value, err)
		}
		waitFor(t, func() bool { return !refreshRunning(c) })
		clk.Advance(time.Second)
	}
	// 20 s of failures with a 5–10 s backoff: a handful of attempts, not 20.
	if got := u.calls.Load(); got < 2 || got > 6 {
		t.Fatalf("exchanges = %d, want between 2 and 6", got)
	}
	// Past expiry, with the upstream still failing, callers get the error.
	clk.Advance(time.Hour)
	if _, err := c.AccessToken(context.Background()); err == nil {
		t.Fatal("expired token with failing upstream: want an error")
	}
	// And once it heals (after the backoff) a new token comes.
	u.heal()
	clk.Advance(time.Minute)
	if tok := mustToken(t, c); tok.Value.Equal(old.Value) {
		t.Fatal("want a new token after the upstream healed")
	}
}

func TestCacheFailureIsSharedThenBackedOff(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	u.failWith(errors.New("boom"))
	c := newCache(t, u, func(o *auth.CacheOptions) { o.BaseDelay = time.Minute; o.MaxDelay = time.Minute })
	_, err := c.AccessToken(context.Background())
	var re *auth.RefreshError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want *auth.RefreshError", err)
	}
	// Within the backoff, callers fail fast with the same cause, no new call.
	for i := 0; i < 10; i++ {
		_, err := c.AccessToken(context.Background())
		if !errors.As(err, &re) || re.RetryIn <= 0 || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("err = %v, want a backoff RefreshError", err)
		}
	}
	if n := u.calls.Load(); n != 1 {
		t.Fatalf("exchanges = %d, want 1", n)
	}
	clk.Advance(time.Minute + time.Second)
	u.heal()
	mustToken(t, c)
	if n := u.calls.Load(); n != 2 {
		t.Fatalf("exchanges = %d, want 2", n)
	}
}

func TestCacheInvalidate(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	c := newCache(t, u)
	first := mustToken(t, c)
	c.Invalidate()
	second := mustToken(t, c)
	if second.Value.Equal(first.Value) {
		t.Fatal("Invalidate: want a new token")
	}
	// A late report about the first token changes nothing.
	if c.InvalidateToken(first) {
		t.Fatal("InvalidateToken(old) dropped the current token")
	}
	if got := mustToken(t, c); !got.Value.Equal(second.Value) {
		t.Fatal("token changed after a stale InvalidateToken")
	}
	if !c.InvalidateToken(second) {
		t.Fatal("InvalidateToken(current) = false")
	}
	if got := mustToken(t, c); got.Value.Equal(second.Value) {
		t.Fatal("want a new token after InvalidateToken(current)")
	}
	if n := u.calls.Load(); n != 3 {
		t.Fatalf("exchanges = %d, want 3", n)
	}
}

func TestCacheOAuth2Token(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	c := newCache(t, u)
	ot, err := c.Token()
	if err != nil {
		t.Fatal(err)
	}
	if ot.AccessToken != "token-1" || ot.TokenType != "Bearer" || !ot.Expiry.Equal(t0.Add(time.Hour)) {
		t.Fatalf("oauth2 token = %+v", ot)
	}
}

func TestCacheRejectsMalformedTokens(t *testing.T) {
	clk := clock.NewFake(t0)
	for name, x := range map[string]auth.ExchangerFunc{
		"empty": func(context.Context) (auth.Token, error) { return auth.Token{Expiry: t0.Add(time.Hour)}, nil },
		"expired": func(context.Context) (auth.Token, error) {
			return auth.Token{Value: iam.NewSecret("x"), Expiry: t0.Add(-time.Second)}, nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := auth.NewCache(x, func(o *auth.CacheOptions) { o.Clock = clk })
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.AccessToken(context.Background()); err == nil {
				t.Fatal("want an error for a malformed token")
			}
		})
	}
}

func TestCacheOptionsValidation(t *testing.T) {
	x := auth.ExchangerFunc(func(context.Context) (auth.Token, error) { return auth.Token{}, nil })
	for name, fn := range map[string]func(*auth.CacheOptions){
		"fraction":  func(o *auth.CacheOptions) { o.RefreshFraction = 1.5 },
		"jitter":    func(o *auth.CacheOptions) { o.Jitter = 0.9 },
		"negative":  func(o *auth.CacheOptions) { o.MinValidity = -1 },
		"store key": func(o *auth.CacheOptions) { o.Store = &auth.DiskStore{} },
	} {
		if _, err := auth.NewCache(x, fn); err == nil {
			t.Errorf("%s: want a validation error", name)
		}
	}
	if _, err := auth.NewCache(nil); err == nil {
		t.Error("nil exchanger: want an error")
	}
}

func TestCacheCloseStopsBackgroundWork(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	c, err := auth.NewCache(u, func(o *auth.CacheOptions) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	mustToken(t, c)
	clk.Advance(50 * time.Minute)
	u.block = make(chan struct{}) // never closed: the refresh hangs until Close
	u.entered = make(chan struct{}, 1)
	if _, err := c.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-u.entered
	c.Close()
	checkNoCacheGoroutines(t)
	if _, err := c.AccessToken(context.Background()); !errors.Is(err, auth.ErrCacheClosed) {
		t.Fatalf("after Close: err = %v, want ErrCacheClosed", err)
	}
	c.Close() // idempotent
}

func refreshRunning(c *auth.Cache) bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), "auth.(*Cache).run")
}

// waitFor yields the processor until cond holds: the background goroutine
// is real, only time is fake, and it needs the processor, not time, to
// finish. It never sleeps; it gives up after 5 s of real time.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		runtime.Gosched()
	}
}

// pausingClock is a fake clock whose next reading (NowMonotonic, what the
// cache reads), once armed, blocks until released: it holds a caller
// between its load of the cached entry and its clock read, so that a
// refresh can complete in between.
type pausingClock struct {
	*clock.Fake
	armed   atomic.Bool
	paused  chan struct{} // closed when the armed call blocks
	release chan struct{}
}

func (p *pausingClock) NowMonotonic() (time.Time, time.Duration) {
	if p.armed.CompareAndSwap(true, false) {
		close(p.paused)
		<-p.release
	}
	return p.Fake.NowMonotonic()
}

func TestCacheStaleCallerDoesNotRefreshAReplacedToken(t *testing.T) {
	fake := clock.NewFake(t0)
	clk := &pausingClock{Fake: fake, paused: make(chan struct{}), release: make(chan struct{})}
	u := newUpstream(fake, time.Hour)
	c, err := auth.NewCache(u, func(o *auth.CacheOptions) { o.Clock = clk; o.Jitter = 0.01 })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	mustToken(t, c)
	fake.Advance(40 * time.Minute) // stale

	// Caller A loads the stale entry, then pauses before reading the clock.
	clk.armed.Store(true)
	done := make(chan auth.Token)
	go func() {
		tok, _ := c.AccessToken(context.Background())
		done <- tok
	}()
	<-clk.paused
	// Meanwhile another caller triggers the one background refresh, which lands.
	mustToken(t, c)
	waitFor(t, func() bool { return mustToken(t, c).Value.Reveal() == "token-2" })
	// A resumes with the entry that was already replaced: it must not
	// start a second refresh.
	close(clk.release)
	<-done
	waitFor(t, func() bool { return !refreshRunning(c) })
	if n := u.calls.Load(); n != 2 {
		t.Fatalf("exchanges = %d, want 2 (initial + one background refresh)", n)
	}
}

func TestCacheCloseReleasesWaitersWithErrCacheClosed(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	u.block = make(chan struct{}) // never closed: the refresh hangs until Close
	u.entered = make(chan struct{}, 1)
	c, err := auth.NewCache(u, func(o *auth.CacheOptions) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.AccessToken(context.Background())
		errc <- err
	}()
	<-u.entered
	c.Close()
	if err := <-errc; !errors.Is(err, auth.ErrCacheClosed) || errors.Is(err, context.Canceled) {
		t.Fatalf("waiter after Close: err = %v, want ErrCacheClosed (not context.Canceled)", err)
	}
	checkNoCacheGoroutines(t)
}
