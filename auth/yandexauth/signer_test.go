package yandexauth_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/yandexauth"
)

func TestSigner(t *testing.T) {
	key := authtest.ServiceAccountKey(t)
	now := time.Unix(1_800_000_000, 999_999_999)
	tests := []struct {
		name    string
		opts    []func(*yandexauth.SignerOptions)
		wantTTL int64
		wantAud string
	}{
		{"defaults", nil, 600, yandexauth.JWTAudience},
		{"1 h", []func(*yandexauth.SignerOptions){func(o *yandexauth.SignerOptions) { o.TTL = time.Hour }}, 3600, yandexauth.JWTAudience},
		{"audience", []func(*yandexauth.SignerOptions){func(o *yandexauth.SignerOptions) { o.Audience = "https://iam.private/iam/v1/tokens" }}, 600, "https://iam.private/iam/v1/tokens"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := yandexauth.NewSigner(key, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			sec, err := s.SignJWT(now)
			if err != nil {
				t.Fatal(err)
			}
			tok := sec.Reveal()
			header, claims, input, sig := authtest.DecodeJWT(t, tok)
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
