package nebius

import (
	"context"
	"fmt"

	"github.com/iamkit/iamkit/iam"
)

// KeyManagerOptions configures a [KeyManager].
type KeyManagerOptions struct {
	// ParentID is the project new keys are created in; default: the
	// client's ProjectID.
	ParentID string
	// SecretDeliveryMode of new keys; default: the service's choice.
	// MYSTERY_BOX is refused, since a KeyManager must return secrets.
	SecretDeliveryMode SecretDeliveryMode
}

// validate refuses options a KeyManager cannot work with.
func (o *KeyManagerOptions) validate(op string) error {
	if _, err := o.SecretDeliveryMode.toPB(op); err != nil {
		return err
	}
	if o.SecretDeliveryMode == DeliveryMysteryBox {
		return invalidArg(op, "option SecretDeliveryMode: MYSTERY_BOX delivery returns no secret; a KeyManager needs one")
	}
	return nil
}

// KeyManager is the Nebius implementation of [iam.KeyManager]: the access
// keys of one account, for the credentials package to create, rotate and
// delete. Key IDs are Nebius access key IDs ("accesskey-…"); AccessKeyID
// is the aws_access_key_id. It is safe for concurrent use.
type KeyManager struct {
	c       *Client
	keys    *AccessKeys
	account Account
	opts    KeyManagerOptions
}

var _ iam.KeyManager = (*KeyManager)(nil)

// NewKeyManager returns a KeyManager for the access keys of owner (usually
// nebius.ServiceAccount(id)) through c's AccessKeyService. New keys go to
// KeyManagerOptions.ParentID, else c's ProjectID; one of them is required.
// Nil option functions are skipped.
func NewKeyManager(c *Client, owner Account, optFns ...func(*KeyManagerOptions)) (*KeyManager, error) {
	const op = "NewKeyManager"
	if c == nil {
		return nil, invalidArg(op, "client is nil")
	}
	if err := owner.validate(op, "owner"); err != nil {
		return nil, err
	}
	var o KeyManagerOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := o.validate(op); err != nil {
		return nil, err
	}
	parent, err := c.parentID(op, o.ParentID)
	if err != nil {
		return nil, err
	}
	o.ParentID = parent
	return &KeyManager{c: c, keys: c.AccessKeys(), account: owner, opts: o}, nil
}

// Provider returns iam.Nebius.
func (m *KeyManager) Provider() iam.Provider { return iam.Nebius }

// AccountIdentity returns "nebius/<address>/<type>:<account ID>", for
// example "nebius/cpl.iam.api.nebius.cloud:443/service_account:serviceaccount-e00…":
// the account whose keys the manager lists and creates, known without a
// call.
func (m *KeyManager) AccountIdentity() string {
	return "nebius/" + m.c.Address() + "/" + m.account.String()
}

// CreateKey creates an access key for the account and returns it with its
// secret.
func (m *KeyManager) CreateKey(ctx context.Context, req iam.CreateKeyRequest) (iam.AccessKey, error) {
	k, err := m.keys.Create(ctx, CreateAccessKeyRequest{
		ParentID:           m.opts.ParentID,
		Account:            m.account,
		ExpiresAt:          req.ExpiresAt,
		Description:        req.Description,
		SecretDeliveryMode: m.opts.SecretDeliveryMode,
	})
	if err != nil {
		return iam.AccessKey{}, err
	}
	return k.ToIAM(), nil
}

// ListKeys lists the account's access keys, without secrets.
func (m *KeyManager) ListKeys(ctx context.Context) ([]iam.AccessKey, error) {
	var out []iam.AccessKey
	for k, err := range m.keys.ListByAccount(ctx, ListByAccountRequest{Account: m.account}) {
		if err != nil {
			return nil, err
		}
		ik := k.ToIAM()
		ik.Secret = iam.Secret{}
		out = append(out, ik)
	}
	return out, nil
}

// GetKey returns one access key, without its secret.
func (m *KeyManager) GetKey(ctx context.Context, id string) (iam.AccessKey, error) {
	k, err := m.keys.Get(ctx, id)
	if err != nil {
		return iam.AccessKey{}, err
	}
	ik := k.ToIAM()
	ik.Secret = iam.Secret{}
	return ik, nil
}

// UpdateKey activates or deactivates a key. Nebius access-key expiry is
// immutable, so a request with ExpiresAt set fails with
// iam.ErrInvalidArgument before any call.
func (m *KeyManager) UpdateKey(ctx context.Context, id string, req iam.UpdateKeyRequest) (iam.AccessKey, error) {
	const op = akService + "Update"
	if id == "" {
		return iam.AccessKey{}, invalidArg(op, "access key ID is empty")
	}
	if !req.ExpiresAt.IsZero() {
		return iam.AccessKey{}, invalidArg(op, "the expiry of a Nebius access key is immutable")
	}
	var (
		k   *AccessKey
		err error
	)
	switch req.State {
	case iam.StateUnspecified:
		return m.GetKey(ctx, id)
	case iam.StateActive:
		k, err = m.keys.Activate(ctx, id)
	case iam.StateInactive:
		k, err = m.keys.Deactivate(ctx, id)
	default:
		return iam.AccessKey{}, invalidArg(op, fmt.Sprintf("cannot set state %q (want ACTIVE or INACTIVE)", req.State))
	}
	if err != nil {
		return iam.AccessKey{}, err
	}
	ik := k.ToIAM()
	ik.Secret = iam.Secret{}
	return ik, nil
}

// DeleteKey deletes a key; a key that is already gone gives an error
// matching iam.ErrNotFound.
func (m *KeyManager) DeleteKey(ctx context.Context, id string) error {
	return m.keys.Delete(ctx, id)
}
