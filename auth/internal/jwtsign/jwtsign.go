package jwtsign

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/keyfile"
	"github.com/iamkit/iamkit/iam"
)

// Alg is the signature algorithm of a [Builder].
type Alg int

// The algorithms of the clouds' JWTs.
const (
	RS256 Alg = iota // RSASSA-PKCS1-v1_5 with SHA-256 (Nebius)
	PS256            // RSASSA-PSS with SHA-256, salt length = hash length (Yandex)
)

// String returns the JWT "alg" name.
func (a Alg) String() string {
	if a == PS256 {
		return "PS256"
	}
	return "RS256"
}

// Builder signs compact JWTs whose header and claims differ only in iat
// and exp. Everything else (the encoded header, the claims up to "iat") is
// built once, so a signature costs one SHA-256, one RSA operation and a few
// small appends.
type Builder struct {
	pkg          string // the signer's package, for errors
	alg          Alg
	key          *rsa.PrivateKey
	ttl          time.Duration
	header       []byte // base64url(header) + "."
	claimsPrefix []byte // `{"iss":…,"aud":…,"iat":`
	sigLen       int    // encoded signature length
}

// New prepares a builder for the signer of package pkg (named in errors).
// claims holds the constant claims as
// ordered name/value string pairs. The header and the constant claims are
// encoded with encoding/json, once.
func New(pkg string, alg Alg, key *auth.ServiceAccountKey, ttl time.Duration, claims ...string) (*Builder, error) {
	h, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{alg.String(), key.KeyID, "JWT"})
	if err != nil {
		return nil, fmt.Errorf("%s: encode JWT header: %w", pkg, err)
	}
	header := base64.RawURLEncoding.AppendEncode(nil, h)
	header = append(header, '.')

	c := []byte{'{'}
	for i := 0; i+1 < len(claims); i += 2 {
		name, err := json.Marshal(claims[i])
		if err != nil {
			return nil, fmt.Errorf("%s: encode JWT claims: %w", pkg, err)
		}
		value, err := json.Marshal(claims[i+1])
		if err != nil {
			return nil, fmt.Errorf("%s: encode JWT claims: %w", pkg, err)
		}
		c = append(c, name...)
		c = append(c, ':')
		c = append(c, value...)
		c = append(c, ',')
	}
	c = append(c, `"iat":`...)
	return &Builder{
		pkg:          pkg,
		alg:          alg,
		key:          key.PrivateKey(),
		ttl:          ttl,
		header:       header,
		claimsPrefix: c,
		sigLen:       base64.RawURLEncoding.EncodedLen(key.PrivateKey().Size()),
	}, nil
}

// Sign returns the JWT issued at now. The signature is golang-jwt's
// (SigningMethodRS256 or SigningMethodPS256, whose PSS salt is as long as
// the hash, as RFC 7518 §3.5 and Yandex Cloud require); only the header and
// claims are built here, once, instead of by reflection on every call.
func (b *Builder) Sign(now time.Time) (iam.Secret, error) {
	out := b.SigningInput(now)
	var method jwt.SigningMethod = jwt.SigningMethodRS256
	if b.alg == PS256 {
		method = jwt.SigningMethodPS256
	}
	sig, err := method.Sign(string(out), b.key)
	if err != nil {
		// golang-jwt and crypto/rsa errors carry no key material.
		return iam.Secret{}, fmt.Errorf("%s: sign %s JWT: %w", b.pkg, b.alg, err)
	}
	out = append(out, '.')
	out = base64.RawURLEncoding.AppendEncode(out, sig)
	return iam.NewSecret(string(out)), nil
}

// SigningInput returns base64url(header) "." base64url(claims), in a buffer
// with room for the signature.
func (b *Builder) SigningInput(now time.Time) []byte {
	iat := now.Unix()
	exp := now.Add(b.ttl).Unix()

	var claimsBuf [256]byte
	claims := append(claimsBuf[:0], b.claimsPrefix...)
	claims = strconv.AppendInt(claims, iat, 10)
	claims = append(claims, `,"exp":`...)
	claims = strconv.AppendInt(claims, exp, 10)
	claims = append(claims, '}')

	n := len(b.header) + base64.RawURLEncoding.EncodedLen(len(claims)) + 1 + b.sigLen
	out := make([]byte, 0, n)
	out = append(out, b.header...)
	return base64.RawURLEncoding.AppendEncode(out, claims)
}

// TTL returns the lifetime of the JWTs b signs.
func (b *Builder) TTL() time.Duration { return b.ttl }

// KeySize returns the size of b's RSA key in bytes (the signature's size).
func (b *Builder) KeySize() int { return b.key.Size() }

// CheckTTL validates a signer's JWT lifetime; signer names it in errors
// ("nebiusauth: NewSigner").
func CheckTTL(signer string, ttl, max time.Duration) error {
	if ttl < time.Second {
		return fmt.Errorf("%s: TTL %v is too short, it must be at least 1s", signer, ttl)
	}
	if ttl > max {
		return fmt.Errorf("%s: TTL %v is too long, the cloud accepts at most %v", signer, ttl, max)
	}
	return nil
}

// CheckKey checks that key can sign: it has both IDs and a usable RSA
// private key. signer names the signer in errors.
func CheckKey(signer string, key *auth.ServiceAccountKey) error {
	if key == nil || key.PrivateKey() == nil {
		return fmt.Errorf("%s: service account key is nil or has no private key", signer)
	}
	if key.KeyID == "" {
		return fmt.Errorf("%s: service account key has no key ID", signer)
	}
	if key.ServiceAccountID == "" {
		return fmt.Errorf("%s: service account key has no service account ID", signer)
	}
	if err := keyfile.CheckRSA(key.PrivateKey()); err != nil {
		return fmt.Errorf("%s: %w", signer, err)
	}
	return nil
}
