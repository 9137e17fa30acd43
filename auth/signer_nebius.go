package auth

import (
	"time"

	"github.com/iamkit/iamkit/iam"
)

// Nebius JWT parameters.
const (
	// NebiusJWTAudience is the "aud" claim of the JWTs a [NebiusSigner] signs.
	NebiusJWTAudience = "token-service.iam.new.nebiuscloud.net"
	// DefaultNebiusJWTTTL is how long a Nebius JWT is valid by default, as in
	// the Nebius Go SDK: it is used once, right away.
	DefaultNebiusJWTTTL = time.Minute
	// MaxNebiusJWTTTL is the longest lifetime Nebius documents for the JWT.
	MaxNebiusJWTTTL = 5 * time.Minute
)

// NebiusSignerOptions configures a [NebiusSigner].
type NebiusSignerOptions struct {
	// TTL is the JWT lifetime (exp - iat). Default [DefaultNebiusJWTTTL];
	// at least 1s and at most [MaxNebiusJWTTTL].
	TTL time.Duration
	// Audience overrides the "aud" claim. Default [NebiusJWTAudience].
	Audience string
}

// NebiusSigner signs the JWTs that the Nebius token service exchanges for
// access tokens: RS256, header {"alg":"RS256","kid":<key ID>,"typ":"JWT"},
// claims iss = sub = the service account ID, aud, iat, exp. It implements
// [JWTSigner].
//
// A NebiusSigner is safe for concurrent use. The header and the constant
// claims are encoded once at construction, so SignJWT costs little more
// than the RSA signature itself.
type NebiusSigner struct {
	key *ServiceAccountKey
	b   *jwtBuilder
}

// NewNebiusSigner returns a signer for key. It fails if the key has no IDs
// or an unusable private key, or if the TTL is out of range.
func NewNebiusSigner(key *ServiceAccountKey, optFns ...func(*NebiusSignerOptions)) (*NebiusSigner, error) {
	const name = "NewNebiusSigner"
	o := NebiusSignerOptions{TTL: DefaultNebiusJWTTTL, Audience: NebiusJWTAudience}
	for _, fn := range optFns {
		fn(&o)
	}
	if err := checkSignerKey(name, key); err != nil {
		return nil, err
	}
	if err := checkTTL(name, o.TTL, MaxNebiusJWTTTL); err != nil {
		return nil, err
	}
	if o.Audience == "" {
		o.Audience = NebiusJWTAudience
	}
	b, err := newJWTBuilder(algRS256, key, o.TTL,
		"iss", key.ServiceAccountID,
		"sub", key.ServiceAccountID,
		"aud", o.Audience,
	)
	if err != nil {
		return nil, err
	}
	return &NebiusSigner{key: key, b: b}, nil
}

// SignJWT returns an RS256 JWT issued at now and expiring at now + TTL
// (both as whole Unix seconds).
func (s *NebiusSigner) SignJWT(now time.Time) (iam.Secret, error) { return s.b.sign(now) }

// Key returns the service account key the signer signs with.
func (s *NebiusSigner) Key() *ServiceAccountKey { return s.key }

// TTL returns the lifetime of the JWTs the signer signs.
func (s *NebiusSigner) TTL() time.Duration { return s.b.ttl }

// String describes the signer by its key's IDs; never key material.
func (s *NebiusSigner) String() string { return "NebiusSigner{" + s.key.String() + "}" }

var _ JWTSigner = (*NebiusSigner)(nil)

// GoString is used by %#v; it never shows key material.
func (s *NebiusSigner) GoString() string { return "&auth.NebiusSigner{" + s.key.GoString() + "}" }
