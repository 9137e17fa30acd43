package yandex

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/httpx"
	"github.com/iamkit/iamkit/internal/loopback"
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
	// act on when a request names none, and whose static access keys the
	// iam.KeyManager methods of AccessKeys manage. Empty: the API's
	// default, the subject of the token.
	ServiceAccountID string
	// HTTPClient is the transport (TLS, proxies); default: a pooled
	// client with timeouts.
	HTTPClient *http.Client
	// MaxAttempts is the total number of attempts per call, retries
	// included (default 4).
	MaxAttempts int
	// Logger receives debug logs of requests (never bodies, tokens or
	// secrets); default: discard.
	Logger *slog.Logger
	// UserAgent is appended to iamkit's User-Agent (the rule of the iam
	// package, # User-Agent).
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
}

// Client is a Yandex Cloud IAM REST client: one value per concern, all
// sharing one transport and token source.
//
// A Client is safe for concurrent use.
type Client struct {
	// APIKeys manages service-account API keys (/iam/v1/apiKeys).
	APIKeys *APIKeys
	// AccessKeys manages static (AWS-compatible) access keys; it is an
	// iam.KeyManager.
	AccessKeys *AccessKeys
	// Keys manages authorized keys (/iam/v1/keys), the keys JWTs are
	// signed with.
	Keys *Keys
	// EphemeralAccessKeys issues short-lived AWS-compatible keys.
	EphemeralAccessKeys *EphemeralAccessKeys
	// Operations reads and waits for operations.
	Operations *Operations

	t *transport
}

// New returns a Client that authenticates with the IAM tokens of ts
// (for example the *auth.Cache of yandexauth.ServiceAccount, or an
// oauth2.StaticTokenSource). When ts implements auth.ContextTokenSource its
// context-aware method is used, and when it implements auth.Invalidator a
// 401 answer invalidates the token and the call is retried once.
//
// New does no I/O; it returns an error if an option is invalid.
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
	if err := o.setDefaults(); err != nil {
		return nil, err
	}
	t := &transport{
		ts:     ts,
		iamURL: o.Endpoint,
		opURL:  o.OperationEndpoint,
		clock:  clock.Or(o.Clock),
		opts:   o,
	}
	t.http = httpx.New(func(h *httpx.Options) {
		h.HTTPClient = o.HTTPClient
		h.MaxAttempts = o.MaxAttempts
		h.Clock = o.Clock
		h.Logger = o.Logger
		if o.UserAgent != "" {
			h.UserAgent = o.UserAgent
		}
	})
	ops := &Operations{t: t}
	return &Client{
		APIKeys:             &APIKeys{t: t, ops: ops},
		AccessKeys:          &AccessKeys{t: t, ops: ops},
		Keys:                &Keys{t: t, ops: ops},
		EphemeralAccessKeys: &EphemeralAccessKeys{t: t},
		Operations:          ops,
		t:                   t,
	}, nil
}

func (o *Options) setDefaults() error {
	var err error
	if o.Endpoint, err = normalizeEndpoint("Endpoint", o.Endpoint, DefaultEndpoint); err != nil {
		return err
	}
	if o.OperationEndpoint, err = normalizeEndpoint("OperationEndpoint", o.OperationEndpoint, DefaultOperationEndpoint); err != nil {
		return err
	}
	if err := checkOptionalID("ServiceAccountID", o.ServiceAccountID); err != nil {
		return fmt.Errorf("yandex: option %w", err)
	}
	if o.MaxAttempts < 0 {
		return fmt.Errorf("yandex: option MaxAttempts is %d, want ≥ 0", o.MaxAttempts)
	}
	if o.PollInterval < 0 || o.MaxPollInterval < 0 {
		return errors.New("yandex: options PollInterval and MaxPollInterval must not be negative")
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
