package yandex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// AccessKey is a static access key for the AWS-compatible APIs (Object
// Storage, Message Queue, …), without its secret
// (yandex.cloud.iam.v1.awscompatibility.AccessKey).
type AccessKey struct {
	// ID is the IAM resource ID, used to manage the key.
	ID string
	// ServiceAccountID is the service account the key belongs to.
	ServiceAccountID string
	// CreatedAt is when the key was created.
	CreatedAt time.Time
	// Description is the key's description.
	Description string
	// KeyID is the AWS access key ID that SigV4 signatures name.
	KeyID string
	// LastUsedAt is when the key was last used (zero if never or unknown).
	LastUsedAt time.Time
}

type wireAccessKey struct {
	ID               string    `json:"id"`
	ServiceAccountID string    `json:"serviceAccountId"`
	CreatedAt        timestamp `json:"createdAt"`
	Description      string    `json:"description"`
	KeyID            string    `json:"keyId"`
	LastUsedAt       timestamp `json:"lastUsedAt"`
}

// UnmarshalJSON decodes the API's proto3 JSON form of an AccessKey.
func (k *AccessKey) UnmarshalJSON(b []byte) error {
	var w wireAccessKey
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*k = AccessKey{ID: w.ID, ServiceAccountID: w.ServiceAccountID, CreatedAt: w.CreatedAt.Time,
		Description: w.Description, KeyID: w.KeyID, LastUsedAt: w.LastUsedAt.Time}
	return nil
}

// Neutral returns the key as an iam.AccessKey (ACTIVE, never expiring:
// Yandex static keys have neither a state nor an expiry).
func (k AccessKey) Neutral() iam.AccessKey {
	return iam.AccessKey{
		Provider:    iam.Yandex,
		ID:          k.ID,
		AccessKeyID: k.KeyID,
		Owner:       k.ServiceAccountID,
		Description: k.Description,
		State:       iam.StateActive,
		CreatedAt:   k.CreatedAt,
	}
}

// CreatedAccessKey is the answer to [AccessKeys.Create]: the key and its
// secret access key, which the API shows only this once.
type CreatedAccessKey struct {
	// AccessKey is the new key.
	AccessKey AccessKey `json:"accessKey"`
	// Secret is the AWS secret access key.
	Secret iam.Secret `json:"secret"`
}

// Neutral returns the key with its secret as an iam.AccessKey.
func (c CreatedAccessKey) Neutral() iam.AccessKey {
	k := c.AccessKey.Neutral()
	k.Secret = c.Secret
	return k
}

// ListAccessKeysRequest selects the static access keys to list.
type ListAccessKeysRequest struct {
	// ServiceAccountID whose keys to list; empty: Options.ServiceAccountID,
	// else the token's subject.
	ServiceAccountID string
	PageRequest
}

// CreateAccessKeyRequest describes a new static access key.
type CreateAccessKeyRequest struct {
	// ServiceAccountID that will own the key; empty:
	// Options.ServiceAccountID, else the token's subject.
	ServiceAccountID string
	// Description, at most 256 characters.
	Description string
}

// AccessKeys manages static access keys at
// /iam/aws-compatibility/v1/accessKeys. It implements [iam.KeyManager] for
// the service account of Options.ServiceAccountID (or the token's subject),
// so the credentials package can rotate Yandex keys.
//
// It is safe for concurrent use.
type AccessKeys struct {
	t   *transport
	ops *Operations
}

var _ iam.KeyManager = (*AccessKeys)(nil)

const accessKeysPath = "/iam/aws-compatibility/v1/accessKeys"

func (a *AccessKeys) url(id string) string {
	if id == "" {
		return a.t.iamURL + accessKeysPath
	}
	return a.t.iamURL + accessKeysPath + "/" + url.PathEscape(id)
}

func (a *AccessKeys) serviceAccount(id string) string {
	if id != "" {
		return id
	}
	return a.t.opts.ServiceAccountID
}

// List iterates over a service account's static access keys.
func (a *AccessKeys) List(ctx context.Context, req ListAccessKeysRequest) iter.Seq2[AccessKey, error] {
	return all(ctx, "AccessKeyService/List", req.PageRequest, func(ctx context.Context, p PageRequest) (*Page[AccessKey], error) {
		r := req
		r.PageRequest = p
		return a.ListPage(ctx, r)
	})
}

// ListPage returns one page of a service account's static access keys.
func (a *AccessKeys) ListPage(ctx context.Context, req ListAccessKeysRequest) (*Page[AccessKey], error) {
	const op = "AccessKeyService/List"
	sa := a.serviceAccount(req.ServiceAccountID)
	if err := checkOptionalID("serviceAccountId", sa); err != nil {
		return nil, withOp(op, err)
	}
	if err := checkPage(req.PageRequest); err != nil {
		return nil, withOp(op, err)
	}
	q := url.Values{}
	if sa != "" {
		q.Set("serviceAccountId", sa)
	}
	var out struct {
		AccessKeys    []AccessKey `json:"accessKeys"`
		NextPageToken string      `json:"nextPageToken"`
	}
	if _, err := a.t.call(ctx, call{op: op, method: http.MethodGet,
		url: withQuery(a.url(""), req.PageRequest.query(q)), out: &out}); err != nil {
		return nil, err
	}
	return &Page[AccessKey]{Items: out.AccessKeys, NextPageToken: out.NextPageToken}, nil
}

// Get returns a static access key by its resource ID (not its KeyID).
func (a *AccessKeys) Get(ctx context.Context, id string) (*AccessKey, error) {
	const op = "AccessKeyService/Get"
	if err := checkID("access key ID", id); err != nil {
		return nil, withOp(op, err)
	}
	var out AccessKey
	if _, err := a.t.call(ctx, call{op: op, method: http.MethodGet, url: a.url(id), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Create creates a static access key and returns it with its secret. A
// retried create carries the same Idempotency-Key, so it makes one key.
func (a *AccessKeys) Create(ctx context.Context, req CreateAccessKeyRequest) (*CreatedAccessKey, error) {
	const op = "AccessKeyService/Create"
	sa := a.serviceAccount(req.ServiceAccountID)
	if err := checkOptionalID("serviceAccountId", sa); err != nil {
		return nil, withOp(op, err)
	}
	if err := checkDescription(req.Description); err != nil {
		return nil, withOp(op, err)
	}
	body := struct {
		ServiceAccountID string `json:"serviceAccountId,omitempty"`
		Description      string `json:"description,omitempty"`
	}{sa, req.Description}
	var out CreatedAccessKey
	if _, err := a.t.call(ctx, call{op: op, method: http.MethodPost, url: a.url(""), in: body, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update sets a static access key's description, waits for the operation
// and returns the key.
func (a *AccessKeys) Update(ctx context.Context, id, description string) (*AccessKey, error) {
	op, err := a.StartUpdate(ctx, id, description)
	if err != nil {
		return nil, err
	}
	return waitAndDecode(ctx, a.ops, op, "AccessKeyService/Update", func(ctx context.Context) (*AccessKey, error) { return a.Get(ctx, id) })
}

// StartUpdate sends the description update and returns its operation
// without waiting.
func (a *AccessKeys) StartUpdate(ctx context.Context, id, description string) (*Operation, error) {
	const op = "AccessKeyService/Update"
	if err := checkID("access key ID", id); err != nil {
		return nil, withOp(op, err)
	}
	if err := checkDescription(description); err != nil {
		return nil, withOp(op, err)
	}
	body := struct {
		UpdateMask  string `json:"updateMask"`
		Description string `json:"description"`
	}{"description", description}
	var out Operation
	if _, err := a.t.call(ctx, call{op: op, method: http.MethodPatch, url: a.url(id), in: body, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete deletes a static access key and waits for the operation.
func (a *AccessKeys) Delete(ctx context.Context, id string) error {
	op, err := a.StartDelete(ctx, id)
	if err != nil {
		return err
	}
	_, err = waitFor(ctx, a.ops, op, "AccessKeyService/Delete")
	return err
}

// StartDelete sends the delete and returns its operation without waiting.
func (a *AccessKeys) StartDelete(ctx context.Context, id string) (*Operation, error) {
	return startDelete(ctx, a.t, "AccessKeyService/Delete", "access key ID", a.url, id)
}

// ListOperations iterates over the operations of a static access key.
func (a *AccessKeys) ListOperations(ctx context.Context, id string, req PageRequest) iter.Seq2[Operation, error] {
	return all(ctx, "AccessKeyService/ListOperations", req, func(ctx context.Context, p PageRequest) (*Page[Operation], error) {
		return a.ListOperationsPage(ctx, id, p)
	})
}

// ListOperationsPage returns one page of a static access key's operations.
func (a *AccessKeys) ListOperationsPage(ctx context.Context, id string, req PageRequest) (*Page[Operation], error) {
	return listOperationsPage(ctx, a.t, "AccessKeyService/ListOperations", "access key ID", a.url, id, req)
}

// Provider returns iam.Yandex.
func (a *AccessKeys) Provider() iam.Provider { return iam.Yandex }

// AccountIdentity returns "yandex/<IAM endpoint>/service_account:<ID>"
// for Options.ServiceAccountID, or "" when it is not set: the service
// account is then the token's subject, which only a call reveals (the
// credentials package then confirms a stored key by listing at start).
func (a *AccessKeys) AccountIdentity() string {
	sa := a.t.opts.ServiceAccountID
	if sa == "" {
		return ""
	}
	return "yandex/" + a.t.iamURL + "/service_account:" + sa
}

// CreateKey creates a static access key for Options.ServiceAccountID.
// Yandex static keys do not expire: req.ExpiresAt is ignored, as
// iam.KeyManager allows.
func (a *AccessKeys) CreateKey(ctx context.Context, req iam.CreateKeyRequest) (iam.AccessKey, error) {
	k, err := a.Create(ctx, CreateAccessKeyRequest{Description: req.Description})
	if err != nil {
		return iam.AccessKey{}, err
	}
	return k.Neutral(), nil
}

// ListKeys lists every static access key of Options.ServiceAccountID.
func (a *AccessKeys) ListKeys(ctx context.Context) ([]iam.AccessKey, error) {
	keys, err := collect(a.List(ctx, ListAccessKeysRequest{}))
	if err != nil {
		return nil, err
	}
	out := make([]iam.AccessKey, len(keys))
	for i, k := range keys {
		out[i] = k.Neutral()
	}
	return out, nil
}

// GetKey returns one static access key by its resource ID.
func (a *AccessKeys) GetKey(ctx context.Context, id string) (iam.AccessKey, error) {
	k, err := a.Get(ctx, id)
	if err != nil {
		return iam.AccessKey{}, err
	}
	return k.Neutral(), nil
}

// UpdateKey exists for iam.KeyManager. Yandex static keys are always
// active and never expire, so a request for StateActive (or an empty one)
// just returns the key, and a request to deactivate the key or give it an
// expiry fails with an error matching iam.ErrInvalidArgument and
// errors.ErrUnsupported, before any call (rotate by creating a new key and
// deleting the old one).
func (a *AccessKeys) UpdateKey(ctx context.Context, id string, req iam.UpdateKeyRequest) (iam.AccessKey, error) {
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
	return a.GetKey(ctx, id)
}

// DeleteKey deletes a static access key and waits for the operation.
func (a *AccessKeys) DeleteKey(ctx context.Context, id string) error {
	return a.Delete(ctx, id)
}
