package yandex

import (
	"encoding/json"
	"time"
)

// The resource types encode to the same proto3 JSON they decode from, so
// that they can be stored and read back (zero times and empty fields are
// left out).

func optTime(t time.Time) *timestamp {
	if t.IsZero() {
		return nil
	}
	return &timestamp{t}
}

// MarshalJSON encodes the key in the API's proto3 JSON form.
func (k APIKey) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID               string     `json:"id,omitempty"`
		ServiceAccountID string     `json:"serviceAccountId,omitempty"`
		CreatedAt        *timestamp `json:"createdAt,omitempty"`
		Description      string     `json:"description,omitempty"`
		LastUsedAt       *timestamp `json:"lastUsedAt,omitempty"`
		Scope            string     `json:"scope,omitempty"`
		Scopes           []string   `json:"scopes,omitempty"`
		ExpiresAt        *timestamp `json:"expiresAt,omitempty"`
		MaskedSecret     string     `json:"maskedSecret,omitempty"`
	}{k.ID, k.ServiceAccountID, optTime(k.CreatedAt), k.Description, optTime(k.LastUsedAt),
		k.Scope, k.Scopes, optTime(k.ExpiresAt), k.MaskedSecret})
}

// MarshalJSON encodes the key in the API's proto3 JSON form.
func (k AccessKey) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID               string     `json:"id,omitempty"`
		ServiceAccountID string     `json:"serviceAccountId,omitempty"`
		CreatedAt        *timestamp `json:"createdAt,omitempty"`
		Description      string     `json:"description,omitempty"`
		KeyID            string     `json:"keyId,omitempty"`
		LastUsedAt       *timestamp `json:"lastUsedAt,omitempty"`
	}{k.ID, k.ServiceAccountID, optTime(k.CreatedAt), k.Description, k.AccessKeyID, optTime(k.LastUsedAt)})
}

// MarshalJSON encodes the key in the API's proto3 JSON form.
func (k Key) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID               string       `json:"id,omitempty"`
		UserAccountID    string       `json:"userAccountId,omitempty"`
		ServiceAccountID string       `json:"serviceAccountId,omitempty"`
		CreatedAt        *timestamp   `json:"createdAt,omitempty"`
		Description      string       `json:"description,omitempty"`
		KeyAlgorithm     KeyAlgorithm `json:"keyAlgorithm,omitempty"`
		PublicKey        string       `json:"publicKey,omitempty"`
		LastUsedAt       *timestamp   `json:"lastUsedAt,omitempty"`
	}{k.ID, k.UserAccountID, k.ServiceAccountID, optTime(k.CreatedAt), k.Description, k.KeyAlgorithm,
		k.PublicKey, optTime(k.LastUsedAt)})
}

// MarshalJSON encodes the operation in the API's proto3 JSON form.
func (o Operation) MarshalJSON() ([]byte, error) {
	var st *wireStatus
	if o.Error != nil {
		st = &wireStatus{Code: int64String(o.Error.Code), Message: o.Error.Message, Details: o.Error.Details}
	}
	return json.Marshal(struct {
		ID          string          `json:"id,omitempty"`
		Description string          `json:"description,omitempty"`
		CreatedAt   *timestamp      `json:"createdAt,omitempty"`
		CreatedBy   string          `json:"createdBy,omitempty"`
		ModifiedAt  *timestamp      `json:"modifiedAt,omitempty"`
		Done        bool            `json:"done"`
		Metadata    json.RawMessage `json:"metadata,omitempty"`
		Response    json.RawMessage `json:"response,omitempty"`
		Error       *statusJSON     `json:"error,omitempty"`
	}{o.ID, o.Description, optTime(o.CreatedAt), o.CreatedBy, optTime(o.ModifiedAt), o.Done,
		o.Metadata, o.Response, st.json()})
}

// statusJSON is google.rpc.Status as written: code as a JSON number (it is
// an int32, which proto3 JSON writes as a number).
type statusJSON struct {
	Code    int               `json:"code"`
	Message string            `json:"message,omitempty"`
	Details []json.RawMessage `json:"details,omitempty"`
}

func (w *wireStatus) json() *statusJSON {
	if w == nil {
		return nil
	}
	return &statusJSON{Code: int(w.Code), Message: w.Message, Details: w.Details}
}
