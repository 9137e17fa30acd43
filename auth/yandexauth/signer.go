package yandexauth

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/jwtsign"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// Yandex Cloud JWT parameters.
const (
	// JWTAudience is the "aud" claim of the JWTs a [Signer] signs.
	JWTAudience = "https://iam.api.cloud.yandex.net/iam/v1/tokens"
	// DefaultJWTTTL is how long a Yandex JWT is valid by default. The
	// JWT is used once, right away; a short lifetime limits a leak.
	DefaultJWTTTL = 10 * time.Minute
	// MaxJWTTTL is the longest lifetime Yandex Cloud accepts
	// (exp - iat ≤ 3600 s).
	MaxJWTTTL = time.Hour
)

// SignerOptions configures a [Signer].
type SignerOptions struct {
	// TTL is the JWT lifetime (exp - iat). Default [DefaultJWTTTL]; at
	// least 1s and at most [MaxJWTTTL] (a negative value is refused).
	TTL time.Duration
	// Audience overrides the "aud" claim. Default [JWTAudience].
	Audience string
}

// Signer signs the JWTs that Yandex Cloud's IAM token service
// exchanges for IAM tokens: PS256 with a salt as long as the hash (32
// bytes), header {"alg":"PS256","kid":<authorized key ID>,"typ":"JWT"},
// claims iss = the service account ID (the user account ID for a user
// account's key, as go-sdk v2 signs it), aud, iat, exp. It implements
// [auth.JWTSigner].
//
// A Signer is safe for concurrent use. The header and the constant
// claims are encoded once at construction, so SignJWT costs little more
// than the RSA signature itself.
type Signer struct {
	key *auth.ServiceAccountKey
	b   *jwtsign.Builder
}

// setDefaults fills the fields left zero.
func (o *SignerOptions) setDefaults() {
	if o.TTL == 0 {
		o.TTL = DefaultJWTTTL
	}
	if o.Audience == "" {
		o.Audience = JWTAudience
	}
}

// validate reports an unusable field, after setDefaults.
func (o *SignerOptions) validate() error {
	return jwtsign.CheckTTL("yandexauth: NewSigner", o.TTL, MaxJWTTTL)
}

// NewSigner returns a signer for key. It fails if the key has no IDs or an
// unusable private key, or if the TTL is out of range. Nil option
// functions are skipped.
func NewSigner(key *auth.ServiceAccountKey, optFns ...func(*SignerOptions)) (*Signer, error) {
	if err := jwtsign.CheckKey("yandexauth: NewSigner", key); err != nil {
		return nil, err
	}
	var o SignerOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	o.setDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	b, err := jwtsign.New("yandexauth", jwtsign.PS256, key, o.TTL,
		"iss", key.ServiceAccountID,
		"aud", o.Audience,
	)
	if err != nil {
		return nil, err
	}
	return &Signer{key: key, b: b}, nil
}

// SignJWT returns a PS256 JWT issued at now and expiring at now + TTL (both
// as whole Unix seconds).
func (s *Signer) SignJWT(now time.Time) (iam.Secret, error) { return s.b.Sign(now) }

// Key returns the service account key the signer signs with.
func (s *Signer) Key() *auth.ServiceAccountKey { return s.key }

// TTL returns the lifetime of the JWTs the signer signs.
func (s *Signer) TTL() time.Duration { return s.b.TTL() }

// String describes the signer by its key's IDs; never key material.
func (s *Signer) String() string { return "yandexauth.Signer{" + s.key.String() + "}" }

var _ auth.JWTSigner = (*Signer)(nil)

// GoString is used by %#v; it never shows key material.
func (s *Signer) GoString() string { return "&yandexauth.Signer{" + s.key.GoString() + "}" }

// Format prints String under every verb (GoString for %#v); never key
// material.
func (s *Signer) Format(f fmt.State, verb rune) {
	safeprint.FormatString(f, verb, s.String(), s.GoString())
}

// LogValue makes slog print the key's IDs; never key material.
func (s *Signer) LogValue() slog.Value { return s.key.LogValue() }
