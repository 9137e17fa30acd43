package yandex

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// APIKey is a service account's API key (yandex.cloud.iam.v1.ApiKey),
// without its secret.
type APIKey struct {
	// ID identifies the key.
	ID string
	// ServiceAccountID is the service account the key belongs to.
	ServiceAccountID string
	// CreatedAt is when the key was created.
	CreatedAt time.Time
	// Description is the key's description.
	Description string
	// LastUsedAt is when the key was last used (zero if never, or if the
	// API did not say).
	LastUsedAt time.Time
	// Scope is the deprecated single scope; read it only for keys created
	// by old clients.
	Scope string
	// Scopes are the services the key may be used with (for example
	// "yc.ai.languageModels.execute").
	Scopes []string
	// ExpiresAt is when the key stops working; zero: never.
	ExpiresAt time.Time
	// MaskedSecret is the masked secret ("****" and the last six
	// characters) when the API returns it, to recognise a key.
	MaskedSecret string
}

type wireAPIKey struct {
	ID               string    `json:"id"`
	ServiceAccountID string    `json:"serviceAccountId"`
	CreatedAt        timestamp `json:"createdAt"`
	Description      string    `json:"description"`
	LastUsedAt       timestamp `json:"lastUsedAt"`
	Scope            string    `json:"scope"`
	Scopes           []string  `json:"scopes"`
	ExpiresAt        timestamp `json:"expiresAt"`
	MaskedSecret     string    `json:"maskedSecret"`
}

// UnmarshalJSON decodes the API's proto3 JSON form of an ApiKey.
func (k *APIKey) UnmarshalJSON(b []byte) error {
	var w wireAPIKey
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*k = APIKey{
		ID:               w.ID,
		ServiceAccountID: w.ServiceAccountID,
		CreatedAt:        w.CreatedAt.Time,
		Description:      w.Description,
		LastUsedAt:       w.LastUsedAt.Time,
		Scope:            w.Scope,
		Scopes:           w.Scopes,
		ExpiresAt:        w.ExpiresAt.Time,
		MaskedSecret:     w.MaskedSecret,
	}
	return nil
}

// Expired reports whether the key has an expiry at or before now.
func (k APIKey) Expired(now time.Time) bool {
	return !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)
}

// CreatedAPIKey is the answer to [APIKeys.Create]: the key and its secret,
// which the API shows only this once.
type CreatedAPIKey struct {
	// APIKey is the new key.
	APIKey APIKey `json:"apiKey"`
	// Secret is the key's value, sent as "Authorization: Api-Key <secret>".
	Secret iam.Secret `json:"secret"`
}

// ListAPIKeysRequest selects the API keys to list.
type ListAPIKeysRequest struct {
	// ServiceAccountID whose keys to list; empty: Options.ServiceAccountID,
	// else the token's subject.
	ServiceAccountID string
	PageRequest
}

// CreateAPIKeyRequest describes a new API key.
type CreateAPIKeyRequest struct {
	// ServiceAccountID that will own the key; empty:
	// Options.ServiceAccountID, else the token's subject.
	ServiceAccountID string
	// Description, at most 256 characters.
	Description string
	// Scopes, at most 100, unique, each at most 256 characters. Empty: the
	// API assigns its default scopes.
	Scopes []string
	// Scope is the deprecated single-scope field; prefer Scopes.
	Scope string
	// ExpiresAt, when not zero, is when the key stops working; it must be
	// in the future and not after MaxExpiresAt.
	ExpiresAt time.Time
}

// UpdateAPIKeyRequest changes an API key. Only the fields that are set are
// changed: each becomes one entry of the request's updateMask.
type UpdateAPIKeyRequest struct {
	// ID is the key to update.
	ID string
	// Description, when not nil, is the new description.
	Description *string
	// Scopes, when not nil, replace the key's scopes (1–100, unique).
	Scopes []string
	// ExpiresAt, when not nil, is the new expiry; a pointer to the zero
	// time removes the expiry.
	ExpiresAt *time.Time
}

// updateMask lists the fields set, in the API's proto3 JSON (camelCase)
// spelling, which is the FieldMask JSON rule. The gateway's acceptance of
// snake_case paths is UNCONFIRMED, so we never rely on it.
func (r UpdateAPIKeyRequest) updateMask() string {
	var f []string
	if r.Description != nil {
		f = append(f, "description")
	}
	if r.Scopes != nil {
		f = append(f, "scopes")
	}
	if r.ExpiresAt != nil {
		f = append(f, "expiresAt")
	}
	return strings.Join(f, ",")
}

// APIKeys manages service-account API keys at /iam/v1/apiKeys.
//
// It is safe for concurrent use.
type APIKeys struct {
	t   *transport
	ops *Operations
	// scopesPath remembers which ListScopes path answered: 0 unknown,
	// 1 /iam/v1/apiKeyScopes, 2 /iam/v1/apiKeys/scopes.
	scopesPath atomic.Int32
}

const (
	apiKeysPath        = "/iam/v1/apiKeys"
	apiKeyScopesPath   = "/iam/v1/apiKeyScopes"
	apiKeyScopesLegacy = "/iam/v1/apiKeys/scopes"
)

func (a *APIKeys) url(id string) string {
	if id == "" {
		return a.t.iamURL + apiKeysPath
	}
	return a.t.iamURL + apiKeysPath + "/" + url.PathEscape(id)
}

func (a *APIKeys) serviceAccount(id string) string {
	if id != "" {
		return id
	}
	return a.t.opts.ServiceAccountID
}

// List iterates over the API keys of a service account, fetching pages as
// needed, starting at req.PageToken. Iteration stops at the first error.
func (a *APIKeys) List(ctx context.Context, req ListAPIKeysRequest) iter.Seq2[*APIKey, error] {
	return all(ctx, "ApiKeyService/List", req.PageRequest, func(ctx context.Context, p PageRequest) (*Page[*APIKey], error) {
		r := req
		r.PageRequest = p
		return a.ListPage(ctx, r)
	})
}

// ListPage returns one page of a service account's API keys
// (GET /iam/v1/apiKeys).
func (a *APIKeys) ListPage(ctx context.Context, req ListAPIKeysRequest) (*Page[*APIKey], error) {
	const op = "ApiKeyService/List"
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
		APIKeys       []*APIKey `json:"apiKeys"`
		NextPageToken string    `json:"nextPageToken"`
	}
	if _, err := a.t.call(ctx, call{op: op, method: http.MethodGet,
		url: withQuery(a.url(""), req.PageRequest.query(q)), out: &out}); err != nil {
		return nil, err
	}
	return &Page[*APIKey]{Items: nonNil(out.APIKeys), NextPageToken: out.NextPageToken}, nil
}

// Get returns an API key (GET /iam/v1/apiKeys/{id}).
func (a *APIKeys) Get(ctx context.Context, id string) (*APIKey, error) {
	const op = "ApiKeyService/Get"
	if err := checkID("API key ID", id); err != nil {
		return nil, withOp(op, err)
	}
	var out APIKey
	if _, err := a.t.call(ctx, call{op: op, method: http.MethodGet, url: a.url(id), id: id, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Create creates an API key and returns it with its secret
// (POST /iam/v1/apiKeys; the API answers directly, not with an operation).
// The request is checked before it is sent. A retried create carries the
// same Idempotency-Key, so it makes one key.
func (a *APIKeys) Create(ctx context.Context, req CreateAPIKeyRequest) (*CreatedAPIKey, error) {
	const op = "ApiKeyService/Create"
	sa := a.serviceAccount(req.ServiceAccountID)
	if err := a.checkCreate(sa, req); err != nil {
		return nil, withOp(op, err)
	}
	body := struct {
		ServiceAccountID string     `json:"serviceAccountId,omitempty"`
		Description      string     `json:"description,omitempty"`
		Scope            string     `json:"scope,omitempty"`
		Scopes           []string   `json:"scopes,omitempty"`
		ExpiresAt        *timestamp `json:"expiresAt,omitempty"`
	}{ServiceAccountID: sa, Description: req.Description, Scope: req.Scope, Scopes: req.Scopes}
	if !req.ExpiresAt.IsZero() {
		body.ExpiresAt = &timestamp{req.ExpiresAt}
	}
	var out CreatedAPIKey
	if _, err := a.t.call(ctx, call{op: op, method: http.MethodPost, url: a.url(""), in: body, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a *APIKeys) checkCreate(sa string, req CreateAPIKeyRequest) error {
	if err := checkOptionalID("serviceAccountId", sa); err != nil {
		return err
	}
	if err := checkDescription(req.Description); err != nil {
		return err
	}
	if err := checkScopes(req.Scopes, 0); err != nil {
		return err
	}
	if len(req.Scope) > maxScopeLen {
		return invalidArg("", "scope is longer than 256 characters")
	}
	return checkExpiry(req.ExpiresAt, a.t.clock.Now())
}

// Update changes the fields set in req, waits for the operation and returns
// the updated key (PATCH /iam/v1/apiKeys/{req.ID} with an updateMask naming
// exactly those fields).
func (a *APIKeys) Update(ctx context.Context, req UpdateAPIKeyRequest) (*APIKey, error) {
	op, err := a.StartUpdate(ctx, req)
	if err != nil {
		return nil, err
	}
	return waitAndDecode(ctx, a.ops, op, "ApiKeyService/Update", func(ctx context.Context) (*APIKey, error) { return a.Get(ctx, req.ID) })
}

// StartUpdate sends the update and returns its operation without waiting;
// see [Operations.Wait].
func (a *APIKeys) StartUpdate(ctx context.Context, req UpdateAPIKeyRequest) (*Operation, error) {
	const op = "ApiKeyService/Update"
	if err := checkID("API key ID", req.ID); err != nil {
		return nil, withOp(op, err)
	}
	mask := req.updateMask()
	if mask == "" {
		// Without an updateMask the API would overwrite every field.
		return nil, invalidArg(op, "nothing to update: set Description, Scopes or ExpiresAt")
	}
	body := struct {
		UpdateMask  string     `json:"updateMask"`
		Description *string    `json:"description,omitempty"`
		Scopes      []string   `json:"scopes,omitempty"`
		ExpiresAt   *timestamp `json:"expiresAt,omitempty"`
	}{UpdateMask: mask, Description: req.Description, Scopes: req.Scopes}
	if req.Description != nil {
		if err := checkDescription(*req.Description); err != nil {
			return nil, withOp(op, err)
		}
	}
	if req.Scopes != nil {
		if err := checkScopes(req.Scopes, 1); err != nil {
			return nil, withOp(op, err)
		}
	}
	if req.ExpiresAt != nil && !req.ExpiresAt.IsZero() {
		if err := checkExpiry(*req.ExpiresAt, a.t.clock.Now()); err != nil {
			return nil, withOp(op, err)
		}
		body.ExpiresAt = &timestamp{*req.ExpiresAt}
	}
	var out Operation
	if _, err := a.t.call(ctx, call{op: op, method: http.MethodPatch, url: a.url(req.ID), id: req.ID, in: body, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete deletes an API key and waits for the operation
// (DELETE /iam/v1/apiKeys/{id}).
func (a *APIKeys) Delete(ctx context.Context, id string) error {
	op, err := a.StartDelete(ctx, id)
	if err != nil {
		return err
	}
	_, err = waitFor(ctx, a.ops, op, "ApiKeyService/Delete")
	return err
}

// StartDelete sends the delete and returns its operation without waiting.
func (a *APIKeys) StartDelete(ctx context.Context, id string) (*Operation, error) {
	return startDelete(ctx, a.t, "ApiKeyService/Delete", "API key ID", a.url, id)
}

// ListOperations iterates over the operations of an API key (req.ResourceID).
func (a *APIKeys) ListOperations(ctx context.Context, req ListOperationsRequest) iter.Seq2[*Operation, error] {
	return all(ctx, "ApiKeyService/ListOperations", req.PageRequest, func(ctx context.Context, p PageRequest) (*Page[*Operation], error) {
		r := req
		r.PageRequest = p
		return a.ListOperationsPage(ctx, r)
	})
}

// ListOperationsPage returns one page of an API key's operations
// (GET /iam/v1/apiKeys/{req.ID}/operations).
func (a *APIKeys) ListOperationsPage(ctx context.Context, req ListOperationsRequest) (*Page[*Operation], error) {
	return listOperationsPage(ctx, a.t, "ApiKeyService/ListOperations", "API key ID", a.url, req)
}

// ListScopes iterates over the scopes an API key may have.
func (a *APIKeys) ListScopes(ctx context.Context, req PageRequest) iter.Seq2[string, error] {
	return all(ctx, "ApiKeyService/ListScopes", req, a.ListScopesPage)
}

// ListScopesPage returns one page of the scopes an API key may have. It
// calls GET /iam/v1/apiKeyScopes (the current path) and, if that answers
// 404, GET /iam/v1/apiKeys/scopes (the published one; whether it still
// answers is UNCONFIRMED); it remembers which path worked.
func (a *APIKeys) ListScopesPage(ctx context.Context, req PageRequest) (*Page[string], error) {
	const op = "ApiKeyService/ListScopes"
	if err := checkPage(req); err != nil {
		return nil, withOp(op, err)
	}
	var out struct {
		Scopes        []string `json:"scopes"`
		NextPageToken string   `json:"nextPageToken"`
	}
	fetch := func(path string) error {
		out.Scopes, out.NextPageToken = nil, ""
		_, err := a.t.call(ctx, call{op: op, method: http.MethodGet,
			url: withQuery(a.t.iamURL+path, req.query(nil)), out: &out})
		return err
	}
	var err error
	switch a.scopesPath.Load() {
	case 2:
		err = fetch(apiKeyScopesLegacy)
	default:
		err = fetch(apiKeyScopesPath)
		if err == nil {
			a.scopesPath.Store(1)
		} else if isHTTPNotFound(err) && a.scopesPath.Load() == 0 {
			if err = fetch(apiKeyScopesLegacy); err == nil {
				a.scopesPath.Store(2)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return &Page[string]{Items: out.Scopes, NextPageToken: out.NextPageToken}, nil
}

// isHTTPNotFound reports a 404 answer.
func isHTTPNotFound(err error) bool {
	var e *iam.Error
	return errors.As(err, &e) && e.HTTPStatus == http.StatusNotFound
}

// startDelete sends DELETE for the resource id and returns its operation.
func startDelete(ctx context.Context, t *transport, op, what string, resURL func(string) string, id string) (*Operation, error) {
	if err := checkID(what, id); err != nil {
		return nil, withOp(op, err)
	}
	var out Operation
	if _, err := t.call(ctx, call{op: op, method: http.MethodDelete, url: resURL(id), id: id, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// listOperationsPage is the ListOperations call shared by the three key
// resources.
func listOperationsPage(ctx context.Context, t *transport, op, what string, resURL func(string) string, req ListOperationsRequest) (*Page[*Operation], error) {
	if err := checkID(what, req.ResourceID); err != nil {
		return nil, withOp(op, err)
	}
	if err := checkPage(req.PageRequest); err != nil {
		return nil, withOp(op, err)
	}
	var out struct {
		Operations    []*Operation `json:"operations"`
		NextPageToken string       `json:"nextPageToken"`
	}
	if _, err := t.call(ctx, call{op: op, method: http.MethodGet, id: req.ResourceID,
		url: withQuery(resURL(req.ResourceID)+"/operations", req.PageRequest.query(nil)), out: &out}); err != nil {
		return nil, err
	}
	return &Page[*Operation]{Items: nonNil(out.Operations), NextPageToken: out.NextPageToken}, nil
}
