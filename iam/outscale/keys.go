package outscale

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam"
)

var _ iam.KeyManager = (*Client)(nil)

// CreateOptions configure one [Client.CreateAccessKey].
type CreateOptions struct {
	// Reconcile tags the key with ReconcileTag and, after an ambiguous
	// failure, looks the key up by that tag instead of creating a second
	// one (see [ReconcileByTag]).
	Reconcile bool
	// ReconcileTag is the token; empty: a random "iamkit-<hex>" token.
	ReconcileTag string
}

// ReconcileByTag makes CreateAccessKey safe to use when answers can be
// lost. The key is created with Tag = token (a random "iamkit-…" token when
// token is empty; a request Tag, if set, must equal token). If the request
// fails after it may have been sent (timeout, reset), the client lists the
// caller's keys with that tag:
//   - none: the request was not processed, and it is sent once more;
//   - one: the key was created but its secret, shown only in the lost
//     answer, is unknown to anyone, so the key is useless. The client
//     deactivates and deletes it, then creates the key once more.
//
// When the caller's context is done, nothing more is sent: the error
// matches [ErrOutcomeUnknown] and names the tag to look for.
func ReconcileByTag(token string) func(*CreateOptions) {
	return func(o *CreateOptions) {
		o.Reconcile = true
		o.ReconcileTag = token
	}
}

func (c *Client) createReconciled(ctx context.Context, req CreateAccessKeyRequest, co CreateOptions) (*CreateAccessKeyResponse, error) {
	token := co.ReconcileTag
	if token == "" {
		token = req.Tag
	}
	if token == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		token = "iamkit-" + hex.EncodeToString(b[:])
	}
	if req.Tag != "" && req.Tag != token {
		return nil, c.invalid("CreateAccessKey", "ReconcileByTag(%q) conflicts with Tag %q: leave Tag empty or equal to the token", token, req.Tag)
	}
	req.Tag = token
	var out CreateAccessKeyResponse
	err := c.call(ctx, "CreateAccessKey", req, &out)
	if err == nil {
		return &out, nil
	}
	err = ambiguous(err, token)
	if !errors.Is(err, ErrOutcomeUnknown) || ctx.Err() != nil {
		return nil, err
	}
	found, rerr := c.ReadAccessKeys(ctx, ReadAccessKeysRequest{Tag: token, UserName: req.UserName})
	if rerr != nil {
		return nil, err
	}
	switch len(found.AccessKeys) {
	case 0:
	case 1:
		id := found.AccessKeys[0].AccessKeyID
		if derr := c.deleteKey(ctx, id, req.UserName); derr != nil {
			var e *iam.Error
			if errors.As(err, &e) {
				e.ResourceID = id
				e.Message = fmt.Sprintf("a key with Tag %q (%s) was created but its answer was lost, and deleting it failed: %v", token, id, derr)
			}
			return nil, err
		}
	default:
		return nil, err
	}
	out = CreateAccessKeyResponse{}
	if err := c.call(ctx, "CreateAccessKey", req, &out); err != nil {
		return nil, ambiguous(err, token)
	}
	return &out, nil
}

// deleteKey deletes a key, deactivating it first if the API requires it
// (EIM users' keys must be INACTIVE to be deleted).
func (c *Client) deleteKey(ctx context.Context, id, user string) error {
	_, err := c.DeleteAccessKey(ctx, DeleteAccessKeyRequest{AccessKeyID: id, UserName: user})
	if !errors.Is(err, iam.ErrFailedPrecondition) {
		return err
	}
	if _, err := c.setState(ctx, id, user, iam.StateInactive); err != nil {
		return err
	}
	_, err = c.DeleteAccessKey(ctx, DeleteAccessKeyRequest{AccessKeyID: id, UserName: user})
	return err
}

// Provider returns iam.Outscale.
func (c *Client) Provider() iam.Provider { return iam.Outscale }

// AccountIdentity returns "outscale/<endpoint>/<caller>/user:<UserName>",
// the caller being "ak:<access key ID>" for SigV4 or "login:<login>" for
// login/password. The API tells the account only in answers, so the
// identity names the credentials instead: the same credentials at the
// same endpoint always address the same account (and EIM user). Other
// credentials of the same account give another identity, which only costs
// the credentials package one listing to confirm its stored key.
func (c *Client) AccountIdentity() string {
	caller := "ak:" + c.accessKey
	if c.accessKey == "" {
		caller = "login:" + basicLogin(c.basic)
	}
	return "outscale/" + c.base + "/" + caller + "/user:" + c.userName
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

// CreateKey creates an access key for the client's user (Options.UserName)
// with Tag = req.Description. It reads the account's API access policy
// first: when MaxAccessKeyExpirationSeconds is set, a key without a
// requested expiry gets the longest allowed one (less a margin for clock
// skew), and a requested expiry beyond the policy is refused before any
// key is created; with req.ExpiryChecked (the caller has just read the
// policy through MaxKeyLifetime) a requested expiry is sent as it is,
// without a second read. With req.UniqueDescription the create is made with
// [ReconcileByTag](req.Description): a lost answer is resolved by looking
// the key up by its tag, and an orphan found is deleted.
func (c *Client) CreateKey(ctx context.Context, req iam.CreateKeyRequest) (iam.AccessKey, error) {
	exp := NewDate(req.ExpiresAt)
	if !req.ExpiryChecked || req.ExpiresAt.IsZero() {
		// The caller did not just read the policy (MaxKeyLifetime): read it.
		var err error
		if exp, err = c.chooseExpiry(ctx, "CreateAccessKey", req.ExpiresAt); err != nil {
			return iam.AccessKey{}, err
		}
	}
	var opt func(*CreateOptions)
	if req.UniqueDescription && req.Description != "" {
		opt = ReconcileByTag(req.Description)
	}
	out, err := c.CreateAccessKey(ctx, CreateAccessKeyRequest{ExpirationDate: exp, Tag: req.Description, UserName: c.userName}, opt)
	if err != nil {
		return iam.AccessKey{}, err
	}
	k := c.neutral(out.AccessKey.AccessKey)
	k.Secret = out.AccessKey.SecretKey
	return k, nil
}

// chooseExpiry applies the account's API access policy to a wanted expiry.
func (c *Client) chooseExpiry(ctx context.Context, op string, want time.Time) (Date, error) {
	now := c.clock.Now()
	if !want.IsZero() && !want.After(now) {
		return Date{}, c.invalid(op, "expiry %s is not in the future", want.UTC().Format(time.RFC3339))
	}
	pol, err := c.ReadAPIAccessPolicy(ctx, ReadAPIAccessPolicyRequest{})
	if err != nil {
		if errors.Is(err, iam.ErrPermissionDenied) {
			// A user who may not read the policy: the server still
			// enforces it.
			return NewDate(want), nil
		}
		return Date{}, err
	}
	maxSec := pol.APIAccessPolicy.MaxAccessKeyExpirationSeconds
	if maxSec <= 0 {
		return NewDate(want), nil
	}
	maxLife := time.Duration(maxSec) * time.Second
	limit := now.Add(maxLife)
	if want.IsZero() {
		margin := min(5*time.Minute, maxLife/10)
		return NewDate(limit.Add(-margin)), nil
	}
	if want.After(limit) {
		return Date{}, c.invalid(op, "expiry %s is beyond the account's API access policy (MaxAccessKeyExpirationSeconds=%d, latest %s)",
			want.UTC().Format(time.RFC3339), maxSec, limit.UTC().Format(time.RFC3339))
	}
	return NewDate(want), nil
}

// ListKeys lists the keys of the client's user.
func (c *Client) ListKeys(ctx context.Context) ([]iam.AccessKey, error) {
	out, err := c.ReadAccessKeys(ctx, ReadAccessKeysRequest{UserName: c.userName})
	if err != nil {
		return nil, err
	}
	keys := make([]iam.AccessKey, 0, len(out.AccessKeys))
	for _, k := range out.AccessKeys {
		keys = append(keys, c.neutral(k))
	}
	return keys, nil
}

// GetKey returns one key of the client's user.
func (c *Client) GetKey(ctx context.Context, id string) (iam.AccessKey, error) {
	k, err := c.readKey(ctx, id, c.userName)
	if err != nil {
		return iam.AccessKey{}, err
	}
	return c.neutral(k), nil
}

func (c *Client) readKey(ctx context.Context, id, user string) (AccessKey, error) {
	if id == "" {
		return AccessKey{}, c.invalid("ReadAccessKeys", "access key ID is empty")
	}
	out, err := c.ReadAccessKeys(ctx, ReadAccessKeysRequest{Filters: &FiltersAccessKeys{AccessKeyIDs: []string{id}}, UserName: user})
	if err != nil {
		return AccessKey{}, err
	}
	for _, k := range out.AccessKeys {
		if k.AccessKeyID == id {
			return k, nil
		}
	}
	return AccessKey{}, &iam.Error{Provider: iam.Outscale, Op: "ReadAccessKeys", Kind: iam.ErrNotFound,
		Message: "access key " + id + " not found", RequestID: cleanID(out.ResponseContext.RequestID, c.scrubList())}
}

// UpdateKey changes a key's state and/or expiry. What the request leaves
// zero is kept: the current state and expiry are read and re-sent, because
// UpdateAccessKey without ExpirationDate removes the expiry on servers
// before API 1.40, and State was required there. A new expiry is checked
// against the account's API access policy.
func (c *Client) UpdateKey(ctx context.Context, id string, req iam.UpdateKeyRequest) (iam.AccessKey, error) {
	var exp Date
	if !req.ExpiresAt.IsZero() {
		var err error
		if exp, err = c.chooseExpiry(ctx, "UpdateAccessKey", req.ExpiresAt); err != nil {
			return iam.AccessKey{}, err
		}
	}
	k, err := c.update(ctx, id, c.userName, req.State, exp)
	if err != nil {
		return iam.AccessKey{}, err
	}
	return c.neutral(k), nil
}

// SetState activates or deactivates a key of the client's user and keeps
// its expiry.
//
// Why: the API documents that "if you do not specify the expiration date of
// an access key when updating its state, it is then set to not expire", and
// pre-1.40 servers do exactly that. A key meant to expire would silently
// become permanent after a deactivate/activate cycle. SetState reads the
// key's current ExpirationDate and re-sends it; to remove an expiry on
// purpose, call [Client.UpdateAccessKey] with ClearExpirationDate.
func (c *Client) SetState(ctx context.Context, id string, state iam.State) (*AccessKey, error) {
	k, err := c.setState(ctx, id, c.userName, state)
	if err != nil {
		return nil, err
	}
	return &k, nil
}

func (c *Client) setState(ctx context.Context, id, user string, state iam.State) (AccessKey, error) {
	if state != iam.StateActive && state != iam.StateInactive {
		return AccessKey{}, c.invalid("UpdateAccessKey", "state %q: want ACTIVE or INACTIVE", state)
	}
	return c.update(ctx, id, user, state, Date{})
}

// update reads the key and sends UpdateAccessKey with the current state
// and expiry for what state/exp leave zero.
func (c *Client) update(ctx context.Context, id, user string, state iam.State, exp Date) (AccessKey, error) {
	cur, err := c.readKey(ctx, id, user)
	if err != nil {
		return AccessKey{}, err
	}
	if state == "" {
		state = cur.State
	}
	if exp.IsZero() {
		exp = cur.ExpirationDate
		if !exp.IsZero() && !exp.Time().After(c.clock.Now()) {
			// Already expired: re-sending the past date would be
			// refused, and omitting it would make the key valid again on
			// pre-1.40 servers. Deactivating is still safe (an inactive
			// key signs nothing, whatever its expiry), and it is what an
			// EIM user's key needs before it can be deleted; anything
			// else is refused rather than resurrect the key.
			if state != iam.StateInactive {
				return AccessKey{}, &iam.Error{Provider: iam.Outscale, Op: "UpdateAccessKey", Kind: iam.ErrFailedPrecondition,
					Message: fmt.Sprintf("access key %s expired at %s; its expiry cannot be re-sent", id, exp)}
			}
			exp = Date{}
		}
	}
	out, err := c.UpdateAccessKey(ctx, UpdateAccessKeyRequest{AccessKeyID: id, State: state, ExpirationDate: exp, UserName: user})
	if err != nil {
		return AccessKey{}, err
	}
	return out.AccessKey, nil
}

// DeleteKey deletes a key of the client's user, deactivating it first when
// the API requires that (EIM users' keys).
func (c *Client) DeleteKey(ctx context.Context, id string) error {
	return c.deleteKey(ctx, id, c.userName)
}

func (c *Client) neutral(k AccessKey) iam.AccessKey {
	return iam.AccessKey{
		Provider:    iam.Outscale,
		ID:          k.AccessKeyID,
		AccessKeyID: k.AccessKeyID,
		Owner:       c.userName,
		Description: k.Tag,
		State:       k.State,
		CreatedAt:   k.CreationDate.Time(),
		ExpiresAt:   k.ExpirationDate.Time(),
	}
}

// MaxKeyLifetime returns the longest lifetime the account's API access
// policy allows for new access keys (MaxAccessKeyExpirationSeconds), or 0
// when it sets no limit. credentials.ManagedProvider checks its rotation
// policy against it when it starts.
func (c *Client) MaxKeyLifetime(ctx context.Context) (time.Duration, error) {
	out, err := c.ReadAPIAccessPolicy(ctx, ReadAPIAccessPolicyRequest{})
	if err != nil {
		return 0, err
	}
	return time.Duration(out.APIAccessPolicy.MaxAccessKeyExpirationSeconds) * time.Second, nil
}
