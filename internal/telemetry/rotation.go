package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/iam"
)

// Rotation steps (the value of iamkit.rotation.step; the span is
// "credentials.ManagedProvider/<Step>").
const (
	// StepReconcile: list the account's keys, check the held ones, retire
	// leftovers.
	StepReconcile = "Reconcile"
	// StepCreate: create the next (or first) key.
	StepCreate = "Create"
	// StepSwitch: serve the next key instead of the current one.
	StepSwitch = "Switch"
	// StepRetire: deactivate and delete an old key.
	StepRetire = "Retire"
)

// Rotation instruments one managed provider (credentials.ManagedProvider).
// Nothing here is called by Retrieve.
type Rotation struct {
	tracer    trace.Tracer
	meter     metric.Meter
	provider  []attribute.KeyValue
	rotations metric.Int64Counter
	keys      metric.Int64ObservableUpDownCounter
	age       metric.Float64ObservableGauge
	expiresIn metric.Float64ObservableGauge
}

// NewRotation returns the instruments of a managed provider of provider
// p's keys; nil providers mean the global ones.
func NewRotation(tp trace.TracerProvider, mp metric.MeterProvider, p iam.Provider) *Rotation {
	m := Meter(mp, "credentials")
	r := &Rotation{
		tracer:    Tracer(tp, "credentials"),
		meter:     m,
		provider:  providerAttrs(p),
		rotations: counter(m, MetricRotations, "{rotation}", "Key rotations of a managed provider: switches to a new key, and failed creations of one."),
		age:       gauge(m, MetricManagedKeyAge, "Age of the key a managed provider serves; the maximum (the oldest key in use) over the providers of one cloud."),
		expiresIn: gauge(m, MetricManagedKeyExpiresIn, "Time until the key a managed provider serves expires; the minimum over the providers of one cloud."),
	}
	keys, err := m.Int64ObservableUpDownCounter(MetricManagedKeys, metric.WithUnit("{key}"),
		metric.WithDescription("Keys the managed providers of one cloud hold (summed): the current ones, the next ones, those on their way out."))
	if err != nil {
		handle(err)
	} else {
		r.keys = keys
	}
	return r
}

// Step is one rotation step in flight. Its methods do nothing on a nil
// Step.
type Step struct {
	span       trace.Span
	failed, ok bool
}

// StartStep starts the span of a rotation step (Step* constants).
func (r *Rotation) StartStep(ctx context.Context, step string) (context.Context, *Step) {
	if r == nil {
		return ctx, nil
	}
	s := &Step{}
	ctx, s.span = r.tracer.Start(ctx, "credentials.ManagedProvider/"+step,
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(append([]attribute.KeyValue{StepKey.String(step)}, r.provider...)...))
	return ctx, s
}

// Event adds an event (a rotation event's name, "key created") to the
// step's span, with the access key ID concerned (not a secret) and, for a
// failure, its error, which also marks the step failed.
func (s *Step) Event(name, accessKeyID string, err error) {
	if s == nil || !s.span.IsRecording() {
		return
	}
	var attrs []attribute.KeyValue
	if accessKeyID != "" {
		attrs = append(attrs, AccessKeyIDKey.String(accessKeyID))
	}
	if err != nil {
		attrs = append(attrs, ResultKey.String(Result(err)))
		recordError(s.span, err)
		s.span.SetStatus(codes.Error, Result(err))
		s.span.SetAttributes(ResultKey.String(Result(err)))
		s.failed = true
	} else {
		s.ok = true
	}
	s.span.AddEvent(name, trace.WithAttributes(attrs...))
}

// ResultSkipped is the result of a step that found nothing to do (a
// sharer of the state file did it, or MaxKeys keys exist); spans only.
const ResultSkipped = "skipped"

// End ends the step: its result is the failure's kind if an event failed,
// "ok" if one succeeded, else [ResultSkipped].
func (s *Step) End() {
	if s == nil {
		return
	}
	if s.span.IsRecording() && !s.failed {
		if s.ok {
			s.span.SetAttributes(ResultKey.String(ResultOK))
		} else {
			s.span.SetAttributes(ResultKey.String(ResultSkipped))
		}
	}
	s.span.End()
}

// Rotated counts one rotation: ResultOK for a switch to a new key, else
// the failure of the next key's creation (err).
func (r *Rotation) Rotated(err error) {
	if r == nil {
		return
	}
	if ctx := context.Background(); r.rotations.Enabled(ctx) {
		r.rotations.Add(ctx, 1, metric.WithAttributes(append([]attribute.KeyValue{ResultKey.String(Result(err))}, r.provider...)...))
	}
}

// KeyState is what a managed provider reports at a collection.
type KeyState struct {
	// Keys counts the keys it holds.
	Keys int
	// Serving: a key is in use; Age and (if Expires) ExpiresIn describe it.
	Serving        bool
	Age, ExpiresIn float64 // seconds
	Expires        bool
}

// ObserveKeys registers obj, a managed provider's instrumentation, with
// the managed-key gauges of r's meter: at each collection f(obj) returns
// its state. Per attribute set (per provider), iamkit.credentials.keys is
// the sum over the live providers, iamkit.credentials.key.age the maximum
// (the oldest key in use) and iamkit.credentials.key.expires_in the
// minimum (the key that expires first). obj is held weakly, so that a
// provider dropped without Shutdown leaves nothing behind; f must not
// capture obj. The returned function unregisters obj.
func ObserveKeys[T any](r *Rotation, obj *T, f func(*T) KeyState) (unregister func()) {
	if r == nil {
		return func() {}
	}
	var insts []metric.Observable
	if r.keys != nil {
		insts = append(insts, r.keys)
	}
	if r.age != nil {
		insts = append(insts, r.age)
	}
	if r.expiresIn != nil {
		insts = append(insts, r.expiresIn)
	}
	if len(insts) == 0 {
		return func() {}
	}
	keys, age, expiresIn := r.keys, r.age, r.expiresIn
	return observe(MetricManagedKeys, r.meter, insts, attribute.NewSet(r.provider...), obj,
		func(o *T) (KeyState, bool) { return f(o), true },
		func(o metric.Observer, rs []reading[KeyState]) {
			var sums agg
			var ages, expiries agg
			for _, rd := range rs {
				st := rd.state
				sums.add(rd.attrs, float64(st.Keys), sumF)
				if st.Serving {
					ages.add(rd.attrs, st.Age, maxF)
					if st.Expires {
						expiries.add(rd.attrs, st.ExpiresIn, minF)
					}
				}
			}
			if keys != nil {
				sums.each(func(set attribute.Set, v float64) { o.ObserveInt64(keys, int64(v), metric.WithAttributeSet(set)) })
			}
			if age != nil {
				ages.each(func(set attribute.Set, v float64) { o.ObserveFloat64(age, v, metric.WithAttributeSet(set)) })
			}
			if expiresIn != nil {
				expiries.each(func(set attribute.Set, v float64) { o.ObserveFloat64(expiresIn, v, metric.WithAttributeSet(set)) })
			}
		})
}
