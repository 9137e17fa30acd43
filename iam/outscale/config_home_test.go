package outscale_test

import (
	"os"
	"path/filepath"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam/outscale"
)

// TestLoadDefaultConfigHomeFromGetenv: the default ~/.osc/config.json is
// found under the HOME that LoadOptions.Getenv gives, as in the other
// clouds' chains, not under the process's home directory.
func TestLoadDefaultConfigHomeFromGetenv(t *testing.T) {
	t.Setenv("HOME", t.TempDir()) // the process's HOME has no config file
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".osc"), 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(home, ".osc", "config.json")
	if err := os.WriteFile(file, []byte(`{"default": {"access_key": "AKHOME", "secret_key": "SKHOME", "region": "eu-west-2"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadDefault(t, map[string]string{"HOME": home})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Source.Kind != auth.SourceProfile || cfg.Profile.File != file || cfg.Profile.AccessKey != "AKHOME" {
		t.Fatalf("config %v from %q, want the default profile of %s", cfg, cfg.Profile.File, file)
	}
	// No HOME at all: the file is skipped, with the reason.
	if _, err := loadDefault(t, map[string]string{}); err == nil {
		t.Fatal("no HOME and no credentials: no error")
	}
}

// TestLoadOptionsTelemetryReachesTheClient: LoadOptions.TracerProvider
// and MeterProvider go into the client's Options through
// Config.ClientOptions.
func TestLoadOptionsTelemetryReachesTheClient(t *testing.T) {
	tp, mp := tracenoop.NewTracerProvider(), metricnoop.NewMeterProvider()
	cfg, err := loadDefault(t, map[string]string{"OSC_ACCESS_KEY": "AK", "OSC_SECRET_KEY": "SK", "HOME": t.TempDir()},
		func(o *outscale.LoadOptions) { o.TracerProvider, o.MeterProvider = tp, mp })
	if err != nil {
		t.Fatal(err)
	}
	var o outscale.Options
	cfg.ClientOptions()(&o)
	if o.TracerProvider != tp || o.MeterProvider != mp || o.Profile != cfg.Profile {
		t.Fatalf("ClientOptions set TracerProvider %v MeterProvider %v", o.TracerProvider, o.MeterProvider)
	}
}
