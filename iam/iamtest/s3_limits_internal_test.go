package iamtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
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

// sha256Hex is the hex SHA-256 of b.
func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// serveBody is serveSigned with a body signed by its SHA-256.
func serveBody(t *testing.T, s *S3Server, method, target string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	rec := serveSigned(t, s, method, target, bytes.NewReader(body), sha256Hex(body), nil)
	return rec
}

// startUpload creates a multipart upload of key in bucket "bkt" with
// parts of the sizes given and returns its ID and the body of a
// CompleteMultipartUpload listing them.
func startUpload(t *testing.T, s *S3Server, key string, sizes ...int) (string, []byte) {
	t.Helper()
	rec := serveBody(t, s, http.MethodPost, "/bkt/"+key+"?uploads", nil)
	var cr struct{ UploadId string }
	if err := xml.Unmarshal(rec.Body.Bytes(), &cr); err != nil || rec.Code != 200 {
		t.Fatalf("CreateMultipartUpload: %d %s", rec.Code, rec.Body)
	}
	var complete bytes.Buffer
	complete.WriteString("<CompleteMultipartUpload>")
	for i, n := range sizes {
		rec := serveBody(t, s, http.MethodPut, "/bkt/"+key+"?partNumber="+strconv.Itoa(i+1)+"&uploadId="+cr.UploadId, bytes.Repeat([]byte{byte('a' + i)}, n))
		if rec.Code != 200 {
			t.Fatalf("UploadPart %d: %d %s", i+1, rec.Code, rec.Body)
		}
		fmt.Fprintf(&complete, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i+1, rec.Header().Get("ETag"))
	}
	complete.WriteString("</CompleteMultipartUpload>")
	return cr.UploadId, complete.Bytes()
}

// whileAssembling has the next completion run fn as it assembles its
// parts, once; it fails the test (and skips fn, which would deadlock)
// if the server-wide lock is held then.
func whileAssembling(t *testing.T, s *S3Server, fn func()) {
	s.assembling = func() {
		s.assembling = nil
		if !s.mu.TryLock() {
			t.Error("the server-wide lock is held while the parts are assembled")
			return
		}
		s.mu.Unlock()
		fn()
	}
}

// TestS3CompleteAssemblesOutsideTheLock: a CompleteMultipartUpload copies
// and checksums its parts (up to MaxObjectSize, 512 MiB by default)
// without holding the server-wide lock (review of issue 14: every other
// request waited): another request is answered meanwhile. It then
// commits only if the upload is still there with the parts it used:
// aborted meanwhile, it is NoSuchUpload; a listed part replaced meanwhile
// is checked again (InvalidPart when its ETag no longer matches); nothing
// is stored either way.
func TestS3CompleteAssemblesOutsideTheLock(t *testing.T) {
	s := newLimitsServer(t)
	id, complete := startUpload(t, s, "free", 5<<20, 10)
	answered := false
	whileAssembling(t, s, func() {
		rec := serveBody(t, s, http.MethodPut, "/bkt/other", []byte("other"))
		answered = rec.Code == 200
	})
	if rec := serveBody(t, s, http.MethodPost, "/bkt/free?uploadId="+id, complete); rec.Code != 200 {
		t.Fatalf("CompleteMultipartUpload: %d %s", rec.Code, rec.Body)
	}
	if !answered {
		t.Error("no other request was answered while the parts were assembled")
	}
	if got, _ := s.Object("bkt", "free"); len(got) != 5<<20+10 {
		t.Fatalf("stored %d bytes, want %d", len(got), 5<<20+10)
	}

	// Aborted while assembling.
	id, complete = startUpload(t, s, "aborted", 5<<20, 10)
	whileAssembling(t, s, func() {
		if rec := serveBody(t, s, http.MethodDelete, "/bkt/aborted?uploadId="+id, nil); rec.Code != 204 {
			t.Errorf("AbortMultipartUpload while completing: %d %s", rec.Code, rec.Body)
		}
	})
	if rec := serveBody(t, s, http.MethodPost, "/bkt/aborted?uploadId="+id, complete); rec.Code != 404 || errorCode(rec) != "NoSuchUpload" {
		t.Errorf("CompleteMultipartUpload of an upload aborted meanwhile: %d %s, want 404 NoSuchUpload", rec.Code, rec.Body)
	}
	if _, ok := s.Object("bkt", "aborted"); ok {
		t.Error("an aborted upload was stored")
	}

	// A listed part replaced while assembling.
	id, complete = startUpload(t, s, "replaced", 5<<20, 10)
	whileAssembling(t, s, func() {
		if rec := serveBody(t, s, http.MethodPut, "/bkt/replaced?partNumber=2&uploadId="+id, []byte("other data")); rec.Code != 200 {
			t.Errorf("UploadPart while completing: %d %s", rec.Code, rec.Body)
		}
	})
	if rec := serveBody(t, s, http.MethodPost, "/bkt/replaced?uploadId="+id, complete); rec.Code != 400 || errorCode(rec) != "InvalidPart" {
		t.Errorf("CompleteMultipartUpload with a part replaced meanwhile: %d %s, want 400 InvalidPart", rec.Code, rec.Body)
	}
	if _, ok := s.Object("bkt", "replaced"); ok {
		t.Error("an upload whose part changed was stored")
	}
	if rec := serveBody(t, s, http.MethodGet, "/bkt/replaced?uploadId="+id, nil); rec.Code != 200 {
		t.Errorf("ListParts after the failed completion: %d %s, want the upload kept", rec.Code, rec.Body)
	}

	// The bucket deleted while assembling (its uploads go with it).
	id, complete = startUpload(t, s, "gone", 5<<20, 10)
	whileAssembling(t, s, func() {
		for _, key := range []string{"free", "other"} {
			serveBody(t, s, http.MethodDelete, "/bkt/"+key, nil)
		}
		if rec := serveBody(t, s, http.MethodDelete, "/bkt", nil); rec.Code != 204 {
			t.Errorf("DeleteBucket while completing: %d %s", rec.Code, rec.Body)
		}
	})
	if rec := serveBody(t, s, http.MethodPost, "/bkt/gone?uploadId="+id, complete); rec.Code != 404 {
		t.Errorf("CompleteMultipartUpload in a bucket deleted meanwhile: %d %s, want 404", rec.Code, rec.Body)
	}
}

// TestS3UploadPartsAreCappedByMaxObjectSize: the parts an upload keeps
// add up to at most MaxObjectSize, the cap of the object they make
// (review of issue 14: each part was checked alone, so one upload could
// hold 10000 parts of the cap each); a part that would pass it, uploaded
// or copied, is EntityTooLarge and not kept; a replaced part counts once.
func TestS3UploadPartsAreCappedByMaxObjectSize(t *testing.T) {
	const max = 6 << 20
	s := newLimitsServer(t, func(o *S3Options) { o.MaxObjectSize = max })
	if rec := serveBody(t, s, http.MethodPut, "/bkt/src", bytes.Repeat([]byte("s"), 2<<20)); rec.Code != 200 {
		t.Fatalf("PutObject: %d %s", rec.Code, rec.Body)
	}
	rec := serveBody(t, s, http.MethodPost, "/bkt/big?uploads", nil)
	var cr struct{ UploadId string }
	if err := xml.Unmarshal(rec.Body.Bytes(), &cr); err != nil || rec.Code != 200 {
		t.Fatalf("CreateMultipartUpload: %d %s", rec.Code, rec.Body)
	}
	part := func(n int, size int) *httptest.ResponseRecorder {
		return serveBody(t, s, http.MethodPut, "/bkt/big?partNumber="+strconv.Itoa(n)+"&uploadId="+cr.UploadId, bytes.Repeat([]byte{byte('0' + n)}, size))
	}
	if rec := part(1, 5<<20); rec.Code != 200 {
		t.Fatalf("part 1 (5 MiB): %d %s", rec.Code, rec.Body)
	}
	if rec := part(2, 2<<20); rec.Code != 400 || errorCode(rec) != "EntityTooLarge" {
		t.Errorf("part 2 (2 MiB, 7 MiB in all, cap 6 MiB): %d %s, want 400 EntityTooLarge", rec.Code, rec.Body)
	}
	copyHdr := http.Header{"X-Amz-Copy-Source": {"/bkt/src"}}
	if rec := serveSigned(t, s, http.MethodPut, "/bkt/big?partNumber=3&uploadId="+cr.UploadId, nil, sha256Hex(nil), copyHdr); rec.Code != 400 || errorCode(rec) != "EntityTooLarge" {
		t.Errorf("part 3 copied (2 MiB, 7 MiB in all, cap 6 MiB): %d %s, want 400 EntityTooLarge", rec.Code, rec.Body)
	}
	if rec := part(1, 5<<20); rec.Code != 200 {
		t.Errorf("part 1 replaced (5 MiB again): %d %s", rec.Code, rec.Body)
	}
	if rec := part(2, 1<<20); rec.Code != 200 {
		t.Errorf("part 2 (1 MiB, 6 MiB in all): %d %s", rec.Code, rec.Body)
	}
	rec = serveBody(t, s, http.MethodGet, "/bkt/big?uploadId="+cr.UploadId, nil)
	var lp struct {
		Part []struct {
			PartNumber int
			Size       int64
		}
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &lp); err != nil || rec.Code != 200 {
		t.Fatalf("ListParts: %d %s", rec.Code, rec.Body)
	}
	total := int64(0)
	for _, p := range lp.Part {
		total += p.Size
	}
	if len(lp.Part) != 2 || total != max {
		t.Errorf("ListParts: %+v, want parts 1 and 2, %d bytes", lp.Part, max)
	}
}
