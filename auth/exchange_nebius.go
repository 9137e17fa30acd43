package auth

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

	"github.com/iamkit/iamkit/iam"
)

// Nebius token-exchange parameters (RFC 8693 over HTTP).
const (
	// DefaultNebiusTokenEndpoint is the Nebius HTTP token-exchange endpoint.
	DefaultNebiusTokenEndpoint = "https://auth.eu.nebius.com/oauth2/token/exchange"

	nebiusGrantType          = "urn:ietf:params:oauth:grant-type:token-exchange"
	nebiusRequestedTokenType = "urn:ietf:params:oauth:token-type:access_token"
	nebiusSubjectTokenType   = "urn:ietf:params:oauth:token-type:jwt"
)

// maxExpiresIn bounds a server's expires_in (ten years), so that a wild
// value cannot overflow a time.Duration.
const maxExpiresIn = 10 * 365 * 24 * time.Hour

// NebiusExchangerOptions configures a [NebiusExchanger].
type NebiusExchangerOptions struct {
	// Endpoint is the token-exchange URL. Default
	// [DefaultNebiusTokenEndpoint]. It must be https, or http to a loopback
	// address (the iamtest emulator).
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
	// [DefaultExchangeMaxAttempts]). Throttling, 5xx answers and transport
	// errors are retried with backoff. A retry presents the same JWT while
	// more than half of its lifetime is left, else a newly signed one.
	MaxAttempts int
}

// NebiusExchanger exchanges a service account's signed JWT for a Nebius
// access token: an RFC 8693 token exchange, form-encoded, to the Nebius
// token service. It implements [Exchanger]; wrap it in a [Cache] to reuse
// tokens.
//
// A NebiusExchanger is safe for concurrent use.
type NebiusExchanger struct {
	signer JWTSigner
	c      exchangeConfig
}

// NewNebiusExchanger returns an exchanger that signs JWTs with signer
// (usually a [NebiusSigner]). A nil signer or an unusable option is
// reported by every call to Exchange, with what was wrong.
func NewNebiusExchanger(signer JWTSigner, optFns ...func(*NebiusExchangerOptions)) *NebiusExchanger {
	o := NebiusExchangerOptions{Endpoint: DefaultNebiusTokenEndpoint}
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Endpoint == "" {
		o.Endpoint = DefaultNebiusTokenEndpoint
	}
	return &NebiusExchanger{
		signer: signer,
		c:      newExchangeConfig(iam.Nebius, "NewNebiusExchanger", signer, o.Endpoint, o.HTTPClient, o.Clock, o.Logger, o.MaxAttempts),
	}
}

// Err reports a problem with the exchanger's configuration (nil signer,
// bad endpoint), or nil. Exchange returns the same error.
func (x *NebiusExchanger) Err() error { return x.c.err }

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
func (x *NebiusExchanger) Exchange(ctx context.Context) (Token, error) {
	if x.c.err != nil {
		return Token{}, x.c.err
	}
	ex, err := x.c.exchange(ctx, x.signer, "application/x-www-form-urlencoded", func(jwt iam.Secret) ([]byte, error) {
		form := url.Values{
			"grant_type":           {nebiusGrantType},
			"requested_token_type": {nebiusRequestedTokenType},
			"subject_token":        {jwt.Reveal()},
			"subject_token_type":   {nebiusSubjectTokenType},
		}
		return []byte(form.Encode()), nil
	})
	if err != nil {
		return Token{}, err
	}
	resp, jwt, now := ex.resp, ex.jwt, ex.signedAt
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Token{}, nebiusError(resp.StatusCode, resp.Header, resp.Body, jwt.Reveal())
	}
	t, err := parseNebiusTokenResponse(resp.Body, now)
	if err != nil {
		var e *iam.Error
		if errors.As(err, &e) {
			e.HTTPStatus = resp.StatusCode
			e.RequestID = requestID(resp.Header, jwt.Reveal())
		}
		return Token{}, err
	}
	x.c.logExchanged(ctx, t, ex.attempts)
	return t, nil
}

// nebiusTokenResponse is the RFC 8693 §2.2.1 success response.
type nebiusTokenResponse struct {
	AccessToken     iam.Secret      `json:"access_token"`
	IssuedTokenType string          `json:"issued_token_type"`
	TokenType       *string         `json:"token_type"`
	ExpiresIn       json.RawMessage `json:"expires_in"`
}

// parseNebiusTokenResponse reads a success response. now is the time taken
// before the request was sent. Its errors never carry the body.
func parseNebiusTokenResponse(body []byte, now time.Time) (Token, error) {
	var r nebiusTokenResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return Token{}, malformed(iam.Nebius, 0, "not a JSON object with access_token and expires_in")
	}
	if r.AccessToken.IsZero() {
		return Token{}, malformed(iam.Nebius, 0, "access_token is missing or empty")
	}
	// token_type must be Bearer (any case, RFC 6749 §5.1). Its absence is
	// accepted: Nebius documents only access_token and expires_in for the
	// HTTP endpoint (UNCONFIRMED), and Bearer is the only type it issues.
	if r.TokenType != nil && !strings.EqualFold(strings.TrimSpace(*r.TokenType), "Bearer") {
		return Token{}, malformed(iam.Nebius, 0, "token_type is not Bearer")
	}
	d, ok := parseExpiresIn(r.ExpiresIn)
	if !ok {
		return Token{}, malformed(iam.Nebius, 0, "expires_in is missing, not a positive number of seconds, or out of range")
	}
	return Token{Value: r.AccessToken, Type: "Bearer", Expiry: now.Add(d)}, nil
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
func nebiusError(status int, h http.Header, body []byte, jwt string) error {
	e := &iam.Error{
		Provider:   iam.Nebius,
		Op:         exchangeOp,
		HTTPStatus: status,
		RequestID:  requestID(h, jwt),
		Kind:       iam.KindForHTTPStatus(status),
	}
	var r rfc6749Error
	if json.Unmarshal(body, &r) == nil && r.Error != "" {
		e.Code = serverText(r.Error, jwt)
		e.Message = serverText(r.ErrorDescription, jwt)
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
	if text := serverText(string(body), jwt); text != "" {
		e.Message = "http " + strconv.Itoa(status) + ": " + text
	} else {
		e.Message = "http " + strconv.Itoa(status) + " " + http.StatusText(status)
	}
	return e
}
