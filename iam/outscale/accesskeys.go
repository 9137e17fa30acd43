package outscale

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/iamkit/iamkit/iam"
)

// AccessKeys is the sub-client of the OSC API's access-key calls
// (CreateAccessKey, ReadAccessKeys, UpdateAccessKey, DeleteAccessKey) for
// the keys of one user: the caller's with [Client.AccessKeys] (the
// account's root, or the EIM user whose credentials sign), an EIM user's
// with [Client.UserAccessKeys] (every call then carries that UserName).
// The API has no paging (ReadAccessKeys returns every matching key) and no
// long-running operations, so every method returns when its call is done:
// Create, Get, Update and SetState return the key, Delete only an error.
// A key's ID is its access key ID (the API's AccessKeyId).
//
// It is safe for concurrent use.
type AccessKeys struct {
	c    *Client
	user string // the EIM user; "": the caller
}

// UserName returns the EIM user whose keys the sub-client manages ("": the
// caller).
func (a *AccessKeys) UserName() string { return a.user }

// checkUserName refuses a user name that cannot be an EIM user's.
func checkUserName(name string) error {
	if strings.TrimSpace(name) != name || strings.ContainsFunc(name, unicode.IsControl) {
		return fmt.Errorf("UserName %q has surrounding spaces or control characters", name)
	}
	return nil
}

// check refuses a call of a sub-client scoped to an impossible user name,
// before sending anything.
func (a *AccessKeys) check(op string) error {
	if err := checkUserName(a.user); err != nil {
		return a.c.invalid(op, "%v", err)
	}
	return nil
}

// The bodies sent: the request plus the sub-client's UserName.
type (
	createAccessKeyWire struct {
		CreateAccessKeyRequest
		UserName string `json:"UserName,omitempty"`
	}
	readAccessKeysWire struct {
		ReadAccessKeysRequest
		UserName string `json:"UserName,omitempty"`
	}
	updateAccessKeyWire struct {
		UpdateAccessKeyRequest
		UserName string `json:"UserName,omitempty"`
	}
	deleteAccessKeyWire struct {
		AccessKeyID string `json:"AccessKeyId"`
		UserName    string `json:"UserName,omitempty"`
	}
)

// createAccessKeyResponse is the answer of CreateAccessKey.
type createAccessKeyResponse struct {
	AccessKey       AccessKeySecretKey `json:"AccessKey"`
	ResponseContext ResponseContext    `json:"ResponseContext"`
}

// updateAccessKeyResponse is the answer of UpdateAccessKey.
type updateAccessKeyResponse struct {
	AccessKey       AccessKey       `json:"AccessKey"`
	ResponseContext ResponseContext `json:"ResponseContext"`
}

// CreateOptions configure one [AccessKeys.Create].
type CreateOptions struct {
	// Reconcile tags the key with ReconcileTag and, after an ambiguous
	// failure, looks the key up by that tag instead of creating a second
	// one (see [ReconcileByTag]).
	Reconcile bool
	// ReconcileTag is the token; empty: a random "iamkit-<hex>" token.
	ReconcileTag string
}

// validate refuses a token without Reconcile (it would be ignored) and a
// token no tag can hold.
func (o *CreateOptions) validate() error {
	switch {
	case o.ReconcileTag != "" && !o.Reconcile:
		return errors.New("option ReconcileTag is set but Reconcile is false: use ReconcileByTag")
	case strings.TrimSpace(o.ReconcileTag) != o.ReconcileTag || strings.ContainsFunc(o.ReconcileTag, unicode.IsControl):
		return fmt.Errorf("option ReconcileTag %q has surrounding spaces or control characters", o.ReconcileTag)
	}
	return nil
}

// ReconcileByTag makes [AccessKeys.Create] safe to use when answers can be
// lost. The key is created with Tag = token (a random "iamkit-…" token
// when token is empty; a request Tag, if set, must equal token). If the
// request fails after it may have been sent (timeout, reset), the client
// lists the keys with that tag:
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

// Create creates an access key for the sub-client's user (call
// CreateAccessKey) and returns it with its secret key (the only time the
// API shows it; with DryRun, the zero key). Nil option functions are
// skipped.
//
// It is not retried after an ambiguous failure (the request may have been
// processed but the answer was lost): the error then matches
// [ErrOutcomeUnknown] and [iam.ErrUnavailable], and wraps an
// [*OutcomeUnknownError] naming the request's Tag. With [ReconcileByTag]
// the key is tagged with a token and such a failure is resolved by listing
// keys by that tag: a key found there (whose secret was lost) is
// deactivated and deleted, and one more is created, so that no second
// usable key is left behind.
func (a *AccessKeys) Create(ctx context.Context, req CreateAccessKeyRequest, optFns ...func(*CreateOptions)) (*AccessKeySecretKey, error) {
	c := a.c
	if err := a.check("CreateAccessKey"); err != nil {
		return nil, err
	}
	var co CreateOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&co)
		}
	}
	if err := co.validate(); err != nil {
		return nil, c.invalid("CreateAccessKey", "%v", err)
	}
	if !req.ExpirationDate.IsZero() && !req.DryRun && !req.ExpirationDate.Time().After(c.clock.Now()) {
		return nil, c.invalid("CreateAccessKey", "ExpirationDate %s is not in the future", req.ExpirationDate)
	}
	if co.Reconcile {
		return a.createReconciled(ctx, req, co)
	}
	return a.create(ctx, req)
}

// create sends one CreateAccessKey, marking an ambiguous failure.
func (a *AccessKeys) create(ctx context.Context, req CreateAccessKeyRequest) (*AccessKeySecretKey, error) {
	var out createAccessKeyResponse
	if err := a.c.call(ctx, "CreateAccessKey", createAccessKeyWire{req, a.user}, &out); err != nil {
		return nil, ambiguous(err, req.Tag)
	}
	return &out.AccessKey, nil
}

func (a *AccessKeys) createReconciled(ctx context.Context, req CreateAccessKeyRequest, co CreateOptions) (*AccessKeySecretKey, error) {
	c := a.c
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
	out, err := a.create(ctx, req)
	if err == nil {
		return out, nil
	}
	if !errors.Is(err, ErrOutcomeUnknown) || ctx.Err() != nil {
		return nil, err
	}
	found, rerr := a.List(ctx, ReadAccessKeysRequest{Tag: token})
	if rerr != nil {
		return nil, err
	}
	switch len(found) {
	case 0:
	case 1:
		id := found[0].AccessKeyID
		if derr := a.deleteKey(ctx, id); derr != nil {
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
	return a.create(ctx, req)
}

// readAccessKeysResponse is the answer of ReadAccessKeys. The call has no
// pagination.
type readAccessKeysResponse struct {
	AccessKeys      []*AccessKey    `json:"AccessKeys"`
	ResponseContext ResponseContext `json:"ResponseContext"`
}

// List lists the sub-client's user's access keys, without their secrets
// (call ReadAccessKeys).
// The API has no paging: every matching key is in the one answer.
func (a *AccessKeys) List(ctx context.Context, req ReadAccessKeysRequest) ([]*AccessKey, error) {
	out, err := a.read(ctx, req)
	if err != nil {
		return nil, err
	}
	return out.AccessKeys, nil
}

func (a *AccessKeys) read(ctx context.Context, req ReadAccessKeysRequest) (*readAccessKeysResponse, error) {
	if err := a.check("ReadAccessKeys"); err != nil {
		return nil, err
	}
	var out readAccessKeysResponse
	var err error
	if req == (ReadAccessKeysRequest{}) && a.user == "" {
		err = a.c.call(ctx, "ReadAccessKeys", nil, &out) // {}: skip the encoder
	} else {
		err = a.c.call(ctx, "ReadAccessKeys", readAccessKeysWire{req, a.user}, &out)
	}
	if err != nil {
		return nil, err
	}
	out.AccessKeys = dropNil(out.AccessKeys)
	return &out, nil
}

// dropNil removes the null entries an answer may hold.
func dropNil(keys []*AccessKey) []*AccessKey {
	out := keys[:0]
	for _, k := range keys {
		if k != nil {
			out = append(out, k)
		}
	}
	return out
}

// Get returns the access key id of the sub-client's user, without its
// secret: a ReadAccessKeys filtered by the ID, whose answer must hold it
// (else the error matches [iam.ErrNotFound]).
func (a *AccessKeys) Get(ctx context.Context, id string) (*AccessKey, error) {
	c := a.c
	if id == "" {
		return nil, c.invalid("ReadAccessKeys", "access key ID is empty")
	}
	out, err := a.read(ctx, ReadAccessKeysRequest{Filters: &FiltersAccessKeys{AccessKeyIDs: []string{id}}})
	if err != nil {
		return nil, err
	}
	for _, k := range out.AccessKeys {
		if k.AccessKeyID == id {
			return k, nil
		}
	}
	return nil, &iam.Error{Provider: iam.Outscale, Op: "ReadAccessKeys", Kind: iam.ErrNotFound, ResourceID: id,
		Message: "access key " + id + " not found", RequestID: cleanID(out.ResponseContext.RequestID, c.scrubList())}
}

// Update sends UpdateAccessKey for the key req.ID as given and returns the
// key after the update (with DryRun, the zero key). Beware: servers
// before API 1.40 remove the expiry of a key when ExpirationDate is
// omitted; [AccessKeys.SetState] re-sends it for you.
func (a *AccessKeys) Update(ctx context.Context, req UpdateAccessKeyRequest) (*AccessKey, error) {
	c := a.c
	if err := a.check("UpdateAccessKey"); err != nil {
		return nil, err
	}
	if req.ID == "" {
		return nil, c.invalid("UpdateAccessKey", "ID (the access key ID) is required")
	}
	if !req.ExpirationDate.IsZero() && !req.ClearExpirationDate && !req.DryRun && !req.ExpirationDate.Time().After(c.clock.Now()) {
		return nil, c.invalid("UpdateAccessKey", "ExpirationDate %s is not in the future", req.ExpirationDate)
	}
	var out updateAccessKeyResponse
	if err := c.call(ctx, "UpdateAccessKey", updateAccessKeyWire{req, a.user}, &out); err != nil {
		return nil, err
	}
	return &out.AccessKey, nil
}

// Delete deletes the access key id of the sub-client's user (call
// DeleteAccessKey). An EIM user's key must be INACTIVE first (the
// [KeyManager] deactivates it for you).
func (a *AccessKeys) Delete(ctx context.Context, id string) error {
	c := a.c
	if err := a.check("DeleteAccessKey"); err != nil {
		return err
	}
	if id == "" {
		return c.invalid("DeleteAccessKey", "access key ID is empty")
	}
	var out struct {
		ResponseContext ResponseContext `json:"ResponseContext"`
	}
	return c.call(ctx, "DeleteAccessKey", deleteAccessKeyWire{id, a.user}, &out)
}

// deleteKey deletes a key, deactivating it first if the API requires it
// (EIM users' keys must be INACTIVE to be deleted).
func (a *AccessKeys) deleteKey(ctx context.Context, id string) error {
	err := a.Delete(ctx, id)
	if !errors.Is(err, iam.ErrFailedPrecondition) {
		return err
	}
	if _, err := a.SetState(ctx, id, iam.StateInactive); err != nil {
		return err
	}
	return a.Delete(ctx, id)
}

// SetState activates or deactivates the key id (state ACTIVE or
// INACTIVE), keeps its expiry and returns the key after the update.
//
// Why: the API documents that "if you do not specify the expiration date of
// an access key when updating its state, it is then set to not expire", and
// pre-1.40 servers do exactly that. A key meant to expire would silently
// become permanent after a deactivate/activate cycle. SetState reads the
// key's current ExpirationDate and re-sends it; to remove an expiry on
// purpose, call [AccessKeys.Update] with ClearExpirationDate.
func (a *AccessKeys) SetState(ctx context.Context, id string, state iam.State) (*AccessKey, error) {
	if state != iam.StateActive && state != iam.StateInactive {
		return nil, a.c.invalid("UpdateAccessKey", "state %q: want ACTIVE or INACTIVE", state)
	}
	return a.update(ctx, id, state, Date{})
}

// update reads the key and sends UpdateAccessKey with the current state
// and expiry for what state/exp leave zero.
func (a *AccessKeys) update(ctx context.Context, id string, state iam.State, exp Date) (*AccessKey, error) {
	cur, err := a.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if state == "" {
		state = cur.State
	}
	if exp.IsZero() {
		exp = cur.ExpirationDate
		if !exp.IsZero() && !exp.Time().After(a.c.clock.Now()) {
			// Already expired: re-sending the past date would be
			// refused, and omitting it would make the key valid again on
			// pre-1.40 servers. Deactivating is still safe (an inactive
			// key signs nothing, whatever its expiry), and it is what an
			// EIM user's key needs before it can be deleted; anything
			// else is refused rather than resurrect the key.
			if state != iam.StateInactive {
				return nil, &iam.Error{Provider: iam.Outscale, Op: "UpdateAccessKey", Kind: iam.ErrFailedPrecondition,
					Message: fmt.Sprintf("access key %s expired at %s; its expiry cannot be re-sent", id, exp)}
			}
			exp = Date{}
		}
	}
	return a.Update(ctx, UpdateAccessKeyRequest{ID: id, State: state, ExpirationDate: exp})
}
