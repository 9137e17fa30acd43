package bench

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
)

var (
	benchKeyOnce sync.Once
	benchKey     *rsa.PrivateKey
)

func rsaKey(tb testing.TB) *rsa.PrivateKey {
	benchKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			tb.Fatal(err)
		}
		k.Precompute()
		benchKey = k
	})
	return benchKey
}

func serviceAccountKey(tb testing.TB) *auth.ServiceAccountKey {
	k, err := auth.NewServiceAccountKey("publickey-e00bench", "serviceaccount-e00bench", rsaKey(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// signingInput returns the header.payload part of a JWT the signer made,
// so that the raw RSA benchmarks sign exactly as many bytes.
func signingInput(tb testing.TB, s auth.JWTSigner) []byte {
	jwt, err := s.SignJWT(time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	v := jwt.Reveal()
	return []byte(v[:strings.LastIndexByte(v, '.')])
}

func benchNebiusSigner(b *testing.B) {
	s, err := nebiusauth.NewSigner(serviceAccountKey(b))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SignJWT(now); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRawPKCS1v15(b *testing.B) {
	s, _ := nebiusauth.NewSigner(serviceAccountKey(b))
	in := signingInput(b, s)
	k := rsaKey(b)
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(in)
		if _, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, h[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func benchYandexSigner(b *testing.B) {
	s, err := yandexauth.NewSigner(serviceAccountKey(b))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SignJWT(now); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRawPSS(b *testing.B) {
	s, _ := yandexauth.NewSigner(serviceAccountKey(b))
	in := signingInput(b, s)
	k := rsaKey(b)
	opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(in)
		if _, err := rsa.SignPSS(rand.Reader, k, crypto.SHA256, h[:], opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSign measures a whole JWT signature by iamkit's signers and a
// raw RSA signature of the same signing input (2048-bit key).
func BenchmarkSign(b *testing.B) {
	b.Run("nebius-RS256/raw-rsa", benchRawPKCS1v15)
	b.Run("nebius-RS256/iamkit", benchNebiusSigner)
	b.Run("yandex-PS256/raw-rsa", benchRawPSS)
	b.Run("yandex-PS256/iamkit", benchYandexSigner)
}

// BenchmarkSignRatio alternates, on every iteration, one JWT signature by
// iamkit's signer and one raw RSA signature of the same signing input, so
// that machine noise (RSA timings drift by several percent on a shared
// core) falls on both sides alike. It reports each side's ns per signature
// and iamkit's as a fraction of the raw one ("vs-raw"; goal ≤ 1.05).
func BenchmarkSignRatio(b *testing.B) {
	k := rsaKey(b)
	ns, _ := nebiusauth.NewSigner(serviceAccountKey(b))
	ys, _ := yandexauth.NewSigner(serviceAccountKey(b))
	pss := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	for _, alg := range []struct {
		name   string
		signer auth.JWTSigner
		raw    func(digest []byte) error
	}{
		{"nebius-RS256", ns, func(d []byte) error { _, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, d); return err }},
		{"yandex-PS256", ys, func(d []byte) error { _, err := rsa.SignPSS(rand.Reader, k, crypto.SHA256, d, pss); return err }},
	} {
		b.Run(alg.name, func(b *testing.B) {
			in := signingInput(b, alg.signer)
			now := time.Now()
			var ours, raw time.Duration
			for b.Loop() {
				t := time.Now()
				if _, err := alg.signer.SignJWT(now); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				h := sha256.Sum256(in)
				if err := alg.raw(h[:]); err != nil {
					b.Fatal(err)
				}
				ours += t2.Sub(t)
				raw += time.Since(t2)
			}
			b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "iamkit-ns/sig")
			b.ReportMetric(float64(raw.Nanoseconds())/float64(b.N), "raw-ns/sig")
			b.ReportMetric(float64(ours)/float64(raw), "vs-raw")
		})
	}
}

// TestSignersVerify checks the harness: both signers produce JWTs whose
// signing input the raw benchmarks reuse.
func TestSignersVerify(t *testing.T) {
	ns, err := nebiusauth.NewSigner(serviceAccountKey(t))
	if err != nil {
		t.Fatal(err)
	}
	ys, err := yandexauth.NewSigner(serviceAccountKey(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []auth.JWTSigner{ns, ys} {
		if in := signingInput(t, s); strings.Count(string(in), ".") != 1 {
			t.Fatalf("signing input %q is not header.payload", in)
		}
	}
}
