package yandex

import (
	"context"
	"encoding/json"
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
	// AccessKeyID is the AWS access key ID that SigV4 signatures name
	// (the API's keyId).
	AccessKeyID string
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
		Description: w.Description, AccessKeyID: w.KeyID, LastUsedAt: w.LastUsedAt.Time}
	return nil
}

// ToIAM returns the key as an iam.AccessKey (ACTIVE, never expiring:
// Yandex static keys have neither a state nor an expiry).
func (k *AccessKey) ToIAM() iam.AccessKey {
	return iam.AccessKey{
		Provider:    iam.Yandex,
		ID:          k.ID,
		AccessKeyID: k.AccessKeyID,
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

// ToIAM returns the key with its secret as an iam.AccessKey.
func (c *CreatedAccessKey) ToIAM() iam.AccessKey {
	k := c.AccessKey.ToIAM()
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

// UpdateAccessKeyRequest changes a static access key: its description,
// the only field the API lets an update change.
type UpdateAccessKeyRequest struct {
	// ID is the key's resource ID (not its AccessKeyID).
	ID string
	// Description is the new description, at most 256 characters.
	Description string
}

// AccessKeys manages static access keys at
// /iam/aws-compatibility/v1/accessKeys. [NewKeyManager] makes an
// iam.KeyManager of them, so that the credentials package can rotate
// Yandex keys.
//
// It is safe for concurrent use.
type AccessKeys struct {
	t   *transport
	ops *Operations
}

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

// List iterates over a service account's static access keys, fetching
// pages as needed, starting at req.PageToken. Iteration stops at the
// first error.
func (a *AccessKeys) List(ctx context.Context, req ListAccessKeysRequest) iter.Seq2[*AccessKey, error] {
	return all(ctx, "AccessKeyService/List", req.PageRequest, func(ctx context.Context, p PageRequest) (*Page[*AccessKey], error) {
		r := req
		r.PageRequest = p
		return a.ListPage(ctx, r)
	})
}

// ListPage returns one page of a service account's static access keys.
func (a *AccessKeys) ListPage(ctx context.Context, req ListAccessKeysRequest) (*Page[*AccessKey], error) {
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
		AccessKeys    []*AccessKey `json:"accessKeys"`
		NextPageToken string       `json:"nextPageToken"`
	}
	if _, err := a.t.call(ctx, call{op: op, method: http.MethodGet,
		url: withQuery(a.url(""), req.PageRequest.query(q)), out: &out}); err != nil {
		return nil, err
	}
	return &Page[*AccessKey]{Items: nonNil(out.AccessKeys), NextPageToken: out.NextPageToken}, nil
}

// Get returns a static access key by its resource ID (not its
// AccessKeyID).
func (a *AccessKeys) Get(ctx context.Context, id string) (*AccessKey, error) {
	const op = "AccessKeyService/Get"
	if err := checkID("access key ID", id); err != nil {
		return nil, withOp(op, err)
	}
	var out AccessKey
	if _, err := a.t.call(ctx, call{op: op, method: http.MethodGet, url: a.url(id), id: id, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Create creates a static access key and returns it with its secret (the
// API answers directly, not with an operation). A retried create carries
// the same Idempotency-Key, so it makes one key.
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
func (a *AccessKeys) Update(ctx context.Context, req UpdateAccessKeyRequest) (*AccessKey, error) {
	op, err := a.StartUpdate(ctx, req)
	if err != nil {
		return nil, err
	}
	return waitAndDecode(ctx, a.ops, op, "AccessKeyService/Update", func(ctx context.Context) (*AccessKey, error) { return a.Get(ctx, req.ID) })
}

// StartUpdate sends the description update and returns its operation
// without waiting; see [Operations.Wait].
func (a *AccessKeys) StartUpdate(ctx context.Context, req UpdateAccessKeyRequest) (*Operation, error) {
	const op = "AccessKeyService/Update"
	if err := checkID("access key ID", req.ID); err != nil {
		return nil, withOp(op, err)
	}
	if err := checkDescription(req.Description); err != nil {
		return nil, withOp(op, err)
	}
	body := struct {
		UpdateMask  string `json:"updateMask"`
		Description string `json:"description"`
	}{"description", req.Description}
	var out Operation
	if _, err := a.t.call(ctx, call{op: op, method: http.MethodPatch, url: a.url(req.ID), id: req.ID, in: body, out: &out}); err != nil {
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

// ListOperations iterates over the operations of a static access key
// (req.ResourceID).
func (a *AccessKeys) ListOperations(ctx context.Context, req ListOperationsRequest) iter.Seq2[*Operation, error] {
	return all(ctx, "AccessKeyService/ListOperations", req.PageRequest, func(ctx context.Context, p PageRequest) (*Page[*Operation], error) {
		r := req
		r.PageRequest = p
		return a.ListOperationsPage(ctx, r)
	})
}

// ListOperationsPage returns one page of a static access key's operations.
func (a *AccessKeys) ListOperationsPage(ctx context.Context, req ListOperationsRequest) (*Page[*Operation], error) {
	return listOperationsPage(ctx, a.t, "AccessKeyService/ListOperations", "access key ID", a.url, req)
}
