package iamtest_test

import (
	"context"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

var paramKeys = []string{"a/one.txt", "a/sub/x", "a/two words.txt", "b/ünïcode+plus~.bin", "c", "d%percent*"}

// requireDecodeToParamKeys checks that the URL-encoded keys a listing
// (op) returned decode to paramKeys.
func requireDecodeToParamKeys(t *testing.T, op string, keys []string) {
	t.Helper()
	var decoded []string
	for _, k := range keys {
		d, err := url.QueryUnescape(k)
		if err != nil {
			t.Fatalf("%s key %q: %v", op, k, err)
		}
		decoded = append(decoded, d)
	}
	if !slices.Equal(decoded, paramKeys) {
		t.Errorf("%s: encoded keys decode to %v, want %v", op, decoded, paramKeys)
	}
}

func newParamsServer(t *testing.T) (*iamtest.S3Server, *s3.Client) {
	t.Helper()
	srv := startS3(t)
	t.Cleanup(srv.Close)
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: "AKIDPARAMS0000000001", Secret: iam.NewSecret("params-secret"), Active: true})
	c := newS3Client(srv, "eu-north1", "AKIDPARAMS0000000001", "params-secret", "")
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("params")}); err != nil {
		t.Fatal(err)
	}
	for _, k := range paramKeys {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("params"), Key: aws.String(k), Body: strings.NewReader("data of " + k)}); err != nil {
			t.Fatalf("PutObject %q: %v", k, err)
		}
	}
	return srv, c
}

func prefixes(cps []types.CommonPrefix) []string {
	var out []string
	for _, p := range cps {
		out = append(out, aws.ToString(p.Prefix))
	}
	return out
}

func contentKeys(objs []types.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, aws.ToString(o.Key))
	}
	return out
}

// TestS3ListParameters: the listing parameters clients send (prefix,
// delimiter, start-after, continuation-token, max-keys, fetch-owner,
// encoding-type for ListObjectsV2; marker for ListObjects) are served as
// S3 serves them, not ignored (issue 11, item 16).
func TestS3ListParameters(t *testing.T) {
	_, c := newParamsServer(t)
	ctx := context.Background()
	join := func(s []string) string { return strings.Join(s, ",") }

	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("params"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if got := join(prefixes(out.CommonPrefixes)); got != "a/,b/" {
		t.Errorf("delimiter: common prefixes %s, want a/,b/", got)
	}
	if got := join(contentKeys(out.Contents)); got != "c,d%percent*" || aws.ToInt32(out.KeyCount) != 4 || aws.ToString(out.Delimiter) != "/" {
		t.Errorf("delimiter: contents %s, key count %d, delimiter %q", got, aws.ToInt32(out.KeyCount), aws.ToString(out.Delimiter))
	}

	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("params"), Prefix: aws.String("a/"), Delimiter: aws.String("/")})
	if err != nil || join(contentKeys(out.Contents)) != "a/one.txt,a/two words.txt" || join(prefixes(out.CommonPrefixes)) != "a/sub/" {
		t.Errorf("prefix a/ and delimiter: %v, contents %v, prefixes %v", err, contentKeys(out.Contents), prefixes(out.CommonPrefixes))
	}

	// Paging through a delimited listing one item at a time gives each
	// common prefix once.
	var items []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("params"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		items = append(append(items, prefixes(page.CommonPrefixes)...), contentKeys(page.Contents)...)
	}
	if got := join(items); got != "a/,b/,c,d%percent*" {
		t.Errorf("paged delimited listing %s", got)
	}

	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("params"), StartAfter: aws.String("a/two words.txt")})
	if err != nil || join(contentKeys(out.Contents)) != "b/ünïcode+plus~.bin,c,d%percent*" || aws.ToString(out.StartAfter) != "a/two words.txt" {
		t.Errorf("start-after: %v, %v", err, contentKeys(out.Contents))
	}

	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("params"), Prefix: aws.String("c"), FetchOwner: aws.Bool(true)})
	if err != nil || len(out.Contents) != 1 || out.Contents[0].Owner == nil || aws.ToString(out.Contents[0].Owner.ID) == "" {
		t.Errorf("fetch-owner: %v, %+v", err, out.Contents)
	}
	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("params"), Prefix: aws.String("c")})
	if err != nil || len(out.Contents) != 1 || out.Contents[0].Owner != nil {
		t.Errorf("without fetch-owner: %v, owner %+v", err, out.Contents[0].Owner)
	}

	// encoding-type=url: keys, prefix and delimiter come back URL-encoded
	// as S3 encodes them ('/' and '*' kept, ' ' as '+').
	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("params"), EncodingType: types.EncodingTypeUrl, Prefix: aws.String("a/t")})
	if err != nil || out.EncodingType != types.EncodingTypeUrl || join(contentKeys(out.Contents)) != "a/two+words.txt" || aws.ToString(out.Prefix) != "a/t" {
		t.Errorf("encoding-type url: %v, %q %v %q", err, out.EncodingType, contentKeys(out.Contents), aws.ToString(out.Prefix))
	}
	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("params"), EncodingType: types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	requireDecodeToParamKeys(t, "ListObjectsV2", contentKeys(out.Contents))
	if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("params"), EncodingType: "base64"}); apiCode(err) != "InvalidArgument" {
		t.Errorf("encoding-type base64: %v, want InvalidArgument", err)
	}

	// ListObjects (v1) with marker; NextMarker only with a delimiter.
	v1, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("params"), MaxKeys: aws.Int32(2)})
	if err != nil || join(contentKeys(v1.Contents)) != "a/one.txt,a/sub/x" || !aws.ToBool(v1.IsTruncated) || v1.NextMarker != nil {
		t.Fatalf("ListObjects: %v, %v truncated %v next %v", err, contentKeys(v1.Contents), aws.ToBool(v1.IsTruncated), v1.NextMarker)
	}
	v1, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("params"), Marker: aws.String("a/sub/x")})
	if err != nil || join(contentKeys(v1.Contents)) != "a/two words.txt,b/ünïcode+plus~.bin,c,d%percent*" || aws.ToBool(v1.IsTruncated) || aws.ToString(v1.Marker) != "a/sub/x" {
		t.Errorf("ListObjects marker: %v, %v", err, contentKeys(v1.Contents))
	}
	v1, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("params"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)})
	if err != nil || join(prefixes(v1.CommonPrefixes)) != "a/" || aws.ToString(v1.NextMarker) != "a/" || !aws.ToBool(v1.IsTruncated) {
		t.Fatalf("ListObjects delimiter: %v, %v next %q", err, prefixes(v1.CommonPrefixes), aws.ToString(v1.NextMarker))
	}
	v1, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("params"), Delimiter: aws.String("/"), Marker: v1.NextMarker})
	if err != nil || join(prefixes(v1.CommonPrefixes)) != "b/" || join(contentKeys(v1.Contents)) != "c,d%percent*" {
		t.Errorf("ListObjects after marker a/: %v, %v %v", err, prefixes(v1.CommonPrefixes), contentKeys(v1.Contents))
	}
	if len(v1.Contents) > 0 && v1.Contents[0].Owner == nil {
		t.Error("ListObjects: Contents without Owner")
	}

	// ListObjects (v1) with encoding-type=url: Key, Prefix, Delimiter,
	// Marker and NextMarker come back URL-encoded, as in v2 ("~" too).
	v1, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("params"), EncodingType: types.EncodingTypeUrl,
		Prefix: aws.String("a/"), Delimiter: aws.String("/")})
	if err != nil || v1.EncodingType != types.EncodingTypeUrl || join(contentKeys(v1.Contents)) != "a/one.txt,a/two+words.txt" ||
		join(prefixes(v1.CommonPrefixes)) != "a/sub/" || aws.ToString(v1.Prefix) != "a/" || aws.ToString(v1.Delimiter) != "/" {
		t.Errorf("ListObjects encoding-type url: %v, %q %v %v prefix %q delimiter %q", err, v1.EncodingType, contentKeys(v1.Contents),
			prefixes(v1.CommonPrefixes), aws.ToString(v1.Prefix), aws.ToString(v1.Delimiter))
	}
	v1, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("params"), EncodingType: types.EncodingTypeUrl,
		Marker: aws.String("a/two words.txt"), Delimiter: aws.String(" "), MaxKeys: aws.Int32(1)})
	if err != nil || aws.ToString(v1.Marker) != "a/two+words.txt" || aws.ToString(v1.Delimiter) != "+" ||
		join(contentKeys(v1.Contents)) != "b/%C3%BCn%C3%AFcode%2Bplus%7E.bin" || aws.ToString(v1.NextMarker) != "b/%C3%BCn%C3%AFcode%2Bplus%7E.bin" {
		t.Errorf("ListObjects encoding-type url after a marker: %v, marker %q delimiter %q %v next %q", err, aws.ToString(v1.Marker),
			aws.ToString(v1.Delimiter), contentKeys(v1.Contents), aws.ToString(v1.NextMarker))
	}
	v1, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("params"), EncodingType: types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	requireDecodeToParamKeys(t, "ListObjects", contentKeys(v1.Contents))

	// GetBucketLocation (?location) still works.
	loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("params")})
	if err != nil || loc == nil {
		t.Errorf("GetBucketLocation: %v", err)
	}
}

// TestS3GetObjectResponseOverrides: response-* parameters set the headers
// of a GetObject or HeadObject answer, as S3 does.
func TestS3GetObjectResponseOverrides(t *testing.T) {
	_, c := newParamsServer(t)
	ctx := context.Background()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	out, err := c.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String("params"), Key: aws.String("c"),
		ResponseContentType:        aws.String("application/x-override"),
		ResponseContentDisposition: aws.String(`attachment; filename="c.txt"`),
		ResponseCacheControl:       aws.String("no-cache"),
		ResponseContentLanguage:    aws.String("fr"),
		ResponseContentEncoding:    aws.String("identity"),
		ResponseExpires:            aws.Time(exp),
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	_ = out.Body.Close()
	if string(b) != "data of c" || aws.ToString(out.ContentType) != "application/x-override" ||
		aws.ToString(out.ContentDisposition) != `attachment; filename="c.txt"` || aws.ToString(out.CacheControl) != "no-cache" ||
		aws.ToString(out.ContentLanguage) != "fr" || aws.ToString(out.ContentEncoding) != "identity" ||
		out.ExpiresString == nil || !strings.Contains(aws.ToString(out.ExpiresString), "2030") {
		t.Errorf("GetObject with overrides: %q, %+v", b, out)
	}
	ho, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("params"), Key: aws.String("c"), ResponseContentType: aws.String("text/x-head")})
	if err != nil || aws.ToString(ho.ContentType) != "text/x-head" {
		t.Errorf("HeadObject with override: %v, %q", err, aws.ToString(ho.ContentType))
	}
	plain, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("params"), Key: aws.String("c")})
	if err != nil {
		t.Fatal(err)
	}
	_ = plain.Body.Close()
	if aws.ToString(plain.ContentType) == "application/x-override" || plain.CacheControl != nil {
		t.Errorf("an override stuck to the object: %+v", plain)
	}
}

// TestS3ConditionalPutNotImplemented: a conditional write (If-None-Match,
// If-Match) is not silently made unconditional: it is 501 and the object
// stays as it was.
func TestS3ConditionalPutNotImplemented(t *testing.T) {
	srv, c := newParamsServer(t)
	ctx := context.Background()
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("params"), Key: aws.String("c"), Body: strings.NewReader("overwritten"), IfNoneMatch: aws.String("*")})
	if apiCode(err) != "NotImplemented" {
		t.Errorf("PutObject If-None-Match: %v, want NotImplemented", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("params"), Key: aws.String("c"), Body: strings.NewReader("overwritten"), IfMatch: aws.String(`"nope"`)})
	if apiCode(err) != "NotImplemented" {
		t.Errorf("PutObject If-Match: %v, want NotImplemented", err)
	}
	if got, _ := srv.Object("params", "c"); string(got) != "data of c" {
		t.Errorf("object is now %q", got)
	}
}
