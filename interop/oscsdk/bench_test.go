package oscsdk_test

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

// benchServer starts one emulator with two keys besides the root one, so
// that ReadAccessKeys returns a realistic list.
func benchServer(b *testing.B) *outscaletest.Server {
	b.Helper()
	srv := outscaletest.New()
	c := iamkitClient(b, srv)
	for range 2 {
		if _, err := c.CreateAccessKey(context.Background(), outscale.CreateAccessKeyRequest{
			ExpirationDate: outscale.NewDate(time.Now().Add(time.Hour)), Tag: "bench",
		}); err != nil {
			b.Fatal(err)
		}
	}
	return srv
}

func iamkitClient(tb testing.TB, srv *outscaletest.Server) *outscale.Client {
	c, err := outscale.New(func(o *outscale.Options) {
		o.Endpoint = srv.URL
		o.AccessKey, o.SecretKey = srv.Root.AccessKey, iam.NewSecret(srv.Root.SecretKey)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// transport is one pooled transport per client, the same settings for both.
func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 16
	return t
}

// result is what one sub-benchmark measured, for the ratio.
type result struct {
	nsPerOp, allocsPerOp float64
}

// measure runs op in b.Loop and records ns/op and allocs/op.
func measure(b *testing.B, op func(), into *result) {
	var before, after runtime.MemStats
	b.ReportAllocs()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		op()
	}
	runtime.ReadMemStats(&after)
	*into = result{
		nsPerOp:     float64(b.Elapsed().Nanoseconds()) / float64(b.N),
		allocsPerOp: float64(after.Mallocs-before.Mallocs) / float64(b.N),
	}
}

func benchIamkit(b *testing.B, srv *outscaletest.Server, into *result) {
	c, err := outscale.New(func(o *outscale.Options) {
		o.Endpoint = srv.URL
		o.AccessKey, o.SecretKey = srv.Root.AccessKey, iam.NewSecret(srv.Root.SecretKey)
		o.HTTPClient = &http.Client{Transport: transport()}
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	measure(b, func() {
		out, err := c.ReadAccessKeys(ctx, outscale.ReadAccessKeysRequest{})
		if err != nil || len(out.AccessKeys) != 3 {
			b.Fatalf("%v %v", out, err)
		}
	}, into)
}

func benchOscSDK(b *testing.B, srv *outscaletest.Server, into *result) {
	cfg := osc.NewConfiguration()
	cfg.Servers = osc.ServerConfigurations{{URL: srv.URL}}
	cfg.HTTPClient = &http.Client{Transport: transport()}
	c := osc.NewAPIClient(cfg)
	ctx := context.WithValue(context.Background(), osc.ContextAWSv4, osc.AWSv4{AccessKey: srv.Root.AccessKey, SecretKey: srv.Root.SecretKey})
	measure(b, func() {
		out, _, err := c.AccessKeyApi.ReadAccessKeys(ctx).ReadAccessKeysRequest(osc.ReadAccessKeysRequest{}).Execute()
		if err != nil || len(out.GetAccessKeys()) != 3 {
			b.Fatalf("%v %v", out, err)
		}
	}, into)
}

// BenchmarkReadAccessKeys measures one ReadAccessKeys round trip on
// loopback (client and emulator in the same process, so the emulator's own
// work is in both figures) for iamkit and for osc-sdk-go v2 against the
// same emulator, then reports iamkit/osc-sdk-go ratios of ns/op and
// allocs/op in the "ratio" sub-benchmark (goal: ≤ 0.7 on both). Run it
// with -cpu 1 for steady figures; allocs/op counts both sides of the
// connection.
func BenchmarkReadAccessKeys(b *testing.B) {
	srv := benchServer(b)
	defer srv.Close()
	var ik, os result
	b.Run("iamkit", func(b *testing.B) { benchIamkit(b, srv, &ik) })
	b.Run("oscsdk", func(b *testing.B) { benchOscSDK(b, srv, &os) })
	b.Run("ratio", func(b *testing.B) {
		for b.Loop() {
		}
		if ik.nsPerOp == 0 || os.nsPerOp == 0 {
			b.Skip("run the iamkit and oscsdk sub-benchmarks too")
		}
		b.ReportMetric(ik.nsPerOp/os.nsPerOp, "ns-ratio")
		b.ReportMetric(ik.allocsPerOp/os.allocsPerOp, "allocs-ratio")
		b.ReportMetric(0, "ns/op")
		b.Logf("iamkit %.0f ns/op %.0f allocs/op; osc-sdk-go %.0f ns/op %.0f allocs/op; ratio %.2f / %.2f",
			ik.nsPerOp, ik.allocsPerOp, os.nsPerOp, os.allocsPerOp, ik.nsPerOp/os.nsPerOp, ik.allocsPerOp/os.allocsPerOp)
	})
}
