package nebius_test

import (
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/internal/telemetry/telemetrytest"
)

// TestLoadDefaultConfigTelemetryProviders: LoadOptions.TracerProvider and
// MeterProvider reach the chain's token exchange and, through
// Config.ClientOptions, the IAM client made from the Config.
func TestLoadDefaultConfigTelemetryProviders(t *testing.T) {
	w := newChainWorld(t)
	creds := w.writeFile(t, "creds.json", w.sa.CredentialsJSON.Reveal())
	w.writeConfig(t, "profiles:\n  p:\n    auth-type: service account\n    service-account-credentials-file-path: "+creds+
		"\n    parent-id: "+w.sa.ProjectID+"\n")
	var chain, client telemetrytest.Recorder
	cfg, err := w.load(t, func(o *nebius.LoadOptions) {
		o.TracerProvider, o.MeterProvider = chain.TracerProvider(), chain.MeterProvider()
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.TokenFrom(ctxT(t), cfg.TokenSource); err != nil {
		t.Fatal(err)
	}
	nt, nm := len(chain.Tracers()), len(chain.Meters())
	if nt == 0 || nm == 0 {
		t.Fatalf("the chain's exchange asked the providers for %d tracers, %d meters", nt, nm)
	}
	// The client made with cfg.ClientOptions uses them too; an option
	// after it overrides them.
	c, err := nebius.New(cfg.TokenSource, cfg.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(chain.Tracers()) <= nt || len(chain.Meters()) <= nm {
		t.Error("the client made with Config.ClientOptions did not use LoadOptions' providers")
	}
	c2, err := nebius.New(cfg.TokenSource, cfg.ClientOptions(), func(o *nebius.Options) {
		o.TracerProvider, o.MeterProvider = client.TracerProvider(), client.MeterProvider()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if len(client.Tracers()) == 0 || len(client.Meters()) == 0 {
		t.Error("an option after Config.ClientOptions did not override the providers")
	}
}
