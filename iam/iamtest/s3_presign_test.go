package iamtest_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// plainDo sends a request with no signature of its own (a presigned URL
// carries it), as curl would.
func plainDo(t *testing.T, method, u string, body []byte) (int, string, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct{ Code, Message string }
	_ = xml.Unmarshal(b, &e)
	return resp.StatusCode, e.Code, e.Message, b
}

// TestS3PresignedURLs: aws-sdk-go-v2's PresignGetObject and
// PresignPutObject URLs work with a plain HTTP client; S3's rules for
// query-string signatures hold (expiry at most 7 days, expired and
// not-yet-valid URLs refused, a missing X-Amz-Expires, a signature moved
// to another key or tampered with, both auth mechanisms at once).
func TestS3PresignedURLs(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now())
	srv := startS3(t, func(o *iamtest.S3Options) { o.Clock = clk })
	defer srv.Close()
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: "AKIDPRESIGN000000001", Secret: iam.NewSecret("presign-secret"), Active: true})
	c := newS3Client(srv, "eu-west-2", "AKIDPRESIGN000000001", "presign-secret", "")
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("presigned")}); err != nil {
		t.Fatal(err)
	}
	pc := s3.NewPresignClient(c)

	put, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("presigned"), Key: aws.String("dir/a b.txt")}, s3.WithPresignExpires(15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if st, code, msg, _ := plainDo(t, http.MethodPut, put.URL, []byte("uploaded with a presigned URL")); st != 200 {
		t.Fatalf("PUT to a presigned URL: %d %s %s", st, code, msg)
	}
	if got, _ := srv.Object("presigned", "dir/a b.txt"); string(got) != "uploaded with a presigned URL" {
		t.Fatalf("stored %q", got)
	}
	get, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("presigned"), Key: aws.String("dir/a b.txt")}, s3.WithPresignExpires(15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if st, code, msg, b := plainDo(t, http.MethodGet, get.URL, nil); st != 200 || string(b) != "uploaded with a presigned URL" {
		t.Fatalf("GET of a presigned URL: %d %s %s %q", st, code, msg, b)
	}
	week, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("presigned"), Key: aws.String("dir/a b.txt")}, s3.WithPresignExpires(7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if st, code, msg, _ := plainDo(t, http.MethodGet, week.URL, nil); st != 200 {
		t.Fatalf("a URL valid for 7 days: %d %s %s", st, code, msg)
	}

	edit := func(raw string, fn func(q url.Values)) string {
		u, _ := url.Parse(raw)
		q := u.Query()
		fn(q)
		u.RawQuery = q.Encode()
		return u.String()
	}
	tests := []struct {
		name, method, url  string
		status             int
		code, msgSubstring string
	}{
		{"no X-Amz-Expires", http.MethodGet, edit(get.URL, func(q url.Values) { q.Del("X-Amz-Expires") }), 400, "AuthorizationQueryParametersError", "X-Amz-Expires"},
		{"X-Amz-Expires over 7 days", http.MethodGet, edit(get.URL, func(q url.Values) { q.Set("X-Amz-Expires", "604801") }), 400, "AuthorizationQueryParametersError", "604800"},
		{"X-Amz-Expires not a number", http.MethodGet, edit(get.URL, func(q url.Values) { q.Set("X-Amz-Expires", "soon") }), 400, "AuthorizationQueryParametersError", "X-Amz-Expires"},
		{"another algorithm", http.MethodGet, edit(get.URL, func(q url.Values) { q.Set("X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256") }), 400, "AuthorizationQueryParametersError", "X-Amz-Algorithm"},
		{"tampered signature", http.MethodGet, edit(get.URL, func(q url.Values) { q.Set("X-Amz-Signature", strings.Repeat("0", 64)) }), 403, "SignatureDoesNotMatch", ""},
		{"longer validity than signed", http.MethodGet, edit(get.URL, func(q url.Values) { q.Set("X-Amz-Expires", "3600") }), 403, "SignatureDoesNotMatch", ""},
		{"another key", http.MethodGet, strings.Replace(get.URL, "/dir/a%20b.txt", "/dir/other", 1), 403, "SignatureDoesNotMatch", ""},
		{"another method", http.MethodDelete, get.URL, 403, "SignatureDoesNotMatch", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, code, msg, b := plainDo(t, tc.method, tc.url, nil)
			if st != tc.status || code != tc.code || !strings.Contains(msg, tc.msgSubstring) {
				t.Fatalf("%d %s %q (%s), want %d %s %q", st, code, msg, b, tc.status, tc.code, tc.msgSubstring)
			}
			if _, ok := srv.Object("presigned", "dir/a b.txt"); !ok {
				t.Fatal("the object is gone")
			}
		})
	}

	// Both the query and an Authorization header: refused.
	req, _ := http.NewRequest(http.MethodGet, get.URL, nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDPRESIGN000000001/20260101/eu-west-2/s3/aws4_request, SignedHeaders=host, Signature=00")
	if st, code, _ := send(t, req); st != 400 || code != "InvalidArgument" {
		t.Errorf("a presigned URL with an Authorization header: %d %s, want 400 InvalidArgument", st, code)
	}

	start := clk.Now()
	clk.Set(start.Add(16 * time.Minute))
	if st, code, msg, _ := plainDo(t, http.MethodGet, get.URL, nil); st != 403 || code != "AccessDenied" || msg != "Request has expired" {
		t.Errorf("16 minutes after a 15-minute URL: %d %s %q, want 403 AccessDenied \"Request has expired\"", st, code, msg)
	}
	clk.Set(start.Add(-16 * time.Minute))
	if st, code, msg, _ := plainDo(t, http.MethodGet, get.URL, nil); st != 403 || code != "AccessDenied" || msg != "Request is not yet valid" {
		t.Errorf("a URL signed 16 minutes in the future: %d %s %q, want 403 AccessDenied \"Request is not yet valid\"", st, code, msg)
	}
	// Signature Version 2 (the AWS CLI v1's presigned URLs): not
	// implemented, and said so.
	v2 := srv.URL + "/presigned/dir/a%20b.txt?AWSAccessKeyId=AKIDPRESIGN000000001&Signature=0Vf1jTPQcPosIchr8pLYDut5OF0%3D&Expires=1796154814"
	if st, code, msg, _ := plainDo(t, http.MethodGet, v2, nil); st != 501 || code != "NotImplemented" || !strings.Contains(msg, "Signature Version 2") {
		t.Errorf("a SigV2 presigned URL: %d %s %q, want 501 NotImplemented", st, code, msg)
	}
}

// TestS3PresignedWithSessionToken: a presigned URL of temporary
// credentials carries X-Amz-Security-Token in its query, and it is
// checked.
func TestS3PresignedWithSessionToken(t *testing.T) {
	srv := startS3(t)
	defer srv.Close()
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: "ASIAPRESIGN000000001", Secret: iam.NewSecret("temp-secret"), SessionToken: iam.NewSecret("tok.1"), Active: true, ExpiresAt: time.Now().Add(time.Hour)})
	ctx := context.Background()
	c := newS3Client(srv, "eu-west-2", "ASIAPRESIGN000000001", "temp-secret", "tok.1")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("presigned")}); err != nil {
		t.Fatal(err)
	}
	out, err := s3.NewPresignClient(c).PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("presigned"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.URL, "X-Amz-Security-Token=tok.1") {
		t.Fatalf("no token in %s", out.URL)
	}
	if st, code, msg, _ := plainDo(t, http.MethodPut, out.URL, []byte("v")); st != 200 {
		t.Fatalf("PUT: %d %s %s", st, code, msg)
	}
	if st, code, _, _ := plainDo(t, http.MethodPut, strings.Replace(out.URL, "tok.1", "tok.2", 1), []byte("v")); st != 400 || code != "InvalidToken" {
		t.Errorf("another token: %d %s, want 400 InvalidToken", st, code)
	}
}
