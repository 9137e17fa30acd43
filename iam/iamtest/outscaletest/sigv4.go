package outscaletest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest/internal/sigv4verify"
)

// signature is a parsed "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…" (or its OSC4-HMAC-SHA256 twin) Authorization header.
type signature struct {
	algorithm   string // AWS4-HMAC-SHA256 or OSC4-HMAC-SHA256
	accessKeyID string
	region      string
	service     string
	sig         *sigv4verify.Signature
}

func parseSignature(h string) (*signature, error) {
	sig, err := sigv4verify.ParseAuthorization(h, sigv4verify.AWS4, sigv4verify.OSC4)
	if err != nil {
		return nil, err
	}
	if !sig.Signs("host") || !sig.Signs(sig.Scheme.DateHeader) {
		return nil, errors.New("host and " + sig.Scheme.DateHeader + " must be signed")
	}
	return &signature{algorithm: sig.Scheme.Algorithm, accessKeyID: sig.AccessKeyID, region: sig.Region, service: sig.Service, sig: sig}, nil
}

// dateHeader is the header that carries the signing time: x-amz-date, or
// x-osc-date for OSC4.
func (s *signature) dateHeader() string { return s.sig.Scheme.DateHeader }

// requestTime returns the signing time from the date header, which must
// agree with the scope's date.
func (s *signature) requestTime(r *http.Request) (time.Time, string, error) {
	t, err := s.sig.Time(r)
	return t, r.Header.Get(s.dateHeader()), err
}

// verify checks the signature with secret over the request as received,
// under SigV4's generic rules (the path normalised and encoded again, the
// query sorted by encoded names), over exactly the headers the client
// signed; the payload is the body's SHA-256, which X-Amz-Content-Sha256,
// if sent, must state (or UNSIGNED-PAYLOAD).
func (s *signature) verify(r *http.Request, body []byte, secret string, cache *sync.Map) bool {
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != payload && h != "UNSIGNED-PAYLOAD" {
		return false
	}
	return sigv4verify.Generic.Verify(r, s.sig, payload, secret, cache) == nil
}
