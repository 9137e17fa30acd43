package yandexauth

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/exchange"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/redact"
)

// DefaultTokenEndpoint is the Yandex Cloud IAM token endpoint
// (IamTokenService.Create over REST).
const DefaultTokenEndpoint = "https://iam.api.cloud.yandex.net/iam/v1/tokens"

// ExchangerOptions configures an [Exchanger]. Zero values mean the
// defaults.
type ExchangerOptions struct {
	// Endpoint is the token URL. Default [DefaultTokenEndpoint]. It must be
	// https, or http to a loopback address (the iamtest emulator).
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
	// [DefaultMaxAttempts]). Throttling, 5xx answers and transport
	// errors are retried with backoff. A retry presents the same JWT while
	// more than half of its lifetime is left, else a newly signed one.
	MaxAttempts int
	// BaseDelay and MaxDelay shape the jittered exponential backoff
	// between attempts: the wait before retry n is random in
	// [0, min(BaseDelay·2^(n-1), MaxDelay)]. Defaults 100ms and 5s; a MaxDelay
	// below BaseDelay is raised to BaseDelay. A server's Retry-After is
	// honoured, capped at 30s.
	BaseDelay, MaxDelay time.Duration
	// UserAgent is appended to iamkit's User-Agent (the rule of the iam
	// package, # User-Agent).
	UserAgent string
	// TracerProvider and MeterProvider receive a span and metric points
	// per exchange; nil means the global ones (otel.GetTracerProvider,
	// otel.GetMeterProvider: no-ops unless the program installs an SDK).
	// See package iam, # Telemetry.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// PropagateTraceContext sends the W3C trace context (traceparent,
	// tracestate) of the exchange's span to the token service. Default
	// false: trace IDs stay inside the program (package iam, # Telemetry).
	PropagateTraceContext bool
}

// setDefaults fills the fields left zero.
func (o *ExchangerOptions) setDefaults() {
	if o.Endpoint == "" {
		o.Endpoint = DefaultTokenEndpoint
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
}

// settings returns the options as the exchange machinery takes them.
func (o *ExchangerOptions) settings() exchange.Settings {
	return exchange.Settings{
		Provider: iam.Yandex, Endpoint: o.Endpoint, HTTPClient: o.HTTPClient, Clock: o.Clock, Logger: o.Logger,
		MaxAttempts: o.MaxAttempts, BaseDelay: o.BaseDelay, MaxDelay: o.MaxDelay, UserAgent: o.UserAgent,
		TracerProvider: o.TracerProvider, MeterProvider: o.MeterProvider, Propagate: o.PropagateTraceContext,
	}
}

// validate reports the first unusable field, after setDefaults.
func (o *ExchangerOptions) validate() error {
	return exchange.Check("yandexauth: NewExchanger", o.settings())
}

// Exchanger exchanges a service account's signed JWT for a Yandex
// Cloud IAM token (POST /iam/v1/tokens with {"jwt": …}). It implements
// [auth.Exchanger]; wrap it in an [auth.Cache] to reuse tokens.
//
// An Exchanger is safe for concurrent use.
type Exchanger struct {
	signer auth.JWTSigner
	c      exchange.Config
}

// NewExchanger returns an exchanger that signs JWTs with signer (usually a
// [Signer]). It fails, saying what was wrong, if signer is nil or an option
// is unusable. Nil option functions are skipped.
func NewExchanger(signer auth.JWTSigner, optFns ...func(*ExchangerOptions)) (*Exchanger, error) {
	if signer == nil {
		return nil, errors.New("yandexauth: NewExchanger: signer is nil")
	}
	var o ExchangerOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	o.setDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	return &Exchanger{signer: signer, c: exchange.NewConfig(o.settings())}, nil
}

// Exchange signs a JWT and exchanges it for an IAM token. The token's
// Expiry is the response's expiresAt.
//
// Errors are *iam.Error with Provider yandex, Op "TokenExchange", the
// google.rpc.Status code as GRPCCode and the request ID; they match the
// iam sentinel for that code (16 UNAUTHENTICATED → iam.ErrUnauthenticated,
// …). Transport failures match iam.ErrUnavailable; their text says the
// cause (an untrusted certificate, a refused or reset connection, a body
// over the size limit) with the URL.
func (x *Exchanger) Exchange(ctx context.Context) (tok auth.Token, err error) {
	ctx, call := x.c.StartCall(ctx)
	defer func() { call.End(err) }()
	ex, err := x.c.Exchange(ctx, call, x.signer, "application/json", func(jwt iam.Secret) ([]byte, error) {
		return json.Marshal(struct {
			JWT string `json:"jwt"`
		}{jwt.Reveal()})
	})
	if err != nil {
		return auth.Token{}, err
	}
	resp, jwt, now := ex.Resp, ex.JWT, ex.SignedAt
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return auth.Token{}, exchangeError(resp.StatusCode, resp.Header, resp.Body, jwt.Reveal())
	}
	t, err := parseTokenResponse(resp.Body)
	if err != nil {
		var e *iam.Error
		if errors.As(err, &e) {
			e.HTTPStatus = resp.StatusCode
			e.RequestID = exchange.RequestID(resp.Header, jwt.Reveal())
		}
		return auth.Token{}, err
	}
	if !t.Expiry.After(now) {
		return auth.Token{}, &iam.Error{
			Provider: iam.Yandex, Op: exchange.Op, HTTPStatus: resp.StatusCode, RequestID: exchange.RequestID(resp.Header, jwt.Reveal()),
			Message: "token expires at " + t.Expiry.UTC().Format(time.RFC3339) +
				", not after the local time " + now.UTC().Format(time.RFC3339) + ": check the system clock",
			Kind: iam.ErrUnavailable,
		}
	}
	x.c.LogExchanged(ctx, t, ex.Attempts)
	return t, nil
}

// Close closes the idle connections of the exchanger's own connection
// pool (those of an ExchangerOptions.HTTPClient are the caller's to
// close). It implements io.Closer, so that the [auth.Cache] that owns the
// exchanger closes it with itself. It returns nil; the exchanger still
// works afterwards, dialling anew.
func (x *Exchanger) Close() error {
	x.c.Close()
	return nil
}

// Provider returns iam.Yandex, the cloud whose tokens the exchanger gets (an
// auth.Cache labels its telemetry with it).
func (x *Exchanger) Provider() iam.Provider { return iam.Yandex }

// tokenResponse is CreateIamTokenResponse in proto3 JSON.
type tokenResponse struct {
	IAMToken  iam.Secret `json:"iamToken"`
	ExpiresAt *string    `json:"expiresAt"`
}

// parseTokenResponse reads a success response. expiresAt is RFC 3339
// with 0 to 9 fractional digits and a Z or numeric offset. Its errors never
// carry the body.
func parseTokenResponse(body []byte) (auth.Token, error) {
	var r tokenResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return auth.Token{}, exchange.Malformed(iam.Yandex, 0, "not a JSON object with iamToken and expiresAt")
	}
	if r.IAMToken.IsZero() {
		return auth.Token{}, exchange.Malformed(iam.Yandex, 0, "iamToken is missing or empty")
	}
	if r.ExpiresAt == nil {
		return auth.Token{}, exchange.Malformed(iam.Yandex, 0, "expiresAt is missing")
	}
	exp, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(*r.ExpiresAt))
	if err != nil {
		return auth.Token{}, exchange.Malformed(iam.Yandex, 0, "expiresAt is not an RFC 3339 time")
	}
	return auth.Token{Value: r.IAMToken, Type: "Bearer", Expiry: exp}, nil
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
func exchangeError(status int, h http.Header, body []byte, jwt string) error {
	e := &iam.Error{
		Provider:   iam.Yandex,
		Op:         exchange.Op,
		HTTPStatus: status,
		RequestID:  exchange.RequestID(h, jwt),
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
		e.Message = exchange.ServerText(s.Message, jwt)
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
	if text := exchange.ServerText(string(body), jwt); text != "" {
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

// DefaultMaxAttempts is how many times an [Exchanger] tries a token
// exchange by default. Retrying is safe: an exchange has no side effect. A
// JWT is presented again only while more than half of its lifetime is
// left; after a longer wait (a server's Retry-After) the next attempt
// carries a newly signed JWT.
const DefaultMaxAttempts = exchange.DefaultMaxAttempts
