package outscale

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/redact"
)

// ErrOutcomeUnknown is matched (errors.Is) by the error of a
// CreateAccessKey whose request may have reached the server but whose
// answer was lost (a timeout or reset after sending). The call is not
// retried automatically, because a retry could create a second key; the
// error wraps an [*OutcomeUnknownError] carrying the tag the key was
// created with, if any, so that the caller can find it with
// [AccessKeys.List] (see [ReconcileByTag]).
var ErrOutcomeUnknown = errors.New("outscale: outcome unknown, the request may have been processed")

// OutcomeUnknownError is the cause (errors.As) inside the [*iam.Error] of
// a CreateAccessKey whose answer was lost: it matches [ErrOutcomeUnknown]
// and names the tag to look the key up by.
type OutcomeUnknownError struct {
	// Tag is the tag the key was created with ("" if none): list the
	// keys with this Tag to find it.
	Tag string
	// Err is the transport failure.
	Err error
}

// Error describes the lost answer and its cause; the enclosing
// [*iam.Error]'s message names the tag.
func (e *OutcomeUnknownError) Error() string {
	if e.Err == nil {
		return ErrOutcomeUnknown.Error()
	}
	return ErrOutcomeUnknown.Error() + ": " + e.Err.Error()
}

// Is reports whether target is [ErrOutcomeUnknown].
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// Unwrap returns the transport failure.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// maxMessage bounds the service text kept in an error.
const maxMessage = 512

// errorResponse is the OSC API's error body. Code is a string on the wire
// ("4078"); it is decoded tolerantly from a number too.
type errorResponse struct {
	Errors []struct {
		Code    flexString `json:"Code"`
		Type    string     `json:"Type"`
		Details string     `json:"Details"`
	} `json:"Errors"`
	ResponseContext ResponseContext `json:"ResponseContext"`
}

// problem is an RFC 9457 application/problem+json body.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
}

type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// decodeError turns a response with status >= 300 into an *iam.Error: the
// OSC ErrorResponse first, then problem+json, then the raw body
// (size-limited). secrets are scrubbed from any text kept.
func decodeError(op string, status int, header http.Header, body []byte, secrets []string) *iam.Error {
	e := &iam.Error{Provider: iam.Outscale, Op: op, HTTPStatus: status}
	var er errorResponse
	if json.Unmarshal(body, &er) == nil && len(er.Errors) > 0 {
		first := er.Errors[0]
		e.Code = clean(string(first.Code), secrets)
		e.RequestID = cleanID(er.ResponseContext.RequestID, secrets)
		msg := first.Type
		if first.Details != "" {
			if msg != "" {
				msg += ": "
			}
			msg += first.Details
		}
		if len(er.Errors) > 1 {
			msg += " (+" + strconv.Itoa(len(er.Errors)-1) + " more)"
		}
		e.Message = clean(msg, secrets)
		e.Kind = kindFor(e.Code, first.Type, status)
		return e
	}
	if mt, _, _ := mime.ParseMediaType(header.Get("Content-Type")); mt == "application/problem+json" {
		var p problem
		if json.Unmarshal(body, &p) == nil && (p.Title != "" || p.Detail != "" || p.Type != "") {
			msg := p.Title
			if p.Detail != "" {
				if msg != "" {
					msg += ": "
				}
				msg += p.Detail
			}
			if msg == "" {
				msg = p.Type
			}
			e.Message = clean(msg, secrets)
			e.Code = clean(p.Type, secrets)
			e.Kind = iam.KindForHTTPStatus(status)
			e.RequestID = cleanID(header.Get("X-Request-Id"), secrets)
			return e
		}
	}
	if t := strings.TrimSpace(string(body)); t != "" {
		e.Message = clean(t, secrets)
	} else {
		e.Message = http.StatusText(status)
	}
	e.Kind = iam.KindForHTTPStatus(status)
	if e.RequestID == "" {
		e.RequestID = cleanID(header.Get("X-Request-Id"), secrets)
	}
	return e
}

// clean is the text kept from a server's error: the client's own secrets
// (in the forms an echo gives them) and anything credential-shaped the
// list cannot know go (a server may echo the request's Authorization
// value, whose SigV4 signature changes with every request), then it is
// cut to maxMessage.
func clean(s string, secrets []string) string {
	return redact.Truncate(redact.Credentials(redact.String(s, secrets...)), maxMessage)
}

// cleanID is clean for a request ID the server supplied: it may echo the
// Authorization header, so anything credential-like goes too, and it is
// capped at redact.MaxRequestID.
func cleanID(id string, secrets []string) string {
	return redact.RequestID(id, secrets...)
}

// kindFor maps an OSC error code (and, failing that, its Type and the HTTP
// status) to an iam sentinel. Codes 1–25 from the OSC API docs' "Errors"
// page (docs.outscale.com/api-errors.html); the 4xxx–10xxx families from
// their names there and in osc-sdk-python's gateway_errors.yaml (statuses
// UNCONFIRMED).
func kindFor(code, typ string, status int) error {
	n, err := strconv.Atoi(code)
	if err == nil {
		switch n {
		case 6, 24, 25: // ErrorOperationThrottled{,PerAccount,PerCall}
			return iam.ErrThrottled
		case 1, 8, 9, 10, 11, 12, 13, 20: // authentication failed / locked / wrong method
			return iam.ErrUnauthenticated
		case 4, 5, 7, 14: // not authorized, user not allowed, unmatched API access rules
			return iam.ErrPermissionDenied
		case 4000: // access-keys-not-found
			return iam.ErrNotFound
		}
		switch {
		case n >= 1000 && n < 2000: // DependencyProblem
			return iam.ErrFailedPrecondition
		case n >= 4000 && n < 5000: // InvalidParameterValue
			return iam.ErrInvalidArgument
		case n >= 5000 && n < 6000: // InvalidResource: no-such-key, no-such-user
			return iam.ErrNotFound
		case n >= 6000 && n < 7000: // InvalidState
			return iam.ErrFailedPrecondition
		case n >= 7000 && n < 8000: // MissingParameter
			return iam.ErrInvalidArgument
		case n >= 9000 && n < 10000: // ResourceConflict
			return iam.ErrAlreadyExists
		case n >= 10000 && n < 11000: // TooManyResources (quotas)
			return iam.ErrFailedPrecondition
		}
	}
	switch {
	case strings.HasPrefix(typ, "InvalidResource"):
		return iam.ErrNotFound
	case strings.HasPrefix(typ, "InvalidParameter"), strings.HasPrefix(typ, "MissingParameter"):
		return iam.ErrInvalidArgument
	case strings.HasPrefix(typ, "ResourceConflict"):
		return iam.ErrAlreadyExists
	case strings.HasPrefix(typ, "InvalidState"):
		return iam.ErrFailedPrecondition
	}
	return iam.KindForHTTPStatus(status)
}
