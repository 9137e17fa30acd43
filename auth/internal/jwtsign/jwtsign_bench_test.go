package jwtsign_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/internal/jwtsign"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
)

// The signers (nebiusauth.Signer, yandexauth.Signer) must add at most 5 %
// over the bare RSA operation on the same signing input. Compare
// BenchmarkNebiusSigner with BenchmarkRawRSASignPKCS1v15 and
// BenchmarkYandexSigner with BenchmarkRawRSASignPSS; BenchmarkSignerOverhead interleaves both so that
// noise from other processes hits them alike, and reports the overhead in
// percent.

var benchNow = time.Unix(1_800_000_000, 0)

func benchSigningInput(b *testing.B, s auth.JWTSigner) string {
	b.Helper()
	sec, err := s.SignJWT(benchNow)
	if err != nil {
		b.Fatal(err)
	}
	tok := sec.Reveal()
	return tok[:strings.LastIndexByte(tok, '.')]
}

func BenchmarkNebiusSigner(b *testing.B) {
	s, err := nebiusauth.NewSigner(authtest.ServiceAccountKey(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SignJWT(benchNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawRSASignPKCS1v15(b *testing.B) {
	key := authtest.RSAKey(b)
	s, _ := nebiusauth.NewSigner(authtest.ServiceAccountKey(b))
	input := []byte(benchSigningInput(b, s))
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(input)
		if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkYandexSigner(b *testing.B) {
	s, err := yandexauth.NewSigner(authtest.ServiceAccountKey(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SignJWT(benchNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawRSASignPSS(b *testing.B) {
	key := authtest.RSAKey(b)
	s, _ := yandexauth.NewSigner(authtest.ServiceAccountKey(b))
	input := []byte(benchSigningInput(b, s))
	opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(input)
		if _, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, d[:], opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignerOverhead alternates a signer call and the raw RSA signature
// of the same input, and reports the median of each and (signer - raw) / raw
// of the medians in percent. Medians keep a busy machine's outliers out.
func BenchmarkSignerOverhead(b *testing.B) {
	key := authtest.ServiceAccountKey(b)
	ns, _ := nebiusauth.NewSigner(key)
	ys, _ := yandexauth.NewSigner(key)
	pss := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
	cases := []struct {
		name   string
		signer auth.JWTSigner
		raw    func(d []byte) error
	}{
		{"RS256", ns, func(d []byte) error { _, err := rsa.SignPKCS1v15(nil, key.PrivateKey(), crypto.SHA256, d); return err }},
		{"PS256", ys, func(d []byte) error {
			_, err := rsa.SignPSS(rand.Reader, key.PrivateKey(), crypto.SHA256, d, pss)
			return err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			input := []byte(benchSigningInput(b, c.signer))
			var signer, raw []time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := c.signer.SignJWT(benchNow); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				d := sha256.Sum256(input)
				if err := c.raw(d[:]); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				signer = append(signer, t1.Sub(t0))
				raw = append(raw, t2.Sub(t1))
			}
			ms, mr := median(signer), median(raw)
			b.ReportMetric(float64(ms.Microseconds()), "signer-median-µs")
			b.ReportMetric(float64(mr.Microseconds()), "raw-median-µs")
			b.ReportMetric(100*(float64(ms)-float64(mr))/float64(mr), "overhead-%")
		})
	}
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

// BenchmarkJWTSigningInput measures everything a signer does besides the RSA
// operation: encoding the claims, base64, SHA-256 and the final string.
// Against ~1 ms for an RSA-2048 signature it is the signers' whole overhead.
func BenchmarkJWTSigningInput(b *testing.B) {
	key := authtest.ServiceAccountKey(b)
	s, err := jwtsign.New("nebiusauth", jwtsign.RS256, key, time.Minute,
		"iss", key.ServiceAccountID, "sub", key.ServiceAccountID, "aud", nebiusauth.JWTAudience)
	if err != nil {
		b.Fatal(err)
	}
	sig := make([]byte, s.KeySize())
	b.ReportAllocs()
	for b.Loop() {
		out := s.SigningInput(benchNow)
		d := sha256.Sum256(out)
		out = append(out, '.')
		out = base64.RawURLEncoding.AppendEncode(out, sig)
		benchSink = string(out) + string(d[:1])
	}
}

var benchSink string
