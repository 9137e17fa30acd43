package nebiustest

import (
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/iamkit/iamkit/internal/nebiuspb"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
)

// svcError is an error the emulator answers with: a gRPC code and message,
// and a nebius.common.v1.ServiceError detail (service "iam").
type svcError struct {
	code      codes.Code
	message   string
	seCode    string                          // ServiceError.code
	details   func(*commonv1.ServiceError)    // sets the ServiceError oneof, if any
	retryType commonv1.ServiceError_RetryType // ServiceError.retry_type
}

// Error returns the message.
func (e *svcError) Error() string { return e.message }

// status renders the error as a google.rpc.Status whose detail is an Any
// with the real type URL, type.googleapis.com/nebius.common.v1.ServiceError.
func (e *svcError) status() *spb.Status {
	se := &commonv1.ServiceError{Service: "iam", Code: e.seCode, RetryType: e.retryType}
	if e.details != nil {
		e.details(se)
	}
	st := &spb.Status{Code: int32(e.code), Message: e.message}
	if a, err := nebiuspb.NewAny(se); err == nil {
		st.Details = []*anypb.Any{a}
	}
	return st
}

// grpcErr converts the error to a gRPC status error with its details.
func (e *svcError) grpcErr() error { return status.ErrorProto(e.status()) }

func notFound(kind, id string) *svcError {
	return &svcError{code: codes.NotFound, message: kind + " " + id + " not found", seCode: "NotFound",
		retryType: commonv1.ServiceError_NOTHING, details: func(se *commonv1.ServiceError) {
			se.Details = &commonv1.ServiceError_ResourceNotFound{ResourceNotFound: &commonv1.ResourceNotFound{ResourceId: id}}
		}}
}

func badRequest(field, msg string) *svcError {
	return &svcError{code: codes.InvalidArgument, message: field + ": " + msg, seCode: "BadRequest",
		retryType: commonv1.ServiceError_NOTHING, details: func(se *commonv1.ServiceError) {
			se.Details = &commonv1.ServiceError_BadRequest{BadRequest: &commonv1.BadRequest{
				Violations: []*commonv1.BadRequest_Violation{{Field: field, Message: msg}}}}
		}}
}

func badState(id, msg string) *svcError {
	return &svcError{code: codes.FailedPrecondition, message: msg, seCode: "BadResourceState",
		retryType: commonv1.ServiceError_NOTHING, details: func(se *commonv1.ServiceError) {
			se.Details = &commonv1.ServiceError_BadResourceState{BadResourceState: &commonv1.BadResourceState{ResourceId: id, Message: msg}}
		}}
}

func alreadyExists(id, msg string) *svcError {
	return &svcError{code: codes.AlreadyExists, message: msg, seCode: "AlreadyExists",
		retryType: commonv1.ServiceError_NOTHING, details: func(se *commonv1.ServiceError) {
			se.Details = &commonv1.ServiceError_ResourceAlreadyExists{ResourceAlreadyExists: &commonv1.ResourceAlreadyExists{ResourceId: id}}
		}}
}

func permissionDenied(subject, msg string) *svcError {
	return &svcError{code: codes.PermissionDenied, message: msg, seCode: "PermissionDenied",
		retryType: commonv1.ServiceError_NOTHING, details: func(se *commonv1.ServiceError) {
			se.Details = &commonv1.ServiceError_PermissionDenied{PermissionDenied: &commonv1.PermissionDenied{ResourceId: subject}}
		}}
}

func internalError(msg, requestID string) *svcError {
	return &svcError{code: codes.Internal, message: msg, seCode: "Internal", details: func(se *commonv1.ServiceError) {
		se.Details = &commonv1.ServiceError_InternalError{InternalError: &commonv1.InternalError{RequestId: requestID}}
	}}
}

// unimplemented is what the emulator answers for what it does not emulate:
// UNIMPLEMENTED, and nothing changes.
func unimplemented(msg string) *svcError {
	return &svcError{code: codes.Unimplemented, message: "nebiustest: " + msg, seCode: "Unimplemented",
		retryType: commonv1.ServiceError_NOTHING}
}
