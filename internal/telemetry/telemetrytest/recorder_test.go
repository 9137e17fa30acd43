package telemetrytest_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/iamkit/iamkit/internal/telemetry/telemetrytest"
)

// TestRecorder: scopes and span names are recorded in order, also from
// concurrent callers, and the accessors return copies.
func TestRecorder(t *testing.T) {
	var rec telemetrytest.Recorder
	tr := rec.TracerProvider().Tracer("scope/a")
	_, span := tr.Start(context.Background(), "op one")
	span.End()
	rec.MeterProvider().Meter("scope/b")
	if got := rec.Tracers(); !slices.Equal(got, []string{"scope/a"}) {
		t.Errorf("Tracers = %q", got)
	}
	if got := rec.Spans(); !slices.Equal(got, []string{"op one"}) {
		t.Errorf("Spans = %q", got)
	}
	if got := rec.Meters(); !slices.Equal(got, []string{"scope/b"}) {
		t.Errorf("Meters = %q", got)
	}
	rec.Spans()[0] = "changed"
	if rec.Spans()[0] != "op one" {
		t.Error("Spans returned the recorder's own slice")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, s := rec.TracerProvider().Tracer("scope/c").Start(context.Background(), "op two")
			s.End()
		})
	}
	wg.Wait()
	if n := len(rec.Spans()); n != 9 {
		t.Errorf("%d spans recorded, want 9", n)
	}
}
