package yandex

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/httpx"
	"github.com/iamkit/iamkit/internal/loopback"
	"github.com/iamkit/iamkit/internal/telemetry"
)

// Default endpoints of Yandex Cloud.
const (
	// DefaultEndpoint is the IAM REST API.
	DefaultEndpoint = "https://iam.api.cloud.yandex.net"
	// DefaultOperationEndpoint is the operation service, where
	// operations are polled.
	DefaultOperationEndpoint = "https://operation.api.cloud.yandex.net"
	// DefaultDiscoveryURL lists the endpoints of every service; see
	// [DiscoverEndpoints].
	DefaultDiscoveryURL = "https://api.cloud.yandex.net/endpoints"
)

// Options configure a [Client]. The zero value of every field means the
// default.
type Options struct {
	// Endpoint is the base URL of the IAM REST API (default
	// DefaultEndpoint). Plain http is accepted only for loopback hosts
	// (emulators).
	Endpoint string
	// OperationEndpoint is the base URL of the operation service (default
	// DefaultOperationEndpoint).
	OperationEndpoint string
	// ServiceAccountID is the service account that List and Create calls
	// act on when a request names none, and the default of
	// [NewKeyManager]. Empty: the API's default, the subject of the token.
	ServiceAccountID string
	// HTTPClient is the transport (TLS, proxies); default: a client of
	// this Client's own, with its own connection pool ([Client.Close]
	// closes its idle connections).
	HTTPClient *http.Client
	// MaxAttempts is the total number of attempts per call, retries
	// included (default 4).
	MaxAttempts int
	// BaseDelay and MaxDelay shape the full-jitter backoff between
	// attempts (defaults 100ms and 5s): the wait before retry n is random
	// in [0, min(BaseDelay·2^(n-1), MaxDelay)]. A server's Retry-After
	// is honoured instead, up to 30s.
	BaseDelay, MaxDelay time.Duration
	// AttemptTimeout bounds one attempt (one HTTP request and its answer)
	// of a call: default httpx.DefaultAttemptTimeout (30s), or
	// HTTPClient.Timeout when HTTPClient sets one; negative: no bound but
	// the caller's context. A call without a caller deadline then ends
	// after at most MaxAttempts × AttemptTimeout plus the backoff.
	AttemptTimeout time.Duration
	// Logger receives debug logs of requests (never bodies, tokens or
	// secrets); default: discard.
	Logger *slog.Logger
	// UserAgent is appended to iamkit's own "iamkit/<version>" in the
	// User-Agent header, as in every iamkit client (see package iam).
	UserAgent string
	// Clock is the time source for operation polling, retry waits and
	// expiry validation; nil means the system clock.
	Clock iam.Clock
	// PollInterval is the first wait between operation polls (default
	// 1s); later waits grow by half up to MaxPollInterval, unless the
	// server sends x-operation-poll-interval.
	PollInterval time.Duration
	// MaxPollInterval caps the wait between operation polls (default
	// 10s).
	MaxPollInterval time.Duration
	// NotFoundTolerance is how many NOT_FOUND answers operation polling
	// ignores (default 3): a new operation may not have reached every
	// replica yet. Negative: none.
	NotFoundTolerance int
	// TracerProvider receives a span per API call and MeterProvider the
	// call metrics; nil means the global ones (otel.GetTracerProvider,
	// otel.GetMeterProvider: no-ops unless the program installs an SDK).
	// See package iam, # Telemetry.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// PropagateTraceContext sends the W3C trace context (traceparent,
	// tracestate) of each call's span to the API. Default false: trace
	// IDs stay inside the program (package iam, # Telemetry).
	PropagateTraceContext bool
}

// validate refuses options that cannot work, saying which field is wrong.
// It does not change o.
func (o *Options) validate() error {
	if _, err := normalizeEndpoint("Endpoint", o.Endpoint, DefaultEndpoint); err != nil {
		return err
	}
	if _, err := normalizeEndpoint("OperationEndpoint", o.OperationEndpoint, DefaultOperationEndpoint); err != nil {
		return err
	}
	if err := checkOptionalID("ServiceAccountID", o.ServiceAccountID); err != nil {
		return fmt.Errorf("yandex: option %w", err)
	}
	switch {
	case o.MaxAttempts < 0:
		return fmt.Errorf("yandex: option MaxAttempts is %d, want ≥ 0", o.MaxAttempts)
	case o.BaseDelay < 0:
		return fmt.Errorf("yandex: option BaseDelay is %v, want ≥ 0", o.BaseDelay)
	case o.MaxDelay < 0:
		return fmt.Errorf("yandex: option MaxDelay is %v, want ≥ 0", o.MaxDelay)
	case o.PollInterval < 0:
		return fmt.Errorf("yandex: option PollInterval is %v, want ≥ 0", o.PollInterval)
	case o.MaxPollInterval < 0:
		return fmt.Errorf("yandex: option MaxPollInterval is %v, want ≥ 0", o.MaxPollInterval)
	}
	return nil
}

// setDefaults fills what the options leave zero. New calls it on its own
// copy, after validate.
func (o *Options) setDefaults() {
	o.Endpoint, _ = normalizeEndpoint("Endpoint", o.Endpoint, DefaultEndpoint)
	o.OperationEndpoint, _ = normalizeEndpoint("OperationEndpoint", o.OperationEndpoint, DefaultOperationEndpoint)
	if o.MaxAttempts == 0 {
		o.MaxAttempts = httpx.DefaultMaxAttempts
	}
	if o.BaseDelay == 0 {
		o.BaseDelay = httpx.DefaultBaseDelay
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = httpx.DefaultMaxDelay
	}
	if o.MaxDelay < o.BaseDelay {
		o.MaxDelay = o.BaseDelay
	}
	if o.AttemptTimeout == 0 {
		o.AttemptTimeout = httpx.DefaultAttemptTimeout
		if o.HTTPClient != nil && o.HTTPClient.Timeout > 0 {
			o.AttemptTimeout = o.HTTPClient.Timeout
		}
	}
	if o.PollInterval == 0 {
		o.PollInterval = time.Second
	}
	if o.MaxPollInterval == 0 {
		o.MaxPollInterval = 10 * time.Second
	}
	if o.MaxPollInterval < o.PollInterval {
		o.MaxPollInterval = o.PollInterval
	}
	switch {
	case o.NotFoundTolerance == 0:
		o.NotFoundTolerance = 3
	case o.NotFoundTolerance < 0:
		o.NotFoundTolerance = 0
	}
}

// Client is a Yandex Cloud IAM REST client: one sub-client per resource,
// all sharing one transport and token source.
//
// A Client is safe for concurrent use.
type Client struct {
	apiKeys    *APIKeys
	accessKeys *AccessKeys
	keys       *Keys
	ephemeral  *EphemeralAccessKeys
	operations *Operations

	t *transport
}

// New returns a Client that authenticates with the IAM tokens of ts
// (for example the *auth.Cache of yandexauth.ServiceAccount, or an
// oauth2.StaticTokenSource). When ts implements auth.ContextTokenSource its
// context-aware method is used, and when it implements auth.Invalidator a
// 401 answer invalidates the token and the call is retried once.
//
// New does no I/O; it returns an error that names the field if an option
// is invalid. Nil option functions are skipped.
func New(ts oauth2.TokenSource, optFns ...func(*Options)) (*Client, error) {
	if ts == nil {
		return nil, errors.New("yandex: New: token source is nil")
	}
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	o.setDefaults()
	t := &transport{
		ts:     ts,
		iamURL: o.Endpoint,
		opURL:  o.OperationEndpoint,
		clock:  clock.Or(o.Clock),
		opts:   o,
		calls: telemetry.NewCalls(telemetry.CallsOptions{Scope: "iam/yandex", Provider: iam.Yandex,
			TracerProvider: o.TracerProvider, MeterProvider: o.MeterProvider, Propagate: o.PropagateTraceContext}),
	}
	t.http = httpx.New(func(h *httpx.Options) {
		h.HTTPClient = o.HTTPClient
		h.MaxAttempts = o.MaxAttempts
		h.BaseDelay = o.BaseDelay
		h.MaxDelay = o.MaxDelay
		h.AttemptTimeout = o.AttemptTimeout
		h.Clock = o.Clock
		h.Logger = o.Logger
		h.UserAgent = o.UserAgent
	})
	ops := &Operations{t: t}
	return &Client{
		apiKeys:    &APIKeys{t: t, ops: ops},
		accessKeys: &AccessKeys{t: t, ops: ops},
		keys:       &Keys{t: t, ops: ops},
		ephemeral:  &EphemeralAccessKeys{t: t},
		operations: ops,
		t:          t,
	}, nil
}

// APIKeys returns the sub-client of service-account API keys
// (/iam/v1/apiKeys).
func (c *Client) APIKeys() *APIKeys { return c.apiKeys }

// AccessKeys returns the sub-client of static (AWS-compatible) access
// keys; [NewKeyManager] makes an iam.KeyManager of them.
func (c *Client) AccessKeys() *AccessKeys { return c.accessKeys }

// Keys returns the sub-client of authorized keys (/iam/v1/keys), the keys
// JWTs are signed with.
func (c *Client) Keys() *Keys { return c.keys }

// EphemeralAccessKeys returns the sub-client that issues short-lived
// AWS-compatible keys.
func (c *Client) EphemeralAccessKeys() *EphemeralAccessKeys { return c.ephemeral }

// Operations returns the sub-client that reads, waits for and cancels
// operations.
func (c *Client) Operations() *Operations { return c.operations }

// Endpoint returns the IAM base URL the client calls.
func (c *Client) Endpoint() string { return c.t.iamURL }

// ServiceAccountID returns Options.ServiceAccountID ("": the token's
// subject).
func (c *Client) ServiceAccountID() string { return c.t.opts.ServiceAccountID }

// Close closes the idle connections of the pool the client made for
// itself (Options.HTTPClient nil); it does nothing to a caller's
// HTTPClient, whose transport others may share. The client still works
// after Close (a new call opens a new connection). It always returns nil.
func (c *Client) Close() error {
	c.t.http.CloseIdleConnections()
	return nil
}

// normalizeEndpoint checks a base URL and strips its trailing slash.
func normalizeEndpoint(name, v, def string) (string, error) {
	if v == "" {
		return def, nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("yandex: option %s %q is not an absolute http(s) URL", name, v)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("yandex: option %s %q must not have user info, a query or a fragment", name, v)
	}
	if u.Scheme == "http" && !loopback.IsHost(u.Hostname()) {
		return "", fmt.Errorf("yandex: option %s %q: plain http is allowed only for loopback hosts (tokens would travel unencrypted)", name, v)
	}
	return strings.TrimRight(u.String(), "/"), nil
}
