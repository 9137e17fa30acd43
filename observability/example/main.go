// Command example runs a quickstart-like flow on iamkit's embedded
// emulators, with the OpenTelemetry SDK installed as the global tracer and
// meter providers, and prints the traces and metrics it recorded to stdout
// with the OpenTelemetry stdout exporters:
//
//  1. Nebius: exchange a service account's JWT for a token (then serve it
//     from the cache), create an access key through the gRPC client and
//     delete it;
//  2. Yandex Cloud: the same over REST, then let a managed provider own a
//     key, rotate it once and delete its keys on Close;
//  3. OUTSCALE: create and delete an access key (SigV4).
//
// No client is given a TracerProvider or MeterProvider: iamkit defaults to
// the global ones (otel.GetTracerProvider, otel.GetMeterProvider), which
// the program sets once. The spans come out as JSON, one object per span,
// as each ends; the metrics once, after the flow and before the token
// caches and the managed provider are closed (their gauges, observed at
// collection, end with them), and then the spans of the managed provider's
// Close, which deletes its keys.
//
//	cd observability && go run ./example
//	go run ./example -traces=false   # metrics only
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

func main() {
	traces := flag.Bool("traces", true, "print the spans")
	metrics := flag.Bool("metrics", true, "print the metrics")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, *traces, *metrics); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

// run installs the SDK with stdout exporters writing to out, runs the
// flow, prints the metrics, closes what the flow opened and shuts the SDK
// down.
func run(ctx context.Context, out io.Writer, traces, metrics bool) (err error) {
	res := resource.NewSchemaless(semconv.ServiceName("iamkit-otel-example"))
	traceOut, metricOut := io.Discard, io.Discard
	if traces {
		traceOut = out
	}
	if metrics {
		metricOut = out
	}
	spans, err := stdouttrace.New(stdouttrace.WithWriter(traceOut), stdouttrace.WithPrettyPrint())
	if err != nil {
		return err
	}
	points, err := stdoutmetric.New(stdoutmetric.WithWriter(metricOut), stdoutmetric.WithPrettyPrint())
	if err != nil {
		return err
	}
	// A synchronous span processor prints each span as it ends; the
	// metrics are read once, by hand, after the flow.
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSyncer(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(reader))
	prevTP, prevMP := otel.GetTracerProvider(), otel.GetMeterProvider()
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	defer func() {
		err = errors.Join(err, tp.Shutdown(context.Background()), mp.Shutdown(context.Background()))
		otel.SetTracerProvider(prevTP)
		otel.SetMeterProvider(prevMP)
	}()

	var w world
	defer func() { err = errors.Join(err, w.close()) }()
	ctx, span := tp.Tracer("iamkit-otel-example").Start(ctx, "quickstart")
	reg := iamtest.NewRegistry()
	for _, step := range []func(context.Context, *iamtest.Registry, *world) error{nebiusFlow, yandexFlow, outscaleFlow} {
		if err := step(ctx, reg, &w); err != nil {
			span.End()
			return err
		}
	}
	span.End()

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		return err
	}
	return points.Export(ctx, &rm)
}

// world holds what the flow opened, closed in reverse order at the end.
type world struct{ closers []func() error }

func (w *world) onClose(f func() error) { w.closers = append(w.closers, f) }

func (w *world) close() error {
	var errs []error
	for i := len(w.closers) - 1; i >= 0; i-- {
		errs = append(errs, w.closers[i]())
	}
	return errors.Join(errs...)
}

// closing adapts a Close without an error for world.onClose.
func closing(f func()) func() error { return func() error { f(); return nil } }

// nebiusFlow: token exchange (cold, then cached), key create and delete.
func nebiusFlow(ctx context.Context, reg *iamtest.Registry, w *world) error {
	tokens, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		return err
	}
	w.onClose(closing(tokens.Close))
	emu, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
	if err != nil {
		return err
	}
	w.onClose(closing(emu.Close))
	sa, err := emu.NewServiceAccount("")
	if err != nil {
		return err
	}
	key, err := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "credentials.json")
	if err != nil {
		return err
	}
	ts, err := nebiusauth.ServiceAccount(key, tokens.ServiceAccountOptions())
	if err != nil {
		return err
	}
	w.onClose(ts.Close)
	if err := twoTokens(ctx, ts); err != nil {
		return err
	}
	c, err := nebius.New(ts, emu.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		return err
	}
	w.onClose(c.Close)
	km, err := nebius.NewKeyManager(c, nebius.ServiceAccount(sa.ID))
	if err != nil {
		return err
	}
	return createDelete(ctx, km)
}

// yandexFlow: token exchange, key create and delete, a managed provider's
// rotation.
func yandexFlow(ctx context.Context, reg *iamtest.Registry, w *world) error {
	tokens, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		return err
	}
	w.onClose(closing(tokens.Close))
	emu, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
	if err != nil {
		return err
	}
	w.onClose(closing(emu.Close))
	keyJSON, err := emu.BootstrapKeyFile()
	if err != nil {
		return err
	}
	key, err := yandexauth.ParseKey(keyJSON, "bootstrap key.json")
	if err != nil {
		return err
	}
	ts, err := yandexauth.ServiceAccount(key, tokens.ServiceAccountOptions())
	if err != nil {
		return err
	}
	w.onClose(ts.Close)
	if err := twoTokens(ctx, ts); err != nil {
		return err
	}
	c, err := yandex.New(ts, emu.ClientOptions(), func(o *yandex.Options) { o.PollInterval = 10 * time.Millisecond })
	if err != nil {
		return err
	}
	w.onClose(c.Close)
	km, err := yandex.NewKeyManager(c, emu.ServiceAccountID())
	if err != nil {
		return err
	}
	if err := createDelete(ctx, km); err != nil {
		return err
	}
	p, err := iamcreds.NewManagedProvider(km, func(o *iamcreds.ManagedOptions) {
		o.Policy.Description = "iamkit-otel-example"
		o.DeleteOnClose = true // a short-lived program: its keys go on Close
	})
	if err != nil {
		return err
	}
	w.onClose(p.Close)
	if _, err := p.Retrieve(ctx); err != nil {
		return err
	}
	return p.Rotate(ctx)
}

// outscaleFlow: key create and delete, signed with SigV4.
func outscaleFlow(ctx context.Context, reg *iamtest.Registry, w *world) error {
	emu, err := outscaletest.New(func(o *outscaletest.Options) { o.Registry = reg })
	if err != nil {
		return err
	}
	w.onClose(closing(emu.Close))
	c, err := outscale.New(emu.ClientOptions(emu.Root))
	if err != nil {
		return err
	}
	w.onClose(c.Close)
	km, err := outscale.NewKeyManager(c)
	if err != nil {
		return err
	}
	return createDelete(ctx, km)
}

// twoTokens gets a token twice: an exchange, then a cache hit (no span).
func twoTokens(ctx context.Context, ts *auth.Cache) error {
	for range 2 {
		if _, err := ts.AccessToken(ctx); err != nil {
			return err
		}
	}
	return nil
}

// createDelete creates an access key and deletes it.
func createDelete(ctx context.Context, km iam.KeyManager) error {
	k, err := km.CreateKey(ctx, iam.CreateKeyRequest{Description: "iamkit-otel-example", ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		return err
	}
	return km.DeleteKey(ctx, k.ID)
}
