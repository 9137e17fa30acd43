package yandex

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// KeyAlgorithm is an authorized key's algorithm.
type KeyAlgorithm string

// The algorithms an authorized key can have.
const (
	AlgorithmUnspecified KeyAlgorithm = "ALGORITHM_UNSPECIFIED"
	RSA2048              KeyAlgorithm = "RSA_2048"
	RSA4096              KeyAlgorithm = "RSA_4096"
)

// UnmarshalJSON accepts the enum by name or by number, as proto3 JSON does.
func (a *KeyAlgorithm) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = KeyAlgorithm(s)
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("keyAlgorithm must be a string or a number")
	}
	switch n {
	case 1:
		*a = RSA2048
	case 2:
		*a = RSA4096
	default:
		*a = AlgorithmUnspecified
	}
	return nil
}

// Key is an authorized key (yandex.cloud.iam.v1.Key): an RSA key pair
// whose private half signs the JWTs exchanged for IAM tokens. It holds the
// public key only.
type Key struct {
	// ID identifies the key; JWTs name it in their "kid" header.
	ID string
	// ServiceAccountID owns the key (set for service-account keys).
	ServiceAccountID string
	// UserAccountID owns the key (set for user-account keys instead).
	UserAccountID string
	// CreatedAt is when the key was created.
	CreatedAt time.Time
	// Description is the key's description.
	Description string
	// KeyAlgorithm is RSA_2048 or RSA_4096.
	KeyAlgorithm KeyAlgorithm
	// PublicKey is the public key in PEM form.
	PublicKey string
	// LastUsedAt is when the key was last used (zero if never or unknown).
	LastUsedAt time.Time
}

type wireKey struct {
	ID               string       `json:"id"`
	UserAccountID    string       `json:"userAccountId"`
	ServiceAccountID string       `json:"serviceAccountId"`
	CreatedAt        timestamp    `json:"createdAt"`
	Description      string       `json:"description"`
	KeyAlgorithm     KeyAlgorithm `json:"keyAlgorithm"`
	PublicKey        string       `json:"publicKey"`
	LastUsedAt       timestamp    `json:"lastUsedAt"`
}

// UnmarshalJSON decodes the API's proto3 JSON form of a Key.
func (k *Key) UnmarshalJSON(b []byte) error {
	var w wireKey
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*k = Key{ID: w.ID, ServiceAccountID: w.ServiceAccountID, UserAccountID: w.UserAccountID,
		CreatedAt: w.CreatedAt.Time, Description: w.Description, KeyAlgorithm: w.KeyAlgorithm,
		PublicKey: w.PublicKey, LastUsedAt: w.LastUsedAt.Time}
	return nil
}

// CreatedKey is the answer to [Keys.Create]: the key and its private key,
// which the API shows only this once. Save it with [WriteKeyFile].
type CreatedKey struct {
	// Key is the new key.
	Key Key `json:"key"`
	// PrivateKey is the PKCS#8 PEM private key.
	PrivateKey iam.Secret `json:"privateKey"`
}

// ListKeysRequest selects the authorized keys to list.
type ListKeysRequest struct {
	// ServiceAccountID whose keys to list; empty: Options.ServiceAccountID,
	// else the token's subject.
	ServiceAccountID string
	PageRequest
}

// CreateKeyRequest describes a new authorized key.
type CreateKeyRequest struct {
	// ServiceAccountID that will own the key; empty:
	// Options.ServiceAccountID, else the token's subject.
	ServiceAccountID string
	// Description, at most 256 characters.
	Description string
	// KeyAlgorithm is RSA_2048 (the default when empty) or RSA_4096.
	KeyAlgorithm KeyAlgorithm
}

// UpdateKeyRequest changes an authorized key: its description, the only
// field the API lets an update change.
type UpdateKeyRequest struct {
	// ID is the key to update.
	ID string
	// Description is the new description, at most 256 characters.
	Description string
}

// Keys manages authorized keys at /iam/v1/keys.
//
// It is safe for concurrent use.
type Keys struct {
	t   *transport
	ops *Operations
}

const keysPath = "/iam/v1/keys"

// keyFormat is the only KeyFormat the API has.
const keyFormat = "PEM_FILE"

func (k *Keys) url(id string) string {
	if id == "" {
		return k.t.iamURL + keysPath
	}
	return k.t.iamURL + keysPath + "/" + url.PathEscape(id)
}

func (k *Keys) serviceAccount(id string) string {
	if id != "" {
		return id
	}
	return k.t.opts.ServiceAccountID
}

// List iterates over a service account's authorized keys.
func (k *Keys) List(ctx context.Context, req ListKeysRequest) iter.Seq2[*Key, error] {
	return all(ctx, "KeyService/List", req.PageRequest, func(ctx context.Context, p PageRequest) (*Page[*Key], error) {
		r := req
		r.PageRequest = p
		return k.ListPage(ctx, r)
	})
}

// ListPage returns one page of a service account's authorized keys.
func (k *Keys) ListPage(ctx context.Context, req ListKeysRequest) (*Page[*Key], error) {
	const op = "KeyService/List"
	sa := k.serviceAccount(req.ServiceAccountID)
	if err := checkOptionalID("serviceAccountId", sa); err != nil {
		return nil, withOp(op, err)
	}
	if err := checkPage(req.PageRequest); err != nil {
		return nil, withOp(op, err)
	}
	q := url.Values{"format": {keyFormat}}
	if sa != "" {
		q.Set("serviceAccountId", sa)
	}
	var out struct {
		Keys          []*Key `json:"keys"`
		NextPageToken string `json:"nextPageToken"`
	}
	if _, err := k.t.call(ctx, call{op: op, method: http.MethodGet,
		url: withQuery(k.url(""), req.PageRequest.query(q)), out: &out}); err != nil {
		return nil, err
	}
	return &Page[*Key]{Items: nonNil(out.Keys), NextPageToken: out.NextPageToken}, nil
}

// Get returns an authorized key with its public key in PEM form
// (GET /iam/v1/keys/{id}?format=PEM_FILE).
func (k *Keys) Get(ctx context.Context, id string) (*Key, error) {
	const op = "KeyService/Get"
	if err := checkID("key ID", id); err != nil {
		return nil, withOp(op, err)
	}
	var out Key
	u := withQuery(k.url(id), url.Values{"format": {keyFormat}})
	if _, err := k.t.call(ctx, call{op: op, method: http.MethodGet, url: u, id: id, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Create creates an authorized key and returns it with its private key.
// A retried create carries the same Idempotency-Key, so it makes one key.
func (k *Keys) Create(ctx context.Context, req CreateKeyRequest) (*CreatedKey, error) {
	const op = "KeyService/Create"
	sa := k.serviceAccount(req.ServiceAccountID)
	if err := checkOptionalID("serviceAccountId", sa); err != nil {
		return nil, withOp(op, err)
	}
	if err := checkDescription(req.Description); err != nil {
		return nil, withOp(op, err)
	}
	alg := req.KeyAlgorithm
	switch alg {
	case "":
		alg = RSA2048
	case RSA2048, RSA4096:
	default:
		return nil, invalidArg(op, fmt.Sprintf("keyAlgorithm %q is not RSA_2048 or RSA_4096", truncateForError(string(alg))))
	}
	body := struct {
		ServiceAccountID string       `json:"serviceAccountId,omitempty"`
		Description      string       `json:"description,omitempty"`
		Format           string       `json:"format"`
		KeyAlgorithm     KeyAlgorithm `json:"keyAlgorithm"`
	}{sa, req.Description, keyFormat, alg}
	var out CreatedKey
	if _, err := k.t.call(ctx, call{op: op, method: http.MethodPost, url: k.url(""), in: body, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update sets an authorized key's description, waits for the operation and
// returns the key.
func (k *Keys) Update(ctx context.Context, req UpdateKeyRequest) (*Key, error) {
	op, err := k.StartUpdate(ctx, req)
	if err != nil {
		return nil, err
	}
	return waitAndDecode(ctx, k.ops, op, "KeyService/Update", func(ctx context.Context) (*Key, error) { return k.Get(ctx, req.ID) })
}

// StartUpdate sends the description update and returns its operation
// without waiting; see [Operations.Wait].
func (k *Keys) StartUpdate(ctx context.Context, req UpdateKeyRequest) (*Operation, error) {
	const op = "KeyService/Update"
	if err := checkID("key ID", req.ID); err != nil {
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
	if _, err := k.t.call(ctx, call{op: op, method: http.MethodPatch, url: k.url(req.ID), id: req.ID, in: body, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete deletes an authorized key and waits for the operation. JWTs
// signed with it are refused from then on.
func (k *Keys) Delete(ctx context.Context, id string) error {
	op, err := k.StartDelete(ctx, id)
	if err != nil {
		return err
	}
	_, err = waitFor(ctx, k.ops, op, "KeyService/Delete")
	return err
}

// StartDelete sends the delete and returns its operation without waiting.
func (k *Keys) StartDelete(ctx context.Context, id string) (*Operation, error) {
	return startDelete(ctx, k.t, "KeyService/Delete", "key ID", k.url, id)
}

// ListOperations iterates over the operations of an authorized key
// (req.ResourceID).
func (k *Keys) ListOperations(ctx context.Context, req ListOperationsRequest) iter.Seq2[*Operation, error] {
	return all(ctx, "KeyService/ListOperations", req.PageRequest, func(ctx context.Context, p PageRequest) (*Page[*Operation], error) {
		r := req
		r.PageRequest = p
		return k.ListOperationsPage(ctx, r)
	})
}

// ListOperationsPage returns one page of an authorized key's operations.
func (k *Keys) ListOperationsPage(ctx context.Context, req ListOperationsRequest) (*Page[*Operation], error) {
	return listOperationsPage(ctx, k.t, "KeyService/ListOperations", "key ID", k.url, req)
}
