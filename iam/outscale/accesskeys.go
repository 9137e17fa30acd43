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
// (CreateAccessKey, ReadAccessKeys, UpdateAccessKey, DeleteAccessKey); get
// it with [Client.AccessKeys]. The API has no paging (ReadAccessKeys
// returns every matching key) and no long-running operations.
//
// Every key call of the API is scoped by an optional UserName, the EIM user
// whose keys are meant (empty: the caller, the account's root or the EIM
// user whose credentials sign), so its methods take request types carrying
// it, the key's ID being their AccessKeyID field (the API's AccessKeyId).
// Methods that are one API call return that call's response, with its
// ResponseContext (the request ID); List, Get and SetState, which are
// built on ReadAccessKeys, return the keys.
//
// It is safe for concurrent use.
type AccessKeys struct {
	c *Client
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

// Create creates an access key (call CreateAccessKey) and returns it with
// its secret key (the only time the API shows it). Nil option functions
// are skipped.
//
// It is not retried after an ambiguous failure (the request may have been
// processed but the answer was lost): the error then matches
// [ErrOutcomeUnknown] and [iam.ErrUnavailable], and wraps an
// [*OutcomeUnknownError] naming the request's Tag. With [ReconcileByTag]
// the key is tagged with a token and such a failure is resolved by listing
// keys by that tag: a key found there (whose secret was lost) is
// deactivated and deleted, and one more is created, so that no second
// usable key is left behind.
func (a *AccessKeys) Create(ctx context.Context, req CreateAccessKeyRequest, optFns ...func(*CreateOptions)) (*CreateAccessKeyResponse, error) {
	c := a.c
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
	var out CreateAccessKeyResponse
	if err := c.call(ctx, "CreateAccessKey", req, &out); err != nil {
		return nil, ambiguous(err, req.Tag)
	}
	return &out, nil
}

func (a *AccessKeys) createReconciled(ctx context.Context, req CreateAccessKeyRequest, co CreateOptions) (*CreateAccessKeyResponse, error) {
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
	var out CreateAccessKeyResponse
	err := c.call(ctx, "CreateAccessKey", req, &out)
	if err == nil {
		return &out, nil
	}
	err = ambiguous(err, token)
	if !errors.Is(err, ErrOutcomeUnknown) || ctx.Err() != nil {
		return nil, err
	}
	found, rerr := a.List(ctx, ReadAccessKeysRequest{Tag: token, UserName: req.UserName})
	if rerr != nil {
		return nil, err
	}
	switch len(found) {
	case 0:
	case 1:
		id := found[0].AccessKeyID
		if derr := a.deleteKey(ctx, id, req.UserName); derr != nil {
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

// readAccessKeysResponse is the answer of ReadAccessKeys. The call has no
// pagination.
type readAccessKeysResponse struct {
	AccessKeys      []*AccessKey    `json:"AccessKeys"`
	ResponseContext ResponseContext `json:"ResponseContext"`
}

// List lists access keys, without their secrets (call ReadAccessKeys).
// The API has no paging: every matching key is in the one answer.
func (a *AccessKeys) List(ctx context.Context, req ReadAccessKeysRequest) ([]*AccessKey, error) {
	out, err := a.read(ctx, req)
	if err != nil {
		return nil, err
	}
	return out.AccessKeys, nil
}

func (a *AccessKeys) read(ctx context.Context, req ReadAccessKeysRequest) (*readAccessKeysResponse, error) {
	var out readAccessKeysResponse
	var err error
	if req == (ReadAccessKeysRequest{}) {
		err = a.c.call(ctx, "ReadAccessKeys", nil, &out) // {}: skip the encoder
	} else {
		err = a.c.call(ctx, "ReadAccessKeys", req, &out)
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

// Get returns one access key, without its secret: a ReadAccessKeys
// filtered by its ID, whose answer must hold it (else the error matches
// [iam.ErrNotFound]).
func (a *AccessKeys) Get(ctx context.Context, req GetAccessKeyRequest) (*AccessKey, error) {
	c := a.c
	if req.AccessKeyID == "" {
		return nil, c.invalid("ReadAccessKeys", "AccessKeyId is required")
	}
	out, err := a.read(ctx, ReadAccessKeysRequest{Filters: &FiltersAccessKeys{AccessKeyIDs: []string{req.AccessKeyID}}, UserName: req.UserName})
	if err != nil {
		return nil, err
	}
	for _, k := range out.AccessKeys {
		if k.AccessKeyID == req.AccessKeyID {
			return k, nil
		}
	}
	return nil, &iam.Error{Provider: iam.Outscale, Op: "ReadAccessKeys", Kind: iam.ErrNotFound,
		Message: "access key " + req.AccessKeyID + " not found", RequestID: cleanID(out.ResponseContext.RequestID, c.scrubList())}
}

// Update sends UpdateAccessKey as given. Beware: servers before API 1.40
// remove the expiry of a key when ExpirationDate is omitted;
// [AccessKeys.SetState] re-sends it for you.
func (a *AccessKeys) Update(ctx context.Context, req UpdateAccessKeyRequest) (*UpdateAccessKeyResponse, error) {
	c := a.c
	if req.AccessKeyID == "" {
		return nil, c.invalid("UpdateAccessKey", "AccessKeyId is required")
	}
	if !req.ExpirationDate.IsZero() && !req.ClearExpirationDate && !req.DryRun && !req.ExpirationDate.Time().After(c.clock.Now()) {
		return nil, c.invalid("UpdateAccessKey", "ExpirationDate %s is not in the future", req.ExpirationDate)
	}
	var out UpdateAccessKeyResponse
	if err := c.call(ctx, "UpdateAccessKey", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete deletes an access key (call DeleteAccessKey). An EIM user's key
// must be INACTIVE first (the [KeyManager] deactivates it for you).
func (a *AccessKeys) Delete(ctx context.Context, req DeleteAccessKeyRequest) (*DeleteAccessKeyResponse, error) {
	c := a.c
	if req.AccessKeyID == "" {
		return nil, c.invalid("DeleteAccessKey", "AccessKeyId is required")
	}
	var out DeleteAccessKeyResponse
	if err := c.call(ctx, "DeleteAccessKey", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// deleteKey deletes a key, deactivating it first if the API requires it
// (EIM users' keys must be INACTIVE to be deleted).
func (a *AccessKeys) deleteKey(ctx context.Context, id, user string) error {
	_, err := a.Delete(ctx, DeleteAccessKeyRequest{AccessKeyID: id, UserName: user})
	if !errors.Is(err, iam.ErrFailedPrecondition) {
		return err
	}
	if _, err := a.SetState(ctx, SetStateRequest{AccessKeyID: id, State: iam.StateInactive, UserName: user}); err != nil {
		return err
	}
	_, err = a.Delete(ctx, DeleteAccessKeyRequest{AccessKeyID: id, UserName: user})
	return err
}

// SetState activates or deactivates a key and keeps its expiry.
//
// Why: the API documents that "if you do not specify the expiration date of
// an access key when updating its state, it is then set to not expire", and
// pre-1.40 servers do exactly that. A key meant to expire would silently
// become permanent after a deactivate/activate cycle. SetState reads the
// key's current ExpirationDate and re-sends it; to remove an expiry on
// purpose, call [AccessKeys.Update] with ClearExpirationDate.
func (a *AccessKeys) SetState(ctx context.Context, req SetStateRequest) (*AccessKey, error) {
	if req.State != iam.StateActive && req.State != iam.StateInactive {
		return nil, a.c.invalid("UpdateAccessKey", "state %q: want ACTIVE or INACTIVE", req.State)
	}
	return a.update(ctx, req.AccessKeyID, req.UserName, req.State, Date{})
}

// update reads the key and sends UpdateAccessKey with the current state
// and expiry for what state/exp leave zero.
func (a *AccessKeys) update(ctx context.Context, id, user string, state iam.State, exp Date) (*AccessKey, error) {
	cur, err := a.Get(ctx, GetAccessKeyRequest{AccessKeyID: id, UserName: user})
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
	out, err := a.Update(ctx, UpdateAccessKeyRequest{AccessKeyID: id, State: state, ExpirationDate: exp, UserName: user})
	if err != nil {
		return nil, err
	}
	return &out.AccessKey, nil
}
