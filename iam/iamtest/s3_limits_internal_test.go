package iamtest

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest/internal/sigv4verify"
)

const (
	limitsAKID   = "AKIDLIMITS0000000001"
	limitsSecret = "limits-secret"
)

// newLimitsServer starts an S3 emulator whose handler the test calls
// directly, so that it sees what the handler reads of a body; it has a
// bucket "bkt".
func newLimitsServer(t *testing.T, optFns ...func(*S3Options)) *S3Server {
	t.Helper()
	s, err := NewS3Server(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.Registry.PutS3Key(S3Key{AccessKeyID: limitsAKID, Secret: iam.NewSecret(limitsSecret), Active: true})
	if rec := serveSigned(t, s, http.MethodPut, "/bkt", nil, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", nil); rec.Code != 200 {
		t.Fatalf("CreateBucket: %d %s", rec.Code, rec.Body)
	}
	return s
}

// serveSigned signs a request (over host, x-amz-content-sha256,
// x-amz-date and the headers given) and has the server's handler answer
// it.
func serveSigned(t *testing.T, s *S3Server, method, target string, body io.Reader, payloadHash string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	if body == nil {
		r.ContentLength = 0
	} else {
		r.ContentLength = -1
	}
	names := []string{"host", "x-amz-content-sha256", "x-amz-date"}
	for k, vs := range header {
		r.Header[k] = vs
		names = append(names, strings.ToLower(k))
	}
	sort.Strings(names)
	now := time.Now().UTC()
	r.Header.Set("X-Amz-Date", now.Format(sigv4verify.TimeFormat))
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	sig := &sigv4verify.Signature{Scheme: sigv4verify.AWS4, AccessKeyID: limitsAKID, Date: now.Format("20060102"),
		Region: "us-east-1", Service: "s3", SignedHeaders: names}
	v, err := sigv4verify.S3.Sign(r, sig, payloadHash, limitsSecret)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+limitsAKID+"/"+sig.Scope()+", SignedHeaders="+strings.Join(names, ";")+", Signature="+v)
	rec := httptest.NewRecorder()
	s.serveHTTP(rec, r)
	return rec
}

func errorCode(rec *httptest.ResponseRecorder) string {
	var e struct{ Code string }
	_ = xml.Unmarshal(rec.Body.Bytes(), &e)
	return e.Code
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// repeatReader yields line n times.
type repeatReader struct {
	line []byte
	n    int
	off  int
}

func (l *repeatReader) Read(p []byte) (int, error) {
	w := 0
	for w < len(p) && l.n > 0 {
		c := copy(p[w:], l.line[l.off:])
		w += c
		l.off += c
		if l.off == len(l.line) {
			l.off, l.n = 0, l.n-1
		}
	}
	if w == 0 {
		return 0, io.EOF
	}
	return w, nil
}

// TestS3TrailerSectionIsBounded: the trailer section of a streaming
// upload is limited (review of issue 14: "0\r\n" and 200 MiB of
// "x-amz-checksum-crc32:AAAAAA==" lines were read whole, kept and
// accepted, with MaxObjectSize 1 MiB): an endless section, a repeated
// trailer and an unannounced one are each refused with
// MalformedTrailerError as soon as the line is read, having read at most
// a buffer's worth of the body.
func TestS3TrailerSectionIsBounded(t *testing.T) {
	s := newLimitsServer(t, func(o *S3Options) { o.MaxObjectSize = 1 << 20 })
	const bound = 128 << 10 // the decoder's 64 KiB buffer, and some
	for _, tc := range []struct {
		name, key, line string
	}{
		{"repeated announced trailer", "repeated", "x-amz-checksum-crc32:AAAAAA==\r\n"}, // the CRC32 of nothing
		{"unannounced trailer", "unannounced", "x-amz-meta-flood:" + strings.Repeat("f", 40) + "\r\n"},
		{"one endless trailer line", "endless", strings.Repeat("x", 1<<10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flood := &repeatReader{line: []byte(tc.line), n: (32 << 20) / len(tc.line)}
			body := &countingReader{r: io.MultiReader(strings.NewReader("0\r\n"), flood, strings.NewReader("\r\n"))}
			rec := serveSigned(t, s, http.MethodPut, "/bkt/"+tc.key, body, streamingUnsignedTrail, http.Header{
				"Content-Encoding":             {"aws-chunked"},
				"X-Amz-Decoded-Content-Length": {"0"},
				"X-Amz-Trailer":                {"x-amz-checksum-crc32"},
			})
			if rec.Code != 400 || errorCode(rec) != "MalformedTrailerError" {
				t.Errorf("answer %d %s, want 400 MalformedTrailerError", rec.Code, errorCode(rec))
			}
			if body.n > bound {
				t.Errorf("read %d bytes of the body before answering, want at most %d", body.n, bound)
			}
			if _, ok := s.Object("bkt", tc.key); ok {
				t.Error("the object was stored")
			}
		})
	}
}
