package outscale

import (
	"github.com/iamkit/iamkit/iam"
)

// The key states the API knows.
const (
	StateActive   = iam.StateActive
	StateInactive = iam.StateInactive
)

// ResponseContext is the context every response carries.
type ResponseContext struct {
	// RequestID is the ID of the request, for support tickets.
	RequestID string `json:"RequestId,omitempty"`
}

// AccessKey is an access key as ReadAccessKeys and UpdateAccessKey return
// it (without its secret). An absent ExpirationDate means "never expires".
type AccessKey struct {
	// AccessKeyID is the 20-character access key ID.
	AccessKeyID string `json:"AccessKeyId,omitempty"`
	// CreationDate is when the key was created.
	CreationDate Date `json:"CreationDate,omitzero"`
	// ExpirationDate is when the key expires (zero: never).
	ExpirationDate Date `json:"ExpirationDate,omitzero"`
	// LastModificationDate is when the key was last changed.
	LastModificationDate Date `json:"LastModificationDate,omitzero"`
	// State is ACTIVE or INACTIVE.
	State iam.State `json:"State,omitempty"`
	// Tag is the key's tag (API 1.34.3+).
	Tag string `json:"Tag,omitempty"`
}

// ToIAM returns the key in the provider-neutral form, without an owner
// (the API does not say which user a key belongs to; the [KeyManager] sets
// its UserName). A nil key gives the zero value.
func (k *AccessKey) ToIAM() iam.AccessKey {
	if k == nil {
		return iam.AccessKey{}
	}
	return iam.AccessKey{
		Provider:    iam.Outscale,
		ID:          k.AccessKeyID,
		AccessKeyID: k.AccessKeyID,
		Description: k.Tag,
		State:       k.State,
		CreatedAt:   k.CreationDate.Time(),
		ExpiresAt:   k.ExpirationDate.Time(),
	}
}

// AccessKeySecretKey is an access key with its secret, as CreateAccessKey
// returns it (the only time the API shows the secret).
type AccessKeySecretKey struct {
	AccessKey
	// SecretKey is the 40-character secret key.
	SecretKey iam.Secret `json:"SecretKey,omitzero"`
}

// ToIAM returns the key in the provider-neutral form, with its secret.
func (k *AccessKeySecretKey) ToIAM() iam.AccessKey {
	if k == nil {
		return iam.AccessKey{}
	}
	n := k.AccessKey.ToIAM()
	n.Secret = k.SecretKey
	return n
}

// FiltersAccessKeys narrows ReadAccessKeys.
type FiltersAccessKeys struct {
	// AccessKeyIDs keeps only these keys.
	AccessKeyIDs []string `json:"AccessKeyIds,omitempty"`
	// States keeps only keys in these states.
	States []iam.State `json:"States,omitempty"`
}

// CreateAccessKeyRequest is the body of CreateAccessKey, less the
// UserName the sub-client adds ([Client.UserAccessKeys]).
type CreateAccessKeyRequest struct {
	// DryRun checks permissions without creating anything.
	DryRun bool `json:"DryRun,omitempty"`
	// ExpirationDate, when set, is when the key expires; zero: never (unless
	// the account's API access policy requires an expiry).
	ExpirationDate Date `json:"ExpirationDate,omitzero"`
	// Tag labels the key (API 1.34.3+).
	Tag string `json:"Tag,omitempty"`
}

// ReadAccessKeysRequest is the body of ReadAccessKeys ([AccessKeys.List]),
// less the UserName the sub-client adds.
type ReadAccessKeysRequest struct {
	// DryRun checks permissions without reading anything.
	DryRun bool `json:"DryRun,omitempty"`
	// Filters narrows the result.
	Filters *FiltersAccessKeys `json:"Filters,omitempty"`
	// Tag keeps only keys with this tag (API 1.34.3+).
	Tag string `json:"Tag,omitempty"`
}

// UpdateAccessKeyRequest is the body of UpdateAccessKey, less the UserName
// the sub-client adds.
//
// Beware: on servers before API 1.40 (and, UNCONFIRMED, maybe on later ones)
// an update that omits ExpirationDate removes the key's expiry. Use
// [AccessKeys.SetState], which re-sends the current expiry, to change only
// the state.
type UpdateAccessKeyRequest struct {
	// ID is the access key ID of the key to update (required).
	ID string `json:"AccessKeyId"`
	// ClearExpirationDate makes the key never expire (API 1.40.1+);
	// ExpirationDate is then ignored.
	ClearExpirationDate bool `json:"ClearExpirationDate,omitempty"`
	// ClearTag removes the tag (API 1.40.1+).
	ClearTag bool `json:"ClearTag,omitempty"`
	// DryRun checks permissions without changing anything.
	DryRun bool `json:"DryRun,omitempty"`
	// ExpirationDate is the new expiry.
	ExpirationDate Date `json:"ExpirationDate,omitzero"`
	// State is the new state (required before API 1.40).
	State iam.State `json:"State,omitempty"`
	// Tag replaces the tag.
	Tag string `json:"Tag,omitempty"`
}

// APIAccessPolicy is the account's API access policy.
type APIAccessPolicy struct {
	// MaxAccessKeyExpirationSeconds caps the lifetime of new access keys;
	// 0 means unlimited.
	MaxAccessKeyExpirationSeconds int64 `json:"MaxAccessKeyExpirationSeconds"`
	// RequireTrustedEnv requires a trusted session (client certificate).
	RequireTrustedEnv bool `json:"RequireTrustedEnv"`
}

// UpdateAPIAccessPolicyRequest is the body of UpdateApiAccessPolicy; both
// policy fields are required by the API and always sent.
type UpdateAPIAccessPolicyRequest struct {
	// DryRun checks permissions without changing anything.
	DryRun bool `json:"DryRun,omitempty"`
	// MaxAccessKeyExpirationSeconds caps new keys' lifetime (0: unlimited).
	MaxAccessKeyExpirationSeconds int64 `json:"MaxAccessKeyExpirationSeconds"`
	// RequireTrustedEnv requires a trusted session.
	RequireTrustedEnv bool `json:"RequireTrustedEnv"`
}

// CheckAuthenticationRequest is the body of CheckAuthentication, which
// checks a login/password pair (the request itself is signed with an
// access key).
type CheckAuthenticationRequest struct {
	// DryRun checks permissions without checking the pair.
	DryRun bool
	// Login is the account's email address (required).
	Login string
	// Password is the account's password (required).
	Password iam.Secret
}

// checkAuthenticationWire is the body CheckAuthentication sends, with the
// password in clear (it is the point of the call). It is unexported so
// that encoding a CheckAuthenticationRequest (encoding/json, a slog JSON
// handler) shows the password redacted.
type checkAuthenticationWire struct {
	DryRun   bool   `json:"DryRun,omitempty"`
	Login    string `json:"Login"`
	Password string `json:"Password"`
}

// CheckAuthenticationResponse is the answer of CheckAuthentication.
type CheckAuthenticationResponse struct {
	// ResponseContext carries the request ID.
	ResponseContext ResponseContext `json:"ResponseContext"`
}
