package outscale

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamkit/iamkit/iam"
)

// TestSigV4MatchesAWSSigner checks that sigV4 sets exactly the headers
// aws-sdk-go-v2's signer sets, on the requests it signs itself and on the
// ones it hands to the aws signer.
func TestSigV4MatchesAWSSigner(t *testing.T) {
	const ak, sk = "AKIDEXAMPLE0123456789", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	rng := rand.New(rand.NewPCG(1, 2))
	type shape struct {
		name   string
		base   string
		call   string
		header http.Header
		body   []byte
		fast   bool
	}
	shapes := []shape{
		{"client call", "https://api.eu-west-2.outscale.com/api/v1", "ReadAccessKeys", http.Header{"Content-Type": {"application/json"}, "User-Agent": {"iamkit/1"}}, []byte("{}"), true},
		{"emulator port", "http://127.0.0.1:41234/api/v1", "CreateAccessKey", http.Header{"Content-Type": {"application/json"}}, []byte(`{"Tag":"x"}`), true},
		{"no content type", "https://api.us-east-2.outscale.com/api/v1", "ReadAccessKeys", http.Header{}, []byte("{}"), true},
		{"no body", "https://api.eu-west-2.outscale.com/api/v1", "ReadAccessKeys", http.Header{"Content-Type": {"application/json"}}, nil, true},
		{"default port", "https://api.eu-west-2.outscale.com:443/api/v1", "ReadAccessKeys", http.Header{"Content-Type": {"application/json"}}, []byte("{}"), false},
		{"escaped path", "https://proxy.example/osc%20api/v1", "ReadAccessKeys", http.Header{"Content-Type": {"application/json"}}, []byte("{}"), false},
		{"query", "https://api.eu-west-2.outscale.com/api/v1", "ReadAccessKeys?b=2&a=1", http.Header{"Content-Type": {"application/json"}}, []byte("{}"), false},
		{"extra header", "https://api.eu-west-2.outscale.com/api/v1", "ReadAccessKeys", http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}, []byte("{}"), false},
		{"spaces to strip", "https://api.eu-west-2.outscale.com/api/v1", "ReadAccessKeys", http.Header{"Content-Type": {" application/json;  charset=utf-8 "}}, []byte("{}"), false},
	}
	regions := []string{"eu-west-2", "us-east-2", "cloudgouv-eu-west-1", "ap-northeast-1"}
	for _, sh := range shapes {
		for i := range 20 {
			region := regions[rng.IntN(len(regions))]
			now := time.Date(2026, 3, 18, 23, 59, 50, 0, time.UTC).Add(time.Duration(rng.IntN(3600*48)) * time.Second)
			t.Run(fmt.Sprintf("%s/%d", sh.name, i), func(t *testing.T) {
				sum := sha256.Sum256(sh.body)
				payloadHash := hex.EncodeToString(sum[:])
				newReq := func() *http.Request {
					r, err := http.NewRequest(http.MethodPost, sh.base+"/"+sh.call, bytes.NewReader(sh.body))
					if err != nil {
						t.Fatal(err)
					}
					if sh.body == nil {
						r.Body, r.ContentLength = nil, 0
					}
					r.Header = sh.header.Clone()
					return r
				}
				s := newSigV4(ak, iam.NewSecret(sk), region, sh.base)
				got := newReq()
				if _, fast := s.simple(got); fast != sh.fast {
					t.Fatalf("fast path: %v, want %v", fast, sh.fast)
				}
				if err := s.sign(got, payloadHash, now); err != nil {
					t.Fatal(err)
				}
				// Twice: the second uses the cached day key.
				again := newReq()
				if err := s.sign(again, payloadHash, now); err != nil {
					t.Fatal(err)
				}
				want := newReq()
				signer := v4.NewSigner(func(so *v4.SignerOptions) { so.DisableURIPathEscaping = plainPath(sh.base) })
				if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk},
					want, payloadHash, SigningService, region, now); err != nil {
					t.Fatal(err)
				}
				for _, h := range []string{"Authorization", "X-Amz-Date"} {
					if g, a, w := got.Header.Values(h), again.Header.Values(h), want.Header.Values(h); fmt.Sprint(g) != fmt.Sprint(w) || fmt.Sprint(a) != fmt.Sprint(w) {
						t.Errorf("%s:\n got %q\n again %q\n aws %q", h, g, a, w)
					}
				}
				if got.Host != want.Host || got.URL.String() != want.URL.String() {
					t.Errorf("request rewritten differently: host %q url %q, aws host %q url %q", got.Host, got.URL, want.Host, want.URL)
				}
			})
		}
	}
}

// TestSigV4DayKey checks that the cached key follows the date.
func TestSigV4DayKey(t *testing.T) {
	s := newSigV4("AK", iam.NewSecret("SK"), "eu-west-2", "https://api.eu-west-2.outscale.com/api/v1")
	k1 := s.key([]byte("20260318"))
	if s.key([]byte("20260318")) != k1 {
		t.Error("key of the same day derived again")
	}
	if k2 := s.key([]byte("20260319")); k2 == k1 || k2.ipad == k1.ipad {
		t.Error("next day reused the previous key")
	}
}
