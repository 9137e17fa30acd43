package telemetry

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/metric/noop"
)

// countingMeter is a no-op meter that keeps its callbacks, so that a test
// can run them and see them unregistered.
type countingMeter struct {
	noop.Meter
	mu        sync.Mutex
	callbacks map[int]metric.Callback
	next      int
}

type countingReg struct {
	embedded.Registration
	m  *countingMeter
	id int
}

func (r countingReg) Unregister() error {
	r.m.mu.Lock()
	defer r.m.mu.Unlock()
	delete(r.m.callbacks, r.id)
	return nil
}

func (m *countingMeter) RegisterCallback(f metric.Callback, _ ...metric.Observable) (metric.Registration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.callbacks == nil {
		m.callbacks = map[int]metric.Callback{}
	}
	m.next++
	m.callbacks[m.next] = f
	return countingReg{m: m, id: m.next}, nil
}

func (m *countingMeter) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.callbacks)
}

// TestOneCallbackPerMeter checks that the caches of one meter share one
// callback, and that the last one out unregisters it and its registry, so
// that nothing of a meter no longer used is left.
func TestOneCallbackPerMeter(t *testing.T) {
	m := &countingMeter{}
	tk := &Tokens{meter: m, expiresIn: noop.Float64ObservableGauge{}, provider: providerAttrs("yandex")}
	type cache struct{ d time.Duration }
	read := func(c *cache) (time.Duration, bool) { return c.d, true }
	a, b := &cache{time.Hour}, &cache{time.Minute}
	ua := ObserveExpiry(tk, a, read)
	ub := ObserveExpiry(tk, b, read)
	if n := m.count(); n != 1 {
		t.Fatalf("%d callbacks registered for two caches of one meter, want 1", n)
	}
	ua()
	ua() // idempotent
	if n := m.count(); n != 1 {
		t.Fatalf("%d callbacks after one cache left, want 1", n)
	}
	ub()
	if n := m.count(); n != 0 {
		t.Fatalf("%d callbacks after the last cache left, want 0", n)
	}
	registries.mu.Lock()
	_, left := registries.m[registryKey{kind: MetricTokenExpiresIn, meter: m}]
	registries.mu.Unlock()
	if left {
		t.Fatal("the registry of a meter no cache uses is still held")
	}
	// A new cache registers again.
	uc := ObserveExpiry(tk, &cache{time.Second}, read)
	defer uc()
	if n := m.count(); n != 1 {
		t.Fatalf("%d callbacks after a new cache, want 1", n)
	}
}

// TestRegistryConcurrency runs registrations, removals and collections at
// once (for the race detector, and for lock-order deadlocks).
func TestRegistryConcurrency(t *testing.T) {
	m := &countingMeter{}
	tk := &Tokens{meter: m, expiresIn: noop.Float64ObservableGauge{}, provider: providerAttrs("nebius")}
	type cache struct{ d time.Duration }
	read := func(c *cache) (time.Duration, bool) { return c.d, true }
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				u := ObserveExpiry(tk, &cache{time.Duration(i*j) * time.Second}, read)
				m.mu.Lock()
				cbs := make([]metric.Callback, 0, len(m.callbacks))
				for _, f := range m.callbacks {
					cbs = append(cbs, f)
				}
				m.mu.Unlock()
				for _, f := range cbs {
					_ = f(context.Background(), noopObserver{})
				}
				u()
			}
		})
	}
	wg.Wait()
	if n := m.count(); n != 0 {
		t.Fatalf("%d callbacks left after every cache left", n)
	}
}

type noopObserver struct{ embedded.Observer }

func (noopObserver) ObserveFloat64(metric.Float64Observable, float64, ...metric.ObserveOption) {}
func (noopObserver) ObserveInt64(metric.Int64Observable, int64, ...metric.ObserveOption)       {}

// TestAggMinMax checks the folding of values per attribute set.
func TestAggMinMax(t *testing.T) {
	y, n := attribute.NewSet(ProviderKey.String("yandex")), attribute.NewSet(ProviderKey.String("nebius"))
	var lo, hi agg
	for _, v := range []float64{10, 36000, 10800} {
		lo.add(y, v, minF)
		hi.add(y, v, maxF)
	}
	lo.add(n, 5, minF)
	got := map[string]float64{}
	lo.each(func(s attribute.Set, v float64) { got[s.Encoded(attribute.DefaultEncoder())] = v })
	if got["iamkit.provider=yandex"] != 10 || got["iamkit.provider=nebius"] != 5 || len(got) != 2 {
		t.Errorf("minimum per set = %v, want yandex 10, nebius 5", got)
	}
	hi.each(func(_ attribute.Set, v float64) {
		if v != 36000 {
			t.Errorf("maximum = %v, want 36000", v)
		}
	})
}
