package telemetry

import (
	"context"
	"reflect"
	"runtime"
	"sync"
	"weak"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The gauges observed at collection (iamkit.token.expires_in and the
// managed-key ones) have one callback per meter, over a registry of the
// live instances (caches, managed providers) that report to it. The
// registry holds each instance by a weak pointer, so that a cache or
// provider dropped without Close is still garbage-collected, as it was
// before it had telemetry; a runtime cleanup removes its entry then, Close
// removes it at once. The one callback also lets the gauges aggregate the
// instances that share an attribute set (several caches of one cloud),
// where one callback each would leave the SDK with whichever ran last.
//
// Lock order: registries.mu, then the SDK's own locks (RegisterCallback,
// Unregister), then a registry's mu. A collection runs the callback under
// the SDK's lock and takes only the registry's mu, which is never held
// while calling out.

// registryKey names a shared registry: one per meter and kind of
// instance.
type registryKey struct {
	kind  string
	meter metric.Meter
}

var registries struct {
	mu sync.Mutex
	m  map[registryKey]any // *registry[S]
}

// registry is the set of live instances reporting state S to one meter's
// callback.
type registry[S any] struct {
	key    registryKey
	shared bool // in registries.m
	reg    metric.Registration

	mu      sync.Mutex
	next    uint64
	entries map[uint64]observed[S]
}

// observed is one instance: its attribute set and a read of its state,
// false once the instance is gone.
type observed[S any] struct {
	attrs attribute.Set
	read  func() (S, bool)
}

// reading is the state of one live instance at a collection.
type reading[S any] struct {
	attrs attribute.Set
	state S
}

// observe registers obj (held weakly) with the registry of kind on m,
// creating the registry and its callback over insts on first use; report
// is that callback's body, given the states of the live instances. read
// returns obj's state (false: nothing to report); it must not capture obj
// (pass a method expression such as (*Cache).expiresIn), or obj would be
// held after all. The returned function removes obj; it is idempotent.
func observe[T, S any](kind string, m metric.Meter, insts []metric.Observable, attrs attribute.Set,
	obj *T, read func(*T) (S, bool), report func(metric.Observer, []reading[S])) (unregister func()) {
	wp := weak.Make(obj)
	e := observed[S]{attrs: attrs, read: func() (S, bool) {
		if p := wp.Value(); p != nil {
			return read(p)
		}
		var zero S
		return zero, false
	}}

	registries.mu.Lock()
	defer registries.mu.Unlock()
	key := registryKey{kind: kind, meter: m}
	// A meter is a map key only if it is comparable (an SDK's or the
	// global one is a pointer); another gets a registry of its own.
	shared := reflect.ValueOf(m).Comparable()
	var r *registry[S]
	if shared {
		r, _ = registries.m[key].(*registry[S])
	}
	if r == nil {
		r = &registry[S]{key: key, shared: shared, entries: map[uint64]observed[S]{}}
		reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
			report(o, r.read())
			return nil
		}, insts...)
		if err != nil {
			handle(err)
			return func() {}
		}
		r.reg = reg
		if shared {
			if registries.m == nil {
				registries.m = map[registryKey]any{}
			}
			registries.m[key] = r
		}
	}
	r.mu.Lock()
	id := r.next
	r.next++
	r.entries[id] = e
	r.mu.Unlock()

	cleanup := runtime.AddCleanup(obj, func(id uint64) { r.remove(id) }, id)
	var once sync.Once
	return func() {
		once.Do(func() {
			cleanup.Stop()
			r.remove(id)
		})
	}
}

// read returns the states of the live instances, read outside the lock.
func (r *registry[S]) read() []reading[S] {
	r.mu.Lock()
	es := make([]observed[S], 0, len(r.entries))
	for _, e := range r.entries {
		es = append(es, e)
	}
	r.mu.Unlock()
	out := make([]reading[S], 0, len(es))
	for _, e := range es {
		if s, ok := e.read(); ok {
			out = append(out, reading[S]{attrs: e.attrs, state: s})
		}
	}
	return out
}

// remove drops entry id; the last one out unregisters the callback and
// the registry, so that nothing is left behind for a meter no longer used.
func (r *registry[S]) remove(id uint64) {
	registries.mu.Lock()
	defer registries.mu.Unlock()
	r.mu.Lock()
	_, ok := r.entries[id]
	delete(r.entries, id)
	empty := ok && len(r.entries) == 0
	r.mu.Unlock()
	if !empty {
		return
	}
	if r.shared && registries.m[r.key] == any(r) {
		delete(registries.m, r.key)
	}
	if r.reg != nil {
		handle(r.reg.Unregister())
		r.reg = nil
	}
}

// agg folds float64 values per attribute set with pick (min or max).
type agg struct {
	sets map[attribute.Distinct]attribute.Set
	vals map[attribute.Distinct]float64
}

func (a *agg) add(set attribute.Set, v float64, pick func(float64, float64) float64) {
	if a.vals == nil {
		a.sets, a.vals = map[attribute.Distinct]attribute.Set{}, map[attribute.Distinct]float64{}
	}
	k := set.Equivalent()
	if old, ok := a.vals[k]; ok {
		v = pick(old, v)
	}
	a.sets[k], a.vals[k] = set, v
}

func (a *agg) each(f func(set attribute.Set, v float64)) {
	for k, v := range a.vals {
		f(a.sets[k], v)
	}
}

func minF(a, b float64) float64 { return min(a, b) }
func maxF(a, b float64) float64 { return max(a, b) }
func sumF(a, b float64) float64 { return a + b }
