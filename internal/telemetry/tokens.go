package telemetry

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/iam"
)

// Refresh triggers (the value of iamkit.token.refresh.trigger).
const (
	// TriggerExpired: callers found no valid token and wait for this
	// refresh.
	TriggerExpired = "expired"
	// TriggerStale: the token is stale; it is refreshed in the background
	// while it is still served.
	TriggerStale = "stale"
)

// TokenLifetimeKey is the lifetime of a refreshed token, in seconds (the
// refresh span's attribute).
const TokenLifetimeKey = attribute.Key("iamkit.token.lifetime")

// refreshBuckets are the bucket boundaries (s) of refresh durations: an
// exchange is one round trip, a slow one several with retries.
var refreshBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Tokens instruments one token cache (auth.Cache). It is never called on a
// cache hit: only by refreshes, by callers that wait for one, and by the
// collection of the expiry gauge.
type Tokens struct {
	tracer    trace.Tracer
	meter     metric.Meter
	provider  []attribute.KeyValue
	refreshes metric.Int64Counter
	duration  metric.Float64Histogram
	waits     metric.Int64Counter
	expiresIn metric.Float64ObservableGauge
}

// NewTokens returns the instruments of a cache of provider p's tokens ("":
// unknown, no provider attribute); nil providers mean the global ones.
func NewTokens(tp trace.TracerProvider, mp metric.MeterProvider, p iam.Provider) *Tokens {
	m := Meter(mp, "auth")
	return &Tokens{
		tracer:    Tracer(tp, "auth"),
		meter:     m,
		provider:  providerAttrs(p),
		refreshes: counter(m, MetricTokenRefreshes, "{refresh}", "Token refreshes of a token cache, by result."),
		duration:  histogram(m, MetricTokenRefreshDuration, "Duration of token refreshes.", refreshBuckets),
		waits:     counter(m, MetricTokenCacheWaits, "{wait}", "Callers that found no valid token in the cache and waited for a refresh."),
		expiresIn: gauge(m, MetricTokenExpiresIn, "Time until the token a cache serves expires; the minimum over the caches of one provider."),
	}
}

// Refresh is one refresh in flight. Its methods do nothing on a nil
// Refresh.
type Refresh struct {
	t     *Tokens
	span  trace.Span
	start time.Time
}

// StartRefresh starts the span of one refresh, run on ctx (the cache's
// background context). caller is the span context of the call that started
// it: the parent of the refresh when it waits for it (TriggerExpired), a
// link when it goes on with the stale token (TriggerStale), so that a
// background refresh is not drawn inside a request it does not delay.
func (t *Tokens) StartRefresh(ctx context.Context, trigger string, caller trace.SpanContext) (context.Context, *Refresh) {
	if t == nil {
		return ctx, nil
	}
	opts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(append([]attribute.KeyValue{TriggerKey.String(trigger)}, t.provider...)...),
	}
	if caller.IsValid() {
		if trigger == TriggerExpired {
			ctx = trace.ContextWithSpanContext(ctx, caller)
		} else {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: caller}), trace.WithNewRoot())
		}
	}
	r := &Refresh{t: t, start: time.Now()}
	ctx, r.span = t.tracer.Start(ctx, "auth.Cache/Refresh", opts...)
	return ctx, r
}

// End ends the refresh with its outcome; lifetime is the new token's
// (0: none or unknown).
func (r *Refresh) End(err error, lifetime time.Duration) {
	if r == nil {
		return
	}
	result := Result(err)
	if ctx := context.Background(); r.t.refreshes.Enabled(ctx) || r.t.duration.Enabled(ctx) {
		attrs := metric.WithAttributes(append([]attribute.KeyValue{ResultKey.String(result)}, r.t.provider...)...)
		r.t.refreshes.Add(ctx, 1, attrs)
		r.t.duration.Record(ctx, time.Since(r.start).Seconds(), attrs)
	}
	if r.span.IsRecording() {
		r.span.SetAttributes(ResultKey.String(result))
		if lifetime > 0 {
			r.span.SetAttributes(TokenLifetimeKey.Float64(lifetime.Seconds()))
		}
		if err != nil {
			recordError(r.span, err)
			r.span.SetStatus(codes.Error, result)
		}
	}
	r.span.End()
}

// Waited records a caller that found no valid token and waited, with the
// outcome of its wait; a recording span of the caller gets an event.
func (t *Tokens) Waited(ctx context.Context, err error) {
	if t == nil {
		return
	}
	result := Result(err)
	if bg := context.Background(); t.waits.Enabled(bg) {
		t.waits.Add(bg, 1, metric.WithAttributes(append([]attribute.KeyValue{ResultKey.String(result)}, t.provider...)...))
	}
	if s := trace.SpanFromContext(ctx); s.IsRecording() {
		s.AddEvent("iamkit.token.wait", trace.WithAttributes(ResultKey.String(result)))
	}
}

// ObserveExpiry registers obj, a cache, with the expiry gauge
// iamkit.token.expires_in of t's meter: at each collection f(obj) returns
// the time until the token obj serves expires, or false when there is none
// (or it never expires). The gauge reports, per attribute set (per
// provider), the minimum over the live caches: the token that expires
// first. obj is held weakly, so that a cache dropped without Close is
// still collected; f must not capture obj. The returned function
// unregisters obj.
func ObserveExpiry[T any](t *Tokens, obj *T, f func(*T) (time.Duration, bool)) (unregister func()) {
	if t == nil || t.expiresIn == nil {
		return func() {}
	}
	g := t.expiresIn
	return observe(MetricTokenExpiresIn, t.meter, []metric.Observable{g}, attribute.NewSet(t.provider...), obj,
		func(o *T) (float64, bool) {
			d, ok := f(o)
			return d.Seconds(), ok
		},
		func(o metric.Observer, rs []reading[float64]) {
			var a agg
			for _, r := range rs {
				a.add(r.attrs, r.state, minF)
			}
			a.each(func(set attribute.Set, v float64) { o.ObserveFloat64(g, v, metric.WithAttributeSet(set)) })
		})
}
