package iamtest

import (
	"bytes"
	"testing"

	"github.com/iamkit/iamkit/iam/iamtest/internal/sigv4verify"
)

// FuzzS3AuthParsing: the Authorization parser and the aws-chunked decoder
// (unsigned, signed, with trailers) never panic, whatever a client sends,
// and never decode more than they were given or than the cap.
func FuzzS3AuthParsing(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-2/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd", []byte("5\r\nhello\r\n0\r\n\r\n"))
	f.Add("AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=, Signature=", []byte("ffffffffffffffff\r\n"))
	f.Add("Basic xyz", []byte("zz;ext\r\n"))
	f.Add("AWS4-HMAC-SHA256 Credential=AK/20260101/r/s3/aws4_request,SignedHeaders=host,Signature=00", []byte("5;chunk-signature=00\r\nhello\r\n0;chunk-signature=00\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:00\r\n\r\n"))
	f.Fuzz(func(t *testing.T, h string, body []byte) {
		sig, err := sigv4verify.ParseAuthorization(h, sigv4verify.AWS4)
		if err == nil && (sig.AccessKeyID == "" || sig.Signature == "" || len(sig.SignedHeaders) == 0) {
			t.Fatalf("accepted an incomplete header: %+v", sig)
		}
		const limit = 1 << 10
		announced := map[string]bool{"x-amz-checksum-crc32": true}
		for _, trailer := range []bool{false, true} {
			out, derr := decodeAWSChunked(bytes.NewReader(body), nil, trailer, announced, limit)
			if derr == nil && (len(out.data) > len(body) || len(out.data) > limit) {
				t.Fatalf("decoded %d bytes from %d", len(out.data), len(body))
			}
			if sig != nil {
				sig.AmzDate = "20260101T000000Z"
				chain := sigv4verify.NewChunkChain(sig, "secret", nil)
				if _, derr := decodeAWSChunked(bytes.NewReader(body), chain, trailer, announced, limit); derr == nil {
					t.Fatal("a forged signed body was accepted")
				}
			}
		}
	})
}
