package credentials

// The OpenTelemetry instrumentation of a ManagedProvider lives in this
// file; the rotation code calls it through one-line hooks, each marked
// "telemetry:". Retrieve never calls into it.

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/telemetry"
)

// managedTelemetry records a span per rotation step, counts rotations and
// reports the held keys to gauges observed at collection. Its methods are
// called from the rotation goroutine (or from Shutdown once that goroutine
// has ended), except the gauge callback, which reads the last snapshot.
// They do nothing on a nil managedTelemetry.
type managedTelemetry struct {
	rot   *telemetry.Rotation
	clock iam.Clock

	steps     []*telemetry.Step // the open step spans, innermost last
	rotations int               // rotation.rotations when last counted

	snap      atomic.Pointer[keySnapshot]
	closeOnce sync.Once
	unobserve func()
}

// keySnapshot is what the gauges report: the keys held and the one in use.
type keySnapshot struct {
	keys      int
	serving   bool
	obtained  time.Time
	expiresAt time.Time // zero: does not expire
}

// newManagedTelemetry returns the instrumentation of p, from its options'
// TracerProvider and MeterProvider.
func newManagedTelemetry(p *ManagedProvider) *managedTelemetry {
	t := &managedTelemetry{
		rot:   telemetry.NewRotation(p.opts.TracerProvider, p.opts.MeterProvider, p.km.Provider()),
		clock: p.clock,
	}
	t.snap.Store(&keySnapshot{})
	t.unobserve = telemetry.ObserveKeys(t.rot, t, (*managedTelemetry).observe) // holds t weakly
	return t
}

// step starts the span of a rotation step (telemetry.Step*) on *ctx, so
// that the KeyManager calls of the step are its children, and returns the
// function that ends it: the hook is
//
//	defer p.tel.step(&ctx, telemetry.StepCreate)()
func (t *managedTelemetry) step(ctx *context.Context, name string) func() {
	if t == nil {
		return func() {}
	}
	var s *telemetry.Step
	*ctx, s = t.rot.StartStep(*ctx, name)
	t.steps = append(t.steps, s)
	return func() {
		s.End()
		if n := len(t.steps); n > 0 && t.steps[n-1] == s {
			t.steps = t.steps[:n-1]
		}
	}
}

// event records a rotation event: on the span of the step in progress (a
// failure marks it failed), and in the rotation counter (a switch to a new
// key, or a failed creation of the next one).
func (t *managedTelemetry) event(p *ManagedProvider, e Event) {
	if t == nil {
		return
	}
	if n := len(t.steps); n > 0 {
		t.steps[n-1].Event(e.Kind.String(), e.AccessKeyID, e.Err)
	}
	switch e.Kind {
	case EventKeySwitched:
		if p.r.rotations > t.rotations {
			t.rotations = p.r.rotations
			t.rot.Rotated(nil)
		}
	case EventCreateFailed:
		if p.r.current != nil {
			// A key is held: this was the creation of its successor.
			t.rot.Rotated(e.Err)
		}
	}
}

// snapshot records the held keys for the gauges; it runs after every step
// of the rotation goroutine.
func (t *managedTelemetry) snapshot(p *ManagedProvider) {
	if t == nil {
		return
	}
	r := &p.r
	s := &keySnapshot{keys: p.ownKeys()}
	if r.next != nil {
		s.keys++
	}
	if h := r.current; h != nil && r.confirmed {
		s.serving, s.obtained = true, h.obtained
		if h.key.Expires() {
			s.expiresAt = h.key.ExpiresAt
		}
	}
	t.snap.Store(s)
}

// observe is the gauges' callback: the snapshot, aged to the provider's
// clock's now.
func (t *managedTelemetry) observe() telemetry.KeyState {
	s := t.snap.Load()
	st := telemetry.KeyState{Keys: s.keys, Serving: s.serving}
	if s.serving {
		now := t.clock.Now()
		st.Age = now.Sub(s.obtained).Seconds()
		if !s.expiresAt.IsZero() {
			st.Expires, st.ExpiresIn = true, s.expiresAt.Sub(now).Seconds()
		}
	}
	return st
}

// close ends the gauges' callback (Shutdown).
func (t *managedTelemetry) close() {
	if t == nil {
		return
	}
	t.closeOnce.Do(func() {
		t.snap.Store(&keySnapshot{})
		t.unobserve()
	})
}
