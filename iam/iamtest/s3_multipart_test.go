package iamtest_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

const mib = 1 << 20

func newMultipartServer(t *testing.T) (*iamtest.S3Server, *s3.Client) {
	t.Helper()
	srv := startS3(t)
	t.Cleanup(srv.Close)
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: "AKIDMULTIPART0000001", Secret: iam.NewSecret("multipart-secret"), Active: true})
	c := newS3Client(srv, "eu-west-2", "AKIDMULTIPART0000001", "multipart-secret", "")
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("mp-bucket")}); err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// pattern returns n bytes that differ from part to part.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%251)
	}
	return b
}

func uploadParts(t *testing.T, c *s3.Client, key string, parts ...[]byte) (string, []types.CompletedPart) {
	t.Helper()
	ctx := context.Background()
	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mp-bucket"), Key: aws.String(key),
		ContentType: aws.String("application/x-parts"), Metadata: map[string]string{"mtime": "1700000000.5"}})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	var done []types.CompletedPart
	for i, p := range parts {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mp-bucket"), Key: aws.String(key), UploadId: cr.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		sum := md5.Sum(p)
		if want := `"` + hex.EncodeToString(sum[:]) + `"`; aws.ToString(out.ETag) != want {
			t.Fatalf("UploadPart %d ETag %s, want %s", i+1, aws.ToString(out.ETag), want)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	return aws.ToString(cr.UploadId), done
}

// TestS3MultipartUpload: a multipart upload (5 MiB, 5 MiB, 1 KiB) lists
// its parts and itself, completes into the parts in order, with S3's
// ETag (MD5 of the parts' MD5s, "-3") and the headers and metadata given
// at creation; the upload is gone afterwards.
func TestS3MultipartUpload(t *testing.T) {
	srv, c := newMultipartServer(t)
	ctx := context.Background()
	parts := [][]byte{pattern(5*mib, 1), pattern(5*mib, 2), pattern(1024, 3)}
	id, done := uploadParts(t, c, "dir/big object", parts...)

	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mp-bucket"), Key: aws.String("dir/big object"), UploadId: aws.String(id), MaxParts: aws.Int32(2)})
	if err != nil || len(lp.Parts) != 2 || !aws.ToBool(lp.IsTruncated) || aws.ToString(lp.NextPartNumberMarker) != "2" || aws.ToInt64(lp.Parts[1].Size) != 5*mib {
		t.Fatalf("ListParts: %v %+v", err, lp)
	}
	lp, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mp-bucket"), Key: aws.String("dir/big object"), UploadId: aws.String(id), PartNumberMarker: aws.String("2")})
	if err != nil || len(lp.Parts) != 1 || aws.ToInt32(lp.Parts[0].PartNumber) != 3 || aws.ToBool(lp.IsTruncated) {
		t.Fatalf("ListParts after 2: %v %+v", err, lp)
	}
	lu, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mp-bucket")})
	if err != nil || len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].UploadId) != id || aws.ToString(lu.Uploads[0].Key) != "dir/big object" {
		t.Fatalf("ListMultipartUploads: %v %+v", err, lu)
	}
	if _, ok := srv.Object("mp-bucket", "dir/big object"); ok {
		t.Fatal("the object exists before CompleteMultipartUpload")
	}

	out, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mp-bucket"), Key: aws.String("dir/big object"),
		UploadId: aws.String(id), MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	var md5s []byte
	for _, p := range parts {
		s := md5.Sum(p)
		md5s = append(md5s, s[:]...)
	}
	sum := md5.Sum(md5s)
	wantETag := `"` + hex.EncodeToString(sum[:]) + `-3"`
	if aws.ToString(out.ETag) != wantETag {
		t.Fatalf("ETag %s, want %s", aws.ToString(out.ETag), wantETag)
	}
	got, _ := srv.Object("mp-bucket", "dir/big object")
	if !bytes.Equal(got, bytes.Join(parts, nil)) {
		t.Fatalf("stored %d bytes, not the parts in order", len(got))
	}
	ho, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mp-bucket"), Key: aws.String("dir/big object")})
	if err != nil || aws.ToString(ho.ETag) != wantETag || aws.ToString(ho.ContentType) != "application/x-parts" ||
		ho.Metadata["mtime"] != "1700000000.5" || aws.ToInt64(ho.ContentLength) != 10*mib+1024 {
		t.Fatalf("HeadObject: %v %+v", err, ho)
	}
	lu, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mp-bucket")})
	if err != nil || len(lu.Uploads) != 0 {
		t.Fatalf("ListMultipartUploads after completion: %v %+v", err, lu.Uploads)
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mp-bucket"), Key: aws.String("dir/big object"), UploadId: aws.String(id),
		PartNumber: aws.Int32(4), Body: strings.NewReader("late")}); apiCode(err) != "NoSuchUpload" {
		t.Fatalf("UploadPart after completion: %v, want NoSuchUpload", err)
	}
}

// TestS3MultipartErrors: S3's rules for completing an upload, with its
// error codes; a refused completion leaves the upload as it was.
func TestS3MultipartErrors(t *testing.T) {
	srv, c := newMultipartServer(t)
	ctx := context.Background()
	small, big := pattern(1024, 7), pattern(5*mib, 8)
	complete := func(id string, parts ...types.CompletedPart) error {
		_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mp-bucket"), Key: aws.String("k"),
			UploadId: aws.String(id), MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		return err
	}
	id, done := uploadParts(t, c, "k", small, big)
	if err := complete(id, done...); apiCode(err) != "EntityTooSmall" {
		t.Errorf("a 1 KiB part before the last: %v, want EntityTooSmall", err)
	}
	if err := complete(id, done[1], done[0]); apiCode(err) != "InvalidPartOrder" {
		t.Errorf("parts out of order: %v, want InvalidPartOrder", err)
	}
	if err := complete(id, types.CompletedPart{PartNumber: aws.Int32(1), ETag: done[1].ETag}); apiCode(err) != "InvalidPart" {
		t.Errorf("a part with another part's ETag: %v, want InvalidPart", err)
	}
	if err := complete(id, types.CompletedPart{PartNumber: aws.Int32(9), ETag: done[0].ETag}); apiCode(err) != "InvalidPart" {
		t.Errorf("a part never uploaded: %v, want InvalidPart", err)
	}
	if err := complete("no-such-upload", done...); apiCode(err) != "NoSuchUpload" {
		t.Errorf("an unknown upload ID: %v, want NoSuchUpload", err)
	}
	if _, ok := srv.Object("mp-bucket", "k"); ok {
		t.Fatal("a refused completion stored the object")
	}
	// The last part alone may be small; a subset of the parts completes.
	if err := complete(id, done[0]); err != nil {
		t.Errorf("only part 1 (the last one listed): %v", err)
	}
	if got, _ := srv.Object("mp-bucket", "k"); !bytes.Equal(got, small) {
		t.Errorf("stored %d bytes, want part 1's %d", len(got), len(small))
	}

	id, _ = uploadParts(t, c, "k2", small)
	for _, n := range []int32{0, 10001} {
		if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mp-bucket"), Key: aws.String("k2"), UploadId: aws.String(id),
			PartNumber: aws.Int32(n), Body: strings.NewReader("x")}); apiCode(err) != "InvalidArgument" {
			t.Errorf("part number %d: %v, want InvalidArgument", n, err)
		}
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mp-bucket"), Key: aws.String("other-key"), UploadId: aws.String(id),
		PartNumber: aws.Int32(1), Body: strings.NewReader("x")}); apiCode(err) != "NoSuchUpload" {
		t.Errorf("the upload ID under another key: %v, want NoSuchUpload", err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mp-bucket"), Key: aws.String("k2"), UploadId: aws.String(id)}); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mp-bucket"), Key: aws.String("k2"), UploadId: aws.String(id)}); apiCode(err) != "NoSuchUpload" {
		t.Errorf("AbortMultipartUpload again: %v, want NoSuchUpload", err)
	}
	if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mp-bucket"), Key: aws.String("k2"), UploadId: aws.String(id)}); apiCode(err) != "NoSuchUpload" {
		t.Errorf("ListParts of an aborted upload: %v, want NoSuchUpload", err)
	}
	if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("nope"), Key: aws.String("k")}); apiCode(err) != "NoSuchBucket" {
		t.Errorf("CreateMultipartUpload in a missing bucket: %v, want NoSuchBucket", err)
	}
}

// TestS3UploadPartCopy: parts copied from an object, whole or by
// x-amz-copy-source-range, make an object of those bytes.
func TestS3UploadPartCopy(t *testing.T) {
	srv, c := newMultipartServer(t)
	ctx := context.Background()
	src := pattern(6*mib, 5)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("mp-bucket"), Key: aws.String("src obj+"), Body: bytes.NewReader(src)}); err != nil {
		t.Fatal(err)
	}
	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mp-bucket"), Key: aws.String("copy")})
	if err != nil {
		t.Fatal(err)
	}
	p1, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mp-bucket"), Key: aws.String("copy"), UploadId: cr.UploadId,
		PartNumber: aws.Int32(1), CopySource: aws.String("mp-bucket/src%20obj%2B")})
	if err != nil {
		t.Fatalf("UploadPartCopy whole: %v", err)
	}
	p2, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mp-bucket"), Key: aws.String("copy"), UploadId: cr.UploadId,
		PartNumber: aws.Int32(2), CopySource: aws.String("/mp-bucket/src%20obj%2B"), CopySourceRange: aws.String("bytes=10-19")})
	if err != nil {
		t.Fatalf("UploadPartCopy range: %v", err)
	}
	if _, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mp-bucket"), Key: aws.String("copy"), UploadId: cr.UploadId,
		PartNumber: aws.Int32(3), CopySource: aws.String("mp-bucket/src%20obj%2B"), CopySourceRange: aws.String("bytes=10-99999999")}); apiCode(err) != "InvalidArgument" {
		t.Errorf("a range past the source: %v, want InvalidArgument", err)
	}
	if _, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mp-bucket"), Key: aws.String("copy"), UploadId: cr.UploadId,
		PartNumber: aws.Int32(3), CopySource: aws.String("mp-bucket/missing")}); apiCode(err) != "NoSuchKey" {
		t.Errorf("a missing source: %v, want NoSuchKey", err)
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mp-bucket"), Key: aws.String("copy"), UploadId: cr.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: p1.CopyPartResult.ETag}, {PartNumber: aws.Int32(2), ETag: p2.CopyPartResult.ETag}}}})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	got, _ := srv.Object("mp-bucket", "copy")
	if want := append(append([]byte(nil), src...), src[10:20]...); !bytes.Equal(got, want) {
		t.Fatalf("stored %d bytes, want %d", len(got), len(want))
	}
}

// TestS3ListMultipartUploads: prefix, delimiter, max-uploads and the key
// and upload-ID markers page through the uploads in key order, then by
// initiation.
func TestS3ListMultipartUploads(t *testing.T) {
	_, c := newMultipartServer(t)
	ctx := context.Background()
	var ids []string
	for _, k := range []string{"a/1", "a/2", "b", "b", "c d"} {
		cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mp-bucket"), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(cr.UploadId))
	}
	list := func(in *s3.ListMultipartUploadsInput) (keys []string, next [2]string) {
		in.Bucket = aws.String("mp-bucket")
		out, err := c.ListMultipartUploads(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.CommonPrefixes {
			keys = append(keys, aws.ToString(p.Prefix))
		}
		for _, u := range out.Uploads {
			keys = append(keys, aws.ToString(u.Key)+"#"+aws.ToString(u.UploadId)[len(aws.ToString(u.UploadId))-4:])
		}
		if aws.ToBool(out.IsTruncated) {
			next = [2]string{aws.ToString(out.NextKeyMarker), aws.ToString(out.NextUploadIdMarker)}
		}
		return keys, next
	}
	tail := func(i int) string { return ids[i][len(ids[i])-4:] }
	join := func(s []string) string { return strings.Join(s, ",") }
	if got, _ := list(&s3.ListMultipartUploadsInput{Delimiter: aws.String("/")}); join(got) != "a/,b#"+tail(2)+",b#"+tail(3)+",c d#"+tail(4) {
		t.Errorf("delimiter: %v", got)
	}
	if got, _ := list(&s3.ListMultipartUploadsInput{Prefix: aws.String("a/")}); join(got) != "a/1#"+tail(0)+",a/2#"+tail(1) {
		t.Errorf("prefix: %v", got)
	}
	got, next := list(&s3.ListMultipartUploadsInput{MaxUploads: aws.Int32(3)})
	if join(got) != "a/1#"+tail(0)+",a/2#"+tail(1)+",b#"+tail(2) || next != [2]string{"b", ids[2]} {
		t.Fatalf("max-uploads 3: %v, next %v", got, next)
	}
	got, next = list(&s3.ListMultipartUploadsInput{KeyMarker: aws.String(next[0]), UploadIdMarker: aws.String(next[1])})
	if join(got) != "b#"+tail(3)+",c d#"+tail(4) || next != [2]string{} {
		t.Errorf("after the markers: %v, next %v", got, next)
	}
	if got, _ := list(&s3.ListMultipartUploadsInput{KeyMarker: aws.String("b")}); join(got) != "c d#"+tail(4) {
		t.Errorf("key-marker alone skips the key: %v", got)
	}
	out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mp-bucket"), Prefix: aws.String("c"), EncodingType: types.EncodingTypeUrl})
	if err != nil || len(out.Uploads) != 1 || aws.ToString(out.Uploads[0].Key) != "c+d" {
		t.Errorf("encoding-type url: %v %+v", err, out)
	}
}

// TestS3MultipartChecksums: an upload created with
// x-amz-checksum-algorithm (what botocore ≥ 1.36 sends by default) takes
// parts carrying that checksum, requires them listed on completion for a
// COMPOSITE checksum, and gets S3's checksum: of the parts' checksums with
// "-<parts>" (COMPOSITE), or of the whole data (FULL_OBJECT).
func TestS3MultipartChecksums(t *testing.T) {
	srv, c := newMultipartServer(t)
	ctx := context.Background()
	parts := [][]byte{pattern(5*mib, 1), pattern(100, 2)}
	create := func(key string, alg types.ChecksumAlgorithm, typ types.ChecksumType) (*s3.CreateMultipartUploadOutput, error) {
		return c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mp-bucket"), Key: aws.String(key), ChecksumAlgorithm: alg, ChecksumType: typ})
	}
	upload := func(key, id string, alg types.ChecksumAlgorithm) []types.CompletedPart {
		var done []types.CompletedPart
		for i, p := range parts {
			out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mp-bucket"), Key: aws.String(key), UploadId: aws.String(id),
				PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: alg})
			if err != nil {
				t.Fatalf("UploadPart %d: %v", i+1, err)
			}
			done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC64NVME: out.ChecksumCRC64NVME})
		}
		return done
	}
	complete := func(key, id string, done []types.CompletedPart, optFns ...func(*s3.CompleteMultipartUploadInput)) (*s3.CompleteMultipartUploadOutput, error) {
		in := &s3.CompleteMultipartUploadInput{Bucket: aws.String("mp-bucket"), Key: aws.String(key), UploadId: aws.String(id),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}
		for _, fn := range optFns {
			fn(in)
		}
		return c.CompleteMultipartUpload(ctx, in)
	}

	// COMPOSITE CRC32, the default for CRC32.
	cr, err := create("composite", types.ChecksumAlgorithmCrc32, "")
	if err != nil || cr.ChecksumAlgorithm != types.ChecksumAlgorithmCrc32 || cr.ChecksumType != types.ChecksumTypeComposite {
		t.Fatalf("CreateMultipartUpload CRC32: %v %+v", err, cr)
	}
	id := aws.ToString(cr.UploadId)
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mp-bucket"), Key: aws.String("composite"), UploadId: cr.UploadId,
		PartNumber: aws.Int32(9), Body: strings.NewReader("no checksum")}); apiCode(err) != "InvalidRequest" {
		t.Errorf("a part without the upload's checksum: %v, want InvalidRequest", err)
	}
	done := upload("composite", id, types.ChecksumAlgorithmCrc32)
	if aws.ToString(done[1].ChecksumCRC32) != checksumOf("crc32", parts[1]) {
		t.Fatalf("UploadPart answered CRC32 %q", aws.ToString(done[1].ChecksumCRC32))
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mp-bucket"), Key: aws.String("composite"), UploadId: cr.UploadId})
	if err != nil || lp.ChecksumAlgorithm != types.ChecksumAlgorithmCrc32 || aws.ToString(lp.Parts[0].ChecksumCRC32) != checksumOf("crc32", parts[0]) {
		t.Errorf("ListParts: %v %+v", err, lp)
	}
	bare := []types.CompletedPart{{PartNumber: done[0].PartNumber, ETag: done[0].ETag}, done[1]}
	if _, err := complete("composite", id, bare); apiCode(err) != "InvalidRequest" {
		t.Errorf("completion without a part's checksum: %v, want InvalidRequest", err)
	}
	wrong := []types.CompletedPart{{PartNumber: done[0].PartNumber, ETag: done[0].ETag, ChecksumCRC32: done[1].ChecksumCRC32}, done[1]}
	if _, err := complete("composite", id, wrong); apiCode(err) != "InvalidPart" {
		t.Errorf("completion with another part's checksum: %v, want InvalidPart", err)
	}
	out, err := complete("composite", id, done)
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	raw0, _ := base64.StdEncoding.DecodeString(checksumOf("crc32", parts[0]))
	raw1, _ := base64.StdEncoding.DecodeString(checksumOf("crc32", parts[1]))
	wantComposite := checksumOf("crc32", append(raw0, raw1...)) + "-2"
	if aws.ToString(out.ChecksumCRC32) != wantComposite || out.ChecksumType != types.ChecksumTypeComposite {
		t.Errorf("composite checksum %q (%s), want %q", aws.ToString(out.ChecksumCRC32), out.ChecksumType, wantComposite)
	}
	ho, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mp-bucket"), Key: aws.String("composite"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil || aws.ToString(ho.ChecksumCRC32) != wantComposite || ho.ChecksumType != types.ChecksumTypeComposite {
		t.Errorf("HeadObject with checksum mode: %v %q %s", err, aws.ToString(ho.ChecksumCRC32), ho.ChecksumType)
	}
	g, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mp-bucket"), Key: aws.String("composite"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatalf("GetObject with checksum mode: %v", err)
	}
	if b, err := io.ReadAll(g.Body); err != nil || !bytes.Equal(b, bytes.Join(parts, nil)) {
		t.Errorf("GetObject: %v, %d bytes", err, len(b))
	}
	_ = g.Body.Close()

	// FULL_OBJECT CRC64NVME, the only type it has.
	cr, err = create("full", types.ChecksumAlgorithmCrc64nvme, "")
	if err != nil || cr.ChecksumType != types.ChecksumTypeFullObject {
		t.Fatalf("CreateMultipartUpload CRC64NVME: %v %+v", err, cr)
	}
	done = upload("full", aws.ToString(cr.UploadId), types.ChecksumAlgorithmCrc64nvme)
	whole := checksumOf("crc64nvme", bytes.Join(parts, nil))
	if _, err := complete("full", aws.ToString(cr.UploadId), done, func(in *s3.CompleteMultipartUploadInput) {
		in.ChecksumCRC64NVME = aws.String(checksumOf("crc64nvme", []byte("other")))
	}); apiCode(err) != "BadDigest" {
		t.Errorf("a wrong full-object checksum: %v, want BadDigest", err)
	}
	out, err = complete("full", aws.ToString(cr.UploadId), done, func(in *s3.CompleteMultipartUploadInput) { in.ChecksumCRC64NVME = aws.String(whole) })
	if err != nil || aws.ToString(out.ChecksumCRC64NVME) != whole || out.ChecksumType != types.ChecksumTypeFullObject {
		t.Fatalf("CompleteMultipartUpload FULL_OBJECT: %v %+v", err, out)
	}
	g, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mp-bucket"), Key: aws.String("full"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(g.Body); err != nil || !bytes.Equal(b, bytes.Join(parts, nil)) || aws.ToString(g.ChecksumCRC64NVME) != whole {
		t.Errorf("GetObject FULL_OBJECT (validated by the SDK): %v, %d bytes, %q", err, len(b), aws.ToString(g.ChecksumCRC64NVME))
	}
	_ = g.Body.Close()

	// A copied part gets its checksum computed.
	cr, err = create("copied", types.ChecksumAlgorithmCrc32, types.ChecksumTypeFullObject)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mp-bucket"), Key: aws.String("copied"), UploadId: cr.UploadId,
		PartNumber: aws.Int32(1), CopySource: aws.String("mp-bucket/full"), CopySourceRange: aws.String("bytes=0-99")})
	if err != nil || aws.ToString(pc.CopyPartResult.ChecksumCRC32) != checksumOf("crc32", parts[0][:100]) {
		t.Errorf("UploadPartCopy into a CRC32 upload: %v %+v", err, pc)
	}

	for _, tc := range []struct {
		alg types.ChecksumAlgorithm
		typ types.ChecksumType
	}{{types.ChecksumAlgorithmSha256, types.ChecksumTypeFullObject}, {types.ChecksumAlgorithmCrc64nvme, types.ChecksumTypeComposite}, {"MD4", ""}, {"", types.ChecksumTypeComposite}} {
		if _, err := create("bad", tc.alg, tc.typ); apiCode(err) != "InvalidRequest" {
			t.Errorf("CreateMultipartUpload %q %q: %v, want InvalidRequest", tc.alg, tc.typ, err)
		}
	}
	if _, ok := srv.Object("mp-bucket", "bad"); ok {
		t.Error("a refused upload made an object")
	}
}
