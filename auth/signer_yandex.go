package auth

import (
	"time"

	"github.com/iamkit/iamkit/iam"
)

// Yandex Cloud JWT parameters.
const (
	// YandexJWTAudience is the "aud" claim of the JWTs a [YandexSigner] signs.
	YandexJWTAudience = "https://iam.api.cloud.yandex.net/iam/v1/tokens"
	// DefaultYandexJWTTTL is how long a Yandex JWT is valid by default. The
	// JWT is used once, right away; a short lifetime limits a leak.
	DefaultYandexJWTTTL = 10 * time.Minute
	// MaxYandexJWTTTL is the longest lifetime Yandex Cloud accepts
	// (exp - iat ≤ 3600 s).
	MaxYandexJWTTTL = time.Hour
)

// YandexSignerOptions configures a [YandexSigner].
type YandexSignerOptions struct {
	// TTL is the JWT lifetime (exp - iat). Default [DefaultYandexJWTTTL];
	// at least 1s and at most [MaxYandexJWTTTL].
	TTL time.Duration
	// Audience overrides the "aud" claim. Default [YandexJWTAudience].
	Audience string
}

// YandexSigner signs the JWTs that Yandex Cloud's IAM token service
// exchanges for IAM tokens: PS256 with a salt as long as the hash (32
// bytes), header {"alg":"PS256","kid":<authorized key ID>,"typ":"JWT"},
// claims iss = the service account ID, aud, iat, exp. It implements
// [JWTSigner].
//
// A YandexSigner is safe for concurrent use. The header and the constant
// claims are encoded once at construction, so SignJWT costs little more
// than the RSA signature itself.
type YandexSigner struct {
	key *ServiceAccountKey
	b   *jwtBuilder
}

// NewYandexSigner returns a signer for key. It fails if the key has no IDs
// or an unusable private key, or if the TTL is out of range.
func NewYandexSigner(key *ServiceAccountKey, optFns ...func(*YandexSignerOptions)) (*YandexSigner, error) {
	const name = "NewYandexSigner"
	o := YandexSignerOptions{TTL: DefaultYandexJWTTTL, Audience: YandexJWTAudience}
	for _, fn := range optFns {
		fn(&o)
	}
	if err := checkSignerKey(name, key); err != nil {
		return nil, err
	}
	if err := checkTTL(name, o.TTL, MaxYandexJWTTTL); err != nil {
		return nil, err
	}
	if o.Audience == "" {
		o.Audience = YandexJWTAudience
	}
	b, err := newJWTBuilder(algPS256, key, o.TTL,
		"iss", key.ServiceAccountID,
		"aud", o.Audience,
	)
	if err != nil {
		return nil, err
	}
	return &YandexSigner{key: key, b: b}, nil
}

// SignJWT returns a PS256 JWT issued at now and expiring at now + TTL (both
// as whole Unix seconds).
func (s *YandexSigner) SignJWT(now time.Time) (iam.Secret, error) { return s.b.sign(now) }

// Key returns the service account key the signer signs with.
func (s *YandexSigner) Key() *ServiceAccountKey { return s.key }

// TTL returns the lifetime of the JWTs the signer signs.
func (s *YandexSigner) TTL() time.Duration { return s.b.ttl }

// String describes the signer by its key's IDs; never key material.
func (s *YandexSigner) String() string { return "YandexSigner{" + s.key.String() + "}" }

var _ JWTSigner = (*YandexSigner)(nil)

// GoString is used by %#v; it never shows key material.
func (s *YandexSigner) GoString() string { return "&auth.YandexSigner{" + s.key.GoString() + "}" }
