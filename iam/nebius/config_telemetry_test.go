package nebius_test

import (
	"sync"
	"testing"

	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam/nebius"
)

// scopes records the instrumentation scopes asked of a provider.
type scopes struct {
	mu            sync.Mutex
	tracer, meter []string
}

type scopeTP struct {
	tracenoop.TracerProvider
	s *scopes
}

func (p scopeTP) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	p.s.mu.Lock()
	p.s.tracer = append(p.s.tracer, name)
	p.s.mu.Unlock()
	return p.TracerProvider.Tracer(name, opts...)
}

type scopeMP struct {
	metricnoop.MeterProvider
	s *scopes
}

func (p scopeMP) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	p.s.mu.Lock()
	p.s.meter = append(p.s.meter, name)
	p.s.mu.Unlock()
	return p.MeterProvider.Meter(name, opts...)
}

// TestLoadDefaultConfigTelemetryProviders: LoadOptions.TracerProvider and
// MeterProvider reach the chain's token exchange and, through
// Config.ClientOptions, the IAM client made from the Config.
func TestLoadDefaultConfigTelemetryProviders(t *testing.T) {
	w := newChainWorld(t)
	creds := w.writeFile(t, "creds.json", w.sa.CredentialsJSON.Reveal())
	w.writeConfig(t, "profiles:\n  p:\n    auth-type: service account\n    service-account-credentials-file-path: "+creds+
		"\n    parent-id: "+w.sa.ProjectID+"\n")
	var chain, client scopes
	cfg, err := w.load(t, func(o *nebius.LoadOptions) {
		o.TracerProvider, o.MeterProvider = scopeTP{s: &chain}, scopeMP{s: &chain}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.TokenFrom(ctxT(t), cfg.TokenSource); err != nil {
		t.Fatal(err)
	}
	chain.mu.Lock()
	nt, nm := len(chain.tracer), len(chain.meter)
	chain.mu.Unlock()
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
	chain.mu.Lock()
	grew := len(chain.tracer) > nt && len(chain.meter) > nm
	chain.mu.Unlock()
	if !grew {
		t.Error("the client made with Config.ClientOptions did not use LoadOptions' providers")
	}
	c2, err := nebius.New(cfg.TokenSource, cfg.ClientOptions(), func(o *nebius.Options) {
		o.TracerProvider, o.MeterProvider = scopeTP{s: &client}, scopeMP{s: &client}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if len(client.tracer) == 0 || len(client.meter) == 0 {
		t.Error("an option after Config.ClientOptions did not override the providers")
	}
}
