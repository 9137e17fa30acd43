package auth

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/redact"
)

// DefaultYandexTokenEndpoint is the Yandex Cloud IAM token endpoint
// (IamTokenService.Create over REST).
const DefaultYandexTokenEndpoint = "https://iam.api.cloud.yandex.net/iam/v1/tokens"

// YandexExchangerOptions configures a [YandexExchanger].
type YandexExchangerOptions struct {
	// Endpoint is the token URL. Default [DefaultYandexTokenEndpoint]. It
	// must be https, or http to a loopback address (the iamtest emulator).
	Endpoint string
	// HTTPClient carries the requests (TLS settings, proxies). Default: a
	// pooled client with per-attempt timeouts.
	HTTPClient *http.Client
	// Clock is the time source for JWT timestamps and retry waits.
	// Default: the system clock.
	Clock iam.Clock
	// Logger receives debug records of attempts and exchanges; never the
	// JWT, the token or a body. Default: discard.
	Logger *slog.Logger
	// MaxAttempts is how many times one Exchange tries (default
	// [DefaultExchangeMaxAttempts]). Throttling, 5xx answers and transport
	// errors are retried with backoff. A retry presents the same JWT while
	// more than half of its lifetime is left, else a newly signed one.
	MaxAttempts int
}

// YandexExchanger exchanges a service account's signed JWT for a Yandex
// Cloud IAM token (POST /iam/v1/tokens with {"jwt": …}). It implements
// [Exchanger]; wrap it in a [Cache] to reuse tokens.
//
// A YandexExchanger is safe for concurrent use.
type YandexExchanger struct {
	signer JWTSigner
	c      exchangeConfig
}

// NewYandexExchanger returns an exchanger that signs JWTs with signer
// (usually a [YandexSigner]). A nil signer or an unusable option is
// reported by every call to Exchange, with what was wrong.
func NewYandexExchanger(signer JWTSigner, optFns ...func(*YandexExchangerOptions)) *YandexExchanger {
	o := YandexExchangerOptions{Endpoint: DefaultYandexTokenEndpoint}
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Endpoint == "" {
		o.Endpoint = DefaultYandexTokenEndpoint
	}
	return &YandexExchanger{
		signer: signer,
		c:      newExchangeConfig(iam.Yandex, "NewYandexExchanger", signer, o.Endpoint, o.HTTPClient, o.Clock, o.Logger, o.MaxAttempts),
	}
}

// Err reports a problem with the exchanger's configuration (nil signer,
// bad endpoint), or nil. Exchange returns the same error.
func (x *YandexExchanger) Err() error { return x.c.err }

// Exchange signs a JWT and exchanges it for an IAM token. The token's
// Expiry is the response's expiresAt.
//
// Errors are *iam.Error with Provider yandex, Op "TokenExchange", the
// google.rpc.Status code as GRPCCode and the request ID; they match the
// iam sentinel for that code (16 UNAUTHENTICATED → iam.ErrUnauthenticated,
// …). Transport failures match iam.ErrUnavailable; their text says the
// cause (an untrusted certificate, a refused or reset connection, a body
// over the size limit) with the URL.
func (x *YandexExchanger) Exchange(ctx context.Context) (Token, error) {
	if x.c.err != nil {
		return Token{}, x.c.err
	}
	ex, err := x.c.exchange(ctx, x.signer, "application/json", func(jwt iam.Secret) ([]byte, error) {
		return json.Marshal(struct {
			JWT string `json:"jwt"`
		}{jwt.Reveal()})
	})
	if err != nil {
		return Token{}, err
	}
	resp, jwt, now := ex.resp, ex.jwt, ex.signedAt
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Token{}, yandexError(resp.StatusCode, resp.Header, resp.Body, jwt.Reveal())
	}
	t, err := parseYandexTokenResponse(resp.Body)
	if err != nil {
		var e *iam.Error
		if errors.As(err, &e) {
			e.HTTPStatus = resp.StatusCode
			e.RequestID = requestID(resp.Header, jwt.Reveal())
		}
		return Token{}, err
	}
	if !t.Expiry.After(now) {
		return Token{}, &iam.Error{
			Provider: iam.Yandex, Op: exchangeOp, HTTPStatus: resp.StatusCode, RequestID: requestID(resp.Header, jwt.Reveal()),
			Message: "token expires at " + t.Expiry.UTC().Format(time.RFC3339) +
				", not after the local time " + now.UTC().Format(time.RFC3339) + ": check the system clock",
			Kind: iam.ErrUnavailable,
		}
	}
	x.c.logExchanged(ctx, t, ex.attempts)
	return t, nil
}

// yandexTokenResponse is CreateIamTokenResponse in proto3 JSON.
type yandexTokenResponse struct {
	IAMToken  iam.Secret `json:"iamToken"`
	ExpiresAt *string    `json:"expiresAt"`
}

// parseYandexTokenResponse reads a success response. expiresAt is RFC 3339
// with 0 to 9 fractional digits and a Z or numeric offset. Its errors never
// carry the body.
func parseYandexTokenResponse(body []byte) (Token, error) {
	var r yandexTokenResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return Token{}, malformed(iam.Yandex, 0, "not a JSON object with iamToken and expiresAt")
	}
	if r.IAMToken.IsZero() {
		return Token{}, malformed(iam.Yandex, 0, "iamToken is missing or empty")
	}
	if r.ExpiresAt == nil {
		return Token{}, malformed(iam.Yandex, 0, "expiresAt is missing")
	}
	exp, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(*r.ExpiresAt))
	if err != nil {
		return Token{}, malformed(iam.Yandex, 0, "expiresAt is not an RFC 3339 time")
	}
	return Token{Value: r.IAMToken, Type: "Bearer", Expiry: exp}, nil
}

// rpcStatus is google.rpc.Status in proto3 JSON, the Yandex REST error body.
type rpcStatus struct {
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	Details []struct {
		Type      string `json:"@type"`
		RequestID string `json:"requestId"`
	} `json:"details"`
}

// yandexError turns a non-2xx answer into an *iam.Error from the
// google.rpc.Status body when there is one, else from the status and a
// size-limited, scrubbed body.
func yandexError(status int, h http.Header, body []byte, jwt string) error {
	e := &iam.Error{
		Provider:   iam.Yandex,
		Op:         exchangeOp,
		HTTPStatus: status,
		RequestID:  requestID(h, jwt),
		Kind:       iam.KindForHTTPStatus(status),
	}
	var s rpcStatus
	if json.Unmarshal(body, &s) == nil && (len(s.Code) > 0 || s.Message != "") {
		if code, ok := parseRPCCode(s.Code); ok && code != 0 {
			e.GRPCCode = code
			if k := iam.KindForGRPCCode(code); k != nil {
				e.Kind = k
			}
		}
		e.Message = serverText(s.Message, jwt)
		for _, d := range s.Details {
			if d.RequestID != "" && strings.HasSuffix(d.Type, "google.rpc.RequestInfo") {
				e.RequestID = redact.RequestID(d.RequestID, jwt)
				break
			}
		}
		if e.Message == "" {
			e.Message = "http " + strconv.Itoa(status) + " " + http.StatusText(status)
		}
		return e
	}
	if text := serverText(string(body), jwt); text != "" {
		e.Message = "http " + strconv.Itoa(status) + ": " + text
	} else {
		e.Message = "http " + strconv.Itoa(status) + " " + http.StatusText(status)
	}
	return e
}

// parseRPCCode reads a google.rpc.Status code: a JSON number, or
// tolerantly its enum name ("UNAUTHENTICATED") or a numeric string.
func parseRPCCode(raw json.RawMessage) (int, bool) {
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n, n > 0 && n <= 16
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return 0, false
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, n > 0 && n <= 16
	}
	for i, name := range grpcCodeNames {
		if strings.EqualFold(s, name) {
			return i, i > 0
		}
	}
	return 0, false
}

var grpcCodeNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}
