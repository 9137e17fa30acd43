package iamtest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newS3Client(srv *iamtest.S3Server, region, akid, secret, token string) *s3.Client {
	return s3.New(s3.Options{
		Region:                     region,
		BaseEndpoint:               aws.String(srv.URL),
		UsePathStyle:               true,
		Credentials:                awscreds.NewStaticCredentialsProvider(akid, secret, token),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           1,
		HTTPClient:                 &http.Client{Timeout: 10 * time.Second},
	})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestS3ServerOperations(t *testing.T) {
	srv := startS3(t)
	defer srv.Close()
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: "AKIDGOOD000000000001", Secret: iam.NewSecret("s3cr3t/with+chars"), Active: true})
	c := newS3Client(srv, "eu-north1", "AKIDGOOD000000000001", "s3cr3t/with+chars", "")
	ctx := context.Background()

	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bucket-one")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bucket-one")}); apiCode(err) != "BucketAlreadyOwnedByYou" {
		t.Fatalf("CreateBucket again: got %v, want BucketAlreadyOwnedByYou", err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("bucket-one")}); err != nil {
		t.Fatalf("HeadBucket: %v", err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("missing-bucket")}); err == nil {
		t.Fatal("HeadBucket of a missing bucket succeeded")
	}
	keys := []string{"a/one.txt", "a/two words.txt", "b/ünïcode.bin", "c"}
	for i, k := range keys {
		body := strings.Repeat(k, i+1)
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket-one"), Key: aws.String(k), Body: strings.NewReader(body), ContentType: aws.String("text/plain")}); err != nil {
			t.Fatalf("PutObject %q: %v", k, err)
		}
		if got, _ := srv.Object("bucket-one", k); string(got) != body {
			t.Fatalf("stored %q = %q, want %q", k, got, body)
		}
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket-one"), Key: aws.String("a/two words.txt")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	b, _ := io.ReadAll(out.Body)
	_ = out.Body.Close()
	if want := strings.Repeat("a/two words.txt", 2); string(b) != want || aws.ToString(out.ContentType) != "text/plain" {
		t.Fatalf("GetObject = %q (%s), want %q", b, aws.ToString(out.ContentType), want)
	}
	ho, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bucket-one"), Key: aws.String("c")})
	if err != nil || aws.ToInt64(ho.ContentLength) != 4 {
		t.Fatalf("HeadObject: %v, length %d", err, aws.ToInt64(ho.ContentLength))
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket-one"), Key: aws.String("nope")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("GetObject missing: %v, want NoSuchKey", err)
	}

	// Paginated listing with a prefix.
	var listed []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("bucket-one"), MaxKeys: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		for _, o := range page.Contents {
			listed = append(listed, aws.ToString(o.Key))
		}
	}
	if strings.Join(listed, ",") != strings.Join(keys, ",") {
		t.Fatalf("listed %v, want %v", listed, keys)
	}
	lp, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bucket-one"), Prefix: aws.String("a/")})
	if err != nil || aws.ToInt32(lp.KeyCount) != 2 {
		t.Fatalf("ListObjectsV2 prefix: %v, count %d", err, aws.ToInt32(lp.KeyCount))
	}
	lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "bucket-one" {
		t.Fatalf("ListBuckets: %v, %+v", err, lb)
	}

	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("bucket-one")}); apiCode(err) != "BucketNotEmpty" {
		t.Fatalf("DeleteBucket non-empty: %v, want BucketNotEmpty", err)
	}
	for _, k := range keys {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bucket-one"), Key: aws.String(k)}); err != nil {
			t.Fatalf("DeleteObject: %v", err)
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("bucket-one")}); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("B1")}); apiCode(err) != "InvalidBucketName" {
		t.Fatalf("CreateBucket bad name: %v, want InvalidBucketName", err)
	}
	st := srv.Stats()
	if st.ByAccessKey["AKIDGOOD000000000001"] != st.Requests || st.Requests < 15 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestS3ServerAuthentication(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now())
	reg := iamtest.NewRegistry()
	srv := startS3(t, func(o *iamtest.S3Options) {
		o.Registry = reg
		o.Clock = clk
		o.Region = "ru-central1"
	})
	defer srv.Close()
	reg.PutS3Key(iamtest.S3Key{AccessKeyID: "GOOD", Secret: iam.NewSecret("good-secret"), Active: true})
	reg.PutS3Key(iamtest.S3Key{AccessKeyID: "OFF", Secret: iam.NewSecret("off-secret"), Active: false})
	reg.PutS3Key(iamtest.S3Key{AccessKeyID: "TEMP", Secret: iam.NewSecret("temp-secret"), SessionToken: iam.NewSecret("s1.session"), Active: true, ExpiresAt: clk.Now().Add(time.Hour)})
	reg.PutS3Key(iamtest.S3Key{AccessKeyID: "OLD", Secret: iam.NewSecret("old-secret"), SessionToken: iam.NewSecret("s1.old"), Active: true, ExpiresAt: clk.Now().Add(-time.Second)})
	reg.PutS3Key(iamtest.S3Key{AccessKeyID: "GONE", Secret: iam.NewSecret("gone-secret"), Active: true, ExpiresAt: clk.Now().Add(-time.Second)})
	reg.PutS3Key(iamtest.S3Key{AccessKeyID: "DELETED", Secret: iam.NewSecret("deleted-secret"), Active: true})
	reg.DeleteS3Key("DELETED")

	tests := []struct {
		name, region, akid, secret, token string
		skew                              time.Duration
		want                              string
	}{
		{name: "valid", region: "ru-central1", akid: "GOOD", secret: "good-secret"},
		{name: "wrong secret", region: "ru-central1", akid: "GOOD", secret: "bad-secret", want: "SignatureDoesNotMatch"},
		{name: "unknown key", region: "ru-central1", akid: "NOPE", secret: "x", want: "InvalidAccessKeyId"},
		{name: "inactive key", region: "ru-central1", akid: "OFF", secret: "off-secret", want: "InvalidAccessKeyId"},
		{name: "deleted key", region: "ru-central1", akid: "DELETED", secret: "deleted-secret", want: "InvalidAccessKeyId"},
		{name: "expired static key", region: "ru-central1", akid: "GONE", secret: "gone-secret", want: "InvalidAccessKeyId"},
		{name: "session key", region: "ru-central1", akid: "TEMP", secret: "temp-secret", token: "s1.session"},
		{name: "session key without token", region: "ru-central1", akid: "TEMP", secret: "temp-secret", want: "InvalidToken"},
		{name: "session key wrong token", region: "ru-central1", akid: "TEMP", secret: "temp-secret", token: "s1.other", want: "InvalidToken"},
		{name: "expired session key", region: "ru-central1", akid: "OLD", secret: "old-secret", token: "s1.old", want: "ExpiredToken"},
		{name: "token on a static key", region: "ru-central1", akid: "GOOD", secret: "good-secret", token: "s1.x", want: "InvalidToken"},
		{name: "wrong region", region: "us-east-1", akid: "GOOD", secret: "good-secret", want: "AuthorizationHeaderMalformed"},
		{name: "clock 14m ahead", region: "ru-central1", akid: "GOOD", secret: "good-secret", skew: 14 * time.Minute},
		{name: "clock 16m ahead", region: "ru-central1", akid: "GOOD", secret: "good-secret", skew: 16 * time.Minute, want: "RequestTimeTooSkewed"},
		{name: "clock 16m behind", region: "ru-central1", akid: "GOOD", secret: "good-secret", skew: -16 * time.Minute, want: "RequestTimeTooSkewed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The client signs with the real time; the emulator's clock
			// is moved to create the skew.
			clk.Set(time.Now().Add(tc.skew))
			c := newS3Client(srv, tc.region, tc.akid, tc.secret, tc.token)
			_, err := c.ListBuckets(context.Background(), &s3.ListBucketsInput{})
			if got := apiCode(err); got != tc.want {
				t.Fatalf("ListBuckets: code %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}

// signedRequest builds a request signed by aws-sdk-go-v2's signer with the
// given payload hash, then lets the test tamper with it.
func signedRequest(t *testing.T, url, method, body, payloadHash string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if strings.HasSuffix(payloadHash, "-TRAILER") {
		r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	}
	if strings.HasPrefix(payloadHash, "STREAMING-") {
		// The streaming bodies of the tests carry "hello".
		r.Header.Set("X-Amz-Decoded-Content-Length", "5")
	}
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "GOOD", SecretAccessKey: "good-secret"}, r, payloadHash, "s3", "eu-west-2", time.Now(), func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestS3ServerPayloadHash(t *testing.T) {
	srv := startS3(t)
	defer srv.Close()
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: "GOOD", Secret: iam.NewSecret("good-secret"), Active: true})
	do := func(r *http.Request) (int, string) {
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	hashOf := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	if st, body := do(signedRequest(t, srv.URL+"/pay-bucket", http.MethodPut, "", hashOf(""))); st != 200 {
		t.Fatalf("create bucket: %d %s", st, body)
	}
	tests := []struct {
		name, body, hash, sendBody string
		wantStatus                 int
		wantCode                   string
	}{
		{name: "sha256 matches", body: "hello", hash: hashOf("hello"), sendBody: "hello", wantStatus: 200},
		{name: "sha256 mismatch", body: "hello", hash: hashOf("hello"), sendBody: "HELLO", wantStatus: 400, wantCode: "XAmzContentSHA256Mismatch"},
		{name: "unsigned payload", body: "anything", hash: "UNSIGNED-PAYLOAD", sendBody: "anything", wantStatus: 200},
		{name: "unsigned streaming trailer", body: "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", hash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER", sendBody: "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", wantStatus: 200},
		{name: "garbage hash", body: "x", hash: "nope", sendBody: "x", wantStatus: 400, wantCode: "InvalidArgument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := signedRequest(t, srv.URL+"/pay-bucket/obj", http.MethodPut, tc.body, tc.hash)
			r.Body = io.NopCloser(strings.NewReader(tc.sendBody))
			r.ContentLength = int64(len(tc.sendBody))
			st, body := do(r)
			if st != tc.wantStatus || !strings.Contains(body, tc.wantCode) {
				t.Fatalf("got %d %s, want %d %s", st, body, tc.wantStatus, tc.wantCode)
			}
			if tc.wantStatus == 200 {
				if got, _ := srv.Object("pay-bucket", "obj"); string(got) != "hello" && string(got) != tc.body {
					t.Fatalf("stored %q", got)
				}
			}
		})
	}
	// A signed header changed after signing breaks the signature.
	r := signedRequest(t, srv.URL+"/pay-bucket/obj2", http.MethodPut, "v", hashOf("v"))
	r.URL.Path = "/pay-bucket/other"
	if st, body := do(r); st != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Fatalf("tampered path: %d %s", st, body)
	}
	// No Authorization at all.
	plain, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	if st, body := do(plain); st != 403 || !strings.Contains(body, "AccessDenied") {
		t.Fatalf("anonymous: %d %s", st, body)
	}
}

func TestS3ServerFaults(t *testing.T) {
	srv := startS3(t)
	defer srv.Close()
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: "GOOD", Secret: iam.NewSecret("good-secret"), Active: true})
	c := newS3Client(srv, "eu-west-2", "GOOD", "good-secret", "")
	ctx := context.Background()
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: "S3/CreateBucket", Status: 503})
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("fault-bucket")}); apiCode(err) != "SlowDown" {
		t.Fatalf("injected 503: %v, want SlowDown", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("fault-bucket")}); err != nil {
		t.Fatalf("after the fault: %v", err)
	}
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "PutObject"})
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("fault-bucket"), Key: aws.String("k"), Body: strings.NewReader("v")}); err == nil {
		t.Fatal("reset fault: PutObject succeeded")
	}
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "GetObject"})
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := c.GetObject(hctx, &s3.GetObjectInput{Bucket: aws.String("fault-bucket"), Key: aws.String("k")})
		errc <- err
	}()
	waitFaultTaken(t, srv.Faults)
	select {
	case err := <-errc:
		t.Fatalf("hang fault: GetObject returned while hung: %v", err)
	default:
	}
	cancel() // the client gives up; the server lets the request go
	if err := <-errc; err == nil {
		t.Fatal("hang fault: GetObject succeeded")
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("fault-bucket"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatalf("after faults: %v", err)
	}
}

// waitFaultTaken waits (bounded, in real time) until every queued fault was
// taken by a request: it waits for the request to arrive, not for time.
func waitFaultTaken(t *testing.T, f *iamtest.Faults) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); f.Pending() > 0; {
		if time.Now().After(deadline) {
			t.Fatal("the request did not reach the emulator")
		}
		runtime.Gosched()
	}
}

// emulatorGoroutines returns the stacks of goroutines running S3 emulator
// code.
func emulatorGoroutines() []string {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	var out []string
	for g := range strings.SplitSeq(string(buf[:n]), "\n\n") {
		if strings.Contains(g, "iamtest.(*S3Server)") {
			out = append(out, g)
		}
	}
	return out
}

// Close releases requests held by hang and latency faults and leaves no
// goroutine of the emulator behind.
func TestS3ServerCloseReleasesHeldRequests(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now())
	srv := startS3(t, func(o *iamtest.S3Options) { o.Clock = clk })
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: "GOOD", Secret: iam.NewSecret("good-secret"), Active: true})
	c := newS3Client(srv, "eu-west-2", "GOOD", "good-secret", "")
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "S3/ListBuckets"})
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultLatency, Match: "S3/ListBuckets", Delay: time.Hour}) // on the fake clock
	errc := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := c.ListBuckets(context.Background(), &s3.ListBucketsInput{})
			errc <- err
		}()
	}
	waitFaultTaken(t, srv.Faults)
	if len(emulatorGoroutines()) == 0 {
		t.Fatal("no request is held: the check below would prove nothing")
	}
	srv.Close()
	// A handler that dropped its connection is still unwinding when Close
	// returns: wait (bounded) for the goroutines to exit, not for time.
	g := emulatorGoroutines()
	for deadline := time.Now().Add(10 * time.Second); len(g) != 0 && time.Now().Before(deadline); g = emulatorGoroutines() {
		runtime.Gosched()
	}
	if len(g) != 0 {
		t.Fatalf("%d emulator goroutine(s) left after Close:\n%s", len(g), strings.Join(g, "\n\n"))
	}
	for range 2 {
		if err := <-errc; err == nil {
			t.Error("a held request succeeded after Close")
		}
	}
}
