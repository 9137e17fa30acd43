package iamtest

import "testing"

// FuzzS3AuthParsing: the Authorization parser and the aws-chunked decoder
// never panic, whatever a client sends.
func FuzzS3AuthParsing(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-2/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd", []byte("5\r\nhello\r\n0\r\n\r\n"))
	f.Add("AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=, Signature=", []byte("ffffffffffffffff\r\n"))
	f.Add("Basic xyz", []byte("zz;ext\r\n"))
	f.Fuzz(func(t *testing.T, h string, body []byte) {
		a, err := parseAuthorization(h)
		if err == nil && (a.AccessKeyID == "" || a.Signature == "" || len(a.SignedHeaders) == 0) {
			t.Fatalf("accepted an incomplete header: %+v", a)
		}
		out, derr := decodeAWSChunked(body)
		if derr == nil && len(out) > len(body) {
			t.Fatalf("decoded %d bytes from %d", len(out), len(body))
		}
	})
}
