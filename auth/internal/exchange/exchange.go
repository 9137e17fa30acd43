package exchange

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/httpx"
	"github.com/iamkit/iamkit/internal/loopback"
	"github.com/iamkit/iamkit/internal/redact"
	"github.com/iamkit/iamkit/internal/telemetry"
)

// DefaultMaxAttempts is how many times an exchanger tries a token exchange
// by default. Retrying is safe: an exchange has no side effect. A
// JWT is presented again only while more than half of its lifetime is
// left; after a longer wait (a server's Retry-After) the next attempt
// carries a newly signed JWT.
const DefaultMaxAttempts = 3

// Op is the Op of every token-exchange error.
const Op = telemetry.OpTokenExchange // "TokenExchange"; also its iamkit.operation

// MaxErrorText bounds the server text copied into an error.
const MaxErrorText = 512

// maxExchangeResponseBytes bounds a token-exchange response body.
const maxExchangeResponseBytes = 64 << 10

// Settings are an exchanger's options, as both exchangers have them.
type Settings struct {
	Provider    iam.Provider  // whose token service
	Endpoint    string        // the token URL
	HTTPClient  *http.Client  // nil: httpx's pooled client
	Clock       iam.Clock     // nil: the system clock
	Logger      *slog.Logger  // nil: discard
	MaxAttempts int           // 0: DefaultMaxAttempts
	BaseDelay   time.Duration // backoff base; 0: httpx's default
	MaxDelay    time.Duration // backoff cap; 0: httpx's default
	UserAgent   string        // appended to iamkit's

	TracerProvider trace.TracerProvider // nil: the global one
	MeterProvider  metric.MeterProvider // nil: the global one
	Propagate      bool                 // send the W3C trace context
}

// Check reports the first unusable setting; name is the constructor,
// named in the error ("nebiusauth: NewExchanger").
func Check(name string, s Settings) error {
	switch {
	case s.MaxAttempts < 0:
		return fmt.Errorf("%s: MaxAttempts %d is negative", name, s.MaxAttempts)
	case s.BaseDelay < 0 || s.MaxDelay < 0:
		return fmt.Errorf("%s: BaseDelay (%v) and MaxDelay (%v) must not be negative", name, s.BaseDelay, s.MaxDelay)
	}
	return checkEndpoint(name, s.Endpoint)
}

// Config is what both exchangers share once their options are checked.
type Config struct {
	provider    iam.Provider
	endpoint    string
	http        *httpx.Client
	maxAttempts int
	clock       iam.Clock
	logger      *slog.Logger
	calls       *telemetry.Calls
}

// NewConfig returns the exchange machinery for s, which [Check] accepted.
func NewConfig(s Settings) Config {
	c := Config{provider: s.Provider, endpoint: s.Endpoint, clock: s.Clock, logger: s.Logger, maxAttempts: s.MaxAttempts}
	if c.clock == nil {
		c.clock = clock.Real()
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.maxAttempts == 0 {
		c.maxAttempts = DefaultMaxAttempts
	}
	c.calls = telemetry.NewCalls(telemetry.CallsOptions{
		Scope: "auth/" + string(s.Provider) + "auth", Provider: s.Provider,
		TracerProvider: s.TracerProvider, MeterProvider: s.MeterProvider, Propagate: s.Propagate,
	})
	c.http = httpx.New(func(o *httpx.Options) {
		o.HTTPClient = s.HTTPClient
		o.MaxAttempts = c.maxAttempts
		o.BaseDelay, o.MaxDelay = s.BaseDelay, s.MaxDelay
		o.MaxResponseBytes = maxExchangeResponseBytes
		o.UserAgent = s.UserAgent
		o.Clock = c.clock
		o.Logger = c.logger
	})
	return c
}

// Provider returns the provider the exchanges are with.
func (c *Config) Provider() iam.Provider { return c.provider }

// Close closes the idle connections of the exchanger's own pool (none is
// closed on a caller's Settings.HTTPClient, whose transport others may
// share). The Config still works afterwards: a later exchange dials anew.
func (c *Config) Close() { c.http.CloseIdleConnections() }

// StartCall starts the telemetry of one exchange: its span (a child of
// ctx's) and metric points, ended by the returned Call's End with the
// exchange's outcome. Pass the Call to [Config.Exchange].
func (c *Config) StartCall(ctx context.Context) (context.Context, *telemetry.Call) {
	return c.calls.StartHTTP(ctx, Op, http.MethodPost, c.endpoint)
}

// checkEndpoint accepts an absolute https URL, or http to a loopback host
// (the emulators): a JWT never travels in clear text over a network.
func checkEndpoint(name, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%s: Endpoint %q is not an absolute http(s) URL", name, endpoint)
	}
	if u.User != nil {
		return fmt.Errorf("%s: Endpoint must not contain user info", name)
	}
	if u.Scheme == "http" && !loopback.IsHost(u.Hostname()) {
		return fmt.Errorf("%s: Endpoint %q uses plain http to a non-loopback host; use https", name, u.Redacted())
	}
	return nil
}

// Exchanged is the outcome of [Config.Exchange]: the final response
// (whatever its status), the JWT that request carried and the time that JWT
// was signed at.
type Exchanged struct {
	Resp     *httpx.Response // the final response
	JWT      iam.Secret      // the JWT it carried
	SignedAt time.Time       // when that JWT was signed
	Attempts int             // in all, over every JWT signed
}

// errJWTAged stops a retry that would present a JWT past half its life.
var errJWTAged = errors.New("the JWT is past half its lifetime")

// Exchange signs a JWT with signer, has body make the request body of it,
// and sends the request, retrying transport failures, throttling and 5xx
// answers up to maxAttempts in all. A retry never presents a JWT with less
// than half of its lifetime left (a Retry-After wait can outlive a 60 s
// JWT): before such an attempt a new JWT is signed, and the remaining
// attempts carry it. Transport failures come back as an *iam.Error that
// says the cause with the URL; a non-2xx answer comes back as a response.
//
// call (from [Config.StartCall]; nil: none) counts the attempts and
// records the request ID of the final answer; the W3C trace context goes
// with each attempt when propagation is on.
func (c *Config) Exchange(ctx context.Context, call *telemetry.Call, signer auth.JWTSigner, contentType string, body func(jwt iam.Secret) ([]byte, error)) (Exchanged, error) {
	var jwts []string // every JWT signed, scrubbed from errors and logs
	sent := 0
	for {
		now := c.clock.Now()
		jwt, err := signer.SignJWT(now)
		if err != nil {
			return Exchanged{}, &iam.Error{Provider: c.provider, Op: Op, Message: "signing the JWT failed", Err: err}
		}
		jwts = append(jwts, jwt.Reveal())
		b, err := body(jwt)
		if err != nil {
			return Exchanged{}, &iam.Error{Provider: c.provider, Op: Op, Message: "encoding the request failed"}
		}
		freshUntil := halfLife(jwt, now)
		calls := 0
		header := http.Header{
			"Content-Type": {contentType},
			"Accept":       {"application/json"},
		}
		c.calls.Inject(ctx, propagation.HeaderCarrier(header))
		resp, err := c.http.Do(ctx, &httpx.Request{
			Op:     Op,
			Method: http.MethodPost,
			URL:    c.endpoint,
			Header: header,
			Body:   b,
			Retry:  httpx.RetryIdempotent,
			// The attempts left, after those made with earlier JWTs.
			MaxAttempts: c.maxAttempts - sent,
			// Called before every attempt: a retry with an aged JWT is
			// stopped here, before it is sent, and made again below.
			Sign: func(*http.Request, []byte) error {
				calls++
				if calls > 1 && !freshUntil.IsZero() && !c.clock.Now().Before(freshUntil) {
					return errJWTAged
				}
				return nil
			},
			Secrets: jwts,
			Observe: func(_, status int, err error, retrying bool) { call.Attempt(status, "", err, retrying) },
		})
		if err != nil && errors.Is(err, errJWTAged) && sent+calls-1 < c.maxAttempts {
			sent += calls - 1
			c.logger.DebugContext(ctx, c.pkg()+": signing a new JWT for the next attempt", "provider", string(c.provider), "attempts", sent)
			call.Event("jwt re-signed")
			continue
		}
		if err != nil {
			// The cause (x509 reason, refused, reset, body too large),
			// once, after the method and URL that httpx names.
			e := &iam.Error{Provider: c.provider, Op: Op, Message: "request failed", Err: err}
			if ctx.Err() == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				e.Kind = iam.ErrUnavailable
			}
			return Exchanged{}, e
		}
		call.SetRequestID(RequestID(resp.Header, jwts...))
		return Exchanged{Resp: resp, JWT: jwt, SignedAt: now, Attempts: sent + resp.Attempts}, nil
	}
}

// halfLife returns the time at which a JWT signed at now has half of its
// lifetime (exp - iat, or exp - now without iat) left, or the zero time
// when its exp cannot be read (it is then never re-signed between
// attempts).
func halfLife(token iam.Secret, now time.Time) time.Time {
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token.Reveal(), &claims); err != nil || claims.ExpiresAt == nil {
		return time.Time{}
	}
	iat := now
	if claims.IssuedAt != nil {
		iat = claims.IssuedAt.Time
	}
	return iat.Add(claims.ExpiresAt.Sub(iat) / 2)
}

// ServerText makes server-sent text safe for an error: secrets scrubbed,
// control characters dropped, size-limited.
func ServerText(s string, secrets ...string) string {
	s = redact.String(s, secrets...)
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return redact.Truncate(strings.TrimSpace(s), MaxErrorText)
}

// RequestID returns the request ID a response header carries, if any,
// scrubbed of secrets and of anything credential-like and capped.
func RequestID(h http.Header, secrets ...string) string {
	for _, k := range []string{"X-Request-Id", "X-Req-Id", "X-Amzn-Requestid"} {
		if v := h.Get(k); v != "" {
			return redact.RequestID(v, secrets...)
		}
	}
	return ""
}

// Malformed is the error for a 2xx response that holds no usable token. Its
// text never carries the response body (which may hold a token).
func Malformed(provider iam.Provider, status int, why string) error {
	return &iam.Error{
		Provider:   provider,
		Op:         Op,
		HTTPStatus: status,
		Message:    "malformed token response: " + why,
		Kind:       iam.ErrUnavailable,
	}
}

// LogExchanged records a successful exchange at debug level: never the
// token, only when it expires.
func (c *Config) LogExchanged(ctx context.Context, t auth.Token, attempts int) {
	c.logger.DebugContext(ctx, c.pkg()+": token exchanged",
		"provider", string(c.provider), "expiry", t.Expiry.UTC().Format(time.RFC3339), "attempts", attempts)
}

// pkg returns the exchanger's package, the prefix of its log messages.
func (c *Config) pkg() string { return string(c.provider) + "auth" }
