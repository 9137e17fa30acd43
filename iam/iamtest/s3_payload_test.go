package iamtest_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/internal/sigv4verify"
)

// checksumOf computes an additional checksum as S3 defines it (base64 of
// the big-endian CRC, or of the digest).
func checksumOf(alg string, data []byte) string {
	var raw []byte
	switch alg {
	case "crc32":
		raw = binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(data))
	case "crc32c":
		raw = binary.BigEndian.AppendUint32(nil, crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	case "crc64nvme":
		raw = binary.BigEndian.AppendUint64(nil, crc64.Checksum(data, crc64.MakeTable(0x9a6c9329ac4bc9b5)))
	case "sha1":
		s := sha1.Sum(data)
		raw = s[:]
	case "sha256":
		s := sha256.Sum256(data)
		raw = s[:]
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// awsChunked encodes chunks as aws-chunked: signed with chain if not nil,
// then the final empty chunk, the trailers ("name:value") and, signed,
// x-amz-trailer-signature.
func awsChunked(chunks [][]byte, chain *sigv4verify.ChunkChain, trailers ...string) []byte {
	var b bytes.Buffer
	for _, c := range append(chunks, nil) {
		fmt.Fprintf(&b, "%x", len(c))
		if chain != nil {
			sum := sha256.Sum256(c)
			b.WriteString(";chunk-signature=" + chain.SignChunk(sum[:]))
		}
		b.WriteString("\r\n")
		if len(c) > 0 {
			b.Write(c)
			b.WriteString("\r\n")
		}
	}
	for _, tr := range trailers {
		b.WriteString(tr + "\r\n")
	}
	if chain != nil && len(trailers) > 0 {
		b.WriteString("x-amz-trailer-signature:" + chain.SignTrailer([]byte(strings.Join(trailers, "\n")+"\n")) + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// streamingPut builds a signed streaming PutObject of chunks: the headers
// signed, then the body encoded with the chain the seed signature starts.
// edit may change the encoded body.
func streamingPut(t *testing.T, srv *iamtest.S3Server, key, mode string, chunks [][]byte, trailers []string, edit func([]byte) []byte) *http.Request {
	t.Helper()
	return streamingPutLength(t, srv, key, mode, chunks, trailers, edit, []string{strconv.Itoa(len(bytes.Join(chunks, nil)))})
}

// streamingPutLength is streamingPut with the x-amz-decoded-content-length
// values given (none: the header is left out).
func streamingPutLength(t *testing.T, srv *iamtest.S3Server, key, mode string, chunks [][]byte, trailers []string, edit func([]byte) []byte, decoded []string) *http.Request {
	t.Helper()
	req := newReq(t, http.MethodPut, srv.URL+"/streams/"+key, nil)
	req.Header.Set("Content-Encoding", "aws-chunked")
	signed := []string{"content-encoding"}
	if len(decoded) > 0 {
		req.Header["X-Amz-Decoded-Content-Length"] = decoded
		signed = append(signed, "x-amz-decoded-content-length")
	}
	if len(trailers) > 0 {
		name, _, _ := strings.Cut(trailers[0], ":")
		req.Header.Set("X-Amz-Trailer", name)
		signed = append(signed, "x-amz-trailer")
	}
	seed := signS3(t, req, mode, signed...)
	var chain *sigv4verify.ChunkChain
	if mode != "STREAMING-UNSIGNED-PAYLOAD-TRAILER" {
		chain = sigv4verify.NewChunkChain(seed, sigSecret, nil)
	}
	body := awsChunked(chunks, chain, trailers...)
	if edit != nil {
		body = edit(body)
	}
	req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return req
}

func newStreamServer(t *testing.T) *iamtest.S3Server {
	t.Helper()
	srv := newSigServer(t)
	req := newReq(t, http.MethodPut, srv.URL+"/streams", nil)
	signS3(t, req, sha256Hex(nil))
	if st, code, b := send(t, req); st != 200 {
		t.Fatalf("CreateBucket: %d %s %s", st, code, b)
	}
	return srv
}

// TestS3SignedStreamingUpload: STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies
// are decoded with every chunk signature verified; a forged chunk,
// reordered chunks, a short body, a small chunk before the last and a
// wrong decoded length are refused and store nothing (issue 14: signed
// streaming was 501).
func TestS3SignedStreamingUpload(t *testing.T) {
	srv := newStreamServer(t)
	const mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	chunks := [][]byte{bytes.Repeat([]byte("a"), 8192), bytes.Repeat([]byte("b"), 8192), []byte("the last chunk")}
	if st, code, b := send(t, streamingPut(t, srv, "ok", mode, chunks, nil, nil)); st != 200 {
		t.Fatalf("valid streaming upload: %d %s %s", st, code, b)
	}
	if got, _ := srv.Object("streams", "ok"); !bytes.Equal(got, bytes.Join(chunks, nil)) {
		t.Fatalf("stored %d bytes, want %d", len(got), len(bytes.Join(chunks, nil)))
	}
	tests := []struct {
		name   string
		chunks [][]byte
		edit   func([]byte) []byte
		status int
		code   string
	}{
		{"forged chunk", chunks, func(b []byte) []byte { i := bytes.Index(b, []byte("bbbb")); b[i] = 'B'; return b }, 403, "SignatureDoesNotMatch"},
		{"forged last chunk", chunks, func(b []byte) []byte { return bytes.Replace(b, []byte("the last"), []byte("the LAST"), 1) }, 403, "SignatureDoesNotMatch"},
		{"chunk signature zeroed", chunks, func(b []byte) []byte {
			i := bytes.Index(b, []byte("chunk-signature=")) + len("chunk-signature=")
			copy(b[i:], strings.Repeat("0", 64))
			return b
		}, 403, "SignatureDoesNotMatch"},
		{"no chunk signature", chunks, func(b []byte) []byte {
			i := bytes.Index(b, []byte(";chunk-signature="))
			return append(b[:i:i], b[i+len(";chunk-signature=")+64:]...)
		}, 403, "SignatureDoesNotMatch"},
		{"final chunk missing", chunks, func(b []byte) []byte { return b[:bytes.LastIndex(b, []byte("0;chunk-signature"))] }, 400, "IncompleteBody"},
		{"small chunk before the last", [][]byte{[]byte("small"), bytes.Repeat([]byte("c"), 8192)}, nil, 400, "InvalidChunkSizeError"},
		{"a trailer without -TRAILER", chunks, func(b []byte) []byte {
			return append(b[:len(b)-2], []byte("x-amz-checksum-crc32:AAAAAA==\r\n\r\n")...)
		}, 400, "MalformedTrailerError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, code, b := send(t, streamingPut(t, srv, "refused", mode, tc.chunks, nil, tc.edit))
			if st != tc.status || code != tc.code {
				t.Fatalf("%d %s %s, want %d %s", st, code, b, tc.status, tc.code)
			}
			if _, ok := srv.Object("streams", "refused"); ok {
				t.Fatal("the object was stored")
			}
		})
	}
	// Chunks in another order: each signature follows the one before.
	a := streamingPut(t, srv, "refused", mode, [][]byte{chunks[0], chunks[1], chunks[2]}, nil, nil)
	body, _ := io.ReadAll(a.Body)
	first := bytes.Index(body, []byte("\r\n"+strings.Repeat("a", 8192)+"\r\n"))
	second := bytes.Index(body, []byte("\r\n"+strings.Repeat("b", 8192)+"\r\n"))
	hdr1 := body[:first+2]
	hdr2 := body[first+2+8192+2 : second+2]
	swapped := append(append(append(append([]byte(nil), hdr2...), chunks[1]...), "\r\n"...), hdr1...)
	swapped = append(append(swapped, chunks[0]...), "\r\n"...)
	swapped = append(swapped, body[second+2+8192+2:]...)
	a.Body, a.ContentLength = io.NopCloser(bytes.NewReader(swapped)), int64(len(swapped))
	if st, code, _ := send(t, a); st != 403 || code != "SignatureDoesNotMatch" {
		t.Errorf("chunks swapped with their signatures: %d %s, want 403 SignatureDoesNotMatch", st, code)
	}
	// The decoded length must be the one signed.
	r := streamingPut(t, srv, "refused", mode, chunks, nil, nil)
	r.Header.Set("X-Amz-Decoded-Content-Length", "1")
	if st, code, _ := send(t, r); st != 403 || code != "SignatureDoesNotMatch" {
		t.Errorf("a changed decoded length: %d %s, want 403 SignatureDoesNotMatch", st, code)
	}
}

// TestS3StreamingTrailers: the trailing checksum of
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER (with its trailer
// signature) and STREAMING-UNSIGNED-PAYLOAD-TRAILER is verified (issue
// 14: a wrong trailing CRC32 was accepted and stored).
func TestS3StreamingTrailers(t *testing.T) {
	srv := newStreamServer(t)
	chunks := [][]byte{bytes.Repeat([]byte("t"), 9000), []byte("tail")}
	data := bytes.Join(chunks, nil)
	good := "x-amz-checksum-crc32:" + checksumOf("crc32", data)
	wrong := "x-amz-checksum-crc32:" + checksumOf("crc32", []byte("something else"))
	tests := []struct {
		name, mode string
		trailers   []string
		edit       func([]byte) []byte
		announce   string // X-Amz-Trailer, when not the trailer's name
		status     int
		code       string
	}{
		{"signed, right checksum", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", []string{good}, nil, "", 200, ""},
		{"signed, wrong checksum", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", []string{wrong}, nil, "", 400, "BadDigest"},
		{"signed, trailer changed", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", []string{good}, func(b []byte) []byte {
			return bytes.Replace(b, []byte(good), []byte(wrong), 1)
		}, "", 403, "SignatureDoesNotMatch"},
		{"signed, no trailer signature", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", []string{good}, func(b []byte) []byte {
			i := bytes.Index(b, []byte("x-amz-trailer-signature:"))
			return append(b[:i:i], []byte("\r\n")...)
		}, "", 403, "SignatureDoesNotMatch"},
		{"unsigned, right checksum", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", []string{good}, nil, "", 200, ""},
		{"unsigned, wrong checksum", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", []string{wrong}, nil, "", 400, "BadDigest"},
		{"unsigned, crc32c", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", []string{"x-amz-checksum-crc32c:" + checksumOf("crc32c", data)}, nil, "", 200, ""},
		{"unsigned, malformed checksum", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", []string{"x-amz-checksum-crc32:AAAA"}, nil, "", 400, "InvalidRequest"},
		{"unsigned, trailer not announced", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", []string{good}, nil, "x-amz-checksum-sha256", 400, "MalformedTrailerError"},
		{"unsigned, announced trailer missing", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", []string{good}, func(b []byte) []byte {
			return bytes.Replace(b, []byte(good+"\r\n"), nil, 1)
		}, "", 400, "MalformedTrailerError"},
		{"unsigned, trailer repeated", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", []string{good, good}, nil, "", 400, "MalformedTrailerError"},
		{"signed, trailer signature repeated", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", []string{good}, func(b []byte) []byte {
			i := bytes.Index(b, []byte("x-amz-trailer-signature:"))
			line := b[i : i+len("x-amz-trailer-signature:")+64+2]
			return append(b[:i:i], append(append(append([]byte(nil), line...), line...), "\r\n"...)...)
		}, "", 400, "MalformedTrailerError"},
		{"unsigned, data after the trailers", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", []string{good}, func(b []byte) []byte {
			return append(b, "more"...)
		}, "", 400, "IncompleteBody"},
		{"unsigned, a chunk signature", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", []string{good}, func(b []byte) []byte {
			return bytes.Replace(b, []byte("2328\r\n"), []byte("2328;chunk-signature=00\r\n"), 1)
		}, "", 400, "IncompleteBody"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := streamingPut(t, srv, "obj", tc.mode, chunks, tc.trailers, tc.edit)
			if tc.announce != "" {
				// Re-sign with another announced trailer.
				req.Header.Set("X-Amz-Trailer", tc.announce)
				body := req.Body
				signS3(t, req, tc.mode, "content-encoding", "x-amz-decoded-content-length", "x-amz-trailer")
				req.Body = body
			}
			st, code, b := send(t, req)
			if st != tc.status || code != tc.code {
				t.Fatalf("%d %s %s, want %d %s", st, code, b, tc.status, tc.code)
			}
			got, ok := srv.Object("streams", "obj")
			if tc.status == 200 && !bytes.Equal(got, data) {
				t.Fatalf("stored %d bytes, want %d", len(got), len(data))
			}
			if tc.status != 200 && ok {
				t.Fatal("a refused upload was stored")
			}
			if ok {
				req := newReq(t, http.MethodDelete, srv.URL+"/streams/obj", nil)
				signS3(t, req, sha256Hex(nil))
				send(t, req)
			}
		})
	}
}

// TestS3Checksums: x-amz-checksum-* headers (CRC32, CRC32C, CRC64NVME,
// SHA1, SHA256) and Content-MD5 are verified when sent, answered back,
// and the checksum returned by GET with x-amz-checksum-mode: ENABLED.
func TestS3Checksums(t *testing.T) {
	srv := newStreamServer(t)
	data := []byte("checksummed data")
	putWith := func(headers map[string]string) (int, string, *http.Response) {
		req := newReq(t, http.MethodPut, srv.URL+"/streams/sum", data)
		var signed []string
		for k, v := range headers {
			req.Header.Set(k, v)
			signed = append(signed, strings.ToLower(k))
		}
		signS3(t, req, sha256Hex(data), signed...)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		var code string
		if i := bytes.Index(b, []byte("<Code>")); i >= 0 {
			code = string(b[i+6 : i+6+bytes.IndexByte(b[i+6:], '<')])
		}
		return resp.StatusCode, code, resp
	}
	for _, alg := range []string{"crc32", "crc32c", "crc64nvme", "sha1", "sha256"} {
		h := "X-Amz-Checksum-" + alg
		st, code, resp := putWith(map[string]string{h: checksumOf(alg, data), "X-Amz-Sdk-Checksum-Algorithm": strings.ToUpper(alg)})
		if st != 200 || resp.Header.Get(h) != checksumOf(alg, data) {
			t.Errorf("%s right: %d %s, answered %q", alg, st, code, resp.Header.Get(h))
		}
		req := newReq(t, http.MethodGet, srv.URL+"/streams/sum", nil)
		req.Header.Set("X-Amz-Checksum-Mode", "ENABLED")
		signS3(t, req, sha256Hex(nil), "x-amz-checksum-mode")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.Header.Get(h) != checksumOf(alg, data) {
			t.Errorf("%s: GET with checksum mode: %v %v", alg, err, resp.Header)
		} else {
			_ = resp.Body.Close()
		}
		if st, code, _ := putWith(map[string]string{h: checksumOf(alg, []byte("other"))}); st != 400 || code != "BadDigest" {
			t.Errorf("%s wrong: %d %s, want 400 BadDigest", alg, st, code)
		}
		if st, code, _ := putWith(map[string]string{h: "AAAA"}); st != 400 || code != "InvalidRequest" {
			t.Errorf("%s malformed: %d %s, want 400 InvalidRequest", alg, st, code)
		}
	}
	if got, _ := srv.Object("streams", "sum"); !bytes.Equal(got, data) {
		t.Errorf("stored %q", got)
	}
	md5sum := md5.Sum(data)
	tests := []struct {
		name    string
		headers map[string]string
		status  int
		code    string
	}{
		{"Content-MD5 right", map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(md5sum[:])}, 200, ""},
		{"Content-MD5 wrong", map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(make([]byte, 16))}, 400, "BadDigest"},
		{"Content-MD5 malformed", map[string]string{"Content-MD5": "abc"}, 400, "InvalidDigest"},
		{"two checksums", map[string]string{"X-Amz-Checksum-Crc32": checksumOf("crc32", data), "X-Amz-Checksum-Sha1": checksumOf("sha1", data)}, 400, "InvalidRequest"},
		{"algorithm without a checksum", map[string]string{"X-Amz-Sdk-Checksum-Algorithm": "CRC32"}, 400, "InvalidRequest"},
		{"algorithm naming another checksum", map[string]string{"X-Amz-Sdk-Checksum-Algorithm": "SHA256", "X-Amz-Checksum-Crc32": checksumOf("crc32", data)}, 400, "InvalidRequest"},
		{"a trailer announced on a plain body", map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"}, 400, "MalformedTrailerError"},
	}
	for _, tc := range tests {
		if st, code, _ := putWith(tc.headers); st != tc.status || code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, st, code, tc.status, tc.code)
		}
	}
	// Without any Content-Type, S3 stores binary/octet-stream.
	req := newReq(t, http.MethodHead, srv.URL+"/streams/sum", nil)
	signS3(t, req, sha256Hex(nil))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.Header.Get("Content-Type") != "binary/octet-stream" {
		t.Errorf("Content-Type of an object put without one: %v %v", err, resp.Header)
	}
}

// TestS3DefaultSDKChecksums: aws-sdk-go-v2 with its default settings
// (over plain HTTP it signs amz-sdk-invocation-id and amz-sdk-request and
// sends no checksum unless asked) works against the emulator, and so do
// the checksums it sends when asked (CRC32 and SHA256 up, validated
// down).
func TestS3DefaultSDKChecksums(t *testing.T) {
	srv := startS3(t)
	defer srv.Close()
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: "AKIDDEFAULTS00000001", Secret: iam.NewSecret("defaults-secret"), Active: true})
	c := s3.New(s3.Options{Region: "eu-west-2", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, RetryMaxAttempts: 1,
		Credentials: awscreds.NewStaticCredentialsProvider("AKIDDEFAULTS00000001", "defaults-secret", "")})
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("defaults")}); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("default checksums "), 5000)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("defaults"), Key: aws.String("plain"), Body: bytes.NewReader(data)}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmSha256} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("defaults"), Key: aws.String("k"), Body: bytes.NewReader(data), ChecksumAlgorithm: alg}); err != nil {
			t.Fatalf("PutObject %s: %v", alg, err)
		}
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("defaults"), Key: aws.String("k"), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(out.Body)
		_ = out.Body.Close()
		got := aws.ToString(out.ChecksumCRC32) + aws.ToString(out.ChecksumSHA256)
		if err != nil || !bytes.Equal(b, data) || got != checksumOf(strings.ToLower(string(alg)), data) {
			t.Fatalf("GetObject %s: %v, %d bytes, checksum %q", alg, err, len(b), got)
		}
	}
	if st := srv.Stats(); st.Errors["BadDigest"] != 0 || len(st.Errors) != 0 {
		t.Fatalf("errors: %v", st.Errors)
	}
}

// TestS3StreamingRequiresTheDecodedLength: a streaming upload without
// x-amz-decoded-content-length, which S3 requires of every streaming
// request, or with one that is not a single non-negative integer, is
// refused as S3 refuses it (411 MissingContentLength) and stores nothing
// (review of issue 14: it was accepted). aws-sdk-go-v2 leaves the header
// out only for a body of unknown length, which it streams only over
// HTTPS, and S3 refuses that request too.
func TestS3StreamingRequiresTheDecodedLength(t *testing.T) {
	srv := newStreamServer(t)
	chunks := [][]byte{[]byte("tail")}
	crc := []string{"x-amz-checksum-crc32:" + checksumOf("crc32", []byte("tail"))}
	for _, tc := range []struct {
		mode     string
		trailers []string
		decoded  []string
	}{
		{"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", nil, nil},
		{"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", crc, nil},
		{"STREAMING-UNSIGNED-PAYLOAD-TRAILER", crc, nil},
		{"STREAMING-UNSIGNED-PAYLOAD-TRAILER", crc, []string{"abc"}},
		{"STREAMING-UNSIGNED-PAYLOAD-TRAILER", crc, []string{"-4"}},
		{"STREAMING-UNSIGNED-PAYLOAD-TRAILER", crc, []string{"4", "4"}},
	} {
		st, code, b := send(t, streamingPutLength(t, srv, "nodl", tc.mode, chunks, tc.trailers, nil, tc.decoded))
		if st != 411 || code != "MissingContentLength" {
			t.Errorf("%s, x-amz-decoded-content-length %q: %d %s %s, want 411 MissingContentLength", tc.mode, tc.decoded, st, code, b)
		}
		if _, ok := srv.Object("streams", "nodl"); ok {
			t.Fatalf("%s, x-amz-decoded-content-length %q: the object was stored", tc.mode, tc.decoded)
		}
	}
}
