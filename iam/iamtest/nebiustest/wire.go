package nebiustest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// The emulator works on the wire messages through their descriptors (the
// ones iam/nebius registers) and their canonical JSON form, decoded into the
// plain structs below: it shares no Go types with the client, only the
// wire contract.

var (
	toJSON   = protojson.MarshalOptions{UseProtoNames: true}
	fromJSON = protojson.UnmarshalOptions{}
)

// decode reads a request message into v.
func decode(m proto.Message, v any) error {
	b, err := toJSON.Marshal(m)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return nil
}

// encode writes v into a response message.
func encode(v any, m proto.Message) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return fromJSON.Unmarshal(b, m)
}

// enumVal is an enum in JSON: its name, or "#n" for a number the
// descriptors do not know.
type enumVal string

// UnmarshalJSON accepts an enum name or number.
func (e *enumVal) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*e = enumVal(s)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*e = enumVal("#" + strconv.FormatInt(n, 10))
	return nil
}

type jID struct {
	ID string `json:"id,omitempty"`
}

type jAccount struct {
	ServiceAccount   *jID      `json:"service_account,omitempty"`
	UserAccount      *jID      `json:"user_account,omitempty"`
	AnonymousAccount *struct{} `json:"anonymous_account,omitempty"`
}

// owner returns the account's kind and ID ("" when unset).
func (a *jAccount) owner() (kind, id string) {
	switch {
	case a == nil:
		return "", ""
	case a.ServiceAccount != nil:
		return "service_account", a.ServiceAccount.ID
	case a.UserAccount != nil:
		return "user_account", a.UserAccount.ID
	case a.AnonymousAccount != nil:
		return "anonymous_account", ""
	}
	return "", ""
}

func accountJSON(kind, id string) *jAccount {
	switch kind {
	case "service_account":
		return &jAccount{ServiceAccount: &jID{ID: id}}
	case "user_account":
		return &jAccount{UserAccount: &jID{ID: id}}
	case "anonymous_account":
		return &jAccount{AnonymousAccount: &struct{}{}}
	}
	return nil
}

type jMetadata struct {
	ID              string            `json:"id,omitempty"`
	ParentID        string            `json:"parent_id,omitempty"`
	Name            string            `json:"name,omitempty"`
	ResourceVersion int64             `json:"resource_version,omitempty,string"`
	CreatedAt       *time.Time        `json:"created_at,omitempty"`
	UpdatedAt       *time.Time        `json:"updated_at,omitempty"`
	Labels          map[string]string `json:"labels,omitempty"`
}

type jAccessKeySpec struct {
	Account            *jAccount  `json:"account,omitempty"`
	ExpiresAt          *time.Time `json:"expires_at,omitempty"`
	Description        string     `json:"description,omitempty"`
	SecretDeliveryMode enumVal    `json:"secret_delivery_mode,omitempty"`
}

type jAccessKeyStatus struct {
	State             string `json:"state,omitempty"`
	Fingerprint       string `json:"fingerprint,omitempty"`
	Algorithm         string `json:"algorithm,omitempty"`
	KeySize           int32  `json:"key_size,omitempty"`
	AwsAccessKeyID    string `json:"aws_access_key_id,omitempty"`
	Secret            string `json:"secret,omitempty"`
	SecretReferenceID string `json:"secret_reference_id,omitempty"`
}

type jAccessKey struct {
	Metadata *jMetadata        `json:"metadata,omitempty"`
	Spec     *jAccessKeySpec   `json:"spec,omitempty"`
	Status   *jAccessKeyStatus `json:"status,omitempty"`
}

type jPublicKeySpec struct {
	Account     *jAccount  `json:"account,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	Description string     `json:"description,omitempty"`
	Data        string     `json:"data,omitempty"`
}

type jPublicKeyStatus struct {
	State       string `json:"state,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Algorithm   string `json:"algorithm,omitempty"`
	KeySize     int32  `json:"key_size,omitempty"`
}

type jPublicKey struct {
	Metadata *jMetadata        `json:"metadata,omitempty"`
	Spec     *jPublicKeySpec   `json:"spec,omitempty"`
	Status   *jPublicKeyStatus `json:"status,omitempty"`
}

// jRequest is the union of the request messages' fields: each RPC reads
// the ones its message has.
type jRequest struct {
	ID             string          `json:"id,omitempty"`
	AwsAccessKeyID string          `json:"aws_access_key_id,omitempty"`
	ParentID       string          `json:"parent_id,omitempty"`
	PageSize       int64           `json:"page_size,omitempty,string"`
	PageToken      string          `json:"page_token,omitempty"`
	Filter         string          `json:"filter,omitempty"`
	Account        *jAccount       `json:"account,omitempty"`
	Metadata       *jMetadata      `json:"metadata,omitempty"`
	Spec           json.RawMessage `json:"spec,omitempty"`
}

type jList[T any] struct {
	Items         []T    `json:"items,omitempty"`
	NextPageToken string `json:"next_page_token,omitempty"`
}

type jSecret struct {
	AwsAccessKeyID string `json:"aws_access_key_id,omitempty"`
	Secret         string `json:"secret,omitempty"`
}

type jStatus struct {
	Code    int32            `json:"code,omitempty"`
	Message string           `json:"message,omitempty"`
	Details []map[string]any `json:"details,omitempty"`
}

type jOperation struct {
	ID          string     `json:"id"`
	Description string     `json:"description,omitempty"`
	CreatedAt   *time.Time `json:"created_at,omitempty"`
	CreatedBy   string     `json:"created_by,omitempty"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	ResourceID  string     `json:"resource_id,omitempty"`
	Status      *jStatus   `json:"status,omitempty"`
}

// svcError is an error the emulator answers with: a gRPC code and message,
// and a nebius.common.v1.ServiceError detail.
type svcError struct {
	code      codes.Code
	message   string
	seCode    string         // ServiceError.code
	detail    string         // ServiceError oneof field name, e.g. "resource_not_found"
	detailVal map[string]any // its fields
	retryType string         // ServiceError.retry_type
}

// Error returns the message.
func (e *svcError) Error() string { return e.message }

// jsonStatus renders the error as a google.rpc.Status in JSON form.
func (e *svcError) jsonStatus() *jStatus {
	se := map[string]any{
		"@type":   "type.googleapis.com/nebius.common.v1.ServiceError",
		"service": "iam",
		"code":    e.seCode,
	}
	if e.detail != "" {
		v := e.detailVal
		if v == nil {
			v = map[string]any{}
		}
		se[e.detail] = v
	}
	if e.retryType != "" {
		se["retry_type"] = e.retryType
	}
	return &jStatus{Code: int32(e.code), Message: e.message, Details: []map[string]any{se}}
}

// grpcErr converts the error to a gRPC status error with its details.
func (e *svcError) grpcErr() error {
	var p spb.Status
	if err := encode(e.jsonStatus(), &p); err != nil {
		return status.Error(e.code, e.message)
	}
	return status.ErrorProto(&p)
}

func notFound(kind, id string) *svcError {
	return &svcError{code: codes.NotFound, message: kind + " " + id + " not found", seCode: "NotFound",
		detail: "resource_not_found", detailVal: map[string]any{"resource_id": id}, retryType: "NOTHING"}
}

func badRequest(field, msg string) *svcError {
	return &svcError{code: codes.InvalidArgument, message: field + ": " + msg, seCode: "BadRequest",
		detail: "bad_request", detailVal: map[string]any{"violations": []map[string]any{{"field": field, "message": msg}}}, retryType: "NOTHING"}
}

func badState(id, msg string) *svcError {
	return &svcError{code: codes.FailedPrecondition, message: msg, seCode: "BadResourceState",
		detail: "bad_resource_state", detailVal: map[string]any{"resource_id": id, "message": msg}, retryType: "NOTHING"}
}

func alreadyExists(id, msg string) *svcError {
	return &svcError{code: codes.AlreadyExists, message: msg, seCode: "AlreadyExists",
		detail: "resource_already_exists", detailVal: map[string]any{"resource_id": id}, retryType: "NOTHING"}
}

func ptime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
