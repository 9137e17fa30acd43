package iamtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest/internal/sigv4verify"
)

// TestS3SignedHeadersMustBeCanonical: a request whose SignedHeaders is not
// sorted, or names a header twice, is 403 SignatureDoesNotMatch even when
// signed consistently over that list (review of issue 14: it was
// accepted), and nothing is stored; the sorted list is accepted.
func TestS3SignedHeadersMustBeCanonical(t *testing.T) {
	s := newLimitsServer(t)
	empty := sha256Hex(nil)
	for _, tc := range []struct {
		key   string
		names []string
		code  int
	}{
		{"unsorted", []string{"x-amz-date", "host", "x-amz-content-sha256"}, 403},
		{"repeated", []string{"host", "host", "x-amz-content-sha256", "x-amz-date"}, 403},
		{"sorted", []string{"host", "x-amz-content-sha256", "x-amz-date"}, 200},
	} {
		r := httptest.NewRequest(http.MethodPut, "/bkt/"+tc.key, nil)
		r.ContentLength = 0
		now := time.Now().UTC()
		r.Header.Set("X-Amz-Date", now.Format(sigv4verify.TimeFormat))
		r.Header.Set("X-Amz-Content-Sha256", empty)
		sig := &sigv4verify.Signature{Scheme: sigv4verify.AWS4, AccessKeyID: limitsAKID, Date: now.Format("20060102"),
			Region: "us-east-1", Service: "s3", SignedHeaders: tc.names}
		v, err := sigv4verify.S3.Sign(r, sig, empty, limitsSecret) // over the list as given
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+limitsAKID+"/"+sig.Scope()+", SignedHeaders="+strings.Join(tc.names, ";")+", Signature="+v)
		rec := httptest.NewRecorder()
		s.serveHTTP(rec, r)
		if rec.Code != tc.code || (tc.code == 403 && errorCode(rec) != "SignatureDoesNotMatch") {
			t.Errorf("SignedHeaders=%s: %d %s, want %d", strings.Join(tc.names, ";"), rec.Code, errorCode(rec), tc.code)
		}
		if _, ok := s.Object("bkt", tc.key); ok != (tc.code == 200) {
			t.Errorf("SignedHeaders=%s: stored %v", strings.Join(tc.names, ";"), ok)
		}
	}
}
