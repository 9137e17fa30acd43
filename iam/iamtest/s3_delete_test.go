package iamtest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// httpStatus is the HTTP status of an SDK error, 0 if it has none.
func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if err != nil && errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// TestS3ConditionalDeleteObject: DeleteObject honours If-Match as S3 does
// (review of issue 14: the condition was dropped and the object deleted
// whatever it said): a wrong ETag is 412 PreconditionFailed and keeps the
// object, the right one or "*" deletes it, and with If-Match a missing key
// is 404 NoSuchKey (without, deleting it succeeds). The conditions S3
// serves on directory buckets only (x-amz-if-match-size,
// x-amz-if-match-last-modified-time) and the ones DeleteObject does not
// have are 501 and delete nothing.
func TestS3ConditionalDeleteObject(t *testing.T) {
	srv, c := newObjectsServer(t)
	ctx := context.Background()
	del := func(fn func(*s3.DeleteObjectInput)) error {
		in := &s3.DeleteObjectInput{Bucket: aws.String("objects"), Key: aws.String("cond")}
		if fn != nil {
			fn(in)
		}
		_, err := c.DeleteObject(ctx, in)
		return err
	}
	there := func() bool { _, ok := srv.Object("objects", "cond"); return ok }
	etag := aws.ToString(put(t, c, "cond", "keep me").ETag)
	for _, tc := range []struct {
		name   string
		fn     func(*s3.DeleteObjectInput)
		status int
		code   string
	}{
		{"If-Match wrong", func(in *s3.DeleteObjectInput) { in.IfMatch = aws.String(`"00000000000000000000000000000000"`) }, 412, "PreconditionFailed"},
		{"If-Match-Size", func(in *s3.DeleteObjectInput) { in.IfMatchSize = aws.Int64(7) }, 501, "NotImplemented"},
		{"If-Match-Last-Modified-Time", func(in *s3.DeleteObjectInput) { in.IfMatchLastModifiedTime = aws.Time(time.Now()) }, 501, "NotImplemented"},
	} {
		err := del(tc.fn)
		if httpStatus(err) != tc.status || apiCode(err) != tc.code {
			t.Errorf("%s: %v, want %d %s", tc.name, err, tc.status, tc.code)
		}
		if !there() {
			t.Fatalf("%s: the object was deleted", tc.name)
		}
	}
	for _, h := range []string{"If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		req := newReq(t, http.MethodDelete, srv.URL+"/objects/cond", nil)
		req.Header.Set(h, "*")
		signWith(t, req, "AKIDOBJECTS000000001", "objects-secret", sha256Hex(nil))
		if st, code, _ := send(t, req); st != 501 || code != "NotImplemented" || !there() {
			t.Errorf("DeleteObject with %s: %d %s (object there: %v), want 501 NotImplemented and the object kept", h, st, code, there())
		}
	}
	if err := del(func(in *s3.DeleteObjectInput) { in.IfMatch = aws.String(etag) }); err != nil || there() {
		t.Fatalf("If-Match with the object's ETag: %v (object there: %v), want it deleted", err, there())
	}
	if err := del(func(in *s3.DeleteObjectInput) { in.IfMatch = aws.String(etag) }); httpStatus(err) != 404 || apiCode(err) != "NoSuchKey" {
		t.Errorf("If-Match on a missing key: %v, want 404 NoSuchKey", err)
	}
	if err := del(func(in *s3.DeleteObjectInput) { in.IfMatch = aws.String("*") }); httpStatus(err) != 404 || apiCode(err) != "NoSuchKey" {
		t.Errorf("If-Match * on a missing key: %v, want 404 NoSuchKey", err)
	}
	if err := del(nil); err != nil {
		t.Errorf("an unconditional delete of a missing key: %v, want success", err)
	}
	put(t, c, "cond", "again")
	if err := del(func(in *s3.DeleteObjectInput) { in.IfMatch = aws.String("*") }); err != nil || there() {
		t.Errorf("If-Match * on an object: %v (object there: %v), want it deleted", err, there())
	}
}

// TestS3ExpectedBucketOwner: x-amz-expected-bucket-owner (and, for a
// copy, x-amz-source-expected-bucket-owner) other than the emulator's
// owner ID (the one listings show) is 403 AccessDenied and changes
// nothing; the owner's ID proceeds (review of issue 14: the header was
// ignored by every operation).
func TestS3ExpectedBucketOwner(t *testing.T) {
	srv, c := newObjectsServer(t)
	ctx := context.Background()
	lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || lb.Owner == nil || aws.ToString(lb.Owner.ID) == "" {
		t.Fatalf("ListBuckets: %v %+v", err, lb)
	}
	owner := aws.ToString(lb.Owner.ID)
	put(t, c, "owned", "data")
	const stranger = "111122223333"
	denied := func(what string, err error) {
		t.Helper()
		if httpStatus(err) != 403 || apiCode(err) != "AccessDenied" {
			t.Errorf("%s with another owner: %v, want 403 AccessDenied", what, err)
		}
	}
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("objects"), Key: aws.String("owned"), ExpectedBucketOwner: aws.String(stranger)})
	denied("DeleteObject", err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("objects"), Key: aws.String("owned"), Body: strings.NewReader("replaced"), ExpectedBucketOwner: aws.String(stranger)})
	denied("PutObject", err)
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("objects"), Key: aws.String("owned"), ExpectedBucketOwner: aws.String(stranger)})
	denied("GetObject", err)
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("objects"), ExpectedBucketOwner: aws.String(stranger)})
	denied("ListObjectsV2", err)
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("objects"), ExpectedBucketOwner: aws.String(stranger)})
	denied("DeleteBucket", err)
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("objects"), Key: aws.String("copy"), CopySource: aws.String("objects/owned"), ExpectedSourceBucketOwner: aws.String(stranger)})
	denied("CopyObject (source owner)", err)
	_, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("objects"), ExpectedBucketOwner: aws.String(stranger),
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("owned")}}}})
	denied("DeleteObjects", err)
	if got, ok := srv.Object("objects", "owned"); !ok || string(got) != "data" {
		t.Fatalf("the object is now %q (there: %v)", got, ok)
	}
	if _, ok := srv.Object("objects", "copy"); ok {
		t.Fatal("the copy was made")
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("objects"), Key: aws.String("copy"), CopySource: aws.String("objects/owned"),
		ExpectedBucketOwner: aws.String(owner), ExpectedSourceBucketOwner: aws.String(owner)}); err != nil {
		t.Errorf("CopyObject with the owner's ID: %v", err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("objects"), Key: aws.String("owned"), ExpectedBucketOwner: aws.String(owner)}); err != nil {
		t.Errorf("DeleteObject with the owner's ID: %v", err)
	}
	if _, ok := srv.Object("objects", "owned"); ok {
		t.Error("the owner's delete left the object")
	}
}
