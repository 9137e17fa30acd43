package jwtsign_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
)

// The tests of the two signers built on this package, side by side.

func TestSignerUsesGivenTime(t *testing.T) {
	key := authtest.ServiceAccountKey(t)
	ns, err := nebiusauth.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	ys, err := yandexauth.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []auth.JWTSigner{ns, ys} {
		for _, now := range []time.Time{time.Unix(0, 0), time.Unix(1_000_000_000, 0), time.Date(2100, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3*3600))} {
			sec, err := s.SignJWT(now)
			if err != nil {
				t.Fatal(err)
			}
			_, claims, _, _ := authtest.DecodeJWT(t, sec.Reveal())
			if got := claims["iat"].(json.Number).String(); got != fmt.Sprint(now.Unix()) {
				t.Errorf("%T: iat = %s, want %d", s, got, now.Unix())
			}
		}
	}
}

func TestSignerOptionsValidation(t *testing.T) {
	key := authtest.ServiceAccountKey(t)
	nebius := []struct {
		ttl     time.Duration
		wantErr string
	}{
		{0, ""}, // the default
		{-time.Second, "too short"},
		{time.Millisecond, "too short"},
		{5*time.Minute + time.Second, "at most 5m0s"},
		{time.Hour, "too long"},
		{time.Second, ""},
		{5 * time.Minute, ""},
	}
	for _, tc := range nebius {
		s, err := nebiusauth.NewSigner(key, func(o *nebiusauth.SignerOptions) { o.TTL = tc.ttl })
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Nebius TTL %v: error = %v, want %q", tc.ttl, err, tc.wantErr)
		}
		if err == nil && tc.ttl == 0 && s.TTL() != nebiusauth.DefaultJWTTTL {
			t.Errorf("Nebius TTL 0: TTL() = %v, want the default", s.TTL())
		}
	}
	yandex := []struct {
		ttl     time.Duration
		wantErr string
	}{
		{0, ""}, // the default
		{-time.Minute, "too short"},
		{time.Hour + time.Second, "at most 1h0m0s"},
		{time.Hour, ""},
		{time.Minute, ""},
	}
	for _, tc := range yandex {
		s, err := yandexauth.NewSigner(key, func(o *yandexauth.SignerOptions) { o.TTL = tc.ttl })
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Yandex TTL %v: error = %v, want %q", tc.ttl, err, tc.wantErr)
		}
		if err == nil && tc.ttl == 0 && s.TTL() != yandexauth.DefaultJWTTTL {
			t.Errorf("Yandex TTL 0: TTL() = %v, want the default", s.TTL())
		}
	}

	badKeys := []struct {
		name string
		key  *auth.ServiceAccountKey
		want string
	}{
		{"nil", nil, "nil"},
		{"zero", &auth.ServiceAccountKey{KeyID: "k", ServiceAccountID: "s"}, "no private key"},
		{"no key ID", withIDs(key, "", "s"), "no key ID"},
		{"no service account", withIDs(key, "k", ""), "no service account ID"},
	}
	for _, tc := range badKeys {
		if _, err := nebiusauth.NewSigner(tc.key); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("nebiusauth.NewSigner(%s): error = %v, want %q", tc.name, err, tc.want)
		}
		if _, err := yandexauth.NewSigner(tc.key); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("yandexauth.NewSigner(%s): error = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestSignerEscapesIDs checks that IDs with JSON-special characters end up
// as the same strings after decoding.
func TestSignerEscapesIDs(t *testing.T) {
	odd := "a\"b\\c<d>&e\n\tf\x01g\u2028h\xffé"
	k, err := auth.NewServiceAccountKey(odd, odd+"sa", authtest.RSAKey(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := nebiusauth.NewSigner(k, func(o *nebiusauth.SignerOptions) { o.Audience = odd + "aud" })
	if err != nil {
		t.Fatal(err)
	}
	sec, err := s.SignJWT(time.Unix(100, 0))
	if err != nil {
		t.Fatal(err)
	}
	header, claims, _, _ := authtest.DecodeJWT(t, sec.Reveal())
	want := strings.ToValidUTF8(odd, "\uFFFD")
	if header["kid"] != want || claims["iss"] != want+"sa" || claims["sub"] != want+"sa" || claims["aud"] != want+"aud" {
		t.Errorf("header %q, claims %q", header, claims)
	}
}

func TestSignerConcurrent(t *testing.T) {
	key := authtest.ServiceAccountKey(t)
	ns, _ := nebiusauth.NewSigner(key)
	ys, _ := yandexauth.NewSigner(key)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		for _, s := range []auth.JWTSigner{ns, ys} {
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
	key := authtest.ServiceAccountKey(t)
	ns, _ := nebiusauth.NewSigner(key)
	ys, _ := yandexauth.NewSigner(key)
	pemText := authtest.PKCS8PEM(t, key.PrivateKey())
	for _, v := range []any{ns, ys} {
		for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
			out := fmt.Sprintf(verb, v)
			authtest.AssertNoKeyMaterial(t, out, pemText, key.PrivateKey())
			if !strings.Contains(out, "publickey-test01") {
				t.Errorf("%s = %s, want the key ID", verb, out)
			}
		}
	}
}

// withIDs returns a copy of key with other IDs (as a caller might set the
// exported fields).
func withIDs(key *auth.ServiceAccountKey, keyID, serviceAccountID string) *auth.ServiceAccountKey {
	k := *key
	k.KeyID, k.ServiceAccountID = keyID, serviceAccountID
	return &k
}
