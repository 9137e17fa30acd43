package s3client_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"golang.org/x/oauth2"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

func TestNewValidation(t *testing.T) {
	static := awscreds.NewStaticCredentialsProvider("AKID", "secret", "")
	tests := []struct {
		name     string
		provider iam.Provider
		region   string
		opts     s3client.Options
		want     string // error substring, "" for success
		region2  string // expected signing region
	}{
		{name: "nebius", provider: iam.Nebius, region: "eu-north1", region2: "eu-north1"},
		{name: "nebius unknown region", provider: iam.Nebius, region: "mars-north1", want: `no known Nebius object storage endpoint for region "mars-north1"`},
		{name: "nebius unknown region with endpoint", provider: iam.Nebius, region: "mars-north1", opts: s3client.Options{Endpoint: "https://storage.mars-north1.nebius.cloud"}, region2: "mars-north1"},
		{name: "yandex", provider: iam.Yandex, region2: "ru-central1"},
		{name: "yandex wrong region", provider: iam.Yandex, region: "eu-west1", want: "signed for \"ru-central1\" only"},
		{name: "outscale", provider: iam.Outscale, region: "eu-west-2", region2: "eu-west-2"},
		{name: "outscale no region", provider: iam.Outscale, want: "needs a region"},
		{name: "http off loopback", provider: iam.Yandex, opts: s3client.Options{Endpoint: "http://storage.example.com"}, want: "Options.Endpoint \"http://storage.example.com\": plain http is allowed only on loopback"},
		{name: "http on loopback", provider: iam.Outscale, region: "eu-west-2", opts: s3client.Options{Endpoint: "http://127.0.0.1:9000"}, region2: "eu-west-2"},
		{name: "endpoint without region", provider: iam.Nebius, opts: s3client.Options{Endpoint: "https://s3.example.com"}, want: "set Options.Region"},
		{name: "unknown provider", provider: "aws", region: "us-east-1", want: "unknown provider"},
		{name: "negative attempts", provider: iam.Yandex, opts: s3client.Options{RetryMaxAttempts: -1}, want: "Options.RetryMaxAttempts -1 is negative"},
		{name: "relative endpoint", provider: iam.Yandex, opts: s3client.Options{Endpoint: "storage.example.com"}, want: "Options.Endpoint \"storage.example.com\" is not an absolute URL"},
		{name: "ftp endpoint", provider: iam.Yandex, opts: s3client.Options{Endpoint: "ftp://storage.example.com"}, want: "Options.Endpoint \"ftp://storage.example.com\": scheme must be https"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s3client.New(tc.provider, tc.region, static, func(o *s3client.Options) { *o = tc.opts })
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want an error containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := c.Options()
			if o.Region != tc.region2 || !o.UsePathStyle || o.RequestChecksumCalculation != aws.RequestChecksumCalculationWhenRequired ||
				o.ResponseChecksumValidation != aws.ResponseChecksumValidationWhenRequired {
				t.Fatalf("options: region %q path-style %v checksums %v/%v", o.Region, o.UsePathStyle, o.RequestChecksumCalculation, o.ResponseChecksumValidation)
			}
		})
	}
	if _, err := s3client.New(iam.Yandex, "", nil); err == nil {
		t.Fatal("nil credentials accepted")
	}
}

// TestRejectedKeyRotates runs a real S3 client with a managed Yandex key
// against the emulators: when the key is deleted behind the provider's
// back, the InvalidAccessKeyId answer makes the provider rotate at once.
func TestRejectedKeyRotates(t *testing.T) {
	ctx := context.Background()
	reg := iamtest.NewRegistry()
	ysrv, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer ysrv.Close()
	s3srv, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Registry = reg; o.Region = "ru-central1" })
	if err != nil {
		t.Fatal(err)
	}
	defer s3srv.Close()
	yc, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: ysrv.IssueToken(ysrv.ServiceAccountID(), 0)}), ysrv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer yc.Close()
	km, err := yandex.NewKeyManager(yc, ysrv.ServiceAccountID())
	if err != nil {
		t.Fatal(err)
	}
	switched := make(chan string, 4)
	p, err := iamcreds.NewManagedProvider(km, func(o *iamcreds.ManagedOptions) {
		o.Policy.Description = "s3client-test"
		o.OnEvent = func(e iamcreds.Event) {
			if e.Kind == iamcreds.EventKeySwitched {
				switched <- e.AccessKeyID
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(ctx)
	c, err := s3client.New(iam.Yandex, "", p, func(o *s3client.Options) { o.Endpoint = s3srv.URL; o.RetryMaxAttempts = 1 })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("rotate-bucket")}); err != nil {
		t.Fatal(err)
	}
	first := <-switched

	keys, err := km.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.AccessKeyID == first {
			if err := km.DeleteKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("rotate-bucket"), Key: aws.String("k"), Body: strings.NewReader("v1")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidAccessKeyId" {
		t.Fatalf("PutObject with a deleted key: %v", err)
	}
	select {
	case second := <-switched:
		if second == first {
			t.Fatal("switched to the rejected key")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no early rotation after InvalidAccessKeyId")
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("rotate-bucket"), Key: aws.String("k"), Body: strings.NewReader("v2")}); err != nil {
		t.Fatalf("PutObject after the rotation: %v", err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("rotate-bucket"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(b) != "v2" {
		t.Fatalf("GetObject = %q", b)
	}
}

// TestNewSkipsNilOptions: a nil option function is skipped, never called
// (issue 12: New panicked).
func TestNewSkipsNilOptions(t *testing.T) {
	defer func() {
		if v := recover(); v != nil {
			t.Fatalf("New with a nil option function panicked: %v", v)
		}
	}()
	static := awscreds.NewStaticCredentialsProvider("AKID", "secret", "")
	if _, err := s3client.New(iam.Yandex, "", static, nil, func(*s3client.Options) {}, nil); err != nil {
		t.Fatal(err)
	}
}
