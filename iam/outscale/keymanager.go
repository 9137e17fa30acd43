package outscale

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// KeyManagerOptions configure a [KeyManager].
type KeyManagerOptions struct {
	// UserName is the EIM user whose access keys the manager manages;
	// empty: the caller (the account's root, or the EIM user whose
	// credentials sign).
	UserName string
}

// validate refuses a UserName that cannot be an EIM user name.
func (o *KeyManagerOptions) validate() error {
	if err := checkUserName(o.UserName); err != nil {
		return fmt.Errorf("outscale: NewKeyManager: option %v", err)
	}
	return nil
}

// KeyManager is the OUTSCALE implementation of [iam.KeyManager]: the access
// keys of one user (the caller or an EIM user), for the credentials
// package to create, rotate and delete. It honours the account's API
// access policy: MaxAccessKeyExpirationSeconds bounds the expiry it
// chooses, and [KeyManager.MaxKeyLifetime] reports it. Key IDs are access
// key IDs (ID and AccessKeyID are the same). It is safe for concurrent
// use.
type KeyManager struct {
	c    *Client
	keys *AccessKeys // the sub-client of the manager's user
	opts KeyManagerOptions

	mu    sync.Mutex
	pol   *APIAccessPolicy // the policy last read, reused for policyReuse
	polAt time.Time
}

// policyReuse is how long a policy read by MaxKeyLifetime or a create is
// reused by the next create or update, so that a managed provider's start
// (MaxKeyLifetime, then CreateKey) reads the policy once. The server
// enforces the policy anyway; this only spares a call.
const policyReuse = time.Minute

// readPolicy returns the account's API access policy, reusing a read made
// less than policyReuse ago.
func (m *KeyManager) readPolicy(ctx context.Context) (*APIAccessPolicy, error) {
	now := m.c.clock.Now()
	m.mu.Lock()
	if m.pol != nil && now.Sub(m.polAt) >= 0 && now.Sub(m.polAt) < policyReuse {
		pol := *m.pol
		m.mu.Unlock()
		return &pol, nil
	}
	m.mu.Unlock()
	got, err := m.c.policy.Get(ctx)
	if err != nil {
		return nil, err
	}
	pol := *got
	m.mu.Lock()
	m.pol, m.polAt = got, now
	m.mu.Unlock()
	return &pol, nil
}

var _ iam.KeyManager = (*KeyManager)(nil)

// NewKeyManager returns a KeyManager for the keys of the client's caller,
// or of the EIM user KeyManagerOptions.UserName. Nil option functions are
// skipped.
func NewKeyManager(c *Client, optFns ...func(*KeyManagerOptions)) (*KeyManager, error) {
	if c == nil {
		return nil, errors.New("outscale: NewKeyManager: client is nil")
	}
	var o KeyManagerOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	return &KeyManager{c: c, keys: c.UserAccessKeys(o.UserName), opts: o}, nil
}

// Provider returns iam.Outscale.
func (m *KeyManager) Provider() iam.Provider { return iam.Outscale }

// UserName returns the EIM user whose keys the manager manages ("": the
// caller).
func (m *KeyManager) UserName() string { return m.opts.UserName }

// AccountIdentity returns "outscale/<endpoint>/<caller>/user:<UserName>",
// the caller being "ak:<access key ID>" for SigV4 or "login:<login>" for
// login/password. The API tells the account only in answers, so the
// identity names the credentials instead: the same credentials at the
// same endpoint always address the same account (and EIM user). Other
// credentials of the same account give another identity, which only costs
// the credentials package one listing to confirm its stored key.
func (m *KeyManager) AccountIdentity() string {
	c := m.c
	caller := "ak:" + c.accessKey
	if c.accessKey == "" {
		caller = "login:" + basicLogin(c.basic)
	}
	return "outscale/" + c.base + "/" + caller + "/user:" + m.opts.UserName
}

// basicLogin returns the login part of a "Basic base64(login:password)"
// value.
func basicLogin(basic iam.Secret) string {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(basic.Reveal(), "Basic "))
	if err != nil {
		return ""
	}
	login, _, _ := strings.Cut(string(raw), ":")
	return login
}

// CreateKey creates an access key for the manager's user with Tag =
// req.Description. It reads the account's API access policy first: when
// MaxAccessKeyExpirationSeconds is set, a key without a requested expiry
// gets the longest allowed one (less a margin for clock skew), and a
// requested expiry beyond the policy is refused before any key is
// created. The expiry is sent to the millisecond, rounded down. With
// req.UniqueDescription the create is made with
// [ReconcileByTag](req.Description): a lost answer is resolved by looking
// the key up by its tag, and an orphan found is deleted.
func (m *KeyManager) CreateKey(ctx context.Context, req iam.CreateKeyRequest) (iam.AccessKey, error) {
	exp, err := m.chooseExpiry(ctx, "CreateAccessKey", req.ExpiresAt)
	if err != nil {
		return iam.AccessKey{}, err
	}
	var opt func(*CreateOptions)
	if req.UniqueDescription && req.Description != "" {
		opt = ReconcileByTag(req.Description)
	}
	out, err := m.keys.Create(ctx, CreateAccessKeyRequest{ExpirationDate: exp, Tag: req.Description}, opt)
	if err != nil {
		return iam.AccessKey{}, err
	}
	return m.neutral(out.ToIAM()), nil
}

// chooseExpiry applies the account's API access policy to a wanted expiry
// and cuts it to whole milliseconds, the precision of the API's own dates
// ("2010-10-01T12:34:56.789+0000" in the OSC API spec's examples): a
// computed now+lifetime would otherwise be sent with nanoseconds.
func (m *KeyManager) chooseExpiry(ctx context.Context, op string, want time.Time) (Date, error) {
	c := m.c
	now := c.clock.Now()
	if !want.IsZero() && !want.After(now) {
		return Date{}, c.invalid(op, "expiry %s is not in the future", want.UTC().Format(time.RFC3339))
	}
	pol, err := m.readPolicy(ctx)
	if err != nil {
		if errors.Is(err, iam.ErrPermissionDenied) {
			// A user who may not read the policy: the server still
			// enforces it.
			return expiryDate(want), nil
		}
		return Date{}, err
	}
	maxSec := pol.MaxAccessKeyExpirationSeconds
	if maxSec <= 0 {
		return expiryDate(want), nil
	}
	maxLife := time.Duration(maxSec) * time.Second
	limit := now.Add(maxLife)
	if want.IsZero() {
		margin := min(5*time.Minute, maxLife/10)
		return expiryDate(limit.Add(-margin)), nil
	}
	if want.After(limit) {
		return Date{}, c.invalid(op, "expiry %s is beyond the account's API access policy (MaxAccessKeyExpirationSeconds=%d, latest %s)",
			want.UTC().Format(time.RFC3339), maxSec, limit.UTC().Format(time.RFC3339))
	}
	return expiryDate(want), nil
}

// expiryDate is the Date sent for an expiry the key manager sends: t cut to
// whole milliseconds (never later than asked, so never beyond the policy).
func expiryDate(t time.Time) Date {
	if t.IsZero() {
		return Date{}
	}
	return NewDate(t.Truncate(time.Millisecond))
}

// ListKeys lists the keys of the manager's user.
func (m *KeyManager) ListKeys(ctx context.Context) ([]iam.AccessKey, error) {
	list, err := m.keys.List(ctx, ReadAccessKeysRequest{})
	if err != nil {
		return nil, err
	}
	keys := make([]iam.AccessKey, 0, len(list))
	for _, k := range list {
		keys = append(keys, m.neutral(k.ToIAM()))
	}
	return keys, nil
}

// GetKey returns one key of the manager's user.
func (m *KeyManager) GetKey(ctx context.Context, id string) (iam.AccessKey, error) {
	if id == "" {
		return iam.AccessKey{}, m.c.invalid("ReadAccessKeys", "access key ID is empty")
	}
	k, err := m.keys.Get(ctx, id)
	if err != nil {
		return iam.AccessKey{}, err
	}
	return m.neutral(k.ToIAM()), nil
}

// UpdateKey changes a key's state and/or expiry. What the request leaves
// zero is kept: the current state and expiry are read and re-sent, because
// UpdateAccessKey without ExpirationDate removes the expiry on servers
// before API 1.40, and State was required there. A new expiry is checked
// against the account's API access policy.
func (m *KeyManager) UpdateKey(ctx context.Context, id string, req iam.UpdateKeyRequest) (iam.AccessKey, error) {
	if id == "" {
		return iam.AccessKey{}, m.c.invalid("UpdateAccessKey", "access key ID is empty")
	}
	var exp Date
	if !req.ExpiresAt.IsZero() {
		var err error
		if exp, err = m.chooseExpiry(ctx, "UpdateAccessKey", req.ExpiresAt); err != nil {
			return iam.AccessKey{}, err
		}
	}
	k, err := m.keys.update(ctx, id, req.State, exp)
	if err != nil {
		return iam.AccessKey{}, err
	}
	return m.neutral(k.ToIAM()), nil
}

// DeleteKey deletes a key of the manager's user, deactivating it first
// when the API requires that (EIM users' keys).
func (m *KeyManager) DeleteKey(ctx context.Context, id string) error {
	if id == "" {
		return m.c.invalid("DeleteAccessKey", "access key ID is empty")
	}
	return m.keys.deleteKey(ctx, id)
}

// neutral sets the owner of a converted key: the manager's user.
func (m *KeyManager) neutral(k iam.AccessKey) iam.AccessKey {
	k.Owner = m.opts.UserName
	return k
}

// MaxKeyLifetime returns the longest lifetime the account's API access
// policy allows for new access keys (MaxAccessKeyExpirationSeconds), or 0
// when it sets no limit. credentials.ManagedProvider checks its rotation
// policy against it when it starts.
func (m *KeyManager) MaxKeyLifetime(ctx context.Context) (time.Duration, error) {
	m.mu.Lock()
	m.pol = nil // always a fresh read; the next create reuses it
	m.mu.Unlock()
	pol, err := m.readPolicy(ctx)
	if err != nil {
		return 0, err
	}
	return time.Duration(pol.MaxAccessKeyExpirationSeconds) * time.Second, nil
}
