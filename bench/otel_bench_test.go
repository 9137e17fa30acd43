package bench

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
)

// telemetryOptions are a real OpenTelemetry SDK's providers, handed to the
// iamkit components under benchmark.
type telemetryOptions struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
}

// sdkTelemetry returns providers of the OpenTelemetry SDK as a program
// would install them: every span sampled and batched (to an exporter that
// drops them), every metric kept for a reader. The benchmarks hand them to
// iamkit explicitly (rather than installing them globally), so that the
// other benchmarks of the process run without an SDK.
func sdkTelemetry(tb testing.TB) telemetryOptions {
	tb.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithBatcher(discardSpans{}))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	tb.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return telemetryOptions{tp: tp, mp: mp}
}

// discardSpans is a span exporter that drops what it is given.
type discardSpans struct{}

func (discardSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardSpans) Shutdown(context.Context) error                             { return nil }

// newIamkitCacheSDK is newIamkitCache with the SDK's providers.
func newIamkitCacheSDK(tb testing.TB) *auth.Cache {
	t := sdkTelemetry(tb)
	x := auth.ExchangerFunc(func(context.Context) (auth.Token, error) {
		return auth.Token{Value: iam.NewSecret("token"), Type: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
	})
	c, err := auth.NewCache(x, func(o *auth.CacheOptions) { o.TracerProvider, o.MeterProvider = t.tp, t.mp })
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.AccessToken(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return c
}

func benchIamkitSDK(b *testing.B) {
	c := newIamkitCacheSDK(b)
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		sinkTok, _ = c.AccessToken(ctx)
	}
}

func benchIamkitSDKParallel(b *testing.B) {
	c := newIamkitCacheSDK(b)
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var t auth.Token
		for pb.Next() {
			t, _ = c.AccessToken(ctx)
		}
		_ = t
	})
}

// BenchmarkCachedTokenWithSDK is BenchmarkCachedToken's iamkit case with a
// real OpenTelemetry SDK handed to the cache (TracerProvider and
// MeterProvider), against aws.CredentialsCache measured just before at the
// same GOMAXPROCS ("vs-aws"; goals: serial ≤ 0.9, parallel ≤ 1.0). A cache
// hit does not call into OpenTelemetry, so the SDK changes nothing.
func BenchmarkCachedTokenWithSDK(b *testing.B) {
	for _, mode := range []struct {
		name      string
		aws, ours func(*testing.B)
	}{
		{"serial", benchAWS, benchIamkitSDK},
		{"parallel", benchAWSParallel, benchIamkitSDKParallel},
	} {
		awsNs := map[int]float64{}
		b.Run(mode.name+"/aws-CredentialsCache", func(b *testing.B) { awsNs[runtime.GOMAXPROCS(0)] = nsPerOp(b, mode.aws) })
		b.Run(mode.name+"/iamkit-sdk", func(b *testing.B) {
			ns := nsPerOp(b, mode.ours)
			if a := awsNs[runtime.GOMAXPROCS(0)]; a > 0 {
				b.ReportMetric(ns/a, "vs-aws")
			}
		})
	}
}

// BenchmarkCredentialsRetrieveWithSDK is BenchmarkCredentialsRetrieve's
// expiring-key case with a real OpenTelemetry SDK handed to the OUTSCALE
// client and the ManagedProvider ("ratio" to aws.CredentialsCache; goal
// ≤ 0.9).
func BenchmarkCredentialsRetrieveWithSDK(b *testing.B) {
	for _, mode := range []struct {
		name string
		run  func(*testing.B, aws.CredentialsProvider) float64
	}{{"serial", serial}, {"parallel", parallel}} {
		awsNs := map[int]float64{}
		b.Run(mode.name+"/aws.CredentialsCache", func(b *testing.B) {
			awsNs[runtime.GOMAXPROCS(0)] = mode.run(b, awsCache(b))
		})
		b.Run(mode.name+"/ManagedProvider-expiring-sdk", func(b *testing.B) {
			ns := mode.run(b, managedExpiring(b, sdkTelemetry(b)))
			if a := awsNs[runtime.GOMAXPROCS(0)]; a > 0 {
				b.ReportMetric(ns/a, "ratio")
			}
		})
	}
}

// TestHotPathsWithSDKAllocateNothing checks the harness and the goal: with
// a real SDK installed, a cache hit and a Retrieve of a held key allocate
// nothing.
func TestHotPathsWithSDKAllocateNothing(t *testing.T) {
	c := newIamkitCacheSDK(t)
	defer c.Close()
	ctx := context.Background()
	if allocs := testing.AllocsPerRun(1000, func() { sinkTok, _ = c.AccessToken(ctx) }); allocs != 0 {
		t.Errorf("cache hit with an SDK allocates %v times, want 0", allocs)
	}
	p := managedExpiring(t, sdkTelemetry(t))
	if allocs := testing.AllocsPerRun(1000, func() { sinkCreds, _ = p.Retrieve(ctx) }); allocs != 0 {
		t.Errorf("ManagedProvider.Retrieve with an SDK allocates %v times, want 0", allocs)
	}
}
