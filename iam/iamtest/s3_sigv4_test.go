package iamtest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/internal/sigv4verify"
)

const (
	sigAKID   = "AKIDSIGV4TEST0000001"
	sigSecret = "sigv4/test+secret"
)

func newSigServer(t *testing.T) *iamtest.S3Server {
	t.Helper()
	srv := iamtest.NewS3Server()
	t.Cleanup(srv.Close)
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: sigAKID, Secret: sigSecret, Active: true})
	return srv
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signS3 signs req for S3 as a client following the rules does, over
// exactly the headers named (plus host, x-amz-content-sha256 and
// x-amz-date), whatever an SDK's signer would choose; it returns the
// signature (the seed of a streaming upload).
func signS3(t *testing.T, req *http.Request, payloadHash string, headers ...string) *sigv4verify.Signature {
	t.Helper()
	return signWith(t, req, sigAKID, sigSecret, payloadHash, headers...)
}

// signWith is signS3 with another key.
func signWith(t *testing.T, req *http.Request, akid, secret, payloadHash string, headers ...string) *sigv4verify.Signature {
	t.Helper()
	now := time.Now().UTC()
	req.Header.Set("X-Amz-Date", now.Format(sigv4verify.TimeFormat))
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	headers = append(headers, "host", "x-amz-content-sha256", "x-amz-date")
	sort.Strings(headers)
	sig := &sigv4verify.Signature{Scheme: sigv4verify.AWS4, AccessKeyID: akid, Date: now.Format("20060102"),
		Region: "us-east-1", Service: "s3", SignedHeaders: headers}
	s, err := sigv4verify.S3.Sign(req, sig, payloadHash, secret)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+akid+"/"+sig.Scope()+", SignedHeaders="+strings.Join(headers, ";")+", Signature="+s)
	sig.Signature = s
	return sig
}

// send sends req and returns the status, the S3 error code (if any) and
// the body.
func send(t *testing.T, req *http.Request) (int, string, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct{ Code string }
	_ = xml.Unmarshal(b, &e)
	return resp.StatusCode, e.Code, b
}

func newReq(t *testing.T, method, url string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	return req
}

// TestS3SignedHeaderVariantsAreAccepted: the emulator verifies over
// exactly the headers a request signs (issue 14: it re-signed with
// aws-sdk-go-v2, which leaves out User-Agent, X-Amzn-Trace-Id and a zero
// Content-Length, and refused such valid signatures with 403).
func TestS3SignedHeaderVariantsAreAccepted(t *testing.T) {
	srv := newSigServer(t)
	for _, tc := range []struct {
		name   string
		header string
		value  string
	}{
		{"user-agent", "User-Agent", "aws-cli/2.9.19 Python/3.11.2"},
		{"x-amzn-trace-id", "X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793"},
		{"content-length", "Content-Length", "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// CreateBucket: a PUT with no body, which net/http sends
			// with Content-Length: 0.
			req := newReq(t, http.MethodPut, srv.URL+"/signed-"+tc.name, nil)
			if tc.header != "Content-Length" {
				req.Header.Set(tc.header, tc.value)
			} else {
				req.Header.Set("Content-Length", "0") // what the server will see
			}
			signS3(t, req, sha256Hex(nil), tc.name)
			req.Header.Del("Content-Length")
			if st, code, b := send(t, req); st != 200 {
				t.Fatalf("signed %s: %d %s %s", tc.name, st, code, b)
			}
		})
	}
	// A signed header changed in transit breaks the signature.
	req := newReq(t, http.MethodGet, srv.URL+"/", nil)
	req.Header.Set("User-Agent", "one")
	signS3(t, req, sha256Hex(nil), "user-agent")
	req.Header.Set("User-Agent", "two")
	if st, code, _ := send(t, req); st != 403 || code != "SignatureDoesNotMatch" {
		t.Fatalf("signed User-Agent changed: %d %s", st, code)
	}
}

// TestS3UnsignedAmzHeadersAreRefused: an x-amz-* header that is present
// but not signed is refused as S3 refuses it (403 AccessDenied, "There
// were headers present in the request which were not signed"), and the
// request changes nothing (issue 14: X-Amz-Acl and X-Amz-Meta-* outside
// the signature were accepted).
func TestS3UnsignedAmzHeadersAreRefused(t *testing.T) {
	srv := newSigServer(t)
	req := newReq(t, http.MethodPut, srv.URL+"/unsigned", nil)
	signS3(t, req, sha256Hex(nil))
	if st, code, b := send(t, req); st != 200 {
		t.Fatalf("CreateBucket: %d %s %s", st, code, b)
	}
	for _, h := range []string{"X-Amz-Acl", "X-Amz-Meta-Mtime", "X-Amz-Storage-Class"} {
		body := []byte("data")
		req := newReq(t, http.MethodPut, srv.URL+"/unsigned/obj", body)
		signS3(t, req, sha256Hex(body))
		req.Header.Set(h, "private")
		st, code, b := send(t, req)
		if st != 403 || code != "AccessDenied" || !bytes.Contains(b, []byte("There were headers present in the request which were not signed")) ||
			!bytes.Contains(b, []byte(strings.ToLower(h))) {
			t.Errorf("unsigned %s: %d %s %s", h, st, code, b)
		}
		if _, ok := srv.Object("unsigned", "obj"); ok {
			t.Fatalf("unsigned %s: the object was stored", h)
		}
	}
	// Signed, the same headers are accepted.
	body := []byte("data")
	req = newReq(t, http.MethodPut, srv.URL+"/unsigned/obj", body)
	req.Header.Set("X-Amz-Meta-Mtime", "1700000000")
	signS3(t, req, sha256Hex(body), "x-amz-meta-mtime")
	if st, code, b := send(t, req); st != 200 {
		t.Fatalf("signed x-amz-meta-mtime: %d %s %s", st, code, b)
	}
}
