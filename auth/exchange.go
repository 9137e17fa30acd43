package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/httpx"
	"github.com/iamkit/iamkit/internal/redact"
)

// DefaultExchangeMaxAttempts is how many times an exchanger tries a token
// exchange by default. Retrying is safe: an exchange has no side effect,
// and the same JWT is presented on every attempt.
const DefaultExchangeMaxAttempts = 3

// exchangeOp is the Op of every token-exchange error.
const exchangeOp = "TokenExchange"

// maxErrorText bounds the server text copied into an error.
const maxErrorText = 512

// maxExchangeResponseBytes bounds a token-exchange response body.
const maxExchangeResponseBytes = 64 << 10

// exchangeConfig is what both exchangers share once their options are
// checked.
type exchangeConfig struct {
	provider iam.Provider
	endpoint string
	http     *httpx.Client
	clock    iam.Clock
	logger   *slog.Logger
	err      error // a construction error, returned by every Exchange
}

func newExchangeConfig(provider iam.Provider, name string, signer JWTSigner, endpoint string,
	hc *http.Client, clk iam.Clock, logger *slog.Logger, maxAttempts int) exchangeConfig {
	c := exchangeConfig{provider: provider, endpoint: endpoint, clock: clk, logger: logger}
	if c.clock == nil {
		c.clock = realClock()
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case signer == nil:
		c.err = fmt.Errorf("auth: %s: signer is nil", name)
	case maxAttempts < 0:
		c.err = fmt.Errorf("auth: %s: MaxAttempts %d is negative", name, maxAttempts)
	default:
		c.err = checkEndpoint(name, endpoint)
	}
	if maxAttempts == 0 {
		maxAttempts = DefaultExchangeMaxAttempts
	}
	c.http = httpx.New(func(o *httpx.Options) {
		o.HTTPClient = hc
		o.MaxAttempts = maxAttempts
		o.MaxResponseBytes = maxExchangeResponseBytes
		o.Logger = c.logger
	})
	return c
}

// checkEndpoint accepts an absolute https URL, or http to a loopback host
// (the emulators): a JWT never travels in clear text over a network.
func checkEndpoint(name, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("auth: %s: Endpoint %q is not an absolute http(s) URL", name, endpoint)
	}
	if u.User != nil {
		return fmt.Errorf("auth: %s: Endpoint must not contain user info", name)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("auth: %s: Endpoint %q uses plain http to a non-loopback host; use https", name, u.Redacted())
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// post sends one token-exchange request and turns transport failures into
// an *iam.Error. A non-2xx answer comes back as a response.
func (c *exchangeConfig) post(ctx context.Context, contentType string, body []byte, jwt iam.Secret) (*httpx.Response, error) {
	resp, err := c.http.Do(ctx, &httpx.Request{
		Op:     exchangeOp,
		Method: http.MethodPost,
		URL:    c.endpoint,
		Header: http.Header{
			"Content-Type": {contentType},
			"Accept":       {"application/json"},
		},
		Body:    body,
		Retry:   httpx.RetryIdempotent,
		Secrets: []string{jwt.Reveal()},
	})
	if err != nil {
		e := &iam.Error{Provider: c.provider, Op: exchangeOp, Err: err}
		if ctx.Err() == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			e.Kind = iam.ErrUnavailable
		}
		return nil, e
	}
	return resp, nil
}

// serverText makes server-sent text safe for an error: secrets scrubbed,
// control characters dropped, size-limited.
func serverText(s string, secrets ...string) string {
	s = redact.String(s, secrets...)
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return redact.Truncate(strings.TrimSpace(s), maxErrorText)
}

// requestID returns the request ID a response header carries, if any,
// scrubbed of secrets and of anything credential-like and capped.
func requestID(h http.Header, secrets ...string) string {
	for _, k := range []string{"X-Request-Id", "X-Req-Id", "X-Amzn-Requestid"} {
		if v := h.Get(k); v != "" {
			return redact.RequestID(v, secrets...)
		}
	}
	return ""
}

// malformed is the error for a 2xx response that holds no usable token. Its
// text never carries the response body (which may hold a token).
func malformed(provider iam.Provider, status int, why string) error {
	return &iam.Error{
		Provider:   provider,
		Op:         exchangeOp,
		HTTPStatus: status,
		Message:    "malformed token response: " + why,
		Kind:       iam.ErrUnavailable,
	}
}

// logExchanged records a successful exchange at debug level: never the
// token, only when it expires.
func (c *exchangeConfig) logExchanged(ctx context.Context, t Token, attempts int) {
	c.logger.DebugContext(ctx, "auth: token exchanged",
		"provider", string(c.provider), "expiry", t.Expiry.UTC().Format(time.RFC3339), "attempts", attempts)
}
