package bench

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
)

// The three caches under test, each warmed with a token valid for an hour.

func newIamkitCache(tb testing.TB) *auth.Cache {
	x := auth.ExchangerFunc(func(context.Context) (auth.Token, error) {
		return auth.Token{Value: iam.NewSecret("token"), Type: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
	})
	c, err := auth.NewCache(x)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.AccessToken(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return c
}

func newAWSCache(tb testing.TB) *aws.CredentialsCache {
	p := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK", CanExpire: true, Expires: time.Now().Add(time.Hour)}, nil
	})
	c := aws.NewCredentialsCache(p)
	if _, err := c.Retrieve(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return c
}

type oauthSrc struct{}

func (oauthSrc) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "token", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

func newOAuth2Cache(tb testing.TB) oauth2.TokenSource {
	s := oauth2.ReuseTokenSource(nil, oauthSrc{})
	if _, err := s.Token(); err != nil {
		tb.Fatal(err)
	}
	return s
}

var sinkTok auth.Token
var sinkCreds aws.Credentials
var sinkOAuth *oauth2.Token

func benchIamkit(b *testing.B) {
	c := newIamkitCache(b)
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		sinkTok, _ = c.AccessToken(ctx)
	}
}

func benchIamkitParallel(b *testing.B) {
	c := newIamkitCache(b)
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var t auth.Token
		for pb.Next() {
			t, _ = c.AccessToken(ctx)
		}
		_ = t
	})
}

func benchIamkitOAuth2(b *testing.B) {
	c := newIamkitCache(b)
	defer c.Close()
	b.ReportAllocs()
	for b.Loop() {
		sinkOAuth, _ = c.Token()
	}
}

func benchAWS(b *testing.B) {
	c := newAWSCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		sinkCreds, _ = c.Retrieve(ctx)
	}
}

func benchAWSParallel(b *testing.B) {
	c := newAWSCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var cr aws.Credentials
		for pb.Next() {
			cr, _ = c.Retrieve(ctx)
		}
		_ = cr
	})
}

func benchOAuth2(b *testing.B) {
	s := newOAuth2Cache(b)
	b.ReportAllocs()
	for b.Loop() {
		sinkOAuth, _ = s.Token()
	}
}

func benchOAuth2Parallel(b *testing.B) {
	s := newOAuth2Cache(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var t *oauth2.Token
		for pb.Next() {
			t, _ = s.Token()
		}
		_ = t
	})
}

// BenchmarkCachedToken measures a cache hit (a valid cached token) in
// iamkit's auth.Cache and in the peers, serially and in parallel.
func BenchmarkCachedToken(b *testing.B) {
	b.Run("serial/iamkit", benchIamkit)
	b.Run("serial/iamkit-oauth2-Token", benchIamkitOAuth2)
	b.Run("serial/aws-CredentialsCache", benchAWS)
	b.Run("serial/oauth2-ReuseTokenSource", benchOAuth2)
	b.Run("parallel/iamkit", benchIamkitParallel)
	b.Run("parallel/aws-CredentialsCache", benchAWSParallel)
	b.Run("parallel/oauth2-ReuseTokenSource", benchOAuth2Parallel)
}

// BenchmarkCachedTokenRatio runs iamkit and the peers back to back in this
// process and reports iamkit's time as a fraction of each peer's
// (goals: serial ≤ 0.9× aws, parallel ≤ 1.0× aws, both < 1.0× oauth2).
// It ignores b.N: each inner measurement is a full testing.Benchmark.
func BenchmarkCachedTokenRatio(b *testing.B) {
	ns := func(f func(*testing.B)) float64 {
		r := testing.Benchmark(f)
		return float64(r.T.Nanoseconds()) / float64(r.N)
	}
	ours, awsS, oa := ns(benchIamkit), ns(benchAWS), ns(benchOAuth2)
	oursP, awsP, oaP := ns(benchIamkitParallel), ns(benchAWSParallel), ns(benchOAuth2Parallel)
	b.ReportMetric(ours, "iamkit-serial-ns")
	b.ReportMetric(awsS, "aws-serial-ns")
	b.ReportMetric(oa, "oauth2-serial-ns")
	b.ReportMetric(ours/awsS, "serial-vs-aws")
	b.ReportMetric(ours/oa, "serial-vs-oauth2")
	b.ReportMetric(oursP/awsP, "parallel-vs-aws")
	b.ReportMetric(oursP/oaP, "parallel-vs-oauth2")
	b.Logf("serial: iamkit %.1f ns, aws %.1f ns (%.2f×), oauth2 %.1f ns (%.2f×)", ours, awsS, ours/awsS, oa, ours/oa)
	b.Logf("parallel: iamkit %.1f ns, aws %.1f ns (%.2f×), oauth2 %.1f ns (%.2f×)", oursP, awsP, oursP/awsP, oaP, oursP/oaP)
}

// TestCachesServeTokens checks the harness: every cache under benchmark
// serves a valid token without allocating on the hit path.
func TestCachesServeTokens(t *testing.T) {
	c := newIamkitCache(t)
	defer c.Close()
	ctx := context.Background()
	if tok, err := c.AccessToken(ctx); err != nil || tok.Value.Reveal() != "token" {
		t.Fatalf("iamkit: %v %v", tok, err)
	}
	if cr, err := newAWSCache(t).Retrieve(ctx); err != nil || cr.AccessKeyID != "AK" {
		t.Fatalf("aws: %v", err)
	}
	if tok, err := newOAuth2Cache(t).Token(); err != nil || tok.AccessToken != "token" {
		t.Fatalf("oauth2: %v", err)
	}
	allocs := testing.AllocsPerRun(1000, func() { sinkTok, _ = c.AccessToken(ctx) })
	if allocs != 0 {
		t.Fatalf("iamkit cache hit allocates %v times, want 0", allocs)
	}
}
