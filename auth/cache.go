package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/backoff"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/telemetry"
)

// ErrCacheClosed is returned by a [Cache] after Close, also to callers that
// were waiting for a refresh that Close interrupted.
var ErrCacheClosed = errors.New("auth: token cache is closed")

// CacheOptions configures a [Cache]. Every field is optional.
type CacheOptions struct {
	// Clock is the time source. Default: the system clock. The cache reads
	// the wall time and the monotonic time together: from the system
	// clock's time.Now, from a clock with a NowMonotonic method (such as
	// iamtest.FakeClock) through it, else from Now alone.
	Clock iam.Clock

	// RefreshFraction is the part of a token's lifetime after which the
	// token is stale and refreshed in the background, e.g. 0.5 refreshes a
	// 12-hour token after about 6 hours. Default 0.5; must be in (0, 1].
	RefreshFraction float64

	// MaxRefreshAge, when positive, refreshes a token at most this long
	// after it was issued, whatever its lifetime (Yandex recommends getting
	// a new IAM token every hour). Default 0: no limit.
	MaxRefreshAge time.Duration

	// Jitter spreads refreshes of many processes: the refresh point moves
	// earlier by a random part of up to Jitter × the refresh delay.
	// Default 0.1; must be in [0, 0.5].
	Jitter float64

	// MinValidity is the least validity a token must have left to be
	// served; below it the token counts as expired and callers wait for a
	// refresh. Default 1 minute, but at most a quarter of the token's
	// lifetime.
	MinValidity time.Duration

	// RefreshTimeout bounds one upstream exchange (callers' own contexts
	// bound their waiting, not the exchange). Default 30 seconds.
	RefreshTimeout time.Duration

	// BaseDelay and MaxDelay bound the wait after a failed refresh before
	// the next attempt: BaseDelay after the first failure, doubling after
	// each further one up to MaxDelay, with jitter over the upper half.
	// While backing off, a still-valid token keeps being served; callers
	// without a valid token get the last error at once. Defaults 1 s and
	// 1 min; a MaxDelay below BaseDelay is raised to BaseDelay. The cache
	// retries for as long as it lives: there is no attempt limit.
	BaseDelay, MaxDelay time.Duration

	// Store, when set, persists tokens across processes (see [DiskStore]).
	// A token found there at construction is served until it goes stale.
	Store TokenStore
	// StoreKey names this cache's token in Store, e.g. the key ID. It is
	// required when Store is set.
	StoreKey string

	// Logger receives debug logs of refreshes (never a token). Default:
	// no logging.
	Logger *slog.Logger

	// TracerProvider receives a span per refresh ("auth.Cache/Refresh",
	// the parent of the exchanger's span) and MeterProvider the refresh,
	// wait and expiry metrics; nil means the global ones
	// (otel.GetTracerProvider, otel.GetMeterProvider: no-ops unless the
	// program installs an SDK). A cache hit records nothing: the time
	// until the token expires is a gauge observed at collection. The
	// metrics carry the exchanger's provider when it has a Provider
	// method. Close unregisters the gauge's callback. See package iam,
	// # Telemetry.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
}

// TokenStore persists tokens between processes. [DiskStore] is the
// file-backed implementation.
type TokenStore interface {
	// Load returns the stored token for key, if any.
	Load(key string) (Token, bool)
	// Save stores the token for key.
	Save(key string, tok Token) error
}

// Cache caches the tokens of an [Exchanger] and refreshes them before they
// expire. It is an oauth2.TokenSource; its context-aware method is
// [Cache.AccessToken].
//
// A token is fresh until a fraction of its lifetime has passed
// (RefreshFraction, with jitter), then stale: callers still get it at once,
// and exactly one background refresh starts. When less than MinValidity is
// left it is expired: callers wait for one shared refresh, each bounded by
// its own context. Only one upstream exchange runs at a time; a failure is
// shared by everyone waiting on it and followed by a backoff, during which a
// still-valid token keeps being served.
//
// Serving a cached token costs one atomic load and one clock read (one
// time.Now), with no lock and no allocation. That one reading gives both
// the wall time and the monotonic time, and a token counts as stale or
// expired as soon as either clock says so: a token whose wall-clock expiry
// has passed is never served, also after a system suspend (during which the
// monotonic clock stands still), and a step back of the wall clock does not
// extend a token's life either. Far-future expiries (up to year 9999 and
// beyond) are handled without overflow.
//
// Close stops background work. A Cache is safe for concurrent use.
type Cache struct {
	x    Exchanger
	opts CacheOptions
	// clock reads the wall and the monotonic time together; its monotonic
	// time (since NewCache) is the scale of every since-base duration below.
	clock clock.Reader

	cur atomic.Pointer[entry]

	// refreshing is true while a flight runs; it keeps the stale path from
	// taking the lock on every call during a background refresh.
	refreshing atomic.Bool
	// notBefore is the since-base time before which no new flight starts
	// (backoff after a failure).
	notBefore atomic.Int64

	mu       sync.Mutex
	flight   *flight
	failures int
	lastErr  error
	closed   bool

	bg     context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// tel records refreshes and waits, never a hit; unobserve ends the
	// expiry gauge's callback (Close).
	tel       *telemetry.Tokens
	unobserve func()
}

// entry is a cached token and the two points of its life, each on both
// clocks: it is stale from the earlier of refreshAt and wallRefreshAt, and
// expired from the earlier of expireAt and wallExpireAt.
type entry struct {
	tok   Token
	oauth *oauth2.Token

	refreshAt time.Duration // since base: stale from here
	expireAt  time.Duration // since base: expired (callers wait) from here

	wallRefreshAt time.Time // wall clock (no monotonic reading): stale from here
	wallExpireAt  time.Time // wall clock: expired from here
}

// fresh reports whether e is before its refresh point at (wall, since).
func (e *entry) fresh(wall time.Time, since time.Duration) bool {
	return since < e.refreshAt && wall.Before(e.wallRefreshAt)
}

// valid reports whether e is before its expiry point at (wall, since): it
// may be served.
func (e *entry) valid(wall time.Time, since time.Duration) bool {
	return since < e.expireAt && wall.Before(e.wallExpireAt)
}

type flight struct {
	done chan struct{}
	e    *entry
	err  error

	// trigger and caller are for the refresh's span: why it runs, and the
	// span of the call that started it.
	trigger string
	caller  trace.SpanContext
}

// setDefaults fills the fields left zero.
func (o *CacheOptions) setDefaults() {
	if o.RefreshFraction == 0 {
		o.RefreshFraction = 0.5
	}
	if o.Jitter == 0 {
		o.Jitter = 0.1
	}
	if o.MinValidity == 0 {
		o.MinValidity = time.Minute
	}
	if o.RefreshTimeout == 0 {
		o.RefreshTimeout = 30 * time.Second
	}
	if o.BaseDelay == 0 {
		o.BaseDelay = time.Second
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = time.Minute
	}
	if o.MaxDelay >= 0 && o.MaxDelay < o.BaseDelay { // a negative one is validate's to refuse
		o.MaxDelay = o.BaseDelay
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// validate reports the first unusable field, after setDefaults, naming it.
func (o *CacheOptions) validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"MinValidity", o.MinValidity}, {"MaxRefreshAge", o.MaxRefreshAge}, {"RefreshTimeout", o.RefreshTimeout},
		{"BaseDelay", o.BaseDelay}, {"MaxDelay", o.MaxDelay},
	} {
		if d.v < 0 {
			return fmt.Errorf("auth: NewCache: %s %v is negative", d.name, d.v)
		}
	}
	switch {
	case o.RefreshFraction <= 0 || o.RefreshFraction > 1:
		return fmt.Errorf("auth: NewCache: RefreshFraction %v is outside (0, 1]", o.RefreshFraction)
	case o.Jitter < 0 || o.Jitter > 0.5:
		return fmt.Errorf("auth: NewCache: Jitter %v is outside [0, 0.5]", o.Jitter)
	case o.Store != nil && o.StoreKey == "":
		return errors.New("auth: NewCache: StoreKey is required when Store is set")
	}
	return nil
}

// NewCache returns a cache of the tokens x issues. Nil option functions
// are skipped.
//
// The cache owns x: [Cache.Close] closes it when it implements io.Closer
// (the providers' exchangers do, closing their connection pools), so give
// each cache an exchanger of its own.
func NewCache(x Exchanger, optFns ...func(*CacheOptions)) (*Cache, error) {
	if x == nil {
		return nil, errors.New("auth: NewCache: exchanger is nil")
	}
	var o CacheOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	o.setDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	c := &Cache{x: x, opts: o, clock: clock.NewReader(o.Clock)}
	c.bg, c.cancel = context.WithCancel(context.Background())
	var p iam.Provider
	if px, ok := x.(interface{ Provider() iam.Provider }); ok {
		p = px.Provider()
	}
	c.tel = telemetry.NewTokens(o.TracerProvider, o.MeterProvider, p)
	c.unobserve = telemetry.ObserveExpiry(c.tel, c, (*Cache).expiresIn) // holds c weakly: an unclosed cache is still collected
	if o.Store != nil {
		if tok, ok := o.Store.Load(o.StoreKey); ok {
			wall, since := c.clock.Read()
			if e := c.newEntry(tok, wall, since); e != nil && e.valid(wall, since) {
				c.cur.Store(e)
				o.Logger.Debug("auth: token loaded from store", "key", o.StoreKey, "expiry", tok.Expiry)
			}
		}
	}
	return c, nil
}

// AccessToken returns a valid token, from the cache when it can. It waits
// for a refresh only when the cached token has expired (or there is none);
// ctx bounds that wait, while the refresh itself goes on for the other
// callers.
func (c *Cache) AccessToken(ctx context.Context) (Token, error) {
	e, err := c.get(ctx)
	if err != nil {
		return Token{}, err
	}
	return e.tok, nil
}

// Token returns the cached token as an *oauth2.Token, so that a Cache is an
// oauth2.TokenSource (for oauth2.NewClient and oauth2.Transport). The
// returned token is shared and must not be modified. Token waits at most
// RefreshTimeout; prefer [Cache.AccessToken], which takes a context.
func (c *Cache) Token() (*oauth2.Token, error) {
	e, err := c.get(context.Background())
	if err != nil {
		return nil, err
	}
	return e.oauth, nil
}

// get is the hot path: one atomic load, one clock read (wall and monotonic
// time together).
func (c *Cache) get(ctx context.Context) (*entry, error) {
	if e := c.cur.Load(); e != nil {
		wall, since := c.clock.Read()
		if e.fresh(wall, since) {
			return e, nil
		}
		if e.valid(wall, since) {
			c.refreshInBackground(ctx, e, since)
			return e, nil
		}
	}
	return c.wait(ctx)
}

// refreshInBackground starts a refresh for the stale entry e unless one
// runs or a backoff holds it off; ctx is the caller's, whose span the
// refresh's links to.
func (c *Cache) refreshInBackground(ctx context.Context, e *entry, now time.Duration) {
	if c.refreshing.Load() || int64(now) < c.notBefore.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Check again under the lock: between the checks above and the lock, a
	// flight may have ended, replacing e (a refresh that already landed) or
	// setting a backoff (a refresh that failed).
	if c.closed || c.flight != nil || c.cur.Load() != e || int64(now) < c.notBefore.Load() {
		return
	}
	c.startLocked(telemetry.TriggerStale, trace.SpanContextFromContext(ctx))
}

// wait makes the caller wait for a refresh, bounded by ctx, and records
// the wait (the slow path only).
func (c *Cache) wait(ctx context.Context) (*entry, error) {
	e, err := c.waitRefresh(ctx)
	c.tel.Waited(ctx, err)
	return e, err
}

// waitRefresh is wait without the telemetry.
func (c *Cache) waitRefresh(ctx context.Context) (*entry, error) {
	c.mu.Lock()
	wall, now := c.clock.Read()
	if e := c.cur.Load(); e != nil && e.valid(wall, now) {
		// Refreshed while we took the lock.
		c.mu.Unlock()
		return e, nil
	}
	if c.closed {
		c.mu.Unlock()
		return nil, ErrCacheClosed
	}
	f := c.flight
	if f == nil {
		if int64(now) < c.notBefore.Load() && c.lastErr != nil {
			err := c.lastErr
			retryIn := time.Duration(c.notBefore.Load() - int64(now))
			c.mu.Unlock()
			return nil, &RefreshError{Err: err, RetryIn: retryIn}
		}
		f = c.startLocked(telemetry.TriggerExpired, trace.SpanContextFromContext(ctx))
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return nil, f.err
		}
		return f.e, nil
	default:
	}
	select {
	case <-f.done:
		if f.err != nil {
			return nil, f.err
		}
		return f.e, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// startLocked starts one refresh flight, for the span of the refresh: why
// (telemetry.TriggerExpired or TriggerStale) and from which caller's span.
// c.mu must be held.
func (c *Cache) startLocked(trigger string, caller trace.SpanContext) *flight {
	f := &flight{done: make(chan struct{}), trigger: trigger, caller: caller}
	c.flight = f
	c.refreshing.Store(true)
	c.wg.Add(1)
	go c.run(f)
	return f
}

func (c *Cache) run(f *flight) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(c.bg, c.opts.RefreshTimeout)
	defer cancel()
	ctx, refresh := c.tel.StartRefresh(ctx, f.trigger, f.caller)
	startWall, startSince := c.clock.Read()
	tok, err := c.x.Exchange(ctx)
	var e *entry
	if err == nil {
		e = c.newEntry(tok, startWall, startSince)
		if e == nil {
			err = errors.New("auth: exchanger returned an empty or already expired token")
		}
	}
	var lifetime time.Duration
	if e != nil && !tok.Expiry.IsZero() {
		lifetime = tok.Expiry.Sub(startWall)
	}
	refresh.End(err, lifetime)

	c.mu.Lock()
	if err != nil {
		c.failures++
		c.lastErr = err
		_, now := c.clock.Read()
		c.notBefore.Store(int64(clock.AddSat(now, c.backoff(c.failures))))
		f.err = &RefreshError{Err: err}
		if c.closed {
			// Close cancelled the exchange: tell the waiters why, rather
			// than hand them a context.Canceled they would take for their own.
			f.err = ErrCacheClosed
		}
		c.opts.Logger.Debug("auth: token refresh failed", "failures", c.failures, "error", err.Error())
	} else {
		c.failures = 0
		c.lastErr = nil
		c.notBefore.Store(0)
		f.e = e
		if !c.closed {
			c.cur.Store(e)
		}
		c.opts.Logger.Debug("auth: token refreshed", "expiry", tok.Expiry)
	}
	c.flight = nil
	c.refreshing.Store(false)
	c.mu.Unlock()
	close(f.done)

	if err == nil && c.opts.Store != nil {
		if serr := c.opts.Store.Save(c.opts.StoreKey, tok); serr != nil {
			c.opts.Logger.Debug("auth: could not save token to store", "error", serr.Error())
		}
	}
}

// newEntry computes the refresh and expiry points of tok, issued at
// startWall (startSince on the base scale), on both clocks. It returns nil
// for a token without a value or one that is already past its expiry.
//
// The arithmetic saturates: a far-future expiry (Expiry.Sub saturates at
// about 292 years) gives points at the end of the scale, never wrapped
// ones.
func (c *Cache) newEntry(tok Token, startWall time.Time, startSince time.Duration) *entry {
	if tok.Value.IsZero() {
		return nil
	}
	if tok.Type == "" {
		tok.Type = "Bearer"
	}
	e := &entry{tok: tok}
	e.oauth = &oauth2.Token{AccessToken: tok.Value.Reveal(), TokenType: tok.Type, Expiry: tok.Expiry}
	if tok.Expiry.IsZero() {
		e.refreshAt, e.expireAt = math.MaxInt64, math.MaxInt64
		e.wallRefreshAt, e.wallExpireAt = endOfTime, endOfTime
		return e
	}
	// Wall-clock points carry no monotonic reading, so that Before
	// compares wall times.
	startWall = startWall.Round(0)
	expiry := tok.Expiry.Round(0)
	lifetime := expiry.Sub(startWall)
	if lifetime <= 0 {
		return nil
	}
	minValid := c.opts.MinValidity
	if q := lifetime / 4; minValid > q {
		minValid = q
	}
	refreshIn := scaleDuration(lifetime, c.opts.RefreshFraction)
	if c.opts.MaxRefreshAge > 0 && refreshIn > c.opts.MaxRefreshAge {
		refreshIn = c.opts.MaxRefreshAge
	}
	refreshIn -= scaleDuration(refreshIn, rand.Float64()*c.opts.Jitter)
	e.expireAt = clock.AddSat(startSince, lifetime-minValid) // minValid ≤ lifetime/4: no overflow
	e.refreshAt = min(clock.AddSat(startSince, refreshIn), e.expireAt)
	e.wallExpireAt = expiry.Add(-minValid)
	e.wallRefreshAt = startWall.Add(refreshIn)
	if e.wallRefreshAt.After(e.wallExpireAt) {
		e.wallRefreshAt = e.wallExpireAt
	}
	return e
}

// endOfTime is the wall-clock point of a token without expiry.
var endOfTime = time.Unix(1<<62, 0)

// scaleDuration returns d×f for f in [0, 1], saturating: float64 of the
// largest Duration rounds up to 2^63, which does not convert back.
func scaleDuration(d time.Duration, f float64) time.Duration {
	x := float64(d) * f
	if x >= math.MaxInt64 {
		return math.MaxInt64
	}
	if x <= math.MinInt64 {
		return math.MinInt64
	}
	return time.Duration(x)
}

// backoff returns the wait after n consecutive failures: exponential from
// BaseDelay, capped at MaxDelay, with jitter over its upper half.
func (c *Cache) backoff(n int) time.Duration {
	return backoff.Upper(c.opts.BaseDelay, c.opts.MaxDelay, n)
}

// Invalidate drops the cached token, so that the next call waits for a new
// one. Call it when a server rejected the token (HTTP 401, gRPC
// UNAUTHENTICATED); prefer [Cache.InvalidateToken], which ignores a report
// about a token that has already been replaced.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur.Store(nil)
	c.notBefore.Store(0)
}

// InvalidateToken drops the cached token if it is still tok; a rejection of
// an older token, reported after the cache already moved on, changes
// nothing. It reports whether the token was dropped.
func (c *Cache) InvalidateToken(tok Token) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.cur.Load()
	if e == nil || !e.tok.Value.Equal(tok.Value) {
		return false
	}
	c.cur.Store(nil)
	c.notBefore.Store(0)
	return true
}

// Close stops background refreshes and waits for them to end, then closes
// the exchanger if it is an io.Closer (the cache owns it: see [NewCache]).
// After Close the cache refreshes nothing: calls return ErrCacheClosed.
// Close is idempotent (the exchanger is closed once) and always returns
// nil.
func (c *Cache) Close() error {
	c.mu.Lock()
	first := !c.closed
	c.closed = true
	c.cur.Store(nil)
	unobserve := c.unobserve
	c.unobserve = nil
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	if unobserve != nil {
		unobserve()
	}
	if cl, ok := c.x.(io.Closer); ok && first {
		_ = cl.Close()
	}
	return nil
}

// expiresIn is the callback of the expiry gauge: the time until the served
// token expires, if one is cached and expires.
func (c *Cache) expiresIn() (time.Duration, bool) {
	e := c.cur.Load()
	if e == nil || e.tok.Expiry.IsZero() {
		return 0, false
	}
	wall, _ := c.clock.Read()
	return e.tok.Expiry.Sub(wall), true
}

// RefreshError is returned when a token could not be refreshed. It wraps
// the exchanger's error (errors.Is and errors.As see it) and, when the
// cache is backing off, says when it will try again.
type RefreshError struct {
	// Err is the exchanger's error.
	Err error
	// RetryIn is how long the cache waits before its next attempt; 0 when
	// the error comes straight from an attempt.
	RetryIn time.Duration
}

// Error describes the failure.
func (e *RefreshError) Error() string {
	if e.RetryIn > 0 {
		return fmt.Sprintf("auth: token refresh failed (next attempt in %s): %v", e.RetryIn.Round(time.Millisecond), e.Err)
	}
	return "auth: token refresh failed: " + e.Err.Error()
}

// Unwrap returns the exchanger's error.
func (e *RefreshError) Unwrap() error { return e.Err }

// String describes the cache without its token or internals, so that
// printing a Cache is safe while it refreshes.
func (c *Cache) String() string {
	state := "empty"
	if e := c.cur.Load(); e != nil {
		wall, since := c.clock.Read()
		switch {
		case e.fresh(wall, since):
			state = "fresh"
		case e.valid(wall, since):
			state = "stale"
		default:
			state = "expired"
		}
	}
	return "auth.Cache(" + state + ")"
}

// GoString is String, for %#v.
func (c *Cache) GoString() string { return c.String() }
