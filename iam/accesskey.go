package iam

import (
	"context"
	"time"
)

// State is the lifecycle state of an access key.
type State string

// The states an access key can be in, across the three clouds.
const (
	StateUnspecified State = ""
	StateActive      State = "ACTIVE"
	StateInactive    State = "INACTIVE"
	StateDeleting    State = "DELETING"
	StateDeleted     State = "DELETED"
	StateExpired     State = "EXPIRED"
)

// AccessKey is an S3-compatible access key in provider-neutral form: what the
// credentials package needs to sign requests and to manage rotation.
//
// The secret is present only right after creation (clouds show it once).
type AccessKey struct {
	// Provider is the cloud that issued the key.
	Provider Provider
	// ID is the provider's resource ID of the key (Nebius access key ID,
	// Yandex key resource ID, OUTSCALE access key ID).
	ID string
	// AccessKeyID is the AWS-style access key ID used in SigV4 signatures
	// (equal to ID on OUTSCALE).
	AccessKeyID string
	// Secret is the secret access key; empty unless just created.
	Secret Secret
	// SessionToken is set for temporary keys (Yandex ephemeral keys).
	SessionToken Secret
	// Owner is the account (service account, user) that owns the key.
	Owner string
	// Description is the key's description or tag, used to mark keys a
	// managed provider created.
	Description string
	// State is the key's state.
	State State
	// CreatedAt is when the key was created (zero if unknown).
	CreatedAt time.Time
	// ExpiresAt is when the key stops working (zero: never).
	ExpiresAt time.Time
}

// Expires reports whether the key has an expiry time.
func (k AccessKey) Expires() bool { return !k.ExpiresAt.IsZero() }

// CreateKeyRequest asks a [KeyManager] for a new access key.
type CreateKeyRequest struct {
	// Description marks the key (Nebius description, Yandex description,
	// OUTSCALE tag); managed providers use it to recognise their keys.
	Description string
	// ExpiresAt asks for an expiry; zero means none or the provider's
	// default. Providers that cannot expire keys ignore it.
	ExpiresAt time.Time
	// UniqueDescription says that no other key has or will have this
	// Description (the credentials package adds a random nonce to its
	// marks). A KeyManager whose create cannot be retried safely (OUTSCALE)
	// then looks the key up by its Description after a lost answer, and
	// removes it (its secret was in the lost answer) instead of leaving an
	// active key nobody holds. Leave it false for descriptions that others
	// may share: such a lookup could take another key for the lost one.
	UniqueDescription bool
}

// UpdateKeyRequest changes an access key's state and/or expiry.
type UpdateKeyRequest struct {
	// State, when not empty, is the new state (ACTIVE or INACTIVE).
	State State
	// ExpiresAt, when not zero, is the new expiry.
	ExpiresAt time.Time
}

// KeyManager is the provider-neutral set of access-key operations that the
// credentials package uses to create, rotate and delete keys. Each provider
// package (iam/nebius, iam/yandex, iam/outscale) has an implementation.
//
// Implementations are safe for concurrent use. Errors unwrap to the
// sentinels of this package (ErrNotFound, ErrThrottled, …).
type KeyManager interface {
	// Provider names the cloud.
	Provider() Provider
	// AccountIdentity names, without a network call, the account whose
	// keys the manager manages, in a form that is the same in every process
	// configured alike, the endpoint included:
	// "nebius/cpl.iam.api.nebius.cloud:443/service_account:serviceaccount-e00…",
	// "yandex/https://iam.api.cloud.yandex.net/service_account:aje…",
	// "outscale/https://api.eu-west-2.outscale.com/api/v1/ak:<caller's
	// access key ID>/user:<EIM user>" (or ".../login:<login>/user:…"). It
	// is "" when the account can be known only from a call (a Yandex
	// client without ServiceAccountID).
	// The credentials package records it in its state file and serves a
	// stored key at start only when it matches; otherwise it first
	// confirms the key by listing the account's keys.
	AccountIdentity() string
	// CreateKey creates an access key and returns it with its secret.
	CreateKey(ctx context.Context, req CreateKeyRequest) (AccessKey, error)
	// ListKeys lists the keys of the manager's account (without secrets).
	ListKeys(ctx context.Context) ([]AccessKey, error)
	// GetKey returns one key (without its secret).
	GetKey(ctx context.Context, id string) (AccessKey, error)
	// UpdateKey changes a key's state and/or expiry and returns the key.
	UpdateKey(ctx context.Context, id string, req UpdateKeyRequest) (AccessKey, error)
	// DeleteKey deletes a key. Deleting a key that is already gone returns
	// an error matching ErrNotFound.
	DeleteKey(ctx context.Context, id string) error
}
