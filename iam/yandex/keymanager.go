package yandex

import (
	"context"
	"errors"
	"fmt"

	"github.com/iamkit/iamkit/iam"
)

// KeyManagerOptions configure a [KeyManager]. Yandex static keys have no
// state, expiry or placement to choose, so there is nothing to set today;
// the type keeps NewKeyManager's signature the same as the other
// providers' (nebius.NewKeyManager, outscale.NewKeyManager) and leaves
// room for options to come.
type KeyManagerOptions struct{}

// KeyManager is the Yandex Cloud implementation of [iam.KeyManager]: the
// static access keys of one service account, for the credentials package
// to create, rotate and delete. Key IDs are the keys' resource IDs;
// AccessKeyID is the AWS access key ID. Yandex static keys are always
// active and never expire.
//
// It is safe for concurrent use.
type KeyManager struct {
	keys *AccessKeys
	sa   string
	opts KeyManagerOptions
}

var _ iam.KeyManager = (*KeyManager)(nil)

// NewKeyManager returns a KeyManager for the static access keys of the
// service account serviceAccountID. Empty: the client's
// Options.ServiceAccountID, and when that is empty too, the subject of
// the client's token (which only a call reveals; see
// [KeyManager.AccountIdentity]). Nil option functions are skipped.
func NewKeyManager(c *Client, serviceAccountID string, optFns ...func(*KeyManagerOptions)) (*KeyManager, error) {
	if c == nil {
		return nil, errors.New("yandex: NewKeyManager: client is nil")
	}
	if serviceAccountID == "" {
		serviceAccountID = c.t.opts.ServiceAccountID
	}
	if err := checkOptionalID("serviceAccountID", serviceAccountID); err != nil {
		return nil, fmt.Errorf("yandex: NewKeyManager: %w", err)
	}
	var o KeyManagerOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	return &KeyManager{keys: c.accessKeys, sa: serviceAccountID, opts: o}, nil
}

// Provider returns iam.Yandex.
func (m *KeyManager) Provider() iam.Provider { return iam.Yandex }

// ServiceAccountID returns the service account whose keys the manager
// manages ("": the token's subject).
func (m *KeyManager) ServiceAccountID() string { return m.sa }

// AccountIdentity returns "yandex/<IAM endpoint>/service_account:<ID>",
// or "" when the manager names no service account: the service account is
// then the token's subject, which only a call reveals (the credentials
// package then confirms a stored key by listing at start).
func (m *KeyManager) AccountIdentity() string {
	if m.sa == "" {
		return ""
	}
	return "yandex/" + m.keys.t.iamURL + "/service_account:" + m.sa
}

// CreateKey creates a static access key for the service account. Yandex
// static keys do not expire: req.ExpiresAt is ignored, as iam.KeyManager
// allows.
func (m *KeyManager) CreateKey(ctx context.Context, req iam.CreateKeyRequest) (iam.AccessKey, error) {
	k, err := m.keys.Create(ctx, CreateAccessKeyRequest{ServiceAccountID: m.sa, Description: req.Description})
	if err != nil {
		return iam.AccessKey{}, err
	}
	return k.ToIAM(), nil
}

// ListKeys lists every static access key of the service account.
func (m *KeyManager) ListKeys(ctx context.Context) ([]iam.AccessKey, error) {
	var out []iam.AccessKey
	for k, err := range m.keys.List(ctx, ListAccessKeysRequest{ServiceAccountID: m.sa}) {
		if err != nil {
			return nil, err
		}
		out = append(out, k.ToIAM())
	}
	return out, nil
}

// GetKey returns one static access key by its resource ID.
func (m *KeyManager) GetKey(ctx context.Context, id string) (iam.AccessKey, error) {
	k, err := m.keys.Get(ctx, id)
	if err != nil {
		return iam.AccessKey{}, err
	}
	return k.ToIAM(), nil
}

// UpdateKey exists for iam.KeyManager. Yandex static keys are always
// active and never expire, so a request for StateActive (or an empty one)
// just returns the key, and a request to deactivate the key or give it an
// expiry fails with an error matching iam.ErrInvalidArgument and
// errors.ErrUnsupported, before any call (rotate by creating a new key and
// deleting the old one).
func (m *KeyManager) UpdateKey(ctx context.Context, id string, req iam.UpdateKeyRequest) (iam.AccessKey, error) {
	const op = "AccessKeyService/Update"
	if err := checkID("access key ID", id); err != nil {
		return iam.AccessKey{}, withOp(op, err)
	}
	switch {
	case req.State != iam.StateUnspecified && req.State != iam.StateActive:
		return iam.AccessKey{}, &iam.Error{Provider: iam.Yandex, Op: op, Kind: iam.ErrInvalidArgument,
			Message: fmt.Sprintf("yandex static access keys cannot be set to state %s", req.State), Err: errors.ErrUnsupported}
	case !req.ExpiresAt.IsZero():
		return iam.AccessKey{}, &iam.Error{Provider: iam.Yandex, Op: op, Kind: iam.ErrInvalidArgument,
			Message: "yandex static access keys cannot expire", Err: errors.ErrUnsupported}
	}
	return m.GetKey(ctx, id)
}

// DeleteKey deletes a static access key and waits for the operation.
func (m *KeyManager) DeleteKey(ctx context.Context, id string) error {
	return m.keys.Delete(ctx, id)
}
