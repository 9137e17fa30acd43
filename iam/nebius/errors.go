package nebius

import (
	"context"
	"errors"
	"net"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/nebiuspb"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/redact"
)

// maxMessage bounds the service message copied into an error.
const maxMessage = 1024

// mapError turns what a call returned into an *iam.Error: the gRPC status
// code and message, the ServiceError details (service code, resource ID,
// retry type) and the X-Request-ID response header. secrets are scrubbed
// from the message.
func (c *Client) mapError(op string, err error, header metadata.MD, secrets ...string) error {
	if err == nil {
		return nil
	}
	var ie *iam.Error
	if errors.As(err, &ie) && ie.Provider == iam.Nebius && ie.Op == op {
		return err
	}
	var te *tokenError
	if errors.As(err, &te) {
		// The token source failed: no call was made. As in every iamkit
		// client, that is iam.ErrUnauthenticated, wrapping the source's
		// error (which keeps its own kind for errors.Is); callError drops
		// the kind when the caller's context ended the wait.
		return &iam.Error{Provider: iam.Nebius, Op: op, Message: "could not get an access token",
			Kind: iam.ErrUnauthenticated, Err: redact.Error(te.err, secrets...)}
	}
	st, ok := status.FromError(err)
	if !ok {
		return &iam.Error{Provider: iam.Nebius, Op: op, Err: redact.Error(err, secrets...)}
	}
	out := statusError(op, st, secrets...)
	// A failure of the connection itself (TLS, a server that is not
	// HTTP/2, a reset) is described by gRPC without the address; say it,
	// once, as the HTTP clients' errors do with the URL.
	// (A lookup failure names the host without the port: that is enough.)
	if st.Code() == codes.Unavailable && strings.HasPrefix(st.Message(), "connection error:") &&
		c.target != "" && !strings.Contains(out.Message, targetHost(c.target)) {
		out.Message = redact.Truncate(c.target+": "+out.Message, maxMessage)
	}
	if v := header.Get(headerRequestID); len(v) > 0 && v[0] != "" {
		out.RequestID = redact.RequestID(v[0], secrets...)
	}
	return out
}

// targetHost is the host of a host:port target (the whole target if it
// has no port).
func targetHost(target string) string {
	if h, _, err := net.SplitHostPort(target); err == nil {
		return h
	}
	return target
}

// statusError converts a google.rpc.Status (from a failed call or a failed
// operation) into an *iam.Error.
func statusError(op string, st *status.Status, secrets ...string) *iam.Error {
	out := &iam.Error{
		Provider: iam.Nebius,
		Op:       op,
		GRPCCode: int(st.Code()),
		Message:  redact.Truncate(redact.String(st.Message(), secrets...), maxMessage),
		Kind:     iam.KindForGRPCCode(int(st.Code())),
	}
	switch st.Code() {
	case codes.Canceled:
		out.Err = context.Canceled
	case codes.DeadlineExceeded:
		out.Err = context.DeadlineExceeded
	}
	if se := serviceErrorOf(st); se != nil {
		out.Code = redact.Truncate(se.GetCode(), 128)
		if se.GetService() != "" && out.Code != "" {
			out.Code = se.GetService() + ":" + out.Code
		}
		if out.Kind == nil {
			out.Kind = kindForDetails(se)
		}
		out.ResourceID = resourceIDOf(se)
		if ie := se.GetInternalError(); ie != nil && out.RequestID == "" {
			out.RequestID = redact.RequestID(ie.GetRequestId(), secrets...)
		}
	}
	return out
}

// serviceErrorOf returns the first nebius.common.v1.ServiceError among the
// status details, or nil. The details are read by their type URL's real
// name (never through the global registry, where a linked gosdk would
// resolve the name to its own type).
func serviceErrorOf(st *status.Status) *commonv1.ServiceError {
	if st == nil {
		return nil
	}
	for _, d := range st.Proto().GetDetails() {
		se := new(commonv1.ServiceError)
		if ok, err := nebiuspb.UnmarshalAny(d, se); ok && err == nil {
			return se
		}
	}
	return nil
}

// kindForDetails maps ServiceError details to a sentinel, for codes
// (UNKNOWN, INTERNAL) that do not say it themselves.
func kindForDetails(se *commonv1.ServiceError) error {
	switch se.GetDetails().(type) {
	case *commonv1.ServiceError_ResourceNotFound:
		return iam.ErrNotFound
	case *commonv1.ServiceError_ResourceAlreadyExists, *commonv1.ServiceError_ResourceConflict:
		return iam.ErrAlreadyExists
	case *commonv1.ServiceError_PermissionDenied:
		return iam.ErrPermissionDenied
	case *commonv1.ServiceError_TooManyRequests, *commonv1.ServiceError_QuotaFailure:
		return iam.ErrThrottled
	case *commonv1.ServiceError_BadRequest, *commonv1.ServiceError_OutOfRange:
		return iam.ErrInvalidArgument
	case *commonv1.ServiceError_BadResourceState, *commonv1.ServiceError_OperationConflict:
		return iam.ErrFailedPrecondition
	}
	return nil
}

// resourceIDOf returns the resource a ServiceError names, if any.
func resourceIDOf(se *commonv1.ServiceError) string {
	switch d := se.GetDetails().(type) {
	case *commonv1.ServiceError_ResourceNotFound:
		return d.ResourceNotFound.GetResourceId()
	case *commonv1.ServiceError_ResourceAlreadyExists:
		return d.ResourceAlreadyExists.GetResourceId()
	case *commonv1.ServiceError_ResourceConflict:
		return d.ResourceConflict.GetResourceId()
	case *commonv1.ServiceError_BadResourceState:
		return d.BadResourceState.GetResourceId()
	case *commonv1.ServiceError_PermissionDenied:
		return d.PermissionDenied.GetResourceId()
	case *commonv1.ServiceError_OperationAborted:
		return d.OperationAborted.GetResourceId()
	case *commonv1.ServiceError_OperationConflict:
		return d.OperationConflict.GetResourceId()
	}
	return ""
}

// invalidArg is the error of a request rejected before any call.
func invalidArg(op, msg string) error {
	return &iam.Error{Provider: iam.Nebius, Op: op, Message: msg, Kind: iam.ErrInvalidArgument}
}
