package yandex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/redact"
)

// Operation is a long-running operation of the Yandex Cloud API
// (yandex.cloud.operation.Operation). Update and Delete calls return one:
// the sub-clients' Start* methods return it as it is, and their Update and
// Delete methods wait for it with [Operations.Wait].
//
// While Done is false neither Response nor Error is normally set (Error may
// be set early while a failed operation rolls back). Once Done is true
// exactly one of them is.
type Operation struct {
	// ID identifies the operation, for Operations.Get.
	ID string
	// Description says what the operation does.
	Description string
	// CreatedAt is when the operation started.
	CreatedAt time.Time
	// CreatedBy is the subject that started it.
	CreatedBy string
	// ModifiedAt is when its state last changed.
	ModifiedAt time.Time
	// Done reports whether the operation has finished.
	Done bool
	// Metadata is the operation's metadata as JSON, a google.protobuf.Any
	// with an "@type" field (see MetadataType), or nil.
	Metadata json.RawMessage
	// Response is the result of a successful operation as JSON, a
	// google.protobuf.Any with an "@type" field (see ResponseType), or nil.
	Response json.RawMessage
	// Error is set when the operation failed.
	Error *Status
}

// Status is a google.rpc.Status: a gRPC status code, a message and typed
// details, as the API returns it in failed operations and error responses.
type Status struct {
	// Code is the gRPC status code (5 NOT_FOUND, 7 PERMISSION_DENIED, …).
	Code int
	// Message is the service's message.
	Message string
	// Details are the status details as JSON objects with "@type".
	Details []json.RawMessage
}

type wireStatus struct {
	Code    int64String       `json:"code"`
	Message string            `json:"message"`
	Details []json.RawMessage `json:"details,omitempty"`
}

func (w *wireStatus) status() *Status {
	if w == nil {
		return nil
	}
	return &Status{Code: int(w.Code), Message: w.Message, Details: w.Details}
}

type wireOperation struct {
	ID          string          `json:"id"`
	Description string          `json:"description"`
	CreatedAt   timestamp       `json:"createdAt"`
	CreatedBy   string          `json:"createdBy"`
	ModifiedAt  timestamp       `json:"modifiedAt"`
	Done        bool            `json:"done"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	Response    json.RawMessage `json:"response,omitempty"`
	Error       *wireStatus     `json:"error,omitempty"`
}

func (w *wireOperation) operation() *Operation {
	op := &Operation{
		ID:          w.ID,
		Description: w.Description,
		CreatedAt:   w.CreatedAt.Time,
		CreatedBy:   w.CreatedBy,
		ModifiedAt:  w.ModifiedAt.Time,
		Done:        w.Done,
		Metadata:    nullToNil(w.Metadata),
		Response:    nullToNil(w.Response),
		Error:       w.Error.status(),
	}
	// An error object with code 0 is how some gateways render an unset
	// oneof; treat it as absent.
	if op.Error != nil && op.Error.Code == 0 && op.Error.Message == "" {
		op.Error = nil
	}
	return op
}

func nullToNil(m json.RawMessage) json.RawMessage {
	if len(m) == 0 || string(m) == "null" {
		return nil
	}
	return m
}

// UnmarshalJSON decodes the proto3 JSON form of an Operation.
func (o *Operation) UnmarshalJSON(b []byte) error {
	var w wireOperation
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*o = *w.operation()
	return nil
}

// MetadataType returns the "@type" of Metadata, e.g.
// "type.googleapis.com/yandex.cloud.iam.v1.UpdateApiKeyMetadata", or "".
func (o *Operation) MetadataType() string { return anyType(o.Metadata) }

// ResponseType returns the "@type" of Response, or "".
func (o *Operation) ResponseType() string { return anyType(o.Response) }

// DecodeMetadata decodes Metadata into v (unknown fields, including
// "@type", are ignored).
func (o *Operation) DecodeMetadata(v any) error {
	if o.Metadata == nil {
		return fmt.Errorf("yandex: operation %s has no metadata", o.ID)
	}
	return json.Unmarshal(o.Metadata, v)
}

// DecodeResponse decodes Response into v (unknown fields, including
// "@type", are ignored).
func (o *Operation) DecodeResponse(v any) error {
	if o.Response == nil {
		return fmt.Errorf("yandex: operation %s has no response", o.ID)
	}
	return json.Unmarshal(o.Response, v)
}

// Err returns the operation's failure as an *iam.Error (unwrapping to the
// iam sentinel for its code, with ResourceID set to the operation ID), or
// nil if the operation has not failed.
func (o *Operation) Err() error {
	if o == nil || o.Error == nil {
		return nil
	}
	msg := redact.Truncate(o.Error.Message, maxMessageLen)
	if msg == "" {
		msg = "operation failed"
	}
	return &iam.Error{
		Provider:   iam.Yandex,
		Op:         "Operation",
		GRPCCode:   o.Error.Code,
		Code:       grpcCodeName(o.Error.Code),
		Message:    msg,
		RequestID:  requestIDFromDetails(o.Error.Details),
		ResourceID: o.ID,
		Kind:       iam.KindForGRPCCode(o.Error.Code),
	}
}

func anyType(m json.RawMessage) string {
	if m == nil {
		return ""
	}
	var v struct {
		Type string `json:"@type"`
	}
	if json.Unmarshal(m, &v) != nil {
		return ""
	}
	return v.Type
}

// ListOperationsRequest selects the operations of one resource to list
// (the ListOperations calls of APIKeys, AccessKeys and Keys).
type ListOperationsRequest struct {
	// ResourceID is the resource (API key, access key or authorized key)
	// whose operations to list: the ID its List and Get calls return.
	// Required. The field has the same name in every provider
	// (nebius.ListOperationsRequest.ResourceID).
	ResourceID string
	PageRequest
}

// Operations reads, waits for and cancels operations at the operation
// endpoint (https://operation.api.cloud.yandex.net by default).
//
// It is safe for concurrent use.
type Operations struct {
	t *transport
}

// Cancel asks the service to cancel an operation and returns the
// operation as the service then reports it
// (OperationService.Cancel, GET /operations/{id}:cancel). Cancelling is
// best effort, as the API documents: the operation may still finish, and
// the answer may show it running or done; call [Operations.Wait] for its
// outcome. A cancelled operation ends with an error matching the
// CANCELLED code.
//
// The verb is GET, as the proto's HTTP annotation says
// (yandex/cloud/operation/operation_service.proto); the API design guide
// shows POST instead. Which one the live gateway accepts is UNCONFIRMED;
// the gateway is generated from the annotation.
func (o *Operations) Cancel(ctx context.Context, id string) (*Operation, error) {
	const op = "OperationService/Cancel"
	if err := checkID("operation ID", id); err != nil {
		return nil, withOp(op, err)
	}
	var out Operation
	if _, err := o.t.call(ctx, call{
		op:     op,
		method: http.MethodGet,
		url:    o.t.opURL + "/operations/" + url.PathEscape(id) + ":cancel",
		id:     id,
		out:    &out,
	}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get returns the operation's current state (GET /operations/{id}).
func (o *Operations) Get(ctx context.Context, id string) (*Operation, error) {
	op, _, err := o.get(ctx, id)
	return op, err
}

func (o *Operations) get(ctx context.Context, id string) (*Operation, http.Header, error) {
	if err := checkID("operation ID", id); err != nil {
		return nil, nil, withOp("OperationService/Get", err)
	}
	var out Operation
	resp, err := o.t.call(ctx, call{
		op:     "OperationService/Get",
		method: http.MethodGet,
		url:    o.t.opURL + "/operations/" + url.PathEscape(id),
		id:     id,
		out:    &out,
	})
	if err != nil {
		return nil, nil, err
	}
	return &out, resp.Header, nil
}

// Wait polls the operation until it is done, the context ends, or polling
// fails. It returns the final operation; if the operation failed it returns
// the operation and its [Operation.Err].
//
// Polling starts at Options.PollInterval and backs off (×1.5) up to
// Options.MaxPollInterval; an "x-operation-poll-interval" response header
// (seconds) overrides the interval. The first Options.NotFoundTolerance
// NOT_FOUND answers are ignored: a new operation may not have reached every
// replica yet. If the context ends first, Wait returns an *iam.Error whose
// ResourceID is the operation ID and which unwraps to the context's error.
func (o *Operations) Wait(ctx context.Context, op *Operation) (*Operation, error) {
	if op == nil {
		return nil, invalidArg("Operation/Wait", "operation is nil")
	}
	if op.Done {
		return op, op.Err()
	}
	if err := checkID("operation ID", op.ID); err != nil {
		return op, err
	}
	t := o.t
	interval := t.opts.PollInterval
	notFound := 0
	cur := op
	for {
		if err := clock.Sleep(ctx, t.clock, interval); err != nil {
			return cur, &iam.Error{Provider: iam.Yandex, Op: "Operation/Wait",
				Message: "gave up waiting for operation", ResourceID: op.ID, Err: err}
		}
		next, hdr, err := o.get(ctx, op.ID)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return cur, &iam.Error{Provider: iam.Yandex, Op: "Operation/Wait",
					Message: "gave up waiting for operation", ResourceID: op.ID, Err: ctxErr}
			}
			if errors.Is(err, iam.ErrNotFound) && notFound < t.opts.NotFoundTolerance {
				notFound++
				interval = nextInterval(interval, t.opts.MaxPollInterval)
				continue
			}
			return cur, err
		}
		cur = next
		if cur.Done {
			return cur, cur.Err()
		}
		if d, ok := parsePollInterval(hdr.Get("x-operation-poll-interval")); ok {
			interval = d
		} else {
			interval = nextInterval(interval, t.opts.MaxPollInterval)
		}
	}
}

// maxServerPollInterval caps a server-sent poll interval.
const maxServerPollInterval = time.Minute

func nextInterval(d, max time.Duration) time.Duration {
	d = d * 3 / 2
	if d > max {
		d = max
	}
	return d
}

// parsePollInterval reads "x-operation-poll-interval": integer seconds per
// go-sdk; fractional seconds and Go durations ("500ms") are accepted too
// (the REST header's form is UNCONFIRMED).
func parsePollInterval(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		d = time.Duration(f * float64(time.Second))
	} else if pd, err := time.ParseDuration(v); err == nil {
		d = pd
	} else {
		return 0, false
	}
	if d < 0 {
		return 0, false
	}
	if d > maxServerPollInterval {
		d = maxServerPollInterval
	}
	return d, true
}

// waitFor waits for op, which the call named name started, and labels a
// failure of the operation (or an abandoned wait) with that call, so the
// error says "ApiKeyService/Delete" rather than "Operation".
func waitFor(ctx context.Context, ops *Operations, op *Operation, name string) (*Operation, error) {
	done, err := ops.Wait(ctx, op)
	if e, ok := err.(*iam.Error); ok && (e.Op == "Operation" || e.Op == "Operation/Wait") {
		e.Op = name
	}
	return done, err
}

// waitAndDecode waits for op, which the call named name started, and
// decodes its response into a wire value. If the finished operation carries
// no response, get is used to read the resource instead.
func waitAndDecode[W any](ctx context.Context, ops *Operations, op *Operation, name string, get func(context.Context) (*W, error)) (*W, error) {
	done, err := waitFor(ctx, ops, op, name)
	if err != nil {
		return nil, err
	}
	if done.Response != nil {
		var w W
		if err := done.DecodeResponse(&w); err == nil {
			return &w, nil
		}
	}
	return get(ctx)
}
