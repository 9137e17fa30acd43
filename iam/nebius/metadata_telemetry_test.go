package nebius_test

import (
	"slices"
	"testing"

	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/internal/telemetry/telemetrytest"
)

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
			rec := &telemetrytest.Recorder{}
			w.mustLoad(t, w.sa.ID, func(o *nebius.LoadOptions) {
				o.TracerProvider, o.MeterProvider = rec.TracerProvider(), rec.MeterProvider()
			})
			for _, s := range []string{"nebius MetadataToken", "auth.Cache/Refresh"} {
				if !slices.Contains(rec.Spans(), s) {
					t.Errorf("no span %q from LoadOptions.TracerProvider; spans: %v", s, rec.Spans())
				}
			}
			for _, m := range []string{"github.com/iamkit/iamkit/auth/nebiusauth", "github.com/iamkit/iamkit/auth"} {
				if !slices.Contains(rec.Meters(), m) {
					t.Errorf("no meter %q from LoadOptions.MeterProvider; meters: %v", m, rec.Meters())
				}
			}
		})
	}
}
