package yandex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/propagation"
	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/httpx"
	"github.com/iamkit/iamkit/internal/redact"
	"github.com/iamkit/iamkit/internal/telemetry"
)

// maxMessageLen bounds the service text copied into an error.
const maxMessageLen = 1024

// transport sends the REST calls of every client of this package: bearer
// token, idempotency key, request IDs, retries (through httpx), one
// refresh-and-retry on 401, and google.rpc.Status errors.
type transport struct {
	http   *httpx.Client
	ts     oauth2.TokenSource
	iamURL string
	opURL  string
	clock  clock.Clock
	opts   Options
	calls  *telemetry.Calls
}

// call is one logical API call.
type call struct {
	op     string // e.g. "ApiKeyService/Create"
	method string
	url    string
	id     string // the ID of the resource acted on, if the call names one (telemetry)
	in     any    // JSON body, or nil
	out    any    // decoded from a 2xx JSON body, or nil
}

// call performs c and returns the final response (2xx only), recorded as a
// span and metric points.
func (t *transport) call(ctx context.Context, c call) (*httpx.Response, error) {
	ctx, tc := t.calls.StartHTTP(ctx, c.op, c.method, c.url)
	resp, err := t.send(ctx, tc, c)
	if tc.Recording() {
		tc.SetResourceID(c.id)
		if err == nil {
			tc.SetResourceID(createdID(c.out))
		}
	}
	tc.End(err)
	return resp, err
}

// createdID returns the ID of the resource a create answer holds, or "".
func createdID(out any) string {
	switch v := out.(type) {
	case *CreatedAccessKey:
		return v.AccessKey.ID
	case *CreatedAPIKey:
		return v.APIKey.ID
	case *CreatedKey:
		return v.Key.ID
	case *EphemeralAccessKey:
		return v.AccessKeyID
	}
	return ""
}

// send is call without the span: tc counts its attempts and takes the
// request ID of the final answer.
func (t *transport) send(ctx context.Context, tc *telemetry.Call, c call) (*httpx.Response, error) {
	var body []byte
	if c.in != nil {
		b, err := json.Marshal(c.in)
		if err != nil {
			return nil, fmt.Errorf("yandex %s: encoding request: %w", c.op, err)
		}
		body = b
	}
	hdr := http.Header{}
	hdr.Set("Accept", "application/json")
	if body != nil {
		hdr.Set("Content-Type", "application/json")
	}
	// One Idempotency-Key per logical call, the same on every attempt, so
	// a retried create or update is applied once.
	if c.method != http.MethodGet && c.method != http.MethodHead {
		hdr.Set("Idempotency-Key", uuid.NewString())
	}
	hdr.Set("x-request-id", uuid.NewString())
	hdr.Set("x-client-trace-id", uuid.NewString())
	t.calls.Inject(ctx, propagation.HeaderCarrier(hdr))

	var (
		resp    *httpx.Response
		callErr error
		secrets []string
	)
	// A rejected token is reported to the source (only that token, so a
	// token another caller just refreshed survives), and the call is
	// repeated once with a fresh, different token (see
	// auth.RetryOnRejection).
	tries := 0
	err := auth.RetryOnRejection(ctx, t.ts, func(tok auth.Token) bool {
		if tries++; tries > 1 {
			tc.Retrying() // the 401 is retried with a fresh token
		}
		secrets = append(secrets, tok.Value.Reveal())
		bearer := "Bearer " + tok.Value.Reveal()
		resp, callErr = t.http.Do(ctx, &httpx.Request{
			Op:     c.op,
			Method: c.method,
			URL:    c.url,
			Header: hdr.Clone(),
			Body:   body,
			// Every mutating call carries an Idempotency-Key and GETs are
			// safe, so every call may be retried after a 5xx or a
			// transport error.
			Retry: httpx.RetryIdempotent,
			Sign: func(r *http.Request, _ []byte) error {
				r.Header.Set("Authorization", bearer)
				return nil
			},
			Secrets: secrets,
			Observe: func(_, status int, err error, retrying bool) { tc.Attempt(status, "", err, retrying) },
		})
		return callErr == nil && resp.StatusCode == http.StatusUnauthorized
	})
	if err != nil {
		return nil, tokenError(ctx, c.op, err)
	}
	if callErr != nil {
		return nil, t.transportError(c.op, callErr, secrets)
	}
	if tc.Recording() {
		tc.SetRequestID(responseRequestID(resp.Header, secrets...))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeError(c.op, resp, secrets)
	}
	if c.out != nil {
		if len(bytes.TrimSpace(resp.Body)) == 0 {
			return nil, &iam.Error{Provider: iam.Yandex, Op: c.op, HTTPStatus: resp.StatusCode,
				RequestID: responseRequestID(resp.Header, secrets...), Message: "empty response body"}
		}
		if err := json.Unmarshal(resp.Body, c.out); err != nil {
			// The body may hold a secret (a created key): never quote it.
			return nil, &iam.Error{Provider: iam.Yandex, Op: c.op, HTTPStatus: resp.StatusCode,
				RequestID: responseRequestID(resp.Header, secrets...),
				Message:   "decoding response: " + redact.String(jsonErrorText(err), secrets...)}
		}
	}
	return resp, nil
}

// tokenError is the error of a call whose token source failed, before
// anything was sent: an *iam.Error matching iam.ErrUnauthenticated (the
// call could not authenticate) that wraps the source's error, so that
// errors.Is and errors.As still find its cause (an exchanger's
// iam.ErrUnavailable, say). When the caller's context ended the token
// wait, the error is the context's, with no kind.
func tokenError(ctx context.Context, op string, err error) error {
	e := &iam.Error{Provider: iam.Yandex, Op: op, Kind: iam.ErrUnauthenticated,
		Message: "could not get an IAM token", Err: err}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		e.Kind = nil
	}
	return e
}

func (t *transport) transportError(op string, err error, secrets []string) error {
	var ie *iam.Error
	if errors.As(err, &ie) {
		return redact.Error(err, secrets...)
	}
	kind := iam.ErrUnavailable
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		kind = nil
	}
	return &iam.Error{Provider: iam.Yandex, Op: op, Kind: kind,
		Message: "request failed", Err: redact.Error(err, secrets...)}
}

// decodeError turns a non-2xx response into an *iam.Error: the
// google.rpc.Status body when there is one (its code picks the sentinel),
// else the status and a truncated, scrubbed body.
func decodeError(op string, resp *httpx.Response, secrets []string) error {
	e := &iam.Error{
		Provider:   iam.Yandex,
		Op:         op,
		HTTPStatus: resp.StatusCode,
		RequestID:  responseRequestID(resp.Header, secrets...),
	}
	var st wireStatus
	body := bytes.TrimSpace(resp.Body)
	if len(body) > 0 && body[0] == '{' && json.Unmarshal(body, &st) == nil && (st.Code != 0 || st.Message != "") {
		e.GRPCCode = int(st.Code)
		e.Code = grpcCodeName(int(st.Code))
		e.Message = redact.Truncate(redact.String(st.Message, secrets...), maxMessageLen)
		if e.RequestID == "" {
			e.RequestID = requestIDFromDetails(st.Details, secrets...)
		}
		e.Kind = iam.KindForGRPCCode(int(st.Code))
	}
	if e.Kind == nil {
		e.Kind = iam.KindForHTTPStatus(resp.StatusCode)
	}
	if e.Message == "" {
		text := strings.ToValidUTF8(string(body), "?")
		if text == "" {
			e.Message = http.StatusText(resp.StatusCode)
		} else {
			e.Message = "unexpected response: " + redact.Truncate(redact.String(text, secrets...), 256)
		}
	}
	return e
}

// responseRequestID reads the request ID a response carries: x-request-id
// (echoed by the gateway), else x-server-trace-id; scrubbed of secrets and
// of anything credential-like, and capped.
func responseRequestID(h http.Header, secrets ...string) string {
	if v := h.Get("x-request-id"); v != "" {
		return redact.RequestID(v, secrets...)
	}
	return redact.RequestID(h.Get("x-server-trace-id"), secrets...)
}

// requestIDFromDetails finds a google.rpc.RequestInfo among status details;
// its request ID is scrubbed and capped as responseRequestID's.
func requestIDFromDetails(details []json.RawMessage, secrets ...string) string {
	for _, d := range details {
		var ri struct {
			Type      string `json:"@type"`
			RequestID string `json:"requestId"`
		}
		if json.Unmarshal(d, &ri) == nil && strings.HasSuffix(ri.Type, "google.rpc.RequestInfo") && ri.RequestID != "" {
			return redact.RequestID(ri.RequestID, secrets...)
		}
	}
	return ""
}

var grpcCodeNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

func grpcCodeName(code int) string {
	if code > 0 && code < len(grpcCodeNames) {
		return grpcCodeNames[code]
	}
	return ""
}

// jsonErrorText describes a JSON decoding error without quoting the input.
func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at offset %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q: cannot decode a JSON %s as %s", te.Field, te.Value, te.Type)
	}
	return redact.Truncate(err.Error(), 200)
}

func invalidArg(op, msg string) error {
	return &iam.Error{Provider: iam.Yandex, Op: op, Kind: iam.ErrInvalidArgument, Message: msg}
}
