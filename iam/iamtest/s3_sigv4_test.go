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

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/internal/sigv4verify"
)

const (
	sigAKID   = "AKIDSIGV4TEST0000001"
	sigSecret = "sigv4/test+secret"
)

func newSigServer(t *testing.T) *iamtest.S3Server {
	t.Helper()
	srv := startS3(t)
	t.Cleanup(srv.Close)
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: sigAKID, Secret: iam.NewSecret(sigSecret), Active: true})
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

// TestS3AuthorizationForms: the ways an Authorization header can be
// wrong get S3's answers; a signature that does not match comes with the
// canonical request and string to sign the server computed, as S3 sends
// them, so that a client's author can see what differs.
func TestS3AuthorizationForms(t *testing.T) {
	srv := newSigServer(t)
	now := time.Now().UTC()
	scope := sigAKID + "/" + now.Format("20060102") + "/us-east-1/s3/aws4_request"
	tests := []struct {
		name, auth string
		edit       func(*http.Request)
		status     int
		code       string
	}{
		{"Signature Version 2", "AWS " + sigAKID + ":c2lnbmF0dXJl", nil, 501, "NotImplemented"},
		{"another scheme", "Bearer token", nil, 400, "InvalidArgument"},
		{"a credential without its scope", "AWS4-HMAC-SHA256 Credential=" + sigAKID + ", SignedHeaders=host;x-amz-date, Signature=00", nil, 400, "AuthorizationHeaderMalformed"},
		{"no SignedHeaders", "AWS4-HMAC-SHA256 Credential=" + scope + ", Signature=00", nil, 400, "AuthorizationHeaderMalformed"},
		{"another service", "AWS4-HMAC-SHA256 Credential=" + strings.Replace(scope, "/s3/", "/ec2/", 1) + ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=00", nil, 400, "AuthorizationHeaderMalformed"},
		{"host not signed", "AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=x-amz-content-sha256;x-amz-date, Signature=" + strings.Repeat("0", 64), nil, 403, "AccessDenied"},
		{"no x-amz-content-sha256", "AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("0", 64),
			func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }, 400, "InvalidRequest"},
		{"no x-amz-date", "AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=host;x-amz-content-sha256, Signature=" + strings.Repeat("0", 64),
			func(r *http.Request) { r.Header.Del("X-Amz-Date") }, 403, "AccessDenied"},
		{"scope of another day", "AWS4-HMAC-SHA256 Credential=" + strings.Replace(scope, now.Format("20060102"), "20200101", 1) + ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + strings.Repeat("0", 64), nil, 400, "AuthorizationHeaderMalformed"},
		{"wrong signature", "AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + strings.Repeat("0", 64), nil, 403, "SignatureDoesNotMatch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newReq(t, http.MethodGet, srv.URL+"/", nil)
			req.Header.Set("X-Amz-Date", now.Format(sigv4verify.TimeFormat))
			req.Header.Set("X-Amz-Content-Sha256", sha256Hex(nil))
			req.Header.Set("Authorization", tc.auth)
			if tc.edit != nil {
				tc.edit(req)
			}
			st, code, b := send(t, req)
			if st != tc.status || code != tc.code {
				t.Fatalf("%d %s %s, want %d %s", st, code, b, tc.status, tc.code)
			}
			if code == "SignatureDoesNotMatch" {
				var e struct{ CanonicalRequest, StringToSign string }
				_ = xml.Unmarshal(b, &e)
				if !strings.HasPrefix(e.CanonicalRequest, "GET\n/\n\nhost:") || !strings.HasPrefix(e.StringToSign, "AWS4-HMAC-SHA256\n") {
					t.Errorf("no canonical request or string to sign in %s", b)
				}
			}
		})
	}
}

// TestS3MismatchHidesSessionToken: the canonical request returned with
// SignatureDoesNotMatch does not carry the session token (header or
// presigned query) back in an error body that tests print.
func TestS3MismatchHidesSessionToken(t *testing.T) {
	srv := startS3(t)
	defer srv.Close()
	const token = "session-token-canary-1234"
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: sigAKID, Secret: iam.NewSecret(sigSecret), SessionToken: iam.NewSecret(token), Active: true, ExpiresAt: time.Now().Add(time.Hour)})
	req := newReq(t, http.MethodGet, srv.URL+"/", nil)
	req.Header.Set("X-Amz-Security-Token", token)
	signS3(t, req, sha256Hex(nil), "x-amz-security-token")
	req.Header.Set("X-Amz-Date", time.Now().UTC().Add(time.Second).Format(sigv4verify.TimeFormat)) // breaks the signature
	st, code, b := send(t, req)
	if st != 403 || code != "SignatureDoesNotMatch" || !bytes.Contains(b, []byte("x-amz-security-token:REDACTED")) || bytes.Contains(b, []byte(token)) {
		t.Errorf("header token: %d %s %s", st, code, b)
	}
	now := time.Now().UTC()
	q := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + sigAKID + "%2F" + now.Format("20060102") + "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=" +
		now.Format(sigv4verify.TimeFormat) + "&X-Amz-Expires=60&X-Amz-Security-Token=" + token + "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + strings.Repeat("0", 64)
	resp, err := http.Get(srv.URL + "/?" + q)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 403 || !bytes.Contains(b, []byte("X-Amz-Security-Token=REDACTED")) || bytes.Contains(b, []byte(token)) {
		t.Errorf("query token: %d %s", resp.StatusCode, b)
	}
}
