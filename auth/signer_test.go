package auth

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iamkit/iamkit/internal/safeprint"
)

// decodeJWT splits a compact JWT and decodes its header and claims.
func decodeJWT(t *testing.T, tok string) (header, claims map[string]any, signingInput string, sig []byte) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("JWT has %d parts", len(parts))
	}
	dec := func(s string, v any) {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("segment is not base64url without padding: %v", err)
		}
		if v != nil {
			d := json.NewDecoder(strings.NewReader(string(b)))
			d.UseNumber()
			if err := d.Decode(v); err != nil {
				t.Fatalf("segment %s is not JSON: %v", b, err)
			}
		}
	}
	dec(parts[0], &header)
	dec(parts[1], &claims)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	return header, claims, parts[0] + "." + parts[1], sig
}

func TestNebiusSigner(t *testing.T) {
	key := testServiceAccountKey(t)
	now := time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.UTC)
	tests := []struct {
		name    string
		opts    []func(*NebiusSignerOptions)
		wantTTL int64
		wantAud string
	}{
		{"defaults", nil, 60, NebiusJWTAudience},
		{"5 min", []func(*NebiusSignerOptions){func(o *NebiusSignerOptions) { o.TTL = 5 * time.Minute }}, 300, NebiusJWTAudience},
		{"audience", []func(*NebiusSignerOptions){func(o *NebiusSignerOptions) { o.Audience = "aud.example" }}, 60, "aud.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewNebiusSigner(key, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			sec, err := s.SignJWT(now)
			if err != nil {
				t.Fatal(err)
			}
			tok := sec.Reveal()
			header, claims, input, sig := decodeJWT(t, tok)
			wantHeader := map[string]any{"alg": "RS256", "kid": "publickey-test01", "typ": "JWT"}
			if fmt.Sprint(header) != fmt.Sprint(wantHeader) {
				t.Errorf("header = %v, want %v", header, wantHeader)
			}
			wantClaims := map[string]any{
				"iss": "serviceaccount-test01", "sub": "serviceaccount-test01", "aud": tc.wantAud,
				"iat": json.Number(fmt.Sprint(now.Unix())), "exp": json.Number(fmt.Sprint(now.Unix() + tc.wantTTL)),
			}
			if fmt.Sprint(claims) != fmt.Sprint(wantClaims) {
				t.Errorf("claims = %v, want %v", claims, wantClaims)
			}
			digest := sha256.Sum256([]byte(input))
			if err := rsa.VerifyPKCS1v15(&key.PrivateKey().PublicKey, crypto.SHA256, digest[:], sig); err != nil {
				t.Errorf("PKCS#1 v1.5 signature does not verify: %v", err)
			}

			// The JWT library agrees.
			parsed, err := jwt.Parse(tok, func(tk *jwt.Token) (any, error) { return &key.PrivateKey().PublicKey, nil },
				jwt.WithValidMethods([]string{"RS256"}),
				jwt.WithTimeFunc(func() time.Time { return now.Add(time.Second) }),
				jwt.WithAudience(tc.wantAud), jwt.WithIssuer("serviceaccount-test01"), jwt.WithSubject("serviceaccount-test01"),
				jwt.WithIssuedAt(), jwt.WithExpirationRequired())
			if err != nil {
				t.Fatalf("golang-jwt rejects the token: %v", err)
			}
			if parsed.Header["kid"] != "publickey-test01" {
				t.Errorf("kid = %v", parsed.Header["kid"])
			}
			if s.TTL() != time.Duration(tc.wantTTL)*time.Second || s.Key() != key {
				t.Errorf("TTL, Key = %v, %v", s.TTL(), s.Key())
			}
		})
	}
}

func TestYandexSigner(t *testing.T) {
	key := testServiceAccountKey(t)
	now := time.Unix(1_800_000_000, 999_999_999)
	tests := []struct {
		name    string
		opts    []func(*YandexSignerOptions)
		wantTTL int64
		wantAud string
	}{
		{"defaults", nil, 600, YandexJWTAudience},
		{"1 h", []func(*YandexSignerOptions){func(o *YandexSignerOptions) { o.TTL = time.Hour }}, 3600, YandexJWTAudience},
		{"audience", []func(*YandexSignerOptions){func(o *YandexSignerOptions) { o.Audience = "https://iam.private/iam/v1/tokens" }}, 600, "https://iam.private/iam/v1/tokens"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewYandexSigner(key, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			sec, err := s.SignJWT(now)
			if err != nil {
				t.Fatal(err)
			}
			tok := sec.Reveal()
			header, claims, input, sig := decodeJWT(t, tok)
			wantHeader := map[string]any{"alg": "PS256", "kid": "publickey-test01", "typ": "JWT"}
			if fmt.Sprint(header) != fmt.Sprint(wantHeader) {
				t.Errorf("header = %v, want %v", header, wantHeader)
			}
			wantClaims := map[string]any{
				"iss": "serviceaccount-test01", "aud": tc.wantAud,
				"iat": json.Number(fmt.Sprint(now.Unix())), "exp": json.Number(fmt.Sprint(now.Unix() + tc.wantTTL)),
			}
			if fmt.Sprint(claims) != fmt.Sprint(wantClaims) {
				t.Errorf("claims = %v, want %v", claims, wantClaims)
			}
			// Yandex requires salt length = hash length: verify with exactly
			// 32, not "auto".
			digest := sha256.Sum256([]byte(input))
			if err := rsa.VerifyPSS(&key.PrivateKey().PublicKey, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: 32}); err != nil {
				t.Errorf("PSS signature with 32-byte salt does not verify: %v", err)
			}
			if err := rsa.VerifyPSS(&key.PrivateKey().PublicKey, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}); err != nil {
				t.Errorf("PSS signature does not verify: %v", err)
			}
			if err := rsa.VerifyPSS(&key.PrivateKey().PublicKey, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: 222}); err == nil {
				t.Error("signature also verifies with the maximum salt length; salt length is not 32")
			}

			_, err = jwt.Parse(tok, func(tk *jwt.Token) (any, error) { return &key.PrivateKey().PublicKey, nil },
				jwt.WithValidMethods([]string{"PS256"}),
				jwt.WithTimeFunc(func() time.Time { return now }),
				jwt.WithAudience(tc.wantAud), jwt.WithIssuer("serviceaccount-test01"),
				jwt.WithIssuedAt(), jwt.WithExpirationRequired())
			if err != nil {
				t.Fatalf("golang-jwt rejects the token: %v", err)
			}
			if _, ok := claims["sub"]; ok {
				t.Error("Yandex JWT has a sub claim")
			}
		})
	}
}

func TestSignerUsesGivenTime(t *testing.T) {
	key := testServiceAccountKey(t)
	ns, err := NewNebiusSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	ys, err := NewYandexSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []JWTSigner{ns, ys} {
		for _, now := range []time.Time{time.Unix(0, 0), time.Unix(1_000_000_000, 0), time.Date(2100, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3*3600))} {
			sec, err := s.SignJWT(now)
			if err != nil {
				t.Fatal(err)
			}
			_, claims, _, _ := decodeJWT(t, sec.Reveal())
			if got := claims["iat"].(json.Number).String(); got != fmt.Sprint(now.Unix()) {
				t.Errorf("%T: iat = %s, want %d", s, got, now.Unix())
			}
		}
	}
}

func TestSignerOptionsValidation(t *testing.T) {
	key := testServiceAccountKey(t)
	nebius := []struct {
		ttl     time.Duration
		wantErr string
	}{
		{0, "too short"},
		{-time.Second, "too short"},
		{time.Millisecond, "too short"},
		{5*time.Minute + time.Second, "at most 5m0s"},
		{time.Hour, "too long"},
		{time.Second, ""},
		{5 * time.Minute, ""},
	}
	for _, tc := range nebius {
		_, err := NewNebiusSigner(key, func(o *NebiusSignerOptions) { o.TTL = tc.ttl })
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Nebius TTL %v: error = %v, want %q", tc.ttl, err, tc.wantErr)
		}
	}
	yandex := []struct {
		ttl     time.Duration
		wantErr string
	}{
		{0, "too short"},
		{-time.Minute, "too short"},
		{time.Hour + time.Second, "at most 1h0m0s"},
		{time.Hour, ""},
		{time.Minute, ""},
	}
	for _, tc := range yandex {
		_, err := NewYandexSigner(key, func(o *YandexSignerOptions) { o.TTL = tc.ttl })
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Yandex TTL %v: error = %v, want %q", tc.ttl, err, tc.wantErr)
		}
	}

	badKeys := []struct {
		name string
		key  *ServiceAccountKey
		want string
	}{
		{"nil", nil, "nil"},
		{"zero", &ServiceAccountKey{KeyID: "k", ServiceAccountID: "s"}, "no private key"},
		{"no key ID", &ServiceAccountKey{ServiceAccountID: "s", key: safeprint.Seal(key.PrivateKey())}, "no key ID"},
		{"no service account", &ServiceAccountKey{KeyID: "k", key: safeprint.Seal(key.PrivateKey())}, "no service account ID"},
	}
	for _, tc := range badKeys {
		if _, err := NewNebiusSigner(tc.key); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewNebiusSigner(%s): error = %v, want %q", tc.name, err, tc.want)
		}
		if _, err := NewYandexSigner(tc.key); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewYandexSigner(%s): error = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestSignerEscapesIDs checks that IDs with JSON-special characters end up
// as the same strings after decoding.
func TestSignerEscapesIDs(t *testing.T) {
	odd := "a\"b\\c<d>&e\n\tf\x01g\u2028h\xffé"
	k, err := NewServiceAccountKey(odd, odd+"sa", testRSAKey(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewNebiusSigner(k, func(o *NebiusSignerOptions) { o.Audience = odd + "aud" })
	if err != nil {
		t.Fatal(err)
	}
	sec, err := s.SignJWT(time.Unix(100, 0))
	if err != nil {
		t.Fatal(err)
	}
	header, claims, _, _ := decodeJWT(t, sec.Reveal())
	want := strings.ToValidUTF8(odd, "\uFFFD")
	if header["kid"] != want || claims["iss"] != want+"sa" || claims["sub"] != want+"sa" || claims["aud"] != want+"aud" {
		t.Errorf("header %q, claims %q", header, claims)
	}
}

func TestSignerConcurrent(t *testing.T) {
	key := testServiceAccountKey(t)
	ns, _ := NewNebiusSigner(key)
	ys, _ := NewYandexSigner(key)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		for _, s := range []JWTSigner{ns, ys} {
			wg.Go(func() {
				now := time.Unix(int64(1_700_000_000+i), 0)
				sec, err := s.SignJWT(now)
				if err != nil {
					errs <- err
					return
				}
				_, err = jwt.Parse(sec.Reveal(), func(*jwt.Token) (any, error) { return &key.PrivateKey().PublicKey, nil },
					jwt.WithTimeFunc(func() time.Time { return now }))
				if err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSignerStringHidesKey(t *testing.T) {
	key := testServiceAccountKey(t)
	ns, _ := NewNebiusSigner(key)
	ys, _ := NewYandexSigner(key)
	pemText := pkcs8PEM(t, key.PrivateKey())
	for _, v := range []any{ns, ys} {
		for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
			out := fmt.Sprintf(verb, v)
			assertNoKeyMaterial(t, out, pemText, key.PrivateKey())
			if !strings.Contains(out, "publickey-test01") {
				t.Errorf("%s = %s, want the key ID", verb, out)
			}
		}
	}
}
