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
	s, err := auth.NewNebiusSigner(serviceAccountKey(b))
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
	s, _ := auth.NewNebiusSigner(serviceAccountKey(b))
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
	s, err := auth.NewYandexSigner(serviceAccountKey(b))
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
	s, _ := auth.NewYandexSigner(serviceAccountKey(b))
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
// raw RSA signature of the same bytes (2048-bit key).
func BenchmarkSign(b *testing.B) {
	b.Run("nebius-RS256/iamkit", benchNebiusSigner)
	b.Run("nebius-RS256/raw-rsa.SignPKCS1v15", benchRawPKCS1v15)
	b.Run("yandex-PS256/iamkit", benchYandexSigner)
	b.Run("yandex-PS256/raw-rsa.SignPSS", benchRawPSS)
}

// BenchmarkSignRatio reports each signer's time as a fraction of the raw
// RSA signature (goal ≤ 1.05). Measurements alternate between the two
// sides so that machine noise hits both; each side is the median of 5.
func BenchmarkSignRatio(b *testing.B) {
	median := func(xs []float64) float64 {
		for i := range xs {
			for j := i + 1; j < len(xs); j++ {
				if xs[j] < xs[i] {
					xs[i], xs[j] = xs[j], xs[i]
				}
			}
		}
		return xs[len(xs)/2]
	}
	ratio := func(ours, raw func(*testing.B)) (float64, float64) {
		var a, r []float64
		for i := 0; i < 5; i++ {
			x := testing.Benchmark(ours)
			y := testing.Benchmark(raw)
			a = append(a, float64(x.T.Nanoseconds())/float64(x.N))
			r = append(r, float64(y.T.Nanoseconds())/float64(y.N))
		}
		return median(a), median(r)
	}
	n, nr := ratio(benchNebiusSigner, benchRawPKCS1v15)
	y, yr := ratio(benchYandexSigner, benchRawPSS)
	b.ReportMetric(n/nr, "RS256-vs-raw")
	b.ReportMetric(y/yr, "PS256-vs-raw")
	b.Logf("RS256: iamkit %.0f ns, raw %.0f ns (%.3f×); PS256: iamkit %.0f ns, raw %.0f ns (%.3f×)", n, nr, n/nr, y, yr, y/yr)
}

// TestSignersVerify checks the harness: both signers produce JWTs whose
// signing input the raw benchmarks reuse.
func TestSignersVerify(t *testing.T) {
	ns, err := auth.NewNebiusSigner(serviceAccountKey(t))
	if err != nil {
		t.Fatal(err)
	}
	ys, err := auth.NewYandexSigner(serviceAccountKey(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []auth.JWTSigner{ns, ys} {
		if in := signingInput(t, s); strings.Count(string(in), ".") != 1 {
			t.Fatalf("signing input %q is not header.payload", in)
		}
	}
}
