package nebius_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/nebius"
)

// telemetryLog records the span names and meter scopes asked of its
// providers, which are the API's no-ops otherwise.
type telemetryLog struct {
	mu     sync.Mutex
	spans  []string
	meters []string
}

func (l *telemetryLog) has(list *[]string, s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Contains(*list, s)
}

type logTP struct {
	tracenoop.TracerProvider
	log *telemetryLog
}

func (p logTP) Tracer(string, ...trace.TracerOption) trace.Tracer { return logTracer{log: p.log} }

type logTracer struct {
	tracenoop.Tracer
	log *telemetryLog
}

func (t logTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	t.log.mu.Lock()
	t.log.spans = append(t.log.spans, name)
	t.log.mu.Unlock()
	return t.Tracer.Start(ctx, name, opts...)
}

type logMP struct {
	metricnoop.MeterProvider
	log *telemetryLog
}

func (p logMP) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	p.log.mu.Lock()
	p.log.meters = append(p.log.meters, name)
	p.log.mu.Unlock()
	return p.MeterProvider.Meter(name, opts...)
}

// TestLoadDefaultConfigMetadataTelemetry: the chain gives its
// LoadOptions.TracerProvider and MeterProvider to the metadata token
// source, found by the probe or named by a profile's token-endpoint: the
// fetch's span and the source's meters come from them.
func TestLoadDefaultConfigMetadataTelemetry(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(w *chainWorld)
	}{
		{"probed", func(w *chainWorld) { w.env[nebiusauth.EnvMetadataURL] = w.md.TokenURL }},
		{"token-endpoint", func(w *chainWorld) {
			w.writeConfig(t, "profiles:\n  p:\n    token-endpoint: "+w.md.TokenURL+"\n")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newChainWorld(t)
			tt.setup(w)
			log := &telemetryLog{}
			w.mustLoad(t, w.sa.ID, func(o *nebius.LoadOptions) {
				o.TracerProvider, o.MeterProvider = logTP{log: log}, logMP{log: log}
			})
			for _, s := range []string{"nebius MetadataToken", "auth.Cache/Refresh"} {
				if !log.has(&log.spans, s) {
					t.Errorf("no span %q from LoadOptions.TracerProvider; spans: %v", s, log.spans)
				}
			}
			for _, m := range []string{"github.com/iamkit/iamkit/auth/nebiusauth", "github.com/iamkit/iamkit/auth"} {
				if !log.has(&log.meters, m) {
					t.Errorf("no meter %q from LoadOptions.MeterProvider; meters: %v", m, log.meters)
				}
			}
		})
	}
}
