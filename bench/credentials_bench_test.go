package bench

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/oauth2"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

// managedExpiring returns a ManagedProvider holding an OUTSCALE key created
// through the emulator with an expiry, so that Retrieve reads the clock.
// tel, when set, configures the client's and the provider's telemetry.
func managedExpiring(b testing.TB, tel ...telemetryOptions) *iamcreds.ManagedProvider {
	b.Helper()
	srv, err := outscaletest.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	oc, err := outscale.New(srv.ClientOptions(srv.Root), func(o *outscale.Options) {
		for _, t := range tel {
			o.TracerProvider, o.MeterProvider = t.tp, t.mp
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = oc.Close() })
	km, err := outscale.NewKeyManager(oc)
	if err != nil {
		b.Fatal(err)
	}
	p, err := iamcreds.NewManagedProvider(km, func(o *iamcreds.ManagedOptions) {
		o.Policy.Description = "bench"
		for _, t := range tel {
			o.TracerProvider, o.MeterProvider = t.tp, t.mp
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Close() })
	c, err := p.Retrieve(context.Background())
	if err != nil || !c.CanExpire {
		b.Fatalf("managed OUTSCALE key: %v (expiring %v)", err, c.CanExpire)
	}
	return p
}

// managedProvider returns a ManagedProvider holding a Yandex static key
// (no expiry: Retrieve reads no clock) created through the emulator.
func managedProvider(b *testing.B) *iamcreds.ManagedProvider {
	b.Helper()
	srv, err := yandextest.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	yc, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(srv.ServiceAccountID(), 0)}),
		srv.ClientOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { yc.Close() })
	km, err := yandex.NewKeyManager(yc, srv.ServiceAccountID())
	if err != nil {
		b.Fatal(err)
	}
	p, err := iamcreds.NewManagedProvider(km, func(o *iamcreds.ManagedOptions) {
		o.Policy.Description = "bench"
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Close() })
	if _, err := p.Retrieve(context.Background()); err != nil {
		b.Fatal(err)
	}
	return p
}

// awsCache returns an aws.CredentialsCache over a key that expires in an
// hour (so Retrieve checks the expiry), warmed.
func awsCache(b *testing.B) *aws.CredentialsCache {
	b.Helper()
	exp := time.Now().Add(time.Hour)
	c := aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret", CanExpire: true, Expires: exp}, nil
	}))
	if _, err := c.Retrieve(context.Background()); err != nil {
		b.Fatal(err)
	}
	return c
}

func serial(b *testing.B, p aws.CredentialsProvider) float64 {
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		if _, err := p.Retrieve(ctx); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}

func parallel(b *testing.B, p aws.CredentialsProvider) float64 {
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Retrieve(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	return float64(time.Since(start).Nanoseconds()) / float64(b.N)
}

// BenchmarkCredentialsRetrieve compares iamcreds.ManagedProvider.Retrieve
// with aws.CredentialsCache.Retrieve on a cache hit, serially and in
// parallel. The "ratio" metric of the managed case is its ns/op divided by
// the AWS cache's, measured in the same process just before (≤ 1.0: at
// least as fast).
func BenchmarkCredentialsRetrieve(b *testing.B) {
	for _, mode := range []struct {
		name string
		run  func(*testing.B, aws.CredentialsProvider) float64
	}{{"serial", serial}, {"parallel", parallel}} {
		// The AWS cache's ns/op by GOMAXPROCS (-cpu runs each
		// sub-benchmark once per value).
		awsNs := map[int]float64{}
		b.Run(mode.name+"/aws.CredentialsCache", func(b *testing.B) {
			awsNs[runtime.GOMAXPROCS(0)] = mode.run(b, awsCache(b))
		})
		b.Run(mode.name+"/ManagedProvider-expiring", func(b *testing.B) {
			ns := mode.run(b, managedExpiring(b))
			if a := awsNs[runtime.GOMAXPROCS(0)]; a > 0 {
				b.ReportMetric(ns/a, "ratio")
			}
		})
		b.Run(mode.name+"/ManagedProvider-nonexpiring", func(b *testing.B) {
			ns := mode.run(b, managedProvider(b))
			if a := awsNs[runtime.GOMAXPROCS(0)]; a > 0 {
				b.ReportMetric(ns/a, "ratio")
			}
		})
	}
}
