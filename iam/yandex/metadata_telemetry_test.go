package yandex_test

import (
	"slices"
	"testing"

	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/yandex"
	"github.com/iamkit/iamkit/internal/telemetry/telemetrytest"
)

// TestLoadDefaultConfigMetadataTelemetry: the chain gives its
// LoadOptions.TracerProvider and MeterProvider to the metadata token
// source: the fetch's span and the source's meters come from them.
func TestLoadDefaultConfigMetadataTelemetry(t *testing.T) {
	w := newWorld(t)
	w.env[yandexauth.EnvMetadataAddr] = w.md.Addr
	rec := &telemetrytest.Recorder{}
	w.mustLoad(t, func(o *yandex.LoadOptions) {
		o.Endpoint = w.gwAddr
		o.TracerProvider, o.MeterProvider = rec.TracerProvider(), rec.MeterProvider()
	})
	for _, s := range []string{"yandex MetadataToken", "auth.Cache/Refresh"} {
		if !slices.Contains(rec.Spans(), s) {
			t.Errorf("no span %q from LoadOptions.TracerProvider; spans: %v", s, rec.Spans())
		}
	}
	for _, m := range []string{"github.com/iamkit/iamkit/auth/yandexauth", "github.com/iamkit/iamkit/auth"} {
		if !slices.Contains(rec.Meters(), m) {
			t.Errorf("no meter %q from LoadOptions.MeterProvider; meters: %v", m, rec.Meters())
		}
	}
}
