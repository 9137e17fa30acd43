package iam

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, matched with errors.Is against any error an iamkit client
// returns. An [*Error]'s Kind is at most one of them, but its cause (Err)
// may match another: a call whose token source failed is
// ErrUnauthenticated and also matches what the source's error matches (an
// exchange that found the token service unavailable, ErrUnavailable). A
// call that the caller's context ended has no Kind and matches that
// context's error.
//
// Unlike the other sentinels of iamkit, whose text reads "<package>:
// <phrase>" (for example "auth: token cache is closed"), these are the bare
// kind ("not found"): they are only ever shown wrapped inside an [*Error],
// whose text already names the provider and the call ("nebius
// AccessKeyService/Get: not found (…)").
var (
	// ErrNotFound: the key, account or operation does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: the resource exists already, or conflicts with one.
	ErrAlreadyExists = errors.New("already exists")
	// ErrPermissionDenied: the caller is known but not allowed.
	ErrPermissionDenied = errors.New("permission denied")
	// ErrUnauthenticated: the credentials were missing, wrong or expired.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrThrottled: the service asked the caller to slow down (HTTP 429,
	// RESOURCE_EXHAUSTED, OUTSCALE codes 6/24/25).
	ErrThrottled = errors.New("throttled")
	// ErrInvalidArgument: the request was malformed or a value out of range.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrFailedPrecondition: the resource is not in a state that allows the
	// call (for example deleting an active OUTSCALE EIM key).
	ErrFailedPrecondition = errors.New("failed precondition")
	// ErrUnavailable: the service could not be reached or answered 5xx.
	ErrUnavailable = errors.New("unavailable")
)

// Provider names the cloud an [Error] came from.
type Provider string

// The providers iamkit speaks to.
const (
	Nebius   Provider = "nebius"
	Yandex   Provider = "yandex"
	Outscale Provider = "outscale"
)

// Error is what a call to a cloud returns when the cloud said no. It carries
// what the service said and unwraps to one of the sentinels (ErrNotFound, …)
// and to the underlying cause, if any.
//
// Its text never contains a secret: messages from services are scrubbed of
// the secrets the client knows and are size-limited.
type Error struct {
	// Provider is the cloud that answered.
	Provider Provider
	// Op is the call, e.g. "AccessKeyService/Create" or "CreateAccessKey".
	Op string
	// HTTPStatus is the HTTP status code, or 0 for gRPC calls.
	HTTPStatus int
	// GRPCCode is the gRPC status code (as its number), or 0 for HTTP calls
	// that carried none.
	GRPCCode int
	// Code is the provider's own error code (OUTSCALE "4000", Nebius
	// ServiceError code, RFC 6749 "invalid_grant", …).
	Code string
	// Message is the provider's message.
	Message string
	// RequestID is the ID the service gave the request, for support tickets.
	RequestID string
	// ResourceID names a resource or operation the failed call left behind
	// (for example an operation that was accepted and then failed), so the
	// caller can find it.
	ResourceID string
	// Kind is the sentinel this error matches (ErrNotFound, …), or nil.
	Kind error
	// Err is an underlying cause, or nil.
	Err error
}

// Error formats the error as "provider Op: message (status, code, request id)".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Provider != "" {
		b.WriteString(string(e.Provider))
		b.WriteByte(' ')
	}
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	switch {
	case e.Message != "":
		b.WriteString(e.Message)
	case e.Kind != nil:
		b.WriteString(e.Kind.Error())
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("request failed")
	}
	var parts []string
	if e.HTTPStatus != 0 {
		parts = append(parts, fmt.Sprintf("http %d", e.HTTPStatus))
	}
	if e.GRPCCode != 0 {
		parts = append(parts, fmt.Sprintf("grpc code %d", e.GRPCCode))
	}
	if e.Code != "" {
		parts = append(parts, "code "+e.Code)
	}
	if e.RequestID != "" {
		parts = append(parts, "request id "+e.RequestID)
	}
	if e.ResourceID != "" {
		parts = append(parts, "resource "+e.ResourceID)
	}
	if len(parts) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(parts, ", "))
		b.WriteByte(')')
	}
	if e.Err != nil && e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel and the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// KindForHTTPStatus maps an HTTP status to a sentinel, or nil.
func KindForHTTPStatus(status int) error {
	switch {
	case status == 400 || status == 422:
		return ErrInvalidArgument
	case status == 401:
		return ErrUnauthenticated
	case status == 403:
		return ErrPermissionDenied
	case status == 404:
		return ErrNotFound
	case status == 409:
		return ErrAlreadyExists
	case status == 412:
		return ErrFailedPrecondition
	case status == 429:
		return ErrThrottled
	case status >= 500:
		return ErrUnavailable
	}
	return nil
}

// KindForGRPCCode maps a gRPC status code (as its number, so that this
// package does not import gRPC) to a sentinel, or nil.
func KindForGRPCCode(code int) error {
	switch code {
	case 3, 11: // INVALID_ARGUMENT, OUT_OF_RANGE
		return ErrInvalidArgument
	case 5: // NOT_FOUND
		return ErrNotFound
	case 6, 10: // ALREADY_EXISTS, ABORTED
		return ErrAlreadyExists
	case 7: // PERMISSION_DENIED
		return ErrPermissionDenied
	case 8: // RESOURCE_EXHAUSTED
		return ErrThrottled
	case 9: // FAILED_PRECONDITION
		return ErrFailedPrecondition
	case 14, 4: // UNAVAILABLE, DEADLINE_EXCEEDED
		return ErrUnavailable
	case 16: // UNAUTHENTICATED
		return ErrUnauthenticated
	}
	return nil
}
