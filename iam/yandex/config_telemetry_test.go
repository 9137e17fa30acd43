package yandex_test

import (
	"errors"
	"strings"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/yandex"
)

// TestLoadOptionsTelemetryReachesTheClient: LoadOptions.TracerProvider
// and MeterProvider go into the client's Options through
// Config.ClientOptions.
func TestLoadOptionsTelemetryReachesTheClient(t *testing.T) {
	w := newWorld(t)
	w.env[yandexauth.EnvIAMToken] = "t1.token"
	tp, mp := tracenoop.NewTracerProvider(), metricnoop.NewMeterProvider()
	cfg, err := w.load(t, func(o *yandex.LoadOptions) { o.TracerProvider, o.MeterProvider = tp, mp })
	if err != nil {
		t.Fatal(err)
	}
	var o yandex.Options
	cfg.ClientOptions()(&o)
	if o.TracerProvider != tp || o.MeterProvider != mp {
		t.Fatalf("ClientOptions set TracerProvider %v MeterProvider %v", o.TracerProvider, o.MeterProvider)
	}
}

// TestLoadOptionsValidated: an unusable LoadOptions field is refused up
// front, naming it, even when no source has credentials.
func TestLoadOptionsValidated(t *testing.T) {
	w := newWorld(t)
	for field, set := range map[string]func(*yandex.LoadOptions){
		"LoadOptions.Endpoint":        func(o *yandex.LoadOptions) { o.Endpoint = "http://a b" },
		"LoadOptions.MetadataTimeout": func(o *yandex.LoadOptions) { o.MetadataTimeout = -1 },
	} {
		if _, err := w.load(t, set); err == nil || errors.Is(err, auth.ErrNoCredentials) || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: err = %v, want it to name the field", field, err)
		}
	}
}
