package oscsdk_test

import (
	"context"
	"net/http"
	"runtime"
	"slices"
	"testing"
	"time"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

// benchServer starts one emulator with two keys besides the root one, so
// that ReadAccessKeys returns a realistic list.
func benchServer(b *testing.B) *outscaletest.Server {
	b.Helper()
	srv := newServer(b)
	c := iamkitClient(b, srv)
	for range 2 {
		if _, err := c.AccessKeys().Create(context.Background(), outscale.CreateAccessKeyRequest{
			ExpirationDate: outscale.NewDate(time.Now().Add(time.Hour)), Tag: "bench",
		}); err != nil {
			b.Fatal(err)
		}
	}
	return srv
}

func iamkitClient(tb testing.TB, srv *outscaletest.Server) *outscale.Client {
	c, err := outscale.New(srv.ClientOptions(srv.Root))
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

// results are what the runs of one sub-benchmark measured (one entry per
// -count), for the ratio.
type results struct {
	nsPerOp, allocsPerOp []float64
}

// median returns the median of v (0 for none).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// measure runs op in b.Loop and records ns/op and allocs/op. The
// emulator's request log is emptied first: it keeps every request, and a
// log left by the runs before would make this run's garbage collections
// slower (whichever client runs second would pay for the first).
func measure(b *testing.B, srv *outscaletest.Server, op func(), into *results) {
	srv.ResetRequests()
	runtime.GC()
	var before, after runtime.MemStats
	b.ReportAllocs()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		op()
	}
	runtime.ReadMemStats(&after)
	into.nsPerOp = append(into.nsPerOp, float64(b.Elapsed().Nanoseconds())/float64(b.N))
	into.allocsPerOp = append(into.allocsPerOp, float64(after.Mallocs-before.Mallocs)/float64(b.N))
}

func benchIamkit(b *testing.B, srv *outscaletest.Server, into *results) {
	c, err := outscale.New(srv.ClientOptions(srv.Root), func(o *outscale.Options) {
		o.HTTPClient = &http.Client{Transport: transport()}
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	keys := c.AccessKeys()
	measure(b, srv, func() {
		out, err := keys.List(ctx, outscale.ReadAccessKeysRequest{})
		if err != nil || len(out) != 3 {
			b.Fatalf("%v %v", out, err)
		}
	}, into)
}

func benchOscSDK(b *testing.B, srv *outscaletest.Server, into *results) {
	cfg := osc.NewConfiguration()
	cfg.Servers = osc.ServerConfigurations{{URL: srv.URL}}
	cfg.HTTPClient = &http.Client{Transport: transport()}
	c := osc.NewAPIClient(cfg)
	ctx := context.WithValue(context.Background(), osc.ContextAWSv4, osc.AWSv4{AccessKey: srv.Root.AccessKey, SecretKey: srv.Root.SecretKey.Reveal()})
	measure(b, srv, func() {
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
// allocs/op in the "ratio" sub-benchmark, from the medians of all the runs
// of each (-count 3 runs each sub-benchmark three times in a row, so that a
// single run disturbed by other work on the machine does not decide the
// ratio). allocs/op counts both sides of the connection. The ratio is
// measured and reported, not a goal: a call made a few times per rotation
// is not a hot path, so iamkit uses encoding/json and aws-sdk-go-v2's
// signer here rather than hand-written copies of them.
func BenchmarkReadAccessKeys(b *testing.B) {
	srv := benchServer(b)
	defer srv.Close()
	var ik, os results
	b.Run("iamkit", func(b *testing.B) { benchIamkit(b, srv, &ik) })
	b.Run("oscsdk", func(b *testing.B) { benchOscSDK(b, srv, &os) })
	b.Run("ratio", func(b *testing.B) {
		for b.Loop() {
		}
		ikNs, ikAllocs, osNs, osAllocs := median(ik.nsPerOp), median(ik.allocsPerOp), median(os.nsPerOp), median(os.allocsPerOp)
		if ikNs == 0 || osNs == 0 {
			b.Skip("run the iamkit and oscsdk sub-benchmarks too")
		}
		b.ReportMetric(ikNs/osNs, "ns-ratio")
		b.ReportMetric(ikAllocs/osAllocs, "allocs-ratio")
		b.ReportMetric(0, "ns/op")
		b.Logf("medians of %d/%d runs: iamkit %.0f ns/op %.0f allocs/op; osc-sdk-go %.0f ns/op %.0f allocs/op; ratio %.2f / %.2f",
			len(ik.nsPerOp), len(os.nsPerOp), ikNs, ikAllocs, osNs, osAllocs, ikNs/osNs, ikAllocs/osAllocs)
	})
}
