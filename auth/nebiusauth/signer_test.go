package nebiusauth_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/nebiusauth"
)

func TestSigner(t *testing.T) {
	key := authtest.ServiceAccountKey(t)
	now := time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.UTC)
	tests := []struct {
		name    string
		opts    []func(*nebiusauth.SignerOptions)
		wantTTL int64
		wantAud string
	}{
		{"defaults", nil, 60, nebiusauth.JWTAudience},
		{"5 min", []func(*nebiusauth.SignerOptions){func(o *nebiusauth.SignerOptions) { o.TTL = 5 * time.Minute }}, 300, nebiusauth.JWTAudience},
		{"audience", []func(*nebiusauth.SignerOptions){func(o *nebiusauth.SignerOptions) { o.Audience = "aud.example" }}, 60, "aud.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := nebiusauth.NewSigner(key, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			sec, err := s.SignJWT(now)
			if err != nil {
				t.Fatal(err)
			}
			tok := sec.Reveal()
			header, claims, input, sig := authtest.DecodeJWT(t, tok)
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

func TestNewSignerRefusesUserAccountKeys(t *testing.T) {
	key, err := auth.NewServiceAccountKey("ajeuserkey", "ajeuser", authtest.RSAKey(t))
	if err != nil {
		t.Fatal(err)
	}
	key.UserAccount = true
	if _, err := nebiusauth.NewSigner(key); err == nil || !strings.Contains(err.Error(), "user account") {
		t.Fatalf("err = %v, want a refusal of the user account's key", err)
	}
}
