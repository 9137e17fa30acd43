package telemetrytest

import (
	"context"
	"slices"
	"sync"

	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// A Recorder records the scopes and span names asked of its providers.
// The zero Recorder is ready to use.
type Recorder struct {
	mu      sync.Mutex
	tracers []string
	spans   []string
	meters  []string
}

// TracerProvider returns a no-op TracerProvider that records the scope of
// every tracer asked of it and the name of every span those tracers start.
func (r *Recorder) TracerProvider() trace.TracerProvider { return tracerProvider{r: r} }

// MeterProvider returns a no-op MeterProvider that records the scope of
// every meter asked of it.
func (r *Recorder) MeterProvider() metric.MeterProvider { return meterProvider{r: r} }

// Tracers returns the scopes of the tracers asked for, in order.
func (r *Recorder) Tracers() []string { return r.copy(&r.tracers) }

// Spans returns the names of the spans started, in order.
func (r *Recorder) Spans() []string { return r.copy(&r.spans) }

// Meters returns the scopes of the meters asked for, in order.
func (r *Recorder) Meters() []string { return r.copy(&r.meters) }

func (r *Recorder) copy(list *[]string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(*list)
}

func (r *Recorder) add(list *[]string, s string) {
	r.mu.Lock()
	*list = append(*list, s)
	r.mu.Unlock()
}

type tracerProvider struct {
	tracenoop.TracerProvider
	r *Recorder
}

func (p tracerProvider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	p.r.add(&p.r.tracers, name)
	return tracer{Tracer: p.TracerProvider.Tracer(name, opts...), r: p.r}
}

type tracer struct {
	trace.Tracer
	r *Recorder
}

func (t tracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	t.r.add(&t.r.spans, name)
	return t.Tracer.Start(ctx, name, opts...)
}

type meterProvider struct {
	metricnoop.MeterProvider
	r *Recorder
}

func (p meterProvider) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	p.r.add(&p.r.meters, name)
	return p.MeterProvider.Meter(name, opts...)
}
