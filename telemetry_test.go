package iamkit_test

import (
	"crypto/rand"
	"crypto/rsa"
	"reflect"
	"slices"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
	"github.com/iamkit/iamkit/internal/telemetry/telemetrytest"
)

// TestEveryComponentTakesTelemetryProviders checks the family shape of the
// telemetry options: every client, exchanger, the service-account options,
// the metadata token sources' options, the token cache, the managed provider and the default chains (Yandex,
// OUTSCALE) have a TracerProvider and a
// MeterProvider field of the OpenTelemetry API's types, and those that
// talk to a cloud a PropagateTraceContext bool.
func TestEveryComponentTakesTelemetryProviders(t *testing.T) {
	tpType := reflect.TypeFor[trace.TracerProvider]()
	mpType := reflect.TypeFor[metric.MeterProvider]()
	for _, c := range []struct {
		typ       reflect.Type
		propagate bool
	}{
		{reflect.TypeFor[nebius.Options](), true},
		{reflect.TypeFor[nebius.LoadOptions](), true},
		{reflect.TypeFor[yandex.Options](), true},
		{reflect.TypeFor[outscale.Options](), true},
		{reflect.TypeFor[nebiusauth.ExchangerOptions](), true},
		{reflect.TypeFor[yandexauth.ExchangerOptions](), true},
		{reflect.TypeFor[auth.ServiceAccountOptions](), true},
		// The VM metadata token sources: the link-local service gets no
		// trace context.
		{reflect.TypeFor[nebiusauth.MetadataOptions](), false},
		{reflect.TypeFor[yandexauth.MetadataOptions](), false},
		{reflect.TypeFor[auth.CacheOptions](), false},
		{reflect.TypeFor[iamcreds.ManagedOptions](), false},
		// The default chains' options: what they give the token sources
		// and, through Config.ClientOptions, the clients.
		{reflect.TypeFor[yandex.LoadOptions](), false},
		{reflect.TypeFor[outscale.LoadOptions](), false},
	} {
		name := c.typ.String()
		if f, ok := c.typ.FieldByName("TracerProvider"); !ok || f.Type != tpType {
			t.Errorf("%s has no TracerProvider trace.TracerProvider field", name)
		}
		if f, ok := c.typ.FieldByName("MeterProvider"); !ok || f.Type != mpType {
			t.Errorf("%s has no MeterProvider metric.MeterProvider field", name)
		}
		f, ok := c.typ.FieldByName("PropagateTraceContext")
		switch {
		case c.propagate && (!ok || f.Type.Kind() != reflect.Bool):
			t.Errorf("%s has no PropagateTraceContext bool field", name)
		case !c.propagate && ok:
			t.Errorf("%s has a PropagateTraceContext field but sends nothing", name)
		}
	}
}

// TestTelemetryDefaultsToTheGlobalProviders checks that a component given
// no TracerProvider or MeterProvider takes the global ones, each under its
// package's instrumentation scope. (It leaves the logging no-op providers
// installed: the global ones cannot be set back to the API's defaults.)
func TestTelemetryDefaultsToTheGlobalProviders(t *testing.T) {
	rec := &telemetrytest.Recorder{}
	otel.SetTracerProvider(rec.TracerProvider())
	otel.SetMeterProvider(rec.MeterProvider())

	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})
	yc, err := yandex.New(ts)
	if err != nil {
		t.Fatal(err)
	}
	defer yc.Close()
	if _, err := yandex.NewKeyManager(yc, "ajeserviceaccount000"); err != nil {
		t.Fatal(err)
	}
	oc, err := outscale.New(func(o *outscale.Options) { o.AccessKey, o.SecretKey = "AK", iam.NewSecret("SK") })
	if err != nil {
		t.Fatal(err)
	}
	defer oc.Close()
	nc, err := nebius.New(ts)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key, err := auth.NewServiceAccountKey("publickey-e00test", "serviceaccount-e00test", pk)
	if err != nil {
		t.Fatal(err)
	}
	nts, err := nebiusauth.ServiceAccount(key)
	if err != nil {
		t.Fatal(err)
	}
	defer nts.Close()
	yts, err := yandexauth.ServiceAccount(key)
	if err != nil {
		t.Fatal(err)
	}
	defer yts.Close()
	km, err := yandex.NewKeyManager(yc, "ajeserviceaccount000")
	if err != nil {
		t.Fatal(err)
	}
	p, err := iamcreds.NewManagedProvider(km)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	tracers, meters := rec.Tracers(), rec.Meters()
	for _, scope := range []string{"iam/yandex", "iam/outscale", "iam/nebius", "auth/nebiusauth", "auth/yandexauth", "auth", "credentials"} {
		full := "github.com/iamkit/iamkit/" + scope
		if !slices.Contains(tracers, full) {
			t.Errorf("no tracer of scope %s was taken from the global provider (got %q)", full, tracers)
		}
		if !slices.Contains(meters, full) {
			t.Errorf("no meter of scope %s was taken from the global provider (got %q)", full, meters)
		}
	}
}
