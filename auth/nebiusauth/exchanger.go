package nebiusauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/exchange"
	"github.com/iamkit/iamkit/iam"
)

// Nebius token-exchange parameters (RFC 8693 over HTTP).
const (
	// DefaultTokenEndpoint is the Nebius HTTP token-exchange endpoint.
	DefaultTokenEndpoint = "https://auth.eu.nebius.com/oauth2/token/exchange"

	grantType          = "urn:ietf:params:oauth:grant-type:token-exchange"
	requestedTokenType = "urn:ietf:params:oauth:token-type:access_token"
	subjectTokenType   = "urn:ietf:params:oauth:token-type:jwt"
)

// maxExpiresIn bounds a server's expires_in (ten years), so that a wild
// value cannot overflow a time.Duration.
const maxExpiresIn = 10 * 365 * 24 * time.Hour

// ExchangerOptions configures an [Exchanger]. Zero values mean the
// defaults.
type ExchangerOptions struct {
	// Endpoint is the token URL. Default [DefaultTokenEndpoint]. It must be
	// https, or http to a loopback address (the iamtest emulator).
	Endpoint string
	// HTTPClient carries the requests (TLS settings, proxies). Default: a
	// pooled client with per-attempt timeouts.
	HTTPClient *http.Client
	// Clock is the time source for JWT timestamps, retry waits and the
	// token's expiry.
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
		Provider: iam.Nebius, Endpoint: o.Endpoint, HTTPClient: o.HTTPClient, Clock: o.Clock, Logger: o.Logger,
		MaxAttempts: o.MaxAttempts, BaseDelay: o.BaseDelay, MaxDelay: o.MaxDelay, UserAgent: o.UserAgent,
		TracerProvider: o.TracerProvider, MeterProvider: o.MeterProvider, Propagate: o.PropagateTraceContext,
	}
}

// validate reports the first unusable field, after setDefaults.
func (o *ExchangerOptions) validate() error {
	return exchange.Check("nebiusauth: NewExchanger", o.settings())
}

// Exchanger exchanges a service account's signed JWT for a Nebius
// access token: an RFC 8693 token exchange, form-encoded, to the Nebius
// token service. It implements [auth.Exchanger]; wrap it in an [auth.Cache] to reuse
// tokens.
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
		return nil, errors.New("nebiusauth: NewExchanger: signer is nil")
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

// Exchange signs a JWT and exchanges it for an access token. The token's
// Expiry is the clock's time before the request (when the JWT it carried
// was signed) plus the response's expires_in.
//
// Errors are *iam.Error with Provider nebius and Op "TokenExchange". A
// rejected JWT (RFC 6749 "invalid_grant", HTTP 401) matches
// iam.ErrUnauthenticated; throttling matches iam.ErrThrottled; 5xx and
// transport failures match iam.ErrUnavailable, and a transport failure's
// text says its cause (an untrusted certificate, a refused or reset
// connection, a body over the size limit) with the URL.
func (x *Exchanger) Exchange(ctx context.Context) (tok auth.Token, err error) {
	ctx, call := x.c.StartCall(ctx)
	defer func() { call.End(err) }()
	ex, err := x.c.Exchange(ctx, call, x.signer, "application/x-www-form-urlencoded", func(jwt iam.Secret) ([]byte, error) {
		form := url.Values{
			"grant_type":           {grantType},
			"requested_token_type": {requestedTokenType},
			"subject_token":        {jwt.Reveal()},
			"subject_token_type":   {subjectTokenType},
		}
		return []byte(form.Encode()), nil
	})
	if err != nil {
		return auth.Token{}, err
	}
	resp, jwt, now := ex.Resp, ex.JWT, ex.SignedAt
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return auth.Token{}, exchangeError(resp.StatusCode, resp.Header, resp.Body, jwt.Reveal())
	}
	t, err := parseTokenResponse(resp.Body, now)
	if err != nil {
		var e *iam.Error
		if errors.As(err, &e) {
			e.HTTPStatus = resp.StatusCode
			e.RequestID = exchange.RequestID(resp.Header, jwt.Reveal())
		}
		return auth.Token{}, err
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

// Provider returns iam.Nebius, the cloud whose tokens the exchanger gets (an
// auth.Cache labels its telemetry with it).
func (x *Exchanger) Provider() iam.Provider { return iam.Nebius }

// tokenResponse is the RFC 8693 §2.2.1 success response.
type tokenResponse struct {
	AccessToken     iam.Secret      `json:"access_token"`
	IssuedTokenType string          `json:"issued_token_type"`
	TokenType       *string         `json:"token_type"`
	ExpiresIn       json.RawMessage `json:"expires_in"`
}

// parseTokenResponse reads a success response. now is the time taken
// before the request was sent. Its errors never carry the body.
func parseTokenResponse(body []byte, now time.Time) (auth.Token, error) {
	var r tokenResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return auth.Token{}, exchange.Malformed(iam.Nebius, 0, "not a JSON object with access_token and expires_in")
	}
	if r.AccessToken.IsZero() {
		return auth.Token{}, exchange.Malformed(iam.Nebius, 0, "access_token is missing or empty")
	}
	// token_type must be Bearer (any case, RFC 6749 §5.1). Its absence is
	// accepted: Nebius documents only access_token and expires_in for the
	// HTTP endpoint (UNCONFIRMED), and Bearer is the only type it issues.
	if r.TokenType != nil && !strings.EqualFold(strings.TrimSpace(*r.TokenType), "Bearer") {
		return auth.Token{}, exchange.Malformed(iam.Nebius, 0, "token_type is not Bearer")
	}
	d, ok := parseExpiresIn(r.ExpiresIn)
	if !ok {
		return auth.Token{}, exchange.Malformed(iam.Nebius, 0, "expires_in is missing, not a positive number of seconds, or out of range")
	}
	return auth.Token{Value: r.AccessToken, Type: "Bearer", Expiry: now.Add(d)}, nil
}

// parseExpiresIn reads expires_in: a JSON number of seconds (RFC 6749) or,
// tolerantly, the same number in a string (the proto3 JSON form of int64).
// It must be positive and at most maxExpiresIn.
func parseExpiresIn(raw json.RawMessage) (time.Duration, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false
		}
		s = strings.TrimSpace(s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f <= 0 || f > maxExpiresIn.Seconds() {
		return 0, false
	}
	d := time.Duration(f * float64(time.Second))
	return d, d > 0
}

// rfc6749Error is the OAuth 2.0 error response (RFC 6749 §5.2).
type rfc6749Error struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// nebiusError turns a non-2xx exchange answer into an *iam.Error. The RFC
// 6749 body is parsed when present (Nebius's HTTP error shape is
// UNCONFIRMED), else the status and a size-limited, scrubbed body are
// reported.
func exchangeError(status int, h http.Header, body []byte, jwt string) error {
	e := &iam.Error{
		Provider:   iam.Nebius,
		Op:         exchange.Op,
		HTTPStatus: status,
		RequestID:  exchange.RequestID(h, jwt),
		Kind:       iam.KindForHTTPStatus(status),
	}
	var r rfc6749Error
	if json.Unmarshal(body, &r) == nil && r.Error != "" {
		e.Code = exchange.ServerText(r.Error, jwt)
		e.Message = exchange.ServerText(r.ErrorDescription, jwt)
		if e.Message == "" {
			e.Message = e.Code
		}
		switch r.Error {
		case "invalid_grant", "invalid_client":
			// The grant is our JWT: invalid_grant means it was refused
			// (unknown or disabled key, bad signature, expired), which is
			// an authentication failure that retrying with the same key
			// will not fix.
			e.Kind = iam.ErrUnauthenticated
		case "unauthorized_client", "access_denied":
			e.Kind = iam.ErrPermissionDenied
		case "invalid_request", "unsupported_grant_type", "invalid_scope", "invalid_target":
			if status < 500 && status != http.StatusTooManyRequests {
				e.Kind = iam.ErrInvalidArgument
			}
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

// DefaultMaxAttempts is how many times an [Exchanger] tries a token
// exchange by default. Retrying is safe: an exchange has no side effect. A
// JWT is presented again only while more than half of its lifetime is
// left; after a longer wait (a server's Retry-After) the next attempt
// carries a newly signed JWT.
const DefaultMaxAttempts = exchange.DefaultMaxAttempts
