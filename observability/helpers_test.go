package observability_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// rec is an OpenTelemetry SDK that keeps everything in memory: spans in a
// tracetest.SpanRecorder, metric points behind a manual reader.
type rec struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	tp     *sdktrace.TracerProvider
	mp     *sdkmetric.MeterProvider
}

func newRec(t testing.TB) *rec {
	t.Helper()
	r := &rec{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	r.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() {
		_ = r.tp.Shutdown(context.Background())
		_ = r.mp.Shutdown(context.Background())
	})
	return r
}

// ended returns the ended spans named name (all of them for "").
func (r *rec) ended(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if name == "" || s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// one returns the one ended span named name.
func (r *rec) one(t testing.TB, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	got := r.ended(name)
	if len(got) != 1 {
		t.Fatalf("%d spans named %q, want 1; spans: %s", len(got), name, r.names())
	}
	return got[0]
}

// names lists the ended spans' names, for failure messages.
func (r *rec) names() string {
	var n []string
	for _, s := range r.spans.Ended() {
		n = append(n, s.Name())
	}
	return strings.Join(n, ", ")
}

// attrs returns a span's attributes as a map of their emitted values.
func attrs(s sdktrace.ReadOnlySpan) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

// wantAttrs checks that span s has each attribute of want with that value
// (an int, int64, bool, float64 or string); a value "*" only asks that it
// is set.
func wantAttrs(t testing.TB, s sdktrace.ReadOnlySpan, want map[string]any) {
	t.Helper()
	got := attrs(s)
	for k, w := range want {
		v, ok := got[k]
		if !ok {
			t.Errorf("span %q: attribute %s is missing (has %s)", s.Name(), k, attrKeys(got))
			continue
		}
		if w == "*" {
			continue
		}
		if fmt.Sprint(v.AsInterface()) != fmt.Sprint(w) {
			t.Errorf("span %q: %s = %v, want %v", s.Name(), k, v.AsInterface(), w)
		}
	}
}

// noAttrs checks that span s has none of keys.
func noAttrs(t testing.TB, s sdktrace.ReadOnlySpan, keys ...string) {
	t.Helper()
	got := attrs(s)
	for _, k := range keys {
		if v, ok := got[k]; ok {
			t.Errorf("span %q: attribute %s = %v, want none", s.Name(), k, v.AsInterface())
		}
	}
}

func attrKeys(m map[string]attribute.Value) string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return strings.Join(k, " ")
}

// events returns the names of a span's events.
func events(s sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, e := range s.Events() {
		out = append(out, e.Name)
	}
	return out
}

// countEvents counts a span's events named name.
func countEvents(s sdktrace.ReadOnlySpan, name string) int {
	n := 0
	for _, e := range s.Events() {
		if e.Name == name {
			n++
		}
	}
	return n
}

// childOf checks that child's parent is parent.
func childOf(t testing.TB, child, parent sdktrace.ReadOnlySpan) {
	t.Helper()
	if child.Parent().SpanID() != parent.SpanContext().SpanID() || child.SpanContext().TraceID() != parent.SpanContext().TraceID() {
		t.Errorf("span %q is not a child of %q", child.Name(), parent.Name())
	}
}

// collect reads every metric now. A metric recorded by several iamkit
// packages (each its own instrumentation scope, such as
// iamkit.api.calls) has the points of all of them.
func (r *rec) collect(t testing.TB) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		if !strings.HasPrefix(sm.Scope.Name, "github.com/iamkit/iamkit/") || sm.Scope.Version == "" {
			t.Errorf("instrumentation scope %q version %q, want an iamkit package and a version", sm.Scope.Name, sm.Scope.Version)
		}
		for _, m := range sm.Metrics {
			prev, ok := out[m.Name]
			if !ok {
				out[m.Name] = m
				continue
			}
			if prev.Unit != m.Unit {
				t.Errorf("metric %s has unit %q in one scope and %q in %s", m.Name, prev.Unit, m.Unit, sm.Scope.Name)
			}
			switch d := prev.Data.(type) {
			case metricdata.Sum[int64]:
				d.DataPoints = append(d.DataPoints, m.Data.(metricdata.Sum[int64]).DataPoints...)
				prev.Data = d
			case metricdata.Histogram[float64]:
				d.DataPoints = append(d.DataPoints, m.Data.(metricdata.Histogram[float64]).DataPoints...)
				prev.Data = d
			case metricdata.Gauge[float64]:
				d.DataPoints = append(d.DataPoints, m.Data.(metricdata.Gauge[float64]).DataPoints...)
				prev.Data = d
			default:
				t.Fatalf("metric %s of type %T in two scopes", m.Name, prev.Data)
			}
			out[m.Name] = prev
		}
	}
	return out
}

// matches reports whether set holds every attribute of want ("k=v").
func matches(set attribute.Set, want []string) bool {
	for _, w := range want {
		k, v, _ := strings.Cut(w, "=")
		got, ok := set.Value(attribute.Key(k))
		if !ok || got.Emit() != v {
			return false
		}
	}
	return true
}

// sum adds up the points of the int64 counter name whose attributes hold
// want; it reports whether any matched.
func sum(ms map[string]metricdata.Metrics, name string, want ...string) (int64, bool) {
	m, ok := ms[name]
	if !ok {
		return 0, false
	}
	var total int64
	found := false
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				total += p.Value
				found = true
			}
		}
	}
	return total, found
}

// histCount adds up the counts of the histogram name's points whose
// attributes hold want.
func histCount(ms map[string]metricdata.Metrics, name string, want ...string) uint64 {
	var total uint64
	if d, ok := ms[name].Data.(metricdata.Histogram[float64]); ok {
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				total += p.Count
			}
		}
	}
	return total
}

// gaugeValue returns the float64 gauge name's point whose attributes hold
// want.
func gaugeValue(ms map[string]metricdata.Metrics, name string, want ...string) (float64, bool) {
	d, ok := ms[name].Data.(metricdata.Gauge[float64])
	if !ok {
		return 0, false
	}
	for _, p := range d.DataPoints {
		if matches(p.Attributes, want) {
			return p.Value, true
		}
	}
	return 0, false
}

// upDown returns the int64 observable up-down counter name's point whose
// attributes hold want.
func upDown(ms map[string]metricdata.Metrics, name string, want ...string) (int64, bool) {
	return sum(ms, name, want...)
}

// wantSum checks the total of an int64 counter.
func wantSum(t testing.TB, ms map[string]metricdata.Metrics, want int64, name string, attrs ...string) {
	t.Helper()
	got, _ := sum(ms, name, attrs...)
	if got != want {
		t.Errorf("%s%v = %d, want %d (points: %s)", name, attrs, got, want, points(ms, name))
	}
}

// points describes a metric's points, for failure messages.
func points(ms map[string]metricdata.Metrics, name string) string {
	m, ok := ms[name]
	if !ok {
		return "metric not recorded"
	}
	var out []string
	add := func(a attribute.Set, v any) {
		var kv []string
		for _, x := range a.ToSlice() {
			kv = append(kv, string(x.Key)+"="+x.Value.Emit())
		}
		out = append(out, fmt.Sprintf("{%s}=%v", strings.Join(kv, ","), v))
	}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			add(p.Attributes, p.Value)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			add(p.Attributes, p.Count)
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			add(p.Attributes, p.Value)
		}
	}
	return strings.Join(out, " ")
}

// testSpan starts a span of the test's own, the caller of the library.
func (r *rec) testSpan(ctx context.Context, name string) (context.Context, trace.Span) {
	return r.tp.Tracer("test").Start(ctx, name)
}

// pointAttrs returns the attribute sets of every point of m.
func pointAttrs(m metricdata.Metrics) []attribute.Set {
	var out []attribute.Set
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	case metricdata.Sum[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	}
	return out
}

// containsAttrValue reports whether a point of m has an attribute whose
// value contains s.
func containsAttrValue(m metricdata.Metrics, s string) bool {
	for _, set := range pointAttrs(m) {
		for _, kv := range set.ToSlice() {
			if strings.Contains(kv.Value.Emit(), s) {
				return true
			}
		}
	}
	return false
}
