package iamtest

import (
	"crypto/rsa"
	"sync"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// Registry is the state the emulators share: the service-account public keys
// that token exchanges verify JWTs against, the access tokens they issued,
// and the S3-compatible access keys that the key emulators minted and the S3
// emulator verifies signatures with.
//
// One Registry is made by [NewRegistry] and passed to every emulator of a
// test (the emulators make their own when given none). It is safe for
// concurrent use.
type Registry struct {
	mu sync.RWMutex
	// m is a pointer so that fmt, when it prints a *Registry by reflection
	// (the %w verb, a Registry in an unexported field), shows an address
	// rather than the issued tokens and S3 secrets the maps hold.
	m *registryMaps
}

type registryMaps struct {
	publicKeys map[string]PublicKey // by key ID (kid)
	tokens     map[string]IssuedToken
	accessKeys map[string]S3Key // by AWS access key ID
}

// PublicKey is a service account's (or a Yandex user account's)
// registered public key.
type PublicKey struct {
	// KeyID is the key ID a JWT names in its "kid" header.
	KeyID string
	// ServiceAccountID owns the key; a JWT's iss (and for Nebius sub) must
	// equal it.
	ServiceAccountID string
	// UserAccountID, set instead of ServiceAccountID, registers a Yandex
	// user account's authorized key (a key.json with "user_account_id"):
	// the Yandex token emulator exchanges a JWT whose iss is this ID for a
	// token of the user account; the Nebius one refuses the key.
	UserAccountID string
	// Key is the RSA public key signatures are verified with.
	Key *rsa.PublicKey
	// Disabled keys are refused, as the clouds refuse inactive keys.
	Disabled bool
}

// IssuedToken is an access token an emulator issued.
type IssuedToken struct {
	// Subject is the service account the token was issued to.
	Subject string
	// Issuer names the emulator ("nebius" or "yandex").
	Issuer string
	// ExpiresAt is when the token stops being accepted.
	ExpiresAt time.Time
}

// S3Key is an access key the S3 emulator accepts signatures from.
type S3Key struct {
	// AccessKeyID is the AWS access key ID.
	AccessKeyID string
	// Secret is the secret access key.
	Secret iam.Secret
	// SessionToken, when set, must be sent as X-Amz-Security-Token.
	SessionToken iam.Secret
	// Active is false for deactivated keys, which S3 refuses.
	Active bool
	// ExpiresAt, when not zero, is when the key stops working.
	ExpiresAt time.Time
	// Owner is the account that owns the key.
	Owner string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{m: &registryMaps{
		publicKeys: map[string]PublicKey{},
		tokens:     map[string]IssuedToken{},
		accessKeys: map[string]S3Key{},
	}}
}

// PutPublicKey registers (or replaces) a public key.
func (r *Registry) PutPublicKey(k PublicKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m.publicKeys[k.KeyID] = k
}

// DeletePublicKey removes a public key.
func (r *Registry) DeletePublicKey(keyID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m.publicKeys, keyID)
}

// PublicKey returns the key registered under keyID.
func (r *Registry) PublicKey(keyID string) (PublicKey, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.m.publicKeys[keyID]
	return k, ok
}

// PutToken records an issued access token.
func (r *Registry) PutToken(token string, t IssuedToken) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m.tokens[token] = t
}

// RevokeToken forgets an issued token, so it is refused from now on.
func (r *Registry) RevokeToken(token string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m.tokens, token)
}

// Token returns what the registry knows of an issued token.
func (r *Registry) Token(token string) (IssuedToken, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.m.tokens[token]
	return t, ok
}

// ValidateToken reports whether token was issued by issuer ("" for any) and
// is unexpired at now; it returns the token's subject.
func (r *Registry) ValidateToken(token, issuer string, now time.Time) (subject string, ok bool) {
	t, found := r.Token(token)
	if !found || (issuer != "" && t.Issuer != issuer) || !now.Before(t.ExpiresAt) {
		return "", false
	}
	return t.Subject, true
}

// PutS3Key registers (or replaces) an S3 access key.
func (r *Registry) PutS3Key(k S3Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m.accessKeys[k.AccessKeyID] = k
}

// SetS3KeyActive activates or deactivates an S3 access key; it reports
// whether the key exists.
func (r *Registry) SetS3KeyActive(accessKeyID string, active bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.m.accessKeys[accessKeyID]
	if ok {
		k.Active = active
		r.m.accessKeys[accessKeyID] = k
	}
	return ok
}

// DeleteS3Key removes an S3 access key.
func (r *Registry) DeleteS3Key(accessKeyID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m.accessKeys, accessKeyID)
}

// S3Key returns the S3 access key registered under accessKeyID.
func (r *Registry) S3Key(accessKeyID string) (S3Key, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.m.accessKeys[accessKeyID]
	return k, ok
}
